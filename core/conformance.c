/*
 * conformance.c -- the suite every plugin must pass: `crmgov plugin check`,
 * the SDK harness and `make test` all run this same code.
 *
 * It plays a scratch host (a temporary folder and database) and checks what
 * a vendor's plugin must do to be safe to load anywhere: a sane descriptor and
 * option table, init/fini without start, start/stop/stop/fini, fini(NULL)
 * (what follows a failed init), two instances side by side (no global
 * state), and every mistyped option value refused before init is called.
 */
#include "conformance.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "runtime.h"

struct suite {
    FILE *out;
    int n;
    int failed;
    const struct crmgov_plugin *desc;
    char *dir;
};

static void check(struct suite *s, int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check(struct suite *s, int ok, const char *what, const char *fmt, ...)
{
    s->n++;
    if (ok) {
        fprintf(s->out, "ok %d - %s\n", s->n, what);
        return;
    }
    s->failed++;
    fprintf(s->out, "not ok %d - %s: ", s->n, what);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
    fputc('\n', s->out);
}

/* INI text for a scratch host with the given plugin sections. */
static char *scratch_config(struct suite *s, int instances, const char *extra_key,
                            const char *extra_value)
{
    const struct crmgov_plugin *d = s->desc;
    struct strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "[core]\ndatabase = %s/check.db\nplugin_dir = %s\nlog_level = error\n",
            s->dir, s->dir);
    size_t n = option_count(d->options, d->option_size);
    for (int k = 1; k <= instances; k++) {
        sb_addf(&sb, "[%s:check%d]\nplugin = %s\n", name_of(&names_plugin_kind, (int)d->kind),
                k, d->name);
        for (size_t i = 0; i < n; i++) {
            const struct crmgov_option *o = option_at(d->options, d->option_size, i);
            if (extra_key && strcmp(o->name, extra_key) == 0)
                continue;
            if ((o->flags & CRMGOV_OPT_REQUIRED) && o->example)
                sb_addf(&sb, "%s = %s\n", o->name, o->example);
        }
        if (extra_key)
            sb_addf(&sb, "%s = %s\n", extra_key, extra_value);
    }
    return sb_detach(&sb);
}

/* Brings a runtime to `stage` (1 = plugins loaded, 2 = initialised). */
static int scratch_runtime(struct suite *s, struct runtime *rt, const char *ini, int stage,
                           struct strbuf *err)
{
    runtime_init(rt);
    rt->builtin = &s->desc;
    rt->n_builtin = 1;
    if (runtime_load_config_text(rt, ini, "check.ini", err) || runtime_open_store(rt, err) ||
        runtime_load_plugins(rt, err))
        return -1;
    if (stage >= 2) {
        rt->dispatcher.synchronous = 0;
        if (runtime_init_plugins(rt, err))
            return -1;
    }
    return 0;
}

static void test_init_fini(struct suite *s)
{
    struct runtime rt;
    struct strbuf err = STRBUF_INIT;
    char *ini = scratch_config(s, 1, NULL, NULL);
    int rc = scratch_runtime(s, &rt, ini, 2, &err);
    runtime_free(&rt);
    check(s, rc == 0, "init and fini without start", "%s", sb_str(&err));
    free(ini);
    sb_free(&err);
}

static void test_start_stop(struct suite *s)
{
    struct runtime rt;
    struct strbuf err = STRBUF_INIT;
    char *ini = scratch_config(s, 1, NULL, NULL);
    int rc = scratch_runtime(s, &rt, ini, 2, &err);
    if (rc == 0) {
        rt.batch_mode = 1;
        if (runtime_start(&rt, &err)) {
            fprintf(s->out, "# start failed in the scratch host (%s); checking stop anyway\n",
                    sb_str(&err));
        }
        runtime_stop(&rt);
        struct instance *in = rt.instances[0];
        if (in->started && s->desc->stop)
            s->desc->stop(in->state); /* the second stop must be harmless */
    }
    runtime_free(&rt);
    check(s, rc == 0, "start, stop, stop again, fini", "%s", sb_str(&err));
    free(ini);
    sb_free(&err);
}

static void test_two_instances(struct suite *s)
{
    struct runtime rt;
    struct strbuf err = STRBUF_INIT;
    char *ini = scratch_config(s, 2, NULL, NULL);
    int rc = scratch_runtime(s, &rt, ini, 2, &err);
    if (rc == 0 && rt.n_instances == 2 && rt.instances[0]->state &&
        rt.instances[0]->state == rt.instances[1]->state) {
        sb_adds(&err, "both instances got the same state pointer (global state?)");
        rc = -1;
    }
    runtime_free(&rt);
    check(s, rc == 0, "two instances side by side", "%s", sb_str(&err));
    free(ini);
    sb_free(&err);
}

