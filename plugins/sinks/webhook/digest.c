/*
 * digest.c -- see digest.h. Flushing reads every waiting item into memory,
 * groups them by recipient key in order of first appearance (deterministic:
 * keys sort by sequence), then emits and deletes. Waiting items are bounded
 * by one day of non-immediate findings, so this stays small.
 */
#include "digest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

/* ------------------------------------------------------------------------ */
/* the cap                                                                   */

static int read_cap(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    struct cap_count *c = ctx;
    char buf[64];
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, value, len);
    buf[len] = '\0';
    long long period, sent;
    if (sscanf(buf, "%lld %lld", &period, &sent) == 2) {
        c->period = period;
        c->sent = sent;
    }
    return 0;
}

static char *cap_key(const char *key)
{
    size_t n = strlen(key) + 3;
    char *k = malloc(n);
    if (!k)
        abort();
    snprintf(k, n, "c/%s", key);
    return k;
}

static struct cap_count cap_load(const struct crmgov_host *host, const char *state_key)
{
    struct cap_count c = { CRMGOV_TIME_NONE, 0 };
    host->state_get(host, state_key, read_cap, &c);
    return c;
}

static int cap_store(const struct crmgov_host *host, const char *state_key,
                     const struct cap_count *c)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%" PRId64 " %" PRId64, c->period, c->sent);
    return host->state_put(host, state_key, buf, (size_t)n);
}

int digest_cap_take(const struct crmgov_host *host, const struct policy *p, const char *key,
                    crmgov_time at)
{
    char *state_key = cap_key(key);
    struct cap_count c = cap_load(host, state_key);
    int allowed = policy_cap_take(p, &c, at);
    if (allowed)
        cap_store(host, state_key, &c);
    free(state_key);
    return allowed;
}

static void cap_count_digest(const struct crmgov_host *host, const struct policy *p,
                             const char *key, crmgov_time at)
{
    char *state_key = cap_key(key);
    struct cap_count c = cap_load(host, state_key);
    policy_cap_digest(p, &c, at);
    cap_store(host, state_key, &c);
    free(state_key);
}

/* ------------------------------------------------------------------------ */
/* waiting items                                                             */

int digest_add(const struct crmgov_host *host, const struct recipient *r, cJSON *item)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", r->key);
    cJSON_AddItemToObject(o, "recipient", recipient_json(r));
    cJSON_AddItemToObject(o, "item", item);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char key[OUTBOX_KEY_SIZE];
    outbox_key(key, DIGEST_PREFIX, outbox_next_seq(host));
    int rc = text ? host->state_put(host, key, text, strlen(text)) : CRMGOV_ERROR;
    cJSON_free(text);
    return rc;
}

struct each_ctx {
    digest_item_fn fn;
    void *ctx;
};

static int visit_item(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    struct each_ctx *e = ctx;
    cJSON *o = cJSON_ParseWithLength(value, len);
    const cJSON *rkey = cJSON_GetObjectItemCaseSensitive(o, "key");
    const cJSON *recipient = cJSON_GetObjectItemCaseSensitive(o, "recipient");
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, "item");
    int rc = 0;
    if (cJSON_IsString(rkey) && cJSON_IsObject(recipient) && cJSON_IsObject(item))
        rc = e->fn(e->ctx, rkey->valuestring, recipient, item);
    cJSON_Delete(o);
    return rc;
}

int digest_each(const struct crmgov_host *host, digest_item_fn fn, void *ctx)
{
    struct each_ctx e = { fn, ctx };
    return host->state_scan(host, DIGEST_PREFIX, visit_item, &e);
}

/* ------------------------------------------------------------------------ */
/* flushing                                                                  */

struct group {
    struct recipient recipient;
    cJSON *items;
};

struct grouping {
    struct group *groups;
    size_t n, cap;
    char **keys;                /* state keys of the items, to delete */
    size_t n_keys, cap_keys;
};

static struct group *group_for(struct grouping *g, const char *key, const cJSON *recipient)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->groups[i].recipient.key, key) == 0)
            return &g->groups[i];
    struct recipient r;
    if (recipient_from_json(recipient, key, &r) != 0)
        return NULL;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->groups = realloc(g->groups, g->cap * sizeof(*g->groups));
        if (!g->groups)
            abort();
    }
    g->groups[g->n] = (struct group){ r, cJSON_CreateArray() };
    return &g->groups[g->n++];
}

static void remember_key(struct grouping *g, const char *key)
{
    if (g->n_keys == g->cap_keys) {
        g->cap_keys = g->cap_keys ? g->cap_keys * 2 : 16;
        g->keys = realloc(g->keys, g->cap_keys * sizeof(*g->keys));
        if (!g->keys)
            abort();
    }
    g->keys[g->n_keys] = strdup(key);
    if (!g->keys[g->n_keys])
        abort();
    g->n_keys++;
}

static int group_item(void *ctx, const char *state_key, const void *value, size_t len)
{
    struct grouping *g = ctx;
    remember_key(g, state_key);
    cJSON *o = cJSON_ParseWithLength(value, len);
    const cJSON *rkey = cJSON_GetObjectItemCaseSensitive(o, "key");
    const cJSON *recipient = cJSON_GetObjectItemCaseSensitive(o, "recipient");
    cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(o, "item");
    struct group *grp = cJSON_IsString(rkey) && cJSON_IsObject(item)
                            ? group_for(g, rkey->valuestring, recipient)
                            : NULL;
    if (grp)
        cJSON_AddItemToArray(grp->items, item);
    else
        cJSON_Delete(item); /* unreadable: dropped with its key */
    cJSON_Delete(o);
    return 0;
}

static void grouping_free(struct grouping *g)
{
    for (size_t i = 0; i < g->n; i++) {
        recipient_clear(&g->groups[i].recipient);
        cJSON_Delete(g->groups[i].items);
    }
    for (size_t i = 0; i < g->n_keys; i++)
        free(g->keys[i]);
    free(g->groups);
    free(g->keys);
}

crmgov_time digest_next(const struct crmgov_host *host)
{
    int64_t next = CRMGOV_TIME_NONE;
    outbox_get_int(host, "next_digest", &next);
    return next;
}

int digest_flush_due(const struct crmgov_host *host, const struct policy *p, crmgov_time now,
                     digest_emit_fn emit, void *ctx)
{
    if (now == CRMGOV_TIME_NONE)
        return 0;
    crmgov_time next = digest_next(host);
    if (next != CRMGOV_TIME_NONE && now < next)
        return 0;
    crmgov_time boundary = policy_period_start(p, now);
    outbox_put_int(host, "next_digest", boundary + POLICY_DAY_MS);
    if (next == CRMGOV_TIME_NONE)
        return 0; /* the first event: nothing can be waiting yet */
    struct grouping g = { 0 };
    host->state_scan(host, DIGEST_PREFIX, group_item, &g);
    int emitted = 0;
    for (size_t i = 0; i < g.n; i++) {
        if (emit(ctx, &g.groups[i].recipient, g.groups[i].items, boundary) == CRMGOV_OK)
            emitted++;
        cap_count_digest(host, p, g.groups[i].recipient.key, boundary);
    }
    for (size_t i = 0; i < g.n_keys; i++)
        host->state_delete(host, g.keys[i]);
    grouping_free(&g);
    return emitted;
}
