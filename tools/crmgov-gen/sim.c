/*
 * sim.c -- the timeline generator (see sim.h).
 *
 * Shape: per system, one record pool per object (slots are recycled when a
 * record reaches its end state, so memory follows the open pipeline, not the
 * history), and a ring of day buckets holding each record's next lifecycle
 * step. A day is generated as a list of intents (creations and due steps)
 * sorted by time and applied in order; every record change is matched
 * against the system's active automations and each match yields an execution
 * a few seconds to minutes later, whose field writes become a record update.
 *
 * Why Kronecker sequences for deal outcomes: conversion must stay flat over
 * time for every subset an automation can select (AUD004). Each stratum
 * (region x type x amount band) draws its decisions from a low-discrepancy
 * sequence, so any union of strata converts at almost exactly the configured
 * rate in every window, where independent coin flips would drift.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>

#define RING_DAYS 64
#define DAY 86400
#define BUSINESS_START (7 * 3600)
#define BUSINESS_SPAN (12 * 3600)
#define NULLV (-1)
#define INT_NULL INT32_MIN
#define STRATA (REGION_COUNT * 3 * 3)
#define DECISIONS 3

enum intent_kind {
    K_LEAD_CREATE = 0, K_LEAD_WORK, K_LEAD_QUALIFY, K_LEAD_CLOSE, K_LEAD_SCORE, K_LEAD_EMAIL,
    K_DEAL_PROPOSAL, K_DEAL_NEGOTIATE, K_DEAL_CLOSE, K_DEAL_AMOUNT,
    K_TICKET_CREATE, K_TICKET_PROGRESS, K_TICKET_CLOSE, K_TICKET_ESCALATE,
    K_CONTACT_CREATE, K_CONTACT_PHONE, K_CONTACT_DELETE, K_CONTACT_RETIRE
};

enum { OPR_CREATE = 0, OPR_UPDATE, OPR_DELETE };

typedef struct sim_record {
    uint32_t num;
    int32_t v[CAT_FIELDS_MAX];
    uint32_t link_slot, link_num; /* deal -> contact */
    uint32_t *out;                /* (field id << 16) | value id */
    uint16_t nout, capout;
    uint8_t alive;
    uint8_t stratum;
    uint32_t live_pos;
} sim_record;

typedef struct sim_pool {
    sim_record *recs;
    uint32_t n, cap;
    uint32_t *freelist;
    uint32_t nfree, capfree;
    uint32_t *live;
    uint32_t nlive, caplive;
    uint32_t next_num;
} sim_pool;

typedef struct sim_task {
    uint32_t slot, num;
    uint8_t kind;
} sim_task;

typedef struct sim_bucket {
    sim_task *items;
    uint32_t n, cap;
} sim_bucket;

typedef struct sim_intent {
    int64_t at;
    uint32_t order;
    uint32_t slot, num;
    uint8_t kind;
} sim_intent;

typedef struct sim_system {
    sim_pool pools[OBJ_COUNT];
    sim_bucket ring[RING_DAYS];
    double intake_acc[OBJ_COUNT];
    double weyl_x[STRATA][DECISIONS];
    int *by_object[OBJ_COUNT];
    int nby_object[OBJ_COUNT];
    int lists_for; /* nautos the lists were built for */
} sim_system;

struct gen_sim {
    gen_world *w;
    emitter *em;
    gen_rng rng_life;  /* record lifecycles */
    gen_rng rng_exec;  /* execution timing and outcome */
    gen_rng rng_ops;   /* reviews, modifications, people */
    int day;
    double nominal_days;
    sim_intent *intents;
    uint32_t nintents, capintents;
};

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return p;
    uint32_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * size);
    if (!q) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    *cap = n;
    return q;
}

int64_t sim_day_start(const gen_sim *sim, int day)
{
    return (sim->w->opt.start_day + day) * (int64_t)DAY;
}

/* ---- record pools ------------------------------------------------------- */

static uint32_t pool_alloc(sim_pool *p)
{
    uint32_t slot;
    if (p->nfree) {
        slot = p->freelist[--p->nfree];
    } else {
        p->recs = grow(p->recs, &p->cap, p->n + 1, sizeof *p->recs);
        slot = p->n++;
        p->recs[slot].out = NULL;
        p->recs[slot].capout = 0;
    }
    sim_record *r = &p->recs[slot];
    uint32_t *out = r->out;
    uint16_t capout = r->capout;
    memset(r, 0, sizeof *r);
    r->out = out;
    r->capout = capout;
    r->num = p->next_num++;
    r->alive = 1;
    p->live = grow(p->live, &p->caplive, p->nlive + 1, sizeof *p->live);
    r->live_pos = p->nlive;
    p->live[p->nlive++] = slot;
    return slot;
}

static void pool_release(sim_pool *p, uint32_t slot)
{
    sim_record *r = &p->recs[slot];
    if (!r->alive)
        return;
    r->alive = 0;
    uint32_t last = p->live[--p->nlive];
    p->live[r->live_pos] = last;
    p->recs[last].live_pos = r->live_pos;
    p->freelist = grow(p->freelist, &p->capfree, p->nfree + 1, sizeof *p->freelist);
    p->freelist[p->nfree++] = slot;
}

static sim_record *pool_get(sim_pool *p, uint32_t slot, uint32_t num)
{
    if (slot >= p->n)
        return NULL;
    sim_record *r = &p->recs[slot];
    return r->alive && r->num == num ? r : NULL;
}

static void schedule_task(gen_sim *sim, sim_system *ss, int day, uint32_t slot, uint32_t num, int kind)
{
    sim_bucket *b = &ss->ring[day % RING_DAYS];
    b->items = grow(b->items, &b->cap, b->n + 1, sizeof *b->items);
    b->items[b->n++] = (sim_task){slot, num, (uint8_t)kind};
    (void)sim;
}

/* ---- low-discrepancy decisions ------------------------------------------ */

static int weyl_decide(sim_system *ss, int stratum, int decision, double p)
{
    static const double alpha[DECISIONS] = {0.6180339887498949, 0.4142135623730951,
                                            0.7320508075688772};
    double x = ss->weyl_x[stratum][decision] + alpha[decision];
    if (x >= 1.0)
        x -= 1.0;
    ss->weyl_x[stratum][decision] = x;
    return x < p;
}

/* ---- JSON pieces -------------------------------------------------------- */

static void put_record_id(gen_buf *b, int obj, uint32_t num)
{
    gen_buf_putc(b, '"');
    gen_buf_puts(b, cat_object_get(obj)->id_prefix);
    gen_buf_put_int(b, num);
    gen_buf_putc(b, '"');
}

