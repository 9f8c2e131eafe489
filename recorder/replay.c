/* Replay of a publisher's journals: one pass at open for offsets and spans, then per-kind streams
 * that reorder through a sorted ring. Both passes read a journal through the same cursor, so that
 * a packet's unwrapped timestamp and sender report are the same in both. */
#include "recorder/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jinfo {
    char *path;
    journal_track track;
    bool has_pre, has_own;
    int64_t pre_offset_us; /* min(arrival - RTP time) of packets before the first report */
    int64_t own_offset_us; /* min(arrival - send time) of packets after it */
    uint64_t first_arrival, last_arrival;
    size_t usable;
} jinfo;

typedef struct kind_info {
    size_t order[REPLAY_MAX_JOURNALS]; /* journals of this kind, by creation time */
    size_t n;
    replay_span *spans;
    size_t n_spans, cap_spans;
    uint64_t first_arrival, last_arrival;
} kind_info;

struct replay {
    jinfo j[REPLAY_MAX_JOURNALS];
    size_t n;
    kind_info kinds[2]; /* [0] audio, [1] video */
    bool has_offset;
    int64_t offset_us;
};

/* What both passes know while walking one journal in file order. */
typedef struct cursor {
    const journal_track *t;
    bool have_ts, have_seq, have_sr;
    uint64_t ext_ts, hi_seq;
    int64_t sr_ntp_us;
    uint32_t sr_ts;
} cursor;

typedef struct rtp_view {
    uint64_t ext_seq, ext_ts;
    bool mapped;     /* a sender report was seen before it */
    int64_t send_us; /* when mapped: the sender's clock, NTP timescale */
} rtp_view;

int64_t replay_ntp_to_us(uint64_t ntp)
{
    uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffu;
    return (int64_t)(sec * 1000000u + ((frac * 1000000u) >> 32));
}

static kind_info *kind_of(replay *r, uint8_t kind)
{
    return kind == JOURNAL_KIND_VIDEO ? &r->kinds[1] : &r->kinds[0];
}

static const kind_info *kind_of_c(const replay *r, uint8_t kind)
{
    return kind == JOURNAL_KIND_VIDEO ? &r->kinds[1] : &r->kinds[0];
}

static int64_t ts_to_us(uint64_t ticks, uint32_t rate)
{
    return (int64_t)(ticks / rate * 1000000u + ticks % rate * 1000000u / rate);
}

/* The fields the replay needs, after checking the header fits; false to drop the packet. */
static bool rtp_fields(const journal_track *t, const uint8_t *p, size_t len, uint16_t *seq,
                       uint32_t *ts)
{
    if (len < 12 || (p[0] >> 6) != 2 || (p[1] & 0x7f) != t->payload_type) return false;
    uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    if (t->ssrc && ssrc != t->ssrc) return false;
    size_t hdr = 12 + 4u * (p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (hdr + 4 > len) return false;
        hdr += 4 + 4u * ((size_t)p[hdr + 2] << 8 | p[hdr + 3]);
    }
    if (hdr > len) return false;
    if (p[0] & 0x20) {
        size_t pad = p[len - 1];
        if (pad == 0 || pad > len - hdr) return false;
    }
    *seq = (uint16_t)(p[2] << 8 | p[3]);
    *ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    return true;
}

static void cursor_sr(cursor *c, uint64_t ntp, uint32_t rtp_ts)
{
    c->have_sr = true;
    c->sr_ntp_us = replay_ntp_to_us(ntp);
    c->sr_ts = rtp_ts;
}

static bool cursor_rtp(cursor *c, const uint8_t *p, size_t len, rtp_view *v)
{
    uint16_t seq;
    uint32_t ts;
    if (!rtp_fields(c->t, p, len, &seq, &ts)) return false;
    /* Unwrapping starts one cycle up, so that a packet older than the first stays positive. */
    if (!c->have_seq) {
        c->hi_seq = (1u << 16) + seq;
        c->have_seq = true;
        v->ext_seq = c->hi_seq;
    } else {
        v->ext_seq = c->hi_seq + (int64_t)(int16_t)(uint16_t)(seq - (uint16_t)c->hi_seq);
        if (v->ext_seq > c->hi_seq) c->hi_seq = v->ext_seq;
    }
    if (!c->have_ts) {
        c->ext_ts = (1ull << 32) + ts;
        c->have_ts = true;
    } else {
        c->ext_ts += (int64_t)(int32_t)(ts - (uint32_t)c->ext_ts);
    }
    v->ext_ts = c->ext_ts;
    v->mapped = c->have_sr;
    if (c->have_sr) {
        int64_t d = (int32_t)(ts - c->sr_ts);
        v->send_us = c->sr_ntp_us + d * 1000000 / (int64_t)c->t->clock_rate;
    }
    return true;
}

