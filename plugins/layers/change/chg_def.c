/*
 * chg_def.c -- compiling an automation for the analysis, and the overlap,
 * exclusivity and trigger tests of RULES.md (see chg_def.h).
 *
 * Satisfiability of the conditions on one field is the heart of it: the
 * conditions of both automations (and, for a trigger edge, the value the
 * writer puts into the field) are pooled, and the field is satisfiable when
 * some value can pass all of them. Candidate values come from eq/in (and the
 * written value); without candidates only set/unset and numeric bounds can
 * contradict. Bounds that are not both numbers are assumed to meet, and
 * unknown (computed) values satisfy everything: when in doubt, co-fire.
 */
#include "chg_def.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- values -------------------------------------------------------------- */

static int reads_as_number(const char *s, double *out)
{
    if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
        return 0;
    char *end;
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return 0;
    *out = d;
    return 1;
}

static struct chg_value compile_value(struct chg_strtab *st, const struct crmgov_value *v)
{
    struct chg_value out = { 0 };
    char num[40];
    switch (v->type) {
    case CRMGOV_VALUE_NULL:
        out.type = CHG_VAL_NULL;
        break;
    case CRMGOV_VALUE_BOOL:
        out.type = CHG_VAL_BOOL;
        out.text = chg_intern(st, v->boolean ? "true" : "false");
        break;
    case CRMGOV_VALUE_NUMBER:
        out.type = CHG_VAL_NUMBER;
        out.numeric = 1;
        out.num = v->number;
        snprintf(num, sizeof(num), "%.17g", v->number);
        out.text = chg_intern(st, num);
        break;
    case CRMGOV_VALUE_STRING:
        out.type = CHG_VAL_STRING;
        out.text = chg_intern(st, v->string ? v->string : "");
        out.numeric = (uint8_t)reads_as_number(v->string ? v->string : "", &out.num);
        break;
    default:
        out.type = CHG_VAL_UNKNOWN; /* absent, arrays, objects (formulas) */
        break;
    }
    return out;
}

int chg_value_equal(const struct chg_value *x, const struct chg_value *y)
{
    if (x->type == CHG_VAL_UNKNOWN || y->type == CHG_VAL_UNKNOWN)
        return 0;
    if (x->numeric && y->numeric)
        return x->num == y->num;
    return x->type == y->type && x->text == y->text;
}

char *chg_value_json(const struct chg_strtab *st, const struct chg_value *v)
{
    switch (v->type) {
    case CHG_VAL_NULL:
        return chg_xstrdup("null");
    case CHG_VAL_BOOL:
    case CHG_VAL_NUMBER:
        return chg_xstrdup(chg_str(st, v->text));
    case CHG_VAL_STRING: {
        cJSON *s = cJSON_CreateString(chg_str(st, v->text));
        char *text = cJSON_PrintUnformatted(s);
        cJSON_Delete(s);
        char *copy = chg_xstrdup(text ? text : "\"\"");
        cJSON_free(text);
        return copy;
    }
    default:
        return chg_xstrdup("\"(computed)\"");
    }
}

/* Ordering of two bounds or a candidate and a bound: only numbers compare. */
static int comparable(const struct chg_value *x, const struct chg_value *y)
{
    return x->numeric && y->numeric;
}

/* ---- satisfiability of one field ------------------------------------------ */

#define FIELD_MAX_TERMS 64

struct field_terms {
    int must_set, must_unset;
    const struct chg_value *cand[FIELD_MAX_TERMS];  /* candidate lists */
    uint32_t cand_n[FIELD_MAX_TERMS];
    int n_cand;
    const struct chg_value *excl[FIELD_MAX_TERMS];
    int n_excl;
    const struct chg_value *gt[FIELD_MAX_TERMS], *lt[FIELD_MAX_TERMS];
    int n_gt, n_lt;
    int overflow;           /* too many terms: give up, assume satisfiable */
};

static void add_ptr(const struct chg_value **arr, int *n, const struct chg_value *v,
                    int *overflow)
{
    if (*n == FIELD_MAX_TERMS)
        *overflow = 1;
    else
        arr[(*n)++] = v;
}

