#!/bin/sh
# 0402: the ownership layer's five rules over a small history, run the way an
# admin runs it (`crmgov run --once`, then `crmgov findings`): a co-owner keeps
# a role alive, a service account is never judged as a person, a departed
# owner orphans only after `grace`, a new automation is given `settle` to get
# its owners. A second run with a changed configuration re-judges what is
# open (resolving what no longer holds), and a run with nothing new changes
# nothing.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","name":"Ana Ruiz","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-2","name":"Ben Okoro","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-3","name":"Cleo Park","active":true,"roles":["sales"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-4","name":"Dan Ito","active":true,"roles":["sales"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"svc","name":"Integration","active":true,"roles":["service"]}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-a","role":"system","principal":"u-1"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-a","role":"decision","principal":"u-2"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-b","role":"system","principal":"u-1"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-b","role":"system","principal":"u-2"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-c","role":"system","principal":"svc"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-e","role":"system","principal":"u-3"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-f","role":"system","principal":"u-2"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-g","role":"system","principal":"svc"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-h","role":"system","principal":"svc"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-a","object":"lead","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-b","object":"lead","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-c","object":"deal","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-d","object":"deal","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-e","object":"ticket","trigger":{"on":"create"},"actions":[{"type":"notify","to":"u-4"},{"type":"assign","to":"u-4"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-f","object":"ticket","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-g","object":"ticket","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-h","object":"ticket","trigger":{"on":"create"},"status":"active"}
{"type":"principal","system":"sf","at":"2026-03-02T10:00:00Z","id":"u-1","name":"Ana Ruiz","active":false,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-03T10:00:00Z","id":"u-4","name":"Dan Ito","active":false,"roles":["sales"]}
{"type":"record","system":"sf","at":"2026-03-04T12:00:00Z","object":"lead","id":"L-1","op":"create","changes":{}}
JSONL
layer="[layer:ownership]
plugin = ownership
grace = 1h
max_owned = 2
fallback_owner = u-2"
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
$layer
owner_roles = admin"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "open findings: 0 critical, 2 high, 3 medium, 0 low, 0 info" "$OUT"

project='.[] | [.rule, .name, .severity, (.automation // "-"), (.subject // "-"), .state, .first_seen, .last_seen] | join(" ")'
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --state all --format json
expect_eq "OWN001 unowned medium wf-d system open 2026-03-01T10:00:00Z 2026-03-04T12:00:00Z
OWN002 orphaned high wf-a system open 2026-03-02T11:00:00Z 2026-03-04T12:00:00Z
OWN003 dead-end-recipient high wf-e u-4 open 2026-03-03T10:00:00Z 2026-03-04T12:00:00Z
OWN004 owner-overload medium - u-2 open 2026-03-01T09:00:00Z 2026-03-04T12:00:00Z
OWN005 owner-without-access medium wf-e u-3 open 2026-03-01T09:00:00Z 2026-03-04T12:00:00Z" \
  "$(printf '%s' "$OUT" | jq -r "$project")" "the five rules"
expect_eq '["automation","evidence","first_seen","last_seen","layer","message","name","rule","severity","state","subject","system"]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | keys] | unique | .[0]')" "the output contract"
expect_eq '{"role":"system","owners":[{"principal":"u-1","state":"deactivated","deactivated_at":"2026-03-02T10:00:00Z"}],"fallback_owner":"u-2"}' \
  "$(printf '%s' "$OUT" | jq -c '.[] | select(.rule == "OWN002") | .evidence')"
expect_eq 'wf-a has no active system owner: u-1 (Ana Ruiz) was deactivated on 2026-03-02; fallback owner u-2 should act' \
  "$(printf '%s' "$OUT" | jq -r '.[] | select(.rule == "OWN002") | .message')"
expect_eq 'wf-e notifies and assigns records to u-4 (Dan Ito), who was deactivated on 2026-03-03' \
  "$(printf '%s' "$OUT" | jq -r '.[] | select(.rule == "OWN003") | .message')"
expect_eq '{"principal":"u-2","owned":3,"max_owned":2}' \
  "$(printf '%s' "$OUT" | jq -c '.[] | select(.rule == "OWN004") | .evidence')"

# nothing new: nothing changes
before=$OUT
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --state all --format json
expect_eq "$before" "$OUT" "a run without events changes no finding"

# a new configuration (max_owned 5, no owner_roles) and a day later: the
# layer re-judges what is open at the tick the core delivers when a run
# resumes (the tick boundary of the saved event time, 2026-03-04T12:00)
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
$layer" 
sed -i 's/^max_owned = 2$/max_owned = 5/' crmgov.ini
echo '{"type":"record","system":"sf","at":"2026-03-05T09:00:00Z","object":"lead","id":"L-2","op":"create","changes":{}}' >> events.jsonl
echo '{"type":"record","system":"sf","at":"2026-03-05T09:02:00Z","object":"lead","id":"L-3","op":"create","changes":{}}' >> events.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --state all --format json
expect_eq "OWN001 unowned medium wf-d system open 2026-03-01T10:00:00Z 2026-03-05T09:02:00Z
OWN002 orphaned high wf-a system open 2026-03-02T11:00:00Z 2026-03-05T09:02:00Z
OWN003 dead-end-recipient high wf-e u-4 open 2026-03-03T10:00:00Z 2026-03-05T09:02:00Z
OWN004 owner-overload medium - u-2 resolved 2026-03-01T09:00:00Z 2026-03-04T12:00:00Z
OWN005 owner-without-access medium wf-e u-3 resolved 2026-03-01T09:00:00Z 2026-03-04T12:00:00Z" \
  "$(printf '%s' "$OUT" | jq -r "$project")" "re-judged with the new configuration"

# the admin fixes the rest with the CLI
expect_exit 0 "$CRMGOV" owners assign sf/wf-d --role system --to u-2 --by alice -c crmgov.ini
expect_exit 0 "$CRMGOV" owners transfer --from u-1 --to u-2 --by alice -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --format json
expect_eq "OWN003 dead-end-recipient high wf-e u-4 open 2026-03-03T10:00:00Z 2026-03-05T09:02:00Z" \
  "$(printf '%s' "$OUT" | jq -r "$project")" "only the dead-end recipient is left"
