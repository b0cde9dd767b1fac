/*
 * jsonl_export.c -- the `jsonl-export` sink plugin: options, the finding
 * callback that queues lines in the transaction, and the writer thread that
 * appends them; see export.h for the guarantees.
 *
 * One line per transition:
 *   {"type":"finding","id":ID,"sink":INSTANCE,"at":TIME,"transition":T,
 *    "finding":{...the findings contract of docs/rules.md...}}
 * `at` is the event time of the transition; `id` is 32 hex digits of
 * SHA-256 over the finding key, the transition and `at` -- the same on a
 * replay, so a warehouse can de-duplicate.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "../common/finding_json.h"
#include "export.h"

#define QUEUE_PREFIX "q/"
#define WRITE_BATCH 512

static const struct crmgov_option export_options[] = {
    { .name = "path", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
      .doc = "the JSON Lines file to append to (relative to the configuration file); "
             "rotation-safe",
      .example = "findings.jsonl" },
    { .name = "fsync", .type = CRMGOV_OPT_BOOL, .default_value = "false",
      .doc = "flush every appended batch to disk before recording it as written" },
    { .name = "audit", .type = CRMGOV_OPT_BOOL, .default_value = "true",
      .doc = "also append every audit-log entry (type \"audit\") after it commits" },
    { .name = "poll_interval", .type = CRMGOV_OPT_DURATION, .default_value = "1s",
      .min = "10ms", .max = "1h",
      .doc = "how often the queue is read again for lines queued by other processes" },
    CRMGOV_OPTIONS_END
};

struct exporter {
    const struct crmgov_host *host;
    struct export_file file;
    int sync;
    int audit;
    int64_t poll_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int started, joined, stop, woken;   /* stop and woken under lock */
};

/* ------------------------------------------------------------------------ */
/* state helpers                                                             */

static int read_int(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, value, len);
    buf[len] = '\0';
    *(int64_t *)ctx = strtoll(buf, NULL, 10);
    return 0;
}

static int64_t get_int(const struct crmgov_host *host, const char *key, int64_t fallback)
{
    int64_t v = fallback;
    host->state_get(host, key, read_int, &v);
    return v;
}

static int put_int(const struct crmgov_host *host, const char *key, int64_t value)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, value);
    return host->state_put(host, key, buf, (size_t)n);
}

static int64_t key_seq(const char *key)
{
    return (int64_t)strtoull(key + strlen(QUEUE_PREFIX), NULL, 16);
}

/* ------------------------------------------------------------------------ */
/* the callback (dispatcher thread, in the batch's transaction)              */

struct written_keys {
    int64_t written;
    char **keys;
    size_t n, cap;
};

static int collect_written(void *ctx, const char *key, const void *value, size_t len)
{
    (void)value;
    (void)len;
    struct written_keys *w = ctx;
    if (key_seq(key) > w->written)
        return 1; /* keys sort by sequence: the rest is not written yet */
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->keys = realloc(w->keys, w->cap * sizeof(*w->keys));
        if (!w->keys)
            abort();
    }
    w->keys[w->n] = strdup(key);
    if (!w->keys[w->n])
        abort();
    w->n++;
    return 0;
}

static void drop_written(const struct crmgov_host *host)
{
    struct written_keys w = { get_int(host, "written", 0), NULL, 0, 0 };
    host->state_scan(host, QUEUE_PREFIX, collect_written, &w);
    for (size_t i = 0; i < w.n; i++) {
        host->state_delete(host, w.keys[i]);
        free(w.keys[i]);
    }
    free(w.keys);
}

static void line_id(const char *sink, const struct crmgov_finding *f, crmgov_time at,
                    char out[33])
{
    char *material = NULL;
    if (asprintf(&material, "%s\n%s\n%s\n%s\n%s\n%s\n%lld", sink, f->rule ? f->rule : "",
                 f->system ? f->system : "", f->automation ? f->automation : "",
                 f->subject ? f->subject : "", sink_transition_name((int)f->transition),
                 (long long)at) < 0)
        abort();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)material, strlen(material));
    sodium_bin2hex(out, 33, digest, 16);
    free(material);
}

static char *finding_line(const struct crmgov_host *host, const struct crmgov_finding *f,
                          crmgov_time at)
{
    char id[33];
    line_id(host->instance, f, at, id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "finding");
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "sink", host->instance);
    sink_add_time(host, o, "at", at);
    cJSON_AddStringToObject(o, "transition", sink_transition_name((int)f->transition));
    cJSON_AddItemToObject(o, "finding", sink_finding_json(host, f));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void wake_writer(struct exporter *x)
{
    pthread_mutex_lock(&x->lock);
    x->woken = 1;
    pthread_cond_signal(&x->wake);
    pthread_mutex_unlock(&x->lock);
}

