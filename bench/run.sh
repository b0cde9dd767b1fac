#!/bin/sh
# bench/run.sh -- `make bench`: runs every bench/*.sh in name order. Each one
# prints its own figures; none of them is a test (nothing here fails on a
# number). Set BENCH_ONLY=name to run one (e.g. BENCH_ONLY=ingest).
set -eu
BUILD=${BUILD:-build}
export CRMGOV_BUILD_DIR=$(cd "$BUILD" && pwd)
export CRMGOV_SOURCE_DIR=$(pwd)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
for b in bench/*.sh; do
  [ "$b" = bench/run.sh ] && continue
  name=$(basename "$b" .sh)
  [ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$name" ] && continue
  echo
  echo "== $name"
  sh "$b"
done
