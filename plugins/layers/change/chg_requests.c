/*
 * chg_requests.c -- `crmgov change propose|list|show|approve|reject`:
 * crmgov's own change requests.
 *
 * A request is one JSON record in the layer's state (req\x1fREQ-N), written
 * whole at every step. Its risk is assessed once, when it is proposed, and
 * fixes how many approvals it needs (approvals_<level>); approvers are
 * distinct people other than the author, and with require_owner_approval at
 * least one of them must own the automation when approving. When the last
 * required approval arrives, the command publishes an approved `change`
 * event -- the same record an external change process would send -- so the
 * store, the audit log ("change.recorded") and this layer's own drift logic
 * treat it exactly like any approved change; a rejection is published too.
 *
 * Refusals (self-approval, a second approval by one person, deciding a
 * request that is no longer pending) exit with status 1 and are written to
 * the audit log as change.refused: an attempt to bypass the policy is itself
 * a governance fact. Unknown requests and bad arguments are usage errors
 * (status 2): nothing happened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

#define USAGE_HINT " (see 'crmgov help change')"

/* ---- request records ---------------------------------------------------------------- */

static int take_json(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    *(cJSON **)ctx = cJSON_ParseWithLength(value, len);
    return 0;
}

static cJSON *request_load(struct chg_layer *l, const char *id)
{
    cJSON *req = NULL;
    char *key = chg_key2("req", id, NULL);
    l->host->state_get(l->host, key, take_json, &req);
    free(key);
    return req;
}

static int request_save(struct chg_layer *l, const cJSON *req)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "id"));
    char *text = cJSON_PrintUnformatted(req);
    char *key = chg_key2("req", id, NULL);
    int rc = l->host->state_put(l->host, key, text, strlen(text));
    free(key);
    cJSON_free(text);
    return rc;
}

static char *next_request_id(struct chg_layer *l)
{
    cJSON *seq = NULL;
    l->host->state_get(l->host, "reqseq", take_json, &seq);
    long long n = cJSON_IsNumber(seq) ? (long long)seq->valuedouble + 1 : 1;
    cJSON_Delete(seq);
    char text[32];
    snprintf(text, sizeof(text), "%lld", n);
    l->host->state_put(l->host, "reqseq", text, strlen(text));
    return chg_xasprintf("REQ-%lld", n);
}

static const char *req_str(const cJSON *req, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, name));
}

static int req_int(const cJSON *req, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);
    return cJSON_IsNumber(v) ? v->valueint : 0;
}

static void audit(struct chg_layer *l, const char *actor, const char *action, const cJSON *req,
                  cJSON *details, crmgov_time at)
{
    char *subject = chg_xasprintf("%s/%s", req_str(req, "system"), req_str(req, "automation"));
    cJSON_AddStringToObject(details, "request", req_str(req, "id"));
    char *text = cJSON_PrintUnformatted(details);
    l->host->audit_append(l->host, actor, action, subject, text, at);
    cJSON_free(text);
    cJSON_Delete(details);
    free(subject);
}

/* ---- the current state of an automation ------------------------------------------------ */

struct current {
    int found;
    char hash[65];
    int status;
    cJSON *definition;          /* canonical definition JSON */
};

static int take_current(void *ctx, const struct crmgov_inventory_item *item)
{
    struct current *c = ctx;
    c->found = 1;
    snprintf(c->hash, sizeof(c->hash), "%s", item->automation->definition_hash);
    c->status = (int)item->automation->status;
    c->definition = cJSON_Parse(item->automation->definition_json);
    return 0;
}

static void current_get(struct chg_layer *l, const char *system, const char *id,
                        struct current *c)
{
    memset(c, 0, sizeof(*c));
    l->host->inventory_get(l->host, system, id, take_current, c);
}

/* ---- propose ----------------------------------------------------------------------------- */

struct proposal {
    const char *system, *id, *by, *note;
    crmgov_time at;
    cJSON *definition;          /* the definition object (owned) */
    struct chg_parsed parsed;
    int status;
};

static int split_target(const char *text, char **system, char **id)
{
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || !slash[1])
        return -1;
    *system = chg_xasprintf("%.*s", (int)(slash - text), text);
    *id = chg_xstrdup(slash + 1);
    return 0;
}

