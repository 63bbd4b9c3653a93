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
"$B" tenant add "Signal Clinic" --timezone America/Chicago >/dev/null || fail "tenant add"

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

# Bad options are usage errors, not a daemon started by mistake.
"$B" --scheduler --interval 0 2>/dev/null
[ $? = 64 ] || fail "--interval 0 was accepted"
"$B" --scheduler --frobnicate 2>/dev/null
[ $? = 64 ] || fail "an unknown option was accepted"
echo "ok: bad scheduler options exit 64"
