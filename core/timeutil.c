/*
 * timeutil.c -- RFC 3339, durations and sizes; see timeutil.h.
 *
 * Calendar arithmetic is done with the days-from-civil method on integers, so
 * there is no dependency on the TZ environment or on timegm's range.
 */
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int parse_date(const char **p, int *y, int *mo, int *d)
{
    if (digits(p, 4, y) || **p != '-')
        return -1;
    (*p)++;
    if (digits(p, 2, mo) || **p != '-')
        return -1;
    (*p)++;
    if (digits(p, 2, d))
        return -1;
    if (*mo < 1 || *mo > 12 || *d < 1 || (unsigned)*d > month_days(*y, (unsigned)*mo))
        return -1;
    return 0;
}

static int parse_fraction_ms(const char **p, int *ms)
{
    *ms = 0;
    if (**p != '.')
        return 0;
    (*p)++;
    int n = 0;
    while (isdigit((unsigned char)**p)) {
        if (n < 3)
            *ms = *ms * 10 + (**p - '0');
        n++;
        (*p)++;
    }
    if (n == 0)
        return -1;
    for (int i = n; i < 3; i++)
        *ms *= 10;
    return 0;
}

static int parse_offset_minutes(const char **p, int *minutes)
{
    char c = **p;
    if (c == 'Z' || c == 'z') {
        (*p)++;
        *minutes = 0;
        return 0;
    }
    if (c != '+' && c != '-')
        return -1;
    (*p)++;
    int h, m;
    if (digits(p, 2, &h) || **p != ':')
        return -1;
    (*p)++;
    if (digits(p, 2, &m) || h > 23 || m > 59)
        return -1;
    *minutes = (c == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

crmgov_time time_parse_rfc3339(const char *text)
{
    const char *p = text;
    int y, mo, d, h, mi, s, ms, off;
    if (!text || parse_date(&p, &y, &mo, &d))
        return CRMGOV_TIME_NONE;
    if (*p != 'T' && *p != 't')
        return CRMGOV_TIME_NONE;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &s))
        return CRMGOV_TIME_NONE;
    if (h > 23 || mi > 59 || s > 60)
        return CRMGOV_TIME_NONE;
    if (parse_fraction_ms(&p, &ms) || parse_offset_minutes(&p, &off) || *p)
        return CRMGOV_TIME_NONE;
    if (s == 60) /* a leap second is held at the last millisecond of its minute */
        s = 59, ms = 999;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - (int64_t)off * 60;
    return secs * 1000 + ms;
}

crmgov_time time_parse_date_or_time(const char *text)
{
    const char *p = text;
    int y, mo, d;
    if (text && strlen(text) == 10 && parse_date(&p, &y, &mo, &d) == 0)
        return days_from_civil(y, (unsigned)mo, (unsigned)d) * MS_PER_DAY;
    return time_parse_rfc3339(text);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

const char *time_format_rfc3339(crmgov_time t, char buf[32])
{
    int64_t days = floor_div(t, MS_PER_DAY);
    int64_t rest = t - days * MS_PER_DAY;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(rest / MS_PER_HOUR), mi = (int)(rest / MS_PER_MINUTE % 60);
    int s = (int)(rest / 1000 % 60), ms = (int)(rest % 1000);
    if (ms)
        snprintf(buf, 32, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d, h, mi,
                 s, ms);
    else
        snprintf(buf, 32, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, h, mi, s);
    return buf;
}

const char *time_format_date(crmgov_time t, char buf[16])
{
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(t, MS_PER_DAY), &y, &m, &d);
    snprintf(buf, 16, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
}

crmgov_time time_day_start(crmgov_time t)
{
    return floor_div(t, MS_PER_DAY) * MS_PER_DAY;
}

static const struct {
    const char *suffix;
    int64_t ms;
} duration_units[] = {
    { "ms", 1 }, { "s", MS_PER_SECOND }, { "m", MS_PER_MINUTE }, { "h", MS_PER_HOUR },
    { "d", MS_PER_DAY }, { "w", 7 * MS_PER_DAY },
};

int64_t duration_parse(const char *text)
{
    if (!text || !*text)
        return -1;
    if (strcmp(text, "0") == 0)
        return 0;
    const char *p = text;
    int64_t total = 0;
    size_t n_units = sizeof(duration_units) / sizeof(duration_units[0]);
    size_t last_unit = n_units;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        int64_t n = 0;
        while (isdigit((unsigned char)*p)) {
            if (n > INT64_MAX / 10 - 10)
                return -1;
            n = n * 10 + (*p++ - '0');
        }
        size_t u;
        for (u = 0; u < n_units; u++) {
            size_t len = strlen(duration_units[u].suffix);
            if (strncmp(p, duration_units[u].suffix, len) == 0 &&
                !(u == 2 && p[1] == 's')) /* "m" must not eat the "m" of "ms" */
                break;
        }
        if (u == n_units)
            return -1;
        /* units must go from large to small: 1h30m, not 30m1h */
        if (last_unit != n_units && u >= last_unit)
            return -1;
        last_unit = u;
        p += strlen(duration_units[u].suffix);
        if (n > (INT64_MAX - total) / duration_units[u].ms)
            return -1;
        total += n * duration_units[u].ms;
    }
    return total;
}

const char *duration_format(int64_t ms, char buf[48])
{
    if (ms <= 0) {
        snprintf(buf, 48, "0");
        return buf;
    }
    size_t used = 0;
    buf[0] = '\0';
    static const int order[] = { 4, 3, 2, 1, 0 }; /* d h m s ms; weeks read as days */
    for (size_t i = 0; i < 5; i++) {
        int64_t unit = duration_units[order[i]].ms;
        if (ms >= unit) {
            used += (size_t)snprintf(buf + used, 48 - used, "%lld%s", (long long)(ms / unit),
                                     duration_units[order[i]].suffix);
            ms %= unit;
        }
    }
    return buf;
}

int64_t size_parse(const char *text)
{
    if (!text || !isdigit((unsigned char)*text))
        return -1;
    const char *p = text;
    int64_t n = 0;
    while (isdigit((unsigned char)*p)) {
        if (n > INT64_MAX / 10 - 10)
            return -1;
        n = n * 10 + (*p++ - '0');
    }
    static const struct {
        const char *suffix;
        int shift;
    } units[] = { { "", 0 }, { "b", 0 }, { "B", 0 }, { "k", 10 }, { "K", 10 }, { "KB", 10 },
                  { "KiB", 10 }, { "kB", 10 }, { "M", 20 }, { "m", 20 }, { "MB", 20 },
                  { "MiB", 20 }, { "G", 30 }, { "g", 30 }, { "GB", 30 }, { "GiB", 30 },
                  { "T", 40 }, { "TB", 40 }, { "TiB", 40 } };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].suffix) == 0) {
            if (n > (INT64_MAX >> units[i].shift))
                return -1;
            return n << units[i].shift;
        }
    }
    return -1;
}

const char *size_format(int64_t bytes, char buf[32])
{
    static const char *const suffix[] = { "", "k", "M", "G", "T" };
    int i = 0;
    while (i < 4 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        i++;
    }
    snprintf(buf, 32, "%lld%s", (long long)bytes, suffix[i]);
    return buf;
}

int64_t wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
