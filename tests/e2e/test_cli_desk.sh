#!/usr/bin/env bash
# The front desk on the command line, end to end against the loopback simulator: triage reads
# replies as the inbound processor does (law words say none, YES confirms), quick replies are
# checked like templates ("cancel" refused), notes go on a conversation and are never sent,
# and a failed delivery sits in the worklist under its cause until 'done' logs the follow-up.
# $1 = the smsdesk binary. Everything lives in a temp HOME.
source "$(dirname "$0")/lib_ops.sh" "$1"

# ---- triage: how replies would be read ----
run 0 triage "sí, confirmo 👍"
has out "confirm:"
run 0 triage "can we move it to thursday?"
has out "reschedule:"
run 0 triage "I can't make it"
has out "cancel:"
run 0 triage "Is this for José or for Lucía?"
has out "unclear:"
run 0 triage "CANCEL"
has out "none:"
run 0 triage "YES"
has out "confirm:"
run 64 triage
echo "ok (test_cli_desk): triage reads plain words; CANCEL is the law's, YES confirms"

# ---- a location on the simulator, one reachable patient and one unreachable ----
ops_clinic
run 0 patient add --first Una --last Reach --mobile "+1 500 555 0011"
run 0 send --patient 3 --body "your forms are ready"
run 0 send --patient 1 --body "hello from main street"

# ---- quick replies: admin-only in the console, checked like templates everywhere ----
run 3 canned set x "Reply X to cancel."
has err "cancel"
run 3 canned set dx "About your {diagnosis}"
run 0 canned set address "{clinicName} is at 200 N Lake St."
has out "quick reply 'address' saved"
run 0 canned list
has out "address"
lacks out "Reply X to cancel"
run 0 canned remove address
run 0 canned list
has out "(no quick replies)"
run 5 canned remove address
echo "ok (test_cli_desk): quick replies saved, listed, removed; \"cancel\" and risky variables refused"

# ---- notes: on the conversation, never sent ----
run 0 messages
n_before=$(grep -c . "$T/out")
run 0 note "(555) 222-3333" "Prefers calls after 5pm"
has out "note "
run 0 note "(555) 222-3333"
has out "Prefers calls after 5pm"
run 0 messages
[ "$(grep -c . "$T/out")" = "$n_before" ] || fail "a note became a message"
lacks out "Prefers calls"
run 5 note "+1 555 999 0000" "nobody"
echo "ok (test_cli_desk): a note is listed on its conversation and never sent"

# ---- the worklist: the unreachable number under its cause, until followed up ----
for _ in $(seq 50); do
	run 0 poll
	run 0 worklist
	grep -q "number unreachable" "$T/out" && break
	sleep 0.2
done
has out "number unreachable (1)"
has out "Una Reach"
lacks out "Ann Lee"
id=$(awk '/Una Reach/ { print $1 }' "$T/out")
[ -n "$id" ] || fail "no message id in the worklist"
run 64 worklist done "$id" teleported
has err "OUTCOME must be"
run 64 worklist done "$id" wrong_number
has err "needs --mobile"
run 1 worklist done "$id" wrong_number --mobile "12"
has err "too short"
run 5 worklist done 999999 called
has err "not a failed delivery"
run 0 worklist done "$id" called
run 0 worklist
has out "(no failed deliveries to follow up)"
run 0 audit list --action delivery.followup
has out "delivery.followup"
run 0 audit list --action thread.note
has out "thread.note"
lacks out "Prefers calls"
echo "ok (test_cli_desk): a failed delivery is listed by cause and leaves once followed up (audited)"
