#!/usr/bin/env bash
# TERM=vt100 (no colour) and NO_COLOR give a monochrome console; xterm-256color has colour.
source "$(dirname "$0")/lib.sh" "$1"

has_colour() { capture -e | grep -qE $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+)m'; }

i=0
for case in "TERM=vt100" "TERM=xterm-256color NO_COLOR=1" "TERM=screen" "TERM=xterm-256color"; do
	i=$((i + 1))
	E2E_SOCK="smsdesk-terminals-$$-$i" # a fresh tmux server per terminal type
	rm -f "$E2E_INFO"
	start_demo "$case"
	wait_inbox
	keys j
	case "$case" in
	"TERM=xterm-256color" | "TERM=screen")
		has_colour || fail "$case: expected colours" ;;
	*)
		has_colour && fail "$case: colour escape sequences on a monochrome terminal"
		capture -e | grep -qE $'\033\\[[0-9;]*7m' || fail "$case: the status bar should be in reverse video" ;;
	esac
	keys Enter
	wait_for "Esc/q back"
	keys q
	wait_for "Inbox"
	quit_console
	tm kill-server 2>/dev/null
	pass "$case"
done
