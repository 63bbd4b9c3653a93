#!/usr/bin/env bash
# The cancellation filler in the demo (issue 14): Ahmed's cancelled visit is offered by text to
# the two waitlisted patients (then to recall-overdue ones, three at a time); the simulated
# Fatima answers BOOK and gets it; W shows the chain; Emily is told it was taken; the new
# appointment is in the database and the booking audited.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

start_demo "SMSDESK_FAKE_NOW=$(date -u -d 'today 17:00' +%s)"
wait_inbox
keys W
wait_for "Cancelled visits offered to the waitlist"
wait_for "Fatima Haddad" 30
pass "the cancelled visit is offered to the waitlist first"
keys g
deadline=$((SECONDS + 40))
until capture | grep -q "Fatima Haddad .* won"; do
	[ $SECONDS -lt $deadline ] || fail "Fatima did not win the slot: $(capture)"
	sleep 1
	keys g
done
wait_for "filled"
capture | grep -q "Emily Johnson .* told_taken" || fail "Emily was not told it was taken: $(capture)"
pass "the first BOOK wins; the other one offered is told it was taken"
DDB=$(demo_info db)
n=$(sqlite3 "$DDB" "SELECT COUNT(*) FROM appointments a JOIN patients p ON p.id = a.patient_id
	JOIN slot_offers o ON o.new_appointment_id = a.id WHERE p.first_name = 'Fatima' AND a.status = 'scheduled'")
[ "$n" = 1 ] || fail "Fatima's new appointment is not booked ($n)"
a=$(sqlite3 "$DDB" "SELECT COUNT(*) FROM audit_log WHERE action = 'filler.filled'")
[ "$a" = 1 ] || fail "the booking is not audited once ($a)"
t=$(sqlite3 "$DDB" "SELECT COUNT(*) FROM sms_messages WHERE body LIKE '%was taken%'")
[ "$t" -ge 1 ] || fail "no 'taken' text was sent"
pass "Fatima is booked in the store, audited; the others got the 'taken' text"
quit_console
