/*
 * b24_map.c -- Bitrix24 business processes, stage robots, users and
 * outbound events mapped to the canonical model; see b24_map.h and
 * docs/connectors/bitrix24.md.
 *
 * A business-process template is a tree of activities (a sequence, if/else
 * branches, parallel blocks, loops). The canonical automation is flat, so
 * every acting activity anywhere in the tree becomes an action, and a
 * condition is kept only where it is certain: a top-level if/else whose one
 * acting branch tests document fields with AND is lifted into the
 * automation's conditions; anything else stays out and the attributes say
 * so (conditions_complete, branches, actions_conditional). Under-stating
 * conditions makes an automation look able to fire more often, never less.
 *
 * Recipients are Bitrix24 user expressions: "user_17" is principal "17";
 * {=Constant:..}, {=Variable:..} and {=Template:..} are resolved through the
 * template's own defaults where it declares a user there; per-record roles
 * such as {=Document:ASSIGNED_BY_ID} cannot be resolved before a record
 * exists and are kept as written.
 */
#include "b24_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B24_MAX_DEPTH 64

/* ------------------------------------------------------------------------ */
/* small helpers                                                             */

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A string, or an integral number, as text. */
static const char *scalar_text(const cJSON *v, char *buf, size_t size)
{
    if (cJSON_IsString(v) && v->valuestring[0])
        return v->valuestring;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9.0e15) {
        snprintf(buf, size, "%lld", (long long)v->valuedouble);
        return buf;
    }
    return NULL;
}

static const char *member_text(const cJSON *o, const char *name, char *buf, size_t size)
{
    return scalar_text(cJSON_GetObjectItemCaseSensitive(o, name), buf, size);
}

static int is_scalar(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* "Y", true, 1 -> 1; "N", false, 0 -> 0; absent -> dflt. */
static int flag(const cJSON *o, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return strcmp(v->valuestring, "Y") == 0 || strcmp(v->valuestring, "1") == 0 ||
               strcmp(v->valuestring, "true") == 0;
    return dflt;
}

static long number_of(const cJSON *o, const char *name, long dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNumber(v))
        return (long)v->valuedouble;
    if (cJSON_IsString(v) && all_digits(v->valuestring))
        return strtol(v->valuestring, NULL, 10);
    return dflt;
}

/* ------------------------------------------------------------------------ */
/* objects                                                                   */

const char *b24_object_name(const cJSON *document_type, char *buf, size_t size)
{
    const cJSON *third = cJSON_GetArrayItem(document_type, 2);
    if (!cJSON_IsArray(document_type) || !cJSON_IsString(third) || !third->valuestring[0] ||
        strlen(third->valuestring) >= size)
        return NULL;
    size_t i = 0;
    for (const char *p = third->valuestring; *p; p++)
        buf[i++] = (char)tolower((unsigned char)*p);
    buf[i] = '\0';
    return buf;
}

const char *b24_stage_field(const char *object)
{
    return strcmp(object, "lead") == 0 || strcmp(object, "quote") == 0 ? "STATUS_ID"
                                                                       : "STAGE_ID";
}

static void document_type_text(const cJSON *document_type, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    const cJSON *part;
    cJSON_ArrayForEach(part, document_type) {
        if (!cJSON_IsString(part))
            continue;
        int n = snprintf(buf + o, size - o, "%s%s", o ? ":" : "", part->valuestring);
        if (n < 0 || (size_t)n >= size - o)
            break;
        o += (size_t)n;
    }
}

/* ------------------------------------------------------------------------ */
/* users and recipients                                                      */

/* The default a template declares for {=Section:Name}, as a string. */
static const char *declared_default(const cJSON *owner, const char *section, const char *name)
{
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(owner, section), name);
    const cJSON *dflt = cJSON_GetObjectItemCaseSensitive(entry, "Default");
    if (cJSON_IsArray(dflt) && cJSON_GetArraySize(dflt) == 1)
        dflt = dflt->child;
    return cJSON_IsString(dflt) ? dflt->valuestring : NULL;
}

static const char *plain_user(const char *value, char *buf, size_t size)
{
    if (strncmp(value, "user_", 5) == 0 && all_digits(value + 5)) {
        snprintf(buf, size, "%s", value + 5);
        return buf;
    }
    if (all_digits(value)) {
        snprintf(buf, size, "%s", value);
        return buf;
    }
    return NULL;
}

