/* RTCP compound walking, report and feedback readers, writers, NTP conversion: each from
 * annotated wire bytes, writers compared byte for byte and parsed back. */
#include "sfu/base/util.h"
#include "sfu/proto/rtcp.h"
#include "tests/unit/check.h"

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* SR, no blocks: ssrc 0x11223344, NTP 0xE1234567.80000000, rtp ts 90000, 10 packets, 1000 bytes. */
#define SR0                                                                                        \
    0x80, 0xC8, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xE1, 0x23, 0x45, 0x67, 0x80, 0x00, 0x00,      \
        0x00, 0x00, 0x01, 0x5F, 0x90, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x03, 0xE8
/* SDES, one chunk: ssrc 0x11223344, CNAME "abcd", end, pad to the word. */
#define SDES1                                                                                      \
    0x81, 0xCA, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x00
/* One report block: ssrc 0xAABBCCDD, fraction 64, lost -2, ext seq 0x0001FFFF, jitter 33,
 * LSR 0x12345678, DLSR 65536 (1 s). */
#define BLOCK1                                                                                     \
    0xAA, 0xBB, 0xCC, 0xDD, 0x40, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0xFF, 0xFF, 0x00, 0x00, 0x00,      \
        0x21, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00
/* RR, one block, from ssrc 0x55667788. */
#define RR1 0x81, 0xC9, 0x00, 0x07, 0x55, 0x66, 0x77, 0x88, BLOCK1

typedef struct {
    uint8_t type, count, padding;
    size_t len;
} want_pkt;

typedef struct {
    const char *name;
    const uint8_t *buf;
    size_t len;
    want_pkt pkts[4];
    size_t n_pkts;
    int end; /* 0 for a clean end, else the error after the listed packets */
} walk_case;

static const walk_case walk_cases[] = {
    {"SR + SDES", BYTES(SR0, SDES1), {{200, 0, 0, 28}, {202, 1, 0, 16}}, 2, 0},
    {"RR with a block", BYTES(RR1), {{201, 1, 0, 32}}, 1, 0},
    {"SR + RR + SDES",
     BYTES(SR0, RR1, SDES1),
     {{200, 0, 0, 28}, {201, 1, 0, 32}, {202, 1, 0, 16}},
     3,
     0},
    {"padded last packet",
     BYTES(RR1, /* RR, P, no blocks */ 0xA0, 0xC9, 0x00, 0x02, 1, 2, 3, 4, 0x00, 0x00, 0x00, 0x04),
     {{201, 1, 0, 32}, {201, 0, 4, 12}},
     2,
     0},
    {"empty", (const uint8_t[]){0}, 0, {{0}}, 0, 0},
    {"truncated after a packet", BYTES(RR1, 0x80, 0xC9, 0x00), {{201, 1, 0, 32}}, 1, RTCP_E_SHORT},
    {"length field too large",
     BYTES(0x80, 0xC9, /* 6 words */ 0x00, 0x05, 1, 2, 3, 4),
     {{0}},
     0,
     RTCP_E_LENGTH},
    {"length too large in the second packet",
     BYTES(SR0, 0x81, 0xCA, /* 24 bytes, 20 left */ 0x00, 0x05, SDES1),
     {{200, 0, 0, 28}},
     1,
     RTCP_E_LENGTH},
    {"version 1", BYTES(0x40, 0xC9, 0x00, 0x01, 1, 2, 3, 4), {{0}}, 0, RTCP_E_VERSION},
    {"version 0 after a packet",
     BYTES(RR1, 0x00, 0x00, 0x00, 0x00),
     {{201, 1, 0, 32}},
     1,
     RTCP_E_VERSION},
    {"padding count zero", BYTES(0xA0, 0xC9, 0x00, 0x01, 1, 2, 3, 0), {{0}}, 0, RTCP_E_LENGTH},
    {"padding into the header", BYTES(0xA0, 0xC9, 0x00, 0x01, 1, 2, 3, 5), {{0}}, 0, RTCP_E_LENGTH},
};

static void test_walk(void)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(walk_cases); i++) {
        const walk_case *c = &walk_cases[i];
        rtcp_iter it;
        rtcp_iter_init(&it, c->buf, c->len);
        rtcp_view v;
        size_t k = 0;
        size_t off = 0;
        int rc;
        while ((rc = rtcp_iter_next(&it, &v)) == 1) {
            if (k < c->n_pkts) {
                CHECK_EQ(v.type, c->pkts[k].type);
                CHECK_EQ(v.count, c->pkts[k].count);
                CHECK_EQ(v.padding, c->pkts[k].padding);
                CHECK_EQ(v.len, c->pkts[k].len);
                CHECK(v.pkt == c->buf + off);
                off += v.len;
            }
            k++;
        }
        if (k != c->n_pkts || rc != c->end) fprintf(stderr, "case: %s\n", c->name);
        CHECK_EQ(k, c->n_pkts);
        CHECK_EQ(rc, c->end);
        CHECK_EQ(rtcp_iter_next(&it, &v), 0); /* the walk stays ended */
    }
}

