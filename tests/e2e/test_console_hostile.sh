#!/usr/bin/env bash
# A message full of escape sequences (OSC title, OSC 52 clipboard, CSI clear screen, SGR
# colour, C1 CSI, RTL override, invalid UTF-8) leaves the screen intact: the pane title is
# unchanged, nothing is cleared or coloured, the sequences show as '?'.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
title_before=$(tm display-message -p -t main '#{pane_title}')
body=$(printf 'HOSTILE \033]0;pwned\007\033[2J\033[31mRED\033[0m \033]52;c;cHduZWQ=\007 \302\233"31m \342\200\256evil \377 END')
sim_inbound "+13125550155" "$body"
wait_for "HOSTILE" 30
title_after=$(tm display-message -p -t main '#{pane_title}')
[ "$title_before" = "$title_after" ] || fail "pane title changed from \"$title_before\" to \"$title_after\""
capture | head -1 | grep -q "Inbox" || fail "the title line is gone (screen cleared?)"
capture | tail -1 | grep -q "unread" || fail "the status bar is gone"
line=$(capture -e | grep -F "HOSTILE")
grep -q $'\033\\[31m' <<<"$line" && fail "the hostile line carries red from the message"
pass "inbox preview is inert"

keys /
wait_for "Search names, numbers and messages"
type_text "0155"
keys Enter
wait_for 'search "0155"'
keys Enter
wait_for "(312) 555-0155"
wait_for "HOSTILE ?]0;pwned??[2J?[31mRED?[0m ?]52;c;cHduZWQ=?"
wait_for "evil"
capture | grep -F "evil" | grep -qF "?evil" || fail "the RTL override should show as '?'"
title_after=$(tm display-message -p -t main '#{pane_title}')
[ "$title_before" = "$title_after" ] || fail "pane title changed after opening the thread"
capture | tail -1 | grep -q "unread" || fail "the status bar is gone in the thread view"
line=$(capture -e | grep -F "HOSTILE")
grep -q $'\033\\[31m' <<<"$line" && fail "the thread line carries red from the message"
pass "thread shows the sequences as '?' and the terminal is untouched"

keys q
quit_console
