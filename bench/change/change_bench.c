/*
 * change_bench.c -- how fast the change layer's cross-automation analysis is
 * (`make bench`, through bench/change.sh; a benchmark, not a test).
 *
 *   full analysis      100 000 automations over 1 000 systems, compiled and
 *                      added one by one to an empty analysis (exactly what
 *                      the layer does when it loads the inventory): every
 *                      write conflict, duplicate action and trigger cycle
 *   incremental change one automation's definition replaced in the full
 *                      analysis (what one `automation` event costs): 2 000
 *                      random modifications, mean / 99th percentile / max
 *
 * The inventory is synthetic but shaped like the generator's catalogue:
 * four objects, create/update/create_or_update/delete/schedule/manual
 * triggers with field filters, eq/in/gt conditions over small value domains,
 * set_field on per-object output fields (and, rarely, on input fields, which
 * is what makes trigger edges and cycles), notifications to a few dozen
 * people -- so that every system has real conflicts, duplicates and cycles
 * to find. Deterministic: a fixed xorshift seed.
 *
 *   change_bench [--systems N] [--per-system N] [--changes N] [--emit FILE]
 *
 * --emit writes the same inventory as JSON Lines instead, so bench/change.sh
 * can also time the layer loading it from a real store.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "layers/change/chg_def.h"
#include "layers/change/chg_engine.h"

struct rng {
    uint64_t s;
};

static uint32_t below(struct rng *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)((r->s >> 11) % n);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const OBJECTS[] = { "lead", "deal", "ticket", "contact" };
static const char *const INPUTS[] = { "status", "region", "source", "score", "type", "priority" };
static const char *const VALUES[] = { "new", "working", "qualified", "won", "lost" };
static char outputs[40][16];
static char users[30][8];

/* Storage for one random automation in the model's structs. */
struct draft {
    const char *fields[2];
    struct crmgov_condition conds[2];
    struct crmgov_value lists[2][2];
    struct crmgov_action acts[3];
    struct crmgov_automation a;
};

/* One random automation, built as the connectors hand them over. */
static void random_automation(struct rng *r, struct draft *d)
{
    static const enum crmgov_trigger_on ons[] = {
        CRMGOV_ON_CREATE, CRMGOV_ON_CREATE, CRMGOV_ON_CREATE, CRMGOV_ON_UPDATE,
        CRMGOV_ON_UPDATE, CRMGOV_ON_UPDATE, CRMGOV_ON_UPDATE, CRMGOV_ON_CREATE_OR_UPDATE,
        CRMGOV_ON_DELETE, CRMGOV_ON_SCHEDULE, CRMGOV_ON_MANUAL
    };
    const char **fields = d->fields;
    struct crmgov_condition *conds = d->conds;
    struct crmgov_value(*lists)[2] = d->lists;
    struct crmgov_action *acts = d->acts;
    struct crmgov_automation a = { .struct_size = sizeof(a), .id = "x",
                                   .object = OBJECTS[below(r, 4)], .definition_hash = "h" };
    a.trigger.on = ons[below(r, 11)];
    if (a.trigger.on == CRMGOV_ON_UPDATE || a.trigger.on == CRMGOV_ON_CREATE_OR_UPDATE) {
        a.trigger.n_fields = 1 + below(r, 2);
        for (size_t i = 0; i < a.trigger.n_fields; i++)
            fields[i] = INPUTS[below(r, 6)];
        a.trigger.fields = fields;
    }
    a.n_conditions = below(r, 3);
    for (size_t i = 0; i < a.n_conditions; i++) {
        struct crmgov_condition *c = &conds[i];
        c->field = INPUTS[below(r, 6)];
        uint32_t kind = below(r, 4);
        if (kind == 0) {
            c->op = CRMGOV_OP_IN;
            lists[i][0] = (struct crmgov_value){ .type = CRMGOV_VALUE_STRING,
                                                 .string = VALUES[below(r, 5)] };
            lists[i][1] = (struct crmgov_value){ .type = CRMGOV_VALUE_STRING,
                                                 .string = VALUES[below(r, 5)] };
            c->value = (struct crmgov_value){ .type = CRMGOV_VALUE_ARRAY, .items = lists[i],
                                              .n_items = 2 };
        } else if (kind == 1) {
            c->op = below(r, 2) ? CRMGOV_OP_GT : CRMGOV_OP_LT;
            c->value = (struct crmgov_value){ .type = CRMGOV_VALUE_NUMBER,
                                              .number = 10.0 * below(r, 10) };
        } else {
            c->op = CRMGOV_OP_EQ;
            c->value = (struct crmgov_value){ .type = CRMGOV_VALUE_STRING,
                                              .string = VALUES[below(r, 5)] };
        }
    }
    a.conditions = conds;
    a.n_actions = 1 + below(r, 3);
    for (size_t i = 0; i < a.n_actions; i++) {
        struct crmgov_action *act = &acts[i];
        memset(act, 0, sizeof(*act));
        if (below(r, 3)) {
            act->type = CRMGOV_ACTION_SET_FIELD;
            act->field = below(r, 40) ? outputs[below(r, 40)] : INPUTS[below(r, 6)];
            if (below(r, 10))
                act->value = (struct crmgov_value){ .type = CRMGOV_VALUE_STRING,
                                                    .string = VALUES[below(r, 3)] };
        } else {
            static const enum crmgov_action_type types[] = {
                CRMGOV_ACTION_NOTIFY, CRMGOV_ACTION_EMAIL, CRMGOV_ACTION_CREATE_TASK
            };
            act->type = types[below(r, 3)];
            act->to = users[below(r, 30)];
        }
    }
    a.actions = acts;
    d->a = a;
}

