#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "protocol.h"
#include "publisher.h"
#include "rpc.h"
#include "rtc_peer.h"
#include "sfu/base/log.h"
#include "subscriber.h"
#include "ws_client.h"

#define TAG "session"
/* From the join to a connected publisher; ICE against an ICE-lite hub takes well under a
 * second on a working path, so 30 s means it will not connect. */
#define MEDIA_DEADLINE_MS 30000
#define CONNECT_DEADLINE_MS 20000 /* from starting to connect to the join's reply */

typedef enum {
    S_CONNECTING,
    S_JOINING,
    S_JOINED,
    S_PUBLISHING,
    S_WAITING,
    S_REFUSED,
    S_STOPPED
} state;

static const char *state_names[] = {"connecting", "joining", "joined", "publishing",
                                    "waiting",    "refused", "stopped"};

/* Candidates found before the description they belong to was sent wait here. */
typedef struct pending_cand {
    char *mid; /* NULL with candidate NULL: the end of candidates */
    char *candidate;
} pending_cand;

struct session {
    const room_config *cfg;
    room_stats *stats;
    ws_client *ws;
    rpc_table rpc;
    backoff bo;
    state st;
    uint64_t st_since_ms;
    rtc_peer *pub, *sub;
    gboolean pub_described, sub_described; /* their first description was sent */
    GQueue pub_cands, sub_cands;           /* pending_cand */
    gboolean pub_connected;
    uint64_t media_deadline_ms; /* 0: none */
    guint retry_timer, tick_timer;
};

/* Debug logging of a whole SDP, a line per log line (log lines are short). */
static void log_sdp(const char *what, const char *sdp)
{
    if (log_get_level() < LOG_DEBUG) return;
    LOGD(TAG, "%s:", what);
    char **lines = g_strsplit(sdp, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (**l) LOGD(TAG, "  %s", *l);
    }
    g_strfreev(lines);
}

static uint64_t now_ms(void)
{
    return (uint64_t)(g_get_monotonic_time() / 1000);
}

static void set_state(session *s, state st)
{
    if (s->st != st) LOGI(TAG, "state %s -> %s", state_names[s->st], state_names[st]);
    s->st = st;
    s->st_since_ms = now_ms();
}

const char *session_state_name(const session *s)
{
    return state_names[s->st];
}

static void pending_free(gpointer data)
{
    pending_cand *c = data;
    g_free(c->mid);
    g_free(c->candidate);
    g_free(c);
}

/* ---- starting over --------------------------------------------------------------------------- */

static void connect_now(session *s);

static gboolean retry_due(gpointer data)
{
    session *s = data;
    s->retry_timer = 0;
    connect_now(s);
    return G_SOURCE_REMOVE;
}

/* Closes the websocket and both peer connections; the hub forgets us when the socket goes. */
static void teardown(session *s)
{
    ws_client_disconnect(s->ws);
    rtc_peer_close(s->pub);
    rtc_peer_close(s->sub);
    s->pub = s->sub = NULL;
    s->pub_described = s->sub_described = FALSE;
    s->pub_connected = FALSE;
    s->media_deadline_ms = 0;
    g_queue_clear_full(&s->pub_cands, pending_free);
    g_queue_clear_full(&s->sub_cands, pending_free);
    rpc_clear(&s->rpc);
}

static void retry_after(session *s, state st, uint32_t delay_ms)
{
    teardown(s);
    s->stats->reconnects++;
    set_state(s, st);
    if (s->retry_timer) g_source_remove(s->retry_timer);
    s->retry_timer = g_timeout_add(delay_ms, retry_due, s);
}

/* Something broke: start over after the next backoff step. Only the first cause counts. */
static void restart(session *s, const char *why)
{
    if (s->st == S_WAITING || s->st == S_REFUSED || s->st == S_STOPPED) return;
    uint32_t delay = backoff_next(&s->bo, g_random_int());
    LOGW(TAG, "%s; joining again in %.1f s", why, delay / 1000.0);
    retry_after(s, S_WAITING, delay);
}

/* The hub does not want this box now: its token is refused (unauthorized, token_expired,
 * wrong_meeting, revoked), it was kicked, or another connection took its site over. Retrying
 * soon cannot help, so do it slowly until a person fixes the configuration or the meeting. */
