/*
 * flow_map.c -- the Salesforce-to-canonical mapping of flow_map.h.
 *
 * One pass per concern, in the order of the canonical model: identity and
 * status, object and trigger, entry conditions, actions, attributes. Each
 * pass reads the parsed flow and appends to arrays that are sized up front
 * from the flow (an upper bound), so there is no growing and no second copy.
 * Where Salesforce says something the canonical model cannot hold (OR entry
 * logic, a filter compared to a variable, a write whose fields are not in
 * the metadata) the mapping keeps what is certain and records the rest in
 * attributes_json, so consumers can tell "no condition" from "not mapped".
 */
#include "flow_map.h"

#include "sf_arena.h"
#include "sf_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct map_ctx {
    const struct sf_flow *flow;
    struct sf_arena *arena;
    struct crmgov_automation *automation;
    const char *object;         /* the triggering object as written, or NULL */
    int record_triggered;
    int before_save;
    struct crmgov_condition *conditions;
    struct crmgov_action *actions;
    size_t max_actions;
    const char **trigger_fields;
    cJSON *attributes;
    cJSON *dropped_filters;
    int conditions_complete;
    int actions_truncated;
};

/* Keeps a hostile file from turning into millions of actions. */
enum { SF_MAP_MAX_ACTIONS = 10000 };

