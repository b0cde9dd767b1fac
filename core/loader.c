/*
 * loader.c -- dlopen with the checks of DESIGN §3; see loader.h.
 *
 * Why a sealed memfd behind /proc/self/fd/N: checking a path and then
 * dlopen()ing the same path is a race -- the file can be swapped in between.
 * Even loading through the descriptor that was checked leaves one: whoever
 * may write the inode can change its bytes after they were hashed. So the
 * bytes are read once, hashed and verified in memory, copied into an
 * anonymous memory file sealed against writes, and that is what dlopen maps:
 * the bytes verified are the bytes loaded, whatever happens to the file. The
 * memfd stays open while the plugin is loaded: glibc recognises an already
 * loaded object by its name, and "/proc/self/fd/N" must not name a second
 * plugin while the first is still mapped.
 */
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"

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

uint32_t loader_plugin_flags(const struct crmgov_plugin *d)
{
    size_t end = offsetof(struct crmgov_plugin, flags) + sizeof(d->flags);
    return d->struct_size >= end ? d->flags : 0;
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
    if (st->st_mode & S_IWGRP)
        return sb_addf(why, "%s is writable by its group (mode %04o)", what,
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

static int open_checked(const char *path, struct stat *st, struct strbuf *why)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            sb_adds(why, "is a symbolic link; give the real file");
        else
            sb_addf(why, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        sb_adds(why, "is not a regular file");
        close(fd);
        return -1;
    }
    if (check_ownership(st, "the file", why) || check_folder(path, why)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- the bytes ------------------------------------------------------------- */

#define PLUGIN_MAX_BYTES ((size_t)1 << 30)
#define SIGNATURE_MAX_BYTES ((size_t)64 << 10)

/* Everything the descriptor holds, read once: these bytes are hashed,
 * verified and loaded. */
static char *read_all(int fd, size_t expected, size_t max, size_t *len, struct strbuf *why)
{
    if (expected > max)
        return sb_addf(why, "is larger than %zu bytes", max), NULL;
    size_t cap = expected + 1, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > max)
                return free(buf), sb_addf(why, "is larger than %zu bytes", max), NULL;
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return free(buf), sb_addf(why, "cannot read: %s", strerror(errno)), NULL;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *len = n;
    return buf;
}

/* The signature file beside the plugin (PATH.minisig), not following links. */
static char *read_signature(const char *path, size_t *len, struct strbuf *why)
{
    char *sig_path = xasprintf("%s.minisig", path);
    int fd = open(sig_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *text = NULL;
    if (fd < 0 && errno == ENOENT)
        sb_addf(why, "not signed: %s is missing (plugin_policy = signed)", sig_path);
    else if (fd < 0)
        sb_addf(why, "cannot open %s: %s", sig_path, strerror(errno));
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        sb_addf(why, "%s is not a regular file", sig_path);
    else
        text = read_all(fd, (size_t)st.st_size, SIGNATURE_MAX_BYTES, len, why);
    if (fd >= 0)
        close(fd);
    free(sig_path);
    return text;
}

/* "dir/NAME.so" -> "NAME": what a signature's name= must say. */
static char *expected_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".so") == 0)
        len -= 3;
    return xstrndup(base, len);
}

static int check_pin(const struct loader_trust *trust, const char *sha256, struct strbuf *why)
{
    if (!trust->pin_sha256 && trust->policy == PLUGIN_POLICY_PINNED)
        return sb_adds(why, "no sha256 pin in its section (plugin_policy = pinned)"), -1;
    if (trust->pin_sha256 && strcmp(trust->pin_sha256, sha256) != 0)
        return sb_addf(why, "sha256 %s does not match the pinned %s", sha256, trust->pin_sha256),
               -1;
    return 0;
}

static int check_signature(const char *path, const struct loader_trust *trust, const char *bytes,
                           size_t len, minisign_plugin_identity *identity,
                           struct loader_decision *decision, struct strbuf *why)
{
    size_t sig_len = 0;
    char *sig = read_signature(path, &sig_len, why);
    if (!sig)
        return -1;
    minisign_verified verified;
    static const minisign_trusted_keys no_keys = { 0, NULL };
    minisign_status status = minisign_verify(sig, sig_len, bytes, len,
                                             trust->keys ? trust->keys : &no_keys, &verified);
    free(sig);
    if (status == MINISIGN_OK)
        status = minisign_parse_plugin_comment(verified.trusted_comment, identity);
    if (status != MINISIGN_OK)
        return sb_adds(why, minisign_status_message(status)), -1;
    minisign_key_id_hex(verified.key_id, decision->key_id);
    char *name = expected_name(path);
    int same = strcmp(name, identity->name) == 0;
    if (!same)
        sb_addf(why, "the signature is for plugin '%s', not '%s' (renamed file?)",
                identity->name, name);
    free(name);
    return same ? 0 : -1;
}

