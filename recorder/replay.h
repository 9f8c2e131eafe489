/* Replaying the journals of one publisher (one peer connection: its audio and its video, each
 * possibly in several journals when it republished): the packets of one kind come back in
 * sequence order, without duplicates, each with its time on the hub's clock, lip-synced as
 * docs/recording.md says.
 *
 * Time of a packet (µs since the epoch, the clock of the journals' arrival times):
 *   - once its journal has seen a sender report, the RTP timestamp is mapped through the latest
 *     report received before the packet (NTP <-> RTP) to the sender's clock, then moved to the
 *     hub's clock by the publisher's offset: the smallest (arrival - send time) over all of the
 *     publisher's audio packets that had a report. Audio and video of one publisher thus keep the
 *     offset they were sent with; the audio packet that travelled fastest defines "no delay".
 *     A publisher without a mapped audio packet uses, per journal, the same minimum over that
 *     journal's own packets.
 *   - before the first report of its journal, arrival times: the RTP timestamp anchored at the
 *     smallest (arrival - RTP time) of those early packets, so that a frame's packets share one
 *     time and network jitter does not shake the picture.
 *   - times never go back within a stream: a packet that maps earlier than the one before it
 *     (the switch to sender reports, a clock step) gets the time of the one before.
 *
 * Order: within a journal, sequence numbers are unwrapped (16 -> 64 bits) and packets are held in
 * a window of REPLAY_WINDOW packets so that late ones (retransmissions) take their place again.
 * A packet whose sequence number was already handed out, or is older than the last one handed
 * out, is dropped and counted. RTP timestamps are unwrapped the same way (32 -> 64 bits).
 * Journals of one kind follow each other in creation order; a journal's packets that arrived
 * after the next journal's first packet are dropped (a republish overtakes the old stream).
 *
 * Packets that are not RTP version 2, whose header does not fit, whose payload type differs from
 * the journal's, or (when the journal names an SSRC) whose SSRC differs, are dropped and counted.
 *
 * Threads: replay_open reads every journal once (sender reports, offsets, activity spans); the
 * replay is read-only afterwards, so streams of one replay may run on different threads, each
 * stream used by one thread. */
#ifndef DH_REPLAY_H
#define DH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder/journal.h"

#define REPLAY_MAX_JOURNALS 64     /* of one publisher */
#define REPLAY_WINDOW 256          /* packets held for reordering */
#define REPLAY_SPAN_GAP_US 1000000 /* a silence this long splits activity spans */
#define REPLAY_MAX_SPANS 100000    /* activity spans kept per kind; later ones extend the last */

typedef struct replay replay;
typedef struct replay_stream replay_stream;

typedef struct replay_packet {
    const uint8_t *data; /* the RTP packet; valid until the next replay_stream_next */
    size_t len;
    uint64_t ext_seq; /* unwrapped sequence number (first packet's seq + cycles) */
    uint64_t ext_ts;  /* unwrapped RTP timestamp */
    uint64_t arrival_us;
    int64_t time_us; /* time on the hub's clock, see above */
    size_t journal;  /* index in replay_open's list */
    bool discont;    /* first packet of a journal, or the first after a GAP record */
} replay_packet;

/* Activity of one kind on the hub's clock (arrival times): packets came at least every
 * REPLAY_SPAN_GAP_US from start to end. */
typedef struct replay_span {
    uint64_t start_us, end_us;
} replay_span;

/* Opens the n journals of one publisher and reads them through once. NULL on failure (a journal
 * that cannot be opened, more than REPLAY_MAX_JOURNALS, a read error) with the reason in err. */
replay *replay_open(const char *const *paths, size_t n, char *err, size_t cap);
void replay_close(replay *r);

size_t replay_journal_count(const replay *r);
const journal_track *replay_journal_track(const replay *r, size_t i);
/* True when some journal of that kind (JOURNAL_KIND_*) held at least one usable packet. */
bool replay_has(const replay *r, uint8_t kind);
/* The publisher's offset from its audio (hub clock - sender clock, µs); false when there is none
 * (no audio packet with a sender report). */
bool replay_offset(const replay *r, int64_t *offset_us);
/* Arrival times of the first and last usable packet of that kind, 0 when none. */
uint64_t replay_first_arrival(const replay *r, uint8_t kind);
uint64_t replay_last_arrival(const replay *r, uint8_t kind);
/* The activity spans of that kind, in time order. */
const replay_span *replay_spans(const replay *r, uint8_t kind, size_t *n);

/* Iterates the packets of one kind over all its journals. NULL on failure with the reason. */
replay_stream *replay_stream_new(const replay *r, uint8_t kind, char *err, size_t cap);
/* 1 and *out filled; 0 at the end; negative on a read error (the reason in replay_stream_error).
 */
int replay_stream_next(replay_stream *s, replay_packet *out);
const char *replay_stream_error(const replay_stream *s);
/* Packets dropped so far: duplicates, too late for the window, malformed, foreign. */
uint64_t replay_stream_dropped(const replay_stream *s);
void replay_stream_free(replay_stream *s);

/* NTP 64-bit timestamp (RFC 3550) to µs on the NTP timescale. */
int64_t replay_ntp_to_us(uint64_t ntp);

#endif
