#!/bin/sh
# 0501: every error path of `crmgov change`, `crmgov review`, `crmgov reviews`
# and `crmgov check`. Usage errors and bad input exit 2 with one line on
# stderr naming the problem, print nothing on stdout and change nothing (the
# requests, the findings and the audit log are exactly as before). Policy
# refusals (self-approval, a second approval by one person, deciding a
# request that is no longer pending) exit 1 and leave exactly one
# change.refused entry in the audit log.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-a","object":"lead","trigger":{"on":"create"},"actions":[{"type":"set_field","field":"queue","value":"inbound"}],"status":"active"}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:change]
plugin = change
require_owner_approval = false"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" change propose sf/wf-a --status inactive --by u-1 --at 2026-03-02T10:00:00Z -c crmgov.ini
expect_exit 0 "$CRMGOV" change propose sf/wf-a --status deleted --by u-1 --at 2026-03-02T10:00:00Z -c crmgov.ini
expect_exit 0 "$CRMGOV" change reject REQ-2 --by u-2 --reason no --at 2026-03-02T10:10:00Z -c crmgov.ini

state() {
  "$CRMGOV" change list -c crmgov.ini --state all --format csv
  "$CRMGOV" findings -c crmgov.ini --state all --format csv
  sqlite3 crmgov.db "SELECT count(*) FROM audit_log"
  sqlite3 crmgov.db "SELECT count(*) FROM plugin_state"
}
before=$(state)

# refused STATUS "STDERR" COMMAND ARGS...: exactly that message, no stdout
refused() {
  want=$1; msg=$2; shift 2
  expect_exit "$want" "$CRMGOV" "$@" -c crmgov.ini
  expect_eq "$msg" "$ERR" "stderr of: $*"
  expect_eq "" "$OUT" "no stdout from: $*"
}

printf '{"object":"lead","trigger":{"on":"sometimes"}}' > bad-on.json
printf '{"object":"lead","trigger":{"on":"create"}' > not-json.json
printf '{"object":"lead","trigger":{"on":"create"}}\n{"object":"deal","trigger":{"on":"create"}}\n' > two-objects.json
printf '{"id":"wf-b","object":"lead","trigger":{"on":"create"}}' > other-id.json
printf '{"system":"hs","object":"lead","trigger":{"on":"create"}}' > other-sys.json
printf '[1]' > array.json
printf '{"object":"lead","trigger":{"on":"create"},"conditions":[{"field":"x","op":"in","value":"a"}]}' > bad-in.json
printf '{"object":"lead","trigger":{"on":"create"}}' > no-id.json
printf '{"id":"wf-x","object":"lead","trigger":{"on":"create"}}' > no-system.json

# change
refused 2 "usage: crmgov change propose|list|show|approve|reject ... (see 'crmgov help change')" change
refused 2 "crmgov change: unknown subcommand 'frob' (see 'crmgov help change')" change frob
refused 2 "crmgov change: unknown option '--bogus' (see 'crmgov help change')" change list --bogus
refused 2 "crmgov change: option '--state' needs a value" change list --state
refused 2 "crmgov change: option '--by' given twice" change approve REQ-1 --by a --by b

# change propose
usage_propose="usage: crmgov change propose SYSTEM/ID (--file DEF.json | --status STATUS) --by USER [--note TEXT]"
refused 2 "$usage_propose" change propose --status active --by u-1
refused 2 "$usage_propose" change propose wf-a --status active --by u-1
refused 2 "$usage_propose" change propose sf/ --status active --by u-1
refused 2 "$usage_propose" change propose sf/wf-a sf/wf-b --status active --by u-1
refused 2 "crmgov change: propose needs --by USER (see 'crmgov help change')" change propose sf/wf-a --status active
refused 2 "crmgov change: propose needs --by USER (see 'crmgov help change')" change propose sf/wf-a --status active --by=
refused 2 "crmgov change: propose needs --file DEF.json or --status STATUS (see 'crmgov help change')" change propose sf/wf-a --by u-1
refused 2 "crmgov change: --status must be active, inactive or deleted" change propose sf/wf-a --status paused --by u-1
refused 2 "crmgov change: --format must be table or json" change propose sf/wf-a --status inactive --by u-1 --format csv
refused 2 "crmgov change: --at must be an RFC 3339 time" change propose sf/wf-a --status inactive --by u-1 --at tomorrow
refused 2 "crmgov change: sf/wf-zz is not in the inventory; propose it with --file" change propose sf/wf-zz --status active --by u-1
refused 2 "crmgov change: cannot read missing.json: No such file or directory" change propose sf/wf-a --file missing.json --by u-1
refused 2 "crmgov change: not-json.json is not valid JSON" change propose sf/wf-a --file not-json.json --by u-1
refused 2 "crmgov change: two-objects.json is not valid JSON" change propose sf/wf-a --file two-objects.json --by u-1
refused 2 "crmgov change: bad-on.json: field 'trigger.on' is 'sometimes', not one of create|update|delete|create_or_update|schedule|manual" change propose sf/wf-a --file bad-on.json --by u-1
refused 2 "crmgov change: bad-in.json: field 'conditions[0].value' must be an array for op 'in'" change propose sf/wf-a --file bad-in.json --by u-1
refused 2 "crmgov change: array.json: an automation definition must be a JSON object" change propose sf/wf-a --file array.json --by u-1
refused 2 "crmgov change: other-id.json describes sf/wf-b, not sf/wf-a" change propose sf/wf-a --file other-id.json --by u-1
refused 2 "crmgov change: other-sys.json describes hs/wf-a, not sf/wf-a" change propose sf/wf-a --file other-sys.json --by u-1
refused 2 "crmgov change: sf/wf-a already is the approved version; nothing to propose" change propose sf/wf-a --status active --by u-1

