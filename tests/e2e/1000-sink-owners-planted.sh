#!/bin/sh
# 1000: the generator's planted dataset, run with the governance layers that
# exist, reaches exactly the people accountable: every open finding arrives
# at the owners its layer's role names (or the fallback owner), signed. The
# receiver is down for most of the run: deliveries wait in the outbox and
# arrive when it is back, each exactly once.
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/sink-e2e.sh"

layers=""
for l in ownership change audit; do
  [ -f "$SRC/plugins/layers/$l/plugin.mk" ] && [ -f "$PLUGINS/$l.so" ] && layers="$layers $l"
done
[ -n "$layers" ] || skip "no governance layer is built yet"
plugin_dir jsonl webhook $layers

"$GEN" --plant --answer-key key.json -o all.jsonl || fail "the generator failed"
head -n 200 all.jsonl > events.jsonl

start_receiver rx.jsonl --secret s3cret
sections=""
for l in $layers; do
  sections="$sections
[layer:$l]"
  # as in 0403: every CRM role the generated world gives its owners
  [ "$l" = ownership ] && sections="$sections
fallback_owner = u-1
owner_roles = admin, sales-manager, support-manager, sales, support, marketing"
done
write_config "[connector:in]
plugin = jsonl
path = events.jsonl
$sections
[sink:owners]
plugin = webhook
url = http://127.0.0.1:$RX_PORT/crmgov
secret = s3cret
fallback_owner = u-1
mode_medium = immediate
mode_low = immediate
mode_info = immediate
max_per_recipient_per_day = 100000
retry_initial = 50ms
retry_max = 200ms
drain_timeout = 5s"
sed -i "s|^plugin_dir = .*|plugin_dir = $PDIR|" crmgov.ini

# 1. the inventory hour, receiver up
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
before=$(wc -l < rx.jsonl)

# 2. the rest of the history while the receiver is down
stop_receiver
tail -n +201 all.jsonl >> events.jsonl
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format json
waiting=$(printf '%s' "$OUT" | jq length)
[ "$waiting" -gt 0 ] || fail "no finding changed while the receiver was down"
expect_eq 0 "$(printf '%s' "$OUT" | jq '[.[] | select(.status != "pending" or .kind != "finding")] | length')" \
  "every waiting delivery is a pending finding message"
[ "$(printf '%s' "$OUT" | jq '[.[] | select(.attempts < 1)] | length')" -lt "$waiting" ] ||
  fail "nobody tried to deliver while the receiver was down"
expect_eq "$before" "$(wc -l < rx.jsonl)" "nothing arrived while the receiver was down"

# 3. the receiver is back on the same address; a run with no new events delivers
start_receiver rx.jsonl --secret s3cret --port "$RX_PORT"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" outbox -c crmgov.ini --format json
expect_eq "[]" "$(printf '%s' "$OUT" | jq -c .)" "the outbox is empty"
stop_receiver

jq -s -c '.' rx.jsonl > got.json
expect_eq "$((before + waiting))" "$(jq 'length' got.json)" "each waiting delivery arrived once"
expect_eq 0 "$(jq '[.[] | select(.status != 200 or .signature != "ok")] | length' got.json)" \
  "every request was signed and taken"
expect_eq "$(jq length got.json)" "$(jq '[.[].id] | unique | length' got.json)" \
  "no delivery arrived twice"
expect_eq 0 "$(jq '[.[] | select(.id != .body.id)] | length' got.json)" \
  "the Idempotency-Key header is the message id"

# every open finding reached exactly its owners (an independent oracle over
# the dataset: principals and ownership as they stood when the finding last
# changed -- an automation that appears before its owners are assigned has
# its early findings go to the fallback owner; the owners of the layer's
# role, else the fallback owner; service accounts and inactive people never)
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --format json
printf '%s' "$OUT" > open.json
[ "$(jq length open.json)" -gt 0 ] || fail "the planted dataset raised no finding"
# the layers' own e2e tests compare findings with the answer key; here the
# open planted findings are among those whose recipients are checked
planted=$(jq --slurpfile open open.json \
  '[.[] | {rule, system, automation, subject} as $k
   | select(any($open[0][]; {rule, system, automation, subject} == $k))] | length' key.json)
[ "$planted" -gt 0 ] || fail "no planted finding is open"
jq -s -c '.' all.jsonl > ds.json
jq -n -c --slurpfile ds ds.json --slurpfile open open.json --slurpfile got got.json '
  # principals and owners as of event time $t (events at or before it)
  def people($t): $ds[0] | map(select(.type == "principal" and .at <= $t))
    | reduce .[] as $p ({}; .[$p.system + "/" + $p.id] = $p);
  def owners($t): $ds[0] | map(select(.type == "ownership" and .at <= $t))
    | reduce .[] as $o ({};
        ($o.system + "/" + $o.automation + "/" + $o.role) as $k
        | if $o.principal != null then .[$k] = ((.[$k] // []) + [$o.principal] | unique)
          elif $o.remove_only != null then .[$k] = ((.[$k] // []) - [$o.remove_only])
          else .[$k] = [] end);
  def reachable($people; $sys): map(select(($people[$sys + "/" + .] // null) as $p
      | $p != null and $p.active and ((($p.roles // []) | index("service")) == null)))
    | map($sys + "/" + .);
  def role_of($layer): {"ownership": "system", "audit": "outcome", "change": "decision"}[$layer] // "system";
  def expected($f; $t): people($t) as $people
    | (if $f.automation == null then []
       else owners($t)[$f.system + "/" + $f.automation + "/" + role_of($f.layer)] // []
            | reachable($people; $f.system) end) as $o
    | if ($o | length) > 0 then $o else ["u-1"] | reachable($people; $f.system) end | sort;
  def key($f): [$f.rule, $f.system, $f.automation, $f.subject];
  [$open[0][] as $f
   | ([$got[0][] | select(.body.type == "finding" and key(.body.finding) == key($f))]
      | last) as $m
   | {finding: key($f),
      expected: (if $m == null then "a message" else expected($f; $m.body.at) end),
      got: (if $m == null or $m.body.transition == "cleared" then null
            else [$m.body.recipients[] | .system + "/" + .id] | sort end)}
   | select(.expected != .got)]' > wrong.json
expect_eq "[]" "$(cat wrong.json)" "every open finding reached exactly its owners"