static int status_parse(const char *text)
{
    static const char *const names[] = { "active", "inactive", "deleted" };
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

/* The definition object of the proposal: from --file, or for --status the
 * current definition. 0, or 2 after printing why. */
static int proposal_definition(struct chg_layer *l, const struct chg_args *args,
                               struct proposal *p, const struct current *cur)
{
    const char *file = chg_arg(args, "file"), *status = chg_arg(args, "status");
    if (!file) {
        if (!cur->found) {
            fprintf(stderr, "crmgov change: %s/%s is not in the inventory; propose it with "
                            "--file\n", p->system, p->id);
            return 2;
        }
        p->definition = cJSON_Duplicate(cur->definition, 1);
    } else {
        size_t len;
        char *text = chg_read_file(file, &len);
        if (!text) {
            fprintf(stderr, "crmgov change: cannot read %s: %s\n", file, strerror(errno));
            return 2;
        }
        p->definition = chg_parse_whole(text, len);
        free(text);
        if (!p->definition) {
            fprintf(stderr, "crmgov change: %s is not valid JSON\n", file);
            return 2;
        }
    }
    if (status) {
        cJSON_DeleteItemFromObjectCaseSensitive(p->definition, "status");
        cJSON_AddStringToObject(p->definition, "status", status);
    }
    char why[256];
    if (chg_parse_definition(l->host, p->definition, &p->parsed, why)) {
        fprintf(stderr, "crmgov change: %s: %s\n", file ? file : "definition", why);
        return 2;
    }
    const char *fid = p->parsed.a.id, *fsys = p->parsed.system;
    if ((fid && strcmp(fid, p->id) != 0) || (fsys && strcmp(fsys, p->system) != 0)) {
        fprintf(stderr, "crmgov change: %s describes %s/%s, not %s/%s\n", file,
                fsys ? fsys : p->system, fid ? fid : p->id, p->system, p->id);
        return 2;
    }
    p->parsed.a.id = p->id;
    p->status = (int)p->parsed.a.status;
    return 0;
}

static int change_kind(const struct current *cur, const struct proposal *p)
{
    if (!cur->found)
        return CHG_KIND_NEW;
    if (strcmp(cur->hash, p->parsed.hash) != 0)
        return CHG_KIND_MODIFY;
    if (cur->status != p->status)
        return CHG_KIND_STATUS;
    return CHG_KIND_CONFIRM;
}

static cJSON *assess(struct chg_layer *l, const struct proposal *p, int kind, int was_active,
                     int *level)
{
    uint32_t sys = chg_intern(&l->st, p->system), id = chg_intern(&l->st, p->id);
    struct chg_def *def =
        p->status == CRMGOV_STATUS_ACTIVE ? chg_def_compile(&l->st, &p->parsed.a) : NULL;
    struct chg_collect c;
    chg_collect_init(&c);
    struct chg_def *previous = chg_whatif_begin(l, sys, id, def, &c);
    cJSON *risk = chg_risk_assess(l, sys, id, def, kind, p->status, was_active, &c, level);
    chg_def_free(chg_whatif_end(l, sys, id, previous));
    chg_collect_free(&c);
    return risk;
}

static void print_risk(const cJSON *risk)
{
    printf("risk: %s\n", req_str(risk, "level"));
    const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(risk, "reasons");
    for (const cJSON *r = reasons ? reasons->child : NULL; r; r = r->next)
        printf("  - %s: %s\n", req_str(r, "level"), req_str(r, "text"));
}

static void print_json(const cJSON *j)
{
    char *text = cJSON_Print(j);
    printf("%s\n", text);
    cJSON_free(text);
}

static cJSON *new_request(struct chg_layer *l, const struct proposal *p, int kind,
                          const struct current *cur, cJSON *risk, int level)
{
    char at[32];
    cJSON *req = cJSON_CreateObject();
    char *rid = next_request_id(l);
    cJSON_AddStringToObject(req, "id", rid);
    free(rid);
    cJSON_AddStringToObject(req, "system", p->system);
    cJSON_AddStringToObject(req, "automation", p->id);
    cJSON_AddStringToObject(req, "kind", chg_kind_name(kind));
    cJSON_AddStringToObject(req, "state", "pending");
    cJSON_AddStringToObject(req, "author", p->by);
    if (p->note)
        cJSON_AddStringToObject(req, "note", p->note);
    else
        cJSON_AddNullToObject(req, "note");
    cJSON_AddStringToObject(req, "proposed_at", l->host->time_format(p->at, at));
    cJSON_AddItemToObject(req, "definition", cJSON_Duplicate(p->definition, 1));
    cJSON_AddStringToObject(req, "definition_hash", p->parsed.hash);
    cJSON_AddStringToObject(req, "status", chg_status_name(p->status));
    if (cur->found) {
        cJSON_AddStringToObject(req, "base_hash", cur->hash);
        cJSON_AddStringToObject(req, "base_status", chg_status_name(cur->status));
    } else {
        cJSON_AddNullToObject(req, "base_hash");
        cJSON_AddNullToObject(req, "base_status");
    }
    cJSON_AddItemToObject(req, "risk", risk);
    cJSON_AddNumberToObject(req, "required", (double)l->opt.approvals[level]);
    cJSON_AddBoolToObject(req, "require_owner", l->opt.require_owner);
    cJSON_AddArrayToObject(req, "approvals");
    return req;
}

static int propose(struct chg_layer *l, const struct chg_args *args)
{
    struct proposal p;
    memset(&p, 0, sizeof(p));
    const char *format = chg_arg(args, "format");
    char *system = NULL, *id = NULL;
    if (args->n_positional != 2 || split_target(args->positional[1], &system, &id)) {
        fprintf(stderr, "usage: crmgov change propose SYSTEM/ID (--file DEF.json | --status "
                        "STATUS) --by USER [--note TEXT]\n");
        return 2;
    }
    int rc = 0;
    if (!chg_arg(args, "by") || !*chg_arg(args, "by")) {
        fprintf(stderr, "crmgov change: propose needs --by USER" USAGE_HINT "\n");
        rc = 2;
    } else if (!chg_arg(args, "file") && !chg_arg(args, "status")) {
        fprintf(stderr, "crmgov change: propose needs --file DEF.json or --status STATUS" USAGE_HINT
                        "\n");
        rc = 2;
    } else if (chg_arg(args, "status") && status_parse(chg_arg(args, "status")) < 0) {
        fprintf(stderr, "crmgov change: --status must be active, inactive or deleted\n");
        rc = 2;
    } else if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "crmgov change: --format must be table or json\n");
        rc = 2;
    }
    p.system = system;
    p.id = id;
    p.by = chg_arg(args, "by");
    p.note = chg_arg(args, "note");
    p.at = chg_command_time(l, chg_arg(args, "at"));
    if (!rc && p.at == CRMGOV_TIME_NONE) {
        fprintf(stderr, "crmgov change: --at must be an RFC 3339 time\n");
        rc = 2;
    }
    struct current cur = { 0 };
    if (!rc && chg_load(l) != CRMGOV_OK)
        rc = 2;
    if (!rc) {
        current_get(l, system, id, &cur);
        rc = proposal_definition(l, args, &p, &cur);
    }
    struct chg_auto *a = rc ? NULL
                            : chg_auto_get(l, chg_intern(&l->st, system), chg_intern(&l->st, id),
                                           0);
    int kind = rc ? 0 : change_kind(&cur, &p);
    if (!rc && kind == CHG_KIND_CONFIRM && a && a->approved &&
        a->approved_hash == chg_intern(&l->st, p.parsed.hash) && a->approved_status == p.status) {
        fprintf(stderr, "crmgov change: %s/%s already is the approved version; nothing to "
                        "propose\n", system, id);
        rc = 2;
    }
    if (!rc) {
        int level;
        cJSON *risk =
            assess(l, &p, kind, cur.found && cur.status == CRMGOV_STATUS_ACTIVE, &level);
        cJSON *req = new_request(l, &p, kind, &cur, risk, level);
        request_save(l, req);
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "kind", chg_kind_name(kind));
        cJSON_AddStringToObject(details, "definition_hash", p.parsed.hash);
        cJSON_AddStringToObject(details, "status", chg_status_name(p.status));
        cJSON_AddStringToObject(details, "risk", chg_level_name(level));
        cJSON_AddNumberToObject(details, "required", req_int(req, "required"));
        if (p.note)
            cJSON_AddStringToObject(details, "note", p.note);
        audit(l, p.by, "change.propose", req, details, p.at);
        if (format && strcmp(format, "json") == 0) {
            print_json(req);
        } else {
            printf("%s proposed: %s %s/%s (definition %.12s, status %s)\n", req_str(req, "id"),
                   chg_kind_name(kind), system, id, p.parsed.hash, chg_status_name(p.status));
            print_risk(risk);
            printf("needs %d approval%s from people other than %s%s\n", req_int(req, "required"),
                   req_int(req, "required") == 1 ? "" : "s", p.by,
                   l->opt.require_owner ? ", one of them an owner of the automation" : "");
        }
        cJSON_Delete(req);
    }
    cJSON_Delete(cur.definition);
    cJSON_Delete(p.definition);
    chg_parsed_free(&p.parsed);
    free(system);
    free(id);
    return rc;
}

