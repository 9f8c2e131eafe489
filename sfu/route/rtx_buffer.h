/* The retransmission buffer of one video source on one worker: the last N decrypted packets,
 * indexed by sequence number, so that a subscriber's NACK is answered without asking the
 * publisher. Slots are preallocated; storing a packet is one memcpy. Owned by one worker. */
#ifndef DH_RTX_BUFFER_H
#define DH_RTX_BUFFER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtx_buffer rtx_buffer;

/* `slots` is rounded up to a power of two; packets longer than `slot_size` are not kept. */
rtx_buffer *rtx_buffer_new(uint32_t slots, uint32_t slot_size);
void rtx_buffer_free(rtx_buffer *b);
void rtx_buffer_put(rtx_buffer *b, uint16_t seq, const uint8_t *pkt, size_t len);
/* The stored packet with exactly this sequence number, or NULL. */
const uint8_t *rtx_buffer_get(const rtx_buffer *b, uint16_t seq, size_t *len);

#endif
