/* Wiring: the web front's callbacks to the protocol handlers, the media plane's events to the
 * peers they concern, tokens to meetings. */
#include "signaling/hub.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/documents.h"

static _Atomic(server *) g_wake_target;

#define TICK_MS 250

/* The meetings' periodic work (speaker, wall, roll) runs on the signaling thread: this thread only
 * wakes it, so meeting state keeps its single owner. */
static void *ticker(void *arg)
{
    hub *h = arg;
    struct timespec ts = {0, TICK_MS * 1000000L};
    while (!atomic_load(&h->ticker_stop)) {
        nanosleep(&ts, NULL);
        server *s = atomic_load(&g_wake_target);
        if (s) server_wake(s);
    }
    return NULL;
}

static void run_ticks(hub *h)
{
    uint64_t now = util_now_us();
    if (now < h->next_tick_us) return;
    h->next_tick_us = now + 500000u;
    bool wall_due = now >= h->next_wall_us;
    if (wall_due) h->next_wall_us = now + 1000000u;
    int64_t unix_now = util_unix_time();
    recording_tick(h);
    for (meeting *m = h->meetings; m;) {
        meeting *next = meeting_next(m);
        meeting_tick(m, unix_now, wall_due);
        m = next;
    }
}

static void on_ws_open(void *ud, server_conn *c)
{
    session_open(ud, c);
}

static void on_ws_message(void *ud, server_conn *c, const char *msg, size_t len)
{
    session_message(ud, c, msg, len);
}

static void on_ws_close(void *ud, server_conn *c)
{
    session_close(ud, c);
}

static void on_http(void *ud, server_http *r)
{
    http_api_request(ud, r);
}

/* Only document uploads may be larger than the default 64 KiB. */
static size_t on_http_body_limit(void *ud, server_http *r, uint64_t announced)
{
    return http_documents_body_limit(ud, r, announced);
}

/* Media events arrive here, on the signaling thread, after a worker woke it. */
static void on_wake(void *ud)
{
    hub *h = ud;
    run_ticks(h);
    http_recordings_poll(h);
    sfu_event evs[64];
    size_t n;
    while ((n = sfu_poll_events(h->media, evs, 64)) > 0) {
        for (size_t i = 0; i < n; i++) {
            peer *p = idmap_get(h->by_transport, evs[i].transport);
            if (!p) continue;
            if (evs[i].type == SFU_EV_SOURCE_STATS) {
                peer_on_source_stats(p, &evs[i]);
                continue;
            }
            if (evs[i].type == SFU_EV_TRANSPORT_STATS) {
                if (evs[i].rtt_ms) p->rtt_ms = evs[i].rtt_ms;
                if (evs[i].transport == p->sub_t && evs[i].reported) {
                    uint64_t now = util_now_us();
                    if (!p->downlink_bps && evs[i].downlink_bps)
                        p->downlink_valid_us = now + 6000000u; /* the first are start values */
                    p->downlink_bps = evs[i].downlink_bps;
                    p->downlink_loss = evs[i].downlink_loss;
                    peer_choose_layers(p, now);
                }
                continue;
            }
            peer_on_transport_event(p, &evs[i]);
            /* A WHIP/WHEP resource has no one to renegotiate with: it ends. */
            if (evs[i].type == SFU_EV_FAILED && p->kind != PEER_WS) peer_free(p);
        }
    }
}

static void wake_from_worker(void *ud)
{
    (void)ud;
    server *s = atomic_load(&g_wake_target);
    if (s) server_wake(s);
}

