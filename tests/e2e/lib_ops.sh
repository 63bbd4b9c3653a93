#!/usr/bin/env bash
# Shared by the command-line tests (cli, import, backup, status, audit anchor, lifecycle): a temp
# HOME, run/has/lacks checks, and a clinic wired to the loopback simulator.
# Usage: source "$(dirname "$0")/lib_ops.sh" "$1"
set -u
B=${1:?usage: $0 path/to/smsdesk}
B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B")
OPS_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-$OPS_NAME-XXXXXX")
chmod 0755 "$T"
SIM_PID=
OPS_CLEANUP_HOOK=:
ops_cleanup() {
	$OPS_CLEANUP_HOOK
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap ops_cleanup EXIT

export HOME=$T/home XDG_DATA_HOME=$T/home/data XDG_CONFIG_HOME=$T/home/config
unset SMSDESK_DB SMSDESK_KEY_FILE SMSDESK_FAKE_NOW SMSDESK_CA_BUNDLE
mkdir -p "$HOME"
cd "$T" || exit 1
DB=$XDG_DATA_HOME/smsdesk/smsdesk.db
KEY=$XDG_CONFIG_HOME/smsdesk/key
CHECKS=0

fail() {
	echo "FAIL ($OPS_NAME): $*" >&2
	for f in out err; do
		[ -f "$T/$f" ] && { echo "--- $f:" >&2; head -c 3000 "$T/$f" >&2; echo >&2; }
	done
	exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }
# run EXPECTED_RC ARGS...: smsdesk with stdout in $T/out, stderr in $T/err.
run() {
	local want=$1
	shift
	"$B" "$@" >"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	[ "$rc" = "$want" ] || fail "smsdesk $* exited $rc, expected $want"
	ok
}
# run_in EXPECTED_RC INPUT ARGS...: the same with INPUT (printf %b) on stdin.
run_in() {
	local want=$1 input=$2
	shift 2
	printf '%b\n' "$input" | "$B" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" = "$want" ] || fail "smsdesk $* (with stdin) exited $rc, expected $want"
	ok
}
has() { grep -q -F -- "$2" "$T/$1" || fail "$1 lacks '$2'"; ok; }
lacks() { ! grep -q -F -- "$2" "$T/$1" || fail "$1 has '$2'"; ok; }
# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.2 s until it succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local tries=$((secs * 5))
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "timed out after ${secs}s waiting for $what"
		sleep 0.2
	done
	ok
}

# as USER INPUT CMD: the shell command CMD as the Unix account USER (su, from /), INPUT
# (printf %b) on stdin, stdout in $T/out, stderr in $T/err. For the tests with real accounts.
as() {
	local who=$1 input=$2
	shift 2
	printf '%b' "$input" | su -s /bin/bash "$who" -c "cd / && $*" >"$T/out" 2>"$T/err"
}
# as_rc WANT USER INPUT CMD: as, checking the exit status.
as_rc() {
	local want=$1
	shift
	as "$@"
	local rc=$?
	[ "$rc" = "$want" ] || fail "as $1: '$3' exited $rc, expected $want"
	ok
}

# Starts the simulator; sets BASE SID TOKEN FROM.
ops_start_sim() {
	"$B" sim --step-ms 100 >"$T/sim.out" 2>"$T/sim.err" &
	SIM_PID=$!
	wait_for 10 "the simulator to print its credentials" grep -q '^auth_token=' "$T/sim.out"
	BASE=$(sed -n 's/^base_url=//p' "$T/sim.out")
	SID=$(sed -n 's/^account_sid=//p' "$T/sim.out")
	TOKEN=$(sed -n 's/^auth_token=//p' "$T/sim.out")
	FROM=+15005550006
}

# init, one location wired to the simulator, two patients (ids 1 and 2).
ops_clinic() {
	run 0 init
	run 0 tenant add "Main St" --timezone America/Chicago --phone "(555) 123-0000"
	ops_start_sim
	run_in 0 "$TOKEN" settings set --account-sid "$SID" --from "$FROM" --api-base "$BASE" --texting-hours 00:00-24:00 --auth-token-stdin
	run 0 patient add --first Ann --last Lee --mobile "(555) 222-3333"
	run 0 patient add --first Bob --last Ray --mobile "(555) 444-5555"
}

# The number of messages `smsdesk messages` lists (at most 500).
ops_count_messages() {
	"$B" "$@" messages --limit 500 2>/dev/null | grep -c -E ' (in|out) '
}
