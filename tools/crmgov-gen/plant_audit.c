/*
 * plant_audit.c -- planters for the performance-audit layer (AUD0xx), one
 * per rule and subject, each on a fresh planted automation whose definition
 * the planter writes itself: its one action sets a field of its own that
 * nobody else reads or writes ("aud_<name>"), so no change-control or
 * ownership rule can see it -- even when every plant lands in one system --
 * and it notifies nobody unless the plant is about notifications.
 *
 * aud001-failure-rate     sf-prod: a nightly (schedule) automation runs 20
 *                         extra times on day 10 from 07:10, 4 of them failed.
 *                         Day 10 is before 28 days of history, so the burst
 *                         is no spike (AUD003 needs a full baseline).
 * aud002-missed-action    hs-main: an automation on every lead that starts
 *                         being worked (update [status], status eq working)
 *                         does not run at all on day 10 while the CRM still
 *                         shows it active; it runs again from day 11, so its
 *                         weekly volume stays far above AUD007's ratio.
 * aud003-no-trigger       b24-sales: an update automation runs on day 12 at
 *                         12:00 on three leads that had no change at all
 *                         (ids L-990001..3, never created).
 * aud003-wrong-object     sf-prod: a lead automation runs on day 13 at 12:00
 *                         on a ticket (T-990001).
 * aud003-spike            hs-main: a manual automation (once or twice a
 *                         working day) runs 40 times on day 35 from 09:00.
 * aud004-conversion-decline b24-sales: an automation on deals reaching
 *                         stage won (every touched deal converts) is switched
 *                         by an approved change on day 40 to deals reaching
 *                         stage lost (none converts). Planted only when the
 *                         timeline holds 80 days and at least about 40 won
 *                         deals a week (--records 10000 --days 100 does).
 * aud005-dormant          sf-prod: a deal automation on delete (deals are
 *                         never deleted) never runs: dormant 30 days after
 *                         the inventory hour.
 * aud006-notification-overload hs-main: a nightly automation runs 51 extra
 *                         times on day 5 from 10:00, each notifying a fresh
 *                         planted user.
 * aud007-silent-stop      b24-sales: like aud002's automation, it stops on
 *                         day 30 for ten days (still shown active) while leads
 *                         keep being worked: silent stop on day 37 -- and
 *                         missed actions (AUD002) from day 30, listed too.
 * A plant whose day the timeline does not reach is left out (no key entry);
 * a system the world does not have is replaced by the first one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"
#include "plant.h"
#include "sim.h"

static gen_system *planted_system(gen_world *w, const char *preferred)
{
    gen_system *s = world_find_system(w, preferred);
    return s ? s : (w->nsystems ? &w->systems[0] : NULL);
}

static int64_t day_time(const gen_world *w, int day, int64_t second)
{
    return (w->opt.start_day + day) * 86400 + second;
}

/* When the inventory hour writes the automation event of automation idx
 * (the same clock plant_change.c relies on). */
static int64_t inventory_time(const gen_system *s, int idx)
{
    return s->start_at + 900 + (idx < 900 ? idx : 900);
}

/* Builds a healthy automation on `object`, then gives it the trigger and
 * condition asked for and one action: set aud_`value` = "planted" (a field
 * of its own: no two planted automations write one field, even in one system). */
static int plant_custom(gen_world *w, gen_system *s, int object, enum defn_on on,
                        const char *field, const char *cond, const char *value, gen_rng *rng)
{
    int idx = world_build_automation(w, s, object, NULL, rng);
    if (idx < 0)
        return -1;
    gen_automation *a = &s->autos[idx];
    a->flags |= AUTO_PLANTED;
    world_automation_release(s, idx);
    defn *d = &a->def;
    d->on = on;
    d->nfields = 0;
    if (field)
        snprintf(d->fields[d->nfields++], DEFN_NAME_MAX, "%s", field);
    d->nconds = 0;
    if (cond && defn_cond_parse(cond, &d->conds[d->nconds++]) != 0)
        return -1;
    memset(&d->actions[0], 0, sizeof(d->actions[0]));
    d->nactions = 1;
    d->actions[0].type = ACT_SET_FIELD;
    snprintf(d->actions[0].field, DEFN_NAME_MAX, "aud_%s", value);
    defn_value_from_text("planted", &d->actions[0].value);
    return world_automation_commit(w, s, idx) == 0 ? idx : -1;
}

typedef struct aud_plant_state {
    char system[16];
    int automation;
    int user;
    unsigned fire_on; /* the compiled trigger, kept while it is switched off */
} aud_plant_state;

