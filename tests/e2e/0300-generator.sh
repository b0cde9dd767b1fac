#!/bin/sh
# End-to-end checks of tools/crmgov-gen through its command line:
# determinism, the --events cap, the healthy world, the planted world and its
# answer key, --check, and usage errors.
# usage: tests/e2e/gen_determinism.sh [path/to/crmgov-gen]   (default build/crmgov-gen)
set -eu
GEN=${1:-${CRMGOV_GEN:-build/crmgov-gen}}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# same options and seed => identical bytes; another seed => different bytes
"$GEN" --seed 7 --days 20 -o "$TMP/a.jsonl"
"$GEN" --seed 7 --days 20 > "$TMP/b.jsonl"
"$GEN" --seed 8 --days 20 -o "$TMP/c.jsonl"
cmp -s "$TMP/a.jsonl" "$TMP/b.jsonl" || fail "same seed gave different output"
cmp -s "$TMP/a.jsonl" "$TMP/c.jsonl" && fail "different seeds gave identical output"

# --events is an exact cap
"$GEN" --events 4321 -o "$TMP/cap.jsonl"
[ "$(wc -l < "$TMP/cap.jsonl")" -eq 4321 ] || fail "--events 4321 wrote $(wc -l < "$TMP/cap.jsonl") lines"

# every line has type, system and an RFC 3339 UTC `at` with seconds
grep -Ev '^\{"type":"(automation|execution|record|principal|ownership|change)","system":"[a-z0-9-]+","at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' \
    "$TMP/a.jsonl" > "$TMP/odd.txt" || true
[ ! -s "$TMP/odd.txt" ] || fail "malformed line: $(head -1 "$TMP/odd.txt")"

# the default world is healthy by the checker, and --check agrees
"$GEN" --verify -o "$TMP/healthy.jsonl" 2> "$TMP/verify.txt" || fail "healthy world: $(cat "$TMP/verify.txt")"
"$GEN" --check "$TMP/healthy.jsonl" 2> /dev/null || fail "--check rejected the healthy world"

# the planted world: exact answer key, verified against it
"$GEN" --plant --answer-key "$TMP/key.json" --verify -o "$TMP/planted.jsonl" 2> "$TMP/verify.txt" \
    || fail "planted world: $(cat "$TMP/verify.txt")"
grep -q '^{"rule":"OWN003","system":"sf-prod","automation":"[a-z0-9-]*","subject":"u-[0-9]*"},\{0,1\}$' "$TMP/key.json" \
    || fail "answer key lacks the OWN003 plant: $(cat "$TMP/key.json")"
# (other planters add entries; each layer tests its own against the key)
"$GEN" --check "$TMP/planted.jsonl" --expect "$TMP/key.json" 2> /dev/null || fail "--check --expect failed"
status=0
"$GEN" --check "$TMP/planted.jsonl" 2> /dev/null || status=$?
[ "$status" -eq 1 ] || fail "--check on the planted world without its key exited $status, want 1"

# usage errors exit 2 and say why
for args in "--systems 0" "--users 2" "--start 2026-13-01" "--nope" "--events"; do
    status=0
    # shellcheck disable=SC2086
    "$GEN" $args > /dev/null 2> "$TMP/err.txt" || status=$?
    [ "$status" -eq 2 ] || fail "'$args' exited $status, want 2"
    [ -s "$TMP/err.txt" ] || fail "'$args' printed no reason"
done
"$GEN" --help | grep -q -- '--answer-key' || fail "--help does not document --answer-key"
echo "gen_determinism: ok"
