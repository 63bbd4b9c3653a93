#!/usr/bin/env bash
# kill -9 soak: the headless scheduler (daemon mode) is killed with SIGKILL from outside at
# random moments while it makes and sends 500 appointment reminders, then clean passes settle
# what the kills left behind. The simulator must have received every reminder exactly once
# (0 lost, 0 twice) and the database must show every reminder sent.
# The kill delay adapts (shorter when a run sent many, longer when none) so that most kills
# land mid-drain whatever the machine's speed. SOAK_QUICK=1: 200 reminders, 40 kills.
# Usage: test_kill9.sh path/to/smsdesk
source "$(dirname "$0")/lib.sh" "$1"
N=${KILL9_MESSAGES:-500}
KILLS=${KILL9_KILLS:-100}
if [ "$SOAK_QUICK" = 1 ]; then N=${KILL9_MESSAGES:-200} KILLS=${KILL9_KILLS:-40}; fi
start=$(now_ms)

sim_start 20
# Scheduler time starts a day in the past (the simulator keeps real time, so Twilio's
# DateCreated is always after our claims) and moves 4 minutes per run: past the 90-second
# lease a killed scheduler leaves and the 2-minute staleness of its claims.
t=$(( ($(date +%s) - 86400) / 60 * 60 ))
export SMSDESK_FAKE_NOW=$t
clinic_setup
at=$(date -u -d "@$((t + 72000))" '+%Y-%m-%dT%H:%M')
{
	echo external_id,first_name,last_name,mobile
	for ((i = 0; i < N; i++)); do printf 'K%d,P%d,Kill,+1415556%04d\n' $i $i $i; done
} >"$D/patients.csv"
{
	echo external_id,provider,start
	for ((i = 0; i < N; i++)); do printf 'K%d,Dr. Kill,%sZ\n' $i "$at"; done
} >"$D/appointments.csv"
"$B" import patients "$D/patients.csv" >/dev/null || fail "import patients"
"$B" import appointments "$D/appointments.csv" >/dev/null || fail "import appointments"

# Each answer takes 5 ms more (20 ms in the short run, whose fewer messages would otherwise go
# in a few runs), so a drain lasts seconds, not a blink, and the kills can spread over it (the
# simulator counts these as faults; they change nothing else).
slow_ms=5
[ "$SOAK_QUICK" = 1 ] && slow_ms=20
sim_fault slow 1000000 $slow_ms
delay=200 # ms, adapted: the kill comes between delay/2 and delay after the scheduler has started
kills=0 mid=0 before=0
touch "$D/sched.log"
for ((run = 0; run < KILLS; run++)); do
	t=$((t + 240))
	started=$(grep -c 'lease.taken' "$D/sched.log")
	SMSDESK_FAKE_NOW=$t "$B" --scheduler --interval 1 2>>"$D/sched.log" &
	pid=$!
	SOAK_PIDS=("$pid")
	# Start-up time varies (a sanitizer build, a loaded machine): count the delay from the
	# moment this scheduler holds the lease, so the kills land in the drain, not before it.
	for ((w = 0; w < 200; w++)); do
		[ "$(grep -c 'lease.taken' "$D/sched.log")" -gt "$started" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	wait_ms=$((delay / 2 + RANDOM % (delay / 2 + 1)))
	sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	after=$(sim_stat outbound)
	sent=$((after - before))
	[ "$after" -lt "$N" ] && [ "$sent" -gt 0 ] && mid=$((mid + 1))
	# Aim at what is left shared over the kills left, so the kills spread over the whole drain.
	target=$(((N - after + KILLS - run - 2) / (KILLS - run - 1 > 0 ? KILLS - run - 1 : 1)))
	if [ "$after" -lt "$N" ] && [ "$sent" -eq 0 ]; then delay=$((delay * 9 / 8 + 5)); fi
	if [ "$sent" -gt $((4 * target + 1)) ]; then
		delay=$((delay / 2))
	elif [ "$sent" -gt $((2 * target + 1)) ]; then
		delay=$((delay * 7 / 8))
	fi
	[ $delay -lt 20 ] && delay=20
	[ $delay -gt 3000 ] && delay=3000
	before=$after
	[ -n "${KILL9_TRACE:-}" ] && echo "run $run wait=$wait_ms delay=$delay sent=$sent total=$after" >&2
done
SOAK_PIDS=()
sent_during=$before
kill_ms=$(($(now_ms) - start))
sim_fault none 0
[ "$kills" -eq "$KILLS" ] || fail "only $kills of $KILLS runs were still alive to be killed"
[ "$mid" -ge $((KILLS / 4)) ] || fail "only $mid of $kills kills landed mid-drain (sent $sent_during of $N)"

# Clean passes settle every interrupted claim and send what is left.
for ((run = 0; run < 3; run++)); do
	t=$((t + 240))
	SMSDESK_FAKE_NOW=$t "$B" --scheduler --once 2>>"$D/sched.log" || fail "clean pass exit code $?"
done

out=$(sim_stat outbound) dup=$(sim_stat duplicates) rcpt=$(sim_stat recipients)
[ -n "${KILL9_TRACE:-}" ] && echo "kill phase ended at $kill_ms ms, settled at $(($(now_ms) - start)) ms" >&2
[ "$dup" = 0 ] || fail "$dup reminders were sent twice"
[ "$out" = "$N" ] && [ "$rcpt" = "$N" ] || fail "the simulator got $out messages for $rcpt numbers, not $N each once"
sent=$(SMSDESK_FAKE_NOW=$t "$B" reminders --show sent --limit 100000 | grep -cE ' (sent|delivered) ')
[ "$sent" = "$N" ] || fail "$sent of $N reminders show as sent"
other=$(SMSDESK_FAKE_NOW=$t "$B" reminders --show all --limit 100000 | tail -n +2 | grep -vcE ' (sent|delivered) ')
[ "$other" = 0 ] || fail "$other reminders are not sent"
no_lock_errors "$D/sched.log"
echo "ok ($SOAK_NAME): $kills kills ($mid mid-drain, $sent_during of $N sent before the clean passes)," \
	"$N reminders each received exactly once, 0 lost, 0 twice, $(($(now_ms) - start)) ms"
