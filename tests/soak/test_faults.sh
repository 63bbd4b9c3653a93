#!/usr/bin/env bash
# Fault soak: while the scheduler (daemon) polls and sends and `smsdesk send` queues messages
# and patients write in, the simulator answers 429 / 500 / 503 / broken JSON / slowly /
# with a connection dropped before or after doing the work, in turn. Afterwards (faults off,
# clean passes past the 2-minute claim staleness) every message must have reached Twilio
# exactly once and be recorded sent, every inbound message be stored once, the scheduler
# must have survived and exited 0 on SIGTERM, and each error it logged must say in words what
# went wrong. SOAK_QUICK=1: 8 rounds instead of 24.
# Usage: test_faults.sh path/to/smsdesk
source "$(dirname "$0")/lib.sh" "$1"
ROUNDS=${FAULT_ROUNDS:-24}
[ "$SOAK_QUICK" = 1 ] && ROUNDS=${FAULT_ROUNDS:-8}
PER_ROUND=4 # sends queued per round
start=$(now_ms)
sim_start 20
clinic_setup
sends=0 inbound=0

# Before the scheduler runs, `smsdesk send` meets each fault itself (its message is the only
# one due, so the one that meets the fault): it must say in words what
# happened and exit 4 (Twilio or network), never resend blindly.
for fk in 500 malformed drop drop_after; do
	sim_fault "$fk" 1 0 POST
	to=$(printf '+1415557%04d' "$sends")
	"$B" send --to "$to" --body "fault soak message $sends" >"$D/cli.out" 2>"$D/cli.err"
	rc=$?
	sends=$((sends + 1))
	[ $rc = 4 ] || fail "send under $fk: exit code $rc, not 4: $(cat "$D/cli.err")"
	grep -qiE 'still sending: .*(server error|could not be read|connection).*Twilio may have it' "$D/cli.err" ||
		fail "send under $fk does not say what happened: $(cat "$D/cli.err")"
done
sim_fault none 0

"$B" --scheduler --interval 1 2>"$D/sched.log" &
SCHED=$!
SOAK_PIDS=("$SCHED")
deadline=$((SECONDS + 20))
until grep -q 'lease.taken' "$D/sched.log"; do
	[ $SECONDS -lt $deadline ] || fail "the scheduler did not take the lease"
	sleep 0.05
done

# fault count param: each armed for the next 2 Twilio requests of one method, POST (the
# sends) and GET (the polls' listings, status fetches, the reconcile's listings) in turn.
# Seven faults, two methods: over 14 rounds each fault meets both; a broken listing comes
# early (round 1, GET), so even the short run logs an error to check for words.
faults=("429 2 1" "malformed 2 0" "500 2 0" "slow 2 1500" "drop 2 0" "drop_after 2 0" "503 2 0")
for ((round = 0; round < ROUNDS; round++)); do
	f=(${faults[round % ${#faults[@]}]})
	method=POST
	[ $((round % 2)) = 1 ] && method=GET
	sim_fault "${f[0]}" "${f[1]}" "${f[2]}" "$method"
	for ((i = 0; i < PER_ROUND; i++)); do
		to=$(printf '+1415557%04d' "$sends")
		"$B" send --to "$to" --body "fault soak message $sends" >>"$D/send.log" 2>&1 ||
			fail "send $sends exit code $?"
		sends=$((sends + 1))
	done
	from=$(printf '+1415558%04d' "$inbound")
	curl -s -d "From=$from&To=%2B13125550199&Body=patient+note+$inbound" "$URL/sim/inbound" | grep -q '"sid"' ||
		fail "inbound $inbound"
	inbound=$((inbound + 1))
	sleep 0.3
done
# A broken listing the scheduler is sure to meet, whatever the timing of the rounds above
# (a fault armed late in a round can be replaced by the next round's before any poll): its
# error line must be logged and in words.
served=$(sim_stat faults)
sim_fault malformed 1 0 GET
deadline=$((SECONDS + 30))
until [ "$(sim_stat faults)" -gt "$served" ]; do
	[ $SECONDS -lt $deadline ] || fail "the scheduler made no Twilio GET in 30 s"
	sleep 0.1
done
sleep 0.5 # the pass logs its error after the answer
injected=$(sim_stat faults)
sim_fault none 0
kill -0 "$SCHED" 2>/dev/null || fail "the scheduler died during the faults"
kill -TERM "$SCHED"
wait "$SCHED"
rc=$?
SOAK_PIDS=()
[ $rc = 0 ] || fail "the scheduler exited $rc on SIGTERM after the faults"

# Claims whose answer was lost (500, broken JSON, dropped) are settled by listing Twilio once
# they are 2 minutes old: these passes run 5 and 10 minutes "later".
for later in 300 600; do
	SMSDESK_FAKE_NOW=$(($(date +%s) + later)) "$B" --scheduler --once 2>>"$D/settle.log" ||
		fail "settling pass exit code $?"
done

out=$(sim_stat outbound) dup=$(sim_stat duplicates) rcpt=$(sim_stat recipients)
[ "$dup" = 0 ] || fail "$dup messages reached Twilio twice"
[ "$out" = "$sends" ] && [ "$rcpt" = "$sends" ] || fail "Twilio got $out messages for $rcpt numbers, not $sends each once"
later=$(($(date +%s) + 600))
notsent=$(SMSDESK_FAKE_NOW=$later "$B" messages --direction out --limit 100000 | tail -n +2 |
	grep -vcE ' (sent|delivered) ')
[ "$notsent" = 0 ] || fail "$notsent messages are not recorded sent: $("$B" messages --direction out | grep -vE ' (sent|delivered) ' | head -3)"
got_in=$(SMSDESK_FAKE_NOW=$later "$B" messages --direction in --limit 100000 | grep -c 'patient note')
[ "$got_in" = "$inbound" ] || fail "$got_in of $inbound inbound messages stored"

# Errors in words: every error or warning line names what happened, never an empty "?".
grep -E ' (error|warn) ' "$D/sched.log" >"$D/errors.txt"
nerr=$(wc -l <"$D/errors.txt")
[ "$nerr" -gt 0 ] || fail "no error was logged although $injected faults were injected"
if grep -vqiE 'too many requests|429|server error|500|503|unavailable|could not be read|connection|network|timed? ?out|reached|empty reply' "$D/errors.txt"; then
	fail "an error line does not say what went wrong: $(grep -viE 'too many|429|500|503|unavailable|could not be read|connection|network|time|reach|empty' "$D/errors.txt" | head -2)"
fi
grep -q 'error="?"' "$D/errors.txt" && fail "an error line says only \"?\""
no_lock_errors "$D/sched.log" "$D/settle.log" "$D/send.log"
echo "ok ($SOAK_NAME): $ROUNDS rounds, $injected faults injected, $sends messages each sent exactly once," \
	"$inbound inbound stored once, $nerr error lines in words, 4 CLI sends under faults said why, $(($(now_ms) - start)) ms"
