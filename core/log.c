/*
 * log.c -- levels and formats for the core's logger; see log.h.
 *
 * Text lines look like `crmgov: warn: [connector:demo] message` (no wall-clock
 * time, so test output is stable and journald adds its own); JSON lines carry
 * a wall-clock "ts" for shipping to a log store. A mutex keeps lines whole
 * when connector threads log at the same time.
 */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "timeutil.h"
#include "util.h"

static struct {
    enum crmgov_log_level level;
    enum log_format format;
    pthread_mutex_t lock;
} logger = { CRMGOV_LOG_INFO, LOG_FORMAT_TEXT, PTHREAD_MUTEX_INITIALIZER };

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_configure(enum crmgov_log_level level, enum log_format format)
{
    logger.level = level;
    logger.format = format;
}

enum crmgov_log_level log_level(void)
{
    return logger.level;
}

int log_parse_level(const char *text, enum crmgov_log_level *out)
{
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (enum crmgov_log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_parse_format(const char *text, enum log_format *out)
{
    if (strcmp(text, "text") == 0)
        *out = LOG_FORMAT_TEXT;
    else if (strcmp(text, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else
        return -1;
    return 0;
}

static void write_json_line(enum crmgov_log_level level, const char *who, const char *msg)
{
    char ts[32];
    time_format_rfc3339(wall_clock_ms(), ts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ts", ts);
    cJSON_AddStringToObject(o, "level", level_names[level]);
    cJSON_AddStringToObject(o, "who", who);
    cJSON_AddStringToObject(o, "msg", msg);
    char *line = cJSON_PrintUnformatted(o);
    if (line)
        fprintf(stderr, "%s\n", line);
    cJSON_free(line);
    cJSON_Delete(o);
}

void log_vmsg(enum crmgov_log_level level, const char *who, const char *fmt, va_list ap)
{
    if (level > logger.level || (unsigned)level >= ARRAY_LEN(level_names))
        return;
    struct strbuf sb = STRBUF_INIT;
    sb_vaddf(&sb, fmt, ap);
    pthread_mutex_lock(&logger.lock);
    if (logger.format == LOG_FORMAT_JSON)
        write_json_line(level, who, sb_str(&sb));
    else if (strcmp(who, "core") == 0)
        fprintf(stderr, "crmgov: %s: %s\n", level_names[level], sb_str(&sb));
    else
        fprintf(stderr, "crmgov: %s: [%s] %s\n", level_names[level], who, sb_str(&sb));
    pthread_mutex_unlock(&logger.lock);
    sb_free(&sb);
}

void log_msg(enum crmgov_log_level level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, who, fmt, ap);
    va_end(ap);
}
