/*
 * sf_dir.c -- walking a metadata folder and reading what changed; see
 * sf_dir.h.
 *
 * Two steps per pass: list (a sorted array of relative paths, so events come
 * in the same order every time) and visit (stat, compare with the file's
 * record, read and parse when it differs). Files are read whole into memory
 * up to the parser's 4 MiB cap; a bigger file is refused without being read.
 */
#include "sf_dir.h"

#include "flow_parse.h"
#include "sf_map.h"
#include "sf_workflow.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MAX_DEPTH 64
#define DIR_MAX_FILES 1000000u

struct file_state {
    int64_t mtime_ns;
    int64_t size;
    int bad;                /* the last read could not be parsed */
    int gone;               /* reported missing; kept as a tombstone */
    int seen;
    char **ids;
    size_t n_ids;
};

struct sf_dir {
    const struct crmgov_host *host;
    size_t files_read;      /* in the current pass */
    struct sf_sync *sync;
    char *root;
    int root_is_file;
    int workflows;
    struct sf_map *files;   /* relative path -> struct file_state */
};

struct path_list {
    char **items;
    size_t n;
    size_t cap;
    int incomplete;         /* a folder could not be read */
};

/* ------------------------------------------------------------------------ */
/* File records.                                                             */

static void ids_clear(struct file_state *state)
{
    for (size_t i = 0; i < state->n_ids; i++)
        free(state->ids[i]);
    free(state->ids);
    state->ids = NULL;
    state->n_ids = 0;
}

static void free_state(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    struct file_state *state = value;
    if (state != NULL)
        ids_clear(state);
    free(state);
}

static struct file_state *state_get_or_add(struct sf_dir *dir, const char *path)
{
    struct file_state *state = sf_map_get(dir->files, path);
    if (state != NULL)
        return state;
    state = calloc(1, sizeof *state);
    if (state == NULL || sf_map_put(dir->files, path, state) != 0) {
        free(state);
        return NULL;
    }
    state->gone = 1;
    return state;
}

