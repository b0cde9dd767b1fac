/*
 * registry.h -- what is loaded and what it offers: plugins by name, the
 * services plugins offer each other, and the commands they add to the CLI.
 *
 * Names are unique in each space: a second plugin with a taken name is refused
 * when it loads, a second provider of a service or command when it registers,
 * so a lookup never has to guess which one was meant.
 */
#ifndef CRMGOV_REGISTRY_H
#define CRMGOV_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/host.h"
#include "loader.h"
#include "util.h"

struct instance;

struct service {
    char *name;
    uint32_t version;
    const void *iface;
    struct instance *owner;
};

struct command_entry {
    const struct crmgov_command *command;
    void *state;
    struct instance *owner;
};

struct registry {
    struct plugin **plugins;
    size_t n_plugins, cap_plugins;
    struct service *services;
    size_t n_services, cap_services;
    struct command_entry *commands;
    size_t n_commands, cap_commands;
};

void registry_init(struct registry *r);
void registry_free(struct registry *r);     /* unloads plugins */

/* Takes ownership of p; refuses a duplicate name. */
int registry_add_plugin(struct registry *r, struct plugin *p, struct strbuf *why);
struct plugin *registry_plugin(const struct registry *r, const char *name);
/* Loads dir/NAME.so under `trust` (NULL: any) unless a plugin of that name
 * is loaded already; `decision` (may be NULL) says what was found about a
 * file that was opened (its sha256 is "" when none was). */
struct plugin *registry_load(struct registry *r, const char *dir, const char *name,
                             const struct loader_trust *trust,
                             struct loader_decision *decision, struct strbuf *why);

int registry_add_service(struct registry *r, const char *name, uint32_t version,
                         const void *iface, struct instance *owner, struct strbuf *why);
const struct service *registry_service(const struct registry *r, const char *name);
void registry_drop_owner(struct registry *r, struct instance *owner);

int registry_add_command(struct registry *r, const struct crmgov_command *cmd, void *state,
                         struct instance *owner, struct strbuf *why);
const struct command_entry *registry_command(const struct registry *r, const char *name);

#endif
