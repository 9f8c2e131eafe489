/* RTCP compound walking, report and feedback readers, and writers (RFC 3550 6.4, RFC 4585 6,
 * RFC 5104 4.3.1, draft-alvestrand-rmcat-remb).
 *
 * rtcp_view.padding holds the padding byte count (0 when the P bit is clear); view.len still
 * covers the whole packet so the walker can step over it, and the typed readers look only at
 * len - padding. */
#include "sfu/proto/rtcp.h"
#include "sfu/proto/bytes.h"

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

uint64_t rtcp_ntp_from_unix_us(uint64_t unix_us)
{
    /* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. The seconds field wraps in 2036 (era 1),
     * which the shift below does on its own, as RFC 5905 expects. */
    const uint64_t epoch_delta = 2208988800u;
    uint64_t secs = unix_us / 1000000 + epoch_delta;
    uint64_t frac = ((unix_us % 1000000) << 32) / 1000000;
    return (secs << 32) | frac;
}
