#include "offer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* An appender that remembers overflow instead of checking every call. */
typedef struct text {
    char *buf;
    size_t cap, len;
    bool overflow;
} text;

__attribute__((format(printf, 2, 3))) static void put(text *t, const char *fmt, ...)
{
    if (t->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        t->overflow = true;
        return;
    }
    t->len += (size_t)n;
}

static void put_transport(text *t, const offer_local *l, const char *setup, bool candidate)
{
    put(t, "c=IN IP4 0.0.0.0\r\n");
    if (candidate)
        put(t, "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n", l->addr, (unsigned)l->port);
    put(t, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:%s\r\n", l->ufrag,
        l->pwd, l->fingerprint, setup);
}

static void put_session(text *t, const offer_local *l)
{
    put(t, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        (unsigned long long)l->session_id);
}

const char *offer_rid(unsigned n_layers, unsigned layer)
{
    static const char *const rids[] = {"q", "h", "f"};
    if (n_layers < 1 || n_layers > OFFER_MAX_LAYERS || layer >= n_layers) return NULL;
    return rids[OFFER_MAX_LAYERS - n_layers + layer];
}

int offer_publish(char *out, size_t cap, const offer_local *l, const offer_media *media)
{
    text t = {.buf = out, .cap = cap};
    bool simulcast = media->n_layers >= 2;
    bool audio = media->audio_ssrc != 0, video = media->video_ssrc != 0 || simulcast;
    if ((!audio && !video) || media->n_layers > OFFER_MAX_LAYERS) return -1;
    put_session(&t, l);
    put(&t, "a=group:BUNDLE%s%s\r\na=msid-semantic: WMS load\r\n", audio ? " " OFFER_MID_AUDIO : "",
        video ? " " OFFER_MID_VIDEO : "");
    if (audio) {
        put(&t, "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\n", OFFER_PT_OPUS);
        put_transport(&t, l, "actpass", true);
        put(&t, "a=mid:" OFFER_MID_AUDIO "\r\na=sendonly\r\na=msid:load a0\r\na=rtcp-mux\r\n");
        put(&t, "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n",
            OFFER_PT_OPUS, OFFER_PT_OPUS);
        put(&t, "a=ssrc:%u cname:load\r\n", media->audio_ssrc);
    }
    if (video) {
        put(&t, "m=video 9 UDP/TLS/RTP/SAVPF %d\r\n", OFFER_PT_VP8);
        put_transport(&t, l, "actpass", !audio);
        put(&t, "a=mid:" OFFER_MID_VIDEO "\r\n");
        if (simulcast)
            put(&t,
                "a=extmap:%d urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                "a=extmap:%d urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n",
                OFFER_EXT_MID, OFFER_EXT_RID);
        put(&t, "a=sendonly\r\na=msid:load v0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n");
        put(&t, "a=rtpmap:%d VP8/90000\r\n", OFFER_PT_VP8);
        put(&t, "a=rtcp-fb:%d nack\r\na=rtcp-fb:%d nack pli\r\na=rtcp-fb:%d ccm fir\r\n",
            OFFER_PT_VP8, OFFER_PT_VP8, OFFER_PT_VP8);
        if (!simulcast) {
            put(&t, "a=ssrc:%u cname:load\r\n", media->video_ssrc);
        } else {
            /* As Chrome: the layers by RID alone, lowest first (the order the hub reads as low
             * to high), and no a=ssrc: their SSRCs show up in the packets. */
            for (unsigned i = 0; i < media->n_layers; i++)
                put(&t, "a=rid:%s send\r\n", offer_rid(media->n_layers, i));
            put(&t, "a=simulcast:send ");
            for (unsigned i = 0; i < media->n_layers; i++)
                put(&t, "%s%s", i ? ";" : "", offer_rid(media->n_layers, i));
            put(&t, "\r\n");
        }
    }
    return t.overflow ? -1 : (int)t.len;
}

static bool to_addr(const sdp_candidate *c, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, c->addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(c->port);
        *len = sizeof *a4;
        return true;
    }
    if (inet_pton(AF_INET6, c->addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(c->port);
        *len = sizeof *a6;
        return true;
    }
    return false;
}

