#!/bin/sh
# 0502: `crmgov check` as a CI job runs it. A definition that would close a
# trigger cycle exits 1 and names the cycle (table, JSON and SARIF); two new
# files that only form a cycle together are caught; --fail-on moves the bar;
# a harmless file exits 0; and nothing is stored (requests, findings, audit
# log and the analysis of a later run are untouched).
#
# SARIF: the output is checked against the structure SARIF 2.1.0 requires
# (and code scanning relies on) with jq, member by member. When
# CRMGOV_SARIF_SCHEMA names a copy of the official schema
# (sarif-schema-2.1.0.json of the OASIS SARIF TC) and python3 has the
# jsonschema module, the output is also validated against it.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-a","object":"lead","trigger":{"on":"update","fields":["stage_hint"]},"actions":[{"type":"set_field","field":"score_band","value":"top"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-b","object":"lead","trigger":{"on":"update","fields":["score_band"]},"conditions":[{"field":"score_band","op":"eq","value":"top"}],"actions":[{"type":"set_field","field":"priority_flag","value":true}],"status":"active"}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:change]
plugin = change"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
stored() {
  "$CRMGOV" change list -c crmgov.ini --state all --format csv
  "$CRMGOV" findings -c crmgov.ini --state all --format csv
  sqlite3 crmgov.db "SELECT count(*) FROM audit_log"
  sqlite3 crmgov.db "SELECT count(*) FROM plugin_state"
}
before=$(stored)

mkdir -p automations
cat > automations/wf-c.json <<'JSON'
{"id":"wf-c","system":"sf","name":"Flag hot leads","object":"lead",
 "trigger":{"on":"update","fields":["priority_flag"]},
 "actions":[{"type":"set_field","field":"stage_hint","value":"hot"}]}
JSON
cat > automations/wf-d.json <<'JSON'
{"id":"wf-d","object":"ticket","trigger":{"on":"create"},"actions":[{"type":"notify","to":"u-1"}]}
JSON

# the cycle: exit 1, named in the table
expect_exit 1 "$CRMGOV" check automations/wf-c.json -c crmgov.ini
expect_eq "automations/wf-c.json: sf/wf-c (new) risk critical
  - low: a new automation
  - critical: closes the trigger cycle wf-a -> wf-b -> wf-c -> wf-a
  - medium: its writes can set off 2 other automations
1 definition checked; highest risk: critical" "$OUT"

# JSON: the cycle's finding key and members
expect_exit 1 "$CRMGOV" check automations/wf-c.json --format json -c crmgov.ini
expect_eq '"critical","CHG003","wf-a","wf-a,wf-b,wf-c","wf-a -> wf-b -> wf-c -> wf-a"' \
  "$(printf '%s' "$OUT" | jq -r '.[0].risk | [.level, .cycles[0].rule, .cycles[0].automation, .cycles[0].subject, .cycles[0].evidence.path] | @csv')"

# --fail-on
expect_exit 1 "$CRMGOV" check automations/wf-c.json --fail-on critical -c crmgov.ini
expect_exit 0 "$CRMGOV" check automations/wf-c.json --fail-on never -c crmgov.ini

# a harmless file: exit 0 (with --system for a file that names none)
expect_exit 0 "$CRMGOV" check automations/wf-d.json --system sf -c crmgov.ini
expect_eq "automations/wf-d.json: sf/wf-d (new) risk low
  - low: a new automation
1 definition checked; highest risk: low" "$OUT"
expect_exit 1 "$CRMGOV" check automations/wf-d.json --system sf --fail-on low -c crmgov.ini

# two new automations that only form a cycle together
cat > x.json <<'JSON'
[{"id":"wf-x","system":"sf","object":"deal","trigger":{"on":"update","fields":["p"]},"actions":[{"type":"set_field","field":"q","value":1}]},
 {"id":"wf-y","system":"sf","object":"deal","trigger":{"on":"update","fields":["q"]},"actions":[{"type":"set_field","field":"p","value":1}]}]
