/*
 * plant_change.c -- planters for the change-control layer (CHG0xx), one per
 * rule. Each breaks exactly its rule on fresh planted automations (built
 * healthy with world_build_automation, flagged AUTO_PLANTED, then bent):
 *
 * chg001-unreviewed-change  sf-prod: on day 4 at 00:00 a planted automation
 *                          shows a new definition (a webhook added) with no
 *                          approved change before it. Its next regular review
 *                          approves what it then shows, so the finding
 *                          resolves later: compare findings in every state.
 * chg002-write-conflict    hs-main: a twin of a busy lead automation (same
 *                          trigger and conditions) sets one of its fields to
 *                          another value, from the inventory hour on.
 * chg003-trigger-cycle     b24-sales: two lead automations each listen to the
 *                          field the other writes (update on status plus that
 *                          field); their conditions (status working /
 *                          qualified) never hold at once at run time, so the
 *                          simulation never loops, but no rule can prove that
 *                          from the definitions: a two-member cycle.
 * chg004-review-overdue    sf-prod: a planted automation is never reviewed;
 *                          overdue 30 days after its baseline approval -- with
 *                          the layer's review_base = 30d (the verifier's
 *                          30-day rule; the world reviews every 28 days).
 * chg005-unapproved-reactivation hs-main: switched off by an approved change
 *                          at 00:00 on day 3, back on without one at 00:00 on
 *                          day 7 (the simulation runs on the new state from
 *                          the start of the day, so the events come first).
 * chg006-duplicate-action  b24-sales: a twin of a busy lead automation sets
 *                          the same field to the same value.
 * chg007-approval-policy-violation sf-prod: on day 5 a change record for a
 *                          planted automation lists its author among its
 *                          approvers.
 * A system the world does not have is replaced by the first one.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"
#include "plant.h"
#include "sim.h"

#define REVIEW_INTERVAL_DAYS 30 /* the e2e's review_base; the verifier's CHG004 */

static gen_system *planted_system(gen_world *w, const char *preferred)
{
    gen_system *s = world_find_system(w, preferred);
    return s ? s : (w->nsystems ? &w->systems[0] : NULL);
}

static int64_t day_time(const gen_world *w, int day, int64_t second)
{
    return (w->opt.start_day + day) * 86400 + second;
}

/* When the inventory hour writes the automation event of automation idx. */
static int64_t inventory_time(const gen_system *s, int idx)
{
    return s->start_at + 900 + (idx < 900 ? idx : 900);
}

static int planted_automation(gen_world *w, gen_system *s, int object, const char *family,
                              gen_rng *rng)
{
    int idx = world_build_automation(w, s, object, family, rng);
    if (idx < 0 && family)
        idx = world_build_automation(w, s, object, NULL, rng);
    if (idx >= 0)
        s->autos[idx].flags |= AUTO_PLANTED;
    return idx;
}

typedef struct chg_plant_state {
    char system[16];
    int automation;
} chg_plant_state;

static void *new_state(const gen_system *s, int automation)
{
    chg_plant_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    snprintf(st->system, sizeof st->system, "%s", s->id);
    st->automation = automation;
    return st;
}

static void release_state(void *state)
{
    free(state);
}

/* The automation of a planter's state, or NULL when the state is absent
 * (nothing planted) or the day is not the one asked for. */
static gen_automation *planted_on(gen_world *w, void *state, int day, int wanted,
                                  gen_system **sys)
{
    chg_plant_state *st = state;
    if (!st || (wanted >= 0 && day != wanted))
        return NULL;
    gen_system *s = world_find_system(w, st->system);
    if (!s)
        return NULL;
    *sys = s;
    return &s->autos[st->automation];
}

/* ---- CHG001: a definition change nobody approved ------------------------------------ */

/* Events a planter writes at 00:00 of a day come before that day's activity,
 * which already runs on the changed state. */
#define CHG001_DAY 4
#define CHG001_SECOND 0

