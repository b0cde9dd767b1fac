/*
 * aud_state.c -- the audit layer's in-memory state: automations with their
 * day rings, the per (system, object) index that says which automations a
 * record change can fire and which fields to remember, the record table, and
 * notified principals.
 *
 * The record table is the only part that could grow with the data, so it is
 * swept once per event-time day: a record idle for `horizon` (a deleted one
 * for `lookback` + 2 x `sla`) with nothing pending is forgotten, and each
 * record's marks and touches are trimmed to what a pending judgement can
 * still ask for. See the memory bound in docs/rules/audit.md.
 */
#include <string.h>

#include "audit.h"

/* ------------------------------------------------------------------------ */
/* automations                                                               */

static uint32_t pair_key(struct aud_names *t, const char *a, const char *b, int create)
{
    size_t la = strlen(a), lb = strlen(b);
    char stack[256];
    char *key = la + lb + 1 <= sizeof(stack) ? stack : aud_realloc(NULL, la + lb + 1);
    memcpy(key, a, la);
    key[la] = '\0';
    memcpy(key + la + 1, b, lb);
    uint32_t id = create ? aud_names_add(t, key, la + lb + 1) : aud_names_find(t, key, la + lb + 1);
    if (key != stack)
        free(key);
    return id;
}

struct aud_auto *aud_auto_get(struct aud_layer *L, const char *system, const char *id,
                              int create, uint32_t *index)
{
    uint32_t k = pair_key(&L->auto_keys, system, id, create);
    if (k == UINT32_MAX)
        return NULL;
    if (k < L->n_autos) {
        if (index)
            *index = k;
        return L->autos[k];
    }
    struct aud_auto *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->system = aud_names_add(&L->names, system, strlen(system));
    a->id = k;
    a->name = L->auto_keys.keys[k] + strlen(system) + 1;
    a->status = AUD_UNKNOWN_STATUS;
    a->first_seen = a->active_since = a->last_exec = CRMGOV_TIME_NONE;
    a->ring = aud_realloc(NULL, (size_t)L->opts.ring_days * sizeof(*a->ring));
    memset(a->ring, 0, (size_t)L->opts.ring_days * sizeof(*a->ring));
    for (int i = 0; i < L->opts.ring_days; i++)
        a->ring[i].day = INT32_MIN;
    a->wrong_object_name = UINT32_MAX;
    a->spike_day = INT32_MIN;
    a->last_failure_day = INT32_MIN;
    AUD_GROW(L->autos, L->n_autos, L->cap_autos);
    L->autos[L->n_autos++] = a;
    if (index)
        *index = k;
    return a;
}

/* Keys are small and dense (rows of the store's key table); one beyond this
 * is looked up by name like an event without a key. */
#define AUD_MAX_AUTO_KEY (1 << 24)

struct aud_auto *aud_auto_of_event(struct aud_layer *L, const struct crmgov_event *ev,
                                   const char *id, uint32_t *index)
{
    int64_t key = ev->automation_key;
    if (key > 0 && (uint64_t)key < L->cap_auto_by_key && L->auto_by_key[key]) {
        *index = L->auto_by_key[key] - 1;
        return L->autos[*index];
    }
    struct aud_auto *a = aud_auto_get(L, ev->system, id, 1, index);
    if (key <= 0 || key >= AUD_MAX_AUTO_KEY)
        return a;
    if ((uint64_t)key >= L->cap_auto_by_key) {
        size_t cap = L->cap_auto_by_key ? L->cap_auto_by_key : 1024;
        while (cap <= (uint64_t)key)
            cap *= 2;
        L->auto_by_key = aud_realloc(L->auto_by_key, cap * sizeof(*L->auto_by_key));
        memset(L->auto_by_key + L->cap_auto_by_key, 0,
               (cap - L->cap_auto_by_key) * sizeof(*L->auto_by_key));
        L->cap_auto_by_key = cap;
    }
    L->auto_by_key[key] = *index + 1;
    return a;
}

static void auto_free(struct aud_auto *a)
{
    aud_def_free(&a->def);
    aud_examples_clear(a->missed);
    aud_examples_clear(a->no_trigger);
    aud_examples_clear(a->wrong_object);
    free(a->row_name);
    free(a->ring);
    free(a);
}

