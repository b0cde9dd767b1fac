/*
 * change.c -- the `change` layer plugin: change control for CRM automations
 * (CHG001-CHG007, docs/rules/change.md).
 *
 * This file is only the plugin's face: the options table, init (read the
 * options, subscribe, register the commands and the "change" service) and
 * fini. Nothing is read from the store here: the inventory is loaded the
 * first time an event or one of this layer's commands needs it, so that
 * `crmgov owners ...` (which initialises every plugin) does not pay for it.
 */
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

static const struct crmgov_option change_options[] = {
    { .name = "baseline", .type = CRMGOV_OPT_ENUM, .default_value = "first-sync",
      .allowed = "first-sync|none",
      .doc = "first-sync: what each system shows within baseline_window of its first automation "
             "event is approved as the starting point; none: nothing is approved until a change "
             "approves it" },
    { .name = "baseline_window", .type = CRMGOV_OPT_DURATION, .default_value = "1h", .min = "0",
      .max = "365d", .doc = "how long after a system's first automation event the baseline "
                            "keeps approving what is observed" },
    { .name = "approvals_low", .type = CRMGOV_OPT_INT, .default_value = "1", .min = "1",
      .max = "20", .doc = "approvers a low-risk change needs (author excluded)" },
    { .name = "approvals_medium", .type = CRMGOV_OPT_INT, .default_value = "1", .min = "1",
      .max = "20", .doc = "approvers a medium-risk change needs" },
    { .name = "approvals_high", .type = CRMGOV_OPT_INT, .default_value = "2", .min = "1",
      .max = "20", .doc = "approvers a high-risk change needs" },
    { .name = "approvals_critical", .type = CRMGOV_OPT_INT, .default_value = "3", .min = "1",
      .max = "20", .doc = "approvers a critical-risk change needs" },
    { .name = "require_owner_approval", .type = CRMGOV_OPT_BOOL, .default_value = "true",
      .doc = "a change request is approved only once an active owner of the automation "
             "approved it (through the ownership layer when it runs)" },
    { .name = "critical_fields", .type = CRMGOV_OPT_LIST, .default_value = "deal.stage,deal.amount",
      .doc = "object.field items whose writes make a change high risk (critical when two "
             "automations fight over one)",
      .example = "deal.stage,deal.amount" },
    { .name = "review_base", .type = CRMGOV_OPT_DURATION, .default_value = "180d", .min = "1d",
      .doc = "review interval of a system with review_reference active automations or fewer" },
    { .name = "review_min", .type = CRMGOV_OPT_DURATION, .default_value = "30d", .min = "1h",
      .doc = "the review interval never gets shorter than this" },
    { .name = "review_reference", .type = CRMGOV_OPT_INT, .default_value = "50", .min = "1",
      .doc = "active automations in a system above which the review interval shrinks "
             "(interval = max(review_min, review_base x min(1, review_reference / active)))" },
    { .name = "blast_medium", .type = CRMGOV_OPT_INT, .default_value = "100", .min = "1",
      .doc = "record changes per day on the trigger object that make a change medium risk" },
    { .name = "blast_high", .type = CRMGOV_OPT_INT, .default_value = "1000", .min = "1",
      .doc = "record changes per day on the trigger object that make a change high risk" },
    { .name = "blast_window", .type = CRMGOV_OPT_DURATION, .default_value = "28d", .min = "1d",
      .max = "365d", .doc = "how far back the daily record changes are averaged" },
    { .name = "downstream_high", .type = CRMGOV_OPT_INT, .default_value = "3", .min = "1",
      .doc = "automations a change can set off (directly or in a chain) that make it high risk "
             "(one makes it medium)" },
    { .name = "recipients_medium", .type = CRMGOV_OPT_INT, .default_value = "10", .min = "1",
      .doc = "distinct people an automation notifies, assigns, emails or tasks that make a "
             "change medium risk" },
    CRMGOV_OPTIONS_END
};

static int parse_critical_fields(struct chg_layer *l, const struct crmgov_config *config)
{
    const char *const *items;
    size_t n = l->host->config_list(config, "critical_fields", &items);
    l->opt.critical = chg_xcalloc(n * 2, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(items[i], '.');
        if (!dot || dot == items[i] || !dot[1] || strchr(dot + 1, '.')) {
            l->host->set_error(l->host, "critical_fields: '%s' is not object.field", items[i]);
            return CRMGOV_INVALID_CONFIG;
        }
        char *object = chg_xstrdup(items[i]);
        object[dot - items[i]] = '\0';
        l->opt.critical[2 * l->opt.n_critical] = chg_intern(&l->st, object);
        l->opt.critical[2 * l->opt.n_critical + 1] = chg_intern(&l->st, dot + 1);
        l->opt.n_critical++;
        free(object);
    }
    return CRMGOV_OK;
}

static int read_options(struct chg_layer *l, const struct crmgov_config *config)
{
    const struct crmgov_host *h = l->host;
    struct chg_options *o = &l->opt;
    o->baseline_first_sync = strcmp(h->config_string(config, "baseline"), "first-sync") == 0;
    o->baseline_window_ms = h->config_duration_ms(config, "baseline_window");
    o->approvals[CHG_LEVEL_LOW] = h->config_int(config, "approvals_low");
    o->approvals[CHG_LEVEL_MEDIUM] = h->config_int(config, "approvals_medium");
    o->approvals[CHG_LEVEL_HIGH] = h->config_int(config, "approvals_high");
    o->approvals[CHG_LEVEL_CRITICAL] = h->config_int(config, "approvals_critical");
    o->require_owner = h->config_bool(config, "require_owner_approval");
    o->review_base_ms = h->config_duration_ms(config, "review_base");
    o->review_min_ms = h->config_duration_ms(config, "review_min");
    o->review_reference = h->config_int(config, "review_reference");
    o->blast_medium = h->config_int(config, "blast_medium");
    o->blast_high = h->config_int(config, "blast_high");
    o->blast_window_ms = h->config_duration_ms(config, "blast_window");
    o->downstream_high = h->config_int(config, "downstream_high");
    o->recipients_medium = h->config_int(config, "recipients_medium");
    return parse_critical_fields(l, config);
}

