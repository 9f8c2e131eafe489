/* Walks arbitrary bytes as a compound RTCP packet and hands every packet to every typed reader.
 * Each packet is first copied into an allocation of exactly its length, so a reader that strays
 * past its view (not just past the input) is caught. What parses is written back out and parsed
 * again: SR, RR, REMB, FIR and NACK must survive the round trip unchanged; a transport-cc feedback
 * is rebuilt with the builder (as many packets as that takes) and must report the same arrivals
 * at the same times. */
#include "sfu/proto/rtcp.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

/* Written packets are parsed back through the walker, as a receiver would see them. */
static rtcp_view reparse(const uint8_t *buf, size_t len)
{
    rtcp_iter it;
    rtcp_view v;
    rtcp_iter_init(&it, buf, len);
    check(rtcp_iter_next(&it, &v) == 1);
    check(v.len == len && v.padding == 0);
    check(rtcp_iter_next(&it, &v) == 0);
    return v;
}

static bool block_eq(const rtcp_report_block *a, const rtcp_report_block *b)
{
    return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
           a->cumulative_lost == b->cumulative_lost && a->ext_highest_seq == b->ext_highest_seq &&
           a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr;
}

static uint8_t out[12 + 4 * 0x10000];

static void round_trip_sr(const rtcp_sr *sr)
{
    size_t n = rtcp_write_sr(out, sizeof out, sr);
    check(n == 28 + 24u * sr->n_blocks);
    rtcp_view w = reparse(out, n);
    rtcp_sr again;
    check(rtcp_parse_sr(&w, &again) == RTCP_OK);
    check(again.ssrc == sr->ssrc && again.ntp == sr->ntp && again.rtp_ts == sr->rtp_ts &&
          again.packet_count == sr->packet_count && again.octet_count == sr->octet_count &&
          again.n_blocks == sr->n_blocks);
    for (size_t i = 0; i < sr->n_blocks; i++)
        check(block_eq(&again.blocks[i], &sr->blocks[i]));
}

static void round_trip_rr(const rtcp_rr *rr)
{
    size_t n = rtcp_write_rr(out, sizeof out, rr);
    check(n == 8 + 24u * rr->n_blocks);
    rtcp_view w = reparse(out, n);
    rtcp_rr again;
    check(rtcp_parse_rr(&w, &again) == RTCP_OK);
    check(again.ssrc == rr->ssrc && again.n_blocks == rr->n_blocks);
    for (size_t i = 0; i < rr->n_blocks; i++)
        check(block_eq(&again.blocks[i], &rr->blocks[i]));
}

/* NACKed seqs as a bitmap, plus the list the writer takes. */
typedef struct {
    uint8_t seen[0x10000 / 8];
    uint16_t list[512];
    size_t n;
    bool overflow;
} nack_set;

static void nack_add(void *ctx, uint16_t seq)
{
    nack_set *s = ctx;
    s->seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
    if (s->n < sizeof s->list / sizeof s->list[0])
        s->list[s->n++] = seq;
    else
        s->overflow = true;
}

static nack_set nack_a, nack_b;

static void fuzz_nack(const rtcp_view *v, uint32_t sender, uint32_t media)
{
    memset(&nack_a, 0, sizeof nack_a);
    if (rtcp_parse_nack(v, nack_add, &nack_a) != RTCP_OK) return;
    check(nack_a.n > 0);
    if (nack_a.overflow) return; /* the writer's rescans make huge lists slow, not wrong */
    size_t n = rtcp_write_nack(out, sizeof out, sender, media, nack_a.list, nack_a.n);
    check(n >= 16);
    /* Greedy packing is optimal along the writer's order, which may cut one input entry in two
     * where it starts (half the seq space from the first seq): at most one entry more. */
    size_t in_entries = (v->len - v->padding - 12) / 4;
    check(n <= 12 + 4 * (in_entries + 1));
    rtcp_view w = reparse(out, n);
    uint32_t s2, m2;
    check(rtcp_parse_fb(&w, &s2, &m2) == RTCP_OK && s2 == sender && m2 == media);
    memset(&nack_b, 0, sizeof nack_b);
    check(rtcp_parse_nack(&w, nack_add, &nack_b) == RTCP_OK);
    check(memcmp(nack_a.seen, nack_b.seen, sizeof nack_a.seen) == 0);
}

