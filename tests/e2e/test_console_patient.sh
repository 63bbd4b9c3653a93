#!/usr/bin/env bash
# The patient screen: opening it is written to the audit log (who, which patient), and an
# opt-out date shows in the clinic's zone with the zone's name (issue 10).
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
DB=$(demo_info db)
keys /
wait_for "Search names, numbers and messages"
type_text "Herrera"
keys Enter
wait_for 'search "Herrera"'
keys Enter
wait_for "OPTED OUT"
before=$("$SMSDESK" --db "$DB" audit list --action patient.view 2>&1 | grep -c "patient.view")
[ "$before" -eq 0 ] || fail "patient.view entries before the screen was opened: $before"
keys p
wait_for "Patient — Tomás Herrera"
opened=$("$SMSDESK" --db "$DB" audit list --action thread.open 2>&1 | grep "thread.open" | tail -1)
viewed=$("$SMSDESK" --db "$DB" audit list --action patient.view 2>&1 | grep "patient.view")
[ -n "$viewed" ] || fail "opening the patient screen was not audited"
read -r _ _ user action _ patient _ <<<"$viewed"
[ "$user" = "demo" ] || fail "the audit entry names \"$user\", not the signed-in user: $viewed"
read -r _ _ _ _ _ tpatient _ <<<"$opened"
[ "$patient" = "$tpatient" ] && [ "$patient" != "-" ] ||
	fail "the audit entry names patient $patient, the thread is patient $tpatient: $viewed"
pass "opening the patient screen is audited (user demo, patient $patient)"

line=$(capture | grep -F "OPTED OUT")
grep -qE "OPTED OUT [A-Z][a-z]{2} [0-9]{2} [0-9]{4} [0-9]{2}:[0-9]{2} C[SD]T, via sms" <<<"$line" ||
	fail "the opt-out time has no date or no zone: $line"
utc=$(sqlite3 "$DB" "SELECT strftime('%H:%M', opted_out_at, 'unixepoch') FROM patient_sms_preferences WHERE patient_id = $patient" 2>/dev/null)
if [ -n "$utc" ]; then
	grep -qF " $utc " <<<"$line" && fail "the opt-out time is in UTC ($utc): $line"
fi
pass "the opt-out date is in the clinic's zone, labelled: $(grep -oE '[A-Z][a-z]{2} [0-9]{2} [0-9]{4} [0-9:]{5} [A-Z]+' <<<"$line")"
keys Escape
wait_gone "Patient — Tomás"
keys r
wait_for "Not sent: opted out"
capture | grep -qE "[0-9]{2}:[0-9]{2} C[SD]T" || fail "the refusal's opt-out time has no zone"
pass "the compose refusal names the zone too"
# `smsdesk messages` shows Twilio's error code and words for a failed message
out=$("$SMSDESK" --db "$DB" messages --status failed 2>&1) || fail "messages failed: $out"
grep -qF "[error 30003: Unreachable destination handset]" <<<"$out" || fail "messages hides the error: $out"
pass "smsdesk messages shows the error code of a failed message"
keys Enter
quit_console

