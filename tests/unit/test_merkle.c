/*
 * tests/unit/test_merkle.c -- core/merkle.c against first principles, the
 * RFC 6962 worked example and the public transparency-dev test vectors.
 *
 * Expected values never come from the code under test: roots are rebuilt
 * here from explicit SHA-256 calls over hand-assembled 0x00/0x01-prefixed
 * buffers, a few roots and proofs are pinned as literals, and every proof the
 * code generates must verify while every mutation of it must be refused.
 *
 * The vector folder is optional (it lives outside the repository): looked up
 * through CRMGOV_RFC6962_VECTORS, else ../shared/corpus/rfc6962-vectors from
 * CRMGOV_SOURCE_DIR (default "."); the test is skipped when it is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cJSON.h>
#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

#include "merkle.h"

#define HASH MERKLE_HASH_BYTES
#define MAX_TEST_SIZE 8

/* ---- first-principles hashing ----------------------------------------------- */

static void reference_leaf(const uint8_t *data, size_t length, uint8_t out[HASH])
{
    uint8_t buffer[64];
    assert_true(length < sizeof buffer);
    buffer[0] = 0x00;
    memcpy(buffer + 1, data, length);
    crypto_hash_sha256(out, buffer, length + 1);
}

static void reference_node(const uint8_t left[HASH], const uint8_t right[HASH],
                           uint8_t out[HASH])
{
    uint8_t buffer[1 + 2 * HASH];
    buffer[0] = 0x01;
    memcpy(buffer + 1, left, HASH);
    memcpy(buffer + 1 + HASH, right, HASH);
    crypto_hash_sha256(out, buffer, sizeof buffer);
}

static void hex_to_hash(const char *hex, uint8_t out[HASH])
{
    size_t length = 0;
    assert_int_equal(sodium_hex2bin(out, HASH, hex, strlen(hex), NULL, &length, NULL), 0);
    assert_int_equal(length, HASH);
}

/* The eight leaves of the Certificate Transparency reference tests. */
static const struct {
    const char *bytes;
    size_t length;
} ct_leaves[MAX_TEST_SIZE] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

typedef struct fixture {
    uint8_t leaf[MAX_TEST_SIZE][HASH];
    uint8_t root[MAX_TEST_SIZE + 1][HASH]; /* root[n]: tree of the first n leaves */
} fixture;

static void node_of(uint8_t out[HASH], const uint8_t l[HASH], const uint8_t r[HASH])
{
    reference_node(l, r, out);
}

/* Each root spelled out as the RFC 6962 split rule shapes it. */
static fixture build_fixture(void)
{
    fixture built;
    fixture *f = &built;
    uint8_t (*L)[HASH] = f->leaf;
    uint8_t n01[HASH], n23[HASH], n45[HASH], n67[HASH], n0123[HASH], n4567[HASH];
    uint8_t n45_6[HASH];

    for (int i = 0; i < MAX_TEST_SIZE; i++)
        reference_leaf((const uint8_t *)ct_leaves[i].bytes, ct_leaves[i].length, L[i]);
    crypto_hash_sha256(f->root[0], NULL, 0);
    node_of(n01, L[0], L[1]);
    node_of(n23, L[2], L[3]);
    node_of(n45, L[4], L[5]);
    node_of(n67, L[6], L[7]);
    node_of(n0123, n01, n23);
    node_of(n4567, n45, n67);
    memcpy(f->root[1], L[0], HASH);
    memcpy(f->root[2], n01, HASH);
    node_of(f->root[3], n01, L[2]);
    memcpy(f->root[4], n0123, HASH);
    node_of(f->root[5], n0123, L[4]);
    node_of(f->root[6], n0123, n45);
    node_of(n45_6, n45, L[6]);
    node_of(f->root[7], n0123, n45_6);
    node_of(f->root[8], n0123, n4567);
    return built;
}

/* ---- literal roots ----------------------------------------------------------- */

