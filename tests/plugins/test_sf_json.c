/*
 * test_sf_json.c -- the connector's front ends and services beyond the XML
 * flow parser (which test_sf_flow.c covers):
 *
 * - Tooling API JSON: every fixture flow, rewritten as the JSON the Tooling
 *   API gives for its Metadata, maps to the same automation and raises the
 *   same findings as the XML (only `file` and lines differ, JSON has none);
 *   a realistic Tooling answer (nulls everywhere, numbers as numbers) maps
 *   exactly; bad JSON is refused with a reason.
 * - Recipients: the canonical model requires one, so emails and
 *   notifications always name one -- a literal, a {!reference}, the alert,
 *   or a marker unique to the element.
 * - Legacy workflow rules: criteria, boolean filters and formulas, and every
 *   action type, mapped exactly.
 * - The "flow-parser" service other plugins call.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "connectors/salesforce/flow_check.h"
#include "connectors/salesforce/flow_json.h"
#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/flow_parse.h"
#include "connectors/salesforce/sf_json.h"
#include "connectors/salesforce/sf_map.h"
#include "connectors/salesforce/sf_service.h"
#include "connectors/salesforce/sf_workflow.h"
#include "../support/testfiles.h"

#define AT 1772355600000LL /* 2026-03-01T09:00:00Z */

static const char *source_dir(void)
{
    const char *dir = getenv("CRMGOV_SOURCE_DIR");
    return dir != NULL ? dir : ".";
}

/* ------------------------------------------------------------------------ */
/* XML as the Tooling API would give it.                                     */

static int has_element_children(const xmlNode *node)
{
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static cJSON *element_json(const xmlNode *node)
{
    if (!has_element_children(node)) {
        xmlChar *text = xmlNodeGetContent(node);
        cJSON *value = cJSON_CreateString(text != NULL ? (const char *)text : "");
        xmlFree(text);
        return value;
    }
    cJSON *object = cJSON_CreateObject();
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        const char *tag = (const char *)child->name;
        cJSON *value = element_json(child);
        cJSON *existing = cJSON_GetObjectItemCaseSensitive(object, tag);
        if (existing == NULL) {
            cJSON_AddItemToObject(object, tag, value);
        } else if (cJSON_IsArray(existing)) {
            cJSON_AddItemToArray(existing, value);
        } else {
            cJSON *list = cJSON_CreateArray();
            cJSON_AddItemToArray(list, cJSON_Duplicate(existing, 1));
            cJSON_AddItemToArray(list, value);
            cJSON_ReplaceItemInObjectCaseSensitive(object, tag, list);
        }
    }
    return object;
}

static cJSON *xml_file_as_json(const char *path)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                              XML_PARSE_NOWARNING);
    assert_non_null(doc);
    cJSON *json = element_json(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return json;
}

/* Removes every member named `key`, at any depth. */
static void strip_key(cJSON *item, const char *key)
{
    if (item == NULL)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(item, key);
    for (cJSON *child = item->child; child != NULL; child = child->next)
        strip_key(child, key);
}

static char *event_without_file(const struct sf_flow *flow)
{
    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_non_null(mapping);
    char *text = sf_automation_event_json(&mapping->automation, "s", AT, NULL);
    sf_mapping_free(mapping);
    cJSON *event = cJSON_Parse(text);
    free(text);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(event, "attributes"), "file");
    char *canonical = sf_json_canonical(event);
    cJSON_Delete(event);
    return canonical;
}

