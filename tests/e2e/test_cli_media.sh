#!/usr/bin/env bash
# MMS from the command line against the loopback simulator (`smsdesk sim`): an inbound photo
# is polled and fetched (`poll` counts it), `media list` shows it and a refused file with its
# reason, `media export` saves it decrypted (0600, audited); `send --media-url` checks the
# URL first (HEAD: size, type, 404, not https) and sends an MMS at the MMS price.
# $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"
unset SMSDESK_MEDIA_DIR

run 0 init
run 0 tenant add "Skin Clinic" --timezone America/Chicago --phone "(555) 123-0000"
"$B" sim --step-ms 100 >"$T/sim.out" 2>"$T/sim.err" &
SIM_PID=$!
for _ in $(seq 50); do grep -q '^auth_token=' "$T/sim.out" && break; sleep 0.2; done
BASE=$(sed -n 's/^base_url=//p' "$T/sim.out")
SID=$(sed -n 's/^account_sid=//p' "$T/sim.out")
TOKEN=$(sed -n 's/^auth_token=//p' "$T/sim.out")
[ -n "$TOKEN" ] || fail "the simulator did not start"
FROM=+15005550006
printf '%s\n' "$TOKEN" | "$B" settings set --account-sid "$SID" --from "$FROM" --api-base "$BASE" \
	--auth-token-stdin >"$T/out" 2>"$T/err" || fail "settings set"
run 0 settings set mms_price_micros 20000 segment_price_micros 7900
run 0 settings show
has out "mms_price_micros:      20000 (\$0.0200 per MMS)"

# ---- inbound photo ----
curl -sf -X POST "$BASE/sim/inbound" --data-urlencode "From=+15554445555" --data-urlencode "To=$FROM" \
	--data-urlencode "Body=my rash today" --data-urlencode "MediaUrl=gen:image/jpeg:245760" \
	--data-urlencode "MediaUrl=gen:image/jpeg:52428800" >/dev/null || fail "inject MMS"
run 0 poll
has out "inbound new: 1"
has out "photos stored: 1"
has out "photos not fetched: 1"
run 0 messages --direction in
ID=$(awk '/my rash today/ { print $1; exit }' "$T/out")
[ -n "$ID" ] || fail "the MMS text is not listed"
run 0 media list --message "$ID"
has out "[photo 1: image/jpeg 240 KB]"
has out "[photo 2 refused: the photo is larger than the 5.0 MB limit: refused]"
run 5 media list --message 999999
has err "no message 999999"
run 64 media list
run 64 media export --message "$ID" --index 11
run 0 media export --message "$ID" --out "$T/chart"
F=$(cat "$T/out")
[ -f "$F" ] || fail "export printed '$F', not a file"
[ "$(stat -c %a "$F")" = 600 ] || fail "exported photo mode $(stat -c %a "$F")"
[ "$(stat -c %s "$F")" = 245760 ] || fail "exported photo has $(stat -c %s "$F") bytes"
head -c 3 "$F" | od -An -tx1 | grep -q "ff d8 ff" || fail "the exported photo is not a JPEG"
ok
run 5 media export --message "$ID" --index 2 --out "$T/chart"
has err "no stored photo 2"
run 0 audit list --action media.export
has out "media.export"

# ---- outbound MMS ----
curl -sf -X POST "$BASE/sim/inbound" --data-urlencode "From=+15550000001" --data-urlencode "To=$FROM" \
	--data-urlencode "MediaUrl=gen:application/pdf:81920" --data-urlencode "MediaUrl=gen:image/jpeg:6000000" \
	--data-urlencode "MediaUrl=gen:text/html:100" -o "$T/sheet.json" || fail "make sheets"
MSG=$(sed -n 's/.*"sid": *"\(SM[0-9a-f]*\)".*/\1/p' "$T/sheet.json")
curl -sf -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages/$MSG/Media.json" -o "$T/list.json" ||
	fail "media list"
ME=($(grep -o '"sid": *"ME[0-9a-f]*"' "$T/list.json" | grep -o 'ME[0-9a-f]*'))
[ ${#ME[@]} = 3 ] || fail "expected 3 media, got ${#ME[@]}"
run 0 send --to +15551230001 --body "Your aftercare sheet" --media-url "$BASE/sim/media/${ME[0]}" --dry-run
has out "media: application/pdf 80 KB (MMS)"
has out "estimated cost: \$0.0200 (MMS price)"
run 3 send --to +15551230001 --body "big" --media-url "$BASE/sim/media/${ME[1]}"
has err "over the 5.0 MB MMS limit"
run 3 send --to +15551230001 --body "html" --media-url "$BASE/sim/media/${ME[2]}"
has err "of type text/html"
run 3 send --to +15551230001 --body "gone" --media-url "$BASE/sim/media/ME00000000000000000000000000000000"
has err "HTTP 404 (not found)"
run 3 send --to +15551230001 --body "clear" --media-url "http://example.com/sheet.pdf"
has err "must be a public https:// address"
run 0 send --to +15551230001 --body "Your aftercare sheet" --media-url "$BASE/sim/media/${ME[0]}"
has out "sent: message"
curl -sf "$BASE/sim/stats" -o "$T/stats.json" || fail "stats"
grep -q '"outbound": *1' "$T/stats.json" || fail "exactly one MMS should have reached the simulator"
ok
curl -sf -u "$SID:$TOKEN" "$BASE/2010-04-01/Accounts/$SID/Messages.json?To=%2B15551230001" -o "$T/sent.json" ||
	fail "list sent"
grep -q '"num_media": *"1"' "$T/sent.json" || fail "the message reached Twilio without its MediaUrl"
ok
echo "ok: $CHECKS checks"
