/*
 * fuzz_config.c -- libFuzzer target for the configuration reader: any bytes
 * as an INI file must end in "accepted" or one `file:line: what` error,
 * never a crash, a leak or an over-long line slipping through to inih.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* an embedded NUL ends the text, as it would a file */
    struct config c;
    struct strbuf err = STRBUF_INIT;
    if (config_load_string(text, "fuzz.ini", &c, &err) == 0) {
        for (size_t i = 0; i < c.n_sections; i++)
            for (size_t j = 0; j < c.sections[i].n_entries; j++)
                if (strlen(c.sections[i].entries[j].value) > CONFIG_MAX_LINE)
                    abort(); /* a value longer than a line means a line was split */
        config_free(&c);
    } else if (strncmp(sb_str(&err), "fuzz.ini:", 9) != 0) {
        abort(); /* every error names the file and line */
    }
    sb_free(&err);
    free(text);
    return 0;
}