static void refused(session *s, const char *code, const char *message)
{
    if (s->st == S_WAITING || s->st == S_REFUSED || s->st == S_STOPPED) return;
    uint32_t delay = backoff_auth(g_random_int());
    if (strcmp(code, "kicked") == 0 || strcmp(code, "replaced") == 0)
        LOGE(TAG, "the hub sent this room away (%s: %s); trying again in %u s", code, message,
             delay / 1000);
    else
        LOGE(TAG,
             "the hub refused this room's token (%s: %s). Check `token` in the configuration "
             "(a new one: dienhong token --meeting M --role site --site CODE); trying again in "
             "%u s",
             code, message, delay / 1000);
    retry_after(s, S_REFUSED, delay);
}

/* ---- requests -------------------------------------------------------------------------------- */

/* Sends a request made by `build` with a fresh id. FALSE (after starting over) on failure. */
static gboolean request(session *s, rpc_kind kind, uint32_t arg,
                        char *(*build)(int64_t id, void *ctx), void *ctx)
{
    int64_t id = rpc_add(&s->rpc, kind, arg, now_ms());
    if (id < 0) {
        restart(s, "too many requests without a reply");
        return FALSE;
    }
    char *text = build(id, ctx);
    if (!text) {
        rpc_pending gone;
        rpc_take(&s->rpc, id, &gone);
        char why[80];
        snprintf(why, sizeof why, "cannot write the %s request", rpc_kind_name(kind));
        restart(s, why);
        return FALSE;
    }
    gboolean ok = ws_client_send(s->ws, text, strlen(text));
    free(text);
    if (!ok) {
        restart(s, "the websocket is not open");
        return FALSE;
    }
    return TRUE;
}

static char *build_join(int64_t id, void *ctx)
{
    const room_config *cfg = ctx;
    return proto_join(id, cfg->token, cfg->name);
}

static char *build_publish(int64_t id, void *ctx)
{
    return proto_publish(id, ctx);
}

typedef struct answer_ctx {
    uint32_t revision;
    const char *sdp;
} answer_ctx;

static char *build_answer(int64_t id, void *ctx)
{
    answer_ctx *a = ctx;
    return proto_answer(id, a->revision, a->sdp);
}

typedef struct trickle_ctx {
    const char *target, *mid, *candidate;
} trickle_ctx;

static char *build_trickle(int64_t id, void *ctx)
{
    trickle_ctx *t = ctx;
    return proto_trickle(id, t->target, t->mid, t->candidate);
}

static void send_trickle(session *s, rtc_role role, const char *mid, const char *candidate)
{
    trickle_ctx t = {rtc_peer_role_name(role), mid, candidate};
    LOGD(TAG, "trickle %s %s: %s", t.target, mid ? mid : "-", candidate ? candidate : "(end)");
    request(s, RPC_TRICKLE, 0, build_trickle, &t);
}

static void flush_candidates(session *s, rtc_role role)
{
    GQueue *q = role == RTC_PUBLISHER ? &s->pub_cands : &s->sub_cands;
    pending_cand *c;
    while ((c = g_queue_pop_head(q)) != NULL) {
        send_trickle(s, role, c->mid, c->candidate);
        pending_free(c);
    }
}

/* ---- the peer connections -------------------------------------------------------------------- */

static void on_description(void *user, rtc_role role, const char *sdp, uint32_t revision)
{
    session *s = user;
    log_sdp(role == RTC_PUBLISHER ? "our offer" : "our answer", sdp);
    if (role == RTC_PUBLISHER) {
        if (!request(s, RPC_PUBLISH, 0, build_publish, (void *)sdp)) return;
        s->pub_described = TRUE;
    } else {
        answer_ctx a = {revision, sdp};
        if (!request(s, RPC_ANSWER, revision, build_answer, &a)) return;
        s->sub_described = TRUE;
    }
    flush_candidates(s, role);
}