static void test_pinned_roots(void **state)
{
    (void)state;
    static const char *const expected_hex[MAX_TEST_SIZE + 1] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    fixture f = build_fixture();
    for (int n = 0; n <= MAX_TEST_SIZE; n++) {
        uint8_t pinned[HASH], computed[HASH];
        hex_to_hash(expected_hex[n], pinned);
        assert_memory_equal(f.root[n], pinned, HASH);
        assert_int_equal(merkle_root_of_array(f.leaf[0], MAX_TEST_SIZE, (uint64_t)n, computed),
                         MERKLE_OK);
        assert_memory_equal(computed, pinned, HASH);
    }
}

static void test_hash_primitives(void **state)
{
    (void)state;
    fixture f = build_fixture();
    uint8_t out[HASH];
    for (int i = 0; i < MAX_TEST_SIZE; i++) {
        merkle_leaf_hash(ct_leaves[i].bytes, ct_leaves[i].length, out);
        assert_memory_equal(out, f.leaf[i], HASH);
    }
    merkle_leaf_hash(NULL, 0, out);
    assert_memory_equal(out, f.leaf[0], HASH);
    merkle_node_hash(f.leaf[0], f.leaf[1], out);
    assert_memory_equal(out, f.root[2], HASH);
    memcpy(out, f.leaf[0], HASH);
    merkle_node_hash(out, f.leaf[1], out); /* aliasing is allowed */
    assert_memory_equal(out, f.root[2], HASH);
    merkle_empty_root(out);
    assert_memory_equal(out, f.root[0], HASH);
}

/* ---- the RFC 6962 §2.1.3 worked example (7 leaves, letters as there) ------- */

static void expect_proof(const merkle_proof *proof, const uint8_t *const *nodes, size_t count)
{
    assert_int_equal(proof->count, count);
    for (size_t i = 0; i < count; i++)
        assert_memory_equal(proof->nodes[i], nodes[i], HASH);
}

static void test_rfc6962_example_proofs(void **state)
{
    (void)state;
    fixture f = build_fixture();
    const uint8_t *a = f.leaf[0], *b = f.leaf[1], *c = f.leaf[2], *d = f.leaf[3];
    const uint8_t *e = f.leaf[4], *fl = f.leaf[5], *j = f.leaf[6];
    uint8_t g[HASH], h[HASH], i[HASH], k[HASH], l[HASH];
    node_of(g, a, b);
    node_of(h, c, d);
    node_of(i, e, fl);
    node_of(k, g, h);
    node_of(l, i, j);
    merkle_proof proof;

    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 7, 0, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){b, h, l}, 3);
    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 7, 3, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){c, g, l}, 3);
    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 7, 4, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){fl, j, k}, 3);
    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 7, 6, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){i, k}, 2);

    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 7, 3, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){c, d, g, l}, 4);
    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 7, 4, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){l}, 1);
    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 7, 6, 7, &proof), MERKLE_OK);
    expect_proof(&proof, (const uint8_t *const[]){i, j, k}, 3);
}

/* ---- every proof of every small tree, and its mutations ----------------------- */

static merkle_status verify_inclusion_proof(const fixture *f, uint64_t index, uint64_t size,
                                            const merkle_proof *proof)
{
    return merkle_verify_inclusion(index, size, f->leaf[index], proof->nodes[0], proof->count,
                                   f->root[size]);
}

