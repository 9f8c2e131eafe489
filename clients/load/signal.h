/* The signaling an emulated endpoint needs, whatever server it talks to: join, publish an offer
 * and get the answer, receive the server's offers of what to watch and answer them, and the two
 * meeting controls the workloads use. dienhong's websocket protocol (docs/protocol.md) is one
 * backend; Janus VideoRoom over its websocket API (signal_janus.c, for the side-by-side
 * benchmark) is the other, leaving the endpoints and the media path as they are.
 *
 * An endpoint that publishes calls publish() from its `joined` callback; one that returns from
 * `joined` without publishing is a watcher (the Janus backend subscribes it then). A publisher
 * may receive as well: `offer` comes whenever the server has something for it (dienhong: in the
 * same session; Janus: once published, on a second handle, when its role watches anyone). */
#ifndef DH_LOAD_SIGNAL_H
#define DH_LOAD_SIGNAL_H

#include <stdbool.h>
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

/* Endpoint labels, as main.c names them: the chair, and the sites numbered from 1. */
#define SIG_LABEL_CHAIR "chair"
#define SIG_LABEL_SITE_FMT "load-%04u"
#define SIG_LABEL_MAX 32

/* Who an endpoint is, and the meeting's shape, for a backend whose server leaves each subscriber
 * to name what it receives (Janus): it then names what dienhong's hub would have forwarded it.
 * dienhong's hub knows the role from the token and decides itself; its backend ignores these. */
typedef enum {
    SIG_ROLE_UNSAID = 0, /* publishers only publish; the others watch every publisher */
    SIG_ROLE_CHAIR,
    SIG_ROLE_SITE,
    SIG_ROLE_OPERATOR,
} sig_role;

typedef struct sig_plan {
    bool chair;         /* a chair publishes, labelled SIG_LABEL_CHAIR */
    unsigned sites;     /* sites, labelled SIG_LABEL_SITE_FMT from 1, in join order */
    bool sites_publish; /* sites publish something (audio or video) */
    bool sites_video;   /* sites publish video: the wall has thumbnails */
    unsigned floor;     /* the chair gives the floor to the first `floor` sites */
    unsigned join_rate; /* sites started per second; 0: all at once */
} sig_plan;

typedef struct sig_join {
    const char *url;      /* ws://127.0.0.1:8080/ws */
    const char *token;    /* the participant's credential ("" where the server needs none) */
    const char *name;     /* display name */
    const char *meeting;  /* the scenario's meeting (Janus: names the VideoRoom room) */
    struct ev_loop *loop; /* for a backend's own timers (Janus keepalives) */
    /* A wall watcher (an operator): wants the lowest simulcast layer. dienhong's hub decides that
     * itself from the role; Janus is asked for substream 0. */
    bool thumbnails;
    const char *label; /* "chair", "load-0001", ...; NULL: `name` stands for it */
    sig_role role;
    const sig_plan *plan; /* shared by every endpoint of the run; NULL: not said */
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
