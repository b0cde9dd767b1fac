/*
 * reader.c -- reading one JSON Lines file: resuming from its checkpoint,
 * cutting lines, and refusing over-long ones; see jsonl.h.
 *
 * Lines are handed to the core straight from the read buffer when they lie
 * within it; only a line split across two reads is copied. An over-long line
 * is reported once (with its first bytes) and skipped up to its newline, so
 * a runaway writer costs neither memory nor the rest of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl.h"

/* Decimal digits of v at the end of buf (which has room for 20); returns the
 * start. The position is written after every line, so no printf here. */
static char *u64_digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void checkpoint_key(const struct jsonl_file *f, char *key, size_t size)
{
    snprintf(key, size, "file:%llu:%llu", (unsigned long long)f->dev,
             (unsigned long long)f->ino);
}

/* "OFFSET LINE FINGERPRINT-HEX", the position a restart resumes from. */
static size_t format_position(const struct jsonl_file *f, uint64_t offset, uint64_t line,
                              char *value)
{
    char digits[20];
    size_t n = 0;
    char *d = u64_digits(offset, digits + sizeof(digits));
    memcpy(value, d, (size_t)(digits + sizeof(digits) - d));
    n += (size_t)(digits + sizeof(digits) - d);
    value[n++] = ' ';
    d = u64_digits(line, digits + sizeof(digits));
    memcpy(value + n, d, (size_t)(digits + sizeof(digits) - d));
    n += (size_t)(digits + sizeof(digits) - d);
    value[n++] = ' ';
    memcpy(value + n, f->fingerprint_hex, 2 * f->fingerprint_len);
    return n + 2 * f->fingerprint_len;
}

/* The next line (of `consumed` bytes) publishes an event or a dead letter:
 * its position travels with it and commits with it (exactly once). */
static void position_with_next(struct jsonl *j, const struct jsonl_file *f, uint64_t consumed)
{
    if (j->from_stdin)
        return;
    char value[64 + 2 * JSONL_FINGERPRINT];
    size_t n = format_position(f, f->offset + consumed, f->line + 1, value);
    j->host->position(j->host, f->key, value, n);
}

/* After a line that published nothing (a blank line). */
static void save_position(struct jsonl *j, const struct jsonl_file *f)
{
    if (j->from_stdin)
        return;
    char value[64 + 2 * JSONL_FINGERPRINT];
    size_t n = format_position(f, f->offset, f->line, value);
    j->host->checkpoint(j->host, f->key, value, n);
}

struct saved {
    uint64_t offset, line;
    unsigned char fingerprint[JSONL_FINGERPRINT];
    size_t fingerprint_len;
    int found;
};

static int parse_saved(void *ctx, const char *key, const void *value, size_t len)
{
    struct saved *s = ctx;
    char text[256], hex[2 * JSONL_FINGERPRINT + 1] = "";
    (void)key;
    if (len >= sizeof(text))
        return 0;
    memcpy(text, value, len);
    text[len] = '\0';
    unsigned long long offset, line;
    if (sscanf(text, "%llu %llu %128s", &offset, &line, hex) < 2)
        return 0;
    s->offset = offset;
    s->line = line;
    s->fingerprint_len = strlen(hex) / 2;
    for (size_t i = 0; i < s->fingerprint_len; i++) {
        unsigned int byte;
        sscanf(hex + 2 * i, "%2x", &byte);
        s->fingerprint[i] = (unsigned char)byte;
    }
    s->found = 1;
    return 0;
}

static void read_fingerprint(struct jsonl_file *f)
{
    static const char hex[] = "0123456789abcdef";
    ssize_t n = pread(f->fd, f->fingerprint, JSONL_FINGERPRINT, 0);
    f->fingerprint_len = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < f->fingerprint_len; i++) {
        f->fingerprint_hex[2 * i] = hex[f->fingerprint[i] >> 4];
        f->fingerprint_hex[2 * i + 1] = hex[f->fingerprint[i] & 15];
    }
}

/* Skips the first `offset` uncompressed bytes of a gzip file. */
static int gzip_skip(struct jsonl_file *f, uint64_t offset, char *buf)
{
    while (offset > 0) {
        unsigned want = offset > JSONL_CHUNK ? JSONL_CHUNK : (unsigned)offset;
        int n = gzread(f->gz, buf, want);
        if (n <= 0)
            return -1;
        offset -= (uint64_t)n;
    }
    return 0;
}