static void expect_bit_flips_refused_inclusion(const fixture *f, uint64_t index,
                                               uint64_t size, const merkle_proof *proof)
{
    merkle_proof mutated = *proof;
    for (size_t node = 0; node < proof->count; node++) {
        for (unsigned bit = 0; bit < HASH * 8; bit++) {
            mutated.nodes[node][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(verify_inclusion_proof(f, index, size, &mutated),
                             MERKLE_ERR_ROOT_MISMATCH);
            mutated.nodes[node][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
}

static void expect_length_changes_refused_inclusion(const fixture *f, uint64_t index,
                                                    uint64_t size, const merkle_proof *proof)
{
    merkle_proof changed;
    if (proof->count > 0) {
        changed = *proof; /* truncated at the end */
        changed.count--;
        assert_int_equal(verify_inclusion_proof(f, index, size, &changed), MERKLE_ERR_PROOF_SHAPE);
        memmove(changed.nodes[0], proof->nodes[1], (proof->count - 1) * HASH); /* at the start */
        assert_int_equal(verify_inclusion_proof(f, index, size, &changed), MERKLE_ERR_PROOF_SHAPE);
    }
    changed = *proof; /* trailing garbage: the root, or an all-zero node */
    memcpy(changed.nodes[proof->count], f->root[size], HASH);
    changed.count = proof->count + 1;
    assert_int_equal(verify_inclusion_proof(f, index, size, &changed), MERKLE_ERR_PROOF_SHAPE);
    memset(changed.nodes[proof->count], 0, HASH);
    assert_int_equal(verify_inclusion_proof(f, index, size, &changed), MERKLE_ERR_PROOF_SHAPE);
    memset(changed.nodes[0], 0, HASH); /* preceding garbage */
    memcpy(changed.nodes[1], proof->nodes[0], proof->count * HASH);
    assert_int_equal(verify_inclusion_proof(f, index, size, &changed), MERKLE_ERR_PROOF_SHAPE);
}

static void expect_wrong_position_refused_inclusion(const fixture *f, uint64_t index,
                                                    uint64_t size, const merkle_proof *proof)
{
    for (uint64_t other = 0; other < size; other++) {
        if (other == index)
            continue;
        assert_int_not_equal(merkle_verify_inclusion(other, size, f->leaf[index],
                                                     proof->nodes[0], proof->count,
                                                     f->root[size]),
                             MERKLE_OK);
        /* another leaf's hash in this leaf's place */
        assert_int_equal(merkle_verify_inclusion(index, size, f->leaf[other], proof->nodes[0],
                                                 proof->count, f->root[size]),
                         MERKLE_ERR_ROOT_MISMATCH);
    }
    assert_int_equal(merkle_verify_inclusion(size, size, f->leaf[index], proof->nodes[0],
                                             proof->count, f->root[size]),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_verify_inclusion(size + 5, size, f->leaf[index], proof->nodes[0],
                                             proof->count, f->root[size]),
                     MERKLE_ERR_ARGUMENT);
    /* A proof does not name its tree size; a wrong size is caught when it
     * changes the number of nodes the walk consumes, which every size below
     * does except the one that shares this leaf's path shape. */
    for (uint64_t other_size = index + 1; other_size <= 2 * MAX_TEST_SIZE; other_size++) {
        if (other_size == size)
            continue;
        uint8_t other_leaves[2 * MAX_TEST_SIZE][HASH];
        merkle_proof other_proof;
        memset(other_leaves, 0x5a, sizeof other_leaves);
        assert_int_equal(merkle_inclusion_proof_of_array(other_leaves[0], other_size, index,
                                                         other_size, &other_proof),
                         MERKLE_OK);
        merkle_status status = merkle_verify_inclusion(index, other_size, f->leaf[index],
                                                       proof->nodes[0], proof->count,
                                                       f->root[size]);
        if (other_proof.count != proof->count)
            assert_int_equal(status, MERKLE_ERR_PROOF_SHAPE);
    }
}

static void test_inclusion_all_small_trees(void **state)
{
    (void)state;
    fixture f = build_fixture();
    merkle_proof proof;
    int verified = 0;
    for (uint64_t size = 1; size <= MAX_TEST_SIZE; size++) {
        for (uint64_t index = 0; index < size; index++) {
            assert_int_equal(
                merkle_inclusion_proof_of_array(f.leaf[0], MAX_TEST_SIZE, index, size, &proof),
                MERKLE_OK);
            assert_int_equal(verify_inclusion_proof(&f, index, size, &proof), MERKLE_OK);
            verified++;
            expect_bit_flips_refused_inclusion(&f, index, size, &proof);
            expect_length_changes_refused_inclusion(&f, index, size, &proof);
            expect_wrong_position_refused_inclusion(&f, index, size, &proof);
        }
    }
    assert_int_equal(verified, 36);
}

static merkle_status verify_consistency_proof(const fixture *f, uint64_t old_size,
                                              uint64_t new_size, const merkle_proof *proof)
{
    return merkle_verify_consistency(old_size, new_size, f->root[old_size], f->root[new_size],
                                     proof->nodes[0], proof->count);
}

static void expect_mutations_refused_consistency(const fixture *f, uint64_t old_size,
                                                 uint64_t new_size, const merkle_proof *proof)
{
    merkle_proof mutated = *proof;
    for (size_t node = 0; node < proof->count; node++) {
        for (unsigned bit = 0; bit < HASH * 8; bit++) {
            mutated.nodes[node][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(verify_consistency_proof(f, old_size, new_size, &mutated),
                             MERKLE_ERR_ROOT_MISMATCH);
            mutated.nodes[node][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    if (proof->count > 0) {
        mutated = *proof;
        mutated.count--;
        assert_int_equal(verify_consistency_proof(f, old_size, new_size, &mutated),
                         MERKLE_ERR_PROOF_SHAPE);
        memmove(mutated.nodes[0], proof->nodes[1], (proof->count - 1) * HASH);
        assert_int_equal(verify_consistency_proof(f, old_size, new_size, &mutated),
                         MERKLE_ERR_PROOF_SHAPE);
    }
    mutated = *proof;
    memcpy(mutated.nodes[proof->count], f->root[new_size], HASH);
    mutated.count = proof->count + 1;
    assert_int_equal(verify_consistency_proof(f, old_size, new_size, &mutated),
                     MERKLE_ERR_PROOF_SHAPE);
    memcpy(mutated.nodes[0], f->root[old_size], HASH); /* preceding root1, as the vectors do */
    memcpy(mutated.nodes[1], proof->nodes[0], proof->count * HASH);
    assert_int_equal(verify_consistency_proof(f, old_size, new_size, &mutated),
                     MERKLE_ERR_PROOF_SHAPE);
    if (old_size != new_size) {
        /* swapped roots */
        assert_int_not_equal(merkle_verify_consistency(old_size, new_size, f->root[new_size],
                                                       f->root[old_size], proof->nodes[0],
                                                       proof->count),
                             MERKLE_OK);
        assert_int_equal(merkle_verify_consistency(new_size, old_size, f->root[new_size],
                                                   f->root[old_size], proof->nodes[0],
                                                   proof->count),
                         MERKLE_ERR_ARGUMENT);
    }
    for (uint64_t other = 1; other <= new_size; other++) {
        if (other != old_size)
            assert_int_not_equal(merkle_verify_consistency(other, new_size, f->root[old_size],
                                                           f->root[new_size], proof->nodes[0],
                                                           proof->count),
                                 MERKLE_OK);
    }
    /* The new size is only caught when it changes the walk's length (see
     * merkle.h: a size is bound to its root by the signed checkpoint). */
    int refused_new_sizes = 0;
    for (uint64_t other = old_size; other <= 2 * MAX_TEST_SIZE; other++) {
        if (other == new_size)
            continue;
        uint8_t other_leaves[2 * MAX_TEST_SIZE][HASH];
        merkle_proof other_proof;
        memset(other_leaves, 0x5a, sizeof other_leaves);
        assert_int_equal(merkle_consistency_proof_of_array(other_leaves[0], other, old_size,
                                                           other, &other_proof),
                         MERKLE_OK);
        merkle_status status = merkle_verify_consistency(old_size, other, f->root[old_size],
                                                         f->root[new_size], proof->nodes[0],
                                                         proof->count);
        if (other_proof.count != proof->count) {
            assert_int_equal(status, MERKLE_ERR_PROOF_SHAPE);
            refused_new_sizes++;
        }
    }
    assert_true(refused_new_sizes > 0);
    assert_int_equal(merkle_verify_consistency(0, new_size, f->root[0], f->root[new_size],
                                               proof->nodes[0], proof->count),
                     MERKLE_ERR_ARGUMENT);
}

static void test_consistency_all_small_trees(void **state)
{
    (void)state;
    fixture f = build_fixture();
    merkle_proof proof;
    int verified = 0;
    for (uint64_t new_size = 1; new_size <= MAX_TEST_SIZE; new_size++) {
        for (uint64_t old_size = 1; old_size <= new_size; old_size++) {
            assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], MAX_TEST_SIZE,
                                                               old_size, new_size, &proof),
                             MERKLE_OK);
            assert_true(old_size != new_size || proof.count == 0);
            assert_int_equal(verify_consistency_proof(&f, old_size, new_size, &proof),
                             MERKLE_OK);
            verified++;
            expect_mutations_refused_consistency(&f, old_size, new_size, &proof);
        }
    }
    assert_int_equal(verified, 36);
}

static void test_consistency_edge_cases(void **state)
{
    (void)state;
    fixture f = build_fixture();
    merkle_proof proof;
    /* equal sizes: empty proof and equal roots only */
    assert_int_equal(merkle_verify_consistency(3, 3, f.root[3], f.root[3], NULL, 0), MERKLE_OK);
    assert_int_equal(merkle_verify_consistency(3, 3, f.root[3], f.root[4], NULL, 0),
                     MERKLE_ERR_ROOT_MISMATCH);
    assert_int_equal(merkle_verify_consistency(3, 3, f.root[3], f.root[3], f.root[3], 1),
                     MERKLE_ERR_PROOF_SHAPE);
    /* different sizes need a proof */
    assert_int_equal(merkle_verify_consistency(3, 5, f.root[3], f.root[5], NULL, 0),
                     MERKLE_ERR_PROOF_SHAPE);
    /* the empty old tree is refused, with or without a proof */
    assert_int_equal(merkle_verify_consistency(0, 0, f.root[0], f.root[0], NULL, 0),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_verify_consistency(0, 4, f.root[0], f.root[4], f.root[0], 1),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_verify_consistency(5, 4, f.root[5], f.root[4], NULL, 0),
                     MERKLE_ERR_ARGUMENT);
    /* generation refuses what verification would refuse */
    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 8, 0, 4, &proof),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 8, 5, 4, &proof),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_consistency_proof_of_array(f.leaf[0], 8, 4, 9, &proof),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 8, 4, 4, &proof),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_inclusion_proof_of_array(f.leaf[0], 8, 0, 0, &proof),
                     MERKLE_ERR_ARGUMENT);
    /* an inclusion proof with far too many nodes is refused, not overrun */
    uint8_t many[200][HASH];
    memset(many, 7, sizeof many);
    assert_int_equal(merkle_verify_inclusion(0, 8, f.leaf[0], many[0], 200, f.root[8]),
                     MERKLE_ERR_PROOF_SHAPE);
    assert_int_equal(merkle_verify_consistency(3, 8, f.root[3], f.root[8], many[0], 200),
                     MERKLE_ERR_PROOF_SHAPE);
    assert_int_equal(merkle_verify_inclusion(0, 1, f.leaf[0], NULL, 0, f.root[1]), MERKLE_OK);
    assert_int_equal(merkle_verify_inclusion(0, 1, f.leaf[1], NULL, 0, f.root[1]),
                     MERKLE_ERR_ROOT_MISMATCH);
    assert_string_equal(merkle_status_message(MERKLE_ERR_ROOT_MISMATCH),
                        "proof does not match the root");
}

/* ---- frontier --------------------------------------------------------------- */

static void reference_root(const uint8_t (*leaves)[HASH], uint64_t n, uint8_t out[HASH])
{
    if (n == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], HASH);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t left[HASH], right[HASH];
    reference_root(leaves, k, left);
    reference_root(leaves + k, n - k, right);
    reference_node(left, right, out);
}

