/*
 * test_gen.c -- unit tests for tools/crmgov-gen: the PRNG against values
 * from the published reference algorithms, the canonical JSON and definition
 * hash against digests computed independently with sha256sum, the co-fire
 * and cycle logic the healthy world rests on, calendar text, the answer key
 * order, the verifier on hand-written streams, and whole-run determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defn.h"
#include "emit.h"
#include "gen_util.h"
#include "plant.h"
#include "rng.h"
#include "sim.h"
#include "verify.h"
#include "world.h"

/* ---- PRNG ------------------------------------------------------------------ */

static void test_splitmix64_reference(void **state)
{
    (void)state;
    uint64_t st = 0;
    assert_true(gen_splitmix64(&st) == 0xe220a8397b1dcdafULL);
    assert_true(gen_splitmix64(&st) == 0x6e789e6aa1b965f4ULL);
}

static void test_xoshiro_reference(void **state)
{
    (void)state;
    gen_rng r;
    gen_rng_seed(&r, 42);
    assert_true(gen_rng_next(&r) == 0x15780b2e0c2ec716ULL);
    assert_true(gen_rng_next(&r) == 0x6104d9866d113a7eULL);
    assert_true(gen_rng_next(&r) == 0xae17533239e499a1ULL);
    assert_true(gen_rng_next(&r) == 0xecb8ad4703b360a1ULL);
}

static void test_rng_streams_deterministic_and_distinct(void **state)
{
    (void)state;
    gen_rng a, b, c;
    gen_rng_fork(&a, 7, "lifecycle");
    gen_rng_fork(&b, 7, "lifecycle");
    gen_rng_fork(&c, 7, "execution");
    int same_c = 1;
    for (int i = 0; i < 100; i++) {
        uint64_t x = gen_rng_next(&a), y = gen_rng_next(&b), z = gen_rng_next(&c);
        assert_true(x == y);
        same_c &= x == z;
    }
    assert_false(same_c);
}

static void test_rng_below_range(void **state)
{
    (void)state;
    gen_rng r;
    gen_rng_seed(&r, 1);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint32_t v = gen_rng_below(&r, 7);
        assert_true(v < 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++)
        assert_in_range(seen[i], 800, 1200);
    assert_int_equal(gen_rng_below(&r, 0), 0);
    assert_int_equal(gen_rng_range(&r, 5, 5), 5);
}

/* ---- canonical JSON and hash ---------------------------------------------- */

static void example_defn(defn *d)
{
    memset(d, 0, sizeof *d);
    strcpy(d->kind, "flow");
    strcpy(d->object, "lead");
    d->on = ON_UPDATE;
    d->nfields = 1;
    strcpy(d->fields[0], "status");
    assert_int_equal(defn_cond_parse("status eq qualified", &d->conds[0]), 0);
    d->nconds = 1;
    d->nactions = 2;
    d->actions[0].type = ACT_SET_FIELD;
    strcpy(d->actions[0].field, "owner_id");
    defn_value_from_text("u-17", &d->actions[0].value);
    d->actions[1].type = ACT_NOTIFY;
    strcpy(d->actions[1].arg, "u-4");
}

static void test_canonical_json_example(void **state)
{
    (void)state;
    defn d;
    example_defn(&d);
    gen_buf b = {0};
    defn_put_canonical(&b, &d);
    assert_string_equal(gen_buf_cstr(&b),
                        "{\"actions\":[{\"field\":\"owner_id\",\"type\":\"set_field\",\"value\":\"u-17\"},"
                        "{\"to\":\"u-4\",\"type\":\"notify\"}],"
                        "\"conditions\":[{\"field\":\"status\",\"op\":\"eq\",\"value\":\"qualified\"}],"
                        "\"kind\":\"flow\",\"object\":\"lead\","
                        "\"trigger\":{\"fields\":[\"status\"],\"on\":\"update\"}}");
    gen_buf_free(&b);
}

