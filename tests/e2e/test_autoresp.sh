#!/usr/bin/env bash
# The keyword-reply editor from the inbox (K, admins): the seeded defaults are listed; HELP's
# text is edited with a live segments preview; STOP cannot be removed or turned off (refused
# in words); a custom keyword HOURS is added, turned off and on; an inbound "hours" and
# "HELP" through the simulator get the custom and the edited replies; every change is in the
# audit log; a staff console is refused in words.
source "$(dirname "$0")/lib.sh" "$1"

PATIENT="+13125550190" # last digit 0: the demo simulator never answers it
OTHER="+13125550180"
HOURS_TEXT="Hi {patientName}, we are open Mon-Fri 8am-5pm. Call {clinicPhone} to book."
HELP_TEXT="{clinicName} help desk: call {clinicPhone}. Reply STOP to opt out. Msg rates may apply."

# The preview header of the selected row ("Preview of HELP — ..."), or nothing.
preview_line() { capture | grep -oE 'Preview of [A-Z0-9 ]+( as typed)? (—|-) .*' | head -1; }

# Moves the selection with key $2 (j or k) until the preview is of keyword $1.
select_kw() {
	local kw=$1 key=$2 i cur
	for ((i = 0; i < 40; i++)); do
		cur=$(preview_line)
		if grep -qE "^Preview of $kw (—|-) " <<<"$cur"; then
			return 0
		fi
		keys "$key"
		local deadline=$((SECONDS + 5))
		while [ "$(preview_line)" = "$cur" ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
		[ "$(preview_line)" != "$cur" ] || break # the end of the list: nothing moved
	done
	fail "could not select $kw with $key"
}

# Bodies the simulator received for number $1 (JSON).
outbound_to() {
	curl -sf --max-time 5 -G --data-urlencode "To=$1" "$(demo_info base_url)/sim/outbound"
}

# Waits until the simulator received a message to $1 containing the fixed string $2.
wait_outbound() {
	local to=$1 text=$2 deadline=$((SECONDS + ${3:-45}))
	while [ $SECONDS -lt $deadline ]; do
		if outbound_to "$to" | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.2
	done
	fail "no message to $to containing \"$text\" reached the simulator; it has: $(outbound_to "$to")"
}

start_demo
wait_inbox
DB=$(demo_info db)
TENANT=$(demo_info tenant_id)
wait_for "synced" 20

# The inbox lists the key in its help.
keys "?"
wait_for "Help"
wait_for "keyword replies"
keys Escape
wait_for "Inbox"

keys K
wait_for "Keyword replies"
for kw in STOP STOPALL START HELP INFO C R X; do
	capture | grep -qE "^$kw +[a-z_]+ +on +system " || fail "seeded keyword $kw is not listed as an enabled system row"
done
pass "the editor opens with the seeded defaults"

# Edit HELP with a live preview: the counts follow the typing, an emoji switches to UCS-2.
select_kw HELP j
keys Enter
wait_for "Reply text"
wait_for "Preview of HELP as typed"
keys End
keys -N 200 BSpace
wait_for_re "Preview of HELP as typed (—|-) 0 segments" 5 >/dev/null
type_text "$HELP_TEXT"
wait_for_re "Preview of HELP as typed (—|-) 1 segment, GSM-7" 5 >/dev/null
wait_for "Demo Clinic help desk: call" 5
type_text " 😀"
wait_for_re "Preview of HELP as typed (—|-) [0-9]+ segments?, UCS-2" 5 >/dev/null
keys BSpace BSpace
wait_for_re "Preview of HELP as typed (—|-) 1 segment, GSM-7" 5 >/dev/null
keys Enter
wait_for "Saved HELP"
capture | grep -qE "^HELP +help +on +system \{clinicName\} help desk" || fail "HELP's new text is not listed"
wait_for_re "Preview of HELP (—|-) 1 segment, GSM-7" 5 >/dev/null
pass "HELP edited with a live segments preview"

# STOP: no removal, no turning off, in words.
select_kw STOP k
keys d
wait_for "Not removed"
wait_for "STOP is a system keyword"
wait_for "cannot be removed"
keys Enter
wait_gone "Not removed"
keys Space
wait_for "Not saved"
wait_for "cannot be turned off"
keys Enter
wait_gone "Not saved"
capture | grep -qE "^STOP +opt_out +on +system " || fail "STOP changed after the refusals"
pass "STOP cannot be removed or turned off"

# Custom keywords: law words and existing ones are refused; HOURS is added.
keys a
wait_for "New keyword"
type_text "stop"
keys Enter
wait_for "Not added"
wait_for "STOP opts out, opts in or asks for help by law"
keys Enter
wait_gone "Not added"
keys a
wait_for "New keyword"
type_text "c"
keys Enter
wait_for "C already exists as a system keyword"
keys Enter
wait_gone "Not added"
keys a
wait_for "New keyword"
type_text "hours"
keys Enter
wait_for "Reply text"
type_text "$HOURS_TEXT"
wait_for_re "Preview of HOURS as typed (—|-) 1 segment, GSM-7" 5 >/dev/null
keys Enter
wait_for "Saved HOURS"
wait_for_re "^HOURS +reply +on +custom Hi \\{patientName\\}, we are open" 5 >/dev/null
pass "law words and existing keywords refused; HOURS added"

# Hostile keyword text is refused before a reply is asked for.
keys a
wait_for "New keyword"
type_text 'hé!<b>'
keys Enter
wait_for "A keyword is 1 to 32 letters"
keys Enter
wait_gone "Not added"
capture | grep -qF "<B>" && fail "a keyword with markup was listed"

# A reply with a variable that means nothing in a keyword reply, or a misspelt one, is refused
# when saved (the template engine's check), with the reason in words; nothing is added.
for bad in "See you {appointmentDate}|cannot be used in a reply" "Hi {patientNme}|unknown variable {patientNme}"; do
	keys a
	wait_for "New keyword"
	type_text "lot"
	keys Enter
	wait_for "Reply text"
	type_text "${bad%%|*}"
	keys Enter
	wait_for "Not saved"
	wait_for "${bad#*|}"
	keys Enter
	wait_gone "Not saved"
	capture | grep -qE "^LOT " && fail "a reply with \"${bad%%|*}\" was saved"
done
pass "replies with variables a reply cannot fill are refused when saved"

# Removing a custom keyword asks first; anything but "yes" keeps it.
keys a
wait_for "New keyword"
type_text "parking"
keys Enter
wait_for "Reply text"
type_text "Free parking behind the clinic."
keys Enter
wait_for "Saved PARKING"
select_kw PARKING j
keys d
wait_for "Remove the keyword PARKING?"
type_text "no"
keys Enter
wait_for "Nothing removed."
capture | grep -qE "^PARKING +reply +on +custom " || fail "PARKING went without a yes"
keys d
wait_for "Remove the keyword PARKING?"
type_text "yes"
keys Enter
wait_for "Removed PARKING"
capture | grep -qE "^PARKING " && fail "PARKING is still listed after its removal"
capture | grep -qE "^HOURS +reply +on +custom " || fail "removing PARKING touched HOURS"
pass "hostile keyword refused; custom keyword removed only after a yes"

# Off: an inbound "hours" is a plain message (no reply is queued with it); on again: replies.
select_kw HOURS j
keys Space
wait_for_re "^HOURS +reply +off +custom " 5 >/dev/null
keys Escape
wait_for "Inbox"
sim_inbound "$OTHER" "hours"
wait_for "***-0180" 30
msgs=$("$SMSDESK" --db "$DB" messages --limit 5 2>&1) || fail "messages failed: $msgs"
grep -qE ' out +\(\*\*\*\) \*\*\*-0180 ' <<<"$msgs" && fail "a reply was queued while HOURS was off: $msgs"
grep -qE ' in +\(\*\*\*\) \*\*\*-0180 +received +hours$' <<<"$msgs" || fail "the inbound hours is not in the store: $msgs"
keys K
wait_for "Keyword replies"
select_kw HOURS j
keys Space
wait_for_re "^HOURS +reply +on +custom " 5 >/dev/null
pass "HOURS turned off (no reply) and on"

# Inbound keywords through the simulator get the edited replies after the console's poll.
keys Escape
wait_for "Inbox"
sim_inbound "$PATIENT" "hours"
wait_outbound "$PATIENT" "we are open Mon-Fri 8am-5pm. Call (" 45
outbound_to "$PATIENT" | grep -qF "{clinicPhone}" && fail "the reply went out with {clinicPhone} unfilled"
outbound_to "$PATIENT" | grep -qF "{patientName}" && fail "the reply went out with {patientName} unfilled"
pass "an inbound \"hours\" gets the custom reply"
sim_inbound "$PATIENT" "HELP"
wait_outbound "$PATIENT" "Demo Clinic help desk: call (" 45
pass "an inbound \"HELP\" gets the edited text"

# Every change is in the audit log, as the demo admin.
audit=$("$SMSDESK" --db "$DB" audit list --action autoresp 2>&1) || fail "audit list failed: $audit"
for want in "autoresp.edit.*keyword HELP" "autoresp.add.*keyword HOURS" "autoresp.toggle.*keyword HOURS.*turned off" \
	"autoresp.toggle.*keyword HOURS.*turned on" "autoresp.delete.*keyword PARKING"; do
	grep -qE "$want" <<<"$audit" || fail "no audit entry /$want/ in: $audit"
done
[ "$(grep -c 'keyword STOP' <<<"$audit")" -eq 0 ] || fail "a refused STOP change was audited as done: $audit"
grep -q "demo" <<<"$audit" || fail "the audit entries do not name the demo admin: $audit"
"$SMSDESK" --db "$DB" audit verify >/dev/null 2>&1 || fail "the audit chain does not verify"
pass "every change audited"

# A staff console on the same database (while the demo keeps it): K is refused in words.
printf 'nurse-password-1\n' | "$SMSDESK" --db "$DB" user add nurse --role staff --password-stdin --tenant "$TENANT" \
	>/dev/null 2>&1 || fail "could not add a staff user"
KEY=$(dirname "$DB")/key
tm rename-session -t main demo
tm new-session -d -s main -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL= USER=nurse SMSDESK_DB='$DB' SMSDESK_KEY_FILE='$KEY' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' '$SMSDESK'; echo SMSDESK-EXITED \$?; sleep 60"
deadline=$((SECONDS + 20))
while ! capture | grep -qE "Inbox|Username:" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
if capture | grep -qF "Username:"; then # the sign-in screen
	type_text "nurse"
	keys Enter
	type_text "nurse-password-1"
	keys Enter
fi
wait_for "Inbox" 20
wait_for "(staff)" 10
keys K
wait_for "Only an admin can change keyword replies; you are signed in"
wait_for "as staff."
keys Enter
wait_gone "Only an admin"
capture | grep -qF "Keyword replies" && fail "the editor opened for staff"
pass "staff are refused in words"
quit_console
tm kill-session -t main
tm rename-session -t demo main

quit_console