static void test_frontier_tracks_reference_root(void **state)
{
    (void)state;
    enum { LEAVES = 70 };
    uint8_t leaves[LEAVES][HASH], expected[HASH], root[HASH];
    merkle_frontier frontier, restored;
    merkle_frontier_init(&frontier);
    merkle_frontier_root(&frontier, root);
    reference_root(leaves, 0, expected);
    assert_memory_equal(root, expected, HASH);
    for (uint64_t i = 0; i < LEAVES; i++) {
        uint8_t entry[8];
        for (int b = 0; b < 8; b++)
            entry[b] = (uint8_t)(i >> (8 * b));
        reference_leaf(entry, sizeof entry, leaves[i]);
        assert_int_equal(merkle_frontier_append(&frontier, leaves[i]), MERKLE_OK);
        assert_int_equal(frontier.size, i + 1);
        assert_int_equal(frontier.peak_count, (unsigned)__builtin_popcountll(i + 1));
        merkle_frontier_root(&frontier, root);
        reference_root(leaves, i + 1, expected);
        assert_memory_equal(root, expected, HASH);
    }
    /* persisted state resumes exactly */
    assert_int_equal(merkle_frontier_restore(&restored, frontier.size, frontier.peaks[0],
                                             frontier.peak_count),
                     MERKLE_OK);
    merkle_frontier_root(&restored, root);
    reference_root(leaves, LEAVES, expected);
    assert_memory_equal(root, expected, HASH);
    assert_int_equal(merkle_frontier_restore(&restored, 70, frontier.peaks[0], 2),
                     MERKLE_ERR_ARGUMENT);
    assert_int_equal(merkle_frontier_restore(&restored, 0, NULL, 0), MERKLE_OK);
    assert_int_equal(restored.size, 0);
    merkle_frontier full;
    merkle_frontier_init(&full);
    full.size = UINT64_MAX;
    assert_int_equal(merkle_frontier_append(&full, leaves[0]), MERKLE_ERR_ARGUMENT);
}

