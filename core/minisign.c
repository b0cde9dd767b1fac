/*
 * core/minisign.c -- minisign key, signature and trusted-key file handling
 * over libsodium (formats and the reasons for them: see minisign.h).
 *
 * Shape: every file format is a few text lines around fixed-size binary
 * blobs, so parsing is "split into lines, check the prefix, base64-decode to
 * exactly the expected size, check the algorithm bytes", and the blobs are
 * handled as byte arrays at fixed offsets (no packed structs, no endianness
 * surprises). Verification runs its checks in a fixed order so that each
 * refusal names the first thing wrong: shape, legacy algorithm, key, file
 * signature, then the trusted comment signature.
 *
 * Parsing is stricter than minisign on one point: text after the last line
 * of a signature or key file must be blank, so a file cannot smuggle data.
 */
#include "minisign.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define DEFAULT_SIGNATURE_COMMENT "signature from crmgov secret key"
#define SECRET_KEY_COMMENT "minisign encrypted secret key"

/* Byte layouts (offsets into the decoded blobs). */
enum {
    ALGORITHM_BYTES = 2,
    PUBLIC_BLOB_BYTES = ALGORITHM_BYTES + MINISIGN_KEY_ID_BYTES + MINISIGN_PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES = 64,
    SIGNATURE_BLOB_BYTES = ALGORITHM_BYTES + MINISIGN_KEY_ID_BYTES + SIGNATURE_BYTES,
    PREHASH_BYTES = 64,
    CHECKSUM_BYTES = 32,
    SALT_BYTES = 32,
    SK_SIG_ALG = 0,
    SK_KDF_ALG = 2,
    SK_CHK_ALG = 4,
    SK_SALT = 6,
    SK_OPSLIMIT = SK_SALT + SALT_BYTES,
    SK_MEMLIMIT = SK_OPSLIMIT + 8,
    SK_KEY_ID = SK_MEMLIMIT + 8,
    SK_SECRET = SK_KEY_ID + MINISIGN_KEY_ID_BYTES,
    SK_CHECKSUM = SK_SECRET + MINISIGN_SECRET_KEY_BYTES,
    SECRET_BLOB_BYTES = SK_CHECKSUM + CHECKSUM_BYTES,
    SK_ENCRYPTED_BYTES = SECRET_BLOB_BYTES - SK_KEY_ID
};

static const uint8_t ALG_ED25519[ALGORITHM_BYTES] = {'E', 'd'};
static const uint8_t ALG_PREHASHED[ALGORITHM_BYTES] = {'E', 'D'};
static const uint8_t KDF_NONE[ALGORITHM_BYTES] = {0, 0};
static const uint8_t KDF_SCRYPT[ALGORITHM_BYTES] = {'S', 'c'};
static const uint8_t CHK_BLAKE2B[ALGORITHM_BYTES] = {'B', '2'};

const char *minisign_status_message(minisign_status status)
{
    switch (status) {
    case MINISIGN_OK:
        return "ok";
    case MINISIGN_ERR_MALFORMED_SIGNATURE:
        return "malformed signature file";
    case MINISIGN_ERR_LEGACY_SIGNATURE:
        return "legacy (non-prehashed) signature refused; re-sign with a current minisign or crmgov";
    case MINISIGN_ERR_UNKNOWN_KEY:
        return "signed by a key that is not in the trusted keys";
    case MINISIGN_ERR_SIGNATURE_MISMATCH:
        return "signature does not match the file contents";
    case MINISIGN_ERR_TRUSTED_COMMENT_INVALID:
        return "trusted comment signature invalid (the trusted comment was edited)";
    case MINISIGN_ERR_MALFORMED_PUBLIC_KEY:
        return "malformed public key";
    case MINISIGN_ERR_MALFORMED_SECRET_KEY:
        return "malformed or unsupported secret key";
    case MINISIGN_ERR_DUPLICATE_KEY_ID:
        return "two different trusted keys share one key id";
    case MINISIGN_ERR_PASSWORD_REQUIRED:
        return "secret key is encrypted: a password is required";
    case MINISIGN_ERR_WRONG_PASSWORD:
        return "wrong password for the secret key";
    case MINISIGN_ERR_BAD_COMMENT:
        return "comment is too long or contains a line break";
    case MINISIGN_ERR_BAD_PLUGIN_COMMENT:
        return "trusted comment lacks a valid name=, version= or abi=MAJOR.MINOR";
    case MINISIGN_ERR_FILE_EXISTS:
        return "key file already exists";
    case MINISIGN_ERR_IO:
        return "cannot write key file";
    case MINISIGN_ERR_NO_MEMORY:
        return "out of memory";
    case MINISIGN_ERR_CRYPTO:
        return "cryptographic library failure";
    case MINISIGN_ERR_ARGUMENT:
        return "invalid argument";
    }
    return "unknown minisign status";
}

