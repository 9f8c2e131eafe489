#define GST_USE_UNSTABLE_API /* the webrtc library warns without it */
#include "rtc_peer.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_fixup.h"
#include "sfu/base/log.h"

#define TAG "rtc"

struct rtc_peer {
    rtc_role role;
    rtc_peer_events ev;
    void *user;
    GstElement *pipeline;
    GstElement *webrtc;
    gboolean closed;
    gboolean offered;   /* publisher: the one offer is made */
    gboolean answering; /* subscriber: an offer is being answered */
    char *next_offer;   /* subscriber: the offer waiting for its turn */
    uint32_t next_revision;
    uint32_t revision; /* subscriber: the offer being answered */
    char *inactive;    /* subscriber: its inactive mids (sdp_fixup_hub_offer) */
    rtc_offer_filter offer_filter;
    gboolean reported_connected;
};

/* Every thread that holds the peer (a signal handler, a posted step) holds a reference, so the
 * struct outlives webrtcbin's threads; rtc_peer_close() only stops reporting. */
static rtc_peer *peer_ref(rtc_peer *p)
{
    return g_rc_box_acquire(p);
}

static void peer_clear(gpointer data)
{
    rtc_peer *p = data;
    g_free(p->next_offer);
    free(p->inactive);
}

static void peer_unref(gpointer p)
{
    g_rc_box_release_full(p, peer_clear);
}

static void peer_unref_closure(gpointer p, GClosure *closure)
{
    peer_unref(p);
}

const char *rtc_peer_role_name(rtc_role role)
{
    return role == RTC_PUBLISHER ? "publisher" : "subscriber";
}

static void fail(rtc_peer *p, const char *why)
{
    if (p->closed) return;
    LOGW(TAG, "%s: %s", rtc_peer_role_name(p->role), why);
    p->ev.failed(p->user, p->role, why);
}

/* ---- posting to the main loop ------------------------------------------------------------ */

typedef void (*step_fn)(rtc_peer *p, GstPromise *promise, gpointer arg);

typedef struct step {
    rtc_peer *p;
    step_fn fn;
    GstPromise *promise;
    gpointer arg;
    GDestroyNotify arg_free;
} step;

static gboolean step_run(gpointer data)
{
    step *s = data;
    if (!s->p->closed) s->fn(s->p, s->promise, s->arg);
    return G_SOURCE_REMOVE;
}

static void step_free(gpointer data)
{
    step *s = data;
    if (s->promise) gst_promise_unref(s->promise);
    if (s->arg_free) s->arg_free(s->arg);
    peer_unref(s->p);
    g_free(s);
}

static void post(rtc_peer *p, step_fn fn, GstPromise *promise, gpointer arg,
                 GDestroyNotify arg_free)
{
    step *s = g_new0(step, 1);
    s->p = peer_ref(p);
    s->fn = fn;
    s->promise = promise ? gst_promise_ref(promise) : NULL;
    s->arg = arg;
    s->arg_free = arg_free;
    g_idle_add_full(G_PRIORITY_DEFAULT, step_run, s, step_free);
}

/* What to do on the main loop when a promise settles, and what to do it with. */
typedef struct promise_ctx {
    rtc_peer *p;
    step_fn fn;
    gpointer arg;
    GDestroyNotify arg_free;
} promise_ctx;

static void promise_changed(GstPromise *promise, gpointer data)
{
    promise_ctx *c = data;
    post(c->p, c->fn, promise, c->arg, c->arg_free); /* the step owns arg now */
    c->arg = NULL;
}

static void promise_ctx_free(gpointer data)
{
    promise_ctx *c = data;
    if (c->arg && c->arg_free) c->arg_free(c->arg);
    peer_unref(c->p);
    g_free(c);
}

/* Emits one of webrtcbin's (argument, promise) action signals; fn(p, promise, arg) runs on the
 * main loop once webrtcbin settles the promise. */
