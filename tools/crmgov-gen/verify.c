/*
 * verify.c -- re-reads a generated JSON Lines dataset and checks the rules
 * of RULES.md that a healthy world must never trip, with the default
 * thresholds the brief fixes (see README.md, "What --verify checks").
 *
 * Why re-read the output instead of asserting inside the generator: the
 * checker then tests what a layer will actually see (the bytes), replays the
 * record state from the events alone, and can check any dataset (--check),
 * including ones planters have seeded with problems. It shares with the
 * generator only defn.c (the definition model, canonical hash and co-fire
 * logic, which the unit tests pin separately).
 *
 * Memory: everything hangs off one verifier struct; strings are interned in
 * one table and freed with it. Parsing uses cJSON (not on the generation
 * hot path).
 */
#include "verify.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "defn.h"
#include "gen_util.h"

#define DAY 86400
#define SLA_SECONDS (15 * 60)
#define UNINTENDED_WINDOW 3600
#define REVIEW_MAX_DAYS 30
#define DORMANT_DAYS 30
#define MAX_OWNED 25
#define MAX_NOTIFY_PER_DAY 50
#define FAILURE_RATIO 0.05
#define SPIKE_FACTOR 5.0
#define SPIKE_MIN_VOLUME 10
#define CONVERSION_WINDOW_DAYS 28
#define CONVERSION_MIN_N 30
#define CONVERSION_Z (-3.0)
#define CONVERSION_MATURITY_DAYS 21
#define REPORT_LIMIT 40

/* ---- a string-keyed hash map ---------------------------------------------- */

typedef struct hm_entry {
    char *key;
    void *value;
} hm_entry;

typedef struct hmap {
    hm_entry *slots;
    size_t cap, n;
} hmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    return d;
}

static hm_entry *hm_slot(hmap *m, const char *key)
{
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static void hm_grow(hmap *m)
{
    hmap bigger = {xcalloc(m->cap ? m->cap * 2 : 64, sizeof(hm_entry)), m->cap ? m->cap * 2 : 64, 0};
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            *hm_slot(&bigger, m->slots[i].key) = m->slots[i];
            bigger.n++;
        }
    free(m->slots);
    *m = bigger;
}

static void *hm_get(const hmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    hm_entry *e = hm_slot((hmap *)m, key);
    return e->key ? e->value : NULL;
}

/* Returns the value slot for key, creating it (value NULL) when absent. */
static void **hm_put(hmap *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap)
        hm_grow(m);
    hm_entry *e = hm_slot(m, key);
    if (!e->key) {
        e->key = xstrdup(key);
        e->value = NULL;
        m->n++;
    }
    return &e->value;
}

static void hm_free(hmap *m, void (*free_value)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            if (free_value)
                free_value(m->slots[i].value);
            free(m->slots[i].key);
        }
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- model ------------------------------------------------------------------ */

typedef struct v_user {
    int active;
} v_user;

typedef struct v_day {
    int32_t day;
    uint32_t runs, failures;
} v_day;

typedef struct v_auto {
    char id[64];
    defn def;
    char hash[DEFN_HASH_HEX];
    int seen;
    int active;
    int64_t first_seen;
    char approved_hash[DEFN_HASH_HEX];
    int approved_active; /* -1 unknown */
    const char *owners[3];
    int64_t last_review;
    int64_t active_since;  /* start of the current active period */
    int64_t last_run;      /* INT64_MIN: none in this active period */
    v_day *days;
    size_t ndays, capdays;
    char **touched;        /* deal record ids, first touch order */
    int32_t *touched_day;
    size_t ntouched, captouched;
} v_auto;

typedef struct v_system {
    char id[64];
    int64_t first_at;
    hmap users;   /* id -> v_user */
    hmap autos;   /* id -> v_auto */
    hmap records; /* object|id -> v_record */
    hmap notif;   /* user|day -> count */
    hmap won;     /* deal id -> non-NULL when won */
} v_system;

typedef struct v_field {
    char *name;
    char *value; /* canonical JSON text */
} v_field;

typedef struct v_record {
    v_field *fields;
    int n, cap;
} v_record;

typedef struct v_pending {
    int64_t deadline;
    char *key; /* system|automation|object|record */
} v_pending;

typedef struct v_link {
    int64_t last_match;
    int outstanding, credits;
    int touched;
} v_link;

typedef struct violation {
    char rule[8];
    char system[64];
    char a1[64], a2[64];
    char detail[200];
} violation;

typedef struct verifier {
    v_system *systems;
    int nsystems, capsystems;
    hmap links;  /* system|automation|object|record -> v_link */
    v_pending *queue;
    size_t qhead, qtail, qcap;
    violation *viol;
    size_t nviol, capviol;
    int64_t now;
    size_t lines;
    FILE *report;
} verifier;

