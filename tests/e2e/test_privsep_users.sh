#!/usr/bin/env bash
# Privilege separation with real Unix accounts: the binary installed setgid into a temp
# prefix with its root-owned configuration, the data owned by a service account, two staff
# accounts texting through it and one scheduler, and what a staff account cannot do.
# Needs root (useradd, chown); skipped with a message otherwise. $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP ($OPS_NAME): needs root to create Unix accounts and install setgid"
	exit 0
fi
for c in useradd userdel groupadd groupdel su; do
	command -v $c >/dev/null || { echo "SKIP ($OPS_NAME): $c is missing"; exit 0; }
done

# ---- accounts: a group and service user (the .deb's smsdesk), two staff, one outsider ----
TAG=$$
G=sdg$TAG SVC=sds$TAG ANN=sdann$TAG BOB=sdbob$TAG EVE=sdeve$TAG
OPS_CLEANUP_HOOK=cleanup_accounts
cleanup_accounts() {
	for u in $ANN $BOB $EVE $SVC; do userdel "$u" >/dev/null 2>&1; done
	groupdel "$G" >/dev/null 2>&1
}
groupadd -r "$G" || fail "groupadd"
useradd -r -g "$G" -M -d /nonexistent -s /usr/sbin/nologin "$SVC" || fail "useradd $SVC"
for u in $ANN $BOB $EVE; do useradd -M -d /nonexistent -s /bin/bash "$u" || fail "useradd $u"; done
ok

# ---- install: binary 2755 root:G, root-owned configuration, data folders ----
P=$T/prefix
install -d -m 0755 "$P/bin" "$P/etc/smsdesk"
install -m 2755 -o root -g "$G" "$B" "$P/bin/smsdesk"
SD=$P/bin/smsdesk
VAR=$T/var/lib/smsdesk ETC=$T/etc/smsdesk LOGD=$T/var/log/smsdesk
install -d -m 0755 "$T/var" "$T/var/lib" "$T/var/log" "$T/etc"
install -d -m 2770 -o "$SVC" -g "$G" "$VAR"
install -d -m 0755 -o "$SVC" -g "$G" "$VAR/anchor"
install -d -m 0750 -o root -g "$G" "$ETC"
install -d -m 2770 -o root -g "$G" "$LOGD"
install -m 0660 -o root -g "$G" /dev/null "$LOGD/console.log"
cat >"$P/etc/smsdesk/smsdesk.conf" <<CONF
# paths of this install (root-owned: the setgid binary trusts nothing else)
db = $VAR/smsdesk.db
key_file = $ETC/key
audit_anchor = $VAR/anchor/audit.anchor
console_log = $LOGD/console.log
CONF
chmod 0644 "$P/etc/smsdesk/smsdesk.conf"
DBF=$VAR/smsdesk.db KEYF=$ETC/key

# ---- the administrator (root) sets the clinic up ----
runsys() { "$SD" --system "$@"; }
runsys init >"$T/out" 2>"$T/err" || fail "init as root"
has out "$DBF"
chown "$SVC:$G" "$DBF" && chmod 0660 "$DBF" && chown "root:$G" "$KEYF" && chmod 0640 "$KEYF" || fail "chown"
ok
ops_start_sim
runsys tenant add "Main St" --timezone America/Chicago >/dev/null || fail "tenant add"
runsys tenant add "Oak Ave" --timezone America/Chicago >/dev/null || fail "tenant add 2"
printf '%s\n' "$TOKEN" | runsys --tenant "Main St" settings set --account-sid "$SID" --from "$FROM" --texting-hours 00:00-24:00 \
	--api-base "$BASE" --auth-token-stdin >/dev/null || fail "settings"
printf '%s\n' "$TOKEN" | runsys --tenant "Oak Ave" settings set --account-sid "$SID" --from "$FROM" --texting-hours 00:00-24:00 \
	--api-base "$BASE" --auth-token-stdin >/dev/null || fail "settings 2"
runsys --tenant "Main St" patient add --first Pat --last One --mobile "(555) 222-3333" >/dev/null || fail "patient"
runsys --tenant "Oak Ave" patient add --first Oak --last Two --mobile "(555) 444-5555" >/dev/null || fail "patient 2"
PW_ANN='ann-temporary-1' PW_BOB='bob-password-22' PW_NEW='ann-own-password-3'
printf '%s\n' "$PW_ANN" | runsys user add "$ANN" --role staff --tenant "Main St" --password-stdin >/dev/null || fail "user add ann"
printf '%s\n' "$PW_BOB" | runsys user add "$BOB" --role staff --tenant "Oak Ave" --password-stdin >/dev/null || fail "user add bob"
runsys user expire "$ANN" >"$T/out" 2>"$T/err" || fail "user expire"
has out "new password at the next sign-in"
ok

# ---- a staff account cannot reach the files ----
for f in "$DBF" "$KEYF" "$VAR/anchor/audit.anchor"; do
	as_rc 1 "$ANN" "" "cat '$f' >/dev/null"
done
as_rc 2 "$ANN" "" "ls '$VAR' >/dev/null"
has err "Permission denied"
if command -v sqlite3 >/dev/null; then
	as_rc 1 "$ANN" "" "sqlite3 '$DBF' 'SELECT body FROM sms_messages'"
fi
as_rc 1 "$ANN" "" "echo x >>'$VAR/anchor/audit.anchor'"
# ... nor point the binary at other files, nor steer it with the environment.
as_rc 64 "$ANN" "" "'$SD' --db /tmp/mine.db status"
has err "cannot be given"
as_rc 64 "$ANN" "" "'$SD' --key-file /tmp/key status"