static int crypto_ready(void)
{
    return sodium_init() >= 0;
}

void minisign_key_id_hex(const uint8_t key_id[MINISIGN_KEY_ID_BYTES],
                         char out[MINISIGN_KEY_ID_HEX_SIZE])
{
    uint64_t value = 0;
    for (int i = MINISIGN_KEY_ID_BYTES - 1; i >= 0; i--)
        value = (value << 8) | key_id[i];
    snprintf(out, MINISIGN_KEY_ID_HEX_SIZE, "%016" PRIX64, value);
}

/* ---- text helpers ------------------------------------------------------- */

typedef struct text_cursor {
    const char *text;
    size_t length;
    size_t position;
} text_cursor;

/* The next line without its "\n" or "\r\n"; 0 at the end of the text. */
static int next_line(text_cursor *cursor, const char **line, size_t *line_length)
{
    if (cursor->position >= cursor->length)
        return 0;
    const char *start = cursor->text + cursor->position;
    size_t remaining = cursor->length - cursor->position;
    const char *newline = memchr(start, '\n', remaining);
    size_t length = newline ? (size_t)(newline - start) : remaining;
    cursor->position += length + (newline ? 1 : 0);
    if (length > 0 && start[length - 1] == '\r')
        length--;
    *line = start;
    *line_length = length;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim_blanks(const char **line, size_t *length)
{
    while (*length > 0 && is_blank((*line)[0])) {
        (*line)++;
        (*length)--;
    }
    while (*length > 0 && is_blank((*line)[*length - 1]))
        (*length)--;
}

static int only_blank_lines_remain(text_cursor *cursor)
{
    const char *line;
    size_t length;
    while (next_line(cursor, &line, &length)) {
        trim_blanks(&line, &length);
        if (length > 0)
            return 0;
    }
    return 1;
}

static int has_prefix(const char *line, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(line, prefix, prefix_length) == 0;
}

/* Base64 text that decodes to exactly `expected` bytes, nothing more. */
static int decode_exact(const char *base64, size_t base64_length, uint8_t *out, size_t expected)
{
    size_t decoded = 0;
    const char *end = NULL;
    if (base64_length == 0 ||
        sodium_base642bin(out, expected, base64, base64_length, NULL, &decoded, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return (end == base64 + base64_length && decoded == expected) ? 0 : -1;
}

/* A comment fit to be one line of a minisign file. */
static int comment_is_valid(const char *comment, size_t max_length)
{
    return comment != NULL && strlen(comment) <= max_length && strpbrk(comment, "\r\n") == NULL;
}

/* ---- keys ------------------------------------------------------------------ */

minisign_status minisign_keypair_generate(minisign_secret_key *secret,
                                          minisign_public_key *public_key)
{
    if (secret == NULL || public_key == NULL)
        return MINISIGN_ERR_ARGUMENT;
    if (!crypto_ready())
        return MINISIGN_ERR_CRYPTO;
    randombytes_buf(secret->key_id, sizeof secret->key_id);
    if (crypto_sign_ed25519_keypair(public_key->key, secret->key) != 0)
        return MINISIGN_ERR_CRYPTO;
    memcpy(public_key->key_id, secret->key_id, sizeof public_key->key_id);
    return MINISIGN_OK;
}

void minisign_secret_key_wipe(minisign_secret_key *secret)
{
    if (secret != NULL)
        sodium_memzero(secret, sizeof *secret);
}

void minisign_secret_key_public(const minisign_secret_key *secret,
                                minisign_public_key *public_key)
{
    memcpy(public_key->key_id, secret->key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(public_key->key, secret->key + MINISIGN_SECRET_KEY_BYTES - MINISIGN_PUBLIC_KEY_BYTES,
           MINISIGN_PUBLIC_KEY_BYTES);
}

void minisign_public_key_base64(const minisign_public_key *public_key,
                                char out[MINISIGN_PUBLIC_KEY_BASE64_SIZE])
{
    uint8_t blob[PUBLIC_BLOB_BYTES];
    memcpy(blob, ALG_ED25519, ALGORITHM_BYTES);
    memcpy(blob + ALGORITHM_BYTES, public_key->key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(blob + ALGORITHM_BYTES + MINISIGN_KEY_ID_BYTES, public_key->key,
           MINISIGN_PUBLIC_KEY_BYTES);
    sodium_bin2base64(out, MINISIGN_PUBLIC_KEY_BASE64_SIZE, blob, sizeof blob,
                      sodium_base64_VARIANT_ORIGINAL);
}

/* malloc'd "untrusted comment: <comment>\n<base64 of blob>\n". */
static minisign_status format_comment_and_blob(const char *comment, const uint8_t *blob,
                                               size_t blob_length, char **out_text)
{
    size_t base64_size = sodium_base64_ENCODED_LEN(blob_length, sodium_base64_VARIANT_ORIGINAL);
    size_t size = strlen(UNTRUSTED_PREFIX) + strlen(comment) + 1 + base64_size + 1;
    char *text = malloc(size);
    if (text == NULL)
        return MINISIGN_ERR_NO_MEMORY;
    int written = snprintf(text, size, UNTRUSTED_PREFIX "%s\n", comment);
    sodium_bin2base64(text + written, base64_size, blob, blob_length,
                      sodium_base64_VARIANT_ORIGINAL);
    strcat(text, "\n");
    *out_text = text;
    return MINISIGN_OK;
}

minisign_status minisign_public_key_format(const minisign_public_key *public_key,
                                           char **out_text)
{
    if (public_key == NULL || out_text == NULL)
        return MINISIGN_ERR_ARGUMENT;
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
    char comment[64];
    char base64[MINISIGN_PUBLIC_KEY_BASE64_SIZE];
    minisign_key_id_hex(public_key->key_id, key_id);
    snprintf(comment, sizeof comment, "minisign public key %s", key_id);
    minisign_public_key_base64(public_key, base64);
    size_t size = strlen(UNTRUSTED_PREFIX) + strlen(comment) + strlen(base64) + 3;
    char *text = malloc(size);
    if (text == NULL)
        return MINISIGN_ERR_NO_MEMORY;
    snprintf(text, size, UNTRUSTED_PREFIX "%s\n%s\n", comment, base64);
    *out_text = text;
    return MINISIGN_OK;
}

static void secret_key_checksum(const uint8_t *blob, uint8_t out[CHECKSUM_BYTES])
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, CHECKSUM_BYTES);
    crypto_generichash_update(&state, blob + SK_SIG_ALG, ALGORITHM_BYTES);
    crypto_generichash_update(&state, blob + SK_KEY_ID, MINISIGN_KEY_ID_BYTES);
    crypto_generichash_update(&state, blob + SK_SECRET, MINISIGN_SECRET_KEY_BYTES);
    crypto_generichash_final(&state, out, CHECKSUM_BYTES);
}

minisign_status minisign_secret_key_format(const minisign_secret_key *secret, char **out_text)
{
    if (secret == NULL || out_text == NULL)
        return MINISIGN_ERR_ARGUMENT;
    if (!crypto_ready())
        return MINISIGN_ERR_CRYPTO;
    uint8_t blob[SECRET_BLOB_BYTES];
    memset(blob, 0, sizeof blob); /* kdf "\0\0", salt and limits unused */
    memcpy(blob + SK_SIG_ALG, ALG_ED25519, ALGORITHM_BYTES);
    memcpy(blob + SK_KDF_ALG, KDF_NONE, ALGORITHM_BYTES);
    memcpy(blob + SK_CHK_ALG, CHK_BLAKE2B, ALGORITHM_BYTES);
    memcpy(blob + SK_KEY_ID, secret->key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(blob + SK_SECRET, secret->key, MINISIGN_SECRET_KEY_BYTES);
    secret_key_checksum(blob, blob + SK_CHECKSUM);
    minisign_status status = format_comment_and_blob(SECRET_KEY_COMMENT, blob, sizeof blob,
                                                     out_text);
    sodium_memzero(blob, sizeof blob);
    return status;
}

static int write_all(int fd, const char *text)
{
    size_t remaining = strlen(text);
    while (remaining > 0) {
        ssize_t written = write(fd, text, remaining);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        text += written;
        remaining -= (size_t)written;
    }
    return 0;
}

/* Creates `path` (never replacing a file) holding `text`. */
static minisign_status write_new_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? MINISIGN_ERR_FILE_EXISTS : MINISIGN_ERR_IO;
    int failed = write_all(fd, text) != 0 || fsync(fd) != 0;
    failed |= close(fd) != 0;
    if (failed) {
        unlink(path);
        return MINISIGN_ERR_IO;
    }
    return MINISIGN_OK;
}

minisign_status minisign_keypair_write_files(const minisign_secret_key *secret,
                                             const char *public_path, const char *secret_path)
{
    if (secret == NULL || public_path == NULL || secret_path == NULL)
        return MINISIGN_ERR_ARGUMENT;
    minisign_public_key public_key;
    char *public_text = NULL;
    char *secret_text = NULL;
    minisign_secret_key_public(secret, &public_key);
    minisign_status status = minisign_public_key_format(&public_key, &public_text);
    if (status == MINISIGN_OK)
        status = minisign_secret_key_format(secret, &secret_text);
    if (status == MINISIGN_OK)
        status = write_new_file(secret_path, secret_text, 0600);
    if (status == MINISIGN_OK) {
        status = write_new_file(public_path, public_text, 0644);
        if (status != MINISIGN_OK)
            unlink(secret_path); /* no half key pair */
    }
    if (secret_text != NULL) {
        sodium_memzero(secret_text, strlen(secret_text));
        free(secret_text);
    }
    free(public_text);
    return status;
}

static int decode_public_key_line(const char *line, size_t length, minisign_public_key *out)
{
    uint8_t blob[PUBLIC_BLOB_BYTES];
    if (decode_exact(line, length, blob, sizeof blob) != 0 ||
        memcmp(blob, ALG_ED25519, ALGORITHM_BYTES) != 0)
        return -1;
    memcpy(out->key_id, blob + ALGORITHM_BYTES, MINISIGN_KEY_ID_BYTES);
    memcpy(out->key, blob + ALGORITHM_BYTES + MINISIGN_KEY_ID_BYTES, MINISIGN_PUBLIC_KEY_BYTES);
    return 0;
}

minisign_status minisign_public_key_parse(const char *text, size_t length,
                                          minisign_public_key *out)
{
    if (text == NULL || out == NULL)
        return MINISIGN_ERR_ARGUMENT;
    text_cursor cursor = {text, length, 0};
    const char *line;
    size_t line_length;
    /* first non-blank line: either the comment or the bare key */
    do {
        if (!next_line(&cursor, &line, &line_length))
            return MINISIGN_ERR_MALFORMED_PUBLIC_KEY;
        trim_blanks(&line, &line_length);
    } while (line_length == 0);
    if (has_prefix(line, line_length, UNTRUSTED_PREFIX)) {
        if (!next_line(&cursor, &line, &line_length))
            return MINISIGN_ERR_MALFORMED_PUBLIC_KEY;
        trim_blanks(&line, &line_length);
    }
    if (decode_public_key_line(line, line_length, out) != 0 ||
        !only_blank_lines_remain(&cursor))
        return MINISIGN_ERR_MALFORMED_PUBLIC_KEY;
    return MINISIGN_OK;
}

static uint64_t load_le64(const uint8_t *bytes)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = (value << 8) | bytes[i];
    return value;
}

/* Undoes minisign's scrypt encryption of the key id, key and checksum. */
static minisign_status decrypt_secret_blob(uint8_t *blob, const char *password)
{
    if (password == NULL)
        return MINISIGN_ERR_PASSWORD_REQUIRED;
    uint64_t opslimit = load_le64(blob + SK_OPSLIMIT);
    uint64_t memlimit = load_le64(blob + SK_MEMLIMIT);
    /* A key file may not make us spend more than minisign's own maximum. */
    if (opslimit < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
        opslimit > 2 * (uint64_t)crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE ||
        memlimit < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN ||
        memlimit > 2 * (uint64_t)crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE)
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    uint8_t stream[SK_ENCRYPTED_BYTES];
    if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, password, strlen(password),
                                           blob + SK_SALT, (unsigned long long)opslimit,
                                           (size_t)memlimit) != 0)
        return MINISIGN_ERR_CRYPTO;
    for (size_t i = 0; i < sizeof stream; i++)
        blob[SK_KEY_ID + i] ^= stream[i];
    sodium_memzero(stream, sizeof stream);
    uint8_t checksum[CHECKSUM_BYTES];
    secret_key_checksum(blob, checksum);
    return sodium_memcmp(checksum, blob + SK_CHECKSUM, CHECKSUM_BYTES) == 0
               ? MINISIGN_OK
               : MINISIGN_ERR_WRONG_PASSWORD;
}