static void test_definition_hash_example(void **state)
{
    (void)state;
    defn d;
    example_defn(&d);
    char hex[DEFN_HASH_HEX];
    assert_int_equal(defn_hash(&d, hex), 0);
    /* printf '%s' '<canonical json above>' | sha256sum */
    assert_string_equal(hex, "0738214f0ac145e49cd63ed3acb16b8ed36efab4daf112a076096fdf921d7728");
}

static void test_definition_hash_escapes_defaults_and_types(void **state)
{
    (void)state;
    defn d;
    memset(&d, 0, sizeof d); /* kind left empty: the default "workflow" */
    strcpy(d.object, "deal");
    d.on = ON_SCHEDULE;
    assert_int_equal(defn_cond_parse("source in web,ads", &d.conds[0]), 0);
    assert_int_equal(defn_cond_parse("email set", &d.conds[1]), 0);
    d.nconds = 2;
    d.actions[0].type = ACT_SET_FIELD;
    strcpy(d.actions[0].field, "note");
    d.actions[0].value.kind = VAL_STR;
    strcpy(d.actions[0].value.str, "say \"hi\" \\ ok\n\xc3\xa9");
    d.actions[1].type = ACT_SET_FIELD;
    strcpy(d.actions[1].field, "level");
    defn_value_from_text("-2", &d.actions[1].value);
    d.actions[2].type = ACT_SET_FIELD;
    strcpy(d.actions[2].field, "flag");
    defn_value_from_text("true", &d.actions[2].value);
    d.actions[3].type = ACT_CALL;
    strcpy(d.actions[3].arg, "erp.sync");
    d.actions[4].type = ACT_WEBHOOK;
    strcpy(d.actions[4].arg, "https://h.example.com/x");
    d.nactions = 5;
    gen_buf b = {0};
    defn_put_canonical(&b, &d);
    assert_string_equal(gen_buf_cstr(&b),
                        "{\"actions\":[{\"field\":\"note\",\"type\":\"set_field\",\"value\":\"say \\\"hi\\\" \\\\ ok\\u000a\xc3\xa9\"},"
                        "{\"field\":\"level\",\"type\":\"set_field\",\"value\":-2},"
                        "{\"field\":\"flag\",\"type\":\"set_field\",\"value\":true},"
                        "{\"target\":\"erp.sync\",\"type\":\"call\"},"
                        "{\"type\":\"webhook\",\"url\":\"https://h.example.com/x\"}],"
                        "\"conditions\":[{\"field\":\"source\",\"op\":\"in\",\"value\":[\"web\",\"ads\"]},"
                        "{\"field\":\"email\",\"op\":\"set\"}],"
                        "\"kind\":\"workflow\",\"object\":\"deal\",\"trigger\":{\"on\":\"schedule\"}}");
    gen_buf_free(&b);
    char hex[DEFN_HASH_HEX];
    assert_int_equal(defn_hash(&d, hex), 0);
    assert_string_equal(hex, "cbb74fd5946acb49b00b5ddd8bf75e1bba31aa0ed723cf01d85c27a86142262d");
}

static void test_cond_parse_rejects_malformed(void **state)
{
    (void)state;
    defn_cond c;
    assert_int_equal(defn_cond_parse("score gt 80", &c), 0);
    assert_int_equal(c.value.kind, VAL_INT);
    assert_int_equal(c.value.num, 80);
    assert_int_equal(defn_cond_parse("source in web,ads", &c), 0);
    assert_int_equal(c.value.nlist, 2);
    assert_string_equal(c.value.list[1], "ads");
    assert_int_equal(defn_cond_parse("status", &c), -1);
    assert_int_equal(defn_cond_parse("status eq", &c), -1);
    assert_int_equal(defn_cond_parse("status like x", &c), -1);
    assert_int_equal(defn_cond_parse("email set yes", &c), -1);
    assert_int_equal(defn_cond_parse("source in a,,b", &c), -1);
}

/* ---- co-fire and cycles ---------------------------------------------------- */

