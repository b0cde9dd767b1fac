/*
 * event.c -- JSON Lines <-> model structs, with validation; see event.h.
 *
 * Parsing walks the cJSON tree once and copies what the model needs into the
 * event's arena. Every rejection names the offending field by its JSON path
 * ("conditions[1].op") because the reason is what an admin reads in
 * `crmgov deadletters`. Members the model has no room for are ignored, except
 * inside an automation definition, where they are part of what is hashed.
 *
 * Plugins that publish structs go through the same door: the struct is turned
 * into the cJSON form and parsed back, so there is exactly one validator and
 * one hash routine, and a connector cannot publish what the JSONL connector
 * would reject.
 */
#include "event.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "names.h"
#include "timeutil.h"

struct parse {
    struct arena *arena;
    struct strbuf *why;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_reset(p->why);
    sb_vaddf(p->why, fmt, ap);
    va_end(ap);
    return -1;
}

/* The first member called `name` (as cJSON_GetObjectItemCaseSensitive),
 * comparing first bytes before whole names: an event has a dozen members
 * and each is looked up by name, so most comparisons are mismatches. */
static const cJSON *member(const cJSON *o, const char *name)
{
    const cJSON *m = NULL;
    for (const cJSON *c = o ? o->child : NULL; c && !m; c = c->next)
        if (c->string && c->string[0] == name[0] && strcmp(c->string, name) == 0)
            m = c;
    return m && !cJSON_IsNull(m) ? m : NULL;
}

/* A string member; *out NULL when absent and optional. */
static int get_string(struct parse *p, const cJSON *o, const char *path, const char *name,
                      int required, const char **out)
{
    const cJSON *m = member(o, name);
    *out = NULL;
    if (!m) {
        if (required)
            return fail(p, "missing required field '%s%s'", path, name);
        return 0;
    }
    if (!cJSON_IsString(m))
        return fail(p, "field '%s%s' must be a string", path, name);
    if (required && !m->valuestring[0])
        return fail(p, "field '%s%s' must not be empty", path, name);
    *out = arena_strdup(p->arena, m->valuestring);
    return 0;
}

static int get_enum(struct parse *p, const cJSON *o, const char *path, const char *name,
                    const struct name_table *t, int fallback, int *out)
{
    const cJSON *m = member(o, name);
    if (!m) {
        if (fallback < 0)
            return fail(p, "missing required field '%s%s'", path, name);
        *out = fallback;
        return 0;
    }
    char choices[160];
    if (!cJSON_IsString(m))
        return fail(p, "field '%s%s' must be a string (%s)", path, name,
                    name_choices(t, choices, sizeof(choices)));
    int v = name_lookup(t, m->valuestring);
    if (v < 0 || (t == &names_action && v == 0))
        return fail(p, "field '%s%s' is '%.40s', not one of %s", path, name, m->valuestring,
                    name_choices(t, choices, sizeof(choices)));
    *out = v;
    return 0;
}

static int get_string_array(struct parse *p, const cJSON *o, const char *path, const char *name,
                            const char *const **items, size_t *n)
{
    const cJSON *m = member(o, name);
    *items = NULL;
    *n = 0;
    if (!m)
        return 0;
    if (!cJSON_IsArray(m))
        return fail(p, "field '%s%s' must be an array of strings", path, name);
    size_t count = (size_t)cJSON_GetArraySize(m), i = 0;
    const char **list = arena_alloc(p->arena, (count ? count : 1) * sizeof(*list));
    for (const cJSON *c = m->child; c; c = c->next, i++) {
        if (!cJSON_IsString(c))
            return fail(p, "field '%s%s[%zu]' must be a string", path, name, i);
        list[i] = arena_strdup(p->arena, c->valuestring);
    }
    *items = list;
    *n = count;
    return 0;
}

static void to_value(struct parse *p, const cJSON *j, struct crmgov_value *v)
{
    memset(v, 0, sizeof(*v));
    if (!j) {
        v->type = CRMGOV_VALUE_NONE;
    } else if (cJSON_IsNull(j)) {
        v->type = CRMGOV_VALUE_NULL;
    } else if (cJSON_IsBool(j)) {
        v->type = CRMGOV_VALUE_BOOL;
        v->boolean = cJSON_IsTrue(j);
    } else if (cJSON_IsNumber(j)) {
        v->type = CRMGOV_VALUE_NUMBER;
        v->number = j->valuedouble;
    } else if (cJSON_IsString(j)) {
        v->type = CRMGOV_VALUE_STRING;
        v->string = arena_strdup(p->arena, j->valuestring);
    } else if (cJSON_IsArray(j)) {
        size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
        struct crmgov_value *items = arena_alloc(p->arena, (n ? n : 1) * sizeof(*items));
        for (const cJSON *c = j->child; c; c = c->next)
            to_value(p, c, &items[i++]);
        v->type = CRMGOV_VALUE_ARRAY;
        v->items = items;
        v->n_items = n;
    } else {
        struct strbuf sb = STRBUF_INIT;
        canon_write(&sb, j);
        v->type = CRMGOV_VALUE_OBJECT;
        v->string = arena_strndup(p->arena, sb_str(&sb), sb.len);
        sb_free(&sb);
    }
}

