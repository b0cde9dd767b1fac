/*
 * hs_map.c -- HubSpot workflows, owners and webhook events mapped to the
 * canonical model; see hs_map.h and docs/connectors/hubspot.md.
 *
 * A workflow is a graph of actions with an enrollment rule in front. The
 * canonical automation is flat: one trigger, conditions that must all hold,
 * actions. So the mapping keeps what is certain and says what it dropped:
 * enrollment filters become conditions only where they are necessary (an
 * AND of property filters; an OR of alternatives yields none), a branch at
 * the start whose other paths do nothing becomes a condition too, and every
 * loss is visible in the attributes (conditions_complete false, branches,
 * actions_conditional). Under-stating conditions is the safe direction: the
 * automation then looks able to fire more often, never less.
 */
#include "hs_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* small helpers                                                             */

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int has_text(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
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

const char *hs_id_text(const cJSON *item, const char *member, char *buf, size_t size)
{
    return scalar_text(cJSON_GetObjectItemCaseSensitive(item, member), buf, size);
}

static int is_scalar(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

/* "Create record" -> "create_record". */
static void slug(const char *text, char *out, size_t size)
{
    size_t o = 0;
    int gap = 0;
    for (const char *p = text; *p && o + 2 < size; p++) {
        if (isalnum((unsigned char)*p)) {
            if (gap && o)
                out[o++] = '_';
            out[o++] = (char)tolower((unsigned char)*p);
            gap = 0;
        } else {
            gap = 1;
        }
    }
    out[o] = '\0';
    if (!o)
        snprintf(out, size, "hubspot_action");
}

/* ------------------------------------------------------------------------ */
/* the action-type catalogue                                                 */

static int declares_field(const cJSON *action_type, const char *name)
{
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(action_type, "inputFieldDefinitions");
    const cJSON *d;
    cJSON_ArrayForEach(d, defs) {
        const char *n = str(d, "name");
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

const char *hs_action_class(const cJSON *action_type)
{
    const char *name = str(action_type, "actionName");
    if (!name)
        name = str(action_type, "name");
    if (declares_field(action_type, "property_name") && declares_field(action_type, "value"))
        return "set_field";
    if (declares_field(action_type, "flow_id") || has_text(name, "enroll"))
        return "enroll";
    if (has_text(name, "rotate"))
        return "assign";
    if (has_text(name, "delay"))
        return "delay";
    if (has_text(name, "webhook"))
        return "webhook";
    if (has_text(name, "task"))
        return "create_task";
    if (has_text(name, "notification") || has_text(name, "notify"))
        return "notify";
    if (has_text(name, "email"))
        return "email";
    if (declares_field(action_type, "target_property") || has_text(name, "copy property"))
        return "copy_field";
    return "other";
}

void hs_catalog_add(cJSON *catalog, const cJSON *action_type)
{
    char buf[32];
    const char *id = hs_id_text(action_type, "actionTypeId", buf, sizeof(buf));
    if (!id || cJSON_GetObjectItemCaseSensitive(catalog, id))
        return;
    const char *name = str(action_type, "actionName");
    cJSON *entry = cJSON_AddObjectToObject(catalog, id);
    cJSON_AddStringToObject(entry, "name", name ? name : id);
    cJSON_AddStringToObject(entry, "class", hs_action_class(action_type));
}

/* ------------------------------------------------------------------------ */
/* objects                                                                   */

const char *hs_object_name(const char *object_type_id)
{
    static const struct {
        const char *id, *name;
    } known[] = { { "0-1", "contact" }, { "0-2", "company" }, { "0-3", "deal" },
                  { "0-5", "ticket" } };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(object_type_id, known[i].id) == 0)
            return known[i].name;
    return object_type_id;
}

static const char *flow_object(const cJSON *flow)
{
    const char *type_id = str(flow, "objectTypeId");
    if (type_id && type_id[0])
        return hs_object_name(type_id);
    const char *type = str(flow, "type");
    if (type && strcmp(type, "CONTACT_FLOW") == 0)
        return "contact";
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* enrollment filters -> conditions                                          */

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

static int scalars_only(const cJSON *list)
{
    const cJSON *v;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return 0;
    cJSON_ArrayForEach(v, list) {
        if (!is_scalar(v))
            return 0;
    }
    return 1;
}

static void add_unique_text(cJSON *list, const cJSON *value)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, list) {
        if (cJSON_Compare(v, value, 1))
            return;
    }
    cJSON_AddItemToArray(list, cJSON_Duplicate(value, 1));
}

/* An equality-like operator: one value is eq/ne, several are in/not_in. */
static int add_membership(struct cond_ctx *c, const char *field, const cJSON *op, int negate)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(op, "values");
    if (is_scalar(value)) {
        add_condition(c, field, negate ? "ne" : "eq", value);
        return 0;
    }
    if (!scalars_only(values))
        return -1;
    if (cJSON_GetArraySize(values) == 1)
        add_condition(c, field, negate ? "ne" : "eq", values->child);
    else
        add_condition(c, field, negate ? "not_in" : "in", values);
    return 0;
}

static int add_comparison(struct cond_ctx *c, const char *field, const cJSON *op,
                          const char *canonical)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
    if (!cJSON_IsNumber(value) && !cJSON_IsString(value))
        return -1;
    add_condition(c, field, canonical, value);
    return 0;
}

