#!/bin/sh
# 0700: `crmgov log verify` after tampering with the database file directly
# with the sqlite3 command -- edit, delete, insert, reorder, truncate, a
# forged head -- fails with exit status 1 and names the first bad seq; a
# restored older copy of the database passes on its own but is caught
# against a head saved off the machine (Rekor's rule).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
command -v jq >/dev/null || skip "jq not installed"
setup

"$CRMGOV" keygen -o log.key >/dev/null || fail "keygen"
events() { # FROM TO: ownership events, one per second
  i=$1
  while [ "$i" -le "$2" ]; do
    printf '{"type":"ownership","system":"sf","at":"2026-03-01T08:%02d:00Z","automation":"wf-%d","role":"system","principal":"u-%d"}\n' "$i" "$i" "$i"
    i=$((i + 1))
  done
}
events 1 12 > events.jsonl
write_config "signing_key = log.key
checkpoint_every = 5
[connector:in]
plugin = jsonl
path = events.jsonl"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
# seq 1 plugin.load, 2 config.load, 3..14 the ownership events; heads at 5, 10, 14
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --format csv
expect_eq "14" "$(printf '%s\n' "$OUT" | tail -n 1 | cut -d, -f1)" "14 entries"
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub
root=$(sqlite3 crmgov.db "SELECT lower(hex(root)) FROM audit_heads WHERE size = 14")
expect_eq "ok: 14 entries, root $root
signed heads: 3, latest at size 14, signatures verified with log.key.pub" "$OUT"
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini
expect_contains "signatures verified with the public half of [core] signing_key" "$OUT"

# tamper CASE SQL EXPECTED: a fresh copy, the SQL applied with sqlite3
tamper() {
  rm -f t.db t.db-wal t.db-shm
  sqlite3 crmgov.db ".backup t.db"
  sed "s#^database = .*#database = $T/t.db#" crmgov.ini > t.ini
  sqlite3 t.db "$2" || fail "$1: sqlite3 refused the SQL"
  expect_exit 1 "$CRMGOV" log verify -c t.ini --pubkey log.key.pub
  expect_eq "$3" "$OUT" "$1"
}
leaf="the entry does not match its leaf hash (edited, inserted or reordered)"
tamper edit "UPDATE audit_log SET actor = 'mallory' WHERE seq = 7" \
  "FAILED at seq 7: $leaf"
tamper edit-details "UPDATE audit_log SET details = replace(details, 'u-5', 'u-6') WHERE seq = 7" \
  "FAILED at seq 7: $leaf"
tamper edit-time "UPDATE audit_log SET at = at + 1 WHERE seq = 12" \
  "FAILED at seq 12: $leaf"
tamper delete "DELETE FROM audit_log WHERE seq = 7" \
  "FAILED at seq 7: missing (the next entry is seq 8; deleted)"
tamper delete-renumber "DELETE FROM audit_log WHERE seq = 7; UPDATE audit_log SET seq = seq - 1 WHERE seq > 7" \
  "FAILED at seq 7: $leaf"
tamper insert "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 7; UPDATE audit_log SET seq = seq - 99 WHERE seq >= 107; INSERT INTO audit_log SELECT 7, at, 'mallory', action, subject, details, leaf_hash FROM audit_log WHERE seq = 6" \
  "FAILED at seq 7: $leaf"
tamper insert-at-end "INSERT INTO audit_log SELECT 15, at, actor, action, subject, details, leaf_hash FROM audit_log WHERE seq = 14" \
  "FAILED at seq 15: $leaf"
tamper reorder "UPDATE audit_log SET seq = -7 WHERE seq = 7; UPDATE audit_log SET seq = 7 WHERE seq = 8; UPDATE audit_log SET seq = 8 WHERE seq = -7" \
  "FAILED at seq 7: $leaf"
tamper truncate "DELETE FROM audit_log WHERE seq > 9" \
  "FAILED at seq 10: missing: crmgov appended 14 entries, the log ends at seq 9 (truncated)"
tamper truncate-and-tree "DELETE FROM audit_log WHERE seq > 9; DELETE FROM audit_tree" \
  "FAILED at seq 10: missing: the signed head at size 10 covers seq 1..10, the log ends at seq 9 (truncated or rolled back)"
tamper forged-head "UPDATE audit_heads SET signature = (SELECT signature FROM audit_heads WHERE size = 5) WHERE size = 10" \
  "FAILED at seq 6..10: the signed head at size 10 is not valid: signature: does not match the checkpoint"
tamper tree-state "UPDATE audit_tree SET peaks = zeroblob(length(peaks))" \
  "FAILED at seq 1..8: the stored tree state does not match these entries"

# another key: the first head is refused
"$CRMGOV" keygen -o other.key >/dev/null
expect_exit 1 "$CRMGOV" log verify -c crmgov.ini --pubkey other.key.pub
expect_eq "FAILED at seq 1..5: the signed head at size 5 is not valid: signature: signed by a key that is not in the trusted keys" "$OUT"

# a truncation that also removes the tree state and the heads looks whole on
# the machine; the head saved off the machine catches it
expect_exit 0 "$CRMGOV" log head -c crmgov.ini --format json
printf '%s\n' "$OUT" > saved-14.json
expect_eq 14 "$(jq .size saved-14.json)" "saved head size"
rm -f t.db t.db-wal t.db-shm
sqlite3 crmgov.db ".backup t.db"
sed "s#^database = .*#database = $T/t.db#" crmgov.ini > t.ini
sqlite3 t.db "DELETE FROM audit_log WHERE seq > 9; DELETE FROM audit_heads WHERE size > 9; DELETE FROM audit_tree"
expect_exit 0 "$CRMGOV" log verify -c t.ini --pubkey log.key.pub
expect_contains "ok: 9 entries" "$OUT" "a hidden truncation verifies on its own"
expect_exit 1 "$CRMGOV" log verify -c t.ini --pubkey log.key.pub --state saved-14.json
expect_eq "FAILED at seq 10: the log shrank: the saved head has 14 entries, the log ends at seq 9 (rolled back or truncated)" "$OUT"

# restoring an older copy of the whole database
sqlite3 crmgov.db ".backup older.db"
events 13 20 > events.jsonl.more
cat events.jsonl.more >> events.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub --state saved-14.json
expect_contains "ok: 22 entries" "$OUT"
expect_contains "saved head: size 14, consistent (consistency proof of" "$OUT"
expect_exit 0 "$CRMGOV" log head -c crmgov.ini --format json
printf '%s\n' "$OUT" > saved-22.json
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --state saved-22.json
expect_contains "saved head: size 22, same root" "$OUT"
cp older.db crmgov.db
rm -f crmgov.db-wal crmgov.db-shm
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub
expect_contains "ok: 14 entries" "$OUT" "the older copy is whole on its own"
expect_exit 1 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub --state saved-22.json
expect_eq "FAILED at seq 15: the log shrank: the saved head has 22 entries, the log ends at seq 14 (rolled back or truncated)" "$OUT"

# a saved head that is not one
printf '{"checkpoint":"nonsense"}' > bad.json
expect_exit 2 "$CRMGOV" log verify -c crmgov.ini --state bad.json
expect_eq "crmgov log: bad.json: checkpoint: missing origin line" "$ERR"
jq '.size = 13' saved-14.json > edited.json
expect_exit 2 "$CRMGOV" log verify -c crmgov.ini --state edited.json
expect_eq "crmgov log: edited.json: head: 'size' differs from the checkpoint" "$ERR"
exit 0