static const char *copy(struct map_ctx *ctx, const char *text)
{
    return sf_arena_strdup(ctx->arena, text);
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* ------------------------------------------------------------------------ */
/* Trigger and object.                                                       */

static int trigger_type_is_record(const char *trigger_type)
{
    return same(trigger_type, "RecordBeforeSave") || same(trigger_type, "RecordAfterSave") ||
           same(trigger_type, "RecordBeforeDelete");
}

static enum crmgov_trigger_on record_trigger_on(const struct sf_start_info *info)
{
    const char *type = info->record_trigger_type;
    if (same(type, "Create"))
        return CRMGOV_ON_CREATE;
    if (same(type, "Update"))
        return CRMGOV_ON_UPDATE;
    if (same(type, "Delete") || same(info->trigger_type, "RecordBeforeDelete"))
        return CRMGOV_ON_DELETE;
    return CRMGOV_ON_CREATE_OR_UPDATE;  /* CreateAndUpdate, or missing: the widest */
}

/* Process Builder keeps object and trigger in processMetadataValues. */
static void map_process_builder(struct map_ctx *ctx)
{
    const char *object = sf_flow_meta_string(ctx->flow, "ObjectType");
    const char *trigger = sf_flow_meta_string(ctx->flow, "TriggerType");
    ctx->automation->kind = CRMGOV_KIND_PROCESS;
    ctx->object = object;
    if (same(trigger, "onCreateOnly"))
        ctx->automation->trigger.on = CRMGOV_ON_CREATE;
    else if (same(trigger, "onAllChanges"))
        ctx->automation->trigger.on = CRMGOV_ON_CREATE_OR_UPDATE;
    else
        ctx->automation->trigger.on = CRMGOV_ON_MANUAL;
    ctx->record_triggered = ctx->automation->trigger.on != CRMGOV_ON_MANUAL;
}

static void map_trigger(struct map_ctx *ctx)
{
    const struct sf_flow *flow = ctx->flow;
    const char *trigger_type = flow->start_info.trigger_type;
    struct crmgov_automation *automation = ctx->automation;
    automation->kind = CRMGOV_KIND_FLOW;
    ctx->object = flow->start.object;
    if (same(flow->process_type, "Workflow") || same(flow->process_type, "InvocableProcess")) {
        map_process_builder(ctx);
    } else if (trigger_type_is_record(trigger_type)) {
        automation->trigger.on = record_trigger_on(&flow->start_info);
        ctx->record_triggered = 1;
        ctx->before_save = same(trigger_type, "RecordBeforeSave");
    } else if (same(trigger_type, "Scheduled")) {
        automation->trigger.on = CRMGOV_ON_SCHEDULE;
    } else if (same(trigger_type, "PlatformEvent")) {
        automation->trigger.on = CRMGOV_ON_CREATE;
    } else {
        automation->trigger.on = CRMGOV_ON_MANUAL;
    }
    automation->object = copy(ctx, ctx->object != NULL ? ctx->object : "");
}

/* ------------------------------------------------------------------------ */
/* Entry conditions and trigger fields.                                      */

/* A literal <value> as a canonical value; 0 when it is not a literal. */
static int literal_value(struct map_ctx *ctx, const struct sf_value *in, struct crmgov_value *out)
{
    memset(out, 0, sizeof *out);
    switch (in->kind) {
    case SF_VALUE_STRING:
    case SF_VALUE_DATE:
    case SF_VALUE_DATETIME:
        out->type = CRMGOV_VALUE_STRING;
        out->string = copy(ctx, in->text);
        return 1;
    case SF_VALUE_NUMBER: {
        char *end = NULL;
        double number = strtod(in->text, &end);
        if (end == in->text || *end != '\0')
            return 0;
        out->type = CRMGOV_VALUE_NUMBER;
        out->number = number;
        return 1;
    }
    case SF_VALUE_BOOLEAN:
        out->type = CRMGOV_VALUE_BOOL;
        out->boolean = strcmp(in->text, "true") == 0;
        return 1;
    default:
        return 0;
    }
}

static int is_boolean(const struct sf_value *value, const char *word)
{
    return value->kind == SF_VALUE_BOOLEAN && strcmp(value->text, word) == 0;
}

/* A start filter as a condition; 0 when the model cannot express it. */
static int filter_condition(struct map_ctx *ctx, const struct sf_filter *filter,
                            struct crmgov_condition *out)
{
    static const struct {
        const char *op;
        enum crmgov_condition_op canonical;
    } compare_ops[] = {
        {"EqualTo", CRMGOV_OP_EQ},
        {"NotEqualTo", CRMGOV_OP_NE},
        {"GreaterThan", CRMGOV_OP_GT},
        {"LessThan", CRMGOV_OP_LT},
    };
    memset(out, 0, sizeof *out);
    if (filter->field == NULL || filter->op == NULL)
        return 0;
    out->field = copy(ctx, filter->field);
    for (size_t i = 0; i < sizeof compare_ops / sizeof compare_ops[0]; i++) {
        if (strcmp(filter->op, compare_ops[i].op) == 0) {
            out->op = compare_ops[i].canonical;
            return literal_value(ctx, &filter->value, &out->value);
        }
    }
    if (strcmp(filter->op, "IsNull") == 0 && is_boolean(&filter->value, "true"))
        out->op = CRMGOV_OP_UNSET;
    else if (strcmp(filter->op, "IsNull") == 0 && is_boolean(&filter->value, "false"))
        out->op = CRMGOV_OP_SET;
    else if (strcmp(filter->op, "IsChanged") == 0 && is_boolean(&filter->value, "true"))
        out->op = CRMGOV_OP_CHANGED;
    else
        return 0;
    return 1;
}

enum logic_kind { LOGIC_AND, LOGIC_OR, LOGIC_CUSTOM };

/*
 * "and" / absent / a custom logic made only of numbers, AND and parentheses
 * all mean "every listed filter holds"; *used marks which filters a pure-AND
 * custom logic lists (Salesforce allows leaving one out).
 */
static enum logic_kind classify_logic(const char *logic, unsigned char *used, size_t n_filters)
{
    if (logic == NULL || logic[0] == '\0' || same(logic, "and")) {
        memset(used, 1, n_filters);
        return LOGIC_AND;
    }
    if (same(logic, "or"))
        return LOGIC_OR;
    memset(used, 0, n_filters);
    for (const char *cursor = logic; *cursor != '\0';) {
        if (isspace((unsigned char)*cursor) || *cursor == '(' || *cursor == ')') {
            cursor++;
        } else if (strncasecmp(cursor, "AND", 3) == 0 && !isalnum((unsigned char)cursor[3])) {
            cursor += 3;
        } else if (isdigit((unsigned char)*cursor)) {
            char *end = NULL;
            unsigned long index = strtoul(cursor, &end, 10);
            if (index == 0 || index > n_filters)
                return LOGIC_CUSTOM;
            used[index - 1] = 1;
            cursor = end;
        } else {
            return LOGIC_CUSTOM;
        }
    }
    return LOGIC_AND;
}

static void record_dropped_filter(struct map_ctx *ctx, const struct sf_filter *filter)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "field", filter->field != NULL ? filter->field : "");
    cJSON_AddStringToObject(entry, "operator", filter->op != NULL ? filter->op : "");
    cJSON_AddItemToArray(ctx->dropped_filters, entry);
    ctx->conditions_complete = 0;
}

