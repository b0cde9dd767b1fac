#!/bin/sh
# 0602: `crmgov report --format html` is one self-contained page (no script,
# no link out) that a browser renders offline: headless Chromium (Debian
# package `chromium`) loads it with networking off, and the DOM it builds
# shows, per system, the same numbers as `--format json` -- the scorecard,
# the open findings, one health row per automation -- and every chart (daily
# executions and failures, conversion trend, notifications per recipient).
# A screenshot proves the page paints. Skipped when chromium is missing.
. "$(dirname "$0")/lib.sh"
command -v chromium > /dev/null 2>&1 || skip "chromium is not installed (apt-get install chromium)"
[ -x "$GEN" ] || skip "crmgov-gen is not built"
setup

"$GEN" --plant --seed 3 --days 75 --records 4000 -o events.jsonl 2> gen.err || fail "crmgov-gen: $(cat gen.err)"
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:audit]
plugin = audit"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" report --format json --since 2026-01-01 -c crmgov.ini
printf '%s' "$OUT" > report.json
expect_exit 0 "$CRMGOV" report --format html --since 2026-01-01 -o report.html -c crmgov.ini
if grep -Eqi '<script|https?://|src=' report.html; then fail "the page loads nothing and runs nothing"; fi

browser() {
  profile=$(mktemp -d "$T/chromium-XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --window-size=1280,2400 "$@" "file://$T/report.html" 2> "$T/chromium.err"
}
browser --dump-dom > dom.html || fail "chromium could not load the page: $(tail -n 3 chromium.err)"
grep -q '<h1>Governance report</h1>' dom.html || fail "the DOM holds the page"

# one file per system section of the rendered DOM
sed 's/<section class="system"/\n&/g' dom.html | awk '/^<section class="system"/ { n++ } n { print > ("section" n ".html") }'
systems=$(jq -r '.systems | length' report.json)
[ "$systems" -ge 3 ] || fail "the report covers the three systems"
[ -f "section$systems.html" ] || fail "the page has a section per system"
i=0
while [ $i -lt "$systems" ]; do
  sys=$(jq -r ".systems[$i].system" report.json)
  sec="section$((i + 1)).html"
  grep -q "data-system=\"$sys\"" "$sec" || fail "section $((i + 1)) is $sys"
  for metric in owned free_of_high_findings; do
    want=$(jq -r ".systems[$i].scorecard.$metric | \"data-count=\\\"\(.count)\\\" data-total=\\\"\(.total)\\\"\"" report.json)
    expect_contains "data-metric=\"$metric\" data-known=\"true\" $want" "$(cat "$sec")" "$sys: $metric"
  done
  for metric in reviewed_in_time approved; do
    expect_contains "data-metric=\"$metric\" data-known=\"false\"" "$(cat "$sec")" "$sys: $metric n/a"
  done
  expect_contains "data-open-total=\"$(jq -r ".systems[$i].open_findings.total" report.json)\"" \
    "$(cat "$sec")" "$sys: open findings"
  for layer_sev in $(jq -r ".systems[$i].open_findings.by_layer[] | .layer as \$l | to_entries[] | select(.key != \"layer\") | \"\(\$l):\(.key):\(.value)\"" report.json); do
    sev=$(echo "$layer_sev" | cut -d: -f2)
    count=$(echo "$layer_sev" | cut -d: -f3)
    expect_contains "data-severity=\"$sev\" data-count=\"$count\"" "$(cat "$sec")" "$sys: $layer_sev"
  done
  expect_eq "$(jq -r ".systems[$i].automations | length" report.json)" \
    "$(grep -o '<tr data-automation=' "$sec" | wc -l | tr -d ' ')" "$sys: a health row per automation"
  expect_eq "$(jq -r "[.systems[$i].automations[].executions] | add // 0" report.json)" \
    "$(grep -o 'data-col="executions">[0-9]*' "$sec" | sed 's/.*>//' | awk '{ s += $1 } END { print s + 0 }')" \
    "$sys: the health table's runs add up to the JSON's"
  # charts: the system total, one per busy automation, the conversion
  # trends, the recipients
  want_charts=$(jq -r ".systems[$i].charts | 1 + (.executions | length) + (.conversion | length) + (if (.notifications | length) > 0 then 1 else 0 end)" report.json)
  expect_eq "$want_charts" "$(grep -o '<svg class="chart ' "$sec" | wc -l | tr -d ' ')" "$sys: every chart is drawn"
  expect_contains "data-automation=\"\" data-executions=\"$(jq -r "[.systems[$i].charts.executions_total[]] | add" report.json)\" data-failures=\"$(jq -r "[.systems[$i].charts.failures_total[]] | add" report.json)\"" \
    "$(cat "$sec")" "$sys: the total chart holds the JSON's daily numbers"
  for auto in $(jq -r ".systems[$i].charts.executions[].automation" report.json); do
    runs=$(jq -r ".systems[$i].charts.executions[] | select(.automation == \"$auto\") | [.executions[]] | add" report.json)
    expect_contains "data-automation=\"$auto\" data-executions=\"$runs\"" "$(cat "$sec")" "$sys/$auto chart"
  done
  for auto in $(jq -r ".systems[$i].charts.conversion[].automation" report.json); do
    tc=$(jq -r ".systems[$i].charts.conversion[] | select(.automation == \"$auto\") | \"data-touched=\\\"\([.weeks[].touched] | add)\\\" data-converted=\\\"\([.weeks[].converted] | add)\\\"\"" report.json)
    expect_contains "class=\"chart chart-conversion\" data-automation=\"$auto\" $tc" "$(cat "$sec")" "$sys/$auto conversion"
  done
  if [ "$(jq -r ".systems[$i].charts.notifications | length" report.json)" -gt 0 ]; then
    expect_contains "data-recipients=\"$(jq -r ".systems[$i].charts.notifications | length" report.json)\" data-total=\"$(jq -r "[.systems[$i].charts.notifications[].total] | add" report.json)\"" \
      "$(cat "$sec")" "$sys: notifications per recipient"
  fi
  i=$((i + 1))
done
# the planted notification overload (51 on day 5) is drawn red
grep -q '<rect[^>]*fill="#d64545"><title>51 notifications, at most 51 on 2026-01-06</title>' dom.html ||
  fail "the recipient over the daily limit is drawn red"

browser --screenshot="$T/report.png" > /dev/null || fail "chromium could not paint the page"
[ "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "the screenshot is a PNG"
[ "$(wc -c < report.png)" -gt 20000 ] || fail "the screenshot shows more than an empty page"