/* ---- a large store through the callback ------------------------------------- */

typedef struct counting_source {
    uint64_t reads;
    uint64_t fail_at; /* UINT64_MAX: never */
} counting_source;

static int synthetic_leaf(void *ctx, uint64_t index, uint8_t out[HASH])
{
    counting_source *source = ctx;
    uint8_t entry[8];
    if (index == source->fail_at)
        return -1;
    source->reads++;
    for (int b = 0; b < 8; b++)
        entry[b] = (uint8_t)(index >> (8 * b));
    merkle_leaf_hash(entry, sizeof entry, out);
    return 0;
}

/* Number of nodes in PATH(index, D[size]): one per split on the way down. */
static size_t reference_path_length(uint64_t index, uint64_t size)
{
    size_t length = 0;
    while (size > 1) {
        uint64_t k = 1;
        while (k * 2 < size)
            k *= 2;
        if (index < k) {
            size = k;
        } else {
            index -= k;
            size -= k;
        }
        length++;
    }
    return length;
}

static void test_large_tree_through_callback(void **state)
{
    (void)state;
    const uint64_t size = (UINT64_C(1) << 20) + 12345; /* over a million, not a power of 2 */
    const uint64_t old_size = 1000003;
    counting_source source = {0, UINT64_MAX};
    uint8_t root[HASH], old_root[HASH], expected[HASH], leaf[HASH];
    merkle_proof proof;

    uint8_t (*all)[HASH] = malloc(size * HASH); /* only the reference needs O(n) */
    assert_non_null(all);
    for (uint64_t i = 0; i < size; i++)
        synthetic_leaf(&source, i, all[i]);
    source.reads = 0;

    assert_int_equal(merkle_root(synthetic_leaf, &source, size, root), MERKLE_OK);
    assert_int_equal(source.reads, size);
    reference_root(all, size, expected);
    assert_memory_equal(root, expected, HASH);
    assert_int_equal(merkle_root(synthetic_leaf, &source, old_size, old_root), MERKLE_OK);
    reference_root(all, old_size, expected);
    assert_memory_equal(old_root, expected, HASH);

    const uint64_t index = size - 7;
    assert_int_equal(merkle_inclusion_proof(synthetic_leaf, &source, index, size, &proof),
                     MERKLE_OK);
    assert_int_equal(proof.count, reference_path_length(index, size));
    synthetic_leaf(&source, index, leaf);
    assert_int_equal(merkle_verify_inclusion(index, size, leaf, proof.nodes[0], proof.count, root),
                     MERKLE_OK);
    assert_int_equal(merkle_consistency_proof(synthetic_leaf, &source, old_size, size, &proof),
                     MERKLE_OK);
    assert_int_equal(merkle_verify_consistency(old_size, size, old_root, root, proof.nodes[0],
                                               proof.count),
                     MERKLE_OK);
    free(all);

    source.fail_at = 777;
    assert_int_equal(merkle_root(synthetic_leaf, &source, 1000, root), MERKLE_ERR_LEAF_SOURCE);
    assert_int_equal(merkle_inclusion_proof(synthetic_leaf, &source, 3, 1000, &proof),
                     MERKLE_ERR_LEAF_SOURCE);
    assert_int_equal(merkle_consistency_proof(synthetic_leaf, &source, 3, 1000, &proof),
                     MERKLE_ERR_LEAF_SOURCE);
}