static int operator_is(const char *op, const char *a, const char *b)
{
    return strcmp(op, a) == 0 || (b && strcmp(op, b) == 0);
}

/* One PROPERTY filter; anything it cannot say exactly is left out. */
static void add_filter(struct cond_ctx *c, const cJSON *filter)
{
    const char *type = str(filter, "filterType");
    const char *field = str(filter, "property");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(filter, "operation");
    const char *name = str(op, "operator");
    int rc = -1;
    if ((type && strcmp(type, "PROPERTY") != 0) || !field || !name ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(op, "includeObjectsWithNoValueSet"))) {
        c->complete = 0;
        return;
    }
    if (operator_is(name, "IS_EQUAL_TO", "EQ") || operator_is(name, "IS_ANY_OF", "IN"))
        rc = add_membership(c, field, op, 0);
    else if (operator_is(name, "IS_NOT_EQUAL_TO", "NEQ") ||
             operator_is(name, "IS_NONE_OF", "NOT_IN"))
        rc = add_membership(c, field, op, 1);
    else if (operator_is(name, "IS_GREATER_THAN", "GT"))
        rc = add_comparison(c, field, op, "gt");
    else if (operator_is(name, "IS_LESS_THAN", "LT"))
        rc = add_comparison(c, field, op, "lt");
    else if (operator_is(name, "IS_KNOWN", "HAS_PROPERTY")) {
        add_condition(c, field, "set", NULL);
        rc = 0;
    } else if (operator_is(name, "IS_UNKNOWN", "NOT_HAS_PROPERTY")) {
        add_condition(c, field, "unset", NULL);
        rc = 0;
    }
    if (rc)
        c->complete = 0;
}

static void add_filter_branch(struct cond_ctx *c, const cJSON *branch, int depth)
{
    if (!branch)
        return;
    if (!cJSON_IsObject(branch) || depth > 16) {
        c->complete = 0;
        return;
    }
    const char *type = str(branch, "filterBranchType");
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(branch, "filters");
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(branch, "filterBranches");
    int n_filters = cJSON_GetArraySize(filters), n_subs = cJSON_GetArraySize(subs);
    if (type && strcmp(type, "OR") == 0) {
        /* An OR of one alternative is that alternative; of several, none of
         * them is necessary, so nothing can be said. */
        if (n_filters + n_subs > 1)
            c->complete = 0;
        else if (n_subs == 1)
            add_filter_branch(c, subs->child, depth + 1);
        else if (n_filters == 1)
            add_filter(c, filters->child);
        return;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, filters) add_filter(c, item);
    cJSON_ArrayForEach(item, subs) add_filter_branch(c, item, depth + 1);
}

/* Every property the filters of a branch tree test, into `out`; 0 when a
 * filter of another kind (a list membership, an association) is there too,
 * since a change to that could enroll a record as well. */
static int filter_properties(const cJSON *branch, cJSON *out, int depth)
{
    if (!cJSON_IsObject(branch) || depth > 16)
        return 0;
    int known = 1;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(branch, "filters")) {
        const char *type = str(item, "filterType");
        const cJSON *property = cJSON_GetObjectItemCaseSensitive(item, "property");
        if ((type && strcmp(type, "PROPERTY") != 0) || !cJSON_IsString(property))
            known = 0;
        else
            add_unique_text(out, property);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(branch, "filterBranches"))
        known &= filter_properties(item, out, depth + 1);
    return known;
}

