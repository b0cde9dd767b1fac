/*
 * world.c -- builds the healthy baseline world (see world.h): systems,
 * principals, and an automation inventory assembled from the catalogue
 * against the co-fire rules, with owners within the bus-factor limit.
 */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>

static void *grow_array(void *items, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return items;
    int n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(items, (size_t)n * size);
    if (!p) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    *cap = n;
    return p;
}

int world_intern(gen_intern *t, const char *text)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->items[i], text) == 0)
            return i;
    t->items = grow_array(t->items, &t->cap, t->n + 1, sizeof *t->items);
    t->items[t->n] = strdup(text);
    if (!t->items[t->n]) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    return t->n++;
}

static void intern_free(gen_intern *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->items[i]);
    free(t->items);
    t->items = NULL;
    t->n = t->cap = 0;
}

gen_system *world_find_system(gen_world *w, const char *id)
{
    for (int i = 0; i < w->nsystems; i++)
        if (strcmp(w->systems[i].id, id) == 0)
            return &w->systems[i];
    return NULL;
}

int world_find_user(const gen_system *s, const char *id)
{
    for (int i = 0; i < s->nusers; i++)
        if (strcmp(s->users[i].id, id) == 0)
            return i;
    return -1;
}

int world_find_automation(const gen_system *s, const char *id)
{
    for (int i = 0; i < s->nautos; i++)
        if (strcmp(s->autos[i].id, id) == 0)
            return i;
    return -1;
}

/* ---- users ------------------------------------------------------------ */

static const char *const role_cycle[] = {"admin", "sales-manager", "sales", "support",
                                         "marketing", "support-manager", "sales", "support",
                                         "sales", "marketing"};

static void lowercase_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] - 'A' + 'a') : src[i];
    dst[i] = '\0';
}

int world_add_user(gen_world *w, gen_system *s, const char *role, unsigned flags)
{
    s->users = grow_array(s->users, &s->capusers, s->nusers + 1, sizeof *s->users);
    gen_user *u = &s->users[s->nusers];
    memset(u, 0, sizeof *u);
    u->role = role ? role : "sales";
    u->flags = flags;
    u->active = 1;
    u->joined_at = INT64_MIN;
    if (flags & USER_SERVICE) {
        snprintf(u->id, sizeof u->id, "svc-integration%s", s->nusers ? "-2" : "");
        snprintf(u->name, sizeof u->name, "Integration User");
        snprintf(u->email, sizeof u->email, "integration@%s", s->domain);
        return s->nusers++;
    }
    const char *first = cat_first_name((int)gen_rng_below(&w->rng, (uint32_t)cat_first_name_count()));
    const char *last = cat_last_name((int)gen_rng_below(&w->rng, (uint32_t)cat_last_name_count()));
    int num = s->next_user_num++;
    char lf[24], ll[24];
    lowercase_copy(lf, sizeof lf, first);
    lowercase_copy(ll, sizeof ll, last);
    snprintf(u->id, sizeof u->id, "u-%d", num);
    snprintf(u->name, sizeof u->name, "%s %s", first, last);
    snprintf(u->email, sizeof u->email, "%s.%s.%d@%s", lf, ll, num, s->domain);
    return s->nusers++;
}

static int user_eligible(const gen_user *u)
{
    return (u->flags & USER_STABLE) && !(u->flags & (USER_SERVICE | USER_PLANTED)) && u->active;
}

/* ---- conflict checks ---------------------------------------------------- */

static int def_targets(const defn *d, const char *user)
{
    for (int i = 0; i < d->nactions; i++) {
        const char *r = defn_action_recipient(&d->actions[i]);
        if (r && strcmp(r, user) == 0)
            return 1;
    }
    return 0;
}

static int def_writes(const defn *d, const char *field)
{
    for (int i = 0; i < d->nactions; i++) {
        const char *f = defn_action_writes(&d->actions[i]);
        if (f && strcmp(f, field) == 0)
            return 1;
    }
    return 0;
}

