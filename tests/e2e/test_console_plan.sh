#!/usr/bin/env bash
# The send plan in the console (issue 13 item 4): P on the inbox opens what `smsdesk plan`
# prints for the current location, at 80x24: a reminder the scheduler will send (when, which
# slot, which appointment) and an appointment that gets none, with the reason in words; the
# selected row's reason is shown whole; Tab widens the window; the help lists P.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

# 10:00 in the clinic's zone: a reminder due at 16:00 falls inside texting hours (08-21)
now=$(TZ=America/Chicago date -d 'today 10:00' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$now"
wait_inbox
DDB=$(demo_info db)
tid=$(demo_info tenant_id)
grace=$(sqlite3 "$DDB" "SELECT id FROM patients WHERE first_name = 'Grace'")
tomas=$(sqlite3 "$DDB" "SELECT id FROM patients WHERE first_name = 'Tomás'")
[ -n "$grace" ] && [ -n "$tomas" ] || fail "no demo patients Grace and Tomás"
# Grace: 30 h ahead, her 24h reminder goes at 16:00 today. Tomás (opted out): 20 h ahead, none.
sqlite3 "$DDB" "INSERT INTO appointments (tenant_id, patient_id, provider, starts_at, created_at, updated_at)
	VALUES ($tid, $grace, 'Dr. Plan', $((now + 30 * 3600)), $now, $now),
	       ($tid, $tomas, 'Dr. Plan', $((now + 20 * 3600)), $now, $now)" || fail "cannot add the appointments"

keys '?'
wait_for "Help"
wait_for "send plan: what the scheduler will send"
keys Escape
wait_for "Inbox"
pass "the inbox help lists P (send plan)"

keys P
wait_for "Send plan"
wait_for "next 24 hours"
capture | sed -n 3p | grep -qE "SEND AT +SLOT +APPOINTMENT +PATIENT +NOTE" || fail "no column heads on line 3"
line=$(capture | grep -F "Grace Okafor")
[ -n "$line" ] || fail "Grace's planned reminder is not listed"
grep -qE "^16:00 +24h +.* Grace Okafor +will send" <<<"$line" || fail "Grace's line is not a 24h reminder at 16:00: $line"
pass "a planned reminder: $line"
line=$(capture | grep -F "Tomás Herrera")
[ -n "$line" ] || fail "Tomás's appointment is not listed"
grep -qE "^- +- +.* Tomás Herrera +none: patient opted" <<<"$line" || fail "Tomás's line gives no reason: $line"
pass "an appointment without a reminder: $line"
capture | sed -n 23p | grep -qF "Esc/q back" || fail "the hint line hides Esc/q back"

# the reason is cut in its column at 80x24: the selected row shows it whole
for _ in $(seq 1 60); do
	capture | grep -qF "Tomás Herrera: no reminder: patient opted out of texts" && break
	keys j
	sleep 0.1
done
wait_for "Tomás Herrera: no reminder: patient opted out of texts" 5
pass "the selected row's reason is shown whole"

keys Tab
wait_for "next 2 days"
keys Escape
wait_for "Inbox"
n=$(sqlite3 "$DDB" "SELECT count(*) FROM audit_log WHERE action = 'plan.view'")
[ "$n" -ge 1 ] || fail "opening the send plan was not audited"
pass "the view is audited ($n)"
quit_console
