/*
 * sf_sync.c -- publishing only what changed; see sf_sync.h.
 *
 * One record per automation id (struct known) holds what was last published
 * and the findings that are open for it. Every change to a record is followed
 * by its checkpoint ("auto:<id>", a small JSON object), written after the
 * events it reflects so the two commit together. Findings are compared by a
 * digest of severity, message and canonical evidence: an unchanged finding is
 * not published again, a changed one is raised again (the core refreshes its
 * message and evidence), a vanished one is cleared.
 */
#include "sf_sync.h"

#include "flow_map.h"
#include "sf_json.h"
#include "sf_map.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LAYER_NAME "salesforce"
#define TRIGGER_ORDER_RULE "SF017"

struct open_finding {
    char *rule;
    char *name;
    char *subject;      /* NULL: the finding is about the whole flow */
    char *message;
    char *digest;
};

/* What SF017 needs of a flow, kept between passes. */
struct flow_summary {
    char *object;
    char *trigger_type;
    char *record_trigger_type;
    char *trigger_order;
    char *status;       /* as Salesforce writes it: Active, Draft... */
};

struct known {
    char *id;
    char *origin;
    char *version;
    char hash[65];      /* "" until a publish was accepted */
    int status;         /* enum crmgov_automation_status */
    int deleted;
    int seen;
    int is_flow;
    crmgov_time at;     /* event time of the latest published version */
    struct flow_summary summary;
    char *checkpoint;   /* the value last written, to skip identical writes */
    struct open_finding *findings;
    size_t n_findings;
};

struct sf_sync {
    const struct crmgov_host *host;
    char *system;
    int checks;
    struct sf_check_options check;
    char *fingerprint;
    int reread;         /* options changed: sf_sync_version answers NULL this pass */
    int options_saved;
    struct sf_map *known;
    crmgov_time pass_at;    /* latest event time published in the pass */
    int order_dirty;        /* a flow's SF017 summary changed: run SF017 again */
};

