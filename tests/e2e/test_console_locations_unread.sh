#!/usr/bin/env bash
# L lists each location with its unread count, so staff see where patients wait before
# switching. Two locations made with the command line; the admin signs in at 80x24.
source "$(dirname "$0")/lib_auth.sh" "$1"
trap auth_cleanup EXIT

auth_setup
# Oak Ave's thread gets two unread messages (the count the inbox keeps per thread).
sqlite3 "$DB" "UPDATE sms_threads SET unread_count = 2 WHERE tenant_id = (SELECT id FROM tenants WHERE name = 'Oak Ave')" ||
	fail "could not mark Oak Ave's thread unread"
tm new-session -d -s main -x 80 -y 24 \
	"env LANG=C.UTF-8 LC_ALL= HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$SMSDESK' --tenant 'Main St'; echo SMSDESK-EXITED \$?; sleep 60"
wait_for "Username"
sign_in ann "$ADMIN_PW"
wait_for "Inbox"
keys L
wait_for "Switch location"
wait_for_re "Oak Ave .*2 unread" >/dev/null
capture | grep -E "Main St  \(America/Chicago\) .*unread" && fail "Main St shows unread messages it does not have"
pass "L shows 2 unread at Oak Ave, none at Main St"
keys Escape
wait_gone "Switch location"
keys q
wait_for "SMSDESK-EXITED 0" 10