static int is_scalar(const cJSON *j)
{
    return cJSON_IsString(j) || cJSON_IsNumber(j) || cJSON_IsBool(j) || cJSON_IsNull(j);
}

/* ------------------------------------------------------------------------ */
/* automation                                                                */

static int parse_trigger(struct parse *p, const cJSON *o, struct crmgov_trigger *t)
{
    const cJSON *trigger = member(o, "trigger");
    if (!trigger)
        return fail(p, "missing required field 'trigger.on'");
    if (!cJSON_IsObject(trigger))
        return fail(p, "field 'trigger' must be an object");
    int on;
    if (get_enum(p, trigger, "trigger.", "on", &names_trigger_on, -1, &on))
        return -1;
    t->on = (enum crmgov_trigger_on)on;
    return get_string_array(p, trigger, "trigger.", "fields", &t->fields, &t->n_fields);
}

static int check_condition_value(struct parse *p, const cJSON *value, const char *path,
                                 enum crmgov_condition_op op)
{
    switch (op) {
    case CRMGOV_OP_SET:
    case CRMGOV_OP_UNSET:
    case CRMGOV_OP_CHANGED:
        return 0;
    case CRMGOV_OP_IN:
    case CRMGOV_OP_NOT_IN:
        if (!cJSON_IsArray(value))
            return fail(p, "field '%svalue' must be an array for op '%s'", path,
                        name_of(&names_op, (int)op));
        for (const cJSON *c = value->child; c; c = c->next)
            if (!is_scalar(c))
                return fail(p, "field '%svalue' must hold only strings, numbers or booleans",
                            path);
        return 0;
    case CRMGOV_OP_GT:
    case CRMGOV_OP_LT:
        if (!cJSON_IsNumber(value) && !cJSON_IsString(value))
            return fail(p, "field '%svalue' must be a number or a string for op '%s'", path,
                        name_of(&names_op, (int)op));
        return 0;
    default:
        if (!value)
            return fail(p, "missing required field '%svalue'", path);
        if (!is_scalar(value))
            return fail(p, "field '%svalue' must be a string, number or boolean", path);
        return 0;
    }
}