/* ---- list ----------------------------------------------------------------------------------- */

struct request_list {
    cJSON **items;
    size_t n, cap;
};

static int gather_request(void *ctx, const char *key, const void *value, size_t len)
{
    struct request_list *rl = ctx;
    (void)key;
    cJSON *req = cJSON_ParseWithLength(value, len);
    if (!req)
        return 0;
    if (rl->n == rl->cap) {
        rl->cap = rl->cap ? rl->cap * 2 : 16;
        rl->items = chg_xrealloc(rl->items, rl->cap * sizeof(*rl->items));
    }
    rl->items[rl->n++] = req;
    return 0;
}

static long long request_number(const cJSON *req)
{
    const char *id = req_str(req, "id");
    return id && strncmp(id, "REQ-", 4) == 0 ? atoll(id + 4) : 0;
}

static int by_number(const void *x, const void *y)
{
    long long a = request_number(*(cJSON *const *)x), b = request_number(*(cJSON *const *)y);
    return a < b ? -1 : a > b;
}

static int list_requests(struct chg_layer *l, const struct chg_args *args)
{
    const char *state = chg_arg(args, "state"), *system = chg_arg(args, "system");
    const char *format = chg_arg(args, "format");
    if (args->n_positional != 1) {
        fprintf(stderr, "usage: crmgov change list [--state pending|approved|rejected|all] "
                        "[--system S] [--format table|json|csv]\n");
        return 2;
    }
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "approved") != 0 &&
        strcmp(state, "rejected") != 0 && strcmp(state, "all") != 0) {
        fprintf(stderr, "crmgov change: --state must be pending, approved, rejected or all\n");
        return 2;
    }
    if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "csv") != 0) {
        fprintf(stderr, "crmgov change: --format must be table, json or csv\n");
        return 2;
    }
    struct request_list rl = { 0 };
    l->host->state_scan(l->host, "req" CHG_SEP, gather_request, &rl);
    if (rl.n)
        qsort(rl.items, rl.n, sizeof(*rl.items), by_number);
    static const char *const columns[] = { "id", "system", "automation", "kind", "state",
                                           "risk", "approvals:n", "required:n", "author",
                                           "proposed_at" };
    struct crmgov_table *t = l->host->table_new(l->host, columns, 10);
    for (size_t i = 0; i < rl.n; i++) {
        cJSON *req = rl.items[i];
        const char *st = req_str(req, "state");
        if ((!state || strcmp(state, "all") == 0 || (st && strcmp(st, state) == 0)) &&
            (!system || strcmp(system, req_str(req, "system")) == 0)) {
            char approvals[16], required[16];
            snprintf(approvals, sizeof(approvals), "%d",
                     cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(req, "approvals")));
            snprintf(required, sizeof(required), "%d", req_int(req, "required"));
            const cJSON *risk = cJSON_GetObjectItemCaseSensitive(req, "risk");
            const char *cells[] = { req_str(req, "id"), req_str(req, "system"),
                                    req_str(req, "automation"), req_str(req, "kind"), st,
                                    req_str(risk, "level"), approvals, required,
                                    req_str(req, "author"), req_str(req, "proposed_at") };
            l->host->table_row(t, cells);
        }
        cJSON_Delete(req);
    }
    free(rl.items);
    return l->host->table_print(t, format ? format : "table") ? 2 : 0;
}