hub *hub_new(const hub_config *cfg)
{
    hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->next_id = 1;
    h->by_transport = idmap_new(256);
    char err[512] = "";
    if (h->by_transport) h->db = store_open(cfg->data_dir, err, sizeof err);
    if (!h->db) LOGE("hub", "%s", err);
    if (!h->by_transport || !h->db || token_key_load_or_create(cfg->data_dir, h->key) != 0) {
        LOGE("hub", "cannot use data directory %s", cfg->data_dir);
        hub_free(h);
        return NULL;
    }
    /* Connections a crash left open in the roll end now. */
    store_attendance_leave_all(h->db, NULL, util_unix_time());
    server_config sc = {.host = cfg->listen_host,
                        .port = cfg->listen_port,
                        .tls_cert = cfg->tls_cert,
                        .tls_key = cfg->tls_key,
                        .web_root = cfg->web_root};
    server_handlers hs = {.ud = h,
                          .ws_open = on_ws_open,
                          .ws_message = on_ws_message,
                          .ws_close = on_ws_close,
                          .http_request = on_http,
                          .http_body_limit = on_http_body_limit,
                          .wake = on_wake};
    h->srv = server_new(&sc, &hs);
    if (!h->srv) {
        hub_free(h);
        return NULL;
    }
    atomic_store(&g_wake_target, h->srv);
    h->media = sfu_new(&cfg->media, wake_from_worker, h);
    if (!h->media) {
        hub_free(h);
        return NULL;
    }
    h->verify = verify_jobs_new(wake_from_worker, h);
    if (!h->verify || recording_init(h, cfg) != 0) {
        LOGE("hub", "cannot start the recorder or the file checks");
        hub_free(h);
        return NULL;
    }
    if (pthread_create(&h->ticker, NULL, ticker, h) == 0) h->ticker_running = true;
    return h;
}

void hub_free(hub *h)
{
    if (!h) return;
    h->stopping = true;
    if (h->ticker_running) {
        atomic_store(&h->ticker_stop, true);
        pthread_join(h->ticker, NULL);
    }
    if (h->rec) recording_shutdown(h);
    verify_jobs_free(h->verify);
    meeting_free_all(h);
    if (h->media) sfu_free(h->media);
    atomic_store(&g_wake_target, NULL);
    if (h->srv) server_free(h->srv);
    idmap_free(h->by_transport);
    store_close(h->db);
    free(h);
}

int hub_run(hub *h)
{
    return server_run(h->srv);
}

void hub_stop(hub *h)
{
    server_stop(h->srv);
}

int hub_port(const hub *h)
{
    return server_port(h->srv);
}

uint32_t hub_next_id(hub *h)
{
    return h->next_id++;
}

int hub_check_token(hub *h, const char *token, const char *meeting_id_or_null, token_claims *out)
{
    int rc = token_verify(h->key, token, strlen(token), util_unix_time(), out);
    if (rc != TOKEN_OK) return rc;
    if (meeting_id_or_null && strcmp(meeting_id_or_null, out->meeting) != 0)
        return HUB_TOKEN_WRONG_MEETING;
    if (store_is_revoked(h->db, out->id) != 0) return HUB_TOKEN_REVOKED; /* error: refuse too */
    return TOKEN_OK;
}

void hub_revoke(hub *h, const char *token_id, const char *meeting_ref, const char *reason)
{
    if (store_revoke(h->db, token_id, meeting_ref, util_unix_time(), reason) != 0)
        LOGE("hub", "cannot record the revocation of %s: %s", token_id, store_error(h->db));
}

void hub_audit(hub *h, const char *where, const peer *actor, const char *action, const char *fmt,
               ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    store_actor a = {.role = ROLE_NONE};
    if (actor) {
        a.role = actor->role;
        snprintf(a.site, sizeof a.site, "%s", actor->site);
        snprintf(a.token_id, sizeof a.token_id, "%s", actor->token_id);
    }
    LOGI("audit", "%s %s%s%s %s: %s", where, actor ? role_name(actor->role) : "hub",
         actor && actor->site[0] ? " " : "", actor ? actor->site : "", action, detail);
    if (store_audit_append(h->db, util_unix_time(), where, actor ? &a : NULL, action, detail) != 0)
        LOGE("hub", "audit log: %s", store_error(h->db));
}
