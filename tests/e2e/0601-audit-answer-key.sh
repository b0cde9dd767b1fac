#!/bin/sh
# 0601: the generator's planted datasets through `crmgov run --once` with the
# audit layer: `crmgov findings --layer audit` (every state: a missed day or
# a burst clears when its window passes) equals the answer key's AUD entries
# exactly -- no misses, no extras -- and the healthy control datasets raise
# no audit finding at all. One dataset is also fed in five runs (a run every
# few weeks of event time): the snapshot each run leaves carries records,
# pending deadlines and today's counts, so the findings are the same in
# every detail (evidence, first and last seen) as those of one run.
#
# AUD004 needs 80 days and enough won deals a week to be planted (the
# dataset with --records 10000 --days 90); the default options judge
# everything else.
. "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || skip "crmgov-gen is not built"
setup

project='[.[] | [.rule, .system, (.automation // "-"), (.subject // "-")] | join(" ")] | sort | .[]'

config() {
  write_config "[connector:in]
plugin = jsonl
path = $1
[layer:audit]
plugin = audit"
}

fresh() {
  rm -f crmgov.db crmgov.db-wal crmgov.db-shm
}

check_dataset() {
  name=$1; shift
  fresh
  "$GEN" "$@" -o "$name.jsonl" 2> gen.err || fail "$name: crmgov-gen $*: $(cat gen.err)"
  config "$name.jsonl"
  expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
  expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer audit --state all --format json
  got=$(printf '%s' "$OUT" | jq -r "$project")
}

for args in "--seed 1" "--seed 2 --days 45" "--seed 7 --days 30 --records 3000" \
            "--seed 3 --systems 1" "--seed 5 --systems 4 --automations 20" "--seed 6 --events 9000" \
            "--seed 1 --records 10000 --days 90"; do
  # shellcheck disable=SC2086
  check_dataset planted --plant --answer-key key.json $args
  want=$(jq -r '[.[] | select(.rule | startswith("AUD"))]' key.json | jq -r "$project")
  expect_eq "$want" "$got" "planted ($args): findings equal the answer key"
done
# the last one holds every rule and subject
expect_eq "AUD001 AUD002 AUD003:no-trigger AUD003:spike AUD003:wrong-object AUD004 AUD005 AUD006 AUD007" \
  "$(printf '%s\n' "$got" | awk '{print $1 ($1 == "AUD003" ? ":" $4 : "")}' | sort -u | tr '\n' ' ' | sed 's/ $//')"

# the same dataset in five runs, each resuming from the previous one's snapshot
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer audit --state all --format json
one_run=$(printf '%s' "$OUT" | jq -S -c 'sort_by(.rule, .system, .automation, .subject) | .[]')
n=$(wc -l < planted.jsonl)
split -l $((n / 5 + 1)) planted.jsonl part.
fresh
for part in part.*; do
  config "$part"
  expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
done
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer audit --state all --format json
expect_eq "$one_run" "$(printf '%s' "$OUT" | jq -S -c 'sort_by(.rule, .system, .automation, .subject) | .[]')" \
  "five runs find exactly what one run finds"

# the healthy world: nothing at all, in any state
for args in "--seed 1" "--seed 7 --days 30 --records 3000" "--seed 5 --systems 4 --automations 20 --days 90" \
            "--seed 1 --records 10000 --days 90"; do
  # shellcheck disable=SC2086
  check_dataset control $args
  expect_eq "" "$got" "the control dataset ($args) raises no audit finding"
done
