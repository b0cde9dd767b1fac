/*
 * cmd_history.c -- `crmgov history SYSTEM/ID`: every version of one
 * automation, oldest first, and what changed between consecutive versions.
 *
 * The diff is semantic, not textual: the trigger is one line, and conditions
 * and actions are compared as lists of rendered lines, so reordering keys in
 * the CRM's JSON never shows up as a change, while a changed value does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "crmgov/services/change.h"
#include "names.h"
#include "timeutil.h"

static const struct cli_option history_options[] = {
    CLI_COMMON_OPTIONS, { "format", 0, 1 }, { NULL, 0, 0 },
};

/* One version, rendered for comparison. */
struct rendered {
    uint32_t seq;
    char *trigger;
    char **conditions;
    size_t n_conditions;
    char **actions;
    size_t n_actions;
    char *status;
    char *name;
    char *hash;
    char *by;
    crmgov_time at;
    cJSON *definition;
    cJSON *approval;    /* JSON object, JSON null (unapproved), or NULL (unknown) */
};

static char *compact(const cJSON *item)
{
    char *text = cJSON_PrintUnformatted(item);
    char *copy = xstrdup(text ? text : "null");
    cJSON_free(text);
    return copy;
}

static char *render_trigger(const cJSON *t)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(t, "on");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(t, "fields");
    struct strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "on %s", cJSON_IsString(on) ? on->valuestring : "?");
    if (cJSON_IsArray(fields) && fields->child) {
        sb_adds(&sb, " of ");
        for (const cJSON *f = fields->child; f; f = f->next)
            sb_addf(&sb, "%s%s", f == fields->child ? "" : ", ",
                    cJSON_IsString(f) ? f->valuestring : "?");
    }
    for (const cJSON *m = t ? t->child : NULL; m; m = m->next) {
        if (strcmp(m->string, "on") == 0 || strcmp(m->string, "fields") == 0)
            continue;
        char *v = compact(m);
        sb_addf(&sb, " %s=%s", m->string, v);
        free(v);
    }
    return sb_detach(&sb);
}

static char *render_condition(const cJSON *c)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(c, "field");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "op");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(c, "value");
    char *v = value ? compact(value) : xstrdup("");
    char *line = xasprintf("%s %s%s%s", cJSON_IsString(field) ? field->valuestring : "?",
                           cJSON_IsString(op) ? op->valuestring : "?", value ? " " : "", v);
    free(v);
    return line;
}

static char *render_action(const cJSON *a)
{
    struct strbuf sb = STRBUF_INIT;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(a, "type");
    sb_adds(&sb, cJSON_IsString(type) ? type->valuestring : "?");
    for (const cJSON *m = a->child; m; m = m->next) {
        if (strcmp(m->string, "type") == 0)
            continue;
        char *v = cJSON_IsString(m) ? xstrdup(m->valuestring) : compact(m);
        sb_addf(&sb, " %s=%s", m->string, v);
        free(v);
    }
    return sb_detach(&sb);
}

static char **render_list(const cJSON *list, char *(*fn)(const cJSON *), size_t *n)
{
    size_t count = (size_t)cJSON_GetArraySize(list), i = 0;
    char **lines = xcalloc(count + 1, sizeof(char *));
    for (const cJSON *c = list ? list->child : NULL; c; c = c->next)
        lines[i++] = fn(c);
    *n = i;
    return lines;
}

static void free_rendered(struct rendered *r)
{
    free(r->trigger);
    for (size_t i = 0; i < r->n_conditions; i++)
        free(r->conditions[i]);
    for (size_t i = 0; i < r->n_actions; i++)
        free(r->actions[i]);
    free(r->conditions);
    free(r->actions);
    free(r->status);
    free(r->name);
    free(r->hash);
    free(r->by);
    cJSON_Delete(r->definition);
    cJSON_Delete(r->approval);
}

struct versions {
    struct rendered *items;
    size_t n, cap;
};

static int collect(void *ctx, const struct crmgov_version *v)
{
    struct versions *vs = ctx;
    vs->items = grow_array(vs->items, &vs->cap, vs->n + 1, sizeof(*vs->items));
    struct rendered *r = &vs->items[vs->n++];
    memset(r, 0, sizeof(*r));
    r->seq = v->seq;
    r->definition = cJSON_Parse(v->definition_json);
    r->trigger = render_trigger(cJSON_GetObjectItemCaseSensitive(r->definition, "trigger"));
    r->conditions = render_list(cJSON_GetObjectItemCaseSensitive(r->definition, "conditions"),
                                render_condition, &r->n_conditions);
    r->actions = render_list(cJSON_GetObjectItemCaseSensitive(r->definition, "actions"),
                             render_action, &r->n_actions);
    r->status = xstrdup(name_of(&names_status, (int)v->status));
    r->name = xstrdup(v->name);
    r->hash = xstrdup(v->definition_hash);
    r->by = v->modified_by ? xstrdup(v->modified_by) : NULL;
    r->at = v->at;
    return 0;
}

