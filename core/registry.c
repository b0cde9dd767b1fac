/*
 * registry.c -- plugins, services and commands by name; see registry.h.
 *
 * Small linear tables: a deployment has tens of plugins and services, and
 * lookups happen at start-up, not per event.
 */
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void registry_init(struct registry *r)
{
    memset(r, 0, sizeof(*r));
}

void registry_free(struct registry *r)
{
    for (size_t i = 0; i < r->n_services; i++)
        free(r->services[i].name);
    free(r->services);
    free(r->commands);
    for (size_t i = 0; i < r->n_plugins; i++)
        loader_close(r->plugins[i]);
    free(r->plugins);
    memset(r, 0, sizeof(*r));
}

struct plugin *registry_plugin(const struct registry *r, const char *name)
{
    for (size_t i = 0; i < r->n_plugins; i++)
        if (strcmp(r->plugins[i]->desc->name, name) == 0)
            return r->plugins[i];
    return NULL;
}

int registry_add_plugin(struct registry *r, struct plugin *p, struct strbuf *why)
{
    const struct plugin *other = registry_plugin(r, p->desc->name);
    if (other) {
        sb_addf(why, "duplicate plugin name '%s' (already loaded from %s)", p->desc->name,
                other->path);
        return -1;
    }
    r->plugins = grow_array(r->plugins, &r->cap_plugins, r->n_plugins + 1, sizeof(*r->plugins));
    r->plugins[r->n_plugins++] = p;
    return 0;
}

struct plugin *registry_load(struct registry *r, const char *dir, const char *name,
                             const struct loader_trust *trust,
                             struct loader_decision *decision, struct strbuf *why)
{
    struct plugin *p = registry_plugin(r, name);
    if (decision)
        memset(decision, 0, sizeof(*decision));
    if (p)
        return p;
    char *path = xasprintf("%s/%s.so", dir, name);
    struct stat st;
    if (lstat(path, &st) != 0) {
        sb_addf(why, "plugin '%s' not found (looked for %s)", name, path);
        free(path);
        return NULL;
    }
    struct strbuf inner = STRBUF_INIT;
    if (loader_open_trusted(path, trust, decision, &p, &inner)) {
        sb_addf(why, "%s: %s", path, sb_str(&inner));
    } else if (strcmp(p->desc->name, name) != 0) {
        sb_addf(why, "%s: declares the name '%s'; the file must be named %s.so", path,
                p->desc->name, p->desc->name);
        loader_close(p);
        p = NULL;
    } else if (registry_add_plugin(r, p, &inner)) {
        sb_addf(why, "%s: %s", path, sb_str(&inner));
        loader_close(p);
        p = NULL;
    }
    sb_free(&inner);
    free(path);
    return p;
}

const struct service *registry_service(const struct registry *r, const char *name)
{
    for (size_t i = 0; i < r->n_services; i++)
        if (strcmp(r->services[i].name, name) == 0)
            return &r->services[i];
    return NULL;
}

int registry_add_service(struct registry *r, const char *name, uint32_t version,
                         const void *iface, struct instance *owner, struct strbuf *why)
{
    if (!name || !*name || !iface) {
        sb_adds(why, "a service needs a name and an interface");
        return -1;
    }
    if (registry_service(r, name)) {
        sb_addf(why, "service '%s' is offered already", name);
        return -1;
    }
    r->services =
        grow_array(r->services, &r->cap_services, r->n_services + 1, sizeof(*r->services));
    r->services[r->n_services++] =
        (struct service){ xstrdup(name), version, iface, owner };
    return 0;
}

void registry_drop_owner(struct registry *r, struct instance *owner)
{
    size_t j = 0;
    for (size_t i = 0; i < r->n_services; i++) {
        if (r->services[i].owner == owner)
            free(r->services[i].name);
        else
            r->services[j++] = r->services[i];
    }
    r->n_services = j;
    j = 0;
    for (size_t i = 0; i < r->n_commands; i++)
        if (r->commands[i].owner != owner)
            r->commands[j++] = r->commands[i];
    r->n_commands = j;
}

const struct command_entry *registry_command(const struct registry *r, const char *name)
{
    for (size_t i = 0; i < r->n_commands; i++)
        if (strcmp(r->commands[i].command->name, name) == 0)
            return &r->commands[i];
    return NULL;
}

int registry_add_command(struct registry *r, const struct crmgov_command *cmd, void *state,
                         struct instance *owner, struct strbuf *why)
{
    if (!cmd || !cmd->name || !*cmd->name || !cmd->run) {
        sb_adds(why, "a command needs a name and a run function");
        return -1;
    }
    if (registry_command(r, cmd->name)) {
        sb_addf(why, "command '%s' is offered already", cmd->name);
        return -1;
    }
    r->commands =
        grow_array(r->commands, &r->cap_commands, r->n_commands + 1, sizeof(*r->commands));
    r->commands[r->n_commands++] = (struct command_entry){ cmd, state, owner };
    return 0;
}
