/*
 * core/merkle.c -- RFC 6962 Merkle tree hashing, proofs and RFC 9162 proof
 * verification (see merkle.h for the concept).
 *
 * Shape of the code: every root of a contiguous range of leaves is computed by
 * streaming those leaves through a frontier (the binary-counter stack of
 * perfect subtree roots), so memory stays O(log n) whatever the range. Proof
 * generation follows the recursive definitions of RFC 6962 §2.1.1/§2.1.2
 * literally (recursion depth <= 64), asking for subtree roots as it goes; the
 * verifiers follow the iterative bit-walking algorithms of RFC 9162, where
 * the number of nodes a proof must have falls out of the walk itself, so a
 * short or long proof is caught without a separate length formula.
 *
 * SHA-256 comes from libsodium; its SHA-256 needs no sodium_init().
 */
#include "merkle.h"

#include <sodium.h>
#include <string.h>

enum { LEAF_PREFIX = 0x00, NODE_PREFIX = 0x01 };

const char *merkle_status_message(merkle_status status)
{
    switch (status) {
    case MERKLE_OK:
        return "ok";
    case MERKLE_ERR_ARGUMENT:
        return "tree size or index out of range";
    case MERKLE_ERR_LEAF_SOURCE:
        return "could not read a leaf hash";
    case MERKLE_ERR_PROOF_SHAPE:
        return "proof has the wrong number of nodes";
    case MERKLE_ERR_ROOT_MISMATCH:
        return "proof does not match the root";
    }
    return "unknown merkle status";
}

/* ---- hashing primitives --------------------------------------------------- */

void merkle_leaf_hash(const void *entry, size_t length, uint8_t out[MERKLE_HASH_BYTES])
{
    const uint8_t prefix = LEAF_PREFIX;
    crypto_hash_sha256_state state;

    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &prefix, 1);
    if (length > 0)
        crypto_hash_sha256_update(&state, entry, length);
    crypto_hash_sha256_final(&state, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_BYTES],
                      const uint8_t right[MERKLE_HASH_BYTES],
                      uint8_t out[MERKLE_HASH_BYTES])
{
    const uint8_t prefix = NODE_PREFIX;
    crypto_hash_sha256_state state;

    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &prefix, 1);
    crypto_hash_sha256_update(&state, left, MERKLE_HASH_BYTES);
    crypto_hash_sha256_update(&state, right, MERKLE_HASH_BYTES);
    crypto_hash_sha256_final(&state, out);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_BYTES])
{
    crypto_hash_sha256(out, NULL, 0);
}

static int hashes_equal(const uint8_t a[MERKLE_HASH_BYTES], const uint8_t b[MERKLE_HASH_BYTES])
{
    return sodium_memcmp(a, b, MERKLE_HASH_BYTES) == 0;
}

/* ---- frontier --------------------------------------------------------------- */

void merkle_frontier_init(merkle_frontier *frontier)
{
    memset(frontier, 0, sizeof *frontier);
}

merkle_status merkle_frontier_append(merkle_frontier *frontier,
                                     const uint8_t leaf_hash[MERKLE_HASH_BYTES])
{
    if (frontier == NULL || leaf_hash == NULL || frontier->size == UINT64_MAX)
        return MERKLE_ERR_ARGUMENT;
    /* size < UINT64_MAX has at most 63 set bits, so one more peak fits. */
    memcpy(frontier->peaks[frontier->peak_count], leaf_hash, MERKLE_HASH_BYTES);
    frontier->peak_count++;
    for (uint64_t carry = frontier->size; carry & 1; carry >>= 1) {
        unsigned right = frontier->peak_count - 1;
        merkle_node_hash(frontier->peaks[right - 1], frontier->peaks[right],
                         frontier->peaks[right - 1]);
        frontier->peak_count--;
    }
    frontier->size++;
    return MERKLE_OK;
}

void merkle_frontier_root(const merkle_frontier *frontier, uint8_t out[MERKLE_HASH_BYTES])
{
    uint8_t accumulator[MERKLE_HASH_BYTES];

    if (frontier->peak_count == 0) {
        merkle_empty_root(out);
        return;
    }
    memcpy(accumulator, frontier->peaks[frontier->peak_count - 1], MERKLE_HASH_BYTES);
    for (unsigned i = frontier->peak_count - 1; i > 0; i--)
        merkle_node_hash(frontier->peaks[i - 1], accumulator, accumulator);
    memcpy(out, accumulator, MERKLE_HASH_BYTES);
}

merkle_status merkle_frontier_restore(merkle_frontier *frontier, uint64_t size,
                                      const uint8_t *peaks,
                                      unsigned peak_count)
{
    if (frontier == NULL || (peak_count > 0 && peaks == NULL) ||
        peak_count != (unsigned)__builtin_popcountll(size))
        return MERKLE_ERR_ARGUMENT;
    merkle_frontier_init(frontier);
    frontier->size = size;
    frontier->peak_count = peak_count;
    if (peak_count > 0)
        memcpy(frontier->peaks, peaks, (size_t)peak_count * MERKLE_HASH_BYTES);
    return MERKLE_OK;
}

