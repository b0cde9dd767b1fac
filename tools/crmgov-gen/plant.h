/*
 * plant.h -- how a governance problem is planted into the generated world,
 * and how its expected finding is written to the answer key.
 *
 * A planter is a constant descriptor with up to three hooks:
 *   prepare(world, rng, key, &state)  before any event is written: add users
 *       or automations with the world builder (world.h), edit a definition,
 *       and record the findings the layers must raise with plant_expect();
 *   on_day(world, sim, day, state)    once per simulated day (0, 1, ...),
 *       before that day's regular activity: emit events through sim.h
 *       (deactivate a user, publish a modified definition, ...);
 *   release(state)                   frees whatever prepare allocated.
 * Any hook may be NULL. A hook returns 0, or -1 to abort generation.
 *
 * Each layer keeps its planters in its own file (plant_ownership.c,
 * plant_change.c, plant_audit.c) as a NULL-terminated list; plant.c only
 * concatenates the three lists, so layer engineers never edit a shared file.
 *
 * Rules for planters: break exactly the rule you plant and nothing else.
 * Use a fresh user flagged USER_PLANTED (the world never picks it as owner or
 * recipient and never deactivates it) and flag planted automations
 * AUTO_PLANTED (the world never modifies them). Draw randomness only from the
 * rng handed to prepare (a stream forked from the seed and the planter name),
 * so adding a planter does not reshuffle the others. `crmgov-gen --plant
 * --verify` checks that every violation found is in the answer key.
 */
#ifndef CRMGOV_GEN_PLANT_H
#define CRMGOV_GEN_PLANT_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "world.h"

struct gen_sim;

typedef struct plant_expectation {
    int64_t from;     /* expected only if the stream reaches this time */
    char rule[16];
    char system[16];
    char *automation; /* NULL = JSON null */
    char *subject;    /* NULL = JSON null */
} plant_expectation;

/* The answer key: expected findings, owned by whoever created it. */
typedef struct plant_key {
    plant_expectation *items;
    size_t n, cap;
} plant_key;

typedef struct gen_planter {
    const char *name;    /* unique, e.g. "own003-dead-end-recipient" */
    const char *rule;    /* rule code it plants, e.g. "OWN003" */
    const char *summary; /* one line for --list-plants and the README */
    int (*prepare)(gen_world *world, gen_rng *rng, plant_key *key, void **state);
    int (*on_day)(gen_world *world, struct gen_sim *sim, int day, void *state);
    void (*release)(void *state);
} gen_planter;

/* Per-layer lists, each NULL-terminated (defined in plant_<layer>.c). */
extern const gen_planter *const plant_ownership_planters[];
extern const gen_planter *const plant_change_planters[];
extern const gen_planter *const plant_audit_planters[];

/* All planters, in a stable order (ownership, change, audit); returns the
 * count and fills up to max entries. */
size_t plant_registry(const gen_planter **out, size_t max);

/* Records an expected finding (strings are copied; NULL means null). */
void plant_expect(plant_key *key, const char *rule, const char *system, const char *automation,
                  const char *subject);
/* The same, for a problem that only exists once the stream reaches `from`
 * (epoch seconds): with --events cutting the stream earlier, it is dropped. */
void plant_expect_at(plant_key *key, int64_t from, const char *rule, const char *system,
                     const char *automation, const char *subject);
/* Drops the expectations whose time was never reached. */
void plant_key_prune(plant_key *key, int64_t last_at);
/* Sorts by rule, system, automation, subject (null first) and removes
 * duplicates. */
void plant_key_sort(plant_key *key);
/* Writes the key as a JSON array (one object per line); 0 on success. */
int plant_key_write(const plant_key *key, const char *path);
void plant_key_free(plant_key *key);

/* A running set of planters, as the generator drives it. */
typedef struct plant_run {
    const gen_planter *planters[64];
    void *states[64];
    size_t n;
} plant_run;

int plant_run_prepare(plant_run *run, gen_world *w, plant_key *key, char *err, size_t errlen);
int plant_run_day(plant_run *run, gen_world *w, struct gen_sim *sim, int day);
void plant_run_release(plant_run *run);

#endif
