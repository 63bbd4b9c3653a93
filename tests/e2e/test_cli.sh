#!/usr/bin/env bash
# End-to-end test of the command line against the loopback simulator (`smsdesk sim`).
# $1 = the smsdesk binary. Everything lives in a temp HOME; the first failed check stops
# the script with a message.
source "$(dirname "$0")/lib_ops.sh" "$1"

# ---- help and usage ----
run 0 --help
has out "Commands:"
CMDS=$(sed -n '/^Commands:/,/^$/p' "$T/out" | awk 'NR > 1 && NF { print $1 }')
[ -n "$CMDS" ] || fail "no commands listed in --help"
for c in $CMDS; do
	run 0 "$c" --help
	has out "usage:"
done
run 0 --version
has out "smsdesk "
run 64 no-such-command
has err "--help"
run 64 tenant list --no-such-option
has err "smsdesk tenant --help"
run 1 tenant list
has err "smsdesk init"

# ---- init ----
run 0 init
has out "$DB"
has out "$KEY"
[ -f "$DB" ] || fail "init did not create $DB"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "key file mode is $(stat -c %a "$KEY"), not 600"
ok
KEYSUM=$(sha256sum "$KEY")
run 0 init
has out "kept"
[ "$(sha256sum "$KEY")" = "$KEYSUM" ] || fail "a second init changed the key file"
ok
chmod 644 "$KEY"
run 1 init
has err "chmod 600"
chmod 600 "$KEY"
# The database holds patients' messages: created private whatever the umask, and refused
# (with the fix) when others can read it; a group deployment's 0640 is kept.
[ "$(stat -c %a "$DB")" = 600 ] || fail "database mode is $(stat -c %a "$DB"), not 600"
ok
chmod 644 "$DB"
run 1 tenant list
has err "can be read by others"
has err "chmod o-rwx"
chmod 640 "$DB"
run 0 tenant list
chmod 600 "$DB"
(umask 000 && "$B" --db "$T/loose.db" init >"$T/out" 2>"$T/err") || fail "init with umask 000"
[ "$(stat -c %a "$T/loose.db")" = 600 ] || fail "umask 000: database mode $(stat -c %a "$T/loose.db")"
ok

# ---- tenants ----
run 64 tenant add "Main St" --timezone Mars/Olympus_Mons
run 0 tenant add "Main St" --timezone America/Chicago --phone "(555) 123-0000"
has out "added location"
run 1 tenant add "Main St" --timezone America/Chicago
has err "already exists"
run 0 tenant list
has out "Main St"
has out "America/Chicago"

