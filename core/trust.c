/*
 * trust.c -- plugin policy, keys, and the record of load decisions; see
 * trust.h.
 */
#include "trust.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "registry.h"
#include "runtime.h"
#include "timeutil.h"

const char *trust_policy_name(enum plugin_policy policy)
{
    switch (policy) {
    case PLUGIN_POLICY_PINNED:
        return "pinned";
    case PLUGIN_POLICY_SIGNED:
        return "signed";
    default:
        return "any";
    }
}

/* "file:line: " of a [core] option, for errors about its value. */
static void core_where(const struct runtime *rt, const char *name, struct strbuf *err)
{
    const struct config_entry *e = config_entry(config_section(&rt->config, "core"), name);
    if (e)
        sb_addf(err, "%s:%d: ", e->file, e->line);
    else if (rt->config.n_files)
        sb_addf(err, "%s: ", rt->config.files[0]);
}

static int load_trusted_keys(struct runtime *rt, struct trust *t, struct strbuf *err)
{
    char *path = runtime_core_path(rt, "trusted_keys");
    if (!path) {
        if (t->policy != PLUGIN_POLICY_SIGNED)
            return 0;
        core_where(rt, "plugin_policy", err);
        sb_adds(err, "plugin_policy = signed needs trusted_keys = FILE in [core]");
        return -1;
    }
    size_t len = 0, line = 0;
    char *text = read_file(path, &len);
    minisign_status status = MINISIGN_OK;
    if (text)
        status = minisign_trusted_keys_parse(text, len, &t->keys, &line);
    int rc = 0;
    if (!text || status != MINISIGN_OK) {
        core_where(rt, "trusted_keys", err);
        if (!text)
            sb_addf(err, "trusted_keys %s: cannot read: %s", path, strerror(errno));
        else if (line)
            sb_addf(err, "trusted_keys %s: line %zu: %s", path, line,
                    minisign_status_message(status));
        else
            sb_addf(err, "trusted_keys %s: %s", path, minisign_status_message(status));
        rc = -1;
    }
    free(text);
    free(path);
    return rc;
}

static int load_signer(struct runtime *rt, struct strbuf *err)
{
    char *path = runtime_core_path(rt, "signing_key");
    if (!path)
        return 0;
    struct strbuf why = STRBUF_INIT;
    int rc = audit_signer_load(path, (uint64_t)runtime_core_int(rt, "checkpoint_every"),
                               &rt->signer, &why);
    if (rc) {
        core_where(rt, "signing_key", err);
        sb_addf(err, "signing_key %s: %s", path, sb_str(&why));
    }
    sb_free(&why);
    free(path);
    return rc;
}

int trust_setup(struct runtime *rt, struct strbuf *err)
{
    if (!rt->trust) {
        rt->trust = xcalloc(1, sizeof(*rt->trust));
        const char *policy = runtime_core_string(rt, "plugin_policy");
        rt->trust->policy = str_eq(policy, "signed")   ? PLUGIN_POLICY_SIGNED
                            : str_eq(policy, "pinned") ? PLUGIN_POLICY_PINNED
                                                       : PLUGIN_POLICY_ANY;
        if (load_trusted_keys(rt, rt->trust, err) || load_signer(rt, err))
            return -1;
    }
    if (rt->store_open)
        rt->store.audit_signer = rt->signer;
    return 0;
}

static void decision_free(struct trust_decision *d)
{
    free(d->plugin);
    free(d->file);
    free(d->version);
    free(d->refusal);
}

void trust_free(struct trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_decisions; i++)
        decision_free(&t->decisions[i]);
    free(t->decisions);
    minisign_trusted_keys_free(&t->keys);
    free(t);
}

int trust_section_pin(const struct config_section *s, char pin[65], struct strbuf *err)
{
    const struct config_entry *e = config_entry(s, "sha256");
    if (!e)
        return 0;
    size_t len = strlen(e->value);
    int ok = len == 64;
    for (size_t i = 0; ok && i < len; i++)
        ok = isxdigit((unsigned char)e->value[i]);
    if (!ok) {
        sb_addf(err, "%s:%d: option 'sha256' of [%s]: expected 64 hexadecimal digits (the "
                     "output of sha256sum FILE)",
                e->file, e->line, s->name);
        return -1;
    }
    for (size_t i = 0; i < 64; i++)
        pin[i] = (char)tolower((unsigned char)e->value[i]);
    pin[64] = '\0';
    return 1;
}

/* ---- decisions ------------------------------------------------------------- */

static struct trust_decision *note(struct trust *t, const char *plugin, const char *file)
{
    t->decisions =
        grow_array(t->decisions, &t->cap_decisions, t->n_decisions + 1, sizeof(*t->decisions));
    struct trust_decision *d = &t->decisions[t->n_decisions++];
    memset(d, 0, sizeof(*d));
    d->plugin = xstrdup(plugin);
    d->file = xstrdup(file);
    return d;
}

static int noted(const struct trust *t, const char *plugin)
{
    for (size_t i = 0; i < t->n_decisions; i++)
        if (strcmp(t->decisions[i].plugin, plugin) == 0)
            return 1;
    return 0;
}

void trust_note_builtin(struct trust *t, const struct plugin *p)
{
    if (!t)
        return;
    struct trust_decision *d = note(t, p->desc->name, p->path);
    d->builtin = 1;
    d->version = xstrdup(p->desc->version);
}