static int note_approval(void *ctx, uint32_t seq, const struct crmgov_change_approval *a)
{
    struct versions *vs = ctx;
    for (size_t i = 0; i < vs->n; i++) {
        struct rendered *r = &vs->items[i];
        if (r->seq != seq)
            continue;
        if (!a) {
            r->approval = cJSON_CreateNull();
            break;
        }
        char at[32];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "source", a->source ? a->source : "");
        if (a->id)
            cJSON_AddStringToObject(o, "id", a->id);
        else
            cJSON_AddNullToObject(o, "id");
        cJSON_AddStringToObject(o, "at", time_format_rfc3339(a->at, at));
        if (a->author)
            cJSON_AddStringToObject(o, "author", a->author);
        else
            cJSON_AddNullToObject(o, "author");
        cJSON *who = cJSON_AddArrayToObject(o, "approvers");
        for (size_t k = 0; k < a->n_approvers; k++)
            cJSON_AddItemToArray(who, cJSON_CreateString(a->approvers[k]));
        cJSON_AddBoolToObject(o, "retroactive", a->retroactive);
        r->approval = o;
        break;
    }
    return 0;
}

/* "approved by change CR-42 (u-3, u-5)", "baseline", "unapproved"... */
static void print_approval(const cJSON *a)
{
    if (!a)
        return;
    if (cJSON_IsNull(a)) {
        printf("  approval: unapproved\n");
        return;
    }
    const char *source = cJSON_GetObjectItem(a, "source")->valuestring;
    const cJSON *id = cJSON_GetObjectItem(a, "id");
    printf("  approval: %s%s%s", source, cJSON_IsString(id) ? " " : "",
           cJSON_IsString(id) ? id->valuestring : "");
    const cJSON *who = cJSON_GetObjectItem(a, "approvers");
    for (const cJSON *w = who ? who->child : NULL; w; w = w->next)
        printf("%s%s", w == who->child ? " by " : ", ", w->valuestring);
    printf(" at %s%s\n", cJSON_GetObjectItem(a, "at")->valuestring,
           cJSON_IsTrue(cJSON_GetObjectItem(a, "retroactive")) ? " (after the fact)" : "");
}

static int contains(char **lines, size_t n, const char *line)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], line) == 0)
            return 1;
    return 0;
}

/* Lines only in `from` become "-", lines only in `to` become "+". */
static void diff_lists(const char *what, char **from, size_t nf, char **to, size_t nt,
                       cJSON *json)
{
    cJSON *removed = cJSON_CreateArray(), *added = cJSON_CreateArray();
    for (size_t i = 0; i < nf; i++)
        if (!contains(to, nt, from[i]))
            cJSON_AddItemToArray(removed, cJSON_CreateString(from[i]));
    for (size_t i = 0; i < nt; i++)
        if (!contains(from, nf, to[i]))
            cJSON_AddItemToArray(added, cJSON_CreateString(to[i]));
    if (!removed->child && !added->child) {
        cJSON_Delete(removed);
        cJSON_Delete(added);
        return;
    }
    cJSON *d = cJSON_AddObjectToObject(json, what);
    cJSON_AddItemToObject(d, "removed", removed);
    cJSON_AddItemToObject(d, "added", added);
}

static void diff_value(const char *what, const char *from, const char *to, cJSON *json)
{
    if (str_eq(from, to))
        return;
    cJSON *d = cJSON_AddObjectToObject(json, what);
    cJSON_AddStringToObject(d, "from", from ? from : "");
    cJSON_AddStringToObject(d, "to", to ? to : "");
}

static cJSON *diff(const struct rendered *a, const struct rendered *b)
{
    cJSON *d = cJSON_CreateObject();
    diff_value("status", a->status, b->status, d);
    diff_value("name", a->name, b->name, d);
    diff_value("trigger", a->trigger, b->trigger, d);
    const cJSON *oa = cJSON_GetObjectItemCaseSensitive(a->definition, "object");
    const cJSON *ob = cJSON_GetObjectItemCaseSensitive(b->definition, "object");
    diff_value("object", cJSON_IsString(oa) ? oa->valuestring : NULL,
               cJSON_IsString(ob) ? ob->valuestring : NULL, d);
    const cJSON *ka = cJSON_GetObjectItemCaseSensitive(a->definition, "kind");
    const cJSON *kb = cJSON_GetObjectItemCaseSensitive(b->definition, "kind");
    diff_value("kind", cJSON_IsString(ka) ? ka->valuestring : NULL,
               cJSON_IsString(kb) ? kb->valuestring : NULL, d);
    diff_lists("conditions", a->conditions, a->n_conditions, b->conditions, b->n_conditions, d);
    diff_lists("actions", a->actions, a->n_actions, b->actions, b->n_actions, d);
    return d;
}

