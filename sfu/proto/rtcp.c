/* RTCP compound walking, report and feedback readers, and writers (RFC 3550 6.4, RFC 4585 6,
 * RFC 5104 4.3.1, draft-alvestrand-rmcat-remb, draft-holmer-rmcat-transport-wide-cc-extensions-01
 * 3.1).
 *
 * rtcp_view.padding holds the padding byte count (0 when the P bit is clear); view.len still
 * covers the whole packet so the walker can step over it, and the typed readers look only at
 * len - padding. */
#include "sfu/proto/rtcp.h"
#include "sfu/proto/bytes.h"

#include <string.h>

/* Signed distance a - b with wrap-around (RFC 3550 A.1), widened for arithmetic. */
static inline int32_t seq_rel(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b);
}

/* V=2, P=0, count/fmt, type, length in words minus one. */
static void put_header(uint8_t *p, uint8_t count, uint8_t type, size_t len)
{
    p[0] = (uint8_t)(0x80 | (count & 0x1F));
    p[1] = type;
    st16(p + 2, (uint16_t)(len / 4 - 1));
}

void rtcp_iter_init(rtcp_iter *it, const uint8_t *buf, size_t len)
{
    it->buf = buf;
    it->len = len;
    it->off = 0;
}

int rtcp_iter_next(rtcp_iter *it, rtcp_view *out)
{
    size_t left = it->len - it->off;
    if (left == 0) return 0;
    const uint8_t *p = it->buf + it->off;
    int err = RTCP_OK;
    size_t plen = 0, pad = 0;
    if (left < 4) {
        err = RTCP_E_SHORT;
    } else if ((p[0] & 0xC0) != 0x80) {
        err = RTCP_E_VERSION;
    } else {
        plen = ((size_t)ld16(p + 2) + 1) * 4;
        if (plen > left) {
            err = RTCP_E_LENGTH;
        } else if (p[0] & 0x20) {
            /* The last byte counts the padding, itself included; it cannot reach the header. */
            pad = p[plen - 1];
            if (pad == 0 || pad > plen - 4) err = RTCP_E_LENGTH;
        }
    }
    if (err) {
        /* Nothing after a malformed packet can be trusted to be aligned; end the walk. */
        it->off = it->len;
        return err;
    }
    out->type = p[1];
    out->count = p[0] & 0x1F;
    out->padding = (uint8_t)pad;
    out->pkt = p;
    out->len = plen;
    it->off += plen;
    return 1;
}

/* Bytes of the packet the typed readers may look at. */
static size_t body_len(const rtcp_view *v)
{
    return v->len > v->padding ? v->len - v->padding : 0;
}

static void read_block(const uint8_t *p, rtcp_report_block *b)
{
    b->ssrc = ld32(p);
    b->fraction_lost = p[4];
    /* 24-bit two's complement: shift into the top of a 32-bit word, then back arithmetically. */
    uint32_t raw = ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
    b->cumulative_lost = (raw & 0x800000) ? (int32_t)(raw | 0xFF000000u) : (int32_t)raw;
    b->ext_highest_seq = ld32(p + 8);
    b->jitter = ld32(p + 12);
    b->lsr = ld32(p + 16);
    b->dlsr = ld32(p + 20);
}

static void write_block(uint8_t *p, const rtcp_report_block *b)
{
    st32(p, b->ssrc);
    p[4] = b->fraction_lost;
    /* Clamp to what 24 signed bits hold rather than wrapping into a wrong sign. */
    int32_t lost = b->cumulative_lost;
    if (lost > 0x7FFFFF) lost = 0x7FFFFF;
    if (lost < -0x800000) lost = -0x800000;
    uint32_t raw = (uint32_t)lost & 0xFFFFFF;
    p[5] = (uint8_t)(raw >> 16);
    p[6] = (uint8_t)(raw >> 8);
    p[7] = (uint8_t)raw;
    st32(p + 8, b->ext_highest_seq);
    st32(p + 12, b->jitter);
    st32(p + 16, b->lsr);
    st32(p + 20, b->dlsr);
}

