/*
 * test_auditlog_proofs.c -- what leaves the machine: tree heads (strict
 * checkpoint text, JSON form, signatures) and the inclusion and consistency
 * proofs an outsider checks with auditlog_check_proof (`crmgov log
 * check-proof`). Every proof of logs of 1 to 8 entries verifies; every bit
 * flip of an exported entry, of a proof node, of a root and of the signed
 * checkpoint is refused; truncated or garbled proofs are refused, never a
 * crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "auditlog.h"
#include "timeutil.h"

static char path[96];

static void remove_db(void)
{
    char more[128];
    unlink(path);
    snprintf(more, sizeof(more), "%s-wal", path);
    unlink(more);
    snprintf(more, sizeof(more), "%s-shm", path);
    unlink(more);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/crmgov-proofs-%d.db", (int)getpid());
    remove_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_db();
    return 0;
}

struct keys {
    struct audit_signer signer;
    minisign_public_key public_key;
    minisign_trusted_keys trusted;
};

static void make_keys(struct keys *k, uint64_t every)
{
    memset(k, 0, sizeof(*k));
    assert_int_equal(minisign_keypair_generate(&k->signer.key, &k->public_key), MINISIGN_OK);
    minisign_key_id_hex(k->signer.key.key_id, k->signer.key_id);
    k->signer.checkpoint_every = every;
    k->trusted.count = 1;
    k->trusted.keys = &k->public_key;
}

/* A log of n entries with a signed head at every size. */
static void signed_log(struct store *s, struct keys *k, int n)
{
    struct strbuf err = STRBUF_INIT;
    if (store_open(s, path, &err))
        fail_msg("%s", sb_str(&err));
    sb_free(&err);
    s->audit_signer = &k->signer;
    assert_int_equal(store_begin(s), CRMGOV_OK);
    for (int i = 1; i <= n; i++) {
        char details[64];
        snprintf(details, sizeof(details), "{\"change\":\"CR-%d\",\"note\":\"caf\\u00e9 \\\"q\\\"\"}", i);
        assert_int_equal(auditlog_append(s, "approver", "change.approved", "sf/wf-lead", details,
                                         1772352000000LL + i),
                         CRMGOV_OK);
    }
    assert_int_equal(store_commit(s), CRMGOV_OK);
}

static char *prove_inclusion(struct store *s, uint64_t seq, uint64_t size)
{
    cJSON *proof = NULL;
    struct strbuf why = STRBUF_INIT;
    if (auditlog_prove_inclusion(s, seq, size, &proof, &why))
        fail_msg("prove %llu in %llu: %s", (unsigned long long)seq, (unsigned long long)size,
                 sb_str(&why));
    char *text = cJSON_PrintUnformatted(proof);
    cJSON_Delete(proof);
    sb_free(&why);
    return text;
}

static char *prove_consistency(struct store *s, uint64_t old_size, uint64_t size)
{
    cJSON *proof = NULL;
    struct strbuf why = STRBUF_INIT;
    if (auditlog_prove_consistency(s, old_size, size, &proof, &why))
        fail_msg("consistency %llu..%llu: %s", (unsigned long long)old_size,
                 (unsigned long long)size, sb_str(&why));
    char *text = cJSON_PrintUnformatted(proof);
    cJSON_Delete(proof);
    sb_free(&why);
    return text;
}

static int check(const char *text, const minisign_trusted_keys *keys,
                 const struct audit_head *saved, struct strbuf *why)
{
    sb_reset(why);
    return auditlog_check_proof(text, strlen(text), keys, saved, why);
}

static void expect_refused(const char *text, const minisign_trusted_keys *keys,
                           const char *reason)
{
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(check(text, keys, NULL, &why), -1);
    if (reason)
        assert_string_equal(sb_str(&why), reason);
    sb_free(&why);
}

/* ---- every proof of small logs --------------------------------------------- */