/* ---- roots and proofs ------------------------------------------------------- */

typedef struct leaf_source {
    merkle_leaf_fn read;
    void *ctx;
} leaf_source;

/* MTH(D[begin:end]): the leaves of a range form a tree of their own. */
static merkle_status range_root(const leaf_source *source, uint64_t begin, uint64_t end,
                                uint8_t out[MERKLE_HASH_BYTES])
{
    merkle_frontier frontier;
    uint8_t leaf_hash[MERKLE_HASH_BYTES];

    merkle_frontier_init(&frontier);
    for (uint64_t index = begin; index < end; index++) {
        if (source->read(source->ctx, index, leaf_hash) != 0)
            return MERKLE_ERR_LEAF_SOURCE;
        merkle_frontier_append(&frontier, leaf_hash);
    }
    merkle_frontier_root(&frontier, out);
    return MERKLE_OK;
}

/* RFC 6962's k: the largest power of two strictly smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static merkle_status append_range_root(const leaf_source *source, uint64_t begin,
                                       uint64_t end, merkle_proof *out)
{
    if (out->count >= MERKLE_MAX_PROOF_NODES)
        return MERKLE_ERR_ARGUMENT;
    merkle_status status = range_root(source, begin, end, out->nodes[out->count]);
    if (status == MERKLE_OK)
        out->count++;
    return status;
}

/* PATH(index, D[begin:end]) with index relative to begin. */
static merkle_status inclusion_path(const leaf_source *source, uint64_t index,
                                    uint64_t begin, uint64_t end, merkle_proof *out)
{
    uint64_t n = end - begin;
    if (n == 1)
        return MERKLE_OK;
    uint64_t k = split_point(n);
    merkle_status status;
    if (index < k) {
        status = inclusion_path(source, index, begin, begin + k, out);
        if (status == MERKLE_OK)
            status = append_range_root(source, begin + k, end, out);
    } else {
        status = inclusion_path(source, index - k, begin + k, end, out);
        if (status == MERKLE_OK)
            status = append_range_root(source, begin, begin + k, out);
    }
    return status;
}

/* SUBPROOF(old_size, D[begin:end], whole_old_tree) of RFC 6962 §2.1.2. */
static merkle_status consistency_subproof(const leaf_source *source, uint64_t old_size,
                                          uint64_t begin, uint64_t end, int whole_old_tree,
                                          merkle_proof *out)
{
    uint64_t n = end - begin;
    if (old_size == n)
        return whole_old_tree ? MERKLE_OK : append_range_root(source, begin, end, out);
    uint64_t k = split_point(n);
    merkle_status status;
    if (old_size <= k) {
        status = consistency_subproof(source, old_size, begin, begin + k, whole_old_tree, out);
        if (status == MERKLE_OK)
            status = append_range_root(source, begin + k, end, out);
    } else {
        status = consistency_subproof(source, old_size - k, begin + k, end, 0, out);
        if (status == MERKLE_OK)
            status = append_range_root(source, begin, begin + k, out);
    }
    return status;
}

merkle_status merkle_root(merkle_leaf_fn leaf, void *ctx, uint64_t size,
                          uint8_t out[MERKLE_HASH_BYTES])
{
    if (leaf == NULL || out == NULL)
        return MERKLE_ERR_ARGUMENT;
    leaf_source source = {leaf, ctx};
    return range_root(&source, 0, size, out);
}

merkle_status merkle_inclusion_proof(merkle_leaf_fn leaf, void *ctx, uint64_t index,
                                     uint64_t size, merkle_proof *out)
{
    if (leaf == NULL || out == NULL || index >= size)
        return MERKLE_ERR_ARGUMENT;
    leaf_source source = {leaf, ctx};
    out->count = 0;
    return inclusion_path(&source, index, 0, size, out);
}

merkle_status merkle_consistency_proof(merkle_leaf_fn leaf, void *ctx, uint64_t old_size,
                                       uint64_t new_size, merkle_proof *out)
{
    if (leaf == NULL || out == NULL || old_size == 0 || old_size > new_size)
        return MERKLE_ERR_ARGUMENT;
    leaf_source source = {leaf, ctx};
    out->count = 0;
    return consistency_subproof(&source, old_size, 0, new_size, 1, out);
}

/* ---- array convenience ---------------------------------------------------- */

typedef struct leaf_array {
    const uint8_t *hashes;
    uint64_t count;
} leaf_array;

static int read_array_leaf(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_BYTES])
{
    const leaf_array *array = ctx;
    if (index >= array->count)
        return -1;
    memcpy(out, array->hashes + index * MERKLE_HASH_BYTES, MERKLE_HASH_BYTES);
    return 0;
}

static int array_usable(const uint8_t *leaf_hashes, uint64_t count,
                        uint64_t size)
{
    return size <= count && (leaf_hashes != NULL || count == 0);
}

