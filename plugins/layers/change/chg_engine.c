/*
 * chg_engine.c -- incremental conflict, duplicate and cycle analysis (see
 * chg_engine.h for the shape and why it is incremental).
 *
 * Index keys (struct chg_key):
 *   NODE  (sys, id)            -> struct chg_node *
 *   WRITE (sys, obj, field)    -> nodes that write obj.field
 *   WOBJ  (sys, obj)           -> nodes that write anything on obj
 *   LISTEN(sys, obj, field)    -> nodes whose update trigger names the field
 *   LISTEN(sys, obj, 0)        -> nodes whose update trigger has no filter
 *   REACH (sys, type, user)    -> nodes with an action of that type for user
 *   CYCLE (sys, key)           -> struct chg_cycle *
 *   SYS   (sys)                -> active count, stored in the pointer
 * Every list holds a node at most once.
 */
#include "chg_engine.h"

#include <stdlib.h>
#include <string.h>

enum { TAG_NODE = 1, TAG_WRITE, TAG_WOBJ, TAG_LISTEN, TAG_REACH, TAG_CYCLE, TAG_SYS };

static struct chg_key key(uint32_t tag, uint32_t a, uint32_t b, uint32_t c)
{
    struct chg_key k = { tag, a, b, c };
    return k;
}

void chg_engine_init(struct chg_engine *e, struct chg_strtab *st)
{
    memset(e, 0, sizeof(*e));
    e->st = st;
    e->max_cycles = 10000;
    e->max_steps = 2000000;
}

void chg_engine_set_sink(struct chg_engine *e, chg_delta_fn sink, void *ctx)
{
    e->sink = sink;
    e->sink_ctx = ctx;
}

static void tell(struct chg_engine *e, int appear, enum chg_delta_kind kind,
                 const struct chg_node *n, const struct chg_pair *p, const struct chg_cycle *c)
{
    if (!e->sink)
        return;
    struct chg_delta d = { appear, kind, n, p, c };
    e->sink(e->sink_ctx, &d);
}

/* ---- index lists ------------------------------------------------------------ */

static void list_add(struct chg_engine *e, struct chg_key k, struct chg_node *n)
{
    struct chg_ptrs *l = chg_map_get(&e->index, k);
    if (!l) {
        l = chg_xcalloc(1, sizeof(*l));
        chg_map_put(&e->index, k, l);
    }
    if (!chg_ptrs_contains(l, n))
        chg_ptrs_push(l, n);
}

static void list_remove(struct chg_engine *e, struct chg_key k, struct chg_node *n)
{
    struct chg_ptrs *l = chg_map_get(&e->index, k);
    if (!l)
        return;
    chg_ptrs_remove(l, n);
    if (!l->n) {
        chg_map_del(&e->index, k);
        chg_ptrs_free(l);
        free(l);
    }
}

static const struct chg_ptrs *list_get(const struct chg_engine *e, struct chg_key k)
{
    return chg_map_get(&e->index, k);
}

/* Adds (add = 1) or removes the node from every list its definition puts it in. */
static void index_node(struct chg_engine *e, struct chg_node *n, int add)
{
    void (*op)(struct chg_engine *, struct chg_key, struct chg_node *) =
        add ? list_add : list_remove;
    const struct chg_def *d = n->def;
    for (uint32_t i = 0; i < d->n_writes; i++) {
        op(e, key(TAG_WRITE, n->sys, d->writes[i].obj, d->writes[i].field), n);
        op(e, key(TAG_WOBJ, n->sys, d->writes[i].obj, 0), n);
    }
    if (chg_listens_update(d) && !d->no_auto_trigger) {
        for (uint32_t i = 0; i < d->n_fields; i++)
            op(e, key(TAG_LISTEN, n->sys, d->obj, d->fields[i]), n);
        if (!d->n_fields)
            op(e, key(TAG_LISTEN, n->sys, d->obj, 0), n);
    }
    for (uint32_t i = 0; i < d->n_targets; i++)
        op(e, key(TAG_REACH, n->sys, d->targets[i].type, d->targets[i].to), n);
}

static void count_active(struct chg_engine *e, uint32_t sys, int delta)
{
    uintptr_t n = (uintptr_t)chg_map_get(&e->index, key(TAG_SYS, sys, 0, 0));
    n = (uintptr_t)((intptr_t)n + delta);
    if (n)
        chg_map_put(&e->index, key(TAG_SYS, sys, 0, 0), (void *)n);
    else
        chg_map_del(&e->index, key(TAG_SYS, sys, 0, 0));
}

