/*
 * harness.c -- libcrmgov-harness; see crmgov-harness.h.
 *
 * The harness is not a mock: it assembles an INI text, runs the same runtime
 * as `crmgov run --once` on a scratch folder, and feeds events through its own
 * tiny connector ([connector:harness]), so a plugin under test meets exactly
 * the validation, ordering and transactions it will meet in production.
 * Every feed waits until the dispatcher has committed it, which keeps tests
 * deterministic without sleeping.
 */
#include "crmgov-harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformance.h"
#include "event.h"
#include "findings_table.h"
#include "log.h"
#include "names.h"
#include "runtime.h"
#include "timeutil.h"

struct crmgov_harness {
    char *dir;
    struct strbuf core_options;
    struct strbuf sections;
    struct plugin **files;              /* loaded, handed to the registry at start */
    size_t n_files;
    const struct crmgov_plugin **descriptors;
    size_t n_descriptors;
    struct runtime rt;
    int started;
    struct strbuf error;
    pthread_mutex_t capture_lock;
    struct strbuf capture;
    const struct crmgov_host *feeder;
};

/* ------------------------------------------------------------------------ */
/* the harness's own connector                                               */

static int feeder_init(const struct crmgov_host *host, const struct crmgov_config *config,
                       void **state)
{
    (void)config;
    *state = (void *)host;
    return CRMGOV_OK;
}

static int feeder_start(void *state)
{
    const struct crmgov_host *host = state;
    host->connector_done(host);
    return CRMGOV_OK;
}

static int feeder_stop(void *state)
{
    (void)state;
    return CRMGOV_OK;
}

static void feeder_fini(void *state)
{
    (void)state;
}

static const struct crmgov_plugin feeder_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "harness",
    .version = "1.0.0",
    .description = "events fed by a test through the SDK harness",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_CONNECTOR,
    .init = feeder_init,
    .fini = feeder_fini,
    .start = feeder_start,
    .stop = feeder_stop,
};

/* ------------------------------------------------------------------------ */

struct crmgov_harness *crmgov_harness_new(void)
{
    char tmpl[] = "/tmp/crmgov-harness-XXXXXX";
    if (!mkdtemp(tmpl))
        return NULL;
    struct crmgov_harness *h = xcalloc(1, sizeof(*h));
    h->dir = xstrdup(tmpl);
    pthread_mutex_init(&h->capture_lock, NULL);
    runtime_init(&h->rt);
    h->descriptors = xcalloc(1, sizeof(*h->descriptors));
    h->descriptors[h->n_descriptors++] = &feeder_plugin;
    return h;
}

void crmgov_harness_core_options(struct crmgov_harness *h, const char *options_ini)
{
    sb_adds(&h->core_options, options_ini);
    if (h->core_options.len && h->core_options.buf[h->core_options.len - 1] != '\n')
        sb_addc(&h->core_options, '\n');
}

static void add_section(struct crmgov_harness *h, const struct crmgov_plugin *d,
                        const char *instance, const char *options_ini)
{
    sb_addf(&h->sections, "[%s:%s]\nplugin = %s\n", name_of(&names_plugin_kind, (int)d->kind),
            instance, d->name);
    if (options_ini)
        sb_adds(&h->sections, options_ini);
    if (h->sections.buf[h->sections.len - 1] != '\n')
        sb_addc(&h->sections, '\n');
}

int crmgov_harness_add_file(struct crmgov_harness *h, const char *so_path, const char *instance,
                            const char *options_ini)
{
    struct plugin *p = NULL;
    sb_reset(&h->error);
    for (size_t i = 0; i < h->n_files; i++)
        if (strcmp(h->files[i]->path, so_path) == 0)
            p = h->files[i];
    if (!p) {
        struct strbuf why = STRBUF_INIT;
        if (loader_open(so_path, &p, &why)) {
            sb_addf(&h->error, "%s: %s", so_path, sb_str(&why));
            sb_free(&why);
            return -1;
        }
        sb_free(&why);
        h->files = xrealloc(h->files, (h->n_files + 1) * sizeof(*h->files));
        h->files[h->n_files++] = p;
    }
    add_section(h, p->desc, instance, options_ini);
    return 0;
}

int crmgov_harness_add_descriptor(struct crmgov_harness *h, const struct crmgov_plugin *desc,
                                  const char *instance, const char *options_ini)
{
    int known = 0;
    for (size_t i = 0; i < h->n_descriptors; i++)
        known |= h->descriptors[i] == desc;
    if (!known) {
        h->descriptors =
            xrealloc(h->descriptors, (h->n_descriptors + 1) * sizeof(*h->descriptors));
        h->descriptors[h->n_descriptors++] = desc;
    }
    add_section(h, desc, instance, options_ini);
    return 0;
}

const char *crmgov_harness_error(const struct crmgov_harness *h)
{
    return h->error.buf ? h->error.buf : "";
}