# ---- the simulator ----
"$B" sim --step-ms 100 >"$T/sim.out" 2>"$T/sim.err" &
SIM_PID=$!
wait_for 10 "the simulator to print its credentials" grep -q '^auth_token=' "$T/sim.out"
BASE=$(sed -n 's/^base_url=//p' "$T/sim.out")
SID=$(sed -n 's/^account_sid=//p' "$T/sim.out")
TOKEN=$(sed -n 's/^auth_token=//p' "$T/sim.out")
[ -n "$BASE" ] && [ -n "$SID" ] && [ ${#TOKEN} -ge 16 ] || fail "could not read the simulator's credentials"
ok
FROM=+15005550006

# ---- settings ----
run 64 settings set --account-sid AC123
run 64 settings set --account-sid "$SID" --from +1555CALLNOW
run 64 settings set --api-base "file:///etc/passwd"
# Plain http carries the credentials in clear: loopback only, refused when set, not at connect.
for base in "http://example.com" "http://api.twilio.com/" "http://127.0.0.1.example.com" \
	"http://127.0.0.1:80@evil.example" "https://user:pw@api.twilio.com"; do
	run 64 settings set --api-base "$base"
	has err "--api-base must be an https:// URL"
	run 64 settings set api_base "$base"
	has err "api_base must be an https:// URL"
done
run 64 settings set --quiet 21:00-08:00
run 64 settings set --from "$FROM" --messaging-service MG00000000000000000000000000000000
run 64 settings set quiet_start 2000
run 64 settings set no_such_column 1
run_in 64 "" settings set --auth-token-stdin
# The token goes in through a pipe that stays open while we look at ps: it must not show.
mkfifo "$T/tokfifo"
"$B" settings set --account-sid "$SID" --from "$FROM" --api-base "$BASE" --auth-token-stdin \
	<"$T/tokfifo" >"$T/out" 2>"$T/err" &
SET_PID=$!
exec 9>"$T/tokfifo"
exec_done() { tr '\0' ' ' <"/proc/$SET_PID/cmdline" 2>/dev/null | grep -q -e "--auth-token-stdin"; }
wait_for 5 "settings set to be running" exec_done
ps -eo args >"$T/ps.out"
grep -q -F -- "--auth-token-stdin" "$T/ps.out" || fail "ps does not show the settings process"
! grep -q -F -- "$TOKEN" "$T/ps.out" || fail "the auth token shows in ps output"
ok
printf '%s\n' "$TOKEN" >&9
exec 9>&-
wait "$SET_PID" || fail "settings set with the token on stdin failed"
has out "auth_token: set"
run 0 settings show
has out "auth_token:            set"
has out "$SID"
lacks out "$TOKEN"

# ---- test-connection ----
run 0 test-connection
has out "status active"
run_in 0 "wrong${TOKEN}" settings set --auth-token-stdin
run 4 test-connection
has err "20003"
run_in 0 "$TOKEN" settings set --auth-token-stdin
run 0 test-connection

# ---- automatic reminders off for the location (and on again) ----
run 64 settings set --slots "off,24h"
run 64 settings set --slots "offf"
run 0 settings set --slots " None "
run 0 settings show
has out "reminder_slots:        off"
has out "{patientName}"
run 0 settings set --slots 72h,24h
run 0 settings show
has out "reminder_slots:        72h,24h"

# ---- patients and appointments ----
run 64 patient add --first Ann --last Lee --mobile 555-CALL-ANN
has err "letters"
run 64 patient add --first Ann --last Lee --mobile 12
run 64 patient add --first Ann --last Lee --mobile "+1 555 222 3333 ext 4"
run 3 patient add --first $'Ann\e]0;pwned\a' --last Lee --mobile "+1 555 222 3333"
run 64 patient add --first Ann --last Lee
run 0 patient add --first Ann --last Lee --mobile "(555) 222-3333"
has out "added patient 1"
run 0 patient add --first Bob --last Stop --mobile "+1 555 444 5555"
run 0 patient list --search lee
has out "Lee, Ann"
lacks out "Stop, Bob"
run 0 patient list --search 4445
has out "Stop, Bob"
run 64 appointment add --patient 1 --provider "Dr Who" --at "2030-02-30 10:00"
run 64 appointment add --patient 1 --provider "Dr Who" --at "tomorrow"
run 5 appointment add --patient 99 --provider "Dr Who" --at "2030-02-03 10:00"
run 0 appointment add --patient 1 --provider "Dr Who" --at "2030-02-03 10:00" --location "Room 2"
has out "2030-02-03 10:00"
run 0 appointment list
has out "Dr Who"

# ---- texting hours (the old name "quiet hours" is still accepted as --quiet) ----
run 64 settings set --texting-hours 21:00-08:00
has err "texting-hours"
run 64 settings set --texting-hours 08:00-21:00 --quiet 08:00-21:00
run 0 settings set --quiet 07:30-20:00
run 0 settings show
has out "texting hours:         07:30-20:00"
lacks out "quiet"
run 0 settings set --texting-hours 08:00-21:00
run 0 settings --help
has out "--texting-hours 08:00-21:00"
# send refuses outside them (exit 3, in words) as the console warns; --force --reason sends
# and the audit log keeps the reason. 03:00 at the clinic (Chicago) is outside.
NIGHT=$(TZ=America/Chicago date -d 'today 03:00' +%s)
export SMSDESK_FAKE_NOW=$NIGHT
run 3 send --patient 1 --body "Your lab results are in"
has err "outside texting hours 08:00-21:00"
has err "--force --reason"
run 3 send --patient 1 --body "Your lab results are in" --dry-run
has err "would be refused"
run 64 send --patient 1 --body "Your lab results are in" --force
has err "--reason"
run 64 send --patient 1 --body "Your lab results are in" --force --reason $'two\nlines'
run 64 send --patient 1 --body "Your lab results are in" --reason "no force"
run 0 messages
has out "(no messages)"
run 0 send --patient 1 --body "Your lab results are in" --force --reason "doctor asked: results cannot wait"
has out "sent: message"
has err "outside texting hours"
run 0 audit list --action sms.send_outside_hours
has out "doctor asked: results cannot wait"
lacks out "lab results are in"
unset SMSDESK_FAKE_NOW
# the rest of this test sends at whatever time it runs
run 0 settings set --texting-hours 00:00-24:00

# ---- send: figures ----
run 0 send --patient 1 --body "Hello Ann" --dry-run
has out "encoding: GSM-7"
has out "segments: 1"
has out "estimated cost: \$0.0079"
has out "nothing sent"
run 0 send --patient 1 --body "$(printf 'x%.0s' $(seq 161))" --dry-run
has out "segments: 2"
run 0 send --patient 1 --body "Héllo 😀" --dry-run
has out "encoding: UCS-2"
run 3 send --patient 1 --body "$(printf 'y%.0s' $(seq 1601))" --dry-run
has err "1600"
run 3 send --patient 1 --body "$(printf 'y%.0s' $(seq 1601))"
run 0 send --patient 1 --body "$(printf 'z%.0s' $(seq 1600))" --dry-run
has out "segments: 11"
run 64 send --patient 1 --to +15552223333 --body "both"
run 64 send --patient 1
run 64 send --to 555-CALL-NOW --body x
run 5 send --patient 99 --body x
run 0 messages
[ "$(grep -c ' out ' "$T/out")" = 1 ] || fail "a refused or dry-run send stored a message (only the forced one may be there)"
ok

# ---- send: through the simulator ----
run 0 send --patient 1 --body "See you Monday"
has out "sent: message"
has out "SID SM"
delivered() {
	"$B" poll >/dev/null 2>&1
	"$B" messages --patient 1 >"$T/out" 2>"$T/err" && grep -q "delivered" "$T/out"
}
wait_for 15 "the message to be delivered" delivered
has out "See you Monday"
has out "(***) ***-3333"
lacks out "222-3333"

# ---- reminders: the template is checked when saved; the status is the message's own ----
run 64 settings set --template "Hi {patient}, see you {appointmentDate}"
has err "unknown variable {patient}"
run 64 settings set --template "Hi {patientName"
has err "unclosed"
run 64 settings set reminder_template "About your {diagnosis}: call {clinicPhone}"
has err "--allow-risky"
run 0 settings show
has out "Call {clinicPhone}"
run 0 settings set --template "Hi {patientName}, see you {appointmentDate}."
has err "patients without consent on file will not get this reminder"
run 3 remind 1
has err "{clinicPhone}"
run 0 settings set --template "About your {diagnosis}: call {clinicPhone}" --allow-risky
run 0 audit list --action setting.set
has out "risky variables allowed (--allow-risky)"
run 0 settings set --template "Hi {patientName}, {clinicName}: appointment {appointmentDate} at {appointmentTime}. Call {clinicPhone}."
lacks err "warning"
run 0 patient add --first Una --last Reach --mobile "+1 500 555 0011"
run 0 appointment add --patient 3 --provider "Dr Who" --at "2030-02-04 10:00"
run 0 remind 1
has out "sent: message"
run 0 remind 2
reminders_settled() {
	"$B" poll >/dev/null 2>&1
	"$B" reminders >"$T/out" 2>"$T/err" && grep -qE " delivered " "$T/out" && grep -qE " undelivered " "$T/out"
}
wait_for 20 "the reminders to show delivered and undelivered" reminders_settled
has out "Twilio error 30003"
lacks out " queued "
run 0 reminders --show skipped
has out "undelivered"
has out "30003"
lacks out "Ann Lee"

# ---- opt-outs: a STOP from the patient, then a refused send ----
curl -s -f -X POST "$BASE/sim/inbound" --data-urlencode "From=+15554445555" --data-urlencode "To=$FROM" \
	--data-urlencode "Body=STOP" >/dev/null || fail "could not inject the inbound STOP"
ok
curl -s -f -X POST "$BASE/sim/inbound" --data-urlencode "From=+15552223333" --data-urlencode "To=$FROM" \
	--data-urlencode $'Body=hi \e[31mred\e[0m\r\nsecond line' >/dev/null || fail "could not inject the inbound message"
ok
stop_seen() {
	"$B" poll >/dev/null 2>&1
	"$B" messages --limit 50 >"$T/out" 2>"$T/err" && grep -q "STOP" "$T/out" && grep -q "red" "$T/out"
}
wait_for 15 "the inbound messages to be polled" stop_seen
! grep -q $'\e' "$T/out" || fail "messages printed an escape character"
ok
has out "hi ?[31mred?[0m"
lacks out "second line"
run 3 send --patient 2 --body "Are you there?"
has err "refused"
run 3 send --to "+1 555 444 5555" --body "Are you there?"
run 3 send --patient 2 --body "dry" --dry-run

# ---- messages: filters by direction, type, status and date (the clinic's zone) ----
run 0 messages --direction in --limit 50
has out "STOP"
has out "hi ?[31mred"
lacks out "See you Monday"
run 0 messages --direction out --limit 50
has out "See you Monday"
lacks out "STOP"
run 0 messages --direction out --type conversation --status delivered
has out "See you Monday"
run 0 messages --type reminder
has out "Hi Ann, Main St: appointment"
lacks out "See you Monday"
run 0 messages --status received --patient 1
has out "hi ?[31mred"
lacks out "STOP"
lacks out "See you Monday"
run 0 messages --status received --limit 1
has out " in "
lacks out " out "
run 0 messages --since 2000-01-01 --direction inbound
has out "STOP"
run 0 messages --since 2199-12-31
has out "(no messages)"
run 0 messages --since 1d --direction out
has out "See you Monday"
run 64 messages --direction sideways
has err "in or out"
run 64 messages --type "conversation' OR '1'='1"
run 64 messages --status deliverd
has err "not a message status"
run 64 messages --since 2026-02-30
run 64 messages --since "$(printf '2026-01-01\e[2J')"
lacks err $'\e'
run 64 messages --limit 0
run 0 messages --help
has out "--direction in|out"
has out "--since DATE"

# ---- Twilio's magic numbers: invalid (21211) and carrier opt-out (21610) ----
run 4 send --to +15005550001 --body "to an invalid number"
has err "21211"
run 4 send --to +15005550004 --body "to a number that replied STOP to the carrier"
has err "21610"
run 3 send --to +15005550004 --body "again"

# ---- the token is never stored in the clear ----
for f in "$DB" "$DB-wal"; do
	[ -f "$f" ] || continue
	n=$(grep -c -a -F -- "$TOKEN" "$f")
	[ "$n" = 0 ] || fail "the auth token appears in $f"
	ok
done
ps -eo args >"$T/ps.out"
! grep -q -F -- "$TOKEN" "$T/ps.out" || fail "the auth token shows in ps output"
ok

echo "test_cli: $CHECKS checks passed"