static void span_push(kind_info *k, replay_span sp)
{
    if (k->n_spans == REPLAY_MAX_SPANS) {
        if (sp.end_us > k->spans[k->n_spans - 1].end_us)
            k->spans[k->n_spans - 1].end_us = sp.end_us;
        return;
    }
    if (k->n_spans == k->cap_spans) {
        size_t cap = k->cap_spans ? k->cap_spans * 2 : 16;
        replay_span *n = realloc(k->spans, cap * sizeof *n);
        if (!n) return; /* spans are advisory: a picture shown a little less */
        k->spans = n;
        k->cap_spans = cap;
    }
    k->spans[k->n_spans++] = sp;
}

/* One journal's activity, in its arrival order: extends the open span or starts a new one. */
static void span_add(kind_info *k, replay_span *cur, bool *open, uint64_t at)
{
    if (*open && at <= cur->end_us + REPLAY_SPAN_GAP_US) {
        if (at > cur->end_us) cur->end_us = at;
        if (at < cur->start_us) cur->start_us = at;
        return;
    }
    if (*open) span_push(k, *cur);
    *cur = (replay_span){at, at};
    *open = true;
}

static int cmp_span(const void *a, const void *b)
{
    const replay_span *x = a, *y = b;
    return x->start_us < y->start_us ? -1 : x->start_us > y->start_us;
}

/* The journals' spans together: sorted, and merged where they touch. */
static void spans_merge(kind_info *k)
{
    if (!k->n_spans) return;
    qsort(k->spans, k->n_spans, sizeof *k->spans, cmp_span);
    size_t out = 0;
    for (size_t i = 1; i < k->n_spans; i++) {
        replay_span *last = &k->spans[out];
        if (k->spans[i].start_us <= last->end_us + REPLAY_SPAN_GAP_US) {
            if (k->spans[i].end_us > last->end_us) last->end_us = k->spans[i].end_us;
        } else {
            k->spans[++out] = k->spans[i];
        }
    }
    k->n_spans = out + 1;
}

/* The pass at open: offsets, first and last arrivals, spans. */
static int scan(replay *r, size_t i, char *err, size_t cap)
{
    jinfo *j = &r->j[i];
    journal_reader *rd = journal_open(j->path, err, cap);
    if (!rd) return -1;
    j->track = *journal_track_of(rd);
    kind_info *k = kind_of(r, j->track.kind);
    cursor c = {.t = &j->track};
    journal_record rec;
    replay_span cur = {0};
    bool open = false;
    int rc;
    while ((rc = journal_next(rd, &rec)) == 1) {
        rtp_view v;
        if (rec.type == JOURNAL_REC_SR) cursor_sr(&c, rec.ntp, rec.rtp_ts);
        if (rec.type != JOURNAL_REC_RTP || !cursor_rtp(&c, rec.data, rec.len, &v)) continue;
        int64_t at = (int64_t)rec.arrival_us;
        if (v.mapped) {
            int64_t off = at - v.send_us;
            if (!j->has_own || off < j->own_offset_us) j->own_offset_us = off;
            j->has_own = true;
            if (j->track.kind == JOURNAL_KIND_AUDIO) {
                if (!r->has_offset || off < r->offset_us) r->offset_us = off;
                r->has_offset = true;
            }
        } else {
            int64_t off = at - ts_to_us(v.ext_ts, j->track.clock_rate);
            if (!j->has_pre || off < j->pre_offset_us) j->pre_offset_us = off;
            j->has_pre = true;
        }
        if (!j->usable++) j->first_arrival = rec.arrival_us;
        if (rec.arrival_us > j->last_arrival) j->last_arrival = rec.arrival_us;
        span_add(k, &cur, &open, rec.arrival_us);
    }
    if (open) span_push(k, cur);
    journal_close_reader(rd);
    if (rc < 0) {
        snprintf(err, cap, "%s: read error", j->path);
        return -1;
    }
    if (j->usable) {
        if (!k->first_arrival || j->first_arrival < k->first_arrival)
            k->first_arrival = j->first_arrival;
        if (j->last_arrival > k->last_arrival) k->last_arrival = j->last_arrival;
    }
    return 0;
}

static void order_journals(replay *r)
{
    for (size_t i = 0; i < r->n; i++) {
        kind_info *k = kind_of(r, r->j[i].track.kind);
        size_t p = k->n++;
        /* Insertion sort by creation time; equal times keep the caller's order. */
        while (p > 0 && r->j[k->order[p - 1]].track.created_us > r->j[i].track.created_us) {
            k->order[p] = k->order[p - 1];
            p--;
        }
        k->order[p] = i;
    }
}

