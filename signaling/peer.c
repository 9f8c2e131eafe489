/* A participant's peer connections as the hub sees them: what it publishes (the answer to its
 * offer, the sources that become), what it receives (the hub's offers, one m-section per source,
 * renegotiated as sources come and go), and for WHEP viewers the meeting's program. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

#define SDP_TEXT_MAX 65536

peer *peer_new(hub *h, meeting *m, peer_kind kind, const token_claims *c, const char *name)
{
    peer *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->id = hub_next_id(h);
    p->h = h;
    p->kind = kind;
    p->role = c->role;
    char rnd[9];
    util_random_token(rnd, 8);
    snprintf(p->pid, sizeof p->pid, "p-%s", rnd);
    snprintf(p->site, sizeof p->site, "%s", c->site);
    snprintf(p->token_id, sizeof p->token_id, "%s", c->id);
    snprintf(p->name, sizeof p->name, "%s",
             name && name[0] ? name : (c->site[0] ? c->site : role_name(c->role)));
    p->sub_session = ((uint64_t)util_random_u32() << 20) | 1;
    /* Chairs and operators see the first page of the wall until they choose another. */
    p->wall_page = (p->role == ROLE_CHAIR || p->role == ROLE_OPERATOR) ? 0 : -1;
    meeting_add(m, p);
    if (p->role == ROLE_SITE && kind != PEER_WHEP) meeting_site_joined(m, p->site, p->name);
    LOGI("peer", "%s joined %s as %s%s%s", p->pid, meeting_id(m), role_name(p->role),
         p->site[0] ? " of " : "", p->site);
    return p;
}

static void close_transport(peer *p, uint32_t *t)
{
    if (!*t) return;
    idmap_del(p->h->by_transport, *t);
    sfu_transport_close(p->h->media, *t);
    *t = 0;
}

void peer_free(peer *p)
{
    if (!p) return;
    LOGI("peer", "%s left", p->pid);
    if (p->conn) session_forget_peer(p->conn);
    p->n_tracks = 0; /* its sources are gone for everyone from here on */
    close_transport(p, &p->pub_t);
    close_transport(p, &p->sub_t);
    /* The floor and a raised hand stay with the site code: a site that reconnects keeps them. */
    if (p->m && p->role == ROLE_SITE && p->kind != PEER_WHEP) meeting_site_left(p->m, p->site);
    if (p->m) meeting_remove(p->m, p);
    free(p);
}

void peer_disconnect(peer *p, const char *event, const char *reason, int status)
{
    if (!p->conn) {
        peer_free(p);
        return;
    }
    server_conn *c = p->conn;
    if (event) peer_send_event(p, event, json_pack("{s:s}", "reason", reason ? reason : ""));
    /* The connection's close will free the peer; until then it receives nothing more. */
    server_conn_close(c, status, reason && reason[0] ? reason : event);
    session_forget_peer(c);
    p->conn = NULL;
    peer_free(p);
}

void peer_on_source_stats(peer *p, const sfu_event *ev)
{
    p->h->counters.rx_lost += ev->lost;
    for (size_t i = 0; i < p->n_tracks; i++) {
        for (uint8_t l = 0; l < p->tracks[i].n_layers; l++) {
            if (p->layer_src[i][l] != ev->source) continue;
            p->layer_kbps[i][l] = ev->bytes * 8u / 500u;
            if (ev->source != p->src[i]) return; /* the wall shows the top layer */
        }
        if (p->src[i] != ev->source) continue;
        p->loudness[i] = p->tracks[i].video ? 0 : ev->loudness;
        p->kbps[i] = ev->bytes * 8u / 500u; /* a 500 ms interval: bits per ms = kbit/s */
        uint32_t expected = ev->packets + ev->lost;
        p->loss_pct[i] = expected ? (uint8_t)(ev->lost * 100u / expected) : 0;
        return;
    }
}

static uint32_t new_transport(peer *p, char ufrag[9], char pwd[33], const neg_remote *r,
                              int *worker)
{
    util_random_token(ufrag, 8);
    util_random_token(pwd, 32);
    sfu_transport_params tp = {.id = hub_next_id(p->h)};
    snprintf(tp.local_ufrag, sizeof tp.local_ufrag, "%s", ufrag);
    snprintf(tp.local_pwd, sizeof tp.local_pwd, "%s", pwd);
    if (r) {
        snprintf(tp.fp_alg, sizeof tp.fp_alg, "%s", r->fp_alg);
        memcpy(tp.fp, r->fp, r->fp_len);
        tp.fp_len = r->fp_len;
    }
    *worker = sfu_transport_create(p->h->media, &tp);
    if (*worker < 0) return 0;
    idmap_put(p->h->by_transport, tp.id, p);
    return tp.id;
}

