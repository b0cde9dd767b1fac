#!/bin/sh
# 0600: the audit layer on the real binary: `crmgov run --once` raises the
# AUD findings of a small history, `crmgov metrics` shows an automation's
# days (core aggregates joined with the layer's own rows, including the day
# still open when the run stopped), `crmgov report` writes text, JSON and a
# file, usage errors exit 2, and a run that stops between a record change
# and its execution resumes the pending check from its snapshot (no missed
# action is invented across the restart).
. "$(dirname "$0")/lib.sh"
setup
cat > day1.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-02T07:00:00Z","id":"u-1","active":true}
{"type":"ownership","system":"sf","at":"2026-03-02T07:00:00Z","automation":"qa","role":"system","principal":"u-1"}
{"type":"automation","system":"sf","at":"2026-03-02T08:00:00Z","id":"qa","name":"Alert on qualified","object":"lead","trigger":{"on":"update","fields":["status"]},"conditions":[{"field":"status","op":"eq","value":"qualified"}],"actions":[{"type":"notify","to":"u-1"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-02T08:00:00Z","id":"won","name":"Celebrate","object":"deal","trigger":{"on":"update","fields":["stage"]},"conditions":[{"field":"stage","op":"eq","value":"won"}],"status":"active"}
{"type":"record","system":"sf","at":"2026-03-02T09:00:00Z","object":"lead","id":"L-1","op":"create","changes":{"status":[null,"new"]}}
{"type":"record","system":"sf","at":"2026-03-02T09:00:00Z","object":"lead","id":"L-2","op":"create","changes":{"status":[null,"new"]}}
{"type":"record","system":"sf","at":"2026-03-02T09:00:00Z","object":"deal","id":"D-1","op":"create","changes":{"stage":[null,"new"]}}
{"type":"record","system":"sf","at":"2026-03-02T10:00:00Z","object":"lead","id":"L-1","op":"update","changes":{"status":["new","qualified"]}}
{"type":"execution","system":"sf","at":"2026-03-02T10:00:30Z","automation":"qa","object":"lead","record":"L-1","status":"ok","duration_ms":12,"notified":["u-1"]}
{"type":"record","system":"sf","at":"2026-03-02T10:10:00Z","object":"lead","id":"L-2","op":"update","changes":{"status":["new","qualified"]}}
{"type":"execution","system":"sf","at":"2026-03-02T11:00:00Z","automation":"qa","object":"lead","record":"L-7","status":"failed","error":"boom","duration_ms":40}
{"type":"record","system":"sf","at":"2026-03-02T12:00:00Z","object":"deal","id":"D-1","op":"update","changes":{"stage":["new","won"]}}
{"type":"execution","system":"sf","at":"2026-03-02T12:00:05Z","automation":"won","object":"deal","record":"D-1","status":"ok","duration_ms":30}
{"type":"record","system":"sf","at":"2026-03-02T13:00:00Z","object":"lead","id":"L-3","op":"create","changes":{"status":[null,"new"]}}
{"type":"record","system":"sf","at":"2026-03-02T13:59:00Z","object":"lead","id":"L-3","op":"update","changes":{"status":["new","qualified"]}}
{"type":"record","system":"sf","at":"2026-03-02T13:59:30Z","object":"lead","id":"L-5","op":"create","changes":{"status":[null,"qualified"]}}
{"type":"record","system":"sf","at":"2026-03-02T14:00:00Z","object":"lead","id":"L-5","op":"update","changes":{"status":["qualified","new"]}}
{"type":"record","system":"sf","at":"2026-03-02T14:00:10Z","object":"lead","id":"L-5","op":"update","changes":{"status":["new","qualified"]}}
JSONL
# the execution for L-3 comes in the next run, within the SLA; L-5 never
# gets one: both are judged in the second run, from the first run's snapshot
cat > day2.jsonl <<'JSONL'
{"type":"execution","system":"sf","at":"2026-03-02T14:05:00Z","automation":"qa","object":"lead","record":"L-3","status":"ok","duration_ms":14,"notified":["u-1"]}
{"type":"record","system":"sf","at":"2026-03-02T16:00:00Z","object":"lead","id":"L-4","op":"create","changes":{"status":[null,"new"]}}
JSONL
write_config "[connector:in]
plugin = jsonl
path = day1.jsonl
[layer:audit]
plugin = audit"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
write_config "[connector:in]
plugin = jsonl
path = day2.jsonl
[layer:audit]
plugin = audit"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini

project='[.[] | [.rule, (.automation // "-"), (.subject // "-"), .state, .first_seen] | join(" ")] | sort | .[]'
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer audit --state all --format json
expect_eq "AUD002 qa - open 2026-03-02T11:00:00Z
AUD003 qa no-trigger open 2026-03-02T12:00:00Z" "$(printf '%s' "$OUT" | jq -r "$project")" \
  "L-2 and L-5 were missed, L-7 had no trigger, L-3's run came in the second run in time"
expect_eq '{"window_from":"2026-02-24","window_to":"2026-03-02","count":2,"sla_seconds":900,"examples":[{"record":"L-5","changed_at":"2026-03-02T14:00:10Z"},{"record":"L-2","changed_at":"2026-03-02T10:10:00Z"}]}' \
  "$(printf '%s' "$OUT" | jq -c '.[] | select(.rule == "AUD002") | .evidence')"

# metrics: the core's aggregates and the layer's rows of a day not yet closed
expect_exit 0 "$CRMGOV" metrics sf/qa -c crmgov.ini --format csv
expect_eq "day,executions,failures,duration_median_ms,duration_p95_ms,notifications,records_touched,conversions
2026-03-02,3,1,14,40,2,3,0" "$(printf '%s\n' "$OUT" | tr -d '\r')"
expect_exit 0 "$CRMGOV" metrics sf/won -c crmgov.ini --format json
expect_eq '[{"day":"2026-03-02","executions":1,"records_touched":1,"conversions":1}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {day, executions, records_touched, conversions}]')"
expect_exit 0 "$CRMGOV" metrics sf/qa -c crmgov.ini --since 2026-03-03
expect_eq "DAY  EXECUTIONS  FAILURES  DURATION_MEDIAN_MS  DURATION_P95_MS  NOTIFICATIONS  RECORDS_TOUCHED  CONVERSIONS" \
  "$(printf '%s' "$OUT" | sed 's/ *$//')" "nothing after --since: the header only"

# usage errors
expect_exit 2 "$CRMGOV" metrics -c crmgov.ini
expect_contains "give the automation as SYSTEM/ID" "$ERR"
expect_exit 2 "$CRMGOV" metrics sf/nope -c crmgov.ini
expect_eq "crmgov metrics: no automation sf/nope is known" "$ERR"
expect_exit 2 "$CRMGOV" metrics sf/qa --format xml -c crmgov.ini
expect_exit 2 "$CRMGOV" metrics sf/qa --bogus -c crmgov.ini
expect_exit 2 "$CRMGOV" report --since 2026-04-01 -c crmgov.ini
expect_contains "--since is after the last event" "$ERR"
expect_exit 2 "$CRMGOV" report --format pdf -c crmgov.ini
expect_exit 2 "$CRMGOV" report -o /nonexistent/dir/r.html -c crmgov.ini

# the report: text, JSON, and a file
expect_exit 0 "$CRMGOV" report -c crmgov.ini
expect_contains "== sf ==
Scorecard (2 active automations)
  owned                  1/2  50.0%
  reviewed in time       n/a (change layer not configured)
  approved               n/a (change layer not configured)
  free of high findings  1/2  50.0%" "$OUT"
expect_contains "Open findings: 2" "$OUT"
expect_exit 0 "$CRMGOV" report --format json --system sf -c crmgov.ini
expect_eq '2025-12-03 2026-03-02 1 2 2' \
  "$(printf '%s' "$OUT" | jq -r '[.period.from, .period.to, .systems[0].scorecard.owned.count, .systems[0].open_findings.total, (.systems[0].automations | length)] | join(" ")')"
expect_eq '[{"principal":"u-1","total":2,"peak":2,"peak_day":"2026-03-02"}]' \
  "$(printf '%s' "$OUT" | jq -c '.systems[0].charts.notifications')"
expect_exit 0 "$CRMGOV" report --format json --system elsewhere -c crmgov.ini
expect_eq '[{"system":"elsewhere","active":0}]' \
  "$(printf '%s' "$OUT" | jq -c '[.systems[] | {system, active: .scorecard.active_automations}]')"
expect_exit 0 "$CRMGOV" report --format html -o report.html -c crmgov.ini
expect_eq "crmgov report: wrote report.html" "$ERR"
grep -q '<svg class="chart chart-exec"' report.html || fail "the page has its charts"
if grep -Eqi '<script|https?://' report.html; then fail "the page has no script and no link out"; fi
