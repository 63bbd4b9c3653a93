#!/usr/bin/env bash
# Shared helpers for the console's end-to-end tests: each test drives the real binary in
# its own tmux server (send-keys, capture-pane) and waits for text with a deadline, never
# with a bare sleep standing in for a result.
# Usage in a test: source "$(dirname "$0")/lib.sh" "$1"
set -u

SMSDESK=${1:?usage: $0 path/to/smsdesk}
E2E_NAME=$(basename "$0" .sh)
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/smsdesk-e2e.XXXXXX")
E2E_INFO="$E2E_DIR/demo.info"
E2E_SOCK="smsdesk-$E2E_NAME-$$"
E2E_TIMEOUT=${E2E_TIMEOUT:-20}
E2E_LAST=""

tm() { tmux -L "$E2E_SOCK" -f /dev/null "$@"; }

cleanup() {
	tm kill-server 2>/dev/null
	rm -rf "$E2E_DIR"
}
trap cleanup EXIT

# The pane as text (or with attributes: capture -e).
capture() { tm capture-pane -p -t main "$@" 2>/dev/null; }

# Stops the test with a message and the screen as it was.
fail() {
	echo "FAIL ($E2E_NAME): $*" >&2
	echo "----- screen -----" >&2
	capture >&2
	echo "------------------" >&2
	if [ -f "$E2E_DIR/console.log" ]; then
		echo "----- console log -----" >&2
		tail -20 "$E2E_DIR/console.log" >&2
	fi
	exit 1
}

pass() { echo "ok ($E2E_NAME): $*"; }

# Starts `smsdesk --demo` in a WxH pane (default 100x30); extra words are env assignments.
start_demo() {
	local w=100 h=30
	if [ "${1:-}" = "-s" ]; then
		w=$2 h=$3
		shift 3
	fi
	tm new-session -d -s main -x "$w" -y "$h" \
		"env LANG=C.UTF-8 LC_ALL= SMSDESK_DEMO_INFO='$E2E_INFO' SMSDESK_CONSOLE_LOG='$E2E_DIR/console.log' $* '$SMSDESK' --demo; echo SMSDESK-EXITED \$?; sleep 60"
	tm set-option -t main remain-on-exit on >/dev/null 2>&1 || true
}

# Waits until the pane shows the fixed string $1 (timeout $2 seconds); fails otherwise.
wait_for() {
	local text=$1 timeout=${2:-$E2E_TIMEOUT}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		E2E_LAST=$(capture)
		if grep -qF -- "$text" <<<"$E2E_LAST"; then
			return 0
		fi
		if grep -qF -- "SMSDESK-EXITED" <<<"$E2E_LAST"; then
			fail "the console exited while waiting for \"$text\""
		fi
		sleep 0.1
	done
	fail "\"$text\" did not appear within ${timeout}s"
}

# Waits until the fixed string $1 is gone from the pane.
wait_gone() {
	local text=$1 timeout=${2:-$E2E_TIMEOUT}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		if ! capture | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
	done
	fail "\"$text\" was still on screen after ${timeout}s"
}

# Waits until the extended regex $1 matches a line of the pane; prints the first match.
wait_for_re() {
	local re=$1 timeout=${2:-$E2E_TIMEOUT}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		local m
		m=$(capture | grep -oE -- "$re" | head -1)
		if [ -n "$m" ]; then
			echo "$m"
			return 0
		fi
		sleep 0.1
	done
	fail "nothing matched /$re/ within ${timeout}s"
}

# Keys by tmux name ("Enter", "Escape", "C-x", "j"), or literal text with -l.
keys() { tm send-keys -t main "$@"; }
type_text() { tm send-keys -t main -l -- "$1"; }

# A value from the demo's info file (written once the demo is ready).
demo_info() {
	local deadline=$((SECONDS + E2E_TIMEOUT))
	while [ ! -s "$E2E_INFO" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
	[ -s "$E2E_INFO" ] || fail "the demo did not write $E2E_INFO"
	sed -n "s/^$1=//p" "$E2E_INFO"
}

# Injects an inbound SMS into the simulator: sim_inbound FROM BODY.
sim_inbound() {
	local base to
	base=$(demo_info base_url)
	to=$(demo_info from_number)
	curl -sf --max-time 5 --data-urlencode "From=$1" --data-urlencode "To=$to" --data-urlencode "Body=$2" \
		"$base/sim/inbound" >/dev/null || fail "the simulator refused the inbound message"
}

# The unread count from the status bar.
unread_count() { capture | grep -oE 'unread [0-9]+' | tail -1 | grep -oE '[0-9]+'; }

# Waits for the inbox of a freshly started demo.
wait_inbox() {
	wait_for "Inbox" 30
	wait_for "Demo Clinic" 10
	wait_for_re 'unread [0-9]+' 10 >/dev/null
}

# Quits the console and checks it exits cleanly.
quit_console() {
	keys Escape
	keys Escape
	keys q
	wait_for "SMSDESK-EXITED 0" 10
}

# Waits until line $1 of the pane contains the fixed string $2.
wait_line() {
	local n=$1 text=$2 timeout=${3:-$E2E_TIMEOUT}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		if capture | sed -n "${n}p" | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
	done
	fail "line $n did not show \"$text\" within ${timeout}s"
}