static void put_field_value(gen_buf *b, const gen_system *s, int obj, int slot, int32_t v,
                            uint32_t num)
{
    const cat_field *f = &cat_object_get(obj)->fields[slot];
    switch (f->kind) {
    case FK_ENUM:
        if (v == NULLV)
            GEN_PUT_LIT(b, "null");
        else {
            gen_buf_putc(b, '"');
            gen_buf_puts(b, f->values[v]);
            gen_buf_putc(b, '"');
        }
        break;
    case FK_INT:
        if (v == INT_NULL)
            GEN_PUT_LIT(b, "null");
        else
            gen_buf_put_int(b, v);
        break;
    case FK_TEXT:
        if (v == NULLV) {
            GEN_PUT_LIT(b, "null");
        } else { /* synthetic but stable per record */
            gen_buf_putc(b, '"');
            if (slot == cat_field_slot(obj, "phone")) {
                GEN_PUT_LIT(b, "+1-555-");
                gen_buf_put_int(b, 100000 + num);
            } else {
                gen_buf_puts(b, cat_object_get(obj)->name);
                gen_buf_put_int(b, num);
                GEN_PUT_LIT(b, "@mail.example.net");
            }
            gen_buf_putc(b, '"');
        }
        break;
    case FK_USER:
        if (v == NULLV)
            GEN_PUT_LIT(b, "null");
        else
            gen_buf_put_json_string(b, s->users[v].id);
        break;
    }
}

static void put_change(gen_buf *b, int *first, const char *field)
{
    if (!*first)
        gen_buf_putc(b, ',');
    *first = 0;
    gen_buf_putc(b, '"');
    gen_buf_puts(b, field);
    GEN_PUT_LIT(b, "\":[");
}

/* ---- automations: matching and executions ------------------------------ */

static void rebuild_lists(gen_system *s)
{
    sim_system *ss = s->sim;
    for (int o = 0; o < OBJ_COUNT; o++) {
        free(ss->by_object[o]);
        ss->by_object[o] = malloc(sizeof(int) * (size_t)(s->nautos + 1));
        if (!ss->by_object[o]) {
            fputs("crmgov-gen: out of memory\n", stderr);
            abort();
        }
        ss->nby_object[o] = 0;
    }
    for (int i = 0; i < s->nautos; i++) {
        int o = s->autos[i].object;
        if (o >= 0 && o < OBJ_COUNT)
            ss->by_object[o][ss->nby_object[o]++] = i;
    }
    ss->lists_for = s->nautos;
}

static int cond_holds(const compiled_cond *c, const sim_record *r, uint32_t changed, int obj)
{
    if (c->slot < 0)
        return 0;
    int32_t v = r->v[c->slot];
    enum cat_field_kind kind = cat_object_get(obj)->fields[c->slot].kind;
    int is_null = kind == FK_INT ? v == INT_NULL : v == NULLV;
    switch (c->op) {
    case OP_SET:
        return !is_null;
    case OP_UNSET:
        return is_null;
    case OP_CHANGED:
        return (changed >> c->slot) & 1u;
    case OP_EQ:
        return !is_null && v == c->num;
    case OP_NE:
        return is_null || v != c->num;
    case OP_IN:
        return !is_null && kind == FK_ENUM && ((c->mask >> v) & 1u);
    case OP_NOT_IN:
        return is_null || kind != FK_ENUM || !((c->mask >> v) & 1u);
    case OP_GT:
        return !is_null && v > c->num;
    case OP_LT:
        return !is_null && v < c->num;
    }
    return 0;
}

static int trigger_fires(const gen_automation *a, int op, uint32_t changed)
{
    switch (op) {
    case OPR_CREATE:
        return (a->fire_on & ((1u << ON_CREATE) | (1u << ON_CREATE_OR_UPDATE))) != 0;
    case OPR_DELETE:
        return (a->fire_on & (1u << ON_DELETE)) != 0;
    default:
        if (!(a->fire_on & ((1u << ON_UPDATE) | (1u << ON_CREATE_OR_UPDATE))))
            return 0;
        if (a->filter_unknown)
            return 0;
        return a->field_mask == 0 || (a->field_mask & changed) != 0;
    }
}

static uint32_t record_out_find(const sim_record *r, int field)
{
    for (uint16_t i = 0; i < r->nout; i++)
        if ((int)(r->out[i] >> 16) == field)
            return i;
    return UINT32_MAX;
}

static void record_out_set(sim_record *r, int field, int value)
{
    uint32_t i = record_out_find(r, field);
    uint32_t packed = ((uint32_t)field << 16) | (uint32_t)value;
    if (i != UINT32_MAX) {
        r->out[i] = packed;
        return;
    }
    if (r->nout == r->capout) {
        uint16_t cap = r->capout ? (uint16_t)(r->capout * 2) : 4;
        uint32_t *p = realloc(r->out, cap * sizeof *p);
        if (!p) {
            fputs("crmgov-gen: out of memory\n", stderr);
            abort();
        }
        r->out = p;
        r->capout = cap;
    }
    r->out[r->nout++] = packed;
}

/* Applies an execution's writes and emits them as one record update. */
static void apply_writes(gen_sim *sim, gen_system *s, const gen_automation *a, int obj,
                         sim_record *r, int64_t at)
{
    gen_buf *b = NULL;
    int first = 1;
    int owner_slot = cat_field_slot(obj, "owner_id");
    for (int i = 0; i < a->nwrites; i++) {
        const compiled_write *cw = &a->writes[i];
        if (cw->out_field < 0) {
            if (owner_slot < 0 || r->v[owner_slot] == cw->value)
                continue;
            if (!b)
                b = sim_event_begin(sim, "record", s, at);
            if (first) {
                GEN_PUT_LIT(b, ",\"object\":\"");
                gen_buf_puts(b, cat_object_get(obj)->name);
                GEN_PUT_LIT(b, "\",\"id\":");
                put_record_id(b, obj, r->num);
                GEN_PUT_LIT(b, ",\"op\":\"update\",\"changes\":{");
            }
            put_change(b, &first, "owner_id");
            put_field_value(b, s, obj, owner_slot, r->v[owner_slot], r->num);
            gen_buf_putc(b, ',');
            put_field_value(b, s, obj, owner_slot, cw->value, r->num);
            gen_buf_putc(b, ']');
            r->v[owner_slot] = cw->value;
            continue;
        }
        uint32_t at_i = record_out_find(r, cw->out_field);
        int old = at_i == UINT32_MAX ? -1 : (int)(r->out[at_i] & 0xffffu);
        if (old == cw->value)
            continue;
        if (!b) {
            b = sim_event_begin(sim, "record", s, at);
        }
        if (first) {
            GEN_PUT_LIT(b, ",\"object\":\"");
            gen_buf_puts(b, cat_object_get(obj)->name);
            GEN_PUT_LIT(b, "\",\"id\":");
            put_record_id(b, obj, r->num);
            GEN_PUT_LIT(b, ",\"op\":\"update\",\"changes\":{");
        }
        put_change(b, &first, sim->w->out_fields.items[cw->out_field]);
        if (old < 0)
            GEN_PUT_LIT(b, "null");
        else
            gen_buf_puts(b, sim->w->values.items[old]);
        gen_buf_putc(b, ',');
        gen_buf_puts(b, sim->w->values.items[cw->value]);
        gen_buf_putc(b, ']');
        record_out_set(r, cw->out_field, cw->value);
    }
    if (b) {
        GEN_PUT_LIT(b, "}");
        sim_event_end(sim);
    }
}