static int parse_conditions(struct parse *p, const cJSON *o, struct crmgov_automation *a)
{
    const cJSON *list = member(o, "conditions");
    if (!list)
        return 0;
    if (!cJSON_IsArray(list))
        return fail(p, "field 'conditions' must be an array");
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
    struct crmgov_condition *conds = arena_alloc(p->arena, (n ? n : 1) * sizeof(*conds));
    for (const cJSON *c = list->child; c; c = c->next, i++) {
        char path[32];
        snprintf(path, sizeof(path), "conditions[%zu].", i);
        if (!cJSON_IsObject(c))
            return fail(p, "field 'conditions[%zu]' must be an object", i);
        int op;
        if (get_string(p, c, path, "field", 1, &conds[i].field) ||
            get_enum(p, c, path, "op", &names_op, -1, &op))
            return -1;
        conds[i].op = (enum crmgov_condition_op)op;
        const cJSON *value = member(c, "value");
        if (!value && cJSON_GetObjectItemCaseSensitive(c, "value"))
            value = cJSON_GetObjectItemCaseSensitive(c, "value"); /* explicit null */
        if (check_condition_value(p, value, path, conds[i].op))
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
    const char *type;
    if (get_string(p, c, path, "type", 1, &type))
        return -1;
    int t = name_lookup(&names_action, type);
    act->type = t > 0 ? (enum crmgov_action_type)t : CRMGOV_ACTION_OTHER;
    act->type_name = type;
    if (get_string(p, c, path, "object", 0, &act->object))
        return -1;
    switch (act->type) {
    case CRMGOV_ACTION_SET_FIELD: {
        if (get_string(p, c, path, "field", 1, &act->field))
            return -1;
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(c, "value");
        to_value(p, value, &act->value);
        return 0;
    }
    case CRMGOV_ACTION_NOTIFY:
    case CRMGOV_ACTION_ASSIGN:
    case CRMGOV_ACTION_CREATE_TASK:
    case CRMGOV_ACTION_EMAIL:
        return get_string(p, c, path, "to", 1, &act->to);
    case CRMGOV_ACTION_WEBHOOK:
        return get_string(p, c, path, "url", 1, &act->url);
    case CRMGOV_ACTION_CALL:
        return get_string(p, c, path, "target", 1, &act->target);
    default:
        /* Unknown types keep what they may carry, for display. */
        if (get_string(p, c, path, "to", 0, &act->to) ||
            get_string(p, c, path, "target", 0, &act->target))
            return -1;
        return 0;
    }
}

static int parse_actions(struct parse *p, const cJSON *o, struct crmgov_automation *a)
{
    const cJSON *list = member(o, "actions");
    if (!list)
        return 0;
    if (!cJSON_IsArray(list))
        return fail(p, "field 'actions' must be an array");
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
    struct crmgov_action *acts = arena_alloc(p->arena, (n ? n : 1) * sizeof(*acts));
    for (const cJSON *c = list->child; c; c = c->next, i++) {
        char path[32];
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
    const cJSON *attrs = member(o, "attributes");
    if (!attrs)
        return 0;
    if (!cJSON_IsObject(attrs))
        return fail(p, "field 'attributes' must be an object");
    struct strbuf sb = STRBUF_INIT;
    int rc = canon_write(&sb, attrs);
    if (rc == 0)
        a->attributes_json = arena_strndup(p->arena, sb_str(&sb), sb.len);
    sb_free(&sb);
    return rc ? fail(p, "field 'attributes' repeats a key") : 0;
}

/* Every automation names its object, except manual and scheduled ones, which
 * may run on none (a screen flow): for those "" is allowed. */
static int check_object(struct parse *p, const struct crmgov_automation *a)
{
    if (!a->object)
        return fail(p, "missing required field 'object'");
    if (!a->object[0] && a->trigger.on != CRMGOV_ON_MANUAL && a->trigger.on != CRMGOV_ON_SCHEDULE)
        return fail(p, "field 'object' must not be empty (only manual and schedule triggers "
                       "may have no object)");
    return 0;
}

static int parse_automation(struct parse *p, const cJSON *o, struct crmgov_event *ev,
                            int id_required)
{
    struct crmgov_automation *a = arena_alloc(p->arena, sizeof(*a));
    a->struct_size = sizeof(*a);
    int kind, status;
    if (get_string(p, o, "", "id", id_required, &a->id) ||
        get_string(p, o, "", "name", 0, &a->name) ||
        get_enum(p, o, "", "kind", &names_kind, CRMGOV_KIND_WORKFLOW, &kind) ||
        get_string(p, o, "", "object", 0, &a->object) || parse_trigger(p, o, &a->trigger) ||
        check_object(p, a) ||
        parse_conditions(p, o, a) || parse_actions(p, o, a) ||
        get_enum(p, o, "", "status", &names_status, id_required ? -1 : 0, &status) ||
        get_string(p, o, "", "modified_by", 0, &a->modified_by) || parse_attributes(p, o, a))
        return -1;
    a->kind = (enum crmgov_automation_kind)kind;
    a->status = (enum crmgov_automation_status)status;
    if (!a->id)
        a->id = "";
    if (!a->name)
        a->name = a->id;
    struct strbuf def = STRBUF_INIT;
    char hex[65];
    const char *why = NULL;
    if (canon_definition(o, &def, hex, &why)) {
        sb_free(&def);
        return fail(p, "%s", why);
    }
    a->definition_json = arena_strndup(p->arena, sb_str(&def), def.len);
    a->definition_hash = arena_strdup(p->arena, hex);
    sb_free(&def);
    ev->u.automation = a;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the other payloads                                                        */

static int parse_execution(struct parse *p, const cJSON *o, struct crmgov_event *ev)
{
    struct crmgov_execution *x = arena_alloc(p->arena, sizeof(*x));
    x->struct_size = sizeof(*x);
    int status;
    if (get_string(p, o, "", "automation", 1, &x->automation) ||
        get_string(p, o, "", "record", 1, &x->record) ||
        get_enum(p, o, "", "status", &names_exec_status, -1, &status) ||
        get_string(p, o, "", "object", 0, &x->object) ||
        get_string(p, o, "", "error", 0, &x->error) ||
        get_string_array(p, o, "", "notified", &x->notified, &x->n_notified))
        return -1;
    x->status = (enum crmgov_execution_status)status;
    x->duration_ms = -1;
    const cJSON *d = member(o, "duration_ms");
    if (d) {
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 9.2e15)
            return fail(p, "field 'duration_ms' must be a number of milliseconds >= 0");
        x->duration_ms = (int64_t)d->valuedouble;
    }
    ev->u.execution = x;
    return 0;
}

static int parse_changes(struct parse *p, const cJSON *o, struct crmgov_record *r)
{
    const cJSON *changes = member(o, "changes");
    if (!changes)
        return 0;
    if (!cJSON_IsObject(changes))
        return fail(p, "field 'changes' must be an object of field: [old, new]");
    size_t n = (size_t)cJSON_GetArraySize(changes), i = 0;
    struct crmgov_field_change *fc = arena_alloc(p->arena, (n ? n : 1) * sizeof(*fc));
    for (const cJSON *c = changes->child; c; c = c->next, i++) {
        if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != 2)
            return fail(p, "field 'changes.%.60s' must be an array [old, new]", c->string);
        fc[i].field = arena_strdup(p->arena, c->string);
        to_value(p, c->child, &fc[i].old_value);
        to_value(p, c->child->next, &fc[i].new_value);
    }
    r->changes = fc;
    r->n_changes = n;
    return 0;
}

static int parse_record(struct parse *p, const cJSON *o, struct crmgov_event *ev)
{
    struct crmgov_record *r = arena_alloc(p->arena, sizeof(*r));
    r->struct_size = sizeof(*r);
    int op;
    if (get_string(p, o, "", "object", 1, &r->object) ||
        get_string(p, o, "", "id", 1, &r->id) ||
        get_enum(p, o, "", "op", &names_record_op, -1, &op) || parse_changes(p, o, r))
        return -1;
    r->op = (enum crmgov_record_op)op;
    ev->u.record = r;
    return 0;
}

static int parse_principal(struct parse *p, const cJSON *o, struct crmgov_event *ev)
{
    struct crmgov_principal *u = arena_alloc(p->arena, sizeof(*u));
    u->struct_size = sizeof(*u);
    if (get_string(p, o, "", "id", 1, &u->id) || get_string(p, o, "", "name", 0, &u->name) ||
        get_string(p, o, "", "email", 0, &u->email) ||
        get_string_array(p, o, "", "roles", &u->roles, &u->n_roles))
        return -1;
    const cJSON *active = member(o, "active");
    if (!active)
        return fail(p, "missing required field 'active'");
    if (!cJSON_IsBool(active))
        return fail(p, "field 'active' must be a boolean");
    u->active = cJSON_IsTrue(active);
    ev->u.principal = u;
    return 0;
}

static int parse_ownership(struct parse *p, const cJSON *o, struct crmgov_event *ev)
{
    struct crmgov_ownership *w = arena_alloc(p->arena, sizeof(*w));
    w->struct_size = sizeof(*w);
    int role;
    if (get_string(p, o, "", "automation", 1, &w->automation) ||
        get_enum(p, o, "", "role", &names_role, -1, &role) ||
        get_string(p, o, "", "principal", 0, &w->principal) ||
        get_string(p, o, "", "actor", 0, &w->actor) ||
        get_string(p, o, "", "remove_only", 0, &w->remove_only))
        return -1;
    if (!cJSON_GetObjectItemCaseSensitive(o, "principal"))
        return fail(p, "missing required field 'principal' (null removes the assignment)");
    w->role = (enum crmgov_owner_role)role;
    ev->u.ownership = w;
    return 0;
}

static int valid_hash(const char *h)
{
    if (strlen(h) != 64)
        return 0;
    for (const char *c = h; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return 0;
    return 1;
}

static int parse_change(struct parse *p, const cJSON *o, struct crmgov_event *ev)
{
    struct crmgov_change *c = arena_alloc(p->arena, sizeof(*c));
    c->struct_size = sizeof(*c);
    int state, status = -1;
    if (get_string(p, o, "", "id", 1, &c->id) ||
        get_string(p, o, "", "automation", 1, &c->automation) ||
        get_enum(p, o, "", "state", &names_change_state, -1, &state) ||
        get_string(p, o, "", "author", 0, &c->author) ||
        get_string_array(p, o, "", "approvers", &c->approvers, &c->n_approvers) ||
        get_string(p, o, "", "definition_hash", 0, &c->definition_hash))
        return -1;
    if (member(o, "status") && get_enum(p, o, "", "status", &names_status, -1, &status))
        return -1;
    if (c->definition_hash && !valid_hash(c->definition_hash))
        return fail(p, "field 'definition_hash' must be 64 lowercase hex digits");
    if (!c->definition_hash && status < 0)
        return fail(p, "a change needs 'definition_hash', 'status' or both");
    c->state = (enum crmgov_change_state)state;
    c->has_status = status >= 0;
    c->status = status >= 0 ? (enum crmgov_automation_status)status : CRMGOV_STATUS_ACTIVE;
    ev->u.change = c;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* entry points                                                              */

static struct event_box *parse_line(const char *line, size_t len, const char *source,
                                    uint64_t line_no, struct strbuf *why);

static struct event_box *box_new(void)
{
    struct arena a;
    arena_init(&a, 1024); /* the pooled chunk size: most events fit in one */
    struct event_box *box = arena_alloc(&a, sizeof(*box));
    box->arena = a; /* from here on only box->arena is used */
    box->ev.struct_size = sizeof(box->ev);
    return box;
}

void event_box_free(struct event_box *box)
{
    if (!box)
        return;
    struct arena a = box->arena;
    arena_free(&a);
}

static int parse_payload(struct parse *p, const cJSON *root, struct crmgov_event *ev)
{
    switch (ev->topic) {
    case CRMGOV_TOPIC_AUTOMATION:
        return parse_automation(p, root, ev, 1);
    case CRMGOV_TOPIC_EXECUTION:
        return parse_execution(p, root, ev);
    case CRMGOV_TOPIC_RECORD:
        return parse_record(p, root, ev);
    case CRMGOV_TOPIC_PRINCIPAL:
        return parse_principal(p, root, ev);
    case CRMGOV_TOPIC_OWNERSHIP:
        return parse_ownership(p, root, ev);
    case CRMGOV_TOPIC_CHANGE:
        return parse_change(p, root, ev);
    default:
        return fail(p, "type '%s' is not accepted as input", name_of(&names_topic, ev->topic));
    }
}

struct event_box *event_from_cjson(const cJSON *root, const char *source, uint64_t line_no,
                                   struct strbuf *why)
{
    struct event_box *box = box_new();
    struct parse p = { &box->arena, why };
    struct crmgov_event *ev = &box->ev;
    const char *type, *at;
    int ok = cJSON_IsObject(root) ? 1 : (fail(&p, "a line must be a JSON object"), 0);
    ok = ok && get_string(&p, root, "", "type", 1, &type) == 0;
    if (ok) {
        int topic = name_lookup(&names_topic, type);
        if (topic < 0)
            ok = fail(&p, "unknown type '%.40s'", type) == 0;
        ev->topic = (enum crmgov_topic)topic;
    }
    ok = ok && get_string(&p, root, "", "system", 1, &ev->system) == 0;
    ok = ok && get_string(&p, root, "", "at", 1, &at) == 0;
    if (ok && (ev->at = time_parse_rfc3339(at)) == CRMGOV_TIME_NONE)
        ok = fail(&p, "field 'at' is not an RFC 3339 time: '%.40s'", at) == 0;
    ok = ok && parse_payload(&p, root, ev) == 0;
    if (!ok) {
        event_box_free(box);
        return NULL;
    }
    ev->source = arena_strdup(&box->arena, source);
    ev->source_line = line_no;
    return box;
}

/* cJSON allocates every node separately. While a line is parsed on a thread,
 * its nodes come from that thread's scratch arena instead, which is reset
 * after the line: parsing then costs no malloc or free at all. Outside a
 * parse (and on threads that never parse) the hooks are plain malloc/free. */
static __thread struct arena *parse_scratch;
static pthread_key_t scratch_key;

static void *scratch_malloc(size_t n)
{
    return parse_scratch ? arena_alloc_uninit(parse_scratch, n) : malloc(n);
}

static void scratch_free(void *p)
{
    if (!parse_scratch)
        free(p);
}

static void free_scratch(void *p)
{
    arena_free(p);
    free(p);
}

static void install_hooks(void)
{
    cJSON_Hooks hooks = { scratch_malloc, scratch_free };
    cJSON_InitHooks(&hooks);
    pthread_key_create(&scratch_key, free_scratch);
}

void event_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_hooks);
}

/* This thread's scratch arena, freed when the thread ends. */
static struct arena *thread_scratch(void)
{
    struct arena *a = pthread_getspecific(scratch_key);
    if (!a) {
        a = xmalloc(sizeof(*a));
        arena_init(a, 64 * 1024);
        pthread_setspecific(scratch_key, a);
    }
    return a;
}

struct event_box *event_parse_json(const char *line, size_t len, const char *source,
                                   uint64_t line_no, struct strbuf *why)
{
    event_init();
    struct arena *scratch = thread_scratch();
    parse_scratch = scratch;
    struct event_box *box = parse_line(line, len, source, line_no, why);
    parse_scratch = NULL;
    arena_reset(scratch);
    return box;
}

static struct event_box *parse_line(const char *line, size_t len, const char *source,
                                    uint64_t line_no, struct strbuf *why)
{
    if (!utf8_valid(line, len)) {
        sb_reset(why);
        sb_adds(why, "invalid UTF-8");
        return NULL;
    }
    size_t at;
    int trailing;
    cJSON *root = json_parse_exact(line, len, &at, &trailing);
    if (!root) {
        sb_reset(why);
        if (trailing)
            sb_addf(why, "invalid JSON: text after the object at byte %zu", at);
        else
            sb_addf(why, "invalid JSON near byte %zu", at);
        return NULL;
    }
    struct event_box *box = event_from_cjson(root, source, line_no, why);
    cJSON_Delete(root);
    return box;
}

struct event_box *event_definition_from_cjson(const cJSON *root, const char *system,
                                              struct strbuf *why)
{
    if (!cJSON_IsObject(root)) {
        sb_reset(why);
        sb_adds(why, "not a JSON object");
        return NULL;
    }
    struct event_box *box = box_new();
    struct parse p = { &box->arena, why };
    box->ev.topic = CRMGOV_TOPIC_AUTOMATION;
    box->ev.system = arena_strdup(&box->arena, system ? system : "");
    if (parse_automation(&p, root, &box->ev, 0)) {
        event_box_free(box);
        return NULL;
    }
    return box;
}

struct event_box *event_parse_definition(const char *json, size_t len, const char *system,
                                         struct strbuf *why)
{
    size_t at;
    int trailing;
    cJSON *root = json_parse_exact(json, len, &at, &trailing);
    if (!root) {
        sb_reset(why);
        sb_adds(why, "not valid JSON");
        return NULL;
    }
    struct event_box *box = event_definition_from_cjson(root, system, why);
    cJSON_Delete(root);
    return box;
}

/* ------------------------------------------------------------------------ */
/* printing                                                                  */

cJSON *value_to_cjson(const struct crmgov_value *v)
{
    switch (v->type) {
    case CRMGOV_VALUE_BOOL:
        return cJSON_CreateBool(v->boolean);
    case CRMGOV_VALUE_NUMBER:
        return cJSON_CreateNumber(v->number);
    case CRMGOV_VALUE_STRING:
        return cJSON_CreateString(v->string ? v->string : "");
    case CRMGOV_VALUE_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < v->n_items; i++)
            cJSON_AddItemToArray(a, value_to_cjson(&v->items[i]));
        return a;
    }
    case CRMGOV_VALUE_OBJECT: {
        cJSON *o = v->string ? cJSON_Parse(v->string) : NULL;
        return o ? o : cJSON_CreateObject();
    }
    default:
        return cJSON_CreateNull();
    }
}

