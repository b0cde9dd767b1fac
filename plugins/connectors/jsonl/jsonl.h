/*
 * jsonl.h -- the JSON Lines connector's pieces: options, the files it
 * tracks, and the reader that turns their bytes into lines.
 *
 * A tracked file remembers its identity (device, inode and the first bytes
 * of content) and how far it was read (byte offset and line number). That
 * position goes to the core as a checkpoint after every line, and the core
 * commits the latest one with the batch holding that line -- so a restart,
 * even after SIGKILL, resumes exactly after the last applied line.
 */
#ifndef JSONL_CONNECTOR_H
#define JSONL_CONNECTOR_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>

#include "crmgov/host.h"

#define JSONL_FINGERPRINT 64    /* bytes of content that identify a file */
#define JSONL_CHUNK (1u << 20)  /* read size */

struct jsonl_file {
    char *path;
    int is_gzip;
    int fd;
    gzFile gz;
    dev_t dev;
    ino_t ino;
    uint64_t offset;            /* bytes consumed (uncompressed for gzip) */
    uint64_t line;              /* lines consumed */
    unsigned char fingerprint[JSONL_FINGERPRINT];
    char fingerprint_hex[2 * JSONL_FINGERPRINT];
    size_t fingerprint_len;
    char key[64];               /* its checkpoint key: file:DEV:INODE */
    char *pending;              /* a line not yet terminated */
    size_t pending_len, pending_cap;
    int skipping;               /* inside a line longer than max_line */
    uint64_t skip_bytes;        /* bytes of that line so far */
    char *skip_head;            /* its first bytes, for the dead letter */
    size_t skip_head_len;
    int eof;
};

struct jsonl {
    const struct crmgov_host *host;
    char *path;                 /* as configured, resolved against the config */
    int from_stdin;
    int follow;
    int start_at_end;
    int64_t poll_ms;
    uint64_t max_line;
    struct jsonl_file **files;
    size_t n_files;
    char *chunk;
    pthread_t thread;
    int running;
};

/* reader.c */
int jsonl_file_open(struct jsonl *j, struct jsonl_file *f);
void jsonl_file_close(struct jsonl_file *f);
/* Reads what is there now; publishes complete lines (and, when final, a last
 * unterminated line). Returns 1 when something was read, 0 at EOF, -1 on a
 * read error or when the core is stopping. */
int jsonl_file_read(struct jsonl *j, struct jsonl_file *f, int final);
/* Compares the file at f->path with the open one: 1 when it was replaced
 * (rotation) or truncated. */
int jsonl_file_rotated(struct jsonl_file *f);

/* files.c */
/* Adds files newly matching the configured path; returns how many. */
size_t jsonl_discover(struct jsonl *j);
void jsonl_files_free(struct jsonl *j);

#endif
