/* The sig_backend for Janus's VideoRoom (janus.plugin.videoroom) over Janus's websocket API,
 * subprotocol "janus-protocol", for the side-by-side benchmark (tests/bench/sidebyside.sh).
 *
 * One Janus session per endpoint, on the endpoint's own websocket, with a plugin handle to
 * publish on and one to subscribe on, as a browser page using janus.js would have:
 *
 *   open     create -> attach janus.plugin.videoroom -> `joined` (the endpoint may publish now)
 *   publish  create the room (or find it made) -> join as publisher (display: our label) ->
 *            publish with our offer -> Janus's answer -> `published`; then, when the role
 *            watches anyone, attach a second handle and watch on it
 *   watch    listparticipants until what the role wants publishes -> join as subscriber to
 *            those streams (one multistream subscription) -> Janus's offer -> `offer`; answer()
 *            -> start with our answer -> `answered`
 *
 * VideoRoom forwards what a subscriber names, so who watches whom is decided here, from the
 * endpoint's role and the meeting's plan (signal.h), as dienhong's policy would (janus_pick in
 * janus_msg.h). Without a plan, a publisher only publishes and a watcher takes every feed.
 *
 * The room is the scenario's meeting: a number is used as the room id as it is (a room from
 * Janus's own configuration), any other name is hashed to one. Our descriptions carry our one
 * candidate, so they go with "trickle": false and no trickle messages follow; Janus puts its
 * candidates in its descriptions too (half-trickle, its default). A keepalive every 25 s keeps
 * the session inside Janus's 60 s session timeout. Floor and wall controls are dienhong's and do
 * nothing here: the plan says from the start who holds the floor. */
#include <ev.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "janus_msg.h"
#include "offer.h"
#include "sfu/base/log.h"
#include "signal.h"

#define TAG "janus"
#define MAX_PENDING 16
#define KEEPALIVE_S 25.0
#define LIST_RETRY_S 0.5
/* How long a watcher waits for what it wants to publish: the sites' joining (sites / join_rate)
 * and this on top, for the last ones' ICE and DTLS on a loaded machine. Without a plan, what the
 * backend always waited. */
#define WAIT_SLACK_S 30.0
#define WAIT_UNPLANNED_S 20.0
#define WALL_PAGE 48 /* thumbnails on a wall page: dienhong's WALL_PAGE_SIZE (signaling/hub.h) */
#define ROOM_PUBLISHERS 1000        /* room for every publisher a scenario has */
#define JANUS_ERROR_ROOM_EXISTS 427 /* the VideoRoom plugin's code for "room exists" */

typedef enum {
    T_CREATE = 1,
    T_ATTACH,
    T_ATTACH_SUB,
    T_ROOM,
    T_JOIN_PUB,
    T_PUBLISH,
    T_LIST,
    T_OTHER
} txn_kind;

struct sig_session {
    ws_link *link;
    sig_events ev;
    void *user;
    struct ev_loop *loop;
    ev_timer keepalive, retry;
    char *name; /* our display: the label */
    uint64_t room, session;
    uint64_t handle; /* the first: publishes, or watches for a watcher */
    uint64_t sub;    /* the one that watches (== handle for a watcher); 0 before */
    char *offer;     /* ours, sent once joined as a publisher */
    bool publisher;  /* publish() was called */
    bool subscribed; /* the subscriber join went out */
    sig_role role;
    janus_pick_cfg pick;
    char (*site_labels)[SIG_LABEL_MAX]; /* what pick.sites points to */
    double patience_s, give_up_at;      /* ev_now() time */
    int64_t revision;                   /* of the latest offer Janus made us */
    uint64_t next_txn;
    struct {
        uint64_t id;
        txn_kind kind;
    } pending[MAX_PENDING];
    bool failed;
};

static void fail(sig_session *s, const char *why)
{
    if (s->failed) return;
    s->failed = true;
    ev_timer_stop(s->loop, &s->keepalive);
    ev_timer_stop(s->loop, &s->retry);
    if (s->ev.failed) s->ev.failed(s->user, why);
}