crmgov_time sf_wall_clock(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (crmgov_time)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const char *sf_sync_system(const struct sf_sync *sync)
{
    return sync->system;
}

static char *dup_or_null(const char *text)
{
    return text != NULL ? strdup(text) : NULL;
}

static int same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* ------------------------------------------------------------------------ */
/* Records.                                                                  */

static void open_finding_clear(struct open_finding *finding)
{
    free(finding->rule);
    free(finding->name);
    free(finding->subject);
    free(finding->message);
    free(finding->digest);
}

static void summary_clear(struct flow_summary *summary)
{
    free(summary->object);
    free(summary->trigger_type);
    free(summary->record_trigger_type);
    free(summary->trigger_order);
    free(summary->status);
    memset(summary, 0, sizeof *summary);
}

static void known_free(struct known *known)
{
    if (known == NULL)
        return;
    for (size_t i = 0; i < known->n_findings; i++)
        open_finding_clear(&known->findings[i]);
    free(known->findings);
    summary_clear(&known->summary);
    free(known->id);
    free(known->origin);
    free(known->version);
    free(known->checkpoint);
    free(known);
}

static void free_entry(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    known_free(value);
}

static struct known *known_get_or_add(struct sf_sync *sync, const char *id)
{
    struct known *known = sf_map_get(sync->known, id);
    if (known != NULL)
        return known;
    known = calloc(1, sizeof *known);
    if (known == NULL || (known->id = strdup(id)) == NULL ||
        sf_map_put(sync->known, id, known) != 0) {
        known_free(known);
        return NULL;
    }
    known->at = CRMGOV_TIME_NONE;
    return known;
}

static const char *status_word(int status)
{
    static const char *const words[] = {"active", "inactive", "deleted"};
    return status >= 0 && status <= 2 ? words[status] : "inactive";
}

static int status_from_word(const char *word)
{
    if (word != NULL && strcmp(word, "active") == 0)
        return CRMGOV_STATUS_ACTIVE;
    if (word != NULL && strcmp(word, "deleted") == 0)
        return CRMGOV_STATUS_DELETED;
    return CRMGOV_STATUS_INACTIVE;
}

/* ------------------------------------------------------------------------ */
/* Checkpoints.                                                              */

static void add_text(cJSON *object, const char *key, const char *text)
{
    if (text != NULL)
        cJSON_AddStringToObject(object, key, text);
}

static char *checkpoint_text(const struct known *known)
{
    cJSON *root = cJSON_CreateObject();
    add_text(root, "origin", known->origin);
    add_text(root, "version", known->version);
    add_text(root, "hash", known->hash);
    cJSON_AddStringToObject(root, "status", status_word(known->status));
    if (known->deleted)
        cJSON_AddTrueToObject(root, "deleted");
    if (known->at != CRMGOV_TIME_NONE)
        cJSON_AddNumberToObject(root, "at", (double)known->at);
    if (known->is_flow) {
        cJSON *flow = cJSON_AddObjectToObject(root, "flow");
        add_text(flow, "object", known->summary.object);
        add_text(flow, "trigger_type", known->summary.trigger_type);
        add_text(flow, "record_trigger_type", known->summary.record_trigger_type);
        add_text(flow, "trigger_order", known->summary.trigger_order);
        add_text(flow, "status", known->summary.status);
    }
    char *text = sf_json_canonical(root);
    cJSON_Delete(root);
    return text;
}

static void save_known(struct sf_sync *sync, struct known *known)
{
    char *text = checkpoint_text(known);
    if (text == NULL || same_text(text, known->checkpoint)) {
        free(text);
        return;
    }
    char key[600];
    snprintf(key, sizeof key, "auto:%s", known->id);
    sync->host->checkpoint(sync->host, key, text, strlen(text));
    free(known->checkpoint);
    known->checkpoint = text;
}

static char *json_text(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? strdup(item->valuestring) : NULL;
}

static void load_summary(struct known *known, const cJSON *flow)
{
    known->is_flow = 1;
    known->summary.object = json_text(flow, "object");
    known->summary.trigger_type = json_text(flow, "trigger_type");
    known->summary.record_trigger_type = json_text(flow, "record_trigger_type");
    known->summary.trigger_order = json_text(flow, "trigger_order");
    known->summary.status = json_text(flow, "status");
}

static int load_checkpoint(void *ctx, const char *key, const void *value, size_t len)
{
    struct sf_sync *sync = ctx;
    if (strncmp(key, "auto:", 5) != 0)
        return 0;
    cJSON *root = cJSON_ParseWithLength(value, len);
    struct known *known = cJSON_IsObject(root) ? known_get_or_add(sync, key + 5) : NULL;
    if (known != NULL) {
        char *hash = json_text(root, "hash");
        snprintf(known->hash, sizeof known->hash, "%s", hash != NULL ? hash : "");
        free(hash);
        known->origin = json_text(root, "origin");
        known->version = json_text(root, "version");
        char *status = json_text(root, "status");
        known->status = status_from_word(status);
        free(status);
        known->deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "deleted"));
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "at");
        known->at = cJSON_IsNumber(at) ? (crmgov_time)at->valuedouble : CRMGOV_TIME_NONE;
        const cJSON *flow = cJSON_GetObjectItemCaseSensitive(root, "flow");
        if (cJSON_IsObject(flow))
            load_summary(known, flow);
        known->checkpoint = strndup(value, len);
    }
    cJSON_Delete(root);
    return 0;
}

