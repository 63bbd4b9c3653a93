#!/usr/bin/env bash
# Fuzzes every libFuzzer target of tests/fuzz for FUZZ_SECONDS (default 60) each, starting from
# the corpus kept in the repository (tests/fuzz/corpus/<target>/). Nightly, not part of CI's
# time budget: ctest only replays the kept corpus (fuzz__* tests, no clang needed).
# Needs clang (apt-get install clang). New interesting inputs go to a scratch corpus, not into
# the repository; a crash is saved as build-fuzz/artifacts/<target>/crash-* and fails the run:
# fix the bug, then copy the input into tests/fuzz/corpus/<target>/ so CI keeps checking it.
# Usage: tests/fuzz/run.sh [target...]   (default: every tests/fuzz/fuzz_*.c)
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang >/dev/null || { echo "run.sh: clang is needed (apt-get install clang)" >&2; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
CC=clang cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMSDESK_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null &&
	cmake --build "$B" -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}" >"$B/build.log" 2>&1 ||
	{ echo "run.sh: the fuzz build failed: see $B/build.log" >&2; exit 1; }

failed=0
for t in "${targets[@]}"; do
	seeds=tests/fuzz/corpus/$t
	scratch=$B/corpus/$t
	art=$B/artifacts/$t
	mkdir -p "$scratch" "$art"
	[ -d "$seeds" ] || { echo "$t: no corpus directory $seeds" >&2; failed=1; continue; }
	# libFuzzer writes new inputs into the first directory only: the scratch one.
	if "$B/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$scratch" "$seeds" >"$B/$t.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$t.log")
		echo "ok: $t: ${SECONDS_EACH}s, ${execs:-?} runs, corpus $(ls "$scratch" | wc -l) new + $(ls "$seeds" | wc -l) kept"
	else
		echo "FAIL: $t: see $B/$t.log and $art/" >&2
		tail -30 "$B/$t.log" >&2
		failed=1
	fi
done
exit $failed