static defn mk(const char *object, enum defn_on on, const char *fields, const char *c1, const char *c2)
{
    defn d;
    memset(&d, 0, sizeof d);
    strcpy(d.object, object);
    d.on = on;
    if (fields) {
        char tmp[64];
        strcpy(tmp, fields);
        for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ","))
            strcpy(d.fields[d.nfields++], t);
    }
    if (c1)
        assert_int_equal(defn_cond_parse(c1, &d.conds[d.nconds++]), 0);
    if (c2)
        assert_int_equal(defn_cond_parse(c2, &d.conds[d.nconds++]), 0);
    return d;
}

static void test_cofire_triggers(void **state)
{
    (void)state;
    defn create = mk("lead", ON_CREATE, NULL, NULL, NULL);
    defn upd_status = mk("lead", ON_UPDATE, "status", NULL, NULL);
    defn upd_score = mk("lead", ON_UPDATE, "score", NULL, NULL);
    defn upd_any = mk("lead", ON_UPDATE, NULL, NULL, NULL);
    defn cou_score = mk("lead", ON_CREATE_OR_UPDATE, "score", NULL, NULL);
    defn deal_create = mk("deal", ON_CREATE, NULL, NULL, NULL);
    defn sched1 = mk("lead", ON_SCHEDULE, NULL, NULL, NULL);
    defn sched2 = mk("lead", ON_SCHEDULE, NULL, NULL, NULL);
    defn del = mk("lead", ON_DELETE, NULL, NULL, NULL);
    assert_false(defn_can_cofire(&create, &upd_status));
    assert_false(defn_can_cofire(&upd_status, &upd_score));
    assert_true(defn_can_cofire(&upd_status, &upd_any));
    assert_true(defn_can_cofire(&cou_score, &create));    /* create part overlaps */
    assert_false(defn_can_cofire(&cou_score, &upd_status)); /* update part filtered */
    assert_true(defn_can_cofire(&cou_score, &upd_score));
    assert_false(defn_can_cofire(&create, &deal_create));
    assert_true(defn_can_cofire(&sched1, &sched2));
    assert_false(defn_can_cofire(&sched1, &create));
    assert_false(defn_can_cofire(&del, &create));
}

