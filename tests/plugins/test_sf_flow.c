/*
 * test_sf_flow.c -- the Salesforce flow parser, mapping and checks on the
 * project's own fixtures (tests/data/salesforce/) and on inline documents.
 *
 * Every mapped flow is compared as its exact canonical JSON Lines event and
 * every check run as its exact list of (rule, subject) findings, so any
 * change to the mapping table or to a rule's condition shows up here. The
 * fixtures are found under $CRMGOV_SOURCE_DIR (default: the working
 * directory, i.e. the repository root when run from the Makefile).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/salesforce/flow_check.h"
#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/flow_parse.h"

#define AT_2026_03_01_0900 1772355600000LL

/* ------------------------------------------------------------------------ */
/* Helpers.                                                                  */

static const char *source_dir(void)
{
    const char *dir = getenv("CRMGOV_SOURCE_DIR");
    return dir != NULL && dir[0] != '\0' ? dir : ".";
}

static char *read_fixture(const char *name, size_t *size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/%s", source_dir(), name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open fixture %s", path);
    char *data = malloc(SF_FLOW_MAX_BYTES + 1);
    assert_non_null(data);
    *size = fread(data, 1, SF_FLOW_MAX_BYTES, file);
    fclose(file);
    return data;
}

/* Parsed as if read from tests/data/salesforce/NAME, whatever the source dir. */
static struct sf_flow *load(const char *name)
{
    size_t size = 0;
    char *data = read_fixture(name, &size);
    char display[512];
    snprintf(display, sizeof display, "tests/data/salesforce/%s", name);
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_buffer(data, size, display, &error);
    free(data);
    if (flow == NULL)
        fail_msg("parse failed: %s", error.message);
    return flow;
}

static struct sf_flow *parse_text(const char *xml, const char *name)
{
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_buffer(xml, strlen(xml), name, &error);
    if (flow == NULL)
        fail_msg("parse failed: %s", error.message);
    return flow;
}

static void assert_event(const struct sf_flow *flow, const char *expected)
{
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_non_null(mapping);
    char *text = sf_automation_event_json(&mapping->automation, "sf-prod", AT_2026_03_01_0900,
                                          NULL);
    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
    sf_mapping_free(mapping);
}

/* "SF001 subject; SF010 -; ..." for an exact comparison of a finding list. */
static void describe(const struct sf_findings *findings, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < findings->n; i++) {
        const struct crmgov_finding *finding = &findings->items[i];
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s %s", i != 0 ? "; " : "", finding->rule,
                 finding->subject != NULL ? finding->subject : "-");
    }
}

static void assert_findings(const struct sf_flow *flow, const struct sf_check_options *options,
                            const char *expected)
{
    struct sf_findings *findings = sf_flow_check(flow, options);
    assert_non_null(findings);
    char text[4096];
    describe(findings, text, sizeof text);
    assert_string_equal(text, expected);
    sf_findings_free(findings);
}

static const struct crmgov_finding *find_rule(const struct sf_findings *findings,
                                              const char *rule)
{
    for (size_t i = 0; i < findings->n; i++)
        if (strcmp(findings->items[i].rule, rule) == 0)
            return &findings->items[i];
    return NULL;
}

/* A minimal record-triggered flow with a given <start> body. */
static char *start_flow(const char *start_body, const char *extra)
{
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Flow xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
        "<apiVersion>60.0</apiVersion><description>d</description><label>L</label>\n"
        "<processType>AutoLaunchedFlow</processType>\n";
    size_t size = strlen(head) + strlen(start_body) + strlen(extra) + 128;
    char *xml = malloc(size);
    assert_non_null(xml);
    snprintf(xml, size, "%s%s<start>%s</start><status>Active</status></Flow>", head, extra,
             start_body);
    return xml;
}

#define FILTER(field, op, value) \
    "<filters><field>" field "</field><operator>" op "</operator><value>" value \
    "</value></filters>"

/* ------------------------------------------------------------------------ */
/* Mapping of the fixtures: exact events.                                    */

static void test_map_before_save_update(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Opp_Before_Save_Stage.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"field\":\"Probability\",\"type\":\"set_field\",\"value\":100},"
        "{\"field\":\"Description\",\"type\":\"set_field\"},"
        "{\"field\":\"NextStep\",\"type\":\"set_field\",\"value\":\"Kick-off call\"}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":60,"
        "\"conditions_complete\":true,"
        "\"file\":\"tests/data/salesforce/Opp_Before_Save_Stage.flow-meta.xml\","
        "\"filter_logic\":\"and\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"Update\","
        "\"trigger_order\":10,\"trigger_type\":\"RecordBeforeSave\",\"writes_trigger_automations\":false},"
        "\"conditions\":[{\"field\":\"StageName\",\"op\":\"eq\",\"value\":\"Closed Won\"},"
        "{\"field\":\"Amount\",\"op\":\"gt\",\"value\":1000},"
        "{\"field\":\"StageName\",\"op\":\"changed\"}],"
        "\"id\":\"Opp_Before_Save_Stage\",\"kind\":\"flow\","
        "\"name\":\"Opportunity Won Defaults\",\"object\":\"Opportunity\","
        "\"status\":\"active\",\"system\":\"sf-prod\","
        "\"trigger\":{\"fields\":[\"StageName\"],\"on\":\"update\"},\"type\":\"automation\"}");
    assert_findings(flow, NULL, "");
    sf_flow_free(flow);
}