/* ---- show: the request and what it changes ------------------------------------------------ */

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "name k=v k=v" with the members in byte order, so key order never shows. */
static char *render_item(const cJSON *item, const char *lead_member)
{
    struct chg_buf b = { 0 };
    const char *names[64];
    int n = 0;
    const cJSON *lead = lead_member ? cJSON_GetObjectItemCaseSensitive(item, lead_member) : NULL;
    if (cJSON_IsString(lead))
        chg_buf_add(&b, lead->valuestring);
    for (const cJSON *m = item ? item->child : NULL; m && n < 64; m = m->next)
        if (!lead_member || strcmp(m->string, lead_member) != 0)
            names[n++] = m->string;
    if (n)
        qsort(names, (size_t)n, sizeof(char *), cmp_cstr);
    for (int i = 0; i < n; i++) {
        char *v = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(item, names[i]));
        chg_buf_addf(&b, "%s%s=%s", b.len ? " " : "", names[i], v ? v : "null");
        cJSON_free(v);
    }
    return chg_buf_detach(&b);
}

static cJSON *rendered_list(const cJSON *def, const char *member, const char *lead)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(def, member);
    for (const cJSON *c = cJSON_IsArray(list) ? list->child : NULL; c; c = c->next) {
        char *line = render_item(c, lead);
        cJSON_AddItemToArray(out, cJSON_CreateString(line));
        free(line);
    }
    return out;
}

