#!/usr/bin/env bash
# `v` opens a photo: with $SMSDESK_VIEWER set, the viewer (a script here) gets a private copy
# (0600 file in a 0700 folder) whose bytes are exactly the photo the simulator served, the
# view is audited as media.open and the copy is gone once the console exits. Over SSH (no
# viewer, SSH_CONNECTION set) `v` Enter saves into the default folder and says why it did not open.
source "$(dirname "$0")/lib.sh" "$1"

viewer="$E2E_DIR/viewer.sh"
cat >"$viewer" <<VIEWER
#!/bin/sh
# records what it was given: the path, the modes of the file and its folder, the bytes
printf '%s\n' "\$1" >"$E2E_DIR/viewer.arg"
stat -c '%a' "\$1" "\$(dirname "\$1")" | tr '\n' ' ' >"$E2E_DIR/viewer.perm"
cp "\$1" "$E2E_DIR/viewed.bin.part" && mv "$E2E_DIR/viewed.bin.part" "$E2E_DIR/viewed.bin"
VIEWER
chmod 700 "$viewer"

# an MMS from a patient; the bytes the simulator serves are the reference
inject_photo() {
	local base to out
	base=$(demo_info base_url)
	to=$(demo_info from_number)
	out=$(curl -sf --max-time 5 --data-urlencode "From=+13125550177" --data-urlencode "To=$to" \
		--data-urlencode "Body=photo of the rash" --data-urlencode "MediaUrl=gen:image/jpeg:30000" \
		"$base/sim/inbound") || fail "the simulator refused the MMS"
	me=$(grep -o 'ME[0-9a-f]\{32\}' <<<"$out" | head -1)
	[ -n "$me" ] || fail "no media SID in the simulator's answer: $out"
	curl -sf --max-time 5 "$base/sim/media/$me" >"$E2E_DIR/served.bin" || fail "cannot fetch the served photo"
}

open_thread() {
	wait_for "photo of the rash" 30
	keys /
	wait_for "Search names, numbers and messages"
	type_text "0177"
	keys Enter
	wait_for 'search "0177"'
	keys Enter
	wait_for "[photo 1: image/jpeg 29 KB]" 30
}

start_demo "SMSDESK_VIEWER='$viewer' TMPDIR='$E2E_DIR' SSH_CONNECTION= SSH_CLIENT= SSH_TTY="
wait_inbox
inject_photo
open_thread
keys v
wait_for "Enter opens, s saves to a folder"
keys Enter
wait_for "opened in the viewer" 10
deadline=$((SECONDS + 10))
while [ ! -s "$E2E_DIR/viewed.bin" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
[ -s "$E2E_DIR/viewed.bin" ] || fail "the viewer was not started (no copy recorded)"
cmp -s "$E2E_DIR/viewed.bin" "$E2E_DIR/served.bin" || fail "the viewer's file is not the decrypted photo"
[ "$(cat "$E2E_DIR/viewer.perm")" = "600 700 " ] || fail "copy/folder modes: $(cat "$E2E_DIR/viewer.perm")"
copy=$(cat "$E2E_DIR/viewer.arg")
case "$copy" in "$E2E_DIR"/smsdesk-open-*/message-*-1.jpg) ;; *) fail "unexpected copy path $copy" ;; esac
[ -f "$copy" ] || fail "the copy is gone while the console still runs"
db=$(demo_info db)
sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action='media.open'" 2>/dev/null | grep -qx 1 ||
	fail "the open was not audited once as media.open"
quit_console
[ ! -e "$copy" ] && [ ! -e "$(dirname "$copy")" ] || fail "the private copy was left behind: $copy"
pass "Enter opened a 0600 private copy in \$SMSDESK_VIEWER, bytes equal, audited, removed at exit"

# over SSH with no viewer: saved into the default folder, and it says why it did not open
tm kill-server 2>/dev/null
rm -f "$E2E_INFO"
photos="$E2E_DIR/photos"
start_demo "SMSDESK_VIEWER= SSH_CONNECTION='10.0.0.9 5022 10.0.0.1 22' DISPLAY=:0 SMSDESK_MEDIA_DIR='$photos'"
wait_inbox
inject_photo
open_thread
keys v
wait_for "Enter opens, s saves to a folder"
keys Enter
wait_for "opening needs a local display: this session runs" 10
wait_for "over SSH. Saved instead (readable by you only) to" 5
wait_for "$photos/message-" 5
file=$(ls "$photos"/message-*-1.jpg 2>/dev/null | head -1)
[ -n "$file" ] || fail "nothing was saved in $photos"
cmp -s "$file" "$E2E_DIR/served.bin" || fail "the saved file is not the decrypted photo"
[ "$(stat -c %a "$file")" = "600" ] || fail "the saved photo is not 0600"
keys Enter
wait_gone "Saved instead"
quit_console
pass "over SSH: Enter saved to $photos and said that opening needs a local display"
