/*
 * plant_ownership.c -- planters for the ownership layer (OWN0xx), one per
 * rule, plus one trap that must raise nothing.
 *
 * Each planted automation is a fresh healthy one (world_build_automation,
 * flagged AUTO_PLANTED) whose owners are then bent on purpose; the people
 * involved are fresh USER_PLANTED users the world never touches. Reviews of
 * a planted automation still need a human owner to approve them, so every
 * planter keeps one (a stable human decision owner) -- which is also why
 * only the `system` role (the default of required_roles) is ever broken.
 *
 * own001-unowned           hs-main: the system owner is removed (an
 *                          ownership event with principal null) on day 5.
 * own002-orphaned          b24-sales: the only system owner, a planted
 *                          admin, is deactivated on day 6.
 * own002-coowner-trap      hs-main: two planted admins own role system; one
 *                          leaves on day 8 -- the other keeps the role alive,
 *                          so nothing may be raised (the CoE false positive).
 * own003-dead-end-recipient sf-prod: a busy, healthy automation also creates
 *                          tasks for a fresh user, who is deactivated on day 3
 *                          (tasks, not notifications: at high record rates a
 *                          notification per run would also be AUD006).
 * own004-owner-overload    sf-prod: a planted sales manager becomes the
 *                          outcome owner of 26 active automations (built
 *                          when the system has fewer), more than max_owned 25.
 * own005-owner-without-access b24-sales: the outcome owner of an automation
 *                          has only the CRM role "read-only" (raised when
 *                          owner_roles lists the roles the world hands out:
 *                          admin, sales-manager, support-manager, sales,
 *                          support, marketing -- see docs/rules/ownership.md).
 * A system the world does not have is replaced by the first one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"
#include "plant.h"
#include "sim.h"

#define OWN_MAX_OWNED 25 /* the layer's default max_owned */

static gen_system *planted_system(gen_world *w, const char *preferred)
{
    gen_system *s = world_find_system(w, preferred);
    return s ? s : (w->nsystems ? &w->systems[0] : NULL);
}

static int64_t day_time(const gen_world *w, int day, int64_t second)
{
    return (w->opt.start_day + day) * 86400 + second;
}

/* When the inventory hour writes the ownership events of automation idx. */
static int64_t ownership_time(const gen_system *s, int idx)
{
    return s->start_at + 1800 + (idx < 900 ? idx : 900);
}

static int human_stable(const gen_user *u)
{
    return (u->flags & USER_STABLE) && !(u->flags & (USER_SERVICE | USER_PLANTED)) && u->active;
}

/* Hands role `role` of automation idx to `user`; keeps a stable human
 * owner besides, so that its reviews can still be approved. */
static void reassign(gen_system *s, int idx, int role, int user)
{
    gen_automation *a = &s->autos[idx];
    int old = a->owners[role];
    if (old >= 0)
        s->users[old].owned--;
    a->owners[role] = user;
    s->users[user].owned++;
    int human = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        human |= r != role && a->owners[r] >= 0 && human_stable(&s->users[a->owners[r]]);
    if (!human && old >= 0 && human_stable(&s->users[old])) {
        int spare = role == ROLE_DECISION ? ROLE_OUTCOME : ROLE_DECISION;
        a->owners[spare] = old; /* the previous owner stays, in another role */
        s->users[old].owned++;
    }
}

/* A fresh healthy automation, flagged planted; -1 when none fits. */
static int planted_automation(gen_world *w, gen_system *s, gen_rng *rng)
{
    int idx = world_build_automation(w, s, -1, NULL, rng);
    if (idx >= 0)
        s->autos[idx].flags |= AUTO_PLANTED;
    return idx;
}

static void emit_ownership(gen_sim *sim, const gen_system *s, const char *automation,
                           const char *role, const char *principal, int64_t at)
{
    gen_buf *b = sim_event_begin(sim, "ownership", s, at);
    GEN_PUT_LIT(b, ",\"automation\":");
    gen_buf_put_json_string(b, automation);
    GEN_PUT_LIT(b, ",\"role\":");
    gen_buf_put_json_string(b, role);
    GEN_PUT_LIT(b, ",\"principal\":");
    if (principal)
        gen_buf_put_json_string(b, principal);
    else
        GEN_PUT_LIT(b, "null");
    sim_event_end(sim);
}

/* What a planter remembers between prepare and on_day. */
typedef struct own_plant_state {
    char system[16];
    int automation;
    int user;
    int user2;
} own_plant_state;

