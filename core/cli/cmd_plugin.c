/*
 * cmd_plugin.c -- `crmgov plugin check|sign|verify FILE.so`: the conformance
 * suite, and the detached minisign signatures that [core] plugin_policy =
 * signed asks for.
 *
 * `sign` loads the plugin only to read what it declares (name, version,
 * ABI), which goes into the signature's trusted comment, so a signature can
 * never be moved to another plugin or another version. `verify` runs the
 * very check the loader runs under plugin_policy = signed, so "verify says
 * ok" and "the daemon loads it" cannot disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "canon.h"
#include "cli/cli.h"
#include "conformance.h"
#include "loader.h"
#include "minisign.h"

static const struct cli_option plugin_options[] = {
    CLI_COMMON_OPTIONS, { "key", 0, 1 }, { "pubkey", 0, 1 }, { NULL, 0, 0 },
};

/* ---- sign ------------------------------------------------------------------ */

/* One line from the terminal without echo, or from stdin when it is not one. */
static char *read_password(void)
{
    FILE *in = fopen("/dev/tty", "r+");
    int tty = in != NULL && isatty(fileno(in));
    if (!tty) {
        if (in)
            fclose(in);
        in = stdin;
    }
    struct termios saved, quiet;
    if (tty) {
        fputs("Password for the secret key: ", in);
        fflush(in);
        tcgetattr(fileno(in), &saved);
        quiet = saved;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fileno(in), TCSAFLUSH, &quiet);
    }
    char line[1024];
    char *got = fgets(line, sizeof(line), in);
    if (tty) {
        tcsetattr(fileno(in), TCSAFLUSH, &saved);
        fputs("\n", in);
        fclose(in);
    }
    if (!got)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    char *password = xstrdup(line);
    sodium_memzero(line, sizeof(line));
    return password;
}

static int load_secret_key(const char *path, minisign_secret_key *key)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "crmgov plugin sign: %s: %s\n", path, strerror(errno));
        return -1;
    }
    minisign_status status = minisign_secret_key_parse(text, len, NULL, key);
    if (status == MINISIGN_ERR_PASSWORD_REQUIRED) {
        char *password = read_password();
        status = password ? minisign_secret_key_parse(text, len, password, key)
                          : MINISIGN_ERR_PASSWORD_REQUIRED;
        if (password) {
            sodium_memzero(password, strlen(password));
            free(password);
        }
    }
    sodium_memzero(text, len);
    free(text);
    if (status != MINISIGN_OK) {
        fprintf(stderr, "crmgov plugin sign: %s: %s\n", path, minisign_status_message(status));
        return -1;
    }
    return 0;
}

/* Replaces path with text atomically (a reader never sees half a file). */
static int write_replacing(const char *path, const char *text)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int failed = !f || fputs(text, f) == EOF;
    if (f)
        failed |= fclose(f) != 0;
    if (!failed)
        failed = rename(tmp, path) != 0;
    if (failed)
        unlink(tmp);
    free(tmp);
    return failed ? -1 : 0;
}

