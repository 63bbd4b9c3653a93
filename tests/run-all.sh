#!/usr/bin/env bash
# Builds smsdesk twice (plain, then with ASan + UBSan) and runs every test with ctest in both.
# Both suites always run, so a failing plain build cannot hide the sanitizer run's result;
# the script prints one summary line per suite and fails if either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

# The tests read only what is inside the repository (tests/data/...), never ../shared.
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMSDESK_WERROR=ON "$@" >/dev/null &&
    cmake --build "$dir" -j"$jobs" &&
    ctest_with_rerun "$dir"
}

# A test that fails is run once more (timing on a loaded 2-core CI machine); one that then
# passes is still named in the log as flaky, so it gets fixed rather than forgotten.
# A test that fails twice fails the suite.
ctest_with_rerun() {
  local log rc
  log=$(mktemp)
  ctest --test-dir "$1" --output-on-failure -j"$jobs" --repeat until-pass:2 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  grep -oE 'Test +#[0-9]+: [^ ]+ \.+\*+(Failed|Exception|Timeout)' "$log" | awk '{print $3}' | sort -u |
    while read -r t; do echo "failed at least once (see its rerun above): $t"; done
  rm -f "$log"
  return "$rc"
}

echo "== plain build =="
run_suite build
plain=$?
echo "== sanitizer build (ASan + UBSan) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
  run_suite build-asan -DSMSDESK_SANITIZE=ON
asan=$?

word() { if [ "$1" -eq 0 ]; then echo passed; else echo "FAILED (exit $1)"; fi; }
echo "== summary =="
echo "plain build: $(word $plain)"
echo "sanitizer build: $(word $asan)"
[ "$plain" -eq 0 ] && [ "$asan" -eq 0 ]