static own_plant_state *new_state(const gen_system *s, int automation, int user, int user2)
{
    own_plant_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    snprintf(st->system, sizeof st->system, "%s", s->id);
    st->automation = automation;
    st->user = user;
    st->user2 = user2;
    return st;
}

static void release_state(void *state)
{
    free(state);
}

/* ---- OWN001 unowned ------------------------------------------------------ */

#define OWN001_DAY 5
#define OWN001_SECOND (11 * 3600)

static int own001_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s)
        return 0;
    int idx = planted_automation(w, s, rng);
    if (idx < 0)
        return -1;
    gen_automation *a = &s->autos[idx];
    reassign(s, idx, ROLE_SYSTEM, a->owners[ROLE_SYSTEM]); /* keep it; ensure a human */
    *state = new_state(s, idx, -1, -1);
    if (!*state)
        return -1;
    plant_expect_at(key, day_time(w, OWN001_DAY, OWN001_SECOND), "OWN001", s->id, a->id,
                    "system");
    return 0;
}

static int own001_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    own_plant_state *st = state;
    if (!st || day != OWN001_DAY)
        return 0;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return -1;
    gen_automation *a = &s->autos[st->automation];
    emit_ownership(sim, s, a->id, "system", NULL, sim_day_start(sim, day) + OWN001_SECOND);
    s->users[a->owners[ROLE_SYSTEM]].owned--;
    a->owners[ROLE_SYSTEM] = -1;
    return 0;
}

static const gen_planter own001_unowned = {
    "own001-unowned", "OWN001",
    "hs-main: the system owner of an active automation is removed on day 5",
    own001_prepare, own001_on_day, release_state};

/* ---- OWN002 orphaned ----------------------------------------------------- */

#define OWN002_DAY 6
#define OWN002_SECOND (15 * 3600)

static int own002_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s)
        return 0;
    int user = world_add_user(w, s, "admin", USER_PLANTED);
    int idx = planted_automation(w, s, rng);
    if (idx < 0)
        return -1;
    reassign(s, idx, ROLE_SYSTEM, user);
    *state = new_state(s, idx, user, -1);
    if (!*state)
        return -1;
    plant_expect_at(key, day_time(w, OWN002_DAY, OWN002_SECOND), "OWN002", s->id,
                    s->autos[idx].id, "system");
    return 0;
}

static int own002_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    own_plant_state *st = state;
    if (!st || day != OWN002_DAY)
        return 0;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return -1;
    sim_set_user_active(sim, s, st->user, 0, sim_day_start(sim, day) + OWN002_SECOND);
    return 0;
}

static const gen_planter own002_orphaned = {
    "own002-orphaned", "OWN002",
    "b24-sales: the only system owner of an active automation is deactivated on day 6",
    own002_prepare, own002_on_day, release_state};

/* ---- the co-owner trap: nothing may be raised ----------------------------- */

#define TRAP_COOWNER_DAY 0
#define TRAP_COOWNER_SECOND (7 * 3600)
#define TRAP_LEAVES_DAY 8
#define TRAP_LEAVES_SECOND (14 * 3600)

static int trap_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    (void)key;
    gen_system *s = planted_system(w, "hs-main");
    if (!s)
        return 0;
    int leaver = world_add_user(w, s, "admin", USER_PLANTED);
    int stayer = world_add_user(w, s, "admin", USER_PLANTED);
    int idx = planted_automation(w, s, rng);
    if (idx < 0)
        return -1;
    reassign(s, idx, ROLE_SYSTEM, leaver);
    *state = new_state(s, idx, leaver, stayer);
    return *state ? 0 : -1;
}

static int trap_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    own_plant_state *st = state;
    if (!st || (day != TRAP_COOWNER_DAY && day != TRAP_LEAVES_DAY))
        return 0;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return -1;
    gen_automation *a = &s->autos[st->automation];
    if (day == TRAP_COOWNER_DAY) {
        /* a second system owner, which the world's one-per-role model
         * does not track: the stream is the truth */
        emit_ownership(sim, s, a->id, "system", s->users[st->user2].id,
                       sim_day_start(sim, day) + TRAP_COOWNER_SECOND);
        s->users[st->user2].owned++;
        return 0;
    }
    s->users[a->owners[ROLE_SYSTEM]].owned--;
    a->owners[ROLE_SYSTEM] = st->user2; /* what remains after the leaver is gone */
    sim_set_user_active(sim, s, st->user, 0, sim_day_start(sim, day) + TRAP_LEAVES_SECOND);
    return 0;
}

