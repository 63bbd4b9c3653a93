#!/usr/bin/env bash
# Flagged threads: "please stop texting me" is flagged as a possible opt-out (never ignored);
# in its thread O opts the number out after y/n (no confirmation text is sent) and a reply is
# then refused. An R answer to a reminder flags "reschedule requested"; D clears it. Both are
# in the audit log. At 80x24.
source "$(dirname "$0")/lib.sh" "$1"

STRANGER="+13125550190"

# Noon at the demo clinic (Chicago), so quiet hours do not hold the reminder back.
noon=$(TZ=America/Chicago date -d 'today 12:00' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$noon"
wait_inbox
DB=$(demo_info db)

sim_inbound "$STRANGER" "please stop texting me"
wait_for "***-0190" 30
keys a
wait_for "showing needs action"
wait_for "***-0190"
wait_for "Leilani Kahale" # the demo's own flagged thread stays listed too
pass "the inbox lists the possible opt-out under needs action"

keys /
wait_for "Search names, numbers and messages"
type_text "0190"
keys Enter
wait_for 'search "0190"'
keys Enter
wait_for "(312) 555-0190"
wait_for "Flagged: possible opt-out"
wait_for "O opt this number out"
wait_for "D done"
pass "the thread says why it is flagged and which keys settle it"

keys O
wait_for "Opt this number out?"
wait_for "No confirmation text is sent automatically."
keys n
wait_gone "Opt this number out?"
capture | grep -qF "OPTED OUT" && fail "n opted the number out"
keys O
wait_for "Opt this number out?"
keys y
wait_for "is opted out (by staff: asked by text)"
wait_for "No confirmation text was sent."
keys Enter
wait_gone "No confirmation text was sent."
wait_for "OPTED OUT"
capture | grep -qF "Flagged: possible opt-out" && fail "the flag stayed after the opt-out"
pass "O, y: opted out, flag cleared, no confirmation text"

keys r
wait_for "Not sent: opted out"
wait_for "has opted out of text messages"
capture | grep -qF "Message to" && fail "the editor opened for the opted-out number"
keys Enter
wait_gone "Not sent: opted out"
pass "a reply to the number is refused as opted out"

msgs=$("$SMSDESK" --db "$DB" messages --limit 20 2>&1) || fail "messages failed: $msgs"
grep -qE ' out +\(\*\*\*\) \*\*\*-0190 ' <<<"$msgs" && fail "something was sent to the opted-out number: $msgs"
keys q
wait_for "Inbox"
keys Escape
wait_for "showing all"

# R to a reminder: Kai's simulated phone answers every reminder with R.
kai=$("$SMSDESK" --db "$DB" patient list --search Nakamura | awk 'NR==2{print $1}')
[ -n "$kai" ] || fail "no demo patient Kai Nakamura"
appt=$("$SMSDESK" --db "$DB" appointment list --patient "$kai" | awk 'NR==2{print $1}')
[ -n "$appt" ] || fail "Kai has no upcoming appointment"
out=$(SMSDESK_FAKE_NOW=$noon "$SMSDESK" --db "$DB" remind "$appt" 2>&1) || fail "remind failed: $out"
keys /
wait_for "Search names, numbers and messages"
type_text "Nakamura"
keys Enter
wait_for 'search "Nakamura"'
wait_for "You: Thanks" 45 # the auto-reply to R: the answer has been processed
keys Enter
wait_for "Kai Nakamura  (312) 555-0104"
wait_for "Flagged: reschedule requested"
wait_for "D done"
capture | grep -qF "O opt this number out" && fail "O is offered for a reschedule request"
keys D
wait_for "Done: \"reschedule requested\" cleared"
wait_gone "Flagged: reschedule requested"
keys D
wait_for "This thread is not flagged."
keys q
wait_for "Inbox"
keys Escape
keys a
wait_for "showing needs action"
capture | grep -qF "Kai Nakamura" && fail "Kai's thread is still under needs action"
keys Escape
pass "R after a reminder is flagged, D clears it"

audit=$("$SMSDESK" --db "$DB" audit list 2>&1) || fail "audit list failed: $audit"
grep -qE 'demo +pref\.optout\.staff .*asked by text \(possible opt-out\); 0 queued message\(s\) cancelled; no confirmation sent' \
	<<<"$audit" || fail "no pref.optout.staff entry: $audit"
grep -qE 'demo +thread\.action_done .*reschedule requested' <<<"$audit" || fail "no thread.action_done entry: $audit"
[ "$(grep -c 'thread.action_done' <<<"$audit")" -eq 1 ] || fail "the second D was audited: $audit"
"$SMSDESK" --db "$DB" audit verify >/dev/null 2>&1 || fail "the audit chain does not verify"
pass "the opt-out and the done are in the audit log"

quit_console
