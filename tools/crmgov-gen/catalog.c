/*
 * catalog.c -- the tables behind catalog.h. Rates are rough expectations
 * derived from the lifecycle probabilities in sim.c (kept side by side in
 * the comments); they steer the builder away from automations that would
 * fire too rarely (dormancy) or notify someone too often (overload), and the
 * --verify pass checks the real outcome.
 */
#include "catalog.h"

#include <string.h>

static const cat_object objects[OBJ_COUNT] = {
    {"lead", "L-", 6, {
        {"status", FK_ENUM, 5, {"new", "working", "qualified", "converted", "lost"}},
        {"source", FK_ENUM, 5, {"web", "referral", "event", "partner", "ads"}},
        {"region", FK_ENUM, 3, {"emea", "amer", "apac"}},
        {"score", FK_INT, 0, {0}},
        {"email", FK_TEXT, 0, {0}},
        {"owner_id", FK_USER, 0, {0}}}},
    {"deal", "D-", 5, {
        {"stage", FK_ENUM, 5, {"new", "proposal", "negotiation", "won", "lost"}},
        {"amount", FK_INT, 0, {0}},
        {"region", FK_ENUM, 3, {"emea", "amer", "apac"}},
        {"type", FK_ENUM, 3, {"new_business", "renewal", "upsell"}},
        {"owner_id", FK_USER, 0, {0}}}},
    {"ticket", "T-", 5, {
        {"status", FK_ENUM, 3, {"open", "pending", "closed"}},
        {"priority", FK_ENUM, 4, {"low", "normal", "high", "urgent"}},
        {"channel", FK_ENUM, 4, {"email", "phone", "chat", "portal"}},
        {"region", FK_ENUM, 3, {"emea", "amer", "apac"}},
        {"owner_id", FK_USER, 0, {0}}}},
    {"contact", "C-", 5, {
        {"lifecycle", FK_ENUM, 2, {"prospect", "customer"}},
        {"region", FK_ENUM, 3, {"emea", "amer", "apac"}},
        {"email", FK_TEXT, 0, {0}},
        {"phone", FK_TEXT, 0, {0}},
        {"owner_id", FK_USER, 0, {0}}}},
};

const cat_object *cat_object_get(int object)
{
    return object >= 0 && object < OBJ_COUNT ? &objects[object] : NULL;
}

int cat_object_find(const char *name)
{
    for (int i = 0; i < OBJ_COUNT; i++)
        if (strcmp(objects[i].name, name) == 0)
            return i;
    return -1;
}

int cat_field_slot(int object, const char *field)
{
    const cat_object *o = cat_object_get(object);
    if (!o)
        return -1;
    for (int i = 0; i < o->nfields; i++)
        if (strcmp(o->fields[i].name, field) == 0)
            return i;
    return -1;
}

int cat_enum_index(const cat_field *f, const char *value)
{
    for (int i = 0; i < f->nvalues; i++)
        if (strcmp(f->values[i], value) == 0)
            return i;
    return -1;
}

const char *cat_region_name(int region)
{
    return objects[OBJ_LEAD].fields[LF_REGION].values[region];
}

/*
 * Lifecycle expectations per created record (see sim.c):
 * lead: new -> working (all) -> qualified 60% | lost 40%; qualified ->
 *   converted 70% | lost 30%. Half get a score update while working; 30%
 *   start without email, 60% of those get one later.
 * deal (0.42 per lead): new -> proposal -> negotiation 65% | lost;
 *   negotiation -> won 45% | lost; 30% of negotiations revise the amount.
 * ticket: open -> pending 70% | closed; pending -> closed; 15% escalate.
 * contact: 50% have a phone, 20% of the rest add one; 8% are deleted.
 */