static void add_violation(verifier *v, const char *rule, const char *system, const char *a1,
                          const char *a2, const char *detail)
{
    if (v->nviol == v->capviol) {
        v->capviol = v->capviol ? v->capviol * 2 : 64;
        v->viol = xrealloc(v->viol, v->capviol * sizeof *v->viol);
    }
    violation *x = &v->viol[v->nviol++];
    snprintf(x->rule, sizeof x->rule, "%s", rule);
    snprintf(x->system, sizeof x->system, "%s", system ? system : "");
    snprintf(x->a1, sizeof x->a1, "%s", a1 ? a1 : "");
    snprintf(x->a2, sizeof x->a2, "%s", a2 ? a2 : "");
    snprintf(x->detail, sizeof x->detail, "%s", detail ? detail : "");
}

static v_system *get_system(verifier *v, const char *id, int64_t at)
{
    for (int i = 0; i < v->nsystems; i++)
        if (strcmp(v->systems[i].id, id) == 0)
            return &v->systems[i];
    if (v->nsystems == v->capsystems) {
        v->capsystems = v->capsystems ? v->capsystems * 2 : 8;
        v->systems = xrealloc(v->systems, (size_t)v->capsystems * sizeof *v->systems);
    }
    v_system *s = &v->systems[v->nsystems++];
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->first_at = at;
    return s;
}

/* ---- JSON helpers ------------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static int parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    *out = gen_days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY + h * 3600 + mi * 60 + se;
    return 0;
}

/* Canonical text of a scalar JSON value (for state and comparisons). */
static void canon_value(const cJSON *x, gen_buf *b)
{
    if (cJSON_IsString(x)) {
        gen_buf_put_json_string(b, x->valuestring);
    } else if (cJSON_IsNumber(x)) {
        double d = x->valuedouble;
        if (d == (double)(long long)d)
            gen_buf_put_int(b, (long long)d);
        else {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%.17g", d);
            gen_buf_puts(b, tmp);
        }
    } else if (cJSON_IsTrue(x)) {
        GEN_PUT_LIT(b, "true");
    } else if (cJSON_IsFalse(x)) {
        GEN_PUT_LIT(b, "false");
    } else {
        GEN_PUT_LIT(b, "null");
    }
}

static int value_from_json(const cJSON *x, defn_value *out)
{
    memset(out, 0, sizeof *out);
    if (cJSON_IsString(x)) {
        out->kind = VAL_STR;
        snprintf(out->str, sizeof out->str, "%s", x->valuestring);
    } else if (cJSON_IsNumber(x)) {
        out->kind = VAL_INT;
        out->num = (long long)x->valuedouble;
    } else if (cJSON_IsBool(x)) {
        out->kind = VAL_BOOL;
        out->num = cJSON_IsTrue(x);
    } else if (cJSON_IsArray(x)) {
        out->kind = VAL_LIST;
        const cJSON *it;
        cJSON_ArrayForEach(it, x)
        {
            if (!cJSON_IsString(it) || out->nlist == DEFN_LIST_MAX)
                return -1;
            snprintf(out->list[out->nlist++], sizeof out->list[0], "%s", it->valuestring);
        }
    } else {
        return -1;
    }
    return 0;
}

static int defn_from_json(const cJSON *o, defn *d)
{
    memset(d, 0, sizeof *d);
    const char *kind = jstr(o, "kind"), *object = jstr(o, "object");
    const cJSON *trig = cJSON_GetObjectItemCaseSensitive(o, "trigger");
    if (!object || !cJSON_IsObject(trig) || defn_on_parse(jstr(trig, "on") ? jstr(trig, "on") : "", &d->on))
        return -1;
    snprintf(d->kind, sizeof d->kind, "%s", kind ? kind : "workflow");
    snprintf(d->object, sizeof d->object, "%s", object);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(trig, "fields"))
    {
        if (!cJSON_IsString(it) || d->nfields == DEFN_FIELDS_MAX)
            return -1;
        snprintf(d->fields[d->nfields++], DEFN_NAME_MAX, "%s", it->valuestring);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "conditions"))
    {
        if (d->nconds == DEFN_CONDS_MAX)
            return -1;
        defn_cond *c = &d->conds[d->nconds++];
        const char *field = jstr(it, "field"), *op = jstr(it, "op");
        if (!field || !op || defn_op_parse(op, &c->op))
            return -1;
        snprintf(c->field, sizeof c->field, "%s", field);
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (val && value_from_json(val, &c->value))
            return -1;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "actions"))
    {
        if (d->nactions == DEFN_ACTIONS_MAX)
            return -1;
        defn_action *a = &d->actions[d->nactions++];
        const char *type = jstr(it, "type");
        if (!type || defn_action_parse(type, &a->type))
            return -1;
        const char *field = jstr(it, "field");
        const char *arg = jstr(it, "to") ? jstr(it, "to") : jstr(it, "url") ? jstr(it, "url") : jstr(it, "target");
        if (field)
            snprintf(a->field, sizeof a->field, "%s", field);
        if (arg)
            snprintf(a->arg, sizeof a->arg, "%s", arg);
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (val && value_from_json(val, &a->value))
            return -1;
    }
    return 0;
}

/* ---- records -------------------------------------------------------------------- */

static const char *rec_get(const v_record *r, const char *field)
{
    for (int i = 0; r && i < r->n; i++)
        if (strcmp(r->fields[i].name, field) == 0)
            return r->fields[i].value;
    return NULL;
}