/* The first packet of `buf` as a view. */
static rtcp_view first(const uint8_t *buf, size_t len)
{
    rtcp_iter it;
    rtcp_view v = {0};
    rtcp_iter_init(&it, buf, len);
    CHECK_EQ(rtcp_iter_next(&it, &v), 1);
    return v;
}

static void check_block1(const rtcp_report_block *b)
{
    CHECK_EQ(b->ssrc, 0xAABBCCDD);
    CHECK_EQ(b->fraction_lost, 64);
    CHECK_EQ(b->cumulative_lost, -2);
    CHECK_EQ(b->ext_highest_seq, 0x0001FFFF);
    CHECK_EQ(b->jitter, 33);
    CHECK_EQ(b->lsr, 0x12345678);
    CHECK_EQ(b->dlsr, 65536);
}

static void test_sr_rr(void)
{
    /* SR with two blocks; the second has a positive 24-bit loss at its maximum. */
    /* clang-format off */
    static const uint8_t sr2[] = {
        0x82, 0xC8, 0x00, 0x12,
        /* ssrc */ 0x11, 0x22, 0x33, 0x44,
        /* ntp */ 0xE1, 0x23, 0x45, 0x67, 0x80, 0x00, 0x00, 0x00,
        /* rtp ts */ 0x00, 0x01, 0x5F, 0x90,
        /* packets */ 0x00, 0x00, 0x00, 0x0A,
        /* octets */ 0x00, 0x00, 0x03, 0xE8,
        BLOCK1,
        /* ssrc */ 0x01, 0x02, 0x03, 0x04,
        /* fraction */ 0xFF,
        /* lost */ 0x7F, 0xFF, 0xFF,
        /* ext seq */ 0, 0, 0, 1,
        /* jitter */ 0, 0, 0, 0,
        /* lsr */ 0, 0, 0, 0,
        /* dlsr */ 0, 0, 0, 0,
    };
    /* clang-format on */
    rtcp_view v = first(sr2, sizeof sr2);
    rtcp_sr sr;
    CHECK_EQ(rtcp_parse_sr(&v, &sr), RTCP_OK);
    CHECK_EQ(sr.ssrc, 0x11223344);
    CHECK(sr.ntp == 0xE123456780000000ull);
    CHECK_EQ(sr.rtp_ts, 90000);
    CHECK_EQ(sr.packet_count, 10);
    CHECK_EQ(sr.octet_count, 1000);
    CHECK_EQ(sr.n_blocks, 2);
    check_block1(&sr.blocks[0]);
    CHECK_EQ(sr.blocks[1].ssrc, 0x01020304);
    CHECK_EQ(sr.blocks[1].fraction_lost, 255);
    CHECK_EQ(sr.blocks[1].cumulative_lost, 0x7FFFFF);
    CHECK_EQ(sr.blocks[1].ext_highest_seq, 1);

    uint8_t out[1024];
    CHECK_EQ(rtcp_write_sr(out, sizeof out, &sr), sizeof sr2);
    CHECK(memcmp(out, sr2, sizeof sr2) == 0);
    CHECK_EQ(rtcp_write_sr(out, sizeof sr2 - 1, &sr), 0);

    rtcp_rr rr;
    CHECK_EQ(rtcp_parse_rr(&v, &rr), RTCP_E_FORMAT);

    static const uint8_t rr1[] = {RR1};
    v = first(rr1, sizeof rr1);
    CHECK_EQ(rtcp_parse_rr(&v, &rr), RTCP_OK);
    CHECK_EQ(rr.ssrc, 0x55667788);
    CHECK_EQ(rr.n_blocks, 1);
    check_block1(&rr.blocks[0]);
    CHECK_EQ(rtcp_write_rr(out, sizeof out, &rr), sizeof rr1);
    CHECK(memcmp(out, rr1, sizeof rr1) == 0);
    CHECK_EQ(rtcp_write_rr(out, sizeof rr1 - 1, &rr), 0);
    CHECK_EQ(rtcp_parse_sr(&v, &sr), RTCP_E_FORMAT);

    /* Losses beyond 24 bits are clamped, not wrapped into the other sign. */
    rr.blocks[0].cumulative_lost = 0x1000000;
    CHECK_EQ(rtcp_write_rr(out, sizeof out, &rr), sizeof rr1);
    CHECK(out[13] == 0x7F && out[14] == 0xFF && out[15] == 0xFF);
    rr.blocks[0].cumulative_lost = -0x1000000;
    CHECK_EQ(rtcp_write_rr(out, sizeof out, &rr), sizeof rr1);
    CHECK(out[13] == 0x80 && out[14] == 0x00 && out[15] == 0x00);
    rr.n_blocks = RTCP_MAX_BLOCKS + 1;
    CHECK_EQ(rtcp_write_rr(out, sizeof out, &rr), 0);

    /* Count says two blocks, length holds one. */
    static const uint8_t rr_short[] = {0x82, 0xC9, 0x00, 0x07, 0x55, 0x66, 0x77, 0x88, BLOCK1};
    v = first(rr_short, sizeof rr_short);
    CHECK_EQ(rtcp_parse_rr(&v, &rr), RTCP_E_SHORT);
    /* The block would fit only by counting the padding. */
    static const uint8_t rr_pad[] = {0xA1, 0xC9, 0x00, 0x07, 0x55, 0x66, 0x77, 0x88, BLOCK1};
    uint8_t rr_pad2[sizeof rr_pad];
    memcpy(rr_pad2, rr_pad, sizeof rr_pad);
    rr_pad2[sizeof rr_pad2 - 1] = 4;
    v = first(rr_pad2, sizeof rr_pad2);
    CHECK_EQ(v.padding, 4);
    CHECK_EQ(rtcp_parse_rr(&v, &rr), RTCP_E_SHORT);

    /* An empty RR (no blocks) round-trips too. */
    static const uint8_t rr0[] = {0x80, 0xC9, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF};
    v = first(rr0, sizeof rr0);
    CHECK_EQ(rtcp_parse_rr(&v, &rr), RTCP_OK);
    CHECK_EQ(rr.n_blocks, 0);
    CHECK_EQ(rtcp_write_rr(out, sizeof out, &rr), sizeof rr0);
    CHECK(memcmp(out, rr0, sizeof rr0) == 0);
}

