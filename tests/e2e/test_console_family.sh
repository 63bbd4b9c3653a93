#!/usr/bin/env bash
# A family phone shows every patient on the number and P picks the one texting (then p opens
# that patient's preferences, and the inbox shows the name); an unknown number says "Unknown
# sender" and P links it through a search of the location's patients. Both are audited.
# At 80x24, the smallest console, so the names must fit without breaking the layout.
source "$(dirname "$0")/lib.sh" "$1"

open_thread() { # open_thread DIGITS: searches the inbox for the number and opens its thread
	keys /
	wait_for "Search names, numbers and messages"
	type_text "$1"
	keys Enter
	wait_for "search \"$1\""
	keys Enter
}

start_demo -s 80 24
wait_inbox
DB=$(demo_info db)

# The demo's family phone: the three Garcías share (312) 555-0111.
open_thread 0111
wait_for "Shared phone  (312) 555-0111"
wait_for "Shared phone: José García · María García · Lucía García"
wait_for "P to choose"
capture | sed -n 3p | grep -qE '^[─-]{80}$' || fail "the rule under the names moved or broke"
keys p
wait_for "not linked to one patient"
wait_for "Press P to choose the patient"
keys Enter
wait_gone "not linked to one patient"
pass "a family phone lists its patients, and p asks to choose first"

keys P
wait_for "Who is texting from (312) 555-0111?"
wait_for "3 patients share this number"
for name in "José García" "María García" "Lucía García"; do
	grep -qF "$name" <<<"$E2E_LAST" || wait_for "$name" 5
done
keys Escape
wait_gone "Who is texting from"
capture | grep -qF "linked to" && fail "Esc linked the thread anyway"
keys P
wait_for "Who is texting from (312) 555-0111?"
keys Down
keys Enter
wait_gone "Who is texting from"
wait_for "María García  (312) 555-0111"
wait_for "Shared phone (3 patients), linked to María García"
wait_for "P to change"
pass "P picks María from the family"

keys p
wait_for "Patient — María García"
wait_for "(312) 555-0111"
keys q
wait_for "linked to María García"
keys q
wait_for "Inbox"
keys Escape
wait_for "María García +2" 10
pass "p opens María's preferences and the inbox names her"

# An unknown number gets its own "unknown sender" thread.
sim_inbound "+13125550189" "hi, it's me from the new phone"
wait_for "***-0189" 30
open_thread 0189
wait_for "Unknown sender  (312) 555-0189"
wait_for "Unknown sender: no patient has this number"
wait_for "P to link it"
pass "an unknown number says unknown sender"

keys P
wait_for "Link (312) 555-0189 to a patient"
wait_for "Search:"
type_text "zz' OR 1=1 --"
wait_for "No patient matches."
for i in $(seq 1 13); do keys BSpace; done
type_text "Souza"
wait_for "Ana Souza"
wait_gone "Zoë Müller"
keys Enter
wait_gone "Link (312) 555-0189"
wait_for "Ana Souza  (312) 555-0189"
wait_for "Number not on file, linked to Ana Souza"
keys p
wait_for "Patient — Ana Souza"
keys q
wait_for "linked to Ana Souza"
pass "P links the unknown sender to the patient found by search"

audit=$("$SMSDESK" --db "$DB" audit list --action thread.link 2>&1) || fail "audit list failed: $audit"
[ "$(grep -c 'thread.link' <<<"$audit")" -eq 2 ] || fail "expected two thread.link entries: $audit"
grep -qE 'demo +thread\.link .*shared phone \(3 patients\)' <<<"$audit" || fail "no audit of the family link: $audit"
grep -qE 'demo +thread\.link .*unknown sender' <<<"$audit" || fail "no audit of the unknown-sender link: $audit"
ana=$("$SMSDESK" --db "$DB" patient list --search Souza | awk 'NR==2{print $1}')
grep -qE "thread\.link +[0-9]+ +$ana " <<<"$audit" || fail "the link is not audited with Ana's id $ana: $audit"
"$SMSDESK" --db "$DB" audit verify >/dev/null 2>&1 || fail "the audit chain does not verify"
pass "both links are in the audit log with the patient"

keys q
wait_for "Inbox"
quit_console
