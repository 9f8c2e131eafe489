/* Inside the media plane: the objects each worker owns and the calls between them. Not for use
 * outside sfu/ (signaling uses sfu.h); the benchmark and unit tests use it to drive a worker
 * without threads or sockets.
 *
 * Ownership, in one place:
 * - a worker owns its UDP socket, outbox, transports, the sources published on those transports,
 *   the outputs subscribed on them, and one group per source that any of its outputs watches;
 * - a source lives on its publisher's worker; it counts, per worker, the outputs watching it, and
 *   sends each decrypted packet once to every worker whose count is non-zero (its own worker
 *   directly, others through that pair's SPSC ring);
 * - a group holds, for one source on one worker, the outputs bound to it and the retransmission
 *   buffer; only that worker touches it;
 * - nothing here is shared between threads except the rings, the command queue (mutex, control
 *   plane only) and relaxed counters. */
#ifndef DH_ENGINE_H
#define DH_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sfu/base/idmap.h"
#include "sfu/crypto/dtls.h"
#include "sfu/crypto/srtp_session.h"
#include "sfu/engine/sfu.h"
#include "sfu/proto/codec.h"
#include "sfu/route/keyframe.h"
#include "sfu/route/recv_stats.h"
#include "sfu/route/rewrite.h"
#include "sfu/route/rtx_buffer.h"
#include "sfu/route/twcc.h"

#define PKT_MAX 1500
#define TRANSPORT_MAX_ADDRS 4
#define TRANSPORT_MAX_SOURCES 8

typedef struct worker worker;
typedef struct transport transport;
typedef struct source source;
typedef struct output output;
typedef struct group group;
typedef struct outbox outbox;

typedef enum { T_NEW = 0, T_CHECKED, T_CONNECTED, T_FAILED } transport_state;

struct transport {
    uint32_t id;
    worker *w;
    transport_state state;
    char ufrag[33];
    char pwd[65];
    char fp_alg[16];
    uint8_t fp[64];
    uint8_t fp_len;
    struct sockaddr_storage peer; /* nominated (or first checked) address: where we send */
    socklen_t peer_len;
    struct sockaddr_storage addrs[TRANSPORT_MAX_ADDRS]; /* every address that passed a check */
    uint8_t n_addrs;
    dtls_conn *dtls;
    uint8_t *early_dtls;     /* a ClientHello that came before the peer's fingerprint, kept */
    uint16_t early_dtls_len; /* to be answered as soon as it is known (transport_set_remote) */
    srtp_session *srtp;
    uint64_t created_us, last_check_us, next_report_us;
    source *sources[TRANSPORT_MAX_SOURCES];
    uint8_t n_sources;
    idmap *outputs_by_ssrc; /* output and rtx SSRCs -> output */
    uint32_t remb_ssrc;     /* our sender SSRC in RTCP we originate */
    uint64_t rtt_us;        /* smoothed round-trip time from receiver reports; 0 = unknown */
    uint32_t remb_in_bps;   /* the peer's latest REMB: what it says it can receive; 0 = none */
    uint8_t loss_in;        /* worst fraction lost (/256) in its reports since the last event */
    bool reported;          /* a receiver report arrived since the last event */
    twcc *twcc;             /* transport-cc arrivals; NULL until a source negotiates it */
    uint8_t twcc_ext;       /* the transport-wide sequence number's extension id */
};

struct source {
    uint32_t id;
    transport *t;
    codec_id codec;
    bool video;
    uint32_t clock;
    uint32_t ssrc, rtx_ssrc;
    uint8_t audio_level_ext;
    char rid[16], mid[16]; /* simulcast layer: SSRCs learned from these (sfu_source_params) */
    uint8_t rid_ext, rrid_ext, mid_ext;
    uint8_t min_level; /* loudest RFC 6464 level (-dBov) since the last stats event */
    uint32_t int_packets, int_bytes, int_lost_base; /* the current stats interval */
    recv_stats stats;
    keyframe_throttle kf;
    uint16_t refs[SFU_MAX_WORKERS]; /* outputs watching this source, per worker */
    uint64_t ref_mask;              /* workers whose refs are non-zero */
    bool recording;                 /* copies go to the tap (sfu_source_record) */
    uint32_t tap_dropped;           /* copies lost since the last one that got through */
};

