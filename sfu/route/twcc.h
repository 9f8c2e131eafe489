/* Transport-wide congestion control feedback for one publisher's transport
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): the arrival time of every packet that
 * carries the transport-wide sequence number, kept until it has been reported to the sender, whose
 * own bandwidth estimate runs on these reports.
 *
 * Arrivals live in a fixed ring of TWCC_RING slots indexed by sequence number, so recording one is
 * a store, with no allocation. Each feedback covers the packets from the first not yet reported
 * to the highest received: gaps are reported as not received, a packet that arrives after its
 * number was reported lost is reported again (the sender takes the later word), a jump of more
 * than the ring reports only the last TWCC_RING numbers. Owned by the transport's worker. */
#ifndef DH_TWCC_H
#define DH_TWCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TWCC_RING 1024          /* a power of two */
#define TWCC_INTERVAL_US 50000u /* feedback at least this often while packets come */
#define TWCC_EAGER 200          /* ...and at once when this many wait */

typedef struct twcc twcc;

twcc *twcc_new(void);
void twcc_free(twcc *tw);
/* A packet with transport-wide sequence number `seq` arrived on the media SSRC `ssrc`. */
void twcc_packet(twcc *tw, uint16_t seq, uint32_t ssrc, uint64_t now_us);
/* Sequence numbers the next feedback would cover (0 when all are reported). */
uint32_t twcc_pending(const twcc *tw);
/* True when a feedback should go out now: something is pending and the interval has passed or
 * TWCC_EAGER packets wait. */
bool twcc_due(const twcc *tw, uint64_t now_us);
/* Writes the next feedback packet (at most `cap` bytes, RTCP_TWCC_MAX_LEN used at most) and marks
 * what it covers reported; 0 when nothing is pending. Call again while it writes: one feedback
 * holds what fits in the cap and within 16 bits of 250 us deltas. */
size_t twcc_feedback(twcc *tw, uint32_t sender_ssrc, uint64_t now_us, uint8_t *out, size_t cap);

#endif