const char *b24_resolve_user(const char *value, const cJSON *owner, char *buf, size_t size)
{
    static const struct {
        const char *prefix, *section;
    } refs[] = { { "{=Constant:", "CONSTANTS" },
                 { "{=Variable:", "VARIABLES" },
                 { "{=Template:", "PARAMETERS" } };
    const char *plain = plain_user(value, buf, size);
    if (plain)
        return plain;
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        size_t n = strlen(refs[i].prefix);
        const char *end = strchr(value, '}');
        if (strncmp(value, refs[i].prefix, n) != 0 || !end || end[1] || end - value - (long)n > 120)
            continue;
        char name[128];
        memcpy(name, value + n, (size_t)(end - value) - n);
        name[end - value - (long)n] = '\0';
        const char *dflt = declared_default(owner, refs[i].section, name);
        if (dflt && plain_user(dflt, buf, size))
            return buf;
    }
    snprintf(buf, size, "%s", value);
    return buf;
}

static void add_to(cJSON *actions, const char *type, const char *member, const char *value)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", type);
    cJSON_AddStringToObject(a, member, value);
    cJSON_AddItemToArray(actions, a);
}

/* One action per recipient in value (a string or a list of them); the
 * fallback when there is none. Returns how many were added. */
static int add_recipients(cJSON *actions, const char *type, const cJSON *value,
                          const cJSON *owner, const char *fallback)
{
    int n = 0;
    const cJSON *one = cJSON_IsArray(value) ? value->child : value;
    for (; one; one = cJSON_IsArray(value) ? one->next : NULL) {
        char tbuf[32], buf[160];
        const char *text = scalar_text(one, tbuf, sizeof(tbuf));
        if (!text)
            continue;
        add_to(actions, type, "to", b24_resolve_user(text, owner, buf, sizeof(buf)));
        n++;
    }
    if (!n && fallback) {
        add_to(actions, type, "to", fallback);
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* activities -> actions                                                     */

struct walk {
    cJSON *actions;
    const cJSON *owner;     /* the template: constants, variables, parameters */
    const char *object;
    int branches;           /* if/else blocks seen */
};

static int has_expression(const char *s)
{
    return strstr(s, "{=") || strstr(s, "{{");
}

static void map_set_fields(struct walk *w, const cJSON *values)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, values) {
        if (!v->string)
            continue;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "type", "set_field");
        cJSON_AddStringToObject(a, "field", v->string);
        /* A value with an expression is computed when the process runs. */
        if (is_scalar(v) && !(cJSON_IsString(v) && has_expression(v->valuestring)))
            cJSON_AddItemToObject(a, "value", cJSON_Duplicate(v, 1));
        cJSON_AddItemToArray(w->actions, a);
    }
}

static void map_change_status(struct walk *w, const cJSON *props)
{
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(props, "TargetStatus");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "set_field");
    cJSON_AddStringToObject(a, "field", b24_stage_field(w->object));
    if (cJSON_IsString(target) && !has_expression(target->valuestring))
        cJSON_AddItemToObject(a, "value", cJSON_Duplicate(target, 1));
    cJSON_AddItemToArray(w->actions, a);
}

static int type_is(const char *type, const char *a, const char *b)
{
    return strcmp(type, a) == 0 || (b && strcmp(type, b) == 0);
}

static const cJSON *prop(const cJSON *props, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(props, name);
}

/* Activities that only shape the flow or the process's own variables. */
static int structural(const char *type)
{
    static const char *const names[] = {
        "SequentialWorkflowActivity", "StateMachineWorkflowActivity", "SequenceActivity",
        "IfElseActivity", "IfElseBranchActivity", "ParallelActivity", "WhileActivity",
        "ForEachActivity", "DelayActivity", "RobotDelayActivity", "SetVariableActivity",
        "SetGlobalVariableActivity", "LogActivity", "StateActivity", "StateInitializationActivity",
        "StateFinalizationActivity", "EventDrivenActivity", "ListenActivity",
        "HandleExternalEventActivity", "TerminateActivity", "EmptyBlockActivity",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(type, names[i]) == 0)
            return 1;
    return 0;
}

