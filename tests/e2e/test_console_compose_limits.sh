#!/usr/bin/env bash
# Review never promises a send the send path will refuse, and nothing typed or pasted is cut
# silently (issue 10): a patient who opts out while the draft is written gets "It will NOT be
# sent" up front; a text over 1,600 characters says by how much; a paste past what the
# editor holds says how many characters were dropped.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

start_demo
wait_inbox
DB=$(demo_info db)

open_patient() {
	keys Escape
	keys /
	wait_for "Search names, numbers and messages"
	type_text "$1"
	keys Enter
	wait_for "search \"$1\""
	keys r
	wait_for "Message to $2"
}

open_patient "Souza" "Ana Souza"
type_text "Your results are ready"
sim_inbound "+13125550101" "STOP"
deadline=$((SECONDS + 30))
until [ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_optouts WHERE phone = '+13125550101'" 2>/dev/null)" = "1" ]; do
	[ $SECONDS -lt $deadline ] || fail "the STOP was not processed"
	sleep 0.3
done
keys C-x
wait_for "It will NOT be sent"
capture | grep -qF "opted out" || fail "the review does not say why"
capture | grep -qF "Enter sends it now" && fail "the review still says Enter sends it now"
wait_for "Nothing can be sent as it is"
pass "review says up front that an opted-out patient will not get it, and why"
keys Escape
wait_gone "It will NOT be sent"
keys Escape
keys Escape
wait_gone "Message to Ana"

open_patient "Müller" "Zoë Müller"
long=$(printf 'a%.0s' $(seq 1 1700))
type_text "$long"
wait_for "1700/1600 TOO LONG by 100 (limit 1600)"
keys C-x
wait_for "It will NOT be sent"
capture | grep -qF "1700 characters long; the limit is 1600" || fail "the review does not give the length and limit"
pass "1,700 characters: the counter and the review say it is 100 over the 1,600 limit"
keys Escape
wait_gone "It will NOT be sent"
more=$(printf 'b%.0s' $(seq 1 2400))
type_text "$more"
wait_for "100 characters were not added: the editor holds 4000, and a text message at most 1600." 30
wait_for "TOO LONG by 2400 (limit 1600) · 100 more NOT added"
pass "a paste past the editor's 4,000 characters says how many were dropped"
keys Escape
keys Escape
wait_gone "Message to Zoë"
quit_console