static cJSON *string_list(const char *const *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i] ? items[i] : ""));
    return a;
}

static void add_opt_string(cJSON *o, const char *name, const char *value)
{
    if (value)
        cJSON_AddStringToObject(o, name, value);
}

static cJSON *action_to_cjson(const struct crmgov_action *act)
{
    cJSON *o = cJSON_CreateObject();
    const char *type = act->type == CRMGOV_ACTION_OTHER
                           ? (act->type_name ? act->type_name : "other")
                           : name_of(&names_action, (int)act->type);
    cJSON_AddStringToObject(o, "type", type);
    add_opt_string(o, "field", act->field);
    if (act->type == CRMGOV_ACTION_SET_FIELD && act->value.type != CRMGOV_VALUE_NONE)
        cJSON_AddItemToObject(o, "value", value_to_cjson(&act->value));
    add_opt_string(o, "to", act->to);
    add_opt_string(o, "url", act->url);
    add_opt_string(o, "target", act->target);
    add_opt_string(o, "object", act->object);
    return o;
}

cJSON *automation_to_cjson(const struct crmgov_automation *a)
{
    cJSON *o = cJSON_CreateObject();
    add_opt_string(o, "id", a->id);
    add_opt_string(o, "name", a->name);
    cJSON_AddStringToObject(o, "kind", name_of(&names_kind, (int)a->kind));
    add_opt_string(o, "object", a->object);
    cJSON *t = cJSON_AddObjectToObject(o, "trigger");
    cJSON_AddStringToObject(t, "on", name_of(&names_trigger_on, (int)a->trigger.on));
    if (a->trigger.n_fields)
        cJSON_AddItemToObject(t, "fields", string_list(a->trigger.fields, a->trigger.n_fields));
    cJSON *conds = cJSON_AddArrayToObject(o, "conditions");
    for (size_t i = 0; i < a->n_conditions; i++) {
        const struct crmgov_condition *c = &a->conditions[i];
        cJSON *co = cJSON_CreateObject();
        add_opt_string(co, "field", c->field);
        cJSON_AddStringToObject(co, "op", name_of(&names_op, (int)c->op));
        if (c->value.type != CRMGOV_VALUE_NONE)
            cJSON_AddItemToObject(co, "value", value_to_cjson(&c->value));
        cJSON_AddItemToArray(conds, co);
    }
    cJSON *acts = cJSON_AddArrayToObject(o, "actions");
    for (size_t i = 0; i < a->n_actions; i++)
        cJSON_AddItemToArray(acts, action_to_cjson(&a->actions[i]));
    cJSON_AddStringToObject(o, "status", name_of(&names_status, (int)a->status));
    add_opt_string(o, "modified_by", a->modified_by);
    if (a->attributes_json) {
        cJSON *attrs = cJSON_Parse(a->attributes_json);
        if (attrs)
            cJSON_AddItemToObject(o, "attributes", attrs);
    }
    return o;
}

