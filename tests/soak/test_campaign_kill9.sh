#!/usr/bin/env bash
# kill -9 soak for campaigns: a recall campaign to 5,000 patients is sent by the scheduler
# (every other run as the daemon, the others as a cron-style `--once` run, which goes on at
# the campaign's pace until the next run is due), killed with SIGKILL at random moments
# mid-send and started again; then one clean `--once` run finishes it and exits by itself. The simulator must have received every recipient's text
# exactly once (0 lost, 0 twice), and the campaign must show every recipient sent.
# The location's pace is set high (30,000 a minute) so the soak stays short; the pace itself
# is tested in tests/integration/test_campaign.c. SOAK_QUICK=1: 1,000 recipients, 10 kills.
# Usage: test_campaign_kill9.sh path/to/smsdesk
source "$(dirname "$0")/lib.sh" "$1"
N=${CAMPAIGN_RECIPIENTS:-5000}
KILLS=${CAMPAIGN_KILLS:-25}
if [ "$SOAK_QUICK" = 1 ]; then N=${CAMPAIGN_RECIPIENTS:-1000} KILLS=${CAMPAIGN_KILLS:-10}; fi
start=$(now_ms)

sim_start 20
# Scheduler time starts a day in the past and moves 4 minutes per run: past the lease a
# killed scheduler leaves (90 s) and the staleness of its claims (2 min), as in test_kill9.
t=$(( ($(date +%s) - 86400) / 60 * 60 ))
export SMSDESK_FAKE_NOW=$t
clinic_setup
"$B" settings set send_per_minute 30000 >/dev/null || fail "settings send_per_minute"
visit=$(date -u -d "@$((t - 400 * 86400))" '+%Y-%m-%dT%H:%M')
{
	echo external_id,first_name,last_name,mobile
	for ((i = 0; i < N; i++)); do printf 'C%d,P%d,Recall,+1415557%04d\n' $i $i $i; done
} >"$D/patients.csv"
{
	echo external_id,provider,start,status
	for ((i = 0; i < N; i++)); do printf 'C%d,Dr. Skin,%sZ,completed\n' $i "$visit"; done
} >"$D/appointments.csv"
"$B" import patients "$D/patients.csv" >/dev/null || fail "import patients"
"$B" import appointments "$D/appointments.csv" >/dev/null || fail "import appointments"
body='Hi {patientName}, {clinicName}: your yearly skin check is due. Call {clinicPhone}. Reply STOP to opt out.'
"$B" campaign create "Annual skin check" --kind care --overdue-months 12 --body "$body" >"$D/create.out" ||
	fail "campaign create: $(cat "$D/create.out")"
grep -q "^will text: $N$" "$D/create.out" || fail "the preview does not find $N recipients: $(cat "$D/create.out")"
"$B" campaign send 1 --no-wait >/dev/null || fail "campaign send"

# Each send answers 2 ms later, so the send lasts seconds and the kills spread over it.
sim_fault slow 1000000 2 POST
kills=0 mid=0 before=0
for ((run = 0; run < KILLS; run++)); do
	t=$((t + 240))
	mode=(--interval 1)
	[ $((run % 2)) = 1 ] && mode=(--once)
	SMSDESK_FAKE_NOW=$t "$B" --scheduler "${mode[@]}" 2>>"$D/sched.log" &
	pid=$!
	SOAK_PIDS=("$pid")
	# Kill it mid-send: once the simulator has its first text of this run (a slow start under
	# the sanitizers must not make the kill land before sending), then 0-400 ms later.
	deadline=$((SECONDS + 30))
	while [ "$(sim_stat outbound)" -le "$before" ] && [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	wait_ms=$((RANDOM % 400))
	sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	after=$(sim_stat outbound)
	[ "$after" -lt "$N" ] && [ "$after" -gt "$before" ] && mid=$((mid + 1))
	[ -n "${CAMPAIGN_TRACE:-}" ] && echo "run $run wait=$wait_ms total=$after" >&2
	before=$after
done
SOAK_PIDS=()
sent_during=$before
kill_ms=$(($(now_ms) - start))
sim_fault none 0
[ "$kills" -eq "$KILLS" ] || fail "only $kills of $KILLS runs were still alive to be killed"
[ "$mid" -ge $((KILLS / 3)) ] || fail "only $mid of $kills kills landed mid-send (sent $sent_during of $N)"

# One clean --once run settles the interrupted claims (listing Twilio), sends the rest at the
# pace (4 minutes since the last run on the fake clock: a budget of 216 s) and exits when done.
t=$((t + 240))
SMSDESK_FAKE_NOW=$t "$B" --scheduler --once 2>>"$D/sched.log" &
pid=$!
SOAK_PIDS=("$pid")
deadline=$((SECONDS + 90))
while kill -0 "$pid" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the --once run did not finish the campaign: $(SMSDESK_FAKE_NOW=$t "$B" campaign show 1)"
	sleep 0.2
done
wait "$pid" || fail "the last --once run exited with $?"
SOAK_PIDS=()
SMSDESK_FAKE_NOW=$t "$B" campaign show 1 | grep -q "^progress: 0 pending, 0 in the outbox, $N sent" ||
	fail "the --once run exited before the campaign was sent: $(SMSDESK_FAKE_NOW=$t "$B" campaign show 1)"

out=$(sim_stat outbound) dup=$(sim_stat duplicates) rcpt=$(sim_stat recipients)
[ "$dup" = 0 ] || fail "$dup campaign texts were sent twice"
[ "$out" = "$N" ] && [ "$rcpt" = "$N" ] || fail "the simulator got $out texts for $rcpt numbers, not $N each once"
show=$(SMSDESK_FAKE_NOW=$t "$B" campaign show 1)
echo "$show" | grep -q "(care, done)" || fail "the campaign is not done: $show"
echo "$show" | grep -q "^recipients: $N  to text: $N  left out: 0$" || fail "recipients: $show"
no_lock_errors "$D/sched.log"
echo "ok ($SOAK_NAME): $kills kills of daemon and --once runs ($mid mid-send, $sent_during of $N sent before the clean run)," \
	"$N campaign texts each received exactly once, 0 lost, 0 twice; kills took $kill_ms ms, $(($(now_ms) - start)) ms in all"
