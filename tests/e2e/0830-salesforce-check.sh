#!/bin/sh
# 0830: `crmgov check` takes Salesforce flow files directly (through the
# salesforce connector's flow-parser service): cross-flow cycles and
# conflicts from the change layer, the SF0xx checks of each flow, SARIF for
# code scanning, and a malformed file refused with its line.
. "$(dirname "$0")/lib.sh"
[ -f "$PLUGINS/salesforce.so" ] && [ -f "$PLUGINS/change.so" ] || skip "salesforce or change plugin not built"
setup
flows="$SRC/tests/data/salesforce/sfdx/force-app/main/default/flows"
write_config "[connector:sf]
plugin = salesforce
source = none
system = sf-prod
[layer:change]
plugin = change"

expect_exit 1 "$CRMGOV" check -c crmgov.ini --system sf-prod \
  "$flows/Account_Sync_Contacts.flow-meta.xml" "$flows/Contact_Rollup_Account.flow-meta.xml"
expect_contains "critical: closes the trigger cycle Account_Sync_Contacts -> Contact_Rollup_Account -> Account_Sync_Contacts" "$OUT"
expect_contains "flow check SF001 missing-fault-path (medium): recordUpdates 'Save_Account' has no fault path" "$OUT"

expect_exit 0 "$CRMGOV" check -c crmgov.ini --system sf-prod --fail-on critical \
  "$flows/Opp_Discount_Partner.flow-meta.xml" "$flows/Opp_Discount_Standard.flow-meta.xml"
expect_contains "high: write conflict: Opp_Discount_Partner and Opp_Discount_Standard can fire on the same Opportunity change and set Discount__c to different values (10 vs 5)" "$OUT"
case "$OUT" in *cycle*) fail "before-save flows cannot loop" ;; esac

expect_exit 1 "$CRMGOV" check -c crmgov.ini --system sf-prod --format sarif \
  "$flows/Case_Escalation_Loop.flow-meta.xml" "$flows/Account_Sync_Contacts.flow-meta.xml" \
  "$flows/Contact_Rollup_Account.flow-meta.xml"
expect_eq "2.1.0" "$(printf '%s' "$OUT" | jq -r .version)"
expect_eq "CHG003 SF001 SF002 change-risk" \
  "$(printf '%s' "$OUT" | jq -r '[.runs[0].results[].ruleId] | unique | join(" ")')"
expect_eq "error" \
  "$(printf '%s' "$OUT" | jq -r '[.runs[0].results[] | select(.ruleId == "SF002")][0].level')"

expect_exit 2 "$CRMGOV" check -c crmgov.ini --system sf-prod "$flows/Broken.flow-meta.xml"
expect_contains "Broken.flow-meta.xml:9: malformed XML" "$ERR"
expect_exit 2 "$CRMGOV" check -c crmgov.ini "$flows/Lead_Welcome_Email.flow-meta.xml"
expect_contains "a Salesforce flow needs --system" "$ERR"