/* ---- public RFC 6962 vectors ------------------------------------------------- */

typedef struct vector_tally {
    int checked;
    int accepted;
    int rejected;
    int unreadable;
} vector_tally;

/* Decodes a base64 hash. Returns its length, or -1 when not valid base64. */
static int decode_base64(const cJSON *item, uint8_t *out, size_t capacity)
{
    size_t length = 0;
    if (!cJSON_IsString(item))
        return -1;
    const char *text = item->valuestring;
    if (sodium_base642bin(out, capacity, text, strlen(text), NULL, &length, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return (int)length;
}

/* Roots are compared, never hashed into anything, so a root that is not 32
 * bytes (the vectors use "don't care" strings) stands for itself through a
 * tagged digest: equal inputs stay equal, and none collides with a real root. */
static int decode_root(const cJSON *item, uint8_t out[HASH])
{
    uint8_t raw[128];
    int length = decode_base64(item, raw, sizeof raw);
    if (length < 0)
        return -1;
    if (length == HASH) {
        memcpy(out, raw, HASH);
        return 0;
    }
    static const char tag[] = "crmgov test: not a 32-byte root";
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    crypto_hash_sha256_update(&sha, (const uint8_t *)tag, sizeof tag);
    crypto_hash_sha256_update(&sha, raw, (size_t)length);
    crypto_hash_sha256_final(&sha, out);
    return 0;
}

/* Leaf hashes and proof nodes enter the hashing, and the API takes them as
 * 32-byte values: one of another length is refused where it is decoded. */
static int decode_proof(const cJSON *array, uint8_t (*nodes)[HASH], size_t capacity,
                        size_t *count)
{
    *count = 0;
    if (array == NULL || cJSON_IsNull(array))
        return 0;
    if (!cJSON_IsArray(array))
        return -1;
    const cJSON *node;
    cJSON_ArrayForEach(node, array)
    {
        if (*count >= capacity || decode_base64(node, nodes[*count], HASH) != HASH)
            return -1;
        (*count)++;
    }
    return 0;
}

static int read_size(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > 1e15)
        return -1;
    *out = (uint64_t)item->valuedouble;
    return 0;
}

/* Returns 1 when the verifier accepts the case, 0 when it refuses it. */
static int run_inclusion_vector(const cJSON *json)
{
    uint64_t index, size;
    uint8_t root[HASH], leaf[HASH], nodes[80][HASH];
    size_t count;
    if (read_size(cJSON_GetObjectItem(json, "leafIdx"), &index) != 0 ||
        read_size(cJSON_GetObjectItem(json, "treeSize"), &size) != 0 ||
        decode_root(cJSON_GetObjectItem(json, "root"), root) != 0 ||
        decode_base64(cJSON_GetObjectItem(json, "leafHash"), leaf, HASH) != HASH ||
        decode_proof(cJSON_GetObjectItem(json, "proof"), nodes, 80, &count) != 0)
        return 0;
    return merkle_verify_inclusion(index, size, leaf, nodes[0], count, root) == MERKLE_OK;
}

static int run_consistency_vector(const cJSON *json)
{
    uint64_t size1, size2;
    uint8_t root1[HASH], root2[HASH], nodes[80][HASH];
    size_t count;
    if (read_size(cJSON_GetObjectItem(json, "size1"), &size1) != 0 ||
        read_size(cJSON_GetObjectItem(json, "size2"), &size2) != 0 ||
        decode_root(cJSON_GetObjectItem(json, "root1"), root1) != 0 ||
        decode_root(cJSON_GetObjectItem(json, "root2"), root2) != 0 ||
        decode_proof(cJSON_GetObjectItem(json, "proof"), nodes, 80, &count) != 0)
        return 0;
    return merkle_verify_consistency(size1, size2, root1, root2, nodes[0], count) == MERKLE_OK;
}

static char *read_text_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    char *text = NULL;
    long length = -1;
    if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) >= 0 &&
        fseek(file, 0, SEEK_SET) == 0 && (text = malloc((size_t)length + 1)) != NULL) {
        if (fread(text, 1, (size_t)length, file) != (size_t)length) {
            free(text);
            text = NULL;
        } else {
            text[length] = '\0';
        }
    }
    fclose(file);
    return text;
}

