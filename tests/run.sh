#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine (as root):
#   1. install the packages it needs (cli/deps.sh test);
#   2. bootstrap autotools;
#   3. build with -Werror and run `make check` (unit tests, fuzz corpus
#      replays, the banned-function check, integration tests through a real
#      nginx and a real Apache);
#   4. build again with AddressSanitizer + UndefinedBehaviorSanitizer and
#      run the same `make check`;
#   5. a short libFuzzer run of every harness (FUZZ_RUNS inputs from
#      FUZZ_SEED: 30000 from seed 1 unless set);
#   6. the README's quick start in a temporary directory
#      (tests/quickstart-check.sh);
#   7. the Debian package: built with dpkg-buildpackage, lintian,
#      installed, served through its nginx snippet, purged
#      (tests/deb-check.sh; one more build of the tree, about 2 min);
#   8. `make distcheck`.
# Build trees go to build-test/ and build-asan/ beside the sources.  Every
# step's failure stops the run with a non-zero exit.  The last line is
# "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)

say() { printf '\n=== %s\n' "$*"; }

say "dependencies"
sh cli/deps.sh test

say "bootstrap"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

total_pass=0
total_fail=0
# Add the counts of one make check run (from its test-suite.log).
count() {
	log=$1/test-suite.log
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0} + ${e:-0}))
}

check() { # dir configure-flags...
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" &&
	    make -s -j"$jobs" check) || {
		count "$dir" 2>/dev/null || true
		for l in "$dir"/tests/*/*.log; do
			grep -qE '^(FAIL|ERROR)' "$l" 2>/dev/null &&
			    { echo "--- $l"; tail -n 60 "$l"; }
		done
		echo "make check failed in $dir"
		echo "$total_pass passed, $((total_fail > 0 ? total_fail : 1)) failed"
		exit 1
	}
	count "$dir"
}

say "build and check (plain, -Werror)"
check build-test

say "build and check (ASan + UBSan)"
# The sanitizers make the code 2 to 3 times slower: the unit suites'
# per-case timeouts (check's tcase_set_timeout, 4 s where none is set)
# are scaled to match (check's CK_TIMEOUT_MULTIPLIER), so a case of 8
# processes at once does not time out on a loaded 2-core machine.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
CK_TIMEOUT_MULTIPLIER=4 \
check build-asan --enable-sanitizers

# A bounded count with a fixed seed; the inputs still differ between runs
# (see run-fuzzers.sh), so a failure here is a new crash: its input is
# printed.  Exploring longer is FUZZ_SECONDS=N sh tests/fuzz/run-fuzzers.sh.
say "fuzzing (${FUZZ_RUNS:=30000} inputs per harness, seed ${FUZZ_SEED:=1})"
if FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED \
    JTA_BUILDDIR="$top/build-test" sh tests/fuzz/run-fuzzers.sh; then
	total_pass=$((total_pass + 1))
else
	rc=$?
	if [ "$rc" -eq 77 ]; then
		echo "fuzzing skipped"
	else
		echo "$total_pass passed, $((total_fail + 1)) failed"
		exit 1
	fi
fi

say "the README's quick start"
if sh tests/quickstart-check.sh; then
	total_pass=$((total_pass + 1))
else
	echo "$total_pass passed, $((total_fail + 1)) failed"
	exit 1
fi

say "the Debian package"
if sh tests/deb-check.sh; then
	total_pass=$((total_pass + 1))
else
	echo "$total_pass passed, $((total_fail + 1)) failed"
	exit 1
fi

say "distcheck"
# The dist tree is read-only: the schema tests use tests/node_modules.
# Its build and its whole `make check` run -j as the steps above do
# (make's jobserver reaches distcheck's inner makes).
if (cd build-test && JTA_NODE_MODULES="$top/tests/node_modules" \
    make -s -j"$jobs" distcheck >distcheck.log 2>&1); then
	total_pass=$((total_pass + 1))
	echo "distcheck passed"
else
	tail -n 80 build-test/distcheck.log
	echo "$total_pass passed, $((total_fail + 1)) failed"
	exit 1
fi

say "done in $(( $(date +%s) - start )) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