/* An unencrypted key's checksum is all zero when `minisign -G -W` wrote it
 * (minisign ignores it then) and the real BLAKE2b-256 when crmgov did. */
static int unencrypted_checksum_acceptable(const uint8_t *blob)
{
    uint8_t checksum[CHECKSUM_BYTES];
    secret_key_checksum(blob, checksum);
    return sodium_is_zero(blob + SK_CHECKSUM, CHECKSUM_BYTES) ||
           sodium_memcmp(checksum, blob + SK_CHECKSUM, CHECKSUM_BYTES) == 0;
}

/* The secret key's embedded public half must be the one its seed makes. */
static int secret_key_is_coherent(const uint8_t *secret)
{
    uint8_t public_key[crypto_sign_ed25519_PUBLICKEYBYTES];
    uint8_t rebuilt[crypto_sign_ed25519_SECRETKEYBYTES];
    int coherent = crypto_sign_ed25519_seed_keypair(public_key, rebuilt, secret) == 0 &&
                   sodium_memcmp(rebuilt, secret, sizeof rebuilt) == 0;
    sodium_memzero(rebuilt, sizeof rebuilt);
    return coherent;
}

static minisign_status decode_secret_blob(uint8_t *blob, const char *password,
                                          minisign_secret_key *out)
{
    if (memcmp(blob + SK_SIG_ALG, ALG_ED25519, ALGORITHM_BYTES) != 0 ||
        memcmp(blob + SK_CHK_ALG, CHK_BLAKE2B, ALGORITHM_BYTES) != 0)
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    if (memcmp(blob + SK_KDF_ALG, KDF_SCRYPT, ALGORITHM_BYTES) == 0) {
        minisign_status status = decrypt_secret_blob(blob, password);
        if (status != MINISIGN_OK)
            return status;
    } else if (memcmp(blob + SK_KDF_ALG, KDF_NONE, ALGORITHM_BYTES) != 0 ||
               !unencrypted_checksum_acceptable(blob)) {
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    }
    if (!secret_key_is_coherent(blob + SK_SECRET))
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    memcpy(out->key_id, blob + SK_KEY_ID, MINISIGN_KEY_ID_BYTES);
    memcpy(out->key, blob + SK_SECRET, MINISIGN_SECRET_KEY_BYTES);
    return MINISIGN_OK;
}

