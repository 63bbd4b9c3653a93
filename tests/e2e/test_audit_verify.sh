#!/usr/bin/env bash
# The audit chain catches tampering done straight in the SQLite file: an edited row is named
# by `smsdesk audit verify`, and so is a deleted one. `audit export` writes RFC 4180 CSV
# that a spreadsheet cannot run as formulas, and is itself audited.
source "$(dirname "$0")/lib_auth.sh" "$1"
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3"; exit 0; }
auth_setup
# Entries from the console too: sign-ins, a failure, a lock-free session.
start_console
sign_in bob "wrong-password-1"
wait_for "Wrong username or password."
keys Escape
sign_in bob "$STAFF_PW"
wait_for "Alice Mainly"
keys q
wait_for "SMSDESK-EXITED 0"
stop_console
# A location whose name a spreadsheet would run, and text that needs quoting.
sd tenant add '=HYPERLINK("http://x.example","click")' --timezone America/Chicago
sd tenant add '@SUM(1,2) "quoted"' --timezone America/Chicago

"$SMSDESK" audit verify >"$E2E_DIR/out" 2>&1 || fail "a fresh chain does not verify: $(cat "$E2E_DIR/out")"
grep -q "intact" "$E2E_DIR/out" || fail "verify does not say intact"
N=$("$SMSDESK" audit list | awk 'NR > 1' | wc -l)
[ "$N" -ge 15 ] || fail "expected many audit entries, got $N"
pass "a chain of $N entries verifies"

# ---- export ----
"$SMSDESK" audit export --since 2000-01-01 --output "$E2E_DIR/a.csv" 2>"$E2E_DIR/err" || fail "export failed"
[ "$(stat -c %a "$E2E_DIR/a.csv")" = 600 ] || fail "the export is not mode 600"
head -1 "$E2E_DIR/a.csv" | grep -q '^id,at_utc,username,user_id,tenant_id,action,patient_id,target,detail,hash' ||
	fail "the CSV header is wrong"
grep -aqF -- "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\"" "$E2E_DIR/a.csv" || fail "a formula cell is not defused and quoted"
grep -aqF -- "\"'@SUM(1,2) \"\"quoted\"\"\"" "$E2E_DIR/a.csv" || fail "an @ cell is not defused and quoted"
grep -aq ',=\|,+\|,@' "$E2E_DIR/a.csv" && fail "a cell starts with a formula character"
[ "$(grep -c $'\r$' "$E2E_DIR/a.csv")" -eq "$(wc -l <"$E2E_DIR/a.csv")" ] || fail "CSV lines do not end in CRLF"
"$SMSDESK" audit export --since 2000-01-01 --output "$E2E_DIR/a.csv" 2>"$E2E_DIR/err" && fail "an export overwrote a file"
grep -q "never overwrite" "$E2E_DIR/err" || fail "the refusal does not say why"
"$SMSDESK" audit export --since 2000-02-30 >/dev/null 2>&1
[ $? -eq 64 ] || fail "a bad date is not a usage error"
"$SMSDESK" audit export --since 2999-01-01 >"$E2E_DIR/future.csv" || fail "an empty export failed"
[ "$(wc -l <"$E2E_DIR/future.csv")" -eq 1 ] || fail "an export of the future has rows"
[ "$(audit_count audit.export)" -ge 2 ] || fail "exports are not audited"
pass "export: CSV quoted, formula-safe, CRLF, 0600, never overwrites, audited"

# ---- an edited row ----
cp "$DB" "$E2E_DIR/pristine.db"
ID=7
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit_log SET username = 'mallory' WHERE id = $ID;" ||
	fail "could not tamper with the file"
"$SMSDESK" audit verify >"$E2E_DIR/out" 2>&1
[ $? -eq 1 ] || fail "verify did not fail on an edited row"
grep -q "entry $ID (.*) was changed" "$E2E_DIR/out" || fail "verify does not name entry $ID: $(cat "$E2E_DIR/out")"
pass "an edited row is named: $(cat "$E2E_DIR/out")"

# An edit that also recomputes nothing but the stored hash is caught at the next row.
cp "$E2E_DIR/pristine.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit_log SET hash = '$(printf 'a%.0s' $(seq 64))' WHERE id = $ID;"
"$SMSDESK" audit verify >"$E2E_DIR/out" 2>&1 && fail "verify passed a forged hash"
grep -q "entry $ID " "$E2E_DIR/out" || fail "a forged hash is not named: $(cat "$E2E_DIR/out")"

# ---- a deleted row ----
cp "$E2E_DIR/pristine.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
ID=9
sqlite3 "$DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE id = $ID;"
"$SMSDESK" audit verify >"$E2E_DIR/out" 2>&1
[ $? -eq 1 ] || fail "verify did not fail on a deleted row"
grep -q "entry $ID was deleted" "$E2E_DIR/out" || fail "verify does not name the deleted entry $ID: $(cat "$E2E_DIR/out")"
pass "a deleted row is named: $(cat "$E2E_DIR/out")"

# ---- the console shows it too ----
start_console
sign_in ann "$ADMIN_PW"
wait_for "ann (admin)"
keys A
wait_for "CHAIN BROKEN: entry $((ID + 1))"
keys /
type_text "login"
keys Enter
wait_for "| action login" # the filtered list is on screen
wait_for "CHAIN BROKEN: entry $((ID + 1))" 2 # a filter reads again; the chain's state stays
capture | awk 'NR > 3 && NF' | grep -v "login" | grep -E '^ +[0-9]+ ' && fail "the action filter lets other actions through"
keys q
keys q
wait_for "SMSDESK-EXITED 0"
pass "the audit screen reports the broken chain and filters by action"