merkle_status merkle_root_of_array(const uint8_t *leaf_hashes,
                                   uint64_t count, uint64_t size,
                                   uint8_t out[MERKLE_HASH_BYTES])
{
    if (!array_usable(leaf_hashes, count, size))
        return MERKLE_ERR_ARGUMENT;
    leaf_array array = {leaf_hashes, count};
    return merkle_root(read_array_leaf, &array, size, out);
}

merkle_status merkle_inclusion_proof_of_array(const uint8_t *leaf_hashes,
                                              uint64_t count, uint64_t index, uint64_t size,
                                              merkle_proof *out)
{
    if (!array_usable(leaf_hashes, count, size))
        return MERKLE_ERR_ARGUMENT;
    leaf_array array = {leaf_hashes, count};
    return merkle_inclusion_proof(read_array_leaf, &array, index, size, out);
}

merkle_status merkle_consistency_proof_of_array(
    const uint8_t *leaf_hashes, uint64_t count, uint64_t old_size,
    uint64_t new_size, merkle_proof *out)
{
    if (!array_usable(leaf_hashes, count, new_size))
        return MERKLE_ERR_ARGUMENT;
    leaf_array array = {leaf_hashes, count};
    return merkle_consistency_proof(read_array_leaf, &array, old_size, new_size, out);
}

/* ---- verification ------------------------------------------------------------ */

/* The shared step of both RFC 9162 walks: after combining with a left
 * sibling, climb past the levels where this node is a left child with no
 * right sibling (the right edge of an unbalanced tree). */
static void skip_lone_levels(uint64_t *fn, uint64_t *sn)
{
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

merkle_status merkle_verify_inclusion(uint64_t index, uint64_t size,
                                      const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                                      const uint8_t *proof_nodes,
                                      size_t count, const uint8_t root[MERKLE_HASH_BYTES])
{
    if (leaf_hash == NULL || root == NULL || (count > 0 && proof_nodes == NULL) ||
        index >= size)
        return MERKLE_ERR_ARGUMENT;
    uint64_t fn = index;
    uint64_t sn = size - 1;
    uint8_t computed[MERKLE_HASH_BYTES];
    memcpy(computed, leaf_hash, MERKLE_HASH_BYTES);
    for (size_t i = 0; i < count; i++) {
        if (sn == 0)
            return MERKLE_ERR_PROOF_SHAPE;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof_nodes + i * MERKLE_HASH_BYTES, computed, computed);
            skip_lone_levels(&fn, &sn);
        } else {
            merkle_node_hash(computed, proof_nodes + i * MERKLE_HASH_BYTES, computed);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return MERKLE_ERR_PROOF_SHAPE;
    return hashes_equal(computed, root) ? MERKLE_OK : MERKLE_ERR_ROOT_MISMATCH;
}

static int is_power_of_two(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

merkle_status merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                        const uint8_t old_root[MERKLE_HASH_BYTES],
                                        const uint8_t new_root[MERKLE_HASH_BYTES],
                                        const uint8_t *proof_nodes,
                                        size_t count)
{
    if (old_root == NULL || new_root == NULL || (count > 0 && proof_nodes == NULL) ||
        old_size == 0 || old_size > new_size)
        return MERKLE_ERR_ARGUMENT;
    if (old_size == new_size) {
        if (count != 0)
            return MERKLE_ERR_PROOF_SHAPE;
        return hashes_equal(old_root, new_root) ? MERKLE_OK : MERKLE_ERR_ROOT_MISMATCH;
    }
    if (count == 0)
        return MERKLE_ERR_PROOF_SHAPE;

    /* When the old tree is a perfect subtree its root is the path's
     * implicit first node (RFC 9162 step 2, without copying the path). */
    const int old_root_leads = is_power_of_two(old_size);
    const size_t path_length = count + (old_root_leads ? 1 : 0);
    uint64_t fn = old_size - 1;
    uint64_t sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t old_computed[MERKLE_HASH_BYTES];
    uint8_t new_computed[MERKLE_HASH_BYTES];
    const uint8_t *first = old_root_leads ? old_root : proof_nodes;
    memcpy(old_computed, first, MERKLE_HASH_BYTES);
    memcpy(new_computed, first, MERKLE_HASH_BYTES);
    for (size_t i = 1; i < path_length; i++) {
        const uint8_t *node = proof_nodes + (old_root_leads ? i - 1 : i) * MERKLE_HASH_BYTES;
        if (sn == 0)
            return MERKLE_ERR_PROOF_SHAPE;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(node, old_computed, old_computed);
            merkle_node_hash(node, new_computed, new_computed);
            skip_lone_levels(&fn, &sn);
        } else {
            merkle_node_hash(new_computed, node, new_computed);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return MERKLE_ERR_PROOF_SHAPE;
    if (!hashes_equal(old_computed, old_root) || !hashes_equal(new_computed, new_root))
        return MERKLE_ERR_ROOT_MISMATCH;
    return MERKLE_OK;
}
