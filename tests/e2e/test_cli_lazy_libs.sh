#!/usr/bin/env bash
# libcurl and libmicrohttpd are loaded at their first use (src/curlload.c, src/mhdload.c), and
# libchafa, libjpeg and libpng at the first photo (ui/photo_lib.c), not at exec: their ~45
# libraries cost ~25 ms of CPU that the console's start and most commands do not need
# (issue 15). The loader's own trace (LD_DEBUG=files, honoured for a non-setgid
# process) says what was loaded.
source "$(dirname "$0")/lib_ops.sh" "$1"

# loaded: what the loader opened while running smsdesk ARGS (stderr), in $T/loaded
loaded() {
	LD_DEBUG=files "$B" "$@" >"$T/out" 2>"$T/ld" </dev/null
	grep -o 'file=[^ ]*' "$T/ld" | sort -u >"$T/loaded"
}

loaded --version
grep -q 'file=libsqlite3' "$T/loaded" || fail "the loader trace is empty: $(head -c 300 "$T/ld")"
! grep -q 'file=libcurl' "$T/loaded" || fail "smsdesk --version loaded libcurl"
! grep -q 'file=libmicrohttpd' "$T/loaded" || fail "smsdesk --version loaded libmicrohttpd"
# the photo libraries (ui/photo_lib.c) wait for the first photo: with glib and pcre2 they
# cost ~4 ms of every start
for lib in libchafa libjpeg libpng libglib; do
	! grep -q "file=$lib" "$T/loaded" || fail "smsdesk --version loaded $lib"
done
ok
ops_clinic # its simulator (smsdesk sim) answered: libmicrohttpd loads when needed
loaded patient list
! grep -q 'file=libcurl' "$T/loaded" || fail "patient list (no network) loaded libcurl"
! grep -q 'file=libmicrohttpd' "$T/loaded" || fail "patient list loaded libmicrohttpd"
ok
# a send needs it, once, and works through it
loaded send --patient 1 --body "Lazy curl check"
grep -q 'file=libcurl.so.4' "$T/loaded" || fail "send did not load libcurl.so.4 ($(cat "$T/loaded" | tr '\n' ' '))"
has out "sent: message"
echo "ok (test_cli_lazy_libs): $CHECKS checks"