static void rec_set(v_record *r, const char *field, const char *value)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->fields[i].name, field) == 0) {
            free(r->fields[i].value);
            r->fields[i].value = xstrdup(value);
            return;
        }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->fields = xrealloc(r->fields, (size_t)r->cap * sizeof *r->fields);
    }
    r->fields[r->n].name = xstrdup(field);
    r->fields[r->n].value = xstrdup(value);
    r->n++;
}

static void rec_free(void *p)
{
    v_record *r = p;
    if (!r)
        return;
    for (int i = 0; i < r->n; i++) {
        free(r->fields[i].name);
        free(r->fields[i].value);
    }
    free(r->fields);
    free(r);
}

static int cond_holds(const defn_cond *c, const v_record *r, const cJSON *changes)
{
    const char *cur = rec_get(r, c->field);
    int is_null = !cur || strcmp(cur, "null") == 0;
    gen_buf want = {0};
    int result = 0;
    switch (c->op) {
    case OP_SET:
        return !is_null;
    case OP_UNSET:
        return is_null;
    case OP_CHANGED:
        return cJSON_GetObjectItemCaseSensitive(changes, c->field) != NULL;
    case OP_GT:
    case OP_LT: {
        if (is_null || c->value.kind != VAL_INT)
            return 0;
        double x = strtod(cur, NULL);
        return c->op == OP_GT ? x > (double)c->value.num : x < (double)c->value.num;
    }
    case OP_EQ:
    case OP_NE:
        defn_value_put_json(&want, &c->value);
        result = !is_null && strcmp(gen_buf_cstr(&want), cur) == 0;
        gen_buf_free(&want);
        return c->op == OP_EQ ? result : !result;
    case OP_IN:
    case OP_NOT_IN:
        for (int i = 0; i < c->value.nlist && !is_null && !result; i++) {
            want.len = 0;
            gen_buf_put_json_string(&want, c->value.list[i]);
            result = strcmp(gen_buf_cstr(&want), cur) == 0;
        }
        gen_buf_free(&want);
        return c->op == OP_IN ? result : !result;
    }
    return 0;
}

static int trigger_matches(const defn *d, const char *op, const cJSON *changes)
{
    int create = strcmp(op, "create") == 0, update = strcmp(op, "update") == 0;
    if (strcmp(op, "delete") == 0)
        return d->on == ON_DELETE;
    if (create)
        return d->on == ON_CREATE || d->on == ON_CREATE_OR_UPDATE;
    if (!update || (d->on != ON_UPDATE && d->on != ON_CREATE_OR_UPDATE))
        return 0;
    if (d->nfields == 0)
        return 1;
    for (int i = 0; i < d->nfields; i++)
        if (cJSON_GetObjectItemCaseSensitive(changes, d->fields[i]))
            return 1;
    return 0;
}

/* ---- per-automation day counters ------------------------------------------------ */

static v_day *auto_day(v_auto *a, int32_t day)
{
    if (a->ndays && a->days[a->ndays - 1].day == day)
        return &a->days[a->ndays - 1];
    if (a->ndays == a->capdays) {
        a->capdays = a->capdays ? a->capdays * 2 : 32;
        a->days = xrealloc(a->days, a->capdays * sizeof *a->days);
    }
    a->days[a->ndays] = (v_day){day, 0, 0};
    return &a->days[a->ndays++];
}

static void auto_free(void *p)
{
    v_auto *a = p;
    if (!a)
        return;
    for (size_t i = 0; i < a->ntouched; i++)
        free(a->touched[i]);
    free(a->touched);
    free(a->touched_day);
    free(a->days);
    free(a);
}

/* ---- the link table and the SLA queue -------------------------------------------- */

static v_link *get_link(verifier *v, const char *sys, const char *autoid, const char *object,
                        const char *record, char *keybuf, size_t keylen)
{
    snprintf(keybuf, keylen, "%s|%s|%s|%s", sys, autoid, object, record);
    void **slot = hm_put(&v->links, keybuf);
    if (!*slot) {
        v_link *l = xcalloc(1, sizeof *l);
        l->last_match = INT64_MIN;
        *slot = l;
    }
    return *slot;
}

static void expire_pending(verifier *v, int64_t now)
{
    while (v->qhead < v->qtail && v->queue[v->qhead].deadline < now) {
        v_pending *p = &v->queue[v->qhead++];
        v_link *l = hm_get(&v->links, p->key);
        if (l) {
            l->outstanding--;
            if (l->credits > 0) {
                l->credits--;
            } else {
                char sys[64], autoid[64];
                sscanf(p->key, "%63[^|]|%63[^|]", sys, autoid);
                char detail[200];
                snprintf(detail, sizeof detail, "no execution within 15 min of a matching change (%.120s)", p->key);
                add_violation(v, "AUD002", sys, autoid, NULL, detail);
            }
        }
        free(p->key);
    }
    if (v->qhead == v->qtail)
        v->qhead = v->qtail = 0;
}

