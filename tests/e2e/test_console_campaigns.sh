#!/usr/bin/env bash
# Campaigns in the console (issue 14): the demo's draft recall, follow-up and offer are listed
# with who is left out and why; an admin sends the recall with `s` and watches it go out at
# the location's pace (one a second) until done, with every recipient texted once; `x` on a
# finished campaign is refused in words; T (analytics) shows its results and the weeks.
source "$(dirname "$0")/lib.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }

# 11:00 in Chicago, inside texting hours, whenever the test runs.
start_demo "SMSDESK_FAKE_NOW=$(date -u -d 'today 17:00' +%s)"
wait_inbox
keys M
wait_for "Campaigns and recalls"
wait_for "Spring peel offer"
wait_for "no marketing consent"
pass "the campaigns screen lists the demo's drafts and why patients are left out"
keys j
wait_for "Mohs follow-up, 1 week: care; visit 7 days ago"
wait_for "excluded opted out"
pass "the follow-up finds last week's procedures and leaves out the opted-out patient"
keys j
wait_for "Annual skin check recall: care; no visit in 12 months; nothing booked"
to_text=$(capture | grep -oE '^[0-9]+ to text' | grep -oE '^[0-9]+')
[ -n "$to_text" ] && [ "$to_text" -gt 0 ] || fail "no recipients to text: $(capture)"
keys s
wait_for "is sending at the location's pace"
wait_for_re '^ +1 done ' 60 >/dev/null
wait_for "0 pending, 0 in the outbox, $to_text sent"
pass "s sends the recall at the location's pace until done: $to_text texted"
DDB=$(demo_info db)
n=$(sqlite3 "$DDB" "SELECT COUNT(*), COUNT(DISTINCT to_number) FROM sms_messages WHERE body LIKE '%yearly skin check is due%'")
[ "$n" = "$to_text|$to_text" ] || fail "campaign messages (count|numbers) $n, not $to_text each once"
a=$(sqlite3 "$DDB" "SELECT COUNT(*) FROM audit_log WHERE action IN ('campaign.start', 'campaign.done') AND target = 'campaign 1'")
[ "$a" = 2 ] || fail "campaign start and done are not both audited ($a)"
keys x
wait_for "cannot be stopped"
pass "each recipient texted once, audited; a finished campaign cannot be stopped"
keys Enter
keys Escape
wait_for "Inbox"
keys T
wait_for "Analytics: the last 8 weeks"
wait_for_re "Campaign 1 Annual skin check recall +done +sent $to_text, delivered" >/dev/null
wait_for "No-shows: after a reminder"
capture | grep -qE '^[A-Z][a-z]{2} [0-9]{2} [0-9]{4} +[0-9]+ ' || fail "no week rows: $(capture)"
pass "T shows the weeks, no-shows and the campaign's results"
quit_console