static int compare_options(void *ctx, const char *key, const void *value, size_t len)
{
    struct sf_sync *sync = ctx;
    (void)key;
    sync->options_saved = strlen(sync->fingerprint) == len &&
                          memcmp(sync->fingerprint, value, len) == 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Findings: digests, loading, diffing.                                      */

/* The core stores message and evidence as published, so the text compares
 * as is: no parsing needed to tell a changed finding from an unchanged one. */
static char *finding_digest(int severity, const char *message, const char *evidence_json)
{
    const char *evidence = evidence_json != NULL ? evidence_json : "{}";
    size_t size = strlen(message != NULL ? message : "") + strlen(evidence) + 16;
    char *digest = malloc(size);
    if (digest != NULL)
        snprintf(digest, size, "%d\n%s\n%s", severity, message != NULL ? message : "",
                 evidence);
    return digest;
}

static int add_open(struct known *known, const struct crmgov_finding *finding)
{
    struct open_finding *grown =
        realloc(known->findings, (known->n_findings + 1) * sizeof *known->findings);
    if (grown == NULL)
        return -1;
    known->findings = grown;
    struct open_finding *slot = &known->findings[known->n_findings];
    slot->rule = strdup(finding->rule);
    slot->name = strdup(finding->name != NULL ? finding->name : "");
    slot->subject = dup_or_null(finding->subject);
    slot->message = strdup(finding->message != NULL ? finding->message : "");
    slot->digest =
        finding_digest((int)finding->severity, finding->message, finding->evidence_json);
    if (slot->rule == NULL || slot->name == NULL || slot->message == NULL ||
        slot->digest == NULL || (finding->subject != NULL && slot->subject == NULL)) {
        open_finding_clear(slot);
        return -1;
    }
    known->n_findings++;
    return 0;
}

static void remove_open(struct known *known, size_t index)
{
    open_finding_clear(&known->findings[index]);
    known->findings[index] = known->findings[--known->n_findings];
}

static int load_finding(void *ctx, const struct crmgov_finding *finding)
{
    struct sf_sync *sync = ctx;
    if (finding->automation == NULL)
        return 0;
    struct known *known = known_get_or_add(sync, finding->automation);
    if (known != NULL)
        add_open(known, finding);
    return 0;
}

static int find_open(const struct known *known, const char *rule, const char *subject)
{
    for (size_t i = 0; i < known->n_findings; i++)
        if (strcmp(known->findings[i].rule, rule) == 0 &&
            same_text(known->findings[i].subject, subject))
            return (int)i;
    return -1;
}

static void publish_finding(struct sf_sync *sync, const struct crmgov_finding *finding,
                            enum crmgov_finding_transition transition, crmgov_time at,
                            const char *source)
{
    struct crmgov_finding copy = *finding;
    copy.struct_size = sizeof copy;
    copy.system = sync->system;
    copy.layer = NULL;
    copy.state = transition == CRMGOV_FINDING_CLEARED ? CRMGOV_FINDING_RESOLVED
                                                      : CRMGOV_FINDING_OPEN;
    copy.transition = transition;
    struct crmgov_event event = {.struct_size = sizeof event, .topic = CRMGOV_TOPIC_FINDING,
                                 .system = sync->system, .at = at, .source = source};
    event.u.finding = &copy;
    sync->host->publish(sync->host, &event);
}

static void clear_open(struct sf_sync *sync, struct known *known, size_t index, crmgov_time at,
                       const char *source)
{
    const struct open_finding *open = &known->findings[index];
    struct crmgov_finding finding = {.struct_size = sizeof finding, .rule = open->rule,
                                     .name = open->name, .automation = known->id,
                                     .subject = open->subject, .message = open->message};
    publish_finding(sync, &finding, CRMGOV_FINDING_CLEARED, at, source);
    remove_open(known, index);
}

static int is_unchanged(const struct known *known, int index,
                        const struct crmgov_finding *finding)
{
    if (index < 0)
        return 0;
    char *digest =
        finding_digest((int)finding->severity, finding->message, finding->evidence_json);
    int unchanged = digest != NULL && strcmp(known->findings[index].digest, digest) == 0;
    free(digest);
    return unchanged;
}

/*
 * Raises what is new or changed among `found` (all about this automation) and
 * clears the open findings that are not in it. The open SF017 finding is
 * left alone unless trigger_order_only, which limits the diff to SF017.
 */
static void diff_findings(struct sf_sync *sync, struct known *known,
                          const struct crmgov_finding *found, size_t n_found,
                          int trigger_order_only, crmgov_time raise_at, crmgov_time clear_at,
                          const char *source)
{
    unsigned char *matched = calloc(known->n_findings + 1, 1);
    unsigned char *raised = calloc(n_found + 1, 1);
    if (matched == NULL || raised == NULL) {
        free(matched);
        free(raised);
        return;
    }
    for (size_t i = 0; i < n_found; i++) {
        int index = find_open(known, found[i].rule, found[i].subject);
        if (index >= 0)
            matched[index] = 1;
        if (is_unchanged(known, index, &found[i]))
            continue;
        publish_finding(sync, &found[i], CRMGOV_FINDING_RAISED, raise_at, source);
        raised[i] = 1;
    }
    for (size_t i = known->n_findings; i-- > 0;) {
        int is_order = strcmp(known->findings[i].rule, TRIGGER_ORDER_RULE) == 0;
        if (!matched[i] && is_order == trigger_order_only)
            clear_open(sync, known, i, clear_at, source);
    }
    for (size_t i = 0; i < n_found; i++) {
        if (!raised[i])
            continue;
        int index = find_open(known, found[i].rule, found[i].subject);
        if (index >= 0)
            remove_open(known, (size_t)index);
        add_open(known, &found[i]);
    }
    free(matched);
    free(raised);
}

/* ------------------------------------------------------------------------ */
/* Life cycle.                                                               */

struct sf_sync *sf_sync_new(const struct crmgov_host *host,
                            const struct sf_sync_settings *settings)
{
    struct sf_sync *sync = calloc(1, sizeof *sync);
    if (sync == NULL)
        return NULL;
    sync->host = host;
    sync->system = strdup(settings->system);
    sync->fingerprint = strdup(settings->fingerprint != NULL ? settings->fingerprint : "");
    sync->checks = settings->checks;
    sync->check = settings->check;
    sync->known = sf_map_new();
    sync->pass_at = CRMGOV_TIME_NONE;
    if (sync->system == NULL || sync->fingerprint == NULL || sync->known == NULL) {
        sf_sync_free(sync);
        return NULL;
    }
    return sync;
}

void sf_sync_free(struct sf_sync *sync)
{
    if (sync == NULL)
        return;
    sf_map_each(sync->known, free_entry, NULL);
    sf_map_free(sync->known);
    free(sync->system);
    free(sync->fingerprint);
    free(sync);
}

int sf_sync_load(struct sf_sync *sync)
{
    const struct crmgov_host *host = sync->host;
    host->state_scan(host, "auto:", load_checkpoint, sync);
    host->state_get(host, "options", compare_options, sync);
    sync->reread = !sync->options_saved && sf_map_count(sync->known) != 0;
    static const int states[] = {CRMGOV_FINDING_OPEN, CRMGOV_FINDING_ACKNOWLEDGED};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        struct crmgov_finding_filter filter = {.struct_size = sizeof filter,
                                               .layer = LAYER_NAME, .system = sync->system,
                                               .state = states[i], .min_severity = -1};
        if (host->findings_scan(host, &filter, load_finding, sync) < 0) {
            host->log(host, CRMGOV_LOG_ERROR, "cannot read the open findings of %s",
                      sync->system);
            return -1;
        }
    }
    if (sync->reread) {
        host->log(host, CRMGOV_LOG_INFO, "check options changed: reading every flow again");
        sync->order_dirty = 1;
    }
    return 0;
}

