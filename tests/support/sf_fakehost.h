/*
 * sf_fakehost.h -- a crmgov host table without the core, for testing the
 * Salesforce connector's sources pass by pass.
 *
 * The SDK harness runs the real core, but only in batch mode: one pass per
 * run, and a fresh database each time. The connector's hardest behaviour is
 * between passes and across restarts (publish only what changed, clear
 * findings that stopped applying, report deletions, resume from
 * checkpoints), so these tests drive sf_dir / sf_api / sf_sync directly
 * against this host, which keeps just enough of a store: checkpoints, the
 * latest published automation per id (for inventory_get), and findings with
 * their open/resolved state (for findings_scan). Everything published is
 * appended to a transcript, one canonical JSON line per event, which the
 * tests compare exactly.
 *
 * The definition hash is not the core's SHA-256 but a 64-bit FNV-1a of the
 * same canonical definition object, printed as 64 hex digits: the connector
 * only compares hashes, and the harness tests cover the real one.
 */
#ifndef SF_FAKEHOST_H
#define SF_FAKEHOST_H

#include <crmgov/host.h>

struct sf_fakehost;

/* `root` is replaced by "@ROOT@" in every transcript line (temp folders). */
struct sf_fakehost *sf_fakehost_new(const char *root);
void sf_fakehost_free(struct sf_fakehost *fake);

const struct crmgov_host *sf_fakehost_host(struct sf_fakehost *fake);

/* What was published since the last call (caller frees; "" when nothing). */
char *sf_fakehost_take(struct sf_fakehost *fake);

/* The checkpoint value of a key, or NULL (valid until the next publish). */
const char *sf_fakehost_checkpoint(const struct sf_fakehost *fake, const char *key);

/* Open findings as "RULE AUTOMATION SUBJECT" lines, sorted (caller frees). */
char *sf_fakehost_open_findings(const struct sf_fakehost *fake);

/* Makes host->stopping() answer 1 from the n-th call on (0 = never). */
void sf_fakehost_stop_after(struct sf_fakehost *fake, unsigned n);

#endif
