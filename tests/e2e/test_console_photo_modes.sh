#!/usr/bin/env bash
# How a photo is drawn depends on what the terminal advertises (ui/gfx.c). Under tmux with
# 256 colours: colour symbols (palette colours 16-255 in the cells) and never a pixel
# sequence in the bytes written. With SMSDESK_GRAPHICS=kitty (the console is run under
# script(1) to keep every byte it writes): the image is written at its cell after the update
# (DECSC, CUP, APC G ... , DECRC), deleted and not rewritten while a box covers it, written
# again once the box is gone. Emily Johnson's thread holds the demo's seeded photo.
source "$(dirname "$0")/lib.sh" "$1"

open_emily() {
	wait_inbox
	keys /
	wait_for "Search names, numbers and messages"
	type_text "Emily"
	keys Enter
	wait_for 'search "Emily"'
	keys Enter
	wait_for "[photo 1: image/jpeg 240 KB]" 30
}

raw="$E2E_DIR/raw.out"
# 1. tmux, 256 colours: colour symbols, no pixels
tm new-session -d -s main -x 100 -y 30 \
	"env TERM=tmux-256color LANG=C.UTF-8 LC_ALL= SMSDESK_DEMO_INFO='$E2E_INFO' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' script -qefc '$SMSDESK --demo' '$raw'; echo SMSDESK-EXITED \$?; sleep 60"
open_emily
wait_for_re '[▀▄▌▐█▁▂▃▅▆▇▔▏▕▘▝▗▖ ]{20}' 10 >/dev/null
# the photo's rows carry 256-colour pairs (38;5;N / 48;5;N with N >= 16)
colours=$(capture -e | grep -oE '[34]8;5;[0-9]+' | grep -oE '[0-9]+$' | awk '$1 >= 16' | sort -u | wc -l)
[ "$colours" -ge 4 ] || fail "the photo is not in palette colours ($colours colours found)"
grep -q "photos: colour symbols (tmux or screen" "$E2E_DIR/console.log" || fail "the console log does not say colour symbols"
LC_ALL=C grep -qaE $'\e_G|\e\\]1337;File|\eP[0-9;]*q' "$raw" && fail "pixel sequences were written into tmux"
pass "under tmux with 256 colours: $colours palette colours in the photo, no pixel sequence written"
quit_console
tm kill-server 2>/dev/null
rm -f "$E2E_INFO" "$raw"

# 2. SMSDESK_GRAPHICS=kitty: the bytes of the image, at the right place, gone under a box
tm new-session -d -s main -x 100 -y 30 \
	"env TERM=tmux-256color SMSDESK_GRAPHICS=kitty LANG=C.UTF-8 LC_ALL= SMSDESK_DEMO_INFO='$E2E_INFO' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' script -qefc '$SMSDESK --demo' '$raw'; echo SMSDESK-EXITED \$?; sleep 60"
open_emily
count() { LC_ALL=C grep -aoE "$1" "$raw" | wc -l; }
wait_count() { # wait_count PATTERN N: until the raw output holds N of PATTERN
	local deadline=$((SECONDS + 10))
	while [ "$(count "$1")" -lt "$2" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
	[ "$(count "$1")" -ge "$2" ] || fail "the console wrote $(count "$1") of '$1', want $2"
}
wait_count $'\e_Ga=T' 1
# where: on the row under the photo's line, 4 cells in (the thread's layout)
row=$(capture | grep -nF "[photo 1: image/jpeg 240 KB]" | head -1 | cut -d: -f1)
LC_ALL=C grep -qaF $'\e7\e['"$((row + 1));6H"$'\e_Ga=T' "$raw" ||
	fail "the image was not written at row $((row + 1)), column 6 between DECSC and its sequence"
LC_ALL=C grep -qaF $'\e_Gm=0\e\\\e8' "$raw" || fail "the image's last chunk is not followed by DECRC"
capture | sed -n "$((row + 1)),$((row + 3))p" | grep -q '[▀▄█]' && fail "symbols drawn where the pixels go"
keys v
wait_for "Enter opens, s saves to a folder"
wait_count $'\e_Ga=d' 1 # a box over the photo: the image is deleted first
[ "$(count $'\e_Ga=T')" = 1 ] || fail "the image was written again over the box"
keys Escape
wait_gone "Enter opens, s saves to a folder"
wait_count $'\e_Ga=T' 2 # the box is gone: the image comes back
pass "kitty: the image written at row $((row + 1)) col 6 between DECSC/DECRC, deleted under a box, back after it"
quit_console
wait_count $'\e_Ga=d' 2 # and deleted when the thread is left
