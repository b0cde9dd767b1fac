/*
 * chg_defjson.c -- an automation definition from a file (change proposals,
 * `crmgov check`) into the model's struct crmgov_automation, so a proposal
 * is compiled and analysed exactly like an observed automation.
 *
 * The shape is the `automation` event of EVENTS.md without `type` and `at`;
 * `id` and `status` may be left out (status defaults to active), `system` is
 * kept for `crmgov check`. The core computes the definition hash (the one
 * canonical form, host->definition_hash) so a proposal approved here is
 * matched to what the CRM later shows. Errors name the member that is wrong,
 * in one line, as the event validator does.
 *
 * Every string and array of the result is allocated separately and recorded
 * in one list that chg_parsed_free releases: the result has a single owner.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

struct parse {
    struct chg_ptrs *mem;
    char *why;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, 256, fmt, ap);
    va_end(ap);
    return -1;
}

static void *keep(struct parse *p, void *block)
{
    chg_ptrs_push(p->mem, block);
    return block;
}

static const char *text(struct parse *p, const char *s)
{
    return keep(p, chg_xstrdup(s));
}

static int opt_string(struct parse *p, const cJSON *o, const char *path, const char *name,
                      int required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return required ? fail(p, "missing required field '%s%s'", path, name) : 0;
    if (!cJSON_IsString(v))
        return fail(p, "field '%s%s' must be a string", path, name);
    *out = text(p, v->valuestring);
    return 0;
}

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static int opt_enum(struct parse *p, const cJSON *o, const char *path, const char *name,
                    const char *const *names, int n, int fallback, int *out)
{
    const char *s;
    if (opt_string(p, o, path, name, fallback < 0, &s))
        return -1;
    if (!s) {
        *out = fallback;
        return 0;
    }
    *out = lookup(names, n, s);
    if (*out < 0)
        return fail(p, "field '%s%s' has an unknown value '%s'", path, name, s);
    return 0;
}

static int to_value(struct parse *p, const cJSON *v, struct crmgov_value *out)
{
    memset(out, 0, sizeof(*out));
    if (!v)
        return 0;
    if (cJSON_IsNull(v)) {
        out->type = CRMGOV_VALUE_NULL;
    } else if (cJSON_IsBool(v)) {
        out->type = CRMGOV_VALUE_BOOL;
        out->boolean = cJSON_IsTrue(v);
    } else if (cJSON_IsNumber(v)) {
        out->type = CRMGOV_VALUE_NUMBER;
        out->number = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        out->type = CRMGOV_VALUE_STRING;
        out->string = text(p, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        struct crmgov_value *items = keep(p, chg_xcalloc(n, sizeof(*items)));
        for (const cJSON *c = v->child; c; c = c->next)
            to_value(p, c, &items[i++]);
        out->type = CRMGOV_VALUE_ARRAY;
        out->items = items;
        out->n_items = n;
    } else {
        char *json = cJSON_PrintUnformatted(v);
        out->type = CRMGOV_VALUE_OBJECT;
        out->string = text(p, json ? json : "{}");
        cJSON_free(json);
    }
    return 0;
}

static const char *const kinds[] = { "workflow", "flow", "robot", "trigger", "process", "rule" };
static const char *const ons[] = { "create", "update", "delete", "create_or_update", "schedule",
                                   "manual" };
static const char *const ops[] = { "eq", "ne", "in", "not_in", "gt", "lt", "set", "unset",
                                   "changed" };
static const char *const statuses[] = { "active", "inactive", "deleted" };
static const char *const actions[] = { "", "set_field", "notify", "assign", "create_task",
                                       "email", "webhook", "call" };

static int string_list(struct parse *p, const cJSON *o, const char *path, const char *name,
                       const char *const **out, size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    *n = 0;
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return fail(p, "field '%s%s' must be an array of strings", path, name);
    const char **items = keep(p, chg_xcalloc((size_t)cJSON_GetArraySize(v), sizeof(char *)));
    for (const cJSON *c = v->child; c; c = c->next) {
        if (!cJSON_IsString(c))
            return fail(p, "field '%s%s' must be an array of strings", path, name);
        items[(*n)++] = text(p, c->valuestring);
    }
    *out = items;
    return 0;
}

static int parse_trigger(struct parse *p, const cJSON *o, struct crmgov_trigger *t)
{
    const cJSON *trigger = cJSON_GetObjectItemCaseSensitive(o, "trigger");
    if (!trigger)
        return fail(p, "missing required field 'trigger.on'");
    if (!cJSON_IsObject(trigger))
        return fail(p, "field 'trigger' must be an object");
    int on;
    if (opt_enum(p, trigger, "trigger.", "on", ons, 6, -1, &on))
        return -1;
    t->on = (enum crmgov_trigger_on)on;
    return string_list(p, trigger, "trigger.", "fields", &t->fields, &t->n_fields);
}

static int check_value(struct parse *p, const cJSON *v, const char *path, int op)
{
    if (op == CRMGOV_OP_SET || op == CRMGOV_OP_UNSET || op == CRMGOV_OP_CHANGED)
        return 0;
    if (op == CRMGOV_OP_IN || op == CRMGOV_OP_NOT_IN) {
        if (!cJSON_IsArray(v))
            return fail(p, "field '%svalue' must be an array for op '%s'", path, ops[op]);
        for (const cJSON *c = v->child; c; c = c->next)
            if (cJSON_IsArray(c) || cJSON_IsObject(c) || cJSON_IsNull(c))
                return fail(p, "field '%svalue' must hold only strings, numbers or booleans",
                            path);
        return 0;
    }
    if (!v)
        return fail(p, "missing required field '%svalue'", path);
    if ((op == CRMGOV_OP_GT || op == CRMGOV_OP_LT) && !cJSON_IsNumber(v) && !cJSON_IsString(v))
        return fail(p, "field '%svalue' must be a number or a string for op '%s'", path, ops[op]);
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return fail(p, "field '%svalue' must be a string, number or boolean", path);
    return 0;
}

static int parse_conditions(struct parse *p, const cJSON *o, struct crmgov_automation *a)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "conditions");
    if (!list)
        return 0;
    if (!cJSON_IsArray(list))
        return fail(p, "field 'conditions' must be an array");
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
    struct crmgov_condition *conds = keep(p, chg_xcalloc(n, sizeof(*conds)));
    for (const cJSON *c = list->child; c; c = c->next, i++) {
        char path[40];
        snprintf(path, sizeof(path), "conditions[%zu].", i);
        if (!cJSON_IsObject(c))
            return fail(p, "field 'conditions[%zu]' must be an object", i);
        int op;
        if (opt_string(p, c, path, "field", 1, &conds[i].field) ||
            opt_enum(p, c, path, "op", ops, 9, -1, &op))
            return -1;
        conds[i].op = (enum crmgov_condition_op)op;
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(c, "value");
        if (check_value(p, value, path, op))
            return -1;
        to_value(p, value, &conds[i].value);
    }
    a->conditions = conds;
    a->n_conditions = n;
    return 0;
}

static int parse_action(struct parse *p, const cJSON *c, const char *path,
                        struct crmgov_action *act)
{
    if (opt_string(p, c, path, "type", 1, &act->type_name) ||
        opt_string(p, c, path, "object", 0, &act->object))
        return -1;
    int t = lookup(actions, 8, act->type_name);
    act->type = t > 0 ? (enum crmgov_action_type)t : CRMGOV_ACTION_OTHER;
    switch (act->type) {
    case CRMGOV_ACTION_SET_FIELD:
        if (opt_string(p, c, path, "field", 1, &act->field))
            return -1;
        return to_value(p, cJSON_GetObjectItemCaseSensitive(c, "value"), &act->value);
    case CRMGOV_ACTION_NOTIFY:
    case CRMGOV_ACTION_ASSIGN:
    case CRMGOV_ACTION_CREATE_TASK:
    case CRMGOV_ACTION_EMAIL:
        return opt_string(p, c, path, "to", 1, &act->to);
    case CRMGOV_ACTION_WEBHOOK:
        return opt_string(p, c, path, "url", 1, &act->url);
    case CRMGOV_ACTION_CALL:
        return opt_string(p, c, path, "target", 1, &act->target);
    default:
        return 0;
    }
}

static int parse_actions(struct parse *p, const cJSON *o, struct crmgov_automation *a)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "actions");
    if (!list)
        return 0;
    if (!cJSON_IsArray(list))
        return fail(p, "field 'actions' must be an array");
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
    struct crmgov_action *acts = keep(p, chg_xcalloc(n, sizeof(*acts)));
    for (const cJSON *c = list->child; c; c = c->next, i++) {
        char path[40];
        snprintf(path, sizeof(path), "actions[%zu].", i);
        if (!cJSON_IsObject(c))
            return fail(p, "field 'actions[%zu]' must be an object", i);
        if (parse_action(p, c, path, &acts[i]))
            return -1;
    }
    a->actions = acts;
    a->n_actions = n;
    return 0;
}

static int parse_attributes(struct parse *p, const cJSON *o, struct crmgov_automation *a)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    if (!attrs)
        return 0;
    if (!cJSON_IsObject(attrs))
        return fail(p, "field 'attributes' must be an object");
    char *json = cJSON_PrintUnformatted(attrs);
    a->attributes_json = text(p, json ? json : "{}");
    cJSON_free(json);
    return 0;
}

static int parse_body(struct parse *p, const cJSON *o, struct chg_parsed *out)
{
    struct crmgov_automation *a = &out->a;
    int kind, status;
    if (opt_string(p, o, "", "id", 0, &a->id) || opt_string(p, o, "", "name", 0, &a->name) ||
        opt_string(p, o, "", "system", 0, &out->system) ||
        opt_enum(p, o, "", "kind", kinds, 6, 0, &kind) ||
        opt_string(p, o, "", "object", 1, &a->object) || parse_trigger(p, o, &a->trigger) ||
        parse_conditions(p, o, a) || parse_actions(p, o, a) ||
        opt_enum(p, o, "", "status", statuses, 3, 0, &status) ||
        opt_string(p, o, "", "modified_by", 0, &a->modified_by) || parse_attributes(p, o, a))
        return -1;
    if (!a->object[0] && a->trigger.on != CRMGOV_ON_MANUAL && a->trigger.on != CRMGOV_ON_SCHEDULE)
        return fail(p, "field 'object' must not be empty (only manual and schedule triggers may "
                       "have no object)");
    a->kind = (enum crmgov_automation_kind)kind;
    a->status = (enum crmgov_automation_status)status;
    if (a->id && !a->id[0])
        return fail(p, "field 'id' must not be empty");
    if (!a->name)
        a->name = a->id ? a->id : "";
    return 0;
}

int chg_parse_definition(const struct crmgov_host *h, const cJSON *obj, struct chg_parsed *out,
                         char why[256])
{
    memset(out, 0, sizeof(*out));
    out->a.struct_size = sizeof(out->a);
    struct chg_ptrs *mem = chg_xcalloc(1, sizeof(*mem));
    out->mem = mem;
    struct parse p = { mem, why };
    why[0] = '\0';
    if (!cJSON_IsObject(obj))
        return fail(&p, "an automation definition must be a JSON object");
    if (parse_body(&p, obj, out))
        return -1;
    char *json = cJSON_PrintUnformatted(obj);
    int rc = json ? h->definition_hash(json, strlen(json), out->hash) : CRMGOV_ERROR;
    cJSON_free(json);
    if (rc != CRMGOV_OK)
        return fail(&p, "not an automation definition the core accepts");
    out->a.definition_hash = out->hash;
    return 0;
}

void chg_parsed_free(struct chg_parsed *p)
{
    struct chg_ptrs *mem = p->mem;
    if (mem) {
        for (uint32_t i = 0; i < mem->n; i++)
            free(mem->v[i]);
        chg_ptrs_free(mem);
        free(mem);
    }
    memset(p, 0, sizeof(*p));
}

char *chg_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct chg_buf b = { 0 };
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk) - 1, f)) > 0) {
        if (memchr(chunk, '\0', n)) {
            fclose(f);
            chg_buf_free(&b);
            errno = EINVAL;
            return NULL;
        }
        chunk[n] = '\0';
        chg_buf_add(&b, chunk);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        chg_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (len)
        *len = b.len;
    return chg_buf_detach(&b);
}
