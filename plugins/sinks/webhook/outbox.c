/*
 * outbox.c -- see outbox.h. Entries are JSON objects in the plugin state;
 * the body is kept as a JSON string inside them, so the bytes sent are
 * exactly the bytes built when the finding changed.
 */
#include "outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

/* ------------------------------------------------------------------------ */
/* integers in the state                                                     */

static int read_int(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, value, len);
    buf[len] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end == '\0')
        *(int64_t *)ctx = (int64_t)v;
    return 0;
}

int outbox_get_int(const struct crmgov_host *host, const char *key, int64_t *value)
{
    return host->state_get(host, key, read_int, value);
}

int outbox_put_int(const struct crmgov_host *host, const char *key, int64_t value)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, value);
    return host->state_put(host, key, buf, (size_t)n);
}

uint64_t outbox_next_seq(const struct crmgov_host *host)
{
    int64_t seq = 1;
    outbox_get_int(host, "seq", &seq);
    if (seq < 1)
        seq = 1;
    outbox_put_int(host, "seq", seq + 1);
    return (uint64_t)seq;
}

void outbox_key(char key[OUTBOX_KEY_SIZE], const char *prefix, uint64_t seq)
{
    snprintf(key, OUTBOX_KEY_SIZE, "%s%016" PRIx64, prefix, seq);
}

int64_t outbox_retry_generation(const struct crmgov_host *host)
{
    int64_t generation = 0;
    outbox_get_int(host, "retry", &generation);
    return generation;
}

int outbox_bump_retry(const struct crmgov_host *host)
{
    return outbox_put_int(host, "retry", outbox_retry_generation(host) + 1);
}

/* ------------------------------------------------------------------------ */
/* entries                                                                   */

static cJSON *entry_json(const struct outbox_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "kind", e->kind);
    cJSON_AddStringToObject(o, "status", e->status);
    cJSON_AddNumberToObject(o, "created", (double)e->created);
    cJSON_AddStringToObject(o, "summary", e->summary ? e->summary : "");
    cJSON_AddStringToObject(o, "recipients", e->recipients ? e->recipients : "");
    cJSON_AddNumberToObject(o, "attempts", (double)e->attempts);
    cJSON_AddNumberToObject(o, "first_failure", (double)e->first_failure_ms);
    cJSON_AddNumberToObject(o, "last_attempt", (double)e->last_attempt_ms);
    if (e->last_error)
        cJSON_AddStringToObject(o, "last_error", e->last_error);
    cJSON_AddStringToObject(o, "body", e->body);
    return o;
}

static int put_entry(const struct crmgov_host *host, const struct outbox_entry *e)
{
    cJSON *o = entry_json(e);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return CRMGOV_ERROR;
    int rc = host->state_put(host, e->key, text, strlen(text));
    cJSON_free(text);
    return rc;
}

int outbox_enqueue(const struct crmgov_host *host, const char *kind, const char *id,
                   crmgov_time created, const char *summary, const char *recipients,
                   const char *body)
{
    struct outbox_entry e = { .id = (char *)id, .kind = (char *)kind, .status = "pending",
                              .summary = (char *)summary, .recipients = (char *)recipients,
                              .body = (char *)body, .created = created, .attempts = 0,
                              .first_failure_ms = -1, .last_attempt_ms = -1 };
    outbox_key(e.key, OUTBOX_PREFIX, outbox_next_seq(host));
    return put_entry(host, &e);
}

int outbox_save(const struct crmgov_host *host, const struct outbox_entry *e)
{
    return put_entry(host, e);
}

int outbox_remove(const struct crmgov_host *host, const struct outbox_entry *e)
{
    return host->state_delete(host, e->key);
}

static const char *get_string(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static int64_t get_int(const cJSON *o, const char *name, int64_t fallback)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(m) ? (int64_t)m->valuedouble : fallback;
}

/* 0, or -1 when the stored value is not a delivery (it is then skipped). */
static int entry_parse(const char *key, const void *value, size_t len, struct outbox_entry *e)
{
    memset(e, 0, sizeof(*e));
    cJSON *o = cJSON_ParseWithLength(value, len);
    const char *id = get_string(o, "id"), *body = get_string(o, "body");
    if (!id || !body || strlen(key) >= OUTBOX_KEY_SIZE) {
        cJSON_Delete(o);
        return -1;
    }
    snprintf(e->key, sizeof(e->key), "%s", key);
    e->id = dup_or_null(id);
    e->body = dup_or_null(body);
    e->kind = dup_or_null(get_string(o, "kind") ? get_string(o, "kind") : "finding");
    e->status = dup_or_null(get_string(o, "status") ? get_string(o, "status") : "pending");
    e->summary = dup_or_null(get_string(o, "summary"));
    e->recipients = dup_or_null(get_string(o, "recipients"));
    e->last_error = dup_or_null(get_string(o, "last_error"));
    e->created = get_int(o, "created", CRMGOV_TIME_NONE);
    e->attempts = get_int(o, "attempts", 0);
    e->first_failure_ms = get_int(o, "first_failure", -1);
    e->last_attempt_ms = get_int(o, "last_attempt", -1);
    cJSON_Delete(o);
    return 0;
}

static void entry_clear(struct outbox_entry *e)
{
    free(e->id);
    free(e->kind);
    free(e->status);
    free(e->summary);
    free(e->recipients);
    free(e->body);
    free(e->last_error);
    memset(e, 0, sizeof(*e));
}

void outbox_entries_free(struct outbox_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++)
        entry_clear(&entries[i]);
    free(entries);
}

struct loader {
    const char *after;
    size_t limit;
    int pending_only;
    struct outbox_entry *items;
    size_t n;
};

static int load_one(void *ctx, const char *key, const void *value, size_t len)
{
    struct loader *l = ctx;
    if (strcmp(key, l->after) <= 0)
        return 0;
    struct outbox_entry e;
    if (entry_parse(key, value, len, &e) != 0)
        return 0;
    if (l->pending_only && strcmp(e.status, "pending") != 0) {
        entry_clear(&e);
        return 0;
    }
    l->items[l->n++] = e;
    return l->n >= l->limit ? 1 : 0;
}

long outbox_load(const struct crmgov_host *host, const char *after, size_t limit,
                 int pending_only, struct outbox_entry **out)
{
    struct loader l = { after ? after : "", limit ? limit : 1, pending_only, NULL, 0 };
    l.items = calloc(l.limit, sizeof(*l.items));
    if (!l.items)
        abort();
    int rc = host->state_scan(host, OUTBOX_PREFIX, load_one, &l);
    if (rc < 0) {
        outbox_entries_free(l.items, l.n);
        *out = NULL;
        return -1;
    }
    *out = l.items;
    return (long)l.n;
}
