#!/bin/sh
# bench/change.sh -- the change layer's benchmark figures (`make bench`).
#
# 1. bench/change/change_bench: the cross-automation analysis on its own --
#    100k automations over 1k systems, full analysis and one incremental
#    change (targets: < 2 s and < 5 ms).
# 2. The same inventory through the real store: ingesting its 100k
#    automation events without and with the layer, and the layer loading the
#    stored inventory (what `crmgov run` or a `crmgov change`/`check` command
#    pays once at start: read, compile and analyse everything).
#
# Uses $BUILD (default build) for the binaries; writes scratch files under a
# temporary folder and removes them. Prints figures; never fails on them.
set -eu
BUILD=${BUILD:-build}
CC=${CC:-cc}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN="$BUILD/bench/change_bench"
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
$CC -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$SRC/include" -I"$SRC/plugins" \
  $(pkg-config --cflags libcjson) "$SRC/bench/change/change_bench.c" \
  "$SRC/plugins/layers/change/chg_util.c" "$SRC/plugins/layers/change/chg_def.c" \
  "$SRC/plugins/layers/change/chg_engine.c" -o "$BIN" $(pkg-config --libs libcjson)

"$BIN"

CRMGOV="$BUILD/crmgov"
if [ ! -x "$CRMGOV" ] || [ ! -f "$BUILD/plugins/change.so" ]; then
  echo "  (store figures skipped: build crmgov and the plugins first)"
  exit 0
fi
T=$(mktemp -d /tmp/crmgov-bench-change-XXXXXX)
trap 'rm -rf "$T"' EXIT
PLUGDIR=$(cd "$BUILD/plugins" && pwd)
"$BIN" --emit "$T/inventory.jsonl"
config() { # config NAME WITH_CONNECTOR WITH_LAYER
  {
    printf '[core]\ndatabase = %s/%s.db\nplugin_dir = %s\nlog_level = warn\n' "$T" "$1" "$PLUGDIR"
    [ "$2" = 1 ] && printf '[connector:in]\nplugin = jsonl\npath = %s/inventory.jsonl\n' "$T"
    [ "$3" = 1 ] && printf '[layer:change]\nplugin = change\n'
  } > "$T/$1-$2$3.ini"
  printf '%s' "$T/$1-$2$3.ini"
}
ms() { date +%s%N | cut -c1-13; }

start=$(ms); "$CRMGOV" run --once -c "$(config bare 1 0)" > /dev/null; bare=$(( $(ms) - start ))
start=$(ms); "$CRMGOV" run --once -c "$(config layered 1 1)" > /dev/null; layered=$(( $(ms) - start ))
start=$(ms); "$CRMGOV" reviews due --within 0d -c "$(config bare 0 1)" > /dev/null; load=$(( $(ms) - start ))
findings=$("$CRMGOV" findings -c "$(config layered 0 0)" --layer change --format csv | tail -n +2 | wc -l)
echo "through the store (same 100000 automations, 1000 systems):"
echo "  ingest without layers:          $bare ms"
echo "  ingest with the change layer:   $layered ms ($findings open change findings)"
echo "  layer start on a stored inventory (read + compile + full analysis, whole command): $load ms"