/* The worker a transport lives on decides the port in our candidates. */
typedef struct local_desc {
    neg_local l;
    sfu_candidate cands[NEG_MAX_CANDIDATES];
} local_desc;

static void fill_local(peer *p, local_desc *d, const char *ufrag, const char *pwd, int worker,
                       uint64_t session, uint64_t version)
{
    d->l = (neg_local){.ufrag = ufrag,
                       .pwd = pwd,
                       .fingerprint = sfu_fingerprint(p->h->media),
                       .cands = d->cands,
                       .session_id = session,
                       .version = version};
    d->l.n_cands = sfu_candidates(p->h->media, worker, d->cands, NEG_MAX_CANDIDATES);
}

static char *write_sdp(const sdp_session *s, char *err, size_t errcap)
{
    char *out = malloc(SDP_TEXT_MAX);
    if (!out) return NULL;
    if (sdp_write(s, out, SDP_TEXT_MAX) < 0) {
        snprintf(err, errcap, "description too large");
        free(out);
        return NULL;
    }
    return out;
}

static sdp_session *parse(const char *sdp, size_t len, char *err, size_t errcap)
{
    sdp_session *s = sdp_session_new();
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    if (sdp_parse(sdp, len, s, err, errcap) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

char *peer_publish(peer *p, const char *sdp, size_t len, char *err, size_t errcap)
{
    sdp_session *offer = parse(sdp, len, err, errcap);
    sdp_session *answer = sdp_session_new();
    char *text = NULL;
    neg_remote remote;
    if (!offer || !answer || negotiate_remote(offer, &remote, err, errcap) != 0) goto out;
    int worker = -1;
    bool created = false;
    if (!p->pub_t) {
        p->pub_t = new_transport(p, p->pub_ufrag, p->pub_pwd, &remote, &worker);
        if (!p->pub_t) {
            snprintf(err, errcap, "no media worker available");
            goto out;
        }
        p->pub_worker = worker;
        created = true;
    }
    local_desc d;
    fill_local(p, &d, p->pub_ufrag, p->pub_pwd, p->pub_worker, p->sub_session + 1,
               ++p->pub_version);
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n = 0;
    if (negotiate_publish(offer, &d.l, CODEC_NONE, answer, tracks, &n, err, errcap) != 0) {
        if (created) close_transport(p, &p->pub_t);
        goto out;
    }
    text = write_sdp(answer, err, errcap);
    if (!text) goto out;
    /* Keep sources whose SSRC and codec did not change, so subscribers see no gap. A simulcast
     * track's SSRCs are learned anew, so its layers are always new sources. */
    uint32_t src[NEG_MAX_TRACKS] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p->n_tracks; j++)
            if (p->src[j] && tracks[i].ssrc && !p->tracks[j].n_layers &&
                p->tracks[j].ssrc == tracks[i].ssrc && p->tracks[j].codec == tracks[i].codec) {
                src[i] = p->src[j];
                p->src[j] = 0;
            }
    for (size_t j = 0; j < p->n_tracks; j++) {
        if (p->tracks[j].n_layers && p->src[j]) {
            for (uint8_t l = 0; l < p->tracks[j].n_layers; l++)
                sfu_source_remove(p->h->media, p->layer_src[j][l]);
        } else if (p->src[j]) {
            sfu_source_remove(p->h->media, p->src[j]);
        }
    }
    memset(p->layer_src, 0, sizeof p->layer_src);
    memset(p->layer_kbps, 0, sizeof p->layer_kbps);
    for (size_t i = 0; i < n; i++) {
        if (src[i]) continue;
        const neg_track *t = &tracks[i];
        sfu_source_params sp = {.transport = p->pub_t,
                                .codec = t->codec,
                                .clock = t->clock,
                                .ssrc = t->ssrc,
                                .rtx_ssrc = t->rtx_ssrc,
                                .audio_level_ext = t->audio_level_ext,
                                .twcc_ext = t->twcc_ext,
                                .rid_ext = t->rid_ext,
                                .rrid_ext = t->rrid_ext,
                                .mid_ext = t->mid_ext};
        snprintf(sp.mid, sizeof sp.mid, "%.15s", t->mid);
        for (uint8_t l = 0; l < (t->n_layers ? t->n_layers : 1); l++) {
            sp.id = hub_next_id(p->h);
            if (t->n_layers) {
                snprintf(sp.rid, sizeof sp.rid, "%s", t->rids[l]);
                p->layer_src[i][l] = sp.id;
            }
            src[i] = sp.id; /* the last made: a simulcast track's top layer */
            sfu_source_add(p->h->media, &sp);
        }
    }
    memcpy(p->tracks, tracks, sizeof tracks);
    memcpy(p->src, src, sizeof src);
    p->n_tracks = n;
    LOGI("peer", "%s publishes %zu track(s)", p->pid, n);
    meeting_refresh_publisher(p->m, p);
out:
    free(offer);
    free(answer);
    return text;
}

void peer_unpublish(peer *p)
{
    p->n_tracks = 0;
    close_transport(p, &p->pub_t);
    meeting_refresh_publisher(p->m, p);
}

uint32_t peer_source_for_mid(const peer *p, const char *mid)
{
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->slots[i].s.active && strcmp(p->slots[i].s.mid, mid) == 0)
            return p->slots[i].bound ? p->slots[i].bound : p->slots[i].source;
    return 0;
}