int world_recipient_fits(const gen_system *s, int self, const defn *def, int user, double rate,
                         int is_notify)
{
    const gen_user *u = &s->users[user];
    if (!user_eligible(u) || def_targets(def, u->id))
        return 0;
    if (is_notify && u->notify_load + rate > WORLD_MAX_NOTIFY_LOAD)
        return 0;
    for (int j = 0; j < s->nautos; j++) {
        const gen_automation *a = &s->autos[j];
        if (j == self || !a->active)
            continue;
        if (def_targets(&a->def, u->id) && defn_can_cofire(def, &a->def))
            return 0;
    }
    return 1;
}

int world_field_fits(const gen_system *s, int self, const defn *def, const char *field)
{
    if (def_writes(def, field))
        return 0;
    for (int j = 0; j < s->nautos; j++) {
        const gen_automation *a = &s->autos[j];
        if (j == self || !a->active)
            continue;
        if (def_writes(&a->def, field) && defn_can_cofire(def, &a->def))
            return 0;
    }
    return 1;
}

double world_estimate_daily(const gen_world *w, int family, int variant, int regional)
{
    const cat_family *f = cat_family_get(family);
    if (!f)
        return 0.0;
    if (strcmp(f->on, "schedule") == 0 || strcmp(f->on, "manual") == 0)
        return f->rate;
    double per_day = w->intake_per_day * cat_records_per_intake(f->object) * f->rate;
    if (variant >= 0 && variant < f->nvariants)
        per_day *= f->variants[variant].share;
    if (regional)
        per_day /= REGION_COUNT;
    return per_day;
}

/* ---- building one automation ------------------------------------------- */

static const char *kind_prefix(const char *kind)
{
    static const char *const map[][2] = {{"flow", "flow"}, {"workflow", "wf"}, {"robot", "robot"},
                                         {"trigger", "trg"}, {"process", "proc"}, {"rule", "rule"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], kind) == 0)
            return map[i][1];
    return "auto";
}

static int add_cond(defn *d, const char *spec)
{
    if (!spec)
        return 0;
    if (d->nconds == DEFN_CONDS_MAX || defn_cond_parse(spec, &d->conds[d->nconds]) != 0)
        return -1;
    d->nconds++;
    return 0;
}

static int set_trigger(defn *d, const cat_family *f)
{
    if (defn_on_parse(f->on, &d->on) != 0)
        return -1;
    d->nfields = 0;
    const char *p = f->fields;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (d->nfields == DEFN_FIELDS_MAX || n >= DEFN_NAME_MAX)
            return -1;
        memcpy(d->fields[d->nfields], p, n);
        d->fields[d->nfields][n] = '\0';
        d->nfields++;
        p += n + (comma != NULL);
    }
    return 0;
}

/* Picks the fitting recipient with the lowest load (ties broken at random,
 * by starting the scan at a random user); -1 when nobody fits. */
static int pick_recipient(const gen_system *s, const defn *d, double rate, int is_notify,
                          gen_rng *rng)
{
    int best = -1;
    double best_load = 0;
    int start = (int)gen_rng_below(rng, (uint32_t)s->nusers);
    for (int k = 0; k < s->nusers; k++) {
        int i = (start + k) % s->nusers;
        if (!world_recipient_fits(s, -1, d, i, rate, is_notify))
            continue;
        double load = is_notify ? s->users[i].notify_load : (double)s->users[i].targeted;
        if (best < 0 || load < best_load) {
            best = i;
            best_load = load;
        }
    }
    return best;
}

