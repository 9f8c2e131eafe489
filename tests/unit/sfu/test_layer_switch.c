/* A viewer moved between two simulcast layers of one publisher (each layer is a source) never
 * sees a frozen or broken picture: it goes on getting the old layer until the new layer's
 * keyframe starts, then only the new layer, with one continuous sequence. A keyframe that never
 * comes is asked for again, once a second. Moving back before the keyframe cancels the move; an
 * output that was not sending yet simply waits for the new layer; pointing it at nothing stops it
 * at once. Driven on one worker by hand (worker_rig.h). */
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"
#include "tests/unit/check.h"
#include "tests/unit/sfu/worker_rig.h"

#include <stdint.h>
#include <string.h>

#define SEC 1000000ull
#define LOW 100
#define HIGH 101
#define LOW_SSRC 0x10000001u
#define HIGH_SSRC 0x10000002u
#define OUT 200
#define OUT_SSRC 0xA0000001u

static client pub, viewer;
static uint64_t now;
/* Each layer's own sequence and timestamp, as two encoders would number them. */
static uint16_t seq_of[2] = {1000, 50000};
static uint32_t ts_of[2] = {90000, 4000000};

/* One frame of a layer: `kind` FRAME_KEY or FRAME_INTER, two packets. The payload's byte 20 says
 * which layer it came from, so the viewer can tell. */
static void frame(int layer, int kind)
{
    uint32_t ssrc = layer ? HIGH_SSRC : LOW_SSRC;
    for (int i = 0; i < 2; i++) {
        src_pkt p = vp8(seq_of[layer]++, ts_of[layer], i == 0 ? kind : FRAME_CONT, i == 1, 60);
        p.payload[20] = (uint8_t)('L' + layer);
        publish_as(&pub, ssrc, 96, &p, now);
    }
    ts_of[layer] += 3000;
    now += 16000;
}

typedef struct seen {
    int low, high;        /* packets of each layer the viewer got */
    bool continuous;      /* every sequence number one more than the one before */
    uint16_t first, last; /* output sequence numbers */
    bool high_starts_key; /* the first packet of the high layer opened a keyframe */
} seen;

static seen watch(void)
{
    static got_rtp got[CAP_MAX];
    size_t bad = 0, n = open_rtp(&viewer, got, CAP_MAX, -1, &bad);
    CHECK_EQ(bad, 0);
    seen s = {.continuous = true};
    for (size_t i = 0; i < n; i++) {
        const rtp_view *v = &got[i].v;
        const uint8_t *payload = got[i].buf + v->header_len;
        CHECK_EQ(v->ssrc, OUT_SSRC);
        uint8_t tag = v->payload_len > 20 ? payload[20] : 0;
        /* VP8: the start bit in the descriptor, then the frame tag's inverse key-frame bit. */
        if (tag == 'M' && s.high == 0)
            s.high_starts_key = payload[0] == 0x10 && (payload[1] & 1) == 0;
        s.low += tag == 'L';
        s.high += tag == 'M';
        if (i == 0)
            s.first = v->seq;
        else if (v->seq != (uint16_t)(s.last + 1))
            s.continuous = false;
        s.last = v->seq;
    }
    return s;
}

static int plis_for(uint32_t ssrc)
{
    return count_rtcp(&pub, RTCP_PSFB, 1, ssrc);
}

static void point_at(uint32_t source_id, bool seamless)
{
    worker_output_bind(w, OUT, source_id, 0, CODEC_VP8, 90000, seamless);
    if (source_id) worker_source_ref(w, source_id, 0, +1);
    outbox_flush(worker_outbox(w));
}

static void setup(void)
{
    rig_start();
    client_setup(&pub, 1);
    client_setup(&viewer, 2);
    for (uint32_t i = 0; i < 2; i++) {
        sfu_source_params sp = {.id = LOW + i,
                                .transport = 1,
                                .codec = CODEC_VP8,
                                .clock = 90000,
                                .ssrc = i ? HIGH_SSRC : LOW_SSRC};
        CHECK(worker_source_add(w, &sp) != NULL);
    }
    sfu_output_params op = {
        .id = OUT, .transport = 2, .codec = CODEC_VP8, .clock = 90000, .ssrc = OUT_SSRC, .pt = 96};
    CHECK(worker_output_add(w, &op) != NULL);
    /* The worker's own keyframe clock is the real one; this test's starts there. */
    now = util_now_us();
}

