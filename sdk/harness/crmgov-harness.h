/*
 * crmgov/harness.h -- libcrmgov-harness: the crmgov host inside a plugin
 * author's test program.
 *
 * The harness is the real core (config checking, dispatcher, SQLite store) on
 * a scratch folder, driven from a cmocka test: load a plugin (.so or a
 * descriptor linked into the test), give it option lines, feed events as
 * JSON Lines, move the event-time clock, and look at what the plugin
 * published and which findings it raised -- in the same JSON the CLI prints.
 *
 *     struct crmgov_harness *h = crmgov_harness_new();
 *     crmgov_harness_add_file(h, "build/plugins/ownership.so", "ownership",
 *                             "max_owned = 2\n");
 *     assert_int_equal(crmgov_harness_start(h), 0);
 *     crmgov_harness_feed_jsonl(h, "{\"type\":\"principal\", ...}\n...");
 *     char *json = crmgov_harness_findings(h, "open");
 *     ...
 *     crmgov_harness_free(h);
 *
 * Link: pkg-config --cflags --libs crmgov-harness (static library; it
 * brings sqlite3, inih, libcjson and libsodium with it).
 */
#ifndef CRMGOV_HARNESS_H
#define CRMGOV_HARNESS_H

#include "crmgov/host.h"
#include "crmgov/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

struct crmgov_harness;

struct crmgov_harness *crmgov_harness_new(void);
void crmgov_harness_free(struct crmgov_harness *h);

/* Lines appended to the [core] section (e.g. "tick = 5m\n"). Before start. */
void crmgov_harness_core_options(struct crmgov_harness *h, const char *options_ini);

/* Adds a plugin instance [KIND:instance] with the given "key = value" lines.
 * The section's kind comes from the plugin's descriptor. Before start. */
int crmgov_harness_add_file(struct crmgov_harness *h, const char *so_path, const char *instance,
                            const char *options_ini);
int crmgov_harness_add_descriptor(struct crmgov_harness *h, const struct crmgov_plugin *desc,
                                  const char *instance, const char *options_ini);

/* Checks the configuration, initialises and starts every plugin (layers,
 * sinks, then connectors; batch mode). 0, or -1 with the reason in
 * crmgov_harness_error() -- the same one-line message `crmgov run` prints. */
int crmgov_harness_start(struct crmgov_harness *h);
const char *crmgov_harness_error(const struct crmgov_harness *h);

/* Publishes JSON Lines as the harness's own connector and waits until they
 * are dispatched and committed. Returns the number of lines that went to the
 * dead-letter store, or -1 when the harness is not running. */
int crmgov_harness_feed_jsonl(struct crmgov_harness *h, const char *lines);
/* Publishes one event struct the same way. */
int crmgov_harness_feed(struct crmgov_harness *h, const struct crmgov_event *event);
/* Moves event time forward (layers get the tick) and waits for it. */
int crmgov_harness_advance(struct crmgov_harness *h, const char *rfc3339);
/* The event time now, as RFC 3339 in buf[32]. */
const char *crmgov_harness_now(struct crmgov_harness *h, char buf[32]);

/* Waits until every connector called connector_done() (or timeout_ms
 * passed: -1), then until what they published is committed. */
int crmgov_harness_wait_connectors(struct crmgov_harness *h, int timeout_ms);

/* What the plugins published (not the harness itself), as JSON Lines in the
 * order dispatched; the capture is emptied. Dead letters appear as
 * {"deadletter":{"source":...,"line":...,"reason":...}}. Caller frees. */
char *crmgov_harness_published(struct crmgov_harness *h);
/* Findings as `crmgov findings --format json` prints them; state is open,
 * resolved, acknowledged or all. Caller frees. */
char *crmgov_harness_findings(struct crmgov_harness *h, const char *state);
/* Runs a plugin command ("owners list --format json"), returning what it
 * printed; *status gets its exit status. Caller frees. */
char *crmgov_harness_command(struct crmgov_harness *h, const char *command_line, int *status);

/* The next batch commit fails (as a full disk would): the run stops and
 * nothing of that batch is kept. */
void crmgov_harness_fail_next_commit(struct crmgov_harness *h);
/* 1 when a store failure stopped the run. */
int crmgov_harness_failed(const struct crmgov_harness *h);

/* The conformance suite of `crmgov plugin check`, printing to stdout.
 * Returns the number of failed checks. */
int crmgov_harness_conformance_file(const char *so_path);
int crmgov_harness_conformance(const struct crmgov_plugin *desc);

#ifdef __cplusplus
}
#endif

#endif