static void observe(void *ctx, const struct bus_item *item)
{
    struct crmgov_harness *h = ctx;
    if (!item->from || !item->from->plugin || item->from->plugin->desc == &feeder_plugin)
        return;
    pthread_mutex_lock(&h->capture_lock);
    if (item->kind == BUS_EVENT) {
        event_to_json(&item->event->ev, &h->capture);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON *d = cJSON_AddObjectToObject(o, "deadletter");
        cJSON_AddStringToObject(d, "source", item->source ? item->source : "");
        cJSON_AddNumberToObject(d, "line", (double)item->line);
        cJSON_AddStringToObject(d, "reason", item->reason ? item->reason : "");
        char *text = cJSON_PrintUnformatted(o);
        sb_adds(&h->capture, text);
        cJSON_free(text);
        cJSON_Delete(o);
    }
    sb_addc(&h->capture, '\n');
    pthread_mutex_unlock(&h->capture_lock);
}

static int find_feeder(struct crmgov_harness *h)
{
    for (size_t i = 0; i < h->rt.n_instances; i++) {
        struct instance *in = h->rt.instances[i];
        if (in->plugin->desc == &feeder_plugin)
            h->feeder = &in->host;
    }
    return h->feeder ? 0 : -1;
}

int crmgov_harness_start(struct crmgov_harness *h)
{
    struct strbuf ini = STRBUF_INIT;
    sb_addf(&ini, "[core]\ndatabase = %s/harness.db\nplugin_dir = %s\nlog_level = warn\n",
            h->dir, h->dir);
    sb_adds(&ini, sb_str(&h->core_options));
    sb_adds(&ini, "[connector:harness]\nplugin = harness\n");
    sb_adds(&ini, sb_str(&h->sections));
    sb_reset(&h->error);
    h->rt.builtin = h->descriptors;
    h->rt.n_builtin = h->n_descriptors;
    h->rt.batch_mode = 1;
    int rc = runtime_load_config_text(&h->rt, sb_str(&ini), "harness.ini", &h->error);
    sb_free(&ini);
    for (size_t i = 0; rc == 0 && i < h->n_files; i++) {
        struct strbuf why = STRBUF_INIT;
        if (registry_add_plugin(&h->rt.registry, h->files[i], &why)) {
            sb_addf(&h->error, "%s: %s", h->files[i]->path, sb_str(&why));
            loader_close(h->files[i]);
            rc = -1;
        }
        h->files[i] = NULL;
        sb_free(&why);
    }
    h->n_files = 0;
    if (rc == 0)
        rc = runtime_open_store(&h->rt, &h->error);
    if (rc == 0) {
        h->rt.dispatcher.observe = observe;
        h->rt.dispatcher.observe_ctx = h;
        rc = runtime_load_plugins(&h->rt, &h->error);
    }
    if (rc == 0)
        rc = runtime_init_plugins(&h->rt, &h->error);
    if (rc == 0) {
        rc = runtime_start(&h->rt, &h->error);
        if (rc == 0)
            rc = find_feeder(h);
        if (rc != 0)
            runtime_stop(&h->rt); /* what did start (the dispatcher thread) stops */
    }
    h->started = rc == 0;
    return rc;
}

int crmgov_harness_feed_jsonl(struct crmgov_harness *h, const char *lines)
{
    if (!h->started || h->rt.failed)
        return -1;
    int dead = 0;
    uint64_t line_no = 0;
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line_no++;
        if (len && !(len == 1 && p[0] == '\r')) {
            int rc = h->feeder->publish_json(h->feeder, p, len, "harness", line_no);
            if (rc < 0)
                return -1;
            dead += rc == 1;
        }
        p += nl ? len + 1 : len;
    }
    return h->feeder->flush(h->feeder) == CRMGOV_OK ? dead : -1;
}

int crmgov_harness_feed(struct crmgov_harness *h, const struct crmgov_event *event)
{
    if (!h->started || h->rt.failed)
        return -1;
    int rc = h->feeder->publish(h->feeder, event);
    if (h->feeder->flush(h->feeder) != CRMGOV_OK)
        return -1;
    return rc == CRMGOV_OK ? 0 : 1;
}

int crmgov_harness_advance(struct crmgov_harness *h, const char *rfc3339)
{
    crmgov_time t = time_parse_rfc3339(rfc3339);
    if (!h->started || t == CRMGOV_TIME_NONE)
        return -1;
    struct bus_item item = { .kind = BUS_CLOCK, .at = t };
    if (dispatcher_submit(&h->rt.dispatcher, &item) != CRMGOV_OK)
        return -1;
    return h->feeder->flush(h->feeder) == CRMGOV_OK ? 0 : -1;
}

const char *crmgov_harness_now(struct crmgov_harness *h, char buf[32])
{
    return time_format_rfc3339(h->rt.store.watermark, buf);
}

