/*
 * test_change_engine.c -- the change layer's analysis engine on its own.
 *
 * 1. The predicates (chg_def.c) on hand-written cases: exclusivity of every
 *    condition pairing RULES.md names, and the trigger edge rule.
 * 2. The incremental engine against a brute-force oracle: random inventories
 *    are built, modified and shrunk one put at a time, and after every put the
 *    engine's pairs and cycles must equal what comparing every pair and
 *    enumerating every elementary cycle finds -- and the deltas the engine
 *    told, replayed into a set, must equal them too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/change/chg_def.h"
#include "layers/change/chg_engine.h"

/* ---- building definitions ------------------------------------------------------------ */

static struct crmgov_value str_value(const char *s)
{
    struct crmgov_value v = { .type = CRMGOV_VALUE_STRING, .string = s };
    return v;
}

static struct crmgov_value num_value(double d)
{
    struct crmgov_value v = { .type = CRMGOV_VALUE_NUMBER, .number = d };
    return v;
}

static struct crmgov_condition cond(const char *field, enum crmgov_condition_op op,
                                    struct crmgov_value v)
{
    struct crmgov_condition c = { field, op, v };
    return c;
}

static struct chg_def *compile(struct chg_strtab *st, const char *object,
                               enum crmgov_trigger_on on, const char *const *fields,
                               size_t n_fields, const struct crmgov_condition *conds,
                               size_t n_conds, const struct crmgov_action *acts, size_t n_acts)
{
    struct crmgov_automation a = { .struct_size = sizeof(a), .id = "x", .object = object,
                                   .trigger = { on, fields, n_fields }, .conditions = conds,
                                   .n_conditions = n_conds, .actions = acts, .n_actions = n_acts,
                                   .definition_hash = "h" };
    return chg_def_compile(st, &a);
}

static int exclusive(struct chg_strtab *st, struct crmgov_condition ca, struct crmgov_condition cb)
{
    struct chg_def *a = compile(st, "lead", CRMGOV_ON_CREATE, NULL, 0, &ca, 1, NULL, 0);
    struct chg_def *b = compile(st, "lead", CRMGOV_ON_CREATE, NULL, 0, &cb, 1, NULL, 0);
    int x = chg_exclusive(a, b);
    assert_int_equal(x, chg_exclusive(b, a));
    chg_def_free(a);
    chg_def_free(b);
    return x;
}

