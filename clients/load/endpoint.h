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

#define ENDPOINT_MAX_TRACKS 16

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
} endpoint_env;

typedef struct endpoint_cfg {
    const char *label; /* "chair", "load-0001", ...: the report's row name */
    const char *token;
    const char *name;
    const media_file *audio, *video; /* what it publishes; NULL: nothing */
    unsigned wall_page;              /* operators: the wall page to watch (+1; 0 = none) */
} endpoint_cfg;

typedef struct endpoint_track {
    seq_track seq;
    bool video;
    uint64_t bytes;
} endpoint_track;

typedef struct endpoint_result {
    const char *label;
    const char *error; /* NULL when it never failed */
    uint64_t start_us, open_us, joined_us, first_media_us, first_video_us; /* 0: never */
    uint64_t packets, bytes, lost, expected;
    uint64_t untagged;           /* packets without a send time (too short to carry one) */
    const latency_hist *latency; /* NULL when it receives nothing */
    uint32_t n_tracks;
    const endpoint_track *tracks;
    uint64_t sent_packets;
    uint64_t srtp_errors;
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
