/*
 * testfiles.c -- see testfiles.h.
 */
#include "testfiles.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

char *tf_read(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    size_t n = 0, cap = 4096, got;
    char *text = malloc(cap);
    assert_non_null(text);
    while ((got = fread(text + n, 1, cap - n - 1, file)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            char *bigger = realloc(text, cap);
            assert_non_null(bigger);
            text = bigger;
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    if (len)
        *len = n;
    return text;
}

void tf_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

void tf_copy_tree(const char *from, const char *to, time_t mtime)
{
    mkdir(to, 0755);
    DIR *dir = opendir(from);
    assert_non_null(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char source[1024], target[1024];
        snprintf(source, sizeof source, "%s/%s", from, entry->d_name);
        snprintf(target, sizeof target, "%s/%s", to, entry->d_name);
        struct stat info;
        assert_int_equal(stat(source, &info), 0);
        if (S_ISDIR(info.st_mode)) {
            tf_copy_tree(source, target, mtime);
            continue;
        }
        char *text = tf_read(source, NULL);
        assert_non_null(text);
        tf_write(target, text);
        free(text);
        if (mtime >= 0) {
            struct timespec times[2] = { { mtime, 0 }, { mtime, 0 } };
            assert_int_equal(utimensat(AT_FDCWD, target, times, 0), 0);
        }
    }
    closedir(dir);
}

void tf_remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) {
        unlink(path);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        tf_remove_tree(child);
    }
    closedir(dir);
    rmdir(path);
}