JSON
expect_exit 1 "$CRMGOV" check x.json --format json -c crmgov.ini
expect_eq '["wf-x","wf-x,wf-y"] ["wf-x","wf-x,wf-y"]' \
  "$(printf '%s' "$OUT" | jq -c '.[].risk.cycles[0] | [.automation, .subject]' | tr '\n' ' ' | sed 's/ $//')"

# SARIF
expect_exit 1 "$CRMGOV" check automations/wf-c.json automations/wf-d.json --system sf \
  --format sarif -c crmgov.ini
printf '%s' "$OUT" > out.sarif
jq -e . out.sarif > /dev/null || fail "SARIF output is not JSON"
sarif_check() {
  jq -r "$1" out.sarif
}
expect_eq "2.1.0" "$(sarif_check .version)"
expect_eq "https://json.schemastore.org/sarif-2.1.0.json" "$(sarif_check '."$schema"')"
expect_eq '$schema runs version' "$(sarif_check 'keys | join(" ")')" "top level: only known members"
expect_eq "1" "$(sarif_check '.runs | length')"
expect_eq "invocations results tool" "$(sarif_check '.runs[0] | keys | join(" ")')"
expect_eq "crmgov" "$(sarif_check '.runs[0].tool.driver.name')"
expect_eq "true" "$(sarif_check '.runs[0].invocations[0].executionSuccessful')"
expect_eq "CHG002 CHG003 CHG006 change-risk" "$(sarif_check '[.runs[0].tool.driver.rules[].id] | join(" ")')"
expect_eq "true" "$(sarif_check '[.runs[0].tool.driver.rules[] | (.shortDescription.text | length > 0) and (.fullDescription.text | length > 0) and (.defaultConfiguration.level | IN("none","note","warning","error"))] | all')"
# every result: a known rule at its index, a level, a message, a location in
# its file (region lines >= 1) and a fingerprint
expect_eq "true" "$(sarif_check '.runs[0] as $r | [$r.results[] |
  ($r.tool.driver.rules[.ruleIndex].id == .ruleId)
  and (.level | IN("none","note","warning","error"))
  and (.message.text | type == "string" and length > 0)
  and (.locations | length == 1)
  and (.locations[0].physicalLocation.artifactLocation.uri | type == "string")
  and (.locations[0].physicalLocation.region.startLine >= 1)
  and (.partialFingerprints | type == "object" and length > 0)
  and (keys - ["ruleId","ruleIndex","level","message","locations","partialFingerprints","properties"] == [])
  ] | all')"
expect_eq 'change-risk error automations/wf-c.json
CHG003 error automations/wf-c.json
change-risk note automations/wf-d.json' \
  "$(sarif_check '.runs[0].results[] | "\(.ruleId) \(.level) \(.locations[0].physicalLocation.artifactLocation.uri)"')"
expect_eq "trigger cycle wf-a -> wf-b -> wf-c -> wf-a: each automation's writes can start the next" \
  "$(sarif_check '.runs[0].results[1].message.text')"
expect_eq "CHG003|sf|wf-a|wf-a,wf-b,wf-c" \
  "$(sarif_check '.runs[0].results[1].partialFingerprints."crmgovFindingKey/v1"')"
if [ -n "${CRMGOV_SARIF_SCHEMA:-}" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$CRMGOV_SARIF_SCHEMA" out.sarif <<'PY' || fail "SARIF output does not validate against the official schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(open(sys.argv[2])), schema)
PY
fi

# nothing was stored, and a later run analyses the real inventory only
expect_eq "$before" "$(stored)" "check stores nothing"
cat >> events.jsonl <<'JSONL'
{"type":"record","system":"sf","at":"2026-03-01T10:00:00Z","object":"lead","id":"L-1","op":"create"}
JSONL
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)"
