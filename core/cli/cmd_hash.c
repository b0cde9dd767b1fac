/*
 * cmd_hash.c -- `crmgov hash FILE|-`: the definition hash of an automation,
 * exactly as external change processes must compute it (docs/events.md).
 *
 * The input is one JSON object (an `automation` event or a bare definition)
 * or JSON Lines of them; one hash is printed per object, followed by the id
 * when there are several.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "cli/cli.h"
#include "event.h"

static int hash_one(const char *text, size_t len, const char *where, int with_id)
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_definition(text, len, "", &why);
    if (!box) {
        fprintf(stderr, "crmgov hash: %s: %s\n", where, sb_str(&why));
        sb_free(&why);
        return EXIT_USAGE;
    }
    const struct crmgov_automation *a = box->ev.u.automation;
    if (with_id)
        printf("%s  %s\n", a->definition_hash, a->id);
    else
        printf("%s\n", a->definition_hash);
    event_box_free(box);
    sb_free(&why);
    return EXIT_OK;
}

static int hash_lines(char *text, const char *path)
{
    int status = EXIT_OK, line_no = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (!*str_trim(line))
            continue;
        char where[64];
        snprintf(where, sizeof(where), "line %d", line_no);
        if (hash_one(line, strlen(line), where, 1))
            status = EXIT_USAGE;
    }
    (void)path;
    return status;
}

static int cmd_hash(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: crmgov hash FILE|-\n");
        return EXIT_USAGE;
    }
    size_t len = 0;
    char *text = read_file_or_stdin(argv[1], &len);
    if (!text) {
        fprintf(stderr, "crmgov hash: cannot read %s\n", argv[1]);
        return EXIT_USAGE;
    }
    /* one object (over any number of lines), or else JSON Lines */
    size_t at;
    int trailing;
    cJSON *whole = json_parse_exact(text, len, &at, &trailing);
    int status = whole ? hash_one(text, len, argv[1], 0) : hash_lines(text, argv[1]);
    cJSON_Delete(whole);
    free(text);
    return status;
}

const struct cli_command cli_hash = {
    "hash", cmd_hash, "print the definition hash of an automation JSON",
    "usage: crmgov hash FILE|-\n"
    "\n"
    "Prints the lowercase hex SHA-256 of the canonical JSON of the definition\n"
    "{actions, conditions, kind, object, trigger} (docs/events.md). FILE holds\n"
    "one automation object, or JSON Lines of them (then each hash is followed\n"
    "by the automation id). '-' reads standard input. Change processes use it\n"
    "so that what they approve matches what the CRM later shows.\n"
};