static void test_exclusive_cases(void **state)
{
    (void)state;
    struct chg_strtab st;
    chg_strtab_init(&st);
    struct crmgov_value none = { 0 };
    struct crmgov_value emea_amer[] = { str_value("emea"), str_value("amer") };
    struct crmgov_value apac[] = { str_value("apac") };
    struct crmgov_value amer_apac[] = { str_value("amer"), str_value("apac") };
    struct crmgov_value set1 = { .type = CRMGOV_VALUE_ARRAY, .items = emea_amer, .n_items = 2 };
    struct crmgov_value set2 = { .type = CRMGOV_VALUE_ARRAY, .items = apac, .n_items = 1 };
    struct crmgov_value set3 = { .type = CRMGOV_VALUE_ARRAY, .items = amer_apac, .n_items = 2 };
    /* the four cases of RULES.md */
    assert_true(exclusive(&st, cond("s", CRMGOV_OP_EQ, str_value("a")),
                          cond("s", CRMGOV_OP_EQ, str_value("b"))));
    assert_true(exclusive(&st, cond("r", CRMGOV_OP_IN, set1), cond("r", CRMGOV_OP_IN, set2)));
    assert_true(exclusive(&st, cond("e", CRMGOV_OP_SET, none), cond("e", CRMGOV_OP_UNSET, none)));
    assert_true(exclusive(&st, cond("n", CRMGOV_OP_GT, num_value(50000)),
                          cond("n", CRMGOV_OP_LT, num_value(20000))));
    assert_true(exclusive(&st, cond("n", CRMGOV_OP_GT, num_value(10)),
                          cond("n", CRMGOV_OP_LT, num_value(10))));
    /* mixtures */
    assert_true(exclusive(&st, cond("n", CRMGOV_OP_EQ, num_value(5)),
                          cond("n", CRMGOV_OP_GT, num_value(10))));
    assert_true(exclusive(&st, cond("n", CRMGOV_OP_EQ, str_value("5")),
                          cond("n", CRMGOV_OP_NE, num_value(5))));
    assert_true(exclusive(&st, cond("r", CRMGOV_OP_EQ, str_value("apac")),
                          cond("r", CRMGOV_OP_NOT_IN, set3)));
    assert_true(exclusive(&st, cond("r", CRMGOV_OP_EQ, str_value("apac")),
                          cond("r", CRMGOV_OP_UNSET, none)));
    /* not exclusive */
    assert_false(exclusive(&st, cond("s", CRMGOV_OP_EQ, str_value("a")),
                           cond("s", CRMGOV_OP_EQ, str_value("a"))));
    assert_false(exclusive(&st, cond("r", CRMGOV_OP_IN, set1), cond("r", CRMGOV_OP_IN, set3)));
    assert_false(exclusive(&st, cond("n", CRMGOV_OP_GT, num_value(10)),
                           cond("n", CRMGOV_OP_LT, num_value(11))));
    assert_false(exclusive(&st, cond("s", CRMGOV_OP_EQ, str_value("a")),
                           cond("t", CRMGOV_OP_EQ, str_value("b"))));
    assert_false(exclusive(&st, cond("s", CRMGOV_OP_NE, str_value("a")),
                           cond("s", CRMGOV_OP_NE, str_value("b"))));
    assert_false(exclusive(&st, cond("s", CRMGOV_OP_CHANGED, none),
                           cond("s", CRMGOV_OP_UNSET, none)));
    /* string bounds are not ordered: assumed to meet */
    assert_false(exclusive(&st, cond("d", CRMGOV_OP_GT, str_value("2026-05-01")),
                           cond("d", CRMGOV_OP_LT, str_value("2026-01-01"))));
    chg_strtab_free(&st);
}

static void test_trigger_edge(void **state)
{
    (void)state;
    struct chg_strtab st;
    chg_strtab_init(&st);
    const char *stage[] = { "stage" };
    struct crmgov_action won = { .type = CRMGOV_ACTION_SET_FIELD, .field = "stage",
                                 .value = str_value("won") };
    /* a lead automation writing a computed value into its deal's stage */
    struct crmgov_action other = { .type = CRMGOV_ACTION_SET_FIELD, .field = "stage",
                                   .object = "deal" };
    struct crmgov_condition is_won = cond("stage", CRMGOV_OP_EQ, str_value("won"));
    struct crmgov_condition is_lost = cond("stage", CRMGOV_OP_EQ, str_value("lost"));
    struct chg_def *writer = compile(&st, "deal", CRMGOV_ON_CREATE, NULL, 0, NULL, 0, &won, 1);
    struct chg_def *lead_writer =
        compile(&st, "lead", CRMGOV_ON_CREATE, NULL, 0, NULL, 0, &other, 1);
    struct chg_def *on_won = compile(&st, "deal", CRMGOV_ON_UPDATE, stage, 1, &is_won, 1, NULL, 0);
    struct chg_def *on_lost = compile(&st, "deal", CRMGOV_ON_CREATE_OR_UPDATE, stage, 1, &is_lost,
                                      1, NULL, 0);
    struct chg_def *on_create = compile(&st, "deal", CRMGOV_ON_CREATE, NULL, 0, NULL, 0, NULL, 0);
    uint32_t field = 0;
    assert_true(chg_can_trigger(writer, on_won, &field));
    assert_string_equal(chg_str(&st, field), "stage");
    assert_false(chg_can_trigger(writer, on_lost, NULL));   /* "won" contradicts eq lost */
    assert_false(chg_can_trigger(writer, on_create, NULL)); /* writes are updates */
    assert_true(chg_can_trigger(lead_writer, on_lost, NULL)); /* computed: may be "lost" */
    assert_false(chg_can_trigger(on_won, on_won, NULL));      /* writes nothing */
    chg_def_free(writer);
    chg_def_free(lead_writer);
    chg_def_free(on_won);
    chg_def_free(on_lost);
    chg_def_free(on_create);
    chg_strtab_free(&st);
}