void peer_send_event(peer *p, const char *name, json_t *data)
{
    if (!p->conn) {
        json_decref(data);
        return;
    }
    json_t *ev = json_pack("{s:s, s:o}", "event", name, "data", data);
    char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    if (text) server_conn_send(p->conn, text, strlen(text));
    free(text);
    json_decref(ev);
}

/* Trickle the other way: the hub's candidates (already in its SDP, since it is ICE-lite and
 * gathers nothing later) as `trickle` events, then the end of candidates. */
void peer_trickle_local(peer *p, bool subscriber)
{
    if (!p->conn) return;
    const char *target = subscriber ? "subscriber" : "publisher";
    const char *mid = subscriber ? (p->n_slots ? p->slots[0].s.mid : NULL)
                                 : (p->n_tracks ? p->tracks[0].mid : NULL);
    if (!mid) return;
    sfu_candidate cands[NEG_MAX_CANDIDATES];
    size_t n = sfu_candidates(p->h->media, subscriber ? p->sub_worker : p->pub_worker, cands,
                              NEG_MAX_CANDIDATES);
    for (size_t i = 0; i < n; i++) {
        sdp_candidate c;
        negotiate_candidate(i, &cands[i], &c);
        char line[200];
        snprintf(line, sizeof line, "candidate:%s %u %s %u %s %u typ %s", c.foundation, c.component,
                 c.transport, c.priority, c.addr, c.port, c.type);
        peer_send_event(p, "trickle",
                        json_pack("{s:s, s:{s:s, s:s}}", "target", target, "candidate", "candidate",
                                  line, "sdpMid", mid));
    }
    peer_send_event(p, "trickle", json_pack("{s:s, s:n}", "target", target, "candidate"));
}

static json_t *sources_json(const peer *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n_slots; i++) {
        const peer_slot *s = &p->slots[i];
        if (!s->s.active || !s->from) continue;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "mid", s->s.mid,
                                             "kind", s->s.video ? "video" : "audio", "peer",
                                             s->from->pid, "role", role_name(s->from->role), "site",
                                             s->from->site, "name", s->from->name));
    }
    return arr;
}

static void send_offer(peer *p)
{
    char err[160];
    int worker = p->sub_worker;
    if (!p->sub_t) {
        p->sub_t = new_transport(p, p->sub_ufrag, p->sub_pwd, NULL, &worker);
        if (!p->sub_t) return;
        p->sub_worker = worker;
    }
    neg_slot slots[PEER_MAX_SLOTS];
    for (size_t i = 0; i < p->n_slots; i++)
        slots[i] = p->slots[i].s;
    local_desc d;
    fill_local(p, &d, p->sub_ufrag, p->sub_pwd, worker, p->sub_session, p->revision + 1);
    sdp_session *offer = sdp_session_new();
    char *text = NULL;
    if (offer && negotiate_subscribe_offer(slots, p->n_slots, &d.l, offer, err, sizeof err) == 0)
        text = write_sdp(offer, err, sizeof err);
    free(offer);
    if (!text) {
        LOGW("peer", "%s: cannot build offer: %s", p->pid, err);
        return;
    }
    p->revision++;
    p->dirty = false;
    peer_send_event(p, "subscriber_offer",
                    json_pack("{s:i, s:s, s:o}", "revision", (json_int_t)p->revision, "sdp", text,
                              "sources", sources_json(p)));
    free(text);
    if (p->revision == 1) peer_trickle_local(p, true);
}

