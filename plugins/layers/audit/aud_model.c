/*
 * aud_model.c -- automation definitions compiled for matching record changes,
 * and condition evaluation in three values (true, false, unknown).
 *
 * "Unknown" is what keeps the layer honest with a bounded memory: a record
 * first seen by an update, or forgotten after `horizon` of silence, has
 * fields whose values the layer never saw. A condition on such a field is
 * unknown, and an unknown match is neither a missed action (AUD002) nor
 * grounds to call an execution unintended (AUD003).
 *
 * Value semantics (documented in docs/rules/audit.md): strings compare as
 * text; numbers, and strings that read as a number, compare numerically;
 * an absent field and null are "unset".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static int parse_number(const char *text, double *out)
{
    if (!text || !*text)
        return 0;
    char *end;
    double v = strtod(text, &end);
    if (*end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

void aud_value_from(struct aud_value *out, const struct crmgov_value *v)
{
    memset(out, 0, sizeof(*out));
    switch (v->type) {
    case CRMGOV_VALUE_NONE:
        out->type = AUD_V_ABSENT;
        break;
    case CRMGOV_VALUE_NULL:
        out->type = AUD_V_NULL;
        break;
    case CRMGOV_VALUE_BOOL:
        out->type = AUD_V_BOOL;
        out->hash = v->boolean ? 1 : 0;
        break;
    case CRMGOV_VALUE_NUMBER:
        out->type = AUD_V_NUMBER;
        out->numeric = 1;
        out->num = v->number;
        break;
    case CRMGOV_VALUE_STRING:
    case CRMGOV_VALUE_OBJECT: {
        const char *s = v->string ? v->string : "";
        out->type = AUD_V_STRING;
        out->hash = aud_hash(s, strlen(s), 1);
        out->numeric = (uint8_t)(v->type == CRMGOV_VALUE_STRING && parse_number(s, &out->num));
        break;
    }
    case CRMGOV_VALUE_ARRAY: {
        /* a multi-value field: equal only to the same list */
        uint64_t h = 0x5bd1e995u;
        for (size_t i = 0; i < v->n_items; i++) {
            struct aud_value item;
            aud_value_from(&item, &v->items[i]);
            h = aud_hash(&item.hash, sizeof(item.hash), h ^ item.type);
        }
        out->type = AUD_V_STRING;
        out->hash = h;
        break;
    }
    }
}

static int is_unset(const struct aud_value *v)
{
    return v->type == AUD_V_ABSENT || v->type == AUD_V_NULL;
}

static int values_equal(const struct aud_value *field, const struct aud_value *operand)
{
    if (operand->type == AUD_V_NULL || operand->type == AUD_V_ABSENT)
        return is_unset(field);
    if (is_unset(field))
        return 0;
    if (field->type == AUD_V_STRING && operand->type == AUD_V_STRING)
        return field->hash == operand->hash;
    if (field->numeric && operand->numeric)
        return field->num == operand->num;
    if (field->type == AUD_V_BOOL && operand->type == AUD_V_BOOL)
        return field->hash == operand->hash;
    return 0;
}

static int in_list(const struct aud_cond *c, const struct aud_value *field)
{
    if (!c->items)
        return values_equal(field, &c->value);
    for (size_t i = 0; i < c->n_items; i++)
        if (values_equal(field, &c->items[i]))
            return 1;
    return 0;
}

int aud_cond_eval(const struct aud_cond *c, const struct aud_value *current, int changed)
{
    if (c->op == CRMGOV_OP_CHANGED)
        return changed ? 1 : 0;
    if (!current || current->type == AUD_V_UNKNOWN)
        return -1;
    switch (c->op) {
    case CRMGOV_OP_EQ:
        return values_equal(current, &c->value);
    case CRMGOV_OP_NE:
        return !values_equal(current, &c->value);
    case CRMGOV_OP_IN:
        return in_list(c, current);
    case CRMGOV_OP_NOT_IN:
        return !in_list(c, current);
    case CRMGOV_OP_GT:
        return current->numeric && c->value.numeric && current->num > c->value.num;
    case CRMGOV_OP_LT:
        return current->numeric && c->value.numeric && current->num < c->value.num;
    case CRMGOV_OP_SET:
        return !is_unset(current);
    case CRMGOV_OP_UNSET:
        return is_unset(current);
    default:
        return -1; /* an operator of a later ABI: cannot tell */
    }
}

void aud_def_free(struct aud_def *d)
{
    for (size_t i = 0; i < d->n_conds; i++)
        free(d->conds[i].items);
    free(d->conds);
    free(d->fields);
    memset(d, 0, sizeof(*d));
}

static uint32_t intern(struct aud_layer *L, const char *s)
{
    return aud_names_add(&L->names, s ? s : "", s ? strlen(s) : 0);
}

int aud_def_compile(struct aud_layer *L, struct aud_def *out, const struct crmgov_automation *a)
{
    memset(out, 0, sizeof(*out));
    out->object = intern(L, a->object);
    out->on = (int)a->trigger.on;
    if (a->trigger.n_fields) {
        out->fields = aud_realloc(NULL, a->trigger.n_fields * sizeof(*out->fields));
        for (size_t i = 0; i < a->trigger.n_fields; i++)
            out->fields[out->n_fields++] = intern(L, a->trigger.fields[i]);
    }
    if (a->n_conditions) {
        out->conds = aud_realloc(NULL, a->n_conditions * sizeof(*out->conds));
        memset(out->conds, 0, a->n_conditions * sizeof(*out->conds));
        for (size_t i = 0; i < a->n_conditions; i++) {
            const struct crmgov_condition *src = &a->conditions[i];
            struct aud_cond *c = &out->conds[out->n_conds++];
            c->field = intern(L, src->field);
            c->op = (int)src->op;
            if (src->value.type == CRMGOV_VALUE_ARRAY) {
                c->n_items = src->value.n_items;
                c->items = aud_realloc(NULL, (c->n_items ? c->n_items : 1) * sizeof(*c->items));
                for (size_t k = 0; k < c->n_items; k++)
                    aud_value_from(&c->items[k], &src->value.items[k]);
            } else {
                aud_value_from(&c->value, &src->value);
            }
        }
    }
    return CRMGOV_OK;
}

int aud_trigger_fires(const struct aud_def *d, int op, const uint32_t *changed, size_t n)
{
    switch (op) {
    case CRMGOV_RECORD_CREATE:
        return d->on == CRMGOV_ON_CREATE || d->on == CRMGOV_ON_CREATE_OR_UPDATE;
    case CRMGOV_RECORD_DELETE:
        return d->on == CRMGOV_ON_DELETE;
    case CRMGOV_RECORD_UPDATE:
        if (d->on != CRMGOV_ON_UPDATE && d->on != CRMGOV_ON_CREATE_OR_UPDATE)
            return 0;
        if (!d->n_fields)
            return 1;
        for (size_t i = 0; i < d->n_fields; i++)
            for (size_t k = 0; k < n; k++)
                if (d->fields[i] == changed[k])
                    return 1;
        return 0;
    default:
        return 0;
    }
}
