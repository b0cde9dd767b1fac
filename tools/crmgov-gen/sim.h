/*
 * sim.h -- the timeline: inventory hour, then day by day record lifecycles,
 * the executions they trigger, reviews, modifications, joiners and leavers.
 *
 * The functions below the run entry point are the event API planters use
 * from their on_day hook (plant.h): they keep the world state and the
 * emitted stream consistent (a deactivation both flips the user and writes
 * the principal line).
 */
#ifndef CRMGOV_GEN_SIM_H
#define CRMGOV_GEN_SIM_H

#include "emit.h"
#include "plant.h"
#include "world.h"

typedef struct gen_sim gen_sim;

/* Generates the whole timeline into em; 0, or -1 with a message. */
int sim_run(gen_world *w, emitter *em, plant_run *planters, char *err, size_t errlen);

/* Epoch seconds of 00:00:00Z on simulated day `day`. */
int64_t sim_day_start(const gen_sim *sim, int day);
/* Flips a principal and writes its principal event. */
void sim_set_user_active(gen_sim *sim, gen_system *s, int user, int active, int64_t at);
/* Writes the automation event for the current definition and status. */
void sim_emit_automation(gen_sim *sim, gen_system *s, int idx, int64_t at);
/* Writes the ownership events of an automation (one per assigned role). */
void sim_emit_ownership(gen_sim *sim, gen_system *s, int idx, int64_t at);
/* Writes an approved change for the automation's current hash, approved by
 * the policy (author outside the approvers, one approver an owner), and
 * restarts its review clock. Returns -1 when no valid approvers exist. */
int sim_emit_approved_change(gen_sim *sim, gen_system *s, int idx, int64_t at);
/* Raw event for planters: begin, append members (",\"k\":v"), end. */
gen_buf *sim_event_begin(gen_sim *sim, const char *type, const gen_system *s, int64_t at);
void sim_event_end(gen_sim *sim);

#endif