static void add_trigger_field(struct map_ctx *ctx, const char *field)
{
    struct crmgov_trigger *trigger = &ctx->automation->trigger;
    if (field == NULL)
        return;
    for (size_t i = 0; i < trigger->n_fields; i++)
        if (strcmp(ctx->trigger_fields[i], field) == 0)
            return;
    ctx->trigger_fields[trigger->n_fields++] = copy(ctx, field);
}

static int is_changed_filter(const struct sf_filter *filter)
{
    return filter->op != NULL && strcmp(filter->op, "IsChanged") == 0 &&
           is_boolean(&filter->value, "true");
}

/*
 * trigger.fields (update triggers only), most precise first:
 * AND logic with IsChanged filters -> those fields; otherwise "only when
 * updated to meet the criteria" -> every filter field (the outcome cannot
 * flip unless one of them changes); otherwise OR logic whose filters are all
 * IsChanged -> those fields; otherwise none (any field).
 */
static void map_trigger_fields(struct map_ctx *ctx, enum logic_kind logic,
                               const unsigned char *used)
{
    const struct sf_element *start = &ctx->flow->start;
    size_t changed = 0;
    for (size_t i = 0; i < start->n_filters; i++)
        changed += is_changed_filter(&start->filters[i]) && used[i];
    if (logic == LOGIC_AND && changed != 0) {
        for (size_t i = 0; i < start->n_filters; i++)
            if (used[i] && is_changed_filter(&start->filters[i]))
                add_trigger_field(ctx, start->filters[i].field);
    } else if (ctx->flow->start_info.requires_record_changed == SF_TRUE &&
               ctx->flow->start_info.filter_formula == NULL) {
        for (size_t i = 0; i < start->n_filters; i++)
            add_trigger_field(ctx, start->filters[i].field);
    } else if (logic == LOGIC_OR && start->n_filters != 0) {
        for (size_t i = 0; i < start->n_filters; i++)
            if (!is_changed_filter(&start->filters[i]))
                return;
        for (size_t i = 0; i < start->n_filters; i++)
            add_trigger_field(ctx, start->filters[i].field);
    }
}

static void map_conditions(struct map_ctx *ctx)
{
    const struct sf_element *start = &ctx->flow->start;
    struct crmgov_automation *automation = ctx->automation;
    unsigned char *used = sf_arena_alloc(ctx->arena, start->n_filters + 1);
    if (used == NULL)
        return;
    enum logic_kind logic = classify_logic(start->filter_logic, used, start->n_filters);
    if (ctx->flow->start_info.filter_formula != NULL)
        ctx->conditions_complete = 0;
    if (logic == LOGIC_AND && ctx->flow->start_info.filter_formula == NULL) {
        for (size_t i = 0; i < start->n_filters; i++) {
            if (!used[i])
                continue;
            struct crmgov_condition *condition = &ctx->conditions[automation->n_conditions];
            if (filter_condition(ctx, &start->filters[i], condition))
                automation->n_conditions++;
            else
                record_dropped_filter(ctx, &start->filters[i]);
        }
    } else if (start->n_filters != 0) {
        ctx->conditions_complete = 0;  /* OR / custom logic: kept non-exclusive */
    }
    automation->conditions = automation->n_conditions != 0 ? ctx->conditions : NULL;
    if (automation->trigger.on == CRMGOV_ON_UPDATE)
        map_trigger_fields(ctx, logic, used);
    automation->trigger.fields = automation->trigger.n_fields != 0 ? ctx->trigger_fields : NULL;
}

/* ------------------------------------------------------------------------ */
/* Actions.                                                                  */

static struct crmgov_action *new_action(struct map_ctx *ctx, enum crmgov_action_type type,
                                        const char *type_name)
{
    if (ctx->automation->n_actions >= ctx->max_actions) {
        ctx->actions_truncated = 1;
        return NULL;
    }
    struct crmgov_action *action = &ctx->actions[ctx->automation->n_actions++];
    memset(action, 0, sizeof *action);
    action->type = type;
    action->type_name = type_name;
    return action;
}