typedef struct {
    uint16_t seqs[64];
    size_t n;
} seq_list;

static void collect(void *ctx, uint16_t seq)
{
    seq_list *l = ctx;
    if (l->n < DH_ARRAY_LEN(l->seqs)) l->seqs[l->n] = seq;
    l->n++;
}

static void test_nack_parse(void)
{
    /* clang-format off */
    static const uint8_t nack[] = {
        0x81, 0xCD, 0x00, 0x04,
        /* sender */ 0x00, 0x00, 0x00, 0x01,
        /* media */ 0x00, 0x00, 0x00, 0x02,
        /* PID 100, BLP bits 0 and 15 */ 0x00, 0x64, 0x80, 0x01,
        /* PID 65535, BLP bits 0 and 1: wraps to 0 and 1 */ 0xFF, 0xFF, 0x00, 0x03,
    };
    /* clang-format on */
    static const uint16_t want[] = {100, 101, 116, 65535, 0, 1};
    rtcp_view v = first(nack, sizeof nack);
    uint32_t sender = 0, media = 0;
    CHECK_EQ(rtcp_parse_fb(&v, &sender, &media), RTCP_OK);
    CHECK_EQ(sender, 1);
    CHECK_EQ(media, 2);
    seq_list got = {0};
    CHECK_EQ(rtcp_parse_nack(&v, collect, &got), RTCP_OK);
    CHECK_EQ(got.n, DH_ARRAY_LEN(want));
    CHECK(memcmp(got.seqs, want, sizeof want) == 0);

    /* No FCI at all. */
    static const uint8_t empty[] = {0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    v = first(empty, sizeof empty);
    CHECK_EQ(rtcp_parse_nack(&v, collect, &got), RTCP_E_SHORT);
    /* Transport-cc (fmt 15) is not a NACK. */
    static const uint8_t twcc[] = {0x8F, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0};
    v = first(twcc, sizeof twcc);
    CHECK_EQ(rtcp_parse_nack(&v, collect, &got), RTCP_E_FORMAT);
    /* A feedback header needs both SSRCs. */
    static const uint8_t fb_short[] = {0x81, 0xCD, 0x00, 0x01, 0, 0, 0, 1};
    v = first(fb_short, sizeof fb_short);
    CHECK_EQ(rtcp_parse_fb(&v, &sender, &media), RTCP_E_SHORT);
    static const uint8_t rr0[] = {0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1};
    v = first(rr0, sizeof rr0);
    CHECK_EQ(rtcp_parse_fb(&v, &sender, &media), RTCP_E_FORMAT);
}

static void test_nack_write(void)
{
    static const struct {
        const char *name;
        uint16_t seqs[48];
        size_t n;
        size_t n_unique;
        uint8_t fci[16];
        size_t fci_len;
    } cases[] = {
        {"one", {100}, 1, 1, {0x00, 0x64, 0x00, 0x00}, 4},
        {"PID and BLP bits 0, 15", {100, 101, 116}, 3, 3, {0x00, 0x64, 0x80, 0x01}, 4},
        {"17 apart needs two entries",
         {100, 117},
         2,
         2,
         {0x00, 0x64, 0x00, 0x00, 0x00, 0x75, 0x00, 0x00},
         8},
        {"unsorted with a duplicate", {5, 3, 4, 3}, 4, 3, {0x00, 0x03, 0x00, 0x03}, 4},
        {"across the wrap", {65534, 65535, 0, 1}, 4, 4, {0xFF, 0xFE, 0x00, 0x07}, 4},
        {"across the wrap, unsorted", {0, 65535}, 2, 2, {0xFF, 0xFF, 0x00, 0x01}, 4},
        {"wrap, spanning more than 16",
         {3, 65530, 65531, 20},
         4,
         4,
         {/* PID 65530: 65531, 3 */ 0xFF, 0xFA, 0x01, 0x01, /* PID 20 */ 0x00, 0x14, 0x00, 0x00},
         8},
        {"1..40 in three entries",
         {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
          21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40},
         40,
         40,
         {/* PID 1, 2..17 */ 0x00, 0x01, 0xFF, 0xFF, /* PID 18, 19..34 */ 0x00, 0x12, 0xFF, 0xFF,
          /* PID 35, 36..40 */ 0x00, 0x23, 0x00, 0x1F},
         12},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        uint8_t out[128];
        uint8_t want[12 + 16] = {0x81, 0xCD, 0x00, (uint8_t)(2 + cases[i].fci_len / 4),
                                 0x0A, 0x0B, 0x0C, 0x0D,
                                 0x01, 0x02, 0x03, 0x04};
        memcpy(want + 12, cases[i].fci, cases[i].fci_len);
        size_t want_len = 12 + cases[i].fci_len;
        size_t n =
            rtcp_write_nack(out, sizeof out, 0x0A0B0C0D, 0x01020304, cases[i].seqs, cases[i].n);
        if (n != want_len || memcmp(out, want, want_len) != 0)
            fprintf(stderr, "case: %s\n", cases[i].name);
        CHECK_EQ(n, want_len);
        CHECK(memcmp(out, want, want_len) == 0);
        CHECK_EQ(
            rtcp_write_nack(out, want_len - 1, 0x0A0B0C0D, 0x01020304, cases[i].seqs, cases[i].n),
            0);

        /* Parsed back: every requested seq once, nothing else. */
        rtcp_view v = first(want, want_len);
        seq_list got = {0};
        CHECK_EQ(rtcp_parse_nack(&v, collect, &got), RTCP_OK);
        CHECK_EQ(got.n, cases[i].n_unique);
        for (size_t j = 0; j < cases[i].n; j++) {
            bool seen = false;
            for (size_t k = 0; k < got.n; k++)
                seen |= got.seqs[k] == cases[i].seqs[j];
            CHECK(seen);
        }
    }
    uint8_t out[64];
    CHECK_EQ(rtcp_write_nack(out, sizeof out, 1, 2, NULL, 0), 0);
}

static void test_pli_fir(void)
{
    uint8_t out[64];
    /* clang-format off */
    static const uint8_t pli[] = {
        0x81, 0xCE, 0x00, 0x02,
        /* sender */ 0x00, 0x00, 0x00, 0x01,
        /* media */ 0xCA, 0xFE, 0xBA, 0xBE,
    };
    /* clang-format on */
    CHECK_EQ(rtcp_write_pli(out, sizeof out, 1, 0xCAFEBABE), sizeof pli);
    CHECK(memcmp(out, pli, sizeof pli) == 0);
    CHECK_EQ(rtcp_write_pli(out, sizeof pli - 1, 1, 0xCAFEBABE), 0);
    rtcp_view v = first(pli, sizeof pli);
    CHECK_EQ(v.type, RTCP_PSFB);
    CHECK_EQ(v.count, 1);
    uint32_t sender = 0, media = 0;
    CHECK_EQ(rtcp_parse_fb(&v, &sender, &media), RTCP_OK);
    CHECK_EQ(sender, 1);
    CHECK_EQ(media, 0xCAFEBABE);
    uint8_t seq_nr = 0;
    CHECK_EQ(rtcp_parse_fir(&v, &media, &seq_nr), RTCP_E_FORMAT);

    /* Header media SSRC 0; the target and command number sit in the FCI. */
    /* clang-format off */
    static const uint8_t fir[] = {
        0x84, 0xCE, 0x00, 0x04,
        /* sender */ 0x00, 0x00, 0x00, 0x01,
        /* media: unused */ 0x00, 0x00, 0x00, 0x00,
        /* FCI ssrc */ 0xCA, 0xFE, 0xBA, 0xBE,
        /* seq nr, reserved */ 0x07, 0x00, 0x00, 0x00,
    };
    /* clang-format on */
    CHECK_EQ(rtcp_write_fir(out, sizeof out, 1, 0xCAFEBABE, 7), sizeof fir);
    CHECK(memcmp(out, fir, sizeof fir) == 0);
    CHECK_EQ(rtcp_write_fir(out, sizeof fir - 1, 1, 0xCAFEBABE, 7), 0);
    v = first(fir, sizeof fir);
    CHECK_EQ(rtcp_parse_fir(&v, &media, &seq_nr), RTCP_OK);
    CHECK_EQ(media, 0xCAFEBABE);
    CHECK_EQ(seq_nr, 7);

    static const uint8_t fir_short[] = {0x84, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0};
    v = first(fir_short, sizeof fir_short);
    CHECK_EQ(rtcp_parse_fir(&v, &media, &seq_nr), RTCP_E_SHORT);
}

static void test_remb(void)
{
    static const struct {
        const char *name;
        uint64_t bitrate;
        uint8_t enc[3]; /* exp(6) mantissa(18) */
        uint64_t decoded;
    } cases[] = {
        {"zero", 0, {0x00, 0x00, 0x00}, 0},
        {"fits the mantissa", 262143, {0x03, 0xFF, 0xFF}, 262143},
        {"1.5 Mbit/s: 187500 << 3", 1500000, {0x0E, 0xDC, 0x6C}, 1500000},
        {"10 Gbit/s: 152587 << 16, rounded down",
         10000000000ull,
         {0x42, 0x54, 0x0B},
         9999941632ull},
        {"UINT64_MAX: 0x3FFFF << 46", UINT64_MAX, {0xBB, 0xFF, 0xFF}, 0xFFFFC00000000000ull},
    };
    static const uint32_t ssrcs[] = {0x11111111, 0x22222222};
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        /* clang-format off */
        const uint8_t want[] = {
            0x8F, 0xCE, 0x00, 0x06,
            /* sender */ 0x0A, 0x0B, 0x0C, 0x0D,
            /* media: unused */ 0x00, 0x00, 0x00, 0x00,
            'R', 'E', 'M', 'B',
            /* num ssrc */ 0x02, cases[i].enc[0], cases[i].enc[1], cases[i].enc[2],
            0x11, 0x11, 0x11, 0x11,
            0x22, 0x22, 0x22, 0x22,
        };
        /* clang-format on */
        uint8_t out[64];
        size_t n = rtcp_write_remb(out, sizeof out, 0x0A0B0C0D, cases[i].bitrate, ssrcs, 2);
        if (n != sizeof want || memcmp(out, want, sizeof want) != 0)
            fprintf(stderr, "case: %s\n", cases[i].name);
        CHECK_EQ(n, sizeof want);
        CHECK(memcmp(out, want, sizeof want) == 0);

        rtcp_view v = first(out, n);
        uint64_t br = 1;
        uint32_t got[4] = {0};
        size_t n_got = 0;
        CHECK_EQ(rtcp_parse_remb(&v, &br, got, DH_ARRAY_LEN(got), &n_got), RTCP_OK);
        CHECK(br == cases[i].decoded);
        CHECK_EQ(n_got, 2);
        CHECK_EQ(got[0], 0x11111111);
        CHECK_EQ(got[1], 0x22222222);
        /* Room for one SSRC only. */
        CHECK_EQ(rtcp_parse_remb(&v, &br, got, 1, &n_got), RTCP_OK);
        CHECK_EQ(n_got, 1);
    }

    uint8_t out[64];
    CHECK_EQ(rtcp_write_remb(out, 27, 1, 1500000, ssrcs, 2), 0);

    /* Exponents past 46 can overflow 64 bits: 1 << 63 still fits, 2 << 63 saturates. */
    /* clang-format off */
    uint8_t pkt[] = {
        0x8F, 0xCE, 0x00, 0x04,
        /* sender */ 0, 0, 0, 1,
        /* media */ 0, 0, 0, 0,
        'R', 'E', 'M', 'B',
        /* no ssrcs, exp 63, mantissa 1 */ 0x00, 0xFC, 0x00, 0x01,
    };
    /* clang-format on */
    uint64_t br = 0;
    size_t n_got = 9;
    rtcp_view v = first(pkt, sizeof pkt);
    CHECK_EQ(rtcp_parse_remb(&v, &br, NULL, 0, &n_got), RTCP_OK);
    CHECK(br == 1ull << 63);
    CHECK_EQ(n_got, 0);
    pkt[19] = 0x02;
    CHECK_EQ(rtcp_parse_remb(&v, &br, NULL, 0, &n_got), RTCP_OK);
    CHECK(br == UINT64_MAX);
    /* Claims one SSRC, carries none. */
    pkt[16] = 1;
    CHECK_EQ(rtcp_parse_remb(&v, &br, NULL, 0, &n_got), RTCP_E_SHORT);
    /* Another application-layer message. */
    pkt[16] = 0;
    pkt[15] = 'X';
    CHECK_EQ(rtcp_parse_remb(&v, &br, NULL, 0, &n_got), RTCP_E_FORMAT);
    static const uint8_t pli[] = {0x81, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    v = first(pli, sizeof pli);
    CHECK_EQ(rtcp_parse_remb(&v, &br, NULL, 0, &n_got), RTCP_E_FORMAT);
}

static void test_ntp(void)
{
    static const struct {
        uint64_t unix_us;
        uint64_t ntp;
    } cases[] = {
        {0, 2208988800ull << 32},                          /* 1970-01-01 */
        {1500000, (2208988801ull << 32) | 0x80000000u},    /* +1.5 s */
        {250000, (2208988800ull << 32) | 0x40000000u},     /* +0.25 s */
        {1, (2208988800ull << 32) | 4294u},                /* 1 us = 4294.97 units, truncated */
        {2085978496000000ull, 0},                          /* 2036-02-07: era 1 begins */
        {2085978497500000ull, (1ull << 32) | 0x80000000u}, /* and goes on from 0 */
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++)
        CHECK(rtcp_ntp_from_unix_us(cases[i].unix_us) == cases[i].ntp);
    CHECK_EQ(rtcp_ntp_mid32(0xE123456780000000ull), 0x45678000);
}

/* ---- transport-cc feedback ---------------------------------------------------------------- */

#define LOST RTCP_TWCC_LOST
/* The header every writer case shares: sender 0x11223344, media 0x55667788, fb count 7. */
#define TWCC_SSRCS 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88

typedef struct twcc_case {
    const char *name;
    uint16_t base_seq;
    int32_t ref_time;
    int32_t deltas[24]; /* 250 us ticks or LOST */
    size_t n;
    const uint8_t *want;
    size_t want_len;
} twcc_case;

/* clang-format off */
static const twcc_case twcc_cases[] = {
    {"one small delta: a run of one", 1, 1, {4}, 1,
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS,
           /* base */ 0x00, 0x01, /* count */ 0x00, 0x01, /* ref */ 0x00, 0x00, 0x01, /* fb */ 7,
           /* run: small x1 */ 0x20, 0x01, /* delta */ 0x04, /* pad */ 0x00)},
    {"small, lost, small, small: a one-bit vector", 0xFFFE, 0x123456, {1, LOST, 2, 3}, 4,
     BYTES(0x8F, 0xCD, 0x00, 0x06, TWCC_SSRCS, 0xFF, 0xFE, 0x00, 0x04, 0x12, 0x34, 0x56, 7,
           /* 1 0 1 1 */ 0xAC, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00)},
    {"large, small, lost: a two-bit vector", 9, 0, {300, 1, LOST}, 3,
     BYTES(0x8F, 0xCD, 0x00, 0x06, TWCC_SSRCS, 0x00, 0x09, 0x00, 0x03, 0x00, 0x00, 0x00, 7,
           /* 2 1 0 */ 0xE4, 0x00, /* 300 */ 0x01, 0x2C, /* 1 */ 0x01, 0x00, 0x00, 0x00)},
    {"a negative delta is large; ref time -1", 0, -1, {-4}, 1,
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 7,
           /* run: large x1 */ 0x40, 0x01, 0xFF, 0xFC)},
    {"nothing received: no deltas", 5, 2, {LOST}, 1,
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x02, 7,
           /* run: lost x1 */ 0x00, 0x01, 0x00, 0x00)},
    {"twenty smalls then a loss: two runs", 100, 3,
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, LOST}, 21,
     BYTES(0x8F, 0xCD, 0x00, 0x0A, TWCC_SSRCS, 0x00, 0x64, 0x00, 0x15, 0x00, 0x00, 0x03, 7,
           /* small x20 */ 0x20, 0x14, /* lost x1 */ 0x00, 0x01,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
    {"fourteen mixed fill a vector, the fifteenth starts a run", 7, 4,
     {1, LOST, 1, LOST, 1, LOST, 1, LOST, 1, LOST, 1, LOST, 1, LOST, 1}, 15,
     BYTES(0x8F, 0xCD, 0x00, 0x07, TWCC_SSRCS, 0x00, 0x07, 0x00, 0x0F, 0x00, 0x00, 0x04, 7,
           /* 1010...10 */ 0xAA, 0xAA, /* small x1 */ 0x20, 0x01, 1, 1, 1, 1, 1, 1, 1, 1)},
    {"a large after eight mixed: seven go as two-bit, the rest join it", 7, 4,
     {1, LOST, 1, LOST, 1, LOST, 1, LOST, 256}, 9,
     BYTES(0x8F, 0xCD, 0x00, 0x07, TWCC_SSRCS, 0x00, 0x07, 0x00, 0x09, 0x00, 0x00, 0x04, 7,
           /* 1 0 1 0 1 0 1 */ 0xD1, 0x11, /* 0 2 */ 0xC8, 0x00, 1, 1, 1, 1, 0x01, 0x00,
           0x00, 0x00)},
    {"a run of larges then a small: a two-bit vector", 1, 1, {-1, -1, -1, 1}, 4,
     BYTES(0x8F, 0xCD, 0x00, 0x07, TWCC_SSRCS, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x01, 7,
           /* 2 2 2 1 */ 0xEA, 0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00)},
};
/* clang-format on */

