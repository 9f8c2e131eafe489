/* Codec names and keyframe detection from annotated VP8 and H.264 RTP payloads. */
#include "sfu/base/util.h"
#include "sfu/proto/codec.h"
#include "tests/unit/check.h"

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* VP8 frame header starts (RFC 6386 9.1): bit 0 of the first byte is 0 on a key frame. A real
 * key frame follows with the start code 9d 01 2a. */
#define VP8_KEY 0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A
#define VP8_INTER 0x51, 0x02, 0x00

typedef struct {
    const char *name;
    const uint8_t *p;
    size_t len;
    bool key;
} kf_case;

static const kf_case vp8_cases[] = {
    {"S=1 PID=0, key frame", BYTES(0x10, VP8_KEY), true},
    {"S=1 PID=0, inter frame", BYTES(0x10, VP8_INTER), false},
    {"S=0: not the first packet", BYTES(0x00, VP8_KEY), false},
    {"PID=1: not partition 0", BYTES(0x11, VP8_KEY), false},
    {"N bit (non-reference) is irrelevant", BYTES(0x30, VP8_KEY), true},
    {"X, I with 7-bit PictureID", BYTES(0x90, /* I */ 0x80, /* M=0 pid 5 */ 0x05, VP8_KEY), true},
    {"X, I with 15-bit PictureID",
     BYTES(0x90, /* I */ 0x80, /* M=1 pid 0x0123 */ 0x81, 0x23, VP8_KEY), true},
    {"X, I with 15-bit PictureID, inter", BYTES(0x90, 0x80, 0x81, 0x23, VP8_INTER), false},
    {"X, I L T K all present",
     BYTES(0x90, /* I L T K */ 0xF0, /* M=1 pid */ 0xFF, 0xFF, /* TL0PICIDX */ 0x07,
           /* TID Y KEYIDX */ 0x40, VP8_KEY),
     true},
    {"X, I L T K all present, inter", BYTES(0x90, 0xF0, 0xFF, 0xFF, 0x07, 0x40, VP8_INTER), false},
    {"X, L only", BYTES(0x90, /* L */ 0x40, /* TL0PICIDX */ 0x01, VP8_KEY), true},
    {"X, K only", BYTES(0x90, /* K */ 0x10, /* KEYIDX */ 0x03, VP8_KEY), true},
    {"X, T only", BYTES(0x90, /* T */ 0x20, /* TID */ 0x80, VP8_INTER), false},
    {"X with no fields", BYTES(0x90, 0x00, VP8_KEY), true},
    /* A descriptor byte that happens to be even must not be read as the frame tag. */
    {"X, I M: 15-bit id whose low byte is even", BYTES(0x90, 0x80, 0x80, 0x02, VP8_INTER), false},
    {"X, S=0", BYTES(0x80, 0x80, 0x05, VP8_KEY), false},

    {"empty", (const uint8_t[]){0}, 0, false},
    {"descriptor only", BYTES(0x10), false},
    {"X, no extension byte", BYTES(0x90), false},
    {"X, I, no PictureID", BYTES(0x90, 0x80), false},
    {"X, I M, no frame header", BYTES(0x90, 0x80, 0x81, 0x23), false},
    {"X, I M, half a PictureID", BYTES(0x90, 0x80, 0x81), false},
    {"X, I L T K, no frame header", BYTES(0x90, 0xF0, 0xFF, 0xFF, 0x07, 0x40), false},
};

