/*
 * jsonl.c -- the `jsonl` connector: JSON Lines files (the canonical event
 * format of docs/events.md) into crmgov.
 *
 * One reader thread per instance. In batch mode (`crmgov run --once`) it
 * reads every file to its end and reports done. Otherwise it reads what is
 * there and, with `follow = true`, keeps polling like `tail -F`: appended
 * lines are read as they come, a file replaced under the same name (log
 * rotation) is finished and the new one read from its start, a file
 * truncated in place is read again from the start, and new files matching
 * the path are picked up.
 *
 * The connector does not parse JSON: publish_json() hands each line to the
 * core's single validator, which queues the event or records a dead letter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

static const struct crmgov_option jsonl_options[] = {
    { .name = "path", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
      .doc = "a file, a glob, a folder of *.jsonl / *.jsonl.gz, or - for standard input "
             "(relative to the configuration file)",
      .example = "events.jsonl" },
    { .name = "follow", .type = CRMGOV_OPT_BOOL, .default_value = "false",
      .doc = "keep reading appended lines and survive rotation, like tail -F" },
    { .name = "poll_interval", .type = CRMGOV_OPT_DURATION, .default_value = "250ms",
      .min = "10ms", .max = "1h", .doc = "how often a followed path is looked at again" },
    { .name = "max_line", .type = CRMGOV_OPT_SIZE, .default_value = "1M", .min = "256",
      .max = "64M", .doc = "longest accepted line; longer ones become dead letters" },
    { .name = "start_at", .type = CRMGOV_OPT_ENUM, .default_value = "beginning",
      .allowed = "beginning|end",
      .doc = "where to start in a file never read before (end: only new lines)" },
    CRMGOV_OPTIONS_END
};

static char *resolve_path(const struct crmgov_host *host, const struct crmgov_config *config,
                          const char *path)
{
    const char *dir = host->config_dir(config);
    if (path[0] == '/' || strcmp(dir, ".") == 0) {
        char *copy = strdup(path);
        if (!copy)
            abort();
        return copy;
    }
    size_t len = strlen(dir) + strlen(path) + 2;
    char *full = malloc(len);
    if (!full)
        abort();
    snprintf(full, len, "%s/%s", dir, path);
    return full;
}

static int jsonl_init(const struct crmgov_host *host, const struct crmgov_config *config,
                      void **state)
{
    struct jsonl *j = calloc(1, sizeof(*j));
    if (!j) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    j->host = host;
    const char *path = host->config_string(config, "path");
    j->from_stdin = strcmp(path, "-") == 0;
    j->path = resolve_path(host, config, path);
    j->follow = host->config_bool(config, "follow");
    j->poll_ms = host->config_duration_ms(config, "poll_interval");
    j->max_line = host->config_size(config, "max_line");
    j->start_at_end = strcmp(host->config_string(config, "start_at"), "end") == 0;
    j->chunk = malloc(JSONL_CHUNK);
    if (!j->chunk) {
        free(j->path);
        free(j);
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    *state = j;
    return CRMGOV_OK;
}

/* Reads one file to its current end. */
static int drain(struct jsonl *j, struct jsonl_file *f, int final)
{
    int r;
    while ((r = jsonl_file_read(j, f, final)) > 0)
        ;
    return r;
}

static void read_batch(struct jsonl *j)
{
    jsonl_discover(j);
    if (!j->n_files)
        j->host->log(j->host, CRMGOV_LOG_WARN, "nothing matches %s", j->path);
    for (size_t i = 0; i < j->n_files && !j->host->stopping(j->host); i++) {
        struct jsonl_file *f = j->files[i];
        if (jsonl_file_open(j, f) == 0)
            drain(j, f, 1);
        jsonl_file_close(f);
    }
}

/* One pass over every file in follow mode. */
static void poll_files(struct jsonl *j)
{
    jsonl_discover(j);
    for (size_t i = 0; i < j->n_files && !j->host->stopping(j->host); i++) {
        struct jsonl_file *f = j->files[i];
        if (f->fd < 0 && jsonl_file_open(j, f) != 0)
            continue;
        if (drain(j, f, j->from_stdin) < 0)
            continue;
        if (!j->from_stdin && jsonl_file_rotated(f)) {
            drain(j, f, 1); /* what was written to the old file before it moved */
            jsonl_file_close(f);
            j->host->log(j->host, CRMGOV_LOG_INFO, "%s was rotated or truncated; reading the "
                         "new file", f->path);
            jsonl_file_open(j, f);
        }
    }
}

static void *reader_main(void *arg)
{
    struct jsonl *j = arg;
    if (j->host->batch_mode(j->host) || !j->follow) {
        read_batch(j);
        j->host->connector_done(j->host);
        return NULL;
    }
    int reported = 0;
    while (!j->host->stopping(j->host)) {
        poll_files(j);
        if (!reported) {
            j->host->connector_done(j->host); /* caught up once */
            reported = 1;
        }
        j->host->sleep(j->host, j->poll_ms);
    }
    return NULL;
}

static int jsonl_start(void *state)
{
    struct jsonl *j = state;
    if (pthread_create(&j->thread, NULL, reader_main, j) != 0) {
        j->host->set_error(j->host, "cannot start the reader thread");
        return CRMGOV_ERROR;
    }
    j->running = 1;
    return CRMGOV_OK;
}

static int jsonl_stop(void *state)
{
    struct jsonl *j = state;
    if (j && j->running) {
        pthread_join(j->thread, NULL);
        j->running = 0;
    }
    return CRMGOV_OK;
}

static void jsonl_fini(void *state)
{
    struct jsonl *j = state;
    if (!j)
        return;
    jsonl_stop(j);
    jsonl_files_free(j);
    free(j->chunk);
    free(j->path);
    free(j);
}

static const struct crmgov_plugin jsonl_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "jsonl",
    .version = "1.0.0",
    .description = "reads canonical events from JSON Lines files, folders, globs or stdin",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_CONNECTOR,
    CRMGOV_PLUGIN_OPTIONS(jsonl_options),
    .init = jsonl_init,
    .fini = jsonl_fini,
    .start = jsonl_start,
    .stop = jsonl_stop,
};

CRMGOV_PLUGIN_EXPORT(jsonl_plugin)