struct aud_day *aud_day_slot(struct aud_layer *L, struct aud_auto *a, int32_t day,
                             int for_write)
{
    int n = L->opts.ring_days;
    struct aud_day *slot = &a->ring[aud_ring_index(day, n)];
    if (slot->day == day)
        return slot;
    if (!for_write || (L->today != INT32_MIN && day <= L->today - n) ||
        (slot->day != INT32_MIN && slot->day > day))
        return NULL;
    memset(slot, 0, sizeof(*slot));
    slot->day = day;
    slot->last_exec_ms = UINT32_MAX;
    return slot;
}

uint32_t aud_day_sum(struct aud_layer *L, const struct aud_auto *a, int32_t from, int32_t to,
                     size_t field_offset)
{
    int n = L->opts.ring_days;
    uint64_t sum = 0;
    int i = aud_ring_index(from, n);
    for (int32_t d = from; d <= to; d++) {
        const struct aud_day *slot = &a->ring[i];
        if (slot->day == d) {
            uint32_t v;
            memcpy(&v, (const char *)slot + field_offset, sizeof(v));
            sum += v;
        }
        if (++i == n)
            i = 0;
    }
    return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

void aud_mark_dirty(struct aud_layer *L, uint32_t autom, struct aud_day *slot)
{
    slot->dirty = 1;
    struct aud_auto *a = L->autos[autom];
    if (!a->dirty_listed) {
        a->dirty_listed = 1;
        a->dirty_from = a->dirty_to = slot->day;
        AUD_GROW(L->flush_list, L->n_flush, L->cap_flush);
        L->flush_list[L->n_flush++] = autom;
    }
    if (slot->day < a->dirty_from)
        a->dirty_from = slot->day;
    if (slot->day > a->dirty_to)
        a->dirty_to = slot->day;
}

void aud_example_add(struct aud_example *ex, const char *record, crmgov_time at)
{
    /* keep the five latest, newest first */
    free(ex[AUD_EXAMPLES - 1].record);
    memmove(&ex[1], &ex[0], (AUD_EXAMPLES - 1) * sizeof(*ex));
    size_t len = strlen(record);
    ex[0].record = aud_realloc(NULL, len + 1);
    memcpy(ex[0].record, record, len + 1);
    ex[0].at = at;
}

void aud_examples_clear(struct aud_example *ex)
{
    for (int i = 0; i < AUD_EXAMPLES; i++) {
        free(ex[i].record);
        ex[i].record = NULL;
        ex[i].at = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* (system, object) index                                                    */

uint32_t aud_objinfo_get(struct aud_layer *L, uint32_t system, uint32_t object)
{
    uint32_t key[2] = { system, object };
    uint32_t k = aud_names_add(&L->obj_keys, (const char *)key, sizeof(key));
    if (k < L->n_objs)
        return k;
    AUD_GROW(L->objs, L->n_objs, L->cap_objs);
    struct aud_objinfo *o = &L->objs[L->n_objs++];
    memset(o, 0, sizeof(*o));
    o->system = system;
    o->object = object;
    o->conversion_slot = -1;
    if (object == L->conversion_object) {
        AUD_GROW(o->fields, o->n_fields, o->cap_fields);
        o->conversion_slot = (int)o->n_fields;
        o->fields[o->n_fields++] = L->conversion_field;
    }
    return k;
}

static int track_field(struct aud_objinfo *o, uint32_t field)
{
    for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i] == field)
            return (int)i;
    AUD_GROW(o->fields, o->n_fields, o->cap_fields);
    o->fields[o->n_fields++] = field;
    return (int)o->n_fields - 1;
}

static int record_triggered(int on)
{
    return on == CRMGOV_ON_CREATE || on == CRMGOV_ON_UPDATE || on == CRMGOV_ON_DELETE ||
           on == CRMGOV_ON_CREATE_OR_UPDATE;
}

/* Adds an automation to the index of its object when a record change can
 * fire it, and tracks the fields its conditions read (fields are never
 * dropped: a record simply keeps one more value). */
void aud_objinfo_attach(struct aud_layer *L, uint32_t autom)
{
    struct aud_auto *a = L->autos[autom];
    if (!a->defined || !record_triggered(a->def.on))
        return;
    uint32_t index = aud_objinfo_get(L, a->system, a->def.object); /* may move L->objs */
    struct aud_objinfo *o = &L->objs[index];
    for (size_t i = 0; i < a->def.n_conds; i++)
        a->def.conds[i].slot = a->def.conds[i].op == CRMGOV_OP_CHANGED
                                   ? -1
                                   : track_field(o, a->def.conds[i].field);
    struct aud_candidate c = { .autom = autom, .on = (uint8_t)a->def.on,
                               .active = a->status == CRMGOV_STATUS_ACTIVE,
                               .conds = a->def.conds, .n_conds = a->def.n_conds };
    for (size_t i = 0; i < a->def.n_fields; i++)
        c.fields |= aud_field_bit(a->def.fields[i]);
    if (a->def.n_fields && a->def.n_fields <= 2) {
        c.n_inline = (uint8_t)a->def.n_fields;
        memcpy(c.field, a->def.fields, a->def.n_fields * sizeof(*c.field));
    }
    for (size_t i = 0; i < o->n_autos; i++)
        if (o->autos[i].autom == autom) {
            o->autos[i] = c;
            return;
        }
    AUD_GROW(o->autos, o->n_autos, o->cap_autos);
    o->autos[o->n_autos++] = c;
}

void aud_objinfo_detach(struct aud_layer *L, uint32_t autom)
{
    struct aud_auto *a = L->autos[autom];
    if (!a->defined)
        return;
    uint32_t key[2] = { a->system, a->def.object };
    uint32_t k = aud_names_find(&L->obj_keys, (const char *)key, sizeof(key));
    if (k == UINT32_MAX)
        return;
    struct aud_objinfo *o = &L->objs[k];
    for (size_t i = 0; i < o->n_autos; i++)
        if (o->autos[i].autom == autom) {
            o->autos[i] = o->autos[--o->n_autos];
            return;
        }
}

/* ------------------------------------------------------------------------ */
/* records                                                                   */

static uint64_t record_hash(uint32_t objinfo, const char *id, size_t len)
{
    return aud_hash(id, len, 0x51ed270b27a1c3f5ull + objinfo);
}

static void record_free(struct aud_record *r)
{
    free(r->values); /* r->id lives in r's own block */
    free(r->marks);
    free(r->touches);
    free(r);
}

static void records_insert(struct aud_record_slot *slots, size_t cap, struct aud_record *r)
{
    size_t i = (size_t)(r->hash & (cap - 1));
    while (slots[i].rec)
        i = (i + 1) & (cap - 1);
    slots[i] = (struct aud_record_slot){ r->hash, r };
}

static void records_grow(struct aud_records *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct aud_record_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        abort();
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].rec)
            records_insert(slots, cap, t->slots[i].rec);
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
}

