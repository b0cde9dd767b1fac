/*
 * chg_findings.c -- turns what the analysis engine reports (a pair or a
 * cycle appeared or disappeared) into CHG002 / CHG003 / CHG006 findings, or
 * into the lists a risk report shows.
 *
 * A delta is rendered at once -- rule, key, message, evidence -- because the
 * engine frees a disappearing record right after telling. Deltas are
 * collected per operation and netted by finding key: replacing a definition
 * removes and re-adds its pairs, and a conflict that survives the change must
 * neither be resolved nor re-announced (sinks hear about transitions only).
 * Keys follow docs/rules.md exactly: the lexically smaller automation of a
 * pair, `OTHER:FIELD` (`OTHER:OBJECT.FIELD` for another object's field),
 * `OTHER:TYPE:RECIPIENT` / `OTHER:set:FIELD` for duplicates, and the sorted
 * member ids joined with ',' for a cycle (its smallest member as automation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

static const char *action_word(int type)
{
    switch (type) {
    case CRMGOV_ACTION_NOTIFY:
        return "notify";
    case CRMGOV_ACTION_ASSIGN:
        return "assign";
    case CRMGOV_ACTION_CREATE_TASK:
        return "create_task";
    case CRMGOV_ACTION_EMAIL:
        return "email";
    default:
        return "set";
    }
}

static const char *action_phrase(int type)
{
    switch (type) {
    case CRMGOV_ACTION_NOTIFY:
        return "notify";
    case CRMGOV_ACTION_ASSIGN:
        return "assign the record to";
    case CRMGOV_ACTION_CREATE_TASK:
        return "create a task for";
    default:
        return "email";
    }
}

int chg_field_is_critical(const struct chg_layer *l, uint32_t obj, uint32_t field)
{
    for (uint32_t i = 0; i < l->opt.n_critical; i++)
        if (l->opt.critical[2 * i] == obj && l->opt.critical[2 * i + 1] == field)
            return 1;
    return 0;
}

/* ---- the collector ------------------------------------------------------------ */

void chg_collect_init(struct chg_collect *c)
{
    memset(c, 0, sizeof(*c));
}

void chg_collect_free(struct chg_collect *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].automation);
        free(c->items[i].subject);
        free(c->items[i].message);
        free(c->items[i].evidence);
        free(c->items[i].members);
    }
    free(c->items);
    chg_map_free(&c->by_key);
    memset(c, 0, sizeof(*c));
}

static uint32_t text_hash(const char *parts[4])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 4; i++) {
        for (const char *s = parts[i]; *s; s++) {
            h ^= (unsigned char)*s;
            h *= 16777619u;
        }
        h ^= 0x1f;
        h *= 16777619u;
    }
    return h;
}

static int same_key(const struct chg_found *f, const char *rule, uint32_t sys,
                    const char *automation, const char *subject)
{
    return f->sys == sys && strcmp(f->rule, rule) == 0 && strcmp(f->automation, automation) == 0 &&
           strcmp(f->subject, subject) == 0;
}

/* The entry for this key, created when new (then it owns nothing yet). */
static struct chg_found *entry(struct chg_collect *c, const char *rule, uint32_t sys,
                               const char *automation, const char *subject)
{
    char sysnum[16];
    snprintf(sysnum, sizeof(sysnum), "%u", sys);
    const char *parts[4] = { rule, sysnum, automation, subject };
    uint32_t h = text_hash(parts);
    uint32_t probe = 0;
    for (;; probe++) {
        struct chg_key k = { 1, h, probe, 0 };
        uintptr_t at = (uintptr_t)chg_map_get(&c->by_key, k);
        if (!at) {
            if (c->n == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 16;
                c->items = chg_xrealloc(c->items, c->cap * sizeof(*c->items));
            }
            struct chg_found *f = &c->items[c->n++];
            memset(f, 0, sizeof(*f));
            f->rule = rule;
            f->sys = sys;
            f->automation = chg_xstrdup(automation);
            f->subject = chg_xstrdup(subject);
            chg_map_put(&c->by_key, k, (void *)(uintptr_t)c->n);
            return f;
        }
        struct chg_found *f = &c->items[at - 1];
        if (same_key(f, rule, sys, automation, subject))
            return f;
    }
}

static void note(struct chg_collect *c, int appear, const char *rule, uint32_t sys,
                 const char *automation, const char *subject, int severity, char *message,
                 cJSON *evidence, const uint32_t *members, uint32_t n_members)
{
    struct chg_found *f = entry(c, rule, sys, automation, subject);
    f->net += appear ? 1 : -1;
    f->last_appear = appear;
    f->severity = severity;
    free(f->message);
    free(f->evidence);
    f->message = message;
    f->evidence = cJSON_PrintUnformatted(evidence);
    if (!f->evidence)
        abort();
    cJSON_Delete(evidence);
    free(f->members);
    f->members = chg_xmalloc(n_members * sizeof(uint32_t));
    memcpy(f->members, members, n_members * sizeof(uint32_t));
    f->n_members = n_members;
}

