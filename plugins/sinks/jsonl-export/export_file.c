/*
 * export_file.c -- the append-only file of the jsonl-export sink, and how
 * it survives log rotation; see export.h. O_APPEND makes every write land
 * at the current end even when another process truncated the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"

void export_file_init(struct export_file *f, char *path_taken)
{
    memset(f, 0, sizeof(*f));
    f->path = path_taken;
    f->fd = -1;
}

static int open_file(struct export_file *f)
{
    f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (f->fd < 0)
        return -1;
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        int saved = errno;
        close(f->fd);
        f->fd = -1;
        errno = saved;
        return -1;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    return 0;
}

/* 1 when the file at path is no longer the one we hold, or was cut. */
static int moved_or_cut(const struct export_file *f)
{
    struct stat at_path, held;
    if (stat(f->path, &at_path) != 0 || fstat(f->fd, &held) != 0)
        return 1;
    if (at_path.st_dev != f->dev || at_path.st_ino != f->ino)
        return 1;
    return held.st_size < f->size;
}

int export_file_ready(struct export_file *f, const struct crmgov_host *host)
{
    if (f->fd >= 0 && !moved_or_cut(f))
        return 0;
    if (f->fd >= 0) {
        host->log(host, CRMGOV_LOG_INFO, "%s was rotated or truncated; reopening it", f->path);
        close(f->fd);
        f->fd = -1;
    }
    return open_file(f);
}

int export_file_append(struct export_file *f, const char *data, size_t len, int sync)
{
    while (len > 0) {
        ssize_t n = write(f->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    struct stat st;
    if (fstat(f->fd, &st) == 0)
        f->size = st.st_size;
    return sync ? fdatasync(f->fd) : 0;
}

void export_file_close(struct export_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    free(f->path);
    f->path = NULL;
}