static int has_line(const cJSON *list, const char *line)
{
    for (const cJSON *c = list->child; c; c = c->next)
        if (strcmp(c->valuestring, line) == 0)
            return 1;
    return 0;
}

static void diff_lines(cJSON *diff, const char *what, const cJSON *from, const cJSON *to)
{
    cJSON *removed = cJSON_CreateArray(), *added = cJSON_CreateArray();
    for (const cJSON *c = from->child; c; c = c->next)
        if (!has_line(to, c->valuestring))
            cJSON_AddItemToArray(removed, cJSON_CreateString(c->valuestring));
    for (const cJSON *c = to->child; c; c = c->next)
        if (!has_line(from, c->valuestring))
            cJSON_AddItemToArray(added, cJSON_CreateString(c->valuestring));
    if (!removed->child && !added->child) {
        cJSON_Delete(removed);
        cJSON_Delete(added);
        return;
    }
    cJSON *d = cJSON_AddObjectToObject(diff, what);
    cJSON_AddItemToObject(d, "removed", removed);
    cJSON_AddItemToObject(d, "added", added);
}

static void diff_value(cJSON *diff, const char *what, const char *from, const char *to)
{
    if (from && to && strcmp(from, to) == 0)
        return;
    if (!from && !to)
        return;
    cJSON *d = cJSON_AddObjectToObject(diff, what);
    if (from)
        cJSON_AddStringToObject(d, "from", from);
    else
        cJSON_AddNullToObject(d, "from");
    if (to)
        cJSON_AddStringToObject(d, "to", to);
    else
        cJSON_AddNullToObject(d, "to");
}

static char *trigger_line(const cJSON *def)
{
    return render_item(cJSON_GetObjectItemCaseSensitive(def, "trigger"), "on");
}

/* What the proposal changes against the current definition (NULL: new). */
static cJSON *request_diff(const cJSON *current, const char *current_status, const cJSON *req)
{
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(req, "definition");
    cJSON *diff = cJSON_CreateObject();
    diff_value(diff, "status", current_status, req_str(req, "status"));
    diff_value(diff, "object", req_str(current, "object"), req_str(def, "object"));
    const char *kind_from = current ? (req_str(current, "kind") ? req_str(current, "kind")
                                                                : "workflow")
                                    : NULL;
    diff_value(diff, "kind", kind_from, req_str(def, "kind") ? req_str(def, "kind") : "workflow");
    char *tf = current ? trigger_line(current) : NULL, *tt = trigger_line(def);
    diff_value(diff, "trigger", tf, tt);
    free(tf);
    free(tt);
    const char *lists[][2] = { { "conditions", "field" }, { "actions", "type" } };
    for (int i = 0; i < 2; i++) {
        cJSON *from = rendered_list(current, lists[i][0], lists[i][1]);
        cJSON *to = rendered_list(def, lists[i][0], lists[i][1]);
        diff_lines(diff, lists[i][0], from, to);
        cJSON_Delete(from);
        cJSON_Delete(to);
    }
    return diff;
}

