#include "rtx_buffer.h"

#include <stdlib.h>
#include <string.h>

typedef struct rtx_slot {
    uint16_t seq;
    uint16_t len; /* 0 = empty */
} rtx_slot;

struct rtx_buffer {
    uint32_t mask;
    uint32_t slot_size;
    rtx_slot *meta;
    uint8_t *data;
};

rtx_buffer *rtx_buffer_new(uint32_t slots, uint32_t slot_size)
{
    uint32_t n = 2;
    while (n < slots)
        n <<= 1;
    rtx_buffer *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->mask = n - 1;
    b->slot_size = slot_size;
    b->meta = calloc(n, sizeof(rtx_slot));
    b->data = malloc((size_t)n * slot_size);
    if (!b->meta || !b->data) {
        rtx_buffer_free(b);
        return NULL;
    }
    return b;
}

void rtx_buffer_free(rtx_buffer *b)
{
    if (!b) return;
    free(b->meta);
    free(b->data);
    free(b);
}

void rtx_buffer_put(rtx_buffer *b, uint16_t seq, const uint8_t *pkt, size_t len)
{
    rtx_slot *m = &b->meta[seq & b->mask];
    if (len == 0 || len > b->slot_size) {
        m->len = 0;
        return;
    }
    memcpy(b->data + (size_t)(seq & b->mask) * b->slot_size, pkt, len);
    m->seq = seq;
    m->len = (uint16_t)len;
}

const uint8_t *rtx_buffer_get(const rtx_buffer *b, uint16_t seq, size_t *len)
{
    const rtx_slot *m = &b->meta[seq & b->mask];
    if (m->len == 0 || m->seq != seq) return NULL;
    *len = m->len;
    return b->data + (size_t)(seq & b->mask) * b->slot_size;
}
