#!/bin/sh
# Builds crmgov-gen and its unit test outside the top-level Makefile.
# usage: tools/crmgov-gen/build.sh [extra CFLAGS...]   (run from the repo root)
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build
CFLAGS="-std=gnu11 -O2 -Wall -Wextra -Werror $*"
PKGS="libsodium libcjson"
SRC="tools/crmgov-gen/*.c"
# shellcheck disable=SC2086
gcc $CFLAGS $(pkg-config --cflags $PKGS) $SRC -o build/crmgov-gen $(pkg-config --libs $PKGS) -lm
LIBSRC=$(ls tools/crmgov-gen/*.c | grep -v '/main\.c$')
# shellcheck disable=SC2086
gcc $CFLAGS -Itools/crmgov-gen $(pkg-config --cflags $PKGS cmocka) tests/unit/test_gen.c $LIBSRC \
    -o build/test_gen $(pkg-config --libs $PKGS cmocka) -lm