minisign_status minisign_secret_key_parse(const char *text, size_t length,
                                          const char *password, minisign_secret_key *out)
{
    if (text == NULL || out == NULL)
        return MINISIGN_ERR_ARGUMENT;
    if (!crypto_ready())
        return MINISIGN_ERR_CRYPTO;
    text_cursor cursor = {text, length, 0};
    const char *line;
    size_t line_length;
    uint8_t blob[SECRET_BLOB_BYTES];
    if (!next_line(&cursor, &line, &line_length) ||
        !has_prefix(line, line_length, UNTRUSTED_PREFIX) ||
        !next_line(&cursor, &line, &line_length))
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    trim_blanks(&line, &line_length);
    if (decode_exact(line, line_length, blob, sizeof blob) != 0 ||
        !only_blank_lines_remain(&cursor))
        return MINISIGN_ERR_MALFORMED_SECRET_KEY;
    minisign_status status = decode_secret_blob(blob, password, out);
    sodium_memzero(blob, sizeof blob);
    if (status != MINISIGN_OK)
        minisign_secret_key_wipe(out);
    return status;
}

/* ---- trusted keys -------------------------------------------------------- */

void minisign_trusted_keys_free(minisign_trusted_keys *keys)
{
    if (keys == NULL)
        return;
    free(keys->keys);
    keys->keys = NULL;
    keys->count = 0;
}

