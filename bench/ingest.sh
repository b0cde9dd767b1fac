#!/bin/sh
# bench/ingest.sh -- ingestion throughput of `crmgov run --once` with the
# jsonl connector and no layers, on 1M and 5M generated events: events/s,
# peak RSS and database size; then the same executions loaded into the
# sqlite3 command (.import of a CSV + one GROUP BY per automation and day) as
# a baseline, and the ratio. Then the 1M run again with every layer that is
# built (ownership, change, audit), if any.
set -eu
B=$CRMGOV_BUILD_DIR
T=$(mktemp -d /tmp/crmgov-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT

peak_rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

run_once() { # run_once INPUT [EXTRA-INI] -> "secs events rss_kb" in $T/once
  rm -f "$T/b.db" "$T/b.db-wal" "$T/b.db-shm"
  printf '[core]\ndatabase = %s/b.db\nplugin_dir = %s/plugins\nlog_level = error\n[connector:in]\nplugin = jsonl\npath = %s\n%s\n' \
    "$T" "$B" "$1" "${2:-}" > "$T/b.ini"
  start=$(date +%s.%N)
  /usr/bin/time -v "$B/crmgov" run --once -c "$T/b.ini" > "$T/out" 2> "$T/time"
  end=$(date +%s.%N)
  events=$(sed -n 's/^crmgov run: \([0-9]*\) events.*/\1/p' "$T/out")
  echo "$(echo "$end - $start" | bc -l) $events $(peak_rss_kb "$T/time")" > "$T/once"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run_crmgov() { # run_crmgov LABEL INPUT [EXTRA-INI]: the median of three runs
  : > "$T/runs"
  for i in 1 2 3; do run_once "$2" "${3:-}"; cat "$T/once" >> "$T/runs"; done
  secs=$(cut -d' ' -f1 "$T/runs" | median)
  events=$(head -n 1 "$T/runs" | cut -d' ' -f2)
  rss=$(cut -d' ' -f3 "$T/runs" | median)
  printf '%-28s %9s events %7.2f s %9.0f events/s  peak RSS %6.1f MiB  db %6.1f MiB  (median of 3)\n' \
    "$1" "$events" "$secs" "$(echo "$events / $secs" | bc -l)" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$(stat -c %s "$T/b.db") / 1048576" | bc -l)"
  echo "$secs" > "$T/last_secs"
  echo "$rss" > "$T/last_rss"
}

baseline() { # baseline INPUT: sqlite3 .import of the executions + GROUP BY
  awk -F'"' '/"type":"execution"/ {
      a = ""; at = ""; r = ""; s = ""; d = "";
      for (i = 2; i < NF; i++) {
        if ($i == "automation") a = $(i + 2); else if ($i == "at") at = $(i + 2);
        else if ($i == "record") r = $(i + 2); else if ($i == "status") s = $(i + 2);
        else if ($i == "duration_ms") { d = $(i + 1); sub(/^:/, "", d); sub(/,.*/, "", d) }
      }
      print a "," at "," r "," s "," d }' "$1" > "$T/exec.csv"
  rm -f "$T/base.db"
  start=$(date +%s.%N)
  sqlite3 "$T/base.db" <<SQL > /dev/null
PRAGMA journal_mode=WAL;
CREATE TABLE executions (automation TEXT, at TEXT, record TEXT, status TEXT, duration_ms INTEGER);
.mode csv
.import $T/exec.csv executions
CREATE TABLE daily AS SELECT automation, substr(at, 1, 10) AS day, count(*) AS executions,
  sum(status = 'failed') AS failed, sum(duration_ms) AS duration FROM executions GROUP BY 1, 2;
SQL
  end=$(date +%s.%N)
  n=$(wc -l < "$T/exec.csv")
  secs=$(echo "$end - $start" | bc -l)
  printf '%-28s %9s rows   %7.2f s %9.0f rows/s\n' "sqlite3 baseline" "$n" "$secs" "$(echo "$n / $secs" | bc -l)"
  echo "$secs" > "$T/base_secs"
}

command -v bc >/dev/null || { echo "bench needs bc (apt-get install bc)"; exit 0; }
for n in 1000000 5000000; do
  "$B/crmgov-gen" --seed 3 --events "$n" -o "$T/in.jsonl"
  run_crmgov "crmgov, $((n / 1000000))M events" "$T/in.jsonl"
  crmgov_secs=$(cat "$T/last_secs")
  cp "$T/last_rss" "$T/rss_$n"
  baseline "$T/in.jsonl"
  printf '%-28s crmgov takes %.2fx the time sqlite3 needs for the executions alone\n' "ratio" \
    "$(echo "$crmgov_secs / $(cat "$T/base_secs")" | bc -l)"
done
printf '%-28s %.3f (target: within 10%%)\n' "peak RSS 5M / 1M" \
  "$(echo "$(cat "$T/rss_5000000") / $(cat "$T/rss_1000000")" | bc -l)"
layers=""
for l in ownership change audit; do
  [ -f "$B/plugins/$l.so" ] && layers="$layers[layer:$l]
plugin = $l
"
done
if [ -n "$layers" ]; then
  "$B/crmgov-gen" --seed 3 --events 1000000 -o "$T/in.jsonl"
  run_crmgov "1M events, all layers" "$T/in.jsonl" "$layers"
fi