static void add_set_field(struct map_ctx *ctx, const char *field, const struct sf_value *value,
                          const char *op, const char *object)
{
    struct crmgov_action *action = new_action(ctx, CRMGOV_ACTION_SET_FIELD, "set_field");
    if (action == NULL)
        return;
    action->field = copy(ctx, field);
    action->object = object != NULL ? copy(ctx, object) : NULL;
    if (op == NULL || strcmp(op, "Assign") == 0)
        literal_value(ctx, value, &action->value);
    if (action->value.type == CRMGOV_VALUE_NONE)
        memset(&action->value, 0, sizeof action->value);
}

static void add_call(struct map_ctx *ctx, const char *verb, const char *target)
{
    struct crmgov_action *action = new_action(ctx, CRMGOV_ACTION_CALL, "call");
    if (action == NULL)
        return;
    action->target = verb != NULL ? sf_arena_printf(ctx->arena, "%s:%s", verb,
                                                    target != NULL ? target : "")
                                  : copy(ctx, target != NULL ? target : "");
}

/* "$Record.X": the field X of the triggering record (one segment only). */
static const char *record_field(const char *reference, const char *prefix)
{
    size_t length = strlen(prefix);
    if (reference == NULL || strncmp(reference, prefix, length) != 0 || reference[length] != '.')
        return NULL;
    const char *field = reference + length + 1;
    return *field != '\0' && strchr(field, '.') == NULL ? field : NULL;
}

/* Writes made by assignment items to "<prefix>.Field"; returns how many. */
static size_t add_assigned_fields(struct map_ctx *ctx, const char *prefix, const char *object)
{
    size_t added = 0;
    for (size_t i = 0; i < ctx->flow->n_elements; i++) {
        const struct sf_element *element = &ctx->flow->elements[i];
        if (element->kind != SF_EL_ASSIGNMENT)
            continue;
        for (size_t j = 0; j < element->n_items; j++) {
            const struct sf_item *item = &element->items[j];
            const char *field = record_field(item->target, prefix);
            if (field != NULL) {
                add_set_field(ctx, field, &item->value, item->op, object);
                added++;
            }
        }
    }
    return added;
}

/* Account from "Account", Parent__c from "Parent__r" (a relationship name). */
static const char *relationship_object(struct map_ctx *ctx, const char *relationship)
{
    size_t length = strlen(relationship);
    if (length > 3 && strcmp(relationship + length - 3, "__r") == 0)
        return sf_arena_printf(ctx->arena, "%.*s__c", (int)(length - 3), relationship);
    return relationship;
}

/* The sObject type held by a record variable or a Get Records output. */
static const char *reference_object(struct map_ctx *ctx, const char *reference)
{
    if (reference == NULL)
        return NULL;
    if (strcmp(reference, "$Record") == 0)
        return ctx->object;
    if (strncmp(reference, "$Record.", 8) == 0 && strchr(reference + 8, '.') == NULL)
        return relationship_object(ctx, reference + 8);
    const struct sf_element *holder = sf_flow_find(ctx->flow, reference);
    if (holder == NULL)
        return NULL;
    if (holder->kind == SF_EL_VARIABLE)
        return holder->object_type;
    return holder->object;
}

/* recordUpdates with object + filters on Id = $Record.Id updates the trigger record. */
static int filters_select_triggering_record(const struct map_ctx *ctx,
                                            const struct sf_element *element)
{
    if (!ctx->record_triggered || !same(element->object, ctx->object))
        return 0;
    for (size_t i = 0; i < element->n_filters; i++) {
        const struct sf_filter *filter = &element->filters[i];
        if (same(filter->field, "Id") && filter->op != NULL &&
            strcmp(filter->op, "EqualTo") == 0 && filter->value.kind == SF_VALUE_REFERENCE &&
            same(filter->value.text, "$Record.Id"))
            return 1;
    }
    return 0;
}

/* Two updates of one record variable write the same assigned fields once. */
static int updated_before(const struct map_ctx *ctx, const struct sf_element *element)
{
    for (const struct sf_element *other = ctx->flow->elements; other < element; other++)
        if (other->kind == SF_EL_RECORD_UPDATE && other->input_reference != NULL &&
            strcmp(other->input_reference, element->input_reference) == 0)
            return 1;
    return 0;
}