static void push_pending(verifier *v, const char *key, int64_t deadline)
{
    if (v->qtail == v->qcap) {
        if (v->qhead > 0) {
            memmove(v->queue, v->queue + v->qhead, (v->qtail - v->qhead) * sizeof *v->queue);
            v->qtail -= v->qhead;
            v->qhead = 0;
        }
        if (v->qtail == v->qcap) {
            v->qcap = v->qcap ? v->qcap * 2 : 1024;
            v->queue = xrealloc(v->queue, v->qcap * sizeof *v->queue);
        }
    }
    v->queue[v->qtail++] = (v_pending){deadline, xstrdup(key)};
}

/* ---- event handlers ------------------------------------------------------------------ */

static int targets(const defn *d, const char *user)
{
    for (int i = 0; i < d->nactions; i++) {
        const char *r = defn_action_recipient(&d->actions[i]);
        if (r && strcmp(r, user) == 0)
            return 1;
    }
    return 0;
}

static void check_targets_active(verifier *v, v_system *s, v_auto *a)
{
    for (int i = 0; i < a->def.nactions; i++) {
        const char *r = defn_action_recipient(&a->def.actions[i]);
        if (!r)
            continue;
        v_user *u = hm_get(&s->users, r);
        if (!u || !u->active) {
            char detail[200];
            snprintf(detail, sizeof detail, "targets %s principal %.60s", u ? "deactivated" : "unknown", r);
            add_violation(v, "OWN003", s->id, a->id, NULL, detail);
        }
    }
}

static void check_pairs(verifier *v, v_system *s, v_auto *a)
{
    for (size_t i = 0; i < s->autos.cap; i++) {
        v_auto *b = s->autos.slots[i].key ? s->autos.slots[i].value : NULL;
        if (!b || b == a || !b->active || !defn_can_cofire(&a->def, &b->def))
            continue;
        for (int x = 0; x < a->def.nactions; x++) {
            const defn_action *ax = &a->def.actions[x];
            const char *fx = defn_action_writes(ax), *rx = defn_action_recipient(ax);
            for (int y = 0; y < b->def.nactions; y++) {
                const defn_action *by = &b->def.actions[y];
                const char *fy = defn_action_writes(by), *ry = defn_action_recipient(by);
                char detail[200];
                if (fx && fy && strcmp(fx, fy) == 0) {
                    int same = ax->type == by->type &&
                               (ax->type == ACT_ASSIGN ? strcmp(ax->arg, by->arg) == 0
                                                       : defn_value_equal(&ax->value, &by->value));
                    snprintf(detail, sizeof detail, "both write %.60s", fx);
                    add_violation(v, same ? "CHG006" : "CHG002", s->id, a->id, b->id, detail);
                } else if (rx && ry && strcmp(rx, ry) == 0) {
                    snprintf(detail, sizeof detail, "both target %.60s", rx);
                    add_violation(v, "CHG006", s->id, a->id, b->id, detail);
                }
            }
        }
    }
}

static void on_automation(verifier *v, v_system *s, const cJSON *o, int64_t at)
{
    const char *id = jstr(o, "id"), *status = jstr(o, "status");
    defn d;
    if (!id || !status || defn_from_json(o, &d) != 0) {
        add_violation(v, "FORMAT", s->id, id, NULL, "malformed automation event");
        return;
    }
    void **slot = hm_put(&s->autos, id);
    v_auto *a = *slot;
    if (!a) {
        a = *slot = xcalloc(1, sizeof *a);
        snprintf(a->id, sizeof a->id, "%s", id);
        a->first_seen = at;
        a->last_review = at;
        a->approved_active = -1;
        a->last_run = INT64_MIN;
    }
    int was_active = a->active, was_seen = a->seen;
    a->def = d;
    defn_hash(&d, a->hash);
    a->active = strcmp(status, "active") == 0;
    a->seen = 1;
    int baseline = at < s->first_at + 3600;
    if (!baseline) {
        int approved = strcmp(a->approved_hash, a->hash) == 0 &&
                       (a->approved_active < 0 || a->approved_active == a->active);
        if (!approved)
            add_violation(v, was_seen && !was_active && a->active ? "CHG005" : "CHG001", s->id, id,
                          NULL, "observed definition is not the latest approved version");
    }
    if (a->active && !was_active) {
        a->active_since = at;
        a->last_run = INT64_MIN;
    }
    if (a->active) {
        check_targets_active(v, s, a);
        check_pairs(v, s, a);
    }
}

static int is_owner(const v_auto *a, const char *user)
{
    for (int r = 0; r < 3; r++)
        if (a->owners[r] && strcmp(a->owners[r], user) == 0)
            return 1;
    return 0;
}

