#!/bin/sh
# The README's main command (`make demo`): ingest the bundled demo data with
# the configuration of this source tree, then show what crmgov found.
# usage: examples/demo/run.sh [build-dir]
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
crmgov="$BUILD/crmgov"
config=conf/crmgov.ini
rm -f build/demo/crmgov.db build/demo/crmgov.db-wal build/demo/crmgov.db-shm
echo "== crmgov run --once -c $config (examples/demo/events.jsonl)"
"$crmgov" run --once -c "$config"
echo
echo "== open findings by layer and rule"
"$crmgov" findings -c "$config" --format csv | tail -n +2 | cut -d, -f1-4 | sort | uniq -c \
  | awk '{ printf "  %-6s %s\n", $1, $2 }' || true
echo
echo "Next: build/crmgov inventory | findings | history SYSTEM/ID | deadletters"
echo "      (they read conf/crmgov.ini of this tree; the database is build/demo/crmgov.db)"