static void test_all_proofs_of_small_logs(void **state)
{
    (void)state;
    for (int n = 1; n <= 8; n++) {
        struct keys k;
        make_keys(&k, 1);
        struct store s;
        signed_log(&s, &k, n);
        struct strbuf why = STRBUF_INIT;
        for (int size = 1; size <= n; size++) {
            for (int seq = 1; seq <= size; seq++) {
                char *text = prove_inclusion(&s, (uint64_t)seq, (uint64_t)size);
                if (check(text, &k.trusted, NULL, &why))
                    fail_msg("n=%d size=%d seq=%d: %s", n, size, seq, sb_str(&why));
                assert_int_equal(check(text, NULL, NULL, &why), 0);
                free(text);
            }
            for (int old = 1; old <= size; old++) {
                struct audit_head saved, other;
                assert_int_equal(auditlog_head_at(&s, (uint64_t)old, &saved), 0);
                char *text = prove_consistency(&s, (uint64_t)old, (uint64_t)size);
                if (check(text, &k.trusted, &saved, &why))
                    fail_msg("n=%d %d..%d: %s", n, old, size, sb_str(&why));
                if (old > 1) {
                    assert_int_equal(auditlog_head_at(&s, (uint64_t)old - 1, &other), 0);
                    assert_int_equal(check(text, &k.trusted, &other, &why), -1);
                    char expected[96];
                    snprintf(expected, sizeof(expected),
                             "proof: it starts from size %d, not from your saved head", old);
                    assert_string_equal(sb_str(&why), expected);
                    audit_head_free(&other);
                }
                audit_head_free(&saved);
                free(text);
            }
        }
        struct audit_head head;
        cJSON *proof = NULL;
        sb_reset(&why);
        assert_int_equal(auditlog_prove_inclusion(&s, (uint64_t)n + 1, 0, &proof, &why), 1);
        char expected[96];
        snprintf(expected, sizeof(expected), "seq %d is not in the tree of size %d", n + 1, n);
        assert_string_equal(sb_str(&why), expected);
        assert_int_equal(auditlog_latest_head(&s, &head), 0);
        assert_int_equal(head.size, (uint64_t)n);
        audit_head_free(&head);
        sb_free(&why);
        store_close(&s);
        remove_db();
    }
}

/* ---- bit flips ------------------------------------------------------------- */

static char *with_string(const char *proof, const char *member, const char *value, int len)
{
    cJSON *o = cJSON_Parse(proof);
    char *copy = xstrndup(value, (size_t)len);
    cJSON_ReplaceItemInObjectCaseSensitive(o, member, cJSON_CreateString(copy));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(copy);
    return text;
}

static char *without(const char *proof, const char *member)
{
    cJSON *o = cJSON_Parse(proof);
    cJSON_DeleteItemFromObjectCaseSensitive(o, member);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Flips each bit of member's string value in turn; every flip is refused. */
static size_t flip_every_bit(const char *proof, const char *member,
                             const minisign_trusted_keys *keys)
{
    cJSON *o = cJSON_Parse(proof);
    char *value = xstrdup(cJSON_GetObjectItemCaseSensitive(o, member)->valuestring);
    cJSON_Delete(o);
    size_t len = strlen(value), flips = 0;
    struct strbuf why = STRBUF_INIT;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            value[i] ^= (char)(1 << bit);
            /* a byte flipped to NUL ends the string early: still a change */
            char *text = with_string(proof, member, value, (int)len);
            if (check(text, keys, NULL, &why) == 0)
                fail_msg("flip of bit %d of byte %zu of '%s' went undetected", bit, i, member);
            free(text);
            value[i] ^= (char)(1 << bit);
            flips++;
        }
    }
    sb_free(&why);
    free(value);
    return flips;
}