static int add_set_field(const gen_system *s, defn *d, const cat_family *f, gen_rng *rng)
{
    if (f->noutputs == 0 || d->nactions == DEFN_ACTIONS_MAX)
        return 0;
    int first = (int)gen_rng_below(rng, (uint32_t)f->noutputs);
    for (int attempt = 0; attempt < 64; attempt++) {
        const char *spec = f->outputs[(first + attempt) % f->noutputs];
        const char *eq = strchr(spec, '=');
        char field[DEFN_NAME_MAX];
        size_t n = (size_t)(eq - spec);
        memcpy(field, spec, n);
        field[n] = '\0';
        if (attempt >= f->noutputs) /* every plain name taken: number it */
            snprintf(field + n, sizeof field - n, "_%d", attempt - f->noutputs + 2);
        if (!world_field_fits(s, -1, d, field))
            continue;
        /* values are '|'-separated after '=' */
        const char *vals = eq + 1;
        int nvals = 1;
        for (const char *p = vals; *p; p++)
            nvals += *p == '|';
        int pick = (int)gen_rng_below(rng, (uint32_t)nvals);
        const char *v = vals;
        for (int k = 0; k < pick; k++)
            v = strchr(v, '|') + 1;
        const char *end = strchr(v, '|');
        char text[DEFN_NAME_MAX];
        size_t vn = end ? (size_t)(end - v) : strlen(v);
        memcpy(text, v, vn);
        text[vn] = '\0';
        defn_action *a = &d->actions[d->nactions++];
        memset(a, 0, sizeof *a);
        a->type = ACT_SET_FIELD;
        snprintf(a->field, sizeof a->field, "%s", field);
        defn_value_from_text(text, &a->value);
        return 0;
    }
    return 0;
}

static void add_to_action(const gen_system *s, defn *d, enum defn_action_type type, double rate,
                          gen_rng *rng)
{
    if (d->nactions == DEFN_ACTIONS_MAX)
        return;
    if (type == ACT_ASSIGN && !world_field_fits(s, -1, d, "owner_id"))
        type = ACT_CREATE_TASK;
    int user = pick_recipient(s, d, rate, type == ACT_NOTIFY, rng);
    if (user < 0)
        return;
    defn_action *a = &d->actions[d->nactions++];
    memset(a, 0, sizeof *a);
    a->type = type;
    snprintf(a->arg, sizeof a->arg, "%s", s->users[user].id);
}

static void put_hook_url(defn_action *a, const gen_system *s, const gen_automation *au)
{
    char id[sizeof au->id];
    memcpy(id, au->id, sizeof id);
    snprintf(a->arg, sizeof a->arg, "https://hooks.example.com/%.15s/%.63s", s->id, id);
}

static void add_actions(const gen_system *s, gen_automation *au, const cat_family *f, gen_rng *rng)
{
    defn *d = &au->def;
    char plan[64];
    snprintf(plan, sizeof plan, "%s", f->actions);
    for (char *tok = strtok(plan, ","); tok; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "set") == 0) {
            add_set_field(s, d, f, rng);
        } else if (strcmp(tok, "notify") == 0) {
            add_to_action(s, d, ACT_NOTIFY, au->est_daily, rng);
        } else if (strcmp(tok, "assign") == 0) {
            add_to_action(s, d, ACT_ASSIGN, au->est_daily, rng);
        } else if (strcmp(tok, "task") == 0) {
            add_to_action(s, d, ACT_CREATE_TASK, au->est_daily, rng);
        } else if (strcmp(tok, "email") == 0) {
            add_to_action(s, d, ACT_EMAIL, au->est_daily, rng);
        } else if ((strcmp(tok, "webhook") == 0 || strcmp(tok, "call") == 0) &&
                   d->nactions < DEFN_ACTIONS_MAX) {
            defn_action *a = &d->actions[d->nactions++];
            memset(a, 0, sizeof *a);
            if (tok[0] == 'w') {
                a->type = ACT_WEBHOOK;
                put_hook_url(a, s, au);
            } else {
                a->type = ACT_CALL;
                snprintf(a->arg, sizeof a->arg, "%s", f->call_target ? f->call_target : "integration.run");
            }
        }
    }
    if (d->nactions == 0) { /* every recipient was taken: keep a harmless action */
        defn_action *a = &d->actions[d->nactions++];
        memset(a, 0, sizeof *a);
        a->type = ACT_WEBHOOK;
        put_hook_url(a, s, au);
    }
}

