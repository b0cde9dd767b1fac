/*
 * crmgov/plugin.h -- what a plugin is: its descriptor and its options table.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * crmgov_plugin_v1, a function without side effects that returns a pointer
 * to a constant descriptor. The suffix is the ABI major: a future ABI 2 core
 * would look for crmgov_plugin_v2 and could keep loading v1 plugins.
 *
 *     static const struct crmgov_option my_options[] = {
 *         { .name = "path", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
 *           .doc = "file to read", .example = "events.jsonl" },
 *         { .name = "poll", .type = CRMGOV_OPT_DURATION, .default_value = "5m",
 *           .min = "1s", .doc = "how often to look again" },
 *         CRMGOV_OPTIONS_END
 *     };
 *     static const struct crmgov_plugin my_plugin = {
 *         CRMGOV_PLUGIN_HEADER,
 *         .name = "mine", .version = "1.0.0", .kind = CRMGOV_PLUGIN_SINK, ...
 *         CRMGOV_PLUGIN_OPTIONS(my_options),
 *         .init = my_init, .fini = my_fini,
 *     };
 *     CRMGOV_PLUGIN_EXPORT(my_plugin)
 *
 * Version rule: the core loads a plugin when its abi_major equals the core's
 * and its abi_minor is not newer than the core's. The descriptor begins with
 * struct_size, abi_major and abi_minor, in that order, forever.
 *
 * Options are declared, never parsed by the plugin: the core checks the
 * plugin's INI section against the table before init() and refuses to start
 * on any error. The plugin reads typed values with the host's config_*
 * getters. The same table produces `crmgov plugins --info NAME` and the
 * JSON Schema of `crmgov plugins --schema NAME`.
 *
 * Life cycle, all calls from the core's main thread:
 *   init(host, config, &state)   allocate, read options, subscribe, register
 *   start(state)                 begin work (connectors start their threads)
 *   stop(state)                  stop work; called at most once after start,
 *                                must be safe to call twice
 *   fini(state)                  free everything; fini(NULL) does nothing
 * When init fails it frees what it allocated and the core never calls fini.
 */
#ifndef CRMGOV_PLUGIN_H
#define CRMGOV_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct crmgov_host;
struct crmgov_config;

/* Status codes returned by plugin operations and host functions. */
enum crmgov_rc {
    CRMGOV_OK = 0,
    CRMGOV_ERROR = -1,          /* failed; details through host->set_error */
    CRMGOV_RETRY = -2,          /* failed for now, worth trying again */
    CRMGOV_INVALID_CONFIG = -3  /* the configuration cannot work */
};

enum crmgov_plugin_kind {
    CRMGOV_PLUGIN_CONNECTOR = 1,  /* brings events in from a CRM */
    CRMGOV_PLUGIN_LAYER = 2,      /* governance rules: raises findings */
    CRMGOV_PLUGIN_SINK = 3,       /* takes findings and events out */
    CRMGOV_PLUGIN_STORE = 4       /* reserved: an alternative store */
};

/* ------------------------------------------------------------------------ */
/* Options.                                                                  */

enum crmgov_option_type {
    CRMGOV_OPT_STRING = 0,
    CRMGOV_OPT_INT,         /* 64-bit signed, decimal */
    CRMGOV_OPT_BOOL,        /* true/false, yes/no, on/off, 1/0 */
    CRMGOV_OPT_DOUBLE,
    CRMGOV_OPT_SIZE,        /* bytes: 512, 64k, 1M, 2G (powers of 1024) */
    CRMGOV_OPT_DURATION,    /* 0, 250ms, 30s, 15m, 12h, 90d, 2w; combined: 1h30m */
    CRMGOV_OPT_ENUM,        /* one of `allowed` */
    CRMGOV_OPT_LIST,        /* comma-separated; items from `allowed` when set */
    CRMGOV_OPT_SECRET       /* a string that is never printed or logged */
};