/* Sends {"janus": verb, "transaction": ..., ids, fields...}; `fields` is consumed. */
static void send_janus(sig_session *s, const char *verb, txn_kind kind, json_t *fields)
{
    if (!fields) fields = json_object();
    uint64_t id = s->next_txn++;
    char txn[24];
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)id);
    json_object_set_new(fields, "janus", json_string(verb));
    json_object_set_new(fields, "transaction", json_string(txn));
    if (s->session) json_object_set_new(fields, "session_id", json_integer((json_int_t)s->session));
    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    if (!text) return;
    for (int i = 0; i < MAX_PENDING && kind; i++) {
        if (s->pending[i].kind == 0) {
            s->pending[i].id = id;
            s->pending[i].kind = kind;
            break;
        }
    }
    if (!s->link || !ws_link_send(s->link, text, strlen(text))) fail(s, "websocket not open");
    free(text);
}

/* A request to the plugin through one of our handles; `body` is consumed, `jsep` too when given. */
static void send_plugin(sig_session *s, uint64_t handle, txn_kind kind, json_t *body, json_t *jsep)
{
    json_t *f = json_pack("{s:I, s:o}", "handle_id", (json_int_t)handle, "body", body);
    if (f && jsep)
        json_object_set_new(f, "jsep", jsep);
    else
        json_decref(jsep);
    send_janus(s, "message", kind, f);
}

static txn_kind take_pending(sig_session *s, const char *txn)
{
    if (!txn) return 0;
    char *end;
    unsigned long long id = strtoull(txn, &end, 10);
    if (*end) return 0;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (s->pending[i].kind && s->pending[i].id == id) {
            txn_kind k = s->pending[i].kind;
            s->pending[i].kind = 0;
            return k;
        }
    }
    return 0;
}

/* ---- publishing --------------------------------------------------------------------------- */

static void create_room(sig_session *s)
{
    send_plugin(s, s->handle, T_ROOM,
                json_pack("{s:s, s:I, s:i, s:i, s:i, s:s, s:s, s:b}", "request", "create", "room",
                          (json_int_t)s->room, "publishers", ROOM_PUBLISHERS, "bitrate", 0,
                          "fir_freq", 0, "audiocodec", "opus", "videocodec", "vp8",
                          "notify_joining", 0),
                NULL);
}

static void join_publisher(sig_session *s)
{
    send_plugin(s, s->handle, T_JOIN_PUB,
                json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher", "room",
                          (json_int_t)s->room, "display", s->name),
                NULL);
}

static void send_offer(sig_session *s)
{
    json_t *jsep = json_pack("{s:s, s:s, s:b}", "type", "offer", "sdp", s->offer, "trickle", 0);
    /* Janus reads simulcast RIDs as high to low unless told; ours are lowest first (offer.h). */
    if (jsep && strstr(s->offer, "a=simulcast:"))
        json_object_set_new(jsep, "rid_order", json_string("lmh"));
    send_plugin(s, s->handle, T_PUBLISH, json_pack("{s:s}", "request", "publish"), jsep);
    free(s->offer);
    s->offer = NULL;
}

/* ---- watching ----------------------------------------------------------------------------- */

/* What the role takes (janus_msg.h); SIG_ROLE_UNSAID or no plan: every feed, as a watcher always
 * did. A site that does not publish (W-fanout) takes every feed too: there the chair is all. */
static janus_pick_role pick_role(const sig_session *s)
{
    switch (s->role) {
    case SIG_ROLE_CHAIR:
        return JANUS_PICK_CHAIR;
    case SIG_ROLE_OPERATOR:
        return JANUS_PICK_OPERATOR;
    case SIG_ROLE_SITE:
        return s->publisher ? JANUS_PICK_SITE : JANUS_PICK_EVERY;
    default:
        return JANUS_PICK_EVERY;
    }
}

static void list_participants(sig_session *s)
{
    send_plugin(s, s->sub, T_LIST,
                json_pack("{s:s, s:I}", "request", "listparticipants", "room", (json_int_t)s->room),
                NULL);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    sig_session *s = w->data;
    if (!s->failed) list_participants(s);
}