int rtcp_parse_sr(const rtcp_view *v, rtcp_sr *out)
{
    if (v->type != RTCP_SR) return RTCP_E_FORMAT;
    size_t n = v->count;
    if (body_len(v) < 28 + n * 24) return RTCP_E_SHORT;
    const uint8_t *p = v->pkt;
    out->ssrc = ld32(p + 4);
    out->ntp = ((uint64_t)ld32(p + 8) << 32) | ld32(p + 12);
    out->rtp_ts = ld32(p + 16);
    out->packet_count = ld32(p + 20);
    out->octet_count = ld32(p + 24);
    out->n_blocks = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        read_block(p + 28 + i * 24, &out->blocks[i]);
    return RTCP_OK;
}

int rtcp_parse_rr(const rtcp_view *v, rtcp_rr *out)
{
    if (v->type != RTCP_RR) return RTCP_E_FORMAT;
    size_t n = v->count;
    if (body_len(v) < 8 + n * 24) return RTCP_E_SHORT;
    const uint8_t *p = v->pkt;
    out->ssrc = ld32(p + 4);
    out->n_blocks = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        read_block(p + 8 + i * 24, &out->blocks[i]);
    return RTCP_OK;
}

int rtcp_parse_fb(const rtcp_view *v, uint32_t *sender_ssrc, uint32_t *media_ssrc)
{
    if (v->type != RTCP_RTPFB && v->type != RTCP_PSFB) return RTCP_E_FORMAT;
    if (body_len(v) < 12) return RTCP_E_SHORT;
    *sender_ssrc = ld32(v->pkt + 4);
    *media_ssrc = ld32(v->pkt + 8);
    return RTCP_OK;
}

int rtcp_parse_nack(const rtcp_view *v, void (*fn)(void *ctx, uint16_t seq), void *ctx)
{
    if (v->type != RTCP_RTPFB || v->count != 1) return RTCP_E_FORMAT;
    size_t n = body_len(v);
    /* RFC 4585 6.2.1: at least one FCI entry. */
    if (n < 16) return RTCP_E_SHORT;
    for (size_t off = 12; off + 4 <= n; off += 4) {
        uint16_t pid = ld16(v->pkt + off);
        uint16_t blp = ld16(v->pkt + off + 2);
        fn(ctx, pid);
        for (unsigned i = 0; i < 16; i++)
            if (blp & (1u << i)) fn(ctx, (uint16_t)(pid + i + 1));
    }
    return RTCP_OK;
}

int rtcp_parse_fir(const rtcp_view *v, uint32_t *media_ssrc, uint8_t *seq_nr)
{
    if (v->type != RTCP_PSFB || v->count != 4) return RTCP_E_FORMAT;
    if (body_len(v) < 20) return RTCP_E_SHORT;
    *media_ssrc = ld32(v->pkt + 12);
    *seq_nr = v->pkt[16];
    return RTCP_OK;
}

int rtcp_parse_remb(const rtcp_view *v, uint64_t *bitrate, uint32_t *ssrcs, size_t cap,
                    size_t *n_ssrcs)
{
    if (v->type != RTCP_PSFB || v->count != 15) return RTCP_E_FORMAT;
    size_t len = body_len(v);
    if (len < 20) return RTCP_E_SHORT;
    const uint8_t *p = v->pkt;
    /* Other application-layer feedback shares fmt 15; only the identifier tells them apart. */
    if (p[12] != 'R' || p[13] != 'E' || p[14] != 'M' || p[15] != 'B') return RTCP_E_FORMAT;
    size_t num = p[16];
    if (len < 20 + num * 4) return RTCP_E_SHORT;
    unsigned exp = p[17] >> 2;
    uint64_t mant = ((uint64_t)(p[17] & 3) << 16) | ld16(p + 18);
    /* 6 exponent bits over an 18-bit mantissa can exceed 64 bits; saturate instead of wrapping. */
    if (exp > 46 && (mant >> (64 - exp)) != 0)
        *bitrate = UINT64_MAX;
    else
        *bitrate = mant << exp;
    size_t k = num < cap ? num : cap;
    for (size_t i = 0; i < k; i++)
        ssrcs[i] = ld32(p + 20 + i * 4);
    *n_ssrcs = k;
    return RTCP_OK;
}