static void test_cofire_exclusive_conditions(void **state)
{
    (void)state;
    struct {
        const char *a, *b;
        int exclusive;
    } cases[] = {
        {"status eq won", "status eq lost", 1},
        {"status eq won", "status eq won", 0},
        {"source in web,ads", "source in referral,event", 1},
        {"source in web,ads", "source in ads,event", 0},
        {"email set", "email unset", 1},
        {"score gt 80", "score lt 20", 1},
        {"score gt 80", "score lt 80", 1},
        {"score gt 20", "score lt 80", 0},
        {"status eq won", "status in lost,open", 0}, /* only the four listed cases count */
        {"status eq won", "region eq emea", 0},
        {"status ne won", "status eq won", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        defn a = mk("deal", ON_UPDATE, "stage", cases[i].a, NULL);
        defn b = mk("deal", ON_UPDATE, "stage", cases[i].b, NULL);
        assert_int_equal(defn_conds_exclusive(&a, &b), cases[i].exclusive);
        assert_int_equal(defn_conds_exclusive(&b, &a), cases[i].exclusive);
        assert_int_equal(defn_can_cofire(&a, &b), !cases[i].exclusive);
    }
}

static void test_trigger_edges(void **state)
{
    (void)state;
    defn writer = mk("lead", ON_CREATE, NULL, NULL, NULL);
    writer.nactions = 1;
    writer.actions[0].type = ACT_SET_FIELD;
    strcpy(writer.actions[0].field, "routing");
    defn listens = mk("lead", ON_UPDATE, "routing", NULL, NULL);
    defn other = mk("lead", ON_UPDATE, "status", NULL, NULL);
    defn any = mk("lead", ON_UPDATE, NULL, NULL, NULL);
    defn deal_any = mk("deal", ON_UPDATE, NULL, NULL, NULL);
    defn owner = mk("lead", ON_CREATE_OR_UPDATE, "owner_id", NULL, NULL);
    assert_true(defn_can_trigger(&writer, &listens));
    assert_false(defn_can_trigger(&writer, &other));
    assert_true(defn_can_trigger(&writer, &any));
    assert_false(defn_can_trigger(&writer, &deal_any));
    assert_false(defn_can_trigger(&writer, &owner));
    writer.actions[0].type = ACT_ASSIGN;
    strcpy(writer.actions[0].arg, "u-1");
    assert_true(defn_can_trigger(&writer, &owner));
    assert_true(defn_can_trigger(&any, &any) == 0); /* writes nothing */
}

/* ---- calendar text ---------------------------------------------------------- */

static void test_time_text(void **state)
{
    (void)state;
    gen_buf b = {0};
    gen_clock_text c;
    gen_clock_text_init(&c);
    gen_buf_put_time(&b, &c, 0);
    gen_buf_putc(&b, ' ');
    gen_buf_put_time(&b, &c, 1772357400);
    gen_buf_putc(&b, ' ');
    gen_buf_put_time(&b, &c, 951868799);
    assert_string_equal(gen_buf_cstr(&b),
                        "1970-01-01T00:00:00Z 2026-03-01T09:30:00Z 2000-02-29T23:59:59Z");
    gen_buf_free(&b);
    int64_t days;
    assert_int_equal(gen_parse_date("2026-01-01", &days), 0);
    assert_int_equal(days, 20454);
    assert_int_equal(gen_parse_date("2026-02-30", &days), -1);
    assert_int_equal(gen_parse_date("2026-1-01", &days), -1);
    assert_int_equal(gen_parse_date("abcd-ef-gh", &days), -1);
    assert_int_equal(gen_parse_date(NULL, &days), -1);
}

static void test_json_string_escaping(void **state)
{
    (void)state;
    gen_buf b = {0};
    gen_buf_put_json_string(&b, "a\"b\\c\x01\t\xc3\xa9");
    assert_string_equal(gen_buf_cstr(&b), "\"a\\\"b\\\\c\\u0001\\u0009\xc3\xa9\"");
    b.len = 0;
    gen_buf_put_int(&b, -9223372036854775807LL - 1);
    assert_string_equal(gen_buf_cstr(&b), "-9223372036854775808");
    gen_buf_free(&b);
}

/* ---- answer key ----------------------------------------------------------------- */

static void test_answer_key_order(void **state)
{
    (void)state;
    plant_key key = {0};
    plant_expect(&key, "OWN003", "sf-prod", "b", "u-2");
    plant_expect(&key, "CHG002", "sf-prod", "a", NULL);
    plant_expect(&key, "OWN003", "sf-prod", "b", NULL);
    plant_expect(&key, "OWN003", "hs-main", NULL, "u-1");
    plant_expect(&key, "OWN003", "sf-prod", "b", "u-2");
    plant_key_sort(&key);
    assert_int_equal(key.n, 4);
    assert_string_equal(key.items[0].rule, "CHG002");
    assert_string_equal(key.items[1].system, "hs-main");
    assert_null(key.items[1].automation);
    assert_null(key.items[2].subject);
    assert_string_equal(key.items[3].subject, "u-2");
    char path[] = "/tmp/test_gen_keyXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(plant_key_write(&key, path), 0);
    plant_key back = {0};
    assert_int_equal(verify_read_key(path, &back), 0);
    assert_int_equal(back.n, 4);
    assert_string_equal(back.items[3].automation, "b");
    assert_null(back.items[1].automation);
    unlink(path);
    plant_key_free(&back);
    plant_key_free(&key);
}

/* ---- verifier on hand-written streams -------------------------------------------------- */

static const char healthy_stream[] =
    "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-01-01T05:00:00Z\",\"id\":\"u-1\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-01-01T05:00:00Z\",\"id\":\"u-2\",\"active\":true}\n"
    "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-01-01T05:10:00Z\",\"id\":\"a1\",\"kind\":\"flow\",\"object\":\"lead\","
    "\"trigger\":{\"on\":\"create\"},\"conditions\":[],\"actions\":[{\"type\":\"notify\",\"to\":\"u-2\"}],\"status\":\"active\"}\n"
    "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"2026-01-01T05:20:00Z\",\"automation\":\"a1\",\"role\":\"system\",\"principal\":\"u-1\"}\n"
    "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-01-01T09:00:00Z\",\"object\":\"lead\",\"id\":\"L-1\",\"op\":\"create\",\"changes\":{\"status\":[null,\"new\"]}}\n"
    "{\"type\":\"execution\",\"system\":\"s\",\"at\":\"2026-01-01T09:00:05Z\",\"automation\":\"a1\",\"object\":\"lead\",\"record\":\"L-1\",\"status\":\"ok\",\"notified\":[\"u-2\"]}\n";

static int verify_text(const char *text, const plant_key *key)
{
    FILE *devnull = fopen("/dev/null", "w");
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    int rc = verify_stream(in, key, devnull);
    fclose(in);
    fclose(devnull);
    return rc;
}

static void test_verify_healthy_stream(void **state)
{
    (void)state;
    assert_int_equal(verify_text(healthy_stream, NULL), 0);
}

static void test_verify_detects_dead_end_and_key_matches(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, "%s%s", healthy_stream,
             "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-01-02T10:00:00Z\",\"id\":\"u-2\",\"active\":false}\n");
    assert_int_equal(verify_text(text, NULL), 1);
    plant_key key = {0};
    plant_expect(&key, "OWN003", "s", "a1", "u-2");
    assert_int_equal(verify_text(text, &key), 0);
    plant_key_free(&key);
    /* an expected finding that does not happen fails too */
    plant_expect(&key, "OWN003", "s", "a1", "u-2");
    assert_int_equal(verify_text(healthy_stream, &key), 1);
    plant_key_free(&key);
}

