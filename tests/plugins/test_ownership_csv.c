/*
 * test_ownership_csv.c -- the import file reader of the ownership layer
 * (own_csv.c) and the containers it shares with the layer (own_util.c),
 * linked directly: quoting, line numbers of rows that span lines, byte order
 * marks, CRLF, and every malformed input it must refuse with a line number
 * rather than guess; the hash map under deletion, the deadline heap's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layers/ownership/own.h"

/* Rows as "line:field|field|...\n". Caller frees. */
static char *render(const char *text)
{
    struct own_csv csv;
    char err[128];
    if (own_csv_parse(text, strlen(text), &csv, err, sizeof(err)) != 0)
        return own_printf("error %s", err);
    char *out = own_strdup("");
    for (size_t i = 0; i < csv.n_rows; i++) {
        char *row = own_printf("%zu:", csv.rows[i].line);
        for (size_t j = 0; j < csv.rows[i].n_fields; j++) {
            char *next = own_printf("%s%s%s", row, j ? "|" : "", csv.rows[i].fields[j]);
            free(row);
            row = next;
        }
        char *next = own_printf("%s%s\n", out, row);
        free(out);
        free(row);
        out = next;
    }
    own_csv_free(&csv);
    return out;
}

static void expect(const char *text, const char *expected)
{
    char *got = render(text);
    assert_string_equal(got, expected);
    free(got);
}

static void test_plain_rows(void **state)
{
    (void)state;
    expect("system,automation,role,principal\ns,a1,system,u-1\n",
           "1:system|automation|role|principal\n2:s|a1|system|u-1\n");
    expect("a,b\r\nc,d", "1:a|b\n2:c|d\n"); /* CRLF, no final newline */
    expect("\xEF\xBB\xBF" "a,b\n", "1:a|b\n"); /* byte order mark */
    expect("a,b\n\n\r\nc,d\n", "1:a|b\n4:c|d\n"); /* empty lines skipped, lines counted */
    expect("a,,\n", "1:a||\n");
    expect("", "");
}

static void test_quotes(void **state)
{
    (void)state;
    expect("\"a,1\",\"say \"\"hi\"\"\"\n", "1:a,1|say \"hi\"\n");
    expect("\"two\nlines\",x\nnext,row\n", "1:two\nlines|x\n3:next|row\n");
    expect("\"\",b\n", "1:|b\n");
}

static void test_malformed(void **state)
{
    (void)state;
    expect("a,b\n\"open,c\n", "error 2: a quoted field is never closed");
    expect("a,b\n\"x\"y,c\n", "error 2: text after a closing quote");
    expect("a,b\nx\"y,c\n", "error 2: a quote inside an unquoted field");
    const char nul[] = { 'a', ',', 'b', '\n', 'c', '\0', 'd', '\n' };
    struct own_csv csv;
    char err[128];
    assert_int_equal(own_csv_parse(nul, sizeof(nul), &csv, err, sizeof(err)), -1);
    assert_string_equal(err, "2: a NUL byte");
}

static void test_map_and_heap(void **state)
{
    (void)state;
    struct own_map m = { 0 };
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        own_map_put(&m, key, strlen(key), (void *)(intptr_t)(i + 1));
    }
    for (int i = 0; i < 1000; i += 2) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal((intptr_t)own_map_remove(&m, key, strlen(key)), i + 1);
    }
    assert_int_equal(m.n, 500);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal((intptr_t)own_map_get(&m, key, strlen(key)), i % 2 ? i + 1 : 0);
    }
    assert_null(own_map_remove(&m, "k0", 2));
    own_map_free(&m);

    struct own_heap h = { 0 };
    static const crmgov_time times[] = { 50, 10, 40, 10, 30, 20 };
    for (size_t i = 0; i < 6; i++)
        own_heap_push(&h, times[i], NULL);
    struct own_deadline d;
    assert_int_equal(own_heap_pop_due(&h, 5, &d), 0);
    crmgov_time order[6];
    size_t n = 0;
    while (own_heap_pop_due(&h, 40, &d))
        order[n++] = d.at;
    assert_int_equal(n, 5);
    assert_int_equal(order[0], 10);
    assert_int_equal(order[1], 10);
    assert_int_equal(order[2], 20);
    assert_int_equal(order[3], 30);
    assert_int_equal(order[4], 40);
    assert_int_equal(h.n, 1);
    own_heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_map_and_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