static void fuzz_remb(const rtcp_view *v, uint32_t sender)
{
    uint64_t br;
    uint32_t ssrcs[255];
    size_t n_ssrcs;
    if (rtcp_parse_remb(v, &br, ssrcs, 255, &n_ssrcs) != RTCP_OK) return;
    check(n_ssrcs == v->pkt[16]);
    size_t n = rtcp_write_remb(out, sizeof out, sender, br, ssrcs, n_ssrcs);
    check(n == 20 + 4 * n_ssrcs);
    rtcp_view w = reparse(out, n);
    uint64_t br2;
    uint32_t ssrcs2[255];
    size_t n2;
    check(rtcp_parse_remb(&w, &br2, ssrcs2, 255, &n2) == RTCP_OK);
    check(n2 == n_ssrcs && memcmp(ssrcs, ssrcs2, 4 * n2) == 0);
    /* Any mantissa << exponent that fits 64 bits re-encodes exactly; a saturated rate comes
     * back as the largest encodable one. (No unsaturated rate is odd above 18 bits.) */
    check(br2 == (br == UINT64_MAX ? 0x3FFFFull << 46 : br));
    /* A smaller cap truncates the list and nothing else. */
    if (n_ssrcs > 1) {
        check(rtcp_parse_remb(v, &br2, ssrcs2, 1, &n2) == RTCP_OK && n2 == 1);
        check(ssrcs2[0] == ssrcs[0]);
    }
}

/* Statuses of a transport-cc feedback, with arrival times summed from the reference time. Times
 * are compared modulo 2^32 ticks: the 24-bit reference time wraps there. */
typedef struct twcc_list {
    size_t n;
    bool got[0x10000];
    uint32_t tick[0x10000];
    uint32_t cur;
    uint16_t seq;
    bool in_order;
    const uint8_t *pkt; /* its header starts the count and the clock, once it has parsed */
} twcc_list;

static twcc_list twcc_in, twcc_out;

static void twcc_add(void *ctx, uint16_t seq, int32_t delta)
{
    twcc_list *l = ctx;
    if (l->n == 0) {
        const uint8_t *p = l->pkt;
        l->seq = (uint16_t)(p[12] << 8 | p[13]);
        uint32_t ref = ((uint32_t)p[16] << 16) | ((uint32_t)p[17] << 8) | p[18];
        if (ref & 0x800000) ref |= 0xFF000000u;
        l->cur = ref * 256u;
    }
    if (seq != l->seq++) l->in_order = false;
    l->got[l->n] = delta != RTCP_TWCC_LOST;
    if (delta != RTCP_TWCC_LOST) {
        l->cur += (uint32_t)delta;
        l->tick[l->n] = l->cur;
    }
    l->n++;
}

static void twcc_start(twcc_list *l, const uint8_t *pkt)
{
    l->n = 0;
    l->in_order = true;
    l->pkt = pkt;
}

