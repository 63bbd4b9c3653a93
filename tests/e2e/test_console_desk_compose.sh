#!/usr/bin/env bash
# Compose at the front desk, 80x24 on the demo data: Ctrl-T picks a quick reply filled in for
# the patient; an admin adds one (checked like a template: an unknown variable is refused);
# l in review sends later (texting hours respected), the thread shows it and L cancels it
# before it goes. Audited.
source "$(dirname "$0")/lib.sh" "$1"

noon=$(TZ=America/Chicago date -d 'today 12:00' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$noon"
wait_inbox
DB=$(demo_info db)
audit_count() { sqlite3 "$DB" "SELECT COUNT(*) FROM audit_log WHERE action = '$1'"; }
tomorrow9=$(TZ=America/Chicago date -d "@$noon" +%Y-%m-%d)
tomorrow9=$(TZ=America/Chicago date -d "$tomorrow9 + 1 day 09:00" +%s)
tomorrow8=$((tomorrow9 - 3600))

# ---- the demo's scheduled message, cancelled before it goes ----
keys /
wait_for "Search"
type_text "Williams"
keys Enter
wait_for 'search "Williams"'
keys Enter
wait_for "Noah Williams  (312) 555-0120"
wait_for_re "Scheduled [A-Z][a-z]{2} [0-9]{2} 09:00" >/dev/null
wait_for "L cancels"
keys L
wait_for "Cancel the scheduled message?"
keys y
wait_for "Scheduled message cancelled"
wait_gone "L cancels"
[ "$(sqlite3 "$DB" "SELECT status FROM sms_messages WHERE body LIKE 'Reminder: no food%'")" = canceled ] ||
	fail "the scheduled message was not cancelled"
[ "$(audit_count sms.later_cancel)" = 1 ] || fail "the cancel was not audited"
pass "L cancels a scheduled message before it goes"

# ---- quick replies ----
keys r
wait_for "Message to Noah"
keys C-t
wait_for "Quick replies"
wait_for "bring card"
keys a
wait_for "Name of the new quick reply:"
type_text "parking"
keys Enter
wait_for "Text ({patientName}"
type_text "Park at {where}"
keys Enter
wait_for "Quick reply not saved"
wait_for "where"
keys Enter
keys a
wait_for "Name of the new quick reply:"
type_text "parking"
keys Enter
wait_for "Text ({patientName}"
type_text "Hi {patientName}, parking is behind the building."
keys Enter
wait_for "Quick reply saved."
wait_for "parking"
[ "$(audit_count canned.save)" = 1 ] || fail "the new quick reply was not audited once"
pass "an admin adds a quick reply; an unknown variable is refused"

keys k k k
keys j
wait_for "bring card"
keys Enter
wait_gone "Quick replies"
wait_for "Hi Noah Williams, please bring your insurance card"
pass "Ctrl-T puts the chosen reply, filled in for the patient, into the editor"

# ---- send later ----
keys C-x
wait_for "l sends later"
keys l
wait_for "Send at"
keys Enter
wait_for "Scheduled for"
wait_for_re "Scheduled [A-Z][a-z]{2} [0-9]{2} 09:00" >/dev/null
row=$(sqlite3 "$DB" "SELECT status || ' ' || next_attempt_at FROM sms_messages WHERE body LIKE 'Hi Noah Williams, please bring%'")
[ "$row" = "queued $tomorrow9" ] || fail "send later queued '$row', expected 'queued $tomorrow9'"
pass "l in review schedules the message for tomorrow 09:00; the thread shows it"

keys r
wait_for "Message to Noah"
type_text "See you soon"
keys C-x
wait_for "l sends later"
keys l
wait_for "Send at"
keys C-u
type_text "23:30"
keys Enter
wait_for "(texting hours)"
row=$(sqlite3 "$DB" "SELECT next_attempt_at FROM sms_messages WHERE body = 'See you soon'")
[ "$row" = "$tomorrow8" ] || fail "a 23:30 send was queued for $row, expected $tomorrow8 (08:00)"
pass "a time outside texting hours moves to 08:00"
keys q

keys Escape
quit_console
