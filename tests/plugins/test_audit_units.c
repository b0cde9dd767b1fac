/*
 * test_audit_units.c -- the audit layer's pure parts, linked in directly:
 * the two-proportion z-test, histogram quantiles, day arithmetic, state-row
 * keys and values, condition evaluation in three values, the daily
 * sweep of the record table, day rings, finding automations by the
 * core's automation_key, packed day rows in both encodings and interned
 * names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layers/audit/audit.h"

static void test_two_proportion(void **state)
{
    (void)state;
    double z, p;
    /* 60 of 120 vs 4 of 40: pooled 0.4, se = sqrt(0.24 * (1/120 + 1/40)),
     * difference 0.4 less the continuity correction (1/120 + 1/40) / 2 */
    assert_int_equal(aud_two_proportion(60, 120, 4, 40, &z, &p), 1);
    assert_true(z > -4.285798 && z < -4.285796);
    assert_true(p > 1.8208e-5 && p < 1.8209e-5);
    /* the same difference the other way round: z positive, same p */
    assert_int_equal(aud_two_proportion(4, 40, 60, 120, &z, &p), 1);
    assert_true(z > 4.285796 && z < 4.285798);
    /* a difference smaller than the correction is no difference */
    assert_int_equal(aud_two_proportion(15, 30, 7, 15, &z, &p), 1);
    assert_true(z == 0.0 && p == 1.0);
    /* equal rates: z 0, p 1 */
    assert_int_equal(aud_two_proportion(10, 20, 5, 10, &z, &p), 1);
    assert_true(z == 0.0 && p == 1.0);
    /* no variance (all or nothing converted) and empty samples: no test */
    assert_int_equal(aud_two_proportion(0, 50, 0, 30, &z, &p), 0);
    assert_int_equal(aud_two_proportion(50, 50, 30, 30, &z, &p), 0);
    assert_int_equal(aud_two_proportion(0, 0, 1, 3, &z, &p), 0);
    assert_int_equal(aud_two_proportion(5, 4, 1, 3, &z, &p), 0); /* x > n */
    assert_true(aud_normal_cdf(0) == 0.5);
    assert_true(aud_normal_cdf(-1.959964) > 0.024999 && aud_normal_cdf(-1.959964) < 0.025001);
}

static void test_hist_quantile(void **state)
{
    (void)state;
    uint32_t hist[CRMGOV_DURATION_BUCKETS] = { 0 };
    assert_int_equal(aud_hist_quantile(hist, 0, 0.5, 0), -1);
    /* exact buckets below 16 ms */
    hist[crmgov_duration_bucket(3)] += 2;
    hist[crmgov_duration_bucket(7)] += 1;
    assert_int_equal(aud_hist_quantile(hist, 3, 0.5, 7), 3);
    assert_int_equal(aud_hist_quantile(hist, 3, 0.95, 7), 7);
    /* 1000 ms sits in [960, 1023]: one value estimates the middle, capped by max */
    memset(hist, 0, sizeof(hist));
    hist[crmgov_duration_bucket(1000)] = 1;
    assert_int_equal(crmgov_duration_bucket_low(crmgov_duration_bucket(1000)), 960);
    assert_int_equal(aud_hist_quantile(hist, 1, 0.5, 1000), 992);
    assert_int_equal(aud_hist_quantile(hist, 1, 0.5, 970), 970);
    /* 100 values: 95 fast ones (10 ms) and 5 slow (2000 ms): p95 is fast, p96 slow */
    memset(hist, 0, sizeof(hist));
    hist[10] = 95;
    hist[crmgov_duration_bucket(2000)] = 5;
    assert_int_equal(aud_hist_quantile(hist, 100, 0.95, 2000), 10);
    assert_true(aud_hist_quantile(hist, 100, 0.96, 2000) >= 1920);
}

static void test_days(void **state)
{
    (void)state;
    char text[11];
    aud_day_text(0, text);
    assert_string_equal(text, "1970-01-01");
    int32_t d = aud_day_parse("2026-03-01");
    assert_int_equal(d, 20513);
    aud_day_text(d, text);
    assert_string_equal(text, "2026-03-01");
    aud_day_text(aud_day_parse("2024-02-29"), text);
    assert_string_equal(text, "2024-02-29");
    assert_int_equal(aud_day_parse("2026-02-29"), INT32_MIN);
    assert_int_equal(aud_day_parse("2026-13-01"), INT32_MIN);
    assert_int_equal(aud_day_parse("2026-03-01T00:00:00Z"), INT32_MIN);
    assert_int_equal(aud_day_parse(""), INT32_MIN);
    assert_int_equal(aud_day_parse(NULL), INT32_MIN);
    assert_int_equal(aud_day_of(-1), -1);
    assert_int_equal(aud_day_of(AUD_DAY_MS - 1), 0);
    assert_int_equal(aud_day_of(AUD_DAY_MS), 1);
}