uint32_t chg_engine_active(const struct chg_engine *e, uint32_t sys)
{
    return (uint32_t)(uintptr_t)chg_map_get(&e->index, key(TAG_SYS, sys, 0, 0));
}

struct chg_node *chg_engine_node(const struct chg_engine *e, uint32_t sys, uint32_t id)
{
    return chg_map_get(&e->index, key(TAG_NODE, sys, id, 0));
}

/* ---- edges ------------------------------------------------------------------- */

static void edge_push(struct chg_edge **v, uint32_t *n, uint32_t *cap, struct chg_node *to,
                      uint32_t field)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *v = chg_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[*n].node = to;
    (*v)[*n].field = field;
    (*n)++;
}

static void edge_drop(struct chg_edge *v, uint32_t *n, const struct chg_node *node)
{
    for (uint32_t i = 0; i < *n; i++) {
        if (v[i].node == node) {
            v[i] = v[--*n];
            return;
        }
    }
}

static void link(struct chg_node *from, struct chg_node *to, uint32_t field)
{
    edge_push(&from->out, &from->n_out, &from->cap_out, to, field);
    edge_push(&to->in, &to->n_in, &to->cap_in, from, field);
}

/* Tries every candidate of one list as a target (out = 1) or a source. */
static void link_candidates(struct chg_node *n, const struct chg_ptrs *l, int out, uint32_t mark)
{
    for (uint32_t i = 0; l && i < l->n; i++) {
        struct chg_node *c = l->v[i];
        if (c->stamp == mark || (!out && c == n))
            continue;
        c->stamp = mark;
        uint32_t field;
        if (out && chg_can_trigger(n->def, c->def, &field))
            link(n, c, field);
        else if (!out && chg_can_trigger(c->def, n->def, &field))
            link(c, n, field);
    }
}

static void link_node(struct chg_engine *e, struct chg_node *n)
{
    const struct chg_def *d = n->def;
    uint32_t mark = ++e->stamp;
    for (uint32_t i = 0; i < d->n_writes; i++) {
        const struct chg_write *w = &d->writes[i];
        link_candidates(n, list_get(e, key(TAG_LISTEN, n->sys, w->obj, w->field)), 1, mark);
        link_candidates(n, list_get(e, key(TAG_LISTEN, n->sys, w->obj, 0)), 1, mark);
    }
    if (!chg_listens_update(d) || d->no_auto_trigger)
        return;
    mark = ++e->stamp;
    if (!d->n_fields)
        link_candidates(n, list_get(e, key(TAG_WOBJ, n->sys, d->obj, 0)), 0, mark);
    for (uint32_t i = 0; i < d->n_fields; i++)
        link_candidates(n, list_get(e, key(TAG_WRITE, n->sys, d->obj, d->fields[i])), 0,
                        mark);
}

static void unlink_node(struct chg_node *n)
{
    for (uint32_t i = 0; i < n->n_out; i++)
        if (n->out[i].node != n)
            edge_drop(n->out[i].node->in, &n->out[i].node->n_in, n);
    for (uint32_t i = 0; i < n->n_in; i++)
        if (n->in[i].node != n)
            edge_drop(n->in[i].node->out, &n->in[i].node->n_out, n);
    n->n_out = n->n_in = 0;
}

/* ---- pairs ------------------------------------------------------------------- */

static void pair_push(struct chg_node *n, const struct chg_pair *p)
{
    if (n->n_pairs == n->cap_pairs) {
        n->cap_pairs = n->cap_pairs ? n->cap_pairs * 2 : 4;
        n->pairs = chg_xrealloc(n->pairs, n->cap_pairs * sizeof(*n->pairs));
    }
    n->pairs[n->n_pairs++] = *p;
}

static int same_pair(const struct chg_pair *x, const struct chg_pair *y)
{
    return x->other == y->other && x->rule == y->rule && x->type == y->type &&
           x->obj == y->obj && x->what == y->what;
}

static int has_pair(const struct chg_node *n, const struct chg_pair *p)
{
    for (uint32_t i = 0; i < n->n_pairs; i++)
        if (same_pair(&n->pairs[i], p))
            return 1;
    return 0;
}

