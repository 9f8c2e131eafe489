#include "sender.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "hdrext.h"
#include "latency_tag.h"
#include "sfu/base/util.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"

struct sender {
    struct ev_loop *loop;
    const media_file *m;
    peer *p;
    uint8_t pt;
    uint32_t ssrc;
    uint16_t origin;
    uint8_t layer;
    uint8_t ext[HDREXT_MAX];
    size_t ext_len;
    ev_timer timer;
    bool started;
    size_t next;      /* the frame to send next */
    uint64_t base_us; /* frame i of this pass is due at base_us + at_us(i) */
    uint64_t start_us;
    uint32_t ts_base;
    uint16_t seq;
    uint32_t last_ts;
    bool want_keyframe;
    sender_counters stats;
};

sender *sender_new(struct ev_loop *loop, const sender_cfg *cfg)
{
    if (cfg->ext_len > HDREXT_MAX || (cfg->ext_len & 3) || (cfg->ext_len && !cfg->ext)) return NULL;
    sender *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->loop = loop;
    s->m = cfg->m;
    s->p = cfg->p;
    s->pt = cfg->pt;
    s->ssrc = cfg->ssrc;
    s->origin = cfg->origin;
    s->layer = cfg->layer;
    if (cfg->ext_len) memcpy(s->ext, cfg->ext, cfg->ext_len);
    s->ext_len = cfg->ext_len;
    s->seq = (uint16_t)util_random_u32();
    s->ts_base = util_random_u32();
    s->timer.data = s;
    return s;
}

void sender_free(sender *s)
{
    if (!s) return;
    ev_timer_stop(s->loop, &s->timer);
    free(s);
}

uint32_t sender_ssrc(const sender *s)
{
    return s->ssrc;
}

const sender_counters *sender_stats(const sender *s)
{
    return &s->stats;
}

static uint64_t due_of(const sender *s, size_t i)
{
    return s->base_us + media_file_frame(s->m, i)->at_us;
}

static void send_frame(sender *s, size_t fi, uint64_t due)
{
    const media_frame *f = media_file_frame(s->m, fi);
    uint32_t clock = media_file_clock(s->m);
    uint32_t ts = s->ts_base + (uint32_t)((due - s->start_us) * clock / 1000000u);
    s->last_ts = ts;
    for (uint32_t k = 0; k < f->count; k++) {
        size_t len;
        const uint8_t *src = media_file_packet(s->m, f->first + k, &len);
        rtp_view v;
        if (!src || rtp_parse(src, len, &v) != RTP_OK) continue;
        uint8_t buf[MEDIA_MAX_PACKET + PEER_TRAILER];
        rtp_out_header h = {.marker = v.marker,
                            .payload_type = s->pt,
                            .has_padding = v.has_padding,
                            .seq = s->seq++,
                            .ts = ts,
                            .ssrc = s->ssrc,
                            .ext_body = s->ext_len ? s->ext : NULL,
                            .ext_len = s->ext_len};
        size_t hn = rtp_write_header(buf, sizeof buf, &h);
        size_t body = len - v.header_len; /* payload and padding as recorded */
        if (!hn || hn + body > MEDIA_MAX_PACKET) continue;
        memcpy(buf + hn, src + v.header_len, body);
        latency_tag tag = {.sent_us = util_now_us(), .origin = s->origin, .layer = s->layer};
        latency_tag_write(buf + hn, v.payload_len, &tag);
        if (peer_send_rtp(s->p, buf, hn + body) == 0) {
            s->stats.packets++;
            s->stats.bytes += hn + body;
        }
    }
}

/* Moves the cursor to the next keyframe (wrapping) and makes it due now. */
static void jump_to_keyframe(sender *s, uint64_t now)
{
    size_t n = media_file_frames(s->m);
    for (size_t k = 0; k < n; k++) {
        size_t i = (s->next + k) % n;
        if (media_file_frame(s->m, i)->keyframe) {
            s->next = i;
            s->base_us = now - media_file_frame(s->m, i)->at_us;
            return;
        }
    }
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    sender *s = w->data;
    uint64_t now = util_now_us();
    size_t n = media_file_frames(s->m);
    if (s->want_keyframe) {
        s->want_keyframe = false;
        jump_to_keyframe(s, now);
    }
    /* Frames that are due, at most a pass's worth (a stalled loop must not burst forever). */
    for (size_t sent = 0; sent < n && due_of(s, s->next) <= now; sent++) {
        send_frame(s, s->next, due_of(s, s->next));
        if (++s->next == n) {
            s->next = 0;
            s->base_us += media_file_period_us(s->m);
        }
    }
    uint64_t due = due_of(s, s->next);
    if (due + 200000 < now) s->base_us += now - due; /* far behind: drop the backlog */
    due = due_of(s, s->next);
    double wait = due > now ? (double)(due - now) / 1e6 : 0.0;
    ev_timer_set(&s->timer, wait, 0.0);
    ev_timer_start(loop, &s->timer);
}

void sender_start(sender *s)
{
    if (s->started) return;
    s->started = true;
    s->start_us = s->base_us = util_now_us();
    s->next = 0;
    ev_timer_init(&s->timer, on_timer, 0.0, 0.0);
    s->timer.data = s;
    ev_timer_start(s->loop, &s->timer);
}

void sender_keyframe(sender *s)
{
    s->stats.keyframes_asked++;
    if (media_file_codec(s->m) == CODEC_VP8) s->want_keyframe = true;
}

size_t sender_report(const sender *s, uint8_t *out, size_t cap)
{
    if (!s->started || !s->stats.packets) return 0;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t now = util_now_us();
    rtcp_sr sr = {.ssrc = s->ssrc,
                  .ntp = rtcp_ntp_from_unix_us((uint64_t)tv.tv_sec * 1000000u + tv.tv_usec),
                  .rtp_ts = s->ts_base +
                            (uint32_t)((now - s->start_us) * media_file_clock(s->m) / 1000000u),
                  .packet_count = (uint32_t)s->stats.packets,
                  .octet_count = (uint32_t)s->stats.bytes};
    return rtcp_write_sr(out, cap, &sr);
}
