/* ICE-lite responder (RFC 8445 2.5, 8839) on a worker's shared UDP socket, built on the STUN
 * library that libnice installs.
 *
 * Why not one libnice agent per peer: libnice 0.1.x serialises every agent of the process through
 * one global mutex and owns one socket per peer, so sends cannot be batched across subscribers and
 * 580 peers' packets would all queue on that lock. The hub is always the controlled, lite side:
 * browsers run full ICE, send connectivity checks to the one port of the worker that owns their
 * transport, and nominate; the hub answers, learns their address from the check, and requires
 * fresh checks (consent, RFC 7675) to keep sending. */
#ifndef DH_ICE_LITE_H
#define DH_ICE_LITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct ice_lite ice_lite;

/* Finds a transport by our ufrag (the part of USERNAME before ':'). Returns its password (which
 * must stay valid until ice_lite_handle returns) and sets *transport, or NULL when unknown. */
typedef const char *(*ice_lite_lookup_fn)(void *ctx, const char *ufrag, void **transport);

typedef struct ice_lite_check {
    void *transport;
    bool use_candidate;
    uint32_t priority;
} ice_lite_check;

typedef enum {
    ICE_LITE_REPLY = 0,   /* a valid check: send `reply`; `check` says for whom */
    ICE_LITE_ERROR_REPLY, /* send `reply` (a STUN error response), nothing else */
    ICE_LITE_DROP,        /* not a request for us (a response, an indication, garbage): ignore */
} ice_lite_result;

ice_lite *ice_lite_new(void);
void ice_lite_free(ice_lite *ice);

/* `buf` is one datagram whose first byte is 0..3. `reply` must hold at least 1280 bytes. */
ice_lite_result ice_lite_handle(ice_lite *ice, const uint8_t *buf, size_t len,
                                const struct sockaddr_storage *from, socklen_t fromlen,
                                ice_lite_lookup_fn lookup, void *ctx, uint8_t *reply,
                                size_t *reply_len, ice_lite_check *check);

#endif