size_t rtcp_write_sr(uint8_t *out, size_t cap, const rtcp_sr *sr)
{
    if (sr->n_blocks > RTCP_MAX_BLOCKS) return 0;
    size_t n = 28 + (size_t)sr->n_blocks * 24;
    if (cap < n) return 0;
    put_header(out, sr->n_blocks, RTCP_SR, n);
    st32(out + 4, sr->ssrc);
    st32(out + 8, (uint32_t)(sr->ntp >> 32));
    st32(out + 12, (uint32_t)sr->ntp);
    st32(out + 16, sr->rtp_ts);
    st32(out + 20, sr->packet_count);
    st32(out + 24, sr->octet_count);
    for (size_t i = 0; i < sr->n_blocks; i++)
        write_block(out + 28 + i * 24, &sr->blocks[i]);
    return n;
}

size_t rtcp_write_rr(uint8_t *out, size_t cap, const rtcp_rr *rr)
{
    if (rr->n_blocks > RTCP_MAX_BLOCKS) return 0;
    size_t n = 8 + (size_t)rr->n_blocks * 24;
    if (cap < n) return 0;
    put_header(out, rr->n_blocks, RTCP_RR, n);
    st32(out + 4, rr->ssrc);
    for (size_t i = 0; i < rr->n_blocks; i++)
        write_block(out + 8 + i * 24, &rr->blocks[i]);
    return n;
}

static size_t write_fb(uint8_t *out, size_t cap, uint8_t fmt, uint8_t type, size_t len,
                       uint32_t sender_ssrc, uint32_t media_ssrc)
{
    if (cap < len) return 0;
    put_header(out, fmt, type, len);
    st32(out + 4, sender_ssrc);
    st32(out + 8, media_ssrc);
    return len;
}

size_t rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
    return write_fb(out, cap, 1, RTCP_PSFB, 12, sender_ssrc, media_ssrc);
}

size_t rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr)
{
    /* RFC 5104 4.3.1.2: the header's media SSRC is unused (0); the target goes in the FCI. */
    if (!write_fb(out, cap, 4, RTCP_PSFB, 20, sender_ssrc, 0)) return 0;
    st32(out + 12, media_ssrc);
    out[16] = seq_nr;
    out[17] = out[18] = out[19] = 0;
    return 20;
}

size_t rtcp_write_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n)
{
    if (n == 0 || cap < 16) return 0;
    /* Order the seqs by their signed distance from the first one, so a list that crosses 65535
     * sorts as the sender meant. Each pass takes the smallest not yet covered as the PID and
     * folds the next 16 into its BLP: greedy from the left is the fewest entries, and it needs no
     * scratch copy of the list. Lists are short, so the n-per-entry rescans are cheap. */
    uint16_t base = seqs[0];
    int32_t covered = INT32_MIN; /* every rel <= covered has been written */
    size_t off = 12;
    for (;;) {
        int32_t pid = INT32_MAX;
        for (size_t i = 0; i < n; i++) {
            int32_t rel = seq_rel(seqs[i], base);
            if (rel > covered && rel < pid) pid = rel;
        }
        if (pid == INT32_MAX) break;
        uint16_t blp = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t d = seq_rel(seqs[i], base) - pid;
            if (d >= 1 && d <= 16) blp |= (uint16_t)(1u << (d - 1));
        }
        if (cap - off < 4 || off / 4 > 0xFFFF) return 0;
        st16(out + off, (uint16_t)(base + pid));
        st16(out + off + 2, blp);
        off += 4;
        covered = pid + 16;
    }
    write_fb(out, cap, 1, RTCP_RTPFB, off, sender_ssrc, media_ssrc);
    return off;
}

