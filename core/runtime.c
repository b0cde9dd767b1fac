/*
 * runtime.c -- bringing a crmgov up and down in order; see runtime.h.
 *
 * Configuration is checked completely before anything starts: every section
 * against its plugin's option table, with `file:line:` on each complaint. A
 * plugin whose init() fails takes every plugin initialised before it down
 * again (fini in reverse order), so the process never runs half-configured.
 */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "auditlog.h"
#include "canon.h"
#include "event.h"
#include "log.h"
#include "names.h"
#include "timeutil.h"
#include "trust.h"

void runtime_init(struct runtime *rt)
{
    event_init(); /* before any thread exists: it installs cJSON hooks */
    memset(rt, 0, sizeof(*rt));
    registry_init(&rt->registry);
    pthread_mutex_init(&rt->lock, NULL);
    pthread_cond_init(&rt->changed, NULL);
    rt->stop_pipe[0] = rt->stop_pipe[1] = -1;
    if (pipe2(rt->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        rt->stop_pipe[0] = rt->stop_pipe[1] = -1;
    rt->actor = getenv("USER") ? getenv("USER") : "crmgov";
}

/* ------------------------------------------------------------------------ */
/* checking a section against an option table                               */

static int is_reserved(const char *key, const char *const *reserved)
{
    for (size_t i = 0; reserved && reserved[i]; i++)
        if (strcmp(key, reserved[i]) == 0)
            return 1;
    return 0;
}

static int unknown_option(const struct config_entry *e, const struct crmgov_option *table,
                          uint32_t size, const char *owner, const char *const *reserved,
                          struct strbuf *err)
{
    struct strbuf names = STRBUF_INIT;
    option_names(table, size, &names);
    for (size_t i = 0; reserved && reserved[i]; i++)
        sb_addf(&names, "%s%s", names.len ? ", " : "", reserved[i]);
    const char *hint = option_suggest(table, size, e->key);
    sb_addf(err, "%s:%d: unknown option '%s' for %s (allowed: %s", e->file, e->line, e->key,
            owner, names.len ? sb_str(&names) : "none");
    if (hint)
        sb_addf(err, "; did you mean '%s'?)", hint);
    else
        sb_adds(err, ")");
    sb_free(&names);
    return -1;
}

static int check_section(const struct config_section *s, const struct crmgov_option *table,
                         uint32_t size, const char *owner, const char *const *reserved,
                         struct crmgov_config *out, struct strbuf *err)
{
    size_t n = option_count(table, size);
    memset(out, 0, sizeof(*out));
    out->values = xcalloc(n ? n : 1, sizeof(*out->values));
    out->n_values = n;
    out->dir = path_dirname(s ? s->file : ".");
    for (size_t i = 0; s && i < s->n_entries; i++) {
        const struct config_entry *e = &s->entries[i];
        if (is_reserved(e->key, reserved))
            continue;
        const struct crmgov_option *opt = option_find(table, size, e->key);
        if (!opt)
            return unknown_option(e, table, size, owner, reserved, err);
    }
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *opt = option_at(table, size, i);
        const struct config_entry *e = config_entry(s, opt->name);
        struct strbuf why = STRBUF_INIT;
        struct option_value *v = &out->values[i];
        v->option = opt;
        const char *text = e ? e->value : opt->default_value;
        if (!text && (opt->flags & CRMGOV_OPT_REQUIRED)) {
            sb_addf(err, "%s:%d: %s needs option '%s' in [%s]", s ? s->file : "-",
                    s ? s->line : 0, owner, opt->name, s ? s->name : "?");
            return -1;
        }
        if (text && option_parse(opt, text, v, &why)) {
            sb_addf(err, "%s:%d: option '%s' of %s: %s", e ? e->file : "-", e ? e->line : 0,
                    opt->name, owner, sb_str(&why));
            sb_free(&why);
            v->option = opt;
            return -1;
        }
        sb_free(&why);
        v->option = opt;
        v->is_set = e != NULL;
        if (e && (opt->flags & CRMGOV_OPT_DEPRECATED))
            log_warn("%s:%d: option '%s' of %s is deprecated", e->file, e->line, opt->name,
                     owner);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* configuration                                                             */

static int check_core(struct runtime *rt, struct strbuf *err)
{
    const struct config_section *core = config_section(&rt->config, "core");
    if (check_section(core, core_options, sizeof(struct crmgov_option), "[core]", NULL,
                      &rt->core, err))
        return -1;
    if (!core) {
        free(rt->core.dir);
        rt->core.dir = path_dirname(rt->config.files[0]);
    }
    enum crmgov_log_level level;
    enum log_format format;
    if (log_parse_level(runtime_core_string(rt, "log_level"), &level) == 0 &&
        log_parse_format(runtime_core_string(rt, "log_format"), &format) == 0 &&
        getenv("CRMGOV_LOG_FIXED") == NULL)
        log_configure(level, format);
    return 0;
}

int runtime_load_config(struct runtime *rt, const char *path, struct strbuf *err)
{
    if (config_load(path, &rt->config, err))
        return -1;
    rt->config_loaded = 1;
    return check_core(rt, err);
}

int runtime_load_config_text(struct runtime *rt, const char *text, const char *name,
                             struct strbuf *err)
{
    if (config_load_string(text, name, &rt->config, err))
        return -1;
    rt->config_loaded = 1;
    return check_core(rt, err);
}

const char *runtime_core_string(const struct runtime *rt, const char *name)
{
    const struct option_value *v = config_value(&rt->core, name);
    return v ? v->text : NULL;
}

int64_t runtime_core_int(const struct runtime *rt, const char *name)
{
    const struct option_value *v = config_value(&rt->core, name);
    return v ? v->i : 0;
}

char *runtime_core_path(const struct runtime *rt, const char *name)
{
    const char *value = runtime_core_string(rt, name);
    if (!value)
        return NULL;
    const struct config_entry *e = config_entry(config_section(&rt->config, "core"), name);
    char *dir = e ? path_dirname(e->file)
                  : xstrdup(rt->core.dir ? rt->core.dir : ".");
    char *path = path_join(dir, value);
    free(dir);
    return path;
}

/* ------------------------------------------------------------------------ */
/* store                                                                     */

/* SQLite creates the file but not its folder; an admin expects both. */
static void make_parent_dirs(const char *path)
{
    char *dir = path_dirname(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0750);
        *p = '/';
    }
    mkdir(dir, 0750);
    free(dir);
}

int runtime_open_store(struct runtime *rt, struct strbuf *err)
{
    char *path = runtime_core_path(rt, "database");
    make_parent_dirs(path);
    int rc = store_open(&rt->store, path, err);
    free(path);
    if (rc)
        return -1;
    rt->store_open = 1;
    rt->store.retention_ms = runtime_core_int(rt, "retention");
    store_set_cache(&rt->store, runtime_core_int(rt, "cache_size"));
    dispatcher_init(&rt->dispatcher, rt, (size_t)runtime_core_int(rt, "queue_size"),
                    (size_t)runtime_core_int(rt, "batch_size"), runtime_core_int(rt, "tick"));
    rt->dispatcher.batch_time_ms = runtime_core_int(rt, "batch_time");
    rt->dispatcher.layer_thread = (int)runtime_core_int(rt, "layer_thread");
    rt->dispatcher.wal_thread = (int)runtime_core_int(rt, "wal_thread");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* plugins                                                                   */

static const char *const plugin_reserved_keys[] = { "plugin", "enabled", "sha256", NULL };

static struct plugin *find_builtin(struct runtime *rt, const char *name, struct strbuf *err)
{
    for (size_t i = 0; i < rt->n_builtin; i++) {
        if (strcmp(rt->builtin[i]->name, name) != 0)
            continue;
        struct plugin *p = registry_plugin(&rt->registry, name);
        if (p)
            return p;
        struct strbuf why = STRBUF_INIT;
        if (loader_wrap(rt->builtin[i], name, &p, &why) ||
            registry_add_plugin(&rt->registry, p, &why)) {
            sb_addf(err, "%s: %s", name, sb_str(&why));
            loader_close(p);
            p = NULL;
        } else {
            trust_note_builtin(rt->trust, p);
        }
        sb_free(&why);
        return p;
    }
    return NULL;
}

static int section_enabled(const struct config_section *s, struct strbuf *err)
{
    const struct config_entry *e = config_entry(s, "enabled");
    if (!e)
        return 1;
    static const struct crmgov_option enabled_option = {
        .name = "enabled", .type = CRMGOV_OPT_BOOL, .doc = "run this section"
    };
    struct option_value v;
    struct strbuf why = STRBUF_INIT;
    if (option_parse(&enabled_option, e->value, &v, &why)) {
        sb_addf(err, "%s:%d: option 'enabled': %s", e->file, e->line, sb_str(&why));
        sb_free(&why);
        return -1;
    }
    sb_free(&why);
    int on = (int)v.i;
    option_value_clear(&v);
    return on;
}

static int add_instance(struct runtime *rt, const struct config_section *s, struct plugin *p,
                        struct strbuf *err)
{
    char *owner = xasprintf("plugin %s", p->desc->name);
    struct crmgov_config cfg;
    int rc = check_section(s, p->desc->options, p->desc->option_size, owner,
                           plugin_reserved_keys, &cfg, err);
    free(owner);
    if (rc) {
        config_values_free(&cfg);
        return -1;
    }
    struct instance *in = xcalloc(1, sizeof(*in));
    in->rt = rt;
    in->section = s;
    in->label = xstrdup(s->name);
    in->plugin = p;
    in->config = cfg;
    pthread_mutex_init(&in->error_lock, NULL);
    host_setup(in);
    in->config.host = &in->host;
    rt->instances = xrealloc(rt->instances, (rt->n_instances + 1) * sizeof(*rt->instances));
    rt->instances[rt->n_instances++] = in;
    return 0;
}

static int load_section(struct runtime *rt, const struct config_section *s, const char *dir,
                        struct strbuf *err)
{
    int enabled = section_enabled(s, err);
    if (enabled <= 0)
        return enabled;
    const struct config_entry *pe = config_entry(s, "plugin");
    const char *name = pe ? pe->value : s->instance;
    struct plugin *p = find_builtin(rt, name, err);
    if (!p && !err->len)
        p = trust_load_section_plugin(rt, s, dir, name, err);
    if (!p)
        return -1;
    const char *kind = name_of(&names_plugin_kind, (int)p->desc->kind);
    if (strcmp(kind, s->kind) != 0) {
        sb_addf(err, "%s:%d: plugin %s is a %s, not a %s ([%s:%s] would run it)", s->file,
                s->line, p->desc->name, kind, s->kind, kind, s->instance);
        return -1;
    }
    return add_instance(rt, s, p, err);
}

int runtime_load_plugins(struct runtime *rt, struct strbuf *err)
{
    if (trust_setup(rt, err))
        return -1;
    char *dir = runtime_core_path(rt, "plugin_dir");
    int rc = 0;
    for (size_t i = 0; i < rt->config.n_sections && rc == 0; i++) {
        const struct config_section *s = &rt->config.sections[i];
        if (strcmp(s->kind, "core") != 0 && strcmp(s->kind, "contacts") != 0)
            rc = load_section(rt, s, dir, err);
    }
    trust_record(rt);
    free(dir);
    return rc;
}

/* Layers first, then sinks, then connectors: whoever consumes is ready before
 * whoever produces. Stopping goes the other way round. */
static int start_rank(const struct instance *in)
{
    switch (in->plugin->desc->kind) {
    case CRMGOV_PLUGIN_LAYER:
        return 0;
    case CRMGOV_PLUGIN_SINK:
        return 1;
    default:
        return 2;
    }
}

static void sort_instances(struct runtime *rt)
{
    for (size_t i = 1; i < rt->n_instances; i++) {
        struct instance *in = rt->instances[i];
        size_t j = i;
        while (j > 0 && start_rank(rt->instances[j - 1]) > start_rank(in)) {
            rt->instances[j] = rt->instances[j - 1];
            j--;
        }
        rt->instances[j] = in;
    }
}

static void fini_instance(struct runtime *rt, struct instance *in)
{
    if (!in->inited)
        return;
    dispatcher_unsubscribe_owner(&rt->dispatcher, in);
    registry_drop_owner(&rt->registry, in);
    in->plugin->desc->fini(in->state);
    in->state = NULL;
    in->inited = 0;
}

int runtime_init_plugins(struct runtime *rt, struct strbuf *err)
{
    sort_instances(rt);
    for (size_t i = 0; i < rt->n_instances; i++) {
        struct instance *in = rt->instances[i];
        instance_clear_error(in);
        int rc = in->plugin->desc->init(&in->host, &in->config, &in->state);
        if (rc != CRMGOV_OK) {
            sb_addf(err, "%s:%d: [%s] could not start: %s", in->section->file,
                    in->section->line, in->label, instance_error(in));
            dispatcher_unsubscribe_owner(&rt->dispatcher, in);
            registry_drop_owner(&rt->registry, in);
            in->state = NULL;
            for (size_t j = i; j-- > 0;)
                fini_instance(rt, rt->instances[j]);
            return -1;
        }
        in->inited = 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* audit entries for what was loaded                                         */

static void audit_if_changed(struct runtime *rt, const char *meta_key, const char *hash,
                             const char *action, const char *subject, const char *details)
{
    struct strbuf old = STRBUF_INIT;
    int same = store_meta_get(&rt->store, meta_key, &old) == 0 && strcmp(sb_str(&old), hash) == 0;
    sb_free(&old);
    if (same)
        return;
    crmgov_time at = rt->store.watermark != CRMGOV_TIME_NONE ? rt->store.watermark
                                                              : wall_clock_ms();
    auditlog_append(&rt->store, rt->actor, action, subject, details, at);
    store_meta_put(&rt->store, meta_key, hash);
}

static void audit_loaded(struct runtime *rt)
{
    if (store_begin(&rt->store) != CRMGOV_OK)
        return;
    struct strbuf all = STRBUF_INIT;
    cJSON *files = cJSON_CreateArray();
    for (size_t i = 0; i < rt->config.n_files; i++) {
        size_t len = 0;
        char *text = read_file(rt->config.files[i], &len);
        char hex[65];
        sha256_hex(text ? text : "", text ? len : 0, hex);
        sb_addf(&all, "%s %s\n", hex, rt->config.files[i]);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "file", rt->config.files[i]);
        cJSON_AddStringToObject(f, "sha256", hex);
        cJSON_AddItemToArray(files, f);
        free(text);
    }
    char hex[65];
    sha256_hex(all.buf ? all.buf : "", all.len, hex);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddItemToObject(details, "files", files);
    char *text = cJSON_PrintUnformatted(details);
    audit_if_changed(rt, "config_sha256", hex, "config.load", rt->config.files[0], text);
    cJSON_free(text);
    cJSON_Delete(details);
    sb_free(&all);
    /* plugin load decisions are recorded as plugins load (trust.c) */
    if (store_commit(&rt->store) != CRMGOV_OK)
        log_warn("could not record the loaded configuration in the audit log");
}

/* ------------------------------------------------------------------------ */
/* start, wait, stop                                                         */

int runtime_start(struct runtime *rt, struct strbuf *err)
{
    audit_loaded(rt);
    if (dispatcher_start(&rt->dispatcher) != CRMGOV_OK) {
        sb_adds(err, "cannot start the dispatcher thread");
        return -1;
    }
    for (size_t i = 0; i < rt->n_instances; i++) {
        struct instance *in = rt->instances[i];
        if (!in->plugin->desc->start) {
            in->started = 1;
            continue;
        }
        instance_clear_error(in);
        if (in->plugin->desc->start(in->state) != CRMGOV_OK) {
            sb_addf(err, "[%s] could not start: %s", in->label, instance_error(in));
            return -1; /* runtime_stop undoes what started */
        }
        in->started = 1;
    }
    return 0;
}

void runtime_request_stop(struct runtime *rt)
{
    atomic_store(&rt->stopping, 1);
    if (rt->stop_pipe[1] >= 0) {
        ssize_t w = write(rt->stop_pipe[1], "x", 1);
        (void)w;
    }
    pthread_mutex_lock(&rt->lock);
    pthread_cond_broadcast(&rt->changed);
    pthread_mutex_unlock(&rt->lock);
}

static int connectors_done(struct runtime *rt)
{
    for (size_t i = 0; i < rt->n_instances; i++) {
        struct instance *in = rt->instances[i];
        if (in->plugin->desc->kind == CRMGOV_PLUGIN_CONNECTOR && !in->done)
            return 0;
    }
    return 1;
}

void runtime_wait(struct runtime *rt)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    struct timespec poll_interval = { 0, 100 * 1000000L };
    while (!atomic_load(&rt->stopping)) {
        pthread_mutex_lock(&rt->lock);
        int finished = rt->batch_mode && connectors_done(rt);
        pthread_mutex_unlock(&rt->lock);
        if (finished || rt->failed)
            break;
        int sig = sigtimedwait(&set, NULL, &poll_interval);
        if (sig == SIGINT || sig == SIGTERM) {
            log_info("received %s; finishing what is queued, then stopping",
                     sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
    }
}

void runtime_stop(struct runtime *rt)
{
    atomic_store(&rt->stopping, 1);
    runtime_request_stop(rt);
    for (size_t i = rt->n_instances; i-- > 0;) {
        struct instance *in = rt->instances[i];
        if (in->started && !in->stopped && in->plugin->desc->kind == CRMGOV_PLUGIN_CONNECTOR) {
            in->plugin->desc->stop(in->state);
            in->stopped = 1;
        }
    }
    if (rt->store_open)
        dispatcher_drain_and_join(&rt->dispatcher);
    for (size_t i = rt->n_instances; i-- > 0;) {
        struct instance *in = rt->instances[i];
        if (in->started && !in->stopped && in->plugin->desc->stop)
            in->plugin->desc->stop(in->state);
        in->stopped = 1;
    }
}

/* Shutting down signs the log as it is, so the last entries of a run are
 * covered by a head an admin can copy off the machine. */
static void sign_log_head(struct runtime *rt)
{
    uint64_t size = 0;
    if (auditlog_checkpoint(&rt->store, rt->signer, &size))
        log_warn("could not sign the audit log's tree head");
    else if (size)
        log_debug("signed the audit log's tree head at size %llu", (unsigned long long)size);
}

void runtime_free(struct runtime *rt)
{
    for (size_t i = rt->n_instances; i-- > 0;)
        fini_instance(rt, rt->instances[i]);
    for (size_t i = 0; i < rt->n_instances; i++) {
        struct instance *in = rt->instances[i];
        config_values_free(&in->config);
        pthread_mutex_destroy(&in->error_lock);
        free(in->label);
        free(in);
    }
    free(rt->instances);
    if (rt->store_open) {
        dispatcher_free(&rt->dispatcher);
        if (rt->signer)
            sign_log_head(rt);
        store_close(&rt->store);
    }
    trust_free(rt->trust);
    audit_signer_free(rt->signer);
    registry_free(&rt->registry);
    config_values_free(&rt->core);
    if (rt->config_loaded)
        config_free(&rt->config);
    for (int i = 0; i < 2; i++)
        if (rt->stop_pipe[i] >= 0)
            close(rt->stop_pipe[i]);
    pthread_mutex_destroy(&rt->lock);
    pthread_cond_destroy(&rt->changed);
    memset(rt, 0, sizeof(*rt));
}