static void test_verify_detects_missed_and_unintended(void **state)
{
    (void)state;
    char text[4096];
    /* a second create with no execution, then time moves past the SLA */
    snprintf(text, sizeof text, "%s%s%s", healthy_stream,
             "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-01-01T10:00:00Z\",\"object\":\"lead\",\"id\":\"L-2\",\"op\":\"create\",\"changes\":{}}\n",
             "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-01-01T10:30:00Z\",\"object\":\"deal\",\"id\":\"D-2\",\"op\":\"create\",\"changes\":{}}\n");
    assert_int_equal(verify_text(text, NULL), 1);
    plant_key key = {0};
    plant_expect(&key, "AUD002", "s", "a1", NULL); /* and nothing else */
    assert_int_equal(verify_text(text, &key), 0);
    plant_key_free(&key);
    snprintf(text, sizeof text, "%s%s", healthy_stream,
             "{\"type\":\"execution\",\"system\":\"s\",\"at\":\"2026-01-01T11:00:00Z\",\"automation\":\"a1\",\"object\":\"lead\",\"record\":\"L-9\",\"status\":\"ok\"}\n");
    assert_int_equal(verify_text(text, NULL), 1);
    plant_expect(&key, "AUD003", "s", "a1", NULL);
    assert_int_equal(verify_text(text, &key), 0);
    plant_key_free(&key);
}

static void test_verify_rejects_garbage_and_disorder(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, "%s%s", healthy_stream, "not json\n");
    assert_int_equal(verify_text(text, NULL), 1);
    snprintf(text, sizeof text, "%s%s", healthy_stream,
             "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2025-12-31T00:00:00Z\",\"id\":\"u-3\",\"active\":true}\n");
    assert_int_equal(verify_text(text, NULL), 1);
    assert_int_equal(verify_text("{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-01-01T05:00:00Z\"}\n", NULL), 1);
}

/* ---- whole runs -------------------------------------------------------------------------- */

static gen_options small_options(uint64_t seed)
{
    gen_options o;
    memset(&o, 0, sizeof o);
    o.seed = seed;
    o.systems = 2;
    o.automations = 10;
    o.users = 14;
    o.records = 400;
    o.days = 35;
    o.days_given = 1;
    o.review_days = 28;
    o.modify_every = 5;
    gen_parse_date("2026-01-01", &o.start_day);
    return o;
}