const minisign_public_key *minisign_trusted_keys_find(const minisign_trusted_keys *keys,
                                                      const uint8_t key_id[MINISIGN_KEY_ID_BYTES])
{
    if (keys == NULL || key_id == NULL)
        return NULL;
    for (size_t i = 0; i < keys->count; i++) {
        if (memcmp(keys->keys[i].key_id, key_id, MINISIGN_KEY_ID_BYTES) == 0)
            return &keys->keys[i];
    }
    return NULL;
}

static int is_skipped_trusted_keys_line(const char *line, size_t length)
{
    return length == 0 || line[0] == '#' || has_prefix(line, length, "untrusted comment:");
}

/* Adds `key` unless already present; refuses a second key under one id. */
static minisign_status add_trusted_key(minisign_trusted_keys *keys, size_t *capacity,
                                       const minisign_public_key *key)
{
    const minisign_public_key *known = minisign_trusted_keys_find(keys, key->key_id);
    if (known != NULL)
        return memcmp(known->key, key->key, sizeof key->key) == 0 ? MINISIGN_OK
                                                                   : MINISIGN_ERR_DUPLICATE_KEY_ID;
    if (keys->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 4;
        minisign_public_key *resized = realloc(keys->keys, grown * sizeof *resized);
        if (resized == NULL)
            return MINISIGN_ERR_NO_MEMORY;
        keys->keys = resized;
        *capacity = grown;
    }
    keys->keys[keys->count++] = *key;
    return MINISIGN_OK;
}