#define CRMGOV_OPT_REQUIRED   0x1u  /* no default; the section must set it */
#define CRMGOV_OPT_SENSITIVE  0x2u  /* value is masked in every output */
#define CRMGOV_OPT_DEPRECATED 0x4u  /* accepted with a warning */

struct crmgov_option {
    const char *name;           /* lowercase, [a-z0-9_] */
    enum crmgov_option_type type;
    const char *default_value;  /* written like a config value; NULL = unset */
    unsigned flags;
    const char *allowed;        /* ENUM and LIST: "a|b|c"; NULL = anything */
    const char *min;            /* INT, DOUBLE, SIZE, DURATION: "1s"; NULL = none */
    const char *max;
    const char *doc;            /* one line, shown in help and schema */
    const char *example;        /* a valid value, for help and conformance */
};

/* Ends an options table. */
#define CRMGOV_OPTIONS_END { 0 }

/* ------------------------------------------------------------------------ */
/* The descriptor.                                                           */

struct crmgov_plugin {
    uint32_t struct_size;       /* sizeof(struct crmgov_plugin) as built */
    uint16_t abi_major;
    uint16_t abi_minor;

    const char *name;           /* unique, [a-z0-9_-]; what `plugin = ` names */
    const char *version;        /* semver of the plugin itself */
    const char *description;    /* one line */
    const char *vendor;
    const char *license;        /* SPDX identifier */
    enum crmgov_plugin_kind kind;

    const struct crmgov_option *options;    /* ends with CRMGOV_OPTIONS_END */
    uint32_t option_size;       /* sizeof(struct crmgov_option) as built */

    /* Required by every kind. */
    int (*init)(const struct crmgov_host *host,
                const struct crmgov_config *config, void **state);
    void (*fini)(void *state);
    /* Required for connectors; optional for layers and sinks. */
    int (*start)(void *state);
    int (*stop)(void *state);

    /* CRMGOV_PLUGIN_* flags below. Read only when struct_size covers it, so
     * a plugin built before the field existed has none. */
    uint32_t flags;
};

/* A layer or sink whose callbacks need nothing from the core but the events
 * they are given and what the plugin itself keeps: its state (state_*) and
 * findings (finding_raise, finding_resolve, findings_scan). It reads no
 * inventory, versions, principals, owners, changes, executions, daily
 * figures or audit log, and publishes nothing; audit_append is refused to it.
 * When every subscriber says so, the core runs callbacks on a second thread
 * beside the store (the layer lane): still one at a time, in event order,
 * with `now` as of the event, but the core's tables may already hold later
 * events, which is why it must not read them. */
#define CRMGOV_PLUGIN_EVENTS_ONLY 0x1u

#define CRMGOV_PLUGIN_HEADER                        \
    .struct_size = sizeof(struct crmgov_plugin),    \
    .abi_major = CRMGOV_ABI_MAJOR,                  \
    .abi_minor = CRMGOV_ABI_MINOR

#define CRMGOV_PLUGIN_OPTIONS(table)                \
    .options = (table),                             \
    .option_size = sizeof(struct crmgov_option)

/* The one entry point of a plugin. */
typedef const struct crmgov_plugin *(*crmgov_plugin_entry_fn)(void);

#define CRMGOV_PLUGIN_ENTRY_SYMBOL "crmgov_plugin_v1"

#ifdef __cplusplus
#define CRMGOV_EXTERN_C extern "C"
#else
#define CRMGOV_EXTERN_C
#endif

#define CRMGOV_PLUGIN_EXPORT(descriptor)                                    \
    CRMGOV_EXTERN_C __attribute__((visibility("default")))                  \
    const struct crmgov_plugin *crmgov_plugin_v1(void);                     \
    CRMGOV_EXTERN_C __attribute__((visibility("default")))                  \
    const struct crmgov_plugin *crmgov_plugin_v1(void) { return &(descriptor); }

#ifdef __cplusplus
}
#endif

#endif
