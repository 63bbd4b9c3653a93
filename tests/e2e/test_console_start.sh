#!/usr/bin/env bash
# The console's start (issue 15): nothing of a patient is on the screen or read for the inbox
# before the password is verified, a wrong password shows none either, the right one paints
# the inbox with ONE read of its page (the sign-in used to read it twice), the sign-in is
# audited once, and the sync worker, started after the first paint, still syncs. The first
# paint is seen through the start-up benchmark's marker (SMSDESK_BENCH_PAINT_FILE, ui/ui.c):
# written once, at the inbox's first paint, with the page reads so far as its fifth number.
# And a database that cannot open (opened beside curses' start) is still reported.
source "$(dirname "$0")/lib_auth.sh" "$1"
auth_setup
marker=$E2E_DIR/paint

start_console "SMSDESK_BENCH_PAINT_FILE='$marker'"
wait_for "Type your username and password"
capture | grep -q "Alice Mainly" && fail "a patient's name is on the sign-in screen"
capture | grep -q "unread" && fail "the unread count shows before anyone signed in"
capture | grep -q "not signed in" || fail "the status bar does not say nobody is signed in"
[ -e "$marker" ] && fail "the inbox was painted before the sign-in"
pass "sign-in screen: no patient, no count, no inbox paint"

sign_in bob "not-the-password"
wait_for "Wrong username or password."
capture | grep -q "Alice Mainly" && fail "a patient's name shows after a wrong password"
[ -e "$marker" ] && fail "the inbox was painted after a wrong password"
keys Escape
wait_gone "Wrong username or password."
pass "wrong password: still no patient and no inbox paint"

sign_in bob "$STAFF_PW"
wait_for "Alice Mainly"
wait_for "bob (staff)"
deadline=$((SECONDS + 10))
while ! grep -qE '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$marker" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "no first-paint marker: $(cat "$marker" 2>/dev/null)"
	sleep 0.1
done
reads=$(awk '{print $5}' "$marker")
[ "$reads" = 1 ] || fail "the inbox read its page $reads times on the way to the first paint, not once"
[ "$(awk '{print $3}' "$marker")" -gt 0 ] || fail "the marker has no argon2id time: the password was not checked"
logins=$(("$(audit_count login)" - "$(audit_count login.)")) # audit_count matches a prefix
[ "$logins" = 1 ] || fail "$logins login entries, not 1"
[ "$(audit_count login.failed)" = 1 ] || fail "$(audit_count login.failed) login.failed entries, not 1"
pass "right password: the inbox painted after one page read; login and the failure audited once each"

# the worker starts after the first paint: it takes the sync lease and polls the simulator
deadline=$((SECONDS + 20))
until "$SMSDESK" status >"$E2E_DIR/status" 2>&1; grep -q '^lease: *console@' "$E2E_DIR/status" &&
	grep -qE '^last poll: .*, ok$' "$E2E_DIR/status"; do
	[ $SECONDS -lt $deadline ] || fail "the console's worker did not poll: $(cat "$E2E_DIR/status")"
	sleep 0.2
done
keys q
wait_for "SMSDESK-EXITED 0"
pass "the sync worker, started after the first paint, holds the lease and polled"
stop_console

# the store opens beside curses' start (ui/ui.c opening_run): a database that cannot open is
# still said in words once the terminal is given back, with exit status 1
tm new-session -d -s main -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL= HOME='$HOME' '$SMSDESK' --db '$E2E_DIR/no-such-dir/smsdesk.db'; echo SMSDESK-EXITED \$?; sleep 60"
wait_for "SMSDESK-EXITED 1"
wait_for "smsdesk: cannot open database $E2E_DIR/no-such-dir/smsdesk.db"
pass "a database that cannot open: the reason after the terminal is restored, exit 1"
echo "ok ($E2E_NAME): all"