/* Where to start: after the saved position when it belongs to this very file. */
static void restore_position(struct jsonl *j, struct jsonl_file *f, off_t size)
{
    char key[64];
    struct saved s = { 0 };
    checkpoint_key(f, key, sizeof(key));
    j->host->state_get(j->host, key, parse_saved, &s);
    int same = s.found && s.fingerprint_len <= f->fingerprint_len &&
               memcmp(s.fingerprint, f->fingerprint, s.fingerprint_len) == 0 &&
               (f->is_gzip || s.offset <= (uint64_t)size);
    if (same) {
        f->offset = s.offset;
        f->line = s.line;
    } else if (j->start_at_end && !f->is_gzip) {
        f->offset = (uint64_t)size;
    }
    if (f->offset && !f->is_gzip)
        lseek(f->fd, (off_t)f->offset, SEEK_SET);
    if (f->offset && f->is_gzip && gzip_skip(f, f->offset, j->chunk)) {
        j->host->log(j->host, CRMGOV_LOG_WARN, "%s: saved position beyond its end; reading "
                     "it again from the start", f->path);
        gzrewind(f->gz);
        f->offset = f->line = 0;
    }
    if (f->offset)
        j->host->log(j->host, CRMGOV_LOG_DEBUG, "%s: resuming at line %" PRIu64 " (byte %"
                     PRIu64 ")", f->path, f->line + 1, f->offset);
}

int jsonl_file_open(struct jsonl *j, struct jsonl_file *f)
{
    struct stat st;
    f->fd = j->from_stdin ? dup(STDIN_FILENO) : open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        j->host->log(j->host, CRMGOV_LOG_WARN, "%s: cannot open: %s", f->path,
                     strerror(errno));
        if (f->fd >= 0)
            close(f->fd);
        f->fd = -1;
        return -1;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    checkpoint_key(f, f->key, sizeof(f->key));
    f->offset = f->line = 0;
    f->pending_len = 0;
    f->skipping = f->eof = 0;
    if (j->from_stdin)
        return 0;
    read_fingerprint(f);
    if (f->is_gzip) {
        int gzfd = dup(f->fd);
        f->gz = gzfd >= 0 ? gzdopen(gzfd, "rb") : NULL;
        if (!f->gz) {
            if (gzfd >= 0)
                close(gzfd);
            close(f->fd);
            f->fd = -1;
            return -1;
        }
        gzbuffer(f->gz, 1u << 18);
    }
    restore_position(j, f, st.st_size);
    return 0;
}

void jsonl_file_close(struct jsonl_file *f)
{
    if (f->gz)
        gzclose(f->gz);
    if (f->fd >= 0)
        close(f->fd);
    f->gz = NULL;
    f->fd = -1;
}

static void too_long(struct jsonl *j, struct jsonl_file *f, const char *head, size_t len)
{
    char reason[96];
    snprintf(reason, sizeof(reason), "line longer than max_line (%" PRIu64 " bytes)",
             j->max_line);
    j->host->deadletter(j->host, f->path, f->line + 1, reason, head, len > 4096 ? 4096 : len);
}

/* One complete line: published (or refused), then its position saved. */
static void emit(struct jsonl *j, struct jsonl_file *f, const char *line, size_t len,
                 size_t consumed)
{
    if (len && line[len - 1] == '\r')
        len--;
    size_t blank = 0;
    while (blank < len && (line[blank] == ' ' || line[blank] == '\t'))
        blank++;
    int publishes = len > j->max_line || blank < len;
    if (publishes)
        position_with_next(j, f, consumed);
    if (len > j->max_line)
        too_long(j, f, line, len);
    else if (blank < len)
        j->host->publish_json(j->host, line, len, f->path, f->line + 1);
    f->line++;
    f->offset += consumed;
    if (f->fingerprint_len < JSONL_FINGERPRINT && f->offset > f->fingerprint_len && !f->is_gzip)
        read_fingerprint(f);
    if (!publishes)
        save_position(j, f);
}

static void pending_add(struct jsonl_file *f, const char *data, size_t n)
{
    if (f->pending_len + n > f->pending_cap) {
        size_t cap = f->pending_cap ? f->pending_cap : 4096;
        while (cap < f->pending_len + n)
            cap *= 2;
        char *grown = realloc(f->pending, cap);
        if (!grown)
            abort();
        f->pending = grown;
        f->pending_cap = cap;
    }
    memcpy(f->pending + f->pending_len, data, n);
    f->pending_len += n;
}