struct aud_record *aud_record_get(struct aud_layer *L, uint32_t objinfo, const char *id,
                                  int create)
{
    struct aud_records *t = &L->records;
    size_t len = strlen(id);
    uint64_t hash = record_hash(objinfo, id, len);
    if (t->cap) {
        size_t i = (size_t)(hash & (t->cap - 1));
        for (; t->slots[i].rec; i = (i + 1) & (t->cap - 1)) {
            struct aud_record *r = t->slots[i].rec;
            if (t->slots[i].hash == hash && r->objinfo == objinfo && strcmp(r->id, id) == 0)
                return r;
        }
    }
    if (!create)
        return NULL;
    if ((t->n + 1) * 4 > t->cap * 3)
        records_grow(t);
    /* the id right behind the record: a lookup that finds the record reads
     * its id from the same cache lines instead of chasing another block */
    struct aud_record *r = calloc(1, sizeof(*r) + len + 1);
    if (!r)
        abort();
    r->hash = hash;
    r->objinfo = objinfo;
    r->id = (char *)(r + 1);
    memcpy(r->id, id, len + 1);
    r->last_active = CRMGOV_TIME_NONE;
    records_insert(t->slots, t->cap, r);
    t->n++;
    return r;
}

/* How long marks stay useful: the longest look back of a pending judgement. */
static crmgov_time marks_keep(const struct aud_options *o)
{
    return o->lookback_ms + o->sla_ms + 2 * o->lateness_ms;
}

void aud_record_prune(struct aud_layer *L, struct aud_record *r, crmgov_time now)
{
    crmgov_time marks_from = now - marks_keep(&L->opts);
    uint32_t j = 0;
    for (uint32_t i = 0; i < r->n_marks; i++)
        if (r->marks[i].at >= marks_from)
            r->marks[j++] = r->marks[i];
    r->n_marks = j;
    int32_t today = aud_day_of(now);
    j = 0;
    for (uint32_t i = 0; i < r->n_touches; i++) {
        struct aud_touch *t = &r->touches[i];
        if (t->pending && t->first != CRMGOV_TIME_NONE &&
            t->first + L->opts.horizon_ms < now)
            t->pending = 0;
        if (t->pending || t->last_day >= today - 1 ||
            (t->first != CRMGOV_TIME_NONE && t->first + L->opts.horizon_ms >= now))
            r->touches[j++] = *t;
    }
    r->n_touches = j;
}

