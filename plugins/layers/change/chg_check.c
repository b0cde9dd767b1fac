/*
 * chg_check.c -- `crmgov check FILE...`: the change layer's risk assessment
 * for CI pipelines that keep automation definitions in a repository.
 *
 * Every file is a proposal (an automation object, or an array of them)
 * against the current inventory; all files of one run are applied together
 * to the analysis -- so two new automations that only form a cycle with each
 * other are caught -- assessed, and taken out again: nothing is stored, and a
 * running analysis is left exactly as it was.
 *
 * Output: a table for people, JSON for programs, SARIF 2.1.0 for code
 * scanning (one result per created conflict, cycle and duplicate, plus one
 * "change-risk" result per automation; each located in its file, with a
 * partial fingerprint built from the finding key so reruns match up).
 * Exit status 1 when some automation's risk reaches --fail-on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"
#include "crmgov/services/flow_parser.h"

struct entry {
    const char *file;
    struct chg_parsed parsed;
    uint32_t sys, id;
    int kind, status, was_active, level;
    struct chg_def *previous;   /* what the analysis held before */
    cJSON *risk;
    cJSON *flow_checks;         /* SF0xx findings of a Salesforce flow file, or NULL */
};

struct check_run {
    struct entry *items;
    size_t n, cap;
};

static void run_free(struct check_run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        chg_parsed_free(&r->items[i].parsed);
        cJSON_Delete(r->items[i].risk);
        cJSON_Delete(r->items[i].flow_checks);
    }
    free(r->items);
}

static struct entry *entry_new(struct check_run *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->items = chg_xrealloc(r->items, r->cap * sizeof(*r->items));
    }
    struct entry *e = &r->items[r->n++];
    memset(e, 0, sizeof(*e));
    return e;
}

static int add_definition(struct chg_layer *l, struct check_run *r, const char *file,
                          const cJSON *obj, const char *system_arg)
{
    char why[256];
    struct entry *e = entry_new(r);
    e->file = file;
    if (chg_parse_definition(l->host, obj, &e->parsed, why)) {
        fprintf(stderr, "crmgov check: %s: %s\n", file, why);
        return 2;
    }
    const char *system = e->parsed.system ? e->parsed.system : system_arg;
    if (!e->parsed.a.id) {
        fprintf(stderr, "crmgov check: %s: \"id\" is required\n", file);
        return 2;
    }
    if (!system) {
        fprintf(stderr, "crmgov check: %s: no system (give \"system\" in the file or --system)\n",
                file);
        return 2;
    }
    e->sys = chg_intern(&l->st, system);
    e->id = chg_intern(&l->st, e->parsed.a.id);
    e->status = (int)e->parsed.a.status;
    return 0;
}

