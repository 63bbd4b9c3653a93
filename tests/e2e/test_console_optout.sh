#!/usr/bin/env bash
# A patient who texted STOP is opted out: replying is refused with the reason in words.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
sim_inbound "+13125550166" "STOP"
wait_for_re "\*\*\*-0166" 30 >/dev/null
keys /
wait_for "Search names, numbers and messages"
type_text "0166"
keys Enter
wait_for 'search "0166"'
keys Enter
wait_for "(312) 555-0166"
wait_for "OPTED OUT" 10
keys r
wait_for "Not sent: opted out"
wait_for "has opted out of text messages"
capture | grep -q "Message to" && fail "the editor opened for an opted-out number"
pass "reply to an opted-out number is refused in words"
keys Enter
wait_gone "Not sent: opted out"
keys q
quit_console
