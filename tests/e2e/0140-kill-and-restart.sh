#!/bin/sh
# 0140: durability. A 200k-line file (with some broken lines) is ingested by a
# `crmgov run --once` that is killed with SIGKILL at several random moments
# and restarted each time; the final store -- inventory, versions, principals,
# owners, changes, raw executions, daily aggregates, dead letters and the
# connector's checkpoint -- must be identical to one uninterrupted run: no
# event lost, none applied twice.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
setup
"$GEN" --seed 11 --events 200000 -o clean.jsonl
# every 20000th line is replaced by garbage: dead letters must not repeat either
awk 'NR % 20000 == 0 { print "{\"type\":\"record\",\"broken\":" NR; next } { print }' clean.jsonl > in.jsonl
[ "$(wc -l < in.jsonl)" -eq 200000 ] || fail "input has the wrong size"

config() { # config DB
  printf '[core]\ndatabase = %s\nplugin_dir = %s\nlog_level = error\nbatch_size = 2000\n[connector:in]\nplugin = jsonl\npath = %s/in.jsonl\n' \
    "$1" "$PLUGINS" "$T" > "$2"
}
dump() { # dump DB: every table that holds ingested state, in a stable order
  sqlite3 "$1" <<'SQL'
.mode list
SELECT 'A', system, id, name, status, definition_hash, first_seen, last_seen, status_since, versions FROM automations ORDER BY system, id;
SELECT 'V', aid, seq, definition_hash, status, at FROM versions ORDER BY aid, seq;
SELECT 'P', system, id, active, roles, first_seen, last_seen, active_since FROM principals ORDER BY system, id;
SELECT 'O', system, automation, role, principal, since FROM owners ORDER BY 2, 3, 4, 5;
SELECT 'C', system, id, state, definition_hash, at FROM changes ORDER BY system, id;
SELECT 'E', aid, at, record, status, duration_ms, notified FROM executions ORDER BY aid, at, record, seq;
SELECT 'D', aid, day, executions, ok, failed, skipped, notifications, timed, duration_sum, duration_max, hex(hist) FROM daily ORDER BY aid, day;
SELECT 'R', system, object, day, creates, updates, deletes FROM object_daily ORDER BY 2, 3, 4;
SELECT 'L', source, line, reason, raw FROM deadletters ORDER BY id;
SELECT 'S', instance, key, hex(value) FROM plugin_state ORDER BY instance, key;
SELECT 'W', value FROM meta WHERE key = 'watermark';
SQL
}

config "$T/whole.db" whole.ini
started=$(date +%s%N)
expect_exit 0 "$CRMGOV" run --once -c whole.ini
whole_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expect_contains "199990 events" "$OUT" "the uninterrupted run reads every good line"
dump whole.db > whole.txt
[ "$(grep -c '^L|' whole.txt)" -eq 10 ] || fail "expected 10 dead letters in the uninterrupted run"

# Lines the killed store has committed: the jsonl checkpoint is "file:DEV:INO|OFFSET LINE ...".
lines_done() {
  sqlite3 killed.db "SELECT CAST(value AS TEXT) FROM plugin_state WHERE instance = 'connector:in'" 2>/dev/null |
    awk '{ n = $2 + 0 } END { print n + 0 }'
}

# Each kill lands at a random moment in the first half of what is left of the
# run, judged from the uninterrupted run's time and the committed lines -- a
# fixed window would miss once a fast machine finishes the rest in time.
config "$T/killed.db" killed.ini
kills=0; attempts=0
while [ "$kills" -lt 8 ] && [ "$attempts" -lt 60 ]; do
  attempts=$((attempts + 1))
  left=$((200000 - $(lines_done)))
  [ "$left" -gt 4000 ] || break
  delay=$(awk -v s="$attempts$$" -v ms="$whole_ms" -v left="$left" \
    'BEGIN { srand(s); printf "%.3f", 0.005 + rand() * 0.5 * ms / 1000 * left / 200000 }')
  "$CRMGOV" run --once -c killed.ini > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
  fi
  wait "$pid" 2>/dev/null
done
[ "$kills" -ge 5 ] || fail "could only kill $kills runs in the middle"
expect_exit 0 "$CRMGOV" run --once -c killed.ini
dump killed.db > killed.txt
if ! cmp -s whole.txt killed.txt; then
  diff whole.txt killed.txt | head -n 20 >&2
  fail "after $kills kills the store differs from one uninterrupted run"
fi
echo "identical after $kills kills"