static const char *bad_value_for(enum crmgov_option_type type)
{
    switch (type) {
    case CRMGOV_OPT_INT:
        return "twelve";
    case CRMGOV_OPT_BOOL:
        return "maybe";
    case CRMGOV_OPT_DOUBLE:
        return "1.2.3";
    case CRMGOV_OPT_SIZE:
        return "12 parsecs";
    case CRMGOV_OPT_DURATION:
        return "15 fortnights";
    case CRMGOV_OPT_ENUM:
    case CRMGOV_OPT_LIST:
        return "no_such_choice_42";
    default:
        return NULL;
    }
}

/* A bad value must stop the load with a file:line error naming the option. */
static void expect_refused(struct suite *s, const char *key, const char *value, const char *what)
{
    struct runtime rt;
    struct strbuf err = STRBUF_INIT;
    char *ini = scratch_config(s, 1, key, value);
    int rc = scratch_runtime(s, &rt, ini, 1, &err);
    int named = strstr(sb_str(&err), key) != NULL && strstr(sb_str(&err), "check.ini:") != NULL;
    runtime_free(&rt);
    check(s, rc != 0 && named, what, "%s",
          rc == 0 ? "accepted" : sb_str(&err));
    free(ini);
    sb_free(&err);
}

static void test_bad_config(struct suite *s)
{
    expect_refused(s, "no_such_option_42", "1", "an unknown option is refused");
    const struct crmgov_plugin *d = s->desc;
    size_t n = option_count(d->options, d->option_size);
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *o = option_at(d->options, d->option_size, i);
        const char *bad = bad_value_for(o->type);
        if (!bad || (o->type == CRMGOV_OPT_LIST && !o->allowed))
            continue;
        char *what = xasprintf("a bad %s for '%s' is refused",
                               name_of(&names_option_type, (int)o->type), o->name);
        expect_refused(s, o->name, bad, what);
        free(what);
    }
}

static int examples_complete(struct suite *s)
{
    const struct crmgov_plugin *d = s->desc;
    size_t n = option_count(d->options, d->option_size);
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *o = option_at(d->options, d->option_size, i);
        if ((o->flags & CRMGOV_OPT_REQUIRED) && !o->example) {
            check(s, 0, "every required option has an example value",
                  "option '%s' has none, so no host can be configured to test it", o->name);
            return 0;
        }
    }
    check(s, 1, "every required option has an example value", " ");
    return 1;
}

static void remove_scratch(const char *dir)
{
    static const char *const files[] = { "check.db", "check.db-wal", "check.db-shm" };
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

int conformance_run_descriptor(const struct crmgov_plugin *desc, const char *label, FILE *out)
{
    struct suite s = { .out = out, .desc = desc };
    struct strbuf why = STRBUF_INIT;
    int ok = loader_check_descriptor(desc, &why) == 0;
    check(&s, ok, "descriptor and option table are valid", "%s", sb_str(&why));
    sb_free(&why);
    if (!ok)
        return 1;
    fprintf(out, "# %s: %s %s, %s, ABI %u.%u\n", label, desc->name, desc->version,
            name_of(&names_plugin_kind, (int)desc->kind), desc->abi_major, desc->abi_minor);
    char tmpl[] = "/tmp/crmgov-check-XXXXXX";
    s.dir = mkdtemp(tmpl);
    if (!s.dir) {
        check(&s, 0, "scratch folder", "cannot create one in /tmp");
        return s.failed;
    }
    desc->fini(NULL);
    check(&s, 1, "fini(NULL) is harmless (what follows a failed init)", " ");
    if (examples_complete(&s)) {
        test_init_fini(&s);
        test_start_stop(&s);
        test_two_instances(&s);
        test_bad_config(&s);
    }
    remove_scratch(s.dir);
    fprintf(out, "%s %s: %d of %d checks passed\n", s.failed ? "FAIL" : "PASS", desc->name,
            s.n - s.failed, s.n);
    return s.failed;
}

int conformance_run_file(const char *path, FILE *out)
{
    struct plugin *p;
    struct strbuf why = STRBUF_INIT;
    if (loader_open(path, &p, &why)) {
        fprintf(out, "not ok 1 - %s loads: %s\nFAIL %s: refused\n", path, sb_str(&why), path);
        sb_free(&why);
        return 1;
    }
    sb_free(&why);
    int failed = conformance_run_descriptor(p->desc, path, out);
    loader_close(p);
    return failed;
}