static int chg001_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s)
        return 0;
    int idx = planted_automation(w, s, -1, NULL, rng);
    if (idx < 0 || s->autos[idx].def.nactions >= DEFN_ACTIONS_MAX)
        return -1;
    *state = new_state(s, idx);
    if (!*state)
        return -1;
    plant_expect_at(key, day_time(w, CHG001_DAY, CHG001_SECOND), "CHG001", s->id,
                    s->autos[idx].id, NULL);
    return 0;
}

static int chg001_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted_on(w, state, day, CHG001_DAY, &s);
    if (!a)
        return 0;
    int idx = (int)(a - s->autos);
    world_automation_release(s, idx);
    defn_action *hook = &a->def.actions[a->def.nactions++];
    memset(hook, 0, sizeof *hook);
    hook->type = ACT_WEBHOOK;
    snprintf(hook->arg, sizeof hook->arg, "https://hooks.example.com/%.15s/unreviewed", s->id);
    if (world_automation_commit(w, s, idx) != 0)
        return -1;
    sim_emit_automation(sim, s, idx, sim_day_start(sim, day) + CHG001_SECOND);
    return 0;
}

static const gen_planter chg001_unreviewed_change = {
    "chg001-unreviewed-change", "CHG001",
    "sf-prod: an automation shows a new definition on day 4 with no approved change",
    chg001_prepare, chg001_on_day, release_state};

/* ---- CHG002 / CHG006: a twin that sets one field of a busy automation --------------------- */

/* Index of the first set_field action, or -1. */
static int first_set_field(const defn *d)
{
    for (int i = 0; i < d->nactions; i++)
        if (d->actions[i].type == ACT_SET_FIELD)
            return i;
    return -1;
}

/* Builds the original (a busy lead automation with a set_field) and its twin:
 * same trigger and conditions, one action setting the original's first
 * set_field to `value` (NULL: the same value). Returns the twin's index. */
static int plant_twin(gen_world *w, gen_system *s, gen_rng *rng, const char *value,
                      int *original)
{
    static const char *const busy[] = { "sla", "sync", "route", "triage" };
    int a = -1;
    for (int i = 0; i < 4 && a < 0; i++) {
        int obj = strcmp(busy[i], "triage") == 0 ? OBJ_TICKET : OBJ_LEAD;
        a = world_build_automation(w, s, obj, busy[i], rng);
        if (a >= 0 && first_set_field(&s->autos[a].def) < 0)
            a = -1; /* keep looking; this one stays as a healthy automation */
    }
    if (a < 0)
        return -1;
    int b = world_build_automation(w, s, s->autos[a].object, NULL, rng);
    if (b < 0)
        return -1;
    s->autos[a].flags |= AUTO_PLANTED;
    s->autos[b].flags |= AUTO_PLANTED;
    world_automation_release(s, b);
    defn twin = s->autos[a].def;
    defn_action set = twin.actions[first_set_field(&twin)];
    if (value)
        defn_value_from_text(value, &set.value);
    twin.nactions = 1;
    twin.actions[0] = set;
    snprintf(twin.kind, sizeof twin.kind, "%s", s->autos[b].def.kind);
    s->autos[b].def = twin;
    if (world_automation_commit(w, s, b) != 0)
        return -1;
    *original = a;
    return b;
}

static void expect_pair(plant_key *key, const char *rule, const gen_system *s, int a, int b,
                        const char *what)
{
    const char *x = s->autos[a].id, *y = s->autos[b].id;
    const char *small = strcmp(x, y) < 0 ? x : y, *large = small == x ? y : x;
    char subject[200];
    snprintf(subject, sizeof subject, "%s:%s", large, what);
    plant_expect(key, rule, s->id, small, subject);
}

static int chg002_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s)
        return 0;
    int a, b = plant_twin(w, s, rng, "planted-other", &a);
    if (b < 0)
        return -1;
    const defn_action *set = &s->autos[b].def.actions[0];
    expect_pair(key, "CHG002", s, a, b, set->field);
    *state = NULL;
    return 0;
}

static const gen_planter chg002_write_conflict = {
    "chg002-write-conflict", "CHG002",
    "hs-main: a twin of a busy automation sets one of its fields to another value",
    chg002_prepare, NULL, NULL};

