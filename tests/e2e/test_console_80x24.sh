#!/usr/bin/env bash
# A front-desk day at 80x24 (the size the console promises), at 22:30 in the clinic's zone:
# what must stay readable and predictable there. The inbox keeps delivery states next to our
# own messages only; the hint line always shows the way back; reminders line up names in any
# script and show the selected row's reason whole; prompts wrap their question; the patient
# screen wraps long values; Esc over a draft asks once before losing it; the review shows the
# quiet-hours question whole and says when a long text goes on below; the audit list shows
# the selected entry's detail whole.
source "$(dirname "$0")/lib.sh" "$1"

late=$(TZ=America/Chicago date -d 'today 22:30' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$late"
wait_inbox

# --- inbox ---
row=$(capture | grep -F "Zoë Müller")
[ -n "$row" ] || fail "Zoë Müller's thread is not in the inbox"
grep -qE "Thank you so much" <<<"$row" || fail "the preview of Zoë's message is missing: $row"
grep -qE "delivered|sent|queued" <<<"$row" && fail "a delivery state shows next to the patient's own words: $row"
capture | grep -F "Ahmed Al-Sayed" | grep -q "delivered" || fail "our delivered message lost its state"
capture | sed -n 23p | grep -qF "q quit" || fail "the inbox hint line hides q quit"
pass "inbox: delivery state only next to our messages; q quit on the hint line"

# --- reminders: columns by display width, the note of the selected row in full ---
keys R
wait_for "NEXT REMINDER"
# characters before "24h" (these names have no double-width characters: characters = columns)
col_of() {
	local pre
	pre=$(capture | grep -F "$1" | head -1 | sed 's/24h.*//')
	LC_ALL=C.UTF-8 bash -c 'echo ${#1}' _ "$pre"
}
a=$(col_of "Henrik Sørensen")
v=$(col_of "Björn Lindqvist")
z=$(col_of "Zoë Müller")
[ -n "$a" ] && [ "$a" = "$v" ] && [ "$a" = "$z" ] ||
	fail "the SLOT column does not line up (Henrik $a, Björn $v, Zoë $z characters before it)"
capture | sed -n 23p | grep -qF "Esc/q back" || fail "the reminders hint line hides Esc/q back"
for i in $(seq 1 12); do
	capture | grep -q "^ Ahmed Al-Sayed: appointment cancelled" && break
	keys j
	sleep 0.1
done
wait_for " Ahmed Al-Sayed: appointment cancelled" 5
pass "reminders: names line up in any script; the selected row's note in full"
keys q
wait_for "showing all"

# --- audit: the selected entry's target and detail whole under the list ---
keys A
wait_for "chain intact"
# down to the sign-in entry (the demo's fake EHR and its campaigns write entries before it)
for i in $(seq 1 25); do
	capture | sed -n 21p | grep -qF " demo sign-in" && break
	keys j
	sleep 0.2
done
wait_line 21 " demo sign-in" 5
capture | sed -n 23p | grep -qF "Esc close" || fail "the audit hint line hides Esc close"
keys Escape
wait_for "showing all"
pass "audit: the selected entry's detail in full"

# --- patient screen: the hint line, a wrapped prompt question ---
keys /
wait_for "Search names, numbers and messages"
type_text "Chloé"
keys Enter
wait_for 'search "Chloé"'
keys Enter
wait_for "Chloé Dubois  (312) 555-0103"
keys p
wait_for "Patient — Chloé Dubois"
capture | sed -n 23p | grep -qF "Esc/q back" || fail "the patient hint line hides Esc/q back"
capture | sed -n 23p | grep -qF "c record consent" || fail "the patient hint line hides c record consent"
keys c
wait_for "How was consent given"
wait_for "text YES)?"
keys Escape
wait_gone "How was consent given"
pass "patient: consent and back keys on the hint line; the consent question is whole"
keys q
wait_for "Chloé Dubois  (312) 555-0103"

# --- compose: Esc asks once; review: the quiet-hours question whole, a long text's rest noted ---
keys r
wait_for "Message to Chloé Dubois"
type_text "Running late today, sorry"
wait_for "25/1600"
keys Escape
wait_for "Press Esc again to discard this draft"
capture | grep -qF "Running late today, sorry" || fail "one Esc lost the draft"
type_text "!"
wait_for "26/1600"
wait_gone "Press Esc again"
keys Escape
wait_for "Press Esc again to discard this draft"
keys Escape
wait_gone "Message to Chloé Dubois"
wait_for "Chloé Dubois  (312) 555-0103"
pass "compose: one Esc keeps a draft, a second discards it"

keys r
wait_for "Message to Chloé Dubois"
long=$(printf 'Line of a long note. %.0s' $(seq 1 60))
type_text "$long"
wait_for "1260/1600"
keys C-x
wait_for "Enter sends it now"
wait_for "outside texting hours"
wait_for "Send anyway?"
wait_for_re "more lines? \(all of it is sent" 5 >/dev/null
keys Escape
wait_for "Message to Chloé Dubois"
keys Escape
keys Escape
wait_gone "Message to Chloé Dubois"
pass "review: the quiet-hours question whole, the rest of a long text noted"

keys q
wait_for 'search "Chloé"'
quit_console
