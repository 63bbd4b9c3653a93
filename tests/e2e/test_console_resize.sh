#!/usr/bin/env bash
# Resizing relayouts; below 80x24 the console shows "terminal too small", and comes back.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
tm resize-window -t main -x 60 -y 20
wait_for "Terminal too small (need 80x24, have 60x20)"
capture | grep -q "unread" && fail "the status bar is still drawn in a too-small terminal"
pass "too-small screen at 60x20"
keys j # keys in a too-small terminal do nothing harmful
tm resize-window -t main -x 120 -y 40
wait_for "Inbox"
wait_gone "Terminal too small"
wait_line 40 "unread"
pass "back to the inbox at 120x40"
tm resize-window -t main -x 80 -y 24
wait_for "Inbox"
wait_line 24 "unread"
pass "exactly 80x24 works"
quit_console
