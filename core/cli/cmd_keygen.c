/*
 * cmd_keygen.c -- `crmgov keygen -o FILE`: an Ed25519 key pair in minisign's
 * file formats, for signing plugins (`crmgov plugin sign`) or the audit
 * log's tree heads ([core] signing_key).
 *
 * The secret key is written unencrypted (mode 0600) because the daemon must
 * sign heads unattended; a plugin-signing key that never lives on a server
 * can instead be made with `minisign -G` and a password, which `crmgov
 * plugin sign` also reads. Existing files are never overwritten: losing a
 * key that signed published heads or plugins cannot be undone.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "minisign.h"

static const struct cli_option keygen_options[] = { { "output", 'o', 1 }, { NULL, 0, 0 } };

static int cmd_keygen(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("keygen", keygen_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *secret_path = cli_get(keygen_options, &args, "output");
    int n_positional = args.n_positional;
    cli_args_free(&args);
    if (!secret_path || !*secret_path || n_positional) {
        fprintf(stderr, "crmgov keygen: expected -o FILE (see 'crmgov help keygen')\n");
        return EXIT_USAGE;
    }
    char *public_path = xasprintf("%s.pub", secret_path);
    minisign_secret_key secret;
    minisign_public_key public_key;
    minisign_status status = minisign_keypair_generate(&secret, &public_key);
    if (status == MINISIGN_OK)
        status = minisign_keypair_write_files(&secret, public_path, secret_path);
    minisign_secret_key_wipe(&secret);
    int rc = EXIT_OK;
    if (status == MINISIGN_ERR_FILE_EXISTS) {
        fprintf(stderr, "crmgov keygen: %s or %s exists already; not overwriting a key\n",
                secret_path, public_path);
        rc = EXIT_USAGE;
    } else if (status != MINISIGN_OK) {
        fprintf(stderr, "crmgov keygen: %s: %s\n", secret_path,
                minisign_status_message(status));
        rc = EXIT_USAGE;
    } else {
        char id[MINISIGN_KEY_ID_HEX_SIZE];
        minisign_key_id_hex(public_key.key_id, id);
        printf("secret key: %s (mode 0600; keep it secret)\n", secret_path);
        printf("public key: %s (key ID %s)\n", public_path, id);
    }
    free(public_path);
    return rc;
}

const struct cli_command cli_keygen = {
    "keygen", cmd_keygen, "make an Ed25519 key pair for signing plugins or log heads",
    "usage: crmgov keygen -o FILE\n"
    "\n"
    "Writes the secret key to FILE (mode 0600, unencrypted) and the public key\n"
    "to FILE.pub, both in minisign's formats: `minisign -S -s FILE` signs with\n"
    "it and `minisign -V -p FILE.pub` verifies. Refuses to overwrite either\n"
    "file. Use the key as [core] signing_key to sign the audit log's tree\n"
    "heads, or with `crmgov plugin sign --key FILE`; list FILE.pub in [core]\n"
    "trusted_keys to trust what it signs. Exit status 0, or 2 on an error.\n"
};