static const kf_case h264_cases[] = {
    {"single NAL IDR (5)", BYTES(0x65, 0x88, 0x84), true},
    {"single NAL SPS (7)", BYTES(0x67, 0x42, 0xC0, 0x1F), true},
    {"single NAL PPS (8)", BYTES(0x68, 0xCE, 0x3C, 0x80), false},
    {"single NAL non-IDR (1)", BYTES(0x41, 0x9A, 0x02), false},
    {"single NAL SEI (6)", BYTES(0x06, 0x05), false},
    {"NRI bits do not matter", BYTES(0x05, 0x88), true},
    {"STAP-A with SPS, PPS",
     BYTES(0x78, /* 4 bytes */ 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, /* 2 bytes */ 0x00, 0x02, 0x68,
           0xCE),
     true},
    {"STAP-A with PPS then IDR", BYTES(0x78, 0x00, 0x02, 0x68, 0xCE, 0x00, 0x02, 0x65, 0x88), true},
    {"STAP-A with PPS, SEI", BYTES(0x78, 0x00, 0x02, 0x68, 0xCE, 0x00, 0x02, 0x06, 0x05), false},
    {"STAP-A with non-IDR slices", BYTES(0x78, 0x00, 0x01, 0x41, 0x00, 0x01, 0x01), false},
    {"STAP-A SPS before a truncated unit",
     BYTES(0x78, 0x00, 0x02, 0x67, 0x42, /* claims 9, has 1 */ 0x00, 0x09, 0x68), true},
    {"STAP-A unit size past the end", BYTES(0x78, /* claims 5, has 2 */ 0x00, 0x05, 0x67, 0x42),
     false},
    {"STAP-A zero-size unit", BYTES(0x78, 0x00, 0x00, 0x00, 0x01, 0x67), false},
    {"STAP-A header only", BYTES(0x78), false},
    {"STAP-A half a size", BYTES(0x78, 0x00), false},
    {"STAP-B with IDR after the DON", BYTES(0x79, /* DON */ 0x00, 0x01, 0x00, 0x02, 0x65, 0x88),
     true},
    {"FU-A start of IDR", BYTES(0x7C, /* S, type 5 */ 0x85, 0x88, 0x84), true},
    {"FU-A middle of IDR", BYTES(0x7C, /* type 5 */ 0x05, 0x12), false},
    {"FU-A end of IDR", BYTES(0x7C, /* E, type 5 */ 0x45, 0x12), false},
    {"FU-A start of non-IDR", BYTES(0x5C, /* S, type 1 */ 0x81, 0x9A), false},
    {"FU-A header only", BYTES(0x7C), false},
    {"MTAP16 is not inspected", BYTES(0x7A, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x65), false},
    {"NAL type 0 (unspecified)", BYTES(0x00, 0x65), false},
    {"empty", (const uint8_t[]){0}, 0, false},
};

static void run(const char *codec, const kf_case *cases, size_t n,
                bool (*fn)(const uint8_t *, size_t), codec_id id)
{
    for (size_t i = 0; i < n; i++) {
        bool key = fn(cases[i].p, cases[i].len);
        if (key != cases[i].key) fprintf(stderr, "%s case: %s\n", codec, cases[i].name);
        CHECK_EQ(key, cases[i].key);
        CHECK_EQ(codec_is_keyframe(id, cases[i].p, cases[i].len), cases[i].key);
    }
}

static void test_keyframes(void)
{
    run("VP8", vp8_cases, DH_ARRAY_LEN(vp8_cases), vp8_is_keyframe, CODEC_VP8);
    run("H264", h264_cases, DH_ARRAY_LEN(h264_cases), h264_is_keyframe, CODEC_H264);

    /* Dispatch: a VP8 key frame is not an H.264 one, and the reverse. */
    const uint8_t vp8_key[] = {0x10, VP8_KEY};
    const uint8_t h264_idr[] = {0x65, 0x88};
    CHECK(!codec_is_keyframe(CODEC_H264, vp8_key, sizeof vp8_key));
    CHECK(!codec_is_keyframe(CODEC_VP8, h264_idr, sizeof h264_idr));
    CHECK(!codec_is_keyframe(CODEC_NONE, vp8_key, sizeof vp8_key));
    /* Audio has no key frames: every packet is a place to start. */
    CHECK(codec_is_keyframe(CODEC_OPUS, h264_idr, sizeof h264_idr));
}

static void test_names(void)
{
    static const struct {
        const char *name;
        codec_id id;
    } cases[] = {
        {"opus", CODEC_OPUS},  {"OPUS", CODEC_OPUS}, {"Opus", CODEC_OPUS}, {"VP8", CODEC_VP8},
        {"vp8", CODEC_VP8},    {"Vp8", CODEC_VP8},   {"H264", CODEC_H264}, {"h264", CODEC_H264},
        {"VP9", CODEC_NONE},   {"H265", CODEC_NONE}, {"VP80", CODEC_NONE}, {"VP", CODEC_NONE},
        {"opus ", CODEC_NONE}, {"", CODEC_NONE},     {"PCMU", CODEC_NONE},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        if (codec_from_name(cases[i].name) != cases[i].id)
            fprintf(stderr, "name: \"%s\"\n", cases[i].name);
        CHECK_EQ(codec_from_name(cases[i].name), cases[i].id);
    }
    CHECK_EQ(codec_from_name(NULL), CODEC_NONE);

    CHECK_STR(codec_name(CODEC_OPUS), "opus");
    CHECK_STR(codec_name(CODEC_VP8), "VP8");
    CHECK_STR(codec_name(CODEC_H264), "H264");
    CHECK_STR(codec_name(CODEC_NONE), "none");
    for (codec_id c = CODEC_OPUS; c <= CODEC_H264; c++)
        CHECK_EQ(codec_from_name(codec_name(c)), c);
}

int main(void)
{
    test_keyframes();
    test_names();
    CHECK_DONE();
}
