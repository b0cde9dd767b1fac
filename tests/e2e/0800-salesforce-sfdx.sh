#!/bin/sh
# 0800: the salesforce connector pointed at an SFDX project
# (tests/data/salesforce/sfdx): `crmgov run --once` shows its flows and
# workflow rules in `crmgov inventory`, the SF0xx findings in
# `crmgov findings --layer salesforce`, one dead letter naming the broken
# file and line, and -- when the change layer is built -- the write conflict
# and the trigger cycle that span two flows. Then, run by run: nothing again
# when nothing changed, a new version and a cleared finding when a flow
# changes, `deleted` and cleared findings when a flow file is removed.
. "$(dirname "$0")/lib.sh"
setup
[ -f "$PLUGINS/salesforce.so" ] || skip "the salesforce plugin is not built"
cp -r "$SRC/tests/data/salesforce/sfdx" project
find project -type f -exec touch -d "2026-03-01T09:00:00Z" {} +
change=""
if [ -f "$SRC/plugins/layers/change/plugin.mk" ] && [ -f "$PLUGINS/change.so" ]; then
  change="[layer:change]
plugin = change"
fi
write_config "[connector:sf]
plugin = salesforce
source = dir
system = sf-prod
path = project
$change"

expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 8 events" "$OUT" "seven flows and two workflow rules, one file broken"
expect_contains "1 dead letters" "$OUT"

expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq 'Account_Sync_Contacts flow Account update active
Case.Closed_Case_To_ERP workflow Case create_or_update inactive
Case.Escalate_VIP workflow Case create_or_update active
Case_Escalation_Loop flow  manual active
Contact_Rollup_Account flow Contact update active
Lead_Welcome_Email flow Lead create active
Opp_Discount_Partner flow Opportunity update active
Opp_Discount_Standard flow Opportunity update active' \
  "$(printf '%s' "$OUT" | jq -r '.[] | "\(.id) \(.kind) \(.object) \(.trigger) \(.status)"')" \
  "the inventory holds every flow and rule"

expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer salesforce --format json
expect_eq 'SF001 Account_Sync_Contacts Notify_Admin
SF001 Case_Escalation_Loop Escalate
SF001 Case_Escalation_Loop Open_Cases
SF001 Contact_Rollup_Account Save_Account
SF002 Case_Escalation_Loop Escalate
SF009 Lead_Welcome_Email -
SF017 Opp_Discount_Partner -
SF017 Opp_Discount_Standard -' \
  "$(printf '%s' "$OUT" | jq -r '.[] | "\(.rule) \(.automation) \(.subject // "-")"' | sort)" \
  "the SF findings, stored with layer salesforce"

expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format json
expect_eq "project/force-app/main/default/flows/Broken.flow-meta.xml|9|malformed XML: Opening and ending tag mismatch: start line 6 and strat" \
  "$(printf '%s' "$OUT" | jq -r '.[] | "\(.source)|\(.line)|\(.reason)"')"

if [ -n "$change" ]; then
  expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --format json
  chg=$(printf '%s' "$OUT" | jq -r '.[] | "\(.rule) \(.automation) \(.subject)"')
  expect_contains "CHG002 Opp_Discount_Partner Opp_Discount_Standard:Discount__c" "$chg" \
    "two flows set Discount__c to 5 and 10 on the same saves"
  expect_contains "CHG003 Account_Sync_Contacts Account_Sync_Contacts,Contact_Rollup_Account" \
    "$chg" "the industry bounces between account and contacts"
fi

# nothing changed: nothing published, no dead letter again
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 0 events" "$OUT"
expect_contains ", 0 dead letters" "$OUT"

# a flow gains an entry condition: a new version, SF009 resolved
flow=project/force-app/main/default/flows/Lead_Welcome_Email.flow-meta.xml
sed -i 's|        <object>Lead</object>|        <filterLogic>and</filterLogic>\
        <filters>\
            <field>Email</field>\
            <operator>IsNull</operator>\
            <value>\
                <booleanValue>false</booleanValue>\
            </value>\
        </filters>\
        <object>Lead</object>|' "$flow"
touch -d "2026-03-02T09:00:00Z" "$flow"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 1 events" "$OUT"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --state all --rule SF009 --format json
expect_eq "resolved 2026-03-02T09:00:00Z" \
  "$(printf '%s' "$OUT" | jq -r '.[] | "\(.state) \(.last_seen)"')"
expect_exit 0 "$CRMGOV" history sf-prod/Lead_Welcome_Email -c crmgov.ini
expect_contains '+ Email set' "$OUT" "history shows the new condition"

# a flow file removed: deleted, its findings resolved, the cycle gone
rm project/force-app/main/default/flows/Contact_Rollup_Account.flow-meta.xml
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 1 events" "$OUT"
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --status deleted --format json
expect_eq "Contact_Rollup_Account" "$(printf '%s' "$OUT" | jq -r '.[].id')"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer salesforce --automation Contact_Rollup_Account --format json
expect_eq 0 "$(printf '%s' "$OUT" | jq length)" "no open SF finding of a deleted flow"
if [ -n "$change" ]; then
  expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer change --rule CHG003 --format json
  expect_eq "" "$(printf '%s' "$OUT" | jq -r '.[] | select(.subject == "Account_Sync_Contacts,Contact_Rollup_Account") | .subject')" \
    "the cycle is resolved"
fi
