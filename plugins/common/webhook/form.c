/*
 * form.c -- application/x-www-form-urlencoded bodies as JSON, the way
 * Bitrix24 posts its outbound events: PHP-style keys ("auth[domain]",
 * "data[FIELDS][ID]", "list[]") become nested objects and arrays, so the
 * connector reads one shape whether the CRM posted a form or JSON.
 *
 * The body is untrusted: bytes that are not printable text, brackets that do
 * not close, nesting deeper than 8 or more than 2000 pairs make it no form
 * at all (NULL), and a key that collides with a value of another shape keeps
 * the first one. Percent-decoding is libmicrohttpd's.
 */
#include "webhook.h"

#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define FORM_MAX_DEPTH 8
#define FORM_MAX_PAIRS 2000

/* Decodes '+' and %XX in place (NUL-terminated). */
static void form_decode(char *text)
{
    for (char *p = text; *p; p++)
        if (*p == '+')
            *p = ' ';
    MHD_http_unescape(text);
}

/* Splits "a[b][]" into segments {"a","b",""}; -1 on a malformed key. */
static int split_key(char *key, char **parts, int max)
{
    int n = 0;
    char *open = strchr(key, '[');
    if (open == key)
        return -1;
    if (open)
        *open = '\0';
    parts[n++] = key;
    while (open) {
        char *seg = open + 1;
        char *close = strchr(seg, ']');
        if (!close || n >= max)
            return -1;
        *close = '\0';
        parts[n++] = seg;
        if (close[1] == '\0')
            break;
        if (close[1] != '[')
            return -1;
        open = close + 1;
    }
    return n;
}

/* The container at parts[i] under parent, created with the shape the next
 * segment asks for; NULL when an existing item has another shape. */
static cJSON *child(cJSON *parent, const char *name, int want_array)
{
    cJSON *existing = NULL;
    if (cJSON_IsObject(parent) && name[0])
        existing = cJSON_GetObjectItemCaseSensitive(parent, name);
    if (existing)
        return (want_array ? cJSON_IsArray(existing) : cJSON_IsObject(existing)) ? existing
                                                                                 : NULL;
    cJSON *made = want_array ? cJSON_CreateArray() : cJSON_CreateObject();
    if (cJSON_IsArray(parent))
        cJSON_AddItemToArray(parent, made);
    else
        cJSON_AddItemToObject(parent, name, made);
    return made;
}

static void put_value(cJSON *root, char **parts, int n, const char *value)
{
    cJSON *at = root;
    for (int i = 0; i + 1 < n && at; i++)
        at = child(at, parts[i], parts[i + 1][0] == '\0');
    if (!at)
        return;
    const char *leaf = parts[n - 1];
    if (cJSON_IsArray(at))
        cJSON_AddItemToArray(at, cJSON_CreateString(value));
    else if (leaf[0] && !cJSON_GetObjectItemCaseSensitive(at, leaf))
        cJSON_AddItemToObject(at, leaf, cJSON_CreateString(value));
}

static int printable(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
            return 0;
    }
    return 1;
}

static int add_pair(cJSON *root, char *pair)
{
    char *eq = strchr(pair, '=');
    char *value = eq ? eq + 1 : pair + strlen(pair);
    if (eq)
        *eq = '\0';
    form_decode(pair);
    form_decode(value);
    if (!pair[0])
        return 0;
    char *parts[FORM_MAX_DEPTH + 1];
    int n = split_key(pair, parts, FORM_MAX_DEPTH + 1);
    if (n < 0)
        return -1;
    put_value(root, parts, n, value);
    return 0;
}

cJSON *wh_form_parse(const char *body, size_t len)
{
    if (!printable(body, len))
        return NULL;
    char *text = malloc(len + 1);
    if (!text)
        return NULL;
    memcpy(text, body, len);
    text[len] = '\0';
    cJSON *root = cJSON_CreateObject();
    int pairs = 0, bad = 0;
    char *save = NULL;
    for (char *pair = strtok_r(text, "&\r\n", &save); pair && !bad;
         pair = strtok_r(NULL, "&\r\n", &save)) {
        if (++pairs > FORM_MAX_PAIRS || add_pair(root, pair) < 0)
            bad = 1;
    }
    free(text);
    if (bad) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