/* Generates into a memory buffer (caller frees); returns its size. */
static size_t run_generator(const gen_options *opt, int plant, plant_key *key, char **out)
{
    gen_world w;
    char err[256];
    assert_int_equal(world_build(&w, opt, err, sizeof err), 0);
    plant_run run;
    memset(&run, 0, sizeof run);
    if (plant)
        assert_int_equal(plant_run_prepare(&run, &w, key, err, sizeof err), 0);
    size_t size = 0;
    FILE *f = open_memstream(out, &size);
    emitter em;
    emit_init(&em, f, NULL, opt->max_events);
    assert_int_equal(sim_run(&w, &em, plant ? &run : NULL, err, sizeof err), 0);
    assert_int_equal(emit_finish(&em), 0);
    emit_free(&em);
    fclose(f);
    plant_run_release(&run);
    world_free(&w);
    return size;
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    gen_options o = small_options(5);
    char *a = NULL, *b = NULL, *c = NULL;
    size_t na = run_generator(&o, 0, NULL, &a);
    size_t nb = run_generator(&o, 0, NULL, &b);
    o.seed = 6;
    size_t nc = run_generator(&o, 0, NULL, &c);
    assert_true(na > 10000);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_true(na != nc || memcmp(a, c, na) != 0);
    free(a);
    free(b);
    free(c);
}

static void test_event_cap_is_exact(void **state)
{
    (void)state;
    gen_options o = small_options(3);
    o.max_events = 1234;
    o.days_given = 0;
    char *a = NULL;
    size_t n = run_generator(&o, 0, NULL, &a);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += a[i] == '\n';
    assert_int_equal(lines, 1234);
    free(a);
}

static void test_generated_world_verifies(void **state)
{
    (void)state;
    gen_options o = small_options(11);
    char *a = NULL;
    size_t n = run_generator(&o, 0, NULL, &a);
    FILE *in = fmemopen(a, n, "r");
    assert_int_equal(verify_stream(in, NULL, stderr), 0);
    fclose(in);
    free(a);
}

static void test_planted_world_matches_key(void **state)
{
    (void)state;
    gen_options o = small_options(11);
    plant_key key = {0};
    char *a = NULL;
    size_t n = run_generator(&o, 1, &key, &a);
    plant_key_sort(&key);
    /* every layer adds planters; the OWN003 one is always there */
    const plant_expectation *own003 = NULL;
    for (size_t i = 0; i < key.n; i++)
        if (strcmp(key.items[i].rule, "OWN003") == 0)
            own003 = &key.items[i];
    assert_non_null(own003);
    assert_string_equal(own003->system, "sf-prod");
    assert_non_null(own003->automation);
    assert_non_null(own003->subject);
    FILE *in = fmemopen(a, n, "r");
    assert_int_equal(verify_stream(in, &key, stderr), 0);
    fclose(in);
    in = fmemopen(a, n, "r");
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(verify_stream(in, NULL, devnull), 1); /* the plant is a real problem */
    fclose(devnull);
    fclose(in);
    free(a);
    plant_key_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splitmix64_reference),
        cmocka_unit_test(test_xoshiro_reference),
        cmocka_unit_test(test_rng_streams_deterministic_and_distinct),
        cmocka_unit_test(test_rng_below_range),
        cmocka_unit_test(test_canonical_json_example),
        cmocka_unit_test(test_definition_hash_example),
        cmocka_unit_test(test_definition_hash_escapes_defaults_and_types),
        cmocka_unit_test(test_cond_parse_rejects_malformed),
        cmocka_unit_test(test_cofire_triggers),
        cmocka_unit_test(test_cofire_exclusive_conditions),
        cmocka_unit_test(test_trigger_edges),
        cmocka_unit_test(test_time_text),
        cmocka_unit_test(test_json_string_escaping),
        cmocka_unit_test(test_answer_key_order),
        cmocka_unit_test(test_verify_healthy_stream),
        cmocka_unit_test(test_verify_detects_dead_end_and_key_matches),
        cmocka_unit_test(test_verify_detects_missed_and_unintended),
        cmocka_unit_test(test_verify_rejects_garbage_and_disorder),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_event_cap_is_exact),
        cmocka_unit_test(test_generated_world_verifies),
        cmocka_unit_test(test_planted_world_matches_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