typedef struct twcc_got {
    uint16_t seqs[64];
    int32_t deltas[64];
    size_t n;
} twcc_got;

static void twcc_collect(void *ctx, uint16_t seq, int32_t delta)
{
    twcc_got *g = ctx;
    if (g->n < 64) {
        g->seqs[g->n] = seq;
        g->deltas[g->n] = delta;
    }
    g->n++;
}

static void test_twcc_write(void)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(twcc_cases); i++) {
        const twcc_case *c = &twcc_cases[i];
        rtcp_twcc h = {.sender_ssrc = 0x11223344,
                       .media_ssrc = 0x55667788,
                       .base_seq = c->base_seq,
                       .ref_time = c->ref_time,
                       .fb_count = 7};
        uint8_t out[256];
        rtcp_twcc_builder b;
        rtcp_twcc_begin(&b, out, sizeof out, &h);
        for (size_t k = 0; k < c->n; k++)
            CHECK(rtcp_twcc_add(&b, c->deltas[k]));
        size_t n = rtcp_twcc_end(&b);
        bool same = n == c->want_len && memcmp(out, c->want, n) == 0;
        if (!same) fprintf(stderr, "case: %s\n", c->name);
        CHECK_EQ(n, c->want_len);
        CHECK(same);

        /* Parsed back: the header and every status, numbered from the base across 65535. */
        rtcp_view v = first(out, n);
        rtcp_twcc got_h;
        twcc_got got = {0};
        CHECK_EQ(rtcp_parse_twcc(&v, &got_h, twcc_collect, &got), RTCP_OK);
        CHECK_EQ(got_h.sender_ssrc, 0x11223344);
        CHECK_EQ(got_h.media_ssrc, 0x55667788);
        CHECK_EQ(got_h.base_seq, c->base_seq);
        CHECK_EQ(got_h.status_count, c->n);
        CHECK_EQ(got_h.ref_time, c->ref_time);
        CHECK_EQ(got_h.fb_count, 7);
        CHECK_EQ(got.n, c->n);
        for (size_t k = 0; k < c->n && k < got.n; k++) {
            CHECK_EQ(got.seqs[k], (uint16_t)(c->base_seq + k));
            CHECK_EQ(got.deltas[k], c->deltas[k]);
        }
    }
}