size_t rtcp_write_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate,
                       const uint32_t *ssrcs, size_t n)
{
    if (n > 255) return 0;
    size_t len = 20 + n * 4;
    /* The media SSRC of the header is unused for REMB and set to 0. */
    if (!write_fb(out, cap, 15, RTCP_PSFB, len, sender_ssrc, 0)) return 0;
    /* Smallest exponent that fits the rate in 18 mantissa bits; the remainder is dropped, so a
     * receiver never sees more than was estimated. */
    unsigned exp = 0;
    while ((bitrate >> exp) > 0x3FFFF)
        exp++;
    uint32_t mant = (uint32_t)(bitrate >> exp);
    out[12] = 'R';
    out[13] = 'E';
    out[14] = 'M';
    out[15] = 'B';
    out[16] = (uint8_t)n;
    out[17] = (uint8_t)((exp << 2) | (mant >> 16));
    st16(out + 18, (uint16_t)mant);
    for (size_t i = 0; i < n; i++)
        st32(out + 20 + i * 4, ssrcs[i]);
    return len;
}

/* ---- Transport-cc feedback ----
 * Each packet gets a symbol: 0 not received, 1 received with a one-byte delta (0..255 ticks),
 * 2 received with a two-byte signed delta; 3 is reserved. A chunk is 16 bits: a run of one symbol
 * (0, symbol:2, length:13), or a vector of 14 one-bit symbols (1, 0, ...; 0 and 1 only) or of 7
 * two-bit symbols (1, 1, ...), the first packet in the highest bits. */
enum { TWCC_HDR = 20, SYM_LOST = 0, SYM_SMALL = 1, SYM_LARGE = 2 };

void rtcp_twcc_begin(rtcp_twcc_builder *b, uint8_t *out, size_t cap, const rtcp_twcc *h)
{
    b->out = out;
    b->cap = cap < RTCP_TWCC_MAX_LEN ? cap : RTCP_TWCC_MAX_LEN;
    b->h = *h;
    b->n = 0;
    b->chunks_len = 0;
    b->n_pend = 0;
    b->same = b->large = false;
    b->deltas_len = 0;
}

static void put_chunk(rtcp_twcc_builder *b, uint16_t chunk)
{
    st16(b->out + TWCC_HDR + b->chunks_len, chunk);
    b->chunks_len += 2;
}

/* The first `n` pending symbols as one status vector, one-bit when they allow it; an unfilled
 * tail reads as "not received" and lies past the status count, where the reader stops. */
static void put_vector(rtcp_twcc_builder *b, uint16_t n, bool two_bit)
{
    uint16_t chunk = two_bit ? 0xC000 : 0x8000;
    unsigned bits = two_bit ? 2 : 1, slots = two_bit ? 7 : 14;
    for (uint16_t i = 0; i < n; i++)
        chunk |= (uint16_t)(b->pend[i] << (bits * (slots - 1 - i)));
    put_chunk(b, chunk);
}

/* Recomputes the flags of the pending symbols after some were written out. */
static void pend_flags(rtcp_twcc_builder *b)
{
    b->same = true;
    b->large = false;
    for (uint16_t i = 0; i < b->n_pend; i++) {
        if (b->pend[i] != b->pend[0]) b->same = false;
        if (b->pend[i] == SYM_LARGE) b->large = true;
    }
}

/* Greedy from the left: a symbol joins the pending ones while they still fit one chunk (a run of
 * up to 8191, or a vector of 14 one-bit or 7 two-bit symbols); otherwise the pending ones become a
 * chunk first. A run of one symbol stays open as long as it lasts, which keeps long stretches of
 * small deltas (or of losses) at two bytes per 8191 packets. */