static int on_finding(void *state, const struct crmgov_event *ev)
{
    struct exporter *x = state;
    const struct crmgov_host *host = x->host;
    drop_written(host);
    char *line = finding_line(host, ev->u.finding, ev->at);
    if (!line) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    int64_t seq = get_int(host, "seq", 1);
    char key[32];
    snprintf(key, sizeof(key), QUEUE_PREFIX "%016" PRIx64, (uint64_t)seq);
    int rc = host->state_put(host, key, line, strlen(line));
    if (rc == CRMGOV_OK)
        rc = put_int(host, "seq", seq + 1);
    cJSON_free(line);
    wake_writer(x);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* the writer thread                                                         */

struct pending {
    int64_t after;
    char *text;     /* the lines, each ending in \n */
    size_t len;
    int64_t last;
    size_t count;
};

static int collect_pending(void *ctx, const char *key, const void *value, size_t len)
{
    struct pending *p = ctx;
    int64_t seq = key_seq(key);
    if (seq <= p->after)
        return 0;
    p->text = realloc(p->text, p->len + len + 2);
    if (!p->text)
        abort();
    memcpy(p->text + p->len, value, len);
    p->len += len;
    p->text[p->len++] = '\n';
    p->text[p->len] = '\0';
    p->last = seq;
    return ++p->count >= WRITE_BATCH ? 1 : 0;
}

/* Appends what is committed and not written yet; 1 when more may wait. */
static int write_pending(struct exporter *x)
{
    const struct crmgov_host *host = x->host;
    struct pending p = { .after = get_int(host, "written", 0) };
    if (host->state_scan(host, QUEUE_PREFIX, collect_pending, &p) < 0 || p.count == 0) {
        free(p.text);
        return 0;
    }
    int more = 0;
    if (export_file_ready(&x->file, host) != 0 ||
        export_file_append(&x->file, p.text, p.len, x->sync) != 0) {
        host->log(host, CRMGOV_LOG_ERROR, "cannot append to %s: %s; trying again later",
                  x->file.path, strerror(errno));
    } else if (put_int(host, "written", p.last) != CRMGOV_OK) {
        host->log(host, CRMGOV_LOG_WARN, "appended lines up to %" PRId64 " but could not "
                  "record it; they may be appended again", p.last);
    } else {
        more = p.count >= WRITE_BATCH;
    }
    free(p.text);
    return more;
}

/* ------------------------------------------------------------------------ */
/* audit-log entries                                                         */

struct audit_batch {
    char *text;
    size_t len;
    uint64_t last;
    size_t count;
};

/* {"type":"audit","seq":N,"at":T,"actor":A,"action":X,"subject":S,"details":{...}} */
static int collect_audit(void *ctx, const struct crmgov_audit_entry *e)
{
    struct audit_batch *b = ctx;
    char at[32];
    time_t secs = (time_t)(e->at / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "audit");
    cJSON_AddNumberToObject(o, "seq", (double)e->seq);
    cJSON_AddStringToObject(o, "at", at);
    cJSON_AddStringToObject(o, "actor", e->actor ? e->actor : "");
    cJSON_AddStringToObject(o, "action", e->action ? e->action : "");
    cJSON_AddStringToObject(o, "subject", e->subject ? e->subject : "");
    cJSON *details = e->details_json ? cJSON_Parse(e->details_json) : NULL;
    cJSON_AddItemToObject(o, "details", details ? details : cJSON_CreateObject());
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line)
        abort();
    size_t n = strlen(line);
    b->text = realloc(b->text, b->len + n + 2);
    if (!b->text)
        abort();
    memcpy(b->text + b->len, line, n);
    b->len += n;
    b->text[b->len++] = '\n';
    b->text[b->len] = '\0';
    cJSON_free(line);
    b->last = e->seq;
    return ++b->count >= WRITE_BATCH ? 1 : 0;
}

/* Appends committed audit entries not exported yet; 1 when more may wait.
 * Like finding lines, at-least-once: a crash between the append and the
 * record of `audit_written` repeats them, with the same seq. */
