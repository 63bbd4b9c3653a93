#!/usr/bin/env bash
# The compose attachment's HEAD check runs off the console's loop: against a host that does
# not answer (the simulator's "hang" media, 15 s), the editor keeps taking keys while the
# draft shows "Checking attachment…"; Ctrl-X waits for the check; the 10 s timeout ends in a
# message, with the text and the URL kept. Against a slow host (3 s) Ctrl-X pressed during the
# check opens the review by itself once the file is checked, and the MMS goes out.
source "$(dirname "$0")/lib.sh" "$1"

start_demo
wait_inbox
base=$(demo_info base_url)
to=$(demo_info from_number)
num="+13125550179"
out=$(curl -sf --max-time 5 --data-urlencode "From=$num" --data-urlencode "To=$to" \
	--data-urlencode "Body=which sheet do I need" \
	--data-urlencode "MediaUrl=gen:application/pdf:81920:hang" \
	--data-urlencode "MediaUrl=gen:application/pdf:81920:slow" "$base/sim/inbound") ||
	fail "the simulator refused the message"
hang=$(grep -o 'ME[0-9a-f]\{32\}' <<<"$out" | sed -n 1p)
slow=$(grep -o 'ME[0-9a-f]\{32\}' <<<"$out" | sed -n 2p)
[ -n "$hang" ] && [ -n "$slow" ] || fail "no media SIDs in the simulator's answer: $out"

wait_for "which sheet do I need" 30
keys /
wait_for "Search names, numbers and messages"
type_text "0179"
keys Enter
wait_for 'search "0179"'
keys Enter
wait_for "(312) 555-0179"
keys r
wait_for "Message to"
type_text "Your sheet"
keys C-o
wait_for "Attach a file by its public https:// URL"
type_text "$base/sim/media/$hang"
keys Enter
wait_for "Checking attachment… $base/sim/media/$hang" 5
t0=$SECONDS
# the loop is free: keys typed now show while the check still runs
type_text " is attached"
wait_for "Your sheet is attached" 5
grep -qF "Checking attachment…" <<<"$E2E_LAST" || fail "the check ended before the keys were shown"
keys C-x
wait_for "review opens when it is done" 5
grep -qF "Enter sends it now" <<<"$(capture)" && fail "review opened before the check ended"
wait_for "Not attached: the file at the media URL did not answer in" 15
wait_for "time (10 s). The message is kept; Ctrl-O offers the URL" 2
wait_for "not attached: the review was not opened" 2
[ $((SECONDS - t0)) -ge 8 ] || fail "the check ended after $((SECONDS - t0)) s, before its 10 s timeout"
keys Enter
wait_gone "Not attached"
wait_for "Your sheet is attached"
capture | grep -qF "Attached (MMS)" && fail "a URL that timed out was attached"
capture | grep -qF "Enter sends it now" && fail "review opened after a failed check"
pass "a 10 s check against a silent host: keys answered during it, Ctrl-X waited, timeout said, text kept"

# the URL refused is offered again; replaced (Ctrl-U) by one that is slow but fine
keys C-o
wait_for "$base/sim/media/$hang"
keys C-u
type_text "$base/sim/media/$slow"
keys Enter
wait_for "Checking attachment… $base/sim/media/$slow" 5
keys C-x
wait_for "Enter sends it now" 15
wait_for "Attached (MMS): $base/sim/media/$slow"
keys Enter
wait_for "Queued" 10
deadline=$((SECONDS + 20))
while [ $SECONDS -lt $deadline ]; do
	curl -sf "$base/sim/outbound?To=%2B13125550179" | grep -qF "Your sheet is attached" && break
	sleep 0.2
done
curl -sf "$base/sim/outbound?To=%2B13125550179" | grep -qF "Your sheet is attached" ||
	fail "the MMS did not reach the simulator"
sqlite3 "$(demo_info db)" "SELECT media_urls FROM sms_messages WHERE body = 'Your sheet is attached'" |
	grep -qF "$slow" || fail "the message went without the checked URL"
pass "Ctrl-X during a 3 s check opened the review when it passed; the MMS went out"
quit_console