static void print_diff(const cJSON *diff)
{
    if (!diff->child)
        printf("  (same definition and status)\n");
    for (const cJSON *m = diff->child; m; m = m->next) {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "from");
        if (from) {
            const char *f = cJSON_GetStringValue(from);
            const char *t = req_str(m, "to");
            printf("  ~ %s: %s -> %s\n", m->string, f ? f : "(none)", t ? t : "(none)");
            continue;
        }
        printf("  ~ %s:\n", m->string);
        const cJSON *removed = cJSON_GetObjectItemCaseSensitive(m, "removed");
        const cJSON *added = cJSON_GetObjectItemCaseSensitive(m, "added");
        for (const cJSON *r = removed->child; r; r = r->next)
            printf("    - %s\n", r->valuestring);
        for (const cJSON *a = added->child; a; a = a->next)
            printf("    + %s\n", a->valuestring);
    }
}

static int owner_approved(const cJSON *req)
{
    const cJSON *approvals = cJSON_GetObjectItemCaseSensitive(req, "approvals");
    for (const cJSON *a = approvals ? approvals->child : NULL; a; a = a->next)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "owner")))
            return 1;
    return 0;
}

static void print_approvals(const cJSON *req)
{
    const cJSON *approvals = cJSON_GetObjectItemCaseSensitive(req, "approvals");
    int require_owner = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "require_owner"));
    printf("approvals: %d of %d", cJSON_GetArraySize(approvals), req_int(req, "required"));
    if (require_owner)
        printf("; owner approval: %s", owner_approved(req) ? "yes" : "missing");
    printf("\n");
    for (const cJSON *a = approvals ? approvals->child : NULL; a; a = a->next) {
        const char *comment = req_str(a, "comment");
        printf("  - %s at %s%s%s%s%s\n", req_str(a, "by"), req_str(a, "at"),
               comment ? ": \"" : "", comment ? comment : "", comment ? "\"" : "",
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "owner")) ? " (owner)" : "");
    }
}

static void print_request(const cJSON *req, const struct current *cur, const cJSON *diff)
{
    const char *note = req_str(req, "note");
    printf("%s  %s  %s  %s/%s\n", req_str(req, "id"), req_str(req, "state"),
           req_str(req, "kind"), req_str(req, "system"), req_str(req, "automation"));
    printf("proposed by %s at %s%s%s\n", req_str(req, "author"), req_str(req, "proposed_at"),
           note ? ": " : "", note ? note : "");
    printf("definition %.12s, status %s", req_str(req, "definition_hash"), req_str(req, "status"));
    if (cur->found)
        printf(" (the CRM shows %.12s, %s)\n", cur->hash, chg_status_name(cur->status));
    else
        printf(" (not in the inventory yet)\n");
    printf("changes against the current definition:\n");
    print_diff(diff);
    print_risk(cJSON_GetObjectItemCaseSensitive(req, "risk"));
    print_approvals(req);
    const char *decided = req_str(req, "decided_at");
    if (decided)
        printf("%s by %s at %s%s%s\n", req_str(req, "state"), req_str(req, "decided_by"), decided,
               req_str(req, "reason") ? ": " : "",
               req_str(req, "reason") ? req_str(req, "reason") : "");
}

static cJSON *load_or_complain(struct chg_layer *l, const struct chg_args *args, const char *verb)
{
    if (args->n_positional != 2) {
        fprintf(stderr, "crmgov change: %s needs one request id" USAGE_HINT "\n", verb);
        return NULL;
    }
    cJSON *req = request_load(l, args->positional[1]);
    if (!req)
        fprintf(stderr, "crmgov change: no change request %s\n", args->positional[1]);
    return req;
}

static int show(struct chg_layer *l, const struct chg_args *args)
{
    const char *format = chg_arg(args, "format");
    if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "crmgov change: --format must be table or json\n");
        return 2;
    }
    cJSON *req = load_or_complain(l, args, "show");
    if (!req)
        return 2;
    struct current cur;
    current_get(l, req_str(req, "system"), req_str(req, "automation"), &cur);
    cJSON *diff = request_diff(cur.definition, cur.found ? chg_status_name(cur.status) : NULL, req);
    if (format && strcmp(format, "json") == 0) {
        cJSON *now = cJSON_AddObjectToObject(req, "current");
        if (cur.found) {
            cJSON_AddStringToObject(now, "definition_hash", cur.hash);
            cJSON_AddStringToObject(now, "status", chg_status_name(cur.status));
        }
        cJSON_AddItemToObject(req, "diff", diff);
        print_json(req);
    } else {
        print_request(req, &cur, diff);
        cJSON_Delete(diff);
    }
    cJSON_Delete(cur.definition);
    cJSON_Delete(req);
    return 0;
}

