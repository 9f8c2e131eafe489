/* Fuzzes sdp_parse, and through it sdp_write: whatever parses must write, the written text must
 * parse again, and writing that must give the same text (the writer emits only what the parser
 * reads back). */
#include "sfu/proto/sdp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Comfortably above the largest description the struct can hold (~2 MB at full capacity). */
#define OUT_CAP (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sdp_session *a, *b;
    static char *out1, *out2;
    if (!a) {
        a = sdp_session_new();
        b = sdp_session_new();
        out1 = malloc(OUT_CAP);
        out2 = malloc(OUT_CAP);
        if (!a || !b || !out1 || !out2) abort();
    }
    char err[256];
    if (sdp_parse((const char *)data, size, a, err, sizeof err) < 0) {
        if (strncmp(err, "line ", 5) != 0) __builtin_trap();
        return 0;
    }
    int n1 = sdp_write(a, out1, OUT_CAP);
    if (n1 < 0) __builtin_trap();
    if (sdp_parse(out1, (size_t)n1, b, err, sizeof err) < 0) __builtin_trap();
    int n2 = sdp_write(b, out2, OUT_CAP);
    if (n2 != n1 || memcmp(out1, out2, (size_t)n1) != 0) __builtin_trap();
    return 0;
}