static void test_twcc_limits(void)
{
    rtcp_twcc h = {.base_seq = 1};
    uint8_t out[RTCP_TWCC_MAX_LEN + 64];
    rtcp_twcc_builder b;

    /* Deltas beyond 16 signed bits are refused, and refusing adds nothing. */
    rtcp_twcc_begin(&b, out, sizeof out, &h);
    CHECK(!rtcp_twcc_add(&b, 32768));
    CHECK(!rtcp_twcc_add(&b, -32769));
    CHECK(!rtcp_twcc_add(&b, INT32_MAX));
    CHECK_EQ(rtcp_twcc_end(&b), 0);
    rtcp_twcc_begin(&b, out, sizeof out, &h);
    CHECK(rtcp_twcc_add(&b, 32767));
    CHECK(rtcp_twcc_add(&b, -32768));
    CHECK(!rtcp_twcc_add(&b, 40000));
    CHECK_EQ(rtcp_twcc_end(&b), 28); /* 20 + a chunk + two large deltas, padded */
    CHECK_EQ(rtcp_twcc_end(&b), 0);  /* once */

    /* A cap with no room for a chunk and a delta takes nothing. */
    rtcp_twcc_begin(&b, out, 23, &h);
    CHECK(!rtcp_twcc_add(&b, 1));
    CHECK_EQ(rtcp_twcc_end(&b), 0);

    /* 100 bytes: the builder keeps room for two chunks, so 76 deltas are taken (20 + 4 + 76) and
     * the packet it ends is 20 + one chunk + 76, padded to 100. */
    rtcp_twcc_begin(&b, out, 100, &h);
    size_t k = 0;
    while (rtcp_twcc_add(&b, 4))
        k++;
    CHECK_EQ(k, 76);
    CHECK_EQ(rtcp_twcc_end(&b), 100);

    /* A cap past the builder's own limit is held to it; a run of losses is 2 bytes per 8191. */
    rtcp_twcc_begin(&b, out, sizeof out, &h);
    for (k = 0; k < 0xFFFF && rtcp_twcc_add(&b, LOST); k++) {
    }
    CHECK_EQ(k, 0xFFFF);
    CHECK(!rtcp_twcc_add(&b, LOST)); /* the status count is 16 bits */
    size_t n = rtcp_twcc_end(&b);
    CHECK_EQ(n, 40); /* 8 runs of 8191 and one of 7: 9 chunks, 38 bytes padded */
    rtcp_view v = first(out, n);
    rtcp_twcc got_h;
    CHECK_EQ(rtcp_parse_twcc(&v, &got_h, NULL, NULL), RTCP_OK);
    CHECK_EQ(got_h.status_count, 0xFFFF);

    rtcp_twcc_begin(&b, out, sizeof out, &h);
    for (k = 0; rtcp_twcc_add(&b, 1000); k++) {
    }
    n = rtcp_twcc_end(&b);
    CHECK(n <= RTCP_TWCC_MAX_LEN && n + 2 * 2 + 3 > RTCP_TWCC_MAX_LEN);
}