static void on_change(verifier *v, v_system *s, const cJSON *o, int64_t at)
{
    const char *autoid = jstr(o, "automation"), *state = jstr(o, "state");
    const char *author = jstr(o, "author"), *hash = jstr(o, "definition_hash");
    const char *status = jstr(o, "status");
    if (!autoid || !state || !hash) {
        add_violation(v, "FORMAT", s->id, autoid, NULL, "malformed change event");
        return;
    }
    if (strcmp(state, "approved") != 0)
        return;
    v_auto *a = hm_get(&s->autos, autoid);
    const cJSON *approvers = cJSON_GetObjectItemCaseSensitive(o, "approvers");
    int napprovers = 0, self = 0, owner = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, approvers)
    {
        if (!cJSON_IsString(it))
            continue;
        napprovers++;
        self |= author && strcmp(author, it->valuestring) == 0;
        owner |= a && is_owner(a, it->valuestring);
    }
    if (napprovers < 2 || self || !owner)
        add_violation(v, "CHG007", s->id, autoid, NULL, "approval policy not met");
    if (!a)
        return;
    snprintf(a->approved_hash, sizeof a->approved_hash, "%s", hash);
    if (status)
        a->approved_active = strcmp(status, "active") == 0;
    if (a->active && at - a->last_review > (int64_t)REVIEW_MAX_DAYS * DAY)
        add_violation(v, "CHG004", s->id, autoid, NULL, "review gap over 30 days");
    a->last_review = at;
}

static void on_ownership(verifier *v, v_system *s, const cJSON *o)
{
    static const char *const roles[3] = {"system", "decision", "outcome"};
    const char *autoid = jstr(o, "automation"), *role = jstr(o, "role");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "principal");
    v_auto *a = autoid ? hm_get(&s->autos, autoid) : NULL;
    if (!a || !role) {
        add_violation(v, "FORMAT", s->id, autoid, NULL, "ownership of an unknown automation");
        return;
    }
    for (int r = 0; r < 3; r++) {
        if (strcmp(role, roles[r]) != 0)
            continue;
        /* owners point into the users map keys, which live as long as it */
        a->owners[r] = NULL;
        if (cJSON_IsString(p)) {
            void **slot = hm_put(&s->users, p->valuestring);
            if (!*slot)
                *slot = xcalloc(1, sizeof(v_user)); /* unknown: inactive */
            hm_entry *e = hm_slot(&s->users, p->valuestring);
            a->owners[r] = e->key;
        }
    }
}

static void on_principal_deactivated(verifier *v, v_system *s, const char *id)
{
    for (size_t i = 0; i < s->autos.cap; i++) {
        v_auto *a = s->autos.slots[i].key ? s->autos.slots[i].value : NULL;
        if (!a || !a->active)
            continue;
        if (targets(&a->def, id)) {
            char detail[200];
            snprintf(detail, sizeof detail, "targets deactivated principal %.60s", id);
            add_violation(v, "OWN003", s->id, a->id, NULL, detail);
        }
        if (a->owners[0] && strcmp(a->owners[0], id) == 0)
            add_violation(v, "OWN002", s->id, a->id, NULL, "system owner deactivated");
    }
}

static void on_principal(verifier *v, v_system *s, const cJSON *o)
{
    const char *id = jstr(o, "id");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(o, "active");
    if (!id || !cJSON_IsBool(act)) {
        add_violation(v, "FORMAT", s->id, NULL, NULL, "malformed principal event");
        return;
    }
    void **slot = hm_put(&s->users, id);
    if (!*slot)
        *slot = xcalloc(1, sizeof(v_user));
    v_user *u = *slot;
    int was = u->active;
    u->active = cJSON_IsTrue(act);
    if (was && !u->active)
        on_principal_deactivated(v, s, id);
}

static void on_record(verifier *v, v_system *s, const cJSON *o, int64_t at)
{
    const char *object = jstr(o, "object"), *id = jstr(o, "id"), *op = jstr(o, "op");
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(o, "changes");
    if (!object || !id || !op) {
        add_violation(v, "FORMAT", s->id, NULL, NULL, "malformed record event");
        return;
    }
    char key[160];
    snprintf(key, sizeof key, "%s|%s", object, id);
    void **slot = hm_put(&s->records, key);
    if (!*slot)
        *slot = xcalloc(1, sizeof(v_record));
    v_record *r = *slot;
    const cJSON *ch;
    gen_buf b = {0};
    cJSON_ArrayForEach(ch, changes)
    {
        const cJSON *nv = cJSON_GetArrayItem(ch, 1);
        b.len = 0;
        canon_value(nv, &b);
        rec_set(r, ch->string, gen_buf_cstr(&b));
        if (strcmp(object, "deal") == 0 && strcmp(ch->string, "stage") == 0 && cJSON_IsString(nv) &&
            strcmp(nv->valuestring, "won") == 0)
            *hm_put(&s->won, id) = (void *)1;
    }
    gen_buf_free(&b);
    for (size_t i = 0; i < s->autos.cap; i++) {
        v_auto *a = s->autos.slots[i].key ? s->autos.slots[i].value : NULL;
        if (!a || !a->active || strcmp(a->def.object, object) != 0 || !trigger_matches(&a->def, op, changes))
            continue;
        int ok = 1;
        for (int c = 0; c < a->def.nconds && ok; c++)
            ok = cond_holds(&a->def.conds[c], r, changes);
        if (!ok)
            continue;
        char lk[320];
        v_link *l = get_link(v, s->id, a->id, object, id, lk, sizeof lk);
        l->last_match = at;
        l->outstanding++;
        push_pending(v, lk, at + SLA_SECONDS);
    }
}

