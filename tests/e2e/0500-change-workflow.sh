#!/bin/sh
# 0500: the change-control workflow an admin follows from the README, on the
# real binary: the inventory is baselined, a modification is proposed and its
# risk shown, the author cannot approve it, two other people (one of them an
# owner) approve it, the CRM then shows exactly that definition (no finding),
# someone edits the automation in the CRM without approval (CHG001), a review
# is recorded, and every step is in the audit log.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-ana","active":true}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-ben","active":true}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-cy","active":true}
{"type":"ownership","system":"sf","at":"2026-03-01T08:30:00Z","automation":"wf-route","role":"system","principal":"u-ben"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"inbound"}],"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-won","name":"Celebrate","object":"deal","trigger":{"on":"update","fields":["stage"]},"conditions":[{"field":"stage","op":"eq","value":"won"}],"actions":[{"type":"notify","to":"u-cy"}],"status":"active"}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:change]
plugin = change"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)" "the first sync is the approved baseline"

# propose: the new definition also moves the lead's deal to "proposal"
cat > route-v2.json <<'JSON'
{"id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},
 "actions":[{"type":"set_field","field":"queue","value":"inbound"},
            {"type":"set_field","object":"deal","field":"stage","value":"proposal"}]}
JSON
expect_exit 0 "$CRMGOV" change propose sf/wf-route --file route-v2.json --by u-ana \
  --note "open a deal with every lead" --at 2026-03-02T10:00:00Z -c crmgov.ini
expect_contains "REQ-1 proposed: modify sf/wf-route" "$OUT"
expect_contains "risk: high
  - high: writes critical field deal.stage" "$OUT"
expect_contains "needs 2 approvals from people other than u-ana, one of them an owner of the automation" "$OUT"

expect_exit 0 "$CRMGOV" change show REQ-1 -c crmgov.ini
expect_contains "REQ-1  pending  modify  sf/wf-route" "$OUT"
expect_contains '  ~ actions:
    + set_field field="stage" object="deal" value="proposal"' "$OUT"
expect_contains "approvals: 0 of 2; owner approval: missing" "$OUT"

# the author may not approve; u-cy (not an owner) and u-ben (the owner) do
expect_exit 1 "$CRMGOV" change approve REQ-1 --by u-ana --at 2026-03-02T10:30:00Z -c crmgov.ini
expect_eq "crmgov change: refused: u-ana cannot approve their own change REQ-1" "$ERR"
expect_exit 0 "$CRMGOV" change approve REQ-1 --by u-cy --comment "fine by sales" \
  --at 2026-03-02T11:00:00Z -c crmgov.ini
expect_eq "REQ-1: approval by u-cy recorded (1 of 2; owner approval still missing)" "$OUT"
expect_exit 0 "$CRMGOV" change approve REQ-1 --by u-ben --at 2026-03-02T11:30:00Z -c crmgov.ini
expect_contains "REQ-1: approval by u-ben recorded (2 of 2; owner approval given)" "$OUT"
expect_contains "REQ-1 approved: sf/wf-route may now show definition" "$OUT"
expect_exit 0 "$CRMGOV" change list -c crmgov.ini --state all --format json
expect_eq '[{"id":"REQ-1","state":"approved","risk":"high","approvals":2,"required":2}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {id, state, risk, approvals, required}]')"

# the CRM shows the approved definition (no finding), then an edit nobody
# approved (CHG001, high: it writes a critical field)
cat >> events.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-02T12:00:00Z","id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"inbound"},{"type":"set_field","object":"deal","field":"stage","value":"proposal"}],"status":"active"}
JSONL
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)" "the approved definition is no drift"
cat >> events.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-03T16:00:00Z","id":"wf-route","name":"Route new leads","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"priority"},{"type":"set_field","object":"deal","field":"stage","value":"proposal"}],"status":"active","modified_by":"u-cy"}
JSONL
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --format json
expect_eq '[{"rule":"CHG001","automation":"wf-route","subject":null,"severity":"high","first_seen":"2026-03-03T16:00:00Z"}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {rule, automation, subject, severity, first_seen}]')"
expect_contains "not the approved" "$(printf '%s' "$OUT" | jq -r '.[0].message')"

# approving what the CRM now shows, after the fact, resolves it
expect_exit 0 "$CRMGOV" change propose sf/wf-route --status active --by u-cy \
  --at 2026-03-03T17:00:00Z -c crmgov.ini
expect_contains "REQ-2 proposed: confirm sf/wf-route" "$OUT"
expect_exit 0 "$CRMGOV" change approve REQ-2 --by u-ana --at 2026-03-03T17:10:00Z -c crmgov.ini
expect_exit 0 "$CRMGOV" change approve REQ-2 --by u-ben --at 2026-03-03T17:20:00Z -c crmgov.ini
expect_contains "REQ-2 approved" "$OUT"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --state all --format json
expect_eq '[{"rule":"CHG001","state":"resolved","last_seen":"2026-03-03T17:20:00Z"}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {rule, state, last_seen}]')"

# a review, and the reviews that fall due within a year
expect_exit 0 "$CRMGOV" review sf/wf-won --by u-ben --note "still needed" \
  --at 2026-03-04T09:00:00Z -c crmgov.ini
expect_eq "sf/wf-won reviewed by u-ben at 2026-03-04T09:00:00Z; next review due 2026-08-31T09:00:00Z" "$OUT"
expect_exit 0 "$CRMGOV" reviews due --within 365d --at 2026-03-04T09:00:00Z --format csv -c crmgov.ini
expect_eq "system,automation,last_review,interval_days,due,state
sf,wf-route,2026-03-03T17:20:00Z,180,2026-08-30T17:20:00Z,due
sf,wf-won,2026-03-04T09:00:00Z,180,2026-08-31T09:00:00Z,due" "$(printf '%s\n' "$OUT" | tr -d '\r')"

# every step is in the audit log
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --format json
expect_eq 'change.baseline sf crmgov
change.propose sf/wf-route u-ana
change.refused sf/wf-route u-ana
change.approve sf/wf-route u-cy
change.approve sf/wf-route u-ben
change.recorded sf/wf-route u-ana
change.propose sf/wf-route u-cy
change.approve sf/wf-route u-ana
change.approve sf/wf-route u-ben
change.recorded sf/wf-route u-cy
change.review sf/wf-won u-ben' \
  "$(printf '%s' "$OUT" | jq -r '.[] | select(.action | startswith("change.")) | "\(.action) \(.subject) \(.actor)"')"
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini
