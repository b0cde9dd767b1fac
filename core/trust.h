/*
 * trust.h -- what the runtime trusts: the plugin policy ([core]
 * plugin_policy, trusted_keys, a section's sha256 pin), the key that signs
 * the audit log's tree heads ([core] signing_key), and the record of every
 * plugin load decision in the audit log.
 *
 * Kept apart from runtime.c so the order of bringing a crmgov up stays easy
 * to read there, while the security decisions are in one place to review.
 * Every decision the loader takes about a file -- loaded or refused, with the
 * file, its SHA-256 and the signing key id -- is noted while plugins load and
 * written to the audit log in one transaction right after, so even a refused
 * start leaves its trace. A load identical to the last one recorded for that
 * plugin (same file, bytes, key, policy and version) is not recorded again:
 * every CLI command loads plugins, and the log should show changes, not
 * repetitions. Refusals are always recorded.
 */
#ifndef CRMGOV_TRUST_H
#define CRMGOV_TRUST_H

#include "auditlog.h"
#include "config.h"
#include "loader.h"

struct runtime;

struct trust_decision {
    char *plugin;                   /* the plugin name asked for */
    char *file;                     /* path, or the label of a built-in */
    struct loader_decision found;
    int builtin;
    char *version;                  /* NULL when refused */
    char *refusal;                  /* NULL when loaded */
};

struct trust {
    enum plugin_policy policy;
    minisign_trusted_keys keys;
    struct trust_decision *decisions;
    size_t n_decisions, cap_decisions;
};

/* Reads plugin_policy and trusted_keys, and loads signing_key into
 * rt->signer (lent to the store when it is open). Errors are "file:line:
 * ..." lines naming the [core] option. Idempotent. */
int trust_setup(struct runtime *rt, struct strbuf *err);
void trust_free(struct trust *t);

/* The section's `sha256 = ` pin in lowercase: 1 with pin set, 0 when the
 * section has none, -1 with a file:line error when it is malformed. */
int trust_section_pin(const struct config_section *s, char pin[65], struct strbuf *err);

/* Loads the file plugin `name` of section s (from dir) under the policy,
 * noting the decision; "file:line: path: reason" in err on a refusal. */
struct plugin *trust_load_section_plugin(struct runtime *rt, const struct config_section *s,
                                         const char *dir, const char *name,
                                         struct strbuf *err);
/* The policy for a file listed outside any section (`crmgov plugins`): the
 * keys under signed, the pin of the first section naming the plugin under
 * pinned. `pin` holds that pin (65 bytes). */
void trust_for_listing(struct runtime *rt, const char *name, char pin[65],
                       struct loader_trust *out);

void trust_note_builtin(struct trust *t, const struct plugin *p);
/* Writes the noted decisions to the audit log (when the store is open) and
 * forgets them. */
void trust_record(struct runtime *rt);

const char *trust_policy_name(enum plugin_policy policy);

#endif
