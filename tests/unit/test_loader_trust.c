/*
 * test_loader_trust.c -- the loader under plugin_policy any, pinned and
 * signed: every refusal with its exact one-line reason (unsigned, one
 * flipped byte, wrong key, edited trusted comment, renamed file, a version
 * the signature does not vouch for, legacy signature, malformed signature,
 * symlink, file or folder writable by group or others, sha256 pin missing or
 * wrong), what the decision records (sha256, key id), and that replacing
 * the file after verification -- by rename or by writing the same inode --
 * still loads the verified bytes.
 *
 * Uses the fixture plugins the Makefile builds into
 * $CRMGOV_BUILD_DIR/testplugins (good.so declares "good" 0.0.1 and the core's ABI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "canon.h"
#include "loader.h"
#include "minisign.h"

/* "MAJOR.MINOR" of this core, which the fixture plugins are built for */
#define ABI_TEXT2(a, b) #a "." #b
#define ABI_TEXT(a, b) ABI_TEXT2(a, b)
#define CORE_ABI ABI_TEXT(CRMGOV_ABI_MAJOR, CRMGOV_ABI_MINOR)

struct fixture {
    char dir[64];
    char good[128], other[128];     /* dir/good.so, dir/init_fails.so */
    char good_sha256[65];
    minisign_secret_key key, wrong_key;
    minisign_public_key public_key, wrong_public;
    minisign_trusted_keys trusted;
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
};

static char *slurp(const char *path, size_t *len)
{
    char *data = read_file(path, len);
    if (!data)
        fail_msg("cannot read %s", path);
    return data;
}

static void spill(const char *path, const char *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = slurp(from, &len);
    spill(to, data, len, 0755);
    free(data);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *build = getenv("CRMGOV_BUILD_DIR");
    char src[256];
    snprintf(f->dir, sizeof(f->dir), "/tmp/crmgov-trust-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->good, sizeof(f->good), "%s/good.so", f->dir);
    snprintf(f->other, sizeof(f->other), "%s/init_fails.so", f->dir);
    snprintf(src, sizeof(src), "%s/testplugins/good.so", build ? build : "build");
    copy_file(src, f->good);
    snprintf(src, sizeof(src), "%s/testplugins/init_fails.so", build ? build : "build");
    copy_file(src, f->other);
    size_t len = 0;
    char *bytes = slurp(f->good, &len);
    sha256_hex(bytes, len, f->good_sha256);
    free(bytes);
    minisign_keypair_generate(&f->key, &f->public_key);
    minisign_keypair_generate(&f->wrong_key, &f->wrong_public);
    minisign_key_id_hex(f->key.key_id, f->key_id);
    f->trusted.count = 1;
    f->trusted.keys = &f->public_key;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    chmod(f->dir, 0700);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void sign_as(const char *path, const minisign_secret_key *key, const char *comment)
{
    size_t len = 0;
    char *bytes = slurp(path, &len);
    char *signature = NULL;
    assert_int_equal(minisign_sign(key, bytes, len, comment, NULL, &signature), MINISIGN_OK);
    char sig_path[160];
    snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
    spill(sig_path, signature, strlen(signature), 0644);
    free(signature);
    free(bytes);
}

static void sign(const char *path, const minisign_secret_key *key)
{
    sign_as(path, key, "name=good version=0.0.1 abi=" CORE_ABI);
}

/* Loads path under policy; returns the refusal ("" when it loaded). */
static char *load(const struct fixture *f, const char *path, enum plugin_policy policy,
                  const char *pin, struct loader_decision *found)
{
    struct loader_trust trust = { .policy = policy, .pin_sha256 = pin, .keys = &f->trusted };
    struct plugin *p = NULL;
    struct strbuf why = STRBUF_INIT;
    struct loader_decision scratch;
    int rc = loader_open_trusted(path, &trust, found ? found : &scratch, &p, &why);
    assert_int_equal(rc == 0, p != NULL);
    if (p) {
        assert_string_equal(p->desc->name, "good");
        assert_string_equal(p->sha256, f->good_sha256);
    }
    loader_close(p);
    return sb_detach(&why);
}

static void expect_refusal(const struct fixture *f, const char *path, enum plugin_policy policy,
                           const char *pin, const char *reason)
{
    char *why = load(f, path, policy, pin, NULL);
    assert_string_equal(why, reason);
    free(why);
}

static void expect_loads(const struct fixture *f, const char *path, enum plugin_policy policy,
                         const char *pin)
{
    expect_refusal(f, path, policy, pin, "");
}

/* ---- any and pinned --------------------------------------------------------- */

static void test_any_records_the_hash(void **state)
{
    struct fixture *f = *state;
    struct loader_decision found;
    char *why = load(f, f->good, PLUGIN_POLICY_ANY, NULL, &found);
    assert_string_equal(why, "");
    assert_string_equal(found.sha256, f->good_sha256);
    assert_string_equal(found.key_id, "");
    free(why);
}

static void test_pinned(void **state)
{
    struct fixture *f = *state;
    expect_refusal(f, f->good, PLUGIN_POLICY_PINNED, NULL,
                   "no sha256 pin in its section (plugin_policy = pinned)");
    const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    char reason[256];
    snprintf(reason, sizeof(reason), "sha256 %s does not match the pinned %s", f->good_sha256,
             wrong);
    expect_refusal(f, f->good, PLUGIN_POLICY_PINNED, wrong, reason);
    expect_refusal(f, f->good, PLUGIN_POLICY_ANY, wrong, reason); /* a pin is always checked */
    expect_loads(f, f->good, PLUGIN_POLICY_PINNED, f->good_sha256);
}

/* ---- signed ----------------------------------------------------------------- */

static void test_signed_loads_and_records_the_key(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->key);
    struct loader_decision found;
    char *why = load(f, f->good, PLUGIN_POLICY_SIGNED, NULL, &found);
    assert_string_equal(why, "");
    assert_string_equal(found.key_id, f->key_id);
    assert_string_equal(found.sha256, f->good_sha256);
    free(why);
    /* signed and pinned at once: both must hold */
    expect_loads(f, f->good, PLUGIN_POLICY_SIGNED, f->good_sha256);
}

static void test_unsigned_refused(void **state)
{
    struct fixture *f = *state;
    char reason[256];
    snprintf(reason, sizeof(reason),
             "not signed: %s.minisig is missing (plugin_policy = signed)", f->good);
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL, reason);
}