static void map_record_update(struct map_ctx *ctx, const struct sf_element *element)
{
    const char *reference = element->input_reference;
    if (reference != NULL) {
        if (updated_before(ctx, element))
            return;
        int own = strcmp(reference, "$Record") == 0;
        const char *object = reference_object(ctx, reference);
        size_t added = add_assigned_fields(ctx, reference, own ? NULL : object);
        if (added == 0)
            add_call(ctx, "update", object != NULL ? object : reference);
        return;
    }
    const char *object = filters_select_triggering_record(ctx, element) ? NULL : element->object;
    size_t added = 0;
    for (size_t i = 0; i < element->n_items; i++) {
        if (element->items[i].kind != SF_ITEM_INPUT_ASSIGNMENT || element->items[i].target == NULL)
            continue;
        add_set_field(ctx, element->items[i].target, &element->items[i].value, NULL, object);
        added++;
    }
    if (added == 0)
        add_call(ctx, "update", element->object);
}

static void map_record_create(struct map_ctx *ctx, const struct sf_element *element)
{
    const char *object = element->object;
    if (object == NULL)
        object = reference_object(ctx, element->input_reference);
    if (object == NULL)
        object = element->input_reference;
    add_call(ctx, "create", object);
    for (size_t i = 0; i < element->n_items; i++)
        if (element->items[i].kind == SF_ITEM_INPUT_ASSIGNMENT && element->items[i].target != NULL)
            add_set_field(ctx, element->items[i].target, &element->items[i].value, NULL,
                          object != NULL ? object : "");
}

static void map_record_delete(struct map_ctx *ctx, const struct sf_element *element)
{
    const char *object = element->object;
    if (object == NULL)
        object = reference_object(ctx, element->input_reference);
    if (object == NULL)
        object = element->input_reference;
    add_call(ctx, "delete", object);
}

/* The value of an input parameter as a recipient: a literal as written, a
 * reference as the merge field "{!path}" (so two flows writing to the same
 * reference name the same recipient); NULL when absent or empty. */
static const char *parameter_recipient(struct map_ctx *ctx, const struct sf_element *element,
                                       const char *name)
{
    for (size_t i = 0; i < element->n_items; i++) {
        const struct sf_item *item = &element->items[i];
        if (item->kind != SF_ITEM_INPUT_PARAMETER || !same(item->target, name) ||
            item->value.text == NULL || item->value.text[0] == '\0')
            continue;
        if (item->value.kind == SF_VALUE_STRING)
            return copy(ctx, item->value.text);
        if (item->value.kind == SF_VALUE_REFERENCE)
            return sf_arena_printf(ctx->arena, "{!%s}", item->value.text);
    }
    return NULL;
}

/*
 * The canonical model requires a recipient. When the metadata names none the
 * connector can read: an email alert is named by the alert ("alert:NAME",
 * its recipients live in the alert's own metadata); anything else gets a
 * marker unique to the element, which matches no principal and no other
 * automation's recipient.
 */
static const char *recipient_of(struct map_ctx *ctx, const struct sf_element *element,
                                const char *const *parameters, size_t n_parameters)
{
    for (size_t i = 0; i < n_parameters; i++) {
        const char *to = parameter_recipient(ctx, element, parameters[i]);
        if (to != NULL)
            return to;
    }
    if (same(element->action_type, "emailAlert") && element->action_name != NULL)
        return sf_arena_printf(ctx->arena, "alert:%s", element->action_name);
    return sf_arena_printf(ctx->arena, "unresolved:%s.%s", ctx->flow->api_name,
                           element->name != NULL ? element->name : "");
}

static void map_action_call(struct map_ctx *ctx, const struct sf_element *element)
{
    static const char *const email_parameters[] = {"emailAddresses", "recipientId",
                                                   "emailAddressesArray"};
    static const char *const notify_parameters[] = {"subjectNameOrId", "recipientIds",
                                                    "targetId"};
    const char *type = element->action_type;
    struct crmgov_action *action;
    if (same(type, "emailSimple") || same(type, "emailAlert")) {
        action = new_action(ctx, CRMGOV_ACTION_EMAIL, "email");
        if (action != NULL)
            action->to = recipient_of(ctx, element, email_parameters, 3);
    } else if (same(type, "chatterPost") || same(type, "customNotificationAction")) {
        action = new_action(ctx, CRMGOV_ACTION_NOTIFY, "notify");
        if (action != NULL)
            action->to = recipient_of(ctx, element, notify_parameters, 3);
    } else {
        add_call(ctx, NULL, element->action_name != NULL ? element->action_name : element->name);
    }
}

