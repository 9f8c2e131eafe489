/* One emulated participant: a signaling session, a publishing peer connection (when it sends
 * media) and a receiving one (when the hub offers it something), and what it measured.
 *
 * Endpoints never free themselves: a failure is recorded and the endpoint goes quiet, so the
 * report can say who failed and why. */
#ifndef DH_LOAD_ENDPOINT_H
#define DH_LOAD_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "latency.h"
#include "media_file.h"
#include "peer.h"
#include "seq_track.h"
#include "signal.h"

/* Streams one endpoint receives: an operator's wall is 48 thumbnails, plus the chair, the floor and
 * their audio, within the hub's 64 sections (SDP_MAX_MEDIA), and room for retransmission streams.
 */
#define ENDPOINT_MAX_TRACKS 80
#define ENDPOINT_MAX_LAYERS OFFER_MAX_LAYERS

typedef enum { EP_CHAIR = 0, EP_OPERATOR, EP_SITE, EP_ROLES } endpoint_role;
const char *endpoint_role_name(endpoint_role r);

/* The phases of a run, as the endpoints see them. Counting restarts when STEADY begins and stops
 * when it ends, so every figure is the steady window's. */
typedef enum { PHASE_WARMUP = 0, PHASE_STEADY, PHASE_DONE } load_phase;

typedef struct endpoint_env {
    struct ev_loop *loop;
    ws_hub *ws;
    const sig_backend *sig;
    const char *url;
    const char *meeting;
    peer_env peer;
    sdp_session *scratch; /* one parse buffer for everyone: the loop is single-threaded */
    const load_phase *phase;
    const sig_plan *plan; /* the meeting's shape, for a backend that picks feeds (Janus) */
} endpoint_env;

typedef struct endpoint_cfg {
    const char *label; /* "chair", "load-0001", ...: the report's row name */
    const char *token;
    const char *name;
    endpoint_role role;
    uint16_t number;         /* its number in the tags of what it publishes (latency_tag.h) */
    const media_file *audio; /* what it publishes; NULL: no audio */
    /* Its video, one file per simulcast layer, lowest first: 0 = none, 1 = one plain stream,
     * 2 or more = simulcast. */
    const media_file *video[ENDPOINT_MAX_LAYERS];
    unsigned n_video;
    unsigned wall_page; /* operators: the wall page to watch (+1; 0 = none) */
    bool record;        /* starts the meeting's recording once joined (the chair) */
    bool floor;         /* a site the chair gives the floor to (for the report) */
} endpoint_cfg;

typedef struct endpoint_track {
    seq_track seq;
    bool video;
    uint64_t bytes;
    /* Which publisher and layer its packets came from (the tags): the hub may switch layers on
     * one SSRC. A packet too short for a tag counts for the layer of the tag before it. */
    uint16_t origin; /* 0: no tag seen yet */
    uint8_t layer;
    uint64_t layer_packets[ENDPOINT_MAX_LAYERS], layer_bytes[ENDPOINT_MAX_LAYERS];
} endpoint_track;

/* The recording the endpoint asked for (cfg.record). */
typedef enum { REC_NONE = 0, REC_ASKED, REC_CONFIRMED, REC_REFUSED, REC_UNSUPPORTED } rec_state;

typedef struct endpoint_result {
    const char *label;
    endpoint_role role;
    uint16_t number;
    unsigned n_video; /* layers it publishes */
    bool floor;
    const char *error; /* NULL when it never failed */
    uint64_t start_us, open_us, joined_us, first_media_us, first_video_us; /* 0: never */
    uint64_t packets, bytes, lost, expected;
    uint64_t untagged;           /* packets without a send time (too short to carry one) */
    const latency_hist *latency; /* NULL when it receives nothing */
    uint32_t n_tracks;
    const endpoint_track *tracks;
    uint64_t sent_packets;
    uint64_t srtp_errors;
    rec_state recording;
    const char *recording_info; /* the hub's recording id, or why it refused */
} endpoint_result;

typedef struct endpoint endpoint;

endpoint *endpoint_new(const endpoint_env *env, const endpoint_cfg *cfg);
void endpoint_free(endpoint *e);
void endpoint_start(endpoint *e);
/* The steady window begins: counts start afresh. */
void endpoint_window_begin(endpoint *e);
bool endpoint_joined(const endpoint *e);
/* Its publishing transport is connected (media flows or is about to). */
bool endpoint_publishing(const endpoint *e);
bool endpoint_receiving(const endpoint *e);
bool endpoint_failed(const endpoint *e);
/* The chair's controls, for the workloads. */
void endpoint_floor_give(endpoint *e, const char *site);
void endpoint_result_get(const endpoint *e, endpoint_result *r);

#endif