static int write_audit(struct exporter *x)
{
    const struct crmgov_host *host = x->host;
    struct audit_batch b = { 0 };
    int64_t after = get_int(host, "audit_written", 0);
    if (host->audit_scan(host, (uint64_t)after, collect_audit, &b) < 0 || b.count == 0) {
        free(b.text);
        return 0;
    }
    int more = 0;
    if (export_file_ready(&x->file, host) != 0 ||
        export_file_append(&x->file, b.text, b.len, x->sync) != 0)
        host->log(host, CRMGOV_LOG_ERROR, "cannot append to %s: %s; trying again later",
                  x->file.path, strerror(errno));
    else if (put_int(host, "audit_written", (int64_t)b.last) == CRMGOV_OK)
        more = b.count >= WRITE_BATCH;
    free(b.text);
    return more;
}

/* One pass: finding lines first, then audit entries. */
static int write_all(struct exporter *x)
{
    int more = write_pending(x);
    if (x->audit && CRMGOV_HOST_HAS(x->host, audit_scan))
        more |= write_audit(x);
    return more;
}

static int wait_for_work(struct exporter *x)
{
    pthread_mutex_lock(&x->lock);
    if (!x->stop && !x->woken) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + x->poll_ms % 1000 * 1000000;
        ts.tv_sec += (time_t)(x->poll_ms / 1000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&x->wake, &x->lock, &ts);
    }
    x->woken = 0;
    int stop = x->stop;
    pthread_mutex_unlock(&x->lock);
    return stop;
}

static void *writer_main(void *arg)
{
    struct exporter *x = arg;
    int stop = 0;
    while (!stop) {
        while (write_all(x))
            ;
        stop = wait_for_work(x);
    }
    while (write_all(x)) /* the last committed lines, at stop */
        ;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

static char *resolve_path(const struct crmgov_host *host, const struct crmgov_config *config,
                          const char *path)
{
    const char *dir = host->config_dir(config);
    char *full = NULL;
    if (path[0] == '/' || !dir || strcmp(dir, ".") == 0) {
        full = strdup(path);
    } else if (asprintf(&full, "%s/%s", dir, path) < 0) {
        full = NULL;
    }
    if (!full)
        abort();
    return full;
}

static int export_init(const struct crmgov_host *host, const struct crmgov_config *config,
                       void **state)
{
    if (sodium_init() < 0) {
        host->set_error(host, "libsodium could not start");
        return CRMGOV_ERROR;
    }
    struct exporter *x = calloc(1, sizeof(*x));
    if (!x) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    x->host = host;
    export_file_init(&x->file, resolve_path(host, config, host->config_string(config, "path")));
    x->sync = host->config_bool(config, "fsync");
    x->audit = host->config_bool(config, "audit");
    x->poll_ms = host->config_duration_ms(config, "poll_interval");
    pthread_mutex_init(&x->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&x->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (host->subscribe(host, CRMGOV_TOPIC_FINDING, on_finding, x) != CRMGOV_OK) {
        host->set_error(host, "cannot subscribe to findings");
        export_file_close(&x->file);
        pthread_cond_destroy(&x->wake);
        pthread_mutex_destroy(&x->lock);
        free(x);
        return CRMGOV_ERROR;
    }
    *state = x;
    return CRMGOV_OK;
}

static int export_start(void *state)
{
    struct exporter *x = state;
    if (pthread_create(&x->thread, NULL, writer_main, x) != 0) {
        x->host->set_error(x->host, "cannot start the writer thread");
        return CRMGOV_ERROR;
    }
    x->started = 1;
    return CRMGOV_OK;
}

static int export_stop(void *state)
{
    struct exporter *x = state;
    if (!x->started || x->joined)
        return CRMGOV_OK;
    pthread_mutex_lock(&x->lock);
    x->stop = 1;
    pthread_cond_signal(&x->wake);
    pthread_mutex_unlock(&x->lock);
    pthread_join(x->thread, NULL);
    x->joined = 1;
    return CRMGOV_OK;
}

static void export_fini(void *state)
{
    struct exporter *x = state;
    if (!x)
        return;
    export_stop(x);
    export_file_close(&x->file);
    pthread_cond_destroy(&x->wake);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

static const struct crmgov_plugin export_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "jsonl-export",
    .version = "1.0.0",
    .description = "appends every finding change to a JSON Lines file (rotation-safe) for a "
                   "SIEM or a data warehouse",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_SINK,
    CRMGOV_PLUGIN_OPTIONS(export_options),
    .init = export_init,
    .fini = export_fini,
    .start = export_start,
    .stop = export_stop,
};

CRMGOV_PLUGIN_EXPORT(export_plugin)