static void map_actions(struct map_ctx *ctx)
{
    const struct sf_flow *flow = ctx->flow;
    if (ctx->before_save)
        add_assigned_fields(ctx, "$Record", NULL);
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        switch (element->kind) {
        case SF_EL_RECORD_UPDATE:
            map_record_update(ctx, element);
            break;
        case SF_EL_RECORD_CREATE:
            map_record_create(ctx, element);
            break;
        case SF_EL_RECORD_DELETE:
            map_record_delete(ctx, element);
            break;
        case SF_EL_ACTION_CALL:
            map_action_call(ctx, element);
            break;
        case SF_EL_SUBFLOW:
            add_call(ctx, NULL, element->flow_name);
            break;
        default:
            break;
        }
    }
    ctx->automation->actions = ctx->automation->n_actions != 0 ? ctx->actions : NULL;
}

/* An upper bound on the actions: every item can write, plus two per element. */
static size_t count_max_actions(const struct sf_flow *flow)
{
    size_t assignment_items = 0, total = 0;
    for (size_t i = 0; i < flow->n_elements; i++)
        if (flow->elements[i].kind == SF_EL_ASSIGNMENT)
            assignment_items += flow->elements[i].n_items;
    for (size_t i = 0; i < flow->n_elements && total < SF_MAP_MAX_ACTIONS; i++) {
        total += flow->elements[i].n_items + 2;
        if (flow->elements[i].kind == SF_EL_RECORD_UPDATE)
            total += assignment_items;
    }
    total += assignment_items;
    return total < SF_MAP_MAX_ACTIONS ? total : SF_MAP_MAX_ACTIONS;
}

/* ------------------------------------------------------------------------ */
/* Attributes.                                                               */

static void add_string(cJSON *object, const char *key, const char *value)
{
    if (value != NULL)
        cJSON_AddStringToObject(object, key, value);
}

/* "58.0" -> 58; text that is not a number stays text. */
static void add_number_text(cJSON *object, const char *key, const char *text)
{
    if (text == NULL)
        return;
    char *end = NULL;
    double number = strtod(text, &end);
    if (end != text && *end == '\0')
        cJSON_AddNumberToObject(object, key, number);
    else
        cJSON_AddStringToObject(object, key, text);
}