static cJSON *flow_checks_json(const struct crmgov_flow_parse_result *res)
{
    static const char *const severities[] = { "info", "low", "medium", "high", "critical" };
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct crmgov_finding *f = &res->findings[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", f->rule);
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "severity", (unsigned)f->severity < 5
                                                   ? severities[f->severity]
                                                   : "medium");
        if (f->subject)
            cJSON_AddStringToObject(o, "subject", f->subject);
        else
            cJSON_AddNullToObject(o, "subject");
        cJSON_AddStringToObject(o, "message", f->message);
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

/* A Salesforce flow file, through the connector's flow-parser service: its
 * automations become proposals and its SF0xx checks are reported with them. */
static int read_flow_file(struct chg_layer *l, struct check_run *r,
                          const struct crmgov_flow_parser_service *fp, const char *file,
                          const char *system)
{
    if (!system) {
        fprintf(stderr, "crmgov check: %s: a Salesforce flow needs --system\n", file);
        return 2;
    }
    struct crmgov_flow_parse_result *res = NULL;
    if (fp->parse_file(fp, file, system, CRMGOV_TIME_NONE, &res) != CRMGOV_OK) {
        fprintf(stderr, "crmgov check: %s\n", res && res->error ? res->error : file);
        fp->result_free(fp, res);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < res->n_automations && !rc; i++) {
        cJSON *obj = cJSON_Parse(res->automation_json[i]);
        rc = obj ? add_definition(l, r, file, obj, system) : 2;
        cJSON_Delete(obj);
        if (!rc && i == 0)
            r->items[r->n - 1].flow_checks = flow_checks_json(res);
    }
    fp->result_free(fp, res);
    return rc;
}

static int read_entries(struct chg_layer *l, struct check_run *r, const struct chg_args *args)
{
    const char *system = chg_arg(args, "system");
    const struct crmgov_flow_parser_service *fp =
        l->host->service_lookup(l->host, CRMGOV_FLOW_PARSER_SERVICE,
                                CRMGOV_FLOW_PARSER_SERVICE_VERSION);
    for (int i = 0; i < args->n_positional; i++) {
        const char *file = args->positional[i];
        if (fp && fp->accepts(fp, file)) {
            int rc = read_flow_file(l, r, fp, file, system);
            if (rc)
                return rc;
            continue;
        }
        size_t len;
        char *text = chg_read_file(file, &len);
        if (!text) {
            fprintf(stderr, "crmgov check: cannot read %s: %s\n", file, strerror(errno));
            return 2;
        }
        cJSON *doc = chg_parse_whole(text, len);
        free(text);
        if (!doc) {
            fprintf(stderr, "crmgov check: %s is not valid JSON\n", file);
            return 2;
        }
        int rc = 0;
        if (cJSON_IsArray(doc)) {
            for (const cJSON *c = doc->child; c && !rc; c = c->next)
                rc = add_definition(l, r, file, c, system);
        } else {
            rc = add_definition(l, r, file, doc, system);
        }
        cJSON_Delete(doc);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- applying, assessing, restoring ------------------------------------------------------ */

static void classify(struct chg_layer *l, struct entry *e)
{
    const struct chg_auto *a = chg_auto_get(l, e->sys, e->id, 0);
    uint32_t hash = chg_intern(&l->st, e->parsed.hash);
    e->was_active = a && a->observed && a->status == CRMGOV_STATUS_ACTIVE;
    e->kind = !a || !a->observed ? CHG_KIND_NEW
              : a->hash != hash  ? CHG_KIND_MODIFY
              : a->status != e->status ? CHG_KIND_STATUS
                                       : CHG_KIND_CONFIRM;
}

static int assess_all(struct chg_layer *l, struct check_run *r)
{
    struct chg_collect c;
    chg_collect_init(&c);
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->items[i];
        classify(l, e);
        struct chg_def *def = e->status == CRMGOV_STATUS_ACTIVE
                                  ? chg_def_compile(&l->st, &e->parsed.a)
                                  : NULL;
        e->previous = chg_whatif_begin(l, e->sys, e->id, def, &c);
    }
    int worst = CHG_LEVEL_LOW;
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->items[i];
        struct chg_node *n = chg_engine_node(&l->engine, e->sys, e->id);
        e->risk = chg_risk_assess(l, e->sys, e->id, n ? n->def : NULL, e->kind, e->status,
                                  e->was_active, &c, &e->level);
        if (e->level > worst)
            worst = e->level;
    }
    for (size_t i = r->n; i-- > 0;)
        chg_def_free(chg_whatif_end(l, r->items[i].sys, r->items[i].id, r->items[i].previous));
    chg_collect_free(&c);
    return worst;
}

/* ---- output -------------------------------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    return s ? s : "";
}

static void print_table(const struct chg_layer *l, const struct check_run *r, int worst)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->items[i];
        printf("%s: %s/%s (%s) risk %s\n", e->file, chg_str(&l->st, e->sys),
               chg_str(&l->st, e->id), chg_kind_name(e->kind), str_of(e->risk, "level"));
        const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(e->risk, "reasons");
        for (const cJSON *x = reasons->child; x; x = x->next)
            printf("  - %s: %s\n", str_of(x, "level"), str_of(x, "text"));
        const cJSON *existing = cJSON_GetObjectItemCaseSensitive(e->risk, "existing");
        for (const cJSON *x = existing->child; x; x = x->next)
            printf("  - already there (%s): %s\n", str_of(x, "rule"), str_of(x, "message"));
        for (const cJSON *x = e->flow_checks ? e->flow_checks->child : NULL; x; x = x->next)
            printf("  - flow check %s %s (%s): %s\n", str_of(x, "rule"), str_of(x, "name"),
                   str_of(x, "severity"), str_of(x, "message"));
    }
    printf("%zu definition%s checked; highest risk: %s\n", r->n, r->n == 1 ? "" : "s",
           chg_level_name(worst));
}

static cJSON *entries_json(const struct chg_layer *l, const struct check_run *r)
{
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", e->file);
        cJSON_AddStringToObject(o, "system", chg_str(&l->st, e->sys));
        cJSON_AddStringToObject(o, "automation", chg_str(&l->st, e->id));
        cJSON_AddStringToObject(o, "definition_hash", e->parsed.hash);
        cJSON_AddStringToObject(o, "status", chg_status_name(e->status));
        cJSON_AddStringToObject(o, "kind", chg_kind_name(e->kind));
        cJSON_AddItemToObject(o, "risk", cJSON_Duplicate(e->risk, 1));
        if (e->flow_checks)
            cJSON_AddItemToObject(o, "flow_checks", cJSON_Duplicate(e->flow_checks, 1));
        cJSON_AddItemToArray(out, o);
    }
    return out;
}

/* ---- SARIF 2.1.0 ------------------------------------------------------------------------- */

static const struct sarif_rule {
    const char *id, *name, *short_text, *full_text, *level;
} sarif_rules[] = {
    { "CHG002", "write-conflict", "Two automations set one field to different values",
      "Two active automations of one system can fire on the same record change (same object, "
      "overlapping trigger, conditions not provably exclusive) and set the same field to "
      "different values.",
      "error" },
    { "CHG003", "trigger-cycle", "Automations trigger each other in a cycle",
      "Each automation's field writes can trigger the next one, back to the first (self-loops "
      "included).",
      "error" },
    { "CHG006", "duplicate-action", "Two automations perform the same action",
      "Two active automations with overlapping triggers notify the same recipient or set the "
      "same field to the same value.",
      "warning" },
    { "change-risk", "change-risk", "Risk of the proposed automation change",
      "The risk level of the proposal (low, medium, high, critical) and its reasons: conflicts, "
      "cycles and duplicates it creates, critical fields, blast radius, downstream automations, "
      "recipients.",
      "note" },
};

static int rule_index(const char *id)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(sarif_rules[i].id, id) == 0)
            return i;
    return 3;
}

