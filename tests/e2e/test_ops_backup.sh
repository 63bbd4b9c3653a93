#!/usr/bin/env bash
# Backups, restore and `smsdesk status` against a real database and the loopback simulator:
# a backup taken while the clinic works brings back every message; status tells a running
# scheduler from a stopped one. $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"

ops_clinic

# ---- status before any scheduler: not running, exit 1 ----
run 1 status
has out "scheduler:  NOT RUNNING"
has out "last poll:  never"
has out "outbox:     0 queued"
has out "smsdesk "

# ---- some traffic, then one scheduler pass ----
for i in 1 2 3; do
	run 0 send --patient 1 --body "Message $i to Ann"
done
run 0 send --patient 2 --body "Hello Bob"
curl -s -f -X POST "$BASE/sim/inbound" --data-urlencode "From=+15552223333" --data-urlencode "To=$FROM" \
	--data-urlencode "Body=Thanks, see you" >/dev/null || fail "could not inject an inbound message"
ok
run 0 --scheduler --once
inbound_seen() { "$B" messages --limit 50 2>/dev/null | grep -q "Thanks, see you" || { "$B" poll >/dev/null 2>&1; false; }; }
wait_for 15 "the inbound message" inbound_seen
run 0 status
has out "scheduler:  running"
has out ", ok"
has out "failures:   0 in the last hour"
# A failed send shows as a failure of the last hour.
run 4 send --to +15005550001 --body "to an invalid number"
run 0 status
has out "failures:   1 in the last hour"

BEFORE=$(ops_count_messages)
[ "$BEFORE" -ge 6 ] || fail "expected at least 6 messages before the backup, got $BEFORE"
ok
"$B" messages --limit 500 >"$T/before.txt" 2>&1

# ---- backup: 0600, never overwrites, says the key is apart ----
run 64 backup
run 0 backup "$T/b1.db"
has out "messages"
has out "not in the backup"
[ "$(stat -c %a "$T/b1.db")" = 600 ] || fail "backup mode is $(stat -c %a "$T/b1.db"), not 600"
ok
[ ! -e "$T/b1.db-wal" ] || fail "the backup left a -wal file beside it"
ok
run 1 backup "$T/b1.db"
has err "File exists"
ln -s "$T/elsewhere" "$T/link.db"
run 1 backup "$T/link.db"
[ ! -e "$T/elsewhere" ] || fail "backup followed a symlink"
ok
run 0 backup --check "$T/b1.db"
has out "$BEFORE messages"
run 0 audit list --action backup
has out "backup.create"
# The backup opens with sqlite3 as one self-contained file, and the key is not in it.
if command -v sqlite3 >/dev/null; then
	[ "$(sqlite3 "$T/b1.db" 'SELECT count(*) FROM sms_messages')" = "$BEFORE" ] || fail "sqlite3 counts differ"
	ok
fi
! grep -q -F -- "$TOKEN" "$T/b1.db" || fail "the auth token is in the clear in the backup"
ok

# ---- more traffic and a lost message, then restore ----
run 0 send --patient 1 --body "After the backup"
[ "$(ops_count_messages)" -gt "$BEFORE" ] || fail "the new message did not count"
ok
run 64 restore "$T/b1.db"
has err "--yes"
printf 'not a database' >"$T/junk.db"
run 1 restore "$T/junk.db" --yes
has err "nothing changed"
run 0 restore "$T/b1.db" --yes
has out "before-restore"
SAVED=$(ls "$DB".before-restore-* | head -1)
[ -n "$SAVED" ] && [ "$(stat -c %a "$SAVED")" = 600 ] || fail "the database before the restore was not saved 0600"
ok
"$B" messages --limit 500 >"$T/after.txt" 2>&1
diff "$T/before.txt" "$T/after.txt" >/dev/null || fail "restored messages differ: $(diff "$T/before.txt" "$T/after.txt" | head -5)"
ok
[ "$(ops_count_messages)" = "$BEFORE" ] || fail "restore did not bring back exactly the $BEFORE messages"
ok
run 0 audit list --action backup
has out "backup.restore"
run 0 audit verify
# The copy saved before the restore still has the later message.
run 0 backup --check "$SAVED"
has out "$((BEFORE + 1)) messages"
run 64 restore "$DB" --yes
has err "database itself"

echo "ok ($OPS_NAME): $CHECKS checks"
