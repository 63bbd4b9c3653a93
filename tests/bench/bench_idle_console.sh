#!/usr/bin/env bash
# Idle cost of the console (issue 15 item 5): signed in, in tmux, left alone on the inbox
# against the loopback simulator with poll_seconds $IDLE_INTERVAL (default 5, the least allowed) for
# $IDLE_SECONDS (default 40). Counts the list requests per poll interval per location (GET
# /sim/stats "lists") and the console's CPU (/proc/PID/stat), extrapolated to 10 minutes at
# the default 15 s poll. Goals: one list request per interval per location; < 1 s CPU per
# 10 minutes. Usage: tests/bench/bench_idle_console.sh path/to/smsdesk
source "$(dirname "$0")/../e2e/lib_auth.sh" "$1"
INTERVAL=${IDLE_INTERVAL:-5} # the smallest poll_seconds a location takes
SECONDS_IDLE=${IDLE_SECONDS:-40}
HZ=$(getconf CLK_TCK)
LOCATIONS=2

auth_setup
for t in "Main St" "Oak Ave"; do
	sd --tenant "$t" settings set poll_seconds "$INTERVAL" idle_lock_seconds 3600
done
stat_of() {
	local j
	j=$(curl -s "$SIM_BASE/sim/stats")
	[[ $j =~ \"$1\":([0-9]+) ]] || fail "no $1 in the simulator's stats: $j"
	echo "${BASH_REMATCH[1]}"
}
start_console
sign_in ann "$ADMIN_PW"
wait_for "unread" 20
deadline=$((SECONDS + 20)) # the first pass polls every location
until [ "$(stat_of lists)" -ge "$LOCATIONS" ]; do
	[ $SECONDS -lt $deadline ] || fail "no poll within 20 s"
	sleep 0.2
done
pane=$(tm display -p -t main '#{pane_pid}')
PID=$(ps -o pid= --ppid "$pane" | head -1 | tr -d ' ')
[ -n "$PID" ] && [ -r "/proc/$PID/stat" ] || fail "cannot find the console's process"
grep -q smsdesk "/proc/$PID/cmdline" || fail "process $PID is not the console"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep "$INTERVAL"
lists0=$(stat_of lists) cpu0=$(cpu_ticks "$PID") t0=$(date +%s%3N)
sleep "$SECONDS_IDLE"
lists1=$(stat_of lists) cpu1=$(cpu_ticks "$PID") t1=$(date +%s%3N)
keys q
awk -v l0="$lists0" -v l1="$lists1" -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v iv="$INTERVAL" \
	-v hz="$HZ" -v loc="$LOCATIONS" 'BEGIN {
	secs = (t1 - t0) / 1000; passes = secs / iv
	lists = l1 - l0; cpu_ms = (c1 - c0) * 1000 / hz
	per = lists / passes / loc; cpu_pass = cpu_ms / passes
	printf "console idle %.1f s at poll_seconds %d: %.1f intervals, %d list requests, %d ms CPU (load %s)\n", secs, iv, passes, lists, cpu_ms, ENVIRON["LOAD"]
	printf "per interval: %.2f list requests per location (%d locations), %.1f ms CPU\n", per, loc, cpu_pass
	printf "ratio console_list_requests_per_interval_per_location %.2fx (goal <= 1x)%s\n", per, per <= 1.05 ? "" : " MISSED"
	c15 = cpu_pass * 40
	printf "CPU per 10 minutes idle at the default 15 s poll: %.0f ms (goal < 1000 ms)%s\n", c15, c15 < 1000 ? "" : " MISSED"
	printf "ratio console_idle_cpu_per_10min %.2fx (goal <= 1x)%s\n", c15 / 1000, c15 < 1000 ? "" : " MISSED"
}'
