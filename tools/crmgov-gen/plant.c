/*
 * plant.c -- the planter registry (the three per-layer lists, concatenated)
 * and the answer key: collected, sorted, written as JSON (see plant.h).
 */
#include "plant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"

size_t plant_registry(const gen_planter **out, size_t max)
{
    const gen_planter *const *lists[] = {plant_ownership_planters, plant_change_planters,
                                         plant_audit_planters};
    size_t n = 0;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const gen_planter *const *p = lists[l]; *p; p++) {
            if (n < max)
                out[n] = *p;
            n++;
        }
    return n;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    return d;
}

void plant_expect(plant_key *key, const char *rule, const char *system, const char *automation,
                  const char *subject)
{
    plant_expect_at(key, INT64_MIN, rule, system, automation, subject);
}

void plant_key_prune(plant_key *key, int64_t last_at)
{
    size_t kept = 0;
    for (size_t i = 0; i < key->n; i++) {
        if (key->items[i].from > last_at) {
            free(key->items[i].automation);
            free(key->items[i].subject);
            continue;
        }
        key->items[kept++] = key->items[i];
    }
    key->n = kept;
}

void plant_expect_at(plant_key *key, int64_t from, const char *rule, const char *system,
                     const char *automation, const char *subject)
{
    if (key->n == key->cap) {
        size_t cap = key->cap ? key->cap * 2 : 16;
        plant_expectation *p = realloc(key->items, cap * sizeof *p);
        if (!p) {
            fputs("crmgov-gen: out of memory\n", stderr);
            abort();
        }
        key->items = p;
        key->cap = cap;
    }
    plant_expectation *e = &key->items[key->n++];
    e->from = from;
    snprintf(e->rule, sizeof e->rule, "%s", rule);
    snprintf(e->system, sizeof e->system, "%s", system);
    e->automation = dup_or_null(automation);
    e->subject = dup_or_null(subject);
}

static int cmp_nullable(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL); /* null sorts first */
    return strcmp(a, b);
}

static int expectation_cmp(const void *pa, const void *pb)
{
    const plant_expectation *a = pa, *b = pb;
    int c = strcmp(a->rule, b->rule);
    if (!c)
        c = strcmp(a->system, b->system);
    if (!c)
        c = cmp_nullable(a->automation, b->automation);
    if (!c)
        c = cmp_nullable(a->subject, b->subject);
    return c;
}

void plant_key_sort(plant_key *key)
{
    if (key->n == 0)
        return;
    qsort(key->items, key->n, sizeof *key->items, expectation_cmp);
    size_t kept = 1;
    for (size_t i = 1; i < key->n; i++) {
        if (expectation_cmp(&key->items[kept - 1], &key->items[i]) == 0) {
            free(key->items[i].automation);
            free(key->items[i].subject);
            continue;
        }
        key->items[kept++] = key->items[i];
    }
    key->n = kept;
}

static void put_nullable(gen_buf *b, const char *s)
{
    if (s)
        gen_buf_put_json_string(b, s);
    else
        GEN_PUT_LIT(b, "null");
}

int plant_key_write(const plant_key *key, const char *path)
{
    gen_buf b = {0};
    gen_buf_putc(&b, '[');
    for (size_t i = 0; i < key->n; i++) {
        const plant_expectation *e = &key->items[i];
        if (i)
            gen_buf_putc(&b, ',');
        gen_buf_putc(&b, '\n');
        GEN_PUT_LIT(&b, "{\"rule\":");
        gen_buf_put_json_string(&b, e->rule);
        GEN_PUT_LIT(&b, ",\"system\":");
        gen_buf_put_json_string(&b, e->system);
        GEN_PUT_LIT(&b, ",\"automation\":");
        put_nullable(&b, e->automation);
        GEN_PUT_LIT(&b, ",\"subject\":");
        put_nullable(&b, e->subject);
        gen_buf_putc(&b, '}');
    }
    GEN_PUT_LIT(&b, "\n]\n");
    FILE *f = fopen(path, "w");
    int rc = -1;
    if (f) {
        rc = fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    gen_buf_free(&b);
    return rc;
}

void plant_key_free(plant_key *key)
{
    for (size_t i = 0; i < key->n; i++) {
        free(key->items[i].automation);
        free(key->items[i].subject);
    }
    free(key->items);
    memset(key, 0, sizeof *key);
}

int plant_run_prepare(plant_run *run, gen_world *w, plant_key *key, char *err, size_t errlen)
{
    memset(run, 0, sizeof *run);
    run->n = plant_registry(run->planters, sizeof run->planters / sizeof run->planters[0]);
    if (run->n > sizeof run->planters / sizeof run->planters[0]) {
        snprintf(err, errlen, "too many planters (%zu)", run->n);
        return -1;
    }
    for (size_t i = 0; i < run->n; i++) {
        const gen_planter *p = run->planters[i];
        if (!p->prepare)
            continue;
        gen_rng rng;
        gen_rng_fork(&rng, w->opt.seed, p->name);
        if (p->prepare(w, &rng, key, &run->states[i]) != 0) {
            snprintf(err, errlen, "planter %s failed to prepare", p->name);
            return -1;
        }
    }
    return 0;
}

int plant_run_day(plant_run *run, gen_world *w, struct gen_sim *sim, int day)
{
    for (size_t i = 0; i < run->n; i++) {
        const gen_planter *p = run->planters[i];
        if (p->on_day && p->on_day(w, sim, day, run->states[i]) != 0)
            return -1;
    }
    return 0;
}

void plant_run_release(plant_run *run)
{
    for (size_t i = 0; i < run->n; i++)
        if (run->planters[i]->release)
            run->planters[i]->release(run->states[i]);
    memset(run, 0, sizeof *run);
}
