#!/bin/sh
# 0150: the daemon. `crmgov run` with `follow = true` reads lines appended
# after it started, survives log rotation (the file renamed and a new one
# created under the same name), and on SIGTERM drains what is queued,
# commits it and exits 0; a restart then reads nothing twice.
. "$(dirname "$0")/lib.sh"
setup
line() { # line N: a record event numbered N
  printf '{"type":"record","system":"s","at":"2026-03-01T09:%02d:%02dZ","object":"lead","id":"L-%d","op":"create"}\n' \
    $(($1 / 60 % 60)) $(($1 % 60)) "$1"
}
: > in.jsonl
for i in 1 2 3; do line $i >> in.jsonl; done
write_config "[connector:tail]
plugin = jsonl
path = in.jsonl
follow = true
poll_interval = 20ms"
"$CRMGOV" run -c crmgov.ini --log-level info 2> run.err &
pid=$!
count() {
  sqlite3 "$T/crmgov.db" "SELECT coalesce(sum(creates), 0) FROM object_daily" 2>/dev/null || echo 0
}
wait_for() { # wait_for N: until N records are committed (5 s at most)
  n=0
  while [ "$(count)" != "$1" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
  [ "$(count)" = "$1" ] || fail "expected $1 committed records, found $(count)"
}
command -v sqlite3 >/dev/null || { kill $pid; skip "the sqlite3 command is not installed"; }
wait_for 3
for i in 4 5; do line $i >> in.jsonl; done
wait_for 5
mv in.jsonl in.jsonl.1          # rotation: the old file keeps a late line
line 6 >> in.jsonl.1
for i in 7 8 9; do line $i >> in.jsonl; done
wait_for 9
kill -TERM $pid
wait $pid; status=$?
expect_eq 0 "$status" "SIGTERM ends the daemon cleanly"
expect_contains "received SIGTERM" "$(cat run.err)"
expect_eq 9 "$(count)" "every line before SIGTERM is committed"
# restart: nothing is read twice, new lines are
line 10 >> in.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 1 events" "$OUT"
expect_eq 10 "$(count)"
