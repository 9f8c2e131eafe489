/* The signaling an emulated endpoint needs, whatever server it talks to: join, publish an offer
 * and get the answer, receive the server's offers of what to watch and answer them, and the two
 * meeting controls the workloads use. dienhong's websocket protocol (docs/protocol.md) is one
 * backend; Janus VideoRoom over its websocket API (signal_janus.c, for the side-by-side
 * benchmark) is the other, leaving the endpoints and the media path as they are.
 *
 * An endpoint that publishes calls publish() from its `joined` callback; one that returns from
 * `joined` without publishing is a watcher (the Janus backend subscribes it then). */
#ifndef DH_LOAD_SIGNAL_H
#define DH_LOAD_SIGNAL_H

#include <stdint.h>

#include "ws.h"

typedef struct sig_session sig_session;

typedef struct sig_events {
    void (*opened)(void *user); /* the websocket is open: join time starts */
    void (*joined)(void *user);
    void (*published)(void *user, const char *answer_sdp);
    /* The server offers what to receive; answer with backend->answer(revision, ...). */
    void (*offer)(void *user, int64_t revision, const char *sdp);
    /* The server took our answer: only now does it know our fingerprint, so DTLS may start. */
    void (*answered)(void *user, int64_t revision);
    void (*failed)(void *user, const char *why);
    /* The reply to record(): the recording's id, or NULL and why the server refused. */
    void (*recording)(void *user, const char *id, const char *refused);
} sig_events;

typedef struct sig_join {
    const char *url;      /* ws://127.0.0.1:8080/ws */
    const char *token;    /* the participant's credential ("" where the server needs none) */
    const char *name;     /* display name */
    const char *meeting;  /* the scenario's meeting (Janus: names the VideoRoom room) */
    struct ev_loop *loop; /* for a backend's own timers (Janus keepalives) */
    /* A wall watcher (an operator): wants the lowest simulcast layer. dienhong's hub decides that
     * itself from the role; Janus is asked for substream 0. */
    bool thumbnails;
} sig_join;

typedef struct sig_backend {
    const char *name;
    sig_session *(*open)(ws_hub *ws, const sig_join *join, const sig_events *ev, void *user);
    void (*publish)(sig_session *s, const char *offer_sdp);
    void (*answer)(sig_session *s, int64_t revision, const char *answer_sdp);
    void (*floor_give)(sig_session *s, const char *site);
    void (*wall)(sig_session *s, unsigned page);
    /* Starts the meeting's recording; NULL where the backend has no such request. */
    void (*record)(sig_session *s);
    void (*close)(sig_session *s);
} sig_backend;

extern const sig_backend sig_dienhong;
extern const sig_backend sig_janus;

#endif
