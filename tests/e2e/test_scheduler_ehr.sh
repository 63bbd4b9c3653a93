#!/usr/bin/env bash
# The scheduler's EHR side with the real binary: `--scheduler --mllp` answers each HL7 message
# over MLLP with an ACK (AA applied; AR for a malformed one, which changes nothing), keeps
# serving after it, reads the --hl7-dir drop folder, and `smsdesk plan` lists the reminder the
# new appointment will get. `smsdesk ehr send` plays the EHR.
# Usage: test_scheduler_ehr.sh path/to/smsdesk
set -u
B=${1:?usage: $0 path/to/smsdesk}
D=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-ehr.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
fail() {
	echo "FAIL (test_scheduler_ehr): $*" >&2
	for f in "$D"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -10 "$f" >&2; }; done
	exit 1
}
pass() { echo "ok (test_scheduler_ehr): $*"; }
# Waits until file $1 matches the extended regex $2 (deadline $3 s, default 10).
wait_log() {
	local deadline=$((SECONDS + ${3:-10}))
	while ! grep -qE -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "no '$2' in $1"
		sleep 0.05
	done
}

export SMSDESK_DB=$D/smsdesk.db SMSDESK_KEY_FILE=$D/key
# Noon in Chicago tomorrow is the appointment; now is 10:00 today there.
now=$(TZ=America/Chicago date -d 'today 10:00' +%s)
export SMSDESK_FAKE_NOW=$now
start=$(TZ=UTC date -d "@$((now + 26 * 3600))" +%Y%m%d%H%M%S)+0000
"$B" init >/dev/null || fail "init"
"$B" tenant add "EHR Clinic" --timezone America/Chicago --phone +13125550100 >/dev/null || fail "tenant add"
"$B" ehr set --facility SMSDESK >/dev/null || fail "ehr set"
# The write-back type goes into MSH-9 of an SIU body: only SIU^S12..S26, a separator never.
"$B" ehr set --writeback-type 'SI|^S14' >/dev/null 2>&1
[ $? = 64 ] || fail "a write-back type with a field separator was not refused as usage (exit 64)"
"$B" ehr set --writeback-type ORU^R02 2>&1 | grep -q "SIU^S12 to SIU^S26 .* or ORU^R01" || fail "ORU^R02 not refused in words"
"$B" ehr set --writeback-type SIU^S13 >/dev/null || fail "SIU^S13 refused"
"$B" ehr show | grep -q "ehr_writeback_type .*SIU^S13" || fail "ehr show lacks the write-back type: $("$B" ehr show)"
mkdir -p "$D/drop"

"$B" --scheduler --mllp 127.0.0.1:0 --hl7-dir "$D/drop" --interval 1 2>"$D/sched.log" &
PIDS+=($!)
wait_log "$D/sched.log" "ehr.listen addr=127.0.0.1:0 port=[0-9]+"
port=$(grep -oE 'ehr.listen addr=[^ ]+ port=[0-9]+' "$D/sched.log" | grep -oE '[0-9]+$')
addr=127.0.0.1:$port

printf 'MSH|^~\\&|EHR|NORTH|SMSDESK|SMSDESK|20261201||SIU^S12^SIU_S12|E2E1|P|2.5.1\rSCH|A1|A1|||||||30|MIN|^^30^%s||||||||||||||Booked\rPID|1||MRN7^^^^MR||Lopez^Rosa||||||||^PRN^CP^^1^312^5557001\rAIP|1||D1^Lee^Ann^^^Dr.\r' "$start" >"$D/s12.hl7"
out=$("$B" ehr send "$addr" "$D/s12.hl7") || fail "S12 not acknowledged AA: $out"
[ "$out" = AA ] || fail "S12 answered $out"
wait_log "$D/sched.log" "ehr.in type=SIU\^S12 code=AA appt=1"
pass "an S12 over MLLP is applied and answered AA"

printf 'MSH|^~\\&|EHR|NORTH|SMSDESK|SMSDESK|1||SIU^S12|E2E2|P|2.5\rPID|1||\\Q\\\r' >"$D/bad.hl7"
out=$("$B" ehr send "$addr" "$D/bad.hl7")
rc=$?
[ "$out" = AR ] && [ $rc = 3 ] || fail "a malformed message answered '$out' (exit $rc), wanted AR (exit 3)"
head -c 300 /dev/urandom >"$D/noise.hl7"
out=$("$B" ehr send "$addr" "$D/noise.hl7")
[ "$out" = AR ] || fail "random bytes answered '$out'"
wait_log "$D/sched.log" "ehr.in type=\? code=AR"
kill -0 "${PIDS[0]}" || fail "the scheduler died on a malformed message"
pats=$("$B" patient list 2>/dev/null | grep -c Lopez)
[ "$pats" = 1 ] || fail "a malformed message changed the patients ($pats Lopez rows)"
pass "malformed messages get AR, change nothing, and the listener keeps serving"

sed 's/E2E1/E2E3/; s/SIU^S12^SIU_S12/SIU^S15/' "$D/s12.hl7" >"$D/drop/001.hl7"
wait_log "$D/sched.log" "ehr.file file=001.hl7 type=SIU\^S15 code=AA"
[ -f "$D/drop/done/001.hl7" ] && [ -f "$D/drop/done/001.hl7.ack" ] || fail "the dropped file was not moved with its ACK"
pass "a dropped file is applied and moved to done/ with its ACK"

# Back to scheduled by a new S12 (another id): the plan shows its 24h reminder.
sed 's/E2E1/E2E4/; s/|A1|A1|/|A2|A2|/' "$D/s12.hl7" >"$D/s12b.hl7"
[ "$("$B" ehr send "$addr" "$D/s12b.hl7")" = AA ] || fail "second S12"
plan=$("$B" plan 48h) || fail "plan failed: $plan"
echo "$plan" | grep -qE '^[0-9-]+ [0-9:]+ +24h .*Rosa Lopez +from the EHR$' || fail "plan lacks the 24h reminder marked from the EHR: $plan"
echo "$plan" | grep -q "none: appointment cancelled" || fail "plan lacks the cancelled one: $plan"
pass "smsdesk plan lists the reminder and the reason the cancelled one gets none"
[ -n "${SHOW_PLAN:-}" ] && echo "$plan"

# A FHIR server that is not there: the token is stored encrypted (never shown), the pass says
# the location failed, and the scheduler goes on.
echo "secret-token-e2e" | "$B" ehr set-fhir-token >/dev/null || fail "set-fhir-token"
"$B" ehr set --fhir-base http://127.0.0.1:1/fhir >/dev/null || fail "ehr set --fhir-base"
"$B" ehr show | grep -q "fhir_base .*127.0.0.1:1/fhir" || fail "ehr show lacks fhir_base"
"$B" ehr show | grep -q "secret-token-e2e" && fail "ehr show printed the token"
wait_log "$D/sched.log" "ehr.fhir .*failed=1"
grep -q "secret-token-e2e" "$D/sched.log" && fail "the token reached the log"
kill -0 "${PIDS[0]}" || fail "the scheduler died on an unreachable FHIR server"
pass "FHIR polling: token stored encrypted, an unreachable server is logged and survived"
exit 0