static void *new_state(const gen_system *s, int automation, int user)
{
    aud_plant_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    snprintf(st->system, sizeof st->system, "%s", s->id);
    st->automation = automation;
    st->user = user;
    return st;
}

static void release_state(void *state)
{
    free(state);
}

/* The planted automation when `state` exists; NULL otherwise. */
static gen_automation *planted(gen_world *w, void *state, gen_system **sys)
{
    aud_plant_state *st = state;
    gen_system *s = st ? world_find_system(w, st->system) : NULL;
    if (!s)
        return NULL;
    *sys = s;
    return &s->autos[st->automation];
}

/* An execution the simulation would not have made. */
static void raw_execution(gen_sim *sim, const gen_system *s, const gen_automation *a,
                          const char *object, const char *record, int failed,
                          const char *notified, int64_t at)
{
    gen_buf *b = sim_event_begin(sim, "execution", s, at);
    GEN_PUT_LIT(b, ",\"automation\":");
    gen_buf_put_json_string(b, a->id);
    GEN_PUT_LIT(b, ",\"object\":");
    gen_buf_put_json_string(b, object);
    GEN_PUT_LIT(b, ",\"record\":");
    gen_buf_put_json_string(b, record);
    if (failed)
        GEN_PUT_LIT(b, ",\"status\":\"failed\",\"error\":\"planted failure\"");
    else
        GEN_PUT_LIT(b, ",\"status\":\"ok\"");
    GEN_PUT_LIT(b, ",\"duration_ms\":40,\"notified\":[");
    if (notified)
        gen_buf_put_json_string(b, notified);
    GEN_PUT_LIT(b, "]");
    sim_event_end(sim);
}

/* ---- AUD001: a burst of failed runs ---------------------------------------------------- */

#define AUD001_DAY 10

static int aud001_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s || w->opt.days <= AUD001_DAY + 1)
        return 0;
    int idx = plant_custom(w, s, OBJ_LEAD, ON_SCHEDULE, NULL, "status eq working", "digest", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    /* at the 20th run of the day at the latest: 4 failed of 20 */
    plant_expect_at(key, day_time(w, AUD001_DAY, 7 * 3600 + 600 + 19 * 60), "AUD001", s->id,
                    s->autos[idx].id, NULL);
    return 0;
}

static int aud001_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (!a || day != AUD001_DAY)
        return 0;
    for (int i = 0; i < 20; i++) {
        char record[16];
        snprintf(record, sizeof record, "L-98%04d", i);
        raw_execution(sim, s, a, "lead", record, i % 5 == 0, NULL,
                      sim_day_start(sim, day) + 7 * 3600 + 600 + 60 * i);
    }
    return 0;
}

static const gen_planter aud001_failure_rate = {
    "aud001-failure-rate", "AUD001",
    "sf-prod: a nightly automation runs 20 extra times on day 10, 4 of them failed",
    aud001_prepare, aud001_on_day, release_state};

/* ---- AUD002 / AUD007: an automation shown active that does not run ------------------------ */

#define AUD002_DAY 10
#define AUD007_DAY 30
#define AUD007_DAYS 10

static int busy_lead_automation(gen_world *w, gen_system *s, const char *value, gen_rng *rng)
{
    return plant_custom(w, s, OBJ_LEAD, ON_UPDATE, "status", "status eq working", value, rng);
}

static int aud002_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s || w->opt.days <= AUD002_DAY + 1)
        return 0;
    int idx = busy_lead_automation(w, s, "missed", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    plant_expect_at(key, day_time(w, AUD002_DAY + 1, 0), "AUD002", s->id, s->autos[idx].id, NULL);
    return 0;
}

/* The simulation fires an automation when its compiled trigger matches;
 * clearing that (not `active`: the automation stays active, is reviewed, and
 * the stream shows no change) is a silent stop, undone on `until`. */
static void silence(void *state, gen_automation *a, int day, int from, int until)
{
    aud_plant_state *st = state;
    if (day == from) {
        st->fire_on = a->fire_on;
        a->fire_on = 0;
    } else if (day == until) {
        a->fire_on = st->fire_on;
    }
}

static int aud002_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    (void)sim;
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (a)
        silence(state, a, day, AUD002_DAY, AUD002_DAY + 1);
    return 0;
}

static const gen_planter aud002_missed_action = {
    "aud002-missed-action", "AUD002",
    "hs-main: an automation on leads being worked does not run on day 10 (shown active)",
    aud002_prepare, aud002_on_day, release_state};