static bool peer_source_bound(const peer *p, uint32_t source)
{
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->slots[i].s.active && p->slots[i].source == source) return true;
    return false;
}

/* Does the meeting's policy still send this slot's source to p? The slot's publisher is looked at
 * directly: a publisher that left the meeting is no longer in it (its m is NULL) when the
 * refresh that clears its slots runs, and it is freed only after. */
static bool slot_wanted(const peer *p, const peer_slot *s)
{
    const peer *q = s->from;
    if (!q || q->m != p->m) return false;
    for (size_t t = 0; t < q->n_tracks; t++)
        if (q->src[t] == s->source) return policy_forward(p->m, p, q, t);
    return false;
}

static peer_slot *slot_for(peer *p, bool video, codec_id codec)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        peer_slot *s = &p->slots[i];
        if (!s->s.active && s->s.video == video && s->s.codec == codec) return s;
    }
    if (p->n_slots == PEER_MAX_SLOTS) return NULL;
    peer_slot *s = &p->slots[p->n_slots];
    memset(s, 0, sizeof *s);
    snprintf(s->s.mid, sizeof s->s.mid, "%zu", p->n_slots);
    p->n_slots++;
    return s;
}

/* Frees the slots p no longer wants (of publisher `only`, or of all when NULL). */
static bool drop_unwanted(peer *p, const peer *only)
{
    bool changed = false;
    for (size_t i = 0; i < p->n_slots; i++) {
        peer_slot *s = &p->slots[i];
        if (!s->s.active || (only && s->from != only) || slot_wanted(p, s)) continue;
        if (s->output) sfu_output_remove(p->h->media, s->output);
        s->output = 0;
        s->source = 0;
        s->bound = 0;
        s->from = NULL;
        s->s.active = false;
        changed = true;
    }
    return changed;
}

/* Gives p a slot for each of q's tracks the policy sends it and it does not have yet. */
static bool add_from(peer *p, const peer *q)
{
    bool changed = false;
    for (size_t t = 0; t < q->n_tracks; t++) {
        if (!q->src[t] || !policy_forward(p->m, p, q, t) || peer_source_bound(p, q->src[t]))
            continue;
        const neg_track *tr = &q->tracks[t];
        peer_slot *s = slot_for(p, tr->video, tr->codec);
        if (!s) break;
        s->s.video = tr->video;
        s->s.active = true;
        s->s.codec = tr->codec;
        s->s.pt = negotiate_pt(tr->codec);
        s->s.rtx_pt = negotiate_rtx_pt(tr->codec);
        s->s.ssrc = util_random_u32() | 1;
        s->s.rtx_ssrc = s->s.rtx_pt ? (util_random_u32() | 1) : 0;
        snprintf(s->s.stream, sizeof s->s.stream, "%s", q->pid);
        snprintf(s->s.track, sizeof s->s.track, "%s-%s%zu", q->pid, tr->video ? "v" : "a", t);
        s->source = q->src[t];
        s->bound = 0;
        s->layer = -1;
        s->cap = NEG_MAX_LAYERS;
        s->from = q;
        s->output = 0;
        changed = true;
    }
    return changed;
}

static void subscriptions_done(peer *p, bool changed)
{
    peer_choose_layers(p, util_now_us()); /* the floor or the wall page may change a wish */
    if (!changed) return;
    if (p->revision == p->answered)
        send_offer(p);
    else
        p->dirty = true;
}

void peer_update_subscriptions(peer *p)
{
    if (p->kind != PEER_WS || !p->m) return;
    bool changed = drop_unwanted(p, NULL);
    for (const peer *q = meeting_peers(p->m); q; q = q->next)
        if (q != p) changed |= add_from(p, q);
    subscriptions_done(p, changed);
}

void peer_update_from(peer *p, const peer *q)
{
    if (p->kind != PEER_WS || !p->m || p == q) return;
    bool changed = drop_unwanted(p, q);
    if (q->m == p->m) changed |= add_from(p, q);
    subscriptions_done(p, changed);
}