static void test_map_after_save_self_update(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Opp_After_Save_Self_Update.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"field\":\"Discount__c\",\"type\":\"set_field\",\"value\":5}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":59,"
        "\"conditions_complete\":true,"
        "\"file\":\"tests/data/salesforce/Opp_After_Save_Self_Update.flow-meta.xml\","
        "\"filter_logic\":\"and\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"CreateAndUpdate\","
        "\"trigger_type\":\"RecordAfterSave\"},"
        "\"conditions\":[{\"field\":\"Amount\",\"op\":\"set\"}],"
        "\"id\":\"Opp_After_Save_Self_Update\",\"kind\":\"flow\","
        "\"name\":\"Opportunity Discount\",\"object\":\"Opportunity\",\"status\":\"active\","
        "\"system\":\"sf-prod\",\"trigger\":{\"on\":\"create_or_update\"},"
        "\"type\":\"automation\"}");
    assert_findings(flow, NULL, "SF001 Save_Opportunity; SF008 Save_Opportunity");
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    const struct crmgov_finding *recursive = find_rule(findings, "SF008");
    assert_non_null(recursive);
    assert_string_equal(recursive->name, "recursive-record-update");
    assert_int_equal(recursive->severity, CRMGOV_SEVERITY_MEDIUM);
    assert_string_equal(recursive->automation, "Opp_After_Save_Self_Update");
    assert_string_equal(recursive->evidence_json,
                        "{\"element_type\":\"recordUpdates\",\"guarded\":false,\"line\":23}");
    assert_string_equal(recursive->message,
                        "recordUpdates 'Save_Opportunity' updates the record that triggered "
                        "this after-save flow: the save runs every trigger again (use a "
                        "before-save flow)");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

static void test_map_parent_account_update(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Contact_Update_Parent_Account.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"to\":\"ops@example.com\",\"type\":\"email\"},"
        "{\"field\":\"Rating\",\"object\":\"Account\",\"type\":\"set_field\",\"value\":\"Hot\"},"
        "{\"field\":\"Last_Contacted__c\",\"object\":\"Account\",\"type\":\"set_field\"},"
        "{\"field\":\"Industry\",\"object\":\"Account\",\"type\":\"set_field\","
        "\"value\":\"Technology\"}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":61,"
        "\"conditions_complete\":true,"
        "\"file\":\"tests/data/salesforce/Contact_Update_Parent_Account.flow-meta.xml\","
        "\"filter_logic\":\"and\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"Update\","
        "\"requires_record_changed\":true,\"trigger_type\":\"RecordAfterSave\"},"
        "\"conditions\":[{\"field\":\"Email\",\"op\":\"set\"},"
        "{\"field\":\"Department\",\"op\":\"eq\",\"value\":\"Sales\"}],"
        "\"id\":\"Contact_Update_Parent_Account\",\"kind\":\"flow\","
        "\"name\":\"Contact Rates Parent Account\",\"object\":\"Contact\","
        "\"status\":\"active\",\"system\":\"sf-prod\","
        "\"trigger\":{\"fields\":[\"Email\",\"Department\"],\"on\":\"update\"},"
        "\"type\":\"automation\"}");
    assert_findings(flow, NULL, "SF001 Email_Ops");
    sf_flow_free(flow);
}

static void test_map_or_filter(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Lead_Or_Filter.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"to\":\"{!Sales_Team_Ids}\",\"type\":\"notify\"},"
        "{\"target\":\"Lead_Assignment_Router\",\"type\":\"call\"}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":62,"
        "\"conditions_complete\":false,"
        "\"file\":\"tests/data/salesforce/Lead_Or_Filter.flow-meta.xml\","
        "\"filter_logic\":\"or\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"Create\","
        "\"trigger_type\":\"RecordAfterSave\"},\"conditions\":[],"
        "\"id\":\"Lead_Or_Filter\",\"kind\":\"flow\",\"name\":\"Lead Web Or Hot\","
        "\"object\":\"Lead\",\"status\":\"active\",\"system\":\"sf-prod\","
        "\"trigger\":{\"on\":\"create\"},\"type\":\"automation\"}");
    assert_findings(flow, NULL, "");
    sf_flow_free(flow);
}

static void test_map_screen_flow(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Survey_Screen.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"target\":\"create:Survey__c\",\"type\":\"call\"},"
        "{\"field\":\"Score__c\",\"object\":\"Survey__c\",\"type\":\"set_field\"},"
        "{\"field\":\"Channel__c\",\"object\":\"Survey__c\",\"type\":\"set_field\","
        "\"value\":\"Screen\"}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":60,"
        "\"file\":\"tests/data/salesforce/Survey_Screen.flow-meta.xml\","
        "\"has_description\":true,\"process_type\":\"Flow\","
        "\"run_in_mode\":\"SystemModeWithoutSharing\"},\"conditions\":[],"
        "\"id\":\"Survey_Screen\",\"kind\":\"flow\",\"name\":\"Customer Survey\","
        "\"object\":\"\",\"status\":\"active\",\"system\":\"sf-prod\","
        "\"trigger\":{\"on\":\"manual\"},\"type\":\"automation\"}");
    assert_findings(flow, NULL, "SF007 -; SF020 Create_Survey");
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_string_equal(find_rule(findings, "SF020")->evidence_json,
                        "{\"element_type\":\"recordCreates\",\"line\":7,"
                        "\"screen_after\":\"Thank_You\",\"screen_before\":\"Ask_Score\"}");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