static void check_vector_file(const char *path, vector_tally *tally)
{
    char *text = read_text_file(path);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (json == NULL) {
        tally->unreadable++;
        print_error("unreadable vector %s\n", path);
        return;
    }
    const cJSON *want_error = cJSON_GetObjectItem(json, "wantErr");
    int accepted = cJSON_GetObjectItem(json, "leafIdx") != NULL ? run_inclusion_vector(json)
                                                               : run_consistency_vector(json);
    if (!cJSON_IsBool(want_error) || accepted == cJSON_IsTrue(want_error)) {
        print_error("vector %s: verifier %s it\n", path, accepted ? "accepted" : "refused");
        tally->unreadable++;
    } else {
        tally->checked++;
        tally->accepted += accepted;
        tally->rejected += !accepted;
    }
    cJSON_Delete(json);
}

static int has_json_suffix(const char *name)
{
    size_t length = strlen(name);
    return length > 5 && strcmp(name + length - 5, ".json") == 0;
}

static void walk_vectors(const char *folder, vector_tally *tally, int depth)
{
    DIR *dir = opendir(folder);
    assert_non_null(dir);
    const struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat info;
        int written = snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        assert_true(written > 0 && (size_t)written < sizeof path);
        if (stat(path, &info) != 0)
            continue;
        if (S_ISDIR(info.st_mode) && depth < 8)
            walk_vectors(path, tally, depth + 1);
        else if (S_ISREG(info.st_mode) && has_json_suffix(entry->d_name))
            check_vector_file(path, tally);
    }
    closedir(dir);
}

