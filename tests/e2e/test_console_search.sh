#!/usr/bin/env bash
# Search and compose To: as a clinic uses them (issue 10): `/` starts empty; names match
# without their accents and in any case; message text matches too; a name that matches
# several patients in To: opens a list to choose from; a shared phone's compose header names
# everyone on it; the demo's lock and sign-in screens show its password.
source "$(dirname "$0")/lib.sh" "$1"

start_demo SMSDESK_IDLE_LOCK_SECONDS=600
wait_inbox

# The rows of the inbox list (lines 3 to 26) that show a thread.
rows() { capture | sed -n '3,26p' | grep -E '[0-9]{2}:[0-9]{2} *$'; }

search() {
	keys /
	wait_for "Search names, numbers and messages:"
	local field
	field=$(capture | grep -A1 -F 'Search names, numbers and messages:' | tail -1 | sed 's/^[^│]*│//; s/│.*//; s/ //g')
	[ -z "$field" ] || fail "the search line is not empty: \"$field\""
	type_text "$1"
	keys Enter
	wait_for "search \"$1\""
}

for q in chloe zoe nguyen MULLER; do
	search "$q"
	case $q in chloe) want="Chloé Dubois" ;; zoe | MULLER) want="Zoë Müller" ;; nguyen) want="Nguyễn Thị Mai" ;; esac
	got=$(rows)
	grep -qF "$want" <<<"$got" || fail "\"$q\" did not find $want: $got"
	[ "$(wc -l <<<"$got")" -eq 1 ] || fail "\"$q\" found more than $want: $got"
done
pass "search folds accents and case: chloe, zoe, nguyen, MULLER; / starts empty each time"

search "blood pressure"
got=$(rows)
grep -qF "Björn Lindqvist" <<<"$got" || fail "message text is not searched: $got"
pass "search finds message text (Björn's refill question)"
keys Escape
wait_for "showing all"

keys c
wait_for "To (patient name or mobile number):"
type_text "o'"
keys Enter
wait_for "Several patients match"
wait_for "Liam O'Brien"
wait_for "Siobhán O'Connor"
pass "To: with several matches lists them"
keys Enter
wait_for "Message to Liam O'Brien"
keys Escape
wait_gone "Message to Liam"

keys c
wait_for "To (patient name or mobile number):"
type_text "3125550111"
keys Enter
wait_for "Message to shared phone ("
capture | sed -n 1p | grep -qF "García" || fail "the shared phone's header names nobody: $(capture | sed -n 1p)"
pass "a shared phone's compose header names the patients on it"
keys Escape
wait_gone "Message to shared"
quit_console

# the demo's lock screen shows its password, and it unlocks; so does its sign-in screen
tm kill-server 2>/dev/null
E2E_SOCK="$E2E_SOCK-lock"
start_demo SMSDESK_IDLE_LOCK_SECONDS=2
wait_for "Console locked" 30
wait_for "Demo: user demo, password demo"
type_text "demo"
keys Enter
wait_gone "Console locked"
wait_for "Inbox"
pass "the demo's lock screen shows the demo password, which unlocks it"
wait_for "Console locked" 30
keys F10
wait_for "sign in"
wait_for "Demo: user demo, password demo"
type_text "demo"
keys Tab
type_text "demo"
keys Enter
wait_for "Inbox"
pass "the demo's sign-in screen shows it too, and it signs in"
keys q
wait_for "SMSDESK-EXITED 0" 10