static void add_payload(cJSON *o, const struct crmgov_event *ev)
{
    switch (ev->topic) {
    case CRMGOV_TOPIC_EXECUTION: {
        const struct crmgov_execution *x = ev->u.execution;
        add_opt_string(o, "automation", x->automation);
        add_opt_string(o, "object", x->object);
        add_opt_string(o, "record", x->record);
        cJSON_AddStringToObject(o, "status", name_of(&names_exec_status, (int)x->status));
        add_opt_string(o, "error", x->error);
        if (x->duration_ms >= 0)
            cJSON_AddNumberToObject(o, "duration_ms", (double)x->duration_ms);
        if (x->n_notified)
            cJSON_AddItemToObject(o, "notified", string_list(x->notified, x->n_notified));
        return;
    }
    case CRMGOV_TOPIC_RECORD: {
        const struct crmgov_record *r = ev->u.record;
        add_opt_string(o, "object", r->object);
        add_opt_string(o, "id", r->id);
        cJSON_AddStringToObject(o, "op", name_of(&names_record_op, (int)r->op));
        cJSON *ch = cJSON_AddObjectToObject(o, "changes");
        for (size_t i = 0; i < r->n_changes; i++) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, value_to_cjson(&r->changes[i].old_value));
            cJSON_AddItemToArray(pair, value_to_cjson(&r->changes[i].new_value));
            cJSON_AddItemToObject(ch, r->changes[i].field, pair);
        }
        return;
    }
    case CRMGOV_TOPIC_PRINCIPAL: {
        const struct crmgov_principal *u = ev->u.principal;
        add_opt_string(o, "id", u->id);
        add_opt_string(o, "name", u->name);
        add_opt_string(o, "email", u->email);
        cJSON_AddBoolToObject(o, "active", u->active);
        if (u->n_roles)
            cJSON_AddItemToObject(o, "roles", string_list(u->roles, u->n_roles));
        return;
    }
    case CRMGOV_TOPIC_OWNERSHIP: {
        const struct crmgov_ownership *w = ev->u.ownership;
        add_opt_string(o, "automation", w->automation);
        cJSON_AddStringToObject(o, "role", name_of(&names_role, (int)w->role));
        if (w->principal)
            cJSON_AddStringToObject(o, "principal", w->principal);
        else
            cJSON_AddNullToObject(o, "principal");
        add_opt_string(o, "actor", w->actor);
        add_opt_string(o, "remove_only", w->remove_only);
        return;
    }
    case CRMGOV_TOPIC_CHANGE: {
        const struct crmgov_change *c = ev->u.change;
        add_opt_string(o, "id", c->id);
        add_opt_string(o, "automation", c->automation);
        cJSON_AddStringToObject(o, "state", name_of(&names_change_state, (int)c->state));
        add_opt_string(o, "author", c->author);
        cJSON_AddItemToObject(o, "approvers", string_list(c->approvers, c->n_approvers));
        add_opt_string(o, "definition_hash", c->definition_hash);
        if (c->has_status)
            cJSON_AddStringToObject(o, "status", name_of(&names_status, (int)c->status));
        return;
    }
    case CRMGOV_TOPIC_FINDING: {
        const struct crmgov_finding *f = ev->u.finding;
        add_opt_string(o, "rule", f->rule);
        add_opt_string(o, "name", f->name);
        add_opt_string(o, "layer", f->layer);
        cJSON_AddStringToObject(o, "severity", name_of(&names_severity, (int)f->severity));
        add_opt_string(o, "automation", f->automation);
        add_opt_string(o, "subject", f->subject);
        add_opt_string(o, "message", f->message);
        cJSON *evidence = f->evidence_json ? cJSON_Parse(f->evidence_json) : NULL;
        cJSON_AddItemToObject(o, "evidence", evidence ? evidence : cJSON_CreateObject());
        cJSON_AddStringToObject(o, "state", name_of(&names_finding_state, (int)f->state));
        cJSON_AddStringToObject(o, "transition",
                                name_of(&names_transition, (int)f->transition));
        return;
    }
    default:
        return;
    }
}