static void call(rtc_peer *p, const char *signal, gpointer first, step_fn fn, gpointer arg,
                 GDestroyNotify arg_free)
{
    promise_ctx *c = g_new0(promise_ctx, 1);
    c->p = peer_ref(p);
    c->fn = fn;
    c->arg = arg;
    c->arg_free = arg_free;
    GstPromise *promise = gst_promise_new_with_change_func(promise_changed, c, promise_ctx_free);
    g_signal_emit_by_name(p->webrtc, signal, first, promise);
    gst_promise_unref(promise);
}

/* TRUE for a promise that webrtcbin kept; *out (if given) is its reply, which may be NULL.
 * FALSE after reporting the failure. */
static gboolean settled(rtc_peer *p, GstPromise *promise, const char *what,
                        const GstStructure **out)
{
    if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
        char why[120];
        g_snprintf(why, sizeof why, "%s: no reply from webrtcbin", what);
        fail(p, why);
        return FALSE;
    }
    const GstStructure *reply = gst_promise_get_reply(promise);
    GError *error = NULL;
    if (reply && gst_structure_has_field(reply, "error")) {
        gst_structure_get(reply, "error", G_TYPE_ERROR, &error, NULL);
        char why[400];
        g_snprintf(why, sizeof why, "%s: %s", what, error ? error->message : "failed");
        g_clear_error(&error);
        fail(p, why);
        return FALSE;
    }
    if (out) *out = reply;
    return TRUE;
}

/* ---- descriptions -------------------------------------------------------------------------- */

static GstWebRTCSessionDescription *parse_description(GstWebRTCSDPType type, const char *text)
{
    GstSDPMessage *sdp = NULL;
    if (gst_sdp_message_new_from_text(text, &sdp) != GST_SDP_OK) {
        if (sdp) gst_sdp_message_free(sdp);
        return NULL;
    }
    return gst_webrtc_session_description_new(type, sdp);
}

/* A description from the hub, made readable to webrtcbin first (see sdp_fixup.h). */
static GstWebRTCSessionDescription *parse_remote(GstWebRTCSDPType type, const char *text)
{
    char *fixed = sdp_fixup_remote(text);
    GstWebRTCSessionDescription *d = parse_description(type, fixed ? fixed : text);
    free(fixed);
    return d;
}

/* The description is sent as it was created and set, without the candidates webrtcbin adds to
 * its local description as it gathers them: those go as trickle messages (the hub reads at most
 * 8 candidates in an m-section, fewer than a PC with a few interfaces has). */
static void offer_set(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    if (!settled(p, promise, "set-local-description (offer)", NULL)) return;
    p->ev.description(p->user, p->role, arg, 0);
}

static void offer_created(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    const GstStructure *reply = NULL;
    if (!settled(p, promise, "create-offer", &reply)) return;
    GstWebRTCSessionDescription *offer = NULL;
    if (reply) gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
    if (!offer) {
        fail(p, "create-offer gave no offer");
        return;
    }
    char *text = gst_sdp_message_as_text(offer->sdp);
    char *changed = p->offer_filter ? p->offer_filter(text) : NULL;
    if (changed) {
        GstWebRTCSessionDescription *d = parse_description(GST_WEBRTC_SDP_TYPE_OFFER, changed);
        g_free(text);
        text = g_strdup(changed);
        free(changed);
        gst_webrtc_session_description_free(offer);
        offer = d;
        if (!offer) {
            g_free(text);
            fail(p, "the rewritten offer does not parse");
            return;
        }
    }
    call(p, "set-local-description", offer, offer_set, text, g_free);
    gst_webrtc_session_description_free(offer);
}

/* TRUE when every sink pad of webrtcbin has caps with an ssrc: webrtcbin writes a=ssrc (which
 * the hub requires) only from caps it has received, not from what it could query. */