static void add_pair(struct chg_engine *e, struct chg_node *n, struct chg_pair p)
{
    if (has_pair(n, &p))
        return;
    struct chg_pair mirror = p;
    mirror.other = n;
    mirror.mine = p.theirs;
    mirror.theirs = p.mine;
    struct chg_node *other = p.other;
    pair_push(n, &p);
    pair_push(other, &mirror);
    e->n_pairs++;
    tell(e, 1, CHG_DELTA_PAIR, n, &n->pairs[n->n_pairs - 1], NULL);
}

/* Co-fire answers for the candidates of one node, so a pair sharing several
 * fields is judged once. */
struct cofire_memo {
    const struct chg_node *node[16];
    uint8_t answer[16];
    int n;
};

static int cofire(struct cofire_memo *m, const struct chg_node *a, const struct chg_node *b)
{
    for (int i = 0; i < m->n; i++)
        if (m->node[i] == b)
            return m->answer[i];
    int answer = chg_can_cofire(a->def, b->def);
    if (m->n < 16) {
        m->node[m->n] = b;
        m->answer[m->n++] = (uint8_t)answer;
    }
    return answer;
}

static void pairs_on_write(struct chg_engine *e, struct chg_node *n, const struct chg_write *w,
                           struct cofire_memo *memo)
{
    const struct chg_ptrs *l = list_get(e, key(TAG_WRITE, n->sys, w->obj, w->field));
    for (uint32_t i = 0; l && i < l->n; i++) {
        struct chg_node *o = l->v[i];
        if (o == n || !cofire(memo, n, o))
            continue;
        uint32_t k;
        const struct chg_write *theirs = chg_writes_on(o->def, w->obj, &k);
        for (uint32_t j = 0; j < k; j++) {
            const struct chg_write *t = &theirs[j];
            if (t->field != w->field)
                continue;
            int same = chg_value_equal(&w->value, &t->value);
            if (same && w->from_assign && t->from_assign)
                continue; /* the same assignment: a recipient duplicate */
            struct chg_pair p = { o, same ? CHG_PAIR_DUPLICATE : CHG_PAIR_CONFLICT,
                                  CRMGOV_ACTION_SET_FIELD, w->obj, w->field, w->action,
                                  t->action };
            add_pair(e, n, p);
        }
    }
}

static void pairs_on_target(struct chg_engine *e, struct chg_node *n, const struct chg_target *t,
                            struct cofire_memo *memo)
{
    const struct chg_ptrs *l = list_get(e, key(TAG_REACH, n->sys, t->type, t->to));
    for (uint32_t i = 0; l && i < l->n; i++) {
        struct chg_node *o = l->v[i];
        if (o == n || !cofire(memo, n, o))
            continue;
        uint16_t theirs = 0;
        for (uint32_t j = 0; j < o->def->n_targets; j++)
            if (o->def->targets[j].type == t->type && o->def->targets[j].to == t->to)
                theirs = o->def->targets[j].action;
        struct chg_pair p = { o, CHG_PAIR_DUPLICATE, t->type, 0, t->to, t->action, theirs };
        add_pair(e, n, p);
    }
}

static void pair_node(struct chg_engine *e, struct chg_node *n)
{
    struct cofire_memo memo;
    memo.n = 0;
    for (uint32_t i = 0; i < n->def->n_writes; i++)
        pairs_on_write(e, n, &n->def->writes[i], &memo);
    for (uint32_t i = 0; i < n->def->n_targets; i++)
        pairs_on_target(e, n, &n->def->targets[i], &memo);
}

static void unpair_node(struct chg_engine *e, struct chg_node *n)
{
    for (uint32_t i = 0; i < n->n_pairs; i++) {
        struct chg_pair *p = &n->pairs[i];
        struct chg_node *o = p->other;
        for (uint32_t j = 0; j < o->n_pairs; j++) {
            struct chg_pair *m = &o->pairs[j];
            if (m->other == n && m->rule == p->rule && m->type == p->type && m->obj == p->obj &&
                m->what == p->what) {
                o->pairs[j] = o->pairs[--o->n_pairs];
                break;
            }
        }
        e->n_pairs--;
        tell(e, 0, CHG_DELTA_PAIR, n, p, NULL);
    }
    n->n_pairs = 0;
}

/* ---- cycles ------------------------------------------------------------------ */