static void map_activity(struct walk *w, const cJSON *act)
{
    const char *type = str(act, "Type");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(act, "Properties");
    char buf[600];
    if (!type || structural(type))
        return;
    if (type_is(type, "SetFieldActivity", "CrmSetFieldActivity"))
        map_set_fields(w, prop(props, "FieldValue"));
    else if (type_is(type, "CrmChangeStatusActivity", NULL))
        map_change_status(w, props);
    else if (type_is(type, "CrmChangeResponsibleActivity", NULL))
        add_recipients(w->actions, "assign", prop(props, "Responsible"), w->owner, "unresolved");
    else if (type_is(type, "SocNetMessageActivity", "IMNotifyActivity"))
        add_recipients(w->actions, "notify", prop(props, "MessageUserTo"), w->owner,
                       "unresolved");
    else if (type_is(type, "CrmControlNotifyActivity", NULL))
        add_recipients(w->actions, "notify", prop(props, "ToUsers"), w->owner,
                       "{=Document:ASSIGNED_BY_ID}");
    else if (type_is(type, "MailActivity", NULL))
        add_recipients(w->actions, "email", prop(props, "MailUserTo"), w->owner, "unresolved");
    else if (type_is(type, "CrmSendEmailActivity", NULL))
        add_to(w->actions, "email", "to", "client");
    else if (type_is(type, "Task2Activity", NULL))
        add_recipients(w->actions, "create_task",
                       prop(prop(props, "Fields"), "RESPONSIBLE_ID"), w->owner,
                       "{=Document:ASSIGNED_BY_ID}");
    else if (type_is(type, "TaskActivity", NULL))
        add_recipients(w->actions, "create_task", prop(props, "TaskAssignedTo"), w->owner,
                       "{=Document:ASSIGNED_BY_ID}");
    else if (type_is(type, "CrmCreateToDoActivity", "CrmCreateCallActivity"))
        add_recipients(w->actions, "create_task", prop(props, "Responsible"), w->owner,
                       "{=Document:ASSIGNED_BY_ID}");
    else if (type_is(type, "ApproveActivity", "RequestInformationActivity") ||
             type_is(type, "ReviewActivity", "RequestInformationOptionalActivity"))
        add_recipients(w->actions, "create_task", prop(props, "Users"), w->owner, "unresolved");
    else if (type_is(type, "WebHookActivity", NULL)) {
        const char *url = str(props, "Handler");
        add_to(w->actions, "webhook", "url", url && url[0] ? url : "unresolved");
    } else if (type_is(type, "StartWorkflowActivity", NULL)) {
        char tbuf[32];
        const char *id = member_text(props, "TemplateId", tbuf, sizeof(tbuf));
        snprintf(buf, sizeof(buf), "bp-%s", id ? id : "unresolved");
        add_to(w->actions, "call", "target", buf);
    } else {
        /* Anything else keeps its Bitrix24 type, for the reader. */
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "type", type);
        cJSON_AddItemToArray(w->actions, a);
    }
}

static void walk_tree(struct walk *w, const cJSON *act, int depth)
{
    if (!cJSON_IsObject(act) || depth > B24_MAX_DEPTH || !flag(act, "Activated", 1))
        return;
    const char *type = str(act, "Type");
    if (type && strcmp(type, "IfElseActivity") == 0)
        w->branches++;
    map_activity(w, act);
    const cJSON *child;
    cJSON_ArrayForEach(child, cJSON_GetObjectItemCaseSensitive(act, "Children"))
        walk_tree(w, child, depth + 1);
}

/* Does anything in this subtree act? */
static int subtree_acts(const cJSON *act, const struct walk *w)
{
    struct walk probe = { .actions = cJSON_CreateArray(), .owner = w->owner,
                          .object = w->object };
    walk_tree(&probe, act, 0);
    int acts = cJSON_GetArraySize(probe.actions) > 0;
    cJSON_Delete(probe.actions);
    return acts;
}

/* ------------------------------------------------------------------------ */
/* conditions                                                                */

struct cond_ctx {
    cJSON *conditions;
    int complete;
};