/* ---- approve / reject ------------------------------------------------------------------------ */

static int refuse(struct chg_layer *l, const cJSON *req, const char *by, const char *why,
                  crmgov_time at)
{
    fprintf(stderr, "crmgov change: refused: %s\n", why);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "reason", why);
    audit(l, by, "change.refused", req, details, at);
    return 1;
}

static void publish_decision(struct chg_layer *l, const cJSON *req, int approved, crmgov_time at)
{
    const cJSON *approvals = cJSON_GetObjectItemCaseSensitive(req, "approvals");
    int n = cJSON_GetArraySize(approvals), i = 0;
    const char **who = chg_xcalloc((size_t)n, sizeof(char *));
    for (const cJSON *a = approvals ? approvals->child : NULL; a; a = a->next)
        who[i++] = req_str(a, "by");
    struct crmgov_change change = {
        .struct_size = sizeof(change), .id = req_str(req, "id"),
        .automation = req_str(req, "automation"),
        .state = approved ? CRMGOV_CHANGE_APPROVED : CRMGOV_CHANGE_REJECTED,
        .author = req_str(req, "author"), .approvers = who, .n_approvers = (size_t)i,
        .definition_hash = req_str(req, "definition_hash"), .has_status = 1,
        .status = (enum crmgov_automation_status)status_parse(req_str(req, "status")),
    };
    struct crmgov_event ev = { .struct_size = sizeof(ev), .topic = CRMGOV_TOPIC_CHANGE,
                               .system = req_str(req, "system"), .at = at,
                               .source = "crmgov change" };
    ev.u.change = &change;
    if (l->host->publish(l->host, &ev) != CRMGOV_OK)
        l->host->log(l->host, CRMGOV_LOG_ERROR, "could not record the decision on %s",
                     change.id);
    free(who);
}

static int decided_before(const cJSON *req)
{
    const char *state = req_str(req, "state");
    return !state || strcmp(state, "pending") != 0;
}

static int approved_already_by(const cJSON *req, const char *by)
{
    const cJSON *approvals = cJSON_GetObjectItemCaseSensitive(req, "approvals");
    for (const cJSON *a = approvals ? approvals->child : NULL; a; a = a->next)
        if (strcmp(req_str(a, "by"), by) == 0)
            return 1;
    return 0;
}

static int decide_args(const struct chg_args *args, const char *verb, crmgov_time at)
{
    if (!chg_arg(args, "by") || !*chg_arg(args, "by")) {
        fprintf(stderr, "crmgov change: %s needs --by USER" USAGE_HINT "\n", verb);
        return 2;
    }
    if (at == CRMGOV_TIME_NONE) {
        fprintf(stderr, "crmgov change: --at must be an RFC 3339 time\n");
        return 2;
    }
    return 0;
}

static void record_approval(struct chg_layer *l, cJSON *req, const char *by, const char *comment,
                            crmgov_time at)
{
    char when[32];
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "by", by);
    cJSON_AddStringToObject(a, "at", l->host->time_format(at, when));
    if (comment)
        cJSON_AddStringToObject(a, "comment", comment);
    cJSON_AddBoolToObject(a, "owner",
                          chg_is_owner(l, req_str(req, "system"), req_str(req, "automation"), by));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(req, "approvals"), a);
}

static void mark_decided(struct chg_layer *l, cJSON *req, const char *state, const char *by,
                         crmgov_time at)
{
    char when[32];
    cJSON_ReplaceItemInObject(req, "state", cJSON_CreateString(state));
    cJSON_AddStringToObject(req, "decided_at", l->host->time_format(at, when));
    cJSON_AddStringToObject(req, "decided_by", by);
}