static void test_every_bit_flip_of_an_exported_entry_is_detected(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    signed_log(&s, &k, 7);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    char *proof = prove_inclusion(&s, 3, 0);
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(check(proof, &k.trusted, NULL, &why), 0);
    cJSON *o = cJSON_Parse(proof);
    size_t entry_len = strlen(cJSON_GetObjectItemCaseSensitive(o, "entry")->valuestring);
    cJSON_Delete(o);
    /* with the leaf hash beside the entry, and without it (then only the
     * Merkle path can tell) */
    assert_int_equal(flip_every_bit(proof, "entry", &k.trusted), entry_len * 8);
    char *bare = without(proof, "leaf_hash");
    assert_int_equal(check(bare, &k.trusted, NULL, &why), 0);
    assert_int_equal(flip_every_bit(bare, "entry", NULL), entry_len * 8);
    /* one flip, for the exact reason */
    o = cJSON_Parse(bare);
    char *edited = xstrdup(cJSON_GetObjectItemCaseSensitive(o, "entry")->valuestring);
    cJSON_Delete(o);
    char *at = strstr(edited, "approver");
    at[0] = 'A';
    char *text = with_string(bare, "entry", edited, (int)strlen(edited));
    expect_refused(text, NULL, "inclusion proof: proof does not match the root");
    free(text);
    free(edited);
    free(bare);
    sb_free(&why);
    free(proof);
    store_close(&s);
}

static void flip_hex_members(const char *proof, const minisign_trusted_keys *keys)
{
    static const char *const members[] = { "root", "leaf_hash" };
    for (size_t m = 0; m < 2; m++)
        flip_every_bit(proof, members[m], keys);
    cJSON *o = cJSON_Parse(proof);
    cJSON *path_nodes = cJSON_GetObjectItemCaseSensitive(o, "path");
    int count = cJSON_GetArraySize(path_nodes);
    struct strbuf why = STRBUF_INIT;
    for (int i = 0; i < count; i++) {
        uint8_t node[32];
        assert_int_equal(hex_decode(cJSON_GetArrayItem(path_nodes, i)->valuestring, node, 32), 0);
        for (int bit = 0; bit < 256; bit++) {
            node[bit / 8] ^= (uint8_t)(1 << (bit % 8));
            char hex[65];
            hex_encode(node, 32, hex);
            cJSON *copy = cJSON_Duplicate(o, 1);
            cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(copy, "path"), i,
                                     cJSON_CreateString(hex));
            char *text = cJSON_PrintUnformatted(copy);
            assert_int_equal(check(text, keys, NULL, &why), -1);
            assert_string_equal(sb_str(&why), "inclusion proof: proof does not match the root");
            free(text);
            cJSON_Delete(copy);
            node[bit / 8] ^= (uint8_t)(1 << (bit % 8));
        }
    }
    sb_free(&why);
    cJSON_Delete(o);
}

static void test_every_bit_flip_of_proof_hashes_and_head_is_detected(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    signed_log(&s, &k, 6);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    char *proof = prove_inclusion(&s, 5, 0);
    flip_hex_members(proof, &k.trusted);
    /* the signed checkpoint inside the head */
    cJSON *o = cJSON_Parse(proof);
    cJSON *head = cJSON_GetObjectItemCaseSensitive(o, "head");
    char *checkpoint = xstrdup(cJSON_GetObjectItemCaseSensitive(head, "checkpoint")->valuestring);
    size_t len = strlen(checkpoint);
    struct strbuf why = STRBUF_INIT;
    for (size_t i = 0; i < len * 8; i++) {
        checkpoint[i / 8] ^= (char)(1 << (i % 8));
        cJSON *copy = cJSON_Duplicate(o, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "head"),
                                               "checkpoint", cJSON_CreateString(checkpoint));
        char *text = cJSON_PrintUnformatted(copy);
        if (check(text, &k.trusted, NULL, &why) == 0)
            fail_msg("checkpoint bit %zu flip went undetected", i);
        free(text);
        cJSON_Delete(copy);
        checkpoint[i / 8] ^= (char)(1 << (i % 8));
    }
    /* numbers that say where the leaf is */
    const char *sizes[] = { "{\"seq\":4,\"leaf_index\":3}", "{\"seq\":5,\"leaf_index\":5}" };
    for (size_t i = 0; i < 2; i++) {
        cJSON *patch = cJSON_Parse(sizes[i]);
        cJSON *copy = cJSON_Duplicate(o, 1);
        for (cJSON *m = patch->child; m; m = m->next)
            cJSON_ReplaceItemInObjectCaseSensitive(copy, m->string,
                                                   cJSON_CreateNumber(m->valuedouble));
        char *text = cJSON_PrintUnformatted(copy);
        expect_refused(text, &k.trusted, "proof: the entry's seq, seq and leaf_index disagree");
        free(text);
        cJSON_Delete(copy);
        cJSON_Delete(patch);
    }
    cJSON *copy = cJSON_Duplicate(o, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(copy, "tree_size", cJSON_CreateNumber(7));
    char *text = cJSON_PrintUnformatted(copy);
    expect_refused(text, &k.trusted, "proof: tree_size and root must be the head's");
    free(text);
    cJSON_Delete(copy);
    free(checkpoint);
    cJSON_Delete(o);
    sb_free(&why);
    free(proof);
    store_close(&s);
}

