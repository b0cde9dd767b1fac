/*
 * sf_workflow.c -- workflow rules to canonical automations; see sf_workflow.h.
 *
 * The file is read with the flow parser's safe XML reader and walked twice:
 * first the actions (fieldUpdates, alerts, tasks, outboundMessages,
 * flowActions) are indexed by their fullName, then each <rules> element
 * becomes an automation whose action references (immediate ones, then those
 * of time triggers) are looked up in that index. A reference to an action
 * the file does not define stays visible as `call <type>:<name>`.
 *
 * Criteria follow the flows' rule: conditions are emitted only when every
 * criterion must hold and can be said in the canonical model; otherwise
 * (formula, boolean filter with OR/NOT, cross-object or unsupported
 * operators) what cannot be said is listed in attributes and
 * conditions_complete is false, so the rule is never seen as narrower than
 * it is.
 */
#include "sf_workflow.h"

#include "flow_parse_tree.h"
#include "sf_arena.h"
#include "sf_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WF_MAX_RULES 5000u
#define WF_MAX_ACTIONS_PER_RULE 1000u

struct named_action {
    const char *kind;           /* element tag: fieldUpdates, alerts... */
    const char *full_name;
    const xmlNode *node;
};

struct wf_ctx {
    struct sf_arena *arena;
    const char *object;
    const char *file;
    struct named_action *index;
    size_t n_index;
    int failed;
};

static int tag_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->name != NULL &&
           strcmp((const char *)node->name, name) == 0;
}

static const xmlNode *child_named(const xmlNode *node, const char *name)
{
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        if (tag_is(child, name))
            return child;
    return NULL;
}

/* Trimmed text of an element, in the arena; NULL when node is NULL. */
static const char *text_of(struct wf_ctx *ctx, const xmlNode *node)
{
    if (node == NULL)
        return NULL;
    xmlChar *content = xmlNodeGetContent(node);
    const char *text = content != NULL ? (const char *)content : "";
    while (isspace((unsigned char)*text))
        text++;
    size_t length = strlen(text);
    while (length > 0 && isspace((unsigned char)text[length - 1]))
        length--;
    char *copy = sf_arena_strndup(ctx->arena, text, length);
    xmlFree(content);
    if (copy == NULL)
        ctx->failed = 1;
    return copy;
}