/* Starts watching on handle `sub`: listing until what the role wants publishes. */
static void watch_on(sig_session *s, uint64_t sub)
{
    s->sub = sub;
    s->give_up_at = ev_now(s->loop) + s->patience_s;
    list_participants(s);
}

static void subscribe(sig_session *s, const janus_pick *p)
{
    json_t *streams = json_array();
    for (uint32_t i = 0; i < p->n; i++) {
        const janus_stream *st = &p->streams[i];
        json_t *o = json_pack("{s:I}", "feed", (json_int_t)st->feed);
        if (o && st->mid) json_object_set_new(o, "mid", json_string(st->mid));
        if (o && st->substream >= 0)
            json_object_set_new(o, "substream", json_integer(st->substream));
        json_array_append_new(streams, o);
    }
    if (p->truncated)
        LOGW(TAG, "%s: watching %u streams, not all it should: one subscription holds %d m-lines",
             s->name, p->n, JANUS_PICK_MAX_LINES);
    s->subscribed = true;
    send_plugin(s, s->sub, T_OTHER,
                json_pack("{s:s, s:s, s:I, s:o}", "request", "join", "ptype", "subscriber", "room",
                          (json_int_t)s->room, "streams", streams),
                NULL);
}

static void on_participants(sig_session *s, const janus_msg *m)
{
    if (s->subscribed) return;
    if (m->feeds_dropped)
        LOGW(TAG, "%s: Janus lists more than %d publishers: the rest are not seen", s->name,
             JANUS_MSG_MAX_FEEDS);
    s->pick.role = pick_role(s);
    janus_pick p;
    janus_pick_streams(m->feeds, m->n_feeds, &s->pick, &p);
    if (p.n > 0 && p.missing == 0) {
        subscribe(s, &p);
        return;
    }
    if (ev_now(s->loop) >= s->give_up_at) {
        char why[300];
        if (p.missing)
            snprintf(why, sizeof why,
                     "waited %.0f s in the Janus room for %s%s to publish (%u of %u missing)",
                     s->patience_s, p.first_missing, p.missing > 1 ? " and others" : "", p.missing,
                     p.wanted);
        else
            snprintf(why, sizeof why, "waited %.0f s: nobody publishes in the Janus room",
                     s->patience_s);
        fail(s, why);
        return;
    }
    ev_timer_set(&s->retry, LIST_RETRY_S, 0);
    ev_timer_start(s->loop, &s->retry);
}

/* A publisher watches on a second handle, once published, when its role wants anyone. */
static void watch_too(sig_session *s)
{
    s->pick.role = pick_role(s);
    janus_pick nobody;
    janus_pick_streams(NULL, 0, &s->pick, &nobody);
    if (s->role == SIG_ROLE_UNSAID || nobody.wanted == 0) return;
    send_janus(s, "attach", T_ATTACH_SUB, json_pack("{s:s}", "plugin", "janus.plugin.videoroom"));
}

/* ---- what Janus says ---------------------------------------------------------------------- */

static void fail_with(sig_session *s, const char *what, const janus_msg *m)
{
    char why[300];
    snprintf(why, sizeof why, "Janus refused %s: %d %s", what, m->error_code,
             m->error ? m->error : "");
    fail(s, why);
}

static void on_attached_handle(sig_session *s, uint64_t handle)
{
    s->handle = handle;
    if (s->ev.joined) s->ev.joined(s->user);
    /* An endpoint that publishes has called publish() by now (signal.h); the others watch. */
    if (!s->publisher && !s->failed) watch_on(s, handle);
}

static void on_success(sig_session *s, txn_kind kind, const janus_msg *m)
{
    if (m->error_code && !(kind == T_ROOM && m->error_code == JANUS_ERROR_ROOM_EXISTS)) {
        fail_with(s, kind == T_ROOM ? "to create the room" : "a request", m);
        return;
    }
    switch (kind) {
    case T_CREATE:
        if (!m->data_id) {
            fail(s, "Janus created a session without an id");
            return;
        }
        s->session = m->data_id;
        ev_timer_start(s->loop, &s->keepalive);
        send_janus(s, "attach", T_ATTACH, json_pack("{s:s}", "plugin", "janus.plugin.videoroom"));
        break;
    case T_ATTACH:
    case T_ATTACH_SUB:
        if (!m->data_id)
            fail(s, "Janus attached a handle without an id");
        else if (kind == T_ATTACH)
            on_attached_handle(s, m->data_id);
        else
            watch_on(s, m->data_id);
        break;
    case T_ROOM:
        join_publisher(s);
        break;
    case T_LIST:
        on_participants(s, m);
        break;
    default:
        break;
    }
}

