#!/usr/bin/env bash
# The database file is outside input too: someone with file access edits rows to hold terminal
# escape sequences (ESC, BEL, C1 CSI, bidi overrides). Every listing and error of the command line
# must show them as '?' and never pass a raw control byte to the terminal.
# $1 = the smsdesk binary. No network: the Twilio settings point at a closed loopback port.
set -u
B=${1:?usage: test_cli_hostile_db.sh path/to/smsdesk}
B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B")
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 command"; exit 0; }

T=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-e2e-hostiledb-XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME=$T/home XDG_DATA_HOME=$T/home/data XDG_CONFIG_HOME=$T/home/config
unset SMSDESK_DB SMSDESK_KEY_FILE SMSDESK_FAKE_NOW SMSDESK_CA_BUNDLE
mkdir -p "$HOME"
cd "$T" || exit 1
DB=$XDG_DATA_HOME/smsdesk/smsdesk.db
CHECKS=0

fail() {
	echo "FAIL: $*" >&2
	for f in out err; do
		[ -f "$T/$f" ] && { echo "--- $f:" >&2; head -c 3000 "$T/$f" | cat -v >&2; echo >&2; }
	done
	exit 1
}
# run ARGS...: runs smsdesk (any exit code) and fails when stdout or stderr holds a control
# byte other than newline, or the C1 CSI (0xC2 0x9B) or a bidi override (U+202E).
run() {
	"$B" "$@" >"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	[ "$rc" -lt 128 ] || fail "smsdesk $* died with signal $((rc - 128))"
	[ -z "${SHOW:-}" ] || { echo "== $* -> $rc"; cat -v "$T/out" "$T/err" | head -5; }
	for f in out err; do
		if LC_ALL=C grep -q -P '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae' "$T/$f"; then
			fail "smsdesk $* wrote a raw control character to std$f"
		fi
	done
	CHECKS=$((CHECKS + 1))
}
sql() { sqlite3 "$DB" "$1" || fail "sqlite3: $1"; }

"$B" init >/dev/null 2>&1 || fail "init"
"$B" tenant add Clinic --timezone America/Chicago --phone "+1 555 123 0000" >/dev/null 2>&1 || fail "tenant add"
"$B" patient add --first Ann --last Lee --mobile "(555) 222-3333" >/dev/null 2>&1 || fail "patient add"
"$B" appointment add --patient 1 --provider "Dr Who" --at "2030-02-03 10:00" >/dev/null 2>&1 || fail "appointment add"
printf 'correct horse battery\n' | "$B" user add alice --role admin --password-stdin >/dev/null 2>&1 || fail "user add"

ESC=$(printf '\033[31m\033]0;pwned\007')
C1=$(printf '\302\233')      # U+009B, the one-byte CSI
RLO=$(printf '\342\200\256') # U+202E right-to-left override
BAD="x${ESC}${C1}${RLO}y"
sql "UPDATE tenants SET name = 'Clinic${BAD}', phone = '+1${BAD}', timezone = 'America/Chicago${BAD}',
	account_sid = 'AC${BAD}', api_key_sid = 'SK${BAD}', from_number = '+1${BAD}',
	messaging_service_sid = 'MG${BAD}', api_base = 'http://127.0.0.1:9/${BAD}', reminder_slots = '24h${BAD}'"
sql "INSERT INTO settings (tenant_id, key, value, updated_at) VALUES (1, 'ca_bundle', '/tmp/${BAD}', 0)
	ON CONFLICT DO UPDATE SET value = excluded.value"
sql "UPDATE patients SET mobile = '+1555${BAD}', first_name = 'Ann${BAD}'"
sql "UPDATE appointments SET provider = 'Dr${BAD}', location = 'Room${BAD}'"
sql "UPDATE users SET username = 'alice${BAD}', display_name = 'Alice${BAD}'"
sql "INSERT INTO sms_messages (tenant_id, patient_id, twilio_sid, direction, from_number, to_number, body, status,
	error_message, created_at, updated_at) VALUES (1, 1, 'SM${BAD}', 'outbound', '+1${BAD}', '+1555${BAD}', 'hi${BAD}',
	'failed${BAD}', 'no${BAD}', 1700000000, 1700000000)"

run tenant list
run --tenant 1 settings show
run --tenant 1 test-connection
run --tenant 1 patient list
run --tenant 1 appointment list
run --tenant 1 messages
run --tenant 1 reminders
run --tenant 1 send --patient 1 --body "hello" --dry-run
run --tenant 1 send --patient 1 --body "hello"
run --tenant 1 remind 1
run --tenant 1 stats
run --tenant 1 poll
run user list
run user tenants "alice${BAD}"
run user disable "alice${BAD}"
run user enable "alice${BAD}"
run user role "alice${BAD}" staff
run audit list
run audit verify
run --tenant "Clinic${BAD}" tenant list
run --tenant "nope${BAD}" messages
run "no-such-command${BAD}"
run --tenant 1 patient add --first "Bo${BAD}" --last Lee --mobile "+1 555 222 4444"
run --tenant 1 tenant add "New${BAD}" --timezone America/Chicago
echo "ok: $CHECKS hostile-database checks"
