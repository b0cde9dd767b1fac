/*
 * sf_json.c -- the canonical printer behind sf_json.h.
 *
 * Numbers: a finite value that is an integer of magnitude below 2^53 prints
 * as plain digits; any other finite value prints with the fewest significant
 * digits (15 to 17) that read back to the same double; NaN and infinities,
 * which JSON cannot hold, print as null.
 */
#include "sf_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text_buffer {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
};

static void buffer_append(struct text_buffer *buffer, const char *text, size_t length)
{
    if (buffer->failed)
        return;
    if (buffer->length + length + 1 > buffer->capacity) {
        size_t capacity = buffer->capacity != 0 ? buffer->capacity : 256;
        while (capacity < buffer->length + length + 1)
            capacity *= 2;
        char *data = realloc(buffer->data, capacity);
        if (data == NULL) {
            buffer->failed = 1;
            return;
        }
        buffer->data = data;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->length, text, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
}

static void buffer_puts(struct text_buffer *buffer, const char *text)
{
    buffer_append(buffer, text, strlen(text));
}

static void print_string(struct text_buffer *buffer, const char *text)
{
    buffer_puts(buffer, "\"");
    const char *run = text;
    for (const char *cursor = text; *cursor != '\0'; cursor++) {
        unsigned char c = (unsigned char)*cursor;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        buffer_append(buffer, run, (size_t)(cursor - run));
        char escape[8];
        if (c == '"' || c == '\\')
            snprintf(escape, sizeof escape, "\\%c", c);
        else
            snprintf(escape, sizeof escape, "\\u%04x", c);
        buffer_puts(buffer, escape);
        run = cursor + 1;
    }
    buffer_puts(buffer, run);
    buffer_puts(buffer, "\"");
}

static void print_number(struct text_buffer *buffer, double number)
{
    char text[40];
    if (!isfinite(number)) {
        buffer_puts(buffer, "null");
        return;
    }
    if (number == floor(number) && fabs(number) < 9007199254740992.0) {
        snprintf(text, sizeof text, "%lld", (long long)number);
    } else {
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(text, sizeof text, "%.*g", digits, number);
            if (strtod(text, NULL) == number)
                break;
        }
    }
    buffer_puts(buffer, text);
}

static int compare_members(const void *left, const void *right)
{
    const cJSON *a = *(const cJSON *const *)left;
    const cJSON *b = *(const cJSON *const *)right;
    return strcmp(a->string != NULL ? a->string : "", b->string != NULL ? b->string : "");
}

static void print_value(struct text_buffer *buffer, const cJSON *value);

static void print_object(struct text_buffer *buffer, const cJSON *object)
{
    size_t count = 0;
    for (const cJSON *member = object->child; member != NULL; member = member->next)
        count++;
    const cJSON **members = calloc(count != 0 ? count : 1, sizeof *members);
    if (members == NULL) {
        buffer->failed = 1;
        return;
    }
    count = 0;
    for (const cJSON *member = object->child; member != NULL; member = member->next)
        members[count++] = member;
    qsort(members, count, sizeof *members, compare_members);
    buffer_puts(buffer, "{");
    for (size_t i = 0; i < count; i++) {
        if (i != 0)
            buffer_puts(buffer, ",");
        print_string(buffer, members[i]->string != NULL ? members[i]->string : "");
        buffer_puts(buffer, ":");
        print_value(buffer, members[i]);
    }
    buffer_puts(buffer, "}");
    free(members);
}

static void print_value(struct text_buffer *buffer, const cJSON *value)
{
    if (cJSON_IsObject(value)) {
        print_object(buffer, value);
    } else if (cJSON_IsArray(value)) {
        buffer_puts(buffer, "[");
        for (const cJSON *item = value->child; item != NULL; item = item->next) {
            print_value(buffer, item);
            if (item->next != NULL)
                buffer_puts(buffer, ",");
        }
        buffer_puts(buffer, "]");
    } else if (cJSON_IsString(value)) {
        print_string(buffer, value->valuestring != NULL ? value->valuestring : "");
    } else if (cJSON_IsNumber(value)) {
        print_number(buffer, value->valuedouble);
    } else if (cJSON_IsBool(value)) {
        buffer_puts(buffer, cJSON_IsTrue(value) ? "true" : "false");
    } else if (cJSON_IsRaw(value) && value->valuestring != NULL) {
        buffer_puts(buffer, value->valuestring);
    } else {
        buffer_puts(buffer, "null");
    }
}

char *sf_json_canonical(const struct cJSON *value)
{
    if (value == NULL)
        return NULL;
    struct text_buffer buffer = {0};
    print_value(&buffer, value);
    if (buffer.failed) {
        free(buffer.data);
        return NULL;
    }
    return buffer.data;
}