/* Events name the handle they concern: the publisher's or the subscriber's. */
static bool for_subscriber(const sig_session *s, const janus_msg *m)
{
    if (!s->sub) return false;
    return m->sender ? m->sender == s->sub : s->sub == s->handle;
}

static void on_plugin_event(sig_session *s, const janus_msg *m)
{
    if (m->error_code) {
        fail_with(s, "a request", m);
        return;
    }
    const char *vr = m->videoroom ? m->videoroom : "";
    if (for_subscriber(s, m)) {
        if (m->jsep_type && strcmp(m->jsep_type, "offer") == 0) {
            /* "attached" first, "updated" when the feeds change: each is answered with "start". */
            s->revision++;
            if (s->ev.offer) s->ev.offer(s->user, s->revision, m->jsep_sdp);
        } else if (m->started) {
            if (s->ev.answered) s->ev.answered(s->user, s->revision);
        }
    } else if (s->publisher) {
        if (strcmp(vr, "joined") == 0 && s->offer) {
            send_offer(s);
        } else if (m->jsep_type && strcmp(m->jsep_type, "answer") == 0) {
            if (s->ev.published) s->ev.published(s->user, m->jsep_sdp);
            if (!s->failed && !s->sub) watch_too(s);
        }
    }
}

static void ws_opened(void *user)
{
    sig_session *s = user;
    if (s->ev.opened) s->ev.opened(s->user);
    send_janus(s, "create", T_CREATE, NULL);
}

static void ws_message(void *user, const char *text, size_t len)
{
    sig_session *s = user;
    janus_msg m;
    char err[200];
    if (janus_msg_parse(text, len, &m, err, sizeof err) != 0) {
        LOGW(TAG, "Janus sent something else: %s", err);
        return;
    }
    if (s->failed) {
        janus_msg_free(&m);
        return;
    }
    char why[300];
    switch (m.kind) {
    case JANUS_MSG_SUCCESS:
        on_success(s, take_pending(s, m.transaction), &m);
        break;
    case JANUS_MSG_ERROR:
        take_pending(s, m.transaction);
        fail_with(s, "a request", &m);
        break;
    case JANUS_MSG_EVENT:
        take_pending(s, m.transaction);
        on_plugin_event(s, &m);
        break;
    case JANUS_MSG_HANGUP:
        snprintf(why, sizeof why, "Janus hung up: %s", m.reason ? m.reason : "?");
        fail(s, why);
        break;
    case JANUS_MSG_DETACHED:
        fail(s, "Janus detached the handle");
        break;
    case JANUS_MSG_TIMEOUT:
        fail(s, "the Janus session timed out");
        break;
    case JANUS_MSG_WEBRTCUP:
        LOGD(TAG, "%s: Janus says the PeerConnection is up", s->name);
        break;
    default: /* ack, media, slowlink, trickle: nothing to do */
        break;
    }
    janus_msg_free(&m);
}

static void ws_closed(void *user, const char *why)
{
    sig_session *s = user;
    s->link = NULL; /* lws frees it */
    fail(s, why);
}

static const ws_link_events link_events = {ws_opened, ws_message, ws_closed};

static void on_keepalive(struct ev_loop *loop, ev_timer *w, int revents)
{
    sig_session *s = w->data;
    if (!s->failed && s->session) send_janus(s, "keepalive", 0, NULL);
}

/* A room id for a meeting name: the number itself, or a 31-bit FNV-1a hash (kept below 2^53 for
 * JavaScript clients of the same Janus, and never 0). */
