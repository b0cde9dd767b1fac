/*
 * loader.h -- opening a plugin file and deciding whether it may load.
 *
 * The rules (docs/architecture.md, "Loading plugins"): the file is opened
 * once without following symlinks, checked (a regular file nobody else may
 * write, in a folder nobody else may write), and the very descriptor that was
 * checked is what dlopen maps, through /proc/self/fd. The descriptor a plugin
 * exports must have this core's ABI major and a minor no newer than the
 * core's, and must carry every required operation. Every refusal is one line
 * that names the reason; nothing of a refused plugin stays loaded.
 */
#ifndef CRMGOV_LOADER_H
#define CRMGOV_LOADER_H

#include "crmgov/plugin.h"
#include "util.h"

struct plugin {
    char *path;
    int fd;                         /* kept open while loaded (see loader.c) */
    void *handle;                   /* NULL for descriptors linked in */
    const struct crmgov_plugin *desc;
    char sha256[65];                /* of the bytes that were loaded */
};

/* 0 and *out, or -1 with the reason (without the path) in why. */
int loader_open(const char *path, struct plugin **out, struct strbuf *why);
/* Wraps a descriptor linked into the program (tests, harness). */
int loader_wrap(const struct crmgov_plugin *desc, const char *label, struct plugin **out,
                struct strbuf *why);
void loader_close(struct plugin *p);
/* The descriptor checks alone. */
int loader_check_descriptor(const struct crmgov_plugin *d, struct strbuf *why);

#endif
