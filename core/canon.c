/*
 * canon.c -- canonical JSON writer and definition hash; see canon.h.
 *
 * Works on cJSON trees so that members a connector adds beyond the model
 * (unknown action fields, say) are hashed exactly as they arrived.
 */
#include "canon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void write_string(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    sb_addc(sb, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        sb_add(sb, run, (size_t)(s - run));
        if (c == '"' || c == '\\') {
            sb_addc(sb, '\\');
            sb_addc(sb, (char)c);
        } else {
            char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
            sb_add(sb, esc, 6);
        }
        run = s + 1;
    }
    sb_add(sb, run, (size_t)(s - run));
    sb_addc(sb, '"');
}

static void write_number(struct strbuf *sb, double v)
{
    if (v == 0) {
        sb_addc(sb, '0'); /* -0 too: JSON has one zero */
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        sb_addf(sb, "%lld", (long long)v);
        return;
    }
    char buf[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, sizeof(buf), "%.*g", precision, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    sb_adds(sb, buf);
}

static int compare_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

static int write_object(struct strbuf *sb, const cJSON *item)
{
    size_t n = (size_t)cJSON_GetArraySize(item), i = 0;
    const cJSON **members = xcalloc(n ? n : 1, sizeof(*members));
    for (const cJSON *c = item->child; c; c = c->next)
        members[i++] = c;
    qsort(members, n, sizeof(*members), compare_keys);
    int rc = 0;
    sb_addc(sb, '{');
    for (i = 0; i < n && rc == 0; i++) {
        if (i && strcmp(members[i - 1]->string, members[i]->string) == 0) {
            rc = -1;
            break;
        }
        if (i)
            sb_addc(sb, ',');
        write_string(sb, members[i]->string);
        sb_addc(sb, ':');
        rc = canon_write(sb, members[i]);
    }
    sb_addc(sb, '}');
    free(members);
    return rc;
}

cJSON *json_parse_exact(const char *text, size_t len, size_t *error_at, int *trailing)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    *trailing = 0;
    if (!root) {
        *error_at = (end && end >= text ? (size_t)(end - text) : 0) + 1;
        return NULL;
    }
    for (const char *c = end; c < text + len; c++) {
        if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n') {
            cJSON_Delete(root);
            *error_at = (size_t)(c - text) + 1;
            *trailing = 1;
            return NULL;
        }
    }
    return root;
}

int canon_write(struct strbuf *sb, const cJSON *item)
{
    switch (item->type & 0xff) {
    case cJSON_NULL:
        sb_adds(sb, "null");
        return 0;
    case cJSON_False:
        sb_adds(sb, "false");
        return 0;
    case cJSON_True:
        sb_adds(sb, "true");
        return 0;
    case cJSON_Number:
        write_number(sb, item->valuedouble);
        return 0;
    case cJSON_String:
        write_string(sb, item->valuestring);
        return 0;
    case cJSON_Raw:
        sb_adds(sb, item->valuestring);
        return 0;
    case cJSON_Array: {
        sb_addc(sb, '[');
        int rc = 0;
        for (const cJSON *c = item->child; c && rc == 0; c = c->next) {
            if (c != item->child)
                sb_addc(sb, ',');
            rc = canon_write(sb, c);
        }
        sb_addc(sb, ']');
        return rc;
    }
    case cJSON_Object:
        return write_object(sb, item);
    default:
        return -1;
    }
}

void canon_string_array(struct strbuf *sb, const char *const *items, size_t n)
{
    sb_addc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(sb, ',');
        write_string(sb, items[i] ? items[i] : "");
    }
    sb_addc(sb, ']');
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    hex_encode(digest, sizeof(digest), hex);
}

/* The trigger without `fields` when it is absent or empty. */
static cJSON *definition_trigger(const cJSON *trigger)
{
    cJSON *copy = cJSON_Duplicate(trigger, 1);
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(copy, "fields");
    if (fields && (cJSON_IsNull(fields) || (cJSON_IsArray(fields) && !fields->child)))
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "fields");
    return copy;
}

static cJSON *member_or(const cJSON *o, const char *name, cJSON *fallback)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    if (m && !cJSON_IsNull(m)) {
        cJSON_Delete(fallback);
        return cJSON_Duplicate(m, 1);
    }
    return fallback;
}

int canon_definition(const cJSON *automation, struct strbuf *json, char hex[65],
                     const char **why)
{
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(automation, "object");
    const cJSON *trigger = cJSON_GetObjectItemCaseSensitive(automation, "trigger");
    if (!cJSON_IsString(object)) {
        *why = "'object' must be a string";
        return -1;
    }
    if (!cJSON_IsObject(trigger)) {
        *why = "'trigger' must be an object";
        return -1;
    }
    cJSON *def = cJSON_CreateObject();
    cJSON_AddItemToObject(def, "actions", member_or(automation, "actions", cJSON_CreateArray()));
    cJSON_AddItemToObject(def, "conditions",
                          member_or(automation, "conditions", cJSON_CreateArray()));
    cJSON_AddItemToObject(def, "kind",
                          member_or(automation, "kind", cJSON_CreateString("workflow")));
    cJSON_AddItemToObject(def, "object", cJSON_Duplicate(object, 1));
    cJSON_AddItemToObject(def, "trigger", definition_trigger(trigger));
    sb_reset(json);
    int rc = canon_write(json, def);
    cJSON_Delete(def);
    if (rc) {
        *why = "the definition repeats a key in one object";
        return -1;
    }
    sha256_hex(json->buf, json->len, hex);
    return 0;
}
