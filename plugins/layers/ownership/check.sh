#!/bin/sh
# check.sh -- builds the ownership layer's benchmark (bench/own_bench.c, kept
# out of the plugin .so) and runs it; the layer's tests are built by the
# top-level Makefile (tests/plugins/test_ownership*.c, tests/e2e/04xx). Run
# from the repository root:
#   sh plugins/layers/ownership/check.sh [BUILD_DIR]
set -eu
out=${1:-build/ownership}
dir=plugins/layers/ownership
src="$dir/own_index.c $dir/own_rules.c $dir/own_util.c"
mkdir -p "$out"
gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -O2 -g -Iinclude -Iplugins $(pkg-config --cflags libcjson) \
    "$dir/bench/own_bench.c" $src $(pkg-config --libs libcjson) -o "$out/own_bench"
"$out/own_bench"