static int cmp_node_id(const void *x, const void *y, void *st)
{
    const struct chg_node *a = *(struct chg_node *const *)x;
    const struct chg_node *b = *(struct chg_node *const *)y;
    return strcmp(chg_str(st, a->id), chg_str(st, b->id));
}

static uint32_t cycle_key(struct chg_engine *e, struct chg_node **path, uint32_t n)
{
    struct chg_node **sorted = chg_xmalloc(n * sizeof(*sorted));
    memcpy(sorted, path, n * sizeof(*sorted));
    qsort_r(sorted, n, sizeof(*sorted), cmp_node_id, e->st);
    struct chg_buf b = { 0 };
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            chg_buf_add(&b, ",");
        chg_buf_add(&b, chg_str(e->st, sorted[i]->id));
    }
    uint32_t k = chg_intern(e->st, chg_buf_str(&b));
    chg_buf_free(&b);
    free(sorted);
    return k;
}

static const struct chg_edge *edge_to(const struct chg_node *from, const struct chg_node *to)
{
    for (uint32_t i = 0; i < from->n_out; i++)
        if (from->out[i].node == to)
            return &from->out[i];
    return NULL;
}

/* Records the cycle along path[0..n) unless one with these members exists.
 * Returns 1 when a new record was made. */
static int record_cycle(struct chg_engine *e, struct chg_node **path, uint32_t n)
{
    uint32_t sys = path[0]->sys;
    uint32_t k = cycle_key(e, path, n);
    if (chg_map_get(&e->index, key(TAG_CYCLE, sys, k, 0)))
        return 0;
    uint32_t start = 0;
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(chg_str(e->st, path[i]->id), chg_str(e->st, path[start]->id)) < 0)
            start = i;
    struct chg_cycle *c = chg_xcalloc(1, sizeof(*c));
    c->sys = sys;
    c->key = k;
    c->n = n;
    c->path = chg_xmalloc(n * sizeof(*c->path));
    c->via = chg_xmalloc(n * sizeof(*c->via));
    for (uint32_t i = 0; i < n; i++)
        c->path[i] = path[(start + i) % n];
    for (uint32_t i = 0; i < n; i++)
        c->via[i] = *edge_to(c->path[i], c->path[(i + 1) % n]);
    for (uint32_t i = 0; i < n; i++)
        chg_ptrs_push(&c->path[i]->cycles, c);
    chg_map_put(&e->index, key(TAG_CYCLE, sys, k, 0), c);
    e->n_cycles++;
    tell(e, 1, CHG_DELTA_CYCLE, NULL, NULL, c);
    return 1;
}

/* Marks (with `mark`) every node that can reach n, collecting them in queue. */
static void mark_reaching(struct chg_node *n, uint32_t mark, struct chg_ptrs *queue)
{
    queue->n = 0;
    n->stamp = mark;
    chg_ptrs_push(queue, n);
    for (uint32_t q = 0; q < queue->n; q++) {
        struct chg_node *x = queue->v[q];
        for (uint32_t i = 0; i < x->n_in; i++) {
            struct chg_node *src = x->in[i].node;
            if (src->stamp != mark) {
                src->stamp = mark;
                chg_ptrs_push(queue, src);
            }
        }
    }
}

struct dfs_frame {
    struct chg_node *node;
    uint32_t next;
};

static void find_cycles_through(struct chg_engine *e, struct chg_node *n)
{
    if (!n->n_in || !n->n_out)
        return;
    uint32_t mark = ++e->stamp;
    struct chg_ptrs reach = { 0 };
    mark_reaching(n, mark, &reach);
    struct dfs_frame *stack = chg_xmalloc((reach.n + 1) * sizeof(*stack));
    struct chg_node **path = chg_xmalloc((reach.n + 1) * sizeof(*path));
    uint32_t depth = 1, made = 0;
    uint64_t steps = 0;
    stack[0].node = n;
    stack[0].next = 0;
    path[0] = n;
    n->on_path = 1;
    while (depth) {
        struct dfs_frame *f = &stack[depth - 1];
        if (f->next == f->node->n_out) {
            f->node->on_path = 0;
            depth--;
            continue;
        }
        struct chg_node *w = f->node->out[f->next++].node;
        if (++steps > e->max_steps || made >= e->max_cycles) {
            e->truncated = 1;
            break;
        }
        if (w == n) {
            made += (uint32_t)record_cycle(e, path, depth);
            continue;
        }
        if (w->stamp != mark || w->on_path)
            continue;
        w->on_path = 1;
        stack[depth].node = w;
        stack[depth].next = 0;
        path[depth++] = w;
    }
    for (uint32_t i = 0; i < depth; i++)
        stack[i].node->on_path = 0;
    free(stack);
    free(path);
    chg_ptrs_free(&reach);
}

