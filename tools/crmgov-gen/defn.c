/*
 * defn.c -- canonical JSON, definition hash and co-fire logic for generated
 * automation definitions (see defn.h for the why).
 *
 * Canonical JSON follows EVENTS.md: keys sorted by byte value at every level
 * (the key orders below are written out already sorted), no whitespace,
 * integers as plain digits, arrays in their given order. SHA-256 comes from
 * libsodium, per house rules.
 */
#include "defn.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const on_names[] = {"create", "update", "delete", "create_or_update",
                                       "schedule", "manual"};
static const char *const op_names[] = {"eq", "ne", "in", "not_in", "gt", "lt",
                                       "set", "unset", "changed"};
static const char *const action_names[] = {"set_field", "notify", "assign", "create_task",
                                           "email", "webhook", "call"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *defn_on_name(enum defn_on on) { return on_names[on]; }
const char *defn_op_name(enum defn_op op) { return op_names[op]; }
const char *defn_action_name(enum defn_action_type t) { return action_names[t]; }

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int defn_on_parse(const char *s, enum defn_on *out)
{
    int i = lookup(on_names, COUNT(on_names), s);
    if (i < 0)
        return -1;
    *out = (enum defn_on)i;
    return 0;
}

int defn_op_parse(const char *s, enum defn_op *out)
{
    int i = lookup(op_names, COUNT(op_names), s);
    if (i < 0)
        return -1;
    *out = (enum defn_op)i;
    return 0;
}

int defn_action_parse(const char *s, enum defn_action_type *out)
{
    int i = lookup(action_names, COUNT(action_names), s);
    if (i < 0)
        return -1;
    *out = (enum defn_action_type)i;
    return 0;
}

static int is_integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

void defn_value_from_text(const char *text, defn_value *out)
{
    memset(out, 0, sizeof *out);
    if (is_integer_text(text) && strlen(text) < 18) {
        out->kind = VAL_INT;
        out->num = strtoll(text, NULL, 10);
    } else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        out->kind = VAL_BOOL;
        out->num = text[0] == 't';
    } else {
        out->kind = VAL_STR;
        snprintf(out->str, sizeof out->str, "%s", text);
    }
}

static int parse_list(const char *text, defn_value *out)
{
    memset(out, 0, sizeof *out);
    out->kind = VAL_LIST;
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (out->nlist == DEFN_LIST_MAX || n == 0 || n >= sizeof out->list[0])
            return -1;
        memcpy(out->list[out->nlist], p, n);
        out->list[out->nlist][n] = '\0';
        out->nlist++;
        p += n;
        if (*p == ',')
            p++;
    }
    return out->nlist ? 0 : -1;
}

int defn_cond_parse(const char *spec, defn_cond *out)
{
    char field[DEFN_NAME_MAX], op[16], value[128];
    memset(out, 0, sizeof *out);
    int n = sscanf(spec, "%47s %15s %127s", field, op, value);
    if (n < 2 || defn_op_parse(op, &out->op) != 0)
        return -1;
    snprintf(out->field, sizeof out->field, "%s", field);
    int needs_value = out->op != OP_SET && out->op != OP_UNSET && out->op != OP_CHANGED;
    if (needs_value != (n == 3))
        return -1;
    if (!needs_value)
        return 0;
    if (out->op == OP_IN || out->op == OP_NOT_IN)
        return parse_list(value, &out->value);
    defn_value_from_text(value, &out->value);
    return 0;
}

int defn_value_equal(const defn_value *a, const defn_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case VAL_NONE:
        return 1;
    case VAL_STR:
        return strcmp(a->str, b->str) == 0;
    case VAL_INT:
    case VAL_BOOL:
        return a->num == b->num;
    case VAL_LIST:
        if (a->nlist != b->nlist)
            return 0;
        for (int i = 0; i < a->nlist; i++)
            if (strcmp(a->list[i], b->list[i]) != 0)
                return 0;
        return 1;
    }
    return 0;
}