static void add_condition(struct cond_ctx *c, const char *field, const char *op,
                          const cJSON *value)
{
    cJSON *cond = cJSON_CreateObject();
    cJSON_AddStringToObject(cond, "field", field);
    cJSON_AddStringToObject(cond, "op", op);
    if (value)
        cJSON_AddItemToObject(cond, "value", cJSON_Duplicate(value, 1));
    cJSON_AddItemToArray(c->conditions, cond);
}

/* One comparison as Bitrix24 writes it; -1 when it has no exact canonical form. */
static int add_comparison(struct cond_ctx *c, const char *field, const char *op,
                          const cJSON *value)
{
    static const struct {
        const char *bitrix, *canonical;
        int takes_value;
    } ops[] = { { "=", "eq", 1 },     { "!=", "ne", 1 },      { ">", "gt", 1 },
                { "<", "lt", 1 },     { "in", "in", 2 },      { "!in", "not_in", 2 },
                { "empty", "unset", 0 }, { "!empty", "set", 0 }, { "modified", "changed", 0 } };
    if (!field || !op)
        return -1;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(op, ops[i].bitrix) != 0)
            continue;
        if (ops[i].takes_value == 0) {
            add_condition(c, field, ops[i].canonical, NULL);
            return 0;
        }
        if (ops[i].takes_value == 1 && is_scalar(value) &&
            !(cJSON_IsString(value) && has_expression(value->valuestring))) {
            add_condition(c, field, ops[i].canonical, value);
            return 0;
        }
        if (ops[i].takes_value == 2) {
            cJSON *list = cJSON_IsArray(value) ? cJSON_Duplicate(value, 1) : cJSON_CreateArray();
            if (is_scalar(value))
                cJSON_AddItemToArray(list, cJSON_Duplicate(value, 1));
            int ok = cJSON_GetArraySize(list) > 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, list) ok = ok && is_scalar(x);
            if (ok)
                add_condition(c, field, ops[i].canonical, list);
            cJSON_Delete(list);
            return ok ? 0 : -1;
        }
        return -1;
    }
    return -1;
}

/* A process branch's fieldcondition: [[field, op, value, joiner]...],
 * joiner "1" = OR with the one before. -1 when it is not a plain AND. */
static int add_field_conditions(struct cond_ctx *c, const cJSON *list)
{
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return -1;
    const cJSON *item;
    int i = 0;
    cJSON_ArrayForEach(item, list) {
        const cJSON *joiner = cJSON_GetArrayItem(item, 3);
        if (i++ && cJSON_IsString(joiner) && strcmp(joiner->valuestring, "1") == 0)
            return -1;
        const cJSON *field = cJSON_GetArrayItem(item, 0), *op = cJSON_GetArrayItem(item, 1);
        if (!cJSON_IsString(field) || !cJSON_IsString(op) ||
            add_comparison(c, field->valuestring, op->valuestring, cJSON_GetArrayItem(item, 2)))
            return -1;
    }
    return 0;
}

/* A robot's Condition: {"type":"field","items":[[{object,field,operator,
 * value}, "AND"|"OR"], ...]}; only document fields joined by AND. */
