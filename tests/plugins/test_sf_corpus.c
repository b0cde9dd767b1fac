/*
 * test_sf_corpus.c -- conformance over real Salesforce flows.
 *
 * The corpus is a folder of public example flows, each named for the flaw
 * it shows (shared/corpus/salesforce-flows, from the MIT-licensed
 * lightning-flow-scanner examples). It is not part of the repository: the
 * folder comes from $CRMGOV_SF_CORPUS, else
 * $CRMGOV_SOURCE_DIR/../shared/corpus/salesforce-flows (source dir default
 * "."), and every test skips when it is absent.
 *
 * For each file the table says which SF code its name stands for and what
 * the mapping must keep (object, trigger, writes). One flaw is a naming
 * convention this connector does not check (FlowNamingConvention: the
 * scanner's "Domain_Description" API-name pattern); its row expects no code
 * and only checks that the file parses and maps. A file in the folder that
 * the table does not know fails the run, so a new corpus file forces a
 * decision here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "connectors/salesforce/flow_check.h"
#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/flow_parse.h"

struct corpus_case {
    const char *file;
    const char *code;       /* NULL: a convention this connector does not check */
    const char *object;
    enum crmgov_trigger_on on;
    const char *actions;    /* "type target|field@object|to; ..." */
};

static const struct corpus_case cases[] = {
    {"Copy_API_Name", "SF018", "", CRMGOV_ON_MANUAL, ""},
    {"Cyclomatic_Complexity", "SF019", "", CRMGOV_ON_MANUAL,
     "call FeedItem.NewTaskFromFeedItem"},
    {"DML_Statement_In_A_Loop", "SF002", "", CRMGOV_ON_MANUAL,
     "call FeedItem.NewTaskFromFeedItem; call create:Case"},
    {"Duplicate_DML_Operation", "SF020", "", CRMGOV_ON_MANUAL,
     "call FeedItem.NewTaskFromFeedItem; call create:Account; set_field Name@Account"},
    {"FlowNamingConvention", NULL, "", CRMGOV_ON_MANUAL, ""},
    {"Hardcoded_Id", "SF005", "", CRMGOV_ON_MANUAL,
     "call FeedItem.NewTaskFromFeedItem; call create:Account; set_field Name@Account; "
     "set_field OwnerId@Account"},
    {"Missing_Error_Handler", "SF001", "", CRMGOV_ON_MANUAL, "call LogACall"},
    {"Missing_Flow_Description", "SF011", "", CRMGOV_ON_MANUAL, ""},
    {"Missing_Null_Handler", "SF021", "", CRMGOV_ON_MANUAL, ""},
    {"Outdated_API_Version", "SF010", "", CRMGOV_ON_MANUAL, ""},
    {"SOQL_Query_In_A_Loop", "SF003", "", CRMGOV_ON_MANUAL, "call NewCase"},
    {"Trigger_Without_Filter", "SF009", "Account", CRMGOV_ON_CREATE_OR_UPDATE, "call NewTask"},
    {"Unconnected_Element", "SF013", "", CRMGOV_ON_MANUAL, ""},
    {"Unsafe_Running_Context", "SF007", "", CRMGOV_ON_MANUAL, ""},
    {"Unused_Variable", "SF012", "", CRMGOV_ON_MANUAL, ""},
};

enum { N_CASES = sizeof cases / sizeof cases[0] };

static void corpus_dir(char *out, size_t size)
{
    const char *dir = getenv("CRMGOV_SF_CORPUS");
    if (dir != NULL && dir[0] != '\0') {
        snprintf(out, size, "%s", dir);
        return;
    }
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    snprintf(out, size, "%s/../shared/corpus/salesforce-flows",
             source != NULL && source[0] != '\0' ? source : ".");
}

static int corpus_present(char *dir, size_t size)
{
    corpus_dir(dir, size);
    struct stat info;
    return stat(dir, &info) == 0 && S_ISDIR(info.st_mode);
}

