/*
 * auditlog_head.c -- tree heads: the checkpoint text, its minisign signature,
 * and the JSON form an admin copies off the machine; see auditlog.h.
 *
 * A head is only worth something if it has exactly one spelling: two texts
 * that state the same (size, root) but hash differently would let a forger
 * shop for a signature, and a lenient reader would accept heads nobody
 * signed. So the parser is strict (four lines, canonical decimal, canonical
 * base64, canonical time) and the JSON form treats the checkpoint text as the
 * only authority: the convenience members beside it must agree with it.
 */
#include "auditlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "canon.h"
#include "timeutil.h"

#define ROOT_BASE64_SIZE 45 /* base64 of 32 bytes (44 chars) + NUL */

void audit_head_free(struct audit_head *head)
{
    if (!head)
        return;
    free(head->checkpoint);
    free(head->signature);
    memset(head, 0, sizeof(*head));
}

/* ---- the signing key ------------------------------------------------------ */

int audit_signer_load(const char *path, uint64_t checkpoint_every, struct audit_signer **out,
                      struct strbuf *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return sb_addf(err, "cannot read: %s", strerror(errno)), -1;
    if (st.st_mode & 077)
        return sb_addf(err, "may be read by others (mode %04o); chmod 600 it",
                       (unsigned)(st.st_mode & 07777)),
               -1;
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text)
        return sb_addf(err, "cannot read: %s", strerror(errno)), -1;
    struct audit_signer *signer = xcalloc(1, sizeof(*signer));
    minisign_status status = minisign_secret_key_parse(text, len, NULL, &signer->key);
    sodium_memzero(text, len);
    free(text);
    if (status != MINISIGN_OK) {
        sb_adds(err, status == MINISIGN_ERR_PASSWORD_REQUIRED
                         ? "is password-protected; the log signer needs an unencrypted key "
                           "(make one with crmgov keygen)"
                         : minisign_status_message(status));
        audit_signer_free(signer);
        return -1;
    }
    minisign_key_id_hex(signer->key.key_id, signer->key_id);
    signer->checkpoint_every = checkpoint_every;
    *out = signer;
    return 0;
}

void audit_signer_free(struct audit_signer *signer)
{
    if (!signer)
        return;
    minisign_secret_key_wipe(&signer->key);
    sodium_memzero(signer, sizeof(*signer));
    free(signer);
}

/* ---- checkpoint text ------------------------------------------------------- */