static void test_flipped_byte_refused(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->key);
    size_t len = 0;
    char *bytes = slurp(f->good, &len);
    bytes[len / 2] ^= 0x01;
    spill(f->good, bytes, len, 0755);
    struct loader_decision found;
    char *why = load(f, f->good, PLUGIN_POLICY_SIGNED, NULL, &found);
    assert_string_equal(why, "signature does not match the file contents");
    char hex[65];
    sha256_hex(bytes, len, hex);
    assert_string_equal(found.sha256, hex); /* the audit log learns what was refused */
    assert_string_equal(found.key_id, "");
    free(why);
    free(bytes);
}

static void test_wrong_key_refused(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->wrong_key);
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL,
                   "signed by a key that is not in the trusted keys");
}

static void test_edited_trusted_comment_refused(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->key);
    char sig_path[160];
    snprintf(sig_path, sizeof(sig_path), "%s.minisig", f->good);
    size_t len = 0;
    char *text = slurp(sig_path, &len);
    char *version = strstr(text, "version=0.0.1");
    assert_non_null(version);
    version[12] = '2';
    spill(sig_path, text, len, 0644);
    free(text);
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL,
                   "trusted comment signature invalid (the trusted comment was edited)");
}

static void test_renamed_file_refused(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->key);
    char alias[160], from[200], to[200];
    snprintf(alias, sizeof(alias), "%s/alias.so", f->dir);
    snprintf(from, sizeof(from), "%s.minisig", f->good);
    snprintf(to, sizeof(to), "%s.minisig", alias);
    assert_int_equal(rename(f->good, alias), 0);
    assert_int_equal(rename(from, to), 0);
    expect_refusal(f, alias, PLUGIN_POLICY_SIGNED, NULL,
                   "the signature is for plugin 'good', not 'alias' (renamed file?)");
}

static void test_signature_for_another_version_refused(void **state)
{
    struct fixture *f = *state;
    sign_as(f->good, &f->key, "name=good version=9.9.9 abi=1.0");
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL,
                   "the signature is for good 9.9.9 (ABI 1.0), the file declares good 0.0.1 "
                   "(ABI " CORE_ABI ")");
    sign_as(f->good, &f->key, "name=good version=0.0.1");
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL,
                   "trusted comment lacks a valid name=, version= or abi=MAJOR.MINOR");
}

/* minisign -l: Ed25519 over the whole file ("Ed"), no prehash. */
static void write_legacy_signature(const struct fixture *f)
{
    size_t len = 0;
    char *bytes = slurp(f->good, &len);
    uint8_t blob[2 + 8 + 64], global_in[64 + 64], global[64];
    const char *comment = "name=good version=0.0.1 abi=" CORE_ABI;
    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, f->key.key_id, 8);
    crypto_sign_detached(blob + 10, NULL, (const uint8_t *)bytes, len, f->key.key);
    memcpy(global_in, blob + 10, 64);
    memcpy(global_in + 64, comment, strlen(comment));
    crypto_sign_detached(global, NULL, global_in, 64 + strlen(comment), f->key.key);
    char b64_blob[128], b64_global[128];
    sodium_bin2base64(b64_blob, sizeof(b64_blob), blob, sizeof(blob),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b64_global, sizeof(b64_global), global, sizeof(global),
                      sodium_base64_VARIANT_ORIGINAL);
    char *text = xasprintf("untrusted comment: legacy\n%s\ntrusted comment: %s\n%s\n", b64_blob,
                           comment, b64_global);
    char sig_path[160];
    snprintf(sig_path, sizeof(sig_path), "%s.minisig", f->good);
    spill(sig_path, text, strlen(text), 0644);
    free(text);
    free(bytes);
}