/* ---- random inventories against a brute-force oracle ---------------------------------------- */

struct rng {
    uint64_t s;
};

static uint32_t next(struct rng *r, uint32_t below)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s % below);
}

static const char *const OBJECTS[] = { "lead", "deal" };
static const char *const FIELDS[] = { "f0", "f1", "f2", "f3", "f4" };
static const char *const VALUES[] = { "a", "b", "c" };
static const char *const USERS[] = { "u0", "u1", "u2" };

static struct chg_def *random_def(struct chg_strtab *st, struct rng *r)
{
    const char *fields[3];
    struct crmgov_condition conds[3];
    struct crmgov_action acts[4];
    size_t nf = 0, nc = 0, na = 0;
    enum crmgov_trigger_on on = (enum crmgov_trigger_on)next(r, 6);
    if (on == CRMGOV_ON_UPDATE || on == CRMGOV_ON_CREATE_OR_UPDATE)
        nf = next(r, 3);
    for (size_t i = 0; i < nf; i++)
        fields[i] = FIELDS[next(r, 5)];
    nc = next(r, 3);
    for (size_t i = 0; i < nc; i++) {
        static const enum crmgov_condition_op ops[] = { CRMGOV_OP_EQ, CRMGOV_OP_NE,
                                                        CRMGOV_OP_SET, CRMGOV_OP_UNSET };
        enum crmgov_condition_op op = ops[next(r, 4)];
        struct crmgov_value v = { 0 };
        if (op == CRMGOV_OP_EQ || op == CRMGOV_OP_NE)
            v = str_value(VALUES[next(r, 3)]);
        conds[i] = cond(FIELDS[next(r, 5)], op, v);
    }
    na = 1 + next(r, 4);
    for (size_t i = 0; i < na; i++) {
        struct crmgov_action a = { 0 };
        if (next(r, 3)) {
            a.type = CRMGOV_ACTION_SET_FIELD;
            a.field = FIELDS[next(r, 5)];
            if (next(r, 4))
                a.value = str_value(VALUES[next(r, 3)]);
            if (!next(r, 5))
                a.object = OBJECTS[next(r, 2)];
        } else {
            static const enum crmgov_action_type types[] = { CRMGOV_ACTION_NOTIFY,
                                                             CRMGOV_ACTION_EMAIL,
                                                             CRMGOV_ACTION_ASSIGN };
            a.type = types[next(r, 3)];
            a.to = USERS[next(r, 3)];
        }
        acts[i] = a;
    }
    return compile(st, OBJECTS[next(r, 2)], on, fields, nf, conds, nc, acts, na);
}

#define MAX_NODES 24

struct world {
    struct chg_strtab st;
    struct chg_engine e;
    uint32_t sys[2];
    uint32_t ids[MAX_NODES];
    struct chg_def *defs[2][MAX_NODES]; /* a copy of what the engine holds, or NULL */
    /* what the deltas said: keys present (count) */
    char *told[4096];
    int told_count[4096];
    int n_told;
};

static char *pair_key(const struct chg_strtab *st, uint32_t sys, uint32_t a, uint32_t b, int rule,
                      int type, uint32_t obj, uint32_t what)
{
    uint32_t lo = strcmp(chg_str(st, a), chg_str(st, b)) < 0 ? a : b, hi = lo == a ? b : a;
    char *k = NULL;
    assert_true(asprintf(&k, "%u P%d %s %s %d %u %u", sys, rule, chg_str(st, lo), chg_str(st, hi),
                         type, obj, what) > 0);
    return k;
}

