#!/bin/bash
# The README's main command (`make demo`): ingest the bundled demo data with
# the configuration of this source tree, then show what crmgov found.
# usage: examples/demo/run.sh [build-dir]
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
crmgov="$BUILD/crmgov"
config=conf/crmgov.ini
rm -f build/demo/crmgov.db build/demo/crmgov.db-wal build/demo/crmgov.db-shm build/demo/findings.jsonl
mkdir -p build/demo
echo "== crmgov run --once -c $config (examples/demo/events.jsonl)"
"$crmgov" run --once -c "$config"
echo
echo "== findings (open and resolved), by layer"
"$crmgov" findings -c "$config" --state all --format json \
  | jq -r 'sort_by(.layer, .rule) | .[] | [.layer, .rule, .name, .severity, .state,
           (.automation // "-"), (.subject // "-")] | @tsv' \
  | awk -F'\t' '{ printf "  %-10s %-7s %-26s %-9s %-9s %s %s\n", $1, $2, $3, $4, $5, $6, $7 }'
echo
echo "== every finding raised (open or since resolved) compared with the planted problems"
"$crmgov" findings -c "$config" --state all --format json \
  | jq -c '[.[] | {rule, system, automation, subject}] | sort_by(.rule, .system, .automation, .subject)' \
  > build/demo/found.json
jq -c 'sort_by(.rule, .system, .automation, .subject)' examples/demo/answer-key.json > build/demo/expected.json
if cmp -s build/demo/found.json build/demo/expected.json; then
  echo "  all $(jq length build/demo/expected.json) planted problems found, nothing else"
else
  echo "  differences (< planted, > found):"
  diff <(jq -c '.[]' build/demo/expected.json) <(jq -c '.[]' build/demo/found.json) | grep '^[<>]' | sed 's/^/  /'
fi
echo
"$crmgov" report -c "$config" --format html -o build/demo/report.html
echo "  open it in a browser: $(pwd)/build/demo/report.html"
echo
echo "Next: build/crmgov inventory | findings | history SYSTEM/ID | owners list | change list"
echo "      | metrics SYSTEM/ID | log verify  (they read conf/crmgov.ini of this tree;"
echo "      the database is build/demo/crmgov.db, the JSON Lines export build/demo/findings.jsonl)"