static int aud007_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s || w->opt.days <= AUD007_DAY + 8)
        return 0;
    int idx = busy_lead_automation(w, s, "silent", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    /* a whole silent window (days 30..36) closes at 00:00 on day 37 */
    plant_expect_at(key, day_time(w, AUD007_DAY + 7, 0), "AUD007", s->id, s->autos[idx].id, NULL);
    plant_expect_at(key, day_time(w, AUD007_DAY + 1, 0), "AUD002", s->id, s->autos[idx].id, NULL);
    return 0;
}

static int aud007_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    (void)sim;
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (a)
        silence(state, a, day, AUD007_DAY, AUD007_DAY + AUD007_DAYS);
    return 0;
}

static const gen_planter aud007_silent_stop = {
    "aud007-silent-stop", "AUD007",
    "b24-sales: an automation on leads being worked stops for ten days from day 30 (shown active)",
    aud007_prepare, aud007_on_day, release_state};

/* ---- AUD003: runs without a trigger, on another object, in a burst ------------------------ */

#define AUD003_NO_TRIGGER_DAY 12
#define AUD003_WRONG_OBJECT_DAY 13
#define AUD003_SPIKE_DAY 35

static int aud003_no_trigger_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s || w->opt.days <= AUD003_NO_TRIGGER_DAY + 1)
        return 0;
    int idx = plant_custom(w, s, OBJ_LEAD, ON_UPDATE, "status", "status eq qualified", "unasked", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    plant_expect_at(key, day_time(w, AUD003_NO_TRIGGER_DAY + 1, 0), "AUD003", s->id,
                    s->autos[idx].id, "no-trigger");
    return 0;
}

static int aud003_no_trigger_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (!a || day != AUD003_NO_TRIGGER_DAY)
        return 0;
    for (int i = 1; i <= 3; i++) {
        char record[16];
        snprintf(record, sizeof record, "L-99%04d", i);
        raw_execution(sim, s, a, "lead", record, 0, NULL, sim_day_start(sim, day) + 12 * 3600 + i);
    }
    return 0;
}

static const gen_planter aud003_no_trigger = {
    "aud003-no-trigger", "AUD003",
    "b24-sales: an update automation runs on day 12 on three leads that never changed",
    aud003_no_trigger_prepare, aud003_no_trigger_on_day, release_state};

static int aud003_wrong_object_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s || w->opt.days <= AUD003_WRONG_OBJECT_DAY + 1)
        return 0;
    int idx = plant_custom(w, s, OBJ_LEAD, ON_UPDATE, "status", "status eq lost", "misplaced", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    plant_expect_at(key, day_time(w, AUD003_WRONG_OBJECT_DAY, 12 * 3600), "AUD003", s->id,
                    s->autos[idx].id, "wrong-object");
    return 0;
}

static int aud003_wrong_object_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (a && day == AUD003_WRONG_OBJECT_DAY)
        raw_execution(sim, s, a, "ticket", "T-990001", 0, NULL,
                      sim_day_start(sim, day) + 12 * 3600);
    return 0;
}

static const gen_planter aud003_wrong_object = {
    "aud003-wrong-object", "AUD003",
    "sf-prod: a lead automation runs on a ticket on day 13",
    aud003_wrong_object_prepare, aud003_wrong_object_on_day, release_state};

static int aud003_spike_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s || w->opt.days <= AUD003_SPIKE_DAY + 1)
        return 0;
    int idx = plant_custom(w, s, OBJ_LEAD, ON_MANUAL, NULL, NULL, "burst", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    /* min_executions (20) is reached at the 20th extra run at the latest */
    plant_expect_at(key, day_time(w, AUD003_SPIKE_DAY, 9 * 3600 + 19), "AUD003", s->id,
                    s->autos[idx].id, "spike");
    return 0;
}

static int aud003_spike_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (!a || day != AUD003_SPIKE_DAY)
        return 0;
    for (int i = 0; i < 40; i++) {
        char record[16];
        snprintf(record, sizeof record, "L-97%04d", i);
        raw_execution(sim, s, a, "lead", record, 0, NULL, sim_day_start(sim, day) + 9 * 3600 + i);
    }
    return 0;
}

static const gen_planter aud003_spike = {
    "aud003-spike", "AUD003",
    "hs-main: a manual automation runs 40 times on day 35",
    aud003_spike_prepare, aud003_spike_on_day, release_state};

/* ---- AUD004: the touched deals stop converting ------------------------------------------- */

#define AUD004_DAY 40
#define AUD004_MIN_DAYS 80
#define AUD004_HORIZON_DAYS 30

/* Expected won deals a week per system: a lead (45% of intake) is qualified
 * 60%, converted 70%; its deal reaches negotiation 65% and is won 45%. */
