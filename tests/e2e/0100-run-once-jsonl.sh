#!/bin/sh
# 0100: `crmgov run --once` ingests a JSON Lines file: every good line is
# applied, every bad line is a dead letter with its line number, and the
# inventory and history show what was seen.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","active":true}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"a1","object":"lead","trigger":{"on":"update","fields":["status"]},"conditions":[{"field":"status","op":"eq","value":"qualified"}],"actions":[{"type":"notify","to":"u-1"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-02T09:00:00Z","id":"a1","object":"lead","trigger":{"on":"update","fields":["status"]},"conditions":[{"field":"status","op":"eq","value":"hot"}],"actions":[{"type":"notify","to":"u-1"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-03T09:00:00Z","id":"a1","object":"lead","trigger":{"on":"update","fields":["status"]},"conditions":[{"field":"status","op":"eq","value":"hot"}],"actions":[{"type":"notify","to":"u-1"}],"status":"inactive"}
{"type":"automation","system":"sf","at":"2026-03-03T09:00:00Z","id":"a2","object":"deal","trigger":{"on":"create"},"status":"deleted"}
{"type":"execution","system":"sf","at":"2026-03-01T09:00:04Z","automation":"a1","record":"L-1","status":"ok"}
{"type":"execution","system":"sf","at":"2026-03-01T09:00:05Z","automation":"a1","status":"ok"}
{"type":"unknown","system":"sf","at":"2026-03-01T09:00:05Z"}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-2","active":"yes"}
{broken
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 6 events" "$OUT" "summary counts the good events"
expect_contains "4 dead letters" "$OUT"
expect_contains "inventory: 0 active, 1 inactive, 1 deleted" "$OUT"

expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format csv
expect_eq "id,source,line,reason,raw,received_at" "$(printf '%s\n' "$OUT" | head -n 1 | tr -d '\r')"
reasons=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f3,4 | tr -d '\r')
expect_eq "7,missing required field 'record'
8,unknown type 'unknown'
9,field 'active' must be a boolean
10,invalid JSON near byte 3" "$reasons" "dead letters carry line and reason"

expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format csv
expect_eq "sf,a1,a1,workflow,lead,update,inactive,3" \
  "$(printf '%s\n' "$OUT" | grep '^sf,a1,' | cut -d, -f1-8)" "a1 has three versions"
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --status deleted --format csv
expect_eq "sf,a2" "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1,2)"

expect_exit 0 "$CRMGOV" history sf/a1 -c crmgov.ini
expect_contains '    - status eq "qualified"
    + status eq "hot"' "$OUT" "history diffs the conditions"
expect_contains "~ status: active -> inactive" "$OUT"

# a second run reads nothing again: the checkpoint was committed with the batch
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 0 events" "$OUT"
expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format csv
expect_eq 5 "$(printf '%s\n' "$OUT" | wc -l)" "no dead letter recorded twice"