static void test_row_keys(void **state)
{
    (void)state;
    char *key = aud_row_key('d', aud_day_parse("2026-03-01"), "sf/prod", "wf%1/a");
    assert_string_equal(key, "d/2026-03-01/sf%2Fprod/wf%251%2Fa");
    char kind, *system, *name;
    int32_t day;
    assert_int_equal(aud_row_key_parse(key, &kind, &day, &system, &name), 0);
    assert_int_equal(kind, 'd');
    assert_int_equal(day, aud_day_parse("2026-03-01"));
    assert_string_equal(system, "sf/prod");
    assert_string_equal(name, "wf%1/a");
    free(system);
    free(name);
    free(key);
    assert_int_equal(aud_row_key_parse("d/2026-03-01", &kind, &day, &system, &name), -1);
    assert_int_equal(aud_row_key_parse("d/2026-99-01/s/a", &kind, &day, &system, &name), -1);
    assert_int_equal(aud_row_key_parse("snapshot-rows", &kind, &day, &system, &name), -1);

    struct aud_day in = { .day = 5, .touched = 7, .conversions = 2, .matches = 9, .misses = 1,
                          .no_trigger = 3, .wrong_object = 4, .cohort_touched = 11,
                          .cohort_converted = 6, .last_exec_ms = 123456, .spike = 1 };
    unsigned char blob[AUD_ROW_SIZE];
    aud_row_encode(&in, blob);
    struct aud_day out = { 0 };
    assert_int_equal(aud_row_decode(blob, sizeof(blob), &out), 0);
    assert_int_equal(out.touched, 7);
    assert_int_equal(out.conversions, 2);
    assert_int_equal(out.matches, 9);
    assert_int_equal(out.misses, 1);
    assert_int_equal(out.no_trigger, 3);
    assert_int_equal(out.wrong_object, 4);
    assert_int_equal(out.cohort_touched, 11);
    assert_int_equal(out.cohort_converted, 6);
    assert_int_equal(out.last_exec_ms, 123456);
    assert_int_equal(out.spike, 1);
    assert_int_equal(aud_row_decode(blob, sizeof(blob) - 1, &out), -1); /* short */
    blob[0] = 9;
    assert_int_equal(aud_row_decode(blob, sizeof(blob), &out), -1); /* other version */
}

static struct aud_value value(enum crmgov_value_type type, const char *s, double n)
{
    struct crmgov_value v = { .type = type, .string = s, .number = n, .boolean = n != 0 };
    struct aud_value out;
    aud_value_from(&out, &v);
    return out;
}