static void map_attributes(struct map_ctx *ctx)
{
    const struct sf_flow *flow = ctx->flow;
    const struct sf_start_info *info = &flow->start_info;
    cJSON *attributes = ctx->attributes;
    add_number_text(attributes, "api_version", flow->api_version);
    add_string(attributes, "process_type", flow->process_type);
    add_string(attributes, "trigger_type", info->trigger_type);
    add_string(attributes, "record_trigger_type", info->record_trigger_type);
    add_number_text(attributes, "trigger_order", flow->trigger_order);
    add_string(attributes, "run_in_mode", flow->run_in_mode);
    /* Before-save writes are part of the save that started the flow: they
     * never start automations again (change layer: no trigger-cycle edges). */
    if (ctx->before_save)
        cJSON_AddBoolToObject(attributes, "writes_trigger_automations", 0);
    add_string(attributes, "filter_logic", flow->start.filter_logic);
    add_string(attributes, "filter_formula", info->filter_formula);
    if (info->requires_record_changed != SF_UNSET)
        cJSON_AddBoolToObject(attributes, "requires_record_changed",
                              info->requires_record_changed == SF_TRUE);
    add_string(attributes, "file", flow->file);
    cJSON_AddBoolToObject(attributes, "has_description",
                          flow->description != NULL && flow->description[0] != '\0');
    if (flow->start.n_filters != 0 || info->filter_formula != NULL)
        cJSON_AddBoolToObject(attributes, "conditions_complete", ctx->conditions_complete);
    if (ctx->actions_truncated)
        cJSON_AddBoolToObject(attributes, "actions_truncated", 1);
    if (cJSON_GetArraySize(ctx->dropped_filters) != 0) {
        cJSON_AddItemToObject(attributes, "dropped_filters", ctx->dropped_filters);
        ctx->dropped_filters = NULL;
    }
    char *text = sf_json_canonical(attributes);
    ctx->automation->attributes_json = copy(ctx, text);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Entry points.                                                             */

static int allocate_arrays(struct map_ctx *ctx)
{
    size_t n_filters = ctx->flow->start.n_filters;
    ctx->max_actions = count_max_actions(ctx->flow);
    ctx->conditions = sf_arena_array(ctx->arena, n_filters + 1, sizeof *ctx->conditions);
    ctx->trigger_fields = sf_arena_array(ctx->arena, n_filters + 1, sizeof *ctx->trigger_fields);
    ctx->actions = sf_arena_array(ctx->arena, ctx->max_actions + 1, sizeof *ctx->actions);
    ctx->attributes = cJSON_CreateObject();
    ctx->dropped_filters = cJSON_CreateArray();
    return ctx->conditions != NULL && ctx->trigger_fields != NULL && ctx->actions != NULL &&
           ctx->attributes != NULL && ctx->dropped_filters != NULL;
}

struct sf_mapping *sf_flow_map(const struct sf_flow *flow)
{
    if (flow == NULL)
        return NULL;
    struct sf_arena *arena = sf_arena_new();
    struct sf_mapping *mapping = arena != NULL ? sf_arena_alloc(arena, sizeof *mapping) : NULL;
    if (mapping == NULL) {
        sf_arena_free(arena);
        return NULL;
    }
    mapping->arena = arena;
    struct crmgov_automation *automation = &mapping->automation;
    automation->struct_size = sizeof *automation;
    struct map_ctx ctx = {.flow = flow, .arena = arena, .automation = automation,
                          .conditions_complete = 1};
    int ok = allocate_arrays(&ctx);
    if (ok) {
        automation->id = copy(&ctx, flow->api_name != NULL ? flow->api_name : "");
        automation->name = copy(&ctx, flow->label != NULL ? flow->label : automation->id);
        automation->status = same(flow->status, "Active") ? CRMGOV_STATUS_ACTIVE
                                                          : CRMGOV_STATUS_INACTIVE;
        map_trigger(&ctx);
        map_conditions(&ctx);
        map_actions(&ctx);
        map_attributes(&ctx);
    }
    cJSON_Delete(ctx.attributes);
    cJSON_Delete(ctx.dropped_filters);
    if (!ok || sf_arena_failed(arena) || automation->attributes_json == NULL) {
        sf_arena_free(arena);
        return NULL;
    }
    return mapping;
}

void sf_mapping_free(struct sf_mapping *mapping)
{
    if (mapping != NULL)
        sf_arena_free(mapping->arena);
}

/* ------------------------------------------------------------------------ */
/* The JSON Lines event.                                                     */

static const char *const kind_names[] = {"workflow", "flow", "robot", "trigger", "process",
                                         "rule"};
static const char *const on_names[] = {"create",           "update",   "delete",
                                       "create_or_update", "schedule", "manual"};
static const char *const op_names[] = {"eq", "ne", "in", "not_in", "gt", "lt",
                                       "set", "unset", "changed"};
static const char *const action_names[] = {"other", "set_field", "notify", "assign",
                                           "create_task", "email", "webhook", "call"};
static const char *const status_names[] = {"active", "inactive", "deleted"};

#define NAME_OF(table, index) \
    ((size_t)(index) < sizeof(table) / sizeof((table)[0]) ? (table)[(index)] : "unknown")

static cJSON *value_json(const struct crmgov_value *value)
{
    switch (value->type) {
    case CRMGOV_VALUE_NULL:
        return cJSON_CreateNull();
    case CRMGOV_VALUE_BOOL:
        return cJSON_CreateBool(value->boolean);
    case CRMGOV_VALUE_NUMBER:
        return cJSON_CreateNumber(value->number);
    case CRMGOV_VALUE_STRING:
        return cJSON_CreateString(value->string != NULL ? value->string : "");
    case CRMGOV_VALUE_ARRAY: {
        cJSON *array = cJSON_CreateArray();
        for (size_t i = 0; i < value->n_items; i++)
            cJSON_AddItemToArray(array, value_json(&value->items[i]));
        return array;
    }
    case CRMGOV_VALUE_OBJECT:
        return cJSON_Parse(value->string != NULL ? value->string : "{}");
    default:
        return NULL;
    }
}

static cJSON *trigger_json(const struct crmgov_trigger *trigger)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "on", NAME_OF(on_names, trigger->on));
    if (trigger->n_fields != 0) {
        cJSON *fields = cJSON_AddArrayToObject(json, "fields");
        for (size_t i = 0; i < trigger->n_fields; i++)
            cJSON_AddItemToArray(fields, cJSON_CreateString(trigger->fields[i]));
    }
    return json;
}

