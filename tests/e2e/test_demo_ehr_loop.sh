#!/usr/bin/env bash
# `--demo` shows the EHR loop (issue 13 item 5): the demo's fake EHR sends an SIU^S12 through
# smsdesk's real MLLP listener (a new patient, Rosa Delgado, and her appointment from the
# EHR); the console's pass sends her reminder through the Twilio simulator; the simulated
# patient answers C; the SIU^S14 write-back goes over MLLP to the fake EHR, which acknowledges
# it, and the status bar says so. All real parts in one `smsdesk --demo` process.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

# 10:00 in the clinic's zone: her reminder may go at once (texting hours 08-21)
now=$(TZ=America/Chicago date -d 'today 10:00' +%s)
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$now"
wait_inbox
DDB=$(demo_info db)
wait_for "EHR: " 20
pass "the status bar shows the EHR loop: $(capture | grep -oE 'EHR: [A-Za-z0-9 -]+' | tail -1)"
[ -n "$(demo_info mllp_port)" ] && [ -n "$(demo_info fake_ehr_port)" ] || fail "no MLLP ports in the demo info"
row=$(sqlite3 "$DDB" "SELECT p.first_name || ' ' || p.last_name, p.external_id, a.status
	FROM appointments a JOIN patients p ON p.id = a.patient_id WHERE a.ehr_id = 'EHR-APPT-1'")
# (scheduled, or confirmed already when she was quick)
case "$row" in "Rosa Delgado|EHR-4711|scheduled" | "Rosa Delgado|EHR-4711|confirmed") ;; *) false ;; esac || fail "the EHR's appointment is not in the clinic: '$row'"
n=$(sqlite3 "$DDB" "SELECT count(*) FROM ehr_inbound WHERE control_id = 'DEMO-S12-1' AND ack_code = 'AA'")
[ "$n" = 1 ] || fail "the S12 was not recorded as received and acknowledged ($n)"
pass "the S12 came through the listener: $row"

# the loop: reminder out, C back, SIU^S14 to the fake EHR and its AA
wait_for "EHR: write-back acked" 90
pass "the status bar says the fake EHR acknowledged the write-back"
row=$(sqlite3 "$DDB" "SELECT o.event, o.status, a.status FROM ehr_outbox o JOIN appointments a ON a.id = o.appointment_id
	WHERE a.ehr_id = 'EHR-APPT-1'")
[ "$row" = "confirmed|sent|confirmed" ] || fail "the write-back is not a sent confirmation: '$row'"
n=$(sqlite3 "$DDB" "SELECT count(*) FROM sms_messages m JOIN appointments a ON a.id = m.appointment_id
	WHERE a.ehr_id = 'EHR-APPT-1' AND m.message_type = 'reminder'")
[ "$n" = 1 ] || fail "Rosa got $n reminders, not 1"
n=$(sqlite3 "$DDB" "SELECT count(*) FROM sms_messages WHERE direction = 'inbound' AND body = 'C'
	AND from_number = '+13125550131'")
[ "$n" = 1 ] || fail "Rosa's C is not in the store ($n)"
n=$(sqlite3 "$DDB" "SELECT count(*) FROM audit_log WHERE action = 'ehr.writeback' AND detail = 'sent'")
[ "$n" = 1 ] || fail "the acknowledged write-back is not audited ($n)"
pass "reminder sent, C received, appointment confirmed, SIU^S14 sent and audited"

# the send plan says where her appointment came from (the selected row's line)
keys P
wait_for "Send plan"
for _ in $(seq 1 40); do
	capture | grep -qF "Rosa Delgado (from the EHR): " && break
	keys j
	sleep 0.1
done
wait_for "Rosa Delgado (from the EHR): no reminder: already reminded" 5
keys Home # the first row: a reminder to a demo patient of our own, not from the EHR
wait_gone "(from the EHR)" 5
keys Escape
wait_for "Inbox"
pass "the send plan marks her appointment as from the EHR"

# a person sees it: the audit log lists the EHR's steps
keys A
wait_for "Audit"
wait_for "ehr.writeback"
pass "the audit screen shows the write-back"
quit_console