struct output {
    uint32_t id;
    transport *t;
    group *g;    /* the source it sends now */
    group *next; /* the source it moves to at that source's next keyframe (a layer switch) */
    uint64_t next_kf_us; /* when the pending source was last asked for a keyframe */
    codec_id codec;
    bool video;
    uint32_t clock;
    uint32_t ssrc, rtx_ssrc;
    uint8_t pt, rtx_pt;
    uint16_t rtx_seq;
    rewrite rw;
    uint32_t packets, octets;
    uint64_t kf_asked_us;
    uint32_t sr_mid;     /* middle 32 bits of the NTP time in the last SR sent */
    uint64_t sr_sent_us; /* when it was sent: a receiver report quoting it gives the RTT */
};

struct group {
    uint32_t source_id;
    int source_worker;
    codec_id codec;
    bool video;
    uint32_t clock;
    rtx_buffer *rtx; /* video only */
    output **outs;
    uint32_t n_outs, cap_outs;
    output **pend; /* outputs still sending another source, waiting for this one's keyframe */
    uint32_t n_pend, cap_pend;
};

/* Metadata that travels with a decrypted packet between workers. */
typedef struct pkt_meta {
    uint32_t source_id;
    uint16_t seq;
    uint16_t header_len;
    uint32_t ts;
    uint8_t marker;
    uint8_t keyframe;
} pkt_meta;

/* Sending: every packet is built in place in an outbox slot and sent in batches. */
typedef void (*outbox_send_fn)(void *ctx, struct mmsghdr *msgs, unsigned n);
outbox *outbox_new(int fd, unsigned slots);
void outbox_free(outbox *ob);
/* Replaces sendmmsg on the socket (benchmarks, tests). */
void outbox_set_sender(outbox *ob, outbox_send_fn fn, void *ctx);
/* A PKT_MAX + SRTP_MAX_TRAILER byte buffer to build the next datagram in; flushes when full. */
uint8_t *outbox_slot(outbox *ob);
void outbox_commit(outbox *ob, size_t len, const struct sockaddr_storage *to, socklen_t tolen);
void outbox_flush(outbox *ob);
uint64_t outbox_sent(const outbox *ob);
uint64_t outbox_errors(const outbox *ob);

/* Worker: per-thread state. */
typedef struct worker_counters {
    _Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, forwarded, nacks_answered,
        plis_sent, srtp_errors, malformed, unknown_peer, transports;
} worker_counters;

/* Counters have one writer (their worker) and are read by the signaling thread: a relaxed load and
 * store, without the locked read-modify-write an atomic add would cost on every packet. */
static inline void stat_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

/* A worker with no thread and no socket, for benchmarks and tests: `fd` -1. */
worker *worker_new(sfu *s, int index, int fd, const dtls_cert *cert);
void worker_free(worker *w);
int worker_start(worker *w); /* starts the thread */
void worker_stop(worker *w); /* joins it */
int worker_index(const worker *w);
outbox *worker_outbox(worker *w);
worker_counters *worker_stats(worker *w);
int worker_fd(const worker *w);
void worker_wake(worker *w);
/* Bytes a ring slot between workers must hold. */
size_t worker_ring_slot_size(void);
uint32_t worker_remb_bps(const worker *w);
void worker_set_remb_bps(worker *w, uint32_t bps);

/* What workers need of the sfu that owns them (sfu.c). */
typedef struct spsc_ring spsc_ring;
spsc_ring *sfu_ring(sfu *s, int from, int to);
worker *sfu_worker(sfu *s, int index);
/* Queues an event for the signaling thread; `wake` false lets a caller wake once for a batch. */
void sfu_push_event(sfu *s, const sfu_event *ev, bool wake);
void sfu_push_event_wake(sfu *s);

/* Commands from the signaling thread, carried out in order on the worker's thread. */
typedef enum {
    CMD_TRANSPORT_CREATE = 1,
    CMD_TRANSPORT_CLOSE,
    CMD_SOURCE_ADD,
    CMD_SOURCE_REMOVE,
    CMD_OUTPUT_ADD,
    CMD_OUTPUT_REMOVE,
    CMD_OUTPUT_BIND,
    CMD_SOURCE_REF,
    CMD_KEYFRAME,
    CMD_TRANSPORT_REMOTE,
    CMD_SOURCE_RECORD,
} cmd_type;

typedef struct cmd {
    cmd_type type;
    struct cmd *next;
    union {
        sfu_transport_params transport;
        sfu_source_params source;
        sfu_output_params output;
        uint32_t id;
        struct {
            uint32_t output, source;
            int source_worker;
            codec_id codec;
            uint32_t clock;
            bool seamless; /* keep sending the old source until the new one's keyframe */
        } bind;
        struct {
            uint32_t source;
            int from;
            int delta;
        } ref;
        struct {
            uint32_t source;
            bool on;
        } record;
    } u;
} cmd;

