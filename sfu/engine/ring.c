#include "ring.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Each slot starts with its length; the data after it is 16-byte aligned, so a message holding
 * 64-bit fields can be written straight into a slot. */
#define RING_HDR 16u

struct spsc_ring {
    /* The indices live on separate cache lines: the producer writes `head`, the consumer `tail`. */
    _Alignas(64) _Atomic uint32_t head;
    uint64_t drops;
    _Alignas(64) _Atomic uint32_t tail;
    _Alignas(64) uint32_t mask;
    uint32_t slot_size;
    uint32_t stride;
    uint8_t *mem; /* each slot: uint32_t len, then slot_size bytes */
};

spsc_ring *ring_new(uint32_t slots, uint32_t slot_size)
{
    uint32_t n = 2;
    while (n < slots)
        n <<= 1;
    spsc_ring *r = aligned_alloc(64, sizeof(spsc_ring));
    if (!r) return NULL;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->drops = 0;
    r->mask = n - 1;
    r->slot_size = slot_size;
    r->stride = (uint32_t)((slot_size + RING_HDR + 15) & ~15u);
    r->mem = aligned_alloc(16, (size_t)n * r->stride); /* stride is a multiple of 16 */
    if (!r->mem) {
        free(r);
        return NULL;
    }
    return r;
}

void ring_free(spsc_ring *r)
{
    if (!r) return;
    free(r->mem);
    free(r);
}

void *ring_claim(spsc_ring *r)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask) {
        r->drops++;
        return NULL;
    }
    return r->mem + (size_t)(head & r->mask) * r->stride + RING_HDR;
}

void ring_push(spsc_ring *r, uint32_t len)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint8_t *s = r->mem + (size_t)(head & r->mask) * r->stride;
    *(uint32_t *)s = len;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

const void *ring_peek(spsc_ring *r, uint32_t *len)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) return NULL;
    const uint8_t *s = r->mem + (size_t)(tail & r->mask) * r->stride;
    *len = *(const uint32_t *)s;
    return s + RING_HDR;
}

void ring_pop(spsc_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

uint64_t ring_drops(const spsc_ring *r)
{
    return r->drops;
}

uint32_t ring_slot_size(const spsc_ring *r)
{
    return r->slot_size;
}