/* ------------------------------------------------------------------------ */
/* enrollment -> trigger                                                     */

/* The property a "property value changed" event filter names (hs_name). */
static const cJSON *event_filter(const cJSON *branch, const char *property)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(branch, "filters")) {
        const char *p = str(f, "property");
        if (p && strcmp(p, property) == 0)
            return cJSON_GetObjectItemCaseSensitive(f, "operation");
    }
    return NULL;
}

/* Event-based enrollment: property-change events become an update trigger
 * on those properties; any other event only says "something happened". */
static void map_event_enrollment(const cJSON *ec, cJSON *trigger, struct cond_ctx *c,
                                 cJSON *attrs)
{
    const cJSON *branches = cJSON_GetObjectItemCaseSensitive(ec, "eventFilterBranches");
    cJSON *fields = cJSON_CreateArray();
    cJSON *types = cJSON_AddArrayToObject(attrs, "event_types");
    int all_named = cJSON_GetArraySize(branches) > 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, branches) {
        const char *type = str(b, "eventTypeId");
        if (type)
            add_unique_text(types, cJSON_GetObjectItemCaseSensitive(b, "eventTypeId"));
        const cJSON *op = event_filter(b, "hs_name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "value");
        const cJSON *vs = cJSON_GetObjectItemCaseSensitive(op, "values");
        if (cJSON_IsString(v))
            add_unique_text(fields, v);
        else if (scalars_only(vs))
            for (const cJSON *x = vs->child; x; x = x->next)
                add_unique_text(fields, x);
        else
            all_named = 0;
    }
    if (!all_named) {
        cJSON_Delete(fields);
        cJSON_AddStringToObject(trigger, "on", "create_or_update");
        c->complete = 0;
        return;
    }
    cJSON_AddStringToObject(trigger, "on", "update");
    cJSON_AddItemToObject(trigger, "fields", fields);
    const cJSON *value_op = event_filter(branches->child, "hs_value");
    if (cJSON_GetArraySize(branches) == 1 && cJSON_GetArraySize(fields) == 1 && value_op) {
        cJSON *filter = cJSON_CreateObject();
        cJSON_AddStringToObject(filter, "filterType", "PROPERTY");
        cJSON_AddStringToObject(filter, "property", fields->child->valuestring);
        cJSON_AddItemToObject(filter, "operation", cJSON_Duplicate(value_op, 1));
        add_filter(c, filter);
        cJSON_Delete(filter);
    }
}

static void map_enrollment(const cJSON *flow, cJSON *event, struct cond_ctx *c, cJSON *attrs)
{
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(flow, "enrollmentCriteria");
    const char *type = str(ec, "type");
    cJSON *trigger = cJSON_AddObjectToObject(event, "trigger");
    cJSON_AddStringToObject(attrs, "enrollment", type ? type : "MANUAL");
    cJSON_AddBoolToObject(attrs, "re_enroll",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ec, "shouldReEnroll")));
    if (!type || strcmp(type, "MANUAL") == 0) {
        cJSON_AddStringToObject(trigger, "on", "manual");
    } else if (strcmp(type, "LIST_BASED") == 0) {
        /* A record enrolls when it comes to meet the filters: when created,
         * or by an update of a property they test. */
        const cJSON *filters = cJSON_GetObjectItemCaseSensitive(ec, "listFilterBranch");
        cJSON *fields = cJSON_CreateArray();
        cJSON_AddStringToObject(trigger, "on", "create_or_update");
        if (filter_properties(filters, fields, 0) && cJSON_GetArraySize(fields))
            cJSON_AddItemToObject(trigger, "fields", fields);
        else
            cJSON_Delete(fields);
        add_filter_branch(c, filters, 0);
    } else if (strcmp(type, "EVENT_BASED") == 0) {
        map_event_enrollment(ec, trigger, c, attrs);
    } else {
        cJSON_AddStringToObject(trigger, "on", "create_or_update");
        c->complete = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* actions                                                                   */

static cJSON *new_action(cJSON *actions, const char *type)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", type);
    cJSON_AddItemToArray(actions, a);
    return a;
}

/* Who an action addresses: user ids as principals, owner properties and
 * teams as named roles. Returns how many were added. */
