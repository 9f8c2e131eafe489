/* rtp_parse, extension lookup, audio level, RTP/RTCP demux, sequence arithmetic and the header
 * writer, each driven from annotated wire bytes. */
#include "sfu/base/util.h"
#include "sfu/proto/rtp.h"
#include "tests/unit/check.h"

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* Fixed header bytes 1..11 shared by most cases: M=0 PT=96, seq 0x1234, ts 0x01020304,
 * ssrc 0xCAFEBABE. */
#define FIX 0x60, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xCA, 0xFE, 0xBA, 0xBE

typedef struct {
    const char *name;
    const uint8_t *buf;
    size_t len;
    int rc;
    /* Checked only when rc == RTP_OK. */
    uint8_t marker, pt, cc, has_pad, pad_len;
    uint16_t profile;
    size_t ext_off, ext_len, header_len, payload_len;
} parse_case;

/* Columns after the bytes: rc, marker, pt, cc, has_pad, pad_len, profile, ext_off, ext_len,
 * header_len, payload_len. */
static const parse_case parse_cases[] = {
    {"minimal", BYTES(0x80, FIX, /* payload */ 0xDE, 0xAD), RTP_OK, 0, 96, 0, 0, 0, 0, 0, 0, 12, 2},
    {"header only, empty payload", BYTES(0x80, FIX), RTP_OK, 0, 96, 0, 0, 0, 0, 0, 0, 12, 0},
    {"marker and two CSRCs",
     BYTES(0x82, 0xE0, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, /* csrc */ 0x11, 0x11, 0x11, 0x11,
           /* csrc */ 0x22, 0x22, 0x22, 0x22, /* payload */ 0x01),
     RTP_OK, 1, 96, 2, 0, 0, 0, 0, 0, 20, 1},
    {"one-byte extension",
     BYTES(0x90, FIX, /* profile, 1 word */ 0xBE, 0xDE, 0x00, 0x01,
           /* id 1 L=0: 0x85 */ 0x10, 0x85, /* padding */ 0x00, 0x00, /* payload */ 0xAA),
     RTP_OK, 0, 96, 0, 0, 0, 0xBEDE, 16, 4, 20, 1},
    {"two-byte extension",
     BYTES(0x90, FIX, /* profile 0x1000, 2 words */ 0x10, 0x00, 0x00, 0x02,
           /* id 1 len 3 */ 0x01, 0x03, 0xAA, 0xBB, 0xCC, /* id 2 len 0 */ 0x02, 0x00,
           /* pad */ 0x00, /* payload */ 0x55, 0x66),
     RTP_OK, 0, 96, 0, 0, 0, 0x1000, 16, 8, 24, 2},
    {"empty extension block", BYTES(0x90, FIX, 0xBE, 0xDE, 0x00, 0x00, 0x77), RTP_OK, 0, 96, 0, 0,
     0, 0xBEDE, 16, 0, 16, 1},
    {"padding", BYTES(0xA0, FIX, /* payload */ 1, 2, 3, 4, /* padding, count 3 */ 0x00, 0x00, 0x03),
     RTP_OK, 0, 96, 0, 1, 3, 0, 0, 0, 12, 4},
    {"padding only (probe)", BYTES(0xA0, FIX, 0x00, 0x00, 0x00, 0x04), RTP_OK, 0, 96, 0, 1, 4, 0, 0,
     0, 12, 0},
    {"CSRC, extension and padding",
     BYTES(0xB1, 0xE0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 5, /* csrc */ 1, 2, 3, 4,
           /* ext */ 0xBE, 0xDE, 0x00, 0x01, 0x22, 0x01, 0x02, 0x03, /* payload */ 0xEE,
           /* padding */ 0x00, 0x02),
     RTP_OK, 1, 96, 1, 1, 2, 0xBEDE, 20, 4, 24, 1},
    {"unknown extension profile", BYTES(0x90, FIX, 0xAB, 0xCD, 0x00, 0x01, 1, 2, 3, 4), RTP_OK, 0,
     96, 0, 0, 0, 0xABCD, 16, 4, 20, 0},

    {"empty", (const uint8_t[]){0}, 0, .rc = RTP_E_SHORT},
    {"11 bytes", BYTES(0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0), .rc = RTP_E_SHORT},
    {"version 0", BYTES(0x00, FIX), .rc = RTP_E_VERSION},
    {"version 1", BYTES(0x40, FIX), .rc = RTP_E_VERSION},
    {"version 3", BYTES(0xC0, FIX), .rc = RTP_E_VERSION},
    {"CSRC count past the end", BYTES(0x82, FIX, /* only one csrc */ 1, 2, 3, 4),
     .rc = RTP_E_SHORT},
    {"X bit, no extension header", BYTES(0x90, FIX, 0xBE, 0xDE), .rc = RTP_E_EXT},
    {"extension length past the end",
     BYTES(0x90, FIX, 0xBE, 0xDE, /* 2 words */ 0x00, 0x02, 0x10, 0x01, 0x00, 0x00),
     .rc = RTP_E_EXT},
    {"padding bit, no bytes after header", BYTES(0xA0, FIX), .rc = RTP_E_PADDING},
    {"padding count zero", BYTES(0xA0, FIX, 0x01, 0x02, 0x00), .rc = RTP_E_PADDING},
    {"padding larger than payload", BYTES(0xA0, FIX, 0x01, 0x02, 0x04), .rc = RTP_E_PADDING},
    {"padding reaching into the extension",
     BYTES(0xB0, FIX, 0xBE, 0xDE, 0x00, 0x01, 0x10, 0x01, 0x00, 0x00, /* 2 bytes */ 0x00, 0x03),
     .rc = RTP_E_PADDING},
};

