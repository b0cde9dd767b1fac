#!/bin/sh
# bench/salesforce.sh -- the Salesforce flow pipeline on 10,000 flows: the
# public corpus (shared/corpus/salesforce-flows, when present) plus the
# project's own fixtures, replicated under new names into a temporary
# folder (never committed). Prints flows/s and total time for
#   1. parse + map + check in memory (bench/flow_bench.c, built here), and
#   2. the whole connector: `crmgov run --once` with `source = dir` -- the
#      folder walk, reading, parsing, mapping, checks, SF017 across all
#      flows, and every automation and finding committed to the store.
# Target: under 5 s for 10k flows. Not a test: nothing fails on a number.
set -eu
B=$CRMGOV_BUILD_DIR
S=$CRMGOV_SOURCE_DIR
N=${SF_BENCH_FLOWS:-10000}
T=$(mktemp -d /tmp/crmgov-sfbench-XXXXXX)
trap 'rm -rf "$T"' EXIT
corpus=${CRMGOV_SF_CORPUS:-$S/../shared/corpus/salesforce-flows}

# the seed files: every flow that parses (the broken fixtures are left out)
mkdir "$T/seed" "$T/flows"
[ -d "$corpus" ] && cp "$corpus"/*.flow-meta.xml "$T/seed/"
for f in "$S"/tests/data/salesforce/*.flow-meta.xml "$S"/tests/data/salesforce/order/*.flow-meta.xml \
         "$S"/tests/data/salesforce/sfdx/force-app/main/default/flows/*.flow-meta.xml; do
  case "$(basename "$f")" in Malformed*|Broken*) continue ;; esac
  cp "$f" "$T/seed/own_$(basename "$f")"
done
seeds=$(ls "$T/seed" | wc -l)
# N copies, renamed NAME_00042.flow-meta.xml, spread over 100 folders (one
# awk process writes them all: a cp per file would dominate the setup)
ls "$T"/seed/*.flow-meta.xml > "$T/seeds"
awk -v n_out="$N" -v out="$T/flows" '
  BEGIN {
    n = 0
    while ((getline path < (out "/../seeds")) > 0) {
      text = ""
      while ((getline line < path) > 0) text = text line "\n"
      close(path)
      name = path; sub(/.*\//, "", name); sub(/\.flow-meta\.xml$/, "", name)
      content[n] = text; names[n++] = name
    }
    for (d = 0; d < 100; d++) system("mkdir -p " out "/f" d)
    for (i = 0; i < n_out; i++) {
      s = i % n
      file = sprintf("%s/f%d/%s_%05d.flow-meta.xml", out, i % 100, names[s], i)
      printf "%s", content[s] > file
      close(file)
    }
  }'
bytes=$(du -sb "$T/flows" | cut -f1)
echo "input: $N flows from $seeds distinct files ($(echo "$bytes / 1048576" | bc -l | xargs printf '%.1f') MiB)$([ -d "$corpus" ] || echo ', no corpus found')"

# 1. the pipeline in memory
dir=$S/plugins/connectors/salesforce
cc -std=gnu11 -D_GNU_SOURCE -O2 -I"$S/include" -I"$S/plugins" \
  $(pkg-config --cflags libxml-2.0 libcjson) "$dir/bench/flow_bench.c" \
  "$dir/flow_parse.c" "$dir/flow_map.c" "$dir/flow_check.c" "$dir/sf_arena.c" "$dir/sf_json.c" \
  $(pkg-config --libs libxml-2.0 libcjson) -lm -o "$T/flow_bench"
printf '%-34s ' "parse + map + check (memory)"
# shellcheck disable=SC2046
(cd "$T/flows" && "$T/flow_bench" -n 1 $(find . -name '*.flow-meta.xml' | sort))

# 2. the connector end to end
printf '[core]\ndatabase = %s/b.db\nplugin_dir = %s/plugins\nlog_level = error\n[connector:sf]\nplugin = salesforce\nsource = dir\nsystem = bench\npath = %s/flows\n' \
  "$T" "$B" "$T" > "$T/b.ini"
start=$(date +%s.%N)
"$B/crmgov" run --once -c "$T/b.ini" > "$T/out"
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
findings=$("$B/crmgov" findings -c "$T/b.ini" --format csv | tail -n +2 | wc -l)
printf '%-34s %d flows in %.2f s: %.0f flows/s (%d automations, %d SF findings stored)\n' \
  "crmgov run --once, source = dir" "$N" "$secs" "$(echo "$N / $secs" | bc -l)" \
  "$(sed -n 's/^crmgov run: \([0-9]*\) events.*/\1/p' "$T/out")" "$findings"
# 3. a second run: nothing changed, nothing parsed
start=$(date +%s.%N)
"$B/crmgov" run --once -c "$T/b.ini" > "$T/out"
end=$(date +%s.%N)
printf '%-34s %.2f s (%s)\n' "rescan, nothing changed" "$(echo "$end - $start" | bc -l)" \
  "$(sed -n 's/^crmgov run: \([0-9]*\) events.*/\1 events/p' "$T/out")"
