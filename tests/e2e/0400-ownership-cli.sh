#!/bin/sh
# 0400: how an admin manages owners with `crmgov owners`: assign, import,
# transfer (the hand-over when someone leaves), unassign and list -- each
# change lands in the owners table, every layer sees it at once, and the
# audit log records every assignment, removal, import and transfer with its
# actor.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","name":"Ana Ruiz","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-2","name":"Ben Okoro","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-3","name":"Cleo Park","active":true,"roles":["sales-manager"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"svc","name":"Integration","active":true,"roles":["service"]}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-a","role":"system","principal":"u-1"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-b","role":"system","principal":"u-1"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-c","role":"system","principal":"svc"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-a","name":"Route leads","object":"lead","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-b","name":"Escalate tickets","object":"ticket","trigger":{"on":"update","fields":["priority"]},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-c","name":"Sync to ERP","object":"deal","trigger":{"on":"create"},"status":"active"}
{"type":"record","system":"sf","at":"2026-03-01T12:00:00Z","object":"lead","id":"L-1","op":"create","changes":{}}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:ownership]
plugin = ownership
required_roles = system,decision
settle = 0"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini

# what the connector delivered: three automations without a decision owner
expect_exit 0 "$CRMGOV" owners list -c crmgov.ini --unowned --format csv
expect_eq "system,automation,name,role,problem,owners
sf,wf-a,Route leads,decision,unowned,
sf,wf-b,Escalate tickets,decision,unowned,
sf,wf-c,Sync to ERP,decision,unowned," "$(printf '%s\n' "$OUT" | tr -d '\r')" "unowned listing"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --format csv
expect_eq 3 "$(printf '%s\n' "$OUT" | grep -c '^OWN001,unowned,ownership,medium,sf,wf-.,decision,')"

# assign one
expect_exit 0 "$CRMGOV" owners assign sf/wf-b --role decision --to u-3 --by alice -c crmgov.ini
expect_eq "sf/wf-b: u-3 now holds role decision (by alice)" "$OUT"

# import the rest from a spreadsheet (the row already in place is unchanged)
printf 'system,automation,role,principal\nsf,wf-a,decision,u-3\nsf,wf-c,decision,u-2\nsf,wf-b,decision,u-3\n' > owners.csv
expect_exit 0 "$CRMGOV" owners import owners.csv --by bob -c crmgov.ini
expect_eq "LINE  SYSTEM  AUTOMATION  ROLE      PRINCIPAL  RESULT
2     sf      wf-a        decision  u-3        assigned
3     sf      wf-c        decision  u-2        assigned
4     sf      wf-b        decision  u-3        unchanged
imported 2 assignments from owners.csv (1 unchanged, by bob)" "$(printf '%s\n' "$OUT" | sed 's/ *$//')"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)" "the assignments resolved every OWN001"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --state resolved --format json
expect_eq '["OWN001 wf-a decision 2026-03-01T12:00:00Z","OWN001 wf-b decision 2026-03-01T12:00:00Z","OWN001 wf-c decision 2026-03-01T12:00:00Z"]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | "\(.rule) \(.automation) \(.subject) \(.last_seen)"]')"

# u-1 is leaving: hand everything over to u-2
expect_exit 0 "$CRMGOV" owners transfer --from u-1 --to u-2 --system sf --by carol -c crmgov.ini --format json
expect_eq '[{"system":"sf","automation":"wf-a","role":"system","from":"u-1","to":"u-2","result":"transferred"},{"system":"sf","automation":"wf-b","role":"system","from":"u-1","to":"u-2","result":"transferred"}]' \
  "$(printf '%s' "$OUT" | jq -c .)"
expect_exit 0 "$CRMGOV" owners list -c crmgov.ini --principal u-1 --format csv
expect_eq "system,automation,name,status,role,principal,principal_name,standing,service,since,assigned_by" \
  "$(printf '%s\n' "$OUT" | tr -d '\r')" "u-1 owns nothing any more"

expect_exit 0 "$CRMGOV" owners unassign sf/wf-c --role decision --from u-2 --by alice -c crmgov.ini
expect_eq "sf/wf-c: u-2 no longer holds role decision (by alice)
warning: sf/wf-c now has no decision owner (OWN001 unowned)" "$OUT"

expect_exit 0 "$CRMGOV" owners list -c crmgov.ini --format csv
expect_eq "system,automation,name,status,role,principal,principal_name,standing,service,since,assigned_by
sf,wf-a,Route leads,active,system,u-2,Ben Okoro,active,false,2026-03-01T12:00:00Z,carol
sf,wf-a,Route leads,active,decision,u-3,Cleo Park,active,false,2026-03-01T12:00:00Z,bob
sf,wf-b,Escalate tickets,active,system,u-2,Ben Okoro,active,false,2026-03-01T12:00:00Z,carol
sf,wf-b,Escalate tickets,active,decision,u-3,Cleo Park,active,false,2026-03-01T12:00:00Z,alice
sf,wf-c,Sync to ERP,active,system,svc,Integration,active,true,2026-03-01T09:00:00Z,events.jsonl" \
  "$(printf '%s\n' "$OUT" | tr -d '\r')" "owners after the changes"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer ownership --format csv
expect_eq 1 "$(printf '%s\n' "$OUT" | grep -c '^OWN001,unowned,ownership,medium,sf,wf-c,decision,')"

# the audit log has every change with its actor
audit=$(sqlite3 crmgov.db "SELECT actor || ' ' || action || ' ' || subject || ' ' || details FROM audit_log WHERE action LIKE 'ownership.%' AND actor <> 'connector:in' ORDER BY seq")
expect_eq 'alice ownership.assign sf/wf-b {"principal":"u-3","role":"decision","source":"crmgov owners assign"}
bob ownership.assign sf/wf-a {"principal":"u-3","role":"decision","source":"crmgov owners import owners.csv"}
bob ownership.assign sf/wf-c {"principal":"u-2","role":"decision","source":"crmgov owners import owners.csv"}
bob ownership.import owners.csv {"assigned":2,"file":"owners.csv","rows":3,"sha256":"'"$(sha256sum owners.csv | cut -c1-64)"'","unchanged":1}
carol ownership.assign sf/wf-a {"principal":"u-2","role":"system","source":"crmgov owners transfer"}
carol ownership.unassign sf/wf-a {"principal":"u-1","role":"system","source":"crmgov owners transfer"}
carol ownership.assign sf/wf-b {"principal":"u-2","role":"system","source":"crmgov owners transfer"}
carol ownership.unassign sf/wf-b {"principal":"u-1","role":"system","source":"crmgov owners transfer"}
carol ownership.transfer u-1 {"assignments":[{"automation":"wf-a","role":"system","system":"sf"},{"automation":"wf-b","role":"system","system":"sf"}],"from":"u-1","system":"sf","to":"u-2"}
alice ownership.unassign sf/wf-c {"principal":"u-2","role":"decision","source":"crmgov owners unassign"}' "$audit" "audit log entries"
expect_eq 3 "$(sqlite3 crmgov.db "SELECT count(*) FROM audit_log WHERE actor = 'connector:in' AND action = 'ownership.assign'")" \
  "connector assignments are logged too"

# the command documents itself
export CRMGOV_CONFIG="$T/crmgov.ini"
expect_exit 0 "$CRMGOV" help owners
expect_contains "usage: crmgov owners assign SYSTEM/ID --role ROLE --to PRINCIPAL --by ACTOR" "$OUT"
expect_exit 0 "$CRMGOV" help
expect_contains "owners         assign, unassign, import, transfer and list automation owners" "$OUT"
