/*
 * tests/unit/test_minisign.c -- core/minisign.c: formats, round trips and
 * every refusal, checked against libsodium directly and against fixtures the
 * real `minisign` 0.11 produced (embedded below, so the test needs neither
 * the binary nor files; tests/unit/minisign_interop.sh runs the binary).
 *
 * The fixture key pair is a throwaway made for this test with
 * `minisign -G -W`; it protects nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minisign.h"

/* ---- fixtures from minisign 0.11 ------------------------------------------ */

static const char FIXTURE_PUBLIC[] =
    "untrusted comment: minisign public key 600B5366D91164F4\n"
    "RWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCz\n";
static const char FIXTURE_PUBLIC_BARE[] = "RWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCz";
static const char FIXTURE_KEY_ID_HEX[] = "600B5366D91164F4";
static const char FIXTURE_SECRET[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA9GQR2WZTC2CSjKkxA5Ba"
    "A8ng3ynH+cJwheo6OLgMXG9wxV/REkl8J7zCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCzAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char FIXTURE_PAYLOAD[] = "crmgov minisign fixture\n";
static const char FIXTURE_TRUSTED_COMMENT[] = "name=fixture version=1.0.0 abi=1.0";
static const char FIXTURE_SIGNATURE[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUT0ZBHZZlMLYGPD76qVsQOiYQbVR9n5O2fOYEW6JpUOg3GUa+m/uxH3fX34ozt3HVcvNFMc45ftEFe5cwfgAoT+hPpc"
    "T+DNQQQ=\n"
    "trusted comment: name=fixture version=1.0.0 abi=1.0\n"
    "uAz1gJ2SwjG6AgFNPuIg86nWa+26NIWV/eVxxSxyzv05oxaFCwozdEVZEygBFc4lZGW2oH471ksw77cyUPYhBg==\n";
static const char FIXTURE_LEGACY_SIGNATURE[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWT0ZBHZZlMLYKNOUR3FyCgd8B9yYAISFLqRaj1DYMVHPNRVQOPfzn49dSPLw07BfismLJ8l2IMp/4NbdxZ673u0owOo"
    "JDTtpwQ=\n"
    "trusted comment: name=fixture version=1.0.0 abi=1.0\n"
    "0/vx+uZisscDPEhmiZvnppZV5xQUu+GGQj9543mVEWzUnCEvVhJo9rbFLgD8b1En9JEBWmohQXRmn0lonzWtCg==\n";

/* ---- helpers ------------------------------------------------------------- */

static minisign_trusted_keys trust_only(const minisign_public_key *key)
{
    minisign_trusted_keys keys = {1, malloc(sizeof *key)};
    assert_non_null(keys.keys);
    keys.keys[0] = *key;
    return keys;
}

static minisign_status verify_text(const char *signature, const void *data, size_t length,
                                   const minisign_trusted_keys *keys, minisign_verified *out)
{
    return minisign_verify(signature, strlen(signature), data, length, keys, out);
}

/* Splits a .minisig text into its four lines (each NUL-terminated copy). */
enum { SIGNATURE_LINE_MAX = 512 };

typedef struct signature_lines {
    char line[4][SIGNATURE_LINE_MAX];
} signature_lines;

static void split_signature(const char *text, signature_lines *out)
{
    for (int i = 0; i < 4; i++) {
        const char *end = strchr(text, '\n');
        assert_non_null(end);
        size_t length = (size_t)(end - text);
        assert_true(length < sizeof out->line[i]);
        memcpy(out->line[i], text, length);
        out->line[i][length] = '\0';
        text = end + 1;
    }
    assert_string_equal(text, "");
}

static char *join_signature(const signature_lines *lines)
{
    size_t size = 5;
    for (int i = 0; i < 4; i++)
        size += strlen(lines->line[i]);
    char *text = malloc(size);
    assert_non_null(text);
    snprintf(text, size, "%s\n%s\n%s\n%s\n", lines->line[0], lines->line[1], lines->line[2],
             lines->line[3]);
    return text;
}

typedef struct signed_fixture {
    minisign_secret_key secret;
    minisign_public_key public_key;
    minisign_trusted_keys keys;
    char *signature;
} signed_fixture;

static const char PLUGIN_BYTES[] = "\x7f" "ELF fake plugin contents \x00\x01\x02 end";
static const char PLUGIN_COMMENT[] = "name=acme version=1.2.3 abi=1.0";

static int setup_signed(void **state)
{
    signed_fixture *f = calloc(1, sizeof *f);
    if (f == NULL ||
        minisign_keypair_generate(&f->secret, &f->public_key) != MINISIGN_OK ||
        minisign_sign(&f->secret, PLUGIN_BYTES, sizeof PLUGIN_BYTES, PLUGIN_COMMENT, NULL,
                      &f->signature) != MINISIGN_OK)
        return -1;
    f->keys = trust_only(&f->public_key);
    *state = f;
    return 0;
}

static int teardown_signed(void **state)
{
    signed_fixture *f = *state;
    minisign_trusted_keys_free(&f->keys);
    minisign_secret_key_wipe(&f->secret);
    free(f->signature);
    free(f);
    return 0;
}

/* ---- round trip and format ------------------------------------------------- */

static void test_sign_verify_round_trip(void **state)
{
    signed_fixture *f = *state;
    minisign_verified verified;
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys,
                                 &verified),
                     MINISIGN_OK);
    assert_memory_equal(verified.key_id, f->public_key.key_id, MINISIGN_KEY_ID_BYTES);
    assert_string_equal(verified.trusted_comment, PLUGIN_COMMENT);

    /* an empty file signs and verifies too */
    char *empty_signature = NULL;
    assert_int_equal(minisign_sign(&f->secret, NULL, 0, "", "custom", &empty_signature),
                     MINISIGN_OK);
    assert_int_equal(verify_text(empty_signature, NULL, 0, &f->keys, &verified), MINISIGN_OK);
    assert_string_equal(verified.trusted_comment, "");
    assert_true(strncmp(empty_signature, "untrusted comment: custom\n", 26) == 0);
    free(empty_signature);
}

/* The layout, checked with libsodium directly rather than through the module. */
static void test_signature_layout(void **state)
{
    signed_fixture *f = *state;
    signature_lines lines = {0};
    uint8_t blob[74], global[64], digest[64];
    uint8_t message[64 + sizeof PLUGIN_COMMENT];
    size_t length = 0;

    split_signature(f->signature, &lines);
    assert_string_equal(lines.line[0], "untrusted comment: signature from crmgov secret key");
    assert_int_equal(sodium_base642bin(blob, sizeof blob, lines.line[1], strlen(lines.line[1]),
                                       NULL, &length, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(length, 74);
    assert_memory_equal(blob, "ED", 2);
    assert_memory_equal(blob + 2, f->public_key.key_id, 8);
    crypto_generichash(digest, sizeof digest, (const uint8_t *)PLUGIN_BYTES, sizeof PLUGIN_BYTES,
                       NULL, 0);
    assert_int_equal(crypto_sign_verify_detached(blob + 10, digest, 64, f->public_key.key), 0);
    assert_string_equal(lines.line[2], "trusted comment: name=acme version=1.2.3 abi=1.0");
    assert_int_equal(sodium_base642bin(global, sizeof global, lines.line[3], strlen(lines.line[3]),
                                       NULL, &length, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(length, 64);
    memcpy(message, blob + 10, 64);
    memcpy(message + 64, PLUGIN_COMMENT, strlen(PLUGIN_COMMENT));
    assert_int_equal(crypto_sign_verify_detached(global, message, 64 + strlen(PLUGIN_COMMENT),
                                                 f->public_key.key),
                     0);
}

static void test_verifies_real_minisign_signature(void **state)
{
    (void)state;
    minisign_public_key key;
    minisign_verified verified;
    char hex[MINISIGN_KEY_ID_HEX_SIZE];
    assert_int_equal(minisign_public_key_parse(FIXTURE_PUBLIC, strlen(FIXTURE_PUBLIC), &key),
                     MINISIGN_OK);
    minisign_key_id_hex(key.key_id, hex);
    assert_string_equal(hex, FIXTURE_KEY_ID_HEX);
    minisign_trusted_keys keys = trust_only(&key);
    assert_int_equal(verify_text(FIXTURE_SIGNATURE, FIXTURE_PAYLOAD, strlen(FIXTURE_PAYLOAD), &keys,
                                 &verified),
                     MINISIGN_OK);
    assert_string_equal(verified.trusted_comment, FIXTURE_TRUSTED_COMMENT);
    assert_memory_equal(verified.key_id, key.key_id, MINISIGN_KEY_ID_BYTES);
    /* minisign's own legacy signature is refused as legacy, not as forged */
    assert_int_equal(verify_text(FIXTURE_LEGACY_SIGNATURE, FIXTURE_PAYLOAD,
                                 strlen(FIXTURE_PAYLOAD), &keys, &verified),
                     MINISIGN_ERR_LEGACY_SIGNATURE);
    minisign_trusted_keys_free(&keys);
}

/* A key minisign made signs here; minisign's -W key has a zero checksum. */
static void test_signs_with_real_minisign_key(void **state)
{
    (void)state;
    minisign_secret_key secret;
    minisign_public_key key, derived;
    minisign_verified verified;
    char *signature = NULL;
    assert_int_equal(minisign_secret_key_parse(FIXTURE_SECRET, strlen(FIXTURE_SECRET), NULL,
                                               &secret),
                     MINISIGN_OK);
    assert_int_equal(minisign_public_key_parse(FIXTURE_PUBLIC_BARE, strlen(FIXTURE_PUBLIC_BARE),
                                               &key),
                     MINISIGN_OK);
    minisign_secret_key_public(&secret, &derived);
    assert_memory_equal(&derived, &key, sizeof key);
    assert_int_equal(minisign_sign(&secret, FIXTURE_PAYLOAD, strlen(FIXTURE_PAYLOAD),
                                   FIXTURE_TRUSTED_COMMENT, "signature from minisign secret key",
                                   &signature),
                     MINISIGN_OK);
    /* Ed25519 is deterministic: the same key, file and comment give minisign's bytes */
    assert_string_equal(signature, FIXTURE_SIGNATURE);
    minisign_trusted_keys keys = trust_only(&key);
    assert_int_equal(verify_text(signature, FIXTURE_PAYLOAD, strlen(FIXTURE_PAYLOAD), &keys,
                                 &verified),
                     MINISIGN_OK);
    minisign_trusted_keys_free(&keys);
    minisign_secret_key_wipe(&secret);
    free(signature);
}

/* ---- refusals ------------------------------------------------------------ */

static void test_refuses_changed_file(void **state)
{
    signed_fixture *f = *state;
    minisign_verified verified;
    char data[sizeof PLUGIN_BYTES];
    for (size_t i = 0; i < sizeof data; i++) {
        memcpy(data, PLUGIN_BYTES, sizeof data);
        data[i] ^= 0x01;
        assert_int_equal(verify_text(f->signature, data, sizeof data, &f->keys, &verified),
                         MINISIGN_ERR_SIGNATURE_MISMATCH);
        assert_string_equal(verified.trusted_comment, "");
    }
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES - 1, &f->keys,
                                 &verified),
                     MINISIGN_ERR_SIGNATURE_MISMATCH);
}

static void test_refuses_untrusted_key(void **state)
{
    signed_fixture *f = *state;
    minisign_secret_key other_secret;
    minisign_public_key other;
    minisign_verified verified;
    assert_int_equal(minisign_keypair_generate(&other_secret, &other), MINISIGN_OK);
    minisign_trusted_keys keys = trust_only(&other);
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &keys,
                                 &verified),
                     MINISIGN_ERR_UNKNOWN_KEY);
    /* another key posing under the signer's key id */
    memcpy(keys.keys[0].key_id, f->public_key.key_id, MINISIGN_KEY_ID_BYTES);
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &keys,
                                 &verified),
                     MINISIGN_ERR_SIGNATURE_MISMATCH);
    minisign_trusted_keys_free(&keys);
    minisign_trusted_keys none = {0, NULL};
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &none,
                                 &verified),
                     MINISIGN_ERR_UNKNOWN_KEY);
    minisign_secret_key_wipe(&other_secret);
}