static double won_per_week(const gen_world *w)
{
    return w->intake_per_day * 0.45 * 0.6 * 0.7 * 0.65 * 0.45 * 7;
}

static int aud004_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "b24-sales");
    if (!s || w->opt.days < AUD004_MIN_DAYS || won_per_week(w) < 40)
        return 0;
    int idx = plant_custom(w, s, OBJ_DEAL, ON_UPDATE, "stage", "stage eq won", "celebrated", rng);
    if (idx < 0 || !(*state = new_state(s, idx, -1)))
        return -1;
    /* the first week after the switch has matured by then */
    plant_expect_at(key, day_time(w, AUD004_DAY + 7 + AUD004_HORIZON_DAYS + 1, 0), "AUD004",
                    s->id, s->autos[idx].id, NULL);
    return 0;
}

static int aud004_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (!a || day != AUD004_DAY)
        return 0;
    int idx = (int)(a - s->autos);
    world_automation_release(s, idx);
    if (defn_cond_parse("stage eq lost", &a->def.conds[0]) != 0 ||
        world_automation_commit(w, s, idx) != 0)
        return -1;
    /* approved, so change control has nothing to say */
    if (sim_emit_approved_change(sim, s, idx, sim_day_start(sim, day)) != 0)
        return -1;
    sim_emit_automation(sim, s, idx, sim_day_start(sim, day));
    return 0;
}

static const gen_planter aud004_conversion_decline = {
    "aud004-conversion-decline", "AUD004",
    "b24-sales: an automation on won deals is switched to lost deals on day 40 (needs 80 days)",
    aud004_prepare, aud004_on_day, release_state};

/* ---- AUD005: an automation that can never fire -------------------------------------------- */

#define AUD005_DAYS 30

static int aud005_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "sf-prod");
    if (!s || w->opt.days <= AUD005_DAYS + 1)
        return 0;
    int idx = plant_custom(w, s, OBJ_DEAL, ON_DELETE, NULL, NULL, "purged", rng);
    if (idx < 0)
        return -1;
    /* judged on the first one-minute tick after 30 days of idleness */
    plant_expect_at(key, inventory_time(s, idx) + AUD005_DAYS * 86400 + 60, "AUD005", s->id,
                    s->autos[idx].id, NULL);
    *state = NULL;
    return 0;
}

static const gen_planter aud005_dormant = {
    "aud005-dormant", "AUD005",
    "sf-prod: a deal automation on delete (deals are never deleted) never runs",
    aud005_prepare, NULL, NULL};

/* ---- AUD006: one person flooded with notifications ---------------------------------------- */

#define AUD006_DAY 5
#define AUD006_RUNS 51

static int aud006_prepare(gen_world *w, gen_rng *rng, plant_key *key, void **state)
{
    gen_system *s = planted_system(w, "hs-main");
    if (!s || w->opt.days <= AUD006_DAY + 1)
        return 0;
    int user = world_add_user(w, s, "sales", USER_PLANTED);
    int idx = plant_custom(w, s, OBJ_LEAD, ON_SCHEDULE, NULL, "status eq working", "flooded", rng);
    if (user < 0 || idx < 0 || !(*state = new_state(s, idx, user)))
        return -1;
    plant_expect_at(key, day_time(w, AUD006_DAY, 10 * 3600 + AUD006_RUNS - 1), "AUD006", s->id,
                    NULL, s->users[user].id);
    return 0;
}

static int aud006_on_day(gen_world *w, gen_sim *sim, int day, void *state)
{
    gen_system *s;
    gen_automation *a = planted(w, state, &s);
    if (!a || day != AUD006_DAY)
        return 0;
    const char *who = s->users[((aud_plant_state *)state)->user].id;
    for (int i = 0; i < AUD006_RUNS; i++) {
        char record[16];
        snprintf(record, sizeof record, "L-96%04d", i);
        raw_execution(sim, s, a, "lead", record, 0, who, sim_day_start(sim, day) + 10 * 3600 + i);
    }
    return 0;
}

static const gen_planter aud006_notification_overload = {
    "aud006-notification-overload", "AUD006",
    "hs-main: a fresh user gets 51 notifications from one automation on day 5",
    aud006_prepare, aud006_on_day, release_state};

const gen_planter *const plant_audit_planters[] = {
    &aud001_failure_rate, &aud002_missed_action,       &aud003_no_trigger,
    &aud003_wrong_object, &aud003_spike,               &aud004_conversion_decline,
    &aud005_dormant,      &aud006_notification_overload, &aud007_silent_stop,
    NULL};