static void test_map_scheduled_flow(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Account_Scheduled_Review.flow-meta.xml");
    assert_event(flow,
        "{\"actions\":[{\"to\":\"{!$Record.Owner.Email}\",\"type\":\"email\"},"
        "{\"field\":\"Review_Status__c\",\"type\":\"set_field\",\"value\":\"Requested\"}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":52,"
        "\"conditions_complete\":true,"
        "\"file\":\"tests/data/salesforce/Account_Scheduled_Review.flow-meta.xml\","
        "\"filter_logic\":\"and\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"trigger_type\":\"Scheduled\"},"
        "\"conditions\":[{\"field\":\"Rating\",\"op\":\"eq\",\"value\":\"Cold\"}],"
        "\"id\":\"Account_Scheduled_Review\",\"kind\":\"flow\","
        "\"name\":\"Account Scheduled Review\",\"object\":\"Account\","
        "\"status\":\"inactive\",\"system\":\"sf-prod\",\"trigger\":{\"on\":\"schedule\"},"
        "\"type\":\"automation\"}");
    assert_findings(flow, NULL, "SF006 Email_Owner; SF010 -; SF012 Review_Count; SF015 -");
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_string_equal(find_rule(findings, "SF006")->evidence_json,
                        "{\"element_type\":\"actionCalls\",\"line\":3,\"urls\":"
                        "[\"https://acme.my.salesforce.com/lightning/r/Account/\"]}");
    assert_string_equal(find_rule(findings, "SF010")->evidence_json,
                        "{\"api_version\":52,\"minimum\":58}");
    assert_string_equal(find_rule(findings, "SF015")->message,
                        "the flow is not active (status Obsolete)");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

/* ------------------------------------------------------------------------ */
/* Graph checks and references.                                              */

static void test_loops_and_missing_references(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Case_Loop_Missing_Ref.flow-meta.xml");
    assert_int_equal(flow->n_missing, 2);
    assert_int_equal(flow->missing[0].kind, SF_MISSING_CONNECTOR);
    assert_string_equal(flow->missing[0].from, "Orphan_Step");
    assert_string_equal(flow->missing[0].reference, "Does_Not_Exist");
    assert_int_equal(flow->missing[1].kind, SF_MISSING_DATA);
    assert_string_equal(flow->missing[1].reference, "Missing_Variable");
    assert_findings(flow, NULL,
                    "SF002 Escalate_Case; SF003 Get_Contact; SF004 Post_To_Chatter; "
                    "SF013 Orphan_Step; SF014 Open_Cases; SF016 Orphan_Step; "
                    "SF021 Get_Contact");
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_string_equal(find_rule(findings, "SF016")->evidence_json,
                        "{\"references\":[{\"kind\":\"connector\",\"line\":42,"
                        "\"reference\":\"Does_Not_Exist\"},{\"kind\":\"data\",\"line\":39,"
                        "\"reference\":\"Missing_Variable\"}]}");
    assert_string_equal(find_rule(findings, "SF002")->message,
                        "recordUpdates 'Escalate_Case' runs once per item of loop 'Each_Case': "
                        "one DML statement per item spends governor limits");
    assert_int_equal(find_rule(findings, "SF002")->severity, CRMGOV_SEVERITY_HIGH);
    sf_findings_free(findings);
    /* The loop's writes still map: set_field on Case, notify with a literal target. */
    assert_event(flow,
        "{\"actions\":[{\"to\":\"support-leads\",\"type\":\"notify\"},"
        "{\"field\":\"Priority\",\"object\":\"Case\",\"type\":\"set_field\","
        "\"value\":\"High\"},{\"field\":\"Escalation_Contact_Email__c\",\"object\":\"Case\","
        "\"type\":\"set_field\"}],\"at\":\"2026-03-01T09:00:00Z\","
        "\"attributes\":{\"api_version\":58,"
        "\"file\":\"tests/data/salesforce/Case_Loop_Missing_Ref.flow-meta.xml\","
        "\"has_description\":true,\"process_type\":\"AutoLaunchedFlow\"},\"conditions\":[],"
        "\"id\":\"Case_Loop_Missing_Ref\",\"kind\":\"flow\",\"name\":\"Case Escalation Loop\","
        "\"object\":\"\",\"status\":\"active\",\"system\":\"sf-prod\","
        "\"trigger\":{\"on\":\"manual\"},\"type\":\"automation\"}");
    sf_flow_free(flow);
}

static void test_parser_structure(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Case_Loop_Missing_Ref.flow-meta.xml");
    const struct sf_element *loop = sf_flow_find(flow, "each_case");  /* case-insensitive */
    assert_non_null(loop);
    assert_int_equal(loop->kind, SF_EL_LOOP);
    assert_string_equal(loop->collection_reference, "Open_Cases");
    assert_int_equal(loop->n_links, 1);
    assert_string_equal(loop->links[0].role, "nextValueConnector");
    assert_string_equal(loop->links[0].target, "Get_Contact");
    const struct sf_element *lookup = sf_flow_find(flow, "Get_Contact");
    assert_int_equal(lookup->get_first_record_only, SF_TRUE);
    assert_int_equal(lookup->store_output_automatically, SF_TRUE);
    assert_int_equal(lookup->n_queried_fields, 2);
    assert_string_equal(lookup->queried_fields[1], "Email");
    assert_int_equal(lookup->n_filters, 1);
    assert_string_equal(lookup->filters[0].field, "Id");
    assert_string_equal(lookup->filters[0].op, "EqualTo");
    assert_int_equal(lookup->filters[0].value.kind, SF_VALUE_REFERENCE);
    assert_string_equal(lookup->filters[0].value.text, "Each_Case.ContactId");
    const struct sf_element *post = sf_flow_find(flow, "Post_To_Chatter");
    assert_string_equal(post->action_type, "chatterPost");
    assert_int_equal(post->n_items, 2);
    assert_int_equal(post->items[1].kind, SF_ITEM_INPUT_PARAMETER);
    assert_string_equal(post->items[1].target, "text");
    assert_string_equal(post->items[1].value.text, "Escalated: {!Each_Case.CaseNumber}");
    /* The merge field inside the literal is a reference too. */
    int merge_found = 0;
    for (size_t i = 0; i < post->n_refs; i++)
        merge_found |= strcmp(post->refs[i].tag, "{!}") == 0 &&
                       strcmp(post->refs[i].path, "Each_Case.CaseNumber") == 0;
    assert_true(merge_found);
    assert_string_equal(flow->api_version, "58.0");
    assert_int_equal(flow->start_info.present, 1);
    assert_null(flow->start_info.trigger_type);
    assert_int_equal(flow->n_elements, 7);
    sf_flow_free(flow);
}

static void test_decision_rules_and_scheduled_paths(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<connector><targetReference>Route</targetReference></connector>"
        "<object>Case</object><recordTriggerType>Create</recordTriggerType>"
        "<triggerType>RecordAfterSave</triggerType>"
        FILTER("Origin", "EqualTo", "<stringValue>Web</stringValue>")
        "<scheduledPaths><name>Later</name><connector><targetReference>Tell</targetReference>"
        "</connector><offsetNumber>1</offsetNumber><offsetUnit>Days</offsetUnit>"
        "<timeSource>RecordTriggerEvent</timeSource></scheduledPaths>",
        "<actionCalls><name>Tell</name><label>Tell</label><actionName>Case_Tell</actionName>"
        "<actionType>apex</actionType><faultConnector><targetReference>Route</targetReference>"
        "</faultConnector></actionCalls>"
        "<decisions><name>Route</name><label>Route</label>"
        "<defaultConnector><targetReference>Tell</targetReference></defaultConnector>"
        "<rules><name>Is_Urgent</name><conditionLogic>and</conditionLogic>"
        "<conditions><leftValueReference>$Record.Priority</leftValueReference>"
        "<operator>EqualTo</operator><rightValue><stringValue>High</stringValue></rightValue>"
        "</conditions><connector><targetReference>Tell</targetReference></connector>"
        "<label>Urgent</label></rules></decisions>");
    struct sf_flow *flow = parse_text(xml, "Case_Paths.flow-meta.xml");
    free(xml);
    const struct sf_element *route = sf_flow_find(flow, "Route");
    assert_int_equal(route->n_links, 2);
    assert_string_equal(route->links[0].role, "defaultConnector");
    assert_null(route->links[0].branch);
    assert_string_equal(route->links[1].role, "connector");
    assert_string_equal(route->links[1].branch, "Is_Urgent");
    assert_int_equal(route->n_filters, 1);
    assert_string_equal(route->filters[0].group, "Is_Urgent");
    assert_string_equal(route->filters[0].field, "$Record.Priority");
    assert_int_equal(flow->start_info.n_scheduled_paths, 1);
    assert_string_equal(flow->start_info.scheduled_paths[0], "Later");
    assert_int_equal(flow->start.n_links, 2);
    assert_string_equal(flow->start.links[1].branch, "Later");
    assert_string_equal(flow->start.links[1].target, "Tell");
    assert_findings(flow, NULL, "");
    sf_flow_free(flow);
}

