#!/usr/bin/env bash
# A new install at 80x24: the status bar says nobody is signed in (no unread count before
# sign-in), and once signed in, a clinic without Twilio settings says so in words that fit
# (messages wait in the queue), instead of "synced" over a queue that never moves.
source "$(dirname "$0")/lib_auth.sh" "$1"

sd init
sd tenant add "Main Street Family Practice" --timezone America/Chicago --phone 3125550100
sd_in "$ADMIN_PW" user add ann --role admin --name "Ann Admin" --password-stdin
sd --tenant "Main Street Family Practice" patient add --first Alice --last Mainly --mobile "+1 555 222 3333"

tm new-session -d -s main -x 80 -y 24 \
	"env LANG=C.UTF-8 LC_ALL= HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$SMSDESK'; echo SMSDESK-EXITED \$?; sleep 60"
wait_for "sign in" 10
wait_line 24 "not signed in"
capture | sed -n 24p | grep -q "unread" && fail "the status bar shows an unread count before sign-in"
pass "before sign-in the status bar says not signed in"

sign_in ann "$ADMIN_PW"
wait_for "Inbox"
wait_line 24 "Twilio is not set up: messages wait (S: settings)" 20
wait_line 24 "ann (admin)" 1
capture | sed -n 24p | grep -q "synced" && fail "the status bar says synced for a clinic that cannot send"
pass "a clinic without Twilio settings says so on the status bar, whole, at 80 columns"

keys c
wait_for "To (patient name or mobile number):"
type_text "Alice"
keys Enter
wait_for "Message to Alice Mainly"
type_text "hello"
keys C-x
wait_for "Enter sends it now"
keys Enter
wait_for_re "You: hello +queued" 10 >/dev/null
wait_line 24 "Twilio is not set up"
pass "a queued message with no Twilio settings: the reason stays in view"
keys q
wait_for "SMSDESK-EXITED 0" 10