static void test_legacy_and_malformed_signatures_refused(void **state)
{
    struct fixture *f = *state;
    write_legacy_signature(f);
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL,
                   "legacy (non-prehashed) signature refused; re-sign with a current minisign "
                   "or crmgov");
    char sig_path[160];
    snprintf(sig_path, sizeof(sig_path), "%s.minisig", f->good);
    spill(sig_path, "untrusted comment: x\nnot base64\n", 32, 0644);
    expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL, "malformed signature file");
}

/* ---- files and folders ------------------------------------------------------- */

static void test_symlink_and_modes_refused(void **state)
{
    struct fixture *f = *state;
    sign(f->good, &f->key);
    char link_path[160];
    snprintf(link_path, sizeof(link_path), "%s/linked.so", f->dir);
    assert_int_equal(symlink("good.so", link_path), 0);
    expect_refusal(f, link_path, PLUGIN_POLICY_ANY, NULL, "is a symbolic link; give the real file");
    static const struct {
        mode_t file, dir;
        const char *reason;
    } cases[] = {
        { 0757, 0700, "the file is writable by others (mode 0757)" },
        { 0775, 0700, "the file is writable by its group (mode 0775)" },
        { 0755, 0707, "its folder is writable by others (mode 0707)" },
        { 0755, 0770, "its folder is writable by its group (mode 0770)" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(chmod(f->good, cases[i].file), 0);
        assert_int_equal(chmod(f->dir, cases[i].dir), 0);
        expect_refusal(f, f->good, PLUGIN_POLICY_SIGNED, NULL, cases[i].reason);
    }
    chmod(f->good, 0755);
    chmod(f->dir, 0700);
    expect_loads(f, f->good, PLUGIN_POLICY_SIGNED, NULL);
}

/* ---- the verified bytes are the loaded bytes ---------------------------------- */

struct swap {
    const struct fixture *f;
    int in_place;
    int called;
};

/* Puts another plugin's bytes where good.so was, after verification. */
static void swap_file(void *ctx, const char *path)
{
    struct swap *s = ctx;
    size_t len = 0;
    char *other = slurp(s->f->other, &len);
    if (s->in_place) {
        FILE *out = fopen(path, "r+b"); /* same inode: a writer racing the loader */
        assert_non_null(out);
        assert_int_equal(fwrite(other, 1, len, out), len);
        assert_int_equal(ftruncate(fileno(out), (off_t)len), 0);
        fclose(out);
    } else {
        char tmp[160];
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        spill(tmp, other, len, 0755);
        assert_int_equal(rename(tmp, path), 0);
    }
    free(other);
    s->called++;
}

static void test_replacing_the_file_after_verification(void **state)
{
    struct fixture *f = *state;
    for (int in_place = 0; in_place <= 1; in_place++) {
        sign(f->good, &f->key);
        struct swap s = { .f = f, .in_place = in_place };
        struct loader_trust trust = { .policy = PLUGIN_POLICY_SIGNED, .keys = &f->trusted,
                                      .verified = swap_file, .verified_ctx = &s };
        struct plugin *p = NULL;
        struct strbuf why = STRBUF_INIT;
        assert_int_equal(loader_open_trusted(f->good, &trust, NULL, &p, &why), 0);
        assert_int_equal(s.called, 1);
        assert_string_equal(p->desc->name, "good");
        assert_string_equal(p->sha256, f->good_sha256);
        /* the file on disk is now the other plugin, and is refused as such */
        char *refusal = load(f, f->good, PLUGIN_POLICY_SIGNED, NULL, NULL);
        assert_string_equal(refusal, "signature does not match the file contents");
        free(refusal);
        loader_close(p);
        sb_free(&why);
        /* put good.so back for the next round */
        char src[256];
        const char *build = getenv("CRMGOV_BUILD_DIR");
        snprintf(src, sizeof(src), "%s/testplugins/good.so", build ? build : "build");
        copy_file(src, f->good);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_any_records_the_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_loads_and_records_the_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_trusted_comment_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature_for_another_version_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_legacy_and_malformed_signatures_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_symlink_and_modes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replacing_the_file_after_verification, setup,
                                        teardown),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