minisign_status minisign_trusted_keys_parse(const char *text, size_t length,
                                            minisign_trusted_keys *out, size_t *error_line)
{
    if (text == NULL || out == NULL)
        return MINISIGN_ERR_ARGUMENT;
    minisign_trusted_keys keys = {0, NULL};
    size_t capacity = 0;
    size_t line_number = 0;
    text_cursor cursor = {text, length, 0};
    const char *line;
    size_t line_length;
    minisign_status status = MINISIGN_OK;
    while (status == MINISIGN_OK && next_line(&cursor, &line, &line_length)) {
        minisign_public_key key;
        line_number++;
        trim_blanks(&line, &line_length);
        if (is_skipped_trusted_keys_line(line, line_length))
            continue;
        if (decode_public_key_line(line, line_length, &key) != 0)
            status = MINISIGN_ERR_MALFORMED_PUBLIC_KEY;
        else
            status = add_trusted_key(&keys, &capacity, &key);
    }
    if (status != MINISIGN_OK) {
        minisign_trusted_keys_free(&keys);
        if (error_line != NULL)
            *error_line = line_number;
        return status;
    }
    *out = keys;
    return MINISIGN_OK;
}

/* ---- signing ------------------------------------------------------------- */

static void prehash(const void *data, size_t length, uint8_t out[PREHASH_BYTES])
{
    crypto_generichash(out, PREHASH_BYTES, data, length, NULL, 0);
}

/* Ed25519 over signature ‖ trusted comment: what binds the comment. */
static int sign_global(const uint8_t signature[SIGNATURE_BYTES], const char *comment,
                       size_t comment_length, const uint8_t *secret, uint8_t out[SIGNATURE_BYTES])
{
    uint8_t message[SIGNATURE_BYTES + MINISIGN_TRUSTED_COMMENT_MAX];
    memcpy(message, signature, SIGNATURE_BYTES);
    memcpy(message + SIGNATURE_BYTES, comment, comment_length);
    return crypto_sign_ed25519_detached(out, NULL, message, SIGNATURE_BYTES + comment_length,
                                        secret);
}

static int verify_global(const uint8_t signature[SIGNATURE_BYTES], const char *comment,
                         size_t comment_length, const uint8_t global[SIGNATURE_BYTES],
                         const uint8_t *public_key)
{
    uint8_t message[SIGNATURE_BYTES + MINISIGN_TRUSTED_COMMENT_MAX];
    memcpy(message, signature, SIGNATURE_BYTES);
    memcpy(message + SIGNATURE_BYTES, comment, comment_length);
    return crypto_sign_ed25519_verify_detached(global, message, SIGNATURE_BYTES + comment_length,
                                               public_key);
}