static void on_candidate(void *user, rtc_role role, const char *mid, const char *candidate)
{
    session *s = user;
    gboolean described = role == RTC_PUBLISHER ? s->pub_described : s->sub_described;
    if (described) {
        send_trickle(s, role, mid, candidate);
        return;
    }
    pending_cand *c = g_new0(pending_cand, 1);
    c->mid = g_strdup(mid);
    c->candidate = g_strdup(candidate);
    g_queue_push_tail(role == RTC_PUBLISHER ? &s->pub_cands : &s->sub_cands, c);
}

static void on_connected(void *user, rtc_role role)
{
    session *s = user;
    if (role != RTC_PUBLISHER) return;
    /* Media reaches the hub: this session works, so the next failure starts the backoff anew. */
    s->pub_connected = TRUE;
    s->media_deadline_ms = 0;
    backoff_reset(&s->bo);
}

static void on_failed(void *user, rtc_role role, const char *why)
{
    session *s = user;
    char msg[300];
    snprintf(msg, sizeof msg, "%s: %s", rtc_peer_role_name(role), why);
    restart(s, msg);
}

static const rtc_peer_events peer_events = {on_description, on_candidate, on_connected, on_failed};

static void start_publisher(session *s)
{
    s->pub = rtc_peer_new(RTC_PUBLISHER, &peer_events, s);
    if (!s->pub) {
        restart(s, "cannot create the publisher");
        return;
    }
    rtc_peer_set_offer_filter(s->pub, publisher_offer_filter(s->cfg));
    char err[300];
    if (publisher_build(s->pub, s->cfg, s->stats, err, sizeof err) != 0) {
        char why[400];
        snprintf(why, sizeof why, "cannot build the camera and microphone pipeline: %s", err);
        restart(s, why);
        return;
    }
    rtc_peer_start(s->pub); /* a failure is reported through on_failed */
}

static void on_offer(session *s, const proto_msg *m)
{
    LOGI(TAG, "the hub offers %zu source%s (revision %u)", m->n_sources,
         m->n_sources == 1 ? "" : "s", m->revision);
    log_sdp("the hub's offer", m->sdp);
    if (!s->sub) {
        s->sub = rtc_peer_new(RTC_SUBSCRIBER, &peer_events, s);
        if (!s->sub) {
            restart(s, "cannot create the subscriber");
            return;
        }
        subscriber_attach(s->sub, s->cfg, s->stats);
        if (!rtc_peer_start(s->sub)) return;
    }
    rtc_peer_answer_offer(s->sub, m->sdp, m->revision);
}

/* ---- the websocket --------------------------------------------------------------------------- */

static void on_opened(void *user)
{
    session *s = user;
    set_state(s, S_JOINING);
    request(s, RPC_JOIN, 0, build_join, (void *)s->cfg);
}

static void on_result(session *s, const proto_msg *m, const rpc_pending *req)
{
    switch (req->kind) {
    case RPC_JOIN:
        LOGI(TAG, "joined meeting %s as %s (role %s, site %s, video %s)",
             proto_result_string(m, "meeting"), proto_result_string(m, "peer"),
             proto_result_string(m, "role"), proto_result_string(m, "site"),
             proto_result_string(m, "video_codec"));
        set_state(s, S_JOINED);
        s->media_deadline_ms = now_ms() + MEDIA_DEADLINE_MS;
        start_publisher(s);
        return;
    case RPC_PUBLISH: {
        const char *sdp = proto_result_string(m, "sdp");
        log_sdp("the hub's answer", sdp);
        if (!*sdp) {
            restart(s, "the publish reply has no sdp");
            return;
        }
        if (s->pub) rtc_peer_set_answer(s->pub, sdp);
        set_state(s, S_PUBLISHING);
        return;
    }
    case RPC_ANSWER:
    case RPC_TRICKLE:
        return;
    }
}

static void on_error_reply(session *s, const proto_msg *m)
{
    rpc_pending req = {0};
    gboolean ours = m->has_id && rpc_take(&s->rpc, m->id, &req);
    if (proto_error_is_auth(m->error_code)) {
        refused(s, m->error_code, m->error_message);
        return;
    }
    char why[400];
    snprintf(why, sizeof why, "the hub refused %s: %s (%s)",
             ours ? rpc_kind_name(req.kind) : "a message", m->error_code, m->error_message);
    restart(s, why);
}

