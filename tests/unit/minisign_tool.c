/*
 * tests/unit/minisign_tool.c -- a tiny command-line driver over core/minisign
 * so the interop script can pit crmgov's code against the real minisign
 * binary. It is test scaffolding, not the product CLI (that is `crmgov
 * keygen` / `crmgov plugin sign`), so it stays minimal:
 *
 *   minisign_tool keygen PUBFILE SECFILE
 *   minisign_tool sign SECFILE FILE TRUSTED_COMMENT   (writes FILE.minisig)
 *   minisign_tool verify TRUSTEDKEYS FILE             (reads FILE.minisig)
 *
 * An encrypted secret key's password comes from CRMGOV_MINISIGN_PASSWORD.
 * Exit status: 0 ok, 1 refused or failed, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minisign.h"

/* Whole file in a malloc'd, NUL-terminated buffer; NULL on error. */
static char *read_whole_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    char *data = NULL;
    long size = -1;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 &&
        fseek(file, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) != NULL) {
        if (fread(data, 1, (size_t)size, file) == (size_t)size) {
            data[size] = '\0';
            *length = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(file);
    return data;
}

static int write_whole_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        return -1;
    int failed = fputs(text, file) == EOF;
    failed |= fclose(file) != 0;
    return failed ? -1 : 0;
}

static int report(const char *path, minisign_status status)
{
    fprintf(stderr, "%s: %s\n", path, minisign_status_message(status));
    return 1;
}

static int command_keygen(const char *public_path, const char *secret_path)
{
    minisign_secret_key secret;
    minisign_public_key public_key;
    minisign_status status = minisign_keypair_generate(&secret, &public_key);
    if (status == MINISIGN_OK)
        status = minisign_keypair_write_files(&secret, public_path, secret_path);
    minisign_secret_key_wipe(&secret);
    if (status != MINISIGN_OK)
        return report(secret_path, status);
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
    minisign_key_id_hex(public_key.key_id, key_id);
    printf("key id %s\n", key_id);
    return 0;
}

static int command_sign(const char *secret_path, const char *file_path, const char *comment)
{
    size_t secret_length = 0, data_length = 0;
    char *secret_text = read_whole_file(secret_path, &secret_length);
    char *data = read_whole_file(file_path, &data_length);
    char *signature = NULL;
    minisign_secret_key secret = {{0}, {0}};
    minisign_status status = MINISIGN_ERR_IO;
    if (secret_text != NULL && data != NULL)
        status = minisign_secret_key_parse(secret_text, secret_length,
                                           getenv("CRMGOV_MINISIGN_PASSWORD"), &secret);
    if (status == MINISIGN_OK)
        status = minisign_sign(&secret, data, data_length, comment, NULL, &signature);
    minisign_secret_key_wipe(&secret);
    free(secret_text);
    free(data);
    if (status != MINISIGN_OK)
        return report(secret_path, status);
    size_t path_size = strlen(file_path) + sizeof ".minisig";
    char *signature_path = malloc(path_size);
    int failed = signature_path == NULL;
    if (!failed) {
        snprintf(signature_path, path_size, "%s.minisig", file_path);
        failed = write_whole_file(signature_path, signature) != 0;
    }
    free(signature_path);
    free(signature);
    return failed ? report(file_path, MINISIGN_ERR_IO) : 0;
}

static int command_verify(const char *trusted_path, const char *file_path)
{
    size_t trusted_length = 0, data_length = 0, signature_length = 0;
    size_t path_size = strlen(file_path) + sizeof ".minisig";
    char *signature_path = malloc(path_size);
    if (signature_path == NULL)
        return report(file_path, MINISIGN_ERR_NO_MEMORY);
    snprintf(signature_path, path_size, "%s.minisig", file_path);
    char *trusted_text = read_whole_file(trusted_path, &trusted_length);
    char *data = read_whole_file(file_path, &data_length);
    char *signature = read_whole_file(signature_path, &signature_length);
    free(signature_path);
    minisign_trusted_keys keys = {0, NULL};
    minisign_verified verified;
    size_t bad_line = 0;
    minisign_status status = MINISIGN_ERR_IO;
    if (trusted_text != NULL && data != NULL && signature != NULL) {
        status = minisign_trusted_keys_parse(trusted_text, trusted_length, &keys, &bad_line);
        if (status == MINISIGN_OK)
            status = minisign_verify(signature, signature_length, data, data_length, &keys,
                                     &verified);
    }
    minisign_trusted_keys_free(&keys);
    free(trusted_text);
    free(data);
    free(signature);
    if (status != MINISIGN_OK)
        return report(file_path, status);
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
    minisign_key_id_hex(verified.key_id, key_id);
    printf("verified with key %s\ntrusted comment: %s\n", key_id, verified.trusted_comment);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "keygen") == 0)
        return command_keygen(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "sign") == 0)
        return command_sign(argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "verify") == 0)
        return command_verify(argv[2], argv[3]);
    fprintf(stderr, "usage: %s keygen PUB SEC | sign SEC FILE COMMENT | verify TRUSTED FILE\n",
            argc > 0 ? argv[0] : "minisign_tool");
    return 2;
}
