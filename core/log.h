/*
 * log.h -- the core's logger: levels, text or JSON lines, to stderr.
 *
 * One process-wide logger (a core singleton): its level and format come from
 * the command line or [core], and every plugin message goes through it with
 * the instance name attached, so an admin can grep one plugin's lines.
 */
#ifndef CRMGOV_LOG_H
#define CRMGOV_LOG_H

#include <stdarg.h>

#include "crmgov/host.h"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_configure(enum crmgov_log_level level, enum log_format format);
enum crmgov_log_level log_level(void);
int log_parse_level(const char *text, enum crmgov_log_level *out);
int log_parse_format(const char *text, enum log_format *out);

/* who: "core", or a plugin instance such as "connector:demo". */
void log_msg(enum crmgov_log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum crmgov_log_level level, const char *who, const char *fmt, va_list ap);

#define log_error(...) log_msg(CRMGOV_LOG_ERROR, "core", __VA_ARGS__)
#define log_warn(...) log_msg(CRMGOV_LOG_WARN, "core", __VA_ARGS__)
#define log_info(...) log_msg(CRMGOV_LOG_INFO, "core", __VA_ARGS__)
#define log_debug(...) log_msg(CRMGOV_LOG_DEBUG, "core", __VA_ARGS__)

#endif