static void on_message(void *user, const char *text, size_t len)
{
    session *s = user;
    proto_msg m;
    char err[200];
    if (proto_parse(text, len, &m, err, sizeof err) != 0) {
        /* Not worth a reconnect: a newer hub may say things this box does not know. */
        LOGW(TAG, "ignoring a message from the hub: %s", err);
        return;
    }
    rpc_pending req;
    switch (m.kind) {
    case PROTO_RESULT:
        if (rpc_take(&s->rpc, m.id, &req))
            on_result(s, &m, &req);
        else
            LOGW(TAG, "a reply to id %lld, which is not waiting for one", (long long)m.id);
        break;
    case PROTO_ERROR:
        on_error_reply(s, &m);
        break;
    case PROTO_OFFER:
        on_offer(s, &m);
        break;
    case PROTO_TRANSPORT:
        LOGI(TAG, "hub: %s transport %s%s%s", m.target, m.state, m.reason[0] ? ": " : "", m.reason);
        if (strcmp(m.state, "failed") == 0) {
            char why[300];
            snprintf(why, sizeof why, "the hub reports the %s transport failed%s%s", m.target,
                     m.reason[0] ? ": " : "", m.reason);
            restart(s, why);
        }
        break;
    case PROTO_KICKED:
        refused(s, "kicked", m.reason[0] ? m.reason : "by the chair or an operator");
        break;
    case PROTO_OTHER_EVENT:
        LOGD(TAG, "event %s", m.event);
        break;
    }
    proto_msg_free(&m);
}

/* Close status the hub uses when a newer connection of the same site takes over. */
#define WS_CLOSE_REPLACED 4002

static void on_closed(void *user, int code, const char *why)
{
    session *s = user;
    if (code == WS_CLOSE_REPLACED) {
        /* Another box (or a browser) joined with this site's token; taking the site back at once
         * would make the two throw each other out forever. */
        refused(s, "replaced",
                "another connection of this site took over (two boxes with one "
                "token?)");
        return;
    }
    char msg[240];
    snprintf(msg, sizeof msg, "websocket: %s", why);
    restart(s, msg);
}

static const ws_client_events ws_events = {on_opened, on_message, on_closed};

static void connect_now(session *s)
{
    teardown(s);
    set_state(s, S_CONNECTING);
    ws_client_connect(s->ws, &s->cfg->url);
}

/* Once a second: replies that are late, and sessions that do not get anywhere. */
static gboolean tick(gpointer data)
{
    session *s = data;
    uint64_t now = now_ms();
    const rpc_pending *late = rpc_overdue(&s->rpc, now);
    if (late) {
        char why[120];
        snprintf(why, sizeof why, "no reply to %s (id %lld) within %u s", rpc_kind_name(late->kind),
                 (long long)late->id, RPC_TIMEOUT_MS / 1000);
        restart(s, why);
    } else if ((s->st == S_CONNECTING || s->st == S_JOINING) &&
               now - s->st_since_ms > CONNECT_DEADLINE_MS) {
        restart(s, "the hub did not let us in within 20 s");
    } else if (s->media_deadline_ms && now > s->media_deadline_ms && !s->pub_connected) {
        restart(s, "the camera and microphone did not reach the hub within 30 s");
    }
    return G_SOURCE_CONTINUE;
}

/* ---- life ------------------------------------------------------------------------------------ */

session *session_new(const room_config *cfg, room_stats *stats, GMainLoop *loop)
{
    session *s = g_new0(session, 1);
    s->cfg = cfg;
    s->stats = stats;
    s->st = S_STOPPED;
    rpc_init(&s->rpc);
    backoff_reset(&s->bo);
    g_queue_init(&s->pub_cands);
    g_queue_init(&s->sub_cands);
    s->ws = ws_client_new(loop, &ws_events, s);
    if (!s->ws) {
        g_free(s);
        return NULL;
    }
    return s;
}

void session_start(session *s)
{
    s->tick_timer = g_timeout_add(1000, tick, s);
    connect_now(s);
}

void session_free(session *s)
{
    if (!s) return;
    teardown(s);
    set_state(s, S_STOPPED);
    if (s->retry_timer) g_source_remove(s->retry_timer);
    if (s->tick_timer) g_source_remove(s->tick_timer);
    ws_client_free(s->ws);
    g_free(s);
}
