/*
 * receiver.h -- a loopback HTTP receiver for tests of sinks that POST:
 * it records every request (idempotency key, attempt, signature check,
 * body) and answers 200, or a status the test chooses, so a test can take
 * the receiver "down" and bring it back.
 *
 * Used in-process by the cmocka tests (tests/plugins/test_webhook.c) and,
 * through receiver_main.c, as the `receiver` program the e2e tests start.
 * Signatures are checked the way docs/sinks.md tells receivers to:
 * X-Crmgov-Signature = "sha256=" + hex HMAC-SHA256(secret, TIMESTAMP "."
 * BODY), with X-Crmgov-Timestamp no more than five minutes off; a request
 * that fails the check is answered 401 and recorded as "bad".
 */
#ifndef CRMGOV_TEST_RECEIVER_H
#define CRMGOV_TEST_RECEIVER_H

#include <stddef.h>

struct test_receiver;

/* Listens on 127.0.0.1:port (0: any free port). secret NULL: no check.
 * log_path non-NULL: also append each record there as a JSON line. */
struct test_receiver *test_receiver_start(unsigned short port, const char *secret,
                                          const char *log_path);
unsigned short test_receiver_port(const struct test_receiver *r);
/* Answer `status` from now on (200 = healthy again). */
void test_receiver_set_status(struct test_receiver *r, int status);
size_t test_receiver_count(struct test_receiver *r);
/* Waits until at least `count` requests arrived; 0, or -1 on timeout. */
int test_receiver_wait(struct test_receiver *r, size_t count, int timeout_ms);
/* Every request so far as JSON Lines: {"status","id","attempt","signature"
 * ("ok"|"bad"|"none"),"content_type","body"}; body is the parsed JSON (or
 * the raw text). Caller frees. */
char *test_receiver_records(struct test_receiver *r);
void test_receiver_stop(struct test_receiver *r);

#endif