# change list / show
refused 2 "usage: crmgov change list [--state pending|approved|rejected|all] [--system S] [--format table|json|csv]" change list extra
refused 2 "crmgov change: --state must be pending, approved, rejected or all" change list --state done
refused 2 "crmgov change: --format must be table, json or csv" change list --format xml
refused 2 "crmgov change: show needs one request id (see 'crmgov help change')" change show
refused 2 "crmgov change: no change request REQ-9" change show REQ-9
refused 2 "crmgov change: --format must be table or json" change show REQ-1 --format csv

# change approve / reject: usage
refused 2 "crmgov change: approve needs --by USER (see 'crmgov help change')" change approve REQ-1
refused 2 "crmgov change: --at must be an RFC 3339 time" change approve REQ-1 --by u-2 --at soon
refused 2 "crmgov change: approve needs one request id (see 'crmgov help change')" change approve --by u-2
refused 2 "crmgov change: no change request REQ-9" change approve REQ-9 --by u-2
refused 2 "crmgov change: reject needs --by USER (see 'crmgov help change')" change reject REQ-1 --reason x
refused 2 "crmgov change: reject needs --reason TEXT (see 'crmgov help change')" change reject REQ-1 --by u-2
refused 2 "crmgov change: no change request REQ-9" change reject REQ-9 --by u-2 --reason x

# review / reviews
refused 2 "usage: crmgov review SYSTEM/ID --by USER [--note TEXT] [--at TIME]" review
refused 2 "usage: crmgov review SYSTEM/ID --by USER [--note TEXT] [--at TIME]" review wf-a --by u-1
refused 2 "crmgov review: --by USER is required" review sf/wf-a
refused 2 "crmgov review: --at must be an RFC 3339 time" review sf/wf-a --by u-1 --at never
refused 2 "crmgov review: no automation sf/wf-zz in the inventory" review sf/wf-zz --by u-1
refused 2 "crmgov review: unknown option '--comment' (see 'crmgov help review')" review sf/wf-a --by u-1 --comment x
usage_due="usage: crmgov reviews due [--system S] [--within DURATION] [--format table|json|csv]"
refused 2 "$usage_due" reviews
refused 2 "$usage_due" reviews overdue
refused 2 "crmgov reviews: --format must be table, json or csv" reviews due --format sarif
refused 2 "crmgov reviews: --within must be a duration such as 30d" reviews due --within soon
refused 2 "crmgov reviews: --at must be an RFC 3339 time" reviews due --at soon

# check
refused 2 "usage: crmgov check FILE... [--system S] [--format table|json|sarif] [--fail-on low|medium|high|critical|never]" check
refused 2 "crmgov check: --format must be table, json or sarif" check no-id.json --format csv
refused 2 "crmgov check: --fail-on must be low, medium, high, critical or never" check no-id.json --fail-on always
refused 2 "crmgov check: cannot read missing.json: No such file or directory" check missing.json
refused 2 "crmgov check: not-json.json is not valid JSON" check not-json.json
refused 2 "crmgov check: two-objects.json is not valid JSON" check two-objects.json
refused 2 "crmgov check: bad-on.json: field 'trigger.on' is 'sometimes', not one of create|update|delete|create_or_update|schedule|manual" check bad-on.json --system sf
refused 2 "crmgov check: array.json: an automation definition must be a JSON object" check array.json
refused 2 "crmgov check: no-id.json: \"id\" is required" check no-id.json --system sf
refused 2 "crmgov check: no-system.json: no system (give \"system\" in the file or --system)" check no-system.json

expect_eq "$before" "$(state)" "usage errors change nothing"

# policy refusals: exit 1, one change.refused entry each, nothing else changes
audit_before=$(sqlite3 crmgov.db "SELECT count(*) FROM audit_log")
refused 1 "crmgov change: refused: u-1 cannot approve their own change REQ-1" change approve REQ-1 --by u-1
refused 1 "crmgov change: refused: REQ-2 is already rejected" change approve REQ-2 --by u-3
refused 1 "crmgov change: refused: REQ-2 is already rejected" change reject REQ-2 --by u-3 --reason again
expect_exit 0 "$CRMGOV" change approve REQ-1 --by u-2 --at 2026-03-02T11:00:00Z -c crmgov.ini
refused 1 "crmgov change: refused: REQ-1 is already approved" change approve REQ-1 --by u-2
expect_eq "$((audit_before + 6))" "$(sqlite3 crmgov.db "SELECT count(*) FROM audit_log")" \
  "four refusals, one approval, one change.recorded"
expect_eq "4" "$(sqlite3 crmgov.db "SELECT count(*) FROM audit_log WHERE action = 'change.refused'")"