static void push_symbol(rtcp_twcc_builder *b, uint8_t sym)
{
    for (;;) {
        if (b->n_pend == 0) {
            b->pend[0] = sym;
            b->n_pend = 1;
            b->same = true;
            b->large = sym == SYM_LARGE;
            return;
        }
        if (b->same && sym == b->pend[0] && b->n_pend < RTCP_TWCC_MAX_RUN) {
            if (b->n_pend < 14) b->pend[b->n_pend] = sym;
            b->n_pend++;
            return;
        }
        bool large = b->large || sym == SYM_LARGE;
        if (b->n_pend < (large ? 7 : 14)) {
            b->pend[b->n_pend++] = sym;
            b->same = false;
            b->large = large;
            return;
        }
        if (b->same) {
            put_chunk(b, (uint16_t)(b->pend[0] << 13 | b->n_pend));
            b->n_pend = 0;
            continue;
        }
        /* Mixed and full: fourteen one-bit symbols go out whole; otherwise (a two-bit symbol
         * among them, or arriving) the first seven go out as a two-bit vector and the rest, at
         * most six, stay pending with the new one. */
        uint16_t k = !b->large && b->n_pend == 14 ? 14 : 7;
        put_vector(b, k, k == 7);
        b->n_pend = (uint16_t)(b->n_pend - k);
        memmove(b->pend, b->pend + k, b->n_pend);
        pend_flags(b);
    }
}

bool rtcp_twcc_add(rtcp_twcc_builder *b, int32_t delta)
{
    uint8_t sym = SYM_LOST;
    size_t dlen = 0;
    if (delta != RTCP_TWCC_LOST) {
        if (delta < INT16_MIN || delta > INT16_MAX) return false;
        sym = delta >= 0 && delta <= 255 ? SYM_SMALL : SYM_LARGE;
        dlen = sym == SYM_SMALL ? 1 : 2;
    }
    /* Adding one symbol writes at most one chunk now and leaves one to write at the end. */
    size_t worst = TWCC_HDR + b->chunks_len + 2 * 2 + b->deltas_len + dlen;
    if (b->n == 0xFFFF || ((worst + 3) & ~(size_t)3) > b->cap) return false;
    push_symbol(b, sym);
    if (sym == SYM_SMALL) {
        b->deltas[b->deltas_len++] = (uint8_t)delta;
    } else if (sym == SYM_LARGE) {
        st16(b->deltas + b->deltas_len, (uint16_t)(int16_t)delta);
        b->deltas_len += 2;
    }
    b->n++;
    return true;
}

size_t rtcp_twcc_end(rtcp_twcc_builder *b)
{
    if (b->n == 0) return 0;
    if (b->n_pend) {
        if (b->same)
            put_chunk(b, (uint16_t)(b->pend[0] << 13 | b->n_pend));
        else
            put_vector(b, b->n_pend, b->large);
        b->n_pend = 0;
    }
    size_t len = TWCC_HDR + b->chunks_len;
    memcpy(b->out + len, b->deltas, b->deltas_len);
    len += b->deltas_len;
    while (len % 4)
        b->out[len++] = 0;
    b->h.status_count = (uint16_t)b->n;
    write_fb(b->out, b->cap, 15, RTCP_RTPFB, len, b->h.sender_ssrc, b->h.media_ssrc);
    st16(b->out + 12, b->h.base_seq);
    st16(b->out + 14, b->h.status_count);
    uint32_t ref = (uint32_t)b->h.ref_time & 0xFFFFFF;
    b->out[16] = (uint8_t)(ref >> 16);
    b->out[17] = (uint8_t)(ref >> 8);
    b->out[18] = (uint8_t)ref;
    b->out[19] = b->h.fb_count;
    b->n = 0; /* ended: a second end writes nothing */
    return len;
}

/* Walks the chunks of a feedback: the symbol of each of the `count` statuses, in order, to `fn`.
 * Sets *end just past the last chunk. */
