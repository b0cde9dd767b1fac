#!/bin/sh
# 0740: the README's "Security" section, command by command, as an admin
# would run it (paths under the scratch folder instead of /usr/local and
# /var/lib; the configuration found through $CRMGOV_CONFIG so every command
# is written as in the README): sign the plugins, pin the key, sign the
# audit log, keep the signed head off the machine, verify the log, prove an
# entry to an auditor.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
setup
mkdir -p build/plugins lib/crmgov/plugins etc/crmgov var/lib/crmgov offsite
cp "$PLUGINS"/*.so build/plugins/
chmod 0755 build/plugins/*.so lib lib/crmgov lib/crmgov/plugins
export CRMGOV_CONFIG="$T/etc/crmgov/crmgov.ini"

# 1. Sign your plugins (on a workstation; the key never goes to the server)
expect_exit 0 "$CRMGOV" keygen -o plugins.key
expect_exit 0 "$CRMGOV" plugin sign build/plugins/*.so --key plugins.key
install -m 0755 build/plugins/*.so lib/crmgov/plugins/
install -m 0644 build/plugins/*.so.minisig lib/crmgov/plugins/

# 2. Pin the key on the server and load only what it signed
cp plugins.key.pub etc/crmgov/trusted.keys
cat > etc/crmgov/crmgov.ini <<EOF
[core]
database      = $T/var/lib/crmgov/crmgov.db
plugin_dir    = $T/lib/crmgov/plugins
log_level     = warn
plugin_policy = signed
trusted_keys  = trusted.keys
signing_key   = $T/var/lib/crmgov/log.key

[connector:crm]
plugin = jsonl
path   = $T/events.jsonl

[layer:ownership]
plugin = ownership
EOF
# 3. Sign the audit log
expect_exit 0 "$CRMGOV" keygen -o var/lib/crmgov/log.key
expect_exit 0 "$CRMGOV" plugin verify lib/crmgov/plugins/ownership.so
expect_contains "lib/crmgov/plugins/ownership.so: ok, signed by key" "$OUT"
expect_exit 0 "$CRMGOV" check-config
expect_contains "[layer:ownership] plugin ownership" "$OUT"

printf '{"type":"ownership","system":"sf","at":"2026-03-01T08:00:00Z","automation":"wf-1","role":"system","principal":"u-1"}\n' > events.jsonl
expect_exit 0 "$CRMGOV" run --once
expect_exit 0 "$CRMGOV" log show --action plugin.load --format json
expect_eq "jsonl loaded signed
ownership loaded signed" "$(printf '%s' "$OUT" | jq -r '.[] | "\(.subject) \(.details.result) \(.details.policy)"')"

# an unsigned replacement is refused with one line
cp build/plugins/ownership.so lib/crmgov/plugins/ownership.so
printf 'x' >> lib/crmgov/plugins/ownership.so
expect_exit 2 "$CRMGOV" check-config
expect_eq "$T/etc/crmgov/crmgov.ini:14: $T/lib/crmgov/plugins/ownership.so: signature does not match the file contents" "$ERR"
install -m 0755 build/plugins/ownership.so lib/crmgov/plugins/

# 4. Keep the signed head off the machine
day=$(date +%F)
"$CRMGOV" log head --sign --format json > "offsite/crmgov-head-$day.json" || fail "log head"
cp var/lib/crmgov/log.key.pub offsite/
expect_eq "4" "$(jq .size "offsite/crmgov-head-$day.json")" "2 plugin loads, config, 1 event"

# more activity (yesterday's copy of the database kept aside), then
# 5. verify the log against the saved head
cp var/lib/crmgov/crmgov.db yesterday.db
printf '{"type":"ownership","system":"sf","at":"2026-03-02T08:00:00Z","automation":"wf-2","role":"system","principal":"u-2"}\n' >> events.jsonl
expect_exit 0 "$CRMGOV" run --once
expect_exit 0 "$CRMGOV" log verify --pubkey offsite/log.key.pub --state "offsite/crmgov-head-$day.json"
expect_contains "ok: 5 entries, root" "$OUT"
expect_contains "saved head: size 4, consistent" "$OUT"

# an auditor checks one entry without access to the server
"$CRMGOV" log prove 3 > proof-3.json || fail "log prove"
expect_exit 0 "$CRMGOV" log check-proof proof-3.json --pubkey offsite/log.key.pub
expect_eq "ok: the proof holds and its head is signed by a trusted key" "$OUT"

# restoring yesterday's database is caught against today's saved head
"$CRMGOV" log head --sign --format json > offsite/crmgov-head-today.json || fail "log head"
cp yesterday.db var/lib/crmgov/crmgov.db
expect_exit 0 "$CRMGOV" log verify --pubkey offsite/log.key.pub
expect_exit 1 "$CRMGOV" log verify --pubkey offsite/log.key.pub --state offsite/crmgov-head-today.json
expect_eq "FAILED at seq 5: the log shrank: the saved head has 5 entries, the log ends at seq 4 (rolled back or truncated)" "$OUT"
exit 0
