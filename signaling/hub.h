/* The hub on its signaling thread: the web front (server.h), the media plane (sfu.h), the
 * meetings and their peers. Everything here runs on that one thread, so meeting state needs no
 * locks; the media workers are reached only through sfu.h. Internal to signaling/. */
#ifndef DH_HUB_H
#define DH_HUB_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sfu/base/idmap.h"
#include "sfu/engine/sfu.h"
#include "signaling/floor.h"
#include "signaling/negotiate.h"
#include "signaling/roll.h"
#include "signaling/server.h"
#include "signaling/store.h"
#include "signaling/token.h"
#include "signaling/verify_jobs.h"

#define PEER_MAX_SLOTS SDP_MAX_MEDIA

typedef struct json_t json_t;

typedef struct hub hub;
typedef struct meeting meeting;
typedef struct recorder recorder;
typedef struct rec_session rec_session;
typedef struct peer peer;

typedef struct hub_config {
    const char *listen_host;
    int listen_port;
    const char *data_dir;
    const char *web_root;
    const char *tls_cert, *tls_key;
    const char *recordings_dir; /* NULL: DATA/recordings */
    uint32_t retention_days;    /* 0: recordings are kept */
    sfu_config media;
} hub_config;

hub *hub_new(const hub_config *cfg);
void hub_free(hub *h);
int hub_run(hub *h);   /* until hub_stop */
void hub_stop(hub *h); /* async-signal-safe */
int hub_port(const hub *h);

/* ---- inside signaling/ ---- */

typedef struct hub_counters {
    uint64_t ws_messages, ws_rejected, http_requests, http_rejected, joins, auth_failures;
    uint64_t layer_switches;
    uint64_t rx_lost; /* packets publishers sent that never reached the hub (receive statistics) */
} hub_counters;

struct hub {
    server *srv;
    sfu *media;
    uint8_t key[TOKEN_KEY_LEN];
    meeting *meetings;
    idmap *by_transport; /* transport id -> peer */
    store *db;           /* meetings, sites, revocations, audit, attendance */
    uint32_t next_id;
    bool stopping; /* no renegotiation while everything is torn down */
    pthread_t ticker;
    bool ticker_running;
    _Atomic bool ticker_stop;
    uint64_t next_tick_us, next_wall_us;
    hub_counters counters;

    /* Recording (recording.c, recording_export.c). */
    recorder *rec;
    rec_session *recs; /* recordings in progress, one per meeting id */
    char data_dir[PATH_MAX];
    char recordings_dir[PATH_MAX];
    char exe[PATH_MAX]; /* this program, run again as `dienhong export` */
    uint32_t retention_days;
    char auto_started[64][65]; /* meetings recorded from the start in this run */
    size_t n_auto_started;
    char export_queue[64][STORE_REC_ID_LEN + 1];
    size_t n_export_queue;
    uint64_t export_not_before_us, next_retention_us;
    int export_pid; /* 0: no export running */
    char export_running[STORE_REC_ID_LEN + 1];
    verify_jobs *verify; /* GET /api/recordings/{file}/verify, hashed off this thread */
};

uint32_t hub_next_id(hub *h);
/* Verifies a token for `meeting` (NULL: any). Returns TOKEN_OK, a TOKEN_E_* value, or 1 when the
 * token is valid but for another meeting. */
