/*
 * signature.c -- deciding whether a webhook call came from the CRM.
 *
 * HubSpot v3: base64(HMAC-SHA256(app secret, method + URI + body +
 * timestamp)), the timestamp in X-HubSpot-Request-Timestamp (milliseconds)
 * and at most five minutes old. The URI is the one HubSpot called, with a
 * fixed set of percent-escapes decoded first; behind a proxy the receiver
 * cannot see that URI, which is why the connector takes the public base URL
 * as an option. HMAC and base64 come from libsodium; both comparisons run
 * in constant time so a caller learns nothing from how fast a guess fails.
 */
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The escapes HubSpot decodes before signing (its documentation's table). */
static int hubspot_decoded(char hi, char lo, char *out)
{
    static const struct {
        const char *hex;
        char c;
    } table[] = { { "3A", ':' }, { "2F", '/' },  { "3F", '?' }, { "40", '@' },
                  { "21", '!' }, { "24", '$' },  { "27", '\'' }, { "28", '(' },
                  { "29", ')' }, { "2A", '*' },  { "2C", ',' },  { "3B", ';' } };
    char hex[3] = { hi, lo, '\0' };
    if (hex[1] >= 'a' && hex[1] <= 'f')
        hex[1] = (char)(hex[1] - 'a' + 'A');
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(hex, table[i].hex) == 0) {
            *out = table[i].c;
            return 1;
        }
    return 0;
}

char *wh_hubspot_uri(const char *base, const char *raw_uri)
{
    size_t n = strlen(base) + strlen(raw_uri) + 1;
    char *uri = malloc(n);
    if (!uri)
        return NULL;
    size_t o = (size_t)snprintf(uri, n, "%s", base);
    for (const char *p = raw_uri; *p; p++) {
        char c;
        if (p[0] == '%' && p[1] && p[2] && hubspot_decoded(p[1], p[2], &c)) {
            uri[o++] = c;
            p += 2;
        } else {
            uri[o++] = *p;
        }
    }
    uri[o] = '\0';
    return uri;
}

void wh_hubspot_sign(const char *secret, const char *method, const char *uri,
                     const char *body, size_t body_len, const char *timestamp, char *out,
                     size_t size)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)uri, strlen(uri));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
    if (size < sodium_base64_ENCODED_LEN(sizeof(mac), sodium_base64_VARIANT_ORIGINAL)) {
        if (size)
            out[0] = '\0';
        return;
    }
    sodium_bin2base64(out, size, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
}

static int parse_millis(const char *text, int64_t *out)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

enum wh_verdict wh_hubspot_verify(const char *secret, const char *method, const char *uri,
                                  const char *body, size_t body_len, const char *timestamp,
                                  const char *signature, int64_t now_ms, int64_t max_age_ms)
{
    int64_t ts;
    if (!timestamp || !signature)
        return WH_MISSING;
    if (parse_millis(timestamp, &ts) || ts < now_ms - max_age_ms || ts > now_ms + max_age_ms)
        return WH_STALE;
    char expected[64];
    wh_hubspot_sign(secret, method, uri, body, body_len, timestamp, expected, sizeof(expected));
    return wh_token_equal(expected, signature) ? WH_VALID : WH_BAD_SIGNATURE;
}

int wh_token_equal(const char *expected, const char *given)
{
    if (!expected || !given || !expected[0])
        return 0;
    size_t n = strlen(expected);
    if (strlen(given) != n)
        return 0;
    return sodium_memcmp(expected, given, n) == 0;
}
