/*
 * gen_util.c -- growable buffer, canonical JSON string escaping and civil
 * calendar conversion for the dataset generator (see gen_util.h).
 *
 * The calendar functions use the well-known days-from-civil arithmetic on
 * 400-year eras, so they are exact for any year the generator can reach
 * without tables or the C library's time zone machinery.
 */
#include "gen_util.h"

#include <stdio.h>
#include <stdlib.h>

void gen_buf_free(gen_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void gen_buf_grow(gen_buf *b, size_t extra)
{
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    char *p = realloc(b->data, cap + 1); /* +1 keeps room for gen_buf_cstr */
    if (!p) {
        fputs("crmgov-gen: out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void gen_buf_put_int(gen_buf *b, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    if (b->len + (size_t)n > b->cap)
        gen_buf_grow(b, (size_t)n);
    while (n)
        b->data[b->len++] = tmp[--n];
}

void gen_buf_put_json_string(gen_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    gen_buf_putc(b, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        gen_buf_put(b, run, (size_t)(s - run));
        run = s + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            gen_buf_put(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            gen_buf_put(b, esc, 6);
        }
    }
    gen_buf_put(b, run, (size_t)(s - run));
    gen_buf_putc(b, '"');
}

const char *gen_buf_cstr(gen_buf *b)
{
    if (!b->data)
        gen_buf_grow(b, 1);
    b->data[b->len] = '\0';
    return b->data;
}

int64_t gen_days_from_civil(int year, unsigned month, unsigned day)
{
    int64_t y = (int64_t)year - (month <= 2);
    /* cppcheck-suppress knownConditionTrueFalse ; general for any year */
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void gen_civil_from_days(int64_t days, int *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int gen_parse_date(const char *text, int64_t *days_out)
{
    int y, m, d;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    if (parse_digits(text, 4, &y) || parse_digits(text + 5, 2, &m) ||
        parse_digits(text + 8, 2, &d))
        return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    int64_t days = gen_days_from_civil(y, (unsigned)m, (unsigned)d);
    int ry;
    unsigned rm, rd;
    gen_civil_from_days(days, &ry, &rm, &rd);
    if (ry != y || (int)rm != m || (int)rd != d)
        return -1; /* e.g. 2026-02-30 */
    *days_out = days;
    return 0;
}

void gen_clock_text_init(gen_clock_text *c)
{
    c->day = INT64_MIN;
    memset(c->date, 0, sizeof c->date);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void gen_buf_put_time(gen_buf *b, gen_clock_text *c, int64_t at)
{
    int64_t day = at >= 0 ? at / 86400 : (at - 86399) / 86400;
    int64_t sec = at - day * 86400;
    if (day != c->day) {
        int y;
        unsigned m, d;
        gen_civil_from_days(day, &y, &m, &d);
        put2(c->date, (unsigned)(y / 100 % 100));
        put2(c->date + 2, (unsigned)(y % 100));
        c->date[4] = '-';
        put2(c->date + 5, m);
        c->date[7] = '-';
        put2(c->date + 8, d);
        c->day = day;
    }
    char out[20];
    memcpy(out, c->date, 10);
    out[10] = 'T';
    put2(out + 11, (unsigned)(sec / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(sec / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(sec % 60));
    out[19] = 'Z';
    gen_buf_put(b, out, 20);
}