static const char *const failure_reasons[] = {
    "UNABLE_TO_LOCK_ROW: record locked by another transaction",
    "webhook timeout after 30000 ms",
    "429 Too Many Requests from downstream API",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION: value rejected by validation rule"};

static int decide_failure(gen_sim *sim, gen_automation *a)
{
    uint32_t week = 0;
    for (int i = 0; i < 7; i++)
        week += a->day_counts[i];
    /* Only busy automations fail, at most once per 50 runs, so the 7-day
     * failure ratio stays far below AUD001's 5% in every window. */
    if (week < 40 || a->since_failure < 50)
        return 0;
    return gen_rng_chance(&sim->rng_exec, 0.004);
}

static int64_t execution_delay(gen_rng *rng)
{
    double x = gen_rng_unit(rng);
    if (x < 0.70)
        return gen_rng_range(rng, 1, 20);
    if (x < 0.95)
        return gen_rng_range(rng, 21, 180);
    return gen_rng_range(rng, 181, 840); /* always inside the 15-minute SLA */
}

static int duration_ms(gen_rng *rng, const gen_automation *a)
{
    int slow = 0;
    for (int i = 0; i < a->def.nactions; i++)
        slow |= a->def.actions[i].type == ACT_WEBHOOK || a->def.actions[i].type == ACT_CALL;
    double u = gen_rng_unit(rng);
    int base = slow ? 120 : 12;
    return base + (int)(u * u * (slow ? 1800.0 : 400.0));
}

static void fire_execution(gen_sim *sim, gen_system *s, int aidx, int obj, sim_record *r,
                           int64_t t_change)
{
    gen_automation *a = &s->autos[aidx];
    int64_t at = t_change + execution_delay(&sim->rng_exec);
    int failed = decide_failure(sim, a);
    gen_buf *b = sim_event_begin(sim, "execution", s, at);
    GEN_PUT_LIT(b, ",\"automation\":");
    gen_buf_put_json_string(b, a->id);
    GEN_PUT_LIT(b, ",\"object\":\"");
    gen_buf_puts(b, cat_object_get(obj)->name);
    GEN_PUT_LIT(b, "\",\"record\":");
    put_record_id(b, obj, r->num);
    if (failed) {
        GEN_PUT_LIT(b, ",\"status\":\"failed\",\"error\":");
        gen_buf_put_json_string(b, failure_reasons[gen_rng_below(&sim->rng_exec, 4)]);
    } else {
        GEN_PUT_LIT(b, ",\"status\":\"ok\"");
    }
    GEN_PUT_LIT(b, ",\"duration_ms\":");
    gen_buf_put_int(b, duration_ms(&sim->rng_exec, a));
    GEN_PUT_LIT(b, ",\"notified\":[");
    for (int i = 0; !failed && i < a->nnotify; i++) {
        if (i)
            gen_buf_putc(b, ',');
        gen_buf_put_json_string(b, s->users[a->notify[i]].id);
    }
    GEN_PUT_LIT(b, "]");
    sim_event_end(sim);
    a->day_counts[sim->day % 7]++;
    a->since_failure = failed ? 0 : a->since_failure + 1;
    a->last_run = at;
    if (!failed && r->alive)
        apply_writes(sim, s, a, obj, r, at);
}

static void match_automations(gen_sim *sim, gen_system *s, int obj, sim_record *r, int op,
                              uint32_t changed, int64_t at)
{
    sim_system *ss = s->sim;
    if (ss->lists_for != s->nautos)
        rebuild_lists(s);
    for (int k = 0; k < ss->nby_object[obj]; k++) {
        int idx = ss->by_object[obj][k];
        gen_automation *a = &s->autos[idx];
        if (!a->active || !trigger_fires(a, op, changed))
            continue;
        int ok = 1;
        for (int c = 0; c < a->nconds && ok; c++)
            ok = cond_holds(&a->conds[c], r, changed, obj);
        if (ok)
            fire_execution(sim, s, idx, obj, r, at);
    }
}

/* Applies new values (for slots in `changed`), emits the record event and
 * runs the automations that match. */
static void record_change(gen_sim *sim, gen_system *s, int obj, sim_record *r, int op,
                          const int32_t *newv, uint32_t changed, int64_t at)
{
    gen_buf *b = sim_event_begin(sim, "record", s, at);
    GEN_PUT_LIT(b, ",\"object\":\"");
    gen_buf_puts(b, cat_object_get(obj)->name);
    GEN_PUT_LIT(b, "\",\"id\":");
    put_record_id(b, obj, r->num);
    static const char *const ops[] = {",\"op\":\"create\"", ",\"op\":\"update\"", ",\"op\":\"delete\""};
    gen_buf_puts(b, ops[op]);
    GEN_PUT_LIT(b, ",\"changes\":{");
    int first = 1;
    const cat_object *o = cat_object_get(obj);
    for (int i = 0; i < o->nfields; i++) {
        if (!((changed >> i) & 1u))
            continue;
        put_change(b, &first, o->fields[i].name);
        if (op == OPR_CREATE)
            GEN_PUT_LIT(b, "null");
        else
            put_field_value(b, s, obj, i, r->v[i], r->num);
        gen_buf_putc(b, ',');
        put_field_value(b, s, obj, i, newv[i], r->num);
        gen_buf_putc(b, ']');
        r->v[i] = newv[i];
    }
    GEN_PUT_LIT(b, "}");
    sim_event_end(sim);
    match_automations(sim, s, obj, r, op, changed, at);
}

static void update_one(gen_sim *sim, gen_system *s, int obj, sim_record *r, int slot, int32_t v,
                       int64_t at)
{
    int32_t newv[CAT_FIELDS_MAX];
    memcpy(newv, r->v, sizeof newv);
    newv[slot] = v;
    record_change(sim, s, obj, r, OPR_UPDATE, newv, 1u << slot, at);
}

/* ---- lifecycles -------------------------------------------------------- */

static int weighted(gen_rng *rng, const double *w, int n)
{
    double x = gen_rng_unit(rng), acc = 0;
    for (int i = 0; i < n; i++) {
        acc += w[i];
        if (x < acc)
            return i;
    }
    return n - 1;
}

static uint32_t fields_mask(int obj, const int32_t *v)
{
    uint32_t m = 0;
    const cat_object *o = cat_object_get(obj);
    for (int i = 0; i < o->nfields; i++) {
        int is_null = o->fields[i].kind == FK_INT ? v[i] == INT_NULL : v[i] == NULLV;
        if (!is_null)
            m |= 1u << i;
    }
    return m;
}

static sim_record *create_record(gen_sim *sim, gen_system *s, int obj, int32_t *v, int64_t at,
                                 uint32_t *slot_out)
{
    sim_pool *p = &s->sim->pools[obj];
    uint32_t slot = pool_alloc(p);
    sim_record *r = &p->recs[slot];
    for (int i = 0; i < CAT_FIELDS_MAX; i++)
        r->v[i] = cat_object_get(obj)->fields[i].kind == FK_INT ? INT_NULL : NULLV;
    *slot_out = slot;
    record_change(sim, s, obj, r, OPR_CREATE, v, fields_mask(obj, v), at);
    return &p->recs[slot];
}

static void blank(int obj, int32_t *v)
{
    for (int i = 0; i < CAT_FIELDS_MAX; i++)
        v[i] = cat_object_get(obj)->fields[i].kind == FK_INT ? INT_NULL : NULLV;
}

static void create_contact(gen_sim *sim, gen_system *s, int region, int64_t at, uint32_t *slot,
                           uint32_t *num)
{
    gen_rng *g = &sim->rng_life;
    int32_t v[CAT_FIELDS_MAX];
    blank(OBJ_CONTACT, v);
    v[CF_LIFECYCLE] = LIFE_PROSPECT;
    v[CF_REGION] = region >= 0 ? region : (int32_t)gen_rng_below(g, REGION_COUNT);
    if (gen_rng_chance(g, 0.9))
        v[CF_EMAIL] = 1;
    if (gen_rng_chance(g, 0.5))
        v[CF_PHONE] = 1;
    sim_record *r = create_record(sim, s, OBJ_CONTACT, v, at, slot);
    *num = r->num;
    if (r->v[CF_PHONE] == NULLV && gen_rng_chance(g, 0.2))
        schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 1, 10), *slot, r->num, K_CONTACT_PHONE);
    if (gen_rng_chance(g, 0.08))
        schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 16, 40), *slot, r->num, K_CONTACT_DELETE);
    else
        schedule_task(sim, s->sim, sim->day + 45, *slot, r->num, K_CONTACT_RETIRE);
}