static void drop_cycles(struct chg_engine *e, struct chg_node *n)
{
    for (uint32_t i = 0; i < n->cycles.n; i++) {
        struct chg_cycle *c = n->cycles.v[i];
        for (uint32_t k = 0; k < c->n; k++)
            if (c->path[k] != n)
                chg_ptrs_remove(&c->path[k]->cycles, c);
        chg_map_del(&e->index, key(TAG_CYCLE, c->sys, c->key, 0));
        e->n_cycles--;
        tell(e, 0, CHG_DELTA_CYCLE, NULL, NULL, c);
        free(c->path);
        free(c->via);
        free(c);
    }
    n->cycles.n = 0;
}

/* ---- put ----------------------------------------------------------------------- */

static struct chg_def *remove_node(struct chg_engine *e, struct chg_node *n)
{
    drop_cycles(e, n);
    unpair_node(e, n);
    unlink_node(n);
    index_node(e, n, 0);
    chg_map_del(&e->index, key(TAG_NODE, n->sys, n->id, 0));
    count_active(e, n->sys, -1);
    e->n_nodes--;
    struct chg_def *def = n->def;
    free(n->out);
    free(n->in);
    free(n->pairs);
    chg_ptrs_free(&n->cycles);
    free(n);
    return def;
}

static void add_node(struct chg_engine *e, uint32_t sys, uint32_t id, struct chg_def *def)
{
    struct chg_node *n = chg_xcalloc(1, sizeof(*n));
    n->sys = sys;
    n->id = id;
    n->def = def;
    chg_map_put(&e->index, key(TAG_NODE, sys, id, 0), n);
    count_active(e, sys, 1);
    e->n_nodes++;
    index_node(e, n, 1);
    link_node(e, n);
    pair_node(e, n);
    find_cycles_through(e, n);
}

struct chg_def *chg_engine_put(struct chg_engine *e, uint32_t sys, uint32_t id,
                               struct chg_def *def)
{
    struct chg_node *old = chg_engine_node(e, sys, id);
    struct chg_def *previous = old ? remove_node(e, old) : NULL;
    if (def)
        add_node(e, sys, id, def);
    return previous;
}

uint32_t chg_engine_downstream(struct chg_engine *e, const struct chg_node *n)
{
    uint32_t mark = ++e->stamp;
    struct chg_ptrs queue = { 0 };
    chg_ptrs_push(&queue, (void *)n);
    uint32_t count = 0;
    for (uint32_t q = 0; q < queue.n; q++) {
        const struct chg_node *x = queue.v[q];
        for (uint32_t i = 0; i < x->n_out; i++) {
            struct chg_node *t = x->out[i].node;
            if (t->stamp == mark || t == n)
                continue;
            t->stamp = mark;
            count++;
            chg_ptrs_push(&queue, t);
        }
    }
    chg_ptrs_free(&queue);
    return count;
}

int chg_engine_each(const struct chg_engine *e, int (*fn)(void *ctx, struct chg_node *n),
                    void *ctx)
{
    for (uint32_t i = 0; i < e->index.cap; i++) {
        if (e->index.keys[i].tag != TAG_NODE)
            continue;
        int rc = fn(ctx, e->index.vals[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static void free_value(uint32_t tag, void *v)
{
    if (tag == TAG_NODE) {
        struct chg_node *n = v;
        free(n->out);
        free(n->in);
        free(n->pairs);
        chg_ptrs_free(&n->cycles);
        chg_def_free(n->def);
        free(n);
    } else if (tag == TAG_CYCLE) {
        struct chg_cycle *c = v;
        free(c->path);
        free(c->via);
        free(c);
    } else if (tag != TAG_SYS) {
        chg_ptrs_free(v);
        free(v);
    }
}

void chg_engine_free(struct chg_engine *e)
{
    for (uint32_t i = 0; i < e->index.cap; i++)
        if (e->index.keys[i].tag)
            free_value(e->index.keys[i].tag, e->index.vals[i]);
    chg_map_free(&e->index);
    memset(e, 0, sizeof(*e));
}
