#!/usr/bin/env bash
# The reminders screen: opened from the inbox with R, its five lists, and "send reminder now"
# for the selected upcoming appointment (queued, or refused with the reason in a box).
source "$(dirname "$0")/lib.sh" "$1"

# Noon at the demo clinic (Chicago), so quiet hours do not decide the outcome.
noon=$(TZ=America/Chicago date -d 'today 12:00' +%s)
start_demo "SMSDESK_FAKE_NOW=$noon"
wait_inbox
keys R
wait_for "Reminders"
wait_for "1 Upcoming"
wait_for "NEXT REMINDER"
wait_for_re 'due [A-Za-z0-9: ]+' 10 >/dev/null
for tab in "Sent" "Waiting" "Skipped" "Responses"; do
	keys Tab
	wait_for_re "\\[?[0-9] $tab" 5 >/dev/null
done
keys 1
wait_for "NEXT REMINDER"
pass "the five lists open"

queued=""
for try in 1 2 3 4 5 6; do
	keys s
	got=$(wait_for_re '(Reminder queued for appointment [0-9]+|Reminder not sent)' 10)
	if [[ $got == Reminder\ queued* ]]; then
		queued=${got##* }
		break
	fi
	keys Enter
	wait_gone "Reminder not sent"
	keys j
done
[ -n "$queued" ] || fail "no upcoming appointment could be reminded"
pass "send reminder now queued appointment $queued"
keys 2
wait_for "STATUS"
wait_for_re "manual +(queued|sent|delivered)" 10 >/dev/null
# The status follows the message as Twilio reports it (the console polls the simulator):
# delivered, not "queued" for good.
deadline=$((SECONDS + 60))
while ! capture | grep -qE "manual +delivered" && [ $SECONDS -lt $deadline ]; do
	keys g
	sleep 0.5
done
capture | grep -qE "manual +delivered" || fail "the manual reminder never showed as delivered"
pass "the Sent list shows the message's own status (delivered)"
# Pressing it again the same day is refused, with the reason.
keys 1
wait_for "NEXT REMINDER"
keys 2
wait_for_re "manual +(queued|sent|delivered)" 10 >/dev/null
keys s
wait_for "Reminder not sent"
wait_for "already sent today"
keys Enter
wait_gone "Reminder not sent"
pass "a second manual reminder the same day is refused"

# An admin switches automatic reminders off: the screen says so, the template stays, and
# "send reminder now" still works.
DB=$(demo_info db)
out=$("$SMSDESK" --db "$DB" settings set --slots off 2>&1) || fail "settings set --slots off failed: $out"
keys 1
keys g
wait_for "Automatic reminders are off for this location"
wait_for "automatic reminders off"
sent_off=""
for try in 1 2 3 4 5 6; do
	keys s
	got=$(wait_for_re '(Reminder queued for appointment [0-9]+|Reminder not sent)' 10)
	if [[ $got == Reminder\ queued* ]]; then
		sent_off=${got##* }
		break
	fi
	keys Enter
	wait_gone "Reminder not sent"
	keys j
done
[ -n "$sent_off" ] || fail "send reminder now did not work with reminders off"
out=$("$SMSDESK" --db "$DB" settings show 2>&1)
grep -q "reminder_slots: *off" <<<"$out" || fail "the slots are not stored as off: $out"
grep -q "reminder_template: *[^ ]" <<<"$out" || fail "the template was lost: $out"
pass "reminders off: the screen says so, send reminder now still queues ($sent_off)"
keys q
wait_for "Inbox"
# The settings screen names the allowed window for what it is.
keys S
wait_for "Texting hours"
wait_for "08:00-21:00"
capture | grep -qi "quiet hours" && fail "the settings screen still says quiet hours"
keys Escape
wait_for "Inbox"
pass "settings show texting hours"
quit_console
