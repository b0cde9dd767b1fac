/*
 * command.c -- `crmgov outbox [--format F] [--sink NAME]` and `crmgov
 * outbox retry [--sink NAME] [ID...]`, over every webhook instance.
 *
 * A command name can be registered once, but a configuration may have
 * several webhook sinks (an owners' gateway and a chat channel). The first
 * instance to initialise registers the command and a private service
 * ("webhook.outbox"); later instances find the service and join it. The
 * member list belongs to the leader; the core finalises instances in
 * reverse order, and a follower leaves only while the leader's service is
 * still registered, so nobody touches a freed hub.
 *
 * `crmgov outbox` lists pending and failed deliveries, and the findings
 * waiting for a digest (status `waiting`, `due` = the digest time, event
 * time). Exit status 1 when a delivery has failed for good. `retry` makes
 * failed deliveries pending again and nudges a running delivery thread out
 * of its backoff; the running `crmgov run` (or the next `crmgov run
 * --once`) sends them -- the command itself never talks to the network, so
 * it never holds the store's write lock for the length of an HTTP call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/finding_json.h"
#include "digest.h"
#include "outbox.h"
#include "webhook.h"

#define HUB_SERVICE "webhook.outbox"
#define LIST_BATCH 256

struct hub_iface {
    uint32_t struct_size;
    struct hub *hub;
    int (*join)(const struct hub_iface *iface, struct webhook *w);
    void (*leave)(const struct hub_iface *iface, const struct webhook *w);
};

struct hub {
    struct hub_iface iface;
    struct webhook **members;
    size_t n, cap;
};

static int hub_join(const struct hub_iface *iface, struct webhook *w)
{
    struct hub *hub = iface->hub;
    if (hub->n == hub->cap) {
        hub->cap = hub->cap ? hub->cap * 2 : 4;
        hub->members = realloc(hub->members, hub->cap * sizeof(*hub->members));
        if (!hub->members)
            abort();
    }
    hub->members[hub->n++] = w;
    return CRMGOV_OK;
}

static void hub_drop(const struct hub_iface *iface, const struct webhook *w)
{
    struct hub *hub = iface->hub;
    size_t j = 0;
    for (size_t i = 0; i < hub->n; i++)
        if (hub->members[i] != w)
            hub->members[j++] = hub->members[i];
    hub->n = j;
}

/* ------------------------------------------------------------------------ */
/* arguments                                                                 */

struct args {
    int retry;
    const char *format;
    const char *sink;
    char **ids;
    int n_ids;
};

