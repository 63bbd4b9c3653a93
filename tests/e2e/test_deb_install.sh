#!/usr/bin/env bash
# The Debian package installed for real: cpack builds the .deb from the build directory under
# test (into a temp folder), dpkg installs it, the README's install steps ("Install (Debian 12)")
# take it to two staff accounts texting through one scheduler run as the smsdesk user with the
# unit's ExecStart (no systemd here), then `dpkg --purge` and the README's removal steps leave
# the machine as it was.
# Needs root on Debian (dpkg). Exits 77 (ctest: skipped) with the reason on stdout otherwise,
# in the sanitizer build (the package ships the plain build; an ASan binary installed setgid
# proves nothing more), and when smsdesk or its user or folders are already on the machine
# (a real install is never touched). $1 = the smsdesk binary of a build directory.
source "$(dirname "$0")/lib_ops.sh" "$1"
skip() {
	echo "SKIP ($OPS_NAME): $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i, useradd)"
# the admin tools (useradd, deluser, dpkg-statoverride) even when ctest runs without sbin
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
[ -f /etc/debian_version ] && command -v dpkg >/dev/null || skip "not a Debian system with dpkg"
for c in dpkg-deb dpkg-statoverride dpkg-query useradd userdel groupdel su setpriv flock curl; do
	command -v $c >/dev/null || skip "$c is missing"
done
BUILD=$(dirname "$B")
[ -f "$BUILD/CPackConfig.cmake" ] && [ -f "$BUILD/CMakeCache.txt" ] ||
	skip "no CPackConfig.cmake beside $B: give the smsdesk of a configured build directory"
if grep -q '^SMSDESK_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
	skip "sanitizer build: the .deb is made from the plain build, whose run of this test covers it"
fi
CPACK=$(sed -n 's/^CMAKE_CPACK_COMMAND:INTERNAL=//p' "$BUILD/CMakeCache.txt")
[ -x "$CPACK" ] || CPACK=$(command -v cpack) || skip "cpack is missing"
# cpack's dependency list (dpkg-shlibdeps) needs `file` (packaging/install-deps.sh installs it).
command -v file >/dev/null || fail "cpack -G DEB needs the file utility: run packaging/install-deps.sh"
STARTED=$SECONDS
SD=/usr/bin/smsdesk
DIRS="/var/lib/smsdesk /etc/smsdesk /var/log/smsdesk /var/backups/smsdesk"
ANN=debann$$ BOB=debbob$$

# ---- one run at a time; what a run installs is written down first, so that a run killed
# before its own cleanup (ctest's timeout) is undone by the next one ----
LOCKF=/run/lock/smsdesk-e2e-deb.lock
[ -d /run/lock ] || LOCKF=/tmp/smsdesk-e2e-deb.lock
STATE=/var/tmp/smsdesk-e2e-deb.state
exec 9>"$LOCKF"
flock -w 240 9 || skip "another run of this test held the machine's smsdesk install for 4 minutes"
note() { echo "$*" >>"$STATE"; }
# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL; reaped when it is our child.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		case $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) in Z | "") break ;; esac
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
# Undoes what $STATE lists: the processes this test started (only if still /usr/bin/smsdesk),
# the package and what its postinst made, the staff accounts.
deb_undo() {
	local kind val
	while read -r kind val; do
		if [ "$kind" = pid ] && readlink "/proc/$val/exe" 2>/dev/null | grep -q "^$SD"; then
			stop_pid "$val"
		fi
	done <"$STATE"
	if grep -q '^install' "$STATE"; then
		dpkg --purge smsdesk >/dev/null 2>&1
		# An override naming a deleted group stops every later dpkg run: never leave one.
		if dpkg-statoverride --list "$SD" >/dev/null 2>&1; then dpkg-statoverride --remove "$SD"; fi
		userdel -f smsdesk >/dev/null 2>&1
		groupdel smsdesk >/dev/null 2>&1
		rm -rf $DIRS
	fi
	while read -r kind val; do
		[ "$kind" = user ] && userdel -f "$val" >/dev/null 2>&1
	done <"$STATE"
	rm -f "$STATE"
}
if [ -f "$STATE" ]; then
	echo "note ($OPS_NAME): undoing the install of an earlier run that was killed: $(tr '\n' ' ' <"$STATE")"
	deb_undo
fi
OPS_CLEANUP_HOOK=deb_cleanup
deb_cleanup() { [ -f "$STATE" ] && deb_undo; }
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- never touch a real install ----
st=$(dpkg-query -W -f='${db:Status-Status}' smsdesk 2>/dev/null)
[ -z "$st" ] || [ "$st" = not-installed ] || skip "the smsdesk package is on this machine ($st): not touching it"
found=
for p in $SD $DIRS; do [ -e "$p" ] && found="$found $p"; done
getent passwd smsdesk >/dev/null && found="$found user:smsdesk"
getent group smsdesk >/dev/null && found="$found group:smsdesk"
dpkg-statoverride --list "$SD" >/dev/null 2>&1 && found="$found statoverride:$SD"
[ -z "$found" ] || skip "an earlier smsdesk install left$found: not touching it"
ok

# ---- 1. the package, from the build directory under test, into a temp folder ----
t0=$SECONDS
(cd "$T" && "$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg") >"$T/out" 2>"$T/err" 9>&- ||
	fail "cpack -G DEB"
DEB=$(ls "$T"/pkg/smsdesk_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || fail "cpack made no smsdesk_*.deb in $T/pkg"
ok
dpkg-deb -f "$DEB" Depends >"$T/out" || fail "dpkg-deb -f"
has out "adduser"
T_CPACK=$((SECONDS - t0))

# ---- 2. dpkg -i: the smsdesk user and group, the setgid binary, the folders ----
note install
t0=$SECONDS
dpkg -i "$DEB" >"$T/out" 2>"$T/err" 9>&- || fail "dpkg -i $(basename "$DEB") (dependencies: $(dpkg-deb -f "$DEB" Depends))"
T_INSTALL=$((SECONDS - t0))
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd smsdesk)
[ -n "${uid:-}" ] || fail "no smsdesk user after dpkg -i"
[ "$uid" -lt 1000 ] || fail "smsdesk is uid $uid, not a system user"
[ "$home:$shell" = /var/lib/smsdesk:/usr/sbin/nologin ] || fail "smsdesk's home and shell: $home $shell"
[ "$(getent group smsdesk | cut -d: -f3)" = "$gid" ] || fail "no smsdesk group, or not smsdesk's primary group"
ok
# mode_is PATH OWNER:GROUP MODE
mode_is() {
	local got
	got=$(stat -c '%U:%G %a' "$1") || fail "$1 is missing"
	[ "$got" = "$2 $3" ] || fail "$1 is $got, expected $2 $3"
	ok
}
mode_is $SD root:smsdesk 2755
[ "$(dpkg-statoverride --list $SD)" = "root smsdesk 2755 $SD" ] || fail "no dpkg-statoverride for $SD"
mode_is /var/lib/smsdesk smsdesk:smsdesk 2770
mode_is /etc/smsdesk root:smsdesk 750
mode_is /var/log/smsdesk root:smsdesk 2770
mode_is /var/log/smsdesk/console.log root:smsdesk 660
mode_is /var/backups/smsdesk smsdesk:smsdesk 700
# The anchor folder: the scheduler's alone (a setgid bit inherited from /var/lib/smsdesk is fine).
m=$(stat -c '%U %a' /var/lib/smsdesk/anchor)
case $m in "smsdesk 755" | "smsdesk 2755") ok ;; *) fail "/var/lib/smsdesk/anchor is $m" ;; esac
dpkg -L smsdesk >"$T/out"
has out /usr/share/man/man1/smsdesk.1
grep -q '^\.TH SMSDESK' /usr/share/man/man1/smsdesk.1 || fail "the man page is not installed"
for u in smsdesk-scheduler.service smsdesk-scheduler.timer smsdesk-scheduler-once.service \
	smsdesk-backup.service smsdesk-backup.timer; do
	f=$(grep "/systemd/system/$u\$" "$T/out") && [ -f "$f" ] || fail "unit $u is not installed"
	ok