int hub_check_token(hub *h, const char *token, const char *meeting_id_or_null, token_claims *out);
#define HUB_TOKEN_WRONG_MEETING 1
#define HUB_TOKEN_REVOKED 2
void hub_revoke(hub *h, const char *token_id, const char *meeting, const char *reason);
/* One line of the audit log (and of the log). `actor` may be NULL (the hub itself). */
void hub_audit(hub *h, const char *meeting, const peer *actor, const char *action, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

typedef enum { PEER_WS = 0, PEER_WHIP, PEER_WHEP } peer_kind;
/* For /metrics: endpoints by state. */
typedef enum { PEER_MEDIA_NEW = 0, PEER_MEDIA_CONNECTED, PEER_MEDIA_FAILED } peer_media_state;

/* A subscriber-side m-section and what feeds it. */
typedef struct peer_slot {
    neg_slot s;
    uint32_t output; /* 0 until the section is answered and the output exists */
    uint32_t source; /* the publisher's track (its top layer's source id) */
    uint32_t bound;  /* what the output is pointed at: a layer of it; 0 = paused or not yet */
    int8_t layer;    /* index of the bound layer; -1 = paused */
    int8_t cap;      /* the highest layer the viewer's downlink allows (layers.c) */
    uint64_t layer_changed_us;
    const peer *from; /* the publisher, for labels; NULL when inactive */
} peer_slot;

struct peer {
    uint32_t id;
    char pid[16]; /* "p-" + random: what other clients see */
    peer_kind kind;
    hub *h;
    meeting *m;
    peer *next;
    role_t role;
    char site[65];
    char name[81];
    char token_id[33];
    server_conn *conn; /* websocket peers */
    int wall_page;     /* chair/operator: the wall page whose videos it receives; -1 none */
    char resource[24]; /* WHIP/WHEP resource id */

    /* Publishing. */
    uint32_t pub_t;
    int pub_worker;
    uint64_t pub_version;
    char pub_ufrag[9], pub_pwd[33];
    neg_track tracks[NEG_MAX_TRACKS];
    uint32_t src[NEG_MAX_TRACKS]; /* per track; a simulcast track: its top layer's source */
    uint32_t layer_src[NEG_MAX_TRACKS][NEG_MAX_LAYERS]; /* simulcast: each layer's source */
    uint32_t layer_kbps[NEG_MAX_TRACKS][NEG_MAX_LAYERS];
    size_t n_tracks;
    /* Per track, from the media plane's statistics (twice a second). */
    uint8_t loudness[NEG_MAX_TRACKS];
    uint32_t kbps[NEG_MAX_TRACKS];
    uint8_t loss_pct[NEG_MAX_TRACKS];
    uint32_t rtt_ms;       /* round trip to this peer, from its receiver reports; 0 = unknown */
    uint8_t media_state;   /* PEER_MEDIA_*: its transports as the media plane last reported them */
    uint32_t downlink_bps; /* its receiver's REMB estimate of its downlink; 0 = none */
    uint64_t downlink_valid_us; /* REMB counts from then on (the first values are start values) */
    uint8_t downlink_loss;      /* worst video loss (/256) in its latest receiver reports */
    uint64_t probe_after_us;    /* layers.c: no step up before this, */
    uint64_t settle_until_us;   /* and no step down before this */
    uint32_t probe_wait_s;      /* the wait after the last step up that had to be undone */

    /* Receiving. */
    uint32_t sub_t;
    int sub_worker;
    bool sub_remote_set;
    char sub_ufrag[9], sub_pwd[33];
    uint64_t sub_session;
    peer_slot slots[PEER_MAX_SLOTS];
    size_t n_slots;
    uint32_t revision; /* last offer sent */
    uint32_t answered; /* last offer answered */
    bool dirty;        /* sources changed while an offer was outstanding */
};

/* Meetings (meeting.c). */
meeting *meeting_get(hub *h, const char *id, bool create);
meeting *meeting_next(meeting *m);
const char *meeting_id(const meeting *m);
peer *meeting_peers(meeting *m);
size_t meeting_peer_count(const meeting *m);
void meeting_add(meeting *m, peer *p);
void meeting_remove(meeting *m, peer *p);
/* The policy changed (floor, wall): every subscriber's set is brought up to date, O(peers²). */
void meeting_refresh(meeting *m);
/* One publisher's tracks changed (it published, unpublished or left): only what others receive of
 * it can change, so this is O(peers), which keeps 580 sites joining at once linear. */
void meeting_refresh_publisher(meeting *m, peer *q);
/* The chair's source of that kind, or 0. */
uint32_t meeting_program(meeting *m, bool video, codec_id *codec);
void meeting_free_all(hub *h);
floor_state *meeting_floor(meeting *m);
roll *meeting_roll(meeting *m);
/* The floor or the hands changed: everyone is told, subscriptions follow. */
void meeting_floor_changed(meeting *m);
/* A peer just joined: it gets the floor and the speaker as they stand. */
void meeting_welcome(meeting *m, peer *p);
/* Twice a second: the active speaker; once a second: the wall and the roll to chairs/operators. */
void meeting_tick(meeting *m, int64_t now, bool wall_due);
/* Documents (meeting_docs.c). */
typedef struct holdings holdings;
holdings *meeting_holdings(meeting *m);
/* A document was uploaded: every participant is told, and pages fetch it in the background. */
void meeting_document_added(hub *h, const store_document *d);
/* The meeting's documents, to one peer (on join: a late site fetches what it misses). */
void meeting_send_documents(meeting *m, peer *p);
/* A site's page holds document `id`. False when the meeting has no such document. */
bool meeting_document_held(meeting *m, const peer *p, const char *id);
/* Per document: how many invited sites hold it and which do not (for chairs and operators). */
json_t *meeting_documents_status(meeting *m);

/* Presenting (present.c): the document on screen and its page, for everyone. */
typedef struct presenting_state {
    char doc[32]; /* "" = nothing presented */
    char title[256];
    uint32_t page;
} presenting_state;
presenting_state *meeting_presenting(meeting *m);
/* 0, or an error code ("not_found", "bad_request") with a message. */
const char *meeting_present(meeting *m, const char *doc, uint32_t page, const char **msg);
const char *meeting_present_page(meeting *m, uint32_t page, const char **msg);
void meeting_present_stop(meeting *m);
void meeting_send_presenting(meeting *m, peer *p);

/* Votes (votes.c): one open at a time; each site votes once (the store's key enforces it). */
char *meeting_open_vote(meeting *m); /* the open vote's id, "" when none (char[16]) */
const char *meeting_vote_open(meeting *m, const peer *by, const char *question, const char *item,
                              char *id_out, size_t cap, const char **msg);
const char *meeting_vote_cast(meeting *m, const peer *p, const char *vote, const char *choice,
                              const char **msg);
const char *meeting_vote_close(meeting *m, const char *vote, const char **msg);
void meeting_send_vote(meeting *m, peer *p);
/* GET /api/meetings/{m}/votes: every vote of a meeting with its ballots. */
json_t *votes_json(hub *h, const char *meeting_id);

/* Agenda (agenda.c). */
int *meeting_agenda_current(meeting *m);
void meeting_send_agenda(meeting *m, peer *p);
const char *meeting_agenda_set(meeting *m, hub *h, json_t *items, const char **msg);
const char *meeting_agenda_go(meeting *m, hub *h, uint32_t index, const char **msg);
json_t *agenda_json(hub *h, const char *meeting_id);
/* The meeting record: agenda, documents with hashes, votes with ballots, attendance. */
json_t *record_json(hub *h, const char *meeting_id);

/* Index of a site in the wall order (the roll's site-code order), or -1. */
long meeting_wall_index(meeting *m, const char *site);
/* The roll as JSON rows (the `roll` reply and event, the attendance route). */
json_t *meeting_roll_json(meeting *m, int64_t now);
bool meeting_may_control(const peer *p);
/* A meeting created in the store (with a title, schedule and invited sites) rather than only named
 * by a token; its roll is kept in the store. */
bool meeting_stored(const meeting *m);
bool meeting_closed(const meeting *m);
/* Drops a meeting nobody joined after all (e.g. a join refused because it is closed). */
void meeting_free_empty(hub *h, meeting *m);
/* A site's connection opens or closes: the roll, and the store for a stored meeting. */
void meeting_site_joined(meeting *m, const char *site, const char *name);
void meeting_site_left(meeting *m, const char *site);
/* The roll of a stored meeting that nobody is in any more, from the store. */
json_t *meeting_stored_roll_json(hub *h, const char *id, int64_t now);

/* Recording (recording.c): journals of a meeting's sources, its timeline, who is told. */
int recording_init(hub *h, const hub_config *cfg); /* after the store and the media plane */
void recording_shutdown(hub *h);                   /* before the media plane goes */
/* NULL, or an error code ("conflict", "unavailable") with a message. */
const char *recording_start(hub *h, const char *meeting_id, const peer *by, char *id_out,
                            size_t cap, const char **msg);
const char *recording_stop(hub *h, const char *meeting_id, const peer *by, const char *reason,
                           const char **msg);
bool recording_active(hub *h, const char *meeting_id);
/* {"active": true, "recording": id, "since": unix} or {"active": false, "reason": ...}. */
json_t *recording_status_json(hub *h, const char *meeting_id);
/* Hooks from the meeting: sources changed, floor, speaker, agenda, a peer joined, the meeting
 * object went away (everyone left; the recording goes on for when they come back). */
void recording_sync_sources(meeting *m);
void recording_note_floor(meeting *m);
void recording_note_speaker(meeting *m, const peer *p);
void recording_note_agenda(meeting *m, uint32_t index, const char *title);
void recording_welcome(meeting *m, peer *p);
void recording_auto_start(hub *h, meeting *m);
void recording_meeting_gone(hub *h, const char *meeting_id);
/* Twice a second: recorder alarms, timeline syncs, exports, retention. */
void recording_tick(hub *h);
/* recording_export.c */
void recording_export_queue(hub *h, const char *recording_id);
void recording_export_tick(hub *h);
void recording_export_shutdown(hub *h);
void recording_recover(hub *h);
void recording_retention(hub *h, int64_t now);
/* POST /api/meetings/{m}/recording/start|stop, GET .../recording (http_recording_ctl.c). */
bool http_recording_ctl_route(hub *h, server_http *r);
/* GET /metrics (metrics.c). */
void http_metrics(hub *h, server_http *r);

#define WALL_PAGE_SIZE 48

/* What a viewer receives of a publisher's track (policy.c): the chair always, sites only with the
 * floor (audio: the loudest few), wall thumbnails for chairs and operators. */
bool policy_forward(meeting *m, const peer *viewer, const peer *pub, size_t track);
/* The simulcast layer a viewer wants of a forwarded video track, before its bandwidth has a say:
 * 0 for a wall thumbnail, the top layer otherwise. */
int policy_layer(meeting *m, const peer *viewer, const peer *pub, size_t track);
/* Points each of the peer's video outputs at the layer its wish and its downlink allow
 * (layers.c); called when subscriptions change and when a bandwidth estimate arrives. */
void peer_choose_layers(peer *p, uint64_t now_us);
void meeting_totals(hub *h, size_t *meetings, size_t *peers);

/* Peers (peer.c). */
peer *peer_new(hub *h, meeting *m, peer_kind kind, const token_claims *c, const char *name);
void peer_free(peer *p); /* leaves the meeting and closes its transports */
/* Publisher offer -> answer text (malloc'd) or NULL with err. */
char *peer_publish(peer *p, const char *sdp, size_t len, char *err, size_t errcap);
void peer_unpublish(peer *p);
/* The subscriber's answer to offer `revision`. */
int peer_subscriber_answer(peer *p, uint32_t revision, const char *sdp, size_t len, char *err,
                           size_t errcap);
/* Recomputes what a websocket peer receives and sends an offer when it changed. */
void peer_update_subscriptions(peer *p);
/* The same for what p receives of publisher q only. */
void peer_update_from(peer *p, const peer *q);
/* WHEP: receive-only offer -> answer text (malloc'd) or NULL with err. */
char *peer_watch(peer *p, const char *sdp, size_t len, char *err, size_t errcap);
void peer_rebind_program(peer *p);
void peer_on_transport_event(peer *p, const sfu_event *ev);
void peer_on_source_stats(peer *p, const sfu_event *ev);
/* Ends a websocket peer from the hub's side: sends `event` (if any), closes with `status`. */
void peer_disconnect(peer *p, const char *event, const char *reason, int status);
/* Sends an event to a websocket peer: {"event": name, "data": data} (steals data). */
void peer_send_event(peer *p, const char *name, json_t *data);
uint32_t peer_source_for_mid(const peer *p, const char *mid);
/* Sends the hub's candidates as `trickle` events (then null) for one of the peer's connections. */
void peer_trickle_local(peer *p, bool subscriber);

/* Protocol front ends. */
void session_open(hub *h, server_conn *c);
void session_message(hub *h, server_conn *c, const char *msg, size_t len);
void session_close(hub *h, server_conn *c);
/* The peer of this connection is gone (shutdown): the session must not touch it again. */
void session_forget_peer(server_conn *c);
void http_api_request(hub *h, server_http *r);
/* /api/sites and /api/meetings...: true when the request was one of them (and is answered). */
bool http_meetings_route(hub *h, server_http *r);
/* /api/archive..., /api/meetings/{m}/recordings, /api/recordings/...: true when answered. */
bool http_recordings_route(hub *h, server_http *r);
/* Answers the verify requests whose checks finished (on the signaling thread, after a wake). */
void http_recordings_poll(hub *h);

#endif