static cJSON *text_object(const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", text);
    return o;
}

static cJSON *sarif_driver(const struct chg_layer *l)
{
    cJSON *driver = cJSON_CreateObject();
    cJSON_AddStringToObject(driver, "name", "crmgov");
    cJSON_AddStringToObject(driver, "version", l->host->core_version);
    cJSON_AddStringToObject(driver, "informationUri",
                            "https://github.com/crmgov/crmgov/blob/main/docs/rules/change.md");
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    for (int i = 0; i < 4; i++) {
        const struct sarif_rule *r = &sarif_rules[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", r->id);
        cJSON_AddStringToObject(o, "name", r->name);
        cJSON_AddItemToObject(o, "shortDescription", text_object(r->short_text));
        cJSON_AddItemToObject(o, "fullDescription", text_object(r->full_text));
        cJSON *conf = cJSON_AddObjectToObject(o, "defaultConfiguration");
        cJSON_AddStringToObject(conf, "level", r->level);
        cJSON_AddItemToArray(rules, o);
    }
    return driver;
}

/* A relative or absolute path as a URI reference: unreserved bytes and '/'
 * stay, everything else is percent-encoded. */
static char *path_uri(const char *path)
{
    struct chg_buf b = { 0 };
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            chg_buf_addf(&b, "%c", *p);
        else
            chg_buf_addf(&b, "%%%02X", *p);
    }
    return chg_buf_detach(&b);
}

