#!/bin/sh
# 0403: the generator's planted datasets through `crmgov run --once` with the
# ownership layer: `crmgov findings --layer ownership` equals the answer key's
# OWN entries exactly -- no misses, no extras, and nothing raised and
# resolved along the way (the co-owner trap, the inventory hour, principals
# arriving before their owners) -- and the healthy control dataset raises no
# ownership finding at all.
#
# OWN005 needs owner_roles; the configuration below lists every CRM role the
# generated world gives its owners, so only the planted "read-only" owner
# lacks them (docs/rules/ownership.md, "The generator's datasets").
. "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || skip "crmgov-gen is not built"
setup

layer="[layer:ownership]
plugin = ownership
owner_roles = admin, sales-manager, support-manager, sales, support, marketing"

# sorted (rule, system, automation, subject) tuples, one per line
project='[.[] | [.rule, .system, (.automation // "-"), (.subject // "-")] | join(" ")] | sort | .[]'

check_dataset() {
  name=$1; shift
  rm -f crmgov.db crmgov.db-wal crmgov.db-shm
  "$GEN" "$@" -o "$name.jsonl" 2> gen.err || fail "$name: crmgov-gen $*: $(cat gen.err)"
  write_config "[connector:in]
plugin = jsonl
path = $name.jsonl
$layer"
  expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
  expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --state all --format json
  got=$(printf '%s' "$OUT" | jq -r "$project")
  expect_eq "" "$(printf '%s' "$OUT" | jq -r '.[] | select(.state != "open") | .rule')" \
    "$name: no finding was raised and resolved"
}

for args in "--seed 1" "--seed 7 --days 30 --records 3000" "--seed 3 --systems 1" \
            "--seed 5 --systems 4 --automations 20" "--seed 6 --events 9000"; do
  # shellcheck disable=SC2086
  check_dataset planted --plant --answer-key key.json $args
  want=$(jq -r '[.[] | select(.rule | startswith("OWN"))]' key.json | jq -r "$project")
  expect_eq 5 "$(printf '%s\n' "$want" | grep -c .)" "the key of '$args' has the five OWN plants"
  expect_eq "$want" "$got" "planted ($args): findings equal the answer key"
done

# the healthy world: nothing at all, in any state
check_dataset control --seed 1
expect_eq "" "$got" "the control dataset raises no ownership finding"
check_dataset control --seed 7 --days 30 --records 3000
expect_eq "" "$got" "the dense control dataset raises no ownership finding"