static struct chg_def *random_def(struct chg_strtab *st, struct rng *r)
{
    struct draft d = { 0 };
    random_automation(r, &d);
    return chg_def_compile(st, &d.a);
}

static const char *const ON_NAMES[] = { "create", "update", "delete", "create_or_update",
                                        "schedule", "manual" };
static const char *const OP_NAMES[] = { "eq", "ne", "in", "not_in", "gt", "lt" };
static const char *const TYPE_NAMES[] = { "", "set_field", "notify", "assign", "create_task",
                                          "email" };

static void emit_value(FILE *f, const struct crmgov_value *v)
{
    if (v->type == CRMGOV_VALUE_STRING)
        fprintf(f, "\"%s\"", v->string);
    else if (v->type == CRMGOV_VALUE_NUMBER)
        fprintf(f, "%g", v->number);
    else if (v->type == CRMGOV_VALUE_ARRAY)
        fprintf(f, "[\"%s\",\"%s\"]", v->items[0].string, v->items[1].string);
}

/* The same automation as one JSON Lines `automation` event. */
static void emit(FILE *f, const char *system, const char *id, const struct crmgov_automation *a)
{
    fprintf(f, "{\"type\":\"automation\",\"system\":\"%s\",\"at\":\"2026-03-01T09:00:00Z\","
               "\"id\":\"%s\",\"object\":\"%s\",\"status\":\"active\",\"trigger\":{\"on\":\"%s\"",
            system, id, a->object, ON_NAMES[a->trigger.on]);
    for (size_t i = 0; i < a->trigger.n_fields; i++)
        fprintf(f, "%s\"%s\"%s", i ? "," : ",\"fields\":[", a->trigger.fields[i],
                i + 1 == a->trigger.n_fields ? "]" : "");
    fprintf(f, "},\"conditions\":[");
    for (size_t i = 0; i < a->n_conditions; i++) {
        fprintf(f, "%s{\"field\":\"%s\",\"op\":\"%s\",\"value\":", i ? "," : "",
                a->conditions[i].field, OP_NAMES[a->conditions[i].op]);
        emit_value(f, &a->conditions[i].value);
        fprintf(f, "}");
    }
    fprintf(f, "],\"actions\":[");
    for (size_t i = 0; i < a->n_actions; i++) {
        const struct crmgov_action *act = &a->actions[i];
        fprintf(f, "%s{\"type\":\"%s\"", i ? "," : "", TYPE_NAMES[act->type]);
        if (act->type == CRMGOV_ACTION_SET_FIELD) {
            fprintf(f, ",\"field\":\"%s\"", act->field);
            if (act->value.type != CRMGOV_VALUE_NONE) {
                fprintf(f, ",\"value\":");
                emit_value(f, &act->value);
            }
        } else {
            fprintf(f, ",\"to\":\"%s\"", act->to);
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}

/* --emit FILE: the benchmark inventory as JSON Lines, for the store-backed
 * measurement of bench/change.sh. */
static int emit_inventory(const char *path, int systems, int per)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 2;
    }
    struct rng r = { 0x2545f4914f6cdd1dull };
    for (int s = 0; s < systems; s++) {
        for (int i = 0; i < per; i++) {
            char system[32], id[32];
            snprintf(system, sizeof(system), "sys-%d", s);
            snprintf(id, sizeof(id), "auto-%03d", i);
            struct draft d = { 0 };
            random_automation(&r, &d);
            emit(f, system, id, &d.a);
        }
    }
    return fclose(f) ? 2 : 0;
}