static const char *child_text(struct wf_ctx *ctx, const xmlNode *node, const char *name)
{
    return text_of(ctx, child_named(node, name));
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static const char *or_empty(const char *text)
{
    return text != NULL ? text : "";
}

static int is_blank(const char *text)
{
    while (text != NULL && isspace((unsigned char)*text))
        text++;
    return text == NULL || *text == '\0';
}

int sf_workflow_is_file(const char *path)
{
    static const char *const suffixes[] = {".workflow-meta.xml", ".workflow"};
    size_t length = strlen(path);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t suffix = strlen(suffixes[i]);
        if (length > suffix && strcmp(path + length - suffix, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

static const char *object_from_name(struct sf_arena *arena, const char *name)
{
    const char *base = strrchr(name, '/');
    base = base != NULL ? base + 1 : name;
    const char *dot = strchr(base, '.');
    return sf_arena_strndup(arena, base, dot != NULL ? (size_t)(dot - base) : strlen(base));
}

/* ------------------------------------------------------------------------ */
/* Criteria.                                                                 */

/* A criterion value as Salesforce writes it: true/false, a number, or text. */
static struct crmgov_value scalar_value(struct wf_ctx *ctx, const char *text)
{
    struct crmgov_value value = {0};
    char *end = NULL;
    double number = strtod(text, &end);
    if (same(text, "true") || same(text, "false")) {
        value.type = CRMGOV_VALUE_BOOL;
        value.boolean = same(text, "true");
    } else if (*text != '\0' && end != NULL && *end == '\0' && !isspace((unsigned char)*text)) {
        value.type = CRMGOV_VALUE_NUMBER;
        value.number = number;
    } else {
        value.type = CRMGOV_VALUE_STRING;
        value.string = sf_arena_strdup(ctx->arena, text);
    }
    return value;
}

/* "a,b,c" -> an array of scalars (Salesforce's "equals any of"). */
static struct crmgov_value list_value(struct wf_ctx *ctx, const char *text, size_t n_items)
{
    struct crmgov_value value = {.type = CRMGOV_VALUE_ARRAY};
    struct crmgov_value *items = sf_arena_array(ctx->arena, n_items, sizeof *items);
    if (items == NULL) {
        ctx->failed = 1;
        return value;
    }
    const char *cursor = text;
    for (size_t i = 0; i < n_items; i++) {
        size_t length = strcspn(cursor, ",");
        char *item = sf_arena_strndup(ctx->arena, cursor, length);
        items[i] = scalar_value(ctx, item != NULL ? item : "");
        cursor += length + (cursor[length] == ',');
    }
    value.items = items;
    value.n_items = n_items;
    return value;
}

static size_t count_items(const char *text)
{
    size_t n = 1;
    for (; *text != '\0'; text++)
        n += *text == ',';
    return n;
}

/* "Case.Origin" on a Case rule -> "Origin"; other objects' fields -> NULL. */
static const char *own_field(const struct wf_ctx *ctx, const char *field)
{
    const char *dot = field != NULL ? strchr(field, '.') : NULL;
    if (dot == NULL)
        return field;
    size_t length = (size_t)(dot - field);
    if (strlen(ctx->object) != length || strncasecmp(field, ctx->object, length) != 0)
        return NULL;
    return strchr(dot + 1, '.') == NULL ? dot + 1 : NULL;
}

static int criterion_condition(struct wf_ctx *ctx, const xmlNode *item,
                               struct crmgov_condition *condition)
{
    const char *field = own_field(ctx, child_text(ctx, item, "field"));
    const char *operation = child_text(ctx, item, "operation");
    const char *text = child_text(ctx, item, "value");
    if (field == NULL || operation == NULL)
        return 0;
    if (text == NULL)
        text = "";
    condition->field = field;
    size_t n_items = count_items(text);
    if (same(operation, "equals") || same(operation, "notEqual")) {
        int equals = same(operation, "equals");
        if (*text == '\0')
            condition->op = equals ? CRMGOV_OP_UNSET : CRMGOV_OP_SET;
        else if (n_items == 1)
            condition->op = equals ? CRMGOV_OP_EQ : CRMGOV_OP_NE;
        else
            condition->op = equals ? CRMGOV_OP_IN : CRMGOV_OP_NOT_IN;
        if (*text != '\0')
            condition->value = n_items == 1 ? scalar_value(ctx, text)
                                            : list_value(ctx, text, n_items);
        return 1;
    }
    if ((same(operation, "greaterThan") || same(operation, "lessThan")) && n_items == 1 &&
        *text != '\0') {
        condition->op = same(operation, "greaterThan") ? CRMGOV_OP_GT : CRMGOV_OP_LT;
        condition->value = scalar_value(ctx, text);
        return 1;
    }
    return 0;
}

/* A boolean filter such as "1 AND (2 OR 3)": only AND keeps all-must-hold. */
static int filter_is_conjunctive(const char *filter)
{
    if (is_blank(filter))
        return 1;
    for (const char *p = filter; *p != '\0'; p++) {
        if (isalpha((unsigned char)*p) && (p == filter || !isalpha((unsigned char)p[-1]))) {
            size_t length = 0;
            while (isalpha((unsigned char)p[length]))
                length++;
            if (length != 3 || strncasecmp(p, "AND", 3) != 0)
                return 0;
        }
    }
    return 1;
}

static size_t count_children(const xmlNode *node, const char *name)
{
    size_t n = 0;
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        n += tag_is(child, name);
    return n;
}

static void map_criteria(struct wf_ctx *ctx, const xmlNode *rule,
                         struct crmgov_automation *automation, cJSON *attributes)
{
    const char *formula = child_text(ctx, rule, "formula");
    const char *filter = child_text(ctx, rule, "booleanFilter");
    size_t n_items = count_children(rule, "criteriaItems");
    int complete = is_blank(formula) && filter_is_conjunctive(filter);
    struct crmgov_condition *conditions =
        sf_arena_array(ctx->arena, n_items + 1, sizeof *conditions);
    cJSON *dropped = cJSON_CreateArray();
    if (conditions == NULL) {
        ctx->failed = 1;
        cJSON_Delete(dropped);
        return;
    }
    size_t n = 0;
    for (const xmlNode *item = rule->children; item != NULL && complete; item = item->next) {
        if (!tag_is(item, "criteriaItems"))
            continue;
        if (criterion_condition(ctx, item, &conditions[n])) {
            n++;
            continue;
        }
        cJSON *entry = cJSON_CreateObject();
        const char *field = child_text(ctx, item, "field");
        const char *operation = child_text(ctx, item, "operation");
        cJSON_AddStringToObject(entry, "field", field != NULL ? field : "");
        cJSON_AddStringToObject(entry, "operation", operation != NULL ? operation : "");
        cJSON_AddItemToArray(dropped, entry);
    }
    automation->conditions = n != 0 ? conditions : NULL;
    automation->n_conditions = n;
    if (!is_blank(formula))
        cJSON_AddStringToObject(attributes, "formula", formula);
    if (!is_blank(filter))
        cJSON_AddStringToObject(attributes, "boolean_filter", filter);
    if (n_items != 0 || !is_blank(formula))
        cJSON_AddBoolToObject(attributes, "conditions_complete",
                              complete && cJSON_GetArraySize(dropped) == 0);
    if (cJSON_GetArraySize(dropped) != 0)
        cJSON_AddItemToObject(attributes, "dropped_criteria", dropped);
    else
        cJSON_Delete(dropped);
}

/* ------------------------------------------------------------------------ */
/* Actions.                                                                  */

static const char *const action_kinds[][2] = {
    /* reference type, element tag */
    {"FieldUpdate", "fieldUpdates"},
    {"Alert", "alerts"},
    {"Task", "tasks"},
    {"OutboundMessage", "outboundMessages"},
    {"FlowAction", "flowActions"},
};

static void index_actions(struct wf_ctx *ctx, const xmlNode *root)
{
    size_t n = 0;
    for (const xmlNode *child = root->children; child != NULL; child = child->next)
        n += child->type == XML_ELEMENT_NODE;
    ctx->index = sf_arena_array(ctx->arena, n + 1, sizeof *ctx->index);
    if (ctx->index == NULL) {
        ctx->failed = 1;
        return;
    }
    for (const xmlNode *child = root->children; child != NULL; child = child->next) {
        for (size_t k = 0; k < sizeof action_kinds / sizeof action_kinds[0]; k++) {
            if (!tag_is(child, action_kinds[k][1]))
                continue;
            const char *full_name = child_text(ctx, child, "fullName");
            if (full_name != NULL)
                ctx->index[ctx->n_index++] =
                    (struct named_action){action_kinds[k][1], full_name, child};
        }
    }
}

static const xmlNode *find_action(const struct wf_ctx *ctx, const char *type, const char *name)
{
    const char *tag = NULL;
    for (size_t k = 0; k < sizeof action_kinds / sizeof action_kinds[0]; k++)
        if (same(type, action_kinds[k][0]))
            tag = action_kinds[k][1];
    for (size_t i = 0; tag != NULL && name != NULL && i < ctx->n_index; i++)
        if (strcmp(ctx->index[i].kind, tag) == 0 && strcmp(ctx->index[i].full_name, name) == 0)
            return ctx->index[i].node;
    return NULL;
}

struct action_list {
    struct crmgov_action *items;
    size_t n;
    size_t cap;
};

static struct crmgov_action *push_action(struct wf_ctx *ctx, struct action_list *list,
                                         enum crmgov_action_type type, const char *type_name)
{
    if (list->n >= WF_MAX_ACTIONS_PER_RULE)
        return NULL;
    if (list->n == list->cap) {
        size_t cap = list->cap != 0 ? list->cap * 2 : 8;
        struct crmgov_action *items = sf_arena_array(ctx->arena, cap, sizeof *items);
        if (items == NULL) {
            ctx->failed = 1;
            return NULL;
        }
        if (list->n != 0)
            memcpy(items, list->items, list->n * sizeof *items);
        list->items = items;
        list->cap = cap;
    }
    struct crmgov_action *action = &list->items[list->n++];
    memset(action, 0, sizeof *action);
    action->type = type;
    action->type_name = type_name;
    return action;
}

static void map_field_update(struct wf_ctx *ctx, struct action_list *list, const xmlNode *node)
{
    const char *field = child_text(ctx, node, "field");
    const char *operation = child_text(ctx, node, "operation");
    const char *lookup = child_text(ctx, node, "lookupValue");
    if (same(field, "OwnerId") && same(operation, "LookupValue") && lookup != NULL &&
        same(child_text(ctx, node, "lookupValueType"), "User")) {
        struct crmgov_action *assign = push_action(ctx, list, CRMGOV_ACTION_ASSIGN, "assign");
        if (assign != NULL)
            assign->to = lookup;
        return;
    }
    struct crmgov_action *action = push_action(ctx, list, CRMGOV_ACTION_SET_FIELD, "set_field");
    if (action == NULL)
        return;
    action->field = field != NULL ? field : "";
    action->object = child_text(ctx, node, "targetObject");
    const char *literal = child_text(ctx, node, "literalValue");
    if (same(operation, "Null") || (same(operation, "Literal") && is_blank(literal)))
        action->value.type = CRMGOV_VALUE_NULL;
    else if (same(operation, "Literal")) {
        action->value.type = CRMGOV_VALUE_STRING;
        action->value.string = literal;
    }
}

/* A recipient as the metadata names it: a user by username, anything else
 * (owner, creator, role, group, email field...) as "type" or "type:name". */
static const char *recipient_text(struct wf_ctx *ctx, const char *type, const char *name)
{
    if (is_blank(type))
        return is_blank(name) ? NULL : name;
    if (same(type, "user"))
        return is_blank(name) ? NULL : name;
    return is_blank(name) ? type : sf_arena_printf(ctx->arena, "%s:%s", type, name);
}

static void map_alert(struct wf_ctx *ctx, struct action_list *list, const xmlNode *node)
{
    size_t added = 0;
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        const char *to = NULL;
        if (tag_is(child, "recipients")) {
            const char *name = child_text(ctx, child, "recipient");
            if (name == NULL)
                name = child_text(ctx, child, "field");
            to = recipient_text(ctx, child_text(ctx, child, "type"), name);
        } else if (tag_is(child, "ccEmails")) {
            to = text_of(ctx, child);
        }
        if (is_blank(to))
            continue;
        struct crmgov_action *action = push_action(ctx, list, CRMGOV_ACTION_EMAIL, "email");
        if (action != NULL)
            action->to = to;
        added++;
    }
    if (added == 0) {
        struct crmgov_action *action = push_action(ctx, list, CRMGOV_ACTION_EMAIL, "email");
        if (action != NULL)
            action->to = sf_arena_printf(ctx->arena, "alert:%s",
                                         or_empty(child_text(ctx, node, "fullName")));
    }
}

static void map_reference(struct wf_ctx *ctx, struct action_list *list, const xmlNode *reference)
{
    const char *name = child_text(ctx, reference, "name");
    const char *type = child_text(ctx, reference, "type");
    const xmlNode *node = find_action(ctx, type, name);
    struct crmgov_action *action = NULL;
    if (node != NULL && same(type, "FieldUpdate")) {
        map_field_update(ctx, list, node);
    } else if (node != NULL && same(type, "Alert")) {
        map_alert(ctx, list, node);
    } else if (node != NULL && same(type, "Task")) {
        action = push_action(ctx, list, CRMGOV_ACTION_CREATE_TASK, "create_task");
        const char *to = recipient_text(ctx, child_text(ctx, node, "assignedToType"),
                                        child_text(ctx, node, "assignedTo"));
        if (action != NULL)
            action->to = to != NULL ? to : sf_arena_printf(ctx->arena, "task:%s", or_empty(name));
    } else if (node != NULL && same(type, "OutboundMessage")) {
        action = push_action(ctx, list, CRMGOV_ACTION_WEBHOOK, "webhook");
        if (action != NULL)
            action->url = or_empty(child_text(ctx, node, "endpointUrl"));
    } else if (node != NULL && same(type, "FlowAction")) {
        action = push_action(ctx, list, CRMGOV_ACTION_CALL, "call");
        if (action != NULL)
            action->target = or_empty(child_text(ctx, node, "flow"));
    } else {
        action = push_action(ctx, list, CRMGOV_ACTION_CALL, "call");
        if (action != NULL)
            action->target = sf_arena_printf(ctx->arena, "%s:%s", type != NULL ? type : "",
                                             name != NULL ? name : "");
    }
}

static size_t map_actions(struct wf_ctx *ctx, const xmlNode *rule,
                          struct crmgov_automation *automation)
{
    struct action_list list = {0};
    size_t timed = 0;
    for (const xmlNode *child = rule->children; child != NULL; child = child->next)
        if (tag_is(child, "actions"))
            map_reference(ctx, &list, child);
    for (const xmlNode *trigger = rule->children; trigger != NULL; trigger = trigger->next) {
        if (!tag_is(trigger, "workflowTimeTriggers"))
            continue;
        timed++;
        for (const xmlNode *child = trigger->children; child != NULL; child = child->next)
            if (tag_is(child, "actions"))
                map_reference(ctx, &list, child);
    }
    automation->actions = list.n != 0 ? list.items : NULL;
    automation->n_actions = list.n;
    return timed;
}

/* ------------------------------------------------------------------------ */
/* Rules.                                                                    */

static enum crmgov_trigger_on trigger_of(const char *trigger_type)
{
    return same(trigger_type, "onCreateOnly") ? CRMGOV_ON_CREATE : CRMGOV_ON_CREATE_OR_UPDATE;
}

static void map_rule(struct wf_ctx *ctx, const xmlNode *rule, struct crmgov_automation *out)
{
    const char *full_name = child_text(ctx, rule, "fullName");
    const char *trigger_type = child_text(ctx, rule, "triggerType");
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->id = sf_arena_printf(ctx->arena, "%s.%s", ctx->object,
                              full_name != NULL ? full_name : "");
    out->name = full_name != NULL ? full_name : out->id;
    out->kind = CRMGOV_KIND_WORKFLOW;
    out->object = ctx->object;
    out->trigger.on = trigger_of(trigger_type);
    out->status = same(child_text(ctx, rule, "active"), "true") ? CRMGOV_STATUS_ACTIVE
                                                                : CRMGOV_STATUS_INACTIVE;
    cJSON *attributes = cJSON_CreateObject();
    cJSON_AddStringToObject(attributes, "metadata_type", "WorkflowRule");
    if (trigger_type != NULL)
        cJSON_AddStringToObject(attributes, "trigger_type", trigger_type);
    if (ctx->file != NULL)
        cJSON_AddStringToObject(attributes, "file", ctx->file);
    cJSON_AddBoolToObject(attributes, "has_description",
                          !is_blank(child_text(ctx, rule, "description")));
    map_criteria(ctx, rule, out, attributes);
    size_t timed = map_actions(ctx, rule, out);
    if (timed != 0)
        cJSON_AddNumberToObject(attributes, "time_triggers", (double)timed);
    char *text = sf_json_canonical(attributes);
    cJSON_Delete(attributes);
    out->attributes_json = sf_arena_strdup(ctx->arena, text != NULL ? text : "{}");
    free(text);
}

static void fail(struct sf_parse_error *error, enum sf_parse_status status, const char *name,
                 unsigned line, const char *reason)
{
    if (error == NULL)
        return;
    memset(error, 0, sizeof *error);
    error->status = status;
    error->line = line;
    if (line != 0)
        snprintf(error->message, sizeof error->message, "%s:%u: %s", name, line, reason);
    else
        snprintf(error->message, sizeof error->message, "%s: %s", name, reason);
}

static int map_document(struct wf_ctx *ctx, const xmlNode *root,
                        struct sf_workflow_rules *rules)
{
    size_t n = count_children(root, "rules");
    if (n > WF_MAX_RULES)
        return -1;
    rules->automations = sf_arena_array(ctx->arena, n + 1, sizeof *rules->automations);
    if (rules->automations == NULL)
        return -1;
    index_actions(ctx, root);
    for (const xmlNode *child = root->children; child != NULL && !ctx->failed;
         child = child->next)
        if (tag_is(child, "rules"))
            map_rule(ctx, child, &rules->automations[rules->n++]);
    return ctx->failed || sf_arena_failed(ctx->arena) ? -1 : 0;
}

struct sf_workflow_rules *sf_workflow_parse_buffer(const char *data, size_t size,
                                                   const char *name,
                                                   struct sf_parse_error *error)
{
    const char *display_name = name != NULL ? name : "<memory>";
    xmlDoc *doc = sf_xml_read(data, size, name, error);
    if (doc == NULL)
        return NULL;
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct sf_arena *arena = sf_arena_new();
    struct sf_workflow_rules *rules =
        arena != NULL ? sf_arena_alloc(arena, sizeof *rules) : NULL;
    if (root == NULL || !tag_is(root, "Workflow")) {
        fail(error, SF_PARSE_NOT_A_FLOW, display_name, root != NULL ? (unsigned)xmlGetLineNo(root) : 0,
             "root element is not <Workflow>");
        rules = NULL;
    } else if (rules == NULL) {
        fail(error, SF_PARSE_NO_MEMORY, display_name, 0, "out of memory");
    } else {
        rules->arena = arena;
        rules->object = object_from_name(arena, display_name);
        struct wf_ctx ctx = {.arena = arena, .object = rules->object,
                             .file = name != NULL ? sf_arena_strdup(arena, name) : NULL};
        if (rules->object == NULL || map_document(&ctx, root, rules) != 0) {
            fail(error, SF_PARSE_TOO_LARGE, display_name, 0,
                 "too many rules or actions, or out of memory");
            rules = NULL;
        }
    }
    xmlFreeDoc(doc);
    if (rules == NULL)
        sf_arena_free(arena);
    return rules;
}

void sf_workflow_rules_free(struct sf_workflow_rules *rules)
{
    if (rules != NULL)
        sf_arena_free(rules->arena);
}