static const cat_family families[] = {
    /* ---- lead ---- */
    {"route", "Route new leads", OBJ_LEAD, "create", NULL, NULL, 3,
     {{"emea", "region eq emea", 1.0 / 3}, {"amer", "region eq amer", 1.0 / 3},
      {"apac", "region eq apac", 1.0 / 3}},
     1.0, 0, "assign,set", 2, {"routing_queue=inbound|enterprise|smb", "route_rule=round_robin|territory"}, NULL},
    {"welcome", "Welcome new leads", OBJ_LEAD, "create", NULL, NULL, 3,
     {{"web", "source eq web", 0.4}, {"referral", "source eq referral", 0.2},
      {"events", "source eq event", 0.15}},
     1.0, 1, "email,set", 2, {"nurture_track=fast|standard|slow", "welcome_sent=true"}, NULL},
    {"sla", "Start lead SLA clock", OBJ_LEAD, "update", "status", "status eq working", 0, {{0}},
     1.0, 1, "set,task", 2, {"sla_tier=gold|silver|bronze", "first_touch_due=24h|48h"}, NULL},
    {"qualified", "Alert on qualified leads", OBJ_LEAD, "update", "status", "status eq qualified", 0, {{0}},
     0.6, 1, "notify,task", 1, {"handoff_state=ready"}, NULL},
    {"recycle", "Recycle lost leads", OBJ_LEAD, "update", "status", "status eq lost", 0, {{0}},
     0.58, 1, "set,webhook", 2, {"recycle_reason=no_budget|no_response|competitor", "recycle_after=90d|180d"}, NULL},
    {"handoff", "Hand off converted leads", OBJ_LEAD, "update", "status", "status eq converted", 0, {{0}},
     0.42, 1, "call,notify", 1, {"handoff_state=converted"}, "erp.create_account"},
    {"score", "Score alert", OBJ_LEAD, "update", "score", NULL, 2,
     {{"hot", "score gt 80", 0.2}, {"cold", "score lt 20", 0.2}},
     0.5, 1, "notify,set", 2, {"lead_grade=A|B|C", "score_band=top|bottom"}, NULL},
    {"email-followup", "Follow up captured emails", OBJ_LEAD, "update", "email", "email set", 0, {{0}},
     0.18, 1, "set,webhook", 1, {"followup_flag=true"}, NULL},
    {"sync", "Sync leads to marketing", OBJ_LEAD, "create_or_update", "status,source", NULL, 2,
     {{"paid", "source in web,ads", 0.5}, {"network", "source in referral,partner,event", 0.5}},
     3.5, 0, "webhook,set", 1, {"sync_status=queued|synced"}, NULL},
    {"stale-digest", "Nightly stale lead digest", OBJ_LEAD, "schedule", NULL, "status eq working", 0, {{0}},
     1.0, 0, "notify", 0, {0}, NULL},
    {"rescore", "Re-score lead on demand", OBJ_LEAD, "manual", NULL, NULL, 0, {{0}},
     1.0, 0, "call,set", 1, {"rescored=true"}, "scoring.recompute"},
    /* ---- deal ---- */
    {"setup", "Set up new deals", OBJ_DEAL, "create", NULL, NULL, 3,
     {{"new-business", "type eq new_business", 0.6}, {"renewal", "type eq renewal", 0.25},
      {"upsell", "type eq upsell", 0.15}},
     1.0, 1, "set,task", 2, {"forecast_category=pipeline|best_case|commit", "playbook=standard|expansion"}, NULL},
    {"proposal", "Proposal follow-up", OBJ_DEAL, "update", "stage", "stage eq proposal", 0, {{0}},
     1.0, 1, "task,email", 1, {"proposal_followup=scheduled"}, NULL},
    {"review", "Deal size review", OBJ_DEAL, "update", "stage", "stage eq negotiation", 2,
     {{"large", "amount gt 50000", 0.25}, {"small", "amount lt 20000", 0.35}},
     0.65, 1, "notify,set", 2, {"approval_status=required|auto_approved", "discount_cap=5|10|15"}, NULL},
    {"won", "Celebrate won deals", OBJ_DEAL, "update", "stage", "stage eq won", 0, {{0}},
     0.29, 1, "notify,set,webhook", 2, {"commission_flag=true", "handoff_status=onboarding"}, NULL},
    {"lost", "Review lost deals", OBJ_DEAL, "update", "stage", "stage eq lost", 0, {{0}},
     0.71, 1, "task,set", 1, {"loss_review=pending|scheduled"}, NULL},
    {"amount-audit", "Audit amount changes", OBJ_DEAL, "update", "amount", "amount changed", 0, {{0}},
     0.2, 1, "webhook,set", 1, {"amount_audit=logged"}, NULL},
    {"erp-sync", "Sync deals to ERP", OBJ_DEAL, "create_or_update", "stage", NULL, 2,
     {{"new", "type in new_business", 0.6}, {"existing", "type in renewal,upsell", 0.4}},
     3.3, 0, "webhook,call", 1, {"erp_status=pending"}, "erp.sync_opportunity"},
    /* ---- ticket ---- */
    {"triage", "Triage new tickets", OBJ_TICKET, "create", NULL, NULL, 4,
     {{"email", "channel eq email", 0.4}, {"phone", "channel eq phone", 0.2},
      {"chat", "channel eq chat", 0.25}, {"portal", "channel eq portal", 0.15}},
     1.0, 1, "assign,set", 2, {"queue=tier1|tier2|billing", "triage_rule=keyword|channel"}, NULL},
    {"escalate", "Escalate priority tickets", OBJ_TICKET, "create_or_update", "priority", NULL, 2,
     {{"urgent", "priority eq urgent", 0.07}, {"high", "priority eq high", 0.25}},
     1.15, 1, "notify,set", 2, {"escalation_level=1|2", "escalation_path=oncall|manager"}, NULL},
    {"pending", "Pending ticket reminder", OBJ_TICKET, "update", "status", "status eq pending", 0, {{0}},
     0.7, 1, "set,email", 2, {"sla_due_flag=true", "reminder_cadence=daily|weekly"}, NULL},
    {"survey", "Send satisfaction survey", OBJ_TICKET, "update", "status", "status eq closed", 0, {{0}},
     1.0, 1, "email,set,webhook", 2, {"survey_status=sent", "csat_channel=email|sms"}, NULL},
    {"stale-pending", "Stale pending tickets digest", OBJ_TICKET, "schedule", NULL, "status eq pending", 0, {{0}},
     1.0, 0, "notify", 0, {0}, NULL},
    {"tier2", "Escalate to tier 2", OBJ_TICKET, "manual", NULL, NULL, 0, {{0}},
     1.0, 0, "assign,set", 1, {"tier2_escalated=true"}, NULL},
    /* ---- contact ---- */
    {"enrich", "Enrich new contacts", OBJ_CONTACT, "create", NULL, NULL, 0, {{0}},
     1.0, 1, "webhook,set", 2, {"enrichment_status=queued", "data_source=clearbit|manual"}, NULL},
    {"onboard", "Onboard new customers", OBJ_CONTACT, "update", "lifecycle", "lifecycle eq customer", 0, {{0}},
     0.14, 1, "task,email", 1, {"onboarding_stage=kickoff"}, NULL},
    {"phone", "Phone number added", OBJ_CONTACT, "update", "phone", "phone set", 0, {{0}},
     0.1, 1, "set", 1, {"callable=true"}, NULL},
    {"purge", "Purge deleted contacts", OBJ_CONTACT, "delete", NULL, NULL, 0, {{0}},
     0.08, 0, "call,webhook", 0, {0}, "gdpr.erase"},
};