static void test_parse(void)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(parse_cases); i++) {
        const parse_case *c = &parse_cases[i];
        rtp_view v;
        int rc = rtp_parse(c->buf, c->len, &v);
        if (rc != c->rc) fprintf(stderr, "case: %s\n", c->name);
        CHECK_EQ(rc, c->rc);
        if (rc != RTP_OK || c->rc != RTP_OK) continue;
        CHECK_EQ(v.marker, c->marker);
        CHECK_EQ(v.payload_type, c->pt);
        CHECK_EQ(v.csrc_count, c->cc);
        CHECK_EQ(v.has_padding, c->has_pad);
        CHECK_EQ(v.pad_len, c->pad_len);
        CHECK_EQ(v.ext_profile, c->profile);
        CHECK_EQ(v.ext_off, c->ext_off);
        CHECK_EQ(v.ext_len, c->ext_len);
        CHECK_EQ(v.header_len, c->header_len);
        CHECK_EQ(v.payload_len, c->payload_len);
        CHECK_EQ(v.header_len + v.payload_len + v.pad_len, c->len);
    }

    /* The numeric fields of the shared fixed header. */
    rtp_view v;
    CHECK_EQ(rtp_parse(parse_cases[0].buf, parse_cases[0].len, &v), RTP_OK);
    CHECK_EQ(v.seq, 0x1234);
    CHECK_EQ(v.ts, 0x01020304);
    CHECK_EQ(v.ssrc, 0xCAFEBABE);
}

/* Extension blocks for the lookup table; each parses as a whole packet first. */
/* clang-format off */
static const uint8_t ext_one[] = {
    0x90, FIX, 0xBE, 0xDE, 0x00, 0x03,
    /* id 1 L=0 */ 0x10, 0x85,
    /* padding between elements */ 0x00,
    /* id 3 L=3 (4 bytes) */ 0x33, 0xA1, 0xA2, 0xA3, 0xA4,
    /* id 2 L=1 (2 bytes) */ 0x21, 0xB1, 0xB2,
    /* padding */ 0x00,
};
/* clang-format on */
/* clang-format off */
static const uint8_t ext_stop[] = {
    0x90, FIX, 0xBE, 0xDE, 0x00, 0x01,
    /* id 1 */ 0x10, 0x01,
    /* id 15: stop */ 0xF0,
    /* never reached: id 2 */ 0x20,
};
/* clang-format on */
/* clang-format off */
static const uint8_t ext_overrun[] = {
    0x90, FIX, 0xBE, 0xDE, 0x00, 0x01,
    /* id 1 */ 0x10, 0x01,
    /* id 4 claims 3 bytes, 1 left */ 0x42, 0x00,
};
/* clang-format on */
/* clang-format off */
static const uint8_t ext_two[] = {
    0x90, FIX, /* appbits 1 */ 0x10, 0x01, 0x00, 0x04,
    /* id 1 len 1 */ 0x01, 0x01, 0x7F,
    /* padding */ 0x00,
    /* id 200 len 0 */ 0xC8, 0x00,
    /* id 17 len 4 */ 0x11, 0x04, 0xD1, 0xD2, 0xD3, 0xD4,
    /* id 9 claims 5 bytes, 2 left */ 0x09, 0x05, 0x00, 0x00,
};
/* clang-format on */
static const uint8_t no_ext[] = {0x80, FIX, 0x10, 0x85};
static const uint8_t other_profile[] = {0x90, FIX, 0x00, 0x01, 0x00, 0x01, 0x10, 0x85, 0, 0};