static void touch_deal(v_auto *a, const char *record, int32_t day)
{
    if (a->ntouched == a->captouched) {
        a->captouched = a->captouched ? a->captouched * 2 : 64;
        a->touched = xrealloc(a->touched, a->captouched * sizeof *a->touched);
        a->touched_day = xrealloc(a->touched_day, a->captouched * sizeof *a->touched_day);
    }
    a->touched[a->ntouched] = xstrdup(record);
    a->touched_day[a->ntouched++] = day;
}

static void on_execution(verifier *v, v_system *s, const cJSON *o, int64_t at)
{
    const char *autoid = jstr(o, "automation"), *record = jstr(o, "record");
    const char *status = jstr(o, "status"), *object = jstr(o, "object");
    v_auto *a = autoid ? hm_get(&s->autos, autoid) : NULL;
    if (!a || !record || !status) {
        add_violation(v, "FORMAT", s->id, autoid, NULL, "execution of an unknown automation");
        return;
    }
    if (!a->active)
        add_violation(v, "AUD003", s->id, autoid, NULL, "execution of an inactive automation");
    if (object && strcmp(object, a->def.object) != 0)
        add_violation(v, "AUD003", s->id, autoid, NULL, "execution on another object");
    int32_t day = (int32_t)(at / DAY);
    char lk[320];
    v_link *l = get_link(v, s->id, autoid, a->def.object, record, lk, sizeof lk);
    int first_touch = !l->touched;
    l->touched = 1;
    if (a->def.on != ON_SCHEDULE && a->def.on != ON_MANUAL) {
        if (l->last_match == INT64_MIN || at - l->last_match > UNINTENDED_WINDOW)
            add_violation(v, "AUD003", s->id, autoid, NULL, "execution without a matching change in the hour before");
        if (l->outstanding > l->credits)
            l->credits++;
    }
    if (strcmp(a->def.object, "deal") == 0 && first_touch)
        touch_deal(a, record, day);
    if (a->last_run == INT64_MIN ? at - a->active_since > (int64_t)DORMANT_DAYS * DAY
                                 : at - a->last_run > (int64_t)DORMANT_DAYS * DAY)
        add_violation(v, "AUD005", s->id, autoid, NULL, "no execution for over 30 days");
    a->last_run = at;
    v_day *d = auto_day(a, day);
    d->runs++;
    if (strcmp(status, "failed") == 0)
        d->failures++;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "notified"))
    {
        if (!cJSON_IsString(it))
            continue;
        char nk[160];
        snprintf(nk, sizeof nk, "%s|%d", it->valuestring, (int)day);
        void **slot = hm_put(&s->notif, nk);
        uintptr_t n = (uintptr_t)*slot + 1;
        *slot = (void *)n;
        if (n == MAX_NOTIFY_PER_DAY + 1) {
            char detail[200];
            snprintf(detail, sizeof detail, "%.60s received over 50 notifications on day %d", it->valuestring, (int)day);
            add_violation(v, "AUD006", s->id, NULL, NULL, detail);
        }
    }
}

/* ---- end-of-stream checks --------------------------------------------------------------- */

static void check_failures_and_spikes(verifier *v, v_system *s, v_auto *a)
{
    /* windows end at each day with runs and look back 7 days, as a layer
     * evaluating at that day's events would */
    for (size_t i = 0; i < a->ndays; i++) {
        uint32_t runs = 0, fails = 0;
        for (size_t j = i + 1; j-- > 0 && a->days[j].day > a->days[i].day - 7;) {
            runs += a->days[j].runs;
            fails += a->days[j].failures;
        }
        if (fails && (double)fails / runs >= FAILURE_RATIO) {
            add_violation(v, "AUD001", s->id, a->id, NULL, "7-day failure ratio at or over 5%");
            break;
        }
    }
    for (size_t i = 0; i < a->ndays; i++) {
        int32_t day = a->days[i].day;
        int32_t from = day - 28;
        int32_t first = (int32_t)(a->first_seen / DAY);
        if (from < first)
            from = first;
        if (day - from < 28) /* a 28-day mean needs 28 days: the pipeline ramps up first */
            continue;
        uint64_t sum = 0;
        for (size_t j = 0; j < i; j++)
            if (a->days[j].day >= from)
                sum += a->days[j].runs;
        double mean = (double)sum / (day - from);
        if (a->days[i].runs >= SPIKE_MIN_VOLUME && a->days[i].runs > SPIKE_FACTOR * mean) {
            add_violation(v, "AUD003", s->id, a->id, NULL, "daily volume over 5x its 28-day mean");
            break;
        }
    }
}