static void told(void *ctx, const struct chg_delta *d)
{
    struct world *w = ctx;
    char *k;
    if (d->kind == CHG_DELTA_PAIR)
        k = pair_key(&w->st, d->node->sys, d->node->id, d->pair->other->id, d->pair->rule,
                     d->pair->type, d->pair->obj, d->pair->what);
    else
        assert_true(asprintf(&k, "%u C %s", d->cycle->sys, chg_str(&w->st, d->cycle->key)) > 0);
    for (int i = 0; i < w->n_told; i++) {
        if (strcmp(w->told[i], k) == 0) {
            w->told_count[i] += d->appear ? 1 : -1;
            assert_true(w->told_count[i] >= 0 && w->told_count[i] <= 1);
            free(k);
            return;
        }
    }
    assert_true(d->appear);
    assert_true(w->n_told < 4096);
    w->told[w->n_told] = k;
    w->told_count[w->n_told++] = 1;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

struct keyset {
    char *k[4096];
    int n;
};

static void add_key(struct keyset *s, char *k)
{
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->k[i], k) == 0) {
            free(k);
            return;
        }
    }
    assert_true(s->n < 4096);
    s->k[s->n++] = k;
}

static void oracle_pairs(struct world *w, int s, struct keyset *out)
{
    for (int i = 0; i < MAX_NODES; i++) {
        for (int j = i + 1; j < MAX_NODES; j++) {
            const struct chg_def *a = w->defs[s][i], *b = w->defs[s][j];
            if (!a || !b || !chg_can_cofire(a, b))
                continue;
            for (uint32_t x = 0; x < a->n_writes; x++)
                for (uint32_t y = 0; y < b->n_writes; y++) {
                    const struct chg_write *p = &a->writes[x], *q = &b->writes[y];
                    if (p->obj != q->obj || p->field != q->field)
                        continue;
                    int same = chg_value_equal(&p->value, &q->value);
                    if (same && p->from_assign && q->from_assign)
                        continue;
                    add_key(out, pair_key(&w->st, w->sys[s], w->ids[i], w->ids[j],
                                          same ? CHG_PAIR_DUPLICATE : CHG_PAIR_CONFLICT,
                                          CRMGOV_ACTION_SET_FIELD, p->obj, p->field));
                }
            for (uint32_t x = 0; x < a->n_targets; x++)
                for (uint32_t y = 0; y < b->n_targets; y++)
                    if (a->targets[x].type == b->targets[y].type &&
                        a->targets[x].to == b->targets[y].to)
                        add_key(out, pair_key(&w->st, w->sys[s], w->ids[i], w->ids[j],
                                              CHG_PAIR_DUPLICATE, a->targets[x].type, 0,
                                              a->targets[x].to));
        }
    }
}

/* Every elementary cycle, each found from its lowest index. */
static void cycles_from(struct world *w, int s, int start, int at, int *path, int depth,
                        int *on_path, struct keyset *out)
{
    for (int t = start; t < MAX_NODES; t++) {
        const struct chg_def *a = w->defs[s][at], *b = w->defs[s][t];
        if (!b || !chg_can_trigger(a, b, NULL))
            continue;
        if (t == start) {
            const char *names[MAX_NODES] = { 0 };
            for (int i = 0; i < depth; i++)
                names[i] = chg_str(&w->st, w->ids[path[i]]);
            qsort(names, (size_t)depth, sizeof(char *), cmp_str);
            char buf[1024] = "";
            for (int i = 0; i < depth; i++) {
                strcat(buf, i ? "," : "");
                strcat(buf, names[i]);
            }
            char *k;
            assert_true(asprintf(&k, "%u C %s", w->sys[s], buf) > 0);
            add_key(out, k);
        } else if (!on_path[t]) {
            on_path[t] = 1;
            path[depth] = t;
            cycles_from(w, s, start, t, path, depth + 1, on_path, out);
            on_path[t] = 0;
        }
    }
}

