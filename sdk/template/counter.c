/*
 * counter.c -- the crmgov plugin template: a sink that counts events by
 * topic and logs a summary when it stops.
 *
 * Copy this folder, rename the plugin, and you have everything a plugin
 * needs: a declared options table (the core validates it), init/start/stop/
 * fini, a subscription, per-instance state (no globals, so two instances can
 * run side by side), a CLI command, and a test with the SDK harness.
 * Build: `make` (needs `pkg-config crmgov-plugin`); test: `make test`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crmgov/host.h>
#include <crmgov/plugin.h>

static const char *const topic_names[CRMGOV_TOPIC_COUNT_V1] = {
    "automation", "execution", "record", "principal",
    "ownership",  "change",    "finding", "tick",
};

static const struct crmgov_option counter_options[] = {
    { .name = "label", .type = CRMGOV_OPT_STRING, .default_value = "events",
      .doc = "word used in the summary line" },
    { .name = "topics", .type = CRMGOV_OPT_LIST,
      .default_value = "automation,execution,record,principal,ownership,change,finding",
      .allowed = "automation|execution|record|principal|ownership|change|finding|tick",
      .doc = "which topics to count" },
    CRMGOV_OPTIONS_END
};

struct counter {
    const struct crmgov_host *host;
    const char *label;
    unsigned long long counts[CRMGOV_TOPIC_COUNT_V1];
};

static int on_event(void *state, const struct crmgov_event *event)
{
    struct counter *c = state;
    if ((unsigned)event->topic < CRMGOV_TOPIC_COUNT_V1)
        c->counts[event->topic]++;
    return CRMGOV_OK;
}

static int topic_of(const char *name)
{
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++)
        if (strcmp(topic_names[t], name) == 0)
            return t;
    return -1;
}

/* `crmgov counter [--format table|json|csv]`: the counts so far. */
static int command_counter(void *state, int argc, char **argv)
{
    struct counter *c = state;
    const char *format = "table";
    if (argc == 3 && strcmp(argv[1], "--format") == 0) {
        format = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: crmgov counter [--format table|json|csv]\n");
        return 2;
    }
    const char *columns[] = { "topic", "count:n" };
    struct crmgov_table *t = c->host->table_new(c->host, columns, 2);
    for (int i = 0; i < CRMGOV_TOPIC_COUNT_V1; i++) {
        char n[32];
        snprintf(n, sizeof(n), "%llu", c->counts[i]);
        const char *row[] = { topic_names[i], n };
        c->host->table_row(t, row);
    }
    return c->host->table_print(t, format) == 0 ? 0 : 2;
}

static const struct crmgov_command counter_command = {
    .struct_size = sizeof(struct crmgov_command),
    .name = "counter",
    .summary = "events counted by the template sink",
    .usage = "usage: crmgov counter [--format table|json|csv]\n",
    .run = command_counter,
};

static int counter_init(const struct crmgov_host *host, const struct crmgov_config *config,
                        void **state)
{
    struct counter *c = calloc(1, sizeof(*c));
    if (!c) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    c->host = host;
    c->label = host->config_string(config, "label");
    const char *const *topics;
    size_t n = host->config_list(config, "topics", &topics);
    for (size_t i = 0; i < n; i++) {
        if (host->subscribe(host, (enum crmgov_topic)topic_of(topics[i]), on_event, c) != 0) {
            host->set_error(host, "cannot subscribe to %s", topics[i]);
            free(c);
            return CRMGOV_ERROR;
        }
    }
    host->command_register(host, &counter_command, c);
    *state = c;
    return CRMGOV_OK;
}

static int counter_stop(void *state)
{
    struct counter *c = state;
    unsigned long long total = 0;
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++)
        total += c->counts[t];
    c->host->log(c->host, CRMGOV_LOG_INFO,
                 "%llu %s: %llu automation, %llu execution, %llu record, %llu principal, "
                 "%llu ownership, %llu change, %llu finding",
                 total, c->label, c->counts[0], c->counts[1], c->counts[2], c->counts[3],
                 c->counts[4], c->counts[5], c->counts[6]);
    return CRMGOV_OK;
}

static void counter_fini(void *state)
{
    free(state);
}

static const struct crmgov_plugin counter_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "counter",
    .version = "1.0.0",
    .description = "counts events by topic and logs a summary at stop (the SDK template)",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_SINK,
    CRMGOV_PLUGIN_OPTIONS(counter_options),
    .init = counter_init,
    .fini = counter_fini,
    .stop = counter_stop,
};

CRMGOV_PLUGIN_EXPORT(counter_plugin)