/* A section reusing a plugin another section loaded: only its pin is new. */
static struct plugin *reuse_loaded(struct runtime *rt, struct plugin *p, const char *pin,
                                   const char *where, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    if (!pin && rt->trust->policy == PLUGIN_POLICY_PINNED)
        sb_adds(&why, "no sha256 pin in its section (plugin_policy = pinned)");
    else if (pin && strcmp(pin, p->sha256) != 0)
        sb_addf(&why, "sha256 %s does not match the pinned %s", p->sha256, pin);
    struct trust_decision *d = NULL;
    if (!why.len) {
        /* loaded before the sections were read (the SDK harness): note it once */
        if (!noted(rt->trust, p->desc->name)) {
            d = note(rt->trust, p->desc->name, p->path);
            memcpy(d->found.sha256, p->sha256, sizeof(d->found.sha256));
            memcpy(d->found.key_id, p->key_id, sizeof(d->found.key_id));
            d->version = xstrdup(p->desc->version);
        }
        return p;
    }
    d = note(rt->trust, p->desc->name, p->path);
    memcpy(d->found.sha256, p->sha256, sizeof(d->found.sha256));
    memcpy(d->found.key_id, p->key_id, sizeof(d->found.key_id));
    d->refusal = xasprintf("%s: %s", p->path, sb_str(&why));
    sb_addf(err, "%s%s", where, d->refusal);
    sb_free(&why);
    return NULL;
}

struct plugin *trust_load_section_plugin(struct runtime *rt, const struct config_section *s,
                                         const char *dir, const char *name,
                                         struct strbuf *err)
{
    const struct config_entry *pe = config_entry(s, "plugin");
    char pin[65];
    int has_pin = trust_section_pin(s, pin, err);
    if (has_pin < 0)
        return NULL;
    char *where = xasprintf("%s:%d: ", pe ? pe->file : s->file, pe ? pe->line : s->line);
    struct plugin *p = registry_plugin(&rt->registry, name);
    if (p) {
        p = reuse_loaded(rt, p, has_pin ? pin : NULL, where, err);
        free(where);
        return p;
    }
    struct loader_trust lt = { .policy = rt->trust->policy,
                               .pin_sha256 = has_pin ? pin : NULL,
                               .keys = &rt->trust->keys };
    struct loader_decision found;
    struct strbuf why = STRBUF_INIT;
    p = registry_load(&rt->registry, dir, name, &lt, &found, &why);
    char *file = xasprintf("%s/%s.so", dir, name);
    struct trust_decision *d = note(rt->trust, name, file);
    d->found = found;
    if (p)
        d->version = xstrdup(p->desc->version);
    else {
        d->refusal = xstrdup(sb_str(&why));
        sb_addf(err, "%s%s", where, sb_str(&why));
    }
    sb_free(&why);
    free(file);
    free(where);
    return p;
}

void trust_for_listing(struct runtime *rt, const char *name, char pin[65],
                       struct loader_trust *out)
{
    memset(out, 0, sizeof(*out));
    out->policy = rt->trust ? rt->trust->policy : PLUGIN_POLICY_ANY;
    out->keys = rt->trust ? &rt->trust->keys : NULL;
    for (size_t i = 0; i < rt->config.n_sections && !out->pin_sha256; i++) {
        const struct config_section *s = &rt->config.sections[i];
        const struct config_entry *pe = config_entry(s, "plugin");
        const char *plugin = pe ? pe->value : s->instance;
        struct strbuf ignored = STRBUF_INIT;
        if (strcmp(s->kind, "core") != 0 && str_eq(plugin, name) &&
            trust_section_pin(s, pin, &ignored) == 1)
            out->pin_sha256 = pin;
        sb_free(&ignored);
    }
}

/* ---- the audit log --------------------------------------------------------- */

static char *decision_details(const struct trust_decision *d, enum plugin_policy policy)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", d->file);
    if (d->found.sha256[0])
        cJSON_AddStringToObject(o, "sha256", d->found.sha256);
    else
        cJSON_AddNullToObject(o, "sha256");
    if (d->found.key_id[0])
        cJSON_AddStringToObject(o, "key_id", d->found.key_id);
    else
        cJSON_AddNullToObject(o, "key_id");
    cJSON_AddStringToObject(o, "policy", d->builtin ? "built-in" : trust_policy_name(policy));
    cJSON_AddStringToObject(o, "result", d->refusal ? "refused" : "loaded");
    if (d->refusal)
        cJSON_AddStringToObject(o, "reason", d->refusal);
    else
        cJSON_AddStringToObject(o, "version", d->version);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* 1 when this load is what was recorded last for the plugin. */
static int same_as_last(struct store *s, const struct trust_decision *d, const char *details)
{
    if (d->refusal)
        return 0;
    char *key = xasprintf("plugin_load:%s", d->plugin);
    struct strbuf last = STRBUF_INIT;
    int same = store_meta_get(s, key, &last) == 0 && strcmp(sb_str(&last), details) == 0;
    if (!same)
        store_meta_put(s, key, details);
    sb_free(&last);
    free(key);
    return same;
}

void trust_record(struct runtime *rt)
{
    struct trust *t = rt->trust;
    if (!t || !t->n_decisions)
        return;
    if (rt->store_open && store_begin(&rt->store) == CRMGOV_OK) {
        crmgov_time at = rt->store.watermark != CRMGOV_TIME_NONE ? rt->store.watermark
                                                                  : wall_clock_ms();
        for (size_t i = 0; i < t->n_decisions; i++) {
            const struct trust_decision *d = &t->decisions[i];
            char *details = decision_details(d, t->policy);
            if (!same_as_last(&rt->store, d, details))
                auditlog_append(&rt->store, rt->actor, "plugin.load", d->plugin, details, at);
            cJSON_free(details);
        }
        if (store_commit(&rt->store) != CRMGOV_OK)
            log_warn("could not record the plugin load decisions in the audit log");
    }
    for (size_t i = 0; i < t->n_decisions; i++)
        decision_free(&t->decisions[i]);
    t->n_decisions = 0;
}