cJSON *event_to_cjson(const struct crmgov_event *ev)
{
    cJSON *o;
    if (ev->topic == CRMGOV_TOPIC_AUTOMATION) {
        cJSON *a = automation_to_cjson(ev->u.automation);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "automation");
        cJSON_AddStringToObject(o, "system", ev->system ? ev->system : "");
        char at[32];
        cJSON_AddStringToObject(o, "at", time_format_rfc3339(ev->at, at));
        while (a->child) {
            cJSON *m = cJSON_DetachItemViaPointer(a, a->child);
            cJSON_AddItemToObject(o, m->string, m);
        }
        cJSON_Delete(a);
        return o;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", name_of(&names_topic, (int)ev->topic));
    cJSON_AddStringToObject(o, "system", ev->system ? ev->system : "");
    char at[32];
    cJSON_AddStringToObject(o, "at", time_format_rfc3339(ev->at, at));
    add_payload(o, ev);
    return o;
}

void event_to_json(const struct crmgov_event *ev, struct strbuf *out)
{
    cJSON *o = event_to_cjson(ev);
    char *text = cJSON_PrintUnformatted(o);
    sb_adds(out, text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(o);
}

/* ------------------------------------------------------------------------ */
/* copying what plugins publish                                              */

static struct event_box *copy_finding(const struct crmgov_event *ev, struct strbuf *why)
{
    const struct crmgov_finding *f = ev->u.finding;
    if (!f || !f->rule || !f->name || !f->message) {
        sb_reset(why);
        sb_adds(why, "a finding needs rule, name and message");
        return NULL;
    }
    struct event_box *box = box_new();
    struct arena *a = &box->arena;
    struct crmgov_finding *c = arena_alloc(a, sizeof(*c));
    size_t n = f->struct_size < sizeof(*c) ? f->struct_size : sizeof(*c);
    memcpy(c, f, n);
    c->struct_size = sizeof(*c);
    c->rule = arena_strdup(a, f->rule);
    c->name = arena_strdup(a, f->name);
    c->layer = arena_strdup(a, f->layer);
    c->system = arena_strdup(a, f->system ? f->system : ev->system);
    c->automation = arena_strdup(a, f->automation);
    c->subject = arena_strdup(a, f->subject);
    c->message = arena_strdup(a, f->message);
    c->evidence_json = arena_strdup(a, f->evidence_json);
    /* the publisher's struct may be an older, shorter one (ABI 1.0 has no
     * automation_key); what it lacks stays zero, and the key is the core's */
    memcpy(&box->ev, ev, ev->struct_size < sizeof(box->ev) ? ev->struct_size : sizeof(box->ev));
    box->ev.struct_size = sizeof(box->ev);
    box->ev.automation_key = 0;
    box->ev.system = c->system;
    box->ev.source = arena_strdup(a, ev->source);
    box->ev.u.finding = c;
    return box;
}

struct event_box *event_copy(const struct crmgov_event *ev, struct strbuf *why)
{
    if (ev->topic == CRMGOV_TOPIC_FINDING)
        return copy_finding(ev, why);
    if (ev->topic == CRMGOV_TOPIC_TICK) {
        sb_reset(why);
        sb_adds(why, "ticks come from the core only");
        return NULL;
    }
    if (!ev->u.none) {
        sb_reset(why);
        sb_adds(why, "event without payload");
        return NULL;
    }
    cJSON *o = event_to_cjson(ev);
    struct event_box *box = event_from_cjson(o, ev->source, ev->source_line, why);
    cJSON_Delete(o);
    return box;
}