static void test_conditions(void **state)
{
    (void)state;
    struct aud_value won = value(CRMGOV_VALUE_STRING, "won", 0);
    struct aud_value num = value(CRMGOV_VALUE_NUMBER, NULL, 60000);
    struct aud_value numtext = value(CRMGOV_VALUE_STRING, "60000", 0);
    struct aud_value null = value(CRMGOV_VALUE_NULL, NULL, 0);
    struct aud_value absent = { .type = AUD_V_ABSENT };
    struct aud_value unknown = { .type = AUD_V_UNKNOWN };

    struct aud_cond eq = { .op = CRMGOV_OP_EQ, .value = won };
    assert_int_equal(aud_cond_eval(&eq, &won, 0), 1);
    assert_int_equal(aud_cond_eval(&eq, &numtext, 0), 0);
    assert_int_equal(aud_cond_eval(&eq, &absent, 0), 0);
    assert_int_equal(aud_cond_eval(&eq, &unknown, 0), -1);
    assert_int_equal(aud_cond_eval(&eq, NULL, 0), -1);
    struct aud_cond ne = { .op = CRMGOV_OP_NE, .value = won };
    assert_int_equal(aud_cond_eval(&ne, &null, 0), 1);

    /* numbers and numeric strings compare as numbers */
    struct aud_cond gt = { .op = CRMGOV_OP_GT, .value = value(CRMGOV_VALUE_NUMBER, NULL, 50000) };
    assert_int_equal(aud_cond_eval(&gt, &num, 0), 1);
    assert_int_equal(aud_cond_eval(&gt, &numtext, 0), 1);
    assert_int_equal(aud_cond_eval(&gt, &won, 0), 0);
    assert_int_equal(aud_cond_eval(&gt, &null, 0), 0);
    struct aud_cond eqnum = { .op = CRMGOV_OP_EQ, .value = value(CRMGOV_VALUE_NUMBER, NULL, 60000) };
    assert_int_equal(aud_cond_eval(&eqnum, &numtext, 0), 1);

    struct aud_value items[2] = { value(CRMGOV_VALUE_STRING, "web", 0),
                                  value(CRMGOV_VALUE_STRING, "ads", 0) };
    struct aud_cond in = { .op = CRMGOV_OP_IN, .items = items, .n_items = 2 };
    struct aud_value ads = value(CRMGOV_VALUE_STRING, "ads", 0);
    assert_int_equal(aud_cond_eval(&in, &ads, 0), 1);
    assert_int_equal(aud_cond_eval(&in, &won, 0), 0);
    struct aud_cond not_in = { .op = CRMGOV_OP_NOT_IN, .items = items, .n_items = 2 };
    assert_int_equal(aud_cond_eval(&not_in, &won, 0), 1);

    struct aud_cond set = { .op = CRMGOV_OP_SET };
    struct aud_cond unset = { .op = CRMGOV_OP_UNSET };
    assert_int_equal(aud_cond_eval(&set, &won, 0), 1);
    assert_int_equal(aud_cond_eval(&set, &null, 0), 0);
    assert_int_equal(aud_cond_eval(&unset, &absent, 0), 1);
    assert_int_equal(aud_cond_eval(&unset, &unknown, 0), -1);

    /* `changed` needs no value: it is known from the change itself */
    struct aud_cond changed = { .op = CRMGOV_OP_CHANGED };
    assert_int_equal(aud_cond_eval(&changed, &unknown, 1), 1);
    assert_int_equal(aud_cond_eval(&changed, NULL, 0), 0);
}

/* The daily sweep forgets exactly the idle records with nothing pending,
 * in place: every other record is still found afterwards, wherever the
 * removals shifted it (3,000 records in 4,096 slots make long probe runs,
 * some wrapping over the end of the table). */
static void test_records_sweep(void **state)
{
    (void)state;
    struct aud_layer *L = calloc(1, sizeof(*L));
    assert_non_null(L);
    L->opts.horizon_ms = 30 * AUD_DAY_MS;
    L->opts.lookback_ms = 3600 * 1000;
    L->opts.sla_ms = 15 * 60 * 1000;
    const crmgov_time now = 400 * AUD_DAY_MS;
    enum { N = 3000 };
    char id[32];
    size_t expect_kept = 0;
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "rec-%d", i);
        struct aud_record *r = aud_record_get(L, (uint32_t)(i % 3), id, 1);
        int idle = i % 2 == 0;
        r->last_active = idle ? now - 31 * AUD_DAY_MS : now - AUD_DAY_MS;
        r->queued = (uint32_t)(idle && i % 10 == 0); /* a pending deadline keeps it */
        expect_kept += !idle || i % 10 == 0;
    }
    assert_int_equal(L->records.cap, 4096);
    aud_records_sweep(L, now);
    assert_int_equal(L->records.n, expect_kept);
    size_t occupied = 0;
    for (size_t k = 0; k < L->records.cap; k++)
        occupied += L->records.slots[k].rec != NULL;
    assert_int_equal(occupied, expect_kept);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "rec-%d", i);
        int kept = i % 2 != 0 || i % 10 == 0;
        struct aud_record *r = aud_record_get(L, (uint32_t)(i % 3), id, 0);
        if (kept != (r != NULL))
            fail_msg("record %d: %s", i, kept ? "lost" : "not forgotten");
    }
    aud_records_free(&L->records);
    free(L);
}

/* An empty layer whose automations keep `days` days. */
static struct aud_layer *layer_with_ring(int days)
{
    struct aud_layer *L = calloc(1, sizeof(*L));
    assert_non_null(L);
    L->opts.ring_days = days;
    L->today = INT32_MIN;
    return L;
}

/* Sums over a ring of days step through the slots instead of dividing per
 * day: every range (across the ring's wrap, before 1970, reaching past what
 * the ring holds) must add up what dividing per day finds. */
