/*
 * plant_ownership.c -- planters for the ownership layer (OWN0xx).
 *
 * own003-dead-end-recipient: in sf-prod, a fresh user (owns nothing) is the
 * notify target of one extra, otherwise healthy automation ("Start lead SLA
 * clock", fires on every lead that starts being worked, so it keeps running
 * and notifying). The user is deactivated on day 3 at 10:00; from then on the
 * automation notifies a deactivated principal: OWN003, subject = the user.
 * Nothing else breaks: the user owns nothing, nobody else targets them, the
 * automation keeps its owners, reviews and executions.
 */
#include <stdio.h>
#include <stdlib.h>

#include "plant.h"
#include "sim.h"

#define OWN003_DAY 3
#define OWN003_SECOND (10 * 3600)

typedef struct own003_state {
    char system[16];
    int user;
} own003_state;

static int own003_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = world_find_system(w, "sf-prod");
    if (!s)
        return 0; /* nothing to plant into */
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
    act->type = ACT_NOTIFY;
    snprintf(act->arg, sizeof act->arg, "%s", s->users[user].id);
    a->flags |= AUTO_PLANTED;
    if (world_automation_commit(w, s, idx) != 0)
        return -1;
    own003_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    snprintf(st->system, sizeof st->system, "%s", s->id);
    st->user = user;
    *state = st;
    int64_t deactivated_at = (w->opt.start_day + OWN003_DAY) * 86400 + OWN003_SECOND;
    plant_expect_at(key, deactivated_at, "OWN003", s->id, a->id, s->users[user].id);
    return 0;
}

static int own003_on_day(gen_world *w, struct gen_sim *sim, int day, void *state)
{
    own003_state *st = state;
    if (!st || day != OWN003_DAY)
        return 0;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return -1;
    sim_set_user_active(sim, s, st->user, 0, sim_day_start(sim, day) + OWN003_SECOND);
    return 0;
}

static void own003_release(void *state)
{
    free(state);
}

static const gen_planter own003_dead_end_recipient = {
    "own003-dead-end-recipient", "OWN003",
    "sf-prod: an active lead automation notifies a user deactivated on day 3",
    own003_prepare, own003_on_day, own003_release};

const gen_planter *const plant_ownership_planters[] = {&own003_dead_end_recipient, NULL};
