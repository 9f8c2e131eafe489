/* A single-producer single-consumer ring of fixed-size slots, the only path between media
 * workers: the publisher's worker copies a decrypted packet in, the subscriber's worker copies it
 * out. Lock-free (C11 acquire/release on the two indices); a full ring drops, never blocks, and
 * counts the drop. */
#ifndef DH_RING_H
#define DH_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct spsc_ring spsc_ring;

/* `slots` is rounded up to a power of two; each slot holds up to `slot_size` bytes. */
spsc_ring *ring_new(uint32_t slots, uint32_t slot_size);
void ring_free(spsc_ring *r);

/* Producer: a slot to fill, or NULL when full (the drop is counted). Then ring_push(len). */
void *ring_claim(spsc_ring *r);
void ring_push(spsc_ring *r, uint32_t len);

/* Consumer: the oldest slot and its length, or NULL when empty. Then ring_pop(). */
const void *ring_peek(spsc_ring *r, uint32_t *len);
void ring_pop(spsc_ring *r);

uint64_t ring_drops(const spsc_ring *r);
uint32_t ring_slot_size(const spsc_ring *r);

#endif
