#!/bin/sh
# 0900: the hubspot connector with the real binary against a loopback
# "HubSpot" (tests/data/hubspot/pull): `run --once` pulls owners and flows
# through paging, a 429 burst and a malformed answer; the inventory and the
# dead letters show the result. A second run fetches no flow whose revision
# did not change; a third one sees a new revision (a new version) and a
# flow gone from HubSpot (deleted).
. "$(dirname "$0")/lib.sh"
setup
. "$SRC/tests/support/stub.sh"
cp -r "$SRC/tests/data/hubspot/pull" hs
printf 'pat-new\n' > token     # what a token refresher would have written
config() {
  write_config "[connector:hubspot]
plugin = hubspot
system = hs-prod
base_url = http://127.0.0.1:$hs_PORT
token_file = token
page_size = 2
retry_base = 1ms
retry_max = 50ms"
}
start_stub hs hs
config
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq '["101","workflow","deal","create_or_update","active",1]
["102","workflow","contact","update","active",1]
["104","workflow","ticket","create_or_update","inactive",1]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | [.id, .kind, .object, .trigger, .status, .versions]')" \
  "the flows are in the inventory"
expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format json
expect_eq '["hubspot:GET /automation/v4/flows/103","malformed JSON in the answer"]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | [.source, .reason]')"
case "$(cat hs.log)" in *pat-new*) ;; *) fail "the token from token_file was not used" ;; esac

# Nothing changed in HubSpot: only the flow that answered garbage is asked again.
: > hs.log
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_eq "GET /automation/v4/flows/103 auth=Bearer pat-new" \
  "$(grep '/automation/v4/flows/' hs.log)" "unchanged revisions are not fetched again"

# Flow 101 gets revision 8 (another priority), flow 104 is deleted.
stop_stubs
jq -c '.results[0].revisionId = "8"' hs/flows-1.json > hs/x && mv hs/x hs/flows-1.json
jq -c '.revisionId = "8" | .updatedAt = "2026-02-25T10:00:00Z"
       | .actions[0].fields.value.staticValue = "urgent"' hs/flow-101.json > hs/x &&
  mv hs/x hs/flow-101.json
jq -c '.results |= map(select(.id != "104"))' hs/flows-2.json > hs/x && mv hs/x hs/flows-2.json
start_stub hs hs
config
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq '["101","active",2]
["102","active",1]
["104","deleted",2]' \
  "$(printf '%s' "$OUT" | jq -c '.[] | [.id, .status, .versions]')" \
  "a new revision is a new version; a vanished flow is deleted"
expect_exit 0 "$CRMGOV" history hs-prod/101 -c crmgov.ini --format json
expect_eq '"urgent"' "$(printf '%s' "$OUT" | jq -c '.[-1].definition.actions[0].value')" \
  "the new version holds the new definition"
