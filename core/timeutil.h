/*
 * timeutil.h -- event times, durations and sizes as text.
 *
 * Event time is milliseconds since the Unix epoch, UTC (crmgov_time). Parsing
 * is strict RFC 3339 because a lenient parser would let two spellings of one
 * instant hash or compare differently; formatting always writes UTC with `Z`.
 * Durations (`15m`, `90d`, `1h30m`) and sizes (`64k`, `1M`) are the units the
 * configuration speaks.
 */
#ifndef CRMGOV_TIMEUTIL_H
#define CRMGOV_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/model.h"

#define MS_PER_SECOND 1000LL
#define MS_PER_MINUTE (60LL * MS_PER_SECOND)
#define MS_PER_HOUR (60LL * MS_PER_MINUTE)
#define MS_PER_DAY (24LL * MS_PER_HOUR)

/* CRMGOV_TIME_NONE when text is not an RFC 3339 date-time. */
crmgov_time time_parse_rfc3339(const char *text);
/* Also accepts a plain date (2026-03-01 = its midnight UTC). */
crmgov_time time_parse_date_or_time(const char *text);
/* "2026-03-01T09:30:00Z", with ".250" when the milliseconds are not zero. */
const char *time_format_rfc3339(crmgov_time t, char buf[32]);
/* "2026-03-01". */
const char *time_format_date(crmgov_time t, char buf[16]);
/* Midnight UTC of the day holding t. */
crmgov_time time_day_start(crmgov_time t);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/* Milliseconds, or -1 when invalid. "0" is allowed without a unit. */
int64_t duration_parse(const char *text);
/* Shortest exact spelling: 90d, 1h30m, 250ms, 0. */
const char *duration_format(int64_t ms, char buf[48]);

/* Bytes, or -1 when invalid (k/M/G/T are powers of 1024; "KiB", "MB" also). */
int64_t size_parse(const char *text);
const char *size_format(int64_t bytes, char buf[32]);

/* Wall clock, for logs and measurements only -- never for rules. */
int64_t wall_clock_ms(void);
int64_t monotonic_ms(void);

#endif
