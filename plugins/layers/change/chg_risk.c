/*
 * chg_risk.c -- the risk assessment of a change: a level (low, medium, high,
 * critical) and the reasons for it, each reason with its own level; the
 * change's level is the highest reason.
 *
 *   critical  closes a trigger cycle; creates a write conflict on a critical
 *             field
 *   high      creates a write conflict; writes a critical field; blast radius
 *             >= blast_high record changes a day; sets off >= downstream_high
 *             automations
 *   medium    creates a duplicate action; blast radius >= blast_medium; sets
 *             off another automation; reaches >= recipients_medium people;
 *             switches an inactive automation back on
 *   low       everything else (a new automation, a deactivation...)
 *
 * "Creates" means: present once the change is made and absent before it --
 * the engine deltas of that very change, netted (chg_findings.c). Problems
 * that were already there are listed as `existing`, never counted again: the
 * change did not cause them, and a review of an automation that sits in a
 * known cycle must not need more approvers than the cycle's own fix would.
 * The blast radius is the average daily record changes of the trigger's kind
 * (creates for create, updates for update...) on the trigger object over
 * blast_window, from the store's per-object daily counts.
 */
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

static const char *const kind_names[] = { "new", "modify", "status", "confirm" };

const char *chg_kind_name(int kind)
{
    return kind >= 0 && kind <= 3 ? kind_names[kind] : "modify";
}

struct assessment {
    cJSON *root, *reasons;
    int level;
};

static void reason(struct assessment *as, const char *factor, int level, char *text)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "factor", factor);
    cJSON_AddStringToObject(r, "level", chg_level_name(level));
    cJSON_AddStringToObject(r, "text", text);
    cJSON_AddItemToArray(as->reasons, r);
    if (level > as->level)
        as->level = level;
    free(text);
}

static cJSON *found_json(const struct chg_layer *l, const struct chg_found *f)
{
    static const char *const sev[] = { "info", "low", "medium", "high", "critical" };
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", f->rule);
    cJSON_AddStringToObject(o, "system", chg_str(&l->st, f->sys));
    cJSON_AddStringToObject(o, "automation", f->automation);
    cJSON_AddStringToObject(o, "subject", f->subject);
    cJSON_AddStringToObject(o, "severity", sev[f->severity]);
    cJSON_AddStringToObject(o, "message", f->message);
    cJSON *ev = cJSON_Parse(f->evidence);
    cJSON_AddItemToObject(o, "evidence", ev ? ev : cJSON_CreateObject());
    return o;
}

static void created_problems(struct chg_layer *l, struct assessment *as, uint32_t id,
                             const struct chg_collect *c)
{
    cJSON *conflicts = cJSON_AddArrayToObject(as->root, "conflicts");
    cJSON *cycles = cJSON_AddArrayToObject(as->root, "cycles");
    cJSON *duplicates = cJSON_AddArrayToObject(as->root, "duplicates");
    cJSON *resolves = cJSON_AddArrayToObject(as->root, "resolves");
    cJSON *existing = cJSON_AddArrayToObject(as->root, "existing");
    for (size_t i = 0; c && i < c->n; i++) {
        const struct chg_found *f = &c->items[i];
        if (!chg_found_involves(f, id))
            continue;
        if (f->net < 0) {
            cJSON_AddItemToArray(resolves, found_json(l, f));
            continue;
        }
        if (f->net == 0) {
            if (f->last_appear)
                cJSON_AddItemToArray(existing, found_json(l, f));
            continue;
        }
        if (strcmp(f->rule, "CHG003") == 0) {
            cJSON *item = found_json(l, f);
            const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(item, "evidence"), "path"));
            reason(as, "cycle", CHG_LEVEL_CRITICAL,
                   chg_xasprintf("closes the trigger cycle %s", path ? path : f->subject));
            cJSON_AddItemToArray(cycles, item);
        } else if (strcmp(f->rule, "CHG002") == 0) {
            cJSON_AddItemToArray(conflicts, found_json(l, f));
            int critical = f->severity == CRMGOV_SEVERITY_CRITICAL;
            reason(as, "conflict", critical ? CHG_LEVEL_CRITICAL : CHG_LEVEL_HIGH,
                   chg_xasprintf("write conflict%s: %s", critical ? " on a critical field" : "",
                                 f->message));
        } else {
            cJSON_AddItemToArray(duplicates, found_json(l, f));
            reason(as, "duplicate", CHG_LEVEL_MEDIUM,
                   chg_xasprintf("duplicate action: %s", f->message));
        }
    }
}

