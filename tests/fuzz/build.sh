#!/bin/sh
# tests/fuzz/build.sh -- builds every tests/fuzz/fuzz_*.c as a libFuzzer
# target in build/fuzz/ (clang, -fsanitize=fuzzer,address,undefined).
# `make fuzz` runs this; it is not part of `make test`. Run a target with e.g.
#   build/fuzz/fuzz_config -max_total_time=60 tests/fuzz/corpus/config
#
# A target links the core library objects (built fresh with fuzzing flags)
# and, when a file tests/fuzz/fuzz_NAME.deps exists, the extra sources and
# pkg-config packages listed there ("src: a.c b.c" / "pkgs: libxml-2.0").
set -eu
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)" >&2; exit 1; }
out=build/fuzz
mkdir -p "$out/obj"
flags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined"
core_pkgs="sqlite3 inih libcjson libsodium"
make -s build/gen/schema_sql.c
objs=""
for src in core/*.c build/gen/schema_sql.c; do
  case "$src" in core/main.c) continue ;; esac
  o="$out/obj/$(echo "$src" | tr / _).o"
  clang $flags -Iinclude -Icore $(pkg-config --cflags $core_pkgs) -c "$src" -o "$o"
  objs="$objs $o"
done
for target in tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  extra_src=""; extra_pkgs=""
  if [ -f "tests/fuzz/$name.deps" ]; then
    extra_src=$(sed -n 's/^src: *//p' "tests/fuzz/$name.deps")
    extra_pkgs=$(sed -n 's/^pkgs: *//p' "tests/fuzz/$name.deps")
  fi
  # shellcheck disable=SC2086
  clang $flags -fsanitize=fuzzer -Iinclude -Icore -Iplugins $(pkg-config --cflags $core_pkgs $extra_pkgs) \
    "$target" $extra_src $objs -o "$out/$name" $(pkg-config --libs $core_pkgs $extra_pkgs) -ldl -lpthread -lm
  echo "built $out/$name"
done