/* Signs the bytes that loaded, with their declared identity as comment. */
static int sign_loaded(const char *path, const struct plugin *p, const minisign_secret_key *key)
{
    size_t len = 0;
    char *bytes = read_file(path, &len);
    char hex[65];
    if (!bytes) {
        fprintf(stderr, "crmgov plugin sign: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    sha256_hex(bytes, len, hex);
    if (strcmp(hex, p->sha256) != 0) {
        fprintf(stderr, "crmgov plugin sign: %s changed while it was being signed\n", path);
        free(bytes);
        return EXIT_USAGE;
    }
    const struct crmgov_plugin *d = p->desc;
    char *comment = xasprintf("name=%s version=%s abi=%u.%u", d->name, d->version, d->abi_major,
                              d->abi_minor);
    char *signature = NULL;
    minisign_status status = minisign_sign(key, bytes, len, comment, NULL, &signature);
    char *sig_path = xasprintf("%s.minisig", path);
    int rc = EXIT_OK;
    if (status != MINISIGN_OK) {
        fprintf(stderr, "crmgov plugin sign: %s: %s\n", path, minisign_status_message(status));
        rc = EXIT_USAGE;
    } else if (write_replacing(sig_path, signature)) {
        fprintf(stderr, "crmgov plugin sign: cannot write %s: %s\n", sig_path, strerror(errno));
        rc = EXIT_USAGE;
    } else {
        char id[MINISIGN_KEY_ID_HEX_SIZE];
        minisign_key_id_hex(key->key_id, id);
        printf("%s: signed by key %s (trusted comment: %s)\n", sig_path, id, comment);
    }
    free(signature);
    free(sig_path);
    free(comment);
    free(bytes);
    return rc;
}

static int plugin_sign(const char *path, const char *key_path)
{
    if (!key_path) {
        fprintf(stderr, "crmgov plugin sign: expected --key SECRET_KEY_FILE\n");
        return EXIT_USAGE;
    }
    minisign_secret_key key;
    if (load_secret_key(key_path, &key))
        return EXIT_USAGE;
    struct plugin *p = NULL;
    struct strbuf why = STRBUF_INIT;
    int rc;
    if (loader_open(path, &p, &why)) {
        fprintf(stderr, "crmgov plugin sign: %s: %s\n", path, sb_str(&why));
        rc = EXIT_USAGE;
    } else {
        rc = sign_loaded(path, p, &key);
    }
    loader_close(p);
    minisign_secret_key_wipe(&key);
    sb_free(&why);
    return rc;
}

/* ---- verify ---------------------------------------------------------------- */

/* --pubkey FILE, else [core] trusted_keys of the configuration. */
static int load_keys(const char *pubkey, const char *config_arg, minisign_trusted_keys *keys)
{
    char *path = pubkey ? xstrdup(pubkey) : NULL;
    if (!path) {
        char *config = cli_config_path(config_arg);
        if (!config)
            return -1;
        struct runtime rt;
        runtime_init(&rt);
        if (cli_open(&rt, config, CLI_STAGE_CONFIG) == 0)
            path = runtime_core_path(&rt, "trusted_keys");
        else
            path = NULL;
        runtime_free(&rt);
        free(config);
        if (!path) {
            fprintf(stderr, "crmgov plugin verify: give --pubkey FILE or set [core] "
                            "trusted_keys\n");
            return -1;
        }
    }
    size_t len = 0, line = 0;
    char *text = read_file(path, &len);
    minisign_status status =
        text ? minisign_trusted_keys_parse(text, len, keys, &line) : MINISIGN_ERR_IO;
    if (status != MINISIGN_OK) {
        if (!text)
            fprintf(stderr, "crmgov plugin verify: %s: %s\n", path, strerror(errno));
        else
            fprintf(stderr, "crmgov plugin verify: %s:%zu: %s\n", path, line,
                    minisign_status_message(status));
    }
    free(text);
    free(path);
    return status == MINISIGN_OK ? 0 : -1;
}

static int plugin_verify(const char *path, const minisign_trusted_keys *keys)
{
    struct loader_trust trust = { .policy = PLUGIN_POLICY_SIGNED, .keys = keys };
    struct loader_decision found;
    struct plugin *p = NULL;
    struct strbuf why = STRBUF_INIT;
    int rc = EXIT_OK;
    if (loader_open_trusted(path, &trust, &found, &p, &why)) {
        printf("%s: %s\n", path, sb_str(&why));
        rc = EXIT_FINDINGS;
    } else {
        printf("%s: ok, signed by key %s for %s %s (ABI %u.%u), sha256 %s\n", path, p->key_id,
               p->desc->name, p->desc->version, p->desc->abi_major, p->desc->abi_minor,
               p->sha256);
    }
    loader_close(p);
    sb_free(&why);
    return rc;
}

/* ---- the command ----------------------------------------------------------- */

static int run_action(const char *action, const struct cli_args *args)
{
    int status = EXIT_OK;
    if (strcmp(action, "check") == 0) {
        for (int i = 1; i < args->n_positional; i++)
            if (conformance_run_file(args->positional[i], stdout))
                status = EXIT_FINDINGS;
    } else if (strcmp(action, "sign") == 0) {
        for (int i = 1; i < args->n_positional && status == EXIT_OK; i++)
            status = plugin_sign(args->positional[i], cli_get(plugin_options, args, "key"));
    } else {
        minisign_trusted_keys keys = { 0, NULL };
        if (load_keys(cli_get(plugin_options, args, "pubkey"),
                      cli_get(plugin_options, args, "config"), &keys))
            return EXIT_USAGE;
        for (int i = 1; i < args->n_positional; i++)
            if (plugin_verify(args->positional[i], &keys) != EXIT_OK)
                status = EXIT_FINDINGS;
        minisign_trusted_keys_free(&keys);
    }
    return status;
}

static int cmd_plugin(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("plugin", plugin_options, argc, argv, &args))
        return EXIT_USAGE;
    int status = cli_logging(plugin_options, &args);
    const char *action = args.n_positional ? args.positional[0] : "";
    if (status == 0 && (args.n_positional < 2 || (strcmp(action, "check") != 0 &&
                                                  strcmp(action, "sign") != 0 &&
                                                  strcmp(action, "verify") != 0))) {
        fprintf(stderr, "crmgov plugin: expected 'check|sign|verify FILE.so...' (see 'crmgov "
                        "help plugin')\n");
        status = EXIT_USAGE;
    }
    if (status == 0)
        status = run_action(action, &args);
    cli_args_free(&args);
    return status;
}

const struct cli_command cli_plugin = {
    "plugin", cmd_plugin, "check, sign or verify a plugin file",
    "usage: crmgov plugin check FILE.so...\n"
    "       crmgov plugin sign FILE.so... --key SECRET_KEY\n"
    "       crmgov plugin verify FILE.so... [--pubkey KEYS] [-c FILE]\n"
    "\n"
    "check: loads each file into a scratch host (a temporary folder and\n"
    "database) and runs the conformance suite: descriptor and option table,\n"
    "fini(NULL), init/fini without start, start/stop/stop/fini, two instances\n"
    "side by side, and every mistyped option value refused. Prints one 'ok'\n"
    "or 'not ok' line per check. Exit status 0 when every file passes, 1 when\n"
    "a check failed.\n"
    "\n"
    "sign: writes FILE.so.minisig, a minisign signature (prehashed Ed25519)\n"
    "whose trusted comment is 'name=N version=V abi=M.m' as the plugin\n"
    "declares them. The key is a minisign secret key (crmgov keygen, or\n"
    "minisign -G; a password is read from the terminal, or from stdin when it\n"
    "is not one). `minisign -V -p KEY.pub -m FILE.so` verifies the result.\n"
    "\n"
    "verify: the check [core] plugin_policy = signed makes before loading:\n"
    "file and folder ownership and modes, the signature against the trusted\n"
    "keys (--pubkey: a public key or trusted keys file; default: [core]\n"
    "trusted_keys), and the trusted comment against what the file declares.\n"
    "Prints 'FILE.so: ok, signed by key ID ...' or 'FILE.so: REASON'.\n"
    "Exit status 0 when every file verifies, 1 when one does not.\n"
    "\n"
    "Exit status 2 on a usage error.\n"
};
