/*
 * testfiles.h -- the file chores plugin tests share: read a fixture, write
 * one, copy a fixture tree into a scratch folder (optionally dating every
 * file, for connectors that judge by modification time) and remove it again.
 * Linked into every plugin test (see the Makefile).
 */
#ifndef CRMGOV_TESTFILES_H
#define CRMGOV_TESTFILES_H

#include <stddef.h>
#include <time.h>

/* The whole file, NUL-terminated (its length in *len unless NULL); NULL when
 * it cannot be read. */
char *tf_read(const char *path, size_t *len);
/* Writes text to path; the test fails when it cannot. */
void tf_write(const char *path, const char *text);
/* Copies the tree at from (dot files left out) to to; with mtime >= 0 every
 * copied file gets that modification time. The test fails on any error. */
void tf_copy_tree(const char *from, const char *to, time_t mtime);
/* Removes path and everything below it. */
void tf_remove_tree(const char *path);

#endif