replay *replay_open(const char *const *paths, size_t n, char *err, size_t cap)
{
    if (n > REPLAY_MAX_JOURNALS) {
        snprintf(err, cap, "more than %d journals", REPLAY_MAX_JOURNALS);
        return NULL;
    }
    replay *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, cap, "no memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        r->j[i].path = strdup(paths[i]);
        r->n = i + 1;
        if (!r->j[i].path) {
            snprintf(err, cap, "no memory");
            replay_close(r);
            return NULL;
        }
        if (scan(r, i, err, cap) != 0) {
            replay_close(r);
            return NULL;
        }
    }
    order_journals(r);
    spans_merge(&r->kinds[0]);
    spans_merge(&r->kinds[1]);
    return r;
}

void replay_close(replay *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++)
        free(r->j[i].path);
    free(r->kinds[0].spans);
    free(r->kinds[1].spans);
    free(r);
}

size_t replay_journal_count(const replay *r)
{
    return r->n;
}

const journal_track *replay_journal_track(const replay *r, size_t i)
{
    return i < r->n ? &r->j[i].track : NULL;
}

bool replay_has(const replay *r, uint8_t kind)
{
    return kind_of_c(r, kind)->first_arrival != 0;
}

bool replay_offset(const replay *r, int64_t *offset_us)
{
    if (r->has_offset) *offset_us = r->offset_us;
    return r->has_offset;
}

uint64_t replay_first_arrival(const replay *r, uint8_t kind)
{
    return kind_of_c(r, kind)->first_arrival;
}

uint64_t replay_last_arrival(const replay *r, uint8_t kind)
{
    return kind_of_c(r, kind)->last_arrival;
}

const replay_span *replay_spans(const replay *r, uint8_t kind, size_t *n)
{
    const kind_info *k = kind_of_c(r, kind);
    *n = k->n_spans;
    return k->spans;
}

/* ---- Streams ---- */

typedef struct slot {
    uint8_t *buf;
    size_t cap, len;
    uint64_t ext_seq, ext_ts, arrival_us;
    int64_t time_us;
    bool discont;
} slot;

struct replay_stream {
    const replay *r;
    const kind_info *k;
    size_t pos;         /* index in k->order of the journal being read */
    journal_reader *rd; /* NULL between journals */
    cursor c;
    uint64_t cutoff_us; /* packets arriving from then on belong to the next journal's time */
    bool discont;       /* the next packet read starts a segment */
    /* Sorted ring of held packets: ring[(head + i) % REPLAY_WINDOW], i < count. */
    slot ring[REPLAY_WINDOW];
    size_t head, count;
    bool draining;    /* the journal is read to its end: empty the ring, then the next one */
    bool have_seq;    /* a packet of this journal was handed out */
    uint64_t out_seq; /* ... with this sequence number */
    bool have_time;   /* a packet of this stream was handed out */
    int64_t out_time;
    uint8_t *out_buf;
    size_t out_cap;
    uint64_t dropped;
    char error[160];
};

replay_stream *replay_stream_new(const replay *r, uint8_t kind, char *err, size_t cap)
{
    replay_stream *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, cap, "no memory");
        return NULL;
    }
    s->r = r;
    s->k = kind_of_c(r, kind);
    return s;
}

void replay_stream_free(replay_stream *s)
{
    if (!s) return;
    journal_close_reader(s->rd);
    for (size_t i = 0; i < REPLAY_WINDOW; i++)
        free(s->ring[i].buf);
    free(s->out_buf);
    free(s);
}

const char *replay_stream_error(const replay_stream *s)
{
    return s->error;
}

uint64_t replay_stream_dropped(const replay_stream *s)
{
    return s->dropped;
}

static slot *at(replay_stream *s, size_t i)
{
    return &s->ring[(s->head + i) % REPLAY_WINDOW];
}

