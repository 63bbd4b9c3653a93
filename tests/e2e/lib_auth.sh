#!/usr/bin/env bash
# Shared set-up for the sign-in, lock, location and audit tests: a real database made with
# the command line (two locations wired to a loopback simulator, one thread each, users
# ann = admin, bob = staff at Main St, cat = staff at both), and the console in tmux.
# Usage in a test: source "$(dirname "$0")/lib_auth.sh" "$1"
source "$(dirname "$0")/lib.sh" "$1"
SMSDESK=$(cd "$(dirname "$SMSDESK")" && pwd)/$(basename "$SMSDESK")
export HOME=$E2E_DIR/home XDG_DATA_HOME=$E2E_DIR/home/data XDG_CONFIG_HOME=$E2E_DIR/home/config
unset SMSDESK_DB SMSDESK_KEY_FILE SMSDESK_FAKE_NOW SMSDESK_IDLE_LOCK_SECONDS
mkdir -p "$HOME"
DB=$XDG_DATA_HOME/smsdesk/smsdesk.db
ADMIN_PW='admin-pass-123'
STAFF_PW='staff-pass-456'
SIM_PID=

auth_cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	cleanup
}
trap auth_cleanup EXIT

# sd ARGS...: the command line, output in $E2E_DIR/out and err; fails the test on an error.
sd() {
	"$SMSDESK" "$@" >"$E2E_DIR/out" 2>"$E2E_DIR/err" </dev/null || fail "smsdesk $* failed: $(cat "$E2E_DIR/err")"
}
# sd_in INPUT ARGS...: the same with INPUT as one line on stdin.
sd_in() {
	local input=$1
	shift
	printf '%s\n' "$input" | "$SMSDESK" "$@" >"$E2E_DIR/out" 2>"$E2E_DIR/err" || fail "smsdesk $* failed: $(cat "$E2E_DIR/err")"
}

# Makes the database, the simulator, the users and one thread per location.
auth_setup() {
	sd init
	sd tenant add "Main St" --timezone America/Chicago --phone 3125550100
	sd tenant add "Oak Ave" --timezone America/Denver --phone 3035550100
	sd_in "$ADMIN_PW" user add ann --role admin --name "Ann Admin" --password-stdin
	sd_in "$STAFF_PW" user add bob --role staff --tenant "Main St" --password-stdin
	sd_in "$STAFF_PW" user add cat --role staff --tenant "Main St" --tenant "Oak Ave" --password-stdin
	"$SMSDESK" sim --step-ms 100 >"$E2E_DIR/sim.out" 2>"$E2E_DIR/sim.err" &
	SIM_PID=$!
	local deadline=$((SECONDS + 10))
	while ! grep -q '^auth_token=' "$E2E_DIR/sim.out" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "the simulator did not start"
		sleep 0.1
	done
	SIM_BASE=$(sed -n 's/^base_url=//p' "$E2E_DIR/sim.out")
	SIM_SID=$(sed -n 's/^account_sid=//p' "$E2E_DIR/sim.out")
	SIM_TOKEN=$(sed -n 's/^auth_token=//p' "$E2E_DIR/sim.out")
	for t in "Main St" "Oak Ave"; do
		sd_in "$SIM_TOKEN" --tenant "$t" settings set --account-sid "$SIM_SID" --from +15005550006 --texting-hours 00:00-24:00 \
			--api-base "$SIM_BASE" --auth-token-stdin
	done
	sd --tenant "Main St" patient add --first Alice --last Mainly --mobile "+1 555 222 3333"
	sd --tenant "Oak Ave" patient add --first Oscar --last Oakley --mobile "+1 555 444 3333"
	sd --tenant "Main St" send --patient 1 --body "hello from main street"
	sd --tenant "Oak Ave" send --patient 2 --body "hello from oak avenue"
}

CONSOLE_N=0
# Ends the console's tmux server; the next console gets a server of its own.
stop_console() {
	tm kill-server 2>/dev/null
	CONSOLE_N=$((CONSOLE_N + 1))
	E2E_SOCK="smsdesk-$E2E_NAME-$$-$CONSOLE_N"
}

# Starts the console (not the demo) in a 100x30 pane; words are extra env assignments.
start_console() {
	tm new-session -d -s main -x 100 -y 30 \
		"env LANG=C.UTF-8 LC_ALL= HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' $* '$SMSDESK'; echo SMSDESK-EXITED \$?; sleep 60"
	tm set-option -t main remain-on-exit on >/dev/null 2>&1 || true
	wait_for "sign in" 10
}

# sign_in USER PASSWORD: types both and presses Enter.
sign_in() {
	type_text "$1"
	keys Tab
	type_text "$2"
	keys Enter
}

# Counts audit entries whose action starts with $1.
audit_count() {
	"$SMSDESK" audit list --action "$1" 2>/dev/null | awk -v a="$1" 'NR > 1 && index($4, a) == 1' | wc -l
}