/* "RULE SUBJECT MESSAGE EVIDENCE-WITHOUT-LINES" per finding. */
static char *findings_without_lines(const struct sf_flow *flow)
{
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_non_null(findings);
    size_t size = 1;
    char **lines = calloc(findings->n + 1, sizeof *lines);
    for (size_t i = 0; i < findings->n; i++) {
        const struct crmgov_finding *f = &findings->items[i];
        cJSON *evidence = cJSON_Parse(f->evidence_json);
        strip_key(evidence, "line");
        char *text = sf_json_canonical(evidence);
        size_t n = strlen(f->rule) + strlen(f->subject != NULL ? f->subject : "-") +
                   strlen(f->message) + strlen(text) + 5;
        lines[i] = malloc(n);
        snprintf(lines[i], n, "%s %s %s %s\n", f->rule, f->subject != NULL ? f->subject : "-",
                 f->message, text);
        size += n;
        free(text);
        cJSON_Delete(evidence);
    }
    char *out = calloc(1, size);
    for (size_t i = 0; i < findings->n; i++) {
        strcat(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    sf_findings_free(findings);
    return out;
}

static size_t compare_folder(const char *folder)
{
    DIR *dir = opendir(folder);
    assert_non_null(dir);
    size_t compared = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t n = strlen(entry->d_name);
        if (n < 15 || strcmp(entry->d_name + n - 14, ".flow-meta.xml") != 0 ||
            strncmp(entry->d_name, "Malformed", 9) == 0 || strncmp(entry->d_name, "Broken", 6) == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        struct sf_parse_error error;
        struct sf_flow *from_xml = sf_flow_parse_file(path, &error);
        assert_non_null(from_xml);
        cJSON *json = xml_file_as_json(path);
        struct sf_flow *from_json = sf_flow_from_json(json, from_xml->api_name, NULL, &error);
        if (from_json == NULL)
            fail_msg("%s: %s", path, error.message);
        char *xml_event = event_without_file(from_xml);
        char *json_event = event_without_file(from_json);
        if (strcmp(xml_event, json_event) != 0)
            fail_msg("%s:\n%s\n!=\n%s", path, xml_event, json_event);
        char *xml_findings = findings_without_lines(from_xml);
        char *json_findings = findings_without_lines(from_json);
        if (strcmp(xml_findings, json_findings) != 0)
            fail_msg("%s:\n%s\n!=\n%s", path, xml_findings, json_findings);
        free(xml_event);
        free(json_event);
        free(xml_findings);
        free(json_findings);
        cJSON_Delete(json);
        sf_flow_free(from_xml);
        sf_flow_free(from_json);
        compared++;
    }
    closedir(dir);
    return compared;
}

static void test_json_and_xml_agree(void **state)
{
    (void)state;
    char folder[1024];
    size_t compared = 0;
    snprintf(folder, sizeof folder, "%s/tests/data/salesforce", source_dir());
    compared += compare_folder(folder);
    snprintf(folder, sizeof folder, "%s/tests/data/salesforce/order", source_dir());
    compared += compare_folder(folder);
    snprintf(folder, sizeof folder, "%s/tests/data/salesforce/sfdx/force-app/main/default/flows",
             source_dir());
    compared += compare_folder(folder);
    assert_int_equal(compared, 7 + 6 + 6);
}

static void test_tooling_answer_maps_exactly(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/api/flow-opp.json", source_dir());
    char *text = tf_read(path, NULL);
    cJSON *answer = cJSON_Parse(text);
    free(text);
    const cJSON *record = cJSON_GetArrayItem(cJSON_GetObjectItem(answer, "records"), 0);
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_from_json(cJSON_GetObjectItem(record, "Metadata"),
                                             "Opp_Discount_Rule", NULL, &error);
    assert_non_null(flow);
    struct sf_mapping *mapping = sf_flow_map(flow);
    char *event = sf_automation_event_json(&mapping->automation, "sf", AT, NULL);
    assert_string_equal(
        event,
        "{\"actions\":[{\"field\":\"Discount__c\",\"type\":\"set_field\",\"value\":15},"
        "{\"field\":\"Approval_Needed__c\",\"type\":\"set_field\",\"value\":true}],"
        "\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"api_version\":60,"
        "\"conditions_complete\":true,\"filter_logic\":\"and\",\"has_description\":true,"
        "\"process_type\":\"AutoLaunchedFlow\",\"record_trigger_type\":\"Update\","
        "\"trigger_order\":20,\"trigger_type\":\"RecordBeforeSave\",\"writes_trigger_automations\":false},\"conditions\":"
        "[{\"field\":\"StageName\",\"op\":\"eq\",\"value\":\"Negotiation\"},{\"field\":"
        "\"Amount\",\"op\":\"gt\",\"value\":100000}],\"id\":\"Opp_Discount_Rule\",\"kind\":"
        "\"flow\",\"name\":\"Opportunity discount rule\",\"object\":\"Opportunity\","
        "\"status\":\"active\",\"system\":\"sf\",\"trigger\":{\"on\":\"update\"},\"type\":"
        "\"automation\"}");
    assert_string_equal(flow->api_version, "60.0");
    assert_null(flow->file);
    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_int_equal(findings->n, 0);
    sf_findings_free(findings);
    free(event);
    sf_mapping_free(mapping);
    sf_flow_free(flow);
    cJSON_Delete(answer);
}

static void test_bad_json_is_refused(void **state)
{
    (void)state;
    struct sf_parse_error error;
    cJSON *text = cJSON_CreateString("not an object");
    assert_null(sf_flow_from_json(text, "X", "Flow/301", &error));
    assert_int_equal(error.status, SF_PARSE_NOT_A_FLOW);
    assert_string_equal(error.message, "Flow/301: the flow's Metadata is not an object");
    assert_null(sf_flow_from_json(NULL, "X", NULL, &error));
    cJSON_Delete(text);

    /* nested deeper than the cap */
    cJSON *root = cJSON_CreateObject(), *cursor = root;
    for (int i = 0; i < 100; i++) {
        cJSON *inner = cJSON_CreateObject();
        cJSON_AddItemToObject(cursor, "screens", inner);
        cursor = inner;
    }
    assert_null(sf_flow_from_json(root, "Deep", NULL, &error));
    assert_int_equal(error.status, SF_PARSE_TOO_LARGE);
    cJSON_Delete(root);

    /* more elements than the parser takes */
    root = cJSON_CreateObject();
    cJSON *many = cJSON_AddArrayToObject(root, "assignments");
    for (int i = 0; i < 5001; i++) {
        cJSON *element = cJSON_CreateObject();
        char name[32];
        snprintf(name, sizeof name, "A%d", i);
        cJSON_AddStringToObject(element, "name", name);
        cJSON_AddItemToArray(many, element);
    }
    assert_null(sf_flow_from_json(root, "Many", "Flow/x", &error));
    assert_int_equal(error.status, SF_PARSE_TOO_LARGE);
    cJSON_Delete(root);
}

/* ------------------------------------------------------------------------ */
/* Recipients.                                                               */

static const char recipients_flow[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Flow xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
    "  <actionCalls><name>Alert</name><actionName>Big_Deal_Alert</actionName>"
    "<actionType>emailAlert</actionType><inputParameters><name>SObjectRowId</name><value>"
    "<elementReference>$Record.Id</elementReference></value></inputParameters>"
    "<connector><targetReference>Bell</targetReference></connector></actionCalls>\n"
    "  <actionCalls><name>Bell</name><actionName>customNotificationAction</actionName>"
    "<actionType>customNotificationAction</actionType>"
    "<connector><targetReference>Post</targetReference></connector></actionCalls>\n"
    "  <actionCalls><name>Post</name><actionName>chatterPost</actionName>"
    "<actionType>chatterPost</actionType><inputParameters><name>subjectNameOrId</name><value>"
    "<elementReference>Team_Group_Id</elementReference></value></inputParameters>"
    "</actionCalls>\n"
    "  <label>Recipients</label><processType>AutoLaunchedFlow</processType>\n"
    "  <start><connector><targetReference>Alert</targetReference></connector></start>\n"
    "  <status>Active</status>\n"
    "  <variables><name>Team_Group_Id</name><dataType>String</dataType></variables>\n"
    "</Flow>\n";

static void test_recipients_are_always_named(void **state)
{
    (void)state;
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_buffer(recipients_flow, sizeof recipients_flow - 1,
                                                "Recipients.flow-meta.xml", &error);
    assert_non_null(flow);
    struct sf_mapping *mapping = sf_flow_map(flow);
    const struct crmgov_automation *a = &mapping->automation;
    assert_int_equal(a->n_actions, 3);
    assert_int_equal(a->actions[0].type, CRMGOV_ACTION_EMAIL);
    assert_string_equal(a->actions[0].to, "alert:Big_Deal_Alert");
    assert_int_equal(a->actions[1].type, CRMGOV_ACTION_NOTIFY);
    assert_string_equal(a->actions[1].to, "unresolved:Recipients.Bell");
    assert_int_equal(a->actions[2].type, CRMGOV_ACTION_NOTIFY);
    assert_string_equal(a->actions[2].to, "{!Team_Group_Id}");
    sf_mapping_free(mapping);
    sf_flow_free(flow);
}

/* ------------------------------------------------------------------------ */
/* Workflow rules.                                                           */

static const char workflow[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Workflow xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
    "  <fieldUpdates><fullName>To_Queue</fullName><field>OwnerId</field>"
    "<lookupValue>support@acme.example</lookupValue><lookupValueType>User</lookupValueType>"
    "<operation>LookupValue</operation></fieldUpdates>\n"
    "  <fieldUpdates><fullName>Clear_Reason</fullName><field>Reason__c</field>"
    "<operation>Null</operation></fieldUpdates>\n"
    "  <fieldUpdates><fullName>Stamp_Parent</fullName><field>Last_Case__c</field>"
    "<formula>NOW()</formula><operation>Formula</operation><targetObject>Account"
    "</targetObject></fieldUpdates>\n"
    "  <tasks><fullName>Call_Back</fullName><assignedTo>ana@acme.example</assignedTo>"
    "<assignedToType>user</assignedToType><subject>Call back</subject></tasks>\n"
    "  <tasks><fullName>Owner_Task</fullName><assignedToType>owner</assignedToType></tasks>\n"
    "  <alerts><fullName>Silent_Alert</fullName><template>x</template></alerts>\n"
    "  <flowActions><fullName>Run_Flow</fullName><flow>Case_Followup</flow></flowActions>\n"
    "  <rules><fullName>Route</fullName><active>true</active>\n"
    "    <actions><name>To_Queue</name><type>FieldUpdate</type></actions>\n"
    "    <actions><name>Clear_Reason</name><type>FieldUpdate</type></actions>\n"
    "    <actions><name>Stamp_Parent</name><type>FieldUpdate</type></actions>\n"
    "    <actions><name>Missing_One</name><type>FieldUpdate</type></actions>\n"
    "    <criteriaItems><field>Case.Origin</field><operation>notEqual</operation>"
    "<value>Email,Web</value></criteriaItems>\n"
    "    <criteriaItems><field>Case.Reason</field><operation>equals</operation></criteriaItems>\n"
    "    <criteriaItems><field>Case.Hours__c</field><operation>greaterThan</operation>"
    "<value>5</value></criteriaItems>\n"
    "    <criteriaItems><field>Case.Subject</field><operation>contains</operation>"
    "<value>urgent</value></criteriaItems>\n"
    "    <triggerType>onCreateOnly</triggerType>\n"
    "    <workflowTimeTriggers><actions><name>Call_Back</name><type>Task</type></actions>"
    "<actions><name>Owner_Task</name><type>Task</type></actions>"
    "<timeLength>1</timeLength><workflowTimeTriggerUnit>Days</workflowTimeTriggerUnit>"
    "</workflowTimeTriggers>\n"
    "  </rules>\n"
    "  <rules><fullName>Either</fullName><active>false</active>\n"
    "    <actions><name>Silent_Alert</name><type>Alert</type></actions>\n"
    "    <actions><name>Run_Flow</name><type>FlowAction</type></actions>\n"
    "    <booleanFilter>1 OR 2</booleanFilter>\n"
    "    <criteriaItems><field>Case.Priority</field><operation>equals</operation>"
    "<value>High</value></criteriaItems>\n"
    "    <criteriaItems><field>Case.IsEscalated</field><operation>equals</operation>"
    "<value>true</value></criteriaItems>\n"
    "    <triggerType>onAllChanges</triggerType>\n"
    "  </rules>\n"
    "  <rules><fullName>By_Formula</fullName><active>true</active>"
    "<formula>ISCHANGED(Status)</formula><triggerType>onCreateOrTriggeringUpdate</triggerType>"
    "</rules>\n"
    "</Workflow>\n";

static void test_workflow_rules_map_exactly(void **state)
{
    (void)state;
    struct sf_parse_error error;
    struct sf_workflow_rules *rules = sf_workflow_parse_buffer(
        workflow, sizeof workflow - 1, "unpackaged/workflows/Case.workflow", &error);
    assert_non_null(rules);
    assert_string_equal(rules->object, "Case");
    assert_int_equal(rules->n, 3);
    const char *expected[] = {
        "{\"actions\":[{\"to\":\"support@acme.example\",\"type\":\"assign\"},{\"field\":"
        "\"Reason__c\",\"type\":\"set_field\",\"value\":null},{\"field\":\"Last_Case__c\","
        "\"object\":\"Account\",\"type\":\"set_field\"},{\"target\":\"FieldUpdate:Missing_One\","
        "\"type\":\"call\"},{\"to\":\"ana@acme.example\",\"type\":\"create_task\"},{\"to\":"
        "\"owner\",\"type\":\"create_task\"}],\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":"
        "{\"conditions_complete\":false,\"dropped_criteria\":[{\"field\":\"Case.Subject\","
        "\"operation\":\"contains\"}],\"file\":\"unpackaged/workflows/Case.workflow\","
        "\"has_description\":false,\"metadata_type\":\"WorkflowRule\",\"time_triggers\":1,"
        "\"trigger_type\":\"onCreateOnly\"},\"conditions\":[{\"field\":\"Origin\",\"op\":"
        "\"not_in\",\"value\":[\"Email\",\"Web\"]},{\"field\":\"Reason\",\"op\":\"unset\"},"
        "{\"field\":\"Hours__c\",\"op\":\"gt\",\"value\":5}],\"id\":\"Case.Route\",\"kind\":"
        "\"workflow\",\"name\":\"Route\",\"object\":\"Case\",\"status\":\"active\",\"system\":"
        "\"sf\",\"trigger\":{\"on\":\"create\"},\"type\":\"automation\"}",
        "{\"actions\":[{\"to\":\"alert:Silent_Alert\",\"type\":\"email\"},{\"target\":"
        "\"Case_Followup\",\"type\":\"call\"}],\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":"
        "{\"boolean_filter\":\"1 OR 2\",\"conditions_complete\":false,\"file\":"
        "\"unpackaged/workflows/Case.workflow\",\"has_description\":false,\"metadata_type\":"
        "\"WorkflowRule\",\"trigger_type\":\"onAllChanges\"},\"conditions\":[],\"id\":"
        "\"Case.Either\",\"kind\":\"workflow\",\"name\":\"Either\",\"object\":\"Case\","
        "\"status\":\"inactive\",\"system\":\"sf\",\"trigger\":{\"on\":\"create_or_update\"},"
        "\"type\":\"automation\"}",
        "{\"actions\":[],\"at\":\"2026-03-01T09:00:00Z\",\"attributes\":{\"conditions_complete\":"
        "false,\"file\":\"unpackaged/workflows/Case.workflow\",\"formula\":\"ISCHANGED(Status)\","
        "\"has_description\":false,\"metadata_type\":\"WorkflowRule\",\"trigger_type\":"
        "\"onCreateOrTriggeringUpdate\"},\"conditions\":[],\"id\":\"Case.By_Formula\",\"kind\":"
        "\"workflow\",\"name\":\"By_Formula\",\"object\":\"Case\",\"status\":\"active\","
        "\"system\":\"sf\",\"trigger\":{\"on\":\"create_or_update\"},\"type\":\"automation\"}",
    };
    for (size_t i = 0; i < 3; i++) {
        char *event = sf_automation_event_json(&rules->automations[i], "sf", AT, NULL);
        assert_string_equal(event, expected[i]);
        free(event);
    }
    sf_workflow_rules_free(rules);
}

static void test_bad_workflow_files(void **state)
{
    (void)state;
    struct sf_parse_error error;
    static const char not_workflow[] = "<Flow><label>x</label></Flow>";
    assert_null(sf_workflow_parse_buffer(not_workflow, sizeof not_workflow - 1,
                                         "Case.workflow-meta.xml", &error));
    assert_int_equal(error.status, SF_PARSE_NOT_A_FLOW);
    static const char broken[] = "<Workflow>\n<rules>\n</Workflow>";
    assert_null(sf_workflow_parse_buffer(broken, sizeof broken - 1, "Case.workflow-meta.xml",
                                         &error));
    assert_int_equal(error.status, SF_PARSE_XML);
    assert_int_equal(error.line, 3);
    static const char doctype[] = "<!DOCTYPE x [<!ENTITY a \"b\">]><Workflow/>";
    assert_null(sf_workflow_parse_buffer(doctype, sizeof doctype - 1, "Case.workflow", &error));
    assert_string_equal(error.message, "Case.workflow:1: a DOCTYPE is not allowed in metadata");
    static const char empty[] = "<Workflow xmlns=\"http://soap.sforce.com/2006/04/metadata\"/>";
    struct sf_workflow_rules *rules =
        sf_workflow_parse_buffer(empty, sizeof empty - 1, "Lead.workflow-meta.xml", &error);
    assert_non_null(rules);
    assert_int_equal(rules->n, 0);
    sf_workflow_rules_free(rules);
    assert_true(sf_workflow_is_file("a/Case.workflow-meta.xml"));
    assert_true(sf_workflow_is_file("Case.workflow"));
    assert_false(sf_workflow_is_file("Case.flow-meta.xml"));
}

/* ------------------------------------------------------------------------ */
/* The flow-parser service.                                                  */

static void test_flow_parser_service(void **state)
{
    (void)state;
    struct sf_parser parser;
    struct sf_check_options check;
    sf_check_options_default(&check);
    sf_parser_init(&parser, 1, &check);
    const struct crmgov_flow_parser_service *svc = &parser.service;
    assert_int_equal(svc->struct_size, sizeof *svc);
    assert_true(svc->accepts(svc, "x/Lead_Router.flow-meta.xml"));
    assert_true(svc->accepts(svc, "Old-3.flow"));
    assert_true(svc->accepts(svc, "Case.workflow-meta.xml"));
    assert_false(svc->accepts(svc, "Lead_Router.flowDefinition-meta.xml"));

    char folder[1024], a_path[1100], b_path[1100];
    snprintf(folder, sizeof folder, "%s/tests/data/salesforce/order", source_dir());
    snprintf(a_path, sizeof a_path, "%s/Opp_A_After_Both.flow-meta.xml", folder);
    snprintf(b_path, sizeof b_path, "%s/Opp_B_After_Update.flow-meta.xml", folder);
    struct crmgov_flow_parse_result *a = NULL, *b = NULL, *bad = NULL, *wf = NULL;
    assert_int_equal(svc->parse_file(svc, a_path, "sf-ci", AT, &a), CRMGOV_OK);
    assert_int_equal(svc->parse_file(svc, b_path, "sf-ci", AT, &b), CRMGOV_OK);
    assert_null(a->error);
    assert_int_equal(a->n_automations, 1);
    assert_string_equal(a->automations[0].id, "Opp_A_After_Both");
    assert_non_null(strstr(a->automation_json[0], "\"at\":\"2026-03-01T09:00:00Z\""));
    assert_non_null(strstr(a->automation_json[0], "\"system\":\"sf-ci\""));
    size_t before_a = a->n_findings, before = b->n_findings;
    assert_true(before_a > 0);
    assert_string_equal(a->findings[0].system, "sf-ci");
    struct crmgov_flow_parse_result *const both[] = {a, b};
    assert_int_equal(svc->check_together(svc, both, 2), CRMGOV_OK);
    /* B has no trigger order: SF017 is B's; A's order 10 is distinct */
    assert_int_equal(a->n_findings, before_a);
    assert_int_equal(b->n_findings, before + 1);
    assert_string_equal(b->findings[before].rule, "SF017");
    assert_string_equal(b->findings[before].system, "sf-ci");
    assert_string_equal(b->findings[before].automation, "Opp_B_After_Update");
    svc->result_free(svc, a); /* b keeps its own copy */
    assert_string_equal(b->findings[before].evidence_json,
                        "{\"object\":\"Opportunity\",\"peers\":[\"Opp_A_After_Both\"],"
                        "\"trigger_order\":null,\"trigger_type\":\"RecordAfterSave\"}");
    a = b;

    static const char malformed[] = "<Flow>\n<label>x</labl>\n</Flow>";
    assert_int_equal(svc->parse_buffer(svc, malformed, sizeof malformed - 1, "Bad.flow-meta.xml",
                                       "sf-ci", AT, &bad),
                     CRMGOV_ERROR);
    assert_non_null(bad);
    assert_int_equal(bad->error_line, 2);
    assert_string_equal(bad->error, "Bad.flow-meta.xml:2: malformed XML: Opening and ending tag "
                                    "mismatch: label line 2 and labl");
    assert_int_equal(bad->n_automations, 0);
    struct crmgov_flow_parse_result *with_bad[] = {a, bad};
    assert_int_equal(svc->check_together(svc, with_bad, 2), CRMGOV_OK);
    svc->result_free(svc, bad);

    assert_int_equal(svc->parse_buffer(svc, workflow, sizeof workflow - 1,
                                       "Case.workflow-meta.xml", "sf-ci", AT, &wf),
                     CRMGOV_OK);
    assert_int_equal(wf->n_automations, 3);
    assert_int_equal(wf->n_findings, 0);
    assert_non_null(strstr(wf->automation_json[2], "\"id\":\"Case.By_Formula\""));
    svc->result_free(svc, wf);

    struct crmgov_flow_parse_result *missing = NULL;
    assert_int_equal(svc->parse_file(svc, "/nonexistent/X.flow-meta.xml", "s", AT, &missing),
                     CRMGOV_ERROR);
    assert_string_equal(missing->error, "/nonexistent/X.flow-meta.xml: cannot read the file");
    svc->result_free(svc, missing);
    svc->result_free(svc, a);
    svc->result_free(svc, NULL);
}

/* ------------------------------------------------------------------------ */
/* The string map.                                                           */

static void count_entry(void *ctx, const char *key, void *value)
{
    (void)key;
    *(size_t *)ctx += (size_t)(uintptr_t)value;
}

static void test_string_map(void **state)
{
    (void)state;
    struct sf_map *map = sf_map_new();
    char key[32];
    for (uintptr_t i = 1; i <= 1000; i++) {
        snprintf(key, sizeof key, "flow-%u", (unsigned)i);
        assert_int_equal(sf_map_put(map, key, (void *)i), 0);
    }
    assert_int_equal(sf_map_put(map, "flow-7", (void *)(uintptr_t)7000), 0);
    assert_int_equal(sf_map_count(map), 1000);
    assert_int_equal((uintptr_t)sf_map_get(map, "flow-7"), 7000);
    assert_int_equal((uintptr_t)sf_map_get(map, "flow-1000"), 1000);
    assert_null(sf_map_get(map, "flow-1001"));
    assert_null(sf_map_get(map, NULL));
    size_t total = 0;
    sf_map_each(map, count_entry, &total);
    assert_int_equal(total, 500500 - 7 + 7000);
    sf_map_free(map);
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_and_xml_agree),
        cmocka_unit_test(test_tooling_answer_maps_exactly),
        cmocka_unit_test(test_bad_json_is_refused),
        cmocka_unit_test(test_recipients_are_always_named),
        cmocka_unit_test(test_workflow_rules_map_exactly),
        cmocka_unit_test(test_bad_workflow_files),
        cmocka_unit_test(test_flow_parser_service),
        cmocka_unit_test(test_string_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
