#!/bin/sh
# 0603: the layer lane. The audit layer declares it needs only events, so
# with it alone `crmgov run` judges events on a second thread while the store
# applies the next ones. That must change nothing: a planted dataset, run
# with small batches (many hand-overs and commits) once on the lane and once
# with `layer_thread = false`, leaves the same findings in every detail, the
# same audit log entries and the same plugin state. With a layer that has not
# declared it (ownership) beside it, the lane is not used at all.
. "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || skip "crmgov-gen is not built"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
setup
"$GEN" --plant --seed 1 --records 10000 --days 90 -o planted.jsonl 2> gen.err ||
  fail "crmgov-gen: $(cat gen.err)"

config() { # config NAME LAYER_THREAD [MORE SECTIONS]
  {
    printf '[core]\ndatabase = %s/%s.db\nplugin_dir = %s\nlog_level = debug\n' "$T" "$1" "$PLUGINS"
    printf 'batch_size = 700\nlayer_thread = %s\n' "$2"
    printf '[connector:in]\nplugin = jsonl\npath = %s/planted.jsonl\n[layer:audit]\nplugin = audit\n' "$T"
    [ $# -gt 2 ] && printf '%s\n' "$3"
  } > "$T/$1.ini"
}
dump() { # everything layers and the core wrote because of what layers did
  sqlite3 "$1" <<'SQL'
.mode list
SELECT 'F', rule, name, layer, severity, system, automation, subject, message, evidence,
       first_seen, last_seen, state, state_since FROM findings ORDER BY fid;
SELECT 'L', seq, at, actor, action, subject, details FROM audit_log
 WHERE action NOT LIKE 'config.%' AND action NOT LIKE 'plugin.%' ORDER BY seq;
SELECT 'S', instance, key, hex(value) FROM plugin_state WHERE instance LIKE 'layer:%'
 ORDER BY instance, key;
SQL
}

config lane true
expect_exit 0 "$CRMGOV" run --once -c lane.ini
expect_contains "layers run on their own thread beside the store" "$ERR" "the audit layer alone runs on the lane"
config single false
expect_exit 0 "$CRMGOV" run --once -c single.ini
case "$ERR" in *"their own thread"*) fail "layer_thread = false still used the lane" ;; esac

dump "$T/lane.db" > lane.txt
dump "$T/single.db" > single.txt
[ "$(grep -c '^F|' lane.txt)" -ge 10 ] || fail "the planted dataset raised too few findings: $(grep -c '^F|' lane.txt)"
grep -q '^S|layer:audit|' lane.txt || fail "the audit layer kept no state"
if ! cmp -s lane.txt single.txt; then
  diff single.txt lane.txt | head -20 >&2
  fail "the lane changed what the layers wrote"
fi

config mixed true '[layer:ownership]
plugin = ownership'
expect_exit 0 "$CRMGOV" run --once -c mixed.ini
case "$ERR" in *"their own thread"*) fail "the lane ran a layer that did not declare it needs only events" ;; esac

# A plugin on the lane sees host->now as the time of the event it is given
# (the store has usually applied later events by then), and audit_append is
# refused to it: its entries would interleave with the core's by timing.
mkdir -p p
cp "$PLUGINS"/jsonl.so "$BUILDDIR/testplugins/events_only.so" p/
awk 'BEGIN { for (i = 0; i < 20000; i++)
  printf "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-01-%02dT%02d:%02d:00Z\",\"object\":\"deal\",\"id\":\"r%d\",\"op\":\"create\",\"changes\":{}}\n",
         1 + int(i / 1440), int(i / 60) % 24, i % 60, i }' > probe.jsonl
printf '[core]\ndatabase = %s/probe.db\nplugin_dir = %s/p\nlog_level = debug\nbatch_size = 500\n[connector:in]\nplugin = jsonl\npath = %s/probe.jsonl\n[layer:probe]\nplugin = events_only\n' \
  "$T" "$T" "$T" > probe.ini
expect_exit 0 "$CRMGOV" run --once -c probe.ini
expect_contains "layers run on their own thread beside the store" "$ERR" "the events_only layer runs on the lane"
expect_eq "refused" "$(sqlite3 "$T/probe.db" "SELECT CAST(value AS TEXT) FROM plugin_state WHERE instance = 'layer:probe' AND key = 'audit_append'")" \
  "audit_append is refused to an EVENTS_ONLY plugin"
expect_eq "20000 0" "$(sqlite3 -separator ' ' "$T/probe.db" "SELECT count(*), sum(CAST(value AS TEXT) != CAST(1767225600000 + 60000 * CAST(substr(key, 6) AS INTEGER) AS TEXT)) FROM plugin_state WHERE instance = 'layer:probe' AND key LIKE 'now/r%'")" \
  "host->now on the lane is each event's own time"
expect_eq "0" "$(sqlite3 "$T/probe.db" "SELECT count(*) FROM audit_log WHERE action = 'test.probe'")" "no probe entry reached the audit log"

# Automation and execution events reach layers with the store's key for their
# (system, automation) pair -- the same key every time, on the lane and off it.
"$GEN" --seed 5 --events 5000 -o keyed.jsonl
for thread in true false; do
  rm -f "$T/keyed.db"*
  printf '[core]\ndatabase = %s/keyed.db\nplugin_dir = %s/p\nlayer_thread = %s\n[connector:in]\nplugin = jsonl\npath = %s/keyed.jsonl\n[layer:probe]\nplugin = events_only\n' \
    "$T" "$T" "$thread" "$T" > keyed.ini
  expect_exit 0 "$CRMGOV" run --once -c keyed.ini
  expect_eq "$(sqlite3 "$T/keyed.db" "SELECT count(*) FROM automation_keys") 0" \
    "$(sqlite3 -separator ' ' "$T/keyed.db" "SELECT count(*), sum(k.aid IS NULL OR CAST(s.value AS TEXT) != CAST(k.aid AS TEXT))
       FROM plugin_state s LEFT JOIN automation_keys k ON s.key = 'key/' || k.system || '/' || k.id
      WHERE s.instance = 'layer:probe' AND s.key LIKE 'key/%'")" \
    "every automation's events carry its automation_key (layer_thread = $thread)"
  expect_eq "0" "$(sqlite3 "$T/keyed.db" "SELECT count(*) FROM plugin_state WHERE key = 'key_mismatch'")" \
    "a pair's key never changes (layer_thread = $thread)"
done