static void print_diff_text(const cJSON *d)
{
    for (const cJSON *m = d->child; m; m = m->next) {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "from");
        if (from) {
            const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
            printf("  ~ %s: %s -> %s\n", m->string, from->valuestring, to->valuestring);
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

static void print_text(const char *system, const char *id, const struct versions *vs)
{
    printf("%s/%s: %zu version%s\n", system, id, vs->n, vs->n == 1 ? "" : "s");
    for (size_t i = 0; i < vs->n; i++) {
        const struct rendered *r = &vs->items[i];
        char at[32];
        printf("\nversion %u  %s  %s  by %s  hash %.12s\n", r->seq,
               time_format_rfc3339(r->at, at), r->status, r->by ? r->by : "unknown", r->hash);
        print_approval(r->approval);
        if (i == 0) {
            printf("  name: %s\n  trigger: %s\n", r->name, r->trigger);
            for (size_t k = 0; k < r->n_conditions; k++)
                printf("  condition: %s\n", r->conditions[k]);
            for (size_t k = 0; k < r->n_actions; k++)
                printf("  action: %s\n", r->actions[k]);
            continue;
        }
        cJSON *d = diff(&vs->items[i - 1], r);
        if (!d->child)
            printf("  (same definition and status)\n");
        print_diff_text(d);
        cJSON_Delete(d);
    }
}

static void print_json(const struct versions *vs)
{
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < vs->n; i++) {
        const struct rendered *r = &vs->items[i];
        char at[32];
        cJSON *v = cJSON_CreateObject();
        cJSON_AddNumberToObject(v, "seq", r->seq);
        cJSON_AddStringToObject(v, "at", time_format_rfc3339(r->at, at));
        cJSON_AddStringToObject(v, "status", r->status);
        cJSON_AddStringToObject(v, "name", r->name);
        cJSON_AddStringToObject(v, "definition_hash", r->hash);
        if (r->by)
            cJSON_AddStringToObject(v, "modified_by", r->by);
        else
            cJSON_AddNullToObject(v, "modified_by");
        cJSON_AddItemToObject(v, "definition", cJSON_Duplicate(r->definition, 1));
        if (r->approval)
            cJSON_AddItemToObject(v, "approval", cJSON_Duplicate(r->approval, 1));
        cJSON_AddItemToObject(v, "changes",
                              i ? diff(&vs->items[i - 1], r) : cJSON_CreateObject());
        cJSON_AddItemToArray(out, v);
    }
    char *text = cJSON_Print(out);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(out);
}

static int cmd_history(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("history", history_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *format = cli_get(history_options, &args, "format");
    char *system = NULL, *id = NULL;
    int rc = cli_logging(history_options, &args);
    if (!rc && format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "crmgov history: --format must be table or json\n");
        rc = EXIT_USAGE;
    }
    if (!rc && (args.n_positional != 1 ||
                cli_split_automation(args.positional[0], &system, &id))) {
        fprintf(stderr, "usage: crmgov history SYSTEM/ID [--format table|json]\n");
        rc = EXIT_USAGE;
    }
    char *config = rc ? NULL : cli_config_path(cli_get(history_options, &args, "config"));
    cli_args_free(&args);
    if (!config) {
        free(system);
        free(id);
        return EXIT_USAGE;
    }
    struct runtime rt;
    runtime_init(&rt);
    /* With plugins initialised, the change layer (when configured) says which
     * approval made each version legitimate. */
    rc = cli_open(&rt, config, CLI_STAGE_INIT);
    struct versions vs = { 0 };
    if (rc == 0)
        store_versions_scan(&rt.store, system, id, collect, &vs);
    const struct service *svc = rc == 0 ? registry_service(&rt.registry, CRMGOV_CHANGE_SERVICE)
                                        : NULL;
    if (svc && svc->version >= CRMGOV_CHANGE_SERVICE_VERSION) {
        const struct crmgov_change_service *chg = svc->iface;
        chg->version_approvals(chg, system, id, note_approval, &vs);
    }
    if (rc == 0 && vs.n == 0) {
        fprintf(stderr, "crmgov history: no automation %s/%s in the inventory\n", system, id);
        rc = EXIT_USAGE;
    } else if (rc == 0 && format && strcmp(format, "json") == 0) {
        print_json(&vs);
    } else if (rc == 0) {
        print_text(system, id, &vs);
    }
    for (size_t i = 0; i < vs.n; i++)
        free_rendered(&vs.items[i]);
    free(vs.items);
    runtime_free(&rt);
    free(config);
    free(system);
    free(id);
    return rc;
}

const struct cli_command cli_history = {
    "history", cmd_history, "show every version of an automation and what changed",
    "usage: crmgov history SYSTEM/ID [-c FILE] [--format table|json]\n"
    "\n"
    "Lists every version of the automation, oldest first: when it was seen,\n"
    "its status, who modified it and its definition hash; the first version in\n"
    "full, then for each later version what changed in status, name, trigger,\n"
    "conditions (- removed, + added) and actions. Deleted and inactive\n"
    "automations keep their whole history. When the change layer is\n"
    "configured, each version also says which approval made it legitimate\n"
    "(baseline, an approved change record or change request, by whom and\n"
    "when) or that it is unapproved.\n"
};