static void add_candidates(struct field_terms *t, const struct chg_value *list, uint32_t n)
{
    if (t->n_cand == FIELD_MAX_TERMS) {
        t->overflow = 1;
        return;
    }
    t->cand[t->n_cand] = list;
    t->cand_n[t->n_cand++] = n;
}

static int list_has_null(const struct chg_value *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].type == CHG_VAL_NULL)
            return 1;
    return 0;
}

static void add_condition(struct field_terms *t, const struct chg_cond *c)
{
    const struct chg_value *v = &c->value;
    switch (c->op) {
    case CRMGOV_OP_EQ:
        if (v->type == CHG_VAL_NULL) {
            t->must_unset = 1;
        } else if (v->type != CHG_VAL_UNKNOWN) {
            add_candidates(t, v, 1);
            t->must_set = 1;
        }
        break;
    case CRMGOV_OP_NE:
        if (v->type == CHG_VAL_NULL)
            t->must_set = 1;
        else if (v->type != CHG_VAL_UNKNOWN)
            add_ptr(t->excl, &t->n_excl, v, &t->overflow);
        break;
    case CRMGOV_OP_IN:
        add_candidates(t, c->list, c->n_list);
        if (!list_has_null(c->list, c->n_list))
            t->must_set = 1;
        break;
    case CRMGOV_OP_NOT_IN:
        for (uint32_t i = 0; i < c->n_list; i++) {
            if (c->list[i].type == CHG_VAL_NULL)
                t->must_set = 1;
            else if (c->list[i].type != CHG_VAL_UNKNOWN)
                add_ptr(t->excl, &t->n_excl, &c->list[i], &t->overflow);
        }
        break;
    case CRMGOV_OP_GT:
    case CRMGOV_OP_LT:
        t->must_set = 1;
        if (v->numeric)
            add_ptr(c->op == CRMGOV_OP_GT ? t->gt : t->lt,
                    c->op == CRMGOV_OP_GT ? &t->n_gt : &t->n_lt, v, &t->overflow);
        break;
    case CRMGOV_OP_SET:
        t->must_set = 1;
        break;
    case CRMGOV_OP_UNSET:
        t->must_unset = 1;
        break;
    default: /* changed: says nothing about the value */
        break;
    }
}

static int in_list(const struct chg_value *v, const struct chg_value *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v->type == CHG_VAL_NULL ? list[i].type == CHG_VAL_NULL
                                    : chg_value_equal(v, &list[i]))
            return 1;
    }
    return 0;
}

static int candidate_passes(const struct field_terms *t, const struct chg_value *c)
{
    if (c->type == CHG_VAL_UNKNOWN)
        return 1;
    if (c->type == CHG_VAL_NULL ? t->must_set : t->must_unset)
        return 0;
    for (int i = 1; i < t->n_cand; i++)
        if (!in_list(c, t->cand[i], t->cand_n[i]))
            return 0;
    for (int i = 0; i < t->n_excl; i++)
        if (chg_value_equal(c, t->excl[i]))
            return 0;
    for (int i = 0; i < t->n_gt; i++)
        if (comparable(c, t->gt[i]) && !(c->num > t->gt[i]->num))
            return 0;
    for (int i = 0; i < t->n_lt; i++)
        if (comparable(c, t->lt[i]) && !(c->num < t->lt[i]->num))
            return 0;
    return 1;
}

static int terms_satisfiable(const struct field_terms *t)
{
    if (t->overflow)
        return 1;
    if (t->must_set && t->must_unset)
        return 0;
    if (t->n_cand == 0) {
        for (int i = 0; i < t->n_gt; i++)
            for (int j = 0; j < t->n_lt; j++)
                if (t->gt[i]->num >= t->lt[j]->num)
                    return 0;
        return 1;
    }
    for (uint32_t k = 0; k < t->cand_n[0]; k++)
        if (candidate_passes(t, &t->cand[0][k]))
            return 1;
    return 0;
}

/* The conditions of d on `field`: a slice of the sorted array. */
static const struct chg_cond *conds_on(const struct chg_def *d, uint32_t field, uint32_t *n)
{
    uint32_t lo = 0, hi = d->n_conds;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (d->conds[mid].field < field)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t end = lo;
    while (end < d->n_conds && d->conds[end].field == field)
        end++;
    *n = end - lo;
    return d->conds + lo;
}