/* The pending line plus `n` more bytes would pass max_line: keep its first
 * bytes for the dead letter, which is written when the line ends (so that it
 * carries the position after the line), and skip the rest. */
static void start_skipping(struct jsonl_file *f, const char *more, size_t n)
{
    size_t keep = f->pending_len < 4096 ? f->pending_len : 4096;
    size_t extra = n < 4096 - keep ? n : 4096 - keep;
    f->skip_head = malloc(keep + extra + 1);
    if (!f->skip_head)
        abort();
    memcpy(f->skip_head, f->pending, keep);
    memcpy(f->skip_head + keep, more, extra);
    f->skip_head_len = keep + extra;
    f->skipping = 1;
    f->skip_bytes = f->pending_len + n;
    f->pending_len = 0;
}

/* The over-long line ended after `tail` more bytes (plus `newline`). */
static void end_skipping(struct jsonl *j, struct jsonl_file *f, uint64_t tail, int newline)
{
    uint64_t consumed = f->skip_bytes + tail + (newline ? 1 : 0);
    position_with_next(j, f, consumed);
    too_long(j, f, f->skip_head, f->skip_head_len);
    free(f->skip_head);
    f->skip_head = NULL;
    f->line++;
    f->offset += consumed;
    f->skipping = 0;
    f->skip_bytes = 0;
}

/* Bytes without a newline: they continue the current line. */
static void partial(struct jsonl *j, struct jsonl_file *f, const char *p, size_t n)
{
    if (f->skipping)
        f->skip_bytes += n;
    else if (f->pending_len + n > j->max_line)
        start_skipping(f, p, n);
    else
        pending_add(f, p, n);
}

/* A newline after `n` more bytes of the current line. */
static void line_end(struct jsonl *j, struct jsonl_file *f, const char *p, size_t n)
{
    if (f->skipping) {
        end_skipping(j, f, n, 1);
    } else if (!f->pending_len) {
        emit(j, f, p, n, n + 1);
    } else if (f->pending_len + n > j->max_line) {
        start_skipping(f, p, n);
        end_skipping(j, f, 0, 1);
    } else {
        pending_add(f, p, n);
        emit(j, f, f->pending, f->pending_len, f->pending_len + 1);
        f->pending_len = 0;
    }
}

/* End of a file that will not grow: its last line needs no newline. */
static void last_line(struct jsonl *j, struct jsonl_file *f)
{
    if (f->skipping) {
        end_skipping(j, f, 0, 0);
    } else if (f->pending_len) {
        emit(j, f, f->pending, f->pending_len, f->pending_len);
        f->pending_len = 0;
    }
}

static ssize_t read_some(struct jsonl *j, struct jsonl_file *f)
{
    if (f->gz)
        return gzread(f->gz, j->chunk, JSONL_CHUNK);
    ssize_t n;
    do
        n = read(f->fd, j->chunk, JSONL_CHUNK);
    while (n < 0 && errno == EINTR);
    return n;
}

int jsonl_file_read(struct jsonl *j, struct jsonl_file *f, int final)
{
    if (f->fd < 0)
        return 0;
    ssize_t n = read_some(j, f);
    if (n < 0) {
        j->host->log(j->host, CRMGOV_LOG_ERROR, "%s: read error: %s", f->path,
                     f->gz ? "corrupt gzip data" : strerror(errno));
        return -1;
    }
    if (n == 0) {
        if (final)
            last_line(j, f);
        f->eof = 1;
        return 0;
    }
    f->eof = 0;
    const char *p = j->chunk, *end = j->chunk + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            partial(j, f, p, (size_t)(end - p));
            break;
        }
        line_end(j, f, p, (size_t)(nl - p));
        p = nl + 1;
    }
    return j->host->stopping(j->host) ? -1 : 1;
}

int jsonl_file_rotated(struct jsonl_file *f)
{
    struct stat now, open_st;
    if (stat(f->path, &now) != 0)
        return 0; /* gone for now: keep reading what is open */
    if (now.st_dev != f->dev || now.st_ino != f->ino)
        return 1;
    if (!f->is_gzip && fstat(f->fd, &open_st) == 0 && (uint64_t)open_st.st_size < f->offset)
        return 1; /* truncated in place (copytruncate) */
    return 0;
}
