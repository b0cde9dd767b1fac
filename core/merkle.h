/*
 * core/merkle.h -- the RFC 6962 Merkle tree behind the tamper-evident audit log.
 *
 * The audit log is a list of entries; its Merkle tree lets a verifier who kept
 * an old root check, with a logarithmic proof, that one entry is in the log
 * (inclusion) and that today's log only appended to the log it saw before
 * (consistency). Hashing follows RFC 6962 §2.1 exactly (leaf = SHA-256(0x00 ‖
 * entry), node = SHA-256(0x01 ‖ left ‖ right), a tree of n leaves splits at
 * the largest power of two below n, the empty tree's root is SHA-256("")), so
 * any Certificate Transparency tool can check our proofs.
 *
 * The leaves live in the store, not in memory, so everything that builds a
 * root or a proof reads leaf hashes through a callback (merkle_leaf_fn) and
 * keeps only O(log n) hashes in memory, never the n leaves. Building a proof
 * reads the leaves it spans (O(n) hashing work: the store keeps no interior
 * nodes); the frontier below makes "append and know the root" O(log n).
 *
 * Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2) treats a proof as
 * hostile input: a wrong length, index, size or node is a refusal, never a
 * crash. The status says why, for messages; only MERKLE_OK means "verified".
 * As in RFC 9162, a proof does not commit to the (new) tree size by itself:
 * a wrong size is refused when it changes the proof's shape, but a size with
 * the same shape is not detectable from the proof. The size must therefore
 * come together with its root from a signed checkpoint, never on its own.
 */
#ifndef CRMGOV_CORE_MERKLE_H
#define CRMGOV_CORE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_BYTES 32

/* A proof for a tree of at most 2^64 - 1 leaves never needs more nodes than
 * this: 64 for an inclusion proof, 65 for a consistency proof. */
#define MERKLE_MAX_PROOF_NODES 66

typedef enum merkle_status {
    MERKLE_OK = 0,
    MERKLE_ERR_ARGUMENT,      /* a size/index outside the tree, NULL pointer */
    MERKLE_ERR_LEAF_SOURCE,   /* the leaf callback reported an error */
    MERKLE_ERR_PROOF_SHAPE,   /* proof has the wrong number of nodes */
    MERKLE_ERR_ROOT_MISMATCH  /* proof well formed but does not lead to the root */
} merkle_status;

/* Fixed one-line English text for a status ("proof does not match the root"). */
const char *merkle_status_message(merkle_status status);

/* Writes the 32-byte leaf hash of leaf `index` to `out`; returns 0, or
 * non-zero on failure (the failure is passed up as MERKLE_ERR_LEAF_SOURCE). */
typedef int (*merkle_leaf_fn)(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_BYTES]);

/* A proof: `count` nodes, in RFC 6962 order (nearest the leaf first).
 * Everywhere below, a list of hashes passed as `const uint8_t *` is `count`
 * hashes of MERKLE_HASH_BYTES bytes back to back (proof.nodes[0] is one). */
typedef struct merkle_proof {
    size_t count;
    uint8_t nodes[MERKLE_MAX_PROOF_NODES][MERKLE_HASH_BYTES];
} merkle_proof;

/* ---- hashing primitives --------------------------------------------------- */

/* SHA-256(0x00 ‖ entry). `entry` may be NULL when `length` is 0. */
void merkle_leaf_hash(const void *entry, size_t length, uint8_t out[MERKLE_HASH_BYTES]);

/* SHA-256(0x01 ‖ left ‖ right). `out` may alias `left` or `right`. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_BYTES],
                      const uint8_t right[MERKLE_HASH_BYTES],
                      uint8_t out[MERKLE_HASH_BYTES]);

/* SHA-256 of the empty string: the root of the tree with no leaves. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_BYTES]);

/* ---- frontier: incremental root in O(log n) memory ------------------------ */

/* The roots of the perfect subtrees along the right edge of a tree of `size`
 * leaves, largest (leftmost) first: one per set bit of `size`. Appending a
 * leaf merges equal-sized subtrees like a binary counter carries. The state
 * is plain data (no pointers): the store may persist `size` and `peaks` and
 * restore them with merkle_frontier_restore() instead of rereading leaves. */