static const char *level_for_risk(int level)
{
    return level >= CHG_LEVEL_HIGH ? "error" : level == CHG_LEVEL_MEDIUM ? "warning" : "note";
}

static cJSON *sarif_result(const struct chg_layer *l, const struct entry *e, const char *rule,
                           const char *level, const char *message, const char *fingerprint)
{
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "ruleId", rule);
    cJSON_AddNumberToObject(res, "ruleIndex", rule_index(rule));
    cJSON_AddStringToObject(res, "level", level);
    cJSON_AddItemToObject(res, "message", text_object(message));
    cJSON *loc = cJSON_CreateObject();
    cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
    char *uri = path_uri(e->file);
    cJSON_AddStringToObject(art, "uri", uri);
    free(uri);
    cJSON *region = cJSON_AddObjectToObject(phys, "region");
    cJSON_AddNumberToObject(region, "startLine", 1);
    cJSON *logical = cJSON_CreateObject();
    cJSON_AddStringToObject(logical, "name", chg_str(&l->st, e->id));
    char *fq = chg_xasprintf("%s/%s", chg_str(&l->st, e->sys), chg_str(&l->st, e->id));
    cJSON_AddStringToObject(logical, "fullyQualifiedName", fq);
    free(fq);
    cJSON_AddStringToObject(logical, "kind", "object");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(loc, "logicalLocations"), logical);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "locations"), loc);
    cJSON *fp = cJSON_AddObjectToObject(res, "partialFingerprints");
    cJSON_AddStringToObject(fp, "crmgovFindingKey/v1", fingerprint);
    return res;
}

static void sarif_problems(const struct chg_layer *l, const struct entry *e, cJSON *results,
                           const char *list)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(e->risk, list);
    for (const cJSON *x = items ? items->child : NULL; x; x = x->next) {
        const char *rule = str_of(x, "rule");
        char *fp = chg_xasprintf("%s|%s|%s|%s", rule, str_of(x, "system"), str_of(x, "automation"),
                                 str_of(x, "subject"));
        cJSON *res = sarif_result(l, e, rule, sarif_rules[rule_index(rule)].level,
                                  str_of(x, "message"), fp);
        cJSON *props = cJSON_AddObjectToObject(res, "properties");
        cJSON_AddStringToObject(props, "subject", str_of(x, "subject"));
        cJSON_AddStringToObject(props, "severity", str_of(x, "severity"));
        cJSON_AddItemToArray(results, res);
        free(fp);
    }
}

/* SF0xx checks: their rules are the connector's (docs/rules/salesforce.md),
 * so the results name them by id only, without an index into this driver. */
static void sarif_flow_checks(const struct chg_layer *l, const struct entry *e, cJSON *results)
{
    for (const cJSON *x = e->flow_checks ? e->flow_checks->child : NULL; x; x = x->next) {
        const char *sev = str_of(x, "severity");
        const char *level = strcmp(sev, "high") == 0 || strcmp(sev, "critical") == 0 ? "error"
                            : strcmp(sev, "medium") == 0                          ? "warning"
                                                                                   : "note";
        char *fp = chg_xasprintf("%s|%s|%s|%s", str_of(x, "rule"), chg_str(&l->st, e->sys),
                                 chg_str(&l->st, e->id), str_of(x, "subject"));
        cJSON *res = sarif_result(l, e, str_of(x, "rule"), level, str_of(x, "message"), fp);
        cJSON_DeleteItemFromObjectCaseSensitive(res, "ruleIndex");
        cJSON_AddItemToArray(results, res);
        free(fp);
    }
}

