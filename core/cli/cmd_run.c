/*
 * cmd_run.c -- `crmgov run`: the daemon, or (--once) one batch pass.
 *
 * SIGINT and SIGTERM are blocked before any thread starts, so they are
 * received only by the main thread's sigtimedwait: connector and dispatcher
 * threads are never interrupted in the middle of a write. On a signal the
 * connectors stop, the queue drains and commits, and the process exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "log.h"
#include "names.h"
#include "timeutil.h"

static const struct cli_option run_options[] = {
    CLI_COMMON_OPTIONS,
    { "once", 0, 0 },
    { NULL, 0, 0 },
};

static int count_open(void *ctx, const struct crmgov_finding *f)
{
    uint64_t *by_severity = ctx;
    if ((unsigned)f->severity <= CRMGOV_SEVERITY_CRITICAL)
        by_severity[f->severity]++;
    return 0;
}

static void print_summary(struct runtime *rt, int64_t elapsed_ms)
{
    const struct dispatch_stats *st = &rt->dispatcher.stats;
    uint64_t total = 0;
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++)
        if (t != CRMGOV_TOPIC_TICK && t != CRMGOV_TOPIC_FINDING)
            total += st->events[t];
    double secs = elapsed_ms > 0 ? (double)elapsed_ms / 1000.0 : 0.001;
    printf("crmgov run: %llu events in %.2f s (%.0f events/s), %llu dead letters\n",
           (unsigned long long)total, secs, (double)total / secs,
           (unsigned long long)st->dead_letters);
    printf("  events:");
    for (int t = 0; t < CRMGOV_TOPIC_FINDING; t++)
        printf(" %s %llu", name_of(&names_topic, t), (unsigned long long)st->events[t]);
    printf("\n");
    uint64_t by_status[3];
    store_inventory_counts(&rt->store, by_status);
    printf("  inventory: %llu active, %llu inactive, %llu deleted\n",
           (unsigned long long)by_status[0], (unsigned long long)by_status[1],
           (unsigned long long)by_status[2]);
    uint64_t by_severity[5] = { 0 };
    struct crmgov_finding_filter open = { .struct_size = sizeof(open), .state = 0,
                                          .min_severity = -1 };
    store_findings_scan(&rt->store, &open, count_open, by_severity);
    printf("  open findings: %llu critical, %llu high, %llu medium, %llu low, %llu info\n",
           (unsigned long long)by_severity[4], (unsigned long long)by_severity[3],
           (unsigned long long)by_severity[2], (unsigned long long)by_severity[1],
           (unsigned long long)by_severity[0]);
    if (st->dead_letters)
        printf("  see the rejected lines with 'crmgov deadletters'\n");
}

static int run(struct runtime *rt, int once)
{
    struct strbuf err = STRBUF_INIT;
    rt->batch_mode = once;
    int64_t started = monotonic_ms();
    if (runtime_init_plugins(rt, &err)) {
        fprintf(stderr, "%s\n", sb_str(&err));
        sb_free(&err);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    if (runtime_start(rt, &err)) {
        fprintf(stderr, "crmgov run: %s\n", sb_str(&err));
        status = EXIT_USAGE;
    } else {
        runtime_wait(rt);
    }
    runtime_stop(rt);
    if (rt->failed)
        status = EXIT_USAGE;
    if (once && status == EXIT_OK)
        print_summary(rt, monotonic_ms() - started);
    sb_free(&err);
    return status;
}

static int cmd_run(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("run", run_options, argc, argv, &args))
        return EXIT_USAGE;
    int status = cli_logging(run_options, &args);
    if (status == 0 && args.n_positional) {
        fprintf(stderr, "crmgov run: unexpected argument '%s'\n", args.positional[0]);
        status = EXIT_USAGE;
    }
    char *config = status ? NULL : cli_config_path(cli_get(run_options, &args, "config"));
    int once = cli_has(run_options, &args, "once");
    cli_args_free(&args);
    if (!config)
        return EXIT_USAGE;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct runtime rt;
    runtime_init(&rt);
    status = cli_open(&rt, config, CLI_STAGE_PLUGINS);
    free(config);
    if (status == 0)
        status = run(&rt, once);
    runtime_free(&rt);
    return status;
}

const struct cli_command cli_run = {
    "run", cmd_run, "ingest from the connectors and apply the governance layers",
    "usage: crmgov run [-c FILE] [--once] [--log-level LEVEL] [--log-format FORMAT]\n"
    "\n"
    "Loads every plugin the configuration names, starts the connectors and\n"
    "applies what they deliver to the store, one transaction per batch.\n"
    "\n"
    "  -c, --config FILE     configuration file (default: $CRMGOV_CONFIG, then\n"
    "                        conf/crmgov.ini of the source tree, then\n"
    "                        $PREFIX/etc/crmgov/crmgov.ini)\n"
    "  --once                process what the connectors have now, print a\n"
    "                        summary and exit (batch mode)\n"
    "  --log-level LEVEL     error, warn, info or debug (overrides [core])\n"
    "  --log-format FORMAT   text or json (overrides [core])\n"
    "\n"
    "Without --once it runs until SIGINT or SIGTERM, then drains what is queued\n"
    "and exits 0. Exit status 2: configuration or store error.\n"
};
