#!/usr/bin/env bash
# MMS photos in the console: a patient's photo injected through the simulator (MediaUrl) is
# polled, fetched and stored encrypted; the thread shows "[photo 1: image/jpeg 240 KB]", a
# refused file shows its reason, and `v` saves the photo decrypted as a new 0600 file in the
# folder the prompt offers. The demo's own seeded photo (Emily Johnson) shows as well.
source "$(dirname "$0")/lib.sh" "$1"

photos="$E2E_DIR/photos"
start_demo "NO_COLOR=1 SMSDESK_MEDIA_DIR='$photos'" # symbols in the terminal's own colours: test_console_photo_modes.sh has the others
wait_inbox

base=$(demo_info base_url)
to=$(demo_info from_number)
num="+13125550177"
curl -sf --max-time 5 --data-urlencode "From=$num" --data-urlencode "To=$to" \
	--data-urlencode "Body=photo of the mole on my back" \
	--data-urlencode "MediaUrl=gen:image/jpeg:245760" --data-urlencode "MediaUrl=gen:text/html:2000" \
	"$base/sim/inbound" >/dev/null || fail "the simulator refused the MMS"
curl -s --max-time 5 --data-urlencode "From=$num" --data-urlencode "To=$to" \
	--data-urlencode "MediaUrl=gen:image/jpeg:10:nonsense" "$base/sim/inbound" | grep -qF "MediaUrl fault must be" ||
	fail "the simulator accepted a bad MediaUrl spec"
wait_for "photo of the mole" 30

keys /
wait_for "Search names, numbers and messages"
type_text "0177"
keys Enter
wait_for 'search "0177"'
keys Enter
wait_for "(312) 555-0177"
wait_for "[photo 1: image/jpeg 240 KB]" 30
wait_for "[file 2 refused: type text/html is not one smsdesk accepts" 5
# drawn with text symbols under its line (libchafa builds, which load it by its soname at the
# first photo: ui/photo_lib.c): the mole's dark edge
if grep -qa 'libchafa\.so' "$SMSDESK"; then
	wait_for "██████████████████████████" 10
	wait_for "▀" 5
fi

keys v
wait_for "Enter opens, s saves to a folder"
keys s
wait_for "Save the photo, decrypted, into folder"
wait_for "$photos"
keys Enter
wait_for "Photo saved" 10
file=$(ls "$photos"/message-*-1.jpg 2>/dev/null | head -1)
[ -n "$file" ] || fail "no photo file in $photos"
[ "$(stat -c %a "$file")" = "600" ] || fail "the saved photo is not 0600: $(stat -c %a "$file")"
[ "$(stat -c %a "$photos")" = "700" ] || fail "the photo folder is not 0700"
[ "$(stat -c %s "$file")" = "245760" ] || fail "the saved photo has $(stat -c %s "$file") bytes, not 245760"
head -c 3 "$file" | od -An -tx1 | grep -q "ff d8 ff" || fail "the saved photo is not a JPEG"
keys Enter
wait_gone "Photo saved"

# the database holds the photo encrypted: no JPEG header in it
db=$(demo_info db)
if cat "$db" "$db-wal" 2>/dev/null | grep -qaF "JFIF"; then
	fail "the database holds the photo in clear (JFIF found)"
fi
cat "$file" | grep -qaF "JFIF" || fail "the check for JFIF cannot fail: the photo has none"
pass "photo label, refused file reason, v saved a 0600 JPEG of 245760 bytes"

# an outbound MMS: Ctrl-T attaches a checked URL; the counter shows the MMS price
sheet=$(curl -sf --max-time 5 --data-urlencode "From=+13125550178" --data-urlencode "To=$to" \
	--data-urlencode "MediaUrl=gen:application/pdf:81920" --data-urlencode "MediaUrl=gen:image/gif:6000000" \
	"$base/sim/inbound") || fail "the simulator refused the sheets"
pdf=$(grep -o 'ME[0-9a-f]\{32\}' <<<"$sheet" | sed -n 1p)
big=$(grep -o 'ME[0-9a-f]\{32\}' <<<"$sheet" | sed -n 2p)
[ -n "$pdf" ] && [ -n "$big" ] || fail "no media SIDs in the simulator's answer: $sheet"
keys r
wait_for "Message to"
type_text "Your aftercare sheet is attached"
keys C-o
wait_for "Attach a file by its public https:// URL"
type_text "$base/sim/media/$big"
keys Enter
wait_for "Not attached: the file at the media URL is 5.7 MB, over the"
wait_for "5.0 MB MMS limit."
keys Enter
wait_gone "Not attached"
keys C-o
wait_for "Attach a file by its public https:// URL"
wait_for "$base/sim/media/$big" # the refused URL is offered again, to correct
keys C-u
type_text "$base/sim/media/$pdf"
keys Enter
wait_for "Attached (MMS): $base/sim/media/$pdf"
wait_for "application/pdf 80 KB"
wait_for "MMS"
capture | grep -F "GSM-7" | grep -qF '$0.0200 MMS' || fail "the counter does not show the MMS price"
keys C-x
wait_for "Enter sends it now"
wait_for "Attached (MMS)"
keys Enter
wait_for "Queued" 10
deadline=$((SECONDS + 20))
while [ $SECONDS -lt $deadline ]; do
	curl -sf "$base/sim/outbound?To=%2B13125550177" | grep -qF "Your aftercare sheet is attached" && break
	sleep 0.2
done
curl -sf "$base/sim/outbound?To=%2B13125550177" | grep -qF "Your aftercare sheet is attached" ||
	fail "the MMS did not reach the simulator"
pass "compose refused a 5.7 MB attachment in words, attached a PDF at the MMS price, sent it"

# the demo's seeded photo, in Emily Johnson's thread
keys Escape
wait_for "Inbox"
keys /
wait_for "Search names, numbers and messages"
type_text "Emily"
keys Enter
wait_for 'search "Emily"'
keys Enter
wait_for "[photo 1: image/jpeg 240 KB]" 30
pass "the demo's seeded photo shows in Emily Johnson's thread"

quit_console