static void test_day_ring(void **state)
{
    (void)state;
    struct aud_layer *L = layer_with_ring(67);
    uint32_t autom;
    struct aud_auto *a = aud_auto_get(L, "s", "a", 1, &autom);
    const int32_t first = -90, last = 40; /* the ring keeps the last 67 */
    for (int32_t day = first; day <= last; day++) {
        struct aud_day *slot = aud_day_slot(L, a, day, 1);
        assert_non_null(slot);
        slot->executions = (uint32_t)(day + 1000);
    }
    for (int32_t from = first - 3; from <= last + 3; from += 7) {
        for (int32_t to = from; to <= last + 3; to += 5) {
            uint64_t expect = 0;
            for (int32_t d = from; d <= to; d++)
                if (d > last - 67 && d <= last)
                    expect += (uint64_t)(d + 1000);
            uint32_t got = aud_day_sum(L, a, from, to, offsetof(struct aud_day, executions));
            if (got != expect)
                fail_msg("days %d..%d: %u, expected %llu", from, to, got,
                         (unsigned long long)expect);
        }
    }
    assert_int_equal(aud_ring_index(-1, 67), 66);
    assert_int_equal(aud_ring_index(-67, 67), 0);
    assert_int_equal(aud_ring_index(67, 67), 0);
    aud_layer_free_state(L);
    free(L);
}

/* An event with the core's key finds its automation by the key once seen by
 * name; without a key, or with one too large to index, by name. */
static void test_auto_by_key(void **state)
{
    (void)state;
    struct aud_layer *L = layer_with_ring(67);
    struct crmgov_event ev = { .struct_size = sizeof(ev), .system = "s1", .automation_key = 7 };
    uint32_t first, again, other, unkeyed, huge;
    struct aud_auto *a = aud_auto_of_event(L, &ev, "flow-a", &first);
    assert_string_equal(a->name, "flow-a");
    /* known by key now: the name is not looked at (a mutation that looks it
     * up by name would create a second automation here) */
    ev.system = "s2";
    assert_ptr_equal(aud_auto_of_event(L, &ev, "flow-z", &again), a);
    assert_int_equal(again, first);
    assert_int_equal(L->n_autos, 1);
    ev.automation_key = 8;
    struct aud_auto *b = aud_auto_of_event(L, &ev, "flow-b", &other);
    assert_ptr_not_equal(b, a);
    assert_string_equal(b->name, "flow-b");
    ev.automation_key = 0;
    ev.system = "s1";
    assert_ptr_equal(aud_auto_of_event(L, &ev, "flow-a", &unkeyed), a);
    ev.automation_key = (int64_t)1 << 40;
    ev.system = "s2";
    assert_ptr_equal(aud_auto_of_event(L, &ev, "flow-b", &huge), b);
    assert_int_equal(huge, other);
    assert_int_equal(L->n_autos, 2);
    aud_layer_free_state(L);
    free(L);
}

/* Interned names: the same bytes give the same id, before and after the
 * table grows, for keys kept in their slot (up to AUD_NAME_INLINE bytes,
 * NULs included) and longer ones; keys alike but for one byte or their
 * length, or with colliding hashes, are different names. */
