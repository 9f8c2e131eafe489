/* Offer/answer for the hub's three kinds of peer connection, on parsed SDP (sfu/proto/sdp.h):
 * - publish: a client's send-only offer -> the hub's answer + the tracks it will receive;
 * - subscribe: the hub's offer of the sources a client receives, one m-section per slot;
 * - watch (WHEP): a client's receive-only offer -> the hub's answer + the slots it will send.
 * The hub is always ICE-lite and DTLS server (a=setup:passive in answers, actpass in offers). */
#ifndef DH_NEGOTIATE_H
#define DH_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/engine/sfu.h"
#include "sfu/proto/codec.h"
#include "sfu/proto/sdp.h"

#define NEG_MAX_TRACKS 8
#define NEG_MAX_LAYERS 3
#define NEG_MAX_CANDIDATES 8

/* What the hub writes about itself in every description. */
typedef struct neg_local {
    const char *ufrag;
    const char *pwd;
    const char *fingerprint; /* "AB:CD:..." SHA-256 */
    const sfu_candidate *cands;
    size_t n_cands;
    uint64_t session_id;
    uint64_t version;
} neg_local;

/* The peer's transport parameters, from any of its descriptions. */
typedef struct neg_remote {
    char fp_alg[16];
    uint8_t fp[64];
    uint8_t fp_len;
    char ufrag[257];
} neg_remote;

/* A track a publisher sends. */
typedef struct neg_track {
    char mid[32];
    bool video;
    codec_id codec;
    uint8_t pt;
    uint32_t clock;
    uint32_t ssrc;
    uint32_t rtx_ssrc;
    uint8_t audio_level_ext;
    uint8_t twcc_ext; /* transport-wide sequence number extension id; 0 = no transport-cc */
    /* Simulcast (RFC 8853): the layers by RID, lowest first as the publisher listed them; 0
     * layers for a plain track. Layers announce their SSRCs in RTP (ssrc above is then 0). */
    uint8_t n_layers;
    char rids[NEG_MAX_LAYERS][16];
    uint8_t rid_ext, rrid_ext, mid_ext;
} neg_track;

/* Reads and checks the peer's transport parameters: a fingerprint, ICE credentials, a DTLS role
 * that lets the hub be the server. 0, or -1 with a reason in err. */
int negotiate_remote(const sdp_session *sdp, neg_remote *out, char *err, size_t errcap);

/* `prefer` is the video codec to pick when the offer has several (CODEC_NONE: the offer's order).
 * Sections the hub cannot receive are rejected in the answer; at least one track must remain. */
int negotiate_publish(const sdp_session *offer, const neg_local *local, codec_id prefer,
                      sdp_session *answer, neg_track *tracks, size_t *n_tracks, char *err,
                      size_t errcap);

/* One m-section of the hub's offer to a subscriber (or of a WHEP answer). */
typedef struct neg_slot {
    char mid[32];
    bool video;
    bool active; /* false: the section stays, inactive, until reused */
    codec_id codec;
    uint8_t pt, rtx_pt;
    uint32_t ssrc, rtx_ssrc;
    char stream[40]; /* msid stream id: the publishing peer */
    char track[40];
} neg_slot;

/* The hub's i-th host candidate (the same in SDP and in trickle events). */
void negotiate_candidate(size_t i, const sfu_candidate *in, sdp_candidate *out);

/* Payload types the hub uses in its own offers. */
uint8_t negotiate_pt(codec_id c);
uint8_t negotiate_rtx_pt(codec_id c);
uint32_t negotiate_clock(codec_id c);

int negotiate_subscribe_offer(const neg_slot *slots, size_t n, const neg_local *local,
                              sdp_session *offer, char *err, size_t errcap);

/* For WHEP: fills `slots` (one per accepted receive-only section of the offer, codec chosen from
 * what the offer allows, `prefer` first) and writes the answer. */
int negotiate_watch(const sdp_session *offer, const neg_local *local, codec_id prefer,
                    sdp_session *answer, neg_slot *slots, size_t *n_slots, char *err,
                    size_t errcap);

#endif
