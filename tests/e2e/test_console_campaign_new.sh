#!/usr/bin/env bash
# Making a campaign in the console (issue 14), at 80x24: an admin fills the form (n on the
# campaigns screen); hostile input is refused in words with nothing lost (an over-long name, a
# text without STOP, C1 and bidi controls dropped as typed, a filter nobody matches); the
# preview's counts and reasons equal `smsdesk campaign preview` on the same database; s creates
# and starts it at its own pace (30 a minute) and the simulator receives each text once, no
# faster than that pace; preview, create and start are audited; a staff console sees the
# campaigns read-only and is refused n and s in words.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

NOW=$(date -u -d 'today 17:00' +%s) # 11:00 in Chicago, inside texting hours
BODY='Hi {patientName}, {clinicName}: time for your yearly skin check. Call {clinicPhone}. Reply STOP to opt out.'
start_demo -s 80 24 "SMSDESK_FAKE_NOW=$NOW"
wait_inbox
DB=$(demo_info db)
TENANT=$(demo_info tenant_id)
BASE=$(demo_info base_url)
cli() { SMSDESK_FAKE_NOW=$NOW "$SMSDESK" --db "$DB" --tenant "$TENANT" "$@"; }
# The console's preview as "matched will left" and its reason lines, to compare with the CLI's.
console_counts() {
	capture | sed -n 's/^matched: \([0-9]*\)   will text: \([0-9]*\)   left out: \([0-9]*\).*/\1 \2 \3/p'
	capture | sed -n 's/^  \([0-9][0-9]*\) *\([a-z].*[a-z)]\) *$/\1 \2/p'
}
cli_counts() {
	local out
	out=$(cli campaign preview "$@" --body "$BODY") || fail "campaign preview $*: $out"
	echo "$(sed -n 's/^matched: //p' <<<"$out") $(sed -n 's/^will text: //p' <<<"$out") $(sed -n 's/^left out: //p' <<<"$out")"
	sed -n 's/^  \([0-9][0-9]*\) *\(.*\)$/\1 \2/p' <<<"$out"
}

keys M
wait_for "Campaigns and recalls"
keys n
wait_for "New campaign"
wait_for "Ctrl-P preview"
keys F1
wait_for "Help — new campaign screen"
wait_for "Ctrl-P"
keys Escape
wait_for "Name "
# An over-long name is kept whole and refused in words when previewed; nothing typed is lost.
type_text "$(printf 'N%.0s' {1..100})"
wait_for "100/80"
keys Tab Tab
type_text "12"
keys Tab Tab Tab Tab Tab
type_text "Hi {patientName}, your skin check is due."
keys C-p
wait_for "Not previewed: the name is 100 characters long; at most 80."
wait_for "Overdue months     12"
wait_for "Hi {patientName}, your skin check is due."
pass "an over-long name is refused in words, the form keeps every field"
keys Tab Tab C-u
type_text $'Recall \xc2\x9b31m \xe2\x80\xaeE2E'
wait_for "Recall 31m E2E"
keys C-p
wait_for "Not previewed: the text must say how to opt out"
pass "C1 and bidi controls are dropped as typed; a text without STOP is refused"

# Esc keeps the form: back on the list and n again finds it as it was.
keys Escape
wait_for "Campaigns and recalls"
keys n
wait_for "Recall 31m E2E"
wait_for "Hi {patientName}, your skin check is due."
# A filter nobody matches: the preview says so (as the CLI does) and c creates nothing.
keys Tab Tab Tab Tab
type_text "3"
keys Tab Tab Tab C-u
type_text "$BODY"
keys C-p
wait_for "Nobody would be texted"
[ "$(console_counts)" = "$(cli_counts --kind care --overdue-months 12 --followup-days 3)" ] ||
	fail "empty preview: console '$(console_counts)' vs CLI '$(cli_counts --kind care --overdue-months 12 --followup-days 3)'"
keys c
wait_for "Nothing to create"
keys Enter
wait_gone "Nothing to create"
keys Escape
pass "a filter nobody matches is said in words and creates nothing"

# Marketing without a filter: the reasons (opted out, no marketing consent) match the CLI's.
wait_for "New campaign"
keys Up Up Up C-u Up Up C-u Up Space
wait_for "(*) marketing"
keys C-p
wait_for "no marketing consent"
want=$(cli_counts --kind marketing)
got=$(console_counts)
[ "$got" = "$want" ] || fail "marketing preview: console '$got' vs CLI '$want'"
pass "the preview's counts and reasons equal the CLI's: $(tr '\n' ';' <<<"$got")"