int crmgov_harness_wait_connectors(struct crmgov_harness *h, int timeout_ms)
{
    if (!h->started)
        return -1;
    int64_t end = timeout_ms < 0 ? INT64_MAX : monotonic_ms() + timeout_ms;
    for (;;) {
        int done = 1;
        pthread_mutex_lock(&h->rt.lock);
        for (size_t i = 0; i < h->rt.n_instances; i++) {
            struct instance *in = h->rt.instances[i];
            if (in->plugin->desc->kind == CRMGOV_PLUGIN_CONNECTOR && !in->done)
                done = 0;
        }
        pthread_mutex_unlock(&h->rt.lock);
        if (done || h->rt.failed)
            break;
        if (monotonic_ms() > end)
            return -1;
        usleep(2000);
    }
    return h->feeder->flush(h->feeder) == CRMGOV_OK ? 0 : -1;
}

char *crmgov_harness_published(struct crmgov_harness *h)
{
    pthread_mutex_lock(&h->capture_lock);
    char *out = sb_detach(&h->capture);
    pthread_mutex_unlock(&h->capture_lock);
    return out;
}

static char *table_to_string(struct crmgov_table *t, const char *format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    table_print_to(t, format, mem);
    fclose(mem);
    return buf;
}

char *crmgov_harness_findings(struct crmgov_harness *h, const char *state)
{
    struct crmgov_finding_filter filter = { .struct_size = sizeof(filter), .min_severity = -1,
                                            .state = CRMGOV_FINDING_OPEN };
    if (state && strcmp(state, "all") == 0)
        filter.state = -1;
    else if (state)
        filter.state = name_lookup(&names_finding_state, state);
    if (h->started)
        h->feeder->flush(h->feeder);
    return table_to_string(findings_table(&h->rt.store, &filter, NULL), "json");
}

/* Splits a command line on blanks; "double quotes" group words. */
static char **split_words(const char *line, int *argc)
{
    char **argv = xcalloc(strlen(line) + 2, sizeof(char *));
    struct strbuf word = STRBUF_INIT;
    int n = 0, in_quotes = 0, have = 0;
    for (const char *p = line;; p++) {
        if (*p == '"') {
            in_quotes = !in_quotes;
            have = 1;
        } else if (*p && (in_quotes || (*p != ' ' && *p != '\t'))) {
            sb_addc(&word, *p);
            have = 1;
        } else if (have) {
            argv[n++] = sb_detach(&word);
            have = 0;
        }
        if (!*p)
            break;
    }
    sb_free(&word);
    *argc = n;
    return argv;
}

static int run_command(struct crmgov_harness *h, const struct command_entry *c, int argc,
                       char **argv)
{
    h->feeder->flush(h->feeder);
    h->rt.dispatcher.synchronous = 1;
    int status = EXIT_FAILURE + 1;
    if (store_begin(&h->rt.store) == CRMGOV_OK) {
        status = c->command->run(c->state, argc, argv);
        fflush(stdout);
        if (status == 0 || status == 1)
            store_commit(&h->rt.store);
        else
            store_rollback(&h->rt.store);
    }
    h->rt.dispatcher.synchronous = 0;
    return status;
}

char *crmgov_harness_command(struct crmgov_harness *h, const char *command_line, int *status)
{
    int argc;
    char **argv = split_words(command_line, &argc);
    const struct command_entry *c =
        argc && h->started ? registry_command(&h->rt.registry, argv[0]) : NULL;
    char *out = NULL;
    *status = 2;
    if (c) {
        char *path = xasprintf("%s/command.out", h->dir);
        fflush(stdout);
        int saved = dup(STDOUT_FILENO);
        FILE *f = fopen(path, "w+");
        if (f && saved >= 0) {
            dup2(fileno(f), STDOUT_FILENO);
            *status = run_command(h, c, argc, argv);
            fflush(stdout);
            dup2(saved, STDOUT_FILENO);
            fclose(f);
            out = read_file(path, NULL);
        }
        if (saved >= 0)
            close(saved);
        unlink(path);
        free(path);
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return out ? out : xstrdup("");
}

void crmgov_harness_fail_next_commit(struct crmgov_harness *h)
{
    h->rt.store.fail_writes = 1;
}

int crmgov_harness_failed(const struct crmgov_harness *h)
{
    return h->rt.failed;
}

static void remove_dir(const char *dir)
{
    static const char *const files[] = { "harness.db", "harness.db-wal", "harness.db-shm" };
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        unlink(path);
        free(path);
    }
    if (rmdir(dir) != 0 && errno != ENOENT)
        fprintf(stderr, "crmgov harness: left %s behind (files created by the test)\n", dir);
}

void crmgov_harness_free(struct crmgov_harness *h)
{
    if (!h)
        return;
    if (h->started)
        runtime_stop(&h->rt);
    runtime_free(&h->rt);
    for (size_t i = 0; i < h->n_files; i++)
        loader_close(h->files[i]);
    free(h->files);
    free(h->descriptors);
    sb_free(&h->core_options);
    sb_free(&h->sections);
    sb_free(&h->error);
    sb_free(&h->capture);
    pthread_mutex_destroy(&h->capture_lock);
    remove_dir(h->dir);
    free(h->dir);
    free(h);
}

int crmgov_harness_conformance_file(const char *so_path)
{
    return conformance_run_file(so_path, stdout);
}

int crmgov_harness_conformance(const struct crmgov_plugin *desc)
{
    return conformance_run_descriptor(desc, desc->name, stdout);
}