static int evictable(const struct aud_layer *L, const struct aud_record *r, crmgov_time now)
{
    if (r->queued)
        return 0;
    crmgov_time ttl = r->deleted ? marks_keep(&L->opts) : L->opts.horizon_ms;
    if (ttl < marks_keep(&L->opts))
        ttl = marks_keep(&L->opts);
    return r->last_active == CRMGOV_TIME_NONE || r->last_active < now - ttl;
}

/* Takes slot i out by backward shift: later members of its probe run move
 * up into the hole when their home allows, so every lookup still finds
 * them without tombstones. */
static void records_remove_at(struct aud_records *t, size_t i)
{
    size_t mask = t->cap - 1, hole = i;
    for (size_t j = (i + 1) & mask; t->slots[j].rec; j = (j + 1) & mask) {
        size_t home = (size_t)(t->slots[j].hash & mask);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            t->slots[hole] = t->slots[j];
            hole = j;
        }
    }
    t->slots[hole] = (struct aud_record_slot){ 0, NULL };
    t->n--;
}

/* How many slots ahead the sweep asks for the records it will read. */
#define SWEEP_AHEAD 8

void aud_records_sweep(struct aud_layer *L, crmgov_time now)
{
    struct aud_records *t = &L->records;
    /* a deadline still waiting looks back from its own time, not from now */
    if (L->heap.n && L->heap.items[0].due < now)
        now = L->heap.items[0].due;
    /* In place, in slot order: a removal may move a later record into the
     * current slot (looked at next) or, at the end of the table, one from
     * its start back over the end (looked at twice, which changes nothing:
     * pruning again at the same time prunes nothing more). */
    size_t i = 0;
    while (i < t->cap) {
        if (i + SWEEP_AHEAD < t->cap)
            __builtin_prefetch(t->slots[i + SWEEP_AHEAD].rec);
        struct aud_record *r = t->slots[i].rec;
        if (r && evictable(L, r, now)) {
            records_remove_at(t, i);
            record_free(r);
            continue;
        }
        if (r)
            aud_record_prune(L, r, now);
        i++;
    }
}

void aud_records_free(struct aud_records *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].rec)
            record_free(t->slots[i].rec);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------------ */
/* notified principals                                                       */

struct aud_recipient *aud_recipient_get(struct aud_layer *L, uint32_t system,
                                        uint32_t principal, uint32_t *index)
{
    uint32_t key[2] = { system, principal };
    uint32_t k = aud_names_add(&L->recipient_keys, (const char *)key, sizeof(key));
    if (k >= L->n_recipients) {
        AUD_GROW(L->recipients, L->n_recipients, L->cap_recipients);
        struct aud_recipient *p = &L->recipients[L->n_recipients++];
        memset(p, 0, sizeof(*p));
        p->system = system;
        p->principal = principal;
        p->day = INT32_MIN;
    }
    if (index)
        *index = k;
    return &L->recipients[k];
}

/* ------------------------------------------------------------------------ */

void aud_layer_free_state(struct aud_layer *L)
{
    for (size_t i = 0; i < L->n_autos; i++)
        auto_free(L->autos[i]);
    free(L->autos);
    free(L->auto_by_key);
    free(L->newest_day_row);
    free(L->newest_count_row);
    for (size_t i = 0; i < L->n_objs; i++) {
        free(L->objs[i].autos);
        free(L->objs[i].fields);
    }
    free(L->objs);
    for (size_t i = 0; i < L->n_recipients; i++) {
        free(L->recipients[i].by_auto);
        free(L->recipients[i].row_name);
    }
    free(L->recipients);
    aud_records_free(&L->records);
    free(L->heap.items);
    free(L->watch_since);
    free(L->flush_list);
    free(L->refresh_list);
    free(L->refresh_recipients);
    free(L->conversion_hashes);
    aud_names_free(&L->names);
    aud_names_free(&L->auto_keys);
    aud_names_free(&L->obj_keys);
    aud_names_free(&L->recipient_keys);
}