static cJSON *condition_json(const struct crmgov_condition *condition)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "field", condition->field != NULL ? condition->field : "");
    cJSON_AddStringToObject(json, "op", NAME_OF(op_names, condition->op));
    cJSON *value = value_json(&condition->value);
    if (value != NULL)
        cJSON_AddItemToObject(json, "value", value);
    return json;
}

static cJSON *action_json(const struct crmgov_action *action)
{
    cJSON *json = cJSON_CreateObject();
    const char *type = action->type == CRMGOV_ACTION_OTHER && action->type_name != NULL
                           ? action->type_name
                           : NAME_OF(action_names, action->type);
    cJSON_AddStringToObject(json, "type", type);
    add_string(json, "field", action->field);
    add_string(json, "to", action->to);
    add_string(json, "url", action->url);
    add_string(json, "target", action->target);
    add_string(json, "object", action->object);
    cJSON *value = value_json(&action->value);
    if (value != NULL)
        cJSON_AddItemToObject(json, "value", value);
    return json;
}

/* RFC 3339 UTC; milliseconds only when there are any. */
static int format_time(crmgov_time at, char *text, size_t size)
{
    int64_t seconds = at / 1000, millis = at % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    time_t when = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL)
        return -1;
    size_t length = strftime(text, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (length == 0)
        return -1;
    if (millis != 0)
        snprintf(text + length, size - length, ".%03dZ", (int)millis);
    else
        snprintf(text + length, size - length, "Z");
    return 0;
}

static cJSON *event_json(const struct crmgov_automation *automation, const char *system,
                         const char *time_text, const char *id)
{
    cJSON *event = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "type", "automation");
    cJSON_AddStringToObject(event, "system", system);
    cJSON_AddStringToObject(event, "at", time_text);
    cJSON_AddStringToObject(event, "id", id);
    add_string(event, "name", automation->name);
    cJSON_AddStringToObject(event, "kind", NAME_OF(kind_names, automation->kind));
    cJSON_AddStringToObject(event, "object", automation->object != NULL ? automation->object : "");
    cJSON_AddItemToObject(event, "trigger", trigger_json(&automation->trigger));
    cJSON *conditions = cJSON_AddArrayToObject(event, "conditions");
    for (size_t i = 0; i < automation->n_conditions; i++)
        cJSON_AddItemToArray(conditions, condition_json(&automation->conditions[i]));
    cJSON *actions = cJSON_AddArrayToObject(event, "actions");
    for (size_t i = 0; i < automation->n_actions; i++)
        cJSON_AddItemToArray(actions, action_json(&automation->actions[i]));
    cJSON_AddStringToObject(event, "status", NAME_OF(status_names, automation->status));
    add_string(event, "modified_by", automation->modified_by);
    if (automation->attributes_json != NULL) {
        cJSON *attributes = cJSON_Parse(automation->attributes_json);
        if (attributes != NULL)
            cJSON_AddItemToObject(event, "attributes", attributes);
    }
    return event;
}

char *sf_automation_event_json(const struct crmgov_automation *automation, const char *system,
                               crmgov_time at, const char *id)
{
    char time_text[48];
    if (automation == NULL || system == NULL || at == CRMGOV_TIME_NONE ||
        format_time(at, time_text, sizeof time_text) != 0)
        return NULL;
    if (id == NULL)
        id = automation->id != NULL ? automation->id : "";
    cJSON *event = event_json(automation, system, time_text, id);
    char *text = sf_json_canonical(event);
    cJSON_Delete(event);
    return text;
}

int sf_automation_print_event(FILE *out, const struct crmgov_automation *automation,
                              const char *system, crmgov_time at, const char *id)
{
    char *text = sf_automation_event_json(automation, system, at, id);
    if (text == NULL)
        return -1;
    int failed = fputs(text, out) < 0 || fputc('\n', out) == EOF;
    free(text);
    return failed ? -1 : 0;
}
