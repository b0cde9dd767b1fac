/*
 * chg_reviews.c -- `crmgov review SYSTEM/ID` and `crmgov reviews due`: the
 * revision cycle of CHG004.
 *
 * A review is a record that someone looked at the automation as it is now;
 * it is not an approval (it never legitimises drift), but it restarts the
 * review clock just as an approved change does. Reviews are append-only
 * records in the layer's state and entries in the audit log.
 *
 * Due dates follow the rule: last review (or first sighting, when never
 * reviewed) + the system's interval, where the interval shrinks as the
 * system's active inventory grows (chg_review_interval).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

static int split_target(const char *text, char **system, char **id)
{
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || !slash[1])
        return -1;
    *system = chg_xasprintf("%.*s", (int)(slash - text), text);
    *id = chg_xstrdup(slash + 1);
    return 0;
}

static void save_review(struct chg_layer *l, const struct chg_auto *a, const char *by,
                        const char *note, crmgov_time at)
{
    const char *system = chg_str(&l->st, a->sys), *id = chg_str(&l->st, a->id);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "system", system);
    cJSON_AddStringToObject(rec, "automation", id);
    cJSON_AddNumberToObject(rec, "at", (double)at);
    cJSON_AddStringToObject(rec, "by", by);
    if (note)
        cJSON_AddStringToObject(rec, "note", note);
    cJSON_AddStringToObject(rec, "definition_hash", chg_str(&l->st, a->hash));
    cJSON_AddStringToObject(rec, "status", chg_status_name(a->status));
    char *text = cJSON_PrintUnformatted(rec);
    char *key = chg_xasprintf("rev" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP "%016lld", system, id,
                              (long long)at);
    l->host->state_put(l->host, key, text, strlen(text));
    free(key);
    cJSON_free(text);
    cJSON_DeleteItemFromObject(rec, "system");
    cJSON_DeleteItemFromObject(rec, "automation");
    cJSON_DeleteItemFromObject(rec, "at");
    cJSON_DeleteItemFromObject(rec, "by");
    char *subject = chg_xasprintf("%s/%s", system, id);
    text = cJSON_PrintUnformatted(rec);
    l->host->audit_append(l->host, by, "change.review", subject, text, at);
    cJSON_free(text);
    free(subject);
    cJSON_Delete(rec);
}

int chg_cmd_review(void *state, int argc, char **argv)
{
    struct chg_layer *l = state;
    struct chg_args args;
    if (chg_args_parse("review", argc, argv, 1, "|by|note|at|", NULL, &args))
        return 2;
    char *system = NULL, *id = NULL;
    if (args.n_positional != 1 || split_target(args.positional[0], &system, &id)) {
        fprintf(stderr, "usage: crmgov review SYSTEM/ID --by USER [--note TEXT] [--at TIME]\n");
        return 2;
    }
    const char *by = chg_arg(&args, "by");
    crmgov_time at = chg_command_time(l, chg_arg(&args, "at"));
    int rc = 0;
    if (!by || !*by) {
        fprintf(stderr, "crmgov review: --by USER is required\n");
        rc = 2;
    } else if (at == CRMGOV_TIME_NONE) {
        fprintf(stderr, "crmgov review: --at must be an RFC 3339 time\n");
        rc = 2;
    } else if (chg_load(l) != CRMGOV_OK) {
        rc = 2;
    }
    struct chg_auto *a = rc ? NULL
                            : chg_auto_get(l, chg_intern(&l->st, system), chg_intern(&l->st, id),
                                           0);
    if (!rc && (!a || !a->observed)) {
        fprintf(stderr, "crmgov review: no automation %s/%s in the inventory\n", system, id);
        rc = 2;
    }
    if (!rc) {
        save_review(l, a, by, chg_arg(&args, "note"), at);
        if (a->last_review == CRMGOV_TIME_NONE || at > a->last_review)
            a->last_review = at;
        chg_review_done(l, a, at);
        char when[32], due[32];
        printf("%s/%s reviewed by %s at %s; next review due %s\n", system, id, by,
               l->host->time_format(at, when),
               l->host->time_format(a->last_review + chg_review_interval(l, a->sys), due));
    }
    free(system);
    free(id);
    return rc;
}

struct due_row {
    const struct chg_auto *a;
    crmgov_time last, due;
    int64_t interval;
};

static int by_due(const void *x, const void *y)
{
    const struct due_row *a = x, *b = y;
    return a->due < b->due ? -1 : a->due > b->due;
}

static int due_args(const struct chg_layer *l, const struct chg_args *args, int64_t *within,
                    crmgov_time *now)
{
    const char *format = chg_arg(args, "format"), *w = chg_arg(args, "within");
    if (args->n_positional != 1 || strcmp(args->positional[0], "due") != 0) {
        fprintf(stderr, "usage: crmgov reviews due [--system S] [--within DURATION] "
                        "[--format table|json|csv]\n");
        return 2;
    }
    if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "csv") != 0) {
        fprintf(stderr, "crmgov reviews: --format must be table, json or csv\n");
        return 2;
    }
    *within = w ? l->host->duration_parse(w) : 30LL * 86400000;
    if (*within < 0) {
        fprintf(stderr, "crmgov reviews: --within must be a duration such as 30d\n");
        return 2;
    }
    *now = chg_command_time(l, chg_arg(args, "at"));
    if (*now == CRMGOV_TIME_NONE) {
        fprintf(stderr, "crmgov reviews: --at must be an RFC 3339 time\n");
        return 2;
    }
    return 0;
}

int chg_cmd_reviews(void *state, int argc, char **argv)
{
    struct chg_layer *l = state;
    struct chg_args args;
    if (chg_args_parse("reviews", argc, argv, 1, "|system|within|format|at|", NULL, &args))
        return 2;
    int64_t within;
    crmgov_time now;
    int rc = due_args(l, &args, &within, &now);
    if (rc || chg_load(l) != CRMGOV_OK)
        return 2;
    const char *only = chg_arg(&args, "system");
    struct due_row *rows = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t i = 0; i < l->system_list.n; i++) {
        const struct chg_system *s = l->system_list.v[i];
        if (only && strcmp(only, chg_str(&l->st, s->sys)) != 0)
            continue;
        int64_t interval = chg_review_interval(l, s->sys);
        for (uint32_t k = 0; k < s->autos.n; k++) {
            const struct chg_auto *a = s->autos.v[k];
            crmgov_time last = a->last_review != CRMGOV_TIME_NONE ? a->last_review : a->first_seen;
            if (!a->observed || a->status != CRMGOV_STATUS_ACTIVE || last == CRMGOV_TIME_NONE ||
                last + interval > now + within)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                rows = chg_xrealloc(rows, cap * sizeof(*rows));
            }
            rows[n++] = (struct due_row){ a, last, last + interval, interval };
        }
    }
    if (n)
        qsort(rows, n, sizeof(*rows), by_due);
    static const char *const columns[] = { "system", "automation", "last_review",
                                           "interval_days:n", "due", "state" };
    struct crmgov_table *t = l->host->table_new(l->host, columns, 6);
    for (size_t i = 0; i < n; i++) {
        char last[32], due[32], days[32];
        snprintf(days, sizeof(days), "%.4g", (double)rows[i].interval / 86400000.0);
        const char *cells[] = { chg_str(&l->st, rows[i].a->sys), chg_str(&l->st, rows[i].a->id),
                                l->host->time_format(rows[i].last, last), days,
                                l->host->time_format(rows[i].due, due),
                                now > rows[i].due ? "overdue" : "due" };
        l->host->table_row(t, cells);
    }
    free(rows);
    const char *format = chg_arg(&args, "format");
    return l->host->table_print(t, format ? format : "table") ? 2 : 0;
}
