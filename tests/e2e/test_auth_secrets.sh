#!/usr/bin/env bash
# No secret leaks: Twilio tokens set through the command line and through the settings
# screen, and the staff passwords, must not appear in the database file (or its WAL), the
# logs, screen captures or the process list. The token typed in the settings screen shows
# as stars, is shown afterwards only as "set", and works (test connection).
source "$(dirname "$0")/lib_auth.sh" "$1"
auth_setup
CAPS=$E2E_DIR/captures.txt
: >"$CAPS"
snap() { capture >>"$CAPS"; }

CLI_TOKEN="clitoken$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sd_in "$CLI_TOKEN" --tenant "Oak Ave" settings set --auth-token-stdin
cat "$E2E_DIR/out" "$E2E_DIR/err" >>"$E2E_DIR/cli.log"

start_console
sign_in ann "$ADMIN_PW"
wait_for "ann (admin)"
snap
keys S
wait_for "Settings — Main St"
keys j
keys Enter
wait_for "New Twilio auth token (hidden):"
type_text "$SIM_TOKEN"
wait_for "********************************"
snap
capture | grep -qF "$SIM_TOKEN" && fail "the typed token is on the screen"
ps -eo args >"$E2E_DIR/ps.txt"
keys Enter
wait_for "Auth token saved (encrypted)"
wait_for "Auth token                  set"
snap
keys t
wait_for "Connected: Twilio knows account" 15
snap
ps -eo args >>"$E2E_DIR/ps.txt"
pass "settings: the token is typed masked, stored, shown as set, and works"

# A wrong secret is refused by Twilio and said in words.
keys Enter
wait_for "New Twilio auth token (hidden):"
type_text "WRONG${SIM_TOKEN}"
keys Enter
wait_for "Auth token saved (encrypted)"
keys t
wait_for "Not connected:" 15
wait_for "20003"
snap
keys q
keys q
wait_for "SMSDESK-EXITED 0"
snap
pass "settings: a refused token is reported with Twilio's code"

[ "$(audit_count credential.set)" -ge 3 ] || fail "credential changes are not audited"
"$SMSDESK" audit list >"$E2E_DIR/audit.txt" 2>&1
"$SMSDESK" audit export --since 2000-01-01 --output "$E2E_DIR/audit.csv" 2>>"$E2E_DIR/cli.log"

# Everything we can look at, for every secret we know.
for secret in "$SIM_TOKEN" "$CLI_TOKEN" "$ADMIN_PW" "$STAFF_PW"; do
	for f in "$DB" "$DB-wal" "$DB-shm" "$E2E_DIR/console.log" "$E2E_DIR/sim.err" "$CAPS" "$E2E_DIR/ps.txt" \
		"$E2E_DIR/cli.log" "$E2E_DIR/audit.txt" "$E2E_DIR/audit.csv"; do
		[ -e "$f" ] || continue
		if grep -aqF -- "$secret" "$f"; then
			fail "a secret (${secret:0:4}...) is in $(basename "$f")"
		fi
	done
done
grep -q "Twilio knows account" "$CAPS" || fail "the captures are empty"
pass "no secret in the database, WAL, logs, captures, process list or audit export"
