/*
 * loader.h -- opening a plugin file and deciding whether it may load.
 *
 * The rules (docs/architecture.md, "Loading plugins"; docs/auditlog.md,
 * "Plugin trust"): the file is opened once without following symlinks,
 * checked (a regular file owned by root or the running user that neither its
 * group nor others may write, in a folder of the same kind), its bytes are
 * read once from that descriptor, hashed and -- by policy -- compared with a
 * sha256 pin or checked against a minisign signature, and then exactly those
 * bytes are what dlopen maps (from a sealed memfd, through /proc/self/fd).
 * The descriptor a plugin exports must have this core's ABI major and a
 * minor no newer than the core's, and must carry every required operation;
 * a signed plugin's descriptor must also be the name, version and ABI its
 * signature vouches for. Every refusal is one line that names the reason;
 * nothing of a refused plugin stays loaded, and no code of a file that fails
 * its pin or signature ever runs (the check precedes dlopen).
 */
#ifndef CRMGOV_LOADER_H
#define CRMGOV_LOADER_H

#include "crmgov/plugin.h"
#include "minisign.h"
#include "util.h"

struct plugin {
    char *path;
    int fd;                         /* the loaded bytes (memfd), kept open while loaded */
    void *handle;                   /* NULL for descriptors linked in */
    const struct crmgov_plugin *desc;
    char sha256[65];                /* of the bytes that were loaded */
    char key_id[MINISIGN_KEY_ID_HEX_SIZE]; /* the key that signed them, "" when unsigned */
};

/* [core] plugin_policy. */
enum plugin_policy { PLUGIN_POLICY_ANY, PLUGIN_POLICY_PINNED, PLUGIN_POLICY_SIGNED };

struct loader_trust {
    enum plugin_policy policy;
    const char *pin_sha256;                 /* 64 lowercase hex digits or NULL;
                                               checked whenever set */
    const minisign_trusted_keys *keys;      /* for PLUGIN_POLICY_SIGNED */
    /* Called once the bytes are verified, before they are loaded. Tests
     * replace the file here to show that the verified bytes are loaded. */
    void (*verified)(void *ctx, const char *path);
    void *verified_ctx;
};

/* What was decided about a file, for the audit log: filled as far as the
 * load got, refused or not. */
struct loader_decision {
    char sha256[65];                        /* "" when the bytes were never read */
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];  /* "" unless a signature verified */
};

/* 0 and *out, or -1 with the reason (without the path) in why. */
int loader_open(const char *path, struct plugin **out, struct strbuf *why);
/* The same under a trust policy (NULL: any). `decision` may be NULL. */
int loader_open_trusted(const char *path, const struct loader_trust *trust,
                        struct loader_decision *decision, struct plugin **out,
                        struct strbuf *why);
/* Wraps a descriptor linked into the program (tests, harness). */
int loader_wrap(const struct crmgov_plugin *desc, const char *label, struct plugin **out,
                struct strbuf *why);
void loader_close(struct plugin *p);
/* The descriptor checks alone. */
int loader_check_descriptor(const struct crmgov_plugin *d, struct strbuf *why);
/* The descriptor's flags (CRMGOV_PLUGIN_*), 0 when it predates the field. */
uint32_t loader_plugin_flags(const struct crmgov_plugin *d);

#endif
