#!/usr/bin/env bash
# Reminders never go missing silently (issue 10): a console with no scheduler says so on the
# status bar and the reminders screen ("no scheduler has ever run" / "since ..."), the
# warning goes once a scheduler pass ran; and `--demo`, which has no scheduler, sends due
# reminders itself.
source "$(dirname "$0")/lib_auth.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

auth_setup
start_console
sign_in ann "$ADMIN_PW"
wait_for "Inbox"
wait_for "reminders are not being sent: no scheduler has ever run" 20
pass "no scheduler ever: the status bar says reminders are not being sent"
keys R
wait_for "Reminders"
capture | sed -n 1p | grep -qF "reminders are not being sent" || fail "the reminders screen does not say it"
pass "the reminders screen says it too"

"$SMSDESK" --scheduler --once >"$E2E_DIR/sched.log" 2>&1 || fail "a scheduler pass failed: $(tail -3 "$E2E_DIR/sched.log")"
keys Escape
keys s
wait_gone "reminders are not being sent" 20
pass "after a scheduler pass the warning is gone"

old=$(($(date +%s) - 3 * 3600))
sqlite3 "$DB" "UPDATE settings SET value = '$old' WHERE tenant_id = 0 AND key = 'scheduler.reminders_at'"
keys s
wait_for "reminders are not being sent: no scheduler since" 20
pass "a scheduler gone for hours is named: $(capture | grep -oE 'no scheduler since [^(]*')"
quit_console
stop_console

# the demo runs its own reminders pass: a reminder due now goes out without any scheduler
start_demo
wait_inbox
DDB=$(demo_info db)
tid=$(demo_info tenant_id)
pid=$(sqlite3 "$DDB" "SELECT id FROM patients WHERE first_name = 'Grace'")
[ -n "$pid" ] || fail "no demo patient Grace"
now=$(date +%s)
sqlite3 "$DDB" "UPDATE tenants SET quiet_start = 0, quiet_end = 0 WHERE id = $tid;
	INSERT INTO appointments (tenant_id, patient_id, provider, starts_at, created_at, updated_at)
	VALUES ($tid, $pid, 'Dr. Test', $((now + 7200 + 120)), $now, $now)" || fail "cannot add the appointment"
deadline=$((SECONDS + 40))
while :; do
	st=$(sqlite3 "$DDB" "SELECT m.status FROM sms_messages m JOIN appointments a ON a.id = m.appointment_id
		WHERE a.provider = 'Dr. Test' AND m.message_type = 'reminder'")
	case "$st" in sent | delivered) break ;; esac
	[ $SECONDS -lt $deadline ] || fail "the demo did not send the due reminder (status \"$st\")"
	sleep 0.5
done
pass "the demo sent a due reminder on its own ($st)"
capture | grep -qF "reminders are not being sent" && fail "the demo warns about a missing scheduler"
pass "the demo shows no missing-scheduler warning"
quit_console
