/* The recording path from the media worker to the disk: a recorded source's packets go through the
 * worker's tap ring into the recorder's thread and land in a journal that reads back; a full ring
 * drops copies (never blocks) and the loss reaches the journal as a GAP; a journal that cannot be
 * written is reported and stops that track only. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recorder/journal.h"
#include "recorder/recorder.h"
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/engine/ring.h"
#include "tests/unit/check.h"
#include "tests/unit/scratch.h"

static char root[] = "/tmp/dh_recorder_test.XXXXXX";

static size_t drain_worker(void *ud, sfu_tap_fn fn, void *fn_ud, size_t max)
{
    return tap_drain_ring(worker_tap(ud), fn, fn_ud, max);
}

static void rtp_packet(uint8_t *p, uint16_t seq, uint32_t ts, size_t len)
{
    memset(p, 0xAB, len);
    p[0] = 0x80;
    p[1] = 96;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24);
    p[5] = (uint8_t)(ts >> 16);
    p[6] = (uint8_t)(ts >> 8);
    p[7] = (uint8_t)ts;
    memcpy(p + 8, "\x01\x02\x03\x04", 4);
}

static void wait_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct counts {
    int rtp, sr, gap, end;
    uint32_t dropped;
    uint16_t first_seq, last_seq;
    bool ordered;
} counts;

static counts read_back(const char *path)
{
    counts c = {.ordered = true};
    char err[128];
    journal_reader *r = journal_open(path, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return c;
    }
    journal_record rec;
    uint64_t last_at = 0;
    while (journal_next(r, &rec) == 1) {
        if (rec.arrival_us < last_at) c.ordered = false;
        last_at = rec.arrival_us;
        if (rec.type == JOURNAL_REC_RTP) {
            uint16_t seq = (uint16_t)(rec.data[2] << 8 | rec.data[3]);
            if (!c.rtp) c.first_seq = seq;
            c.last_seq = seq;
            c.rtp++;
        }
        if (rec.type == JOURNAL_REC_SR) c.sr++;
        if (rec.type == JOURNAL_REC_GAP) {
            c.gap++;
            c.dropped += rec.dropped;
        }
        if (rec.type == JOURNAL_REC_END) c.end++;
    }
    journal_close_reader(r);
    return c;
}

static const journal_track TRACK = {.kind = JOURNAL_KIND_VIDEO,
                                    .payload_type = 96,
                                    .clock_rate = 90000,
                                    .ssrc = 0x01020304,
                                    .codec = "VP8",
                                    .meeting = "m-test",
                                    .site = "ba-dinh",
                                    .track_id = "p-1/video"};

/* Packets of a recorded source reach its journal in order, with the sender report, and the journal
 * ends cleanly when the track is closed; a source not recorded costs nothing and is not written. */
