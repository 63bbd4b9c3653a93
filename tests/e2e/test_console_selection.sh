#!/usr/bin/env bash
# The inbox selection follows the thread, not the row number: after a reply moves a thread to
# the top, after a filter or a search and across a page change, the highlight and the next
# `r` are still that patient (issue 10: "Message to Zoë Müller" after replying to Leilani).
source "$(dirname "$0")/lib.sh" "$1"

# The name on the highlighted inbox row (NO_COLOR: the selection is reverse video).
selected_name() {
	capture -e | sed -n '3,26p' | grep -F $'\033[7m' | head -1 | sed 's/\x1b\[[0-9;]*m//g' |
		sed -E 's/^[^[:alpha:](]*//; s/ {2,}.*//'
}

# Moves the highlight down until it is on $1.
select_thread() {
	local i
	for i in $(seq 1 30); do
		[ "$(selected_name)" = "$1" ] && return 0
		keys j
		sleep 0.15
	done
	fail "could not select $1 (at \"$(selected_name)\")"
}

# at 22:30 the demo's own reminder pass waits for texting hours, so no reply re-sorts the
# list while the test is still choosing a thread
late=$(TZ=America/Chicago date -d 'today 22:30' +%s)
start_demo NO_COLOR=1 "SMSDESK_FAKE_NOW=$late"
wait_inbox
wait_for "Leilani Kahale"
select_thread "Leilani Kahale"
line=$(capture | grep -nF "Leilani Kahale" | head -1 | cut -d: -f1)
[ "$line" -gt 3 ] || fail "Leilani should start below the first row (line $line)"

keys r
wait_for "Message to Leilani Kahale"
type_text "See you Tuesday"
keys C-x
wait_for "Review"
keys Enter
wait_line 3 "Leilani Kahale" 10
pass "the reply moved Leilani to the top"
[ "$(selected_name)" = "Leilani Kahale" ] || fail "the highlight stayed on the row number: \"$(selected_name)\" is selected"
keys r
wait_for "Message to"
capture | sed -n 1p | grep -qF "Message to Leilani Kahale" ||
	fail "r after the reply opened another patient: $(capture | sed -n 1p)"
keys Escape
wait_gone "Message to"
pass "the selection followed the thread to the top"

# a filter keeps the selected thread when it is in the filtered list
select_thread "Kai Nakamura"
keys u
wait_for "showing unread"
[ "$(selected_name)" = "Kai Nakamura" ] || fail "the unread filter lost the selection: \"$(selected_name)\""
keys u
wait_for "showing all"
[ "$(selected_name)" = "Kai Nakamura" ] || fail "clearing the filter lost the selection: \"$(selected_name)\""
pass "filters keep the selected thread"

# a search that keeps the thread keeps it selected; Esc back to all keeps it too
keys /
wait_for "Search names, numbers and messages"
type_text "a"
keys Enter
wait_for 'search "a"'
[ "$(selected_name)" = "Kai Nakamura" ] || fail "the search lost the selection: \"$(selected_name)\""
keys Escape
wait_for "showing all"
[ "$(selected_name)" = "Kai Nakamura" ] || fail "clearing the search lost the selection: \"$(selected_name)\""
pass "search keeps the selected thread"

# an inbound message re-sorts the list under the selection
select_thread "Ana Souza"
sim_inbound "+13125550177" "a new patient writes in"
wait_line 3 "a new patient writes in" 30
[ "$(selected_name)" = "Ana Souza" ] || fail "an inbound re-sort moved the selection to \"$(selected_name)\""
pass "an inbound re-sort keeps the selection"
quit_console