/* The media plane's side of one m-section the peer receives. */
static void add_output(peer *p, peer_slot *s)
{
    s->output = hub_next_id(p->h);
    sfu_output_params op = {.id = s->output,
                            .transport = p->sub_t,
                            .codec = s->s.codec,
                            .clock = negotiate_clock(s->s.codec),
                            .ssrc = s->s.ssrc,
                            .pt = s->s.pt,
                            .rtx_ssrc = s->s.rtx_ssrc,
                            .rtx_pt = s->s.rtx_pt};
    sfu_output_add(p->h->media, &op);
}

int peer_subscriber_answer(peer *p, uint32_t revision, const char *sdp, size_t len, char *err,
                           size_t errcap)
{
    sdp_session *answer = parse(sdp, len, err, errcap);
    if (!answer) return -1;
    neg_remote remote;
    int rc = negotiate_remote(answer, &remote, err, errcap);
    free(answer);
    if (rc != 0) return -1;
    if (revision != p->revision || !p->sub_t) return 0; /* stale: a newer offer is on its way */
    if (!p->sub_remote_set) {
        sfu_transport_set_remote(p->h->media, p->sub_t, remote.fp_alg, remote.fp, remote.fp_len);
        p->sub_remote_set = true;
    }
    p->answered = revision;
    for (size_t i = 0; i < p->n_slots; i++) {
        peer_slot *s = &p->slots[i];
        if (!s->s.active || s->output) continue;
        add_output(p, s);
    }
    peer_choose_layers(p, util_now_us()); /* binds the new outputs */
    if (p->dirty) send_offer(p);
    return 0;
}

char *peer_watch(peer *p, const char *sdp, size_t len, char *err, size_t errcap)
{
    sdp_session *offer = parse(sdp, len, err, errcap);
    sdp_session *answer = sdp_session_new();
    char *text = NULL;
    neg_remote remote;
    if (!offer || !answer || negotiate_remote(offer, &remote, err, errcap) != 0) goto out;
    int worker;
    p->sub_t = new_transport(p, p->sub_ufrag, p->sub_pwd, &remote, &worker);
    if (!p->sub_t) {
        snprintf(err, errcap, "no media worker available");
        goto out;
    }
    p->sub_worker = worker;
    p->sub_remote_set = true;
    local_desc d;
    fill_local(p, &d, p->sub_ufrag, p->sub_pwd, worker, p->sub_session, 1);
    codec_id prefer = CODEC_NONE;
    meeting_program(p->m, true, &prefer);
    neg_slot slots[NEG_MAX_TRACKS];
    size_t n = 0;
    if (negotiate_watch(offer, &d.l, prefer, answer, slots, &n, err, errcap) != 0) {
        close_transport(p, &p->sub_t);
        goto out;
    }
    text = write_sdp(answer, err, errcap);
    if (!text) {
        close_transport(p, &p->sub_t);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        peer_slot *s = &p->slots[i];
        memset(s, 0, sizeof *s);
        s->s = slots[i];
        add_output(p, s);
    }
    p->n_slots = n;
    peer_rebind_program(p);
out:
    free(offer);
    free(answer);
    return text;
}

void peer_rebind_program(peer *p)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        peer_slot *s = &p->slots[i];
        codec_id codec = CODEC_NONE;
        uint32_t src = meeting_program(p->m, s->s.video, &codec);
        /* No transcoding: a viewer whose codec differs from the chair's waits. */
        if (codec != s->s.codec) src = 0;
        if (src == s->source) continue;
        s->source = src;
        sfu_output_bind(p->h->media, s->output, src, SFU_SWITCH_AT_KEYFRAME);
    }
}

void peer_on_transport_event(peer *p, const sfu_event *ev)
{
    const char *target = ev->transport == p->pub_t ? "publisher" : "subscriber";
    const char *state = ev->type == SFU_EV_CONNECTED ? "connected" : "failed";
    /* A failed transport outweighs a connected one: the endpoint is not fully working. */
    if (ev->type != SFU_EV_CONNECTED)
        p->media_state = PEER_MEDIA_FAILED;
    else if (p->media_state == PEER_MEDIA_NEW)
        p->media_state = PEER_MEDIA_CONNECTED;
    LOGI("peer", "%s %s transport %s%s%s", p->pid, target, state, ev->reason[0] ? ": " : "",
         ev->reason);
    peer_send_event(
        p, "transport",
        json_pack("{s:s, s:s, s:s}", "target", target, "state", state, "reason", ev->reason));
}