# The recall at its own pace of 30 a minute: s creates and starts it.
keys Escape
wait_for "(*) marketing"
keys Space Tab
type_text "12"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_campaigns")" = 3 ] || fail "a campaign was made before c or s"
keys Up Up Up
type_text "30"
keys C-p
wait_for "pace 30 a minute"
want=$(cli_counts --kind care --overdue-months 12 --per-minute 30)
got=$(console_counts)
[ "$got" = "$want" ] || fail "recall preview: console '$got' vs CLI '$want'"
n=$(head -1 <<<"$got" | cut -d' ' -f2)
[ "$n" -gt 1 ] || fail "the recall finds too few to text: $got"
sim_before=$(curl -s "$BASE/sim/stats" | grep -oE '"outbound":[0-9]+' | grep -oE '[0-9]+')
keys s
wait_for "created and sending at 30 a minute"
t0=$(date +%s%N)
ID=$(sqlite3 "$DB" "SELECT MAX(id) FROM sms_campaigns")
[ "$(sqlite3 "$DB" "SELECT name, kind, per_minute, status FROM sms_campaigns WHERE id = $ID")" = "Recall 31m E2E|care|30|sending" ] ||
	fail "the campaign row: $(sqlite3 "$DB" "SELECT name, kind, per_minute, status FROM sms_campaigns WHERE id = $ID")"
wait_for_re "0 pending, 0 in the outbox, [0-9]+ sent" 60 >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
# Done once a tick finds nothing pending (the row shows it after the counts).
wait_for_re "^ +$ID done +care " 30 >/dev/null
[ "$(sqlite3 "$DB" "SELECT status FROM sms_campaigns WHERE id = $ID")" = done ] || fail "campaign $ID is not done"
# The demo's simulated patients answer as texts arrive: one may opt out before their turn (skipped).
sent=$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_campaign_recipients WHERE campaign_id = $ID AND status = 'queued'")
[ "$sent" -ge $((n - 2)) ] || fail "only $sent of $n texted"
# 30 a minute is one text each 2 s: the texts take at least 2 s x (sent - 1), less the 1 s the
# console's screen may lag.
[ "$ms" -ge $((2000 * (sent - 1) - 1000)) ] || fail "$sent texts went out in $ms ms: faster than 30 a minute"
# Each text Twilio took (the demo's simulator refuses some numbers) reached the simulator once;
# nobody else got it.
for row in $(sqlite3 "$DB" "SELECT r.phone || '|' || (m.twilio_sid IS NOT NULL) FROM sms_campaign_recipients r
		LEFT JOIN sms_messages m ON m.id = r.message_id WHERE r.campaign_id = $ID"); do
	phone=${row%|*} took=${row#*|}
	got=$(curl -s -G --data-urlencode "To=$phone" "$BASE/sim/outbound" | grep -o 'time for your yearly skin check' | wc -l)
	[ "$got" = "$took" ] || fail "$phone received the campaign text $got times (taken by Twilio: $took)"
done
took=$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_campaign_recipients r JOIN sms_messages m ON m.id = r.message_id
	WHERE r.campaign_id = $ID AND m.twilio_sid IS NOT NULL")
[ "$took" -ge $((n - 2)) ] || fail "only $took of $n texts reached the simulator"
sim_after=$(curl -s "$BASE/sim/stats" | grep -oE '"outbound":[0-9]+' | grep -oE '[0-9]+')
[ $((sim_after - sim_before)) -ge "$took" ] || fail "the simulator got $((sim_after - sim_before)) texts, not $took"
pass "s creates and starts it: $sent released in $ms ms (30 a minute), the simulator got each of the $took it took once"
audit=$(sqlite3 "$DB" "SELECT action FROM audit_log WHERE username = 'demo' AND action LIKE 'campaign.%' ORDER BY id")
for a in campaign.preview campaign.create campaign.start; do
	grep -qx "$a" <<<"$audit" || fail "no $a in the audit log: $audit"
done
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM audit_log WHERE target = 'campaign $ID' AND action IN ('campaign.create', 'campaign.start')")" = 2 ] ||
	fail "create and start are not both audited for campaign $ID"
pass "preview, create and start are audited"

# A staff console on the same database: read-only.
printf 'nurse-password-1\n' | "$SMSDESK" --db "$DB" user add nurse --role staff --password-stdin --tenant "$TENANT" \
	>/dev/null 2>&1 || fail "could not add a staff user"
KEY=$(dirname "$DB")/key
tm rename-session -t main demo
tm new-session -d -s main -x 80 -y 24 \
	"env LANG=C.UTF-8 LC_ALL= USER=nurse SMSDESK_DB='$DB' SMSDESK_KEY_FILE='$KEY' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' '$SMSDESK'; echo SMSDESK-EXITED \$?; sleep 60"
wait_for_re "Inbox|Username:" 20 >/dev/null
if capture | grep -qF "Username:"; then
	type_text "nurse"
	keys Enter
	type_text "nurse-password-1"
	keys Enter
fi
wait_for "(staff)" 20
keys M
wait_for "read-only: admins make and send them"
wait_for "Recall 31m E2E"
keys n
wait_for "Only an admin can create, start or stop a campaign"
keys Enter
keys s
wait_for "Only an admin can create, start or stop a campaign"
keys Enter
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sms_campaigns")" = 4 ] || fail "staff made a campaign"
pass "staff see the campaigns read-only; n and s are refused in words"
quit_console