static int add_recipients(cJSON *actions, const char *type, const cJSON *fields)
{
    static const struct {
        const char *member, *prefix;
    } lists[] = { { "user_ids", "" }, { "owner_properties", "owner:" }, { "team_ids", "team:" } };
    int n = 0;
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(fields, lists[i].member)) {
            char buf[32], to[160];
            const char *id = scalar_text(v, buf, sizeof(buf));
            if (!id)
                continue;
            snprintf(to, sizeof(to), "%s%s", lists[i].prefix, id);
            cJSON_AddStringToObject(new_action(actions, type), "to", to);
            n++;
        }
    }
    return n;
}

static void map_set_field(cJSON *actions, const cJSON *fields, const char *field_member)
{
    const char *field = str(fields, field_member);
    if (!field) {
        new_action(actions, "set_property"); /* which property is not said */
        return;
    }
    cJSON *a = new_action(actions, "set_field");
    cJSON_AddStringToObject(a, "field", field);
    if (strcmp(field_member, "property_name") != 0)
        return; /* copied from another property: known only at run time */
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(fields, "value");
    const cJSON *fixed = cJSON_IsObject(value)
                             ? cJSON_GetObjectItemCaseSensitive(value, "staticValue")
                             : value;
    if (is_scalar(fixed))
        cJSON_AddItemToObject(a, "value", cJSON_Duplicate(fixed, 1));
}

static const char *first_text(const cJSON *fields, const char *const *names, char *buf,
                              size_t size)
{
    for (; *names; names++) {
        const char *t = scalar_text(cJSON_GetObjectItemCaseSensitive(fields, *names), buf, size);
        if (t)
            return t;
    }
    return NULL;
}

static void map_typed_action(cJSON *actions, const char *cls, const char *name,
                             const cJSON *fields)
{
    static const char *const url_fields[] = { "webhookUrl", "webhook_url", "url", NULL };
    static const char *const flow_fields[] = { "flow_id", "flowId", "workflow_id", NULL };
    static const char *const copy_fields[] = { "target_property", "target_property_name",
                                               NULL };
    char buf[64];
    if (strcmp(cls, "set_field") == 0) {
        map_set_field(actions, fields, "property_name");
    } else if (strcmp(cls, "copy_field") == 0) {
        const char *t = first_text(fields, copy_fields, buf, sizeof(buf));
        cJSON *a = new_action(actions, t ? "set_field" : "copy_field");
        if (t)
            cJSON_AddStringToObject(a, "field", t);
    } else if (strcmp(cls, "notify") == 0 || strcmp(cls, "assign") == 0) {
        if (!add_recipients(actions, cls, fields))
            cJSON_AddStringToObject(new_action(actions, cls), "to", "unresolved");
    } else if (strcmp(cls, "create_task") == 0) {
        if (!add_recipients(actions, cls, fields)) /* HubSpot's default: the record owner */
            cJSON_AddStringToObject(new_action(actions, cls), "to", "owner:hubspot_owner_id");
    } else if (strcmp(cls, "email") == 0) {
        cJSON_AddStringToObject(new_action(actions, "email"), "to", "enrolled-record");
    } else if (strcmp(cls, "webhook") == 0) {
        const char *url = first_text(fields, url_fields, buf, sizeof(buf));
        cJSON_AddStringToObject(new_action(actions, "webhook"), "url", url ? url : "unresolved");
    } else if (strcmp(cls, "enroll") == 0) {
        const char *target = first_text(fields, flow_fields, buf, sizeof(buf));
        cJSON_AddStringToObject(new_action(actions, "call"), "target",
                                target ? target : "unresolved");
    } else if (strcmp(cls, "delay") != 0) {
        char type[96];
        slug(name, type, sizeof(type));
        new_action(actions, type);
    }
}

static void map_action(cJSON *actions, const cJSON *action, const cJSON *catalog,
                       cJSON *unknown_types)
{
    char buf[32];
    const char *type_id = hs_id_text(action, "actionTypeId", buf, sizeof(buf));
    if (!type_id)
        return; /* a branch: it decides, it does not act */
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(action, "fields");
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(catalog, type_id);
    if (!entry) {
        /* Not in the account's catalogue: an app's custom action, i.e. a call
         * out to another system. */
        char target[64];
        snprintf(target, sizeof(target), "action-type:%s", type_id);
        cJSON_AddStringToObject(new_action(actions, "call"), "target", target);
        cJSON *id = cJSON_CreateString(type_id);
        add_unique_text(unknown_types, id);
        cJSON_Delete(id);
        return;
    }
    map_typed_action(actions, str(entry, "class"), str(entry, "name"), fields);
}