static void make_identity(const gen_system *s, gen_automation *au, const cat_family *f,
                          int variant, int region)
{
    char base[64];
    const char *vlabel = variant >= 0 ? f->variants[variant].label : NULL;
    snprintf(base, sizeof base, "%s-%s-%s%s%s%s%s", kind_prefix(au->def.kind),
             cat_object_get(f->object)->name, f->slug, vlabel ? "-" : "", vlabel ? vlabel : "",
             region >= 0 ? "-" : "", region >= 0 ? cat_region_name(region) : "");
    snprintf(au->id, sizeof au->id, "%s", base);
    for (int n = 2; world_find_automation(s, au->id) >= 0; n++) {
        char suffix[16];
        int sn = snprintf(suffix, sizeof suffix, "-%d", n);
        size_t keep = strlen(base);
        if (keep + (size_t)sn >= sizeof au->id)
            keep = sizeof au->id - 1 - (size_t)sn;
        memcpy(au->id, base, keep);
        memcpy(au->id + keep, suffix, (size_t)sn + 1);
    }
    char qual[48] = "";
    if (vlabel && region >= 0)
        snprintf(qual, sizeof qual, " (%s, %s)", vlabel, cat_region_name(region));
    else if (vlabel || region >= 0)
        snprintf(qual, sizeof qual, " (%s)", vlabel ? vlabel : cat_region_name(region));
    snprintf(au->name, sizeof au->name, "%s%s", f->name, qual);
}

static int pick_object(gen_rng *rng)
{
    static const double weights[OBJ_COUNT] = {0.35, 0.22, 0.28, 0.15};
    double x = gen_rng_unit(rng), acc = 0;
    for (int i = 0; i < OBJ_COUNT; i++) {
        acc += weights[i];
        if (x < acc)
            return i;
    }
    return OBJ_LEAD;
}

static int pick_family(int object, const char *slug, gen_rng *rng)
{
    if (slug)
        return cat_family_find(slug);
    int n = 0, found = -1;
    for (int i = 0; i < cat_family_count(); i++) {
        if (cat_family_get(i)->object != object)
            continue;
        n++;
        if (gen_rng_below(rng, (uint32_t)n) == 0) /* reservoir: uniform pick */
            found = i;
    }
    return found;
}

static const char *pick_kind(const gen_system *s, gen_rng *rng)
{
    int n = 0;
    while (n < 3 && s->kinds[n])
        n++;
    if (n > 1 && gen_rng_chance(rng, 0.25))
        return s->kinds[1 + gen_rng_below(rng, (uint32_t)(n - 1))];
    return s->kinds[0];
}

/* Fills a candidate from a family; 0 when it meets the firing-rate floor. */
static int draft_automation(const gen_world *w, const gen_system *s, gen_automation *au, int fam,
                            gen_rng *rng)
{
    const cat_family *f = cat_family_get(fam);
    memset(au, 0, sizeof *au);
    au->family = fam;
    au->object = f->object;
    int variant = f->nvariants ? (int)gen_rng_below(rng, (uint32_t)f->nvariants) : -1;
    int region = f->region_split && gen_rng_chance(rng, 0.5) ? (int)gen_rng_below(rng, REGION_COUNT) : -1;
    au->est_daily = world_estimate_daily(w, fam, variant, region >= 0);
    if (au->est_daily < WORLD_MIN_DAILY_RATE && region >= 0) {
        region = -1;
        au->est_daily = world_estimate_daily(w, fam, variant, 0);
    }
    if (au->est_daily < WORLD_MIN_DAILY_RATE)
        return -1;
    defn *d = &au->def;
    snprintf(d->kind, sizeof d->kind, "%s", pick_kind(s, rng));
    snprintf(d->object, sizeof d->object, "%s", cat_object_get(f->object)->name);
    if (set_trigger(d, f) || add_cond(d, f->cond) ||
        add_cond(d, variant >= 0 ? f->variants[variant].cond : NULL))
        return -1;
    if (region >= 0) {
        char spec[64];
        snprintf(spec, sizeof spec, "region eq %s", cat_region_name(region));
        if (add_cond(d, spec))
            return -1;
    }
    make_identity(s, au, f, variant, region);
    add_actions(s, au, f, rng);
    return 0;
}