static void check_conversion(verifier *v, v_system *s, v_auto *a)
{
    if (a->ntouched == 0)
        return;
    int32_t first = a->touched_day[0];
    /* a deal needs up to ~15 days to close: judge only matured touches */
    int32_t last_mature = (int32_t)(v->now / DAY) - CONVERSION_MATURITY_DAYS;
    size_t base_n = 0, base_won = 0, i = 0;
    while (i < a->ntouched && a->touched_day[i] <= last_mature) {
        int32_t bucket = (a->touched_day[i] - first) / CONVERSION_WINDOW_DAYS;
        size_t n = 0, won = 0;
        for (; i < a->ntouched && a->touched_day[i] <= last_mature &&
               (a->touched_day[i] - first) / CONVERSION_WINDOW_DAYS == bucket;
             i++) {
            n++;
            won += hm_get(&s->won, a->touched[i]) != NULL;
        }
        if (n >= CONVERSION_MIN_N && base_n >= CONVERSION_MIN_N) {
            double p1 = (double)base_won / base_n, p2 = (double)won / n;
            double pool = (double)(base_won + won) / (base_n + n);
            double se = sqrt(pool * (1 - pool) * (1.0 / base_n + 1.0 / n));
            if (se > 0 && (p2 - p1) / se < CONVERSION_Z && p2 < 0.8 * p1) {
                char detail[200];
                snprintf(detail, sizeof detail, "conversion %.3f vs baseline %.3f", p2, p1);
                add_violation(v, "AUD004", s->id, a->id, NULL, detail);
            }
        }
        base_n += n;
        base_won += won;
    }
}

static int find_cycle_from(v_auto **nodes, int n, int at, int *color)
{
    color[at] = 1;
    for (int j = 0; j < n; j++) {
        if (!defn_can_trigger(&nodes[at]->def, &nodes[j]->def))
            continue;
        if (color[j] == 1)
            return 1;
        if (color[j] == 0 && find_cycle_from(nodes, n, j, color))
            return 1;
    }
    color[at] = 2;
    return 0;
}

static int reaches(v_auto **nodes, int n, int from, int target, char *seen)
{
    if (from == target)
        return 1;
    seen[from] = 1;
    for (int j = 0; j < n; j++)
        if (!seen[j] && defn_can_trigger(&nodes[from]->def, &nodes[j]->def) &&
            reaches(nodes, n, j, target, seen))
            return 1;
    return 0;
}

/* The lexically smallest automation on some cycle: the one the layer names
 * for a cycle (docs/rules.md keys CHG003 by its smallest member). */
static const char *smallest_on_cycle(v_auto **nodes, int n)
{
    const char *best = NULL;
    char *seen = xcalloc((size_t)n + 1, 1);
    for (int k = 0; k < n; k++) {
        int on_cycle = 0;
        for (int j = 0; j < n && !on_cycle; j++) {
            if (!defn_can_trigger(&nodes[k]->def, &nodes[j]->def))
                continue;
            memset(seen, 0, (size_t)n);
            on_cycle = reaches(nodes, n, j, k, seen);
        }
        if (on_cycle && (!best || strcmp(nodes[k]->id, best) < 0))
            best = nodes[k]->id;
    }
    free(seen);
    return best;
}

static void check_end_state(verifier *v, v_system *s)
{
    int n = 0;
    v_auto **nodes = xcalloc(s->autos.n + 1, sizeof *nodes);
    hmap owned = {0};
    for (size_t i = 0; i < s->autos.cap; i++) {
        v_auto *a = s->autos.slots[i].key ? s->autos.slots[i].value : NULL;
        if (!a)
            continue;
        if (a->active) {
            nodes[n++] = a;
            v_user *o = a->owners[0] ? hm_get(&s->users, a->owners[0]) : NULL;
            if (!a->owners[0])
                add_violation(v, "OWN001", s->id, a->id, NULL, "no system owner");
            else if (!o || !o->active)
                add_violation(v, "OWN002", s->id, a->id, NULL, "system owner inactive");
            if (v->now - a->last_review > (int64_t)REVIEW_MAX_DAYS * DAY)
                add_violation(v, "CHG004", s->id, a->id, NULL, "not reviewed in the last 30 days");
            int64_t since = a->last_run == INT64_MIN ? a->active_since : a->last_run;
            if (v->now - since > (int64_t)DORMANT_DAYS * DAY)
                add_violation(v, "AUD005", s->id, a->id, NULL, "no execution in the last 30 days");
            for (int r = 0; r < 3; r++) {
                int dup = 0;
                for (int q = 0; q < r; q++)
                    dup |= a->owners[q] && a->owners[r] && strcmp(a->owners[q], a->owners[r]) == 0;
                if (!a->owners[r] || dup)
                    continue;
                void **slot = hm_put(&owned, a->owners[r]);
                *slot = (void *)((uintptr_t)*slot + 1);
                if ((uintptr_t)*slot == MAX_OWNED + 1)
                    add_violation(v, "OWN004", s->id, NULL, NULL, a->owners[r]);
            }
        }
        check_failures_and_spikes(v, s, a);
        check_conversion(v, s, a);
    }
    int *color = xcalloc((size_t)n + 1, sizeof *color);
    for (int i = 0; i < n; i++)
        if (color[i] == 0 && find_cycle_from(nodes, n, i, color)) {
            add_violation(v, "CHG003", s->id, smallest_on_cycle(nodes, n), NULL, "trigger cycle");
            break;
        }
    free(color);
    free(nodes);
    hm_free(&owned, NULL);
}

/* ---- driver and report --------------------------------------------------------------------- */