static int twcc_walk(const uint8_t *p, size_t len, uint16_t count,
                     void (*fn)(void *ctx, uint8_t sym), void *ctx, size_t *end)
{
    size_t off = TWCC_HDR;
    uint32_t done = 0;
    while (done < count) {
        if (off + 2 > len) return RTCP_E_SHORT;
        uint16_t c = ld16(p + off);
        off += 2;
        if (!(c & 0x8000)) {
            uint8_t sym = (uint8_t)((c >> 13) & 3);
            uint32_t run = c & 0x1FFF;
            if (sym == 3 || run == 0) return RTCP_E_FORMAT;
            /* A run past the count is cut there, as the tail of a vector is. */
            for (uint32_t i = 0; i < run && done < count; i++, done++)
                fn(ctx, sym);
            continue;
        }
        bool two_bit = c & 0x4000;
        unsigned bits = two_bit ? 2 : 1, slots = two_bit ? 7 : 14;
        for (unsigned i = 0; i < slots && done < count; i++, done++) {
            uint8_t sym = (uint8_t)((c >> (bits * (slots - 1 - i))) & (two_bit ? 3 : 1));
            if (sym == 3) return RTCP_E_FORMAT;
            fn(ctx, sym);
        }
    }
    *end = off;
    return RTCP_OK;
}

typedef struct twcc_read {
    const uint8_t *p;
    size_t off;    /* the next delta */
    uint32_t need; /* delta bytes the symbols call for */
    uint16_t seq;
    void (*fn)(void *ctx, uint16_t seq, int32_t delta);
    void *ctx;
} twcc_read;

static void count_delta(void *ctx, uint8_t sym)
{
    twcc_read *r = ctx;
    r->need += sym; /* 0, 1 or 2 bytes: the symbol's value */
}

static void emit_status(void *ctx, uint8_t sym)
{
    twcc_read *r = ctx;
    int32_t d = RTCP_TWCC_LOST;
    if (sym == SYM_SMALL) {
        d = r->p[r->off];
        r->off += 1;
    } else if (sym == SYM_LARGE) {
        d = (int16_t)ld16(r->p + r->off);
        r->off += 2;
    }
    r->fn(r->ctx, r->seq++, d);
}

int rtcp_parse_twcc(const rtcp_view *v, rtcp_twcc *h,
                    void (*fn)(void *ctx, uint16_t seq, int32_t delta), void *ctx)
{
    if (v->type != RTCP_RTPFB || v->count != 15) return RTCP_E_FORMAT;
    size_t len = body_len(v);
    if (len < TWCC_HDR + 2) return RTCP_E_SHORT;
    const uint8_t *p = v->pkt;
    rtcp_twcc t;
    t.sender_ssrc = ld32(p + 4);
    t.media_ssrc = ld32(p + 8);
    t.base_seq = ld16(p + 12);
    t.status_count = ld16(p + 14);
    uint32_t ref = ((uint32_t)p[16] << 16) | ((uint32_t)p[17] << 8) | p[18];
    t.ref_time = (ref & 0x800000) ? (int32_t)(ref | 0xFF000000u) : (int32_t)ref;
    t.fb_count = p[19];
    if (t.status_count == 0) return RTCP_E_FORMAT;
    /* First pass: the chunks are well formed and the deltas they call for are all there. */
    twcc_read r = {.p = p, .seq = t.base_seq, .fn = fn, .ctx = ctx};
    size_t chunks_end = 0;
    int rc = twcc_walk(p, len, t.status_count, count_delta, &r, &chunks_end);
    if (rc != RTCP_OK) return rc;
    if (r.need > len - chunks_end) return RTCP_E_SHORT;
    *h = t;
    if (!fn) return RTCP_OK;
    r.off = chunks_end;
    return twcc_walk(p, len, t.status_count, emit_status, &r, &chunks_end);
}

uint64_t rtcp_ntp_from_unix_us(uint64_t unix_us)
{
    /* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. The seconds field wraps in 2036 (era 1),
     * which the shift below does on its own, as RFC 5905 expects. */
    const uint64_t epoch_delta = 2208988800u;
    uint64_t secs = unix_us / 1000000 + epoch_delta;
    uint64_t frac = ((unix_us % 1000000) << 32) / 1000000;
    return (secs << 32) | frac;
}
