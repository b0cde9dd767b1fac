/*
 * policy.c -- see policy.h. Period arithmetic uses floor division so that
 * times before 1970 (they never occur, but a test may use them) still land
 * in the right period.
 */
#include "policy.h"

#include <ctype.h>
#include <string.h>

static const char *const mode_names[] = { "immediate", "digest", "off" };

int policy_mode_parse(const char *text)
{
    for (int i = 0; text && i < 3; i++)
        if (strcmp(mode_names[i], text) == 0)
            return i;
    return -1;
}

static int two_digits(const char *s, int max)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return -1;
    int v = (s[0] - '0') * 10 + (s[1] - '0');
    return v <= max ? v : -1;
}

int64_t policy_time_of_day(const char *text)
{
    if (!text || strlen(text) != 5 || text[2] != ':')
        return -1;
    int h = two_digits(text, 23), m = two_digits(text + 3, 59);
    if (h < 0 || m < 0)
        return -1;
    return ((int64_t)h * 60 + m) * 60000;
}

enum delivery_mode policy_mode(const struct policy *p, int severity)
{
    if (severity < 0)
        severity = 0;
    if (severity >= POLICY_SEVERITIES)
        severity = POLICY_SEVERITIES - 1;
    return p->mode[severity];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

crmgov_time policy_period_start(const struct policy *p, crmgov_time at)
{
    return floor_div(at - p->digest_at_ms, POLICY_DAY_MS) * POLICY_DAY_MS + p->digest_at_ms;
}

crmgov_time policy_next_boundary(const struct policy *p, crmgov_time at)
{
    return policy_period_start(p, at) + POLICY_DAY_MS;
}

static void cap_roll(const struct policy *p, struct cap_count *c, crmgov_time at)
{
    crmgov_time period = policy_period_start(p, at);
    if (c->period != CRMGOV_TIME_NONE && period < c->period)
        period = c->period; /* a late event counts in the period already open */
    if (c->period != period) {
        c->period = period;
        c->sent = 0;
    }
}

int policy_cap_take(const struct policy *p, struct cap_count *c, crmgov_time at)
{
    cap_roll(p, c, at);
    if (c->sent >= p->max_per_day)
        return 0;
    c->sent++;
    return 1;
}

void policy_cap_digest(const struct policy *p, struct cap_count *c, crmgov_time at)
{
    cap_roll(p, c, at);
    c->sent++;
}