static void test_round_trip(void)
{
    worker *w = worker_new(NULL, 0, -1, NULL);
    recorder *rec = recorder_new(drain_worker, w);
    CHECK(rec != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/a.dhj", root);
    recorder_track_open(rec, 7, path, &TRACK);
    /* 7 is recorded; 8 is not (its worker never copies it); 10 is copied but has no journal. */
    source src = {.id = 7, .recording = true}, other = {.id = 8},
           stray = {.id = 10, .recording = true};
    wait_ms(30); /* the journal exists before the first packet */
    uint8_t pkt[1200];
    for (int i = 0; i < 500; i++) {
        rtp_packet(pkt, (uint16_t)(65000 + i), (uint32_t)i * 3000, 1200);
        pkt_meta m = {.source_id = 7, .seq = (uint16_t)(65000 + i), .header_len = 12};
        worker_route(w, &src, &m, pkt, 1200, util_now_us());
        m.source_id = 8;
        worker_route(w, &other, &m, pkt, 1200, util_now_us());
        tap_packet(w, &stray, pkt, 100, util_now_us());
        if (i == 100) worker_route_sr(w, &src, 0x0123456789ABCDEFull, 300000);
        if (i % 50 == 49) wait_ms(5); /* the ring holds TAP_SLOTS: keep under it */
    }
    recorder_track_close(rec, 7);
    wait_ms(100);
    recorder_stats st;
    recorder_get_stats(rec, &st);
    CHECK_EQ(st.packets, 501);
    CHECK_EQ(st.dropped, 0);
    CHECK_EQ(st.tracks_open, 0);
    recorder_free(rec);
    counts c = read_back(path);
    CHECK_EQ(c.rtp, 500);
    CHECK_EQ(c.sr, 1);
    CHECK_EQ(c.gap, 0);
    CHECK_EQ(c.end, 1);
    CHECK_EQ(c.first_seq, 65000);
    CHECK_EQ(c.last_seq, (uint16_t)(65000 + 499));
    CHECK(c.ordered);
    worker_free(w);
}

/* With nobody draining, the tap fills and drops instead of waiting; the first copy after the
 * recorder catches up carries the count, which the journal keeps as a GAP. */
static void test_full_ring_drops(void)
{
    worker *w = worker_new(NULL, 0, -1, NULL);
    source src = {.id = 9, .recording = true};
    uint8_t pkt[200];
    int extra = 37;
    for (int i = 0; i < TAP_SLOTS + extra; i++) {
        rtp_packet(pkt, (uint16_t)i, (uint32_t)i, sizeof pkt);
        tap_packet(w, &src, pkt, sizeof pkt, util_now_us());
    }
    CHECK_EQ(ring_drops(worker_tap(w)), extra);
    CHECK_EQ(src.tap_dropped, extra);

    recorder *rec = recorder_new(drain_worker, w);
    char path[256];
    snprintf(path, sizeof path, "%s/b.dhj", root);
    /* Opened while the backlog waits: what came before the journal existed is not written. */
    recorder_track_open(rec, 9, path, &TRACK);
    wait_ms(100);
    rtp_packet(pkt, 60000, 1, sizeof pkt);
    tap_packet(w, &src, pkt, sizeof pkt, util_now_us());
    CHECK_EQ(src.tap_dropped, 0);
    wait_ms(50);
    recorder_event ev[4];
    size_t n = recorder_poll_events(rec, ev, 4);
    CHECK_EQ(n, 2);
    CHECK_EQ(ev[0].type, RECORDER_EV_OPENED); /* signaling asks for a keyframe on this */
    CHECK_EQ(ev[0].source, 9);
    CHECK_EQ(ev[1].type, RECORDER_EV_DROPPED);
    CHECK_EQ(ev[1].source, 9);
    CHECK_EQ(ev[1].dropped, extra);
    recorder_free(rec);
    counts c = read_back(path);
    CHECK_EQ(c.rtp, 1);
    CHECK_EQ(c.gap, 1);
    CHECK_EQ(c.dropped, extra);
    CHECK_EQ(c.end, 1);
    worker_free(w);
}

/* A journal that cannot be created is an event for signaling, and other tracks go on. */
static void test_failure_is_reported(void)
{
    worker *w = worker_new(NULL, 0, -1, NULL);
    recorder *rec = recorder_new(drain_worker, w);
    char bad[256], good[256];
    snprintf(bad, sizeof bad, "%s/missing-dir/c.dhj", root);
    snprintf(good, sizeof good, "%s/d.dhj", root);
    recorder_track_open(rec, 1, bad, &TRACK);
    recorder_track_open(rec, 2, good, &TRACK);
    recorder_track_open(rec, 2, good, &TRACK); /* twice: refused, the first stays */
    wait_ms(50);
    recorder_event ev[4];
    size_t n = recorder_poll_events(rec, ev, 4);
    CHECK_EQ(n, 3);
    CHECK_EQ(ev[0].type, RECORDER_EV_FAILED);
    CHECK_EQ(ev[0].source, 1);
    CHECK(strstr(ev[0].reason, "open") != NULL);
    CHECK_EQ(ev[1].type, RECORDER_EV_OPENED);
    CHECK_EQ(ev[1].source, 2);
    CHECK_EQ(ev[2].type, RECORDER_EV_FAILED);
    CHECK_EQ(ev[2].source, 2);
    source src = {.id = 2, .recording = true};
    uint8_t pkt[100];
    rtp_packet(pkt, 1, 1, sizeof pkt);
    tap_packet(w, &src, pkt, sizeof pkt, util_now_us());
    wait_ms(50);
    recorder_free(rec); /* closes what is still open, cleanly */
    counts c = read_back(good);
    CHECK_EQ(c.rtp, 1);
    CHECK_EQ(c.end, 1);
    worker_free(w);
}

/* Arrival times are wall-clock microseconds, the timeline's clock. */
static void test_wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    int64_t ours = (int64_t)recorder_wall_us();
    CHECK(ours - wall < 1000000 && wall - ours < 1000000);
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_full_ring_drops();
    test_failure_is_reported();
    test_wall_clock();
    scratch_remove(root);
    CHECK_DONE();
}