char *audit_checkpoint_text(const char *origin, uint64_t size,
                            const uint8_t root[MERKLE_HASH_BYTES], crmgov_time time)
{
    char b64[ROOT_BASE64_SIZE], at[32];
    sodium_bin2base64(b64, sizeof(b64), root, MERKLE_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return xasprintf("%s\n%llu\n%s\ntime %s\n", origin, (unsigned long long)size, b64,
                     time_format_rfc3339(time, at));
}

char *audit_head_comment(const struct audit_head *head)
{
    char hex[2 * MERKLE_HASH_BYTES + 1];
    hex_encode(head->root, MERKLE_HASH_BYTES, hex);
    return xasprintf("crmgov tree head size=%llu root=%s", (unsigned long long)head->size, hex);
}

static int parse_origin(const char *line, size_t len, char out[AUDIT_ORIGIN_SIZE])
{
    size_t prefix = strlen(AUDIT_ORIGIN_PREFIX);
    if (len != prefix + 32 || strncmp(line, AUDIT_ORIGIN_PREFIX, prefix) != 0)
        return -1;
    for (size_t i = prefix; i < len; i++)
        if (!((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f')))
            return -1;
    memcpy(out, line, len);
    out[len] = '\0';
    return 0;
}

/* Canonical decimal: no sign, no leading zero, fits 64 bits. */
static int parse_size(const char *line, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (len > 1 && line[0] == '0'))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        unsigned digit = (unsigned)(line[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

/* Canonical base64 of exactly 32 bytes. */
static int parse_root(const char *line, size_t len, uint8_t out[MERKLE_HASH_BYTES])
{
    size_t decoded = 0;
    const char *end = NULL;
    char again[ROOT_BASE64_SIZE];
    if (len != ROOT_BASE64_SIZE - 1 ||
        sodium_base642bin(out, MERKLE_HASH_BYTES, line, len, NULL, &decoded, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded != MERKLE_HASH_BYTES || end != line + len)
        return -1;
    sodium_bin2base64(again, sizeof(again), out, MERKLE_HASH_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    return memcmp(again, line, len) == 0 ? 0 : -1;
}

static int parse_time(const char *line, size_t len, crmgov_time *out)
{
    char text[40], again[32];
    if (len < 6 || len >= sizeof(text) || strncmp(line, "time ", 5) != 0)
        return -1;
    memcpy(text, line + 5, len - 5);
    text[len - 5] = '\0';
    crmgov_time t = time_parse_rfc3339(text);
    if (t == CRMGOV_TIME_NONE || strcmp(time_format_rfc3339(t, again), text) != 0)
        return -1;
    *out = t;
    return 0;
}

int audit_checkpoint_parse(const char *text, struct audit_head *out, struct strbuf *why)
{
    static const char *const what[] = { "origin line", "size line", "root line", "time line" };
    memset(out, 0, sizeof(*out));
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            return sb_addf(why, "checkpoint: missing %s", what[i]), -1;
        size_t len = (size_t)(nl - p);
        int bad = i == 0   ? parse_origin(p, len, out->origin)
                  : i == 1 ? parse_size(p, len, &out->size)
                  : i == 2 ? parse_root(p, len, out->root)
                           : parse_time(p, len, &out->time);
        if (bad)
            return sb_addf(why, "checkpoint: malformed %s", what[i]), -1;
        p = nl + 1;
    }
    if (*p)
        return sb_adds(why, "checkpoint: text after the time line"), -1;
    out->checkpoint = xstrdup(text);
    return 0;
}

/* ---- signatures ------------------------------------------------------------ */

int audit_head_sign(struct audit_head *head, const struct audit_signer *signer)
{
    char *comment = audit_head_comment(head);
    char *signature = NULL;
    minisign_status status = minisign_sign(&signer->key, head->checkpoint,
                                           strlen(head->checkpoint), comment,
                                           "crmgov audit log tree head", &signature);
    free(comment);
    if (status != MINISIGN_OK)
        return -1;
    free(head->signature);
    head->signature = signature;
    memcpy(head->key_id, signer->key_id, sizeof(head->key_id));
    return 0;
}

int audit_head_check_signature(struct audit_head *head, const minisign_trusted_keys *keys,
                               struct strbuf *why)
{
    if (!head->signature)
        return sb_adds(why, "the head is not signed"), -1;
    minisign_verified verified;
    minisign_status status =
        minisign_verify(head->signature, strlen(head->signature), head->checkpoint,
                        strlen(head->checkpoint), keys, &verified);
    if (status == MINISIGN_ERR_SIGNATURE_MISMATCH)
        return sb_adds(why, "signature: does not match the checkpoint"), -1;
    if (status != MINISIGN_OK)
        return sb_addf(why, "signature: %s", minisign_status_message(status)), -1;
    char *comment = audit_head_comment(head);
    int same = strcmp(comment, verified.trusted_comment) == 0;
    free(comment);
    if (!same)
        return sb_adds(why, "signature: the trusted comment does not match the checkpoint"), -1;
    char key_id[MINISIGN_KEY_ID_HEX_SIZE];
    minisign_key_id_hex(verified.key_id, key_id);
    if (head->key_id[0] && strcmp(head->key_id, key_id) != 0)
        return sb_addf(why, "signature: made by key %s, the head names key %s", key_id,
                       head->key_id),
               -1;
    memcpy(head->key_id, key_id, sizeof(key_id));
    return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

cJSON *audit_head_to_json(const struct audit_head *head)
{
    char hex[2 * MERKLE_HASH_BYTES + 1], at[32];
    hex_encode(head->root, MERKLE_HASH_BYTES, hex);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "origin", head->origin);
    cJSON_AddNumberToObject(o, "size", (double)head->size);
    cJSON_AddStringToObject(o, "root", hex);
    cJSON_AddStringToObject(o, "time", time_format_rfc3339(head->time, at));
    if (head->key_id[0])
        cJSON_AddStringToObject(o, "key_id", head->key_id);
    else
        cJSON_AddNullToObject(o, "key_id");
    cJSON_AddStringToObject(o, "checkpoint", head->checkpoint);
    if (head->signature)
        cJSON_AddStringToObject(o, "signature", head->signature);
    else
        cJSON_AddNullToObject(o, "signature");
    return o;
}

static int member_disagrees(const cJSON *json, const char *name, const char *expected)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(json, name);
    return m && !(cJSON_IsString(m) && strcmp(m->valuestring, expected) == 0);
}

/* The convenience members, when present, must say what the checkpoint says. */
static int check_members(const cJSON *json, const struct audit_head *head, struct strbuf *why)
{
    char hex[2 * MERKLE_HASH_BYTES + 1], at[32];
    hex_encode(head->root, MERKLE_HASH_BYTES, hex);
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(json, "size");
    const char *bad = member_disagrees(json, "origin", head->origin) ? "origin"
                      : member_disagrees(json, "root", hex)         ? "root"
                      : member_disagrees(json, "time", time_format_rfc3339(head->time, at))
                          ? "time"
                      : (size && !(cJSON_IsNumber(size) && size->valuedouble >= 0 &&
                                   (uint64_t)size->valuedouble == head->size))
                          ? "size"
                          : NULL;
    if (bad)
        return sb_addf(why, "head: '%s' differs from the checkpoint", bad), -1;
    return 0;
}

int audit_head_from_json(const cJSON *json, struct audit_head *out, struct strbuf *why)
{
    memset(out, 0, sizeof(*out));
    const cJSON *checkpoint = cJSON_GetObjectItemCaseSensitive(json, "checkpoint");
    const cJSON *signature = cJSON_GetObjectItemCaseSensitive(json, "signature");
    const cJSON *key_id = cJSON_GetObjectItemCaseSensitive(json, "key_id");
    if (!cJSON_IsObject(json) || !cJSON_IsString(checkpoint))
        return sb_adds(why, "head: not an object with a 'checkpoint' string"), -1;
    if (signature && !cJSON_IsString(signature) && !cJSON_IsNull(signature))
        return sb_adds(why, "head: 'signature' must be a string or null"), -1;
    if (key_id && !cJSON_IsNull(key_id) &&
        !(cJSON_IsString(key_id) && strlen(key_id->valuestring) == MINISIGN_KEY_ID_HEX_SIZE - 1))
        return sb_adds(why, "head: 'key_id' must be 16 hexadecimal digits or null"), -1;
    if (audit_checkpoint_parse(checkpoint->valuestring, out, why))
        return -1;
    if (check_members(json, out, why)) {
        audit_head_free(out);
        return -1;
    }
    if (cJSON_IsString(signature))
        out->signature = xstrdup(signature->valuestring);
    if (cJSON_IsString(key_id))
        memcpy(out->key_id, key_id->valuestring, MINISIGN_KEY_ID_HEX_SIZE);
    return 0;
}

int audit_head_from_text(const char *text, size_t len, struct audit_head *out,
                         struct strbuf *why)
{
    memset(out, 0, sizeof(*out));
    size_t at;
    int trailing;
    cJSON *json = json_parse_exact(text, len, &at, &trailing);
    if (!json)
        return sb_adds(why, "head: not valid JSON"), -1;
    int rc = audit_head_from_json(json, out, why);
    cJSON_Delete(json);
    return rc;
}