int offer_remote_params(const sdp_session *s, const char *prefer_ip, offer_remote *out, char *err,
                        size_t errcap)
{
    memset(out, 0, sizeof *out);
    const sdp_media *m = NULL;
    for (uint8_t i = 0; i < s->n_media && !m; i++)
        if (s->media[i].port != 0 || s->media[i].bundle_only) m = &s->media[i];
    if (!m) {
        snprintf(err, errcap, "no live m-section");
        return -1;
    }
    const char *ufrag = sdp_media_ice_ufrag(s, m), *pwd = sdp_media_ice_pwd(s, m);
    const char *alg;
    const uint8_t *fp;
    size_t fp_len;
    if (!ufrag || !*ufrag || !pwd || !*pwd || !sdp_media_fingerprint(s, m, &alg, &fp, &fp_len)) {
        snprintf(err, errcap, "no ICE credentials or no fingerprint");
        return -1;
    }
    snprintf(out->ufrag, sizeof out->ufrag, "%s", ufrag);
    snprintf(out->pwd, sizeof out->pwd, "%s", pwd);
    snprintf(out->fp_alg, sizeof out->fp_alg, "%s", alg);
    if (fp_len > sizeof out->fp) fp_len = sizeof out->fp;
    memcpy(out->fp, fp, fp_len);
    out->fp_len = fp_len;
    out->ice_lite = s->ice_lite;
    out->setup = sdp_media_setup(s, m);
    /* Candidates are the same in every section (BUNDLE): any section's will do. */
    bool found = false;
    for (uint8_t i = 0; i < s->n_media && !found; i++) {
        const sdp_media *mm = &s->media[i];
        for (uint8_t k = 0; k < mm->n_candidates; k++) {
            const sdp_candidate *c = &mm->candidates[k];
            if (strcmp(c->transport, "udp") != 0 || c->component != 1) continue;
            bool preferred = prefer_ip && strcmp(c->addr, prefer_ip) == 0;
            if (!found || preferred) {
                struct sockaddr_storage ss;
                socklen_t len;
                if (!to_addr(c, &ss, &len)) continue;
                if (!preferred && ss.ss_family != AF_INET) continue;
                out->addr = ss;
                out->addr_len = len;
                found = true;
                if (preferred) break;
            }
        }
    }
    if (!found) {
        snprintf(err, errcap, "no usable UDP candidate");
        return -1;
    }
    return 0;
}

static void put_codec(text *t, const sdp_codec *c, bool video)
{
    if (c->channels)
        put(t, "a=rtpmap:%u %s/%u/%u\r\n", c->pt, c->name, c->clock, c->channels);
    else
        put(t, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name, c->clock);
    if (c->fmtp[0]) put(t, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
    if (video && strcmp(c->name, "rtx") != 0)
        put(t, "a=rtcp-fb:%u nack\r\na=rtcp-fb:%u nack pli\r\n", c->pt, c->pt);
}

int offer_answer_subscribe(char *out, size_t cap, const sdp_session *offer, const offer_local *l)
{
    text t = {.buf = out, .cap = cap};
    put_session(&t, l);
    put(&t, "a=group:BUNDLE");
    for (uint8_t i = 0; i < offer->n_media; i++) {
        const sdp_media *m = &offer->media[i];
        if ((m->port != 0 || m->bundle_only) && m->n_codecs > 0) put(&t, " %s", m->mid);
    }
    put(&t, "\r\n");
    bool first = true;
    for (uint8_t i = 0; i < offer->n_media; i++) {
        const sdp_media *m = &offer->media[i];
        bool live = (m->port != 0 || m->bundle_only) && m->n_codecs > 0;
        if (!live) {
            put(&t, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", m->kind_name,
                m->proto, m->n_codecs ? "0" : (m->fmt_list[0] ? m->fmt_list : "0"), m->mid);
            continue;
        }
        const sdp_codec *c = &m->codecs[0];
        const sdp_codec *rtx = sdp_find_rtx(m, c->pt);
        bool video = m->kind == SDP_MEDIA_VIDEO;
        if (rtx)
            put(&t, "m=%s 9 %s %u %u\r\n", m->kind_name, m->proto, c->pt, rtx->pt);
        else
            put(&t, "m=%s 9 %s %u\r\n", m->kind_name, m->proto, c->pt);
        put_transport(&t, l, "active", first);
        first = false;
        bool sends = m->dir == SDP_DIR_SENDONLY || m->dir == SDP_DIR_SENDRECV;
        put(&t, "a=mid:%s\r\na=%s\r\na=rtcp-mux\r\n", m->mid, sends ? "recvonly" : "inactive");
        put_codec(&t, c, video);
        if (rtx) put_codec(&t, rtx, video);
    }
    return t.overflow ? -1 : (int)t.len;
}

bool offer_ssrc_is_video(const sdp_session *offer, uint32_t ssrc)
{
    for (uint8_t i = 0; i < offer->n_media; i++)
        for (uint8_t k = 0; k < offer->media[i].n_ssrcs; k++)
            if (offer->media[i].ssrcs[k].ssrc == ssrc)
                return offer->media[i].kind == SDP_MEDIA_VIDEO;
    return false;
}