static int ids_add(struct file_state *state, const char *id)
{
    char **grown = realloc(state->ids, (state->n_ids + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    state->ids = grown;
    if ((state->ids[state->n_ids] = strdup(id)) == NULL)
        return -1;
    state->n_ids++;
    return 0;
}

static void save_state(struct sf_dir *dir, const char *path, const struct file_state *state)
{
    cJSON *root = cJSON_CreateObject();
    if (!state->gone) {
        char mtime[32]; /* text: a double cannot hold nanoseconds since 1970 */
        snprintf(mtime, sizeof mtime, "%" PRId64, state->mtime_ns);
        cJSON_AddStringToObject(root, "mtime_ns", mtime);
        cJSON_AddNumberToObject(root, "size", (double)state->size);
        if (state->bad)
            cJSON_AddTrueToObject(root, "bad");
        cJSON *ids = cJSON_AddArrayToObject(root, "ids");
        for (size_t i = 0; i < state->n_ids; i++)
            cJSON_AddItemToArray(ids, cJSON_CreateString(state->ids[i]));
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return;
    char key[4200];
    snprintf(key, sizeof key, "file:%s", path);
    dir->host->checkpoint(dir->host, key, text, strlen(text));
    cJSON_free(text);
}

static int load_state(void *ctx, const char *key, const void *value, size_t len)
{
    struct sf_dir *dir = ctx;
    if (strncmp(key, "file:", 5) != 0)
        return 0;
    cJSON *root = cJSON_ParseWithLength(value, len);
    const cJSON *mtime = cJSON_GetObjectItemCaseSensitive(root, "mtime_ns");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(root, "size");
    struct file_state *state =
        cJSON_IsString(mtime) && cJSON_IsNumber(size) ? state_get_or_add(dir, key + 5) : NULL;
    if (state != NULL) {
        state->gone = 0;
        state->mtime_ns = strtoll(mtime->valuestring, NULL, 10);
        state->size = (int64_t)size->valuedouble;
        state->bad = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "bad"));
        const cJSON *id;
        cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(root, "ids"))
            if (cJSON_IsString(id))
                ids_add(state, id->valuestring);
    }
    cJSON_Delete(root);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Life cycle.                                                               */

struct sf_dir *sf_dir_new(const struct crmgov_host *host, struct sf_sync *sync,
                          const char *root, int workflows)
{
    struct sf_dir *dir = calloc(1, sizeof *dir);
    if (dir == NULL)
        return NULL;
    dir->host = host;
    dir->sync = sync;
    dir->workflows = workflows;
    dir->root = strdup(root);
    dir->files = sf_map_new();
    if (dir->root == NULL || dir->files == NULL) {
        sf_dir_free(dir);
        return NULL;
    }
    return dir;
}

void sf_dir_free(struct sf_dir *dir)
{
    if (dir == NULL)
        return;
    sf_map_each(dir->files, free_state, NULL);
    sf_map_free(dir->files);
    free(dir->root);
    free(dir);
}

int sf_dir_load(struct sf_dir *dir)
{
    return dir->host->state_scan(dir->host, "file:", load_state, dir) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Listing.                                                                  */

static int ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length > suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

static int is_flow_name(const char *name)
{
    return ends_with(name, ".flow-meta.xml") || ends_with(name, ".flow");
}

static int wanted(const struct sf_dir *dir, const char *name)
{
    return is_flow_name(name) || (dir->workflows && sf_workflow_is_file(name));
}

static void list_add(struct path_list *list, const char *path)
{
    if (list->n >= DIR_MAX_FILES) {
        list->incomplete = 1;
        return;
    }
    if (list->n == list->cap) {
        size_t cap = list->cap != 0 ? list->cap * 2 : 64;
        char **grown = realloc(list->items, cap * sizeof *grown);
        if (grown == NULL) {
            list->incomplete = 1;
            return;
        }
        list->items = grown;
        list->cap = cap;
    }
    if ((list->items[list->n] = strdup(path)) == NULL)
        list->incomplete = 1;
    else
        list->n++;
}

static void list_free(struct path_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
}

static char *join(const char *a, const char *b)
{
    size_t size = strlen(a) + strlen(b) + 2;
    char *path = malloc(size);
    if (path != NULL)
        snprintf(path, size, "%s%s%s", a, *a != '\0' ? "/" : "", b);
    return path;
}

static int skipped_folder(const char *name)
{
    return name[0] == '.' || strcmp(name, "node_modules") == 0;
}

/* Adds the wanted files under root/relative (relative "" = root itself). */
static void walk(const struct sf_dir *dir, const char *relative, int depth,
                 struct path_list *list)
{
    char *full = join(dir->root, relative);
    DIR *folder = full != NULL ? opendir(full) : NULL;
    if (folder == NULL) {
        dir->host->log(dir->host, CRMGOV_LOG_WARN, "cannot read folder %s: %s",
                       full != NULL ? full : dir->root, strerror(errno));
        list->incomplete = 1;
        free(full);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *child = join(relative, entry->d_name);
        char *child_full = join(full, entry->d_name);
        struct stat info;
        if (child == NULL || child_full == NULL || lstat(child_full, &info) != 0) {
            list->incomplete = 1;
        } else if (S_ISDIR(info.st_mode)) {
            if (skipped_folder(entry->d_name))
                ;
            else if (depth >= DIR_MAX_DEPTH)
                list->incomplete = 1;
            else
                walk(dir, child, depth + 1, list);
        } else if (wanted(dir, entry->d_name)) {
            list_add(list, child);
        }
        free(child);
        free(child_full);
    }
    closedir(folder);
    free(full);
}

static int compare_paths(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

/* ------------------------------------------------------------------------ */
/* Visiting one file.                                                        */

static void dead_letter(struct sf_dir *dir, const char *full, const char *relative,
                        const struct sf_parse_error *error, const char *data, size_t size)
{
    /* the message is "RELATIVE:LINE: reason" or "RELATIVE: reason" */
    const char *reason = error->message;
    size_t prefix = strlen(relative);
    if (strncmp(reason, relative, prefix) == 0 && reason[prefix] == ':') {
        reason += prefix + 1;
        while (*reason >= '0' && *reason <= '9')
            reason++;
        reason += *reason == ':';
        reason += *reason == ' ';
    }
    const char *raw = data != NULL ? data : "";
    size_t raw_len = data != NULL ? size : 0;
    for (unsigned line = 1; data != NULL && line < error->line; line++) {
        const char *next = memchr(raw, '\n', raw_len);
        if (next == NULL)
            break;
        raw_len -= (size_t)(next + 1 - raw);
        raw = next + 1;
    }
    const char *end = memchr(raw, '\n', raw_len);
    if (end != NULL)
        raw_len = (size_t)(end - raw);
    if (raw_len > 1024)
        raw_len = 1024;
    dir->host->deadletter(dir->host, full, error->line, reason, raw, raw_len);
}

/* The whole file, or NULL (error filled) when it cannot or must not be read. */
static char *read_file(const char *full, const char *relative, size_t *size,
                       struct sf_parse_error *error)
{
    memset(error, 0, sizeof *error);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        error->status = SF_PARSE_IO;
        snprintf(error->message, sizeof error->message, "%s: cannot read: %s", relative,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if ((uint64_t)info.st_size > SF_FLOW_MAX_BYTES) {
        error->status = SF_PARSE_TOO_LARGE;
        snprintf(error->message, sizeof error->message, "%s: larger than the 4 MiB cap",
                 relative);
        close(fd);
        return NULL;
    }
    char *data = malloc((size_t)info.st_size + 1);
    size_t got = 0;
    while (data != NULL && got < (size_t)info.st_size) {
        ssize_t n = read(fd, data + got, (size_t)info.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (data == NULL) {
        error->status = SF_PARSE_NO_MEMORY;
        snprintf(error->message, sizeof error->message, "%s: out of memory", relative);
        return NULL;
    }
    data[got] = '\0';
    *size = got;
    return data;
}

static void duplicate(struct sf_dir *dir, const char *full, const char *id)
{
    char reason[600];
    snprintf(reason, sizeof reason,
             "another file already defines the automation '%s'; this one is ignored", id);
    dir->host->deadletter(dir->host, full, 0, reason, NULL, 0);
}

static int read_flow(struct sf_dir *dir, const char *full, const char *relative,
                     const char *data, size_t size, const struct sf_observed *observed,
                     struct file_state *state, struct sf_parse_error *error)
{
    struct sf_flow *flow = sf_flow_parse_buffer(data, size, relative, error);
    if (flow == NULL)
        return -1;
    int rc = sf_sync_flow(dir->sync, flow, observed);
    if (rc == SF_SYNC_DUPLICATE)
        duplicate(dir, full, flow->api_name);
    else
        ids_add(state, flow->api_name);
    sf_flow_free(flow);
    return 0;
}

static int read_workflow(struct sf_dir *dir, const char *full, const char *relative,
                         const char *data, size_t size, const struct sf_observed *observed,
                         struct file_state *state, struct sf_parse_error *error)
{
    struct sf_workflow_rules *rules = sf_workflow_parse_buffer(data, size, relative, error);
    if (rules == NULL)
        return -1;
    for (size_t i = 0; i < rules->n; i++) {
        int rc = sf_sync_automation(dir->sync, &rules->automations[i], observed);
        if (rc == SF_SYNC_DUPLICATE)
            duplicate(dir, full, rules->automations[i].id);
        else
            ids_add(state, rules->automations[i].id);
    }
    sf_workflow_rules_free(rules);
    return 0;
}

/* Unchanged since the last pass, and nothing asks for it to be read again. */
static int unchanged(const struct sf_dir *dir, const struct file_state *state,
                     const char *version)
{
    if (state == NULL || state->gone)
        return 0;
    for (size_t i = 0; i < state->n_ids; i++) {
        const char *known = sf_sync_version(dir->sync, state->ids[i]);
        if (known == NULL || strcmp(known, version) != 0)
            return 0;
    }
    return 1;
}

static void keep_ids(struct sf_dir *dir, const struct file_state *state)
{
    for (size_t i = 0; i < state->n_ids; i++)
        sf_sync_touch(dir->sync, state->ids[i]);
}

static void visit(struct sf_dir *dir, const char *relative)
{
    char *full = dir->root_is_file ? strdup(dir->root) : join(dir->root, relative);
    struct stat info;
    if (full == NULL || stat(full, &info) != 0 || !S_ISREG(info.st_mode)) {
        free(full);
        return; /* vanished between listing and visit: the next pass reports it */
    }
    int64_t mtime_ns = (int64_t)info.st_mtim.tv_sec * 1000000000 + info.st_mtim.tv_nsec;
    char version[64];
    snprintf(version, sizeof version, "%" PRId64 ":%" PRId64, mtime_ns, (int64_t)info.st_size);
    struct file_state *state = sf_map_get(dir->files, relative);
    int same_file = state != NULL && !state->gone && state->mtime_ns == mtime_ns &&
                    state->size == (int64_t)info.st_size;
    if (same_file && (state->bad || unchanged(dir, state, version))) {
        state->seen = 1;
        keep_ids(dir, state);
        free(full);
        return;
    }
    if (state == NULL && (state = state_get_or_add(dir, relative)) == NULL) {
        free(full);
        return;
    }
    dir->files_read++;
    struct sf_observed observed = {.origin = relative, .version = version,
                                   .at = mtime_ns / 1000000, .source = full};
    struct sf_parse_error error;
    size_t size = 0;
    char *data = read_file(full, relative, &size, &error);
    char **old_ids = state->ids;
    size_t n_old = state->n_ids;
    state->ids = NULL;
    state->n_ids = 0;
    int rc = -1;
    if (data != NULL && sf_workflow_is_file(relative))
        rc = read_workflow(dir, full, relative, data, size, &observed, state, &error);
    else if (data != NULL)
        rc = read_flow(dir, full, relative, data, size, &observed, state, &error);
    if (rc != 0) {
        dead_letter(dir, full, relative, &error, data, size);
        ids_clear(state);
        state->ids = old_ids;   /* a broken file keeps what it held before */
        state->n_ids = n_old;
        keep_ids(dir, state);
    } else {
        struct file_state old = {.ids = old_ids, .n_ids = n_old};
        ids_clear(&old);
    }
    state->bad = rc != 0;
    state->gone = 0;
    state->seen = 1;
    state->mtime_ns = mtime_ns;
    state->size = (int64_t)info.st_size;
    save_state(dir, relative, state);
    free(data);
    free(full);
}

/* ------------------------------------------------------------------------ */
/* A pass.                                                                   */

static void unsee(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    ((struct file_state *)value)->seen = 0;
}

struct vanished {
    struct sf_dir *dir;
};

static void forget_unseen(void *ctx, const char *key, void *value)
{
    struct vanished *v = ctx;
    struct file_state *state = value;
    if (state->seen || state->gone)
        return;
    state->gone = 1;
    ids_clear(state);
    save_state(v->dir, key, state);
}

static int list_files(struct sf_dir *dir, struct path_list *list)
{
    struct stat info;
    if (stat(dir->root, &info) != 0) {
        dir->host->log(dir->host, CRMGOV_LOG_WARN, "%s: %s", dir->root, strerror(errno));
        return -1;
    }
    dir->root_is_file = S_ISREG(info.st_mode);
    if (dir->root_is_file) {
        const char *base = strrchr(dir->root, '/');
        list_add(list, base != NULL ? base + 1 : dir->root);
    } else {
        walk(dir, "", 0, list);
    }
    if (list->n != 0)
        qsort(list->items, list->n, sizeof *list->items, compare_paths);
    return 0;
}

void sf_dir_pass(struct sf_dir *dir)
{
    struct path_list list = {0};
    crmgov_time started = sf_wall_clock();
    dir->files_read = 0;
    sf_sync_begin(dir->sync);
    sf_map_each(dir->files, unsee, NULL);
    int listed = list_files(dir, &list) == 0;
    for (size_t i = 0; listed && i < list.n && !dir->host->stopping(dir->host); i++)
        visit(dir, list.items[i]);
    int complete = listed && !list.incomplete && !dir->host->stopping(dir->host);
    if (complete) {
        struct vanished v = {dir};
        sf_map_each(dir->files, forget_unseen, &v);
    } else if (listed) {
        dir->host->log(dir->host, CRMGOV_LOG_WARN,
                       "%s was not read completely: nothing is reported deleted this time",
                       dir->root);
    }
    sf_sync_end(dir->sync, complete, sf_wall_clock());
    dir->host->log(dir->host, CRMGOV_LOG_INFO, "%s: %zu files, %zu read, in %lld ms", dir->root,
                   list.n, dir->files_read, (long long)(sf_wall_clock() - started));
    list_free(&list);
}