static void create_deal(gen_sim *sim, gen_system *s, const sim_record *lead, uint32_t contact_slot,
                        uint32_t contact_num, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    static const double band_w[3] = {0.35, 0.40, 0.25};
    static const double type_w[3] = {0.6, 0.25, 0.15};
    int32_t v[CAT_FIELDS_MAX];
    blank(OBJ_DEAL, v);
    int band = weighted(g, band_w, 3);
    int type = weighted(g, type_w, 3);
    static const int64_t lo[3] = {4, 40, 101}, hi[3] = {39, 100, 300}; /* x500 */
    v[DF_STAGE] = DEAL_NEW;
    v[DF_AMOUNT] = (int32_t)(gen_rng_range(g, lo[band], hi[band]) * 500);
    v[DF_REGION] = lead->v[LF_REGION];
    v[DF_TYPE] = type;
    v[DF_OWNER] = lead->v[LF_OWNER];
    uint32_t slot;
    sim_record *r = create_record(sim, s, OBJ_DEAL, v, at, &slot);
    r->stratum = (uint8_t)(v[DF_REGION] * 9 + type * 3 + band);
    r->link_slot = contact_slot;
    r->link_num = contact_num;
    schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 1, 3), slot, r->num, K_DEAL_PROPOSAL);
}

static void create_lead(gen_sim *sim, gen_system *s, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    static const double source_w[5] = {0.4, 0.2, 0.15, 0.15, 0.1};
    int32_t v[CAT_FIELDS_MAX];
    blank(OBJ_LEAD, v);
    v[LF_STATUS] = LEAD_NEW;
    v[LF_SOURCE] = weighted(g, source_w, 5);
    v[LF_REGION] = (int32_t)gen_rng_below(g, REGION_COUNT);
    v[LF_SCORE] = (int32_t)gen_rng_range(g, 20, 80);
    if (gen_rng_chance(g, 0.7))
        v[LF_EMAIL] = 1;
    uint32_t slot;
    sim_record *r = create_record(sim, s, OBJ_LEAD, v, at, &slot);
    schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 1, 2), slot, r->num, K_LEAD_WORK);
    if (r->v[LF_EMAIL] == NULLV && gen_rng_chance(g, 0.6))
        schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 1, 4), slot, r->num, K_LEAD_EMAIL);
}

static void create_ticket(gen_sim *sim, gen_system *s, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    static const double prio_w[4] = {0.3, 0.45, 0.2, 0.05};
    static const double chan_w[4] = {0.4, 0.2, 0.25, 0.15};
    int32_t v[CAT_FIELDS_MAX];
    blank(OBJ_TICKET, v);
    v[TF_STATUS] = TICKET_OPEN;
    v[TF_PRIORITY] = weighted(g, prio_w, 4);
    v[TF_CHANNEL] = weighted(g, chan_w, 4);
    v[TF_REGION] = (int32_t)gen_rng_below(g, REGION_COUNT);
    uint32_t slot;
    sim_record *r = create_record(sim, s, OBJ_TICKET, v, at, &slot);
    schedule_task(sim, s->sim, sim->day + (int)gen_rng_range(g, 1, 2), slot, r->num, K_TICKET_PROGRESS);
    if (gen_rng_chance(g, 0.15))
        schedule_task(sim, s->sim, sim->day + 1, slot, r->num, K_TICKET_ESCALATE);
}

static int intent_object(int kind)
{
    if (kind <= K_LEAD_EMAIL)
        return OBJ_LEAD;
    if (kind <= K_DEAL_AMOUNT)
        return OBJ_DEAL;
    if (kind <= K_TICKET_ESCALATE)
        return OBJ_TICKET;
    return OBJ_CONTACT;
}