/* ------------------------------------------------------------------------ */
/* the action graph                                                          */

static const cJSON *action_by_id(const cJSON *actions, const char *id)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, actions) {
        char buf[32];
        const char *aid = hs_id_text(a, "actionId", buf, sizeof(buf));
        if (aid && strcmp(aid, id) == 0)
            return a;
    }
    return NULL;
}

static int is_branch(const cJSON *action)
{
    const char *type = str(action, "type");
    return type && strstr(type, "BRANCH") != NULL;
}

/* Every nextActionId inside a node (any connection or branch shape). */
static void next_ids(const cJSON *node, cJSON *out)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, node) {
        if (c->string && strcmp(c->string, "nextActionId") == 0) {
            char buf[32];
            const char *id = scalar_text(c, buf, sizeof(buf));
            if (id)
                cJSON_AddItemToArray(out, cJSON_CreateString(id));
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            next_ids(c, out);
        }
    }
}

/* Marks (in `seen`) every action reachable from id. */
static void reach(const cJSON *actions, const char *id, cJSON *seen, int depth)
{
    if (!id || depth > 10000 || cJSON_GetObjectItemCaseSensitive(seen, id))
        return;
    const cJSON *a = action_by_id(actions, id);
    if (!a)
        return;
    cJSON_AddTrueToObject(seen, id);
    cJSON *next = cJSON_CreateArray();
    next_ids(a, next);
    const cJSON *n;
    cJSON_ArrayForEach(n, next) reach(actions, n->valuestring, seen, depth + 1);
    cJSON_Delete(next);
}

/* Does anything reachable from id act (not merely delay or branch)? */
static int acts_from(const cJSON *actions, const char *id, const cJSON *catalog)
{
    cJSON *seen = cJSON_CreateObject();
    reach(actions, id, seen, 0);
    int acts = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, seen) {
        char buf[32];
        const cJSON *a = action_by_id(actions, s->string);
        const char *type_id = hs_id_text(a, "actionTypeId", buf, sizeof(buf));
        const cJSON *entry = type_id ? cJSON_GetObjectItemCaseSensitive(catalog, type_id) : NULL;
        const char *cls = str(entry, "class");
        if (type_id && !(cls && strcmp(cls, "delay") == 0))
            acts = 1;
    }
    cJSON_Delete(seen);
    return acts;
}

static const char *edge_target(const cJSON *edge, char *buf, size_t size)
{
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(edge, "connection");
    return hs_id_text(conn ? conn : edge, "nextActionId", buf, size);
}

/* The start branch's only active path, when there is exactly one and it is
 * not the default: its condition is then a condition of the automation.
 * Returns the path's first action id (into buf) and adds the conditions. */
static const char *lift_start_branch(const cJSON *branch, const cJSON *actions,
                                     const cJSON *catalog, struct cond_ctx *c, char *buf,
                                     size_t size)
{
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(branch, "staticBranches");
    int is_static = edges != NULL;
    if (!edges)
        edges = cJSON_GetObjectItemCaseSensitive(branch, "listBranches");
    char tbuf[32];
    const char *dflt = hs_id_text(cJSON_GetObjectItemCaseSensitive(branch, "defaultBranch"),
                                  "nextActionId", tbuf, sizeof(tbuf));
    if (!cJSON_IsArray(edges) || (dflt && acts_from(actions, dflt, catalog)))
        return NULL;
    const cJSON *active = NULL, *e;
    cJSON_ArrayForEach(e, edges) {
        char ebuf[32];
        const char *target = edge_target(e, ebuf, sizeof(ebuf));
        if (target && acts_from(actions, target, catalog)) {
            if (active)
                return NULL;
            active = e;
        }
    }
    if (!active)
        return NULL;
    if (is_static) {
        const char *field = str(cJSON_GetObjectItemCaseSensitive(branch, "inputValue"),
                                "propertyName");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(active, "branchValue");
        if (!field || !is_scalar(value))
            return NULL;
        add_condition(c, field, "eq", value);
    } else {
        struct cond_ctx lifted = { .conditions = cJSON_CreateArray(), .complete = 1 };
        add_filter_branch(&lifted, cJSON_GetObjectItemCaseSensitive(active, "filterBranch"), 0);
        int usable = lifted.complete && cJSON_GetArraySize(lifted.conditions) > 0;
        while (usable && cJSON_GetArraySize(lifted.conditions) > 0)
            cJSON_AddItemToArray(c->conditions, cJSON_DetachItemFromArray(lifted.conditions, 0));
        cJSON_Delete(lifted.conditions);
        if (!usable)
            return NULL;
    }
    return edge_target(active, buf, size);
}

