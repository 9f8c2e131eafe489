/* Websocket requests are the hub's most exposed input: any bytes, any JSON. */
#include <stddef.h>
#include <stdint.h>

#include "signaling/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    request r;
    request_error e;
    if (request_parse((const char *)data, size, &r, &e) == 0) {
        /* Every accepted request carries what its handler will read. */
        if (!r.id) __builtin_trap();
        if ((r.type == REQ_PUBLISH || r.type == REQ_ANSWER) && !r.sdp) __builtin_trap();
        if (r.type == REQ_KEYFRAME && !r.mid) __builtin_trap();
        if (r.type == REQ_TRICKLE && !r.target) __builtin_trap();
    } else if (!e.code) {
        __builtin_trap();
    }
    request_free(&r);
    return 0;
}