static void step_lead(gen_sim *sim, gen_system *s, sim_record *r, uint32_t slot, int kind, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    sim_system *ss = s->sim;
    int status = r->v[LF_STATUS];
    switch (kind) {
    case K_LEAD_WORK:
        if (status != LEAD_NEW)
            return;
        update_one(sim, s, OBJ_LEAD, r, LF_STATUS, LEAD_WORKING, at);
        if (gen_rng_chance(g, 0.5))
            schedule_task(sim, ss, sim->day + 1, slot, r->num, K_LEAD_SCORE);
        schedule_task(sim, ss, sim->day + (int)gen_rng_range(g, 2, 5), slot, r->num, K_LEAD_QUALIFY);
        return;
    case K_LEAD_SCORE:
        if (status == LEAD_WORKING)
            update_one(sim, s, OBJ_LEAD, r, LF_SCORE, (int32_t)gen_rng_range(g, 0, 100), at);
        return;
    case K_LEAD_EMAIL:
        if (r->v[LF_EMAIL] == NULLV)
            update_one(sim, s, OBJ_LEAD, r, LF_EMAIL, 1, at);
        return;
    case K_LEAD_QUALIFY:
        if (status != LEAD_WORKING)
            return;
        if (gen_rng_chance(g, 0.6)) {
            update_one(sim, s, OBJ_LEAD, r, LF_STATUS, LEAD_QUALIFIED, at);
            schedule_task(sim, ss, sim->day + (int)gen_rng_range(g, 1, 4), slot, r->num, K_LEAD_CLOSE);
        } else {
            update_one(sim, s, OBJ_LEAD, r, LF_STATUS, LEAD_LOST, at);
            pool_release(&ss->pools[OBJ_LEAD], slot);
        }
        return;
    case K_LEAD_CLOSE:
        if (status != LEAD_QUALIFIED)
            return;
        if (gen_rng_chance(g, 0.7)) {
            update_one(sim, s, OBJ_LEAD, r, LF_STATUS, LEAD_CONVERTED, at);
            uint32_t cslot, cnum;
            create_contact(sim, s, r->v[LF_REGION], at + 20, &cslot, &cnum);
            /* create_contact may have grown the lead pool? no: other pool */
            create_deal(sim, s, r, cslot, cnum, at + 40);
        } else {
            update_one(sim, s, OBJ_LEAD, r, LF_STATUS, LEAD_LOST, at);
        }
        pool_release(&ss->pools[OBJ_LEAD], slot);
        return;
    default:
        return;
    }
}

static void deal_won_contact(gen_sim *sim, gen_system *s, const sim_record *deal, int64_t at)
{
    sim_record *c = pool_get(&s->sim->pools[OBJ_CONTACT], deal->link_slot, deal->link_num);
    if (c && c->v[CF_LIFECYCLE] == LIFE_PROSPECT)
        update_one(sim, s, OBJ_CONTACT, c, CF_LIFECYCLE, LIFE_CUSTOMER, at);
}

static void step_deal(gen_sim *sim, gen_system *s, sim_record *r, uint32_t slot, int kind, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    sim_system *ss = s->sim;
    int stage = r->v[DF_STAGE];
    switch (kind) {
    case K_DEAL_PROPOSAL:
        if (stage != DEAL_NEW)
            return;
        update_one(sim, s, OBJ_DEAL, r, DF_STAGE, DEAL_PROPOSAL, at);
        schedule_task(sim, ss, sim->day + (int)gen_rng_range(g, 2, 5), slot, r->num, K_DEAL_NEGOTIATE);
        return;
    case K_DEAL_NEGOTIATE:
        if (stage != DEAL_PROPOSAL)
            return;
        if (weyl_decide(ss, r->stratum, 0, 0.65)) {
            update_one(sim, s, OBJ_DEAL, r, DF_STAGE, DEAL_NEGOTIATION, at);
            if (weyl_decide(ss, r->stratum, 2, 0.3))
                schedule_task(sim, ss, sim->day + 1, slot, r->num, K_DEAL_AMOUNT);
            schedule_task(sim, ss, sim->day + (int)gen_rng_range(g, 2, 6), slot, r->num, K_DEAL_CLOSE);
        } else {
            update_one(sim, s, OBJ_DEAL, r, DF_STAGE, DEAL_LOST, at);
            pool_release(&ss->pools[OBJ_DEAL], slot);
        }
        return;
    case K_DEAL_AMOUNT: {
        if (stage != DEAL_NEGOTIATION)
            return;
        int band = r->stratum % 3;
        static const int32_t lo[3] = {2000, 20000, 50500}, hi[3] = {19500, 50000, 150000};
        int32_t amount = r->v[DF_AMOUNT] + (int32_t)gen_rng_range(g, -8, 8) * 500;
        if (amount == r->v[DF_AMOUNT])
            amount += 500;
        amount = amount < lo[band] ? lo[band] : amount > hi[band] ? hi[band] : amount;
        if (amount != r->v[DF_AMOUNT])
            update_one(sim, s, OBJ_DEAL, r, DF_AMOUNT, amount, at);
        return;
    }
    case K_DEAL_CLOSE:
        if (stage != DEAL_NEGOTIATION)
            return;
        if (weyl_decide(ss, r->stratum, 1, 0.45)) {
            update_one(sim, s, OBJ_DEAL, r, DF_STAGE, DEAL_WON, at);
            deal_won_contact(sim, s, r, at + 60);
        } else {
            update_one(sim, s, OBJ_DEAL, r, DF_STAGE, DEAL_LOST, at);
        }
        pool_release(&ss->pools[OBJ_DEAL], slot);
        return;
    default:
        return;
    }
}

static void step_ticket(gen_sim *sim, gen_system *s, sim_record *r, uint32_t slot, int kind, int64_t at)
{
    gen_rng *g = &sim->rng_life;
    sim_system *ss = s->sim;
    int status = r->v[TF_STATUS];
    switch (kind) {
    case K_TICKET_PROGRESS:
        if (status != TICKET_OPEN)
            return;
        if (gen_rng_chance(g, 0.7)) {
            update_one(sim, s, OBJ_TICKET, r, TF_STATUS, TICKET_PENDING, at);
            schedule_task(sim, ss, sim->day + (int)gen_rng_range(g, 1, 5), slot, r->num, K_TICKET_CLOSE);
        } else {
            update_one(sim, s, OBJ_TICKET, r, TF_STATUS, TICKET_CLOSED, at);
            pool_release(&ss->pools[OBJ_TICKET], slot);
        }
        return;
    case K_TICKET_CLOSE:
        if (status != TICKET_PENDING)
            return;
        update_one(sim, s, OBJ_TICKET, r, TF_STATUS, TICKET_CLOSED, at);
        pool_release(&ss->pools[OBJ_TICKET], slot);
        return;
    case K_TICKET_ESCALATE:
        if (status == TICKET_CLOSED || r->v[TF_PRIORITY] == PRIO_URGENT)
            return;
        update_one(sim, s, OBJ_TICKET, r, TF_PRIORITY, r->v[TF_PRIORITY] + 1, at);
        return;
    default:
        return;
    }
}

static void step_contact(gen_sim *sim, gen_system *s, sim_record *r, uint32_t slot, int kind, int64_t at)
{
    sim_system *ss = s->sim;
    switch (kind) {
    case K_CONTACT_PHONE:
        if (r->v[CF_PHONE] == NULLV)
            update_one(sim, s, OBJ_CONTACT, r, CF_PHONE, 1, at);
        return;
    case K_CONTACT_DELETE:
        record_change(sim, s, OBJ_CONTACT, r, OPR_DELETE, r->v, 0, at);
        pool_release(&ss->pools[OBJ_CONTACT], slot);
        return;
    case K_CONTACT_RETIRE: /* leaves memory, not the CRM: no event */
        pool_release(&ss->pools[OBJ_CONTACT], slot);
        return;
    default:
        return;
    }
}

