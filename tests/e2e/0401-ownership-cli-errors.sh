#!/bin/sh
# 0401: every error path of `crmgov owners`: usage errors and bad input exit
# 2 with one line naming the problem (an import names the file and line),
# "nothing to do" exits 1, and none of them changes anything: the owners,
# the findings and the audit log are exactly as before.
. "$(dirname "$0")/lib.sh"
setup
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","name":"Ana Ruiz","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-2","name":"Ben Okoro","active":true,"roles":["admin"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-4","name":"Dan Ito","active":false,"roles":["sales"]}
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"svc","name":"Integration","active":true,"roles":["service"]}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-a","role":"system","principal":"u-1"}
{"type":"ownership","system":"sf","at":"2026-03-01T09:00:00Z","automation":"wf-a","role":"decision","principal":"u-1"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-a","name":"Route leads","object":"lead","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-b","name":"Escalate","object":"ticket","trigger":{"on":"create"},"status":"active"}
{"type":"automation","system":"sf","at":"2026-03-01T09:00:00Z","id":"wf-old","name":"Old","object":"deal","trigger":{"on":"create"},"status":"deleted"}
{"type":"record","system":"sf","at":"2026-03-01T12:00:00Z","object":"lead","id":"L-1","op":"create","changes":{}}
JSONL
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:ownership]
plugin = ownership"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini

state() {
  "$CRMGOV" owners list -c crmgov.ini --format csv
  "$CRMGOV" findings -c crmgov.ini --state all --format csv
  sqlite3 crmgov.db "SELECT count(*) FROM audit_log"
}
before=$(state)

# refused STATUS "STDERR" ARGS... : the command fails with exactly that
# message and changes nothing
refused() {
  want=$1; msg=$2; shift 2
  expect_exit "$want" "$CRMGOV" owners "$@" -c crmgov.ini
  expect_eq "$msg" "$ERR" "stderr of: owners $*"
  expect_eq "" "$OUT" "no stdout from: owners $*"
}

# the command itself
expect_exit 2 "$CRMGOV" owners -c crmgov.ini
expect_contains "usage: crmgov owners assign SYSTEM/ID --role ROLE --to PRINCIPAL --by ACTOR" "$ERR"
expect_exit 2 "$CRMGOV" owners --by x -c crmgov.ini
expect_contains "usage: crmgov owners assign" "$ERR"
refused 2 "crmgov owners: unknown subcommand 'frob' (assign, unassign, import, transfer or list)" frob

# assign
refused 2 "crmgov owners assign: SYSTEM/ID is required" assign --role system --to u-2 --by a
refused 2 "crmgov owners assign: give one SYSTEM/ID" assign sf/wf-a sf/wf-b --role system --to u-2 --by a
refused 2 "crmgov owners assign: unexpected argument 'x'" assign sf/wf-a sf/wf-b x --role system --to u-2 --by a
refused 2 "crmgov owners assign: 'wf-a' is not SYSTEM/ID" assign wf-a --role system --to u-2 --by a
refused 2 "crmgov owners assign: '/wf-a' is not SYSTEM/ID" assign /wf-a --role system --to u-2 --by a
refused 2 "crmgov owners assign: 'sf/' is not SYSTEM/ID" assign sf/ --role system --to u-2 --by a
refused 2 "crmgov owners assign: --role is required" assign sf/wf-a --to u-2 --by a
refused 2 "crmgov owners assign: --role must be system, decision or outcome (not 'owner')" assign sf/wf-a --role owner --to u-2 --by a
refused 2 "crmgov owners assign: --to is required" assign sf/wf-a --role system --by a
refused 2 "crmgov owners assign: --to is required" assign sf/wf-a --role system --to= --by a
refused 2 "crmgov owners assign: --by is required" assign sf/wf-a --role system --to u-2
refused 2 "crmgov owners assign: unknown option --from (see crmgov help owners)" assign sf/wf-a --role system --to u-2 --by a --from u-1
refused 2 "crmgov owners assign: --by needs a value" assign sf/wf-a --role system --to u-2 --by
refused 2 "crmgov owners assign: --at 'yesterday' is not an RFC 3339 time" assign sf/wf-a --role system --to u-2 --by a --at yesterday
refused 2 "crmgov owners assign: sf/wf-x is not in the inventory" assign sf/wf-x --role system --to u-2 --by a
refused 2 "crmgov owners assign: hs/wf-a is not in the inventory" assign hs/wf-a --role system --to u-2 --by a
refused 2 "crmgov owners assign: sf/wf-old is deleted" assign sf/wf-old --role system --to u-2 --by a
refused 2 "crmgov owners assign: u-4 is deactivated in sf" assign sf/wf-a --role system --to u-4 --by a
refused 2 "crmgov owners assign: svc is a service account; it may hold role system only" assign sf/wf-a --role decision --to svc --by a

