#!/usr/bin/env bash
# Issue 13's loop with the real binary, process by process: the Twilio simulator (`smsdesk sim`),
# a fake EHR (`smsdesk ehr fake-ehr`) and the scheduler (`--scheduler --mllp`). An SIU^S12 sent
# over MLLP -> the reminder reaches the simulator -> the patient answers C -> an SIU^S14 saying
# CONFIRMED arrives at the fake EHR, once. A malformed message then gets a NAK (AR) and changes
# nothing: same patients, same appointments, no second reminder, no second write-back.
# Usage: test_ehr_loop.sh path/to/smsdesk
set -u
B=${1:?usage: $0 path/to/smsdesk}
D=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-ehrloop.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
fail() {
	echo "FAIL (test_ehr_loop): $*" >&2
	for f in "$D"/*.log "$D"/*.out; do [ -s "$f" ] && { echo "--- $f" >&2; tail -12 "$f" >&2; }; done
	exit 1
}
pass() { echo "ok (test_ehr_loop): $*"; }
# Waits until file $1 matches the extended regex $2 (deadline $3 s, default 20).
wait_file() {
	local deadline=$((SECONDS + ${3:-20}))
	while ! grep -qE -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "no '$2' in $1"
		sleep 0.1
	done
}
export SMSDESK_DB=$D/smsdesk.db SMSDESK_KEY_FILE=$D/key LANG=C.UTF-8
MOBILE=+13125557001 FROM=+13125550199

"$B" sim --step-ms 20 >"$D/sim.out" 2>"$D/sim.log" &
PIDS+=($!)
wait_file "$D/sim.out" '^auth_token=' 10
URL=$(sed -n 's/^base_url=//p' "$D/sim.out")
AC=$(sed -n 's/^account_sid=//p' "$D/sim.out")
TOKEN=$(sed -n 's/^auth_token=//p' "$D/sim.out")

"$B" ehr fake-ehr 127.0.0.1:0 >"$D/ehr.out" 2>"$D/ehr.log" &
PIDS+=($!)
wait_file "$D/ehr.out" '^fake EHR listening on port [0-9]+' 10
ehr_port=$(grep -oE 'port [0-9]+' "$D/ehr.out" | grep -oE '[0-9]+')

"$B" init >/dev/null || fail "init"
# The default template gives {clinicPhone}: the EHR's patients have no consent on file.
"$B" tenant add "Loop Clinic" --timezone UTC --phone +13125550100 >/dev/null || fail "tenant add"
echo "$TOKEN" | "$B" settings set --account-sid "$AC" --from "$FROM" --api-base "$URL" --texting-hours 00:00-24:00 \
	--auth-token-stdin >/dev/null || fail "settings"
"$B" ehr set --facility LOOP --writeback "127.0.0.1:$ehr_port" >/dev/null || fail "ehr set"

"$B" --scheduler --mllp 127.0.0.1:0 --interval 1 2>"$D/sched.log" &
PIDS+=($!)
wait_file "$D/sched.log" "ehr.listen addr=127.0.0.1:0 port=[0-9]+"
port=$(grep -oE 'ehr.listen addr=[^ ]+ port=[0-9]+' "$D/sched.log" | grep -oE '[0-9]+$')

# The appointment is in 23 hours: its 24h reminder is due now.
start=$(TZ=UTC date -d "@$(($(date +%s) + 23 * 3600))" +%Y%m%d%H%M%S)+0000
printf 'MSH|^~\\&|EHR|NORTH|SMSDESK|LOOP|20261201||SIU^S12^SIU_S12|LOOP1|P|2.5.1\rSCH|A9|A9|||||||30|MIN|^^30^%s||||||||||||||Booked\rPID|1||MRN9^^^^MR||Lopez^Rosa||||||||^PRN^CP^^1^312^5557001\rAIP|1||D1^Lee^Ann^^^Dr.\r' "$start" >"$D/s12.hl7"
out=$("$B" ehr send "127.0.0.1:$port" "$D/s12.hl7") || fail "S12 not acknowledged AA: $out"
[ "$out" = AA ] || fail "S12 answered $out"
pass "S12 over MLLP answered AA"

# The reminder reaches the simulator (Twilio's side) for the patient's mobile.
sent() { curl -sf --max-time 5 -G --data-urlencode "To=$MOBILE" "$URL/sim/outbound"; }
deadline=$((SECONDS + 30))
until sent | grep -q 'Reply C to confirm'; do
	[ $SECONDS -lt $deadline ] || fail "no reminder reached the simulator: $(sent)"
	sleep 0.2
done
pass "the reminder was sent through the Twilio simulator"

curl -sf --max-time 5 --data-urlencode "From=$MOBILE" --data-urlencode "To=$FROM" --data-urlencode "Body=C" \
	"$URL/sim/inbound" >/dev/null || fail "the simulator refused the patient's answer"
wait_file "$D/ehr.out" 'CONFIRMED' 30
# One segment a line: MSH-9 the type, SCH-1/2 the EHR's appointment id, PID-3 its patient id.
grep -qE '^MSH\|.*\|SIU\^S14\|' "$D/ehr.out" || fail "the write-back is not an SIU^S14: $(cat "$D/ehr.out")"
grep -qE '^SCH\|A9\|A9\|.*CONFIRMED' "$D/ehr.out" || fail "the write-back lacks the EHR's appointment id"
grep -qE '^PID\|1\|\|MRN9\^' "$D/ehr.out" || fail "the write-back lacks the EHR's patient id"
"$B" ehr outbox | grep -qE 'confirmed +sent' || fail "the outbox row is not sent: $("$B" ehr outbox)"
pass "the patient's C arrived at the fake EHR as an SIU^S14 CONFIRMED"

# Sites that import files get the same answer from the status export, in both formats.
"$B" ehr export --format csv | grep -qE '^A9,MRN9,[0-9T:-]+Z,confirmed,' ||
	fail "the CSV export lacks the confirmation: $("$B" ehr export --format csv)"
"$B" ehr export --format fhir | grep -q '"accepted"' || fail "the FHIR export lacks the accepted participant"
"$B" ehr export --format xml >/dev/null 2>&1
[ $? = 64 ] || fail "an unknown export format was not refused as usage"
pass "ehr export says confirmed (CSV) and accepted (FHIR)"

# A malformed message: NAK, and nothing changes (counted before and after, after passes).
before_p=$("$B" patient list 2>/dev/null | grep -c Lopez)
before_r=$(sent | grep -o 'Reply C to confirm' | wc -l)
printf 'MSH|^~\\&|EHR|NORTH|SMSDESK|LOOP|1||SIU^S14|LOOP2|P|2.5\rSCH|A9|A9\rPID|1||\\Q\\\r' >"$D/bad.hl7"
out=$("$B" ehr send "127.0.0.1:$port" "$D/bad.hl7")
rc=$?
[ "$out" = AR ] && [ $rc = 3 ] || fail "the malformed message answered '$out' (exit $rc), wanted AR (exit 3)"
passes=$(grep -c 'reminders.pass' "$D/sched.log")
wait_file "$D/sched.log" "ehr.in type=\? code=AR"
deadline=$((SECONDS + 20))
while [ "$(grep -c 'reminders.pass' "$D/sched.log")" -lt $((passes + 2)) ]; do
	[ $SECONDS -lt $deadline ] || fail "the scheduler made no more passes"
	sleep 0.2
done
[ "$("$B" patient list 2>/dev/null | grep -c Lopez)" = "$before_p" ] || fail "the malformed message changed the patients"
[ "$(sent | grep -o 'Reply C to confirm' | wc -l)" = "$before_r" ] || fail "a second reminder went out"
"$B" reminders --show all | grep -q 'confirmed' || fail "the confirmation was lost: $("$B" reminders --show all)"
[ "$(grep -c '^SCH|.*CONFIRMED' "$D/ehr.out")" = 1 ] ||
	fail "the EHR got the confirmation $(grep -c '^SCH|.*CONFIRMED' "$D/ehr.out") times"
pass "a malformed message gets a NAK and changes nothing; the EHR got the confirmation once"
exit 0