static void test_names(void **state)
{
    (void)state;
    struct aud_names t = { 0 };
    char key[64];
    const size_t lens[] = { 0, 1, AUD_NAME_INLINE - 1, AUD_NAME_INLINE, AUD_NAME_INLINE + 1, 40 };
    uint32_t ids[6][2];
    for (size_t i = 0; i < 6; i++) {
        for (int v = 0; v < 2; v++) {
            memset(key, 'k', sizeof(key));
            if (lens[i])
                key[lens[i] - 1] = v ? 'x' : '\0'; /* differ in the last byte */
            ids[i][v] = aud_names_add(&t, key, lens[i]);
        }
    }
    assert_int_equal(ids[0][0], ids[0][1]); /* "" twice */
    for (size_t i = 1; i < 6; i++)
        assert_int_not_equal(ids[i][0], ids[i][1]);
    assert_int_equal(t.n, 11);
    /* a thousand more names: the table rehashes several times */
    for (int n = 0; n < 1000; n++) {
        int len = snprintf(key, sizeof(key), "%s-%d", n % 2 ? "field" : "a-much-longer-name-than-fits", n);
        assert_int_equal(aud_names_add(&t, key, (size_t)len), 11 + (uint32_t)n);
    }
    for (size_t i = 0; i < 6; i++) {
        for (int v = 0; v < 2; v++) {
            memset(key, 'k', sizeof(key));
            if (lens[i])
                key[lens[i] - 1] = v ? 'x' : '\0';
            assert_int_equal(aud_names_find(&t, key, lens[i]), ids[i][v]);
            assert_int_equal(aud_names_add(&t, key, lens[i]), ids[i][v]);
        }
    }
    assert_int_equal(aud_names_find(&t, "field-999", 9), 11 + 999);
    assert_int_equal(aud_names_find(&t, "field-99", 8), 11 + 99);
    assert_int_equal(aud_names_find(&t, "field-9999", 10), UINT32_MAX);
    assert_string_equal(aud_name(&t, 11 + 998), "a-much-longer-name-than-fits-998");
    assert_int_equal(t.n, 1011);
    aud_names_free(&t);

    /* two names whose hashes agree in the tag and in the first slot of a
     * fresh table (64 slots): only their bytes tell them apart */
    const char *a = "name-1392880", *b = "name-3097946";
    uint64_t ha = aud_hash(a, 12, 0), hb = aud_hash(b, 12, 0);
    assert_true(ha >> 32 == hb >> 32 && (ha & 63) == (hb & 63));
    struct aud_names u = { 0 };
    uint32_t ia = aud_names_add(&u, a, 12);
    assert_int_equal(aud_names_find(&u, b, 12), UINT32_MAX);
    uint32_t ib = aud_names_add(&u, b, 12);
    assert_int_not_equal(ia, ib);
    assert_int_equal(aud_names_find(&u, a, 12), ia);
    assert_int_equal(aud_names_find(&u, b, 12), ib);
    aud_names_free(&u);
}

/* ------------------------------------------------------------------------ */
/* packed day rows: an in-memory stand-in for the host's key/value state     */

struct kv {
    char *key[8];
    unsigned char *value[8];
    size_t len[8], n;
};

struct kv_host {
    struct crmgov_host host; /* first: the layer is handed &host */
    struct kv kv;
};

static struct kv *kv_of(const struct crmgov_host *h)
{
    return &((struct kv_host *)(void *)h)->kv;
}

static int kv_find(const struct kv *kv, const char *key)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->key[i], key) == 0)
            return (int)i;
    return -1;
}

static int kv_put(const struct crmgov_host *h, const char *key, const void *value, size_t len)
{
    struct kv *kv = kv_of(h);
    int i = kv_find(kv, key);
    if (i < 0) {
        assert_true(kv->n < 8);
        i = (int)kv->n++;
        kv->key[i] = strdup(key);
    } else {
        free(kv->value[i]);
    }
    kv->value[i] = malloc(len ? len : 1);
    memcpy(kv->value[i], value, len);
    kv->len[i] = len;
    return CRMGOV_OK;
}

static int kv_get(const struct crmgov_host *h, const char *key, crmgov_state_fn fn, void *ctx)
{
    struct kv *kv = kv_of(h);
    int i = kv_find(kv, key);
    if (i < 0)
        return 1;
    return fn(ctx, kv->key[i], kv->value[i], kv->len[i]) < 0 ? -1 : 0;
}

static void kv_free(struct kv *kv)
{
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->key[i]);
        free(kv->value[i]);
    }
}

/* A day row value whose eleven u32 words are base, base + 1, ... */
static void row_value(unsigned char out[AUD_ROW_SIZE], uint32_t base)
{
    for (int w = 0; w < AUD_ROW_SIZE / 4; w++)
        for (int k = 0; k < 4; k++)
            out[4 * w + k] = (unsigned char)((base + (uint32_t)w) >> (8 * k));
}

struct seen {
    char keys[512];
    unsigned char values[4][AUD_ROW_SIZE];
    size_t n;
};

static int see_row(void *ctx, const char *key, const void *value, size_t len)
{
    struct seen *s = ctx;
    assert_int_equal(len, AUD_ROW_SIZE);
    assert_true(s->n < 4);
    strcat(s->keys, key);
    strcat(s->keys, ",");
    memcpy(s->values[s->n++], value, AUD_ROW_SIZE);
    return 0;
}

/* A day row stored in the fixed form of earlier versions is read, and
 * merged into the compact form when rows of its day change: rows by name,
 * the new one winning, every word exact -- small and the largest. A
 * compact value that is cut short is skipped whole, never half read. */
