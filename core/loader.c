/*
 * loader.c -- dlopen with the checks of DESIGN §3; see loader.h.
 *
 * Why /proc/self/fd/N: checking a path and then dlopen()ing the same path is
 * a race -- the file can be swapped in between. Opening once with O_NOFOLLOW
 * and loading through the open descriptor means the bytes we checked (and,
 * with signed plugins, verified) are the bytes that get mapped. The
 * descriptor stays open while the plugin is loaded: glibc recognises an
 * already loaded object by its name, and "/proc/self/fd/N" must not name a
 * second plugin while the first is still mapped.
 */
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "names.h"
#include "options.h"

/* Size of the ABI 1.0 descriptor: everything up to and including stop. */
#define DESCRIPTOR_V1_0_SIZE \
    (offsetof(struct crmgov_plugin, stop) + sizeof(((struct crmgov_plugin *)0)->stop))

static int valid_plugin_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int loader_check_descriptor(const struct crmgov_plugin *d, struct strbuf *why)
{
    if (!d)
        return sb_adds(why, CRMGOV_PLUGIN_ENTRY_SYMBOL "() returned no descriptor"), -1;
    if (d->abi_major != CRMGOV_ABI_MAJOR || d->abi_minor > CRMGOV_ABI_MINOR)
        return sb_addf(why, "built for ABI %u.%u, core has ABI %u.%u", d->abi_major,
                       d->abi_minor, CRMGOV_ABI_MAJOR, CRMGOV_ABI_MINOR),
               -1;
    if (d->struct_size < DESCRIPTOR_V1_0_SIZE)
        return sb_addf(why, "descriptor is %u bytes, ABI 1.0 needs at least %zu",
                       d->struct_size, DESCRIPTOR_V1_0_SIZE),
               -1;
    if (!valid_plugin_name(d->name))
        return sb_addf(why, "plugin name '%s' is not valid (use a-z, 0-9, _ and -)",
                       d->name ? d->name : ""),
               -1;
    if (!d->version || !*d->version)
        return sb_addf(why, "plugin %s declares no version", d->name), -1;
    if (d->kind < CRMGOV_PLUGIN_CONNECTOR || d->kind > CRMGOV_PLUGIN_SINK)
        return sb_addf(why, "plugin %s has kind %d, which this core cannot run", d->name,
                       (int)d->kind),
               -1;
    const char *missing = !d->init ? "init" : !d->fini ? "fini" : NULL;
    if (!missing && d->kind == CRMGOV_PLUGIN_CONNECTOR)
        missing = !d->start ? "start" : !d->stop ? "stop" : NULL;
    if (missing)
        return sb_addf(why, "plugin %s lacks the required operation '%s'", d->name, missing),
               -1;
    struct strbuf inner = STRBUF_INIT;
    if (options_check_table(d->options, d->option_size, &inner)) {
        sb_addf(why, "plugin %s declares a bad option table: %s", d->name, sb_str(&inner));
        sb_free(&inner);
        return -1;
    }
    sb_free(&inner);
    return 0;
}

/* Refuses files and folders that someone other than root or us may change. */
static int check_ownership(const struct stat *st, const char *what, struct strbuf *why)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return sb_addf(why, "%s is owned by uid %u, neither root nor the running user", what,
                       (unsigned)st->st_uid),
               -1;
    if (st->st_mode & S_IWOTH)
        return sb_addf(why, "%s is writable by others (mode %04o)", what,
                       (unsigned)(st->st_mode & 07777)),
               -1;
    return 0;
}

static int check_folder(const char *path, struct strbuf *why)
{
    char *dir = path_dirname(path);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = (sb_addf(why, "cannot inspect folder %s: %s", dir, strerror(errno)), -1);
    else if (check_ownership(&st, "its folder", why))
        rc = -1;
    free(dir);
    return rc;
}

static void hash_fd(int fd, char hex[65])
{
    crypto_hash_sha256_state st;
    unsigned char buf[65536], digest[32];
    ssize_t n;
    crypto_hash_sha256_init(&st);
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
    crypto_hash_sha256_final(&st, digest);
    lseek(fd, 0, SEEK_SET);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Explains a missing entry symbol: another ABI major, or not a plugin. */
static void explain_missing_entry(void *handle, struct strbuf *why)
{
    for (int major = 2; major <= 9; major++) {
        char sym[32];
        snprintf(sym, sizeof(sym), "crmgov_plugin_v%d", major);
        if (dlsym(handle, sym)) {
            sb_addf(why, "built for ABI %d (exports %s), core has ABI %u.%u", major, sym,
                    CRMGOV_ABI_MAJOR, CRMGOV_ABI_MINOR);
            return;
        }
    }
    sb_adds(why, "no " CRMGOV_PLUGIN_ENTRY_SYMBOL " symbol: not a crmgov plugin");
}

static int open_checked(const char *path, struct strbuf *why)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            sb_adds(why, "is a symbolic link; give the real file");
        else
            sb_addf(why, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        sb_adds(why, "is not a regular file");
        close(fd);
        return -1;
    }
    if (check_ownership(&st, "the file", why) || check_folder(path, why)) {
        close(fd);
        return -1;
    }
    return fd;
}

int loader_open(const char *path, struct plugin **out, struct strbuf *why)
{
    *out = NULL;
    int fd = open_checked(path, why);
    if (fd < 0)
        return -1;
    struct plugin *p = xcalloc(1, sizeof(*p));
    p->path = xstrdup(path);
    p->fd = fd;
    hash_fd(fd, p->sha256);
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    p->handle = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *err = dlerror();
        sb_addf(why, "cannot load: %s", err ? err : "unknown dlopen error");
        loader_close(p);
        return -1;
    }
    void *sym = dlsym(p->handle, CRMGOV_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        explain_missing_entry(p->handle, why);
        loader_close(p);
        return -1;
    }
    crmgov_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof(entry)); /* object to function pointer, as POSIX allows */
    p->desc = entry();
    if (loader_check_descriptor(p->desc, why)) {
        loader_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

int loader_wrap(const struct crmgov_plugin *desc, const char *label, struct plugin **out,
                struct strbuf *why)
{
    *out = NULL;
    if (loader_check_descriptor(desc, why))
        return -1;
    struct plugin *p = xcalloc(1, sizeof(*p));
    p->path = xstrdup(label);
    p->fd = -1;
    p->desc = desc;
    *out = p;
    return 0;
}

void loader_close(struct plugin *p)
{
    if (!p)
        return;
    if (p->handle)
        dlclose(p->handle);
    if (p->fd >= 0)
        close(p->fd);
    free(p->path);
    free(p);
}
