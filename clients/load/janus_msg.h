/* What the load generator reads from Janus's API (janus.plugin.videoroom over the websocket
 * transport, subprotocol "janus-protocol"): one received JSON text in, the few fields that move
 * an emulated endpoint on, out. Everything else Janus says is ignored.
 *
 *   {"janus":"success","transaction":"3","data":{"id":8512...}}           create, attach
 *   {"janus":"success","transaction":"5","sender":H,"plugindata":{"plugin":"janus.plugin.videoroom",
 *        "data":{"videoroom":"participants","room":R,"participants":[{"id":F,"display":"chair",
 *        "publisher":true}]}}}
 *   {"janus":"ack","transaction":"6"}                                      async request taken
 *   {"janus":"event","transaction":"6","sender":H,"plugindata":{...,"data":{"videoroom":"joined",
 *        "id":F,"publishers":[...]}},"jsep":{"type":"offer","sdp":"v=0..."}}
 *   {"janus":"error","transaction":"7","error":{"code":458,"reason":"No such session"}}
 *   {"janus":"hangup","sender":H,"reason":"DTLS alert"}, "webrtcup", "media", "timeout", ...
 *
 * A plugin's refusal arrives as a success or an event whose data holds "error_code" and "error";
 * janus_msg_parse folds both kinds of error into `error_code` and `error`. The strings point into
 * the parsed document, alive until janus_msg_free.
 *
 * The second half chooses what a subscriber asks for (janus_pick): VideoRoom forwards whatever a
 * subscriber names, so the client must name what dienhong's policy (signaling/policy.c) would
 * have forwarded it, for the two servers to carry the same load. */
#ifndef DH_LOAD_JANUS_MSG_H
#define DH_LOAD_JANUS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Publishers one message may list: a W-580 room has 580, and a room is created for 1000. */
#define JANUS_MSG_MAX_FEEDS 1024

typedef enum {
    JANUS_MSG_OTHER = 0, /* "media", "slowlink", "trickle", "keepalive", ... */
    JANUS_MSG_SUCCESS,
    JANUS_MSG_ACK,
    JANUS_MSG_EVENT,
    JANUS_MSG_ERROR,
    JANUS_MSG_WEBRTCUP,
    JANUS_MSG_HANGUP,
    JANUS_MSG_DETACHED,
    JANUS_MSG_TIMEOUT,
} janus_msg_kind;

/* A publishing participant: its feed id and the display it joined with (our endpoint label). */
typedef struct janus_feed {
    uint64_t id;
    const char *display; /* NULL when absent or not a string */
} janus_feed;

typedef struct janus_msg {
    janus_msg_kind kind;
    const char *transaction; /* NULL when absent */
    uint64_t session_id;     /* 0 when absent */
    uint64_t sender;         /* the handle it concerns; 0 when absent */
    uint64_t data_id;        /* "data":{"id":...} of a create or attach success */
    const char *videoroom;   /* plugindata.data.videoroom: "joined", "attached", "event", ... */
    uint64_t room;           /* plugindata.data.room */
    uint64_t id;             /* plugindata.data.id: our feed id once joined as a publisher */
    bool configured;         /* "configured":"ok" (publish taken) */
    bool started;            /* "started":"ok" (subscription running) */
    int error_code;          /* 0 when no error */
    const char *error;       /* the reason; "" when absent */
    const char *reason;      /* hangup reason; NULL when absent */
    const char *jsep_type;   /* "offer" / "answer"; NULL without jsep */
    const char *jsep_sdp;
    /* Feeds that publish: "publishers" of a joined/event, or "participants" marked publisher, in
     * the order listed, each id once (the first entry wins), ids of 0 or not integers skipped. On
     * the heap: a big room's list does not fit a stack frame. */
    uint32_t n_feeds;
    uint32_t feeds_dropped; /* publishing entries past JANUS_MSG_MAX_FEEDS, not kept */
    janus_feed *feeds;      /* NULL when n_feeds is 0 */
    void *doc_;             /* the parsed document */
} janus_msg;

/* 0, or -1 with a reason when the text is not a JSON object with a string "janus" (or memory ran
 * out). On -1 there is nothing to free. */
int janus_msg_parse(const char *text, size_t len, janus_msg *m, char *err, size_t errcap);
void janus_msg_free(janus_msg *m);

/* ---- what a subscriber asks for --------------------------------------------------------------
 *
 * Publishers are found by display, which is the endpoint's label. What each role takes mirrors
 * policy_forward/policy_layer: the chair's streams go to everyone at the top layer; the floor
 * sites' streams go to everyone but themselves at the top layer; the sites on wall page 0 (the
 * first `wall` in label order) send chairs and operators their video alone at substream 0, unless
 * they hold the floor. Janus has no "loudest three" for floor audio: every floor site's audio is
 * taken. */

typedef enum {
    JANUS_PICK_EVERY = 0, /* every publishing feed: a watcher that does not publish (W-fanout) */
    JANUS_PICK_SITE,      /* the chair and the floor */
    JANUS_PICK_CHAIR,     /* the floor and the wall */
    JANUS_PICK_OPERATOR,  /* the chair, the floor and the wall */
} janus_pick_role;

#define JANUS_PICK_EVERY_MAX 16 /* feeds a JANUS_PICK_EVERY watcher takes, the first listed */
/* m-lines one subscription may make: the 64 sections our SDP parser holds (SDP_MAX_MEDIA). A
 * whole feed of ours is two (audio, video), a video alone one. */
#define JANUS_PICK_MAX_LINES 64
#define JANUS_FEED_LINES 2

typedef struct janus_pick_cfg {
    janus_pick_role role;
    const char *self;         /* our own display, never watched; NULL: none */
    bool thumbnails;          /* JANUS_PICK_EVERY: substream 0 of every feed, not the top */
    const char *chair;        /* the chair's display; NULL: the meeting has no chair */
    const char *const *sites; /* the first sites' displays in label order: floor, then wall */
    unsigned n_sites;         /* entries in `sites` */
    unsigned floor;           /* the first `floor` sites hold the floor; 0 when they publish none */
    unsigned wall;         /* the first `wall` sites are wall page 0; 0 when they send no video */
    const char *video_mid; /* the mid of a publisher's video section (a thumbnail takes it alone) */
} janus_pick_cfg;

typedef struct janus_stream {
    uint64_t feed;
    const char *mid; /* NULL: every stream of the feed */
    int substream;   /* -1: Janus's default, the top one */
} janus_stream;

typedef struct janus_pick {
    uint32_t n; /* streams */
    janus_stream streams[JANUS_PICK_MAX_LINES];
    uint32_t lines;            /* m-lines the streams make (JANUS_FEED_LINES for a whole feed) */
    uint32_t wanted;           /* publishers the role watches, found or not */
    uint32_t missing;          /* of those, not publishing (yet) */
    const char *first_missing; /* one of them, to say who */
    bool truncated;            /* found but left out: one subscription cannot hold them all */
} janus_pick;

/* Fills `out` from the publishing feeds listed (the displays are not copied: `feeds` must outlive
 * `out`). A subscription is ready when nothing is missing and something was found; with nothing
 * wanted (a chair when no site publishes) there is nothing to subscribe to. A display listed
 * twice counts once, the first listed. JANUS_PICK_EVERY wants nothing in particular: missing is 0
 * and `wanted` the feeds taken. */
void janus_pick_streams(const janus_feed *feeds, uint32_t n_feeds, const janus_pick_cfg *c,
                        janus_pick *out);

#endif