static int chg006_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s)
        return 0;
    int a, b = plant_twin(w, s, rng, NULL, &a);
    if (b < 0)
        return -1;
    char what[120];
    snprintf(what, sizeof what, "set:%s", s->autos[b].def.actions[0].field);
    expect_pair(key, "CHG006", s, a, b, what);
    *state = NULL;
    return 0;
}

static const gen_planter chg006_duplicate_action = {
    "chg006-duplicate-action", "CHG006",
    "b24-sales: a twin of a busy automation sets the same field to the same value",
    chg006_prepare, NULL, NULL};

/* ---- CHG003: two automations that listen to each other's writes --------------------------- */

/* Lead update on status or `listens`, when status is `status`; sets `writes`. */
static void relay(defn *d, const char *status, const char *listens, const char *writes)
{
    memset(d->fields, 0, sizeof d->fields);
    snprintf(d->object, sizeof d->object, "lead");
    d->on = ON_UPDATE;
    d->nfields = 2;
    snprintf(d->fields[0], sizeof d->fields[0], "status");
    snprintf(d->fields[1], sizeof d->fields[1], "%s", listens);
    char cond[80];
    snprintf(cond, sizeof cond, "status eq %s", status);
    d->nconds = 1;
    defn_cond_parse(cond, &d->conds[0]);
    d->nactions = 1;
    memset(&d->actions[0], 0, sizeof d->actions[0]);
    d->actions[0].type = ACT_SET_FIELD;
    snprintf(d->actions[0].field, sizeof d->actions[0].field, "%s", writes);
    defn_value_from_text("1", &d->actions[0].value);
}

static int chg003_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s)
        return 0;
    int p = planted_automation(w, s, OBJ_LEAD, NULL, rng);
    int q = p < 0 ? -1 : planted_automation(w, s, OBJ_LEAD, NULL, rng);
    if (q < 0)
        return -1;
    world_automation_release(s, p);
    world_automation_release(s, q);
    relay(&s->autos[p].def, "working", "relay_b", "relay_a");
    relay(&s->autos[q].def, "qualified", "relay_a", "relay_b");
    if (world_automation_commit(w, s, p) != 0 || world_automation_commit(w, s, q) != 0)
        return -1;
    const char *x = s->autos[p].id, *y = s->autos[q].id;
    int x_first = strcmp(x, y) < 0;
    char members[200];
    snprintf(members, sizeof members, "%s,%s", x_first ? x : y, x_first ? y : x);
    plant_expect(key, "CHG003", s->id, x_first ? x : y, members);
    *state = NULL;
    return 0;
}

static const gen_planter chg003_trigger_cycle = {
    "chg003-trigger-cycle", "CHG003",
    "b24-sales: two lead automations each listen to the field the other writes",
    chg003_prepare, NULL, NULL};

/* ---- CHG004: never reviewed -------------------------------------------------------------- */

static int chg004_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s)
        return 0;
    int idx = planted_automation(w, s, -1, NULL, rng);
    if (idx < 0)
        return -1;
    *state = new_state(s, idx);
    if (!*state)
        return -1;
    /* overdue from the first minute tick after baseline + interval */
    int64_t due = inventory_time(s, idx) + (int64_t)REVIEW_INTERVAL_DAYS * 86400;
    plant_expect_at(key, due + 60, "CHG004", s->id, s->autos[idx].id, NULL);
    return 0;
}

static int chg004_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    (void)sim;
    gen_system *s;
    gen_automation *a = planted_on(w, state, day, -1, &s);
    if (a)
        a->next_review_day = INT_MAX / 2; /* the review that never comes */
    return 0;
}

static const gen_planter chg004_review_overdue = {
    "chg004-review-overdue", "CHG004",
    "sf-prod: an automation is never reviewed (overdue after 30 days with review_base = 30d)",
    chg004_prepare, chg004_on_day, release_state};

/* ---- CHG005: back on without approval ---------------------------------------------------- */

#define CHG005_OFF_DAY 3
#define CHG005_ON_DAY 7
#define CHG005_ON_SECOND 0

