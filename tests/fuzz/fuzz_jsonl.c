/*
 * fuzz_jsonl.c -- libFuzzer target for the JSON Lines validator: any line is
 * either a valid event (which must then print back to JSON and parse again
 * to the same definition hash) or a dead letter with a reason, never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json((const char *)data, size, "fuzz", 1, &why);
    if (!box) {
        if (!why.len)
            abort(); /* a rejection always says why */
        sb_free(&why);
        return 0;
    }
    struct strbuf again = STRBUF_INIT;
    event_to_json(&box->ev, &again);
    struct event_box *round = event_parse_json(again.buf, again.len, "fuzz", 1, &why);
    if (!round)
        abort(); /* what we print, we accept */
    if (box->ev.topic == CRMGOV_TOPIC_AUTOMATION &&
        strcmp(box->ev.u.automation->definition_hash, round->ev.u.automation->definition_hash))
        abort(); /* printing keeps the definition */
    event_box_free(round);
    event_box_free(box);
    sb_free(&again);
    sb_free(&why);
    return 0;
}