/* ---- owners ------------------------------------------------------------- */

static int pick_owner(const gen_system *s, const gen_automation *au, int role, gen_rng *rng)
{
    int best = -1;
    int start = (int)gen_rng_below(rng, (uint32_t)s->nusers);
    static const char *const outcome_role[OBJ_COUNT] = {"sales", "sales", "support", "marketing"};
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        for (int k = 0; k < s->nusers; k++) {
            int i = (start + k) % s->nusers;
            const gen_user *u = &s->users[i];
            if (!(u->flags & USER_STABLE) || (u->flags & USER_PLANTED) || !u->active ||
                u->owned >= WORLD_MAX_OWNED)
                continue;
            int is_service = (u->flags & USER_SERVICE) != 0;
            if (is_service && role != ROLE_SYSTEM)
                continue;
            if (i == au->owners[ROLE_SYSTEM] || i == au->owners[ROLE_DECISION])
                continue;
            if (pass == 0) { /* preferred roles first */
                const char *want = role == ROLE_SYSTEM ? "admin"
                                 : role == ROLE_DECISION ? "manager"
                                                         : outcome_role[au->object];
                if (!is_service && !strstr(u->role, want))
                    continue;
            }
            if (best < 0 || u->owned < s->users[best].owned)
                best = i;
        }
    }
    return best;
}

static int assign_owners(gen_system *s, gen_automation *au, gen_rng *rng)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        au->owners[r] = -1;
    au->owners[ROLE_SYSTEM] = pick_owner(s, au, ROLE_SYSTEM, rng);
    if (au->owners[ROLE_SYSTEM] < 0)
        return -1;
    int service_owner = (s->users[au->owners[ROLE_SYSTEM]].flags & USER_SERVICE) != 0;
    if (service_owner || gen_rng_chance(rng, 0.7)) {
        au->owners[ROLE_DECISION] = pick_owner(s, au, ROLE_DECISION, rng);
        if (au->owners[ROLE_DECISION] < 0 && service_owner)
            return -1; /* changes need a human owner to approve them */
    }
    if (gen_rng_chance(rng, 0.6))
        au->owners[ROLE_OUTCOME] = pick_owner(s, au, ROLE_OUTCOME, rng);
    for (int r = 0; r < ROLE_COUNT; r++)
        if (au->owners[r] >= 0)
            s->users[au->owners[r]].owned++;
    return 0;
}

/* ---- commit: hash, event text, compiled form ---------------------------- */

static void compile_cond(gen_automation *au, const defn_cond *c, compiled_cond *out)
{
    memset(out, 0, sizeof *out);
    out->op = c->op;
    out->slot = cat_field_slot(au->object, c->field);
    if (out->slot < 0)
        return;
    const cat_field *f = &cat_object_get(au->object)->fields[out->slot];
    if (f->kind == FK_ENUM) {
        if (c->op == OP_IN || c->op == OP_NOT_IN) {
            for (int i = 0; i < c->value.nlist; i++) {
                int idx = cat_enum_index(f, c->value.list[i]);
                if (idx >= 0)
                    out->mask |= 1u << idx;
            }
        } else if (c->value.kind == VAL_STR) {
            out->num = cat_enum_index(f, c->value.str);
            if (out->num < 0)
                out->num = -2; /* matches no value */
        }
    } else if (c->value.kind == VAL_INT) {
        out->num = (int32_t)c->value.num;
    }
}

