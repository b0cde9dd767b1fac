#!/bin/sh
# 0170: `crmgov hash` prints the definition hash of an automation read from a
# file, from standard input ('-'), or from JSON Lines (each hash then with its
# id); the hash equals SHA-256 of the canonical definition computed with jq
# and sha256sum. An unreadable file and a bad definition stop with one line.
. "$(dirname "$0")/lib.sh"
command -v jq > /dev/null || skip "jq not installed"
setup
printf '%s\n' '{"id":"a1","kind":"workflow","object":"deal","trigger":{"on":"create"},"actions":[{"type":"notify","to":"u1"}]}' > one.json
printf '%s\n' '{"id":"a2","kind":"flow","object":"lead","trigger":{"on":"update","fields":["status"]},"conditions":[{"field":"status","op":"eq","value":"new"}],"actions":[{"type":"update","field":"owner","value":"u2"}]}' > two.json
canonical() {
  jq -cS '{actions, conditions: (.conditions // []), kind, object, trigger}' "$1" | tr -d '\n' |
    sha256sum | cut -d' ' -f1
}
h1=$(canonical one.json)
h2=$(canonical two.json)

expect_exit 0 "$CRMGOV" hash one.json
expect_eq "$h1" "$OUT"
expect_exit 0 sh -c '"$0" hash - < one.json' "$CRMGOV"
expect_eq "$h1" "$OUT"
cat one.json two.json > both.jsonl
expect_exit 0 sh -c '"$0" hash - < both.jsonl' "$CRMGOV"
expect_eq "$h1  a1
$h2  a2" "$OUT"

expect_exit 2 "$CRMGOV" hash missing.json
expect_eq "crmgov hash: cannot read missing.json" "$ERR"
printf '%s\n' '{"id":"a3","kind":"workflow","object":"deal","actions":[]}' >> both.jsonl
expect_exit 2 "$CRMGOV" hash both.jsonl
case "$ERR" in "crmgov hash: line 3: "*) ;; *) fail "expected the bad line named: $ERR" ;; esac
expect_exit 2 "$CRMGOV" hash
expect_eq "usage: crmgov hash FILE|-" "$ERR"
echo "ok"