typedef struct merkle_frontier {
    uint64_t size;
    unsigned peak_count; /* == popcount(size) */
    uint8_t peaks[64][MERKLE_HASH_BYTES];
} merkle_frontier;

void merkle_frontier_init(merkle_frontier *frontier);

/* Appends one leaf given by its leaf hash. MERKLE_ERR_ARGUMENT when full. */
merkle_status merkle_frontier_append(merkle_frontier *frontier,
                                     const uint8_t leaf_hash[MERKLE_HASH_BYTES]);

/* The root of the tree the frontier describes (SHA-256("") when empty). */
void merkle_frontier_root(const merkle_frontier *frontier, uint8_t out[MERKLE_HASH_BYTES]);

/* Rebuilds a frontier from a saved size and its popcount(size) peaks
 * (peak_count * 32 bytes, largest subtree first, as in merkle_frontier).
 * MERKLE_ERR_ARGUMENT when peak_count does not match the size. */
merkle_status merkle_frontier_restore(merkle_frontier *frontier, uint64_t size,
                                      const uint8_t *peaks,
                                      unsigned peak_count);

/* ---- roots and proofs over a leaf source ---------------------------------- */

/* Root of the first `size` leaves (MTH(D[0:size])), O(log size) memory. */
merkle_status merkle_root(merkle_leaf_fn leaf, void *ctx, uint64_t size,
                          uint8_t out[MERKLE_HASH_BYTES]);

/* Inclusion proof PATH(index, D[0:size]); requires index < size. */
merkle_status merkle_inclusion_proof(merkle_leaf_fn leaf, void *ctx, uint64_t index,
                                     uint64_t size, merkle_proof *out);

/* Consistency proof PROOF(old_size, D[0:new_size]); requires
 * 0 < old_size <= new_size (old_size == new_size gives an empty proof). */
merkle_status merkle_consistency_proof(merkle_leaf_fn leaf, void *ctx, uint64_t old_size,
                                       uint64_t new_size, merkle_proof *out);

/* The same three over an in-memory array of `count` leaf hashes; `size`
 * (or new_size) must not exceed `count`. */
merkle_status merkle_root_of_array(const uint8_t *leaf_hashes,
                                   uint64_t count, uint64_t size,
                                   uint8_t out[MERKLE_HASH_BYTES]);
merkle_status merkle_inclusion_proof_of_array(const uint8_t *leaf_hashes,
                                              uint64_t count, uint64_t index, uint64_t size,
                                              merkle_proof *out);
merkle_status merkle_consistency_proof_of_array(
    const uint8_t *leaf_hashes, uint64_t count, uint64_t old_size,
    uint64_t new_size, merkle_proof *out);

/* ---- verification (RFC 9162) ---------------------------------------------- */

/* Checks that `proof_nodes` (count nodes) proves leaf `index` with hash
 * `leaf_hash` is in the tree of `size` leaves whose root is `root`.
 * Refuses index >= size, too few or too many nodes, and any wrong node. */
merkle_status merkle_verify_inclusion(uint64_t index, uint64_t size,
                                      const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                                      const uint8_t *proof_nodes,
                                      size_t count, const uint8_t root[MERKLE_HASH_BYTES]);

/* Checks that the tree of old_size leaves with root old_root is a prefix of
 * the tree of new_size leaves with root new_root.
 * old_size == new_size: accepted only with an empty proof and equal roots.
 * old_size == 0 is refused (MERKLE_ERR_ARGUMENT) whatever the proof, as in
 * RFC 9162 and the transparency-dev verifier: the empty tree is trivially a
 * prefix of every tree, so a caller holding no earlier checkpoint has nothing
 * to check and must not call this. Refuses old_size > new_size. */
merkle_status merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                        const uint8_t old_root[MERKLE_HASH_BYTES],
                                        const uint8_t new_root[MERKLE_HASH_BYTES],
                                        const uint8_t *proof_nodes,
                                        size_t count);

#endif