static void test_packed_rows(void **state)
{
    (void)state;
    struct kv_host fake = { .host = { .state_put = kv_put, .state_get = kv_get } };
    struct crmgov_host *host_p = &fake.host;
    struct kv *kvp = &fake.kv;
    struct aud_layer L = { .host = host_p };
    int32_t day = aud_day_parse("2026-03-01");
    char *key = aud_row_key('D', day, "sf", "");
    /* fixed form: [u16 length][name][44-byte value] for flow-a1 and flow-b2 */
    unsigned char fixed[2 * (2 + 7 + AUD_ROW_SIZE)], *p = fixed;
    const char *names[] = { "flow-a1", "flow-b2" };
    for (int i = 0; i < 2; i++) {
        *p++ = 7;
        *p++ = 0;
        memcpy(p, names[i], 7);
        row_value(p + 7, 10 * (uint32_t)(i + 1));
        p += 7 + AUD_ROW_SIZE;
    }
    kv_put(host_p, key, fixed, sizeof(fixed));
    struct seen got = { 0 };
    assert_int_equal(aud_packed_each(host_p, key, 1, see_row, &got), 0);
    assert_string_equal(got.keys, "d/2026-03-01/sf/flow-a1,d/2026-03-01/sf/flow-b2,");
    unsigned char want[AUD_ROW_SIZE];
    row_value(want, 20);
    assert_memory_equal(got.values[1], want, AUD_ROW_SIZE);

    /* flow-b2 changes and flow-c3 is new: merged with flow-a1, written
     * compact, each name after the first as what it shares with the one
     * before ("flow-") and the rest */
    unsigned char b2[AUD_ROW_SIZE], c3[AUD_ROW_SIZE];
    row_value(b2, 1);
    memset(c3, 0xff, sizeof(c3)); /* every word UINT32_MAX: five bytes each */
    struct aud_packed_row rows[] = { { "flow-b2", 7, b2 }, { "flow-c3", 7, c3 } };
    assert_int_equal(aud_packed_put(&L, key, rows, 2, 0), CRMGOV_OK);
    int at = kv_find(kvp, key);
    assert_true(at >= 0);
    assert_memory_equal(kvp->value[at], "\xff\xff\x00", 3);
    /* marker 3 + flow-a1 (0, 7, "flow-a1", 11 one-byte words)
     * + flow-b2 (5, 2, "b2", 11) + flow-c3 (5, 2, "c3", 11 five-byte words) */
    assert_int_equal(kvp->len[at], 3 + (2 + 7 + 11) + (2 + 2 + 11) + (2 + 2 + 55));
    assert_memory_equal(kvp->value[at] + 3 + 20, "\x05\x02" "b2", 4);
    memset(&got, 0, sizeof(got));
    assert_int_equal(aud_packed_each(host_p, key, 1, see_row, &got), 0);
    assert_string_equal(got.keys, "d/2026-03-01/sf/flow-a1,d/2026-03-01/sf/flow-b2,"
                                  "d/2026-03-01/sf/flow-c3,");
    row_value(want, 10);
    assert_memory_equal(got.values[0], want, AUD_ROW_SIZE);
    assert_memory_equal(got.values[1], b2, AUD_ROW_SIZE);
    assert_memory_equal(got.values[2], c3, AUD_ROW_SIZE);

    /* a row with an empty name (front coding from nothing): read as such */
    static const unsigned char empty_name[3 + 2 + 11] = { 0xff, 0xff, 0x00, 0, 0, 7 };
    char *other = aud_row_key('D', day, "other", "");
    kv_put(host_p, other, empty_name, sizeof(empty_name));
    memset(&got, 0, sizeof(got));
    assert_int_equal(aud_packed_each(host_p, other, 1, see_row, &got), 0);
    assert_string_equal(got.keys, "d/2026-03-01/other/,");
    assert_int_equal(got.values[0][0], 7);
    free(other);

    /* cut inside flow-c3's last word: nothing of the value is taken */
    kvp->len[at]--;
    memset(&got, 0, sizeof(got));
    assert_int_equal(aud_packed_each(host_p, key, 1, see_row, &got), 0);
    assert_int_equal(got.n, 0);
    free(key);
    kv_free(kvp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_proportion), cmocka_unit_test(test_hist_quantile),
        cmocka_unit_test(test_days),           cmocka_unit_test(test_row_keys),
        cmocka_unit_test(test_conditions),     cmocka_unit_test(test_records_sweep),
        cmocka_unit_test(test_day_ring),       cmocka_unit_test(test_auto_by_key),
        cmocka_unit_test(test_packed_rows),    cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
