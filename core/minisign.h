/*
 * core/minisign.h -- minisign-compatible Ed25519 keys and signatures, the
 * trust anchor for plugin files.
 *
 * crmgov signs and checks plugin shared objects with the file formats of the
 * `minisign` tool, so an operator can use either tool on either side: a key
 * made here signs with `minisign -S`, a signature made here checks with
 * `minisign -V`, and the reverse. Formats (all base64 = standard alphabet,
 * padded; integers little-endian; each text line ends with "\n"):
 *
 *   public key  "untrusted comment: <text>\n" base64("Ed" ‖ key_id[8] ‖ pk[32])
 *   secret key  "untrusted comment: <text>\n" base64("Ed" ‖ kdf[2] ‖ "B2" ‖
 *               salt[32] ‖ opslimit[8] ‖ memlimit[8] ‖ key_id[8] ‖ sk[64] ‖
 *               checksum[32]), kdf "\0\0" = unencrypted, "Sc" = the last 104
 *               bytes XORed with scrypt(password); checksum = BLAKE2b-256("Ed"
 *               ‖ key_id ‖ sk)
 *   signature   "untrusted comment: <text>\n" base64("ED" ‖ key_id[8] ‖
 *               Ed25519(BLAKE2b-512(file))[64]) "\ntrusted comment: <text>\n"
 *               base64(Ed25519(signature[64] ‖ trusted comment text)[64])
 *
 * Only the prehashed "ED" algorithm is produced and accepted; the legacy "Ed"
 * form (Ed25519 over the whole file) is refused with its own status, so an
 * operator learns to re-sign rather than suspecting tampering. The trusted
 * comment is signed too: crmgov puts the plugin identity in it
 * ("name=X version=Y abi=M.N"), so it cannot be swapped between files.
 *
 * Memory: functions returning text hand the caller a malloc'd string to
 * free(); key sets are freed with minisign_trusted_keys_free(). Secret keys
 * are plain structs the caller should wipe with minisign_secret_key_wipe().
 * Every function calls sodium_init() itself.
 */
#ifndef CRMGOV_CORE_MINISIGN_H
#define CRMGOV_CORE_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEY_ID_BYTES 8
#define MINISIGN_PUBLIC_KEY_BYTES 32
#define MINISIGN_SECRET_KEY_BYTES 64
/* 16 hex digits + NUL, as minisign prints key ids. */
#define MINISIGN_KEY_ID_HEX_SIZE 17
/* base64 of the 42-byte public key blob (56 chars) + NUL. */
#define MINISIGN_PUBLIC_KEY_BASE64_SIZE 57
/* Longest trusted comment (bytes, without the "trusted comment: " prefix)
 * that minisign itself will still read back. */
#define MINISIGN_TRUSTED_COMMENT_MAX 8000
#define MINISIGN_UNTRUSTED_COMMENT_MAX 1000
#define MINISIGN_PLUGIN_NAME_MAX 127
#define MINISIGN_PLUGIN_VERSION_MAX 63

typedef enum minisign_status {
    MINISIGN_OK = 0,
    /* verification refusals, in the order they are checked */
    MINISIGN_ERR_MALFORMED_SIGNATURE,
    MINISIGN_ERR_LEGACY_SIGNATURE,
    MINISIGN_ERR_UNKNOWN_KEY,
    MINISIGN_ERR_SIGNATURE_MISMATCH,
    MINISIGN_ERR_TRUSTED_COMMENT_INVALID,
    /* keys */
    MINISIGN_ERR_MALFORMED_PUBLIC_KEY,
    MINISIGN_ERR_MALFORMED_SECRET_KEY,
    MINISIGN_ERR_DUPLICATE_KEY_ID,
    MINISIGN_ERR_PASSWORD_REQUIRED,
    MINISIGN_ERR_WRONG_PASSWORD,
    /* inputs and environment */
    MINISIGN_ERR_BAD_COMMENT,
    MINISIGN_ERR_BAD_PLUGIN_COMMENT,
    MINISIGN_ERR_FILE_EXISTS,
    MINISIGN_ERR_IO,
    MINISIGN_ERR_NO_MEMORY,
    MINISIGN_ERR_CRYPTO,
    MINISIGN_ERR_ARGUMENT
} minisign_status;

/* Fixed one-line English text for a status, without trailing newline, meant
 * to follow a file name ("plugins/x.so: signature does not match ..."). */
const char *minisign_status_message(minisign_status status);

typedef struct minisign_public_key {
    uint8_t key_id[MINISIGN_KEY_ID_BYTES];
    uint8_t key[MINISIGN_PUBLIC_KEY_BYTES];
} minisign_public_key;

/* key is libsodium's Ed25519 secret key (seed ‖ public key). */
typedef struct minisign_secret_key {
    uint8_t key_id[MINISIGN_KEY_ID_BYTES];
    uint8_t key[MINISIGN_SECRET_KEY_BYTES];
} minisign_secret_key;

