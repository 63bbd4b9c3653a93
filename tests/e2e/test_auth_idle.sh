#!/usr/bin/env bash
# The idle lock: after SMSDESK_IDLE_LOCK_SECONDS without a key the console covers everything
# and asks for the password; a wrong one is refused, the right one brings back the very
# screen and the unsent draft. Signing out from the lock loses the draft and asks for a user.
source "$(dirname "$0")/lib_auth.sh" "$1"
auth_setup

start_console SMSDESK_IDLE_LOCK_SECONDS=3
sign_in bob "$STAFF_PW"
wait_for "Alice Mainly"
keys r
wait_for "Message to Alice Mainly"
type_text "Draft kept across the lock"
wait_for "Draft kept across the lock"
# no keys now: the lock comes by itself
wait_for "Console locked" 10
wait_gone "Draft kept across the lock" 2
wait_gone "Alice Mainly" 2
capture | grep -q "hello from main street" && fail "the lock screen shows a message body"
[ "$(audit_count lock)" -ge 1 ] || fail "the lock is not audited"
type_text "wrong-password"
keys Enter
wait_for "Wrong password."
wait_for "Console locked"
type_text "$STAFF_PW"
keys Enter
wait_for "Message to Alice Mainly"
wait_for "Draft kept across the lock"
wait_gone "Console locked" 2
[ "$(audit_count unlock.failed)" -eq 1 ] || fail "the failed unlock is not audited"
[ "$(audit_count unlock)" -ge 2 ] || fail "the unlock is not audited"
# the draft is still editable where it was
type_text " and more"
wait_for "Draft kept across the lock and more"
pass "idle lock: covers the screen, refuses a wrong password, returns to the draft"

# Locked again: signing out drops the draft and shows the sign-in screen.
wait_for "Console locked" 10
keys F10
wait_for "Type your username and password"
capture | grep -q "Draft kept" && fail "the draft is on screen after sign-out"
[ "$(audit_count logout)" -ge 1 ] || fail "the sign-out is not audited"
sign_in bob "$STAFF_PW"
wait_for "Inbox"
keys q
wait_for "SMSDESK-EXITED 0"
pass "sign-out from the lock asks for a user again"
