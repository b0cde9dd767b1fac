/*
 * chg_cmdutil.c -- what the change layer's commands share: a small option
 * parser (so every command reports a bad option the same way, in one line,
 * with exit status 2), the event time a command stamps its records with, and
 * the owner test behind require_owner_approval.
 *
 * Owner test: the ownership layer's service when it runs (it knows service
 * accounts, deactivations and grace); without it, the core's owner records
 * and principals: an owner of any role who is an active principal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crmgov/services/ownership.h"

#include "chg_layer.h"

static int listed(const char *list, const char *name)
{
    if (!list)
        return 0;
    size_t n = strlen(name);
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if (p > list && p[-1] == '|' && p[n] == '|')
            return 1;
    return 0;
}

static int set_arg(const char *cmd, struct chg_args *out, const char *name, const char *value)
{
    for (int i = 0; i < out->n; i++) {
        if (strcmp(out->names[i], name) == 0) {
            fprintf(stderr, "crmgov %s: option '--%s' given twice\n", cmd, name);
            return -1;
        }
    }
    if (out->n == 16) {
        fprintf(stderr, "crmgov %s: too many options\n", cmd);
        return -1;
    }
    out->names[out->n] = name;
    out->values[out->n++] = value;
    return 0;
}

int chg_args_parse(const char *cmd, int argc, char **argv, int first, const char *with_value,
                   const char *flags, struct chg_args *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            if (out->n_positional == 64) {
                fprintf(stderr, "crmgov %s: too many arguments\n", cmd);
                return -1;
            }
            out->positional[out->n_positional++] = arg;
            continue;
        }
        /* "--name=value": split in place (argv is ours to edit) */
        char *name = argv[i] + 2;
        char *eq = strchr(name, '=');
        if (eq)
            *eq = '\0';
        int takes_value = listed(with_value, name) || strcmp(name, "log-level") == 0 ||
                          strcmp(name, "log-format") == 0;
        if (!takes_value && !listed(flags, name)) {
            fprintf(stderr, "crmgov %s: unknown option '--%s' (see 'crmgov help %s')\n", cmd,
                    name, cmd);
            return -1;
        }
        const char *value = "1";
        if (takes_value && eq) {
            value = eq + 1;
        } else if (takes_value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "crmgov %s: option '--%s' needs a value\n", cmd, name);
                return -1;
            }
            value = argv[++i];
        } else if (eq) {
            fprintf(stderr, "crmgov %s: option '--%s' takes no value\n", cmd, name);
            return -1;
        }
        if (strncmp(name, "log-", 4) == 0)
            continue; /* the core's logging options: already applied */
        if (set_arg(cmd, out, name, value))
            return -1;
    }
    return 0;
}

const char *chg_arg(const struct chg_args *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->names[i], name) == 0)
            return a->values[i];
    return NULL;
}

crmgov_time chg_command_time(const struct chg_layer *l, const char *at_arg)
{
    const struct crmgov_host *h = l->host;
    if (at_arg)
        return h->time_parse(at_arg);
    crmgov_time now = h->now(h);
    if (now != CRMGOV_TIME_NONE)
        return now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (crmgov_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct owner_probe {
    const struct crmgov_host *host;
    const char *system, *principal;
    int holds;
};

static int principal_active(void *ctx, const struct crmgov_principal_item *item)
{
    int *active = ctx;
    *active = item->principal->active;
    return 0;
}

static int owner_matches(void *ctx, const struct crmgov_owner_item *item)
{
    struct owner_probe *p = ctx;
    if (strcmp(item->principal, p->principal) != 0)
        return 0;
    int active = 0;
    p->host->principal_get(p->host, p->system, p->principal, principal_active, &active);
    p->holds |= active;
    return 0;
}

int chg_is_owner(struct chg_layer *l, const char *system, const char *automation,
                 const char *principal)
{
    const struct crmgov_host *h = l->host;
    const struct crmgov_ownership_service *own =
        h->service_lookup(h, CRMGOV_OWNERSHIP_SERVICE, CRMGOV_OWNERSHIP_SERVICE_VERSION);
    if (own && own->struct_size >= offsetof(struct crmgov_ownership_service, is_owner) +
                                       sizeof(own->is_owner))
        return own->is_owner(own, system, automation, principal, -1) == 1;
    struct owner_probe p = { h, system, principal, 0 };
    h->owners_scan(h, system, automation, owner_matches, &p);
    return p.holds;
}
