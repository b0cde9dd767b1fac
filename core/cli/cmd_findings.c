/*
 * cmd_findings.c -- `crmgov findings`: what the layers found, in the output
 * contract of docs/rules.md (JSON: rule, name, layer, severity, system,
 * automation, subject, message, evidence, first_seen, last_seen, state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "findings_table.h"
#include "names.h"

static const struct cli_option findings_options[] = {
    CLI_COMMON_OPTIONS, { "layer", 0, 1 }, { "rule", 0, 1 }, { "severity", 0, 1 },
    { "state", 0, 1 }, { "system", 0, 1 }, { "automation", 0, 1 }, { "format", 0, 1 },
    { "fail-on", 0, 1 }, { NULL, 0, 0 },
};

static int parse_filters(const struct cli_args *args, struct crmgov_finding_filter *filter,
                         int *fail_on)
{
    const char *severity = cli_get(findings_options, args, "severity");
    const char *state = cli_get(findings_options, args, "state");
    const char *fail = cli_get(findings_options, args, "fail-on");
    filter->state = CRMGOV_FINDING_OPEN;
    if (state && strcmp(state, "all") == 0)
        filter->state = -1;
    else if (state && (filter->state = name_lookup(&names_finding_state, state)) < 0) {
        fprintf(stderr, "crmgov findings: --state must be open, resolved, acknowledged or "
                        "all\n");
        return EXIT_USAGE;
    }
    if (severity && (filter->min_severity = name_lookup(&names_severity, severity)) < 0) {
        fprintf(stderr, "crmgov findings: --severity must be info, low, medium, high or "
                        "critical\n");
        return EXIT_USAGE;
    }
    *fail_on = -1;
    if (fail && (*fail_on = name_lookup(&names_severity, fail)) < 0) {
        fprintf(stderr, "crmgov findings: --fail-on must be info, low, medium, high or "
                        "critical\n");
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_findings(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("findings", findings_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *format = cli_get(findings_options, &args, "format");
    struct crmgov_finding_filter filter = {
        .struct_size = sizeof(filter), .min_severity = -1,
        .layer = cli_get(findings_options, &args, "layer"),
        .rule = cli_get(findings_options, &args, "rule"),
        .system = cli_get(findings_options, &args, "system"),
        .automation = cli_get(findings_options, &args, "automation"),
    };
    int fail_on = -1, worst = -1;
    int rc = cli_logging(findings_options, &args);
    if (!rc)
        rc = cli_check_format("findings", format, NULL);
    if (!rc)
        rc = parse_filters(&args, &filter, &fail_on);
    char *config = rc ? NULL : cli_config_path(cli_get(findings_options, &args, "config"));
    if (!config) {
        cli_args_free(&args);
        return EXIT_USAGE;
    }
    struct runtime rt;
    runtime_init(&rt);
    rc = cli_open(&rt, config, CLI_STAGE_STORE);
    if (rc == 0) {
        table_print(findings_table(&rt.store, &filter, &worst), format);
        if (fail_on >= 0 && worst >= fail_on)
            rc = EXIT_FINDINGS;
    }
    runtime_free(&rt);
    free(config);
    cli_args_free(&args);
    return rc;
}

const struct cli_command cli_findings = {
    "findings", cmd_findings, "list findings of the governance layers",
    "usage: crmgov findings [-c FILE] [--layer L] [--rule R] [--severity S]\n"
    "                       [--state open|resolved|acknowledged|all] [--system S]\n"
    "                       [--automation ID] [--format table|json|csv]\n"
    "                       [--fail-on SEVERITY]\n"
    "\n"
    "  --layer L           only findings of layer L (ownership, change, audit...)\n"
    "  --rule R            only rule R (OWN002...)\n"
    "  --severity S        only severity S and above (info, low, medium, high,\n"
    "                      critical)\n"
    "  --state STATE       open (default), resolved, acknowledged or all\n"
    "  --system S          only system S\n"
    "  --automation ID     only findings about automation ID\n"
    "  --format FORMAT     table (default), json or csv\n"
    "  --fail-on SEVERITY  exit 1 when a listed finding has this severity or more\n"
    "\n"
    "The JSON form is an array of objects with rule, name, layer, severity,\n"
    "system, automation (null when none), subject (null when none), message,\n"
    "evidence (an object), first_seen, last_seen and state.\n"
};