# ---- sign-in: wrong password, a forced change, the new password ----
as_rc 3 "$ANN" "wrong-password-x\n" "'$SD' status"
has err "Wrong username or password"
as_rc 3 "$EVE" "anything-at-all\n" "'$SD' status"
has err "Wrong username or password"
as_rc 3 "$ANN" "$PW_ANN\n" "'$SD' status"
has err "choose your own"
as_rc 0 "$ANN" "$PW_ANN\n$PW_NEW\n" "'$SD' passwd --password-stdin"
has out "password changed"
as_rc 3 "$ANN" "$PW_ANN\n" "'$SD' status"
# Environment that would redirect a normal run is ignored (here: a database that does not
# exist, a dead proxy, a fake clock); the login name is the default --user.
as "$ANN" "$PW_NEW\n" "SMSDESK_DB=/nonexistent/x.db HTTPS_PROXY=http://127.0.0.1:9 SMSDESK_FAKE_NOW=1 '$SD' status"
grep -q "scheduler:" "$T/out" || fail "status as ann did not run: $(cat "$T/err")"
ok
has out "$DBF"

# ---- what staff may not do ----
as_rc 3 "$ANN" "$PW_NEW\n" "'$SD' settings set poll_seconds 30"
has err "Only an admin"
as_rc 3 "$ANN" "$PW_NEW\n" "'$SD' settings show"
as_rc 3 "$ANN" "$PW_NEW\nx-password-123\n" "'$SD' user add mallory --role admin --password-stdin"
has err "Only an admin"
as_rc 3 "$ANN" "$PW_NEW\n" "'$SD' audit export --since 2000-01-01"
as_rc 3 "$ANN" "$PW_NEW\n" "'$SD' audit verify"
as_rc 3 "$ANN" "" "'$SD' backup /tmp/sd-ann-$TAG.db"
has err "only the system administrator"
[ ! -e "/tmp/sd-ann-$TAG.db" ] || fail "a staff backup was written"
ok
as_rc 3 "$ANN" "" "'$SD' init"
as_rc 3 "$ANN" "" "'$SD' --scheduler --once"
as_rc 3 "$ANN" "" "'$SD' restore /tmp/x.db --yes"
as_rc 3 "$ANN" "$PW_NEW\n" "'$SD' patient delete 1 --yes"
# A file the caller names is opened with the caller's rights, not the group's.
as_rc 1 "$ANN" "$PW_NEW\n" "'$SD' import patients '$KEYF' --dry-run"
has err "Permission denied"
# Bob works at Oak Ave only.
as_rc 3 "$BOB" "$PW_BOB\n" "'$SD' --tenant 'Main St' messages"
has err "not assigned"

# ---- two staff accounts text their patients; one scheduler sends and polls ----
as_rc 0 "$ANN" "$PW_NEW\n" "'$SD' send --patient 1 --body 'Hello from Ann'"
as_rc 0 "$BOB" "$PW_BOB\n" "'$SD' send --patient 2 --body 'Hello from Bob'"
su -s /bin/bash "$SVC" -c "cd / && '$SD' --system --scheduler --once" >"$T/out" 2>"$T/err" ||
	[ $? = 4 ] || fail "the scheduler pass as $SVC failed: $(tail -3 "$T/err")"
ok
has err "audit.anchor count="
delivered() {
	su -s /bin/bash "$SVC" -c "cd / && '$SD' --system --scheduler --once" >/dev/null 2>&1
	as "$ANN" "$PW_NEW\n" "'$SD' messages" && grep -q "Hello from Ann" "$T/out" && grep -q delivered "$T/out"
}
wait_for 20 "Ann's message to be delivered" delivered
as_rc 0 "$BOB" "$PW_BOB\n" "'$SD' messages"
has out "Hello from Bob"
lacks out "Hello from Ann"
as_rc 0 "$ANN" "$PW_NEW\n" "'$SD' status"
has out "scheduler:  running"

# ---- the trail: who ran what, and the anchor the staff cannot touch ----
runsys audit list --action cli.run >"$T/out" 2>"$T/err" || fail "audit list as root"
has out "$ANN"
has out "$BOB"
runsys audit verify >"$T/out" 2>"$T/err" || fail "audit verify: $(cat "$T/out" "$T/err")"
has out "still holds entry"
[ "$(stat -c %U:%a "$VAR/anchor/audit.anchor")" = "$SVC:644" ] || fail "anchor owner/mode $(stat -c %U:%a "$VAR/anchor/audit.anchor")"
ok
# The db and its WAL stay group-only.
for f in "$DBF" "$DBF-wal"; do
	[ -e "$f" ] || continue
	m=$(stat -c %a "$f")
	[ "${m: -1}" = 0 ] || fail "$f is mode $m: others can read it"
	ok
done
# Outside a system install: a database with staff accounts that belongs to another Unix
# user is refused while others can read it (patients' messages), and, shared through a
# group instead, still asks for a sign-in and the role.
install -d -m 0755 "$T/plain" "$T/shared"
install -m 0755 "$B" "$T/plain/smsdesk"
cp "$DBF" "$T/shared/s.db" && chown "$ANN" "$T/shared/s.db" && chmod 0666 "$T/shared/s.db" && chmod 0777 "$T/shared"
as_rc 1 "$BOB" "\n" "'$T/plain/smsdesk' --db '$T/shared/s.db' user list"
has err "can be read by others"
chgrp "$(id -gn "$BOB")" "$T/shared/s.db" && chmod 0660 "$T/shared/s.db" || fail "chgrp"
as_rc 3 "$BOB" "\n" "'$T/plain/smsdesk' --db '$T/shared/s.db' user list"
has err "Wrong username or password"
as_rc 3 "$BOB" "$PW_BOB\n" "'$T/plain/smsdesk' --db '$T/shared/s.db' user list"
has err "Only an admin"
echo "ok ($OPS_NAME): $CHECKS checks"