static void map_actions(const cJSON *flow, const cJSON *catalog, cJSON *event,
                        struct cond_ctx *c, cJSON *attrs)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(flow, "actions");
    cJSON *out = cJSON_AddArrayToObject(event, "actions");
    cJSON *unknown = cJSON_CreateArray();
    int branches = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, list) branches += is_branch(a);
    char sbuf[32], pbuf[32];
    const char *start_id = hs_id_text(flow, "startActionId", sbuf, sizeof(sbuf));
    const cJSON *start = start_id ? action_by_id(list, start_id) : NULL;
    const char *path = start && is_branch(start)
                           ? lift_start_branch(start, list, catalog, c, pbuf, sizeof(pbuf))
                           : NULL;
    cJSON *only = NULL;
    if (path) {
        only = cJSON_CreateObject();
        reach(list, path, only, 0);
        cJSON_AddBoolToObject(attrs, "branch_condition_lifted", 1);
    }
    cJSON_ArrayForEach(a, list) {
        char buf[32];
        const char *id = hs_id_text(a, "actionId", buf, sizeof(buf));
        if (!only || (id && cJSON_GetObjectItemCaseSensitive(only, id)))
            map_action(out, a, catalog, unknown);
    }
    cJSON_Delete(only);
    if (branches) {
        cJSON_AddNumberToObject(attrs, "branches", branches);
        if (!path)
            cJSON_AddBoolToObject(attrs, "actions_conditional", 1);
    }
    if (cJSON_GetArraySize(unknown))
        cJSON_AddItemToObject(attrs, "unknown_action_types", unknown);
    else
        cJSON_Delete(unknown);
}

/* ------------------------------------------------------------------------ */
/* flows                                                                     */

int hs_map_flow(const cJSON *flow, const cJSON *catalog, cJSON *event, char *why, size_t size)
{
    char ibuf[32], rbuf[32];
    const char *id = hs_id_text(flow, "id", ibuf, sizeof(ibuf));
    const char *object = flow_object(flow);
    if (!cJSON_IsObject(flow) || !id) {
        snprintf(why, size, "flow without an id");
        return -1;
    }
    if (!object) {
        snprintf(why, size, "flow %s has no objectTypeId", id);
        return -1;
    }
    const char *name = str(flow, "name");
    cJSON_AddStringToObject(event, "id", id);
    cJSON_AddStringToObject(event, "name", name && name[0] ? name : id);
    cJSON_AddStringToObject(event, "kind", "workflow");
    cJSON_AddStringToObject(event, "object", object);
    cJSON *attrs = cJSON_CreateObject();
    struct cond_ctx c = { .conditions = cJSON_CreateArray(), .complete = 1 };
    map_enrollment(flow, event, &c, attrs);
    cJSON_AddItemToObject(event, "conditions", c.conditions);
    map_actions(flow, catalog, event, &c, attrs);
    cJSON_AddStringToObject(
        event, "status",
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(flow, "isEnabled")) ? "active" : "inactive");
    const char *revision = hs_id_text(flow, "revisionId", rbuf, sizeof(rbuf));
    if (revision)
        cJSON_AddStringToObject(attrs, "revision_id", revision);
    const char *facts[][2] = { { "flowType", "flow_type" }, { "type", "hubspot_type" },
                               { "objectTypeId", "object_type_id" } };
    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        const char *v = str(flow, facts[i][0]);
        if (v)
            cJSON_AddStringToObject(attrs, facts[i][1], v);
    }
    cJSON_AddBoolToObject(attrs, "conditions_complete", c.complete);
    cJSON_AddItemToObject(event, "attributes", attrs);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* owners                                                                    */

