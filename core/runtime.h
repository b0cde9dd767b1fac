/*
 * runtime.h -- one running crmgov: its configuration, store, plugins and
 * dispatcher, and the order in which they come up and go down.
 *
 * Every CLI command that needs more than the store builds a runtime and takes
 * it as far as it needs: `check-config` stops after validating plugin
 * options, plugin commands (`owners`, `change`...) initialise plugins without
 * starting connectors, `run` starts everything. Each step undoes itself on
 * failure, so a refused configuration leaves nothing half-started.
 *
 *   runtime_load_config   read INI, check [core]
 *   runtime_open_store    open and migrate the database
 *   runtime_load_plugins  load every .so a section names, check its options
 *   runtime_init_plugins  call init() in order: layers, sinks, connectors
 *   runtime_start         dispatcher thread, then start() of each plugin
 *   runtime_wait          until signalled, or (--once) connectors are done
 *   runtime_stop          connectors stop, the queue drains, the rest stop
 *   runtime_free          fini(), sign the audit log's head (when a signing
 *                         key is set), close the store, unload
 */
#ifndef CRMGOV_RUNTIME_H
#define CRMGOV_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "config.h"
#include "crmgov/host.h"
#include "dispatch.h"
#include "options.h"
#include "registry.h"
#include "store.h"

struct runtime;
struct trust;
struct audit_signer;

struct instance {
    struct runtime *rt;
    const struct config_section *section;
    char *label;                    /* "connector:demo" */
    struct plugin *plugin;
    struct crmgov_config config;
    struct crmgov_host host;
    void *state;
    int inited, started, stopped, done;
    pthread_mutex_t error_lock;
    char error[1024];               /* set_error's text */
    _Atomic uint64_t published, dead_letters;
};

struct runtime {
    struct config config;
    int config_loaded;
    struct crmgov_config core;      /* typed [core] values */
    struct store store;
    int store_open;
    struct registry registry;
    struct dispatcher dispatcher;
    struct instance **instances;
    size_t n_instances;
    int batch_mode;                 /* run --once */
    atomic_int stopping;
    int failed;                     /* a fatal error stopped the run */
    pthread_mutex_t lock;
    pthread_cond_t changed;         /* connector done, failure, stop */
    int stop_pipe[2];               /* wakes sleep() callers */
    const char *actor;              /* who runs the command (for the audit log) */
    struct trust *trust;            /* plugin policy and keys (trust.c) */
    struct audit_signer *signer;    /* [core] signing_key, when set */
    /* Descriptors linked into the program (harness, tests), by name. */
    const struct crmgov_plugin *const *builtin;
    size_t n_builtin;
};

void runtime_init(struct runtime *rt);
int runtime_load_config(struct runtime *rt, const char *path, struct strbuf *err);
/* The harness and tests: INI text as if it were the file `name`. */
int runtime_load_config_text(struct runtime *rt, const char *text, const char *name,
                             struct strbuf *err);
int runtime_open_store(struct runtime *rt, struct strbuf *err);
int runtime_load_plugins(struct runtime *rt, struct strbuf *err);
int runtime_init_plugins(struct runtime *rt, struct strbuf *err);
int runtime_start(struct runtime *rt, struct strbuf *err);
/* Returns when asked to stop (signal) or, in batch mode, when every
 * connector said it is done (or failed). */
void runtime_wait(struct runtime *rt);
void runtime_request_stop(struct runtime *rt);
void runtime_stop(struct runtime *rt);
void runtime_free(struct runtime *rt);

/* Typed [core] values. */
const char *runtime_core_string(const struct runtime *rt, const char *name);
int64_t runtime_core_int(const struct runtime *rt, const char *name);
/* A path from [core], resolved against the directory of the file that set it. */
char *runtime_core_path(const struct runtime *rt, const char *name);

/* Builds the host table of an instance (host.c). */
void host_setup(struct instance *in);
/* Text set by the plugin with set_error, or "no details". */
const char *instance_error(struct instance *in);
void instance_clear_error(struct instance *in);

/* The [core] option table (core_options.c). */
extern const struct crmgov_option core_options[];

#endif