static int approve(struct chg_layer *l, const struct chg_args *args)
{
    const char *by = chg_arg(args, "by"), *comment = chg_arg(args, "comment");
    crmgov_time at = chg_command_time(l, chg_arg(args, "at"));
    int rc = decide_args(args, "approve", at);
    cJSON *req = rc ? NULL : load_or_complain(l, args, "approve");
    if (!req)
        return 2;
    char why[200];
    if (decided_before(req)) {
        snprintf(why, sizeof(why), "%s is already %s", req_str(req, "id"), req_str(req, "state"));
        rc = refuse(l, req, by, why, at);
    } else if (strcmp(by, req_str(req, "author")) == 0) {
        snprintf(why, sizeof(why), "%s cannot approve their own change %s", by,
                 req_str(req, "id"));
        rc = refuse(l, req, by, why, at);
    } else if (approved_already_by(req, by)) {
        snprintf(why, sizeof(why), "%s already approved %s", by, req_str(req, "id"));
        rc = refuse(l, req, by, why, at);
    }
    if (rc) {
        cJSON_Delete(req);
        return rc;
    }
    if (chg_load(l) != CRMGOV_OK) {
        cJSON_Delete(req);
        return 2;
    }
    record_approval(l, req, by, comment, at);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(req, "approvals"));
    int required = req_int(req, "required");
    int needs_owner = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "require_owner"));
    int complete = n >= required && (!needs_owner || owner_approved(req));
    if (complete)
        mark_decided(l, req, "approved", by, at);
    request_save(l, req);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddNumberToObject(details, "approvals", n);
    cJSON_AddNumberToObject(details, "required", required);
    cJSON_AddBoolToObject(details, "owner", owner_approved(req));
    cJSON_AddBoolToObject(details, "complete", complete);
    if (comment)
        cJSON_AddStringToObject(details, "comment", comment);
    audit(l, by, "change.approve", req, details, at);
    if (complete)
        publish_decision(l, req, 1, at);
    printf("%s: approval by %s recorded (%d of %d", req_str(req, "id"), by, n, required);
    if (needs_owner)
        printf("; owner approval %s", owner_approved(req) ? "given" : "still missing");
    printf(")\n");
    if (complete)
        printf("%s approved: %s/%s may now show definition %.12s with status %s\n",
               req_str(req, "id"), req_str(req, "system"), req_str(req, "automation"),
               req_str(req, "definition_hash"), req_str(req, "status"));
    cJSON_Delete(req);
    return 0;
}

static int reject(struct chg_layer *l, const struct chg_args *args)
{
    const char *by = chg_arg(args, "by"), *reason = chg_arg(args, "reason");
    crmgov_time at = chg_command_time(l, chg_arg(args, "at"));
    int rc = decide_args(args, "reject", at);
    if (!rc && (!reason || !*reason)) {
        fprintf(stderr, "crmgov change: reject needs --reason TEXT" USAGE_HINT "\n");
        rc = 2;
    }
    cJSON *req = rc ? NULL : load_or_complain(l, args, "reject");
    if (!req)
        return 2;
    if (decided_before(req)) {
        char why[200];
        snprintf(why, sizeof(why), "%s is already %s", req_str(req, "id"), req_str(req, "state"));
        rc = refuse(l, req, by, why, at);
        cJSON_Delete(req);
        return rc;
    }
    if (chg_load(l) != CRMGOV_OK) {
        cJSON_Delete(req);
        return 2;
    }
    mark_decided(l, req, "rejected", by, at);
    cJSON_AddStringToObject(req, "reason", reason);
    request_save(l, req);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "reason", reason);
    audit(l, by, "change.reject", req, details, at);
    publish_decision(l, req, 0, at);
    printf("%s rejected by %s: %s\n", req_str(req, "id"), by, reason);
    cJSON_Delete(req);
    return 0;
}

int chg_cmd_change(void *state, int argc, char **argv)
{
    struct chg_layer *l = state;
    struct chg_args args;
    if (chg_args_parse("change", argc, argv, 1,
                       "|file|status|by|note|at|format|state|system|comment|reason|", NULL,
                       &args))
        return 2;
    const char *verb = args.n_positional ? args.positional[0] : NULL;
    if (!verb) {
        fprintf(stderr, "usage: crmgov change propose|list|show|approve|reject ..." USAGE_HINT
                        "\n");
        return 2;
    }
    if (strcmp(verb, "propose") == 0)
        return propose(l, &args);
    if (strcmp(verb, "list") == 0)
        return list_requests(l, &args);
    if (strcmp(verb, "show") == 0)
        return show(l, &args);
    if (strcmp(verb, "approve") == 0)
        return approve(l, &args);
    if (strcmp(verb, "reject") == 0)
        return reject(l, &args);
    fprintf(stderr, "crmgov change: unknown subcommand '%s'" USAGE_HINT "\n", verb);
    return 2;
}
