#!/bin/sh
# 0820: the daemon with `rescan`. `crmgov run` keeps looking at the folder:
# a changed flow becomes a new version, a removed one `deleted`, while the
# process runs; SIGTERM ends it cleanly and a restart publishes nothing.
. "$(dirname "$0")/lib.sh"
setup
[ -f "$PLUGINS/salesforce.so" ] || skip "the salesforce plugin is not built"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
mkdir flows
cp "$SRC"/tests/data/salesforce/sfdx/force-app/main/default/flows/Opp_Discount_*.flow-meta.xml flows/
touch -d "2026-03-01T09:00:00Z" flows/*
write_config "[connector:sf]
plugin = salesforce
source = dir
system = sf-live
path = flows
rescan = 100ms"
"$CRMGOV" run -c crmgov.ini 2> run.err &
pid=$!
versions() {
  sqlite3 "$T/crmgov.db" "SELECT count(*) FROM versions" 2>/dev/null || echo 0
}
deleted() {
  "$CRMGOV" inventory -c crmgov.ini --status deleted --format json 2>/dev/null | jq length
}
wait_until() { # wait_until CMD WANT: 10 s at most
  n=0
  while [ "$($1)" != "$2" ] && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done
  [ "$($1)" = "$2" ] || { kill $pid; fail "$1: expected $2, found $($1)"; }
}
wait_until versions 2
sed -i 's|<numberValue>10.0</numberValue>|<numberValue>12.0</numberValue>|' flows/Opp_Discount_Partner.flow-meta.xml
touch -d "2026-03-02T09:00:00Z" flows/Opp_Discount_Partner.flow-meta.xml
wait_until versions 3
rm flows/Opp_Discount_Standard.flow-meta.xml
wait_until deleted 1
kill -TERM $pid
wait $pid; status=$?
expect_eq 0 "$status" "SIGTERM ends the daemon cleanly"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 0 events" "$OUT" "a restart publishes nothing again"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --rule SF017 --state all --format json
expect_eq "resolved resolved" "$(printf '%s' "$OUT" | jq -r '[.[].state] | join(" ")')" \
  "SF017 cleared once a single before-save flow is left"