/* ------------------------------------------------------------------------ */
/* Mapping decisions on inline flows.                                        */

static void test_custom_and_logic_keeps_listed_filters(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<filterLogic>1 AND (3)</filterLogic>"
        FILTER("Status", "EqualTo", "<stringValue>Open</stringValue>")
        FILTER("Origin", "EqualTo", "<stringValue>Phone</stringValue>")
        FILTER("Subject", "StartsWith", "<stringValue>URGENT</stringValue>")
        "<object>Case</object><recordTriggerType>Create</recordTriggerType>"
        "<triggerType>RecordBeforeSave</triggerType>",
        "");
    struct sf_flow *flow = parse_text(xml, "Case_Custom_And.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    const struct crmgov_automation *automation = &mapping->automation;
    assert_int_equal(automation->n_conditions, 1);
    assert_string_equal(automation->conditions[0].field, "Status");
    assert_int_equal(automation->conditions[0].op, CRMGOV_OP_EQ);
    assert_string_equal(automation->conditions[0].value.string, "Open");
    assert_string_equal(automation->attributes_json,
                        "{\"api_version\":60,\"conditions_complete\":false,"
                        "\"dropped_filters\":[{\"field\":\"Subject\","
                        "\"operator\":\"StartsWith\"}],"
                        "\"file\":\"Case_Custom_And.flow-meta.xml\","
                        "\"filter_logic\":\"1 AND (3)\",\"has_description\":true,"
                        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"Create\","
                        "\"trigger_type\":\"RecordBeforeSave\",\"writes_trigger_automations\":false}");
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

static void test_custom_or_logic_emits_no_conditions(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<filterLogic>1 AND (2 OR 3)</filterLogic>"
        FILTER("Status", "EqualTo", "<stringValue>Open</stringValue>")
        FILTER("Origin", "EqualTo", "<stringValue>Phone</stringValue>")
        FILTER("Origin", "EqualTo", "<stringValue>Web</stringValue>")
        "<object>Case</object><recordTriggerType>Update</recordTriggerType>"
        "<triggerType>RecordAfterSave</triggerType>",
        "");
    struct sf_flow *flow = parse_text(xml, "Case_Custom_Or.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_int_equal(mapping->automation.n_conditions, 0);
    assert_null(mapping->automation.conditions);
    assert_int_equal(mapping->automation.trigger.on, CRMGOV_ON_UPDATE);
    assert_int_equal(mapping->automation.trigger.n_fields, 0);
    assert_non_null(strstr(mapping->automation.attributes_json,
                           "\"conditions_complete\":false"));
    assert_non_null(strstr(mapping->automation.attributes_json,
                           "\"filter_logic\":\"1 AND (2 OR 3)\""));
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

static void test_or_of_changed_filters_gives_trigger_fields(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<filterLogic>or</filterLogic>"
        FILTER("StageName", "IsChanged", "<booleanValue>true</booleanValue>")
        FILTER("Amount", "IsChanged", "<booleanValue>true</booleanValue>")
        "<object>Opportunity</object><recordTriggerType>Update</recordTriggerType>"
        "<triggerType>RecordAfterSave</triggerType>",
        "");
    struct sf_flow *flow = parse_text(xml, "Opp_Changed.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    const struct crmgov_trigger *trigger = &mapping->automation.trigger;
    assert_int_equal(trigger->n_fields, 2);
    assert_string_equal(trigger->fields[0], "StageName");
    assert_string_equal(trigger->fields[1], "Amount");
    assert_int_equal(mapping->automation.n_conditions, 0);
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

static void test_reference_filters_are_dropped(void **state)
{
    (void)state;
    char *xml = start_flow(
        FILTER("OwnerId", "EqualTo", "<elementReference>$User.Id</elementReference>")
        FILTER("IsClosed", "IsChanged", "<booleanValue>false</booleanValue>")
        FILTER("CloseDate", "LessThan", "<dateValue>2026-01-01</dateValue>")
        FILTER("Amount", "NotEqualTo", "<numberValue>0.5</numberValue>")
        "<object>Opportunity</object><recordTriggerType>CreateAndUpdate</recordTriggerType>"
        "<triggerType>RecordBeforeSave</triggerType>",
        "");
    struct sf_flow *flow = parse_text(xml, "Opp_Dropped.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    char *text = sf_automation_event_json(&mapping->automation, "sf-prod", AT_2026_03_01_0900,
                                          NULL);
    assert_non_null(strstr(text,
        "\"conditions\":[{\"field\":\"CloseDate\",\"op\":\"lt\",\"value\":\"2026-01-01\"},"
        "{\"field\":\"Amount\",\"op\":\"ne\",\"value\":0.5}]"));
    assert_non_null(strstr(text,
        "\"dropped_filters\":[{\"field\":\"OwnerId\",\"operator\":\"EqualTo\"},"
        "{\"field\":\"IsClosed\",\"operator\":\"IsChanged\"}]"));
    assert_non_null(strstr(text, "\"trigger\":{\"on\":\"create_or_update\"}"));
    free(text);
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

static void test_trigger_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *start;
        enum crmgov_trigger_on on;
        const char *object;
    } cases[] = {
        {"<object>Order_Event__e</object><triggerType>PlatformEvent</triggerType>",
         CRMGOV_ON_CREATE, "Order_Event__e"},
        {"<object>Account</object><recordTriggerType>Delete</recordTriggerType>"
         "<triggerType>RecordBeforeDelete</triggerType>",
         CRMGOV_ON_DELETE, "Account"},
        {"<object>Account</object><recordTriggerType>Create</recordTriggerType>"
         "<triggerType>RecordAfterSave</triggerType>",
         CRMGOV_ON_CREATE, "Account"},
        {"<object>Account</object><triggerType>Scheduled</triggerType>", CRMGOV_ON_SCHEDULE,
         "Account"},
        {"", CRMGOV_ON_MANUAL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *xml = start_flow(cases[i].start, "");
        struct sf_flow *flow = parse_text(xml, "Kinds.flow-meta.xml");
        free(xml);
        struct sf_mapping *mapping = sf_flow_map(flow);
        assert_int_equal(mapping->automation.trigger.on, cases[i].on);
        assert_string_equal(mapping->automation.object, cases[i].object);
        assert_int_equal(mapping->automation.kind, CRMGOV_KIND_FLOW);
        sf_mapping_free(mapping);
        sf_flow_free(flow);
    }
}

static void test_process_builder_maps_to_process(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Flow xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
        "<apiVersion>49.0</apiVersion><label>Old PB</label>\n"
        "<processMetadataValues><name>ObjectType</name><value><stringValue>Lead</stringValue>"
        "</value></processMetadataValues>\n"
        "<processMetadataValues><name>TriggerType</name><value><stringValue>onCreateOnly"
        "</stringValue></value></processMetadataValues>\n"
        "<processType>Workflow</processType>\n"
        "<startElementReference>myDecision</startElementReference>\n"
        "<decisions><name>myDecision</name><label>d</label></decisions>\n"
        "<status>Active</status></Flow>";
    struct sf_flow *flow = parse_text(xml, "flows/Old_PB-3.flow");
    assert_string_equal(flow->api_name, "Old_PB-3");
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_int_equal(mapping->automation.kind, CRMGOV_KIND_PROCESS);
    assert_int_equal(mapping->automation.trigger.on, CRMGOV_ON_CREATE);
    assert_string_equal(mapping->automation.object, "Lead");
    sf_mapping_free(mapping);
    /* startElementReference counts as the entry: the decision is reachable. */
    assert_findings(flow, NULL, "SF010 -; SF011 -");
    sf_flow_free(flow);
}

static void test_record_variable_update_and_delete(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<connector><targetReference>Fill</targetReference></connector>",
        "<assignments><name>Fill</name><label>f</label><assignmentItems>"
        "<assignToReference>acct.Rating</assignToReference><operator>Assign</operator>"
        "<value><stringValue>Warm</stringValue></value></assignmentItems>"
        "<assignmentItems><assignToReference>acct.NumberOfEmployees</assignToReference>"
        "<operator>Add</operator><value><numberValue>1</numberValue></value></assignmentItems>"
        "<connector><targetReference>Save</targetReference></connector></assignments>"
        "<recordDeletes><name>Drop</name><label>d</label><inputReference>old</inputReference>"
        "<faultConnector><targetReference>Fill</targetReference></faultConnector>"
        "</recordDeletes>"
        "<recordUpdates><name>Save</name><label>s</label><inputReference>acct</inputReference>"
        "<connector><targetReference>Drop</targetReference></connector>"
        "<faultConnector><targetReference>Drop</targetReference></faultConnector>"
        "</recordUpdates>"
        "<recordUpdates><name>Touch</name><label>t</label><inputReference>other</inputReference>"
        "</recordUpdates>"
        "<variables><name>acct</name><dataType>SObject</dataType><isCollection>false"
        "</isCollection><isInput>true</isInput><isOutput>false</isOutput>"
        "<objectType>Account</objectType></variables>"
        "<variables><name>old</name><dataType>SObject</dataType><objectType>Task</objectType>"
        "</variables>"
        "<variables><name>other</name><dataType>SObject</dataType>"
        "<objectType>Contact</objectType></variables>");
    struct sf_flow *flow = parse_text(xml, "Var_Writes.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    char *text = sf_automation_event_json(&mapping->automation, "sf-prod", AT_2026_03_01_0900,
                                          NULL);
    assert_non_null(strstr(text,
        "\"actions\":[{\"target\":\"delete:Task\",\"type\":\"call\"},"
        "{\"field\":\"Rating\",\"object\":\"Account\",\"type\":\"set_field\",\"value\":\"Warm\"},"
        "{\"field\":\"NumberOfEmployees\",\"object\":\"Account\",\"type\":\"set_field\"},"
        "{\"target\":\"update:Contact\",\"type\":\"call\"}]"));
    free(text);
    sf_mapping_free(mapping);
    assert_findings(flow, NULL, "SF001 Touch; SF013 Touch");
    sf_flow_free(flow);
}

static void test_own_record_by_id_filter(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<connector><targetReference>Save</targetReference></connector>"
        FILTER("Status", "IsChanged", "<booleanValue>true</booleanValue>")
        "<object>Case</object><recordTriggerType>Update</recordTriggerType>"
        "<triggerType>RecordAfterSave</triggerType>",
        "<recordUpdates><name>Save</name><label>s</label>"
        "<faultConnector><targetReference>Save</targetReference></faultConnector>"
        FILTER("Id", "EqualTo", "<elementReference>$Record.Id</elementReference>")
        "<inputAssignments><field>Escalated__c</field><value><booleanValue>true"
        "</booleanValue></value></inputAssignments><object>Case</object></recordUpdates>");
    struct sf_flow *flow = parse_text(xml, "Case_Self.flow-meta.xml");
    free(xml);
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_int_equal(mapping->automation.n_actions, 1);
    assert_int_equal(mapping->automation.actions[0].type, CRMGOV_ACTION_SET_FIELD);
    assert_null(mapping->automation.actions[0].object);
    assert_int_equal(mapping->automation.actions[0].value.type, CRMGOV_VALUE_BOOL);
    assert_int_equal(mapping->automation.actions[0].value.boolean, 1);
    sf_mapping_free(mapping);
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    char text[512];
    describe(findings, text, sizeof text);
    assert_string_equal(text, "SF008 Save");
    assert_string_equal(findings->items[0].evidence_json,
                        "{\"element_type\":\"recordUpdates\",\"guarded\":true,\"line\":5}");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

/* ------------------------------------------------------------------------ */
/* Checks with options, literals, catalogue.                                 */

static void test_options_change_thresholds(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Opp_Before_Save_Stage.flow-meta.xml");
    struct sf_check_options options;
    sf_check_options_default(&options);
    assert_int_equal(options.min_api_version, 58);
    assert_int_equal(options.max_complexity, 25);
    options.min_api_version = 61;
    options.max_complexity = 0;
    assert_findings(flow, &options, "SF010 -; SF019 -");
    struct sf_findings *findings = sf_flow_check(flow, &options);
    assert_string_equal(find_rule(findings, "SF019")->evidence_json,
                        "{\"complexity\":1,\"maximum\":0}");
    assert_string_equal(find_rule(findings, "SF010")->message,
                        "API version 60.0 is below the minimum 61.0");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

static void test_hardcoded_id_patterns(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<connector><targetReference>Ids</targetReference></connector>",
        "<assignments><name>Ids</name><label>i</label>"
        "<assignmentItems><assignToReference>v</assignToReference><operator>Assign</operator>"
        "<value><stringValue>owner 00530000003xqAb and 0015e00000ABCdEAAX</stringValue>"
        "</value></assignmentItems>"
        "<assignmentItems><assignToReference>v</assignToReference><operator>Assign</operator>"
        "<value><stringValue>0015e00000ABCdEAAA LightningFlowBuilder 123456789012345"
        "</stringValue></value></assignmentItems></assignments>"
        "<variables><name>v</name><dataType>String</dataType></variables>");
    struct sf_flow *flow = parse_text(xml, "Ids.flow-meta.xml");
    free(xml);
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    char text[512];
    describe(findings, text, sizeof text);
    assert_string_equal(text, "SF005 Ids");
    /* a 15-char Id and an 18-char one with a good checksum; bad checksum, words,
     * numbers are not Ids */
    assert_string_equal(findings->items[0].evidence_json,
                        "{\"element_type\":\"assignments\",\"ids\":[\"00530000003xqAb\","
                        "\"0015e00000ABCdEAAX\"],\"line\":5}");
    sf_findings_free(findings);
    sf_flow_free(flow);
}

static void test_catalogue(void **state)
{
    (void)state;
    size_t count = 0;
    const struct sf_rule_info *rules = sf_check_rules(&count);
    assert_int_equal(count, 21);
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/rules/salesforce.md", source_dir());
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    static char doc[200000];
    size_t size = fread(doc, 1, sizeof doc - 1, file);
    doc[size] = '\0';
    fclose(file);
    for (size_t i = 0; i < count; i++) {
        char code[32];
        snprintf(code, sizeof code, "SF%03zu", i + 1);
        assert_string_equal(rules[i].code, code);
        assert_ptr_equal(sf_check_rule(code), &rules[i]);
        for (const char *c = rules[i].name; *c != '\0'; c++)
            assert_true((*c >= 'a' && *c <= 'z') || *c == '-');
        char heading[128];
        snprintf(heading, sizeof heading, "## %s %s", rules[i].code, rules[i].name);
        if (strstr(doc, heading) == NULL)
            fail_msg("docs/rules/salesforce.md lacks the heading '%s'", heading);
    }
    assert_null(sf_check_rule("SF000"));
    assert_null(sf_check_rule(NULL));
}

/* ------------------------------------------------------------------------ */
/* Cross-flow: trigger order.                                                */

static void test_trigger_order_across_flows(void **state)
{
    (void)state;
    static const char *const names[] = {
        "order/Opp_A_After_Both.flow-meta.xml",       "order/Opp_B_After_Update.flow-meta.xml",
        "order/Opp_C_After_Create.flow-meta.xml",     "order/Opp_D_Before_Update.flow-meta.xml",
        "order/Opp_E_After_Update_Draft.flow-meta.xml", "order/Opp_F_Before_Delete.flow-meta.xml",
    };
    enum { N = sizeof names / sizeof names[0] };
    struct sf_flow *flows[N];
    for (size_t i = 0; i < N; i++)
        flows[i] = load(names[i]);
    struct sf_findings *findings =
        sf_flows_check_trigger_order((const struct sf_flow *const *)flows, N);
    assert_non_null(findings);
    assert_int_equal(findings->n, 3);
    assert_string_equal(findings->items[0].automation, "Opp_A_After_Both");
    assert_string_equal(findings->items[0].evidence_json,
                        "{\"object\":\"Opportunity\",\"peers\":[\"Opp_B_After_Update\","
                        "\"Opp_C_After_Create\"],\"trigger_order\":10,"
                        "\"trigger_type\":\"RecordAfterSave\"}");
    assert_string_equal(findings->items[1].automation, "Opp_B_After_Update");
    assert_string_equal(findings->items[1].evidence_json,
                        "{\"object\":\"Opportunity\",\"peers\":[\"Opp_A_After_Both\"],"
                        "\"trigger_order\":null,\"trigger_type\":\"RecordAfterSave\"}");
    assert_string_equal(findings->items[2].automation, "Opp_C_After_Create");
    for (size_t i = 0; i < findings->n; i++) {
        assert_string_equal(findings->items[i].rule, "SF017");
        assert_string_equal(findings->items[i].name, "unordered-trigger");
        assert_null(findings->items[i].subject);
    }
    sf_findings_free(findings);
    for (size_t i = 0; i < N; i++)
        sf_flow_free(flows[i]);
}

/* ------------------------------------------------------------------------ */
/* Errors and bad input.                                                     */

static void test_malformed_xml_reports_file_and_line(void **state)
{
    (void)state;
    size_t size = 0;
    char *data = read_fixture("Malformed.flow-meta.xml", &size);
    struct sf_parse_error error;
    struct sf_flow *flow =
        sf_flow_parse_buffer(data, size, "tests/data/salesforce/Malformed.flow-meta.xml", &error);
    free(data);
    assert_null(flow);
    assert_int_equal(error.status, SF_PARSE_XML);
    assert_int_equal(error.line, 7);
    const char *prefix = "tests/data/salesforce/Malformed.flow-meta.xml:7: malformed XML: ";
    assert_memory_equal(error.message, prefix, strlen(prefix));
}

static void test_parse_file_and_io_errors(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/Lead_Or_Filter.flow-meta.xml",
             source_dir());
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_file(path, &error);
    assert_non_null(flow);
    assert_string_equal(flow->api_name, "Lead_Or_Filter");
    assert_string_equal(flow->file, path);
    sf_flow_free(flow);
    assert_null(sf_flow_parse_file("/nonexistent/X.flow-meta.xml", &error));
    assert_int_equal(error.status, SF_PARSE_IO);
    assert_string_equal(error.message,
                        "/nonexistent/X.flow-meta.xml: No such file or directory");
    snprintf(path, sizeof path, "%s/tests/data/salesforce", source_dir());
    assert_null(sf_flow_parse_file(path, &error));
    assert_int_equal(error.status, SF_PARSE_IO);
    assert_null(sf_flow_parse_file(NULL, NULL));
}

static void test_rejects_doctype_and_other_roots(void **state)
{
    (void)state;
    static const char doctype[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Flow [<!ENTITY x \"boom\">]>\n"
        "<Flow><label>&x;</label></Flow>";
    struct sf_parse_error error;
    assert_null(sf_flow_parse_buffer(doctype, strlen(doctype), "d.flow-meta.xml", &error));
    assert_int_equal(error.status, SF_PARSE_XML);
    assert_string_equal(error.message,
                        "d.flow-meta.xml:2: a DOCTYPE is not allowed in flow metadata");
    static const char other[] = "<?xml version=\"1.0\"?>\n<Workflow/>";
    assert_null(sf_flow_parse_buffer(other, strlen(other), NULL, &error));
    assert_int_equal(error.status, SF_PARSE_NOT_A_FLOW);
    assert_string_equal(error.message, "<memory>:2: root element is <Workflow>, not <Flow>");
    assert_null(sf_flow_parse_buffer("", 0, "e.flow", &error));
    assert_int_equal(error.status, SF_PARSE_XML);
    assert_null(sf_flow_parse_buffer(NULL, 0, "n.flow", &error));
    assert_int_equal(error.status, SF_PARSE_IO);
}

static void test_size_and_count_caps(void **state)
{
    (void)state;
    size_t size = SF_FLOW_MAX_BYTES + 1;
    char *big = malloc(size);
    assert_non_null(big);
    memset(big, ' ', size);
    struct sf_parse_error error;
    assert_null(sf_flow_parse_buffer(big, size, "big.flow-meta.xml", &error));
    assert_int_equal(error.status, SF_PARSE_TOO_LARGE);
    free(big);
    /* One more element than the cap, each as small as possible. */
    size_t count = SF_FLOW_MAX_ELEMENTS + 1;
    size_t capacity = count * 64 + 128;
    char *xml = malloc(capacity);
    assert_non_null(xml);
    size_t used = (size_t)snprintf(xml, capacity, "<Flow>");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(xml + used, capacity - used,
                                 "<variables><name>v%zu</name></variables>", i);
    used += (size_t)snprintf(xml + used, capacity - used, "</Flow>");
    assert_null(sf_flow_parse_buffer(xml, used, "many.flow-meta.xml", &error));
    assert_int_equal(error.status, SF_PARSE_TOO_LARGE);
    free(xml);
}

static void test_unknown_elements_are_kept_or_ignored(void **state)
{
    (void)state;
    char *xml = start_flow(
        "<connector><targetReference>Future</targetReference></connector>",
        "<someNewFlag>true</someNewFlag>"
        "<futureSteps><name>Future</name><label>f</label>"
        "<connector><targetReference>Later</targetReference></connector></futureSteps>"
        "<futureResources><name>Later_Res</name></futureResources>"
        "<assignments><name>Later</name><label>l</label></assignments>");
    struct sf_flow *flow = parse_text(xml, "Unknown.flow-meta.xml");
    free(xml);
    assert_int_equal(flow->n_ignored_tags, 1);
    assert_int_equal(sf_flow_find(flow, "Future")->kind, SF_EL_OTHER_NODE);
    assert_int_equal(sf_flow_find(flow, "Later_Res")->kind, SF_EL_OTHER_RESOURCE);
    /* The unknown node still carries the graph: Later is reachable through it. */
    assert_findings(flow, NULL, "");
    sf_flow_free(flow);
}

/* Metadata is UTF-8 whatever the declaration says; other encodings are refused. */
static void test_encoding_is_utf8(void **state)
{
    (void)state;
    static const char latin_label[] =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        "<Flow><label>Caf\xc3\xa9</label></Flow>";
    struct sf_flow *flow = parse_text(latin_label, "Cafe.flow-meta.xml");
    assert_string_equal(flow->label, "Caf\xc3\xa9");
    sf_flow_free(flow);
    static const char ucs4[] = "\x00\x00\x00<\x00\x00\x00F\xff\xff\xff\xff";
    struct sf_parse_error error;
    assert_null(sf_flow_parse_buffer(ucs4, sizeof ucs4 - 1, "u.flow", &error));
    assert_int_equal(error.status, SF_PARSE_XML);
    assert_memory_equal(error.message, "u.flow:1: malformed XML: ", 25);
}

/* Found by fuzzing: an element without <name> that refers to nothing. */
static void test_unnamed_element_is_safe(void **state)
{
    (void)state;
    char *xml = start_flow(
        "",
        "<assignments><label>no name</label><connector><targetReference>Nowhere"
        "</targetReference></connector></assignments><recordUpdates><inputReference>x"
        "</inputReference><inputAssignments><value><stringValue>v</stringValue></value>"
        "</inputAssignments></recordUpdates>");
    struct sf_flow *flow = parse_text(xml, "Unnamed.flow-meta.xml");
    free(xml);
    assert_string_equal(flow->elements[0].name, "");
    assert_null(sf_flow_find(flow, ""));
    /* Both missing references share the finding key (empty subject): one finding. */
    assert_findings(flow, NULL, "SF001 ; SF013 ; SF013 ; SF016 ");
    assert_int_equal(flow->n_missing, 2);
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_int_equal(mapping->automation.n_actions, 1);
    assert_string_equal(mapping->automation.actions[0].target, "update:x");
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

static void test_event_json_edges(void **state)
{
    (void)state;
    struct sf_flow *flow = load("Lead_Or_Filter.flow-meta.xml");
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_null(sf_automation_event_json(&mapping->automation, NULL, AT_2026_03_01_0900, NULL));
    assert_null(sf_automation_event_json(&mapping->automation, "s", CRMGOV_TIME_NONE, NULL));
    char *text = sf_automation_event_json(&mapping->automation, "s\"x", 1772355600123LL, "X1");
    assert_non_null(strstr(text, "\"at\":\"2026-03-01T09:00:00.123Z\""));
    assert_non_null(strstr(text, "\"id\":\"X1\""));
    assert_non_null(strstr(text, "\"system\":\"s\\\"x\""));
    free(text);
    sf_mapping_free(mapping);
    sf_flow_free(flow);
    assert_null(sf_flow_map(NULL));
    assert_null(sf_flow_check(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_before_save_update),
        cmocka_unit_test(test_map_after_save_self_update),
        cmocka_unit_test(test_map_parent_account_update),
        cmocka_unit_test(test_map_or_filter),
        cmocka_unit_test(test_map_screen_flow),
        cmocka_unit_test(test_map_scheduled_flow),
        cmocka_unit_test(test_loops_and_missing_references),
        cmocka_unit_test(test_parser_structure),
        cmocka_unit_test(test_decision_rules_and_scheduled_paths),
        cmocka_unit_test(test_custom_and_logic_keeps_listed_filters),
        cmocka_unit_test(test_custom_or_logic_emits_no_conditions),
        cmocka_unit_test(test_or_of_changed_filters_gives_trigger_fields),
        cmocka_unit_test(test_reference_filters_are_dropped),
        cmocka_unit_test(test_trigger_kinds),
        cmocka_unit_test(test_process_builder_maps_to_process),
        cmocka_unit_test(test_record_variable_update_and_delete),
        cmocka_unit_test(test_own_record_by_id_filter),
        cmocka_unit_test(test_options_change_thresholds),
        cmocka_unit_test(test_hardcoded_id_patterns),
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_trigger_order_across_flows),
        cmocka_unit_test(test_malformed_xml_reports_file_and_line),
        cmocka_unit_test(test_parse_file_and_io_errors),
        cmocka_unit_test(test_rejects_doctype_and_other_roots),
        cmocka_unit_test(test_size_and_count_caps),
        cmocka_unit_test(test_unknown_elements_are_kept_or_ignored),
        cmocka_unit_test(test_encoding_is_utf8),
        cmocka_unit_test(test_unnamed_element_is_safe),
        cmocka_unit_test(test_event_json_edges),
    };
    return cmocka_run_group_tests_name("sf_flow", tests, NULL, NULL);
}
