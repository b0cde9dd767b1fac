#!/bin/sh
# tests/run.sh -- runs the whole suite against the binaries in $BUILD:
# unit tests (cmocka), plugin tests (cmocka + SDK harness), then the numbered
# end-to-end tests in tests/e2e/ that drive the real crmgov binary.
# Prints one line per test program and a summary; exits 1 if anything failed.
set -u
BUILD=${BUILD:-build}
export BUILD
export CRMGOV_SOURCE_DIR=$(pwd)
export CRMGOV_BUILD_DIR=$(cd "$BUILD" && pwd)
export CRMGOV_GEN="$CRMGOV_BUILD_DIR/crmgov-gen"
# LeakSanitizer needs ptrace, which some containers refuse; ASan still checks
# every access. Leaks are checked where it works (see docs/architecture.md).
if [ -n "${SANITIZE:-}" ]; then
  export ASAN_OPTIONS="detect_leaks=${CRMGOV_DETECT_LEAKS:-1}:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
failed=0
passed=0
log=$(mktemp)
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  if "$t" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $(basename "$t")"
  else
    failed=$((failed + 1)); echo "FAIL $(basename "$t")"; sed 's/^/    /' "$log" | tail -n 40
  fi
done
for t in tests/e2e/[0-9][0-9][0-9][0-9]-*.sh; do
  [ -f "$t" ] || continue
  if sh "$t" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $(basename "$t")"
  else
    rc=$?
    if [ "$rc" = 77 ]; then echo "SKIP $(basename "$t"): $(tail -n 1 "$log")"; continue; fi
    failed=$((failed + 1)); echo "FAIL $(basename "$t")"; sed 's/^/    /' "$log" | tail -n 40
  fi
done
rm -f "$log"
echo "== $passed passed, $failed failed =="
[ "$failed" = 0 ]