/* ---- a day ---------------------------------------------------------------- */

static void add_intent(gen_sim *sim, int64_t at, int kind, uint32_t slot, uint32_t num)
{
    sim->intents = grow(sim->intents, &sim->capintents, sim->nintents + 1, sizeof *sim->intents);
    sim->intents[sim->nintents] = (sim_intent){at, sim->nintents, slot, num, (uint8_t)kind};
    sim->nintents++;
}

static int intent_cmp(const void *a, const void *b)
{
    const sim_intent *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int64_t business_time(gen_sim *sim, gen_rng *g)
{
    return sim_day_start(sim, sim->day) + BUSINESS_START + gen_rng_below(g, BUSINESS_SPAN);
}

static double weekday_factor(const gen_sim *sim)
{
    int64_t days = sim->w->opt.start_day + sim->day;
    int dow = (int)(((days % 7) + 7 + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
    return dow >= 5 ? 0.375 : 1.25;
}

static void plan_day(gen_sim *sim, gen_system *s)
{
    sim_system *ss = s->sim;
    gen_rng *g = &sim->rng_life;
    sim->nintents = 0;
    static const int create_kind[OBJ_COUNT] = {K_LEAD_CREATE, -1, K_TICKET_CREATE, K_CONTACT_CREATE};
    double f = weekday_factor(sim);
    for (int o = 0; o < OBJ_COUNT; o++) {
        if (create_kind[o] < 0)
            continue;
        ss->intake_acc[o] += sim->w->intake_per_day * cat_direct_share(o) * f;
        int n = (int)ss->intake_acc[o];
        ss->intake_acc[o] -= n;
        for (int i = 0; i < n; i++)
            add_intent(sim, business_time(sim, g), create_kind[o], UINT32_MAX, 0);
    }
    sim_bucket *b = &ss->ring[sim->day % RING_DAYS];
    for (uint32_t i = 0; i < b->n; i++)
        add_intent(sim, business_time(sim, g), b->items[i].kind, b->items[i].slot, b->items[i].num);
    b->n = 0;
    qsort(sim->intents, sim->nintents, sizeof *sim->intents, intent_cmp);
}

static void run_intent(gen_sim *sim, gen_system *s, const sim_intent *it)
{
    switch (it->kind) {
    case K_LEAD_CREATE:
        create_lead(sim, s, it->at);
        return;
    case K_TICKET_CREATE:
        create_ticket(sim, s, it->at);
        return;
    case K_CONTACT_CREATE: {
        uint32_t slot, num;
        create_contact(sim, s, -1, it->at, &slot, &num);
        return;
    }
    default:
        break;
    }
    int obj = intent_object(it->kind);
    sim_record *r = pool_get(&s->sim->pools[obj], it->slot, it->num);
    if (!r)
        return;
    if (obj == OBJ_LEAD)
        step_lead(sim, s, r, it->slot, it->kind, it->at);
    else if (obj == OBJ_DEAL)
        step_deal(sim, s, r, it->slot, it->kind, it->at);
    else if (obj == OBJ_TICKET)
        step_ticket(sim, s, r, it->slot, it->kind, it->at);
    else
        step_contact(sim, s, r, it->slot, it->kind, it->at);
}

/* A live record of the object satisfying the automation's conditions. */
static sim_record *pick_live(gen_sim *sim, gen_system *s, const gen_automation *a)
{
    sim_pool *p = &s->sim->pools[a->object];
    for (int tries = 0; tries < 32 && p->nlive; tries++) {
        sim_record *r = &p->recs[p->live[gen_rng_below(&sim->rng_exec, p->nlive)]];
        int ok = 1;
        for (int c = 0; c < a->nconds && ok; c++)
            ok = cond_holds(&a->conds[c], r, 0, a->object);
        if (ok)
            return r;
    }
    return NULL;
}

static void run_scheduled(gen_sim *sim, gen_system *s)
{
    for (int i = 0; i < s->nautos; i++) {
        gen_automation *a = &s->autos[i];
        if (!a->active || (a->def.on != ON_SCHEDULE && a->def.on != ON_MANUAL))
            continue;
        int runs = 1;
        if (a->def.on == ON_MANUAL) {
            double f = weekday_factor(sim);
            runs = f < 1.0 ? 0 : 1 + gen_rng_chance(&sim->rng_exec, 0.25);
        }
        for (int k = 0; k < runs; k++) {
            sim_record *r = pick_live(sim, s, a);
            if (!r)
                continue;
            int64_t at = a->def.on == ON_SCHEDULE
                             ? sim_day_start(sim, sim->day) + 6 * 3600 + 1800 + (i % 30) * 60
                             : business_time(sim, &sim->rng_exec);
            fire_execution(sim, s, i, a->object, r, at);
        }
    }
}

/* ---- people, reviews, modifications -------------------------------------- */

static void put_principal(gen_sim *sim, gen_system *s, int user, int64_t at)
{
    const gen_user *u = &s->users[user];
    gen_buf *b = sim_event_begin(sim, "principal", s, at);
    GEN_PUT_LIT(b, ",\"id\":");
    gen_buf_put_json_string(b, u->id);
    GEN_PUT_LIT(b, ",\"name\":");
    gen_buf_put_json_string(b, u->name);
    GEN_PUT_LIT(b, ",\"email\":");
    gen_buf_put_json_string(b, u->email);
    if (u->active)
        GEN_PUT_LIT(b, ",\"active\":true,\"roles\":[");
    else
        GEN_PUT_LIT(b, ",\"active\":false,\"roles\":[");
    gen_buf_put_json_string(b, u->role);
    GEN_PUT_LIT(b, "]");
    sim_event_end(sim);
}

void sim_set_user_active(gen_sim *sim, gen_system *s, int user, int active, int64_t at)
{
    s->users[user].active = active;
    if (s->users[user].joined_at == INT64_MIN)
        s->users[user].joined_at = at;
    put_principal(sim, s, user, at);
}

static void people_day(gen_sim *sim, gen_system *s)
{
    gen_rng *g = &sim->rng_ops;
    double p = sim->w->opt.users / (4.0 * sim->nominal_days);
    if (gen_rng_chance(g, p)) {
        static const char *const roles[] = {"sales", "support", "marketing"};
        int u = world_add_user(sim->w, s, roles[gen_rng_below(g, 3)], 0);
        sim_set_user_active(sim, s, u, 1, business_time(sim, g));
    }
    if (gen_rng_chance(g, p)) {
        int candidates = 0, pick = -1;
        for (int i = 0; i < s->nusers; i++) {
            const gen_user *u = &s->users[i];
            if (u->flags || !u->active || u->owned || u->targeted || u->joined_at == INT64_MIN)
                continue;
            if (gen_rng_below(g, (uint32_t)++candidates) == 0)
                pick = i;
        }
        if (pick >= 0)
            sim_set_user_active(sim, s, pick, 0, business_time(sim, g));
    }
}

gen_buf *sim_event_begin(gen_sim *sim, const char *type, const gen_system *s, int64_t at)
{
    return emit_begin(sim->em, type, s->id, at);
}

void sim_event_end(gen_sim *sim)
{
    emit_end(sim->em);
}

void sim_emit_automation(gen_sim *sim, gen_system *s, int idx, int64_t at)
{
    const gen_automation *a = &s->autos[idx];
    gen_buf *b = sim_event_begin(sim, "automation", s, at);
    gen_buf_puts(b, a->event_tail);
    GEN_PUT_LIT(b, ",\"status\":");
    gen_buf_puts(b, a->active ? "\"active\"" : "\"inactive\"");
    GEN_PUT_LIT(b, ",\"modified_by\":");
    gen_buf_put_json_string(b, a->modified_by);
    sim_event_end(sim);
}

void sim_emit_ownership(gen_sim *sim, gen_system *s, int idx, int64_t at)
{
    static const char *const roles[ROLE_COUNT] = {"system", "decision", "outcome"};
    const gen_automation *a = &s->autos[idx];
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (a->owners[r] < 0)
            continue;
        gen_buf *b = sim_event_begin(sim, "ownership", s, at);
        GEN_PUT_LIT(b, ",\"automation\":");
        gen_buf_put_json_string(b, a->id);
        GEN_PUT_LIT(b, ",\"role\":\"");
        gen_buf_puts(b, roles[r]);
        GEN_PUT_LIT(b, "\",\"principal\":");
        gen_buf_put_json_string(b, s->users[a->owners[r]].id);
        sim_event_end(sim);
    }
}

static int is_human_stable(const gen_user *u)
{
    return (u->flags & USER_STABLE) && !(u->flags & (USER_SERVICE | USER_PLANTED)) && u->active;
}

static int human_owner_besides(const gen_system *s, const gen_automation *a, int user)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (a->owners[r] >= 0 && a->owners[r] != user && is_human_stable(&s->users[a->owners[r]]))
            return 1;
    return 0;
}

/* Author: a stable human who does not own the automation (else an owner,
 * when another human owner can approve); first approver: a human owner other
 * than the author; second: any other stable human. */
static int pick_approval(gen_sim *sim, const gen_system *s, const gen_automation *a, int *author,
                         int *ap1, int *ap2)
{
    gen_rng *g = &sim->rng_ops;
    *author = *ap1 = *ap2 = -1;
    int n = 0;
    for (int pass = 0; pass < 2 && *author < 0; pass++) {
        for (int i = 0; i < s->nusers; i++) {
            int owns = i == a->owners[0] || i == a->owners[1] || i == a->owners[2];
            if (!is_human_stable(&s->users[i]) || (owns && pass == 0))
                continue;
            if (pass == 1 && !human_owner_besides(s, a, i))
                continue;
            if (gen_rng_below(g, (uint32_t)++n) == 0)
                *author = i;
        }
    }
    n = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        int o = a->owners[r];
        if (o >= 0 && o != *author && is_human_stable(&s->users[o]) &&
            gen_rng_below(g, (uint32_t)++n) == 0)
            *ap1 = o;
    }
    if (*author < 0 || *ap1 < 0)
        return -1;
    n = 0;
    for (int i = 0; i < s->nusers; i++)
        if (i != *author && i != *ap1 && is_human_stable(&s->users[i]) &&
            gen_rng_below(g, (uint32_t)++n) == 0)
            *ap2 = i;
    return *ap2 < 0 ? -1 : 0;
}

