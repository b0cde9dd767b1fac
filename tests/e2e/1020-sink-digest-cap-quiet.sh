#!/bin/sh
# 1020: beyond max_per_recipient_per_day the findings fold into the daily
# digest, sent at digest_at of event time and counted as the first message
# of the new day; medium findings wait for the digest; a run with nothing
# new sends nothing; re-raising an open finding sends nothing. The
# jsonl-export sink of the same run writes one line per finding change.
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/sink-e2e.sh"
plugin_dir jsonl scripted webhook jsonl-export

finding() { # AT OP RULE SEVERITY
  printf '{"type":"record","system":"sf","at":"%s","object":"finding","id":"f","op":"%s","changes":{"rule":[null,"%s"],"severity":[null,"%s"],"automation":[null,"a1"]}}\n' \
    "$1" "$2" "$3" "$4"
}
{
  cat <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","name":"Ann Admin","email":"ann@example.com","active":true}
{"type":"ownership","system":"sf","at":"2026-03-01T08:00:01Z","automation":"a1","role":"system","principal":"u-1"}
JSONL
  for i in 1 2 3 4 5; do finding "2026-03-01T09:0$i:00Z" create "HI00$i" high; done
  finding 2026-03-01T09:30:00Z create MED001 medium
  finding 2026-03-01T10:00:00Z create HI001 high   # still open: a refresh, no message
  finding 2026-03-02T08:30:00Z create MED002 medium # after digest_at: the next digest
} > events.jsonl

start_receiver rx.jsonl
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
[layer:scripted]
[sink:owners]
plugin = webhook
url = http://127.0.0.1:$RX_PORT/crmgov
max_per_recipient_per_day = 3
digest_at = 08:00
[sink:siem]
plugin = jsonl-export
path = findings.jsonl"
sed -i "s|^plugin_dir = .*|plugin_dir = $PDIR|" crmgov.ini

expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
summary() {
  jq -r 'if .body.type == "finding"
         then "\(.body.type) \(.body.finding.rule) \(.body.transition) -> \([.body.recipients[].id] | join(","))"
         else "\(.body.type) \(.body.at) -> \([.body.recipients[].id] | join(",")): \([.body.items[] | "\(.finding.rule)\(if .folded then "*" else "" end)"] | join(" "))" end' rx.jsonl
}
expect_eq "finding HI001 raised -> u-1
finding HI002 raised -> u-1
finding HI003 raised -> u-1
digest 2026-03-02T08:00:00Z -> u-1: HI004* HI005* MED001" "$(summary)" \
  "three immediate, the rest folded into the digest (* = over the cap)"
expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format csv
expect_eq "owners,,digest-item,waiting,2026-03-02T08:30:00Z,2026-03-03T08:00:00Z,0,,u-1,MED002 sf/a1 raised (medium)," \
  "$(printf '%s\n' "$OUT" | tail -n +2 | tr -d '\r')" "the next digest waits for 08:00"

# quiet: nothing new, nothing sent
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq 4 "$(wc -l < rx.jsonl)" "a run without changes sends nothing"

# day two: the digest counted, so two immediate messages are left
{
  for i in 6 7 8; do finding "2026-03-02T09:0$i:00Z" create "HI00$i" critical; done
  finding 2026-03-02T09:30:00Z create HI002 high   # open already
  finding 2026-03-03T08:00:00Z delete HI001 high   # cleared at the digest boundary
} >> events.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "finding HI001 raised -> u-1
finding HI002 raised -> u-1
finding HI003 raised -> u-1
digest 2026-03-02T08:00:00Z -> u-1: HI004* HI005* MED001
finding HI006 raised -> u-1
finding HI007 raised -> u-1
digest 2026-03-03T08:00:00Z -> u-1: MED002 HI008*
finding HI001 cleared -> u-1" "$(summary)" "day two"
expect_eq 8 "$(jq -s '[.[].id] | unique | length' rx.jsonl)" "no delivery twice"
stop_receiver

expect_eq "HI001 raised
HI002 raised
HI003 raised
HI004 raised
HI005 raised
MED001 raised
MED002 raised
HI006 raised
HI007 raised
HI008 raised
HI001 cleared" "$(jq -r 'select(.type == "finding") | "\(.finding.rule) \(.transition)"' findings.jsonl)" \
  "the export has one line per finding change"
expect_eq 11 "$(jq -s '[.[] | select(.type == "finding") | .id] | unique | length' findings.jsonl)" "export ids are distinct"
expect_eq "config.load ownership.assign plugin.load" \
  "$(jq -r 'select(.type == "audit") | .action' findings.jsonl | sort -u | tr '\n' ' ' | sed 's/ $//')" \
  "the export carries the audit log too"
expect_eq "$(jq -s '[.[] | select(.type == "audit") | .seq]' findings.jsonl)" \
  "$(jq -s '[.[] | select(.type == "audit") | .seq] | sort | unique' findings.jsonl)" \
  "audit entries in order, each once"
