#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build and run the whole test suite.  It installs nothing: the packages are those of
# tools/scripts/setup-debian.sh.  Four builds, each in its own folder:
#   build-cov   debug, coverage, warnings as errors: the default tier (suites unit and
#               cli), the coverage report with the floors of model/, and every transition
#               of the probe state machine driven by the corpus;
#   build-asan  AddressSanitizer and UndefinedBehaviorSanitizer: the default tier again,
#               but for the CLI tests of suite heavy (campaigns and explorations over
#               code the unit tests run under the sanitizers already);
#   build-rel   release with assertions: the slow tier (suite slow), and the same traces
#               at -O0 and -O3 (the determinism check);
#   build-fuzz  clang and libFuzzer: the scenario parser fuzzed for 30 s.
# Ends with a line `tests: N passed, N failed` and exits non-zero if anything failed.
set -eu
cd "$(dirname "$0")/../.."

setup() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0

setup build-cov -Dbuildtype=debug -Db_coverage=true -Dwerror=true
rm -f build-cov/meson-logs/testlog.json
find build-cov -name '*.gcda' -delete
meson test -C build-cov --print-errorlogs || status=1
# coro.c is also built into the portable-backend test with other line numbers, which
# gcov cannot merge with the engine's copy: that test's counts stay out of the report.
find build-cov -path '*test_coro_sjlj*' \( -name '*.gcda' -o -name '*.gcno' \) -delete
mkdir -p build-cov/coverage
gcovr --root . --object-directory build-cov --exclude 'tests/' \
	--html-details build-cov/coverage/index.html --print-summary \
	--txt build-cov/coverage/summary.txt >/dev/null
echo "coverage (lines/branches, excluding tests/):"
sed -n '/^TOTAL/p' build-cov/coverage/summary.txt
echo "coverage report: build-cov/coverage/index.html"
# Floors for the port, the checker and the environment (model/): they only go up.
if ! gcovr --root . --object-directory build-cov --filter 'model/' --print-summary \
	--fail-under-line 95 --fail-under-branch 85 --txt build-cov/coverage/model-files.txt \
	> build-cov/coverage/model.txt
then
	echo "coverage: model/ fell below its floor (95% lines, 85% branches)"
	status=1
fi
sed 's/^/model\/ /' build-cov/coverage/model.txt
# Every transition of the probe state machine (docs/states.md) is driven by the corpus.
build-cov/tools/kpsim run --coverage scenarios/ > build-cov/coverage/transitions.txt || status=1
grep '^state-machine transitions seen' build-cov/coverage/transitions.txt || true
if ! grep -Eq '^state-machine transitions seen: ([0-9]+) of \1 ' \
	build-cov/coverage/transitions.txt
then
	cat build-cov/coverage/transitions.txt
	echo "coverage: a transition of the state machine is never seen by the corpus"
	status=1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
rm -f build-asan/meson-logs/testlog.json
meson test -C build-asan --no-suite heavy --print-errorlogs || status=1

# The slow tier in a release build (assertions stay on: b_ndebug=false is the project's
# default).
setup build-rel -Dbuildtype=release -Dwerror=true
rm -f build-rel/meson-logs/testlog-slow.json
meson test -C build-rel --setup slow --suite slow --print-errorlogs || status=1

# The same scenarios and schedules give byte-identical traces at -O0 (build-cov) and
# -O3 (build-rel).
python3 tools/scripts/check-determinism.py build-cov/tools/kpsim build-rel/tools/kpsim \
	scenarios || status=1

# The scenario parser under libFuzzer (clang), for a bounded time, from the corpus and
# the malformed files.  libFuzzer adds inputs to its first corpus folder: a scratch copy.
CC=clang setup build-fuzz -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
if ninja -C build-fuzz tests/fuzz/fuzz_scenario >/dev/null; then
	rm -rf build-fuzz/corpus && mkdir -p build-fuzz/corpus
	cp tests/data/scenarios-bad/*.kps build-fuzz/corpus/
	find scenarios -name '*.kps' -exec cp {} build-fuzz/corpus/ \;
	if build-fuzz/tests/fuzz/fuzz_scenario -max_total_time=30 -print_final_stats=1 \
		-dict=tools/fuzzing/kpsim.dict build-fuzz/corpus >build-fuzz/fuzz.log 2>&1; then
		echo "fuzz: $(grep -o 'stat::number_of_executed_units: [0-9]*' build-fuzz/fuzz.log |
			sed 's/.*: //') inputs in 30 s, no crash"
	else
		tail -40 build-fuzz/fuzz.log
		echo "fuzz: the scenario parser crashed (build-fuzz/fuzz.log)"
		status=1
	fi
else
	echo "fuzz: the libFuzzer build failed"
	status=1
fi

python3 tools/scripts/test-summary.py build-cov/meson-logs/testlog.json \
	build-asan/meson-logs/testlog.json build-rel/meson-logs/testlog-slow.json || status=1
exit $status
