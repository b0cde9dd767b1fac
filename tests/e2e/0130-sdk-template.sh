#!/bin/sh
# 0130: the SDK works from an install: `make install DESTDIR=...` puts the
# headers, the harness library and the pkg-config files in place, the
# template plugin builds out of tree from `pkg-config crmgov-plugin` alone,
# passes its harness test, and `crmgov plugin check` accepts it.
. "$(dirname "$0")/lib.sh"
command -v pkg-config >/dev/null || skip "pkg-config is not installed"
setup
root="$T/root"
( cd "$SRC" && make -s install BUILD="${BUILD:-build}" SANITIZE="${SANITIZE:-}" DESTDIR="$root" ) \
  > install.log 2>&1 || { cat install.log >&2; fail "make install failed"; }
[ -f "$root/usr/local/include/crmgov/plugin.h" ] || fail "headers not installed"
[ -f "$root/usr/local/lib/libcrmgov-harness.a" ] || fail "harness not installed"
[ -x "$root/usr/local/bin/crmgov" ] || fail "binary not installed"
[ -f "$root/usr/local/etc/crmgov/crmgov.ini" ] || fail "default configuration not installed"
cp -r "$SRC/sdk/template" tpl
export PKG_CONFIG_PATH="$root/usr/local/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$root"
san=""
[ -n "${SANITIZE:-}" ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
expect_exit 0 make -C tpl test CFLAGS="-O1 -g $san" LDFLAGS="$san"
expect_contains "[  PASSED  ] 3 test(s)." "$OUT$ERR"
expect_exit 0 "$CRMGOV" plugin check tpl/counter.so
expect_contains "PASS counter" "$OUT"