static minisign_status format_signature(const char *untrusted_comment,
                                        const uint8_t blob[SIGNATURE_BLOB_BYTES],
                                        const char *trusted_comment,
                                        const uint8_t global[SIGNATURE_BYTES], char **out)
{
    char blob_base64[sodium_base64_ENCODED_LEN(SIGNATURE_BLOB_BYTES,
                                               sodium_base64_VARIANT_ORIGINAL)];
    char global_base64[sodium_base64_ENCODED_LEN(SIGNATURE_BYTES,
                                                 sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(blob_base64, sizeof blob_base64, blob, SIGNATURE_BLOB_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(global_base64, sizeof global_base64, global, SIGNATURE_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    size_t size = strlen(UNTRUSTED_PREFIX) + strlen(untrusted_comment) + 1 +
                  strlen(blob_base64) + 1 + strlen(TRUSTED_PREFIX) + strlen(trusted_comment) +
                  1 + strlen(global_base64) + 2;
    char *text = malloc(size);
    if (text == NULL)
        return MINISIGN_ERR_NO_MEMORY;
    snprintf(text, size, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n",
             untrusted_comment, blob_base64, trusted_comment, global_base64);
    *out = text;
    return MINISIGN_OK;
}

minisign_status minisign_sign(const minisign_secret_key *secret, const void *data, size_t length,
                              const char *trusted_comment, const char *untrusted_comment,
                              char **out_signature)
{
    if (secret == NULL || (data == NULL && length > 0) || out_signature == NULL)
        return MINISIGN_ERR_ARGUMENT;
    if (untrusted_comment == NULL)
        untrusted_comment = DEFAULT_SIGNATURE_COMMENT;
    if (!comment_is_valid(trusted_comment, MINISIGN_TRUSTED_COMMENT_MAX) ||
        !comment_is_valid(untrusted_comment, MINISIGN_UNTRUSTED_COMMENT_MAX))
        return MINISIGN_ERR_BAD_COMMENT;
    if (!crypto_ready())
        return MINISIGN_ERR_CRYPTO;
    uint8_t digest[PREHASH_BYTES];
    uint8_t blob[SIGNATURE_BLOB_BYTES];
    uint8_t global[SIGNATURE_BYTES];
    uint8_t *signature = blob + ALGORITHM_BYTES + MINISIGN_KEY_ID_BYTES;
    prehash(data, length, digest);
    memcpy(blob, ALG_PREHASHED, ALGORITHM_BYTES);
    memcpy(blob + ALGORITHM_BYTES, secret->key_id, MINISIGN_KEY_ID_BYTES);
    if (crypto_sign_ed25519_detached(signature, NULL, digest, sizeof digest, secret->key) != 0 ||
        sign_global(signature, trusted_comment, strlen(trusted_comment), secret->key, global) !=
            0)
        return MINISIGN_ERR_CRYPTO;
    return format_signature(untrusted_comment, blob, trusted_comment, global, out_signature);
}

/* ---- verification -------------------------------------------------------- */

typedef struct parsed_signature {
    uint8_t blob[SIGNATURE_BLOB_BYTES]; /* algorithm ‖ key id ‖ signature */
    const char *trusted_comment;        /* points into the signature text */
    size_t trusted_comment_length;
    uint8_t global[SIGNATURE_BYTES];
} parsed_signature;

static minisign_status parse_signature(const char *text, size_t length, parsed_signature *out)
{
    text_cursor cursor = {text, length, 0};
    const char *line;
    size_t line_length;
    if (memchr(text, '\0', length) != NULL)
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    if (!next_line(&cursor, &line, &line_length) ||
        !has_prefix(line, line_length, UNTRUSTED_PREFIX))
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    if (!next_line(&cursor, &line, &line_length) ||
        decode_exact(line, line_length, out->blob, SIGNATURE_BLOB_BYTES) != 0)
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    if (!next_line(&cursor, &line, &line_length) ||
        !has_prefix(line, line_length, TRUSTED_PREFIX) ||
        line_length - strlen(TRUSTED_PREFIX) > MINISIGN_TRUSTED_COMMENT_MAX)
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    out->trusted_comment = line + strlen(TRUSTED_PREFIX);
    out->trusted_comment_length = line_length - strlen(TRUSTED_PREFIX);
    if (!next_line(&cursor, &line, &line_length) ||
        decode_exact(line, line_length, out->global, SIGNATURE_BYTES) != 0 ||
        !only_blank_lines_remain(&cursor))
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    return MINISIGN_OK;
}

static minisign_status check_signature(const parsed_signature *parsed, const void *data,
                                       size_t length, const minisign_trusted_keys *keys,
                                       minisign_verified *out)
{
    const uint8_t *key_id = parsed->blob + ALGORITHM_BYTES;
    const uint8_t *signature = key_id + MINISIGN_KEY_ID_BYTES;
    if (memcmp(parsed->blob, ALG_ED25519, ALGORITHM_BYTES) == 0)
        return MINISIGN_ERR_LEGACY_SIGNATURE;
    if (memcmp(parsed->blob, ALG_PREHASHED, ALGORITHM_BYTES) != 0)
        return MINISIGN_ERR_MALFORMED_SIGNATURE;
    const minisign_public_key *key = minisign_trusted_keys_find(keys, key_id);
    if (key == NULL)
        return MINISIGN_ERR_UNKNOWN_KEY;
    uint8_t digest[PREHASH_BYTES];
    prehash(data, length, digest);
    if (crypto_sign_ed25519_verify_detached(signature, digest, sizeof digest, key->key) != 0)
        return MINISIGN_ERR_SIGNATURE_MISMATCH;
    if (verify_global(signature, parsed->trusted_comment, parsed->trusted_comment_length,
                      parsed->global, key->key) != 0)
        return MINISIGN_ERR_TRUSTED_COMMENT_INVALID;
    memcpy(out->key_id, key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(out->trusted_comment, parsed->trusted_comment, parsed->trusted_comment_length);
    out->trusted_comment[parsed->trusted_comment_length] = '\0';
    return MINISIGN_OK;
}

minisign_status minisign_verify(const char *signature_text, size_t signature_length,
                                const void *data, size_t length,
                                const minisign_trusted_keys *keys, minisign_verified *out)
{
    if (out == NULL)
        return MINISIGN_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (signature_text == NULL || keys == NULL || (data == NULL && length > 0))
        return MINISIGN_ERR_ARGUMENT;
    if (!crypto_ready())
        return MINISIGN_ERR_CRYPTO;
    parsed_signature parsed;
    minisign_status status = parse_signature(signature_text, signature_length, &parsed);
    if (status == MINISIGN_OK)
        status = check_signature(&parsed, data, length, keys, out);
    if (status != MINISIGN_OK)
        memset(out, 0, sizeof *out);
    return status;
}

/* ---- plugin identity in the trusted comment ------------------------------ */

static int copy_field(const char *value, size_t length, char *out, size_t capacity)
{
    if (length == 0 || length >= capacity)
        return -1;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7f)
            return -1;
    }
    memcpy(out, value, length);
    out[length] = '\0';
    return 0;
}

/* Digits only, at most 65535: no sign, no spaces, no overflow. */
static int parse_small_number(const char *text, size_t length, unsigned *out)
{
    unsigned value = 0;
    if (length == 0 || length > 5)
        return -1;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (unsigned)(text[i] - '0');
    }
    if (value > 65535)
        return -1;
    *out = value;
    return 0;
}

static int parse_abi(const char *value, size_t length, unsigned *major, unsigned *minor)
{
    const char *dot = memchr(value, '.', length);
    if (dot == NULL)
        return -1;
    size_t major_length = (size_t)(dot - value);
    return parse_small_number(value, major_length, major) == 0 &&
                   parse_small_number(dot + 1, length - major_length - 1, minor) == 0
               ? 0
               : -1;
}

enum { FIELD_NAME = 1, FIELD_VERSION = 2, FIELD_ABI = 4, FIELD_ALL = 7 };

/* Applies one "key=value" word; returns the field bit it set, 0 for a word
 * that is not ours, or -1 when the field is bad or already seen. */
static int apply_plugin_word(const char *word, size_t length, int seen,
                             minisign_plugin_identity *out)
{
    if (has_prefix(word, length, "name=")) {
        if ((seen & FIELD_NAME) || copy_field(word + 5, length - 5, out->name, sizeof out->name))
            return -1;
        return FIELD_NAME;
    }
    if (has_prefix(word, length, "version=")) {
        if ((seen & FIELD_VERSION) ||
            copy_field(word + 8, length - 8, out->version, sizeof out->version))
            return -1;
        return FIELD_VERSION;
    }
    if (has_prefix(word, length, "abi=")) {
        if ((seen & FIELD_ABI) || parse_abi(word + 4, length - 4, &out->abi_major, &out->abi_minor))
            return -1;
        return FIELD_ABI;
    }
    return 0;
}

minisign_status minisign_parse_plugin_comment(const char *trusted_comment,
                                              minisign_plugin_identity *out)
{
    if (trusted_comment == NULL || out == NULL)
        return MINISIGN_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    int seen = 0;
    int valid = 1;
    const char *cursor = trusted_comment;
    while (valid) {
        cursor += strspn(cursor, " \t");
        size_t length = strcspn(cursor, " \t");
        if (length == 0)
            break;
        int field = apply_plugin_word(cursor, length, seen, out);
        valid = field >= 0;
        seen |= valid ? field : 0;
        cursor += length;
    }
    if (valid && seen == FIELD_ALL)
        return MINISIGN_OK;
    memset(out, 0, sizeof *out);
    return MINISIGN_ERR_BAD_PLUGIN_COMMENT;
}