static void test_unsigned_proof_refused_when_keys_given(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    assert_int_equal(auditlog_append(&s, "a", "x.y", "z", NULL, 0), CRMGOV_OK);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    char *proof = prove_inclusion(&s, 1, 0); /* no signed head: the current head */
    struct keys k;
    make_keys(&k, 0);
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(check(proof, NULL, NULL, &why), 0);
    expect_refused(proof, &k.trusted, "the head is not signed");
    free(proof);
    sb_free(&why);
    sb_free(&err);
    store_close(&s);
}

/* ---- hostile input ---------------------------------------------------------- */

static void test_truncated_and_garbled_proofs_refused(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    signed_log(&s, &k, 5);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    char *proofs[2] = { prove_inclusion(&s, 2, 0), prove_consistency(&s, 3, 0) };
    struct strbuf why = STRBUF_INIT;
    for (int p = 0; p < 2; p++) {
        size_t len = strlen(proofs[p]);
        for (size_t cut = 0; cut < len; cut++) {
            sb_reset(&why);
            assert_int_equal(auditlog_check_proof(proofs[p], cut, &k.trusted, NULL, &why), -1);
        }
        uint32_t seed = 12345;
        for (int round = 0; round < 2000; round++) {
            char *garbled = xstrdup(proofs[p]);
            for (int n = 0; n < 3; n++) {
                seed = seed * 1103515245u + 12345u;
                garbled[(seed >> 8) % len] = (char)(seed >> 24);
            }
            sb_reset(&why);
            (void)auditlog_check_proof(garbled, len, &k.trusted, NULL, &why); /* no crash */
            free(garbled);
        }
    }
    expect_refused("[]", NULL, "proof: not a JSON object with a 'type'");
    expect_refused("{\"type\":\"inclusion\"}", NULL,
                   "head: not an object with a 'checkpoint' string");
    free(proofs[0]);
    free(proofs[1]);
    sb_free(&why);
    store_close(&s);
}

/* ---- checkpoints ------------------------------------------------------------ */

static void expect_checkpoint_refused(const char *text, const char *reason)
{
    struct audit_head head;
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(audit_checkpoint_parse(text, &head, &why), -1);
    assert_string_equal(sb_str(&why), reason);
    sb_free(&why);
}

#define ORIGIN "crmgov audit log 0123456789abcdef0123456789abcdef\n"
#define ROOT "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"

