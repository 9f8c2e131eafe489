/* SDP writer: the layout follows what Chrome itself emits, so that what we send is what its
 * parser is most used to. */
#include "sdp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Counts in a hand-built struct are not trusted to stay within the arrays. */
#define CLAMP_N(n, cap) ((unsigned)(n) < (unsigned)(cap) ? (unsigned)(n) : (unsigned)(cap))

typedef struct {
    char *out;
    size_t cap;
    size_t n;
    bool full;
} writer;

static void put(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Once the buffer is full every later call is a no-op, so callers check only at the end. */
static void put(writer *w, const char *fmt, ...)
{
    if (w->full) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(w->out + w->n, w->cap - w->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= w->cap - w->n) {
        w->full = true;
        return;
    }
    w->n += (size_t)k;
}

static const char *dir_name(sdp_direction d)
{
    switch (d) {
    case SDP_DIR_SENDONLY:
        return "sendonly";
    case SDP_DIR_RECVONLY:
        return "recvonly";
    case SDP_DIR_INACTIVE:
        return "inactive";
    default:
        return "sendrecv";
    }
}

static void put_transport(writer *w, const char *ufrag, const char *pwd, const char *alg,
                          const uint8_t *fp, size_t fp_len, sdp_setup setup)
{
    static const char *const setups[] = {"", "actpass", "active", "passive"};
    if (ufrag[0]) put(w, "a=ice-ufrag:%s\r\n", ufrag);
    if (pwd[0]) put(w, "a=ice-pwd:%s\r\n", pwd);
    if (fp_len && alg[0]) {
        put(w, "a=fingerprint:%s ", alg);
        for (size_t i = 0; i < fp_len && i < 64; i++)
            put(w, i ? ":%02X" : "%02X", fp[i]);
        put(w, "\r\n");
    }
    if (setup > SDP_SETUP_NONE && setup <= SDP_SETUP_PASSIVE)
        put(w, "a=setup:%s\r\n", setups[setup]);
}

/* Fields a hand-built struct may leave empty get the WebRTC defaults for its kind. */
static const char *media_kind(const sdp_media *m)
{
    static const char *const kinds[] = {"audio", "video", "application", "unknown"};
    if (m->kind_name[0]) return m->kind_name;
    return kinds[(unsigned)m->kind <= SDP_MEDIA_OTHER ? m->kind : SDP_MEDIA_OTHER];
}

static const char *media_proto(const sdp_media *m)
{
    if (m->proto[0]) return m->proto;
    return m->kind == SDP_MEDIA_APPLICATION ? "UDP/DTLS/SCTP" : "UDP/TLS/RTP/SAVPF";
}

static void put_m_line(writer *w, const sdp_media *m)
{
    const char *proto = media_proto(m);
    put(w, "m=%s %u %s", media_kind(m), m->port, proto);
    if (sdp_proto_is_rtp(proto) && m->n_codecs) {
        for (unsigned i = 0; i < CLAMP_N(m->n_codecs, SDP_MAX_CODECS); i++)
            put(w, " %u", m->codecs[i].pt);
    } else if (m->fmt_list[0]) {
        put(w, " %s", m->fmt_list);
    } else {
        /* An m= line needs at least one format, even in a rejected section (RFC 8866 5.14). */
        put(w, " %s", sdp_proto_is_rtp(proto) ? "0" : "webrtc-datachannel");
    }
    put(w, "\r\nc=IN IP4 0.0.0.0\r\n");
}

static void put_codec(writer *w, const sdp_codec *c)
{
    if (c->name[0]) {
        put(w, "a=rtpmap:%u %s/%" PRIu32, c->pt, c->name, c->clock);
        if (c->channels) put(w, "/%u", c->channels);
        put(w, "\r\n");
    }
    /* Chrome's own order. */
    static const struct {
        uint32_t flag;
        const char *text;
    } fbs[] = {
        {SDP_FB_REMB, "goog-remb"}, {SDP_FB_TWCC, "transport-cc"}, {SDP_FB_FIR, "ccm fir"},
        {SDP_FB_NACK, "nack"},      {SDP_FB_PLI, "nack pli"},
    };
    for (unsigned i = 0; i < sizeof fbs / sizeof fbs[0]; i++)
        if (c->fb & fbs[i].flag) put(w, "a=rtcp-fb:%u %s\r\n", c->pt, fbs[i].text);
    if (c->fmtp[0]) put(w, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
}

static void put_simulcast(writer *w, const sdp_media *m)
{
    /* Only the rids themselves are kept, so the line is rebuilt from them: one stream per rid,
     * in order, sends before receives. */
    bool any = false;
    for (int pass = 0; pass < 2; pass++) {
        bool send = pass == 0, first = true;
        for (unsigned i = 0; i < CLAMP_N(m->n_rids, SDP_MAX_RIDS); i++) {
            if (m->rids[i].send != send) continue;
            if (first)
                put(w, "%s%s ", any ? " " : "a=simulcast:", send ? "send" : "recv");
            else
                put(w, ";");
            put(w, "%s", m->rids[i].id);
            first = false;
            any = true;
        }
    }
    if (any) put(w, "\r\n");
}

static void put_media(writer *w, const sdp_media *m)
{
    put_m_line(w, m);
    if (m->port == 0) {
        if (m->mid[0]) put(w, "a=mid:%s\r\n", m->mid);
        put(w, "a=inactive\r\n");
        return;
    }
    put_transport(w, m->ice_ufrag, m->ice_pwd, m->fingerprint_alg, m->fingerprint,
                  m->fingerprint_len, m->setup);
    if (m->mid[0]) put(w, "a=mid:%s\r\n", m->mid);
    for (unsigned i = 0; i < CLAMP_N(m->n_extmaps, SDP_MAX_EXTMAPS); i++)
        put(w, "a=extmap:%u %s\r\n", m->extmaps[i].id, m->extmaps[i].uri);
    /* A data channel section carries no direction; sendrecv is the default anyway. */
    if (sdp_proto_is_rtp(media_proto(m)) || m->dir != SDP_DIR_SENDRECV)
        put(w, "a=%s\r\n", dir_name(m->dir));
    if (m->msid[0]) put(w, "a=msid:%s\r\n", m->msid);
    if (m->rtcp_mux) put(w, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize) put(w, "a=rtcp-rsize\r\n");
    if (m->bundle_only) put(w, "a=bundle-only\r\n");
    for (unsigned i = 0; i < CLAMP_N(m->n_codecs, SDP_MAX_CODECS); i++)
        put_codec(w, &m->codecs[i]);
    for (unsigned i = 0; i < CLAMP_N(m->n_ssrc_groups, SDP_MAX_SSRC_GROUPS); i++) {
        const sdp_ssrc_group *g = &m->ssrc_groups[i];
        if (!g->n || !g->semantics[0]) continue;
        put(w, "a=ssrc-group:%s", g->semantics);
        for (unsigned j = 0; j < CLAMP_N(g->n, 4); j++)
            put(w, " %" PRIu32, g->ssrcs[j]);
        put(w, "\r\n");
    }
    /* Chrome rejects an a=ssrc line without an attribute, so an ssrc with no cname is left out. */
    for (unsigned i = 0; i < CLAMP_N(m->n_ssrcs, SDP_MAX_SSRCS); i++)
        if (m->ssrcs[i].cname[0])
            put(w, "a=ssrc:%" PRIu32 " cname:%s\r\n", m->ssrcs[i].ssrc, m->ssrcs[i].cname);
    for (unsigned i = 0; i < CLAMP_N(m->n_rids, SDP_MAX_RIDS); i++)
        put(w, "a=rid:%s %s\r\n", m->rids[i].id, m->rids[i].send ? "send" : "recv");
    if (m->simulcast) put_simulcast(w, m);
    for (unsigned i = 0; i < CLAMP_N(m->n_candidates, SDP_MAX_CANDIDATES); i++) {
        const sdp_candidate *c = &m->candidates[i];
        put(w, "a=candidate:%s %u %s %" PRIu32 " %s %u typ %s\r\n", c->foundation, c->component,
            c->transport, c->priority, c->addr, c->port, c->type);
    }
    if (m->end_of_candidates) put(w, "a=end-of-candidates\r\n");
}

int sdp_write(const sdp_session *s, char *out, size_t cap)
{
    writer w = {.out = out, .cap = cap, .full = cap == 0};
    put(&w, "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", s->origin_id,
        s->origin_version);
    if (s->ice_lite) put(&w, "a=ice-lite\r\n");
    put_transport(&w, s->ice_ufrag, s->ice_pwd, s->fingerprint_alg, s->fingerprint,
                  s->fingerprint_len, s->setup);
    if (s->n_bundle) {
        put(&w, "a=group:BUNDLE");
        for (unsigned i = 0; i < CLAMP_N(s->n_bundle, SDP_MAX_BUNDLE); i++)
            put(&w, " %s", s->bundle[i]);
        put(&w, "\r\n");
    }
    /* Chrome writes a space after the colon; mirror it. */
    if (s->msid_semantic[0]) put(&w, "a=msid-semantic: %s\r\n", s->msid_semantic);
    for (unsigned i = 0; i < CLAMP_N(s->n_media, SDP_MAX_MEDIA); i++)
        put_media(&w, &s->media[i]);
    return w.full ? -1 : (int)w.n;
}