/* The viewer watches the low layer; then it is moved up. Until the high layer's keyframe it keeps
 * the low layer (the high layer's inter frames go nowhere), then it has only the high layer. */
static void move_up(void)
{
    printf("move up at the keyframe\n");
    point_at(LOW, false);
    frame(0, FRAME_KEY);
    for (int i = 0; i < 3; i++)
        frame(0, FRAME_INTER);
    n_captured = 0;
    point_at(HIGH, true);
    CHECK_EQ(plis_for(HIGH_SSRC), 1); /* the new layer is asked for a picture at once */
    for (int i = 0; i < 4; i++) {
        frame(0, FRAME_INTER);
        frame(1, FRAME_INTER);
    }
    seen s = watch();
    CHECK_EQ(s.low, 8); /* no gap while waiting */
    CHECK_EQ(s.high, 0);
    uint16_t before = s.last;

    n_captured = 0;
    frame(1, FRAME_KEY);
    for (int i = 0; i < 3; i++) {
        frame(0, FRAME_INTER);
        frame(1, FRAME_INTER);
    }
    s = watch();
    CHECK_EQ(s.low, 0);
    CHECK_EQ(s.high, 8);
    CHECK(s.high_starts_key);
    CHECK(s.continuous);
    CHECK_EQ(s.first, (uint16_t)(before + 1));
}

/* A layer that never sends its keyframe is asked again once a second; meanwhile the viewer keeps
 * its picture. Moved back before the keyframe, it stays where it was, and the late keyframe of the
 * other layer changes nothing. */
static void move_back_before_keyframe(void)
{
    printf("a keyframe that does not come; moving back\n");
    n_captured = 0;
    point_at(LOW, true);
    for (int i = 0; i < 80; i++) { /* 80 × 2 frames × 16 ms: about 2.6 s */
        frame(1, FRAME_INTER);
        frame(0, FRAME_INTER);
    }
    CHECK(plis_for(LOW_SSRC) >= 2);
    seen s = watch();
    CHECK_EQ(s.high, 160);
    CHECK_EQ(s.low, 0);
    uint16_t before = s.last;

    n_captured = 0;
    point_at(HIGH, true); /* what it sends: the pending move is dropped */
    frame(0, FRAME_KEY);
    frame(1, FRAME_INTER);
    frame(0, FRAME_INTER);
    s = watch();
    CHECK_EQ(s.low, 0);
    CHECK_EQ(s.high, 2);
    CHECK(s.continuous);
    CHECK_EQ(s.first, (uint16_t)(before + 1));
}

/* Pointed at nothing, the output stops at once, pending move or not. Pointed at a layer again
 * while it sends nothing, it waits for that layer's keyframe like a new viewer. */
static void stop_and_restart(void)
{
    printf("stop, and start again\n");
    point_at(LOW, true);
    n_captured = 0;
    point_at(0, false);
    frame(1, FRAME_KEY);
    frame(0, FRAME_KEY);
    CHECK_EQ(watch().low + watch().high, 0);

    point_at(LOW, true);
    n_captured = 0;
    frame(0, FRAME_INTER);
    frame(1, FRAME_KEY);
    CHECK_EQ(watch().low + watch().high, 0);
    frame(0, FRAME_KEY);
    frame(1, FRAME_INTER);
    seen s = watch();
    CHECK_EQ(s.low, 2);
    CHECK_EQ(s.high, 0);
}

int main(void)
{
    setup();
    move_up();
    move_back_before_keyframe();
    stop_and_restart();
    CHECK_EQ(overflow, 0);
    worker_free(w);
    srtp_session_free(pub.srtp);
    srtp_session_free(viewer.srtp);
    CHECK_DONE();
}