int sim_emit_approved_change(gen_sim *sim, gen_system *s, int idx, int64_t at)
{
    gen_automation *a = &s->autos[idx];
    int author, ap1, ap2;
    if (pick_approval(sim, s, a, &author, &ap1, &ap2) != 0)
        return -1;
    gen_buf *b = sim_event_begin(sim, "change", s, at);
    GEN_PUT_LIT(b, ",\"id\":\"CR-");
    gen_buf_put_int(b, s->next_change++);
    GEN_PUT_LIT(b, "\",\"automation\":");
    gen_buf_put_json_string(b, a->id);
    GEN_PUT_LIT(b, ",\"state\":\"approved\",\"author\":");
    gen_buf_put_json_string(b, s->users[author].id);
    GEN_PUT_LIT(b, ",\"approvers\":[");
    gen_buf_put_json_string(b, s->users[ap1].id);
    gen_buf_putc(b, ',');
    gen_buf_put_json_string(b, s->users[ap2].id);
    GEN_PUT_LIT(b, "],\"definition_hash\":\"");
    gen_buf_puts(b, a->hash);
    GEN_PUT_LIT(b, "\",\"status\":");
    gen_buf_puts(b, a->active ? "\"active\"" : "\"inactive\"");
    sim_event_end(sim);
    snprintf(a->modified_by, sizeof a->modified_by, "%s", s->users[author].id);
    int day = (int)(at / DAY - sim->w->opt.start_day);
    a->next_review_day = day + sim->w->opt.review_days;
    return 0;
}

/* One mutation that keeps the world healthy: another value for a set_field,
 * another recipient, or a webhook added/removed. 0 when def changed. */