static const struct crmgov_command change_commands[] = {
    { sizeof(struct crmgov_command), "change", "propose, list, show, approve and reject changes",
      "usage: crmgov change propose SYSTEM/ID (--file DEF.json | --status STATUS) --by USER\n"
      "                             [--note TEXT] [--at TIME] [--format table|json]\n"
      "       crmgov change list [--state pending|approved|rejected|all] [--system S]\n"
      "                          [--format table|json|csv]\n"
      "       crmgov change show ID [--format table|json]\n"
      "       crmgov change approve ID --by USER [--comment TEXT] [--at TIME]\n"
      "       crmgov change reject ID --by USER --reason TEXT [--at TIME]\n"
      "\n"
      "propose assesses the risk of the new definition (conflicts, cycles and duplicate\n"
      "actions it would create, blast radius, critical fields) and stores the request;\n"
      "approve needs approvals_<level> approvers other than the author, one of them an\n"
      "owner of the automation (require_owner_approval). An approved request makes its\n"
      "definition the automation's approved version. Every step is in the audit log.\n",
      chg_cmd_change },
    { sizeof(struct crmgov_command), "review", "record a review of an automation",
      "usage: crmgov review SYSTEM/ID --by USER [--note TEXT] [--at TIME]\n"
      "\n"
      "Records that USER reviewed the automation as it is now; it restarts the review\n"
      "clock of CHG004 (an approved change does too).\n",
      chg_cmd_review },
    { sizeof(struct crmgov_command), "reviews", "list automations whose review is due",
      "usage: crmgov reviews due [--system S] [--within DURATION] [--format table|json|csv]\n"
      "\n"
      "Lists active automations whose review falls due within DURATION (default 30d),\n"
      "overdue ones first, with the last review, the interval of their system and the\n"
      "due date.\n",
      chg_cmd_reviews },
    { sizeof(struct crmgov_command), "check", "risk check of automation definitions (CI)",
      "usage: crmgov check FILE... [--system S] [--format table|json|sarif] [--fail-on LEVEL]\n"
      "\n"
      "Treats each file (an automation object in the EVENTS.md shape, or an array of\n"
      "them; \"id\" required, \"system\" or --system) as a proposal against the current\n"
      "inventory, without storing anything, and reports its risk and the conflicts,\n"
      "cycles and duplicate actions it would create. Exit status 1 when a file's risk\n"
      "reaches --fail-on (low|medium|high|critical|never; default high), 2 on bad input.\n",
      chg_cmd_check },
};

static void change_fini(void *state)
{
    struct chg_layer *l = state;
    if (!l)
        return;
    chg_engine_free(&l->engine);
    for (uint32_t i = 0; i < l->autos.cap; i++) {
        struct chg_auto *a = l->autos.keys[i].tag ? l->autos.vals[i] : NULL;
        if (a) {
            chg_pending_free(a->pending);
            free(a);
        }
    }
    chg_map_free(&l->autos);
    for (uint32_t i = 0; i < l->system_list.n; i++) {
        struct chg_system *s = l->system_list.v[i];
        chg_ptrs_free(&s->autos);
        free(s);
    }
    chg_ptrs_free(&l->system_list);
    chg_map_free(&l->systems);
    free(l->opt.critical);
    chg_strtab_free(&l->st);
    free(l);
}

static int change_init(const struct crmgov_host *host, const struct crmgov_config *config,
                       void **state)
{
    struct chg_layer *l = chg_xcalloc(1, sizeof(*l));
    l->host = host;
    chg_strtab_init(&l->st);
    chg_engine_init(&l->engine, &l->st);
    chg_engine_set_sink(&l->engine, chg_collect_delta, l);
    l->next_due = CRMGOV_TIME_NONE;
    int rc = read_options(l, config);
    if (rc == CRMGOV_OK &&
        (host->subscribe(host, CRMGOV_TOPIC_AUTOMATION, chg_on_automation, l) ||
         host->subscribe(host, CRMGOV_TOPIC_CHANGE, chg_on_change, l) ||
         host->subscribe(host, CRMGOV_TOPIC_TICK, chg_on_tick, l)))
        rc = CRMGOV_ERROR;
    for (size_t i = 0; rc == CRMGOV_OK && i < sizeof(change_commands) / sizeof(change_commands[0]);
         i++)
        if (host->command_register(host, &change_commands[i], l))
            rc = CRMGOV_ERROR;
    if (rc == CRMGOV_OK) {
        chg_service_init(l);
        /* a second instance of the layer leaves the service with the first */
        if (host->service_register(host, CRMGOV_CHANGE_SERVICE, CRMGOV_CHANGE_SERVICE_VERSION,
                                   &l->service))
            host->log(host, CRMGOV_LOG_WARN, "the \"change\" service is already offered");
    }
    if (rc != CRMGOV_OK) {
        change_fini(l);
        return rc;
    }
    *state = l;
    return CRMGOV_OK;
}

static const struct crmgov_plugin change_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = CHG_LAYER_NAME,
    .version = "1.0.0",
    .description = "change control: approvals, drift, conflicts, cycles and review cycles",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(change_options),
    .init = change_init,
    .fini = change_fini,
};

CRMGOV_PLUGIN_EXPORT(change_plugin)
