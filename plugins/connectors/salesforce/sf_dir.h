/*
 * sf_dir.h -- `source = dir`: flows (and legacy workflow rules) from an SFDX
 * project or a Metadata API retrieve folder.
 *
 * A pass walks the folder (hidden folders and node_modules skipped, symbolic
 * links to folders not followed), reads every *.flow-meta.xml and *.flow --
 * and *.workflow-meta.xml / *.workflow when asked -- in path order, and hands
 * what it parses to the sync (sf_sync.h), which publishes only changes. A
 * file whose modification time and size are those of the last pass is not
 * read again. A file that cannot be parsed becomes one dead letter naming
 * the file and line (again only when the file changes); the automations it
 * held before stay as they were. Automations of files that disappeared are
 * reported deleted -- but never when the folder itself cannot be read, so an
 * unmounted share does not delete an org.
 *
 * Event time of what a file holds is the file's modification time.
 * Checkpoint per file ("file:<path under the folder>"): mtime, size, the ids
 * it produced, whether it was malformed.
 */
#ifndef SF_DIR_H
#define SF_DIR_H

#include <crmgov/host.h>

#include "sf_sync.h"

struct sf_dir;

/* root: a folder or one file (already resolved against the config folder). */
struct sf_dir *sf_dir_new(const struct crmgov_host *host, struct sf_sync *sync,
                          const char *root, int workflows);
void sf_dir_free(struct sf_dir *dir);

/* Reads the file checkpoints; once, on the connector's thread. */
int sf_dir_load(struct sf_dir *dir);

/* One pass over the folder. */
void sf_dir_pass(struct sf_dir *dir);

#endif
