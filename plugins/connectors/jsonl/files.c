/*
 * files.c -- which files the connector reads: `path` names one file, a glob,
 * or a folder (its *.jsonl and *.jsonl.gz), or "-" for standard input.
 * Discovery runs again on every poll in follow mode, so files that appear
 * later are picked up; files are read in name order.
 */
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonl.h"

static int is_data_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 6 && strcmp(name + n - 6, ".jsonl") == 0) ||
           (n > 9 && strcmp(name + n - 9, ".jsonl.gz") == 0);
}

static int tracked(const struct jsonl *j, const char *path)
{
    for (size_t i = 0; i < j->n_files; i++)
        if (strcmp(j->files[i]->path, path) == 0)
            return 1;
    return 0;
}

static int add_file(struct jsonl *j, const char *path)
{
    struct stat st;
    if (tracked(j, path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    struct jsonl_file *f = calloc(1, sizeof(*f));
    struct jsonl_file **grown = realloc(j->files, (j->n_files + 1) * sizeof(*j->files));
    if (!f || !grown)
        abort();
    j->files = grown;
    f->path = strdup(path);
    f->fd = -1;
    size_t n = strlen(path);
    f->is_gzip = n > 3 && strcmp(path + n - 3, ".gz") == 0;
    if (!f->path)
        abort();
    j->files[j->n_files++] = f;
    return 1;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t add_folder(struct jsonl *j, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0, added = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_data_name(e->d_name))
            continue;
        char **grown = realloc(names, (n + 1) * sizeof(char *));
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (!grown || !path)
            abort();
        names = grown;
        snprintf(path, len, "%s/%s", dir, e->d_name);
        names[n++] = path;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), compare_paths);
    for (size_t i = 0; i < n; i++) {
        added += (size_t)add_file(j, names[i]);
        free(names[i]);
    }
    free(names);
    return added;
}

size_t jsonl_discover(struct jsonl *j)
{
    if (j->from_stdin) {
        if (j->n_files)
            return 0;
        struct jsonl_file *f = calloc(1, sizeof(*f));
        j->files = calloc(1, sizeof(*j->files));
        if (!f || !j->files || !(f->path = strdup("stdin")))
            abort();
        f->fd = -1;
        j->files[j->n_files++] = f;
        return 1;
    }
    struct stat st;
    if (stat(j->path, &st) == 0 && S_ISDIR(st.st_mode))
        return add_folder(j, j->path);
    if (!strpbrk(j->path, "*?["))
        return (size_t)add_file(j, j->path);
    glob_t g;
    size_t added = 0;
    if (glob(j->path, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            added += (size_t)add_file(j, g.gl_pathv[i]);
        globfree(&g);
    }
    return added;
}

void jsonl_files_free(struct jsonl *j)
{
    for (size_t i = 0; i < j->n_files; i++) {
        jsonl_file_close(j->files[i]);
        free(j->files[i]->pending);
        free(j->files[i]->skip_head);
        free(j->files[i]->path);
        free(j->files[i]);
    }
    free(j->files);
    j->files = NULL;
    j->n_files = 0;
}
