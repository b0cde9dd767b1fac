#!/bin/sh
# 0910: the bitrix24 connector with the real binary against a loopback
# "Bitrix24" (tests/data/bitrix24/pull): users, business-process templates
# and stage robots through paging, a QUERY_LIMIT_EXCEEDED burst and a broken
# template. A second run reports nothing new; a run after a template is
# edited and a robot removed records a version and a deletion. A portal
# that refuses the webhook ends the run cleanly with nothing reported.
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/stub.sh"
cp -r "$SRC/tests/data/bitrix24/pull" b24
config() {
  write_config "[connector:b24]
plugin = bitrix24
system = b24-prod
webhook_url = http://127.0.0.1:$1/rest/1/s3cret/
robots_method = app.robots
robot_document_types = crm:CCrmDocumentDeal:DEAL
retry_base = 1ms
retry_max = 50ms"
}
start_stub b24 b24
config "$b24_PORT"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 9 events" "$OUT"
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq '["bp-12","process","deal","create_or_update","active"]
["bp-13","process","lead","manual","active"]
["robot-DEAL-C1-WON-A_771","robot","deal","update","active"]
["robot-DEAL-C1-WON-A_772","robot","deal","update","active"]
["robot-DEAL-NEW-R1","robot","deal","update","active"]
["robot-DEAL-PREPARATION-R2","robot","deal","update","active"]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | [.id, .kind, .object, .trigger, .status]')"
expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format json
expect_eq '["bitrix24:bizproc.workflow.template.list","template 15 has no DOCUMENT_TYPE [module, class, type]"]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | [.source, .reason]')"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini --log-level debug
case "$ERR" in *s3cret*) fail "the webhook secret appears in the log" ;; esac
expect_contains "crmgov run: 0 events" "$OUT" "an unchanged portal reports nothing"

# bp-13 is edited (a new webhook URL); robot R2 is removed from its stage.
stop_stubs
jq -c '.result[1].TEMPLATE[0].Children[1].Properties.Handler = "https://hooks.example.com/v2"
       | .result[1].MODIFIED = "2026-02-20T09:00:00+03:00"' b24/templates-1.json > b24/x &&
  mv b24/x b24/templates-1.json
jq -c '.result |= del(.PREPARATION)' b24/robots-deal.json > b24/x && mv b24/x b24/robots-deal.json
start_stub b24 b24
config "$b24_PORT"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq '["bp-13","active",2]
["robot-DEAL-PREPARATION-R2","deleted",2]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | select(.versions > 1) | [.id, .status, .versions]')"

# A refused webhook URL (expired_token): the run ends, nothing is reported.
stop_stubs
start_stub dead "$SRC/tests/data/bitrix24/expired"
config "$dead_PORT"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 0 events" "$OUT"
expect_contains "expired_token" "$ERR"
case "$ERR" in *s3cret*) fail "the webhook secret appears in the log" ;; esac