/* Can one value of the field pass the conditions of a (and of b when given),
 * after `written` (NULL: nothing written) was put into it? */
static int field_satisfiable(const struct chg_cond *a, uint32_t na, const struct chg_cond *b,
                             uint32_t nb, const struct chg_value *written)
{
    struct field_terms t;
    t.must_set = t.must_unset = t.n_cand = t.n_excl = t.n_gt = t.n_lt = t.overflow = 0;
    for (uint32_t i = 0; i < na; i++)
        add_condition(&t, &a[i]);
    for (uint32_t i = 0; i < nb; i++)
        add_condition(&t, &b[i]);
    if (written && written->type == CHG_VAL_NULL) {
        t.must_unset = 1;
    } else if (written && written->type != CHG_VAL_UNKNOWN) {
        add_candidates(&t, written, 1);
        t.must_set = 1;
    }
    return terms_satisfiable(&t);
}

/* ---- compiling ------------------------------------------------------------ */

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static uint32_t sort_unique(uint32_t *v, uint32_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof(*v), cmp_u32);
    uint32_t k = 1;
    for (uint32_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

static int cmp_cond(const void *x, const void *y)
{
    const struct chg_cond *a = x, *b = y;
    return a->field < b->field ? -1 : a->field > b->field;
}

static int cmp_write(const void *x, const void *y)
{
    const struct chg_write *a = x, *b = y;
    if (a->obj != b->obj)
        return a->obj < b->obj ? -1 : 1;
    if (a->field != b->field)
        return a->field < b->field ? -1 : 1;
    return a->action < b->action ? -1 : a->action > b->action;
}

static void compile_trigger(struct chg_strtab *st, const struct crmgov_automation *a,
                            struct chg_def *d)
{
    d->on = (uint8_t)a->trigger.on;
    if (a->trigger.on != CRMGOV_ON_UPDATE && a->trigger.on != CRMGOV_ON_CREATE_OR_UPDATE)
        return;
    d->fields = chg_xcalloc(a->trigger.n_fields, sizeof(uint32_t));
    uint32_t n = 0;
    for (size_t i = 0; i < a->trigger.n_fields; i++) {
        uint32_t f = chg_intern(st, a->trigger.fields[i]);
        if (f)
            d->fields[n++] = f;
    }
    d->n_fields = sort_unique(d->fields, n);
}

static void compile_conditions(struct chg_strtab *st, const struct crmgov_automation *a,
                               struct chg_def *d)
{
    d->conds = chg_xcalloc(a->n_conditions, sizeof(struct chg_cond));
    d->changed = chg_xcalloc(a->n_conditions, sizeof(uint32_t));
    for (size_t i = 0; i < a->n_conditions; i++) {
        const struct crmgov_condition *c = &a->conditions[i];
        struct chg_cond *out = &d->conds[d->n_conds++];
        out->field = chg_intern(st, c->field);
        out->op = (uint8_t)c->op;
        if (c->op == CRMGOV_OP_IN || c->op == CRMGOV_OP_NOT_IN) {
            size_t n = c->value.type == CRMGOV_VALUE_ARRAY ? c->value.n_items : 0;
            out->list = chg_xcalloc(n, sizeof(struct chg_value));
            for (size_t k = 0; k < n; k++)
                out->list[k] = compile_value(st, &c->value.items[k]);
            out->n_list = (uint32_t)n;
        } else {
            out->value = compile_value(st, &c->value);
        }
        if (c->op == CRMGOV_OP_CHANGED)
            d->changed[d->n_changed++] = out->field;
    }
    qsort(d->conds, d->n_conds, sizeof(*d->conds), cmp_cond);
    d->n_changed = sort_unique(d->changed, d->n_changed);
}

/* Two writes of one field with different constants leave it undetermined. */
static void blur_repeated_writes(struct chg_def *d)
{
    for (uint32_t i = 1; i < d->n_writes; i++) {
        struct chg_write *p = &d->writes[i - 1], *w = &d->writes[i];
        if (p->obj == w->obj && p->field == w->field && !chg_value_equal(&p->value, &w->value))
            p->value.type = w->value.type = CHG_VAL_UNKNOWN;
    }
}

static void compile_actions(struct chg_strtab *st, const struct crmgov_automation *a,
                            struct chg_def *d)
{
    d->writes = chg_xcalloc(a->n_actions, sizeof(struct chg_write));
    d->targets = chg_xcalloc(a->n_actions, sizeof(struct chg_target));
    for (size_t i = 0; i < a->n_actions && i < UINT16_MAX; i++) {
        const struct crmgov_action *act = &a->actions[i];
        uint32_t obj = act->object && act->object[0] ? chg_intern(st, act->object) : d->obj;
        if (act->type == CRMGOV_ACTION_SET_FIELD && act->field && act->field[0]) {
            struct chg_write *w = &d->writes[d->n_writes++];
            w->obj = obj;
            w->field = chg_intern(st, act->field);
            w->value = compile_value(st, &act->value);
            w->action = (uint16_t)i;
        }
        int reaches = act->type == CRMGOV_ACTION_NOTIFY || act->type == CRMGOV_ACTION_ASSIGN ||
                      act->type == CRMGOV_ACTION_CREATE_TASK || act->type == CRMGOV_ACTION_EMAIL;
        if (!reaches || !act->to || !act->to[0])
            continue;
        struct chg_target *t = &d->targets[d->n_targets++];
        t->type = (uint8_t)act->type;
        t->to = chg_intern(st, act->to);
        t->action = (uint16_t)i;
        if (act->type == CRMGOV_ACTION_ASSIGN) {
            struct chg_write *w = &d->writes[d->n_writes++];
            w->obj = obj;
            w->field = chg_intern(st, "owner_id");
            w->value.type = CHG_VAL_STRING;
            w->value.text = t->to;
            w->value.numeric = (uint8_t)reads_as_number(act->to, &w->value.num);
            w->action = (uint16_t)i;
            w->from_assign = 1;
        }
    }
    qsort(d->writes, d->n_writes, sizeof(*d->writes), cmp_write);
    blur_repeated_writes(d);
}

/* A connector-declared capability in the automation's attributes is false:
 * `automated_changes_trigger` (not started by changes automations make, as
 * Bitrix24 auto-start processes) or `writes_trigger_automations` (its writes
 * never start automations, as Salesforce before-save flows). */
static int attribute_is_false(const char *attributes_json, const char *name)
{
    if (!attributes_json)
        return 0;
    cJSON *attrs = cJSON_Parse(attributes_json);
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive(attrs, name);
    int is_false = cJSON_IsFalse(flag);
    cJSON_Delete(attrs);
    return is_false;
}

static int contradicts_itself(const struct chg_def *d)
{
    for (uint32_t i = 0; i < d->n_conds;) {
        uint32_t n;
        const struct chg_cond *c = conds_on(d, d->conds[i].field, &n);
        if (!field_satisfiable(c, n, NULL, 0, NULL))
            return 1;
        i += n;
    }
    return 0;
}

struct chg_def *chg_def_compile(struct chg_strtab *st, const struct crmgov_automation *a)
{
    struct chg_def *d = chg_xcalloc(1, sizeof(*d));
    d->obj = chg_intern(st, a->object);
    d->hash = chg_intern(st, a->definition_hash);
    compile_trigger(st, a, d);
    compile_conditions(st, a, d);
    compile_actions(st, a, d);
    d->no_auto_trigger = (uint8_t)attribute_is_false(a->attributes_json,
                                                     "automated_changes_trigger");
    d->writes_in_save = (uint8_t)attribute_is_false(a->attributes_json,
                                                    "writes_trigger_automations");
    d->never_fires = (uint8_t)contradicts_itself(d);
    return d;
}

void chg_def_free(struct chg_def *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n_conds; i++)
        free(d->conds[i].list);
    free(d->conds);
    free(d->fields);
    free(d->writes);
    free(d->targets);
    free(d->changed);
    free(d);
}