static gboolean sink_caps_ready(rtc_peer *p)
{
    gboolean ready = TRUE;
    int pads = 0;
    GstIterator *it = gst_element_iterate_sink_pads(p->webrtc);
    GValue v = G_VALUE_INIT;
    while (ready && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
        GstPad *pad = g_value_get_object(&v);
        GstCaps *caps = gst_pad_get_current_caps(pad);
        const GstStructure *st =
            caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : NULL;
        ready = st && gst_structure_has_field(st, "ssrc");
        if (caps) gst_caps_unref(caps);
        pads++;
        g_value_reset(&v);
    }
    g_value_unset(&v);
    gst_iterator_free(it);
    return ready && pads > 0;
}

static gboolean negotiate_later(gpointer data);

static void negotiate(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    /* One offer per publisher: the box never changes what it sends (a new publisher is built
     * for every session). */
    if (p->offered) return;
    if (!sink_caps_ready(p)) {
        /* A caps event is seen before the pad stores it: look again shortly. */
        g_timeout_add_full(G_PRIORITY_DEFAULT, 50, negotiate_later, peer_ref(p), peer_unref);
        return;
    }
    p->offered = TRUE;
    LOGI(TAG, "publisher: making the offer");
    call(p, "create-offer", NULL, offer_created, NULL, NULL);
}

static gboolean negotiate_later(gpointer data)
{
    rtc_peer *p = data;
    if (!p->closed) negotiate(p, NULL, NULL);
    return G_SOURCE_REMOVE;
}

static void answer_set_remote(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    settled(p, promise, "set-remote-description (answer)", NULL);
}

void rtc_peer_set_answer(rtc_peer *p, const char *sdp)
{
    GstWebRTCSessionDescription *d = parse_remote(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    if (!d) {
        fail(p, "the hub's answer does not parse");
        return;
    }
    call(p, "set-remote-description", d, answer_set_remote, NULL, NULL);
    gst_webrtc_session_description_free(d);
}

static void start_next_offer(rtc_peer *p);

static void answer_set_local(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    if (!settled(p, promise, "set-local-description (answer)", NULL)) return;
    p->answering = FALSE;
    p->ev.description(p->user, p->role, arg, p->revision);
    if (!p->closed) start_next_offer(p);
}

static void answer_created(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    const GstStructure *reply = NULL;
    if (!settled(p, promise, "create-answer", &reply)) return;
    GstWebRTCSessionDescription *answer = NULL;
    if (reply)
        gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    if (!answer) {
        fail(p, "create-answer gave no answer");
        return;
    }
    char *text = gst_sdp_message_as_text(answer->sdp);
    char *fixed = sdp_fixup_answer(text, p->inactive);
    if (fixed) {
        g_free(text);
        text = g_strdup(fixed);
        free(fixed);
    }
    call(p, "set-local-description", answer, answer_set_local, text, g_free);
    gst_webrtc_session_description_free(answer);
}

static void offer_set_remote(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    if (!settled(p, promise, "set-remote-description (offer)", NULL)) return;
    call(p, "create-answer", NULL, answer_created, NULL, NULL);
}

static void start_next_offer(rtc_peer *p)
{
    if (p->answering || !p->next_offer) return;
    char *sdp = p->next_offer;
    p->next_offer = NULL;
    p->revision = p->next_revision;
    free(p->inactive);
    char *fixed = sdp_fixup_hub_offer(sdp, &p->inactive);
    GstWebRTCSessionDescription *d =
        parse_description(GST_WEBRTC_SDP_TYPE_OFFER, fixed ? fixed : sdp);
    free(fixed);
    g_free(sdp);
    if (!d) {
        fail(p, "the hub's offer does not parse");
        return;
    }
    p->answering = TRUE;
    call(p, "set-remote-description", d, offer_set_remote, NULL, NULL);
    gst_webrtc_session_description_free(d);
}

void rtc_peer_answer_offer(rtc_peer *p, const char *sdp, uint32_t revision)
{
    g_free(p->next_offer);
    p->next_offer = g_strdup(sdp);
    p->next_revision = revision;
    start_next_offer(p);
}

/* ---- ICE and state, from webrtcbin's threads ----------------------------------------------- */

typedef struct cand_arg {
    guint mline;
    char *candidate;
} cand_arg;

static void cand_arg_free(gpointer data)
{
    cand_arg *a = data;
    g_free(a->candidate);
    g_free(a);
}

/* The mid of m-line `index` in the local description ("0" if it cannot be told). */
static char *local_mid(rtc_peer *p, guint index)
{
    GstWebRTCSessionDescription *local = NULL;
    g_object_get(p->webrtc, "local-description", &local, NULL);
    char *mid = NULL;
    if (local && index < gst_sdp_message_medias_len(local->sdp)) {
        const char *m =
            gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(local->sdp, index), "mid");
        if (m) mid = g_strdup(m);
    }
    if (local) gst_webrtc_session_description_free(local);
    return mid ? mid : g_strdup("0");
}