typedef struct {
    const char *name;
    const uint8_t *pkt;
    size_t pkt_len;
    uint8_t id;
    bool found;
    size_t off, len; /* of the data, from the packet start */
} ext_case;

static const ext_case ext_cases[] = {
    {"one-byte id 1", ext_one, sizeof ext_one, 1, true, 17, 1},
    {"one-byte id 3 after padding", ext_one, sizeof ext_one, 3, true, 20, 4},
    {"one-byte id 2", ext_one, sizeof ext_one, 2, true, 25, 2},
    {"one-byte absent id", ext_one, sizeof ext_one, 4, .found = false},
    {"one-byte id 0 is never an element", ext_one, sizeof ext_one, 0, .found = false},
    {"one-byte id 15 is reserved", ext_one, sizeof ext_one, 15, .found = false},
    {"one-byte id before stop", ext_stop, sizeof ext_stop, 1, true, 17, 1},
    {"one-byte id after stop", ext_stop, sizeof ext_stop, 2, .found = false},
    {"one-byte element overrun", ext_overrun, sizeof ext_overrun, 4, .found = false},
    {"one-byte before an overrun", ext_overrun, sizeof ext_overrun, 1, true, 17, 1},
    {"two-byte id 1", ext_two, sizeof ext_two, 1, true, 18, 1},
    {"two-byte zero-length id 200", ext_two, sizeof ext_two, 200, true, 22, 0},
    {"two-byte id 17", ext_two, sizeof ext_two, 17, true, 24, 4},
    {"two-byte element overrun", ext_two, sizeof ext_two, 9, .found = false},
    {"no extension", no_ext, sizeof no_ext, 1, .found = false},
    {"unknown profile", other_profile, sizeof other_profile, 1, .found = false},
};

static void test_ext_find(void)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(ext_cases); i++) {
        const ext_case *c = &ext_cases[i];
        rtp_view v;
        CHECK_EQ(rtp_parse(c->pkt, c->pkt_len, &v), RTP_OK);
        const uint8_t *d = NULL;
        size_t n = 99;
        bool found = rtp_ext_find(c->pkt, &v, c->id, &d, &n);
        if (found != c->found) fprintf(stderr, "case: %s\n", c->name);
        CHECK_EQ(found, c->found);
        if (!found || !c->found) continue;
        CHECK_EQ(d - c->pkt, c->off);
        CHECK_EQ(n, c->len);
    }
}

static void test_audio_level(void)
{
    rtp_view v;
    uint8_t level = 0;
    bool voice = false;

    /* id 1 = 0x85: V=1, level 5 -dBov. */
    CHECK_EQ(rtp_parse(ext_one, sizeof ext_one, &v), RTP_OK);
    CHECK(rtp_audio_level(ext_one, &v, 1, &level, &voice));
    CHECK_EQ(level, 5);
    CHECK(voice);
    /* id 2 carries two bytes: not an audio-level element. */
    CHECK(!rtp_audio_level(ext_one, &v, 2, &level, &voice));
    CHECK(!rtp_audio_level(ext_one, &v, 7, &level, &voice));

    /* Two-byte form, id 1 = 0x7F: V=0, silence. */
    CHECK_EQ(rtp_parse(ext_two, sizeof ext_two, &v), RTP_OK);
    CHECK(rtp_audio_level(ext_two, &v, 1, &level, &voice));
    CHECK_EQ(level, 127);
    CHECK(!voice);
    /* Zero-length element. */
    CHECK(!rtp_audio_level(ext_two, &v, 200, &level, &voice));

    CHECK_EQ(rtp_parse(no_ext, sizeof no_ext, &v), RTP_OK);
    CHECK(!rtp_audio_level(no_ext, &v, 1, &level, &voice));
}

static void test_is_rtcp(void)
{
    static const struct {
        uint8_t b1;
        bool rtcp;
    } cases[] = {
        {0x60, false}, /* PT 96 */
        {0x00, false}, /* PT 0 */
        {0xBF, false}, /* M + PT 63: last below the RTCP range */
        {0xC0, true},  /* 192 (FIR, historic) */
        {0xC8, true},  /* 200 SR */
        {0xC9, true},  /* 201 RR */
        {0xCD, true},  /* 205 RTPFB */
        {0xDF, true},  /* 223: last of the range */
        {0xE0, false}, /* M + PT 96 */
        {0x40, true},  /* PT 64 without the marker still maps to 192 */
        {0x5F, true},  /* PT 95 */
        {0x3F, false}, /* PT 63 */
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        const uint8_t b[2] = {0x80, cases[i].b1};
        CHECK_EQ(rtp_is_rtcp(b, 2), cases[i].rtcp);
    }
    const uint8_t one[1] = {0x80};
    CHECK(!rtp_is_rtcp(one, 1));
}