/* Inserts in sequence order; false when it is a duplicate or no memory. */
static bool ring_insert(replay_stream *s, const slot *in, const uint8_t *data)
{
    size_t p = s->count;
    while (p > 0 && at(s, p - 1)->ext_seq > in->ext_seq)
        p--;
    if (p > 0 && at(s, p - 1)->ext_seq == in->ext_seq) return false;
    /* The free position after the tail keeps its buffer for the newcomer. */
    slot spare = *at(s, s->count);
    for (size_t i = s->count; i > p; i--)
        *at(s, i) = *at(s, i - 1);
    slot *d = at(s, p);
    *d = *in;
    d->buf = spare.buf;
    d->cap = spare.cap;
    if (d->cap < in->len) {
        uint8_t *b = realloc(d->buf, in->len);
        if (!b) {
            /* Put the ring back as it was. */
            for (size_t i = p; i < s->count; i++)
                *at(s, i) = *at(s, i + 1);
            *at(s, s->count) = spare;
            return false;
        }
        d->buf = b;
        d->cap = in->len;
    }
    memcpy(d->buf, data, in->len);
    s->count++;
    return true;
}

static void ring_pop(replay_stream *s, replay_packet *out)
{
    slot *h = at(s, 0);
    /* Swap the head's buffer with the output buffer: the packet handed out stays valid until
     * the next call, and the slot gets a buffer back. */
    uint8_t *b = s->out_buf;
    size_t c = s->out_cap;
    s->out_buf = h->buf;
    s->out_cap = h->cap;
    int64_t t = h->time_us;
    if (s->have_time && t < s->out_time) t = s->out_time;
    *out = (replay_packet){.data = s->out_buf,
                           .len = h->len,
                           .ext_seq = h->ext_seq,
                           .ext_ts = h->ext_ts,
                           .arrival_us = h->arrival_us,
                           .time_us = t,
                           .journal = s->k->order[s->pos],
                           .discont = h->discont};
    s->have_seq = s->have_time = true;
    s->out_seq = h->ext_seq;
    s->out_time = t;
    h->buf = b;
    h->cap = c;
    s->head = (s->head + 1) % REPLAY_WINDOW;
    s->count--;
}

static int64_t packet_time(const replay *r, const jinfo *j, const rtp_view *v)
{
    if (!v->mapped) return ts_to_us(v->ext_ts, j->track.clock_rate) + j->pre_offset_us;
    return v->send_us + (r->has_offset ? r->offset_us : j->own_offset_us);
}

static int open_journal(replay_stream *s)
{
    const jinfo *j = &s->r->j[s->k->order[s->pos]];
    s->rd = journal_open(j->path, s->error, sizeof s->error);
    if (!s->rd) return -1;
    s->c = (cursor){.t = journal_track_of(s->rd)};
    s->cutoff_us = UINT64_MAX;
    for (size_t p = s->pos + 1; p < s->k->n; p++) {
        const jinfo *next = &s->r->j[s->k->order[p]];
        if (next->usable) {
            s->cutoff_us = next->first_arrival;
            break;
        }
    }
    s->discont = true;
    s->have_seq = false;
    return 0;
}

/* Reads one record of the current journal into the ring. 1: read something; 0: journal done. */
static int read_one(replay_stream *s)
{
    journal_record rec;
    int rc = journal_next(s->rd, &rec);
    if (rc < 0) snprintf(s->error, sizeof s->error, "read error");
    if (rc <= 0) return rc;
    const jinfo *j = &s->r->j[s->k->order[s->pos]];
    rtp_view v;
    if (rec.type == JOURNAL_REC_SR) cursor_sr(&s->c, rec.ntp, rec.rtp_ts);
    if (rec.type == JOURNAL_REC_GAP) s->discont = true;
    if (rec.type != JOURNAL_REC_RTP) return 1;
    /* Already handed out, or later than the window could wait for: either way it is gone. */
    if (!cursor_rtp(&s->c, rec.data, rec.len, &v) || rec.arrival_us >= s->cutoff_us ||
        (s->have_seq && v.ext_seq <= s->out_seq)) {
        s->dropped++;
        return 1;
    }
    slot in = {.len = rec.len,
               .ext_seq = v.ext_seq,
               .ext_ts = v.ext_ts,
               .arrival_us = rec.arrival_us,
               .time_us = packet_time(s->r, j, &v),
               .discont = s->discont};
    if (!ring_insert(s, &in, rec.data)) {
        s->dropped++;
        return 1;
    }
    s->discont = false;
    return 1;
}

int replay_stream_next(replay_stream *s, replay_packet *out)
{
    for (;;) {
        if (s->count && (s->count == REPLAY_WINDOW || s->draining)) {
            ring_pop(s, out);
            return 1;
        }
        if (s->draining) {
            s->draining = false;
            s->pos++;
        }
        if (!s->rd) {
            if (s->pos >= s->k->n) return 0;
            if (open_journal(s) != 0) return -1;
        }
        int rc = read_one(s);
        if (rc < 0) return -1;
        if (rc == 0) {
            journal_close_reader(s->rd);
            s->rd = NULL;
            s->draining = true;
        }
    }
}
