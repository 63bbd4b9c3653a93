#!/usr/bin/env bash
# Idle cost (issue 15 item 5): the headless scheduler left alone against the loopback
# simulator, with nothing to send and nothing arriving. Counts the list requests the
# simulator receives per pass per location (GET /sim/stats "lists") and the scheduler's CPU
# (utime + stime of /proc/PID/stat) over the idle passes, then extrapolates to 10 minutes at
# the default interval (60 s) and at the console's 15 s. Shortened: --interval $IDLE_INTERVAL
# (default 2 s) for $IDLE_SECONDS (default 40 s). Goals: one list request per poll interval
# per location; < 1 s CPU per 10 minutes.
# Usage: tests/bench/bench_idle.sh path/to/smsdesk
source "$(dirname "$0")/../soak/lib.sh" "$1"
INTERVAL=${IDLE_INTERVAL:-2}
SECONDS_IDLE=${IDLE_SECONDS:-40}
HZ=$(getconf CLK_TCK)

sim_start 20
clinic_setup
"$B" tenant add "Second Clinic" --timezone UTC --phone +13125550101 >/dev/null || fail "tenant add"
echo "$TOKEN" | "$B" --tenant "Second Clinic" settings set --account-sid "$AC" --from +13125550198 --api-base "$URL" \
	--auth-token-stdin >/dev/null || fail "settings (second location)"
LOCATIONS=2

# CPU ticks (user + system) of a process.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo -1; }

"$B" --scheduler --interval "$INTERVAL" >>"$D/sched.log" 2>&1 &
PID=$!
SOAK_PIDS+=("$PID")
# the first pass (start-up, lease, the first poll) is not idle: start counting after it
deadline=$((SECONDS + 20))
until [ "$(sim_stat lists)" -ge "$LOCATIONS" ]; do
	[ $SECONDS -lt $deadline ] || fail "no poll within 20 s"
	sleep 0.1
done
sleep "$INTERVAL" # into the wait after the first pass
lists0=$(sim_stat lists) req0=$(sim_stat requests) cpu0=$(cpu_ticks "$PID") t0=$(now_ms)
sleep "$SECONDS_IDLE"
lists1=$(sim_stat lists) req1=$(sim_stat requests) cpu1=$(cpu_ticks "$PID") t1=$(now_ms)
kill -TERM "$PID"
wait "$PID" 2>/dev/null

awk -v l0="$lists0" -v l1="$lists1" -v r0="$req0" -v r1="$req1" -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" \
	-v iv="$INTERVAL" -v hz="$HZ" -v loc="$LOCATIONS" 'BEGIN {
	secs = (t1 - t0) / 1000; passes = secs / iv
	lists = l1 - l0; cpu_ms = (c1 - c0) * 1000 / hz
	per = lists / passes / loc; cpu_pass = cpu_ms / passes
	printf "idle %.1f s at --interval %d s: %.1f passes, %d list requests, %d requests in all (with our 2 stats reads), %d ms CPU (load %s)\n", secs, iv, passes, lists, r1 - r0, cpu_ms, ENVIRON["LOAD"]
	printf "per pass: %.2f list requests per location (%d locations), %.1f ms CPU\n", per, loc, cpu_pass
	printf "ratio list_requests_per_interval_per_location %.2fx (goal <= 1x)%s\n", per, per <= 1.0001 ? "" : " MISSED"
	c60 = cpu_pass * 10; c15 = cpu_pass * 40
	printf "CPU per 10 minutes idle: %.0f ms at the default 60 s interval, %.0f ms at 15 s (goal < 1000 ms)%s\n", c60, c15, c15 < 1000 ? "" : " MISSED"
	printf "ratio idle_cpu_per_10min_at_15s %.2fx (goal <= 1x)%s\n", c15 / 1000, c15 < 1000 ? "" : " MISSED"
}'