static void handle_line(verifier *v, char *line, int64_t *last_at)
{
    cJSON *o = cJSON_Parse(line);
    const char *type = o ? jstr(o, "type") : NULL, *system = o ? jstr(o, "system") : NULL;
    int64_t at;
    if (!type || !system || parse_time(jstr(o, "at"), &at) != 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "line %zu: not a valid event", v->lines);
        add_violation(v, "FORMAT", system, NULL, NULL, detail);
        cJSON_Delete(o);
        return;
    }
    if (at < *last_at) {
        char detail[64];
        snprintf(detail, sizeof detail, "line %zu: out of time order", v->lines);
        add_violation(v, "FORMAT", system, NULL, NULL, detail);
    }
    *last_at = at;
    v->now = at;
    expire_pending(v, at);
    v_system *s = get_system(v, system, at);
    if (!strcmp(type, "automation"))
        on_automation(v, s, o, at);
    else if (!strcmp(type, "execution"))
        on_execution(v, s, o, at);
    else if (!strcmp(type, "record"))
        on_record(v, s, o, at);
    else if (!strcmp(type, "principal"))
        on_principal(v, s, o);
    else if (!strcmp(type, "ownership"))
        on_ownership(v, s, o);
    else if (!strcmp(type, "change"))
        on_change(v, s, o, at);
    cJSON_Delete(o);
}

static const char *const covered_rules[] = {"OWN001", "OWN002", "OWN003", "OWN004", "CHG001",
                                            "CHG002", "CHG003", "CHG004", "CHG005", "CHG006",
                                            "CHG007", "AUD001", "AUD002", "AUD003", "AUD004",
                                            "AUD005", "AUD006", NULL};

static int rule_covered(const char *rule)
{
    for (int i = 0; covered_rules[i]; i++)
        if (!strcmp(covered_rules[i], rule))
            return 1;
    return 0;
}

static int matches(const violation *x, const plant_expectation *e)
{
    if (strcmp(x->rule, e->rule) != 0 || strcmp(x->system, e->system) != 0)
        return 0;
    return !e->automation || !strcmp(e->automation, x->a1) || !strcmp(e->automation, x->a2);
}

static int judge(verifier *v, const plant_key *expected)
{
    int failed = 0, shown = 0;
    for (size_t i = 0; i < v->nviol; i++) {
        const violation *x = &v->viol[i];
        int ok = 0;
        for (size_t k = 0; expected && k < expected->n && !ok; k++)
            ok = matches(x, &expected->items[k]);
        if (ok)
            continue;
        failed = 1;
        if (shown++ < REPORT_LIMIT)
            fprintf(v->report, "verify: %s %s %s%s%s: %s\n", x->rule, x->system, x->a1,
                    x->a2[0] ? " / " : "", x->a2, x->detail);
    }
    if (shown > REPORT_LIMIT)
        fprintf(v->report, "verify: ... %d unexpected violations in all\n", shown);
    for (size_t k = 0; expected && k < expected->n; k++) {
        const plant_expectation *e = &expected->items[k];
        if (!rule_covered(e->rule))
            continue;
        int seen = 0;
        for (size_t i = 0; i < v->nviol && !seen; i++)
            seen = matches(&v->viol[i], e);
        if (!seen) {
            failed = 1;
            fprintf(v->report, "verify: expected %s %s %s was not observed\n", e->rule, e->system,
                    e->automation ? e->automation : "-");
        }
    }
    fprintf(v->report, "verify: %zu lines, %zu violations (%zu expected), %s\n", v->lines,
            v->nviol, expected ? expected->n : 0, failed ? "FAILED" : "ok");
    return failed;
}

static void free_verifier(verifier *v)
{
    for (int i = 0; i < v->nsystems; i++) {
        v_system *s = &v->systems[i];
        hm_free(&s->autos, auto_free);
        hm_free(&s->users, free);
        hm_free(&s->records, rec_free);
        hm_free(&s->notif, NULL);
        hm_free(&s->won, NULL);
    }
    free(v->systems);
    hm_free(&v->links, free);
    for (size_t i = v->qhead; i < v->qtail; i++)
        free(v->queue[i].key);
    free(v->queue);
    free(v->viol);
}

int verify_stream(FILE *in, const plant_key *expected, FILE *report)
{
    verifier v;
    memset(&v, 0, sizeof v);
    v.report = report;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t last_at = INT64_MIN;
    while ((len = getline(&line, &cap, in)) > 0) {
        v.lines++;
        handle_line(&v, line, &last_at);
    }
    free(line);
    /* pending SLAs that end after the last event are not judged: the
     * stream stopped before their deadline */
    for (int i = 0; i < v.nsystems; i++)
        check_end_state(&v, &v.systems[i]);
    int rc = judge(&v, expected);
    free_verifier(&v);
    return rc;
}

int verify_read_key(const char *path, plant_key *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    gen_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        gen_buf_put(&b, chunk, n);
    fclose(f);
    cJSON *arr = cJSON_Parse(gen_buf_cstr(&b));
    gen_buf_free(&b);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return -1;
    }
    const cJSON *it;
    int rc = 0;
    cJSON_ArrayForEach(it, arr)
    {
        const char *rule = jstr(it, "rule"), *system = jstr(it, "system");
        if (!rule || !system) {
            rc = -1;
            break;
        }
        plant_expect(key, rule, system, jstr(it, "automation"), jstr(it, "subject"));
    }
    cJSON_Delete(arr);
    return rc;
}
