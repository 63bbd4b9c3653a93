#!/usr/bin/env bash
# The audit anchor: the newest audit entries removed with sqlite3 leave a chain that still
# verifies on its own, but not against the anchor the scheduler wrote outside the database.
# $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"
command -v sqlite3 >/dev/null || { echo "SKIP ($OPS_NAME): sqlite3 (the CLI) is not installed"; exit 0; }

ops_clinic
ANCHOR=$T/anchor/audit.anchor
mkdir -p "$T/anchor"
run 0 send --patient 1 --body "First"
"$B" --scheduler --once --audit-anchor "$ANCHOR" >"$T/out" 2>"$T/err"
has err "audit.anchor count="
[ "$(stat -c %a "$ANCHOR")" = 644 ] || fail "anchor mode is $(stat -c %a "$ANCHOR"), not 644"
ok
N=$(sqlite3 "$DB" 'SELECT count(*) FROM audit_log')
LAST=$(sqlite3 "$DB" 'SELECT max(id) FROM audit_log')
HASH=$(sqlite3 "$DB" "SELECT hash FROM audit_log WHERE id = $LAST")
grep -q -F "count=$N id=$LAST hash=$HASH " "$ANCHOR" || fail "anchor does not hold count=$N id=$LAST: $(cat "$ANCHOR")"
ok
# The journal line carries the same hash, in groups of four.
grep -q -F "${HASH:0:4}-${HASH:4:4}" "$T/err" || fail "the scheduler log lacks the hash"
ok
run 0 audit verify --anchor "$ANCHOR"
has out "still holds entry $LAST"

# A second pass with nothing new leaves the anchor as it is (no journal line either).
run 0 send --patient 2 --body "Second"
"$B" --scheduler --once --audit-anchor "$ANCHOR" >"$T/out" 2>"$T/err"
N2=$(sqlite3 "$DB" 'SELECT count(*) FROM audit_log')
[ "$N2" -gt "$N" ] && grep -q -F "count=$N2 " "$ANCHOR" || fail "the anchor did not move forward to $N2"
ok
run 0 audit verify --anchor "$ANCHOR"

# ---- remove the newest three entries the way an intruder with the file would ----
cp "$ANCHOR" "$T/anchor.before"
sqlite3 "$DB" "DROP TRIGGER audit_no_delete;
	DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log);
	CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;" || fail "sqlite3 could not truncate"
ok
# The chain alone still verifies: this is the gap the anchor closes.
run 0 audit verify
has out "intact"
run 1 audit verify --anchor "$ANCHOR"
has out "TRUNCATED OR REWRITTEN"
has out "were removed"
# The scheduler reports it and keeps the evidence.
"$B" --scheduler --once --audit-anchor "$ANCHOR" >"$T/out" 2>"$T/err"
has err "audit.anchor_mismatch"
cmp -s "$ANCHOR" "$T/anchor.before" || fail "the scheduler overwrote the anchor of a truncated log"
ok
run 1 audit anchor "$ANCHOR"
has err "--force"
run 0 audit anchor "$ANCHOR" --force
run 0 audit verify --anchor "$ANCHOR"

# ---- a rewritten anchored entry ----
LAST=$(sqlite3 "$DB" 'SELECT max(id) FROM audit_log')
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit_log SET hash = '$(printf 'a%.0s' $(seq 64))' WHERE id = $LAST;" ||
	fail "sqlite3 could not rewrite"
ok
run 1 audit verify --anchor "$ANCHOR"

# ---- hostile anchor files ----
printf 'smsdesk-audit-anchor 1 count=-1 id=1 hash=zz at=1\n' >"$T/bad.anchor"
run 1 audit verify --anchor "$T/bad.anchor"
run 1 audit verify --anchor "$T/none.anchor"
run 64 audit list --anchor "$ANCHOR"
echo "ok ($OPS_NAME): $CHECKS checks"