void defn_value_put_json(gen_buf *b, const defn_value *v)
{
    switch (v->kind) {
    case VAL_NONE:
        GEN_PUT_LIT(b, "null");
        break;
    case VAL_STR:
        gen_buf_put_json_string(b, v->str);
        break;
    case VAL_INT:
        gen_buf_put_int(b, v->num);
        break;
    case VAL_BOOL:
        if (v->num)
            GEN_PUT_LIT(b, "true");
        else
            GEN_PUT_LIT(b, "false");
        break;
    case VAL_LIST:
        gen_buf_putc(b, '[');
        for (int i = 0; i < v->nlist; i++) {
            if (i)
                gen_buf_putc(b, ',');
            gen_buf_put_json_string(b, v->list[i]);
        }
        gen_buf_putc(b, ']');
        break;
    }
}

void defn_put_trigger_json(gen_buf *b, const defn *d)
{
    gen_buf_putc(b, '{');
    if (d->nfields > 0) {
        GEN_PUT_LIT(b, "\"fields\":[");
        for (int i = 0; i < d->nfields; i++) {
            if (i)
                gen_buf_putc(b, ',');
            gen_buf_put_json_string(b, d->fields[i]);
        }
        GEN_PUT_LIT(b, "],");
    }
    GEN_PUT_LIT(b, "\"on\":");
    gen_buf_put_json_string(b, on_names[d->on]);
    gen_buf_putc(b, '}');
}

void defn_put_conditions_json(gen_buf *b, const defn *d)
{
    gen_buf_putc(b, '[');
    for (int i = 0; i < d->nconds; i++) {
        const defn_cond *c = &d->conds[i];
        if (i)
            gen_buf_putc(b, ',');
        GEN_PUT_LIT(b, "{\"field\":");
        gen_buf_put_json_string(b, c->field);
        GEN_PUT_LIT(b, ",\"op\":");
        gen_buf_put_json_string(b, op_names[c->op]);
        if (c->value.kind != VAL_NONE) {
            GEN_PUT_LIT(b, ",\"value\":");
            defn_value_put_json(b, &c->value);
        }
        gen_buf_putc(b, '}');
    }
    gen_buf_putc(b, ']');
}

/* Keys per action type, already in byte order: field < target < to < type
 * < url < value. */
static void put_action(gen_buf *b, const defn_action *a)
{
    gen_buf_putc(b, '{');
    switch (a->type) {
    case ACT_SET_FIELD:
        GEN_PUT_LIT(b, "\"field\":");
        gen_buf_put_json_string(b, a->field);
        GEN_PUT_LIT(b, ",\"type\":\"set_field\",\"value\":");
        defn_value_put_json(b, &a->value);
        break;
    case ACT_CALL:
        GEN_PUT_LIT(b, "\"target\":");
        gen_buf_put_json_string(b, a->arg);
        GEN_PUT_LIT(b, ",\"type\":\"call\"");
        break;
    case ACT_WEBHOOK:
        GEN_PUT_LIT(b, "\"type\":\"webhook\",\"url\":");
        gen_buf_put_json_string(b, a->arg);
        break;
    case ACT_NOTIFY:
    case ACT_ASSIGN:
    case ACT_CREATE_TASK:
    case ACT_EMAIL:
        GEN_PUT_LIT(b, "\"to\":");
        gen_buf_put_json_string(b, a->arg);
        GEN_PUT_LIT(b, ",\"type\":");
        gen_buf_put_json_string(b, action_names[a->type]);
        break;
    }
    gen_buf_putc(b, '}');
}

void defn_put_actions_json(gen_buf *b, const defn *d)
{
    gen_buf_putc(b, '[');
    for (int i = 0; i < d->nactions; i++) {
        if (i)
            gen_buf_putc(b, ',');
        put_action(b, &d->actions[i]);
    }
    gen_buf_putc(b, ']');
}

void defn_put_canonical(gen_buf *b, const defn *d)
{
    GEN_PUT_LIT(b, "{\"actions\":");
    defn_put_actions_json(b, d);
    GEN_PUT_LIT(b, ",\"conditions\":");
    defn_put_conditions_json(b, d);
    GEN_PUT_LIT(b, ",\"kind\":");
    gen_buf_put_json_string(b, d->kind[0] ? d->kind : "workflow");
    GEN_PUT_LIT(b, ",\"object\":");
    gen_buf_put_json_string(b, d->object);
    GEN_PUT_LIT(b, ",\"trigger\":");
    defn_put_trigger_json(b, d);
    gen_buf_putc(b, '}');
}