/* ---- the pair tests ------------------------------------------------------- */

enum { FIRE_CREATE = 1, FIRE_UPDATE = 2, FIRE_DELETE = 4, FIRE_SCHEDULE = 8 };

/* Manual automations are started one at a time by a person: they never fire
 * together on one record change. */
static int fire_mask(uint8_t on)
{
    switch (on) {
    case CRMGOV_ON_CREATE:
        return FIRE_CREATE;
    case CRMGOV_ON_UPDATE:
        return FIRE_UPDATE;
    case CRMGOV_ON_DELETE:
        return FIRE_DELETE;
    case CRMGOV_ON_CREATE_OR_UPDATE:
        return FIRE_CREATE | FIRE_UPDATE;
    case CRMGOV_ON_SCHEDULE:
        return FIRE_SCHEDULE;
    default:
        return 0;
    }
}

static int sorted_meet(const uint32_t *x, uint32_t nx, const uint32_t *y, uint32_t ny)
{
    uint32_t i = 0, j = 0;
    while (i < nx && j < ny) {
        if (x[i] == y[j])
            return 1;
        if (x[i] < y[j])
            i++;
        else
            j++;
    }
    return 0;
}

int chg_listens_update(const struct chg_def *d)
{
    return d->on == CRMGOV_ON_UPDATE || d->on == CRMGOV_ON_CREATE_OR_UPDATE;
}