static void critical_fields(struct chg_layer *l, struct assessment *as, const struct chg_def *d)
{
    cJSON *list = cJSON_AddArrayToObject(as->root, "critical_fields");
    struct chg_buf text = { 0 };
    for (uint32_t i = 0; i < d->n_writes; i++) {
        const struct chg_write *w = &d->writes[i];
        if (!chg_field_is_critical(l, w->obj, w->field))
            continue;
        char *name = chg_xasprintf("%s.%s", chg_str(&l->st, w->obj), chg_str(&l->st, w->field));
        int seen = 0;
        for (const cJSON *x = list->child; x; x = x->next)
            seen |= strcmp(x->valuestring, name) == 0;
        if (!seen) {
            cJSON_AddItemToArray(list, cJSON_CreateString(name));
            chg_buf_addf(&text, "%s%s", text.len ? ", " : "", name);
        }
        free(name);
    }
    if (text.len)
        reason(as, "critical_field", CHG_LEVEL_HIGH,
               chg_xasprintf("writes critical field%s %s", list->child->next ? "s" : "",
                             chg_buf_str(&text)));
    chg_buf_free(&text);
}

struct blast_sum {
    int on;
    uint64_t changes;
    uint32_t days;
};

static int add_day(void *ctx, const struct crmgov_object_daily *d)
{
    struct blast_sum *b = ctx;
    uint64_t n = 0;
    if (b->on == CRMGOV_ON_CREATE || b->on == CRMGOV_ON_CREATE_OR_UPDATE)
        n += d->creates;
    if (b->on == CRMGOV_ON_UPDATE || b->on == CRMGOV_ON_CREATE_OR_UPDATE)
        n += d->updates;
    if (b->on == CRMGOV_ON_DELETE)
        n += d->deletes;
    b->changes += n;
    b->days++;
    return 0;
}

static void blast_radius(struct chg_layer *l, struct assessment *as, uint32_t sys,
                         const struct chg_def *d)
{
    const struct crmgov_host *h = l->host;
    crmgov_time now = h->now(h);
    int record_triggered = d->on == CRMGOV_ON_CREATE || d->on == CRMGOV_ON_UPDATE ||
                           d->on == CRMGOV_ON_DELETE || d->on == CRMGOV_ON_CREATE_OR_UPDATE;
    struct blast_sum b = { d->on, 0, 0 };
    if (now != CRMGOV_TIME_NONE && record_triggered && d->obj)
        h->object_daily_scan(h, chg_str(&l->st, sys), chg_str(&l->st, d->obj),
                             now - l->opt.blast_window_ms, add_day, &b);
    if (!b.days) {
        cJSON_AddNullToObject(as->root, "blast");
        return;
    }
    double per_day = (double)b.changes / b.days;
    cJSON *o = cJSON_AddObjectToObject(as->root, "blast");
    cJSON_AddStringToObject(o, "object", chg_str(&l->st, d->obj));
    cJSON_AddNumberToObject(o, "per_day", (double)(int64_t)(per_day * 10 + 0.5) / 10);
    cJSON_AddNumberToObject(o, "days", b.days);
    int level = per_day >= (double)l->opt.blast_high     ? CHG_LEVEL_HIGH
                : per_day >= (double)l->opt.blast_medium ? CHG_LEVEL_MEDIUM
                                                         : CHG_LEVEL_LOW;
    if (level > CHG_LEVEL_LOW)
        reason(as, "blast", level,
               chg_xasprintf("fires on about %.0f %s changes a day (last %u days)", per_day,
                             chg_str(&l->st, d->obj), b.days));
}

