/*
 * ownership.c -- the `ownership` layer: every automation has a named,
 * reachable, accountable owner (OWN001-OWN005, docs/rules/ownership.md).
 *
 * This file holds what the core sees: the descriptor, the options table,
 * init/fini and the four topics the layer listens to (automation,
 * principal, ownership, tick). Records and executions -- nearly all of a
 * busy bus -- never reach it. The model and the rules live in own_index.c
 * and own_rules.c, the `crmgov owners` command in own_cli.c, the service
 * other layers ask "who owns this?" in own_service.c.
 */
#include <stdlib.h>
#include <string.h>

#include "own.h"

static const struct crmgov_option ownership_options[] = {
    { .name = "required_roles", .type = CRMGOV_OPT_LIST, .default_value = "system",
      .allowed = "system|decision|outcome",
      .doc = "owner roles every active automation must have (OWN001, OWN002)",
      .example = "system,decision" },
    { .name = "grace", .type = CRMGOV_OPT_DURATION, .default_value = "0", .min = "0",
      .doc = "a deactivated (or unknown) owner orphans a role only after this much event time",
      .example = "1d" },
    { .name = "settle", .type = CRMGOV_OPT_DURATION, .default_value = "1h", .min = "0",
      .doc = "time a new automation (or a newly named, not yet seen owner) is given for its "
             "owners and principals to arrive before OWN001/OWN002 judge it",
      .example = "30m" },
    { .name = "max_owned", .type = CRMGOV_OPT_INT, .default_value = "25", .min = "1",
      .doc = "most active automations one person may own (OWN004, bus factor)",
      .example = "40" },
    { .name = "owner_roles", .type = CRMGOV_OPT_LIST,
      .doc = "CRM roles an owner must have at least one of (OWN005); empty = OWN005 off",
      .example = "admin,sales-manager" },
    { .name = "fallback_owner", .type = CRMGOV_OPT_STRING,
      .doc = "principal named on OWN001/OWN002 findings as the one who should act "
             "(never named where it is deactivated)",
      .example = "u-1" },
    CRMGOV_OPTIONS_END
};

const char own_cli_usage[] =
    "usage: crmgov owners assign SYSTEM/ID --role ROLE --to PRINCIPAL --by ACTOR [--at TIME]\n"
    "       crmgov owners unassign SYSTEM/ID --role ROLE [--from PRINCIPAL] --by ACTOR "
    "[--at TIME]\n"
    "       crmgov owners import FILE.csv --by ACTOR [--at TIME] [--format table|json|csv]\n"
    "       crmgov owners transfer --from P --to Q [--system S] [--role ROLE] --by ACTOR\n"
    "                              [--at TIME] [--format table|json|csv]\n"
    "       crmgov owners list [--system S] [--principal P] [--unowned] "
    "[--format table|json|csv]\n"
    "\n"
    "ROLE is system, decision or outcome. An import file is CSV with the header\n"
    "system,automation,role,principal; one bad row and nothing of the file is applied.\n"
    "transfer hands every assignment of P (in S, of ROLE) over to Q. Every assignment,\n"
    "removal, import and transfer is written to the audit log with ACTOR.\n"
    "Exit status: 0 done, 1 nothing to do, 2 usage or input error (nothing applied).\n";

static void ownership_fini(void *state)
{
    struct own_layer *l = state;
    if (!l)
        return;
    own_index_free(l);
    free(l);
}

static unsigned read_required_roles(const struct own_layer *l, const struct crmgov_config *c)
{
    const char *const *items;
    size_t n = l->host->config_list(c, "required_roles", &items);
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        int role = own_role_parse(items[i]);
        if (role >= 0)
            mask |= 1u << role;
    }
    return mask;
}

static void read_options(struct own_layer *l, const struct crmgov_config *c)
{
    const struct crmgov_host *h = l->host;
    l->required_roles = read_required_roles(l, c);
    l->grace_ms = h->config_duration_ms(c, "grace");
    l->settle_ms = h->config_duration_ms(c, "settle");
    l->max_owned = h->config_int(c, "max_owned");
    l->n_owner_roles = h->config_list(c, "owner_roles", &l->owner_roles);
    const char *fallback = h->config_string(c, "fallback_owner");
    l->fallback = fallback && *fallback ? fallback : NULL;
}

static int subscribe_all(struct own_layer *l)
{
    const struct crmgov_host *h = l->host;
    if (h->subscribe(h, CRMGOV_TOPIC_AUTOMATION, own_on_automation, l) != CRMGOV_OK ||
        h->subscribe(h, CRMGOV_TOPIC_PRINCIPAL, own_on_principal, l) != CRMGOV_OK ||
        h->subscribe(h, CRMGOV_TOPIC_OWNERSHIP, own_on_ownership, l) != CRMGOV_OK ||
        h->subscribe(h, CRMGOV_TOPIC_TICK, own_on_tick, l) != CRMGOV_OK) {
        h->set_error(h, "cannot subscribe to the automation, principal, ownership and tick "
                        "topics");
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

/* The command and the service have one name each: a second instance of the
 * layer keeps working but leaves them to the first (and says so). */
static void register_interfaces(struct own_layer *l)
{
    const struct crmgov_host *h = l->host;
    l->command = (struct crmgov_command){
        .struct_size = sizeof(l->command), .name = "owners",
        .summary = "assign, unassign, import, transfer and list automation owners",
        .usage = own_cli_usage, .run = own_cli_run,
    };
    if (h->command_register(h, &l->command, l) != CRMGOV_OK)
        h->log(h, CRMGOV_LOG_WARN, "another instance already offers `crmgov owners`");
    own_service_init(l);
    if (h->service_lookup(h, CRMGOV_OWNERSHIP_SERVICE, 0))
        h->log(h, CRMGOV_LOG_WARN, "another instance already offers the ownership service");
    else if (h->service_register(h, CRMGOV_OWNERSHIP_SERVICE,
                                 CRMGOV_OWNERSHIP_SERVICE_VERSION, &l->service) != CRMGOV_OK)
        h->log(h, CRMGOV_LOG_WARN, "the ownership service could not be registered");
}

static int ownership_init(const struct crmgov_host *host, const struct crmgov_config *config,
                          void **state)
{
    struct own_layer *l = calloc(1, sizeof(*l));
    if (!l) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    l->host = host;
    l->refreshed_day = CRMGOV_TIME_NONE;
    read_options(l, config);
    crmgov_time now = host->now(host);
    if (now != CRMGOV_TIME_NONE)
        l->refreshed_day = now - ((now % 86400000LL) + 86400000LL) % 86400000LL;
    if (own_index_load(l) != CRMGOV_OK || subscribe_all(l) != CRMGOV_OK) {
        ownership_fini(l);
        return CRMGOV_ERROR;
    }
    register_interfaces(l);
    *state = l;
    return CRMGOV_OK;
}

static const struct crmgov_plugin ownership_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "ownership",
    .version = "1.0.0",
    .description = "ownership and accountability: unowned, orphaned, dead-end recipients, "
                   "owner overload, owners without access (OWN001-OWN005)",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(ownership_options),
    .init = ownership_init,
    .fini = ownership_fini,
};

CRMGOV_PLUGIN_EXPORT(ownership_plugin)
