#!/usr/bin/env bash
# Shared pieces of the soak tests: a loopback simulator (`smsdesk sim`), a fresh database and
# key file, one clinic location wired to the simulator, and the simulator's counters.
# SOAK_QUICK=1 (set by ctest in the sanitizer build) makes each soak smaller, not different.
# Usage in a test: source "$(dirname "$0")/lib.sh" "$1"
set -u
B=${1:?usage: $0 path/to/smsdesk}
SOAK_NAME=$(basename "$0" .sh)
SOAK_QUICK=${SOAK_QUICK:-0}
D=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-soak.XXXXXX")
SIM_PID=""
SOAK_PIDS=()
soak_cleanup() {
	local p
	for p in "${SOAK_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	[ -n "${SOAK_KEEP:-}" ] && echo "kept $D" >&2 || rm -rf "$D"
}
trap soak_cleanup EXIT

fail() {
	echo "FAIL ($SOAK_NAME): $*" >&2
	local f
	for f in "$D"/*.log; do
		[ -s "$f" ] && { echo "----- $(basename "$f") (end) -----" >&2; tail -8 "$f" >&2; }
	done
	exit 1
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

export SMSDESK_DB=$D/smsdesk.db SMSDESK_KEY_FILE=$D/key LANG=C.UTF-8

# Starts the simulator (queued -> sent -> delivered every $1 ms); sets URL, AC, TOKEN.
sim_start() {
	"$B" sim --step-ms "${1:-20}" >"$D/sim.out" 2>"$D/sim.log" &
	SIM_PID=$!
	local deadline=$((SECONDS + 10))
	while ! grep -q '^auth_token=' "$D/sim.out" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "the simulator did not start: $(cat "$D/sim.log")"
		sleep 0.05
	done
	URL=$(sed -n 's/^base_url=//p' "$D/sim.out")
	AC=$(sed -n 's/^account_sid=//p' "$D/sim.out")
	TOKEN=$(sed -n 's/^auth_token=//p' "$D/sim.out")
}

# init, one location "Soak Clinic" (UTC, no quiet hours) sending from +13125550199 through the simulator.
clinic_setup() {
	"$B" init >/dev/null || fail "init"
	"$B" tenant add "Soak Clinic" --timezone UTC --phone +13125550100 >/dev/null || fail "tenant add"
	echo "$TOKEN" | "$B" settings set --account-sid "$AC" --from +13125550199 --api-base "$URL" --texting-hours 00:00-24:00 \
		--auth-token-stdin quiet_start 0 quiet_end 1440 >/dev/null || fail "settings"
}

# One counter of GET /sim/stats (outbound, duplicates, recipients, inbound, requests, faults).
sim_stat() {
	local j
	j=$(curl -s "$URL/sim/stats")
	[[ $j =~ \"$1\":([0-9]+) ]] || fail "no $1 in the simulator's stats: $j"
	echo "${BASH_REMATCH[1]}"
}

# Arms a simulator fault for the next $2 Twilio API requests (param $3), of method $4 only
# (GET: polls and fetches, POST: sends) or of any method when $4 is empty.
sim_fault() {
	curl -s -d "Fault=$1&Count=$2&Param=${3:-0}&Method=${4:-}" "$URL/sim/fault" | grep -q '"count"' ||
		fail "sim fault $1"
}

# Fails when a log holds "database is locked" (or busy), the error concurrency must never show.
no_lock_errors() {
	local hits
	hits=$(grep -il 'database is locked\|database is busy\|SQLITE_BUSY' "$@" 2>/dev/null)
	[ -z "$hits" ] || fail "\"database is locked\" in $hits: $(grep -ih 'locked\|busy' $hits | head -3)"
}
