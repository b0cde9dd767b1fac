/*
 * ledger.c -- see ledger.h. The ledger is small (one entry per definition
 * and principal of one CRM) and lives as long as the plugin instance.
 */
#include "ledger.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int load_entry(void *ctx, const char *key, const void *value, size_t len)
{
    struct ledger *l = ctx;
    char *text = malloc(len + 1);
    if (!text)
        return 1;
    memcpy(text, value, len);
    text[len] = '\0';
    keymap_put(&l->seen, key, text);
    free(text);
    return 0;
}

int ledger_open(struct ledger *l, const struct crmgov_host *host)
{
    l->host = host;
    keymap_init(&l->seen);
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        host->set_error(host, "cannot create a lock");
        return -1;
    }
    if (host->state_scan(host, "", load_entry, l) < 0) {
        host->set_error(host, "cannot read the saved state of this instance");
        pthread_mutex_destroy(&l->lock);
        keymap_free(&l->seen);
        return -1;
    }
    return 0;
}

void ledger_close(struct ledger *l)
{
    pthread_mutex_destroy(&l->lock);
    keymap_free(&l->seen);
}

int ledger_report(struct ledger *l, const char *key, const char *fingerprint, cJSON *event,
                  const char *source)
{
    pthread_mutex_lock(&l->lock);
    const char *known = keymap_get(&l->seen, key);
    int rc = 0;
    if (known && strcmp(known, fingerprint) == 0) {
        cJSON_Delete(event);
    } else {
        /* A dead letter is an answer too: the core recorded why it refused
         * this revision, and asking again before it changes would only
         * repeat that. */
        rc = event_publish(l->host, event, source);
        if (rc == CRMGOV_OK || rc == 1) {
            l->host->checkpoint(l->host, key, fingerprint, strlen(fingerprint));
            keymap_put(&l->seen, key, fingerprint);
            rc = rc == CRMGOV_OK ? 1 : 2;
        }
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

int ledger_dead_letter(struct ledger *l, const char *key, const char *fingerprint,
                       const char *source, const char *reason, const char *raw, size_t len)
{
    pthread_mutex_lock(&l->lock);
    const char *known = keymap_get(&l->seen, key);
    int fresh = !known || strcmp(known, fingerprint) != 0;
    if (fresh) {
        l->host->deadletter(l->host, source, 0, reason, raw, len);
        l->host->checkpoint(l->host, key, fingerprint, strlen(fingerprint));
        keymap_put(&l->seen, key, fingerprint);
    }
    pthread_mutex_unlock(&l->lock);
    return fresh;
}

char *ledger_lookup(struct ledger *l, const char *key)
{
    pthread_mutex_lock(&l->lock);
    const char *v = keymap_get(&l->seen, key);
    char *copy = v ? strdup(v) : NULL;
    pthread_mutex_unlock(&l->lock);
    return copy;
}

void ledger_each(struct ledger *l, const char *prefix,
                 void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    pthread_mutex_lock(&l->lock);
    keymap_each(&l->seen, prefix, fn, ctx);
    pthread_mutex_unlock(&l->lock);
}

crmgov_time wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (crmgov_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cJSON *event_new(const struct crmgov_host *host, const char *type, const char *system,
                 crmgov_time at)
{
    char when[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddStringToObject(o, "system", system);
    cJSON_AddStringToObject(o, "at",
                            host->time_format(at == CRMGOV_TIME_NONE ? wall_clock_ms() : at,
                                              when));
    return o;
}

int event_publish(const struct crmgov_host *host, cJSON *event, const char *source)
{
    char *line = cJSON_PrintUnformatted(event);
    cJSON_Delete(event);
    if (!line)
        return CRMGOV_ERROR;
    int rc = host->publish_json(host, line, strlen(line), source, 0);
    cJSON_free(line);
    return rc;
}

static int copy_inventory(void *ctx, const struct crmgov_inventory_item *item)
{
    cJSON *event = ctx;
    const struct crmgov_automation *a = item->automation;
    cJSON *def = cJSON_Parse(a->definition_json);
    if (!def)
        return 1;
    cJSON_AddStringToObject(event, "id", a->id);
    cJSON_AddStringToObject(event, "name", a->name);
    for (cJSON *m = def->child; m;) {
        cJSON *next = m->next;
        cJSON_AddItemToObject(event, m->string, cJSON_DetachItemViaPointer(def, m));
        m = next;
    }
    cJSON_Delete(def);
    cJSON_AddStringToObject(event, "status", "deleted");
    cJSON *attrs = a->attributes_json ? cJSON_Parse(a->attributes_json) : NULL;
    if (cJSON_IsObject(attrs))
        cJSON_AddItemToObject(event, "attributes", attrs);
    else
        cJSON_Delete(attrs);
    return 0;
}

cJSON *event_deleted_automation(const struct crmgov_host *host, const char *system,
                                const char *id, crmgov_time at)
{
    cJSON *ev = event_new(host, "automation", system, at);
    if (host->inventory_get(host, system, id, copy_inventory, ev) != 0 ||
        !cJSON_GetObjectItemCaseSensitive(ev, "id")) {
        cJSON_Delete(ev);
        return NULL;
    }
    return ev;
}