static void candidate_main(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    cand_arg *a = arg;
    char *mid = local_mid(p, a->mline);
    /* webrtcbin writes "candidate:..." like browsers do; the protocol carries it as is. */
    p->ev.candidate(p->user, p->role, mid, a->candidate);
    g_free(mid);
}

static void on_ice_candidate(GstElement *webrtc, guint mline, gchar *candidate, gpointer data)
{
    cand_arg *a = g_new0(cand_arg, 1);
    a->mline = mline;
    a->candidate = g_strdup(candidate);
    post(data, candidate_main, NULL, a, cand_arg_free);
}

static void gathering_done(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    p->ev.candidate(p->user, p->role, NULL, NULL);
}

static void on_gathering_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
    GstWebRTCICEGatheringState st;
    g_object_get(webrtc, "ice-gathering-state", &st, NULL);
    if (st == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) post(data, gathering_done, NULL, NULL, NULL);
}

static void state_main(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    GstWebRTCPeerConnectionState st = GPOINTER_TO_INT(arg);
    if (st == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
        fail(p, "connection failed (ICE or DTLS)");
    } else if (st == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !p->reported_connected) {
        p->reported_connected = TRUE;
        LOGI(TAG, "%s connected", rtc_peer_role_name(p->role));
        p->ev.connected(p->user, p->role);
    }
}

static void on_connection_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
    GstWebRTCPeerConnectionState st;
    g_object_get(webrtc, "connection-state", &st, NULL);
    post(data, state_main, NULL, GINT_TO_POINTER(st), NULL);
}

static void ice_main(rtc_peer *p, GstPromise *promise, gpointer arg)
{
    if (GPOINTER_TO_INT(arg) == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) fail(p, "ICE failed");
}

static void on_ice_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
    GstWebRTCICEConnectionState st;
    g_object_get(webrtc, "ice-connection-state", &st, NULL);
    post(data, ice_main, NULL, GINT_TO_POINTER(st), NULL);
}