static void compile_trigger(gen_automation *au)
{
    const defn *d = &au->def;
    au->fire_on = 1u << d->on;
    au->field_mask = 0;
    au->filter_unknown = 0;
    for (int i = 0; i < d->nfields; i++) {
        int slot = cat_field_slot(au->object, d->fields[i]);
        if (slot >= 0)
            au->field_mask |= 1u << slot;
    }
    if (d->nfields > 0 && au->field_mask == 0)
        au->filter_unknown = 1;
}

static void compile_actions(gen_world *w, gen_system *s, gen_automation *au)
{
    au->nwrites = au->nnotify = 0;
    for (int i = 0; i < au->def.nactions; i++) {
        const defn_action *a = &au->def.actions[i];
        if (a->type == ACT_SET_FIELD) {
            gen_buf v = {0};
            defn_value_put_json(&v, &a->value);
            compiled_write *cw = &au->writes[au->nwrites++];
            cw->out_field = world_intern(&w->out_fields, a->field);
            cw->value = world_intern(&w->values, gen_buf_cstr(&v));
            gen_buf_free(&v);
            continue;
        }
        int user = defn_action_recipient(a) ? world_find_user(s, a->arg) : -1;
        if (a->type == ACT_ASSIGN && user >= 0) {
            compiled_write *cw = &au->writes[au->nwrites++];
            cw->out_field = -1;
            cw->value = user;
        }
        if (user < 0)
            continue;
        s->users[user].targeted++;
        if (a->type == ACT_NOTIFY) {
            au->notify[au->nnotify++] = user;
            s->users[user].notify_load += au->est_daily;
        }
    }
}

static void build_event_tail(gen_automation *au)
{
    gen_buf b = {0};
    GEN_PUT_LIT(&b, ",\"id\":");
    gen_buf_put_json_string(&b, au->id);
    GEN_PUT_LIT(&b, ",\"name\":");
    gen_buf_put_json_string(&b, au->name);
    GEN_PUT_LIT(&b, ",\"kind\":");
    gen_buf_put_json_string(&b, au->def.kind);
    GEN_PUT_LIT(&b, ",\"object\":");
    gen_buf_put_json_string(&b, au->def.object);
    GEN_PUT_LIT(&b, ",\"trigger\":");
    defn_put_trigger_json(&b, &au->def);
    GEN_PUT_LIT(&b, ",\"conditions\":");
    defn_put_conditions_json(&b, &au->def);
    GEN_PUT_LIT(&b, ",\"actions\":");
    defn_put_actions_json(&b, &au->def);
    free(au->event_tail);
    au->event_tail = strdup(gen_buf_cstr(&b));
    gen_buf_free(&b);
    if (!au->event_tail) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
}

void world_automation_release(gen_system *s, int idx)
{
    gen_automation *au = &s->autos[idx];
    for (int i = 0; i < au->def.nactions; i++) {
        const char *r = defn_action_recipient(&au->def.actions[i]);
        int user = r ? world_find_user(s, r) : -1;
        if (user < 0)
            continue;
        s->users[user].targeted--;
        if (au->def.actions[i].type == ACT_NOTIFY)
            s->users[user].notify_load -= au->est_daily;
    }
}

int world_automation_commit(gen_world *w, gen_system *s, int idx)
{
    gen_automation *au = &s->autos[idx];
    if (defn_hash(&au->def, au->hash) != 0)
        return -1;
    au->object = cat_object_find(au->def.object);
    if (au->object < 0)
        return -1;
    au->nconds = au->def.nconds;
    for (int i = 0; i < au->nconds; i++)
        compile_cond(au, &au->def.conds[i], &au->conds[i]);
    compile_trigger(au);
    compile_actions(w, s, au);
    build_event_tail(au);
    return 0;
}

