# tests/e2e/lib.sh -- helpers for the end-to-end tests, sourced by each
# tests/e2e/NNNN-name.sh. Every test drives the real build/crmgov binary and
# real plugins on files in its own scratch folder ($T), which is removed when
# the test ends. A test exits 0 on success, 1 on failure, 77 when skipped.
#
#   setup                   make $T and cd into it; $CRMGOV is the binary
#   write_config [SECTIONS] write $T/crmgov.ini ([core] + the given text)
#   expect_exit N CMD...    run CMD, require exit status N; output in $OUT/$ERR
#   expect_eq WANT GOT MSG  string equality
#   expect_file_eq FILE TEXT
#   expect_contains TEXT HAYSTACK MSG
#   fail MSG                report and exit 1
#   skip MSG                exit 77

set -u
SRC=${CRMGOV_SOURCE_DIR:-$(pwd)}
BUILDDIR=${CRMGOV_BUILD_DIR:-$SRC/build}
CRMGOV="$BUILDDIR/crmgov"
PLUGINS="$BUILDDIR/plugins"
GEN="$BUILDDIR/crmgov-gen"
TESTNAME=$(basename "$0" .sh)

fail() { echo "FAIL [$TESTNAME]: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

setup() {
  T=$(mktemp -d "/tmp/crmgov-e2e-XXXXXX")
  trap 'cd /; rm -rf "$T"' EXIT
  cd "$T" || exit 1
}

write_config() {
  {
    printf '[core]\ndatabase = %s/crmgov.db\nplugin_dir = %s\nlog_level = warn\n' "$T" "$PLUGINS"
    [ $# -gt 0 ] && printf '%s\n' "$1"
  } > "$T/crmgov.ini"
}

# expect_exit STATUS CMD ARGS... -- stdout in $OUT, stderr in $ERR
expect_exit() {
  want=$1; shift
  OUT=$("$@" 2>"$T/.stderr"); got=$?
  ERR=$(cat "$T/.stderr")
  if [ "$got" != "$want" ]; then
    echo "command: $*" >&2; echo "stdout: $OUT" >&2; echo "stderr: $ERR" >&2
    fail "exit status $got, expected $want"
  fi
}

expect_eq() {
  if [ "$1" != "$2" ]; then
    printf 'expected: %s\n     got: %s\n' "$1" "$2" >&2
    fail "${3:-values differ}"
  fi
}

expect_contains() {
  case "$2" in
    *"$1"*) ;;
    *) printf 'expected to find: %s\n in: %s\n' "$1" "$2" >&2; fail "${3:-text missing}" ;;
  esac
}

expect_file_eq() {
  printf '%s\n' "$2" > "$T/.expected"
  if ! cmp -s "$T/.expected" "$1"; then
    diff -u "$T/.expected" "$1" >&2
    fail "file $1 differs"
  fi
}
