/* The archive search's query text: folding any bytes and parsing any day never reads or writes out
 * of bounds, never grows the text, and a parsed day is a real midnight. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signaling/archive_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *in = malloc(size + 1);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    size_t cap = size % 64 + 1;
    char *out = malloc(cap);
    if (!out) {
        free(in);
        return 0;
    }
    archive_fold(in, out, cap);
    if (strlen(out) >= cap || strlen(out) > strlen(in)) abort();
    int64_t t;
    if (archive_parse_day(in, &t) && (t < 0 || strlen(in) != 10)) abort();
    free(out);
    free(in);
    return 0;
}