int chg_found_involves(const struct chg_found *f, uint32_t id)
{
    for (uint32_t i = 0; i < f->n_members; i++)
        if (f->members[i] == id)
            return 1;
    return 0;
}

/* ---- rendering a pair ------------------------------------------------------------ */

static const struct chg_write *write_of(const struct chg_def *d, uint16_t action, uint32_t obj,
                                        uint32_t field)
{
    for (uint32_t i = 0; i < d->n_writes; i++)
        if (d->writes[i].action == action && d->writes[i].obj == obj &&
            d->writes[i].field == field)
            return &d->writes[i];
    return NULL;
}

static void add_value(struct chg_layer *l, cJSON *obj, const char *name, const struct chg_write *w)
{
    if (!w || w->value.type == CHG_VAL_UNKNOWN) {
        cJSON_AddStringToObject(obj, name, "(computed)");
        return;
    }
    char *text = chg_value_json(&l->st, &w->value);
    cJSON *v = cJSON_Parse(text);
    cJSON_AddItemToObject(obj, name, v ? v : cJSON_CreateNull());
    free(text);
}

static char *shown_value(struct chg_layer *l, const struct chg_write *w)
{
    if (!w || w->value.type == CHG_VAL_UNKNOWN)
        return chg_xstrdup("a computed value");
    return chg_value_json(&l->st, &w->value);
}

struct pair_view {
    const char *small, *large, *object, *field_label;
    const struct chg_write *w_small, *w_large;
    char *label;
};

static void pair_view(struct chg_layer *l, const struct chg_node *n, const struct chg_pair *p,
                      struct pair_view *v)
{
    const char *mine = chg_str(&l->st, n->id), *theirs = chg_str(&l->st, p->other->id);
    int mine_first = strcmp(mine, theirs) < 0;
    v->small = mine_first ? mine : theirs;
    v->large = mine_first ? theirs : mine;
    v->object = chg_str(&l->st, n->def->obj);
    if (p->type == CRMGOV_ACTION_SET_FIELD) {
        const struct chg_write *wm = write_of(n->def, p->mine, p->obj, p->what);
        const struct chg_write *wt = write_of(p->other->def, p->theirs, p->obj, p->what);
        v->w_small = mine_first ? wm : wt;
        v->w_large = mine_first ? wt : wm;
        v->label = p->obj != n->def->obj
                       ? chg_xasprintf("%s.%s", chg_str(&l->st, p->obj), chg_str(&l->st, p->what))
                       : chg_xstrdup(chg_str(&l->st, p->what));
    } else {
        v->w_small = v->w_large = NULL;
        v->label = chg_xstrdup(chg_str(&l->st, p->what));
    }
    v->field_label = v->label;
}

static void render_conflict(struct chg_layer *l, struct chg_collect *c, int appear,
                            const struct chg_node *n, const struct chg_pair *p,
                            const struct pair_view *v, const uint32_t members[2])
{
    char *subject = chg_xasprintf("%s:%s", v->large, v->field_label);
    char *a = shown_value(l, v->w_small), *b = shown_value(l, v->w_large);
    char *message = chg_xasprintf("%s and %s can fire on the same %s change and set %s to "
                                  "different values (%s vs %s)",
                                  v->small, v->large, v->object, v->field_label, a, b);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "object", v->object);
    cJSON_AddStringToObject(ev, "field", chg_str(&l->st, p->what));
    if (p->obj != n->def->obj)
        cJSON_AddStringToObject(ev, "written_object", chg_str(&l->st, p->obj));
    cJSON *values = cJSON_AddObjectToObject(ev, "values");
    add_value(l, values, v->small, v->w_small);
    add_value(l, values, v->large, v->w_large);
    int critical = chg_field_is_critical(l, p->obj, p->what);
    cJSON_AddBoolToObject(ev, "critical_field", critical);
    note(c, appear, "CHG002", n->sys, v->small, subject,
         critical ? CRMGOV_SEVERITY_CRITICAL : CRMGOV_SEVERITY_HIGH, message, ev, members, 2);
    free(a);
    free(b);
    free(subject);
}

static void render_duplicate(struct chg_layer *l, struct chg_collect *c, int appear,
                             const struct chg_node *n, const struct chg_pair *p,
                             const struct pair_view *v, const uint32_t members[2])
{
    const char *word = action_word(p->type);
    char *subject = chg_xasprintf("%s:%s:%s", v->large, word, v->field_label);
    char *message;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "object", v->object);
    cJSON_AddStringToObject(ev, "action", word);
    if (p->type == CRMGOV_ACTION_SET_FIELD) {
        char *value = shown_value(l, v->w_small);
        message = chg_xasprintf("%s and %s can fire on the same %s change and both set %s to %s",
                                v->small, v->large, v->object, v->field_label, value);
        free(value);
        cJSON_AddStringToObject(ev, "field", chg_str(&l->st, p->what));
        if (p->obj != n->def->obj)
            cJSON_AddStringToObject(ev, "written_object", chg_str(&l->st, p->obj));
        add_value(l, ev, "value", v->w_small);
    } else {
        message = chg_xasprintf("%s and %s can fire on the same %s change and both %s %s",
                                v->small, v->large, v->object, action_phrase(p->type),
                                v->field_label);
        cJSON_AddStringToObject(ev, "recipient", v->field_label);
    }
    note(c, appear, "CHG006", n->sys, v->small, subject, CRMGOV_SEVERITY_LOW, message, ev,
         members, 2);
    free(subject);
}