done
# No systemd here: at least, prerm (on remove) stops every unit the package ships and
# disables each one that can be enabled, so a removal leaves none running or enabled.
dpkg-deb -e "$DEB" "$T/ctl" || fail "dpkg-deb -e"
sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' "$T/ctl/prerm" | tr -s '\t ' '  ' >"$T/prerm"
for f in $(grep '/systemd/system/smsdesk-.*\.\(service\|timer\)$' "$T/out"); do
	u=$(basename "$f")
	grep 'systemctl stop ' "$T/prerm" | grep -qF " $u " || fail "prerm does not stop $u"
	if grep -q '^\[Install\]' "$f"; then
		grep 'systemctl disable ' "$T/prerm" | grep -qF " $u " || fail "prerm does not disable $u"
	fi
	ok
done
UNIT=$(grep '/systemd/system/smsdesk-scheduler.service$' "$T/out")
BUNIT=$(grep '/systemd/system/smsdesk-backup.service$' "$T/out")
[ "$($SD --version)" = "$("$B" --version)" ] || fail "the installed binary is not the build's"
ok

# ---- 3. the README's steps: database and key, handed to the smsdesk account and group ----
$SD --system init >"$T/out" 2>"$T/err" </dev/null || fail "smsdesk --system init"
DBF=/var/lib/smsdesk/smsdesk.db KEYF=/etc/smsdesk/key
chown smsdesk:smsdesk $DBF && chmod 0660 $DBF && chown root:smsdesk $KEYF && chmod 0640 $KEYF || fail "chown/chmod"
mode_is $DBF smsdesk:smsdesk 660
mode_is $KEYF root:smsdesk 640
# the clinic; the simulator stands in for Twilio (--api-base, and every hour open for texts)
B=$SD ops_start_sim 9>&-
note "pid $SIM_PID"
run_sys() { $SD --system "$@" >"$T/out" 2>"$T/err" || fail "smsdesk --system $*"; ok; }
run_sys tenant add "Main St" --timezone America/Chicago --phone "(312) 555-0100" </dev/null
printf '%s\n' "$TOKEN" >"$T/token.txt"
run_sys settings set --account-sid "$SID" --from "$FROM" --auth-token-stdin --api-base "$BASE" \
	--texting-hours 00:00-24:00 <"$T/token.txt"
