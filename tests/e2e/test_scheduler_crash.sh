#!/usr/bin/env bash
# The outbox is crash-safe: `smsdesk --scheduler --once` is killed with SIGKILL (by the
# SMSDESK_CRASH_AT test hook) after a claim, after the POST, and inside the transaction that
# records the SID, many times each, mid-drain; then clean passes run. The simulator must have
# received every reminder exactly once, and the database must show every reminder sent.
# Usage: test_scheduler_crash.sh path/to/smsdesk
set -u
B=${1:?usage: $0 path/to/smsdesk}
N=${CRASH_BATCH:-60}     # appointments per crash point
RUNS=${CRASH_RUNS:-20}   # crashing passes per point
PROB=${CRASH_PROB:-0.2}  # chance of dying at each armed hit

D=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-crash.XXXXXX")
SIM_PID=""
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
fail() {
	echo "FAIL (test_scheduler_crash): $*" >&2
	[ -f "$D/sched.log" ] && tail -15 "$D/sched.log" >&2
	exit 1
}

export SMSDESK_DB=$D/smsdesk.db SMSDESK_KEY_FILE=$D/key
"$B" sim --step-ms 20 >"$D/sim.out" 2>"$D/sim.err" &
SIM_PID=$!
deadline=$((SECONDS + 10))
while ! grep -q '^auth_token=' "$D/sim.out" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the simulator did not start: $(cat "$D/sim.err")"
	sleep 0.05
done
URL=$(sed -n 's/^base_url=//p' "$D/sim.out")
AC=$(sed -n 's/^account_sid=//p' "$D/sim.out")
TOKEN=$(sed -n 's/^auth_token=//p' "$D/sim.out")

# Scheduler time starts a day in the past (the simulator keeps real time, so Twilio's
# DateSent is always after our claims) and moves 5 minutes per pass, past the 2-minute
# staleness after which a dead sender's claim is reconciled.
t=$(( ($(date +%s) - 86400) / 60 * 60 ))
export SMSDESK_FAKE_NOW=$t
"$B" init >/dev/null || fail "init"
"$B" tenant add "Crash Clinic" --timezone UTC --phone +13125550100 >/dev/null || fail "tenant add"
echo "$TOKEN" | "$B" settings set --account-sid "$AC" --from +13125550199 --api-base "$URL" --auth-token-stdin \
	quiet_start 0 quiet_end 1440 >/dev/null || fail "settings"

mobiles=()
# Adds N patients, each with an appointment 12 h after the current scheduler time.
add_batch() {
	local k=$1 i pid at
	at=$(date -u -d "@$((t + 43200))" '+%Y-%m-%d %H:%M')
	for ((i = 0; i < N; i++)); do
		local m
		m=$(printf '+1415555%04d' $((k * 100 + i)))
		pid=$("$B" patient add --first "P$k-$i" --last Crash --mobile "$m" | sed -n 's/^added patient \([0-9]*\):.*/\1/p')
		[ -n "$pid" ] || fail "patient add $m"
		"$B" appointment add --patient "$pid" --provider "Dr. Kill" --at "$at" >/dev/null || fail "appointment add"
		mobiles+=("$m")
	done
}

k=1
for point in after_claim after_post before_record; do
	add_batch $k
	k=$((k + 1))
	kills=0
	for ((run = 0; run < RUNS; run++)); do
		t=$((t + 300))
		# In a subshell whose own stderr is dropped: the shell's "Killed" notice is noise here.
		rc=$({ SMSDESK_FAKE_NOW=$t SMSDESK_CRASH_AT=$point SMSDESK_CRASH_PROB=$PROB \
			"$B" --scheduler --once 2>>"$D/sched.log"; echo $?; } 2>/dev/null)
		case $rc in
		137) kills=$((kills + 1)) ;;
		0) ;;
		*) fail "pass with $point ended with exit code $rc" ;;
		esac
	done
	[ $kills -ge 3 ] || fail "$point: only $kills of $RUNS passes died at the hook"
	echo "ok: $point: $kills of $RUNS passes killed mid-drain"
done

# Clean passes settle every interrupted claim and send what is left.
for ((run = 0; run < 3; run++)); do
	t=$((t + 300))
	SMSDESK_FAKE_NOW=$t "$B" --scheduler --once 2>>"$D/sched.log" || fail "clean pass exit code $?"
done

total=${#mobiles[@]}
for m in "${mobiles[@]}"; do
	count=$(curl -s "$URL/sim/outbound?To=%2B${m#+}" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
	[ "$count" = 1 ] || fail "$m received ${count:-?} reminders, not exactly 1"
done
# STATUS is the message's own as Twilio reported it (its first answer is "queued" with a SID).
sent=$(SMSDESK_FAKE_NOW=$t "$B" reminders --show sent --limit 100000 | grep -cE ' (sent|delivered|accepted|queued) ')
[ "$sent" = "$total" ] || fail "$sent of $total reminders show as sent"
other=$(SMSDESK_FAKE_NOW=$t "$B" reminders --show all --limit 100000 | tail -n +2 | grep -vcE ' (sent|delivered|accepted|queued) ')
[ "$other" = 0 ] || fail "$other reminders are not sent: $("$B" reminders --show all | grep -vE ' (sent|delivered|accepted|queued) ' | head -5)"
if grep -qE '[0-9]{7,}' "$D/sched.log"; then
	fail "a log line holds a full number: $(grep -E '[0-9]{7,}' "$D/sched.log" | head -1)"
fi
echo "ok: $total reminders, each received exactly once and recorded sent"