static void test_refuses_edited_trusted_comment(void **state)
{
    signed_fixture *f = *state;
    signature_lines lines = {0};
    minisign_verified verified;
    static const char *const edits[] = {
        "trusted comment: name=acme version=1.2.4 abi=1.0",
        "trusted comment: name=acme version=1.2.3 abi=1.0 ",
        "trusted comment: name=evil version=1.2.3 abi=1.0",
        "trusted comment: ",
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        split_signature(f->signature, &lines);
        snprintf(lines.line[2], sizeof lines.line[2], "%s", edits[i]);
        char *edited = join_signature(&lines);
        assert_int_equal(verify_text(edited, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys,
                                     &verified),
                         MINISIGN_ERR_TRUSTED_COMMENT_INVALID);
        free(edited);
    }
}

/* A legacy signature built here by hand: Ed25519 over the file itself. */
static void test_refuses_legacy_signature(void **state)
{
    signed_fixture *f = *state;
    uint8_t blob[74], global[64], message[64 + 16];
    char blob_base64[sodium_base64_ENCODED_LEN(74, sodium_base64_VARIANT_ORIGINAL)];
    char global_base64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
    char text[512];
    minisign_verified verified;

    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, f->secret.key_id, 8);
    crypto_sign_detached(blob + 10, NULL, (const uint8_t *)PLUGIN_BYTES, sizeof PLUGIN_BYTES,
                         f->secret.key);
    memcpy(message, blob + 10, 64);
    memcpy(message + 64, "legacy signature", 16);
    crypto_sign_detached(global, NULL, message, sizeof message, f->secret.key);
    sodium_bin2base64(blob_base64, sizeof blob_base64, blob, sizeof blob,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(global_base64, sizeof global_base64, global, sizeof global,
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(text, sizeof text,
             "untrusted comment: x\n%s\ntrusted comment: legacy signature\n%s\n", blob_base64,
             global_base64);
    assert_int_equal(verify_text(text, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys, &verified),
                     MINISIGN_ERR_LEGACY_SIGNATURE);

    /* an unknown algorithm is malformed, not legacy */
    memcpy(blob, "EX", 2);
    sodium_bin2base64(blob_base64, sizeof blob_base64, blob, sizeof blob,
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(text, sizeof text,
             "untrusted comment: x\n%s\ntrusted comment: legacy signature\n%s\n", blob_base64,
             global_base64);
    assert_int_equal(verify_text(text, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys, &verified),
                     MINISIGN_ERR_MALFORMED_SIGNATURE);
}

static void expect_malformed(const signed_fixture *f, const char *text, size_t length)
{
    minisign_verified verified;
    assert_int_equal(minisign_verify(text, length, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys,
                                     &verified),
                     MINISIGN_ERR_MALFORMED_SIGNATURE);
}

static void expect_line_edit_malformed(const signed_fixture *f, int line, const char *value)
{
    signature_lines lines = {0};
    split_signature(f->signature, &lines);
    snprintf(lines.line[line], sizeof lines.line[line], "%s", value);
    char *edited = join_signature(&lines);
    expect_malformed(f, edited, strlen(edited));
    free(edited);
}

static void test_refuses_malformed_signature_text(void **state)
{
    signed_fixture *f = *state;
    signature_lines lines = {0};
    minisign_verified verified;
    size_t length = strlen(f->signature);
    char buffer[4 * SIGNATURE_LINE_MAX + 16];

    /* every truncation short of dropping the final newline */
    for (size_t cut = 0; cut + 1 < length; cut++)
        expect_malformed(f, f->signature, cut);
    assert_int_equal(minisign_verify(f->signature, length - 1, PLUGIN_BYTES, sizeof PLUGIN_BYTES,
                                     &f->keys, &verified),
                     MINISIGN_OK);

    split_signature(f->signature, &lines);
    char shortened[SIGNATURE_LINE_MAX + 8];
    snprintf(shortened, sizeof shortened, "%.*s", (int)strlen(lines.line[1]) - 4, lines.line[1]);
    expect_line_edit_malformed(f, 1, shortened); /* truncated base64 */
    snprintf(shortened, sizeof shortened, "%s", lines.line[1]);
    shortened[10] = '!';
    expect_line_edit_malformed(f, 1, shortened); /* garbled base64 */
    snprintf(shortened, sizeof shortened, "%sAAAA", lines.line[1]);
    expect_line_edit_malformed(f, 1, shortened); /* too long */
    snprintf(shortened, sizeof shortened, "%s", lines.line[3]);
    shortened[5] = '*';
    expect_line_edit_malformed(f, 3, shortened); /* garbled global signature */
    expect_line_edit_malformed(f, 0, "comment without the prefix");
    expect_line_edit_malformed(f, 2, "trusted: name=acme version=1.2.3 abi=1.0");
    expect_line_edit_malformed(f, 3, "");

    snprintf(buffer, sizeof buffer, "%sextra line\n", f->signature); /* trailing data */
    expect_malformed(f, buffer, strlen(buffer));
    snprintf(buffer, sizeof buffer, "%s", f->signature); /* embedded NUL */
    buffer[30] = '\0';
    expect_malformed(f, buffer, length);
    expect_malformed(f, "", 0);

    /* CRLF line endings and trailing blank lines stay acceptable */
    snprintf(buffer, sizeof buffer, "%s\r\n%s\r\n%s\r\n%s\r\n\n", lines.line[0], lines.line[1],
             lines.line[2], lines.line[3]);
    assert_int_equal(verify_text(buffer, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &f->keys, &verified),
                     MINISIGN_OK);
    assert_string_equal(verified.trusted_comment, PLUGIN_COMMENT);
}

static void test_refuses_bad_comments_when_signing(void **state)
{
    signed_fixture *f = *state;
    char *signature = NULL;
    char *long_comment = malloc(MINISIGN_TRUSTED_COMMENT_MAX + 2);
    assert_non_null(long_comment);
    memset(long_comment, 'a', MINISIGN_TRUSTED_COMMENT_MAX + 1);
    long_comment[MINISIGN_TRUSTED_COMMENT_MAX + 1] = '\0';
    assert_int_equal(minisign_sign(&f->secret, "x", 1, "two\nlines", NULL, &signature),
                     MINISIGN_ERR_BAD_COMMENT);
    assert_int_equal(minisign_sign(&f->secret, "x", 1, "ok", "carriage\rreturn", &signature),
                     MINISIGN_ERR_BAD_COMMENT);
    assert_int_equal(minisign_sign(&f->secret, "x", 1, long_comment, NULL, &signature),
                     MINISIGN_ERR_BAD_COMMENT);
    assert_int_equal(minisign_sign(&f->secret, "x", 1, NULL, NULL, &signature),
                     MINISIGN_ERR_BAD_COMMENT);
    assert_null(signature);
    /* the longest allowed comment round-trips */
    long_comment[MINISIGN_TRUSTED_COMMENT_MAX] = '\0';
    assert_int_equal(minisign_sign(&f->secret, "x", 1, long_comment, NULL, &signature),
                     MINISIGN_OK);
    minisign_verified verified;
    assert_int_equal(verify_text(signature, "x", 1, &f->keys, &verified), MINISIGN_OK);
    assert_string_equal(verified.trusted_comment, long_comment);
    free(signature);
    free(long_comment);
}

/* ---- keys ------------------------------------------------------------------ */

static void test_public_key_files(void **state)
{
    signed_fixture *f = *state;
    minisign_public_key parsed;
    char *text = NULL;
    char base64[MINISIGN_PUBLIC_KEY_BASE64_SIZE];
    char hex[MINISIGN_KEY_ID_HEX_SIZE];
    char expected_first_line[80];

    assert_int_equal(minisign_public_key_format(&f->public_key, &text), MINISIGN_OK);
    minisign_key_id_hex(f->public_key.key_id, hex);
    snprintf(expected_first_line, sizeof expected_first_line,
             "untrusted comment: minisign public key %s\n", hex);
    assert_true(strncmp(text, expected_first_line, strlen(expected_first_line)) == 0);
    assert_int_equal(minisign_public_key_parse(text, strlen(text), &parsed), MINISIGN_OK);
    assert_memory_equal(&parsed, &f->public_key, sizeof parsed);
    minisign_public_key_base64(&f->public_key, base64);
    assert_int_equal(strlen(base64), 56);
    char expected_key_line[80];
    snprintf(expected_key_line, sizeof expected_key_line, "%s\n", base64);
    assert_string_equal(text + strlen(expected_first_line), expected_key_line);
    free(text);

    /* bare key, with surrounding blanks and line end */
    char bare[100];
    snprintf(bare, sizeof bare, "  %s \r\n\n", base64);
    memset(&parsed, 0, sizeof parsed);
    assert_int_equal(minisign_public_key_parse(bare, strlen(bare), &parsed), MINISIGN_OK);
    assert_memory_equal(&parsed, &f->public_key, sizeof parsed);

    static const char *const bad[] = {
        "",
        "\n\n",
        "untrusted comment: only a comment\n",
        "RWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjC",     /* short */
        "RWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCzAAAA", /* long */
        "RUT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCz",     /* "ED" */
        "RWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCz\nRWT0ZBHZZlMLYLzCRVp2dINKg3Y7eEuIv1pQM39p/dfEUnpzffVvHjCz\n",
        "untrusted comment: x\nnot base64 at all\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(minisign_public_key_parse(bad[i], strlen(bad[i]), &parsed),
                         MINISIGN_ERR_MALFORMED_PUBLIC_KEY);
}

/* The unencrypted secret key layout, checked byte by byte. */
static void test_secret_key_format(void **state)
{
    signed_fixture *f = *state;
    char *text = NULL;
    uint8_t blob[158], checksum[32];
    size_t length = 0;
    minisign_secret_key parsed;

    assert_int_equal(minisign_secret_key_format(&f->secret, &text), MINISIGN_OK);
    const char *newline = strchr(text, '\n');
    assert_non_null(newline);
    assert_true(strncmp(text, "untrusted comment: ", 19) == 0);
    assert_int_equal(sodium_base642bin(blob, sizeof blob, newline + 1, strlen(newline + 1), "\n",
                                       &length, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(length, 158);
    assert_memory_equal(blob, "Ed\0\0B2", 6);
    assert_true(sodium_is_zero(blob + 6, 48)); /* salt, opslimit, memlimit */
    assert_memory_equal(blob + 54, f->secret.key_id, 8);
    assert_memory_equal(blob + 62, f->secret.key, 64);
    crypto_generichash_state hash;
    crypto_generichash_init(&hash, NULL, 0, 32);
    crypto_generichash_update(&hash, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&hash, f->secret.key_id, 8);
    crypto_generichash_update(&hash, f->secret.key, 64);
    crypto_generichash_final(&hash, checksum, 32);
    assert_memory_equal(blob + 126, checksum, 32);

    assert_int_equal(minisign_secret_key_parse(text, strlen(text), NULL, &parsed), MINISIGN_OK);
    assert_memory_equal(&parsed, &f->secret, sizeof parsed);
    sodium_memzero(text, strlen(text));
    free(text);
}

static char *encode_secret_blob(const uint8_t blob[158])
{
    char base64[sodium_base64_ENCODED_LEN(158, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(base64, sizeof base64, blob, 158, sodium_base64_VARIANT_ORIGINAL);
    size_t size = strlen(base64) + 64;
    char *text = malloc(size);
    assert_non_null(text);
    snprintf(text, size, "untrusted comment: test key\n%s\n", base64);
    return text;
}

static minisign_status parse_secret_blob(const uint8_t blob[158], const char *password,
                                         minisign_secret_key *out)
{
    char *text = encode_secret_blob(blob);
    minisign_status status = minisign_secret_key_parse(text, strlen(text), password, out);
    free(text);
    return status;
}

static void fixture_secret_blob(uint8_t blob[158])
{
    const char *base64 = strchr(FIXTURE_SECRET, '\n') + 1;
    size_t length = 0;
    assert_int_equal(sodium_base642bin(blob, 158, base64, strlen(base64), "\n", &length, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(length, 158);
}

static void test_secret_key_refusals(void **state)
{
    (void)state;
    uint8_t blob[158], mutated[158];
    minisign_secret_key parsed;
    fixture_secret_blob(blob);
    assert_true(sodium_is_zero(blob + 126, 32)); /* minisign -W writes no checksum */
    assert_int_equal(parse_secret_blob(blob, NULL, &parsed), MINISIGN_OK);

    memcpy(mutated, blob, sizeof mutated);
    mutated[126] = 1; /* a checksum that is neither zero nor right */
    assert_int_equal(parse_secret_blob(mutated, NULL, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
    memcpy(mutated, blob, sizeof mutated);
    mutated[62 + 40] ^= 1; /* public half no longer matches the seed */
    assert_int_equal(parse_secret_blob(mutated, NULL, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
    memcpy(mutated, blob, sizeof mutated);
    mutated[1] = 'D'; /* signature algorithm */
    assert_int_equal(parse_secret_blob(mutated, NULL, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
    memcpy(mutated, blob, sizeof mutated);
    mutated[4] = 'X'; /* checksum algorithm */
    assert_int_equal(parse_secret_blob(mutated, NULL, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
    memcpy(mutated, blob, sizeof mutated);
    mutated[2] = 'A'; /* key derivation */
    assert_int_equal(parse_secret_blob(mutated, NULL, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);

    static const char *const bad_texts[] = {
        "",
        "untrusted comment: x\n",
        "no comment line\nRWQAAEIy\n",
        "untrusted comment: x\nRWQAAEIyAAAA\n",
    };
    for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++)
        assert_int_equal(minisign_secret_key_parse(bad_texts[i], strlen(bad_texts[i]), NULL,
                                                   &parsed),
                         MINISIGN_ERR_MALFORMED_SECRET_KEY);
    /* the public key text is not a secret key */
    assert_int_equal(minisign_secret_key_parse(FIXTURE_PUBLIC, strlen(FIXTURE_PUBLIC), NULL,
                                               &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
}

/* An scrypt-encrypted key built as minisign does, with the cheapest limits. */
static void test_encrypted_secret_key(void **state)
{
    (void)state;
    uint8_t blob[158], stream[104], checksum[32];
    minisign_secret_key expected, parsed;
    minisign_public_key public_key;
    const char *password = "correct horse";
    const uint64_t opslimit = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN;
    const uint64_t memlimit = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN;

    assert_int_equal(minisign_keypair_generate(&expected, &public_key), MINISIGN_OK);
    memcpy(blob, "EdScB2", 6);
    randombytes_buf(blob + 6, 32);
    for (int i = 0; i < 8; i++) {
        blob[38 + i] = (uint8_t)(opslimit >> (8 * i));
        blob[46 + i] = (uint8_t)(memlimit >> (8 * i));
    }
    memcpy(blob + 54, expected.key_id, 8);
    memcpy(blob + 62, expected.key, 64);
    crypto_generichash_state hash;
    crypto_generichash_init(&hash, NULL, 0, 32);
    crypto_generichash_update(&hash, blob, 2);
    crypto_generichash_update(&hash, blob + 54, 72);
    crypto_generichash_final(&hash, checksum, 32);
    memcpy(blob + 126, checksum, 32);
    assert_int_equal(crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, password,
                                                        strlen(password), blob + 6, opslimit,
                                                        memlimit),
                     0);
    for (int i = 0; i < 104; i++)
        blob[54 + i] ^= stream[i];

    assert_int_equal(parse_secret_blob(blob, NULL, &parsed), MINISIGN_ERR_PASSWORD_REQUIRED);
    assert_int_equal(parse_secret_blob(blob, "wrong horse", &parsed),
                     MINISIGN_ERR_WRONG_PASSWORD);
    assert_true(sodium_is_zero((const uint8_t *)&parsed, sizeof parsed));
    assert_int_equal(parse_secret_blob(blob, password, &parsed), MINISIGN_OK);
    assert_memory_equal(&parsed, &expected, sizeof parsed);

    /* limits beyond what minisign would ever write are refused up front */
    for (int i = 0; i < 8; i++)
        blob[46 + i] = 0xff;
    assert_int_equal(parse_secret_blob(blob, password, &parsed),
                     MINISIGN_ERR_MALFORMED_SECRET_KEY);
    minisign_secret_key_wipe(&expected);
    minisign_secret_key_wipe(&parsed);
}

static void test_keypair_files(void **state)
{
    signed_fixture *f = *state;
    char folder[] = "/tmp/crmgov-minisign-XXXXXX";
    char public_path[64], secret_path[64];
    assert_non_null(mkdtemp(folder));
    snprintf(public_path, sizeof public_path, "%s/k.pub", folder);
    snprintf(secret_path, sizeof secret_path, "%s/k.key", folder);

    assert_int_equal(minisign_keypair_write_files(&f->secret, public_path, secret_path),
                     MINISIGN_OK);
    struct stat info;
    assert_int_equal(stat(secret_path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    assert_int_equal(minisign_keypair_write_files(&f->secret, public_path, secret_path),
                     MINISIGN_ERR_FILE_EXISTS);

    FILE *file = fopen(secret_path, "rb");
    assert_non_null(file);
    char text[512];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    minisign_secret_key parsed;
    assert_int_equal(minisign_secret_key_parse(text, length, NULL, &parsed), MINISIGN_OK);
    assert_memory_equal(&parsed, &f->secret, sizeof parsed);
    minisign_secret_key_wipe(&parsed);

    file = fopen(public_path, "rb");
    assert_non_null(file);
    length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    minisign_public_key public_key;
    assert_int_equal(minisign_public_key_parse(text, length, &public_key), MINISIGN_OK);
    assert_memory_equal(&public_key, &f->public_key, sizeof public_key);

    /* a refused public key path leaves no lone secret key behind */
    unlink(secret_path);
    assert_int_equal(minisign_keypair_write_files(&f->secret, public_path, secret_path),
                     MINISIGN_ERR_FILE_EXISTS);
    assert_int_not_equal(access(secret_path, F_OK), 0);
    unlink(public_path);
    rmdir(folder);
}

static void test_trusted_keys_file(void **state)
{
    signed_fixture *f = *state;
    char own[MINISIGN_PUBLIC_KEY_BASE64_SIZE];
    char text[1024];
    minisign_trusted_keys keys;
    size_t bad_line = 0;
    minisign_verified verified;
    minisign_public_key_base64(&f->public_key, own);

    snprintf(text, sizeof text,
             "# crmgov trusted plugin keys\n"
             "\n"
             "untrusted comment: minisign public key %s\n"
             "%s\n"
             "   %s   \n" /* the same key again */
             "\t# the fixture key\n"
             "%s\r\n",
             FIXTURE_KEY_ID_HEX, FIXTURE_PUBLIC_BARE, FIXTURE_PUBLIC_BARE, own);
    assert_int_equal(minisign_trusted_keys_parse(text, strlen(text), &keys, &bad_line),
                     MINISIGN_OK);
    assert_int_equal(keys.count, 2);
    assert_non_null(minisign_trusted_keys_find(&keys, f->public_key.key_id));
    assert_int_equal(verify_text(f->signature, PLUGIN_BYTES, sizeof PLUGIN_BYTES, &keys,
                                 &verified),
                     MINISIGN_OK);
    assert_int_equal(verify_text(FIXTURE_SIGNATURE, FIXTURE_PAYLOAD, strlen(FIXTURE_PAYLOAD),
                                 &keys, &verified),
                     MINISIGN_OK);
    minisign_trusted_keys_free(&keys);
    assert_int_equal(keys.count, 0);

    snprintf(text, sizeof text, "# keys\n%s\nnot-a-key\n", own);
    assert_int_equal(minisign_trusted_keys_parse(text, strlen(text), &keys, &bad_line),
                     MINISIGN_ERR_MALFORMED_PUBLIC_KEY);
    assert_int_equal(bad_line, 3);

    /* a different key under an id already listed */
    minisign_public_key impostor = f->public_key;
    char impostor_base64[MINISIGN_PUBLIC_KEY_BASE64_SIZE];
    impostor.key[0] ^= 1;
    minisign_public_key_base64(&impostor, impostor_base64);
    snprintf(text, sizeof text, "%s\n\n%s\n", own, impostor_base64);
    assert_int_equal(minisign_trusted_keys_parse(text, strlen(text), &keys, &bad_line),
                     MINISIGN_ERR_DUPLICATE_KEY_ID);
    assert_int_equal(bad_line, 3);

    assert_int_equal(minisign_trusted_keys_parse("# nothing\n", 10, &keys, NULL), MINISIGN_OK);
    assert_int_equal(keys.count, 0);
    minisign_trusted_keys_free(&keys);
}

/* ---- plugin comment ------------------------------------------------------- */

static void test_plugin_comment(void **state)
{
    (void)state;
    minisign_plugin_identity identity;
    assert_int_equal(minisign_parse_plugin_comment("name=acme version=1.2.3 abi=1.0", &identity),
                     MINISIGN_OK);
    assert_string_equal(identity.name, "acme");
    assert_string_equal(identity.version, "1.2.3");
    assert_int_equal(identity.abi_major, 1);
    assert_int_equal(identity.abi_minor, 0);

    assert_int_equal(minisign_parse_plugin_comment(
                         "timestamp:1795548577\tabi=2.17  name=sf-connector version=0.9.0-rc1 ",
                         &identity),
                     MINISIGN_OK);
    assert_string_equal(identity.name, "sf-connector");
    assert_string_equal(identity.version, "0.9.0-rc1");
    assert_int_equal(identity.abi_major, 2);
    assert_int_equal(identity.abi_minor, 17);

    char long_name[200];
    snprintf(long_name, sizeof long_name, "name=%0150d version=1 abi=1.0", 0);
    static const char *const bad[] = {
        "",
        "name=acme version=1.2.3",
        "name=acme abi=1.0",
        "version=1 abi=1.0",
        "name= version=1 abi=1.0",
        "name=acme version=1 abi=1",
        "name=acme version=1 abi=1.x",
        "name=acme version=1 abi=.1",
        "name=acme version=1 abi=1.",
        "name=acme version=1 abi=-1.0",
        "name=acme version=1 abi=99999999999.0",
        "name=acme version=1 abi=4294967296.0", /* wraps to 0 in 32 bits */
        "name=acme version=1 abi=65536.0",
        "name=acme version=1 abi=1.0 name=other",
        "name=acme version=1 abi=1.0 abi=1.1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(minisign_parse_plugin_comment(bad[i], &identity),
                         MINISIGN_ERR_BAD_PLUGIN_COMMENT);
    assert_int_equal(minisign_parse_plugin_comment(long_name, &identity),
                     MINISIGN_ERR_BAD_PLUGIN_COMMENT);
    assert_string_equal(identity.name, "");
}

static void test_key_id_and_messages(void **state)
{
    (void)state;
    const uint8_t key_id[8] = {0x49, 0x01, 0x42, 0x7b, 0xf8, 0x7a, 0x2b, 0x97};
    char hex[MINISIGN_KEY_ID_HEX_SIZE];
    minisign_key_id_hex(key_id, hex);
    assert_string_equal(hex, "972B7AF87B420149");

    assert_string_equal(minisign_status_message(MINISIGN_ERR_SIGNATURE_MISMATCH),
                        "signature does not match the file contents");
    /* each refusal has its own one-line message */
    for (int a = MINISIGN_OK; a <= MINISIGN_ERR_ARGUMENT; a++) {
        const char *message = minisign_status_message((minisign_status)a);
        assert_true(strlen(message) > 0 && strchr(message, '\n') == NULL);
        for (int b = MINISIGN_OK; b < a; b++)
            assert_string_not_equal(message, minisign_status_message((minisign_status)b));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_verify_round_trip, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_signature_layout, setup_signed, teardown_signed),
        cmocka_unit_test(test_verifies_real_minisign_signature),
        cmocka_unit_test(test_signs_with_real_minisign_key),
        cmocka_unit_test_setup_teardown(test_refuses_changed_file, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_refuses_untrusted_key, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_refuses_edited_trusted_comment, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_refuses_legacy_signature, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_refuses_malformed_signature_text, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_refuses_bad_comments_when_signing, setup_signed,
                                        teardown_signed),
        cmocka_unit_test_setup_teardown(test_public_key_files, setup_signed, teardown_signed),
        cmocka_unit_test_setup_teardown(test_secret_key_format, setup_signed, teardown_signed),
        cmocka_unit_test(test_secret_key_refusals),
        cmocka_unit_test(test_encrypted_secret_key),
        cmocka_unit_test_setup_teardown(test_keypair_files, setup_signed, teardown_signed),
        cmocka_unit_test_setup_teardown(test_trusted_keys_file, setup_signed, teardown_signed),
        cmocka_unit_test(test_plugin_comment),
        cmocka_unit_test(test_key_id_and_messages),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests_name("minisign", tests, NULL, NULL);
}