int world_build_automation(gen_world *w, gen_system *s, int object, const char *family_slug,
                           gen_rng *rng)
{
    gen_automation cand;
    for (int attempt = 0; attempt < 60; attempt++) {
        int obj = object >= 0 ? object : pick_object(rng);
        int fam = pick_family(obj, family_slug, rng);
        if (fam < 0 || (object >= 0 && cat_family_get(fam)->object != object))
            return -1;
        if (draft_automation(w, s, &cand, fam, rng) != 0)
            continue;
        if (assign_owners(s, &cand, rng) != 0)
            return -1;
        s->autos = grow_array(s->autos, &s->capautos, s->nautos + 1, sizeof *s->autos);
        int idx = s->nautos++;
        s->autos[idx] = cand;
        s->autos[idx].active = 1;
        snprintf(s->autos[idx].modified_by, sizeof s->autos[idx].modified_by, "%s",
                 s->users[cand.owners[ROLE_SYSTEM]].id);
        if (world_automation_commit(w, s, idx) != 0)
            return -1;
        return idx;
    }
    return -1;
}

/* ---- the world ---------------------------------------------------------- */

static void init_system(gen_system *s, int index)
{
    static const char *const ids[] = {"sf-prod", "hs-main", "b24-sales"};
    static const char *const kinds[][3] = {{"flow", "workflow", "process"},
                                           {"workflow", NULL, NULL},
                                           {"robot", "trigger", NULL},
                                           {"rule", "trigger", "workflow"}};
    static const char *const domains[] = {"sf-prod.example.com", "hs-main.example.com",
                                          "b24-sales.example.com", "example.org"};
    memset(s, 0, sizeof *s);
    s->index = index;
    if (index < 3)
        snprintf(s->id, sizeof s->id, "%s", ids[index]);
    else
        snprintf(s->id, sizeof s->id, "sys-%d", index + 1);
    int k = index < 3 ? index : 3;
    for (int i = 0; i < 3; i++)
        s->kinds[i] = kinds[k][i];
    s->domain = domains[k];
    s->next_user_num = 1;
    s->next_change = 1001;
}

static void add_initial_users(gen_world *w, gen_system *s)
{
    int n = w->opt.users;
    int stable = (n * 3 + 4) / 5; /* 60% never leave: owners and recipients */
    world_add_user(w, s, "service", USER_STABLE | USER_SERVICE);
    for (int i = 1; i < n; i++) {
        const char *role = role_cycle[(i - 1) % (int)(sizeof role_cycle / sizeof role_cycle[0])];
        world_add_user(w, s, role, i < stable ? USER_STABLE : 0);
    }
}

int world_build(gen_world *w, const gen_options *opt, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->opt = *opt;
    gen_rng_fork(&w->rng, opt->seed, "inventory");
    w->intake_per_day = (double)opt->records / opt->days;
    w->nsystems = opt->systems;
    w->systems = calloc((size_t)w->nsystems, sizeof *w->systems);
    if (!w->systems) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < w->nsystems; i++) {
        gen_system *s = &w->systems[i];
        init_system(s, i);
        s->start_at = (opt->start_day * 86400) + 5 * 3600 + (int64_t)(i % 30) * 60;
        add_initial_users(w, s);
        for (int a = 0; a < opt->automations; a++) {
            if (world_build_automation(w, s, -1, NULL, &w->rng) < 0) {
                snprintf(err, errlen,
                         "system %s: cannot build %d healthy automations with %d users and "
                         "%d records (built %d); raise --users or --records",
                         s->id, opt->automations, opt->users, opt->records, a);
                return -1;
            }
        }
    }
    return 0;
}

void world_free(gen_world *w)
{
    for (int i = 0; i < w->nsystems; i++) {
        gen_system *s = &w->systems[i];
        for (int a = 0; a < s->nautos; a++)
            free(s->autos[a].event_tail);
        free(s->autos);
        free(s->users);
    }
    free(w->systems);
    intern_free(&w->out_fields);
    intern_free(&w->values);
    memset(w, 0, sizeof *w);
}
