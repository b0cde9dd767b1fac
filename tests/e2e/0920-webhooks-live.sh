#!/bin/sh
# 0920: live change events. `crmgov run` (the daemon) with both connectors'
# webhook receivers on loopback: a signed HubSpot property change and a
# Bitrix24 outbound event become records, workflow steps calling back become
# executions, and a "definition changed" call records a new version right
# away -- each committed before the call is answered 200. A call signed
# with the wrong secret or carrying the wrong token is refused with 401 and
# changes nothing. SIGTERM then ends the daemon cleanly.
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/stub.sh"
command -v sqlite3 >/dev/null || skip "the sqlite3 command is not installed"
cp -r "$SRC/tests/data/hubspot/pull" hs
cp -r "$SRC/tests/data/bitrix24/pull" b24
printf 'pat-new\n' > token
start_stub hs hs
start_stub b24 b24
HP=$("$STUB" free-port)
BP=$("$STUB" free-port)
write_config "[connector:hubspot]
plugin = hubspot
system = hs-prod
base_url = http://127.0.0.1:$hs_PORT
token_file = token
page_size = 2
retry_base = 1ms
poll = 1h
listen = 127.0.0.1:$HP
webhook_secret = app-secret

[connector:b24]
plugin = bitrix24
system = b24-prod
webhook_url = http://127.0.0.1:$b24_PORT/rest/1/s3cret/
robots_method = app.robots
robot_document_types = crm:CCrmDocumentDeal:DEAL
retry_base = 1ms
poll = 1h
listen = 127.0.0.1:$BP
application_token = tok-123"
"$CRMGOV" run -c crmgov.ini 2> run.err &
pid=$!
q() { sqlite3 "$T/crmgov.db" "$1" 2>/dev/null; }
wait_for() { # wait_for SQL VALUE: until the query answers VALUE (5 s)
  n=0
  while [ "$(q "$1")" != "$2" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
  [ "$(q "$1")" = "$2" ] || { kill $pid; fail "expected $2 from: $1 (got $(q "$1"))"; }
}
wait_port "$HP" || { kill $pid; fail "the HubSpot receiver does not answer"; }
wait_port "$BP" || { kill $pid; fail "the Bitrix24 receiver does not answer"; }
wait_for "SELECT count(*) FROM automations" 9

post_hubspot() { # post_hubspot URI FILE [SECRET] -> the status code
  "$STUB" hubspot-post "$HP" "$1" "${3:-app-secret}" "$2" | head -n 1
}
post_b24() { # post_b24 URI FILE TYPE -> the status code
  "$STUB" post "$BP" "$1" "$2" "$3" | head -n 1
}
updates() { q "SELECT coalesce(sum(updates), 0) FROM object_daily WHERE system = '$1'"; }

# HubSpot: a property change, then the same badly signed.
printf '[{"eventId":1,"occurredAt":1772366400000,"subscriptionType":"deal.propertyChange","objectId":5001,"propertyName":"dealstage","propertyValue":"closedwon"}]' > change.json
expect_eq 401 "$(post_hubspot /webhooks change.json wrong-secret)" "a bad signature is refused"
expect_eq 0 "$(updates hs-prod)" "a refused call changes nothing"
expect_eq 200 "$(post_hubspot /webhooks change.json)"
expect_eq 1 "$(updates hs-prod)" "answered means committed"
printf '{"objectId":5001}' > step.json
expect_eq 200 "$(post_hubspot /automations/101/execution step.json)"
expect_eq 1 "$(q "SELECT count(*) FROM executions")"

# Bitrix24: an outbound event (a form), then one with the wrong token.
printf 'event=ONCRMDEALUPDATE&data%%5BFIELDS%%5D%%5BID%%5D=759&ts=1772366400&auth%%5Bapplication_token%%5D=tok-999' > bad.form
expect_eq 401 "$(post_b24 /events bad.form application/x-www-form-urlencoded)"
printf 'event=ONCRMDEALUPDATE&data%%5BFIELDS%%5D%%5BID%%5D=759&ts=1772366400&auth%%5Bapplication_token%%5D=tok-123' > good.form
expect_eq 200 "$(post_b24 /events good.form application/x-www-form-urlencoded)"
expect_eq 1 "$(updates b24-prod)"
printf 'document_id=DEAL_759&ts=1772366460&application_token=tok-123' > step.form
expect_eq 200 "$(post_b24 /automations/robot-DEAL-NEW-R1/execution step.form application/x-www-form-urlencoded)"
expect_eq 2 "$(q "SELECT count(*) FROM executions")"

# HubSpot flow 101 is edited: the change call records the new version now.
jq -c '.revisionId = "8" | .actions[0].fields.value.staticValue = "urgent"' hs/flow-101.json > hs/x &&
  mv hs/x hs/flow-101.json
printf '{}' > empty.json
expect_eq 200 "$(post_hubspot /automations/101/changed empty.json)"
expect_eq 2 "$(q "SELECT versions FROM automations WHERE system = 'hs-prod' AND id = '101'")"

kill -TERM $pid
wait $pid; status=$?
expect_eq 0 "$status" "SIGTERM ends the daemon cleanly"
case "$(cat run.err)" in *s3cret*|*app-secret*|*pat-new*|*tok-123*) fail "a secret appears in the log" ;; esac
