#!/usr/bin/env bash
# Replying from a thread at 80x24: the patient's last messages (two at most, three lines at
# most, control characters made harmless) stay in sight above the editor, and the editor,
# the counter and the hint line keep their places.
source "$(dirname "$0")/lib.sh" "$1"

start_demo -s 80 24
wait_inbox

num="+13125550166"
sim_inbound "$num" "first question: where do I park?"
wait_for "where do I park" 30
long="second question: can I move my Friday cleaning to the next week, in the afternoon if possible, since I have to pick my daughter up from school at three and the bus is slow $(printf '\033[31m')RED and the rest of this text goes on and on and on well past three lines"
sim_inbound "$num" "$long"
wait_for "second question" 30

keys /
wait_for "Search names, numbers and messages"
type_text "0166"
keys Enter
wait_for 'search "0166"'
keys Enter
wait_for "(312) 555-0166"
keys r
wait_for "Message to"

screen=$(capture)
ctx=$(sed -n '3,5p' <<<"$screen")
grep -qF "where do I park" <<<"$ctx" && fail "a long newest message should leave no room for the older one: $ctx"
grep -qF "second question" <<<"$ctx" || fail "the newest patient message is not above the editor"
grep -qF "past three lines" <<<"$screen" && fail "the context was not cut to three lines"
grep -q $'\033' <<<"$screen" && fail "an escape sequence reached the terminal"
grep -qF "…" <<<"$(sed -n 5p <<<"$screen")" || fail "the cut message does not end with …: $ctx"
pass "reply: the newest patient message, cut to three lines, escapes harmless"

type_text "Yes, Thursday works"
wait_for "Yes, Thursday works"
line=$(capture | grep -nF "Yes, Thursday works" | head -1 | cut -d: -f1)
[ "$line" -gt 5 ] || fail "the editor overlaps the context (line $line)"
capture | sed -n 22p | grep -qF "19/1600" || fail "the counter is not on line 22"
capture | sed -n 23p | grep -qF "Ctrl-X" || fail "the hint line with Ctrl-X is hidden"
pass "reply: editor below the context, counter and hints visible at 80x24"

keys C-x
wait_for "Enter sends it now"
keys Enter
wait_for "Yes, Thursday works" 5

# a short question and an older one: both fit, oldest first, dimmed
sim_inbound "$num" "third: is parking free?"
wait_for "third: is parking free?" 30
keys r
wait_for "Message to"
ctx=$(capture | sed -n '3,6p')
grep -qF "third: is parking free?" <<<"$ctx" || fail "the newest question is missing: $ctx"
grep -qF "second question" <<<"$ctx" || fail "the older question is missing: $ctx"
[ "$(grep -nF 'second question' <<<"$ctx" | cut -d: -f1)" -lt "$(grep -nF 'third:' <<<"$ctx" | cut -d: -f1)" ] ||
	fail "the context is not oldest first: $ctx"
grep -qF "Yes, Thursday works" <<<"$ctx" && fail "our own reply shows as context: $ctx"
# the dim style is a colour pair: the context line carries a colour, the typed text none
type_text "plain words"
wait_for "plain words"
capture -e | grep -F "third: is parking" | grep -qE $'\033\\[[0-9;]*(3[0-7]|9[0-7]|38;5;[0-9]+)m' ||
	fail "the context is not dimmed"
capture -e | grep -F "plain words" | grep -qE $'\033\\[[0-9;]*(3[0-7]|9[0-7]|38;5;[0-9]+)m' &&
	fail "the editor's text is coloured like the context"
pass "reply: two questions oldest first, dimmed, without our own messages"

keys Escape
keys Escape
wait_gone "Message to"
keys q
wait_for "Inbox"
quit_console
