/*
 * export.h -- the `jsonl-export` sink: every finding transition appended as
 * one JSON line to a file, for a SIEM or a data warehouse.
 *
 * The plugin is named `jsonl-export`, not `jsonl`: plugin names are unique
 * and the JSON Lines *connector* is `jsonl`.
 *
 * Same transaction, then the file: the finding callback queues the line in
 * the sink's state (it commits with the finding change, or not at all); a
 * writer thread appends committed lines in order and then records how far
 * it got. Lines are never written for a change that did not commit. A crash
 * between the append and that record repeats those lines on restart, with
 * the same "id": the export is at-least-once, de-duplicated by id.
 *
 * State keys: seq (next number), q/SEQ (a queued line, SEQ in 16 hex
 * digits), written (the last SEQ appended). Queued lines at or below
 * `written` are deleted by the next finding callback, inside its batch.
 *
 * Rotation-safe: before each append the writer compares the file at `path`
 * with the one it holds open; when it was renamed or removed (logrotate's
 * create mode) or truncated (copytruncate), it reopens `path`, creating it.
 *
 * With `audit = true` (the default) the writer also appends every committed
 * audit-log entry, read through host->audit_scan, as
 *   {"type":"audit","seq":N,"at":T,"actor":A,"action":X,"subject":S,"details":{}}
 * after the finding lines, recording the last seq in `audit_written` (also
 * at-least-once, de-duplicated by seq).
 */
#ifndef CRMGOV_JSONL_EXPORT_H
#define CRMGOV_JSONL_EXPORT_H

#include <stdint.h>
#include <sys/types.h>

#include "crmgov/host.h"

struct export_file {
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    off_t size;         /* what the file held after our last write */
};

/* export_file.c */
void export_file_init(struct export_file *f, char *path_taken);
/* Opens, or reopens when the file at path is not the one held open (renamed,
 * removed, truncated). 0, or -1 with errno. */
int export_file_ready(struct export_file *f, const struct crmgov_host *host);
/* Appends len bytes; 0, or -1 with errno. */
int export_file_append(struct export_file *f, const char *data, size_t len, int sync);
void export_file_close(struct export_file *f);

#endif