static void unsee(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    ((struct known *)value)->seen = 0;
}

void sf_sync_begin(struct sf_sync *sync)
{
    sf_map_each(sync->known, unsee, NULL);
    sync->pass_at = CRMGOV_TIME_NONE;
}

const char *sf_sync_version(const struct sf_sync *sync, const char *id)
{
    const struct known *known = sf_map_get(sync->known, id);
    if (known == NULL || known->deleted || sync->reread)
        return NULL;
    return known->version;
}

void sf_sync_touch(struct sf_sync *sync, const char *id)
{
    struct known *known = sf_map_get(sync->known, id);
    if (known != NULL)
        known->seen = 1;
}

/* ------------------------------------------------------------------------ */
/* Publishing an automation.                                                 */

static void note_time(struct sf_sync *sync, crmgov_time at)
{
    if (sync->pass_at == CRMGOV_TIME_NONE || at > sync->pass_at)
        sync->pass_at = at;
}

static int replace_text(char **slot, const char *text)
{
    if (same_text(*slot, text))
        return 0;
    char *copy = dup_or_null(text);
    if (text != NULL && copy == NULL)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* Returns 1 when the summary changed. */
static int set_summary(struct known *known, const struct sf_flow *flow)
{
    int was_flow = known->is_flow;
    known->is_flow = flow != NULL;
    if (flow == NULL) {
        summary_clear(&known->summary);
        return was_flow;
    }
    struct flow_summary *s = &known->summary;
    int changed = !was_flow || !same_text(s->object, flow->start.object) ||
                  !same_text(s->trigger_type, flow->start_info.trigger_type) ||
                  !same_text(s->record_trigger_type, flow->start_info.record_trigger_type) ||
                  !same_text(s->trigger_order, flow->trigger_order) ||
                  !same_text(s->status, flow->status);
    replace_text(&s->object, flow->start.object);
    replace_text(&s->trigger_type, flow->start_info.trigger_type);
    replace_text(&s->record_trigger_type, flow->start_info.record_trigger_type);
    replace_text(&s->trigger_order, flow->trigger_order);
    replace_text(&s->status, flow->status);
    return changed;
}

/* Extra attributes merged over the mapped ones, as canonical JSON. */
static char *merged_attributes(const char *mapped, const char *extra)
{
    if (extra == NULL)
        return dup_or_null(mapped);
    cJSON *base = cJSON_Parse(mapped != NULL ? mapped : "{}");
    cJSON *more = cJSON_Parse(extra);
    char *text = NULL;
    if (cJSON_IsObject(base) && cJSON_IsObject(more)) {
        for (cJSON *item = more->child; item != NULL; item = item->next) {
            cJSON_DeleteItemFromObjectCaseSensitive(base, item->string);
            cJSON_AddItemToObject(base, item->string, cJSON_Duplicate(item, 1));
        }
        text = sf_json_canonical(base);
    }
    cJSON_Delete(base);
    cJSON_Delete(more);
    return text != NULL ? text : dup_or_null(mapped);
}

/* Publishes the automation when it differs from what was published; records it. */
static struct known *observe_automation(struct sf_sync *sync,
                                        const struct crmgov_automation *mapped,
                                        const struct sf_observed *observed, int *failed)
{
    struct known *known = known_get_or_add(sync, mapped->id);
    if (known == NULL) {
        *failed = 1;
        return NULL;
    }
    struct crmgov_automation automation = *mapped;
    automation.modified_by = observed->modified_by;
    char *attributes = merged_attributes(mapped->attributes_json, observed->attributes_json);
    automation.attributes_json = attributes;
    char *json = sf_automation_event_json(&automation, sync->system, observed->at, NULL);
    char hash[65] = "";
    if (json == NULL ||
        sync->host->definition_hash(json, strlen(json), hash) != CRMGOV_OK)
        hash[0] = '\0';
    free(json);
    int changed = known->deleted || known->hash[0] == '\0' || strcmp(known->hash, hash) != 0 ||
                  known->status != (int)automation.status;
    if (changed) {
        struct crmgov_event event = {.struct_size = sizeof event,
                                     .topic = CRMGOV_TOPIC_AUTOMATION, .system = sync->system,
                                     .at = observed->at, .source = observed->source};
        event.u.automation = &automation;
        /* an automation the core refuses is published anyway: the core records
         * the dead letter with its reason */
        if (sync->host->publish(sync->host, &event) != CRMGOV_OK || hash[0] == '\0') {
            hash[0] = '\0';
            *failed = 1;
        }
        known->at = observed->at;
        note_time(sync, observed->at);
    }
    free(attributes);
    memcpy(known->hash, hash, sizeof hash);
    known->status = (int)automation.status;
    if (known->deleted && known->is_flow)
        sync->order_dirty = 1;
    known->deleted = 0;
    known->seen = 1;
    if (replace_text(&known->origin, observed->origin) != 0 ||
        replace_text(&known->version, observed->version) != 0)
        *failed = 1;
    return known;
}

static int seen_elsewhere(struct sf_sync *sync, const char *id, const char *origin)
{
    const struct known *known = sf_map_get(sync->known, id);
    return known != NULL && known->seen && !same_text(known->origin, origin);
}

int sf_sync_flow(struct sf_sync *sync, const struct sf_flow *flow,
                 const struct sf_observed *observed)
{
    if (seen_elsewhere(sync, flow->api_name, observed->origin))
        return SF_SYNC_DUPLICATE;
    struct sf_mapping *mapping = sf_flow_map(flow);
    if (mapping == NULL)
        return -1;
    int failed = 0;
    struct known *known = observe_automation(sync, &mapping->automation, observed, &failed);
    sf_mapping_free(mapping);
    if (known == NULL)
        return -1;
    if (set_summary(known, flow))
        sync->order_dirty = 1;
    struct sf_findings *findings = sync->checks ? sf_flow_check(flow, &sync->check) : NULL;
    if (sync->checks && findings == NULL)
        failed = 1;
    diff_findings(sync, known, findings != NULL ? findings->items : NULL,
                  findings != NULL ? findings->n : 0, 0, observed->at, observed->at,
                  observed->source);
    sf_findings_free(findings);
    save_known(sync, known);
    return failed ? -1 : 0;
}

int sf_sync_automation(struct sf_sync *sync, const struct crmgov_automation *automation,
                       const struct sf_observed *observed)
{
    if (seen_elsewhere(sync, automation->id, observed->origin))
        return SF_SYNC_DUPLICATE;
    int failed = 0;
    struct known *known = observe_automation(sync, automation, observed, &failed);
    if (known == NULL)
        return -1;
    if (set_summary(known, NULL))
        sync->order_dirty = 1;
    diff_findings(sync, known, NULL, 0, 0, observed->at, observed->at, observed->source);
    diff_findings(sync, known, NULL, 0, 1, observed->at, observed->at, observed->source);
    save_known(sync, known);
    return failed ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* End of a pass: deletions, then SF017.                                     */

struct gone_list {
    struct known **items;
    size_t n;
    size_t cap;
    int failed;
};

static void push_known(struct gone_list *list, struct known *known)
{
    if (list->n == list->cap) {
        size_t cap = list->cap != 0 ? list->cap * 2 : 16;
        struct known **grown = realloc(list->items, cap * sizeof *grown);
        if (grown == NULL) {
            list->failed = 1;
            return;
        }
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->n++] = known;
}

static void collect_unseen(void *ctx, const char *key, void *value)
{
    struct known *known = value;
    (void)key;
    if (!known->seen && !known->deleted)
        push_known(ctx, known);
}

static void collect_flows(void *ctx, const char *key, void *value)
{
    struct known *known = value;
    (void)key;
    if (known->is_flow && !known->deleted)
        push_known(ctx, known);
}

static int compare_ids(const void *left, const void *right)
{
    const struct known *a = *(struct known *const *)left;
    const struct known *b = *(struct known *const *)right;
    return strcmp(a->id, b->id);
}

struct deleted_copy {
    const struct crmgov_host *host;
    const char *system;
    crmgov_time at;
    const char *source;
    int published;
};

static int publish_deleted(void *ctx, const struct crmgov_inventory_item *item)
{
    struct deleted_copy *copy = ctx;
    struct crmgov_automation automation = *item->automation;
    automation.struct_size = sizeof automation;
    automation.status = CRMGOV_STATUS_DELETED;
    automation.modified_by = NULL;
    automation.definition_hash = NULL;
    automation.definition_json = NULL;
    struct crmgov_event event = {.struct_size = sizeof event, .topic = CRMGOV_TOPIC_AUTOMATION,
                                 .system = copy->system, .at = copy->at,
                                 .source = copy->source};
    event.u.automation = &automation;
    copy->published = copy->host->publish(copy->host, &event) == CRMGOV_OK;
    return 1;
}

static void report_gone(struct sf_sync *sync, struct known *known, crmgov_time at)
{
    if (known->at != CRMGOV_TIME_NONE && known->at > at)
        at = known->at;
    struct deleted_copy copy = {sync->host, sync->system, at, known->origin, 0};
    if (known->hash[0] != '\0')
        sync->host->inventory_get(sync->host, sync->system, known->id, publish_deleted, &copy);
    while (known->n_findings > 0)
        clear_open(sync, known, known->n_findings - 1, at, known->origin);
    if (known->is_flow)
        sync->order_dirty = 1;
    known->deleted = 1;
    known->status = CRMGOV_STATUS_DELETED;
    known->at = at;
    note_time(sync, at);
    save_known(sync, known);
}

/* A flow as far as SF017 looks at it. */
static void summary_flow(struct sf_flow *stub, const struct known *known)
{
    memset(stub, 0, sizeof *stub);
    stub->api_name = known->id;
    stub->status = known->summary.status;
    stub->trigger_order = known->summary.trigger_order;
    stub->start.object = known->summary.object;
    stub->start.kind = SF_EL_START;
    stub->start_info.present = 1;
    stub->start_info.trigger_type = known->summary.trigger_type;
    stub->start_info.record_trigger_type = known->summary.record_trigger_type;
}

static const char *or_empty(const char *text)
{
    return text != NULL ? text : "";
}

/* Flows on one object with one trigger type form a group (case-insensitive,
 * as SF017 compares them). */
static int group_order(const struct known *a, const struct known *b)
{
    int order = strcasecmp(or_empty(a->summary.object), or_empty(b->summary.object));
    return order != 0 ? order
                      : strcasecmp(or_empty(a->summary.trigger_type),
                                   or_empty(b->summary.trigger_type));
}

static int compare_group(const void *left, const void *right)
{
    const struct known *a = *(struct known *const *)left;
    const struct known *b = *(struct known *const *)right;
    int order = group_order(a, b);
    return order != 0 ? order : strcmp(a->id, b->id);
}

static const struct crmgov_finding *finding_for(const struct sf_findings *findings,
                                                const char *id)
{
    for (size_t i = 0; findings != NULL && i < findings->n; i++)
        if (strcmp(findings->items[i].automation, id) == 0)
            return &findings->items[i];
    return NULL;
}

/* SF017 for one group of flows on the same object and trigger type. */
static void check_group(struct sf_sync *sync, struct known **group, size_t n,
                        struct sf_flow *stubs, crmgov_time clear_at)
{
    const struct sf_flow **pointers = calloc(n, sizeof *pointers);
    if (pointers == NULL)
        return;
    crmgov_time latest = CRMGOV_TIME_NONE;
    for (size_t i = 0; i < n; i++) {
        summary_flow(&stubs[i], group[i]);
        pointers[i] = &stubs[i];
        if (group[i]->at != CRMGOV_TIME_NONE && (latest == CRMGOV_TIME_NONE || group[i]->at > latest))
            latest = group[i]->at;
    }
    struct sf_findings *findings =
        n > 1 && sync->checks ? sf_flows_check_trigger_order(pointers, n) : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_finding *found = finding_for(findings, group[i]->id);
        diff_findings(sync, group[i], found, found != NULL ? 1 : 0, 1,
                      latest != CRMGOV_TIME_NONE ? latest : clear_at, clear_at, group[i]->origin);
    }
    sf_findings_free(findings);
    free(pointers);
}

static void check_trigger_order(struct sf_sync *sync, crmgov_time clear_at)
{
    struct gone_list flows = {0};
    sf_map_each(sync->known, collect_flows, &flows);
    struct sf_flow *stubs = flows.n != 0 ? calloc(flows.n, sizeof *stubs) : NULL;
    if (flows.failed || (flows.n != 0 && stubs == NULL)) {
        free(flows.items);
        free(stubs);
        return;
    }
    if (flows.n != 0)
        qsort(flows.items, flows.n, sizeof *flows.items, compare_group);
    for (size_t start = 0, end; start < flows.n; start = end) {
        for (end = start + 1; end < flows.n && group_order(flows.items[start], flows.items[end]) == 0;
             end++)
            ;
        check_group(sync, flows.items + start, end - start, stubs + start, clear_at);
    }
    free(stubs);
    free(flows.items);
}

void sf_sync_end(struct sf_sync *sync, int complete, crmgov_time gone_at)
{
    if (complete) {
        struct gone_list gone = {0};
        sf_map_each(sync->known, collect_unseen, &gone);
        if (gone.n != 0) {
            qsort(gone.items, gone.n, sizeof *gone.items, compare_ids);
            sync->host->flush(sync->host); /* the inventory must hold what we published */
        }
        for (size_t i = 0; i < gone.n && !sync->host->stopping(sync->host); i++)
            report_gone(sync, gone.items[i], gone_at);
        free(gone.items);
    }
    if (sync->host->stopping(sync->host))
        return;
    /* SF017 depends on the summaries only: nothing to do when none moved */
    if (sync->order_dirty)
        check_trigger_order(sync, sync->pass_at != CRMGOV_TIME_NONE ? sync->pass_at : gone_at);
    sync->order_dirty = 0;
    if (complete && (!sync->options_saved || sync->reread)) {
        sync->host->checkpoint(sync->host, "options", sync->fingerprint,
                               strlen(sync->fingerprint));
        sync->options_saved = 1;
        sync->reread = 0;
    }
}
