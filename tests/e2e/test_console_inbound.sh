#!/usr/bin/env bash
# An inbound message injected through the simulator's HTTP endpoint appears in the inbox
# and the unread count in the status bar rises.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
wait_for "synced" 20
before=$(unread_count)
[ -n "$before" ] || fail "no unread count in the status bar"

sim_inbound "+13125550188" "Running 10 min late, sorry"
wait_for "Running 10 min late, sorry" 30
deadline=$((SECONDS + 10))
after=$(unread_count)
while [ "${after:-0}" -le "$before" ] && [ $SECONDS -lt $deadline ]; do
	sleep 0.1
	after=$(unread_count)
done
[ "${after:-0}" -gt "$before" ] || fail "unread count did not rise (before $before, after $after)"
capture | grep -F "Running 10 min late" | grep -qF "(1)" || fail "the new thread is not marked unread (1)"
capture | grep -F "Running 10 min late" | grep -qF "(***) ***-0188" || fail "an unknown number should be masked in the inbox"
pass "inbound appears, masked number, unread $before -> $after"

quit_console