static const gen_planter own002_coowner_trap = {
    "own002-coowner-trap", "OWN002",
    "hs-main: one of two system owners leaves on day 8; the other keeps the role alive "
    "(expects no finding)",
    trap_prepare, trap_on_day, release_state};

/* ---- OWN003 dead-end recipient ------------------------------------------- */

#define OWN003_DAY 3
#define OWN003_SECOND (10 * 3600)

static int own003_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s)
        return 0;
    int user = world_add_user(w, s, "sales", USER_PLANTED);
    int idx = world_build_automation(w, s, OBJ_LEAD, "sla", rng);
    if (idx < 0)
        return -1;
    gen_automation *a = &s->autos[idx];
    if (a->def.nactions == DEFN_ACTIONS_MAX)
        return -1;
    world_automation_release(s, idx);
    defn_action *act = &a->def.actions[a->def.nactions++];
    memset(act, 0, sizeof *act);
    act->type = ACT_CREATE_TASK;
    snprintf(act->arg, sizeof act->arg, "%s", s->users[user].id);
    a->flags |= AUTO_PLANTED;
    if (world_automation_commit(w, s, idx) != 0)
        return -1;
    *state = new_state(s, idx, user, -1);
    if (!*state)
        return -1;
    plant_expect_at(key, day_time(w, OWN003_DAY, OWN003_SECOND), "OWN003", s->id, a->id,
                    s->users[user].id);
    return 0;
}

static int own003_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    own_plant_state *st = state;
    if (!st || day != OWN003_DAY)
        return 0;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return -1;
    sim_set_user_active(sim, s, st->user, 0, sim_day_start(sim, day) + OWN003_SECOND);
    return 0;
}

static const gen_planter own003_dead_end_recipient = {
    "own003-dead-end-recipient", "OWN003",
    "sf-prod: an active lead automation creates tasks for a user deactivated on day 3",
    own003_prepare, own003_on_day, release_state};

/* ---- OWN004 owner overload ----------------------------------------------- */

static int overload_candidate(const gen_system *s, int idx, int user)
{
    const gen_automation *a = &s->autos[idx];
    return a->active && !(a->flags & AUTO_PLANTED) && a->owners[ROLE_SYSTEM] != user &&
           a->owners[ROLE_DECISION] != user && a->owners[ROLE_OUTCOME] != user;
}

static int own004_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    (void)state;
    gen_system *s = planted_system(w, "sf-prod");
    if (!s)
        return 0;
    int user = world_add_user(w, s, "sales-manager", USER_PLANTED);
    int want = OWN_MAX_OWNED + 1, have = 0;
    int64_t last = INT64_MIN;
    for (int attempt = 0; have < want && attempt < 4 * want; attempt++) {
        int idx = -1;
        for (int i = 0; i < s->nautos && idx < 0; i++)
            if (overload_candidate(s, i, user))
                idx = i;
        if (idx < 0 && (idx = world_build_automation(w, s, -1, NULL, rng)) < 0)
            continue; /* none fits this time; the builder draws again */
        reassign(s, idx, ROLE_OUTCOME, user);
        if (ownership_time(s, idx) > last)
            last = ownership_time(s, idx);
        have++;
    }
    if (have < want)
        return -1;
    plant_expect_at(key, last, "OWN004", s->id, NULL, s->users[user].id);
    return 0;
}

static const gen_planter own004_owner_overload = {
    "own004-owner-overload", "OWN004",
    "sf-prod: a sales manager is the outcome owner of 26 active automations (max_owned 25)",
    own004_prepare, NULL, NULL};

/* ---- OWN005 owner without access ----------------------------------------- */

static int own005_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    (void)state;
    gen_system *s = planted_system(w, "b24-sales");
    if (!s)
        return 0;
    int user = world_add_user(w, s, "read-only", USER_PLANTED);
    int idx = planted_automation(w, s, rng);
    if (idx < 0)
        return -1;
    reassign(s, idx, ROLE_OUTCOME, user);
    plant_expect_at(key, ownership_time(s, idx), "OWN005", s->id, s->autos[idx].id,
                    s->users[user].id);
    return 0;
}

static const gen_planter own005_owner_without_access = {
    "own005-owner-without-access", "OWN005",
    "b24-sales: an automation's outcome owner has only the CRM role read-only "
    "(needs owner_roles)",
    own005_prepare, NULL, NULL};

const gen_planter *const plant_ownership_planters[] = {
    &own001_unowned,           &own002_orphaned,       &own002_coowner_trap,
    &own003_dead_end_recipient, &own004_owner_overload, &own005_owner_without_access,
    NULL};