static size_t deltas;

static void count_delta(void *ctx, const struct chg_delta *d)
{
    (void)ctx;
    (void)d;
    deltas++;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int arg_int(int argc, char **argv, const char *name, int fallback)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return atoi(argv[i + 1]);
    return fallback;
}

int main(int argc, char **argv)
{
    int systems = arg_int(argc, argv, "--systems", 1000);
    int per = arg_int(argc, argv, "--per-system", 100);
    int changes = arg_int(argc, argv, "--changes", 2000);
    if (systems < 1 || per < 1 || changes < 1) {
        fprintf(stderr, "usage: change_bench [--systems N] [--per-system N] [--changes N]\n");
        return 2;
    }
    for (int i = 0; i < 40; i++)
        snprintf(outputs[i], sizeof(outputs[i]), "out_%d", i);
    for (int i = 0; i < 30; i++)
        snprintf(users[i], sizeof(users[i]), "u-%d", i);
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--emit") == 0)
            return emit_inventory(argv[i + 1], systems, per);
    struct chg_strtab st;
    chg_strtab_init(&st);
    struct chg_engine e;
    chg_engine_init(&e, &st);
    chg_engine_set_sink(&e, count_delta, NULL);
    uint32_t *sys = malloc((size_t)systems * sizeof(uint32_t));
    uint32_t *ids = malloc((size_t)per * sizeof(uint32_t));
    for (int s = 0; s < systems; s++) {
        char name[32];
        snprintf(name, sizeof(name), "sys-%d", s);
        sys[s] = chg_intern(&st, name);
    }
    for (int i = 0; i < per; i++) {
        char name[32];
        snprintf(name, sizeof(name), "auto-%03d", i);
        ids[i] = chg_intern(&st, name);
    }
    struct rng r = { 0x2545f4914f6cdd1dull };

    double t0 = now_ms();
    for (int s = 0; s < systems; s++)
        for (int i = 0; i < per; i++)
            chg_def_free(chg_engine_put(&e, sys[s], ids[i], random_def(&st, &r)));
    double full = now_ms() - t0;
    size_t pairs = e.n_pairs, cycles = e.n_cycles;

    double *times = malloc((size_t)changes * sizeof(double));
    double total = 0;
    for (int k = 0; k < changes; k++) {
        uint32_t s = sys[below(&r, (uint32_t)systems)], id = ids[below(&r, (uint32_t)per)];
        double t = now_ms();
        struct chg_def *def = random_def(&st, &r);
        chg_def_free(chg_engine_put(&e, s, id, def));
        times[k] = now_ms() - t;
        total += times[k];
    }
    qsort(times, (size_t)changes, sizeof(double), cmp_double);
    printf("change layer analysis: %d automations over %d systems\n", systems * per, systems);
    printf("  full analysis:      %.0f ms (%zu write conflicts and duplicates, %zu cycles, "
           "%s)\n",
           full, pairs, cycles, e.truncated ? "cycle search truncated" : "complete");
    printf("  incremental change: mean %.3f ms, p99 %.3f ms, max %.3f ms over %d changes\n",
           total / changes, times[(size_t)(changes * 0.99)], times[changes - 1], changes);
    printf("  targets: full < 2000 ms, one change < 5 ms: %s\n",
           full < 2000 && times[changes - 1] < 5 ? "met" : "NOT MET");
    free(times);
    free(sys);
    free(ids);
    chg_engine_free(&e);
    chg_strtab_free(&st);
    return 0;
}
