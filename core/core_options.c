/*
 * core_options.c -- the options of the [core] section, declared in the same
 * table format plugins use, so they are checked, documented and turned into a
 * schema by the same code.
 */
#include "runtime.h"

#ifndef CRMGOV_PLUGIN_DIR
#define CRMGOV_PLUGIN_DIR "/usr/local/lib/crmgov/plugins"
#endif

const struct crmgov_option core_options[] = {
    { .name = "database", .type = CRMGOV_OPT_STRING, .default_value = "crmgov.db",
      .doc = "SQLite file holding everything durable (relative to this file)",
      .example = "/var/lib/crmgov/crmgov.db" },
    { .name = "plugin_dir", .type = CRMGOV_OPT_STRING, .default_value = CRMGOV_PLUGIN_DIR,
      .doc = "folder holding plugin .so files (relative to this file)",
      .example = "/usr/local/lib/crmgov/plugins" },
    { .name = "include", .type = CRMGOV_OPT_LIST,
      .doc = "comma-separated globs of more INI files to read (relative to this file)",
      .example = "conf.d/*.ini" },
    { .name = "log_level", .type = CRMGOV_OPT_ENUM, .default_value = "info",
      .allowed = "error|warn|info|debug", .doc = "least severe message that is logged" },
    { .name = "log_format", .type = CRMGOV_OPT_ENUM, .default_value = "text",
      .allowed = "text|json", .doc = "log lines as text or as JSON objects" },
    { .name = "tick", .type = CRMGOV_OPT_DURATION, .default_value = "1m", .min = "1s",
      .max = "1d", .doc = "event-time interval at which layers get a tick" },
    { .name = "batch_size", .type = CRMGOV_OPT_INT, .default_value = "65536", .min = "1",
      .max = "1000000", .doc = "most events applied in one store transaction" },
    { .name = "batch_time", .type = CRMGOV_OPT_DURATION, .default_value = "250ms",
      .min = "1ms", .max = "10s",
      .doc = "longest a transaction keeps taking queued events before it commits" },
    { .name = "layer_thread", .type = CRMGOV_OPT_BOOL, .default_value = "true",
      .doc = "run layers that need only events on a second thread beside the store "
             "(when every layer and sink declares it)" },
    { .name = "wal_thread", .type = CRMGOV_OPT_BOOL, .default_value = "true",
      .doc = "copy the store's write-ahead log into the database on a thread of its own "
             "instead of inside commits" },
    { .name = "queue_size", .type = CRMGOV_OPT_INT, .default_value = "16384", .min = "16",
      .max = "10000000", .doc = "events waiting for the dispatcher before producers block" },
    { .name = "cache_size", .type = CRMGOV_OPT_SIZE, .default_value = "4M", .min = "256k",
      .max = "16G", .doc = "SQLite page cache; larger helps with many thousands of automations" },
    { .name = "retention", .type = CRMGOV_OPT_DURATION, .default_value = "90d", .min = "1d",
      .doc = "how long raw executions are kept (daily aggregates are kept forever)" },
    { .name = "plugin_policy", .type = CRMGOV_OPT_ENUM, .default_value = "any",
      .allowed = "any|pinned|signed",
      .doc = "which plugin files load: any, only those whose section pins their sha256, "
             "or only those with a minisign signature by a trusted key",
      .example = "signed" },
    { .name = "trusted_keys", .type = CRMGOV_OPT_STRING,
      .doc = "file of minisign public keys trusted to sign plugins (relative to this file)",
      .example = "/usr/local/etc/crmgov/trusted.keys" },
    { .name = "signing_key", .type = CRMGOV_OPT_STRING,
      .doc = "secret key (crmgov keygen) that signs the audit log's tree heads",
      .example = "/var/lib/crmgov/log.key" },
    { .name = "checkpoint_every", .type = CRMGOV_OPT_INT, .default_value = "1000", .min = "1",
      .max = "1000000000",
      .doc = "sign a tree head every this many audit log entries (and at shutdown)" },
    CRMGOV_OPTIONS_END
};