void rtc_peer_request_offer(rtc_peer *p)
{
    post(p, negotiate, NULL, NULL, NULL);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    rtc_peer *p = data;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *error = NULL;
        char *debug = NULL;
        gst_message_parse_error(msg, &error, &debug);
        char why[400];
        g_snprintf(why, sizeof why, "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
                   error ? error->message : "error");
        if (debug) LOGI(TAG, "%s", debug);
        g_clear_error(&error);
        g_free(debug);
        fail(p, why);
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
        GError *error = NULL;
        gst_message_parse_warning(msg, &error, NULL);
        LOGW(TAG, "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), error ? error->message : "");
        g_clear_error(&error);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- life ---------------------------------------------------------------------------------- */

static gboolean has_property(gpointer obj, const char *name)
{
    return g_object_class_find_property(G_OBJECT_GET_CLASS(obj), name) != NULL;
}

/* Two settings of webrtcbin's libnice agent that the hub needs:
 * - UDP only: the hub takes no TCP, and TCP candidates would triple every trickle;
 * - keepalives as binding requests: the hub is ICE-lite and keeps sending only while it gets
 *   connectivity checks (consent, RFC 7675: none for 30 s and the transport fails); libnice's
 *   default keepalives are binding indications, which the hub does not count. */
static void tune_ice(GstElement *webrtc)
{
    GstWebRTCICE *ice = NULL;
    g_object_get(webrtc, "ice-agent", &ice, NULL);
    if (!ice) return;
    if (has_property(ice, "ice-tcp")) g_object_set(ice, "ice-tcp", FALSE, NULL);
    GObject *agent = NULL;
    if (has_property(ice, "agent")) g_object_get(ice, "agent", &agent, NULL);
    if (agent && has_property(agent, "keepalive-conncheck"))
        g_object_set(agent, "keepalive-conncheck", TRUE, NULL);
    else
        LOGW(TAG, "cannot make libnice send keepalives as checks: the hub may drop us after 30 s");
    if (agent) g_object_unref(agent);
    gst_object_unref(ice);
}

static void connect_peer(rtc_peer *p, const char *signal, GCallback cb)
{
    g_signal_connect_data(p->webrtc, signal, cb, peer_ref(p), peer_unref_closure, 0);
}

rtc_peer *rtc_peer_new(rtc_role role, const rtc_peer_events *ev, void *user)
{
    GstElement *webrtc = gst_element_factory_make("webrtcbin", "rtc");
    if (!webrtc) {
        LOGE(TAG, "no webrtcbin element (gstreamer1.0-plugins-bad and gstreamer1.0-nice)");
        return NULL;
    }
    rtc_peer *p = g_rc_box_new0(rtc_peer);
    p->role = role;
    p->ev = *ev;
    p->user = user;
    p->pipeline = gst_pipeline_new(rtc_peer_role_name(role));
    p->webrtc = webrtc;
    /* The hub bundles everything on one transport and expects the same of us. */
    gst_util_set_object_arg(G_OBJECT(webrtc), "bundle-policy", "max-bundle");
    tune_ice(webrtc);
    gst_bin_add(GST_BIN(p->pipeline), webrtc);

    connect_peer(p, "on-ice-candidate", G_CALLBACK(on_ice_candidate));
    connect_peer(p, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state));
    connect_peer(p, "notify::ice-connection-state", G_CALLBACK(on_ice_state));
    connect_peer(p, "notify::connection-state", G_CALLBACK(on_connection_state));

    GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(p->pipeline));
    gst_bus_add_watch_full(bus, G_PRIORITY_DEFAULT, on_bus, peer_ref(p), peer_unref);
    gst_object_unref(bus);
    return p;
}

GstElement *rtc_peer_pipeline(rtc_peer *p)
{
    return p->pipeline;
}

GstElement *rtc_peer_webrtc(rtc_peer *p)
{
    return p->webrtc;
}

void rtc_peer_set_offer_filter(rtc_peer *p, rtc_offer_filter f)
{
    p->offer_filter = f;
}

gboolean rtc_peer_start(rtc_peer *p)
{
    if (gst_element_set_state(p->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        fail(p, "the pipeline does not start (see the messages above)");
        return FALSE;
    }
    return TRUE;
}

void rtc_peer_close(rtc_peer *p)
{
    if (!p) return;
    p->closed = TRUE;
    /* Stopping joins the streaming threads; handlers are dropped first so that none of them
     * posts work for a peer that is going away (posted work checks `closed` anyway). */
    g_signal_handlers_disconnect_by_data(p->webrtc, p);
    gst_element_set_state(p->pipeline, GST_STATE_NULL);
    GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(p->pipeline));
    gst_bus_remove_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(p->pipeline);
    p->pipeline = NULL;
    p->webrtc = NULL;
    peer_unref(p);
}
