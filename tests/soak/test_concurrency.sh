#!/usr/bin/env bash
# Concurrency soak on one database: 4 `smsdesk send` loops, 2 signed-in consoles (real
# binary in tmux) each sending from a thread, the scheduler (stopped half way, so the
# consoles' sync workers and the senders fight for the sync lease, then started again) and
# patients writing in. No process may ever report "database is locked" (CLI, scheduler,
# console logs and screens); every message must reach Twilio exactly once and be recorded
# sent. SOAK_QUICK=1: 10 sends per loop instead of 25.
# Usage: test_concurrency.sh path/to/smsdesk
source "$(dirname "$0")/lib.sh" "$1"
B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B")
PER=${CONC_SENDS:-25}
[ "$SOAK_QUICK" = 1 ] && PER=${CONC_SENDS:-10}
CONSOLE_SENDS=3
PW='conc-pass-1234'
SOCK="smsdesk-conc-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; soak_cleanup' EXIT
start=$(now_ms)
sim_start 20
clinic_setup
printf '%s\n' "$PW" | "$B" user add ann --role admin --name "Ann Admin" --password-stdin >/dev/null || fail "user add"

# Waits until console $1's screen shows the fixed string $2 (timeout $3 s).
wait_screen() {
	local deadline=$((SECONDS + ${3:-30}))
	while [ $SECONDS -lt $deadline ]; do
		tm capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	fail "console $1 never showed \"$2\": $(tm capture-pane -p -t "$1" 2>/dev/null | tail -5)"
}

# One thread per console: a patient writes in, the scheduler polls it into the inbox.
curl -s -d "From=%2B14155590001&To=%2B13125550199&Body=first+console+thread" "$URL/sim/inbound" >/dev/null
curl -s -d "From=%2B14155590002&To=%2B13125550199&Body=second+console+thread" "$URL/sim/inbound" >/dev/null
"$B" --scheduler --interval 1 2>"$D/sched1.log" &
SCHED=$!
SOAK_PIDS=("$SCHED")

for c in c1 c2; do
	tm new-session -d -s "$c" -x 100 -y 30 \
		"env LANG=C.UTF-8 LC_ALL= SMSDESK_DB='$SMSDESK_DB' SMSDESK_KEY_FILE='$SMSDESK_KEY_FILE' SMSDESK_CONSOLE_LOG='$D/$c.log' '$B'; echo SMSDESK-EXITED \$?; sleep 60"
	wait_screen "$c" "sign in" 20
	tm send-keys -t "$c" -l ann
	tm send-keys -t "$c" Tab
	tm send-keys -t "$c" -l "$PW"
	tm send-keys -t "$c" Enter
	wait_screen "$c" "Inbox" 20
done

# The four senders, each to its own numbers, with unique bodies.
for w in 1 2 3 4; do
	(
		for ((i = 0; i < PER; i++)); do
			"$B" send --to "$(printf '+1415556%d%03d' "$w" "$i")" --body "sender $w message $i" \
				>>"$D/send$w.out" 2>>"$D/send$w.log" || echo "send $w $i exit $?" >>"$D/send$w.log"
			[ $i = $((PER / 2)) ] && [ $w = 1 ] && kill -TERM "$SCHED" # lease up for grabs
		done
	) &
	SOAK_PIDS+=($!)
done
# Patients keep writing in meanwhile.
(
	for ((i = 0; i < 20; i++)); do
		curl -s -d "From=%2B1415557$(printf '%04d' $i)&To=%2B13125550199&Body=walk+in+question+$i" \
			"$URL/sim/inbound" >/dev/null
		sleep 0.2
	done
) &
SOAK_PIDS+=($!)

# Each console opens its thread and sends from it.
for c in c1 c2; do
	n=${c#c}
	tm send-keys -t "$c" /
	wait_screen "$c" "Search names, numbers and messages"
	tm send-keys -t "$c" -l "559000$n"
	tm send-keys -t "$c" Enter
	wait_screen "$c" "search \"559000$n\""
	tm send-keys -t "$c" Enter
	wait_screen "$c" "(415) 559-000$n"
done
for ((k = 0; k < CONSOLE_SENDS; k++)); do
	for c in c1 c2; do
		tm send-keys -t "$c" r
		wait_screen "$c" "Message to"
		tm send-keys -t "$c" -l "console $c note $k"
		tm send-keys -t "$c" C-x
		wait_screen "$c" "Enter sends it now"
		tm send-keys -t "$c" Enter
		wait_screen "$c" "console $c note $k"
	done
done

for p in "${SOAK_PIDS[@]:1}"; do wait "$p"; done
wait "$SCHED" 2>/dev/null
# The scheduler again, as after a restart: it drains what is queued and polls.
"$B" --scheduler --interval 1 2>"$D/sched2.log" &
SCHED=$!
SOAK_PIDS=("$SCHED")
total=$((4 * PER + 2 * CONSOLE_SENDS))
# Whoever holds the sync lease (the scheduler or a console's sync worker) drains and polls;
# wait for both: every send recorded sent and every walk-in question polled in.
deadline=$((SECONDS + 60))
while :; do
	open=$("$B" messages --direction out --limit 100000 | tail -n +2 | grep -cvE ' (sent|delivered) ')
	polled=$("$B" messages --direction in --limit 100000 | grep -c 'walk in question')
	[ "$open" = 0 ] && [ "$polled" = 20 ] && break
	[ $SECONDS -lt $deadline ] ||
		fail "a minute after the senders stopped: $open messages not sent, $polled of 20 inbound stored"
	sleep 0.5
done
kill -TERM "$SCHED"
wait "$SCHED" || fail "the scheduler exited $? on SIGTERM"
SOAK_PIDS=()
for c in c1 c2; do tm capture-pane -p -t "$c" >"$D/$c.screen.log"; done

no_lock_errors "$D"/*.log
for w in 1 2 3 4; do
	grep -q 'exit' "$D/send$w.log" && fail "sender $w: $(grep exit "$D/send$w.log" | head -2)"
done
out_db=$("$B" messages --direction out --limit 100000 | tail -n +2 | grep -cE ' (sent|delivered) ')
mine=$("$B" messages --direction out --limit 100000 | grep -cE '(sender [1-4] message|console c[12] note)')
in_db=$("$B" messages --direction in --limit 100000 | grep -c 'walk in question')
out=$(sim_stat outbound) dup=$(sim_stat duplicates)
[ "$dup" = 0 ] || fail "$dup messages reached Twilio twice"
[ "$mine" = "$total" ] || fail "$mine of the $total messages sent are in the database"
[ "$out" = "$out_db" ] || fail "Twilio got $out messages, the database shows $out_db sent"
[ "$in_db" = 20 ] || fail "$in_db of 20 inbound messages stored"
echo "ok ($SOAK_NAME): 4 senders x $PER + 2 consoles x $CONSOLE_SENDS = $total messages (+$((out - total)) automatic)," \
	"each sent once, 20 inbound stored once, 0 \"database is locked\", $(($(now_ms) - start)) ms"
