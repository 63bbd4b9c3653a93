#!/usr/bin/env bash
# The scheduler daemon stops cleanly: SIGTERM (and SIGINT) while it waits between passes end
# it with exit code 0 within a few seconds, the sync lease released; a second scheduler
# started while the first runs waits for the lease instead of doing the Twilio work.
# Usage: test_scheduler_signals.sh path/to/smsdesk
set -u
B=${1:?usage: $0 path/to/smsdesk}
D=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-sig.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
fail() {
	echo "FAIL (test_scheduler_signals): $*" >&2
	for f in "$D"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -10 "$f" >&2; }; done
	exit 1
}
# Waits until file $1 holds the fixed string $2 (deadline $3 s, default 10).
wait_log() {
	local deadline=$((SECONDS + ${3:-10}))
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "no '$2' in $1"
		sleep 0.05
	done
}
# Waits for pid $1 to exit within $2 seconds (then `wait` collects its exit code).
wait_gone() {
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "pid $1 still running after $2 s"
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ] && return
		sleep 0.05
	done
}

export SMSDESK_DB=$D/smsdesk.db SMSDESK_KEY_FILE=$D/key
"$B" init >/dev/null || fail "init"
"$B" tenant add "Signal Clinic" --timezone America/Chicago --phone "(312) 555-0100" >/dev/null || fail "tenant add"

for sig in TERM INT; do
	log=$D/daemon-$sig.log
	"$B" --scheduler --interval 30 2>"$log" &
	pid=$!
	PIDS+=("$pid")
	wait_log "$log" "lease.taken"
	wait_log "$log" "reminders.pass"
	# A second scheduler meanwhile: the lease is busy, it says so and does no sync work.
	if [ $sig = TERM ]; then
		"$B" --scheduler --once 2>"$D/second.log" || fail "second scheduler exit code $?"
		grep -q "lease.busy holder=scheduler@" "$D/second.log" || fail "the second scheduler did not see the lease busy"
		grep -q "sync.pass" "$D/second.log" && fail "the second scheduler did sync work without the lease"
	fi
	kill -s $sig "$pid"
	wait_gone "$pid" 5
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || fail "SIG$sig: exit code $rc, wanted 0"
	grep -q "scheduler.signal signal=SIG$sig" "$log" || fail "SIG$sig was not logged"
	grep -q "lease.released" "$log" || fail "SIG$sig: the lease was not released"
	# Released means the next scheduler takes it at once.
	"$B" --scheduler --once 2>"$D/after.log" || fail "scheduler after SIG$sig exit code $?"
	grep -q "lease.taken" "$D/after.log" || fail "the lease was still held after SIG$sig"
	echo "ok: SIG$sig stops the daemon with exit code 0 and releases the lease"
done

# SIGTERM in the middle of a drain (each POST slowed to 300 ms, one message per step): the
# daemon finishes the message in hand and exits 0 at once; nothing is lost or sent twice.
"$B" sim --step-ms 50 >"$D/sim.out" 2>"$D/sim.log" &
PIDS+=("$!")
deadline=$((SECONDS + 10))
while ! grep -q '^auth_token=' "$D/sim.out" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the simulator did not start"
	sleep 0.05
done
URL=$(sed -n 's/^base_url=//p' "$D/sim.out")
echo "$(sed -n 's/^auth_token=//p' "$D/sim.out")" | "$B" settings set --account-sid "$(sed -n 's/^account_sid=//p' "$D/sim.out")" \
	--from +13125550199 --api-base "$URL" --auth-token-stdin quiet_start 0 quiet_end 1440 >/dev/null || fail "settings"
at=$(TZ=America/Chicago date -d '+20 hours' '+%Y-%m-%d %H:%M')
for i in $(seq 10 29); do
	pid=$("$B" patient add --first "S$i" --last Term --mobile "+1415555$(printf %04d $((7000 + i)))" |
		sed -n 's/^added patient \([0-9]*\):.*/\1/p')
	"$B" appointment add --patient "$pid" --provider "Dr. Stop" --at "$at" >/dev/null || fail "appointment add"
done
curl -sf --data "Fault=slow&Count=100&Param=300" "$URL/sim/fault" >/dev/null || fail "sim fault"
log=$D/daemon-drain.log
"$B" --scheduler --interval 30 --drain-chunk 1 2>"$log" &
pid=$!
PIDS+=("$pid")
wait_log "$log" "reminders.pass appointments=20 queued=20"
sleep 0.5 # a message or two into the drain (the POSTs take 300 ms each)
kill -s TERM "$pid"
wait_gone "$pid" 5
wait "$pid"
rc=$?
[ "$rc" = 0 ] || fail "SIGTERM mid-drain: exit code $rc"
grep -q "outbox.drain" "$log" || fail "the drain step did not finish and report"
grep -q "lease.released" "$log" || fail "SIGTERM mid-drain: the lease was not released"
left=$(grep -o 'outbox.drain sent=[0-9]*' "$log" | grep -o '[0-9]*$')
[ "${left:-20}" -lt 20 ] || fail "the daemon drained everything instead of stopping ($left sent)"
curl -sf --data "Fault=none&Count=0&Param=0" "$URL/sim/fault" >/dev/null
"$B" --scheduler --once 2>"$D/finish.log" || fail "the pass after the stop failed"
for i in $(seq 10 29); do
	n=$(curl -s "$URL/sim/outbound?To=%2B1415555$(printf %04d $((7000 + i)))" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
	[ "$n" = 1 ] || fail "patient S$i received ${n:-?} reminders after the mid-drain stop"
done
echo "ok: SIGTERM mid-drain stops after the message in hand ($left sent), the rest go out once on the next pass"

# Bad options are usage errors, not a daemon started by mistake.
"$B" --scheduler --interval 0 2>/dev/null
[ $? = 64 ] || fail "--interval 0 was accepted"
"$B" --scheduler --frobnicate 2>/dev/null
[ $? = 64 ] || fail "an unknown option was accepted"
echo "ok: bad scheduler options exit 64"