static void add_robot_conditions(struct cond_ctx *c, const cJSON *condition)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(condition, "items");
    int n = cJSON_GetArraySize(items), i = 0;
    int before = cJSON_GetArraySize(c->conditions);
    const cJSON *item;
    cJSON_ArrayForEach(item, items) {
        const cJSON *cond = cJSON_GetArrayItem(item, 0);
        const cJSON *joiner = cJSON_GetArrayItem(item, 1);
        const char *object = str(cond, "object");
        if (++i < n && cJSON_IsString(joiner) && strcmp(joiner->valuestring, "OR") == 0) {
            /* An OR: none of this Condition's parts is necessary. */
            while (cJSON_GetArraySize(c->conditions) > before)
                cJSON_DeleteItemFromArray(c->conditions, cJSON_GetArraySize(c->conditions) - 1);
            c->complete = 0;
            return;
        }
        if ((object && strcmp(object, "Document") != 0) ||
            add_comparison(c, str(cond, "field"), str(cond, "operator"),
                           cJSON_GetObjectItemCaseSensitive(cond, "value")))
            c->complete = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* templates                                                                 */

/* The root's only acting child, when it is an if/else with exactly one
 * acting branch that tests fields with AND: that branch (its conditions
 * added), else NULL. */
static const cJSON *liftable_branch(const cJSON *root, struct walk *w, struct cond_ctx *c)
{
    const cJSON *acting = NULL, *child;
    cJSON_ArrayForEach(child, cJSON_GetObjectItemCaseSensitive(root, "Children")) {
        if (!subtree_acts(child, w))
            continue;
        if (acting)
            return NULL;
        acting = child;
    }
    const char *type = str(acting, "Type");
    if (!type || strcmp(type, "IfElseActivity") != 0)
        return NULL;
    const cJSON *branch = NULL;
    cJSON_ArrayForEach(child, cJSON_GetObjectItemCaseSensitive(acting, "Children")) {
        if (!subtree_acts(child, w))
            continue;
        if (branch)
            return NULL;
        branch = child;
    }
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(branch, "Properties");
    struct cond_ctx lifted = { .conditions = cJSON_CreateArray(), .complete = 1 };
    int ok = add_field_conditions(&lifted, cJSON_GetObjectItemCaseSensitive(props,
                                                                            "fieldcondition")) == 0;
    while (ok && cJSON_GetArraySize(lifted.conditions))
        cJSON_AddItemToArray(c->conditions, cJSON_DetachItemFromArray(lifted.conditions, 0));
    cJSON_Delete(lifted.conditions);
    return ok ? branch : NULL;
}

static void map_tree(const cJSON *tpl, struct walk *w, struct cond_ctx *c, cJSON *attrs)
{
    const cJSON *tree = cJSON_GetObjectItemCaseSensitive(tpl, "TEMPLATE");
    const cJSON *root = cJSON_IsArray(tree) ? tree->child : tree;
    const cJSON *branch = cJSON_IsArray(tree) && cJSON_GetArraySize(tree) == 1
                              ? liftable_branch(root, w, c)
                              : NULL;
    if (branch) {
        walk_tree(w, branch, 1);
        w->branches = 1;
        cJSON_AddBoolToObject(attrs, "branch_condition_lifted", 1);
    } else {
        const cJSON *r;
        cJSON_ArrayForEach(r, tree) walk_tree(w, r, 0);
        if (w->branches)
            cJSON_AddBoolToObject(attrs, "actions_conditional", 1);
    }
    if (w->branches)
        cJSON_AddNumberToObject(attrs, "branches", w->branches);
}

static const char *trigger_of(long auto_execute)
{
    switch (auto_execute & 3) {
    case 1:
        return "create";
    case 2:
        return "update";
    case 3:
        return "create_or_update";
    default:
        return auto_execute & 4 ? "delete" : "manual";
    }
}

static void add_template_attrs(const cJSON *tpl, cJSON *attrs, long auto_execute,
                               const char *id)
{
    char dt[200];
    document_type_text(cJSON_GetObjectItemCaseSensitive(tpl, "DOCUMENT_TYPE"), dt, sizeof(dt));
    cJSON_AddStringToObject(attrs, "template_id", id);
    cJSON_AddStringToObject(attrs, "document_type", dt);
    cJSON_AddNumberToObject(attrs, "auto_execute", (double)auto_execute);
    const char *code = str(tpl, "SYSTEM_CODE");
    if (code && code[0])
        cJSON_AddStringToObject(attrs, "system_code", code);
    if (auto_execute & 7) /* starts by itself: say what it does not react to */
        cJSON_AddBoolToObject(attrs, "automated_changes_trigger", 0);
}

int b24_map_template(const cJSON *tpl, cJSON *event, char *why, size_t size)
{
    char ibuf[32], obuf[96], ubuf[32], idbuf[48];
    const char *id = member_text(tpl, "ID", ibuf, sizeof(ibuf));
    const char *object = b24_object_name(cJSON_GetObjectItemCaseSensitive(tpl, "DOCUMENT_TYPE"),
                                         obuf, sizeof(obuf));
    if (!cJSON_IsObject(tpl) || !id) {
        snprintf(why, size, "template without an ID");
        return -1;
    }
    if (!object) {
        snprintf(why, size, "template %s has no DOCUMENT_TYPE [module, class, type]", id);
        return -1;
    }
    long auto_execute = number_of(tpl, "AUTO_EXECUTE", 0);
    snprintf(idbuf, sizeof(idbuf), "bp-%s", id);
    const char *name = str(tpl, "NAME");
    cJSON_AddStringToObject(event, "id", idbuf);
    cJSON_AddStringToObject(event, "name", name && name[0] ? name : idbuf);
    cJSON_AddStringToObject(event, "kind", "process");
    cJSON_AddStringToObject(event, "object", object);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(event, "trigger"), "on",
                            trigger_of(auto_execute));
    cJSON *attrs = cJSON_CreateObject();
    struct cond_ctx c = { .conditions = cJSON_AddArrayToObject(event, "conditions"),
                          .complete = 1 };
    struct walk w = { .actions = cJSON_AddArrayToObject(event, "actions"), .owner = tpl,
                      .object = object };
    map_tree(tpl, &w, &c, attrs);
    cJSON_AddStringToObject(event, "status", flag(tpl, "ACTIVE", 1) ? "active" : "inactive");
    const char *user = member_text(tpl, "USER_ID", ubuf, sizeof(ubuf));
    if (user)
        cJSON_AddStringToObject(event, "modified_by", user);
    add_template_attrs(tpl, attrs, auto_execute, id);
    cJSON_AddBoolToObject(attrs, "conditions_complete", c.complete);
    cJSON_AddItemToObject(event, "attributes", attrs);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* robots                                                                    */

int b24_is_robot_template(const cJSON *tpl, const char **stage)
{
    const char *status = str(tpl, "DOCUMENT_STATUS");
    *stage = status && status[0] ? status : NULL;
    return *stage || (number_of(tpl, "AUTO_EXECUTE", 0) & 8);
}

const cJSON *b24_template_robots(const cJSON *tpl)
{
    const cJSON *tree = cJSON_GetObjectItemCaseSensitive(tpl, "TEMPLATE");
    const cJSON *root = cJSON_IsArray(tree) ? tree->child : tree;
    return cJSON_GetObjectItemCaseSensitive(root, "Children");
}

/* Keeps an id readable and free of ':' (a separator in finding subjects). */
static void id_part(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 1 < size; in++)
        out[o++] = isalnum((unsigned char)*in) || *in == '_' || *in == '-' || *in == '.'
                       ? *in
                       : '-';
    out[o] = '\0';
}