static void test_checkpoint_has_one_spelling(void **state)
{
    (void)state;
    struct audit_head head;
    struct strbuf why = STRBUF_INIT;
    const char *good = ORIGIN "42\n" ROOT "time 2026-03-01T08:00:00.250Z\n";
    assert_int_equal(audit_checkpoint_parse(good, &head, &why), 0);
    assert_int_equal(head.size, 42);
    uint8_t empty[32];
    merkle_empty_root(empty);
    assert_memory_equal(head.root, empty, 32);
    assert_int_equal(head.time, time_parse_rfc3339("2026-03-01T08:00:00.250Z"));
    char *again = audit_checkpoint_text(head.origin, head.size, head.root, head.time);
    assert_string_equal(again, good);
    free(again);
    audit_head_free(&head);
    expect_checkpoint_refused("crmgov audit log 0123456789ABCDEF0123456789abcdef\n42\n" ROOT
                              "time 2026-03-01T08:00:00Z\n",
                              "checkpoint: malformed origin line");
    expect_checkpoint_refused(ORIGIN "042\n" ROOT "time 2026-03-01T08:00:00Z\n",
                              "checkpoint: malformed size line");
    expect_checkpoint_refused(ORIGIN "18446744073709551616\n" ROOT "time 2026-03-01T08:00:00Z\n",
                              "checkpoint: malformed size line");
    expect_checkpoint_refused(ORIGIN "42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n"
                                     "time 2026-03-01T08:00:00Z\n",
                              "checkpoint: malformed root line");
    expect_checkpoint_refused(ORIGIN "42\n" ROOT "time 2026-03-01T08:00:00.000Z\n",
                              "checkpoint: malformed time line");
    expect_checkpoint_refused(ORIGIN "42\n" ROOT "time 2026-03-01T09:00:00+01:00\n",
                              "checkpoint: malformed time line");
    expect_checkpoint_refused(ORIGIN "42\n" ROOT "time 2026-03-01T08:00:00Z",
                              "checkpoint: missing time line");
    expect_checkpoint_refused(ORIGIN "42\n" ROOT "time 2026-03-01T08:00:00Z\nmore\n",
                              "checkpoint: text after the time line");
    sb_free(&why);
}

static void test_head_json_members_must_agree(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct audit_head head;
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(audit_checkpoint_parse(ORIGIN "42\n" ROOT "time 2026-03-01T08:00:00Z\n",
                                            &head, &why),
                     0);
    assert_int_equal(audit_head_sign(&head, &k.signer), 0);
    assert_int_equal(audit_head_check_signature(&head, &k.trusted, &why), 0);
    cJSON *json = audit_head_to_json(&head);
    static const char *const patches[][2] = {
        { "size", "43" }, { "root", "\"00\"" }, { "origin", "\"x\"" }, { "time", "\"y\"" },
    };
    for (size_t i = 0; i < 4; i++) {
        cJSON *copy = cJSON_Duplicate(json, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(copy, patches[i][0], cJSON_Parse(patches[i][1]));
        struct audit_head parsed;
        sb_reset(&why);
        assert_int_equal(audit_head_from_json(copy, &parsed, &why), -1);
        char expected[64];
        snprintf(expected, sizeof(expected), "head: '%s' differs from the checkpoint",
                 patches[i][0]);
        assert_string_equal(sb_str(&why), expected);
        cJSON_Delete(copy);
    }
    /* a head naming another key than the one that signed it */
    cJSON *copy = cJSON_Duplicate(json, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(copy, "key_id",
                                           cJSON_CreateString("0000000000000000"));
    struct audit_head parsed;
    assert_int_equal(audit_head_from_json(copy, &parsed, &why), 0);
    sb_reset(&why);
    assert_int_equal(audit_head_check_signature(&parsed, &k.trusted, &why), -1);
    char expected[128];
    snprintf(expected, sizeof(expected),
             "signature: made by key %s, the head names key 0000000000000000", k.signer.key_id);
    assert_string_equal(sb_str(&why), expected);
    audit_head_free(&parsed);
    cJSON_Delete(copy);
    cJSON_Delete(json);
    audit_head_free(&head);
    sb_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_proofs_of_small_logs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_bit_flip_of_an_exported_entry_is_detected,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_bit_flip_of_proof_hashes_and_head_is_detected,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_proof_refused_when_keys_given, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_garbled_proofs_refused, setup,
                                        teardown),
        cmocka_unit_test(test_checkpoint_has_one_spelling),
        cmocka_unit_test(test_head_json_members_must_agree),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
