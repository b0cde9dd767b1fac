/*
 * cmd_log.c -- `crmgov log verify|head|prove|check-proof|show`: the audit
 * log for admins and for outside auditors (docs/auditlog.md).
 *
 * `verify` is the local check (every entry, every signed head, and Rekor's
 * rule against a head saved off the machine); `head` prints the head to
 * copy off the machine; `prove` prints proofs; `check-proof` is what an
 * auditor runs on another machine with nothing but the proof and the public
 * key -- it needs no configuration and no database. Exit status: 0 ok,
 * 1 verification failed, 2 usage or input error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auditlog.h"
#include "cli/cli.h"
#include "output.h"
#include "timeutil.h"

static const struct cli_option log_options[] = {
    CLI_COMMON_OPTIONS,     { "pubkey", 0, 1 }, { "state", 0, 1 },  { "format", 0, 1 },
    { "since", 0, 1 },      { "actor", 0, 1 },  { "action", 0, 1 }, { "size", 0, 1 },
    { "consistency", 0, 1 }, { "sign", 0, 0 },   { NULL, 0, 0 },
};

/* ---- shared ---------------------------------------------------------------- */

static int parse_count(const char *text, uint64_t *out)
{
    if (!text || !*text || strlen(text) > 19)
        return -1;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static int usage(const char *what)
{
    fprintf(stderr, "crmgov log: %s (see 'crmgov help log')\n", what);
    return EXIT_USAGE;
}

static int read_keys(const char *path, minisign_trusted_keys *keys)
{
    size_t len = 0, line = 0;
    char *text = read_file(path, &len);
    minisign_status status =
        text ? minisign_trusted_keys_parse(text, len, keys, &line) : MINISIGN_ERR_IO;
    if (!text)
        fprintf(stderr, "crmgov log: %s: %s\n", path, strerror(errno));
    else if (status != MINISIGN_OK)
        fprintf(stderr, "crmgov log: %s:%zu: %s\n", path, line, minisign_status_message(status));
    free(text);
    return status == MINISIGN_OK ? 0 : -1;
}

static int read_saved_head(const char *path, struct audit_head *head)
{
    size_t len = 0;
    char *text = read_file_or_stdin(path, &len);
    struct strbuf why = STRBUF_INIT;
    int rc = text ? audit_head_from_text(text, len, head, &why) : -1;
    if (!text)
        fprintf(stderr, "crmgov log: %s: %s\n", path, strerror(errno));
    else if (rc)
        fprintf(stderr, "crmgov log: %s: %s\n", path, sb_str(&why));
    free(text);
    sb_free(&why);
    return rc;
}

static int open_store(const struct cli_args *args, struct runtime *rt)
{
    char *config = cli_config_path(cli_get(log_options, args, "config"));
    if (!config)
        return EXIT_USAGE;
    int rc = cli_open(rt, config, CLI_STAGE_STORE);
    free(config);
    return rc;
}

static int load_signer(struct runtime *rt, struct audit_signer **out)
{
    *out = NULL;
    char *path = runtime_core_path(rt, "signing_key");
    if (!path)
        return 1;
    struct strbuf why = STRBUF_INIT;
    int rc = audit_signer_load(path, (uint64_t)runtime_core_int(rt, "checkpoint_every"), out,
                               &why);
    if (rc)
        fprintf(stderr, "crmgov log: signing_key %s: %s\n", path, sb_str(&why));
    sb_free(&why);
    free(path);
    return rc;
}

/* ---- verify ---------------------------------------------------------------- */

/* --pubkey, else the public half of [core] signing_key; 1 when neither. */
static int verify_keys(const struct cli_args *args, struct runtime *rt,
                       minisign_trusted_keys *keys, char *from, size_t from_size)
{
    const char *pubkey = cli_get(log_options, args, "pubkey");
    if (pubkey) {
        snprintf(from, from_size, "%s", pubkey);
        return read_keys(pubkey, keys);
    }
    struct audit_signer *signer = NULL;
    int rc = load_signer(rt, &signer);
    if (rc)
        return rc;
    keys->count = 1;
    keys->keys = xcalloc(1, sizeof(*keys->keys));
    minisign_secret_key_public(&signer->key, &keys->keys[0]);
    snprintf(from, from_size, "the public half of [core] signing_key");
    audit_signer_free(signer);
    return 0;
}

static void print_verified(const struct audit_verify_result *r, const char *keys_from,
                           const struct audit_head *saved)
{
    char hex[2 * MERKLE_HASH_BYTES + 1];
    hex_encode(r->root, MERKLE_HASH_BYTES, hex);
    printf("ok: %llu entries, root %s\n", (unsigned long long)r->size, hex);
    if (!r->heads)
        printf("signed heads: none\n");
    else if (r->signatures_checked)
        printf("signed heads: %llu, latest at size %llu, signatures verified with %s\n",
               (unsigned long long)r->heads, (unsigned long long)r->latest_head, keys_from);
    else
        printf("signed heads: %llu, latest at size %llu, signatures NOT checked (give "
               "--pubkey FILE)\n",
               (unsigned long long)r->heads, (unsigned long long)r->latest_head);
    if (r->saved_checked == 1)
        printf("saved head: size %llu, same root\n", (unsigned long long)saved->size);
    else if (r->saved_checked == 2)
        printf("saved head: size %llu, consistent (consistency proof of %zu hashes)\n",
               (unsigned long long)saved->size, r->consistency_nodes);
    else if (r->saved_checked == 3)
        printf("saved head: size 0, trivially consistent\n");
}

static void print_failed(const struct audit_verify_result *r)
{
    if (!r->bad_first)
        printf("FAILED: %s\n", r->problem);
    else if (r->bad_first == r->bad_last)
        printf("FAILED at seq %llu: %s\n", (unsigned long long)r->bad_first, r->problem);
    else
        printf("FAILED at seq %llu..%llu: %s\n", (unsigned long long)r->bad_first,
               (unsigned long long)r->bad_last, r->problem);
}

static int log_verify(const struct cli_args *args)
{
    struct audit_head saved;
    memset(&saved, 0, sizeof(saved));
    const char *state = cli_get(log_options, args, "state");
    if (state && read_saved_head(state, &saved))
        return EXIT_USAGE;
    struct runtime rt;
    runtime_init(&rt);
    minisign_trusted_keys keys = { 0, NULL };
    char keys_from[512] = "";
    int status = open_store(args, &rt);
    int have_keys = status ? -1 : verify_keys(args, &rt, &keys, keys_from, sizeof(keys_from));
    if (status == 0 && have_keys < 0)
        status = EXIT_USAGE;
    if (status == 0) {
        struct audit_verify_options options = { .keys = have_keys == 0 ? &keys : NULL,
                                                .saved = state ? &saved : NULL };
        struct audit_verify_result r;
        if (auditlog_verify(&rt.store, &options, &r)) {
            fprintf(stderr, "crmgov log verify: could not read the audit log\n");
            status = EXIT_USAGE;
        } else if (r.ok) {
            print_verified(&r, keys_from, &saved);
        } else {
            print_failed(&r);
            status = EXIT_FINDINGS;
        }
    }
    minisign_trusted_keys_free(&keys);
    audit_head_free(&saved);
    runtime_free(&rt);
    return status;
}

/* ---- head ------------------------------------------------------------------ */

static void print_head(const struct audit_head *head, const char *format)
{
    if (format && strcmp(format, "json") == 0) {
        cJSON *json = audit_head_to_json(head);
        char *text = cJSON_Print(json);
        printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(json);
        return;
    }
    char hex[2 * MERKLE_HASH_BYTES + 1], at[32];
    hex_encode(head->root, MERKLE_HASH_BYTES, hex);
    printf("origin  %s\nsize    %llu\nroot    %s\ntime    %s\n", head->origin,
           (unsigned long long)head->size, hex, time_format_rfc3339(head->time, at));
    if (head->signature)
        printf("signed  by key %s\n", head->key_id);
    else
        printf("signed  no\n");
}

static int sign_now(struct runtime *rt)
{
    struct audit_signer *signer = NULL;
    int rc = load_signer(rt, &signer);
    if (rc > 0)
        fprintf(stderr, "crmgov log head: --sign needs [core] signing_key\n");
    if (rc)
        return EXIT_USAGE;
    rc = auditlog_checkpoint(&rt->store, signer, NULL) ? EXIT_USAGE : EXIT_OK;
    if (rc)
        fprintf(stderr, "crmgov log head: could not sign the head\n");
    audit_signer_free(signer);
    return rc;
}

static int log_head(const struct cli_args *args)
{
    const char *format = cli_get(log_options, args, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
        return usage("--format must be table or json");
    struct runtime rt;
    runtime_init(&rt);
    int status = open_store(args, &rt);
    if (status == 0 && cli_has(log_options, args, "sign"))
        status = sign_now(&rt);
    struct audit_head head;
    memset(&head, 0, sizeof(head));
    if (status == 0) {
        int rc = auditlog_latest_head(&rt.store, &head);
        if (rc == 1) {
            fprintf(stderr, "crmgov log head: no signed head yet (set [core] signing_key); "
                            "this is the current head, unsigned\n");
            rc = auditlog_current_head(&rt.store, &head);
        }
        if (rc)
            status = EXIT_USAGE;
        else
            print_head(&head, format);
    }
    audit_head_free(&head);
    runtime_free(&rt);
    return status;
}

/* ---- prove ----------------------------------------------------------------- */

static int log_prove(const struct cli_args *args)
{
    const char *consistency = cli_get(log_options, args, "consistency");
    const char *size_text = cli_get(log_options, args, "size");
    uint64_t seq = 0, old_size = 0, size = 0;
    if (consistency ? parse_count(consistency, &old_size) || args->n_positional != 1
                    : args->n_positional != 2 || parse_count(args->positional[1], &seq))
        return usage("expected 'prove SEQ' or 'prove --consistency OLD_SIZE'");
    if (size_text && parse_count(size_text, &size))
        return usage("--size must be a number of entries");
    struct runtime rt;
    runtime_init(&rt);
    int status = open_store(args, &rt);
    if (status == 0) {
        cJSON *proof = NULL;
        struct strbuf why = STRBUF_INIT;
        int rc = consistency
                     ? auditlog_prove_consistency(&rt.store, old_size, size, &proof, &why)
                     : auditlog_prove_inclusion(&rt.store, seq, size, &proof, &why);
        if (rc) {
            fprintf(stderr, "crmgov log prove: %s\n", sb_str(&why));
            status = rc > 0 ? EXIT_USAGE : EXIT_FINDINGS;
        } else {
            char *text = cJSON_Print(proof);
            printf("%s\n", text);
            cJSON_free(text);
        }
        cJSON_Delete(proof);
        sb_free(&why);
    }
    runtime_free(&rt);
    return status;
}

static int log_check_proof(const struct cli_args *args)
{
    if (args->n_positional != 2)
        return usage("expected 'check-proof FILE' (- for stdin)");
    const char *pubkey = cli_get(log_options, args, "pubkey");
    const char *state = cli_get(log_options, args, "state");
    minisign_trusted_keys keys = { 0, NULL };
    struct audit_head saved;
    memset(&saved, 0, sizeof(saved));
    size_t len = 0;
    char *text = NULL;
    int status = EXIT_USAGE;
    if ((pubkey && read_keys(pubkey, &keys)) || (state && read_saved_head(state, &saved)))
        goto done;
    if (!(text = read_file_or_stdin(args->positional[1], &len))) {
        fprintf(stderr, "crmgov log: %s: %s\n", args->positional[1], strerror(errno));
        goto done;
    }
    struct strbuf why = STRBUF_INIT;
    if (auditlog_check_proof(text, len, pubkey ? &keys : NULL, state ? &saved : NULL, &why)) {
        printf("FAILED: %s\n", sb_str(&why));
        status = EXIT_FINDINGS;
    } else {
        printf("ok: the proof holds%s\n",
               pubkey ? " and its head is signed by a trusted key"
                      : " (the head's signature was not checked: give --pubkey FILE)");
        status = EXIT_OK;
    }
    sb_free(&why);
done:
    free(text);
    audit_head_free(&saved);
    minisign_trusted_keys_free(&keys);
    return status;
}

/* ---- show ------------------------------------------------------------------ */

struct show {
    const char *actor, *action;
    crmgov_time since_time;
    struct crmgov_table *table;
};

static int show_entry(void *ctx, const struct crmgov_audit_entry *e)
{
    struct show *s = ctx;
    if ((s->actor && !str_eq(s->actor, e->actor)) || (s->action && !str_eq(s->action, e->action)) ||
        (s->since_time != CRMGOV_TIME_NONE && e->at < s->since_time))
        return 0;
    char seq[24], at[32];
    snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
    const char *row[] = { seq, time_format_rfc3339(e->at, at), e->actor, e->action, e->subject,
                          e->details_json };
    table_row(s->table, row);
    return 0;
}

static int log_show(const struct cli_args *args)
{
    const char *format = cli_get(log_options, args, "format");
    const char *since = cli_get(log_options, args, "since");
    struct show s = { .actor = cli_get(log_options, args, "actor"),
                      .action = cli_get(log_options, args, "action"),
                      .since_time = CRMGOV_TIME_NONE };
    uint64_t since_seq = 0;
    if (args->n_positional != 1)
        return usage("'show' takes no arguments besides its options");
    if (cli_check_format("log", format, NULL))
        return EXIT_USAGE;
    if (since && parse_count(since, &since_seq) &&
        (s.since_time = time_parse_date_or_time(since)) == CRMGOV_TIME_NONE)
        return usage("--since must be a seq, a date (2026-03-01) or an RFC 3339 time");
    struct runtime rt;
    runtime_init(&rt);
    int status = open_store(args, &rt);
    if (status == 0) {
        static const char *const cols[] = { "seq:n", "at", "actor", "action", "subject",
                                            "details:j" };
        s.table = table_new(cols, ARRAY_LEN(cols));
        if (auditlog_scan(&rt.store, since_seq, show_entry, &s)) {
            table_free(s.table);
            status = EXIT_USAGE;
        } else {
            table_print(s.table, format);
        }
    }
    runtime_free(&rt);
    return status;
}

/* ---- the command ----------------------------------------------------------- */

static int cmd_log(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("log", log_options, argc, argv, &args))
        return EXIT_USAGE;
    int status = cli_logging(log_options, &args);
    const char *action = args.n_positional ? args.positional[0] : "";
    if (status == 0) {
        if (strcmp(action, "verify") == 0 && args.n_positional == 1)
            status = log_verify(&args);
        else if (strcmp(action, "head") == 0 && args.n_positional == 1)
            status = log_head(&args);
        else if (strcmp(action, "prove") == 0)
            status = log_prove(&args);
        else if (strcmp(action, "check-proof") == 0)
            status = log_check_proof(&args);
        else if (strcmp(action, "show") == 0)
            status = log_show(&args);
        else
            status = usage("expected verify, head, prove, check-proof or show");
    }
    cli_args_free(&args);
    return status;
}

const struct cli_command cli_log = {
    "log", cmd_log, "verify, prove and show the tamper-evident audit log",
    "usage: crmgov log verify [-c FILE] [--pubkey KEY.pub] [--state SAVED_HEAD.json]\n"
    "       crmgov log head [-c FILE] [--sign] [--format table|json]\n"
    "       crmgov log prove SEQ [-c FILE] [--size N]\n"
    "       crmgov log prove --consistency OLD_SIZE [-c FILE] [--size N]\n"
    "       crmgov log check-proof PROOF.json|- [--pubkey KEY.pub] [--state SAVED_HEAD.json]\n"
    "       crmgov log show [-c FILE] [--since SEQ|TIME] [--actor A] [--action A]\n"
    "                       [--format table|json|csv]\n"
    "\n"
    "verify: recomputes every entry's leaf hash and the Merkle tree, and checks\n"
    "the stored tree state and every signed head (their signatures with\n"
    "--pubkey, or with the public half of [core] signing_key). With --state\n"
    "(a head saved earlier with 'log head --format json') it applies Rekor's\n"
    "rule: a smaller saved head must be consistent with the log (consistency\n"
    "proof), an equal one must have the same root, a larger one means the log\n"
    "shrank. Prints 'ok: N entries, root HEX', or 'FAILED at seq N: what' (a\n"
    "range 'A..B' when only a signed head shows the damage) with exit status 1.\n"
    "\n"
    "head: the latest signed tree head (or, with none, the current unsigned\n"
    "head); --sign first signs the current size with [core] signing_key. Copy\n"
    "its JSON off the machine: it is what --state checks against.\n"
    "\n"
    "prove: an inclusion proof of entry SEQ (or a consistency proof from\n"
    "OLD_SIZE) against the latest signed head, or the head of size --size, as\n"
    "JSON (format in docs/auditlog.md).\n"
    "\n"
    "check-proof: checks such a proof without any database or configuration:\n"
    "the head's signature (with --pubkey), then the proof. For a consistency\n"
    "proof, --state names the head you saved, whose size and root it must\n"
    "start from. Prints 'ok: ...' or 'FAILED: why' (exit status 1).\n"
    "\n"
    "show: the entries, oldest first; --since takes a seq (that entry and\n"
    "later) or a date/time (entries at or after it).\n"
    "\n"
    "Exit status 2: usage, configuration or input error.\n"
};
