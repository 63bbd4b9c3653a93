#!/usr/bin/env bash
# The front desk's lanes at 80x24 on the demo data: H (replies a person must read, with the
# next appointment beside each; c confirms, n takes one out), F (failed deliveries grouped by
# cause; c logs "called", w updates a wrong mobile), both emptying as they are handled; in a
# thread n adds a note (shown apart, never sent), a assigns, C confirms the next appointment,
# e archives; the inbox's m (mine) and z (archive) filters. Every action is in the audit log.
source "$(dirname "$0")/lib.sh" "$1"

noon=$(TZ=America/Chicago date -d 'today 12:00' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$noon"
wait_inbox
DB=$(demo_info db)
audit_count() { sqlite3 "$DB" "SELECT COUNT(*) FROM audit_log WHERE action = '$1'"; }

wait_for "H:2 F:5"
pass "the inbox title counts both lanes"

# ---- needs a person ----
keys H
wait_for "Needs a person"
wait_for "2 replies to read"
wait_for "Grace Okafor"
wait_for "I'll be 15 minutes late, is that ok?"
wait_for_re "next: [A-Z][a-z]{2}, [A-Z][a-z]{2} [0-9]+ [0-9:]+ [AP]M" >/dev/null
wait_for "Is this for José or for Lucía?"
pass "H lists each unclear reply with the patient's next appointment"

# the help screen comes from the key table: each key once, with its words
keys '?'
wait_for "Help — needs a person screen"
wait_for "not about the appointment"
[ "$(capture | grep -c '^  Enter ')" = 1 ] || fail "Enter is listed more than once in H's help"
keys Escape
wait_for "2 replies to read"
pass "H's help lists its keys once each"

keys c
wait_for "Appointment confirmed."
wait_for "1 reply to read"
capture | grep -qF "Grace Okafor" && fail "the confirmed reply stayed in the lane"
[ "$(sqlite3 "$DB" "SELECT a.status FROM appointments a JOIN patients p ON p.id = a.patient_id WHERE p.first_name = 'Grace' AND a.status <> 'completed'")" = confirmed ] ||
	fail "c did not confirm Grace's appointment"
keys n
wait_for "Taken out of the lane."
wait_for "Nothing waits"
[ "$(audit_count appt.confirm.staff)" = 1 ] || fail "no appt.confirm.staff audit entry"
[ "$(audit_count triage.not_appointment)" = 1 ] || fail "no triage.not_appointment audit entry"
pass "c confirms, n takes a reply out; the lane empties; both audited"
keys q
wait_for "H:0 F:5"

# ---- failed deliveries ----
keys F
wait_for "Failed deliveries"
wait_for "5 to follow up"
wait_for "number unreachable"
wait_for "landline"
wait_for "carrier blocked"
wait_for "other"
wait_for "a reminder for "
pass "F groups failed deliveries by cause in plain words, with what was lost"

keys c
wait_for "Logged: called."
wait_for "4 to follow up"
capture | grep -qF "Priya Raman" && fail "the followed-up message stayed on the list"
keys w
wait_for "Right mobile number for this patient:"
type_text "(312) 555-0177"
keys Enter
wait_for "Mobile number updated"
wait_for "3 to follow up"
[ "$(sqlite3 "$DB" "SELECT mobile FROM patients WHERE first_name = 'Wei'")" = "+13125550177" ] ||
	fail "w did not update Wei's mobile"
[ "$(audit_count delivery.followup)" = 2 ] || fail "follow-ups not audited"
[ "$(audit_count patient.mobile)" = 1 ] || fail "the mobile change was not audited"
pass "c logs a call, w updates the mobile; the list shrinks; audited"
keys q

# ---- a thread: note, assign, appointment, archive ----
keys /
wait_for "Search"
type_text "Lindqvist"
keys Enter
wait_for 'search "Lindqvist"'
keys Enter
wait_for "Björn Lindqvist  (312) 555-0108"
wait_for_re "Next: .* scheduled" >/dev/null
keys n
wait_for "Note (staff only, never sent):"
type_text "Pharmacy says refill is ready Thursday"
keys Enter
wait_for "[note 1/1] demo"
wait_for "Pharmacy says refill is ready Thursday"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_messages WHERE body LIKE 'Pharmacy%'")" = 0 ] || fail "a note became a message"
pass "n adds a note, shown apart from the messages, never sent"

keys a
wait_for "Assign to"
keys Enter
wait_for "assigned: demo"
keys C
wait_for "Appointment confirmed."
wait_for_re "Next: .* confirmed" >/dev/null
pass "a assigns to me; C confirms the next appointment"

keys e
wait_for "Archived (done)."
wait_for "Inbox"
keys Escape
wait_gone 'search "Lindqvist"'
capture | grep -qF "Björn Lindqvist" && fail "the archived thread is still in the inbox"
keys m
wait_for "showing mine"
wait_for "No threads match."
keys z
wait_for "showing archive, mine"
wait_for "Björn Lindqvist"
keys m
wait_for "Siobhán O'Connor"
pass "e archives; m shows mine, z the archive"
for a in thread.note thread.assign thread.archive; do
	[ "$(audit_count $a)" = 1 ] || fail "no $a audit entry"
done
pass "note, assign and archive are audited"
quit_console