/* What a signature vouches for must be what the code declares. */
static int check_identity(const minisign_plugin_identity *signed_as,
                          const struct crmgov_plugin *d, struct strbuf *why)
{
    if (strcmp(signed_as->name, d->name) == 0 && strcmp(signed_as->version, d->version) == 0 &&
        signed_as->abi_major == d->abi_major && signed_as->abi_minor == d->abi_minor)
        return 0;
    return sb_addf(why,
                   "the signature is for %s %s (ABI %u.%u), the file declares %s %s (ABI %u.%u)",
                   signed_as->name, signed_as->version, signed_as->abi_major,
                   signed_as->abi_minor, d->name, d->version, d->abi_major, d->abi_minor),
           -1;
}

/* A sealed anonymous file holding exactly the verified bytes: nobody can
 * change it between the check and dlopen, not even by writing the inode. */
static int sealed_copy(const char *bytes, size_t len, struct strbuf *why)
{
    int fd = memfd_create("crmgov-plugin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return sb_addf(why, "cannot create a memory file: %s", strerror(errno)), -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, bytes + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sb_addf(why, "cannot copy into a memory file: %s", strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        sb_addf(why, "cannot seal the memory file: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int load_bytes(struct plugin *p, const char *bytes, size_t len, struct strbuf *why)
{
    p->fd = sealed_copy(bytes, len, why);
    if (p->fd < 0)
        return -1;
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
    p->handle = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *err = dlerror();
        return sb_addf(why, "cannot load: %s", err ? err : "unknown dlopen error"), -1;
    }
    void *sym = dlsym(p->handle, CRMGOV_PLUGIN_ENTRY_SYMBOL);
    if (!sym)
        return explain_missing_entry(p->handle, why), -1;
    crmgov_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof(entry)); /* object to function pointer, as POSIX allows */
    p->desc = entry();
    return loader_check_descriptor(p->desc, why);
}

/* Reads and verifies the file; the bytes on success. */
static char *verified_bytes(const char *path, const struct loader_trust *trust,
                            minisign_plugin_identity *identity,
                            struct loader_decision *decision, size_t *len, struct strbuf *why)
{
    struct stat st;
    int fd = open_checked(path, &st, why);
    if (fd < 0)
        return NULL;
    char *bytes = read_all(fd, (size_t)st.st_size, PLUGIN_MAX_BYTES, len, why);
    close(fd);
    if (!bytes)
        return NULL;
    sha256_hex(bytes, *len, decision->sha256);
    if (check_pin(trust, decision->sha256, why) ||
        (trust->policy == PLUGIN_POLICY_SIGNED &&
         check_signature(path, trust, bytes, *len, identity, decision, why))) {
        free(bytes);
        return NULL;
    }
    return bytes;
}

int loader_open_trusted(const char *path, const struct loader_trust *trust,
                        struct loader_decision *decision, struct plugin **out,
                        struct strbuf *why)
{
    static const struct loader_trust any = { .policy = PLUGIN_POLICY_ANY };
    struct loader_decision scratch = { { 0 }, { 0 } };
    trust = trust ? trust : &any;
    decision = decision ? decision : &scratch;
    memset(decision, 0, sizeof(*decision));
    *out = NULL;
    minisign_plugin_identity identity;
    size_t len = 0;
    char *bytes = verified_bytes(path, trust, &identity, decision, &len, why);
    if (!bytes)
        return -1;
    if (trust->verified)
        trust->verified(trust->verified_ctx, path);
    struct plugin *p = xcalloc(1, sizeof(*p));
    p->path = xstrdup(path);
    memcpy(p->sha256, decision->sha256, sizeof(p->sha256));
    memcpy(p->key_id, decision->key_id, sizeof(p->key_id));
    int rc = load_bytes(p, bytes, len, why);
    free(bytes);
    if (rc == 0 && trust->policy == PLUGIN_POLICY_SIGNED)
        rc = check_identity(&identity, p->desc, why);
    if (rc) {
        loader_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

int loader_open(const char *path, struct plugin **out, struct strbuf *why)
{
    return loader_open_trusted(path, NULL, NULL, out, why);
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

/* Under AddressSanitizer a plugin stays mapped until exit: LeakSanitizer
 * scans every thread's dynamic TLS when the process ends, and a library
 * unloaded earlier (libxml2 below the salesforce plugin has TLS) leaves it a
 * block that is gone -- its tracer crashed on that (tests/e2e/0830). Leaks in
 * a plugin also only get symbolised stacks while it is mapped. Its memfd
 * stays open with it, for the reason at the top of this file. */
#if defined(__SANITIZE_ADDRESS__)
#define LOADER_KEEPS_PLUGINS_MAPPED 1
#else
#define LOADER_KEEPS_PLUGINS_MAPPED 0
#endif

void loader_close(struct plugin *p)
{
    if (!p)
        return;
    if (!LOADER_KEEPS_PLUGINS_MAPPED) {
        if (p->handle)
            dlclose(p->handle);
        if (p->fd >= 0)
            close(p->fd);
    }
    free(p->path);
    free(p);
}