static int chg005_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s)
        return 0;
    int idx = planted_automation(w, s, -1, NULL, rng);
    if (idx < 0)
        return -1;
    *state = new_state(s, idx);
    if (!*state)
        return -1;
    plant_expect_at(key, day_time(w, CHG005_ON_DAY, CHG005_ON_SECOND), "CHG005", s->id,
                    s->autos[idx].id, NULL);
    return 0;
}

static int chg005_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted_on(w, state, day, -1, &s);
    if (!a || (day != CHG005_OFF_DAY && day != CHG005_ON_DAY))
        return 0;
    int idx = (int)(a - s->autos);
    if (day == CHG005_OFF_DAY) {
        int64_t at = sim_day_start(sim, day);
        a->active = 0;
        if (sim_emit_approved_change(sim, s, idx, at) != 0)
            return -1;
        sim_emit_automation(sim, s, idx, at);
        return 0;
    }
    a->active = 1;
    sim_emit_automation(sim, s, idx, sim_day_start(sim, day) + CHG005_ON_SECOND);
    return 0;
}

static const gen_planter chg005_unapproved_reactivation = {
    "chg005-unapproved-reactivation", "CHG005",
    "hs-main: an automation switched off with approval on day 3 is back on without one on day 7",
    chg005_prepare, chg005_on_day, release_state};

/* ---- CHG007: approved by its own author -------------------------------------------------- */

#define CHG007_DAY 5
#define CHG007_SECOND (3 * 3600)

static int human_stable(const gen_user *u)
{
    return (u->flags & USER_STABLE) && !(u->flags & (USER_SERVICE | USER_PLANTED)) && u->active;
}

static int chg007_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s)
        return 0;
    int idx = planted_automation(w, s, -1, NULL, rng);
    if (idx < 0)
        return -1;
    *state = new_state(s, idx);
    if (!*state)
        return -1;
    /* the change id is only known when it is written: the key names it by
     * the number the system's counter will give (see chg007_on_day) */
    char id[32];
    snprintf(id, sizeof id, "CR-P%d", idx);
    plant_expect_at(key, day_time(w, CHG007_DAY, CHG007_SECOND), "CHG007", s->id,
                    s->autos[idx].id, id);
    return 0;
}

static int chg007_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted_on(w, state, day, CHG007_DAY, &s);
    if (!a)
        return 0;
    int author = -1, other = -1;
    for (int r = 0; r < ROLE_COUNT && author < 0; r++)
        if (a->owners[r] >= 0 && human_stable(&s->users[a->owners[r]]))
            author = a->owners[r];
    for (int u = 0; u < s->nusers && other < 0; u++)
        if (u != author && human_stable(&s->users[u]))
            other = u;
    if (author < 0 || other < 0)
        return -1;
    gen_buf *b = sim_event_begin(sim, "change", s, sim_day_start(sim, day) + CHG007_SECOND);
    GEN_PUT_LIT(b, ",\"id\":\"CR-P");
    gen_buf_put_int(b, ((chg_plant_state *)state)->automation);
    GEN_PUT_LIT(b, "\",\"automation\":");
    gen_buf_put_json_string(b, a->id);
    GEN_PUT_LIT(b, ",\"state\":\"approved\",\"author\":");
    gen_buf_put_json_string(b, s->users[author].id);
    GEN_PUT_LIT(b, ",\"approvers\":[");
    gen_buf_put_json_string(b, s->users[author].id);
    gen_buf_putc(b, ',');
    gen_buf_put_json_string(b, s->users[other].id);
    GEN_PUT_LIT(b, "],\"definition_hash\":\"");
    gen_buf_puts(b, a->hash);
    GEN_PUT_LIT(b, "\",\"status\":\"active\"");
    sim_event_end(sim);
    return 0;
}

static const gen_planter chg007_approval_policy_violation = {
    "chg007-approval-policy-violation", "CHG007",
    "sf-prod: a change record on day 5 lists its author among the approvers",
    chg007_prepare, chg007_on_day, release_state};

const gen_planter *const plant_change_planters[] = {
    &chg001_unreviewed_change, &chg002_write_conflict,          &chg003_trigger_cycle,
    &chg004_review_overdue,    &chg005_unapproved_reactivation, &chg006_duplicate_action,
    &chg007_approval_policy_violation, NULL};