int defn_hash(const defn *d, char out[DEFN_HASH_HEX])
{
    gen_buf b = {0};
    unsigned char digest[crypto_hash_sha256_BYTES];
    defn_put_canonical(&b, d);
    int rc = crypto_hash_sha256(digest, (const unsigned char *)b.data, b.len);
    gen_buf_free(&b);
    if (rc != 0)
        return -1;
    sodium_bin2hex(out, DEFN_HASH_HEX, digest, sizeof digest);
    return 0;
}

/* ---- co-fire logic ------------------------------------------------------ */

enum { FIRE_C = 1, FIRE_U = 2, FIRE_D = 4, FIRE_S = 8, FIRE_M = 16 };

static int fire_mask(enum defn_on on)
{
    static const int masks[] = {FIRE_C, FIRE_U, FIRE_D, FIRE_C | FIRE_U, FIRE_S, FIRE_M};
    return masks[on];
}

static int has_field(const defn *d, const char *field)
{
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i], field) == 0)
            return 1;
    return 0;
}

static int update_filters_meet(const defn *a, const defn *b)
{
    if (a->nfields == 0 || b->nfields == 0)
        return 1;
    for (int i = 0; i < a->nfields; i++)
        if (has_field(b, a->fields[i]))
            return 1;
    return 0;
}

static int triggers_overlap(const defn *a, const defn *b)
{
    if (strcmp(a->object, b->object) != 0)
        return 0;
    int common = fire_mask(a->on) & fire_mask(b->on);
    if (common & ~FIRE_U)
        return 1;
    return (common & FIRE_U) && update_filters_meet(a, b);
}

static int lists_disjoint(const defn_value *a, const defn_value *b)
{
    for (int i = 0; i < a->nlist; i++)
        for (int j = 0; j < b->nlist; j++)
            if (strcmp(a->list[i], b->list[j]) == 0)
                return 0;
    return 1;
}

static int pair_exclusive(const defn_cond *x, const defn_cond *y)
{
    if (strcmp(x->field, y->field) != 0)
        return 0;
    if (x->op == OP_EQ && y->op == OP_EQ)
        return !defn_value_equal(&x->value, &y->value);
    if (x->op == OP_IN && y->op == OP_IN)
        return lists_disjoint(&x->value, &y->value);
    if ((x->op == OP_SET && y->op == OP_UNSET) || (x->op == OP_UNSET && y->op == OP_SET))
        return 1;
    if (x->value.kind == VAL_INT && y->value.kind == VAL_INT) {
        if (x->op == OP_GT && y->op == OP_LT)
            return y->value.num <= x->value.num;
        if (x->op == OP_LT && y->op == OP_GT)
            return x->value.num <= y->value.num;
    }
    return 0;
}

int defn_conds_exclusive(const defn *a, const defn *b)
{
    for (int i = 0; i < a->nconds; i++)
        for (int j = 0; j < b->nconds; j++)
            if (pair_exclusive(&a->conds[i], &b->conds[j]))
                return 1;
    return 0;
}

int defn_can_cofire(const defn *a, const defn *b)
{
    return triggers_overlap(a, b) && !defn_conds_exclusive(a, b);
}

const char *defn_action_writes(const defn_action *act)
{
    if (act->type == ACT_SET_FIELD)
        return act->field;
    if (act->type == ACT_ASSIGN)
        return "owner_id";
    return NULL;
}

const char *defn_action_recipient(const defn_action *act)
{
    switch (act->type) {
    case ACT_NOTIFY:
    case ACT_ASSIGN:
    case ACT_CREATE_TASK:
    case ACT_EMAIL:
        return act->arg;
    default:
        return NULL;
    }
}

int defn_update_listens(const defn *d, const char *field)
{
    if (d->on != ON_UPDATE && d->on != ON_CREATE_OR_UPDATE)
        return 0;
    return d->nfields == 0 || has_field(d, field);
}

int defn_can_trigger(const defn *a, const defn *b)
{
    if (strcmp(a->object, b->object) != 0)
        return 0;
    for (int i = 0; i < a->nactions; i++) {
        const char *f = defn_action_writes(&a->actions[i]);
        if (f && defn_update_listens(b, f))
            return 1;
    }
    return 0;
}