int chg_triggers_overlap(const struct chg_def *a, const struct chg_def *b)
{
    if (a->obj != b->obj || !a->obj)
        return 0;
    int common = fire_mask(a->on) & fire_mask(b->on);
    if (common & ~FIRE_UPDATE)
        return 1;
    if (!(common & FIRE_UPDATE))
        return 0;
    return !a->n_fields || !b->n_fields ||
           sorted_meet(a->fields, a->n_fields, b->fields, b->n_fields);
}

int chg_exclusive(const struct chg_def *a, const struct chg_def *b)
{
    if (a->never_fires || b->never_fires)
        return 1;
    uint32_t i = 0, j = 0;
    while (i < a->n_conds && j < b->n_conds) {
        uint32_t fa = a->conds[i].field, fb = b->conds[j].field;
        if (fa < fb) {
            i++;
            continue;
        }
        if (fb < fa) {
            j++;
            continue;
        }
        uint32_t na, nb;
        const struct chg_cond *ca = conds_on(a, fa, &na);
        const struct chg_cond *cb = conds_on(b, fb, &nb);
        if (!field_satisfiable(ca, na, cb, nb, NULL))
            return 1;
        i += na;
        j += nb;
    }
    return 0;
}

int chg_can_cofire(const struct chg_def *a, const struct chg_def *b)
{
    return chg_triggers_overlap(a, b) && !chg_exclusive(a, b);
}

const struct chg_write *chg_writes_on(const struct chg_def *d, uint32_t obj, uint32_t *n)
{
    uint32_t lo = 0, hi = d->n_writes;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (d->writes[mid].obj < obj)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t end = lo;
    while (end < d->n_writes && d->writes[end].obj == obj)
        end++;
    *n = end - lo;
    return d->writes + lo;
}

static int written_field(const struct chg_write *w, uint32_t n, uint32_t field)
{
    for (uint32_t i = 0; i < n; i++)
        if (w[i].field == field)
            return 1;
    return 0;
}

/* The `changed` conditions of b can only hold for fields a's update changes. */
static int changed_fields_written(const struct chg_def *b, const struct chg_write *w, uint32_t n)
{
    for (uint32_t i = 0; i < b->n_changed; i++)
        if (!written_field(w, n, b->changed[i]))
            return 0;
    return 1;
}

int chg_can_trigger(const struct chg_def *a, const struct chg_def *b, uint32_t *field)
{
    if (!chg_listens_update(b) || b->no_auto_trigger || a->writes_in_save || b->never_fires ||
        a->never_fires)
        return 0;
    uint32_t n;
    const struct chg_write *w = chg_writes_on(a, b->obj, &n);
    if (!n || !changed_fields_written(b, w, n))
        return 0;
    uint32_t fires_on = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!fires_on && (!b->n_fields || sorted_meet(b->fields, b->n_fields, &w[i].field, 1)))
            fires_on = w[i].field;
        uint32_t nc;
        const struct chg_cond *c = conds_on(b, w[i].field, &nc);
        if (nc && !field_satisfiable(c, nc, NULL, 0, &w[i].value))
            return 0; /* the written value contradicts b's conditions */
    }
    if (!fires_on)
        return 0;
    if (field)
        *field = fires_on;
    return 1;
}