run_sys test-connection </dev/null
has out "Twilio answered for Main St"

# two staff accounts: Unix logins outside the smsdesk group, smsdesk users of the same name
note "user $ANN"
note "user $BOB"
for u in $ANN $BOB; do
	useradd -M -d /nonexistent -s /bin/bash "$u" || fail "useradd $u"
	id -nG "$u" | grep -qw smsdesk && fail "$u is in the smsdesk group"
	run_sys user add "$u" --role staff --tenant "Main St" --password-stdin <<<"tmp-$u-pass"
	run_sys user expire "$u" </dev/null
done

# one scheduler: the unit's ExecStart as its User/Group, in its WorkingDirectory, with its
# UMask and a clean environment, as systemd would start it
unit_get() { sed -n "s/^$2=//p" "$1" | tail -1; }
EXEC=$(unit_get "$UNIT" ExecStart) SU=$(unit_get "$UNIT" User) SG=$(unit_get "$UNIT" Group)
[ "$SU:$SG" = smsdesk:smsdesk ] && [ "${EXEC%% *}" = $SD ] || fail "unexpected unit: $EXEC as $SU:$SG"
(cd "$(unit_get "$UNIT" WorkingDirectory)" && umask "$(unit_get "$UNIT" UMask)" &&
	exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 setpriv --reuid="$SU" --regid="$SG" --init-groups --no-new-privs \
		$EXEC) >"$T/sched.out" 2>"$T/sched.err" </dev/null 9>&- &
SCHED_PID=$!
note "pid $SCHED_PID"
wait_for 60 "the scheduler to take the sync lease" grep -q 'lease.taken' "$T/sched.err"
[ "$(stat -c %U "/proc/$SCHED_PID")" = smsdesk ] || fail "the scheduler does not run as smsdesk"
ok

# ---- what a staff account cannot do ----
for f in $DBF $KEYF; do
	as_rc 1 "$ANN" "" "cat '$f' >/dev/null"
	has err "Permission denied"
done
as_rc 2 "$ANN" "" "ls /var/lib/smsdesk"
# the first sign-in with the temporary password must choose a new one
as_rc 3 "$ANN" "tmp-$ANN-pass\n" "$SD status"
has err "choose your own"
as_rc 0 "$ANN" "tmp-$ANN-pass\nown-$ANN-pass\n" "$SD passwd --password-stdin"
has out "password changed"
# settings: not with a staff sign-in, not without a sign-in, not through --system
as_rc 3 "$ANN" "own-$ANN-pass\n" "$SD settings set --texting-hours 01:00-02:00"
has err "Only an admin"
as_rc 3 "$ANN" "" "$SD settings set --texting-hours 01:00-02:00"
has err "Wrong username or password"
as_rc 3 "$ANN" "own-$ANN-pass\n" "$SD --system settings set --texting-hours 01:00-02:00"
run_sys settings show </dev/null
has out "00:00-24:00"