/* Takes ownership of a malloc'd command. */
void worker_post(worker *w, cmd *c);

/* Control, on the worker's own thread (commands land here). */
transport *worker_transport_create(worker *w, const sfu_transport_params *p);
void worker_transport_close(worker *w, uint32_t id, const char *why);
void worker_transport_remote(worker *w, const sfu_transport_params *p);
source *worker_source_add(worker *w, const sfu_source_params *p);
void worker_source_remove(worker *w, uint32_t id);
output *worker_output_add(worker *w, const sfu_output_params *p);
void worker_output_remove(worker *w, uint32_t id);
/* Points an output at a source (0: at nothing). Seamless, for a video output that is already
 * sending: it goes on sending its old source and moves at the new one's keyframe, and
 * SFU_EV_OUTPUT_SWITCHED says when (signaling then stops the old source's flow to this worker). */
void worker_output_bind(worker *w, uint32_t output_id, uint32_t source_id, int source_worker,
                        codec_id codec, uint32_t clock, bool seamless);
/* The keyframe a pending output waited for is here: it leaves its old group for o->next. */
void worker_output_switch(worker *w, output *o);
void worker_source_ref(worker *w, uint32_t source_id, int from_worker, int delta);
/* Keys a transport directly, skipping ICE and DTLS (benchmarks, tests). */
int worker_transport_key(worker *w, uint32_t id, const dtls_srtp_keys *keys,
                         const struct sockaddr_storage *peer, socklen_t peer_len);

/* Data path. */
void worker_on_datagram(worker *w, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                        socklen_t fromlen, uint64_t now_us);
/* A decrypted packet of one of this worker's sources: to local outputs and other workers. */
void worker_route(worker *w, source *src, const pkt_meta *m, const uint8_t *pkt, size_t len,
                  uint64_t now_us);
/* A keyframe wish for a source that may live on another worker. */
void worker_ask_keyframe(worker *w, uint32_t source_id, int source_worker, uint64_t now_us);
/* A source's sender report, for outputs on every worker. */
void worker_route_sr(worker *w, source *src, uint64_t ntp, uint32_t rtp_ts);
/* The recording tap (tap.c): each worker owns one ring of copies for the recorder. */
#define TAP_SLOTS 4096
size_t tap_slot_size(void);
spsc_ring *worker_tap(worker *w);
void tap_packet(worker *w, source *src, const uint8_t *pkt, size_t len, uint64_t now_us);
void tap_sender_report(worker *w, source *src, uint64_t ntp, uint32_t rtp_ts);
/* Hands up to max copies waiting in one tap ring to fn (sfu_tap_drain, per worker). */
size_t tap_drain_ring(spsc_ring *r, sfu_tap_fn fn, void *ud, size_t max);
void worker_emit_event(worker *w, sfu_event_type type, uint32_t transport_id, const char *reason);

/* Transport (transport.c). */
transport *transport_new(worker *w, const sfu_transport_params *p, const dtls_cert *cert);
/* Sets the peer's fingerprint and creates the DTLS connection. */
int transport_set_remote(transport *t, const sfu_transport_params *p, const dtls_cert *cert);
void transport_free(transport *t);
void transport_on_stun_ok(transport *t, const struct sockaddr_storage *from, socklen_t fromlen,
                          bool nominated, uint64_t now_us);
void transport_on_dtls(transport *t, const uint8_t *buf, size_t len, uint64_t now_us);
void transport_on_srtp(transport *t, uint8_t *buf, size_t len, uint64_t now_us);
void transport_on_timer(transport *t, uint64_t now_us);
void transport_send_rtcp(transport *t, uint8_t *buf, size_t len);
/* Starts transport-cc feedback with this extension id (control path: allocates once). */
void transport_use_twcc(transport *t, uint8_t ext_id);
void transport_fail(transport *t, const char *why);

/* Router (router.c): groups of outputs on one worker. */
group *group_new(uint32_t source_id, int source_worker, codec_id codec, uint32_t clock);
void group_free(group *g);
void group_add(group *g, output *o);
void group_remove(group *g, output *o);
void group_add_pending(group *g, output *o);
void group_remove_pending(group *g, output *o);
void group_deliver(worker *w, group *g, const pkt_meta *m, const uint8_t *pkt, size_t len,
                   uint64_t now_us);
void group_sender_report(worker *w, group *g, uint64_t ntp, uint32_t rtp_ts);
/* RTCP feedback a subscriber sent about one of its outputs. */
void output_on_nack(worker *w, output *o, uint16_t seq);
void output_on_keyframe_request(worker *w, output *o, uint64_t now_us);

#endif
