#!/bin/sh
# 1010: `crmgov run` as a daemon follows an events file; the receiver goes
# down in the middle of the run and comes back on the same address. The
# deliveries queued meanwhile wait in the outbox (`crmgov outbox` shows
# them from another process), are retried with backoff, and arrive when the
# receiver is back: nothing lost, nothing twice, in the order the findings
# changed, every request signed and verified by the receiver.
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/sink-e2e.sh"
plugin_dir jsonl scripted webhook

finding() { # AT OP RULE
  printf '{"type":"record","system":"sf","at":"%s","object":"finding","id":"f","op":"%s","changes":{"rule":[null,"%s"],"severity":[null,"high"],"automation":[null,"a1"],"message":[null,"%s broke"]}}\n' \
    "$1" "$2" "$3" "$3"
}
cat > events.jsonl <<'JSONL'
{"type":"principal","system":"sf","at":"2026-03-01T08:00:00Z","id":"u-1","name":"Ann Admin","email":"ann@example.com","active":true}
{"type":"automation","system":"sf","at":"2026-03-01T08:00:00Z","id":"a1","object":"lead","trigger":{"on":"create"},"status":"active"}
{"type":"ownership","system":"sf","at":"2026-03-01T08:00:01Z","automation":"a1","role":"system","principal":"u-1"}
JSONL

start_receiver rx.jsonl --secret "correct horse"
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
follow = true
poll_interval = 20ms
[layer:scripted]
[sink:owners]
plugin = webhook
url = http://127.0.0.1:$RX_PORT/crmgov
secret = correct horse
retry_initial = 50ms
retry_max = 300ms
poll_interval = 50ms
connect_timeout = 1s"
sed -i "s|^plugin_dir = .*|plugin_dir = $PDIR|" crmgov.ini

"$CRMGOV" run -c crmgov.ini 2>run.err &
RUN_PID=$!
for i in 1 2 3 4 5; do finding "2026-03-01T09:0$i:00Z" create "TST00$i" >> events.jsonl; done
wait_lines rx.jsonl 5 || fail "the first five findings did not arrive"

stop_receiver
for i in 6 7 8 9; do finding "2026-03-01T10:0$i:00Z" create "TST00$i" >> events.jsonl; done
finding "2026-03-01T10:10:00Z" delete TST001 >> events.jsonl
i=0
while :; do # the five new deliveries are committed and waiting
  expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format json
  [ "$(printf '%s' "$OUT" | jq length)" = 5 ] && break
  i=$((i + 1)); [ $i -gt 200 ] && fail "the outbox never held the five deliveries: $OUT"
  sleep 0.05
done
expect_eq '["TST006 sf/a1 raised (high)","TST007 sf/a1 raised (high)","TST008 sf/a1 raised (high)","TST009 sf/a1 raised (high)","TST001 sf/a1 cleared (high)"]' \
  "$(printf '%s' "$OUT" | jq -c '[.[].summary]')" "queued in order"
sleep 1 # a few failed attempts with backoff
expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format json
[ "$(printf '%s' "$OUT" | jq '.[0].attempts')" -ge 1 ] || fail "the head was not retried: $OUT"
expect_eq 5 "$(wc -l < rx.jsonl)" "nothing arrived while the receiver was down"

start_receiver rx.jsonl --secret "correct horse" --port "$RX_PORT"
wait_lines rx.jsonl 10 || fail "the waiting deliveries did not arrive: $(cat run.err)"
sleep 0.5 # anything extra would show up now
kill "$RUN_PID"; wait "$RUN_PID"; RUN_PID=
stop_receiver

expect_eq 10 "$(wc -l < rx.jsonl)" "each delivery arrived once"
expect_eq "TST001 raised
TST002 raised
TST003 raised
TST004 raised
TST005 raised
TST006 raised
TST007 raised
TST008 raised
TST009 raised
TST001 cleared" "$(jq -r '"\(.body.finding.rule) \(.body.transition)"' rx.jsonl)" "in order"
expect_eq 0 "$(jq -s '[.[] | select(.status != 200 or .signature != "ok")] | length' rx.jsonl)" \
  "signed with the shared secret and taken"
expect_eq 10 "$(jq -s '[.[].id] | unique | length' rx.jsonl)" "distinct idempotency keys"
expect_eq '["u-1"]' "$(jq -s -c '[.[].body.recipients[].id] | unique' rx.jsonl)" "to the owner"
expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)" "the outbox is empty"
