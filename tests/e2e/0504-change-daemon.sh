#!/bin/sh
# 0504: approvals made with the CLI while the daemon runs count at once: the
# daemon (follow mode) is up, a change request is proposed and approved by two
# people from the command line, the CRM then shows exactly that definition --
# and the running daemon raises nothing (it reads the approval the other
# process committed, instead of waiting for its next start).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-ana","active":true}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-ben","active":true}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-cy","active":true}
{"type":"ownership","system":"sf","at":"2026-03-01T08:30:00Z","automation":"wf-route","role":"system","principal":"u-ben"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"inbound"}],"status":"active"}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
follow = true
poll_interval = 20ms
[layer:change]
plugin = change"
"$CRMGOV" run -c crmgov.ini 2> run.err &
pid=$!
versions() { sqlite3 "$T/crmgov.db" "SELECT coalesce(max(versions), 0) FROM automations" 2>/dev/null || echo 0; }
wait_versions() {
  n=0
  while [ "$(versions)" != "$1" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
  [ "$(versions)" = "$1" ] || { kill $pid; fail "expected $1 versions, found $(versions)"; }
}
wait_versions 1

cat > route-v2.json <<'JSON'
{"id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},
 "actions":[{"type":"set_field","field":"queue","value":"priority"}]}
JSON
expect_exit 0 "$CRMGOV" change propose sf/wf-route --file route-v2.json --by u-ana \
  --at 2026-03-02T10:00:00Z -c crmgov.ini
expect_exit 0 "$CRMGOV" change approve REQ-1 --by u-cy --at 2026-03-02T11:00:00Z -c crmgov.ini
expect_exit 0 "$CRMGOV" change approve REQ-1 --by u-ben --at 2026-03-02T11:30:00Z -c crmgov.ini
expect_contains "REQ-1 approved" "$OUT"

echo '{"type":"automation","system":"sf","at":"2026-03-02T12:00:00Z","id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"priority"}],"status":"active"}' >> events.jsonl
wait_versions 2
kill -TERM $pid
wait $pid || fail "the daemon did not stop cleanly: $(cat run.err)"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c '[.[] | {rule, automation}]')" \
  "the approved definition is not drift, though the daemon started before the approval"