# ---- each staff account texts a patient; the scheduler sends ----
# staff_send USER FIRST MOBILE: the new password, a patient, a text queued for the scheduler.
staff_send() {
	local u=$1 pw="own-$1-pass\n" id
	if [ "$u" != "$ANN" ]; then
		as_rc 0 "$u" "tmp-$u-pass\n$pw" "$SD passwd --password-stdin"
	fi
	as_rc 0 "$u" "$pw" "$SD patient add --first $2 --last Patient --mobile '$3'"
	id=$(sed -n 's/^added patient \([0-9]*\):.*/\1/p' "$T/out")
	[ -n "$id" ] || fail "no patient id in: $(cat "$T/out")"
	as_rc 0 "$u" "$pw" "$SD send --patient $id --body 'Hello from $2'"
	has out "holds the sync lease and will send it"
}
staff_send "$ANN" Ann "(555) 222-3333"
staff_send "$BOB" Bob "(555) 444-5555"
t0=$SECONDS
sim_stat() { curl -sf "$BASE/sim/stats" | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"; }
sent_two() { [ "$(sim_stat outbound)" = 2 ]; }
# the long-running scheduler passes on each minute
wait_for 150 "the scheduler to send both texts" sent_two
T_DRAIN=$((SECONDS - t0))
wait_for 30 "the scheduler to log its pass" grep -q 'sent=[12] ' "$T/sched.err"
as_rc 0 "$ANN" "own-$ANN-pass\n" "$SD messages"
has out "Hello from Ann"
has out "Hello from Bob"
as_rc 0 "$BOB" "own-$BOB-pass\n" "$SD status"
has out "scheduler:  running"
has out "scheduler@"
[ "$(sim_stat duplicates)" = 0 ] || fail "the simulator saw duplicate sends"
ok
[ -e $DBF-wal ] && as_rc 1 "$ANN" "" "cat '$DBF-wal' >/dev/null"

# the nightly backup: the backup unit's command as smsdesk, into /var/backups/smsdesk
BEXEC=$(unit_get "$BUNIT" ExecStart | sed 's/%%/%/g')
(cd / && umask "$(unit_get "$BUNIT" UMask)" &&
	eval "exec env -i PATH=/usr/bin:/bin setpriv --reuid=smsdesk --regid=smsdesk --init-groups $BEXEC") \
	>"$T/out" 2>"$T/err" </dev/null 9>&- || fail "the backup unit's command"
BK=$(ls /var/backups/smsdesk/smsdesk-*.db 2>/dev/null | head -1)
[ -n "$BK" ] || fail "no backup in /var/backups/smsdesk"
mode_is "$BK" smsdesk:smsdesk 600
run_sys backup --check "$BK" </dev/null
has out "2 messages"

# ---- 4. stop the scheduler, purge, remove what the package keeps ----
kill -TERM $SCHED_PID
sched_done() { case $(awk '{print $3}' "/proc/$SCHED_PID/stat" 2>/dev/null) in Z | "") true ;; *) false ;; esac; }
wait_for 60 "the scheduler to stop on SIGTERM" sched_done
wait $SCHED_PID
rc=$?
[ "$rc" = 0 ] || fail "the scheduler exited $rc on SIGTERM"
grep -q 'lease.released' "$T/sched.err" || fail "the scheduler did not release its lease"
ok
stop_pid "$SIM_PID"
t0=$SECONDS
dpkg --purge smsdesk >"$T/out" 2>"$T/err" 9>&- || fail "dpkg --purge smsdesk"
T_PURGE=$((SECONDS - t0))
[ ! -e $SD ] || fail "$SD is still there after the purge"
[ ! -e /usr/share/man/man1/smsdesk.1 ] && [ ! -e "$UNIT" ] || fail "man page or unit left after the purge"
st=$(dpkg-query -W -f='${db:Status-Status}' smsdesk 2>/dev/null)
[ -z "$st" ] || [ "$st" = not-installed ] || fail "smsdesk is '$st' after the purge"
! dpkg-statoverride --list $SD >/dev/null 2>&1 || fail "the purge left the dpkg-statoverride of $SD"
ok
# the patients' messages and the key stay until a person removes them (README: Uninstall)
[ -f $DBF ] && [ -f $KEYF ] && getent passwd smsdesk >/dev/null || fail "the purge removed the clinic's data"
ok
deluser --system smsdesk >"$T/out" 2>"$T/err" || fail "deluser --system smsdesk"
rm -r $DIRS || fail "rm -r $DIRS"
for u in $ANN $BOB; do userdel "$u" || fail "userdel $u"; done
for u in smsdesk $ANN $BOB; do
	! getent passwd "$u" >/dev/null && ! getent group "$u" >/dev/null || fail "user or group $u left"
done
for p in $DIRS; do [ ! -e "$p" ] || fail "$p left"; done
ok
rm -f "$STATE"
echo "ok ($OPS_NAME): $CHECKS checks; cpack ${T_CPACK}s, dpkg -i ${T_INSTALL}s, drain ${T_DRAIN}s (next minute)," \
	"purge ${T_PURGE}s, total $((SECONDS - STARTED))s"
