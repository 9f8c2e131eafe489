/* One emulated peer connection: a UDP socket of its own (the hub tells peers apart by their
 * address), ICE checks sent (ice_check.h) and answered (ice_reply.h), DTLS with the far end's
 * fingerprint checked, SRTP keyed from the DTLS export, on the process's one libev (epoll) loop.
 *
 * Roles follow the descriptions: toward dienhong's ICE-lite hub we control ICE and are the DTLS
 * client (the hub answers passive, and we answer its actpass offers active); toward a full agent
 * such as Janus we control only what we offered, and we are the DTLS server when it answers
 * a=setup:active.
 *
 * Lifetime: peer_new binds the socket; peer_start begins checks once the hub's description is
 * known; events arrive from the loop until peer_free. Single-threaded. */
#ifndef DH_LOAD_PEER_H
#define DH_LOAD_PEER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offer.h"
#include "sfu/crypto/dtls.h"

typedef struct peer peer;

typedef struct peer_events {
    void (*ready)(void *user); /* DTLS connected, SRTP keyed: media may flow */
    /* Decrypted packets; `pkt` may be modified in place. */
    void (*rtp)(void *user, uint8_t *pkt, size_t len, uint64_t now_us);
    void (*rtcp)(void *user, uint8_t *pkt, size_t len, uint64_t now_us);
    void (*failed)(void *user, const char *why);
} peer_events;

typedef struct peer_env {
    struct ev_loop *loop;
    const dtls_cert *cert;
    const char *bind_ip; /* the address our sockets bind to, e.g. "127.0.0.1" */
} peer_env;

/* Room a caller leaves after a packet for SRTP to grow it. */
#define PEER_TRAILER 32

peer *peer_new(const peer_env *env, const peer_events *ev, void *user, char *err, size_t errcap);
void peer_free(peer *p);

/* Our side, for the SDP. */
void peer_local(const peer *p, offer_local *l);

/* Takes the ICE role the far end's description implies (we are controlled when a full agent
 * offered). Call it before our answer leaves: a full agent checks us as soon as it has the answer,
 * and a check answered in the wrong role makes it give up control (487) and wait for us. */
void peer_roles(peer *p, const offer_remote *r);

/* Starts ICE toward the far end (idempotent: a later offer of the same transport changes nothing).
 * Checks from the far end are answered from peer_new on, since a full agent may check us before
 * its description reaches us. */
int peer_start(peer *p, const offer_remote *r);
bool peer_started(const peer *p);
bool peer_ready(const peer *p);

/* Protects in place (buf must hold len + PEER_TRAILER) and sends. 0, or -1 when not ready or the
 * send failed. */
int peer_send_rtp(peer *p, uint8_t *buf, size_t len);
int peer_send_rtcp(peer *p, uint8_t *buf, size_t len);

typedef struct peer_counters {
    uint64_t rx_datagrams, rx_rtp, rx_rtcp, srtp_errors, tx_rtp, tx_rtcp, send_errors;
} peer_counters;
const peer_counters *peer_stats(const peer *p);

#endif
