#!/usr/bin/env bash
# `--scheduler --once` from cron and campaigns (issue 14): a --once run goes on releasing a
# sending campaign's texts at its pace for 9/10 of the time until cron's next run (the time
# since the previous --once run, or --interval), never faster than the pace in wall-clock time,
# and exits early when the campaign is done; without a sending campaign it exits at once.
# Two runs finish a 12-recipient campaign at 120 a minute: each text once, the campaign done.
source "$(dirname "$0")/lib_ops.sh" "$1"
ops_clinic
N=12
for ((i = 3; i <= N; i++)); do run 0 patient add --first "P$i" --last Recall --mobile "(555) 300-$(printf %04d "$i")"; done
past=$(TZ=America/Chicago date -d '400 days ago' '+%Y-%m-%d 10:00')
for ((p = 1; p <= N; p++)); do run 0 appointment add --patient $p --provider "Dr. Skin" --at "$past"; done
sqlite3 "$DB" "UPDATE appointments SET status = 'completed'" || fail "sqlite3"
run 0 settings set send_per_minute 120
BODY='Hi {patientName}, {clinicName}: your yearly skin check is due. Call {clinicPhone}. Reply STOP to opt out.'
run 0 campaign create "Annual check" --kind care --overdue-months 12 --body "$BODY"
has out "will text: $N"
NOW=$(date +%s)
# Texts the simulator has received (nothing else sends here).
sent() { curl -s "$BASE/sim/stats" | grep -oE '"outbound":[0-9]+' | grep -oE '[0-9]+'; }
# once FAKE_NOW ARGS...: one cron run; sets MS (its wall-clock milliseconds).
once() {
	local t0 now=$1
	shift
	t0=$(date +%s%N)
	SMSDESK_FAKE_NOW=$now "$B" --scheduler --once "$@" 2>>"$T/sched.log" || fail "--scheduler --once exited $?"
	MS=$((($(date +%s%N) - t0) / 1000000))
	ok
}

# No campaign sending: the run does its pass and exits at once (and notes when it ran).
once "$NOW"
[ "$MS" -lt 5000 ] || fail "a --once run without a sending campaign took $MS ms"
[ "$(sent)" = 0 ] || fail "a draft campaign was sent"
run 0 campaign send 1 --no-wait

# Cron runs it every 4 s (the fake clock says so): this run sends for 3.6 s at 2 a second.
once $((NOW + 4))
s1=$(sent)
[ "$MS" -le 6000 ] || fail "the run took $MS ms: its campaign budget is 3.6 s (cron runs it each 4 s)"
[ "$s1" -ge 4 ] || fail "only $s1 texts in a run of $MS ms at 120 a minute (--once released one pass's worth)"
# The pace in wall-clock time: one second's worth (2) at the start, then 2 a second.
[ $((s1 * 1000)) -le $((2000 + 2 * MS)) ] || fail "$s1 texts in $MS ms: faster than 120 a minute"
[ "$s1" -lt "$N" ] || fail "all $N texts went in one 3.6 s run: faster than 120 a minute"
grep -q "campaign.pass released=" "$T/sched.log" || fail "no campaign.pass line in the log"

# The next run with --interval 60 says cron runs it each minute: it finishes the campaign
# (the rest at 2 a second) and exits when it is done, long before the minute is up.
once $((NOW + 8)) --interval 60
[ "$MS" -lt 20000 ] || fail "the run went on for $MS ms after the campaign was done"
s2=$(sent)
[ "$s2" = "$N" ] || fail "$s2 of $N texts sent after two runs"
[ $(((s2 - s1) * 1000)) -le $((2000 + 2 * MS)) ] || fail "$((s2 - s1)) texts in $MS ms: faster than 120 a minute"
run 0 campaign show 1
has out "(care, done)"
has out "progress: 0 pending, 0 in the outbox, $N sent, 0 skipped"
for ((i = 1; i <= N; i++)); do
	num=$(sqlite3 "$DB" "SELECT mobile FROM patients WHERE id = $i")
	c=$(curl -s -G --data-urlencode "To=$num" "$BASE/sim/outbound" | grep -o 'yearly skin check' | wc -l)
	[ "$c" = 1 ] || fail "$num got $c campaign texts, not 1"
	ok
done
echo "ok ($OPS_NAME): $CHECKS checks; run 1 sent $s1 in its 3.6 s, run 2 the other $((N - s1)) in $MS ms and exited"
