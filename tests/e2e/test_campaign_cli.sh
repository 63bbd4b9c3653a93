#!/usr/bin/env bash
# The campaign, waitlist and filler commands end to end with the real binary against the
# simulator: preview and create with their reasons, send in the foreground (no scheduler)
# until done, show and list, stop refused when done, marketing consent (audited), hostile
# input refused in words with the documented exit codes; a waitlist, a visit cancelled by
# hand, the offer and its chain (the healthcare exemption's daily limit shown); stats with the weekly and campaign sections.
source "$(dirname "$0")/lib_ops.sh" "$1"
ops_clinic
run 0 patient add --first Cy --last Old --mobile "(555) 666-7777"
past=$(TZ=America/Chicago date -d '400 days ago' '+%Y-%m-%d 10:00')
for p in 1 2 3; do run 0 appointment add --patient $p --provider "Dr. Skin" --at "$past"; done
sqlite3 "$DB" "UPDATE appointments SET status = 'completed'" || fail "sqlite3"
run 0 campaign consent 2 --method "paper form"
has out "marketing consent recorded"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM audit_log WHERE action = 'pref.marketing.consent' AND patient_id = 2")" = 1 ] ||
	fail "marketing consent is not audited"
ok
BODY='Hi {patientName}, {clinicName}: your yearly skin check is due. Call {clinicPhone}. Reply STOP to opt out.'

# ---- hostile input ----
run 3 campaign preview --kind care --overdue-months 12 --body "Come back soon"
has err "how to opt out"
run 3 campaign preview --kind care --overdue-months 12 --body "{diagnosis} check. Reply STOP"
has err "diagnosis"
run 3 campaign preview --kind promo --body "$BODY"
has err "care or marketing"
run 64 campaign preview --kind care --overdue-months 0 --body "$BODY"
run 64 campaign preview --kind care --last-visit-before 2026-02-30 --body "$BODY"
has err "last visit before must be a date"
run 64 campaign preview --kind care --overdue-months 12 --per-minute 61 --body "$BODY"
has err "from 1 to 60"
run 64 campaign preview --kind care --overdue-months "" --body "$BODY"
has err "empty value"
run 3 campaign create "$(printf 'n%.0s' {1..100})" --kind care --overdue-months 12 --body "$BODY"
has err "the name is 100 characters long; at most 80"
run 3 campaign preview --kind care --overdue-months 12 --body "$(printf 'Hi \377 Reply STOP')"
has err "not valid UTF-8"
run 64 campaign show x
run 5 campaign show 99
run 64 campaign frobnicate
run 5 campaign consent 99 --method "paper form"
run 64 campaign consent 1

# ---- preview, create, send, show ----
run 0 campaign preview --kind marketing --overdue-months 12 --body "20% off, {patientName}. Reply STOP to opt out."
has out "will text: 1"
has out "no marketing consent"
# A preview read patients' records: audited as the console's is, by whom and with the counts.
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.preview' AND detail LIKE 'kind=marketing matched=3 will_send=1 excluded=2 %'")" = 1 ] ||
	fail "the preview is not audited with its counts: $(sqlite3 "$DB" "SELECT action, detail FROM audit_log WHERE action LIKE 'campaign%'")"
run 0 campaign create "Annual check" --kind care --overdue-months 12 --body "$BODY"
has out "campaign 1 created (draft)"
has out "will text: 3"
has out "sample: Hi Ann, Main St: your yearly skin check is due. Call (555) 123-0000. Reply STOP to opt out."
run 0 campaign send 1
has out "campaign 1: 3 sent, 0 in the outbox, 0 pending"
run 0 campaign show 1
has out "(care, done)"
has out "pace: 60 a minute (the location's)"
has out "progress: 0 pending, 0 in the outbox, 3 sent, 0 skipped"
run 0 campaign list
has out "Annual check"
run 3 campaign stop 1
has err "cannot be stopped"
for n in 5552223333 5554445555 5556667777; do
	c=$(curl -s "$BASE/sim/outbound?To=%2B1$n" | grep -o '"count":[0-9]*')
	[ "$c" = '"count":1' ] || fail "+1$n got $c campaign texts, not 1"
	ok
done

# ---- waitlist, a visit cancelled by hand, the offer ----
future=$(TZ=America/Chicago date -d '+3 days' '+%Y-%m-%d 11:00')
run 0 appointment add --patient 1 --provider "Dr. Skin" --at "$future"
appt=$(sqlite3 "$DB" "SELECT MAX(id) FROM appointments")
run 64 waitlist add 2 --from 2026-13-01 --to 2026-12-31
run 3 waitlist add 99 --from "$(date +%Y-%m-%d)" --to "$(date -d '+7 days' +%Y-%m-%d)"
run 0 patient add --first Dee --last New --mobile "(555) 888-9999"
run 0 waitlist add 4 --from "$(date +%Y-%m-%d)" --to "$(date -d '+7 days' +%Y-%m-%d)"
run 0 waitlist add 2 --from "$(date +%Y-%m-%d)" --to "$(date -d '+7 days' +%Y-%m-%d)"
run 0 waitlist list
has out "Dee New"
run 0 appointment cancel "$appt"
has out "cancelled"
run 0 poll
run 0 filler
has out "open"
run 0 filler show 1
has out "Dee New"
has out "offered"
# Bob had the campaign's text today and has no consent on file: the exemption holds him back.
has out "exemption"
curl -s --data-urlencode "From=+15558889999" --data-urlencode "To=$FROM" --data-urlencode "Body=book" "$BASE/sim/inbound" >/dev/null
wait_for 10 "the BOOK reply to book the slot" sh -c "'$B' poll >/dev/null 2>&1; '$B' filler show 1 | grep -q 'won'"
run 0 filler show 1
has out "booked for patient 4"
run 64 filler mode sometimes
run 0 filler mode waitlist
[ "$(sqlite3 "$DB" "SELECT value FROM settings WHERE key = 'filler'")" = waitlist ] || fail "filler mode not saved"
ok

# ---- stats ----
run 0 stats
has out "By location and week"
has out "No-shows (visits in the period that are over)"
has out "Annual check"
echo "ok ($OPS_NAME): $CHECKS checks"