static int parse_args(int argc, char **argv, struct args *a, const char **bad)
{
    memset(a, 0, sizeof(*a));
    a->format = "table";
    int i = 1;
    if (i < argc && strcmp(argv[i], "retry") == 0) {
        a->retry = 1;
        i++;
    }
    a->ids = argv + argc;
    for (; i < argc; i++) {
        if ((strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--sink") == 0) &&
            i + 1 < argc) {
            *(argv[i][2] == 'f' ? &a->format : &a->sink) = argv[i + 1];
            i++;
        } else if (a->retry && argv[i][0] != '-') {
            if (a->n_ids == 0)
                a->ids = argv + i;
            else if (a->ids + a->n_ids != argv + i)
                return -1; /* ids must be given together */
            a->n_ids++;
        } else {
            *bad = argv[i];
            return -1;
        }
    }
    if (strcmp(a->format, "table") != 0 && strcmp(a->format, "json") != 0 &&
        strcmp(a->format, "csv") != 0) {
        *bad = a->format;
        return -1;
    }
    return 0;
}

static const char usage[] =
    "usage: crmgov outbox [--format table|json|csv] [--sink NAME]\n"
    "       crmgov outbox retry [--sink NAME] [ID...]\n"
    "Lists the deliveries the webhook sinks have not delivered yet (pending, failed)\n"
    "and the findings waiting for the next digest (waiting). Exit status 1 when a\n"
    "delivery has failed for good. `retry` queues failed deliveries (all, or the\n"
    "given ids) again; the running `crmgov run`, or the next `crmgov run --once`,\n"
    "sends them.\n";

/* ------------------------------------------------------------------------ */
/* listing                                                                   */

struct listing {
    struct webhook *w;
    struct crmgov_table *table;
    int failed;
    char due[32];
};

static void time_text(const struct crmgov_host *host, int64_t t, char buf[32], const char **out)
{
    *out = t == CRMGOV_TIME_NONE || t < 0 ? NULL : host->time_format(t, buf);
}

static void list_entry(struct listing *l, const struct outbox_entry *e)
{
    const struct crmgov_host *host = l->w->host;
    char created[32], last[32], attempts[32];
    const char *created_text, *last_text;
    time_text(host, e->created, created, &created_text);
    time_text(host, e->last_attempt_ms, last, &last_text);
    snprintf(attempts, sizeof(attempts), "%lld", (long long)e->attempts);
    const char *row[] = { l->w->instance, e->id, e->kind, e->status, created_text, NULL,
                          attempts, last_text, e->recipients, e->summary, e->last_error };
    host->table_row(l->table, row);
    l->failed |= strcmp(e->status, "failed") == 0;
}

static int list_outbox(struct listing *l)
{
    char after[OUTBOX_KEY_SIZE] = "";
    for (;;) {
        struct outbox_entry *batch;
        long n = outbox_load(l->w->host, after, LIST_BATCH, 0, &batch);
        if (n < 0)
            return -1;
        for (long i = 0; i < n; i++) {
            list_entry(l, &batch[i]);
            snprintf(after, sizeof(after), "%s", batch[i].key);
        }
        outbox_entries_free(batch, (size_t)n);
        if (n < LIST_BATCH)
            return 0;
    }
}

static const char *json_text(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static const char *or_unknown(const char *s)
{
    return s ? s : "?";
}

static int list_waiting(void *ctx, const char *key, const cJSON *recipient, const cJSON *item)
{
    (void)key;
    struct listing *l = ctx;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(item, "finding");
    char summary[512];
    const char *automation = json_text(f, "automation");
    snprintf(summary, sizeof(summary), "%s %s%s%s %s (%s)", or_unknown(json_text(f, "rule")),
             or_unknown(json_text(f, "system")), automation ? "/" : "",
             automation ? automation : "", or_unknown(json_text(item, "transition")),
             or_unknown(json_text(f, "severity")));
    const char *row[] = { l->w->instance, NULL, "digest-item", "waiting",
                          json_text(item, "at"), l->due[0] ? l->due : NULL, "0", NULL,
                          json_text(recipient, "id"), summary, NULL };
    l->w->host->table_row(l->table, row);
    return 0;
}

static int run_list(struct hub *hub, const struct args *a)
{
    static const char *const columns[] = { "sink", "id", "kind", "status", "created", "due",
                                           "attempts:n", "last_attempt", "recipients",
                                           "summary", "last_error" };
    const struct crmgov_host *host = hub->members[0]->host;
    struct listing l = { .table = host->table_new(host, columns, 11) };
    for (size_t i = 0; i < hub->n; i++) {
        l.w = hub->members[i];
        if (a->sink && strcmp(a->sink, l.w->instance) != 0)
            continue;
        const char *due;
        time_text(l.w->host, digest_next(l.w->host), l.due, &due);
        if (!due)
            l.due[0] = '\0';
        if (list_outbox(&l) != 0)
            fprintf(stderr, "crmgov outbox: could not read the outbox of %s\n", l.w->instance);
        digest_each(l.w->host, list_waiting, &l);
    }
    if (host->table_print(l.table, a->format) != 0)
        return 2;
    return l.failed ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* retry                                                                     */

static int wanted(const struct args *a, const struct outbox_entry *e, int *matched)
{
    if (a->n_ids == 0)
        return strcmp(e->status, "failed") == 0;
    for (int i = 0; i < a->n_ids; i++) {
        if (strcmp(a->ids[i], e->id) == 0) {
            matched[i] = 1;
            return 1;
        }
    }
    return 0;
}

static void requeue(const struct crmgov_host *host, struct outbox_entry *e)
{
    free(e->status);
    e->status = strdup("pending");
    if (!e->status)
        abort();
    e->attempts = 0;
    e->first_failure_ms = -1;
    outbox_save(host, e);
}

static long retry_member(struct webhook *w, const struct args *a, int *matched)
{
    char after[OUTBOX_KEY_SIZE] = "";
    long count = 0;
    for (;;) {
        struct outbox_entry *batch;
        long n = outbox_load(w->host, after, LIST_BATCH, 0, &batch);
        if (n < 0)
            return -1;
        for (long i = 0; i < n; i++) {
            if (wanted(a, &batch[i], matched)) {
                requeue(w->host, &batch[i]);
                count++;
            }
            snprintf(after, sizeof(after), "%s", batch[i].key);
        }
        outbox_entries_free(batch, (size_t)n);
        if (n < LIST_BATCH)
            break;
    }
    outbox_bump_retry(w->host);
    return count;
}

static int run_retry(struct hub *hub, const struct args *a)
{
    int *matched = calloc((size_t)a->n_ids + 1, sizeof(int));
    if (!matched)
        abort();
    long total = 0;
    for (size_t i = 0; i < hub->n; i++) {
        if (a->sink && strcmp(a->sink, hub->members[i]->instance) != 0)
            continue;
        long n = retry_member(hub->members[i], a, matched);
        if (n > 0)
            total += n;
    }
    int status = 0;
    for (int i = 0; i < a->n_ids; i++) {
        if (!matched[i]) {
            fprintf(stderr, "crmgov outbox retry: no delivery %s\n", a->ids[i]);
            status = 2; /* rolls back: nothing changes */
        }
    }
    free(matched);
    if (status == 0)
        printf("%ld deliver%s queued again; crmgov run sends them\n", total,
               total == 1 ? "y" : "ies");
    return status;
}

static int command_outbox(void *state, int argc, char **argv)
{
    struct hub *hub = state;
    struct args a;
    const char *bad = "";
    if (parse_args(argc, argv, &a, &bad) != 0) {
        fprintf(stderr, "crmgov outbox: unexpected '%s' (see crmgov help outbox)\n", bad);
        return 2;
    }
    if (a.sink) {
        int known = 0;
        for (size_t i = 0; i < hub->n; i++)
            known |= strcmp(hub->members[i]->instance, a.sink) == 0;
        if (!known) {
            fprintf(stderr, "crmgov outbox: no webhook sink named %s\n", a.sink);
            return 2;
        }
    }
    return a.retry ? run_retry(hub, &a) : run_list(hub, &a);
}

static const struct crmgov_command outbox_command = {
    .struct_size = sizeof(struct crmgov_command),
    .name = "outbox",
    .summary = "deliveries of the webhook sinks not delivered yet; retry failed ones",
    .usage = usage,
    .run = command_outbox,
};

/* ------------------------------------------------------------------------ */
/* joining                                                                   */

int hub_join_or_lead(struct webhook *w)
{
    const struct crmgov_host *host = w->host;
    const struct hub_iface *iface = host->service_lookup(host, HUB_SERVICE, 1);
    if (iface) {
        w->joined = iface;
        return iface->join(iface, w);
    }
    struct hub *hub = calloc(1, sizeof(*hub));
    if (!hub)
        return CRMGOV_ERROR;
    hub->iface = (struct hub_iface){ sizeof(struct hub_iface), hub, hub_join, hub_drop };
    w->hub = hub;
    hub_join(&hub->iface, w);
    if (host->service_register(host, HUB_SERVICE, 1, &hub->iface) != CRMGOV_OK ||
        host->command_register(host, &outbox_command, hub) != CRMGOV_OK)
        return CRMGOV_ERROR;
    return CRMGOV_OK;
}

void hub_leave(struct webhook *w)
{
    if (w->joined) {
        const struct hub_iface *iface = w->host->service_lookup(w->host, HUB_SERVICE, 1);
        if (iface == w->joined)
            iface->leave(iface, w);
        w->joined = NULL;
    }
    if (w->hub) {
        free(w->hub->members);
        free(w->hub);
        w->hub = NULL;
    }
}
