#!/bin/sh
# 0503: the generator's planted datasets through `crmgov run --once` with the
# change layer: `crmgov findings --layer change` (every state: a planted
# drift is approved by the next regular review, which resolves it) equals the
# answer key's CHG entries exactly -- no misses, no extras -- and the healthy
# control datasets raise no change finding at all. One dataset is also fed
# in two runs (the daemon restarted half way): the layer reloads its
# approvals, baselines and pending checks from the store and ends with the
# same findings.
#
# review_base = 30d: the generator re-approves every automation at least every
# 28 days and its CHG004 plant skips reviews for 30 (docs/rules/change.md,
# "The generator's datasets").
. "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || skip "crmgov-gen is not built"
setup

project='[.[] | [.rule, .system, (.automation // "-"), (.subject // "-")] | join(" ")] | sort | .[]'

config() {
  write_config "[connector:in]
plugin = jsonl
path = $1
[layer:change]
plugin = change
review_base = 30d"
}

findings() {
  expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
  printf '%s' "$OUT" | jq -r "$project"
}

check_dataset() {
  name=$1; shift
  rm -f crmgov.db crmgov.db-wal crmgov.db-shm
  "$GEN" "$@" -o "$name.jsonl" 2> gen.err || fail "$name: crmgov-gen $*: $(cat gen.err)"
  config "$name.jsonl"
  expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
  got=$(findings)
}

for args in "--seed 1" "--seed 2 --days 45" "--seed 7 --days 30 --records 3000" \
            "--seed 3 --systems 1" "--seed 5 --systems 4 --automations 20" "--seed 6 --events 9000"; do
  # shellcheck disable=SC2086
  check_dataset planted --plant --answer-key key.json $args
  want=$(jq -r '[.[] | select(.rule | startswith("CHG"))]' key.json | jq -r "$project")
  expect_eq "$want" "$got" "planted ($args): findings equal the answer key"
done
# every rule is planted at least once across the runs above (CHG004 needs 30 days)
check_dataset planted --plant --answer-key key.json --seed 1
expect_eq "CHG001 CHG002 CHG003 CHG004 CHG005 CHG006 CHG007" \
  "$(printf '%s\n' "$got" | cut -d' ' -f1 | sort -u | tr '\n' ' ' | sed 's/ $//')"
one_run=$got

# the same dataset in two runs: stop after the first half, start again
n=$(wc -l < planted.jsonl)
head -n $((n / 2)) planted.jsonl > first.jsonl
tail -n +$((n / 2 + 1)) planted.jsonl > second.jsonl
rm -f crmgov.db crmgov.db-wal crmgov.db-shm
config first.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
config second.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "$one_run" "$(findings)" "a restart half way changes nothing"

# the healthy world: nothing at all, in any state
check_dataset control --seed 1
expect_eq "" "$got" "the control dataset raises no change finding"
check_dataset control --seed 7 --days 30 --records 3000
expect_eq "" "$got" "the dense control dataset raises no change finding"
check_dataset control --seed 5 --systems 4 --automations 20 --days 90
expect_eq "" "$got" "the larger control dataset raises no change finding"