static cJSON *sarif_log(const struct chg_layer *l, const struct check_run *r)
{
    cJSON *log = cJSON_CreateObject();
    cJSON_AddStringToObject(log, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(log, "version", "2.1.0");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(log, "runs"), run);
    cJSON *tool = cJSON_AddObjectToObject(run, "tool");
    cJSON_AddItemToObject(tool, "driver", sarif_driver(l));
    cJSON *inv = cJSON_CreateObject();
    cJSON_AddBoolToObject(inv, "executionSuccessful", 1);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->items[i];
        struct chg_buf msg = { 0 };
        chg_buf_addf(&msg, "%s/%s: risk %s", chg_str(&l->st, e->sys), chg_str(&l->st, e->id),
                     str_of(e->risk, "level"));
        const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(e->risk, "reasons");
        for (const cJSON *x = reasons->child; x; x = x->next)
            chg_buf_addf(&msg, "%s %s", x == reasons->child ? ":" : ";", str_of(x, "text"));
        char *fp = chg_xasprintf("change-risk|%s|%s", chg_str(&l->st, e->sys),
                                 chg_str(&l->st, e->id));
        cJSON *res = sarif_result(l, e, "change-risk", level_for_risk(e->level),
                                  chg_buf_str(&msg), fp);
        cJSON *props = cJSON_AddObjectToObject(res, "properties");
        cJSON_AddItemToObject(props, "risk", cJSON_Duplicate(e->risk, 1));
        cJSON_AddItemToArray(results, res);
        free(fp);
        chg_buf_free(&msg);
        sarif_problems(l, e, results, "conflicts");
        sarif_problems(l, e, results, "cycles");
        sarif_problems(l, e, results, "duplicates");
        sarif_flow_checks(l, e, results);
    }
    return log;
}

/* ---- the command ------------------------------------------------------------------------- */

static int fail_on_level(const char *text, int *level)
{
    if (!text) {
        *level = CHG_LEVEL_HIGH;
        return 0;
    }
    if (strcmp(text, "never") == 0) {
        *level = CHG_LEVEL_CRITICAL + 1;
        return 0;
    }
    *level = chg_level_parse(text);
    return *level < 0 ? -1 : 0;
}

int chg_cmd_check(void *state, int argc, char **argv)
{
    struct chg_layer *l = state;
    struct chg_args args;
    if (chg_args_parse("check", argc, argv, 1, "|system|format|fail-on|", NULL, &args))
        return 2;
    const char *format = chg_arg(&args, "format");
    int fail_on;
    if (!args.n_positional) {
        fprintf(stderr, "usage: crmgov check FILE... [--system S] [--format table|json|sarif] "
                        "[--fail-on low|medium|high|critical|never]\n");
        return 2;
    }
    if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "sarif") != 0) {
        fprintf(stderr, "crmgov check: --format must be table, json or sarif\n");
        return 2;
    }
    if (fail_on_level(chg_arg(&args, "fail-on"), &fail_on)) {
        fprintf(stderr, "crmgov check: --fail-on must be low, medium, high, critical or never\n");
        return 2;
    }
    struct check_run run = { 0 };
    int rc = chg_load(l) != CRMGOV_OK ? 2 : read_entries(l, &run, &args);
    if (rc) {
        run_free(&run);
        return rc;
    }
    int worst = assess_all(l, &run);
    if (format && strcmp(format, "sarif") == 0) {
        cJSON *log = sarif_log(l, &run);
        char *text = cJSON_Print(log);
        printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(log);
    } else if (format && strcmp(format, "json") == 0) {
        cJSON *out = entries_json(l, &run);
        char *text = cJSON_Print(out);
        printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(out);
    } else {
        print_table(l, &run, worst);
    }
    run_free(&run);
    return worst >= fail_on ? 1 : 0;
}
