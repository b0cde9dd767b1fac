/*
 * chg_defjson.c -- an automation definition from a file (change proposals,
 * `crmgov check`) into the model's struct crmgov_automation, so a proposal
 * is compiled and analysed exactly like an observed automation.
 *
 * The shape is the `automation` event of EVENTS.md without `type` and `at`;
 * `id` and `status` may be left out (status defaults to active), `system` is
 * kept for `crmgov check`. The core parses and validates it with the very
 * validator it applies to observed events (host->automation_parse) and
 * computes its definition hash, so a proposal approved here is matched to
 * what the CRM later shows, and its errors read like dead-letter reasons.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

/* What a chg_parsed owns: the core's parsed automation and the system. */
struct parsed_owner {
    const struct crmgov_host *host;
    const struct crmgov_automation *automation;
    char *system;
};

int chg_parse_definition(const struct crmgov_host *h, const cJSON *obj, struct chg_parsed *out,
                         char why[256])
{
    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (!cJSON_IsObject(obj)) {
        snprintf(why, 256, "an automation definition must be a JSON object");
        return -1;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    if (cJSON_IsString(id) && !id->valuestring[0]) {
        snprintf(why, 256, "field 'id' must not be empty");
        return -1;
    }
    const cJSON *system = cJSON_GetObjectItemCaseSensitive(obj, "system");
    if (system && !cJSON_IsNull(system) && !cJSON_IsString(system)) {
        snprintf(why, 256, "field 'system' must be a string");
        return -1;
    }
    char *json = cJSON_PrintUnformatted(obj);
    const struct crmgov_automation *a =
        json ? h->automation_parse(h, json, strlen(json), why, 256) : NULL;
    cJSON_free(json);
    if (!a)
        return -1;
    struct parsed_owner *owner = chg_xcalloc(1, sizeof(*owner));
    owner->host = h;
    owner->automation = a;
    owner->system = cJSON_IsString(system) ? chg_xstrdup(system->valuestring) : NULL;
    out->mem = owner;
    out->a = *a;
    if (!cJSON_IsString(id))
        out->a.id = NULL; /* left out: the caller decides whether it needs one */
    out->system = owner->system;
    snprintf(out->hash, sizeof(out->hash), "%s", a->definition_hash);
    out->a.definition_hash = out->hash;
    return 0;
}

void chg_parsed_free(struct chg_parsed *p)
{
    struct parsed_owner *owner = p->mem;
    if (owner) {
        owner->host->automation_free(owner->host, owner->automation);
        free(owner->system);
        free(owner);
    }
    memset(p, 0, sizeof(*p));
}

char *chg_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct chg_buf b = { 0 };
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk) - 1, f)) > 0) {
        if (memchr(chunk, '\0', n)) {
            fclose(f);
            chg_buf_free(&b);
            errno = EINVAL;
            return NULL;
        }
        chunk[n] = '\0';
        chg_buf_add(&b, chunk);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        chg_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (len)
        *len = b.len;
    return chg_buf_detach(&b);
}

cJSON *chg_parse_whole(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (doc && end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' ||
                                       *end == '\n'))
        end++;
    if (doc && end != text + len) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    return doc;
}