static int mutate(gen_sim *sim, gen_system *s, int idx, defn *d)
{
    gen_rng *g = &sim->rng_ops;
    const gen_automation *a = &s->autos[idx];
    const cat_family *f = cat_family_get(a->family);
    int k = (int)gen_rng_below(g, (uint32_t)d->nactions);
    defn_action *act = &d->actions[k];
    if (act->type == ACT_SET_FIELD && f) {
        for (int o = 0; o < f->noutputs; o++) {
            const char *spec = f->outputs[o];
            size_t n = (size_t)(strchr(spec, '=') - spec);
            if (strncmp(spec, act->field, n) != 0)
                continue;
            const char *vals = spec + n + 1;
            char pick[DEFN_NAME_MAX];
            int nvals = 1;
            for (const char *p = vals; *p; p++)
                nvals += *p == '|';
            if (nvals < 2)
                return -1;
            int which = (int)gen_rng_below(g, (uint32_t)nvals);
            const char *v = vals;
            for (int i = 0; i < which; i++)
                v = strchr(v, '|') + 1;
            size_t vn = strchr(v, '|') ? (size_t)(strchr(v, '|') - v) : strlen(v);
            memcpy(pick, v, vn);
            pick[vn] = '\0';
            defn_value nv;
            defn_value_from_text(pick, &nv);
            if (defn_value_equal(&nv, &act->value))
                return -1;
            act->value = nv;
            return 0;
        }
        return -1;
    }
    if (act->type == ACT_NOTIFY || act->type == ACT_EMAIL || act->type == ACT_CREATE_TASK) {
        defn without = *d;
        without.actions[k].type = ACT_WEBHOOK; /* so the old recipient is not "taken" */
        int start = (int)gen_rng_below(g, (uint32_t)s->nusers);
        for (int i = 0; i < s->nusers; i++) {
            int u = (start + i) % s->nusers;
            if (strcmp(s->users[u].id, act->arg) == 0)
                continue;
            if (world_recipient_fits(s, idx, &without, u, a->est_daily, act->type == ACT_NOTIFY)) {
                snprintf(act->arg, sizeof act->arg, "%s", s->users[u].id);
                return 0;
            }
        }
        return -1;
    }
    /* webhook/call/assign: toggle a trailing webhook instead */
    if (d->actions[d->nactions - 1].type == ACT_WEBHOOK && d->nactions > 1) {
        d->nactions--;
        return 0;
    }
    if (d->nactions < DEFN_ACTIONS_MAX) {
        defn_action *w = &d->actions[d->nactions++];
        memset(w, 0, sizeof *w);
        w->type = ACT_WEBHOOK;
        snprintf(w->arg, sizeof w->arg, "https://hooks.example.com/%.15s/audit/%.60s", s->id, a->id);
        return 0;
    }
    return -1;
}

static void modify_one(gen_sim *sim, gen_system *s, int64_t at)
{
    gen_rng *g = &sim->rng_ops;
    int idx = (int)gen_rng_below(g, (uint32_t)s->nautos);
    gen_automation *a = &s->autos[idx];
    if (!a->active || (a->flags & AUTO_PLANTED) || a->family < 0)
        return;
    defn d = a->def;
    if (mutate(sim, s, idx, &d) != 0)
        return;
    world_automation_release(s, idx);
    a->def = d;
    if (world_automation_commit(sim->w, s, idx) != 0)
        return;
    if (sim_emit_approved_change(sim, s, idx, at) == 0)
        sim_emit_automation(sim, s, idx, at + gen_rng_range(g, 120, 600));
}

static void night_ops(gen_sim *sim, gen_system *s)
{
    gen_rng *g = &sim->rng_ops;
    int64_t night = sim_day_start(sim, sim->day) + 3600;
    if (gen_rng_chance(g, 1.0 / sim->w->opt.modify_every))
        modify_one(sim, s, night + 3600 + gen_rng_below(g, 7200));
    for (int i = 0; i < s->nautos; i++) {
        gen_automation *a = &s->autos[i];
        if (a->active && a->next_review_day <= sim->day &&
            sim_emit_approved_change(sim, s, i, night + gen_rng_below(g, 3 * 3600)) != 0) {
            fprintf(stderr, "crmgov-gen: warning: %s/%s has no valid approvers, review skipped\n",
                    s->id, a->id);
            a->next_review_day = sim->day + sim->w->opt.review_days;
        }
    }
}

/* ---- the inventory hour and the run --------------------------------------- */

static void inventory_hour(gen_sim *sim, gen_system *s)
{
    int64_t t = s->start_at;
    for (int u = 0; u < s->nusers; u++)
        if (s->users[u].active)
            sim_set_user_active(sim, s, u, 1, t + (u < 600 ? u : 600));
    int review = sim->w->opt.review_days;
    for (int i = 0; i < s->nautos; i++) {
        int64_t off = i < 900 ? i : 900;
        sim_emit_automation(sim, s, i, t + 900 + off);
        sim_emit_ownership(sim, s, i, t + 1800 + off);
        /* stagger first reviews over the interval so they spread out */
        s->autos[i].next_review_day = 1 + (i * 7 + s->index * 3) % (review > 1 ? review - 1 : 1);
    }
}

static void free_sim_system(sim_system *ss)
{
    for (int o = 0; o < OBJ_COUNT; o++) {
        sim_pool *p = &ss->pools[o];
        for (uint32_t i = 0; i < p->n; i++)
            free(p->recs[i].out);
        free(p->recs);
        free(p->freelist);
        free(p->live);
        free(ss->by_object[o]);
    }
    for (int i = 0; i < RING_DAYS; i++)
        free(ss->ring[i].items);
    free(ss);
}

static void init_sim_system(gen_sim *sim, gen_system *s)
{
    sim_system *ss = calloc(1, sizeof *ss);
    if (!ss) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    for (int o = 0; o < OBJ_COUNT; o++)
        ss->pools[o].next_num = 1001;
    for (int st = 0; st < STRATA; st++)
        for (int d = 0; d < DECISIONS; d++)
            ss->weyl_x[st][d] = gen_rng_unit(&sim->rng_life);
    s->sim = ss;
    rebuild_lists(s);
}

static void run_day(gen_sim *sim, gen_system *s)
{
    for (int i = 0; i < s->nautos; i++)
        s->autos[i].day_counts[sim->day % 7] = 0;
    if (sim->day > 0)
        night_ops(sim, s);
    run_scheduled(sim, s);
    people_day(sim, s);
    plan_day(sim, s);
    for (uint32_t i = 0; i < sim->nintents; i++)
        run_intent(sim, s, &sim->intents[i]);
}

int sim_run(gen_world *w, emitter *em, plant_run *planters, char *err, size_t errlen)
{
    gen_sim sim;
    memset(&sim, 0, sizeof sim);
    sim.w = w;
    sim.em = em;
    sim.nominal_days = w->opt.days;
    gen_rng_fork(&sim.rng_life, w->opt.seed, "lifecycle");
    gen_rng_fork(&sim.rng_exec, w->opt.seed, "execution");
    gen_rng_fork(&sim.rng_ops, w->opt.seed, "operations");
    for (int i = 0; i < w->nsystems; i++) {
        init_sim_system(&sim, &w->systems[i]);
        inventory_hour(&sim, &w->systems[i]);
    }
    int rc = 0;
    int last_day = w->opt.days_given || !w->opt.max_events ? w->opt.days : 36500;
    for (sim.day = 0; sim.day < last_day && !em->full; sim.day++) {
        if (planters && plant_run_day(planters, w, &sim, sim.day) != 0) {
            snprintf(err, errlen, "a planter failed on day %d", sim.day);
            rc = -1;
            break;
        }
        for (int i = 0; i < w->nsystems; i++)
            run_day(&sim, &w->systems[i]);
        emit_flush_before(em, sim_day_start(&sim, sim.day + 1));
    }
    for (int i = 0; i < w->nsystems; i++) {
        free_sim_system(w->systems[i].sim);
        w->systems[i].sim = NULL;
    }
    free(sim.intents);
    return rc;
}
