#!/usr/bin/env bash
# Demo start -> inbox with patients -> `/` search -> open a thread -> compose with emoji ->
# review -> send -> "delivered" from the simulator.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
rows=$(capture | sed -n '3,26p' | grep -cE '[[:alpha:]].*[0-9]{2}:[0-9]{2} *$')
[ "$rows" -ge 10 ] || fail "expected at least 10 threads in the demo inbox, saw $rows"
pass "demo inbox shows $rows threads"

sim_inbound "+13125550177" "e2e hello from the flow test"
wait_for "e2e hello from the flow test" 30
pass "inbound from a new number appears"

keys /
wait_for "Search names, numbers and messages"
type_text "0177"
keys Enter
wait_for 'search "0177"'
matches=$(capture | sed -n '3,26p' | grep -c '0177')
[ "$matches" -eq 1 ] || fail "search for 0177 should leave exactly one thread, saw $matches"
others=$(capture | sed -n '3,26p' | grep -cE '[0-9]{2}:[0-9]{2} *$')
[ "$others" -eq 1 ] || fail "search left $others rows"
pass "search by number"

keys Enter
wait_for "(312) 555-0177"
wait_for "e2e hello from the flow test"
pass "thread opens with the full number and the message"

keys r
wait_for "Message to"
type_text "Merci 😀 see you soon 👍🏽"
wait_for "UCS-2"
wait_for "1 segment"
keys C-x
wait_for "Enter sends it now"
keys Enter
wait_for "Merci" 5
wait_for_re "Demo User · (queued|sending|sent|delivered)" 10 >/dev/null
wait_for "Demo User · delivered" 30
pass "a staff message names who sent it (Demo User), not \"staff\""
pass "compose with emoji, review, send -> delivered"

# Backspace removes a whole emoji sequence, not half of it.
keys r
wait_for "Message to"
type_text "ab👨‍👩‍👧"
wait_for "ab👨‍👩‍👧"
keys BSpace
wait_for_re '^  ab$' 5 >/dev/null
wait_for "2/1600" 5
keys Escape
wait_for "Press Esc again to discard this draft" 5
keys Escape
wait_gone "Message to"
pass "backspace over a ZWJ emoji sequence"

keys q
wait_for "Inbox"
quit_console
