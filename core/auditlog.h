/*
 * auditlog.h -- the tamper-evident audit log: Merkle tree, signed tree heads,
 * verification and proofs (docs/auditlog.md is the reference for admins and
 * outside auditors).
 *
 * The log is an RFC 6962 Merkle tree over its entries. Leaf i is
 * SHA-256(0x00 ‖ canonical entry of seq i+1); the tree state (its frontier) is
 * stored and advanced with every entry in the transaction that records the
 * action, so the root of the log is always known in O(log n).
 *
 * A tree head is a checkpoint text in the shape of the transparency-log
 * checkpoints (C2SP tlog-checkpoint body):
 *
 *     crmgov audit log <32 hex digits: this log's id>\n
 *     <size, decimal>\n
 *     <root, base64>\n
 *     time <RFC 3339 UTC, signing time>\n
 *
 * signed with minisign's format (prehashed Ed25519, trusted comment
 * "crmgov tree head size=N root=HEX"), so `minisign -V` can check a head
 * without crmgov. Signing happens every [core] checkpoint_every entries and
 * when a process that appended entries shuts down.
 *
 * Verification trusts nothing stored: it recomputes every leaf from the
 * entry's columns, the tree from the leaves, and compares with the stored
 * leaf hashes, the stored tree state, every signed head and, when given, a
 * head saved off the machine (Rekor's rule: smaller saved size -> consistency
 * proof, equal -> same root, larger -> the log shrank). It stops at the first
 * problem and names the first bad seq (or, when leaf hashes were rewritten
 * consistently, the range of seqs a signed head covers).
 */
#ifndef CRMGOV_AUDITLOG_H
#define CRMGOV_AUDITLOG_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "merkle.h"
#include "minisign.h"
#include "store.h"

#define AUDIT_ORIGIN_PREFIX "crmgov audit log "
/* "crmgov audit log " + 32 hex digits + NUL */
#define AUDIT_ORIGIN_SIZE 64

/* The key that signs tree heads; owned by the runtime, lent to the store. */
struct audit_signer {
    minisign_secret_key key;
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
    uint64_t checkpoint_every;
};

/* Reads an unencrypted minisign secret key file (crmgov keygen) that only its
 * owner may read. -1 with one line in err (without the path) otherwise. */
int audit_signer_load(const char *path, uint64_t checkpoint_every, struct audit_signer **out,
                      struct strbuf *err);
void audit_signer_free(struct audit_signer *signer);

/* What a checkpoint states, with its signature when it has one. */
struct audit_head {
    char origin[AUDIT_ORIGIN_SIZE];
    uint64_t size;
    uint8_t root[MERKLE_HASH_BYTES];
    crmgov_time time;
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];  /* "" when unsigned */
    char *checkpoint;                       /* owned */
    char *signature;                        /* owned; NULL when unsigned */
};

void audit_head_free(struct audit_head *head);

/* ---- checkpoints (auditlog_head.c) ---------------------------------------- */

char *audit_checkpoint_text(const char *origin, uint64_t size,
                            const uint8_t root[MERKLE_HASH_BYTES], crmgov_time time);
/* The trusted comment a head's signature carries. Caller frees. */
char *audit_head_comment(const struct audit_head *head);
/* Strict: exactly the four lines above, canonical spellings only. Takes a
 * copy of text into out->checkpoint. */
int audit_checkpoint_parse(const char *text, struct audit_head *out, struct strbuf *why);
/* Signs head->checkpoint; sets signature and key_id. */
int audit_head_sign(struct audit_head *head, const struct audit_signer *signer);
/* The signature must verify with one of keys over the checkpoint, with the
 * expected trusted comment. Sets head->key_id. */
int audit_head_check_signature(struct audit_head *head, const minisign_trusted_keys *keys,
                               struct strbuf *why);
/* {"origin","size","root","time","key_id","checkpoint","signature"}. */
cJSON *audit_head_to_json(const struct audit_head *head);
/* Reads what audit_head_to_json wrote; the checkpoint is authoritative and
 * every other member present must agree with it. */
int audit_head_from_json(const cJSON *json, struct audit_head *out, struct strbuf *why);
int audit_head_from_text(const char *text, size_t len, struct audit_head *out,
                         struct strbuf *why);

/* ---- the log (auditlog.c) ------------------------------------------------- */

/* The canonical bytes of an entry: what its leaf hash covers. */
int auditlog_entry_canonical(const struct crmgov_audit_entry *e, struct strbuf *out);
/* This log's origin line ("crmgov audit log <id>"). */
int auditlog_origin(struct store *s, char out[AUDIT_ORIGIN_SIZE]);
/* The stored tree state, rebuilt from the stored leaf hashes when missing
 * (a database from before migration 3). */
int auditlog_tree(struct store *s, merkle_frontier *out);
/* The current (unsigned) head of the log. */
int auditlog_current_head(struct store *s, struct audit_head *out);
/* The latest signed head; 1 when there is none. */
int auditlog_latest_head(struct store *s, struct audit_head *out);
/* The signed head of exactly this size; 1 when there is none. */
int auditlog_head_at(struct store *s, uint64_t size, struct audit_head *out);
/* Signs and stores a head for the current size unless one exists or the log
 * is empty, in its own transaction. *signed_size (may be NULL) gets the size
 * signed, or 0 when nothing was signed. */
int auditlog_checkpoint(struct store *s, const struct audit_signer *signer,
                        uint64_t *signed_size);

/* ---- verification and proofs (auditlog_verify.c) -------------------------- */

struct audit_verify_options {
    const minisign_trusted_keys *keys;      /* NULL: signatures are not checked */
    const struct audit_head *saved;         /* a head kept off the machine, or NULL */
};

struct audit_verify_result {
    int ok;
    uint64_t size;
    uint8_t root[MERKLE_HASH_BYTES];
    uint64_t heads;                 /* signed heads checked */
    uint64_t latest_head;           /* size of the latest signed head, 0 when none */
    int signatures_checked;         /* keys were given */
    int saved_checked;              /* 1 equal, 2 consistency proof, 3 empty saved head */
    size_t consistency_nodes;
    uint64_t bad_first, bad_last;   /* first bad seq (a range when they differ) */
    char problem[640];
};

/* 0 when the check ran (see r->ok), -1 when it could not (database error). */
int auditlog_verify(struct store *s, const struct audit_verify_options *options,
                    struct audit_verify_result *r);

/* Inclusion proof of entry seq in the tree of tree_size entries (0: the
 * latest signed head, or the current size when nothing is signed), as the
 * JSON object documented in docs/auditlog.md. 0 ok; 1 when there is no
 * such entry, size or head (the request, not the log, is wrong); -1 when
 * the log is damaged or unreadable. The reason is in why. */
int auditlog_prove_inclusion(struct store *s, uint64_t seq, uint64_t tree_size, cJSON **out,
                             struct strbuf *why);
/* Consistency proof from old_size to tree_size (0 as above); returns as
 * above. */
int auditlog_prove_consistency(struct store *s, uint64_t old_size, uint64_t tree_size,
                               cJSON **out, struct strbuf *why);
/* What an outsider does with either proof: checks the head's signature
 * (when keys are given; a proof without a signed head is then refused),
 * then the proof against the head. For a consistency proof, `saved` is the
 * head the checker kept: its size and root must be the proof's old ones
 * (NULL: the proof's own old_root is taken on trust). 0 ok, -1 with the
 * reason in why. */
int auditlog_check_proof(const char *json_text, size_t len, const minisign_trusted_keys *keys,
                         const struct audit_head *saved, struct strbuf *why);

#endif