static void downstream(struct chg_layer *l, struct assessment *as, uint32_t sys, uint32_t id)
{
    struct chg_node *n = chg_engine_node(&l->engine, sys, id);
    uint32_t count = n ? chg_engine_downstream(&l->engine, n) : 0;
    cJSON_AddNumberToObject(as->root, "downstream", count);
    if (!count)
        return;
    int level = count >= (uint64_t)l->opt.downstream_high ? CHG_LEVEL_HIGH : CHG_LEVEL_MEDIUM;
    reason(as, "downstream", level,
           chg_xasprintf("its writes can set off %u other automation%s", count,
                         count == 1 ? "" : "s"));
}

static void recipients(struct chg_layer *l, struct assessment *as, const struct chg_def *d)
{
    cJSON *list = cJSON_AddArrayToObject(as->root, "recipients");
    int n = 0;
    for (uint32_t i = 0; i < d->n_targets; i++) {
        const char *to = chg_str(&l->st, d->targets[i].to);
        int seen = 0;
        for (const cJSON *x = list->child; x; x = x->next)
            seen |= strcmp(x->valuestring, to) == 0;
        if (!seen) {
            cJSON_AddItemToArray(list, cJSON_CreateString(to));
            n++;
        }
    }
    if (n >= l->opt.recipients_medium)
        reason(as, "recipients", CHG_LEVEL_MEDIUM,
               chg_xasprintf("reaches %d people (notify, assign, task, email)", n));
}

cJSON *chg_risk_assess(struct chg_layer *l, uint32_t sys, uint32_t id, const struct chg_def *def,
                       int kind, int status, int was_active, const struct chg_collect *c,
                       int *level)
{
    struct assessment as = { cJSON_CreateObject(), NULL, CHG_LEVEL_LOW };
    cJSON_AddStringToObject(as.root, "level", "low");
    as.reasons = cJSON_AddArrayToObject(as.root, "reasons");
    if (kind == CHG_KIND_NEW)
        reason(&as, "new", CHG_LEVEL_LOW, chg_xstrdup("a new automation"));
    if (status != CRMGOV_STATUS_ACTIVE)
        reason(&as, status == CRMGOV_STATUS_DELETED ? "deletion" : "deactivation", CHG_LEVEL_LOW,
               chg_xasprintf("the automation will be %s",
                             status == CRMGOV_STATUS_DELETED ? "deleted" : "inactive"));
    else if (!was_active && kind != CHG_KIND_NEW)
        reason(&as, "reactivation", CHG_LEVEL_MEDIUM,
               chg_xstrdup("switches an inactive automation back on"));
    created_problems(l, &as, id, c);
    if (def && status == CRMGOV_STATUS_ACTIVE) {
        critical_fields(l, &as, def);
        blast_radius(l, &as, sys, def);
        downstream(l, &as, sys, id);
        recipients(l, &as, def);
    } else {
        cJSON_AddArrayToObject(as.root, "critical_fields");
        cJSON_AddNullToObject(as.root, "blast");
        cJSON_AddNumberToObject(as.root, "downstream", 0);
        cJSON_AddArrayToObject(as.root, "recipients");
    }
    cJSON_ReplaceItemInObject(as.root, "level", cJSON_CreateString(chg_level_name(as.level)));
    *level = as.level;
    return as.root;
}

struct chg_def *chg_whatif_begin(struct chg_layer *l, uint32_t sys, uint32_t id,
                                 struct chg_def *def, struct chg_collect *out)
{
    struct chg_collect *saved = l->collect;
    l->collect = out;
    struct chg_def *previous = chg_engine_put(&l->engine, sys, id, def);
    l->collect = saved;
    return previous;
}

struct chg_def *chg_whatif_end(struct chg_layer *l, uint32_t sys, uint32_t id,
                               struct chg_def *previous)
{
    struct chg_collect *saved = l->collect;
    l->collect = NULL;
    struct chg_def *proposal = chg_engine_put(&l->engine, sys, id, previous);
    l->collect = saved;
    l->engine.truncated = 0;
    return proposal;
}