typedef struct twcc_parse_case {
    const char *name;
    const uint8_t *buf;
    size_t len;
    int rc;
    size_t n; /* statuses on success */
} twcc_parse_case;

/* clang-format off */
static const twcc_parse_case twcc_parse_cases[] = {
    {"a NACK is not transport-cc",
     BYTES(0x81, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0, 0x20, 0x01, 0x04, 0x00),
     RTCP_E_FORMAT, 0},
    {"zero statuses", BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 0, 0, 0, 1, 0, 0x20, 0x01,
     0x04, 0x00), RTCP_E_FORMAT, 0},
    {"no room for a chunk", BYTES(0x8F, 0xCD, 0x00, 0x04, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0),
     RTCP_E_SHORT, 0},
    {"chunks stop short of the count",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 20, 0, 0, 1, 0, 0x00, 0x05, 0x00, 0x05),
     RTCP_E_SHORT, 0},
    {"a delta missing",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 3, 0, 0, 1, 0, 0x20, 0x03, 0x04, 0x04),
     RTCP_E_SHORT, 0},
    {"the delta lies in RTCP padding",
     BYTES(0xAF, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0, 0x20, 0x01, 0x00, 0x02),
     RTCP_E_SHORT, 0},
    {"reserved symbol in a run",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0, 0x60, 0x01, 0x00, 0x00),
     RTCP_E_FORMAT, 0},
    {"reserved symbol in a two-bit vector",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 2, 0, 0, 1, 0, 0xF0, 0x00, 0x04, 0x00),
     RTCP_E_FORMAT, 0},
    {"a run of zero",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0, 0x20, 0x00, 0x00, 0x00),
     RTCP_E_FORMAT, 0},
    {"a reserved symbol past the count is not read",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 1, 0, 0, 1, 0, 0xC7, 0x00, 0x04, 0x00),
     RTCP_OK, 1},
    {"a run past the count is cut",
     BYTES(0x8F, 0xCD, 0x00, 0x05, TWCC_SSRCS, 0, 1, 0, 2, 0, 0, 1, 0, 0x00, 0x09, 0x00, 0x00),
     RTCP_OK, 2},
    {"RTCP padding after the deltas",
     BYTES(0xAF, 0xCD, 0x00, 0x06, TWCC_SSRCS, 0, 1, 0, 2, 0, 0, 1, 0, 0x20, 0x02, 0x04, 0x04,
           0x00, 0x00, 0x00, 0x04),
     RTCP_OK, 2},
};
/* clang-format on */

static void test_twcc_parse(void)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(twcc_parse_cases); i++) {
        const twcc_parse_case *c = &twcc_parse_cases[i];
        rtcp_view v = first(c->buf, c->len);
        rtcp_twcc h;
        twcc_got got = {0};
        int rc = rtcp_parse_twcc(&v, &h, twcc_collect, &got);
        if (rc != c->rc || got.n != c->n) fprintf(stderr, "case: %s\n", c->name);
        CHECK_EQ(rc, c->rc);
        CHECK_EQ(got.n, c->n); /* nothing at all from a packet that fails */
    }
}

int main(void)
{
    test_walk();
    test_sr_rr();
    test_nack_parse();
    test_nack_write();
    test_pli_fir();
    test_remb();
    test_ntp();
    test_twcc_write();
    test_twcc_limits();
    test_twcc_parse();
    CHECK_DONE();
}