static uint64_t room_for(const char *meeting)
{
    if (!meeting || !*meeting) meeting = "load";
    char *end;
    unsigned long long n = strtoull(meeting, &end, 10);
    if (!*end && n > 0) return n;
    uint32_t h = 2166136261u;
    for (const char *p = meeting; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return (h & 0x7fffffffu) | 1u;
}

/* The labels of the sites a role may watch (floor and wall), and how long to wait for them. */
static int plan_watching(sig_session *s, const sig_join *join)
{
    const sig_plan *plan = join->plan;
    s->role = plan ? join->role : SIG_ROLE_UNSAID;
    s->patience_s = WAIT_UNPLANNED_S;
    s->pick.self = s->name;
    s->pick.thumbnails = join->thumbnails;
    s->pick.video_mid = OFFER_MID_VIDEO;
    if (!plan) return 0;
    s->patience_s = WAIT_SLACK_S + (plan->join_rate ? (double)plan->sites / plan->join_rate : 0);
    s->pick.chair = plan->chair ? SIG_LABEL_CHAIR : NULL;
    s->pick.floor = plan->sites_publish ? plan->floor : 0;
    s->pick.wall = plan->sites_video && plan->sites_publish ? WALL_PAGE : 0;
    unsigned n = s->pick.floor > s->pick.wall ? s->pick.floor : s->pick.wall;
    if (n > plan->sites) n = plan->sites;
    if (n == 0) return 0;
    s->site_labels = calloc(n, sizeof *s->site_labels);
    const char **sites = calloc(n, sizeof *sites);
    if (!s->site_labels || !sites) {
        free(sites);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        snprintf(s->site_labels[i], SIG_LABEL_MAX, SIG_LABEL_SITE_FMT, i + 1);
        sites[i] = s->site_labels[i];
    }
    s->pick.sites = sites;
    s->pick.n_sites = n;
    return 0;
}

static sig_session *jn_open(ws_hub *ws, const sig_join *join, const sig_events *ev, void *user)
{
    sig_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ev = *ev;
    s->user = user;
    s->loop = join->loop;
    s->next_txn = 1;
    s->name = strdup(join->label ? join->label : join->name);
    s->room = room_for(join->meeting);
    ev_timer_init(&s->keepalive, on_keepalive, KEEPALIVE_S, KEEPALIVE_S);
    s->keepalive.data = s;
    ev_timer_init(&s->retry, on_retry, LIST_RETRY_S, 0);
    s->retry.data = s;
    if (!s->name || plan_watching(s, join) != 0) {
        fail(s, "out of memory");
        return s;
    }
    s->link = ws_link_open(ws, join->url, "janus-protocol", &link_events, s);
    if (!s->link && !s->failed) fail(s, "cannot open the websocket");
    return s;
}

static void jn_publish(sig_session *s, const char *sdp)
{
    if (s->failed || s->publisher || !s->handle) return;
    s->publisher = true;
    s->offer = strdup(sdp);
    create_room(s);
}

static void jn_answer(sig_session *s, int64_t revision, const char *sdp)
{
    if (s->failed || revision != s->revision) return;
    json_t *jsep = json_pack("{s:s, s:s, s:b}", "type", "answer", "sdp", sdp, "trickle", 0);
    send_plugin(s, s->sub, T_OTHER, json_pack("{s:s}", "request", "start"), jsep);
}

static void jn_floor_give(sig_session *s, const char *site)
{
    (void)s;
    (void)site; /* dienhong's floor has no VideoRoom counterpart */
}

static void jn_wall(sig_session *s, unsigned page)
{
    (void)s;
    (void)page;
}

static void jn_close(sig_session *s)
{
    if (!s) return;
    ev_timer_stop(s->loop, &s->keepalive);
    ev_timer_stop(s->loop, &s->retry);
    if (s->link) ws_link_abandon(s->link);
    free(s->offer);
    free(s->name);
    free((void *)s->pick.sites);
    free(s->site_labels);
    free(s);
}

const sig_backend sig_janus = {
    .name = "janus",
    .open = jn_open,
    .publish = jn_publish,
    .answer = jn_answer,
    .floor_give = jn_floor_give,
    .wall = jn_wall,
    .close = jn_close,
};