static void render_pair(struct chg_layer *l, struct chg_collect *c, int appear,
                        const struct chg_node *n, const struct chg_pair *p)
{
    struct pair_view v;
    pair_view(l, n, p, &v);
    uint32_t members[2] = { n->id < p->other->id ? n->id : p->other->id,
                            n->id < p->other->id ? p->other->id : n->id };
    if (p->rule == CHG_PAIR_CONFLICT)
        render_conflict(l, c, appear, n, p, &v, members);
    else
        render_duplicate(l, c, appear, n, p, &v, members);
    free(v.label);
}

/* ---- rendering a cycle ------------------------------------------------------------- */

static int cmp_text(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_id(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static void render_cycle(struct chg_layer *l, struct chg_collect *c, int appear,
                         const struct chg_cycle *cy)
{
    const struct chg_strtab *st = &l->st;
    const char **names = chg_xmalloc(cy->n * sizeof(char *));
    uint32_t *members = chg_xmalloc(cy->n * sizeof(uint32_t));
    struct chg_buf path = { 0 };
    cJSON *ev = cJSON_CreateObject();
    cJSON *edges = cJSON_CreateArray();
    for (uint32_t i = 0; i < cy->n; i++) {
        const struct chg_node *from = cy->path[i], *to = cy->path[(i + 1) % cy->n];
        names[i] = chg_str(st, from->id);
        members[i] = from->id;
        chg_buf_addf(&path, "%s -> ", names[i]);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "from", chg_str(st, from->id));
        cJSON_AddStringToObject(e, "to", chg_str(st, to->id));
        cJSON_AddStringToObject(e, "object", chg_str(st, to->def->obj));
        cJSON_AddStringToObject(e, "field", chg_str(st, cy->via[i].field));
        cJSON_AddItemToArray(edges, e);
    }
    chg_buf_add(&path, names[0]);
    qsort(names, cy->n, sizeof(char *), cmp_text);
    qsort(members, cy->n, sizeof(uint32_t), cmp_id);
    cJSON *m = cJSON_AddArrayToObject(ev, "members");
    for (uint32_t i = 0; i < cy->n; i++)
        cJSON_AddItemToArray(m, cJSON_CreateString(names[i]));
    cJSON_AddStringToObject(ev, "path", chg_buf_str(&path));
    cJSON_AddItemToObject(ev, "edges", edges);
    char *message = cy->n == 1
                        ? chg_xasprintf("%s triggers itself: its writes start it again (%s)",
                                        names[0], chg_buf_str(&path))
                        : chg_xasprintf("trigger cycle %s: each automation's writes can start "
                                        "the next",
                                        chg_buf_str(&path));
    note(c, appear, "CHG003", cy->sys, chg_str(st, cy->path[0]->id), chg_str(st, cy->key),
         CRMGOV_SEVERITY_HIGH, message, ev, members, cy->n);
    chg_buf_free(&path);
    free(names);
    free(members);
}

void chg_collect_delta(void *layer, const struct chg_delta *delta)
{
    struct chg_layer *l = layer;
    if (!l->collect)
        return;
    if (delta->kind == CHG_DELTA_PAIR)
        render_pair(l, l->collect, delta->appear, delta->node, delta->pair);
    else
        render_cycle(l, l->collect, delta->appear, delta->cycle);
}

void chg_collect_node(struct chg_layer *l, struct chg_collect *c, const struct chg_node *n)
{
    for (uint32_t i = 0; i < n->n_pairs; i++)
        render_pair(l, c, 1, n, &n->pairs[i]);
    for (uint32_t i = 0; i < n->cycles.n; i++)
        render_cycle(l, c, 1, n->cycles.v[i]);
}

/* ---- applying ------------------------------------------------------------------------ */

static const char *rule_name(const char *rule)
{
    if (strcmp(rule, "CHG002") == 0)
        return "write-conflict";
    if (strcmp(rule, "CHG003") == 0)
        return "trigger-cycle";
    return "duplicate-action";
}

void chg_collect_apply(struct chg_layer *l, const struct chg_collect *c, crmgov_time at)
{
    const struct crmgov_host *h = l->host;
    for (size_t i = 0; i < c->n; i++) {
        const struct chg_found *f = &c->items[i];
        const char *system = chg_str(&l->st, f->sys);
        if (f->net < 0) {
            h->finding_resolve(h, f->rule, system, f->automation, f->subject, at);
            continue;
        }
        if (f->net == 0 && !f->last_appear)
            continue;
        struct crmgov_finding finding = {
            .struct_size = sizeof(finding), .rule = f->rule, .name = rule_name(f->rule),
            .severity = (enum crmgov_severity)f->severity, .system = system,
            .automation = f->automation, .subject = f->subject, .message = f->message,
            .evidence_json = f->evidence,
        };
        h->finding_raise(h, &finding, at);
    }
}