static void test_seq_diff(void)
{
    static const struct {
        uint16_t a, b;
        int d;
    } cases[] = {
        {100, 100, 0}, {101, 100, 1},     {100, 101, -1},     {1, 65535, 2},      {65535, 1, -2},
        {0, 65535, 1}, {32767, 0, 32767}, {0, 32768, -32768}, {32768, 0, -32768}, {10, 65530, 16},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++)
        CHECK_EQ(rtp_seq_diff(cases[i].a, cases[i].b), cases[i].d);
}

static void test_write_header(void)
{
    static const uint8_t ext_body[] = {0x10, 0x85, 0x31, 0x01, 0x02, 0x00, 0x00, 0x00};
    const struct {
        const char *name;
        rtp_out_header h;
        const uint8_t *want;
        size_t want_len;
    } cases[] = {
        {"plain",
         {0, 111, 0, 0xFFFF, 0xFFFFFFFF, 0x01020304, NULL, 0},
         BYTES(0x80, 0x6F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04)},
        {"marker, padding bit",
         {1, 96, 1, 7, 90000, 0xCAFEBABE, NULL, 0},
         BYTES(0xA0, 0xE0, 0x00, 0x07, 0x00, 0x01, 0x5F, 0x90, 0xCA, 0xFE, 0xBA, 0xBE)},
        {"payload type masked to 7 bits",
         {0, 0xFF, 0, 1, 2, 3, NULL, 0},
         BYTES(0x80, 0x7F, 0x00, 0x01, 0, 0, 0, 2, 0, 0, 0, 3)},
        {"extension",
         {0, 96, 0, 0x1234, 0x01020304, 0xCAFEBABE, ext_body, sizeof ext_body},
         BYTES(0x90, FIX, /* profile, 2 words */ 0xBE, 0xDE, 0x00, 0x02, 0x10, 0x85, 0x31, 0x01,
               0x02, 0x00, 0x00, 0x00)},
        {"empty extension",
         {0, 96, 0, 0x1234, 0x01020304, 0xCAFEBABE, ext_body, 0},
         BYTES(0x90, FIX, 0xBE, 0xDE, 0x00, 0x00)},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        uint8_t out[64];
        memset(out, 0xEE, sizeof out);
        size_t n = rtp_write_header(out, sizeof out, &cases[i].h);
        if (n != cases[i].want_len || memcmp(out, cases[i].want, n) != 0)
            fprintf(stderr, "case: %s\n", cases[i].name);
        CHECK_EQ(n, cases[i].want_len);
        CHECK(memcmp(out, cases[i].want, cases[i].want_len) == 0);
        CHECK_EQ(out[n], 0xEE); /* nothing written past the count */

        rtp_view v;
        CHECK_EQ(rtp_parse(out, n, &v), cases[i].h.has_padding ? RTP_E_PADDING : RTP_OK);
        if (cases[i].h.has_padding) {
            out[n] = 0x01; /* the P bit needs at least the count byte after the header */
            CHECK_EQ(rtp_parse(out, n + 1, &v), RTP_OK);
            CHECK_EQ(v.pad_len, 1);
        }
        CHECK_EQ(v.marker, cases[i].h.marker);
        CHECK_EQ(v.payload_type, cases[i].h.payload_type & 0x7F);
        CHECK_EQ(v.seq, cases[i].h.seq);
        CHECK_EQ(v.ts, cases[i].h.ts);
        CHECK_EQ(v.ssrc, cases[i].h.ssrc);
        CHECK_EQ(v.csrc_count, 0);
        CHECK_EQ(v.ext_len, cases[i].h.ext_body ? cases[i].h.ext_len : 0);
        CHECK_EQ(v.header_len, n);
    }

    uint8_t out[64];
    rtp_out_header h = {0, 96, 0, 1, 2, 3, NULL, 0};
    CHECK_EQ(rtp_write_header(out, 11, &h), 0);
    CHECK_EQ(rtp_write_header(out, 12, &h), 12);
    h.ext_body = ext_body;
    h.ext_len = sizeof ext_body;
    CHECK_EQ(rtp_write_header(out, 23, &h), 0);
    CHECK_EQ(rtp_write_header(out, 24, &h), 24);
    h.ext_len = 6; /* not whole words */
    CHECK_EQ(rtp_write_header(out, sizeof out, &h), 0);
}

int main(void)
{
    test_parse();
    test_ext_find();
    test_audio_level();
    test_is_rtcp();
    test_seq_diff();
    test_write_header();
    CHECK_DONE();
}
