/*
 * aud_rows.c -- the audit layer's persisted shapes: UTC day numbers and
 * their text, state-row keys ("d/DAY/SYSTEM/AUTOMATION", names escaped so
 * any id is safe in a prefix scan) and the fixed little-endian row value.
 * Pure functions, shared by the rules, the snapshot and the commands.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"

/* ------------------------------------------------------------------------ */
/* days and keys                                                             */

void aud_day_text(int32_t day, char out[11])
{
    /* civil-from-days (proleptic Gregorian), valid for any int32 day */
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, 11, "0000-00-00");
        return;
    }
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

int32_t aud_day_parse(const char *text)
{
    int y, m, d;
    char tail;
    if (!text || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        m < 1 || m > 12 || d < 1 || d > 31)
        return INT32_MIN;
    /* days-from-civil */
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int32_t day = (int32_t)(era * 146097 + doe - 719468);
    char check[11];
    aud_day_text(day, check);
    return strcmp(check, text) == 0 ? day : INT32_MIN; /* refuses 2026-02-30 */
}

static void put_escaped(char **p, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '/' || c == '%' || c < 0x20) {
            sprintf(*p, "%%%02X", c);
            *p += 3;
        } else {
            *(*p)++ = (char)c;
        }
    }
}

char *aud_row_key(char kind, int32_t day, const char *system, const char *name)
{
    char *key = aud_realloc(NULL, 16 + 3 * (strlen(system) + strlen(name)));
    char *p = key;
    *p++ = kind;
    *p++ = '/';
    aud_day_text(day, p);
    p += 10;
    *p++ = '/';
    put_escaped(&p, system);
    *p++ = '/';
    put_escaped(&p, name);
    *p = '\0';
    return key;
}

char *aud_row_escape(const char *name, size_t *len)
{
    char *out = aud_realloc(NULL, 3 * strlen(name) + 1), *p = out;
    put_escaped(&p, name);
    *p = '\0';
    *len = (size_t)(p - out);
    return out;
}

static char *unescape(const char *s, size_t len)
{
    char *out = aud_realloc(NULL, len + 1), *p = out;
    for (size_t i = 0; i < len; i++) {
        unsigned int c;
        if (s[i] == '%' && i + 2 < len && sscanf(s + i + 1, "%2x", &c) == 1) {
            *p++ = (char)c;
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return out;
}

int aud_row_key_parse(const char *key, char *kind, int32_t *day, char **system, char **name)
{
    if (!key || strlen(key) < 15 || key[1] != '/' || key[12] != '/')
        return -1;
    char text[11];
    memcpy(text, key + 2, 10);
    text[10] = '\0';
    *day = aud_day_parse(text);
    const char *rest = key + 13, *slash = strchr(rest, '/');
    if (*day == INT32_MIN || !slash)
        return -1;
    *kind = key[0];
    *system = unescape(rest, (size_t)(slash - rest));
    *name = unescape(slash + 1, strlen(slash + 1));
    return 0;
}

/* ------------------------------------------------------------------------ */
/* row values                                                                */

#define ROW_VERSION 1u

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void aud_row_encode(const struct aud_day *d, unsigned char out[AUD_ROW_SIZE])
{
    const uint32_t v[11] = { ROW_VERSION, d->touched, d->conversions, d->matches, d->misses,
                             d->no_trigger, d->wrong_object, d->cohort_touched,
                             d->cohort_converted, d->last_exec_ms, d->spike };
    for (int i = 0; i < 11; i++)
        put32(out + 4 * i, v[i]);
}

int aud_row_decode(const void *blob, size_t len, struct aud_day *d)
{
    const unsigned char *p = blob;
    if (len < AUD_ROW_SIZE || get32(p) != ROW_VERSION)
        return -1;
    d->touched = get32(p + 4);
    d->conversions = get32(p + 8);
    d->matches = get32(p + 12);
    d->misses = get32(p + 16);
    d->no_trigger = get32(p + 20);
    d->wrong_object = get32(p + 24);
    d->cohort_touched = get32(p + 28);
    d->cohort_converted = get32(p + 32);
    d->last_exec_ms = get32(p + 36);
    d->spike = get32(p + 40) & 1; /* flags: bit 0 = a spike day */
    return 0;
}