int hs_map_owner(const cJSON *owner, int archived, cJSON *event)
{
    char ubuf[32], obuf[32], pid[48];
    const char *user = hs_id_text(owner, "userId", ubuf, sizeof(ubuf));
    if (!user) /* archived owners keep their user only here */
        user = hs_id_text(owner, "userIdIncludingInactive", ubuf, sizeof(ubuf));
    const char *id = hs_id_text(owner, "id", obuf, sizeof(obuf));
    if (!user && !id)
        return -1;
    if (user)
        snprintf(pid, sizeof(pid), "%s", user);
    else
        snprintf(pid, sizeof(pid), "owner-%s", id);
    cJSON_AddStringToObject(event, "id", pid);
    const char *first = str(owner, "firstName"), *last = str(owner, "lastName");
    char name[256];
    if (!first)
        first = "";
    if (!last)
        last = "";
    snprintf(name, sizeof(name), "%s%s%s", first, first[0] && last[0] ? " " : "", last);
    if (name[0])
        cJSON_AddStringToObject(event, "name", name);
    const char *email = str(owner, "email");
    if (email && email[0])
        cJSON_AddStringToObject(event, "email", email);
    int active = !archived && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(owner, "archived"));
    cJSON_AddBoolToObject(event, "active", active);
    cJSON *roles = cJSON_CreateArray();
    const cJSON *team;
    cJSON_ArrayForEach(team, cJSON_GetObjectItemCaseSensitive(owner, "teams")) {
        const char *t = str(team, "name");
        if (t && t[0])
            cJSON_AddItemToArray(roles, cJSON_CreateString(t));
    }
    if (cJSON_GetArraySize(roles))
        cJSON_AddItemToObject(event, "roles", roles);
    else
        cJSON_Delete(roles);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* webhooks                                                                  */

int hs_map_webhook_event(const cJSON *element, cJSON *event)
{
    char ibuf[32];
    const char *subscription = str(element, "subscriptionType");
    const char *id = hs_id_text(element, "objectId", ibuf, sizeof(ibuf));
    const char *dot = subscription ? strchr(subscription, '.') : NULL;
    if (!dot || !id || dot == subscription || (size_t)(dot - subscription) >= 64)
        return -1;
    char object[64];
    memcpy(object, subscription, (size_t)(dot - subscription));
    object[dot - subscription] = '\0';
    const char *what = dot + 1;
    const char *op = strcmp(what, "creation") == 0       ? "create"
                     : strcmp(what, "propertyChange") == 0 ? "update"
                     : strcmp(what, "deletion") == 0 ||
                             strcmp(what, "privacyDeletion") == 0
                         ? "delete"
                         : NULL;
    if (!op)
        return -1;
    const char *type_id = str(element, "objectTypeId");
    cJSON_AddStringToObject(event, "object", strcmp(object, "object") == 0 && type_id
                                                 ? hs_object_name(type_id)
                                                 : object);
    cJSON_AddStringToObject(event, "id", id);
    cJSON_AddStringToObject(event, "op", op);
    const char *property = str(element, "propertyName");
    if (strcmp(op, "update") == 0 && property) {
        cJSON *changes = cJSON_AddObjectToObject(event, "changes");
        cJSON *pair = cJSON_AddArrayToObject(changes, property);
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(element, "propertyValue");
        /* HubSpot sends the new value only: the old one is unknown here. */
        cJSON_AddItemToArray(pair, cJSON_CreateNull());
        cJSON_AddItemToArray(pair, is_scalar(value) ? cJSON_Duplicate(value, 1)
                                                    : cJSON_CreateNull());
    }
    return 0;
}

static const char *record_id_in(const cJSON *o, char *buf, size_t size)
{
    static const char *const names[] = { "objectId", "hs_object_id", "vid" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);
        if (cJSON_IsObject(v))
            v = cJSON_GetObjectItemCaseSensitive(v, "value");
        const char *t = scalar_text(v, buf, size);
        if (t)
            return t;
    }
    return NULL;
}

const char *hs_webhook_record_id(const cJSON *body, char *buf, size_t size)
{
    const char *id = record_id_in(body, buf, size);
    return id ? id
              : record_id_in(cJSON_GetObjectItemCaseSensitive(body, "properties"), buf, size);
}