int cat_family_count(void)
{
    return (int)(sizeof families / sizeof families[0]);
}

const cat_family *cat_family_get(int index)
{
    return index >= 0 && index < cat_family_count() ? &families[index] : NULL;
}

int cat_family_find(const char *slug)
{
    for (int i = 0; i < cat_family_count(); i++)
        if (strcmp(families[i].slug, slug) == 0)
            return i;
    return -1;
}

double cat_direct_share(int object)
{
    static const double share[OBJ_COUNT] = {0.45, 0.0, 0.35, 0.20};
    return share[object];
}

double cat_records_per_intake(int object)
{
    /* Deals: one per converted lead (0.45 * 0.6 * 0.7); contacts: direct
     * plus one per converted lead. */
    static const double per[OBJ_COUNT] = {0.45, 0.189, 0.35, 0.389};
    return per[object];
}

static const char *const first_names[] = {
    "Ana", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Irina", "Javier",
    "Keiko", "Lucas", "Maria", "Nikolai", "Olivia", "Pablo", "Quentin", "Rosa", "Sven", "Tatiana",
    "Ugo", "Valeria", "Wen", "Xavier", "Yusuf", "Zoe", "Amelie", "Boris", "Carmen", "Denis"};
static const char *const last_names[] = {
    "Ruiz", "Martin", "Petrov", "Dubois", "Garcia", "Ivanova", "Moreau", "Lopez", "Smirnov",
    "Bernard", "Fernandez", "Kuznetsova", "Laurent", "Sanchez", "Popov", "Lefebvre", "Romero",
    "Sokolova", "Girard", "Navarro", "Volkov", "Fontaine", "Castillo", "Orlova", "Mercier"};

int cat_first_name_count(void) { return (int)(sizeof first_names / sizeof first_names[0]); }
int cat_last_name_count(void) { return (int)(sizeof last_names / sizeof last_names[0]); }
const char *cat_first_name(int i) { return first_names[i]; }
const char *cat_last_name(int i) { return last_names[i]; }