static void oracle(struct world *w, struct keyset *out)
{
    for (int s = 0; s < 2; s++) {
        oracle_pairs(w, s, out);
        for (int start = 0; start < MAX_NODES; start++) {
            if (!w->defs[s][start])
                continue;
            int path[MAX_NODES] = { start }, on_path[MAX_NODES] = { 0 };
            on_path[start] = 1;
            cycles_from(w, s, start, start, path, 1, on_path, out);
        }
    }
}

static int engine_keys(void *ctx, struct chg_node *n)
{
    void **args = ctx;
    struct world *w = args[0];
    struct keyset *out = args[1];
    for (uint32_t i = 0; i < n->n_pairs; i++) {
        const struct chg_pair *p = &n->pairs[i];
        add_key(out, pair_key(&w->st, n->sys, n->id, p->other->id, p->rule, p->type, p->obj,
                              p->what));
    }
    for (uint32_t i = 0; i < n->cycles.n; i++) {
        const struct chg_cycle *c = n->cycles.v[i];
        char *k;
        assert_true(asprintf(&k, "%u C %s", c->sys, chg_str(&w->st, c->key)) > 0);
        add_key(out, k);
    }
    return 0;
}

static char *joined(struct keyset *s)
{
    qsort(s->k, (size_t)s->n, sizeof(char *), cmp_str);
    size_t len = 1;
    for (int i = 0; i < s->n; i++)
        len += strlen(s->k[i]) + 1;
    char *out = calloc(len, 1);
    for (int i = 0; i < s->n; i++) {
        strcat(out, s->k[i]);
        strcat(out, "\n");
        free(s->k[i]);
    }
    s->n = 0;
    return out;
}

static void compare(struct world *w)
{
    static struct keyset want, got, said;
    oracle(w, &want);
    void *args[2] = { w, &got };
    chg_engine_each(&w->e, engine_keys, args);
    for (int i = 0; i < w->n_told; i++)
        if (w->told_count[i])
            add_key(&said, strdup(w->told[i]));
    char *a = joined(&want), *b = joined(&got), *c = joined(&said);
    assert_string_equal(b, a);
    assert_string_equal(c, a);
    free(a);
    free(b);
    free(c);
}

static void test_random_against_oracle(void **state)
{
    (void)state;
    struct world *w = calloc(1, sizeof(*w));
    chg_strtab_init(&w->st);
    chg_engine_init(&w->e, &w->st);
    chg_engine_set_sink(&w->e, told, w);
    w->sys[0] = chg_intern(&w->st, "s0");
    w->sys[1] = chg_intern(&w->st, "s1");
    for (int i = 0; i < MAX_NODES; i++) {
        char id[16];
        snprintf(id, sizeof(id), "a%02d", (i * 7) % MAX_NODES); /* ids not in index order */
        w->ids[i] = chg_intern(&w->st, id);
    }
    struct rng r = { 0x9e3779b97f4a7c15ull };
    for (int step = 0; step < 1500; step++) {
        int s = (int)next(&r, 2), i = (int)next(&r, MAX_NODES);
        chg_def_free(w->defs[s][i]);
        w->defs[s][i] = NULL;
        struct chg_def *for_engine = NULL;
        if (next(&r, 4)) {
            /* the same random definition twice: one for the engine, one kept */
            uint64_t seed = (r.s ^ (uint64_t)step * 0x2545f4914f6cdd1dull) | 1;
            struct rng a = { seed }, b = { seed };
            for_engine = random_def(&w->st, &a);
            w->defs[s][i] = random_def(&w->st, &b);
        }
        chg_def_free(chg_engine_put(&w->e, w->sys[s], w->ids[i], for_engine));
        if (step % 25 == 0 || step > 1450)
            compare(w);
    }
    assert_false(w->e.truncated);
    assert_true(w->e.n_cycles > 0);
    assert_true(w->e.n_pairs > 0);
    chg_engine_free(&w->e);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < MAX_NODES; i++)
            chg_def_free(w->defs[s][i]);
    for (int i = 0; i < w->n_told; i++)
        free(w->told[i]);
    chg_strtab_free(&w->st);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusive_cases),
        cmocka_unit_test(test_trigger_edge),
        cmocka_unit_test(test_random_against_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