static void test_rfc6962_public_vectors(void **state)
{
    (void)state;
    char folder[4096];
    const char *configured = getenv("CRMGOV_RFC6962_VECTORS");
    if (configured != NULL && configured[0] != '\0') {
        snprintf(folder, sizeof folder, "%s", configured);
    } else {
        const char *source = getenv("CRMGOV_SOURCE_DIR");
        snprintf(folder, sizeof folder, "%s/../shared/corpus/rfc6962-vectors",
                 source && source[0] ? source : ".");
    }
    struct stat info;
    if (stat(folder, &info) != 0 || !S_ISDIR(info.st_mode)) {
        print_message("rfc6962 vectors not found at %s: skipped\n", folder);
        skip();
    }
    vector_tally tally = {0, 0, 0, 0};
    walk_vectors(folder, &tally, 0);
    print_message("rfc6962 vectors: %d checked (%d valid accepted, %d invalid refused)\n",
                  tally.checked, tally.accepted, tally.rejected);
    assert_int_equal(tally.unreadable, 0);
    assert_true(tally.checked > 0);
    assert_true(tally.accepted > 0);
    assert_true(tally.rejected > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_roots),
        cmocka_unit_test(test_hash_primitives),
        cmocka_unit_test(test_rfc6962_example_proofs),
        cmocka_unit_test(test_inclusion_all_small_trees),
        cmocka_unit_test(test_consistency_all_small_trees),
        cmocka_unit_test(test_consistency_edge_cases),
        cmocka_unit_test(test_frontier_tracks_reference_root),
        cmocka_unit_test(test_large_tree_through_callback),
        cmocka_unit_test(test_rfc6962_public_vectors),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
