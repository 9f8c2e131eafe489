/* The SDP the load generator speaks, in the shapes the hub expects from a browser (JSEP, BUNDLE,
 * rtcp-mux, DTLS-SRTP): the publishing offer it writes, the hub's transport parameters it reads
 * from any hub description, and the receive-only answer to the hub's subscriber offers.
 *
 * Pure text and parsed structs (sfu/proto/sdp.h); no I/O. */
#ifndef DH_LOAD_OFFER_H
#define DH_LOAD_OFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sfu/proto/sdp.h"

#define OFFER_PT_OPUS 111
#define OFFER_PT_VP8 96
/* Header extension ids of a simulcast video section, Chrome's numbers. */
#define OFFER_EXT_MID 4
#define OFFER_EXT_RID 10
#define OFFER_MID_AUDIO "0"
#define OFFER_MID_VIDEO "1"
#define OFFER_MAX_LAYERS 3

/* What we say about ourselves in every description. */
typedef struct offer_local {
    const char *ufrag;
    const char *pwd;
    const char *fingerprint; /* "AB:CD:..." SHA-256 */
    const char *addr;        /* our host candidate */
    uint16_t port;
    uint64_t session_id;
} offer_local;

/* What a publisher sends. */
typedef struct offer_media {
    uint32_t audio_ssrc; /* 0: no audio */
    uint32_t video_ssrc; /* one VP8 stream (n_layers 0 or 1); 0 with no layers: no video */
    /* Simulcast when 2 or more: one VP8 stream per layer, lowest first, each named by its RID in
     * the MID/RID header extensions of its packets; the SDP names no SSRC for them. */
    unsigned n_layers;
} offer_media;

/* The RIDs of a publisher of n layers, lowest first, as the web client names them (q, h, f; a
 * two-layer sender is h, f): NULL past the last. */
const char *offer_rid(unsigned n_layers, unsigned layer);

/* Writes a send-only offer of Opus and/or VP8, Chrome's layout: mids "0" and "1" in that order.
 * Returns the length, -1 when cap is too small or there is nothing to send. */
int offer_publish(char *out, size_t cap, const offer_local *l, const offer_media *media);

/* The hub's transport parameters and the candidate to send checks to. */
typedef struct offer_remote {
    char ufrag[257];
    char pwd[257];
    char fp_alg[16];
    uint8_t fp[64];
    size_t fp_len;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool ice_lite;   /* the far end only answers checks (dienhong's hub) */
    sdp_setup setup; /* its a=setup: ACTIVE makes us the DTLS server */
    /* Set by the caller, not read from the SDP: the description was the far end's offer. With a
     * full ICE agent that makes the far end controlling (RFC 8445 6.1.1). */
    bool offered;
} offer_remote;

/* Reads them from a parsed hub description (its first live section), `offered` false. The
 * candidate chosen is a UDP
 * one whose address equals `prefer_ip` when there is one, else the first IPv4 UDP one. 0, or -1
 * with a reason. */
int offer_remote_params(const sdp_session *s, const char *prefer_ip, offer_remote *out, char *err,
                        size_t errcap);

/* Writes the answer to a hub's subscriber offer: every section the hub sends on is received
 * (recvonly) with the offer's first codec and its RTX, inactive ones stay inactive, rejected ones
 * rejected, and we take the DTLS client role. Returns the length, -1 on overflow. */
int offer_answer_subscribe(char *out, size_t cap, const sdp_session *offer, const offer_local *l);

/* True when the section's SSRC `ssrc` carries video in the hub's offer (for the report). */
bool offer_ssrc_is_video(const sdp_session *offer, uint32_t ssrc);

#endif