# unassign
refused 2 "crmgov owners unassign: SYSTEM/ID is required" unassign --role system --by a
refused 2 "crmgov owners unassign: --role is required" unassign sf/wf-a --by a
refused 2 "crmgov owners unassign: --by is required" unassign sf/wf-a --role system --from u-1
refused 2 "crmgov owners unassign: --from needs a principal" unassign sf/wf-a --role system --from= --by a
refused 2 "crmgov owners unassign: unknown option --to (see crmgov help owners)" unassign sf/wf-a --role system --to u-1 --by a
refused 2 "crmgov owners unassign: sf/wf-x is not in the inventory" unassign sf/wf-x --role system --by a
refused 1 "crmgov owners unassign: nothing to remove: u-2 holds no role system on sf/wf-a" unassign sf/wf-a --role system --from u-2 --by a
refused 1 "crmgov owners unassign: nothing to remove: nobody holds role outcome on sf/wf-a" unassign sf/wf-a --role outcome --by a

# import
printf 'system,automation,role,principal\nsf,wf-b,system,u-2\n' > good.csv
refused 2 "crmgov owners import: FILE.csv is required" import --by a
refused 2 "crmgov owners import: give one FILE" import good.csv good.csv --by a
refused 2 "crmgov owners import: --by is required" import good.csv
refused 2 "crmgov owners import: --format must be table, json or csv" import good.csv --by a --format xml
refused 2 "crmgov owners import: cannot read missing.csv: No such file or directory" import missing.csv --by a
mkdir adir
refused 2 "crmgov owners import: cannot read adir: not a regular file" import adir --by a
: > empty.csv
refused 2 "crmgov owners import: empty.csv is empty (expected the header system,automation,role,principal)" import empty.csv --by a
printf 'system,automation,role,principal\n' > header.csv
refused 2 "crmgov owners import: header.csv has a header but no rows" import header.csv --by a
# one bad row anywhere and nothing of the file is applied
bad() {
  printf 'system,automation,role,principal\nsf,wf-b,system,u-2\n%s\nsf,wf-b,outcome,u-2\n' "$1" > bad.csv
  refused 2 "crmgov owners import: bad.csv:$2" import bad.csv --by a
}
printf 'system,automation,owner\nsf,wf-b,u-2\n' > header2.csv
refused 2 "crmgov owners import: header2.csv:1: the header must name the columns system,automation,role,principal" import header2.csv --by a
printf 'system,automation,role,role\nsf,wf-b,system,u-2\n' > header3.csv
refused 2 "crmgov owners import: header3.csv:1: the header must name the columns system,automation,role,principal" import header3.csv --by a
bad 'sf,wf-b,system' "3: expected 4 fields, got 3"
bad 'sf,wf-b,system,u-2,extra' "3: expected 4 fields, got 5"
bad 'sf,wf-b,system, ' "3: empty principal"
bad ',wf-b,system,u-2' "3: empty system"
bad 'sf,wf-b,owner,u-2' "3: role 'owner' is not system, decision or outcome"
bad 'sf,wf-x,system,u-2' "3: sf/wf-x is not in the inventory"
bad 'sf,wf-old,system,u-2' "3: sf/wf-old is deleted"
bad 'sf,wf-b,system,u-4' "3: u-4 is deactivated in sf"
bad 'sf,wf-b,decision,svc' "3: svc is a service account; it may hold role system only"
bad '"sf,wf-b,system,u-2' "3: a quoted field is never closed"

# transfer
refused 2 "crmgov owners transfer: --from is required" transfer --to u-2 --by a
refused 2 "crmgov owners transfer: --to is required" transfer --from u-1 --by a
refused 2 "crmgov owners transfer: --by is required" transfer --from u-1 --to u-2
refused 2 "crmgov owners transfer: unexpected argument 'sf'" transfer sf --from u-1 --to u-2 --by a
refused 2 "crmgov owners transfer: --role must be system, decision or outcome (not 'all')" transfer --from u-1 --to u-2 --role all --by a
refused 2 "crmgov owners transfer: --format must be table, json or csv" transfer --from u-1 --to u-2 --by a --format yaml
refused 2 "crmgov owners transfer: --from and --to name the same principal" transfer --from u-1 --to u-1 --by a
refused 2 "crmgov owners transfer: u-4 is deactivated in sf (it would receive role system of sf/wf-a)" transfer --from u-1 --to u-4 --by a
refused 2 "crmgov owners transfer: svc is a service account; it may hold role system only (it would receive role decision of sf/wf-a)" transfer --from u-1 --to svc --by a
refused 1 "crmgov owners transfer: nothing to transfer: u-2 holds no role" transfer --from u-2 --to u-1 --by a
refused 1 "crmgov owners transfer: nothing to transfer: u-1 holds no outcome role" transfer --from u-1 --to u-2 --role outcome --by a
refused 1 "crmgov owners transfer: nothing to transfer: u-1 holds no role in hs" transfer --from u-1 --to u-2 --system hs --by a

# list
refused 2 "crmgov owners list: --unowned and --principal cannot be combined" list --unowned --principal u-1
refused 2 "crmgov owners list: --format must be table, json or csv" list --format html
refused 2 "crmgov owners list: unexpected argument 'sf'" list sf
refused 2 "crmgov owners list: --unowned takes no value" list --unowned=yes
refused 2 "crmgov owners list: unknown option --by (see crmgov help owners)" list --by a

expect_eq "$before" "$(state)" "nothing changed"
