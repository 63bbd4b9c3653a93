#!/usr/bin/env bash
# Admin recovery and lifecycle: user unlock and expire (a forced password change), passwd,
# renaming and retiring a location, merging and deleting patients with the audit trail
# kept. $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"

ops_clinic
run_in 0 "desk-password-1" user add desk --role staff --tenant "Main St" --password-stdin

# ---- lockout, then unlock ----
for i in 1 2 3 4 5; do run_in 3 "wrong-password-$i" --user desk messages; done
run_in 3 "desk-password-1" --user desk messages
has err "locked"
run 0 user unlock desk
has out "unlocked"
run_in 0 "desk-password-1" --user desk messages
run 5 user unlock nobody
# ---- expire: nothing runs until the owner picks a new password ----
run 0 user expire desk
run_in 3 "desk-password-1" --user desk messages
has err "choose your own"
run_in 64 "desk-password-1\nshort" --user desk passwd --password-stdin
run_in 3 "desk-password-1" --user desk messages
run_in 0 "desk-password-1\ndesk-password-2" --user desk passwd --password-stdin
run_in 0 "desk-password-2" --user desk messages
run 64 passwd --password-stdin
has err "sign in first"
run 0 audit list --action user
has out "user.unlock"
has out "user.expire"
has out "user.passwd.self"

# ---- locations: rename, retire (not polled or listed, records kept), unretire ----
run 0 tenant add "Oak Ave" --timezone America/Chicago
run 64 tenant rename "Oak Ave" "Main St"
has err "already exists"
run 64 tenant rename "Oak Ave" $'Bad\e[2J'
run 0 tenant rename "Oak Ave" "Elm St"
has out "renamed"
run 0 tenant list
has out "Elm St"
lacks out "Oak Ave"
run 0 tenant retire "Elm St"
run 0 tenant list
lacks out "Elm St"
has out "Main St"
run 0 tenant unretire "Elm St"
run 0 tenant list
has out "Elm St"
run 0 tenant retire "Elm St"
run 5 tenant retire "Nowhere"
# Staff of a retired location only can no longer sign in to it.
run_in 0 "elm-password-1" user add elmdesk --role staff --tenant "Elm St" --password-stdin
run_in 3 "elm-password-1" --user elmdesk messages
has err "no clinic location"
# With the second location retired, Main St is the only one again: no --tenant needed.
run 0 patient list
run 0 audit list --action tenant
has out "tenant.rename"
has out "tenant.retire"

# ---- patients: merge a duplicate, then delete one ----
run 0 patient add --first Ann --last Lee --mobile "(555) 222-9999"
DUP=3
run 0 appointment add --patient $DUP --provider "Dr Who" --at "2030-02-03 10:00"
run 0 send --patient $DUP --body "To the duplicate"
run 0 send --patient 1 --body "To the original"
run 64 patient merge 1 $DUP
run 64 patient merge 1 x --yes
run 1 patient merge 1 1 --yes
run 5 patient merge 1 99 --yes
run 0 patient merge 1 $DUP --yes
has out "1 appointments, 1 messages"
run 0 messages --patient 1
has out "To the duplicate"
has out "To the original"
run 0 appointment list --patient 1
has out "Dr Who"
run 0 patient list
lacks out "222-9999"
run 0 patient delete 1 --yes
has out "deleted"
run 0 messages --limit 50
lacks out "To the original"
lacks out "To the duplicate"
run 0 patient list
has out "Ray, Bob"
run 5 patient delete 1 --yes
# The audit trail keeps the entries about the deleted patient, and still verifies.
run 0 audit list --patient 1
has out "patient.merge"
has out "patient.delete"
has out "sms.sent"
run 0 audit verify
echo "ok ($OPS_NAME): $CHECKS checks"