static void fuzz_twcc(const rtcp_view *v, uint32_t sender, uint32_t media)
{
    rtcp_twcc h;
    twcc_start(&twcc_in, v->pkt);
    if (rtcp_parse_twcc(v, &h, twcc_add, &twcc_in) != RTCP_OK) {
        check(twcc_in.n == 0); /* all or nothing */
        return;
    }
    check(twcc_in.n == h.status_count && twcc_in.n > 0 && twcc_in.in_order);
    /* Rebuilt as the hub would: each packet starts where the last stopped, with the reference
     * time of its first arrival, so only the size limit splits. */
    static uint8_t buf[RTCP_TWCC_MAX_LEN];
    size_t pos = 0;
    uint8_t fb = h.fb_count;
    while (pos < twcc_in.n) {
        size_t first = pos;
        while (first < twcc_in.n && !twcc_in.got[first])
            first++;
        int32_t ref = first < twcc_in.n ? (int32_t)twcc_in.tick[first] >> 8 : 0;
        rtcp_twcc nh = {.sender_ssrc = sender,
                        .media_ssrc = media,
                        .base_seq = (uint16_t)(h.base_seq + pos),
                        .ref_time = ref,
                        .fb_count = fb++};
        rtcp_twcc_builder b;
        rtcp_twcc_begin(&b, buf, sizeof buf, &nh);
        uint32_t prev = (uint32_t)ref * 256u;
        size_t k = pos;
        for (; k < twcc_in.n; k++) {
            int32_t d = RTCP_TWCC_LOST;
            if (twcc_in.got[k]) d = (int32_t)(twcc_in.tick[k] - prev);
            if (!rtcp_twcc_add(&b, d)) break;
            if (twcc_in.got[k]) prev = twcc_in.tick[k];
        }
        check(k > pos);
        size_t n = rtcp_twcc_end(&b);
        check(n > 0 && n <= sizeof buf && n % 4 == 0);
        rtcp_view w = reparse(buf, n);
        rtcp_twcc h2;
        twcc_start(&twcc_out, buf);
        check(rtcp_parse_twcc(&w, &h2, twcc_add, &twcc_out) == RTCP_OK);
        check(twcc_out.n == k - pos && twcc_out.in_order && h2.sender_ssrc == sender &&
              h2.media_ssrc == media && h2.fb_count == nh.fb_count);
        for (size_t i = 0; i < twcc_out.n; i++) {
            check(twcc_out.got[i] == twcc_in.got[pos + i]);
            if (twcc_out.got[i]) check(twcc_out.tick[i] == twcc_in.tick[pos + i]);
        }
        pos = k;
    }
}

static void fuzz_packet(const rtcp_view *v)
{
    rtcp_sr sr;
    if (rtcp_parse_sr(v, &sr) == RTCP_OK) round_trip_sr(&sr);
    rtcp_rr rr;
    if (rtcp_parse_rr(v, &rr) == RTCP_OK) round_trip_rr(&rr);

    uint32_t sender, media;
    if (rtcp_parse_fb(v, &sender, &media) != RTCP_OK) return;
    fuzz_nack(v, sender, media);
    fuzz_remb(v, sender);
    fuzz_twcc(v, sender, media);

    uint32_t fir_ssrc;
    uint8_t fir_seq;
    if (rtcp_parse_fir(v, &fir_ssrc, &fir_seq) == RTCP_OK) {
        size_t n = rtcp_write_fir(out, sizeof out, sender, fir_ssrc, fir_seq);
        check(n == 20);
        rtcp_view w = reparse(out, n);
        uint32_t s2;
        uint8_t q2;
        check(rtcp_parse_fir(&w, &s2, &q2) == RTCP_OK && s2 == fir_ssrc && q2 == fir_seq);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtcp_iter it;
    rtcp_view v;
    rtcp_iter_init(&it, data, size);
    size_t walked = 0;
    int rc;
    while ((rc = rtcp_iter_next(&it, &v)) == 1) {
        check(v.pkt == data + walked && v.len >= 4 && v.len % 4 == 0);
        check(v.padding < v.len - 3);
        walked += v.len;
        check(walked <= size);

        uint8_t *copy = malloc(v.len);
        if (!copy) return 0;
        memcpy(copy, v.pkt, v.len);
        rtcp_view cv = v;
        cv.pkt = copy;
        fuzz_packet(&cv);
        free(copy);
    }
    check(rc == 0 ? walked == size
                  : rc == RTCP_E_SHORT || rc == RTCP_E_VERSION || rc == RTCP_E_LENGTH);
    return 0;
}
