#!/bin/sh
# 0604: a day's notification counts per person outlive the process, even
# one that dies. A run counts two notifications to u-1 on March 2nd and stops
# (its snapshot holds them); the next run writes what the snapshot carried
# into the store (one packed "N/DAY/SYSTEM/" row), retires the snapshot in
# its first batch and dies before it can save another (its stop's snapshot
# is deleted here); a third run adds two more that day, which takes u-1 past
# max_notifications_per_day = 3 only if it counted on from the stored two.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
setup
cat > part1.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-01T08:00:00Z","id":"digest","object":"lead","trigger":{"on":"schedule"},"actions":[{"type":"notify","to":"u-1"}],"status":"active"}
{"type":"execution","system":"sf","at":"2026-03-02T02:00:00Z","automation":"digest","object":"lead","record":"L-1","status":"ok","duration_ms":5,"notified":["u-1","u-2"]}
{"type":"execution","system":"sf","at":"2026-03-02T03:00:00Z","automation":"digest","object":"lead","record":"L-2","status":"ok","duration_ms":5,"notified":["u-1"]}
JSONL
cat > quiet.jsonl <<'JSONL'
{"type":"record","system":"sf","at":"2026-03-02T03:30:00Z","object":"lead","id":"L-9","op":"create","changes":{"status":[null,"new"]}}
JSONL
cat > part2.jsonl <<'JSONL'
{"type":"execution","system":"sf","at":"2026-03-02T04:00:00Z","automation":"digest","object":"lead","record":"L-3","status":"ok","duration_ms":5,"notified":["u-1"]}
{"type":"execution","system":"sf","at":"2026-03-02T05:00:00Z","automation":"digest","object":"lead","record":"L-4","status":"ok","duration_ms":5,"notified":["u-1"]}
JSONL
audit_config() { # audit_config INPUT
  write_config "[connector:in]
plugin = jsonl
path = $1
[layer:audit]
plugin = audit
max_notifications_per_day = 3"
}
aud006() {
  sqlite3 "$T/crmgov.db" "SELECT subject || ' ' || CASE state WHEN 0 THEN 'open' WHEN 1 THEN 'resolved' ELSE 'acknowledged' END
    FROM findings WHERE rule = 'AUD006' ORDER BY subject"
}

audit_config part1.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "" "$(aud006)" "two notifications are within the limit"
audit_config quiet.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "N/2026-03-02/sf/|0" "$(sqlite3 "$T/crmgov.db" "SELECT group_concat(key, ',') FROM plugin_state
  WHERE instance = 'layer:audit' AND key GLOB 'N/*'; SELECT count(*) FROM plugin_state
  WHERE instance = 'layer:audit' AND key GLOB 'n/*'" | paste -sd'|')" "the day's counts are one packed row"

sqlite3 "$T/crmgov.db" "DELETE FROM plugin_state WHERE instance = 'layer:audit' AND key GLOB 'snapshot*'"
audit_config part2.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "u-1 open" "$(aud006)" "the second run counted on from the stored counts"

# A late notification for a day already written rewrites that day's packed
# row merged with what it held: u-2's count of March 2nd survives u-1's late
# one (flushed when March 4th begins).
rm -f "$T/crmgov.db"*
cat > late.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-01T08:00:00Z","id":"digest","object":"lead","trigger":{"on":"schedule"},"actions":[{"type":"notify","to":"u-1"}],"status":"active"}
{"type":"execution","system":"sf","at":"2026-03-02T02:00:00Z","automation":"digest","object":"lead","record":"L-1","status":"ok","duration_ms":5,"notified":["u-1","u-2"]}
{"type":"record","system":"sf","at":"2026-03-03T01:00:00Z","object":"lead","id":"L-8","op":"create","changes":{"status":[null,"new"]}}
{"type":"execution","system":"sf","at":"2026-03-02T23:00:00Z","automation":"digest","object":"lead","record":"L-2","status":"ok","duration_ms":5,"notified":["u-1"]}
{"type":"record","system":"sf","at":"2026-03-04T01:00:00Z","object":"lead","id":"L-9","op":"create","changes":{"status":[null,"new"]}}
JSONL
audit_config late.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" report -c crmgov.ini --format json -o late.json
expect_eq "u-1 2|u-2 1" \
  "$(jq -r '[.systems[0].charts.notifications[] | .principal + " " + (.total | tostring)] | join("|")' late.json)" \
  "both people's counts of March 2nd are kept"

# An automation id or a person's id whose escaped form is too long to pack
# (over 65,535 bytes) keeps a single row of its own (d/... and n/...), which
# the report reads back beside the packed ones.
rm -f "$T/crmgov.db"*
long=$(awk 'BEGIN { s = "x"; while (length(s) < 70000) s = s s; print substr(s, 1, 70000) }')
{
  printf '{"type":"automation","system":"sf","at":"2026-03-01T08:00:00Z","id":"%s","object":"lead","trigger":{"on":"schedule"},"actions":[{"type":"notify","to":"u-1"}],"status":"active"}\n' "$long"
  printf '{"type":"execution","system":"sf","at":"2026-03-02T02:00:00Z","automation":"%s","object":"lead","record":"L-1","status":"ok","duration_ms":5,"notified":["%s","u-2"]}\n' "$long" "$long"
  printf '{"type":"record","system":"sf","at":"2026-03-03T01:00:00Z","object":"lead","id":"L-8","op":"create","changes":{"status":[null,"new"]}}\n'
} > long.jsonl
audit_config long.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "1|1|1" "$(sqlite3 "$T/crmgov.db" "SELECT count(*) FROM plugin_state WHERE instance = 'layer:audit'
  AND key GLOB 'd/2026-03-02/sf/x*'; SELECT count(*) FROM plugin_state WHERE instance = 'layer:audit'
  AND key GLOB 'n/2026-03-02/sf/x*'; SELECT count(*) FROM plugin_state WHERE instance = 'layer:audit'
  AND key = 'N/2026-03-02/sf/'" | paste -sd'|')" "long names keep single rows, short ones are packed"
expect_exit 0 "$CRMGOV" report -c crmgov.ini --format json -o long.json
expect_eq "70000 1|u-2 1" \
  "$(jq -r '[.systems[0].charts.notifications[] | (.principal | if length > 100 then (length | tostring) else . end) + " " + (.total | tostring)] | sort | join("|")' long.json)" \
  "the report counts the long-named person from its single row"