typedef struct minisign_trusted_keys {
    size_t count;
    minisign_public_key *keys; /* owned; free with minisign_trusted_keys_free */
} minisign_trusted_keys;

/* What a successful verification vouches for. */
typedef struct minisign_verified {
    uint8_t key_id[MINISIGN_KEY_ID_BYTES];
    char trusted_comment[MINISIGN_TRUSTED_COMMENT_MAX + 1];
} minisign_verified;

/* The plugin identity crmgov writes into trusted comments. */
typedef struct minisign_plugin_identity {
    char name[MINISIGN_PLUGIN_NAME_MAX + 1];
    char version[MINISIGN_PLUGIN_VERSION_MAX + 1];
    unsigned abi_major;
    unsigned abi_minor;
} minisign_plugin_identity;

/* Key id as minisign prints it: the 8 bytes read as a little-endian integer,
 * 16 upper-case hex digits ("972B7AF87B420149"). */
void minisign_key_id_hex(const uint8_t key_id[MINISIGN_KEY_ID_BYTES],
                         char out[MINISIGN_KEY_ID_HEX_SIZE]);

/* ---- keys ------------------------------------------------------------------ */

/* A new Ed25519 key pair with a random key id. */
minisign_status minisign_keypair_generate(minisign_secret_key *secret,
                                          minisign_public_key *public_key);

void minisign_secret_key_wipe(minisign_secret_key *secret);

/* The public half of a secret key. */
void minisign_secret_key_public(const minisign_secret_key *secret,
                                minisign_public_key *public_key);

/* The bare base64 line of a public key (what `minisign -P` takes). */
void minisign_public_key_base64(const minisign_public_key *public_key,
                                char out[MINISIGN_PUBLIC_KEY_BASE64_SIZE]);

/* Public key file text: "untrusted comment: minisign public key <ID>\n<b64>\n". */
minisign_status minisign_public_key_format(const minisign_public_key *public_key,
                                           char **out_text);

/* Unencrypted secret key file text (the `minisign -G -W` form). */
minisign_status minisign_secret_key_format(const minisign_secret_key *secret, char **out_text);

/* Writes both key files; refuses (MINISIGN_ERR_FILE_EXISTS) to overwrite
 * either. The secret key file is created with mode 0600. */
minisign_status minisign_keypair_write_files(const minisign_secret_key *secret,
                                             const char *public_path, const char *secret_path);

/* Reads a public key file's text, or a bare base64 key line. */
minisign_status minisign_public_key_parse(const char *text, size_t length,
                                          minisign_public_key *out);

/* Reads a secret key file's text. Unencrypted keys need no password (pass
 * NULL). Encrypted (scrypt) keys need `password`; without one the result is
 * MINISIGN_ERR_PASSWORD_REQUIRED, with a wrong one MINISIGN_ERR_WRONG_PASSWORD.
 * Decrypting costs what the key file asks (minisign: about 1 GiB, a second). */
minisign_status minisign_secret_key_parse(const char *text, size_t length,
                                          const char *password, minisign_secret_key *out);

/* Reads a trusted keys file: one base64 public key per line; blank lines,
 * lines starting with '#' and "untrusted comment:" lines are skipped. On a bad
 * line, *error_line (if not NULL) gets its 1-based number. The same key twice
 * is kept once; two different keys with one key id are refused. An empty
 * file gives an empty set (which trusts nothing). */
minisign_status minisign_trusted_keys_parse(const char *text, size_t length,
                                            minisign_trusted_keys *out, size_t *error_line);

void minisign_trusted_keys_free(minisign_trusted_keys *keys);

/* The trusted key with this id, or NULL. */
const minisign_public_key *minisign_trusted_keys_find(const minisign_trusted_keys *keys,
                                                      const uint8_t key_id[MINISIGN_KEY_ID_BYTES]);

/* ---- signatures ---------------------------------------------------------- */

/* Signs `data` (prehashed "ED") and returns the whole .minisig text.
 * trusted_comment: one line, at most MINISIGN_TRUSTED_COMMENT_MAX bytes;
 * untrusted_comment: NULL for "signature from crmgov secret key". */
minisign_status minisign_sign(const minisign_secret_key *secret, const void *data, size_t length,
                              const char *trusted_comment, const char *untrusted_comment,
                              char **out_signature);

/* Checks a .minisig text against `data` and the trusted keys. On MINISIGN_OK
 * fills `out` with the signing key id and the (now authentic) trusted
 * comment; on a refusal `out` is zeroed. */
minisign_status minisign_verify(const char *signature_text, size_t signature_length,
                                const void *data, size_t length,
                                const minisign_trusted_keys *keys, minisign_verified *out);

/* Finds name=, version= and abi=MAJOR.MINOR among the space- or
 * tab-separated words of a trusted comment (other words are ignored; a
 * missing, empty, repeated or over-long field is MINISIGN_ERR_BAD_PLUGIN_COMMENT). */
minisign_status minisign_parse_plugin_comment(const char *trusted_comment,
                                              minisign_plugin_identity *out);

#endif