static void describe_actions(const struct crmgov_automation *automation, char *out, size_t size)
{
    static const char *const types[] = {"other", "set_field", "notify", "assign",
                                        "create_task", "email", "webhook", "call"};
    out[0] = '\0';
    for (size_t i = 0; i < automation->n_actions; i++) {
        const struct crmgov_action *action = &automation->actions[i];
        size_t used = strlen(out);
        const char *what = action->target != NULL ? action->target
                           : action->field != NULL ? action->field
                           : action->to != NULL    ? action->to
                                                   : "-";
        snprintf(out + used, size - used, "%s%s %s%s%s", i != 0 ? "; " : "",
                 types[action->type], what, action->object != NULL ? "@" : "",
                 action->object != NULL ? action->object : "");
    }
}

static void test_corpus_file(void **state)
{
    const struct corpus_case *row = *state;
    char dir[1024], path[1200];
    if (!corpus_present(dir, sizeof dir))
        skip();
    snprintf(path, sizeof path, "%s/%s.flow-meta.xml", dir, row->file);
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_file(path, &error);
    if (flow == NULL)
        fail_msg("%s", error.message);
    assert_string_equal(flow->api_name, row->file);

    struct sf_mapping *mapping = sf_flow_map(flow);
    assert_non_null(mapping);
    assert_string_equal(mapping->automation.id, row->file);
    assert_string_equal(mapping->automation.object, row->object);
    assert_int_equal(mapping->automation.trigger.on, row->on);
    char actions[1024];
    describe_actions(&mapping->automation, actions, sizeof actions);
    assert_string_equal(actions, row->actions);
    char *line = sf_automation_event_json(&mapping->automation, "corpus", 0, NULL);
    assert_non_null(line);
    free(line);
    sf_mapping_free(mapping);

    struct sf_findings *findings = sf_flow_check(flow, NULL);
    assert_non_null(findings);
    int found = 0;
    for (size_t i = 0; i < findings->n; i++)
        found |= row->code != NULL && strcmp(findings->items[i].rule, row->code) == 0;
    if (row->code != NULL && !found)
        fail_msg("%s does not raise %s", row->file, row->code);
    sf_findings_free(findings);
    sf_flow_free(flow);
}

static void test_every_corpus_file_is_known(void **state)
{
    (void)state;
    char dir[1024];
    if (!corpus_present(dir, sizeof dir))
        skip();
    DIR *folder = opendir(dir);
    assert_non_null(folder);
    size_t flows = 0;
    const struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        const char *suffix = strstr(entry->d_name, ".flow-meta.xml");
        if (suffix == NULL || suffix[strlen(".flow-meta.xml")] != '\0')
            continue;
        flows++;
        size_t length = (size_t)(suffix - entry->d_name);
        int known = 0;
        for (size_t i = 0; i < N_CASES; i++)
            known |= strlen(cases[i].file) == length &&
                     strncmp(cases[i].file, entry->d_name, length) == 0;
        if (!known) {
            closedir(folder);
            fail_msg("corpus file %s has no row in test_sf_corpus.c", entry->d_name);
        }
    }
    closedir(folder);
    assert_int_equal(flows, N_CASES);
}

/* All corpus flows at once: no two active record-triggered flows share object+trigger. */
static void test_corpus_trigger_order(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    if (!corpus_present(dir, sizeof dir))
        skip();
    const struct sf_flow *flows[N_CASES];
    for (size_t i = 0; i < N_CASES; i++) {
        snprintf(path, sizeof path, "%s/%s.flow-meta.xml", dir, cases[i].file);
        flows[i] = sf_flow_parse_file(path, NULL);
        assert_non_null(flows[i]);
    }
    struct sf_findings *findings = sf_flows_check_trigger_order(flows, N_CASES);
    assert_non_null(findings);
    assert_int_equal(findings->n, 0);
    sf_findings_free(findings);
    for (size_t i = 0; i < N_CASES; i++)
        sf_flow_free((struct sf_flow *)flows[i]);
}

int main(void)
{
    struct CMUnitTest tests[N_CASES + 2];
    for (size_t i = 0; i < N_CASES; i++) {
        tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(test_corpus_file,
                                                                  (void *)&cases[i]);
        tests[i].name = cases[i].file;
    }
    tests[N_CASES] = (struct CMUnitTest)cmocka_unit_test(test_every_corpus_file_is_known);
    tests[N_CASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_corpus_trigger_order);
    return _cmocka_run_group_tests("sf_corpus", tests, N_CASES + 2, NULL, NULL);
}
