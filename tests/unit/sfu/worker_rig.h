/* A worker driven by hand, for the forwarding tests: no thread and no socket. Clients are keyed
 * with fixed SRTP keys; what they send is protected with their own sessions and played into
 * worker_on_datagram; every datagram the worker sends is captured, to be opened with the clients'
 * sessions. The rig's state is global, as a test's is; a failure in the rig itself (a client that
 * cannot be set up) ends the test at once. */
#ifndef DH_TEST_WORKER_RIG_H
#define DH_TEST_WORKER_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sfu/engine/engine.h"
#include "sfu/proto/rtp.h"

#define CAP_MAX 1024

typedef struct dgram {
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    size_t len;
    struct sockaddr_storage to;
    socklen_t tolen;
} dgram;

typedef struct client {
    uint32_t tid;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    srtp_session *srtp; /* the client's side: protects what it sends, opens what the hub sends */
} client;

typedef struct src_pkt {
    uint16_t seq;
    uint32_t ts;
    bool marker;
    uint8_t payload[300];
    size_t payload_len;
    uint8_t pad; /* padding bytes (P bit) after the payload, 0 for none */
} src_pkt;

typedef struct got_rtp {
    rtp_view v;
    uint8_t buf[PKT_MAX];
    size_t len;
} got_rtp;

enum { FRAME_KEY, FRAME_INTER, FRAME_CONT };

extern worker *w;
extern dgram captured[CAP_MAX];
extern size_t n_captured, overflow; /* datagrams past CAP_MAX */

/* A worker with its outbox captured (and libsrtp initialised). */
void rig_start(void);
struct sockaddr_storage loopback(uint16_t port, socklen_t *len);
bool to_client(const dgram *d, const client *c);
/* Distinct fixed keys per transport; the client gets them mirrored. */
void keys_for(uint32_t tid, dtls_srtp_keys *hub, dtls_srtp_keys *cli);
void client_setup(client *c, uint32_t tid);
/* One datagram into the worker (from `from`), then the end of the loop pass: the outbox flushes.
 * The worker works in place, so it gets a copy. */
void deliver(const uint8_t *buf, size_t len, const struct sockaddr_storage *from, socklen_t fromlen,
             uint64_t now_us);
/* A VP8 packet: the first packet of a key or inter frame (S=1, PID=0, then the frame header whose
 * bit 0 is the inverse key-frame flag) or a continuation packet (S=0). */
src_pkt vp8(uint16_t seq, uint32_t ts, int kind, bool marker, size_t len);
size_t build_rtp(uint8_t *out, const src_pkt *p, uint32_t ssrc, uint8_t pt);
/* RTCP from a client, protected with its session. */
void send_rtcp(const client *c, uint8_t *buf, size_t n, uint64_t now_us);
void send_nack(const client *c, uint32_t media_ssrc, const uint16_t *seqs, size_t n,
               uint64_t now_us);
/* Opens every captured RTP datagram addressed to `c`, in order. `skip_seq` (when >= 0) is
 * one the client pretends it lost: left sealed, so that its retransmission is no replay. */
size_t open_rtp(const client *c, got_rtp *out, size_t cap, int skip_seq, size_t *bad);
/* Counts the RTCP packets of type/fmt `type`/`fmt` about `media_ssrc` in captured datagrams to `c`
 * (all of which must open). */
int count_rtcp(const client *c, uint8_t type, uint8_t fmt, uint32_t media_ssrc);
size_t captured_to(const client *c);
uint64_t counter(_Atomic uint64_t *c);
/* An RTP packet from client `c` on `ssrc`, protected with its session, into the worker. */
void publish_as(const client *c, uint32_t ssrc, uint8_t pt, const src_pkt *p, uint64_t now_us);

#endif