static void add_robot_attrs(const cJSON *robot, const cJSON *document_type, const char *stage,
                            const cJSON *owner, cJSON *attrs)
{
    char dt[200], tbuf[32];
    document_type_text(document_type, dt, sizeof(dt));
    cJSON_AddStringToObject(attrs, "document_type", dt);
    if (stage)
        cJSON_AddStringToObject(attrs, "stage", stage);
    const char *type = str(robot, "Type");
    if (type)
        cJSON_AddStringToObject(attrs, "robot_type", type);
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(robot, "Delay");
    if (cJSON_IsObject(delay))
        cJSON_AddItemToObject(attrs, "delay", cJSON_Duplicate(delay, 1));
    if (flag(robot, "ExecuteAfterPrevious", 0))
        cJSON_AddBoolToObject(attrs, "execute_after_previous", 1);
    const char *tpl = member_text(owner, "ID", tbuf, sizeof(tbuf));
    if (tpl)
        cJSON_AddStringToObject(attrs, "template_id", tpl);
    cJSON_AddBoolToObject(attrs, "automated_changes_trigger", 0);
}

int b24_map_robot(const cJSON *robot, const cJSON *document_type, const char *stage,
                  const cJSON *owner, cJSON *event, char *why, size_t size)
{
    char obuf[96], entity[96], stage_id[96], name_id[96], id[320];
    const char *object = b24_object_name(document_type, obuf, sizeof(obuf));
    const char *name = str(robot, "Name");
    if (!cJSON_IsObject(robot) || !name || !name[0]) {
        snprintf(why, size, "robot without a Name");
        return -1;
    }
    if (!object) {
        snprintf(why, size, "robot %s has no document type", name);
        return -1;
    }
    id_part(cJSON_GetArrayItem(document_type, 2)->valuestring, entity, sizeof(entity));
    id_part(stage ? stage : "any", stage_id, sizeof(stage_id));
    id_part(name, name_id, sizeof(name_id));
    snprintf(id, sizeof(id), "robot-%s-%s-%s", entity, stage_id, name_id);
    const char *title = str(cJSON_GetObjectItemCaseSensitive(robot, "Properties"), "Title");
    const char *field = b24_stage_field(object);
    cJSON_AddStringToObject(event, "id", id);
    cJSON_AddStringToObject(event, "name", title && title[0] ? title : name);
    cJSON_AddStringToObject(event, "kind", "robot");
    cJSON_AddStringToObject(event, "object", object);
    cJSON *trigger = cJSON_AddObjectToObject(event, "trigger");
    cJSON_AddStringToObject(trigger, "on", "update");
    cJSON_AddItemToObject(trigger, "fields", cJSON_CreateStringArray(&field, 1));
    struct cond_ctx c = { .conditions = cJSON_AddArrayToObject(event, "conditions"),
                          .complete = stage != NULL };
    if (stage) {
        cJSON *v = cJSON_CreateString(stage);
        add_condition(&c, field, "eq", v);
        cJSON_Delete(v);
    }
    add_robot_conditions(&c, cJSON_GetObjectItemCaseSensitive(robot, "Condition"));
    struct walk w = { .actions = cJSON_AddArrayToObject(event, "actions"), .owner = owner,
                      .object = object };
    map_activity(&w, robot);
    cJSON_AddStringToObject(event, "status", flag(robot, "Activated", 1) ? "active" : "inactive");
    cJSON *attrs = cJSON_CreateObject();
    add_robot_attrs(robot, document_type, stage, owner, attrs);
    cJSON_AddBoolToObject(attrs, "conditions_complete", c.complete);
    cJSON_AddItemToObject(event, "attributes", attrs);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* users                                                                     */

int b24_map_user(const cJSON *user, cJSON *event)
{
    char ibuf[32];
    const char *id = member_text(user, "ID", ibuf, sizeof(ibuf));
    if (!id)
        return -1;
    cJSON_AddStringToObject(event, "id", id);
    const char *first = str(user, "NAME"), *last = str(user, "LAST_NAME");
    char name[256];
    if (!first)
        first = "";
    if (!last)
        last = "";
    snprintf(name, sizeof(name), "%s%s%s", first, first[0] && last[0] ? " " : "", last);
    if (name[0])
        cJSON_AddStringToObject(event, "name", name);
    const char *email = str(user, "EMAIL");
    if (email && email[0])
        cJSON_AddStringToObject(event, "email", email);
    cJSON_AddBoolToObject(event, "active", flag(user, "ACTIVE", 0));
    return 0;
}

/* ------------------------------------------------------------------------ */
/* outbound events                                                           */

int b24_map_outbound_event(const cJSON *payload, cJSON *event)
{
    static const struct {
        const char *suffix, *op;
    } kinds[] = { { "ADD", "create" }, { "UPDATE", "update" }, { "DELETE", "delete" } };
    const char *name = str(payload, "event");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(payload, "data"), "FIELDS");
    char ibuf[32], upper[96], object[96];
    const char *id = member_text(fields, "ID", ibuf, sizeof(ibuf));
    if (!name || !id || strlen(name) >= sizeof(upper))
        return -1;
    size_t n = 0;
    for (const char *p = name; *p; p++)
        upper[n++] = (char)toupper((unsigned char)*p);
    upper[n] = '\0';
    if (strncmp(upper, "ONCRM", 5) != 0)
        return -1;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t s = strlen(kinds[k].suffix);
        if (n <= 5 + s || strcmp(upper + n - s, kinds[k].suffix) != 0)
            continue;
        size_t len = n - 5 - s;
        for (size_t i = 0; i < len; i++)
            object[i] = (char)tolower((unsigned char)upper[5 + i]);
        object[len] = '\0';
        char tbuf[32];
        const char *entity_type = member_text(fields, "ENTITY_TYPE_ID", tbuf, sizeof(tbuf));
        if (strcmp(object, "dynamicitem") == 0 && entity_type)
            snprintf(object, sizeof(object), "dynamic_%s", entity_type);
        cJSON_AddStringToObject(event, "object", object);
        cJSON_AddStringToObject(event, "id", id);
        cJSON_AddStringToObject(event, "op", kinds[k].op);
        return 0;
    }
    return -1;
}
