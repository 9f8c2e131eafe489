/* Replay of a publisher's journals: order, duplicates, wraps, sender-report mapping and the
 * publisher's lip-sync offset, segments and gaps. Journals are written by the real writer. */
#include "recorder/replay.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/dh-replay-XXXXXX";

/* The hub's clock runs this far behind the sender's NTP clock (µs). */
#define NTP_AHEAD (2208988800LL * 1000000 + 123456)

static uint64_t ntp_of_us(int64_t us)
{
    uint64_t sec = (uint64_t)us / 1000000, rem = (uint64_t)us % 1000000;
    /* Round up so that converting back gives the same microsecond. */
    return sec << 32 | (((rem << 32) + 999999) / 1000000);
}

static const char *path_of(const char *name)
{
    static char p[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static journal_writer *open_journal(const char *name, uint8_t kind, uint32_t ssrc, uint64_t created)
{
    journal_track t = {.kind = kind,
                       .payload_type = kind == JOURNAL_KIND_AUDIO ? 111 : 96,
                       .clock_rate = kind == JOURNAL_KIND_AUDIO ? 48000 : 90000,
                       .ssrc = ssrc,
                       .created_us = created};
    snprintf(t.codec, sizeof t.codec, "%s", kind == JOURNAL_KIND_AUDIO ? "opus" : "VP8");
    snprintf(t.meeting, sizeof t.meeting, "m-1");
    snprintf(t.site, sizeof t.site, "ba-dinh");
    snprintf(t.track_id, sizeof t.track_id, "p-1/%s",
             kind == JOURNAL_KIND_AUDIO ? "audio" : "video");
    char err[128];
    journal_writer *w = journal_create(path_of(name), &t, err, sizeof err);
    if (!w) fprintf(stderr, "journal_create: %s\n", err);
    return w;
}

static void rtp(journal_writer *w, uint64_t arrival, uint8_t pt, uint16_t seq, uint32_t ts,
                uint32_t ssrc)
{
    uint8_t p[40] = {0x80,
                     pt,
                     (uint8_t)(seq >> 8),
                     (uint8_t)seq,
                     (uint8_t)(ts >> 24),
                     (uint8_t)(ts >> 16),
                     (uint8_t)(ts >> 8),
                     (uint8_t)ts,
                     (uint8_t)(ssrc >> 24),
                     (uint8_t)(ssrc >> 16),
                     (uint8_t)(ssrc >> 8),
                     (uint8_t)ssrc};
    p[12] = (uint8_t)seq; /* payload: tells packets apart */
    CHECK_EQ(journal_append_rtp(w, arrival, p, sizeof p), 0);
}

static replay *open_replay(const char **names, size_t n)
{
    const char *paths[8];
    static char buf[8][128];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "%s/%s", dir, names[i]);
        paths[i] = buf[i];
    }
    char err[160];
    replay *r = replay_open(paths, n, err, sizeof err);
    if (!r) fprintf(stderr, "replay_open: %s\n", err);
    return r;
}

/* Packets out of order, duplicated (a retransmission after the original, and one much later),
 * one from another SSRC, one with another payload type, one that is not RTP v2. */
static void test_order_and_duplicates(void)
{
    journal_writer *w = open_journal("order.dhj", JOURNAL_KIND_VIDEO, 0x1234, 1000);
    static const uint16_t seqs[] = {10, 11, 13, 12, 14, 16, 15, 15, 17, 18, 11, 19, 21, 20};
    uint64_t at = 1000000;
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        rtp(w, at += 1000, 96, seqs[i], 3000u * seqs[i], 0x1234);
    rtp(w, at += 1000, 96, 22, 3000u * 22, 0x9999); /* foreign SSRC */
    rtp(w, at += 1000, 97, 23, 3000u * 23, 0x1234); /* foreign payload type */
    uint8_t bad[12] = {0x40, 96, 0, 24};            /* RTP version 1 */
    CHECK_EQ(journal_append_rtp(w, at += 1000, bad, sizeof bad), 0);
    CHECK_EQ(journal_close(w), 0);

    replay *r = open_replay((const char *[]){"order.dhj"}, 1);
    CHECK(r != NULL);
    if (!r) return;
    CHECK(replay_has(r, JOURNAL_KIND_VIDEO));
    CHECK(!replay_has(r, JOURNAL_KIND_AUDIO));
    char err[128];
    replay_stream *s = replay_stream_new(r, JOURNAL_KIND_VIDEO, err, sizeof err);
    replay_packet p;
    uint64_t want = 10, first = 0;
    int n = 0;
    while (replay_stream_next(s, &p) == 1) {
        if (!first) first = p.ext_seq;
        CHECK_EQ(p.ext_seq - first, want - 10);
        CHECK_EQ(p.data[12], (uint8_t)want);
        CHECK_EQ(p.discont, n == 0);
        want++;
        n++;
    }
    CHECK_EQ(n, 12); /* 10..21 */
    CHECK_EQ(replay_stream_dropped(s), 2 + 3);
    CHECK_EQ(replay_stream_next(s, &p), 0);
    replay_stream_free(s);
    replay_close(r);
}

/* Sequence numbers and timestamps that wrap, and a retransmission from before the wrap arriving
 * after it. */
static void test_wrap(void)
{
    journal_writer *w = open_journal("wrap.dhj", JOURNAL_KIND_AUDIO, 0, 1000);
    uint64_t at = 5000000;
    uint32_t ts = 0xFFFFFFFFu - 960 * 5 + 1;
    uint16_t seq = 65530;
    for (int i = 0; i < 12; i++) {
        if (i == 8) rtp(w, at, 111, 65535, 0xFFFFFFFFu - 960 * 5 + 1 + 960 * 5, 7);
        rtp(w, at += 20000, 111, seq++, ts, 7);
        ts += 960;
    }
    CHECK_EQ(journal_close(w), 0);
    replay *r = open_replay((const char *[]){"wrap.dhj"}, 1);
    char err[128];
    replay_stream *s = replay_stream_new(r, JOURNAL_KIND_AUDIO, err, sizeof err);
    replay_packet p, prev = {0};
    int n = 0;
    while (replay_stream_next(s, &p) == 1) {
        if (n) {
            CHECK_EQ(p.ext_seq, prev.ext_seq + 1);
            CHECK_EQ(p.ext_ts, prev.ext_ts + 960);
            CHECK(p.time_us > prev.time_us);
        }
        prev = p;
        n++;
    }
    CHECK_EQ(n, 12);
    CHECK_EQ(replay_stream_dropped(s), 1);
    replay_stream_free(s);
    replay_close(r);
}

/* One publisher: audio and video with sender reports. Audio travels 50 ms, video 80 ms, plus
 * jitter. Before its first report a stream uses its arrival times; after, the sender's clock plus
 * the smallest audio offset, so audio and video sent at the same instant get the same time. */
static void test_sender_reports(void)
{
    const int64_t send0 = 3900000000LL * 1000000; /* sender's NTP clock at the start, µs */
    static const int jitter[] = {3000, 0, 10000, 1000};
    journal_writer *a = open_journal("a.dhj", JOURNAL_KIND_AUDIO, 0xA, 1000);
    journal_writer *v = open_journal("v.dhj", JOURNAL_KIND_VIDEO, 0xB, 1000);
    const uint32_t ats0 = 1000, vts0 = 777777;
    for (int i = 0; i < 100; i++) {
        int64_t send = send0 + i * 20000; /* a packet of each kind every 20 ms */
        uint32_t ats = ats0 + (uint32_t)i * 960, vts = vts0 + (uint32_t)i * 1800;
        if (i == 10) {
            CHECK_EQ(
                journal_append_sr(a, (uint64_t)(send - NTP_AHEAD + 50000), ntp_of_us(send), ats),
                0);
        }
        if (i == 20) {
            CHECK_EQ(
                journal_append_sr(v, (uint64_t)(send - NTP_AHEAD + 80000), ntp_of_us(send), vts),
                0);
        }
        rtp(a, (uint64_t)(send - NTP_AHEAD + 50000 + jitter[i % 4]), 111, (uint16_t)i, ats, 0xA);
        rtp(v, (uint64_t)(send - NTP_AHEAD + 80000 + jitter[(i + 1) % 4]), 96, (uint16_t)i, vts,
            0xB);
    }
    CHECK_EQ(journal_close(a), 0);
    CHECK_EQ(journal_close(v), 0);

    replay *r = open_replay((const char *[]){"a.dhj", "v.dhj"}, 2);
    CHECK(r != NULL);
    if (!r) return;
    int64_t off = 0;
    CHECK(replay_offset(r, &off));
    CHECK(llabs(off - (-NTP_AHEAD + 50000)) <= 1);
    char err[128];
    int64_t atime[100] = {0}, vtime[100] = {0};
    for (int kind = JOURNAL_KIND_AUDIO; kind <= JOURNAL_KIND_VIDEO; kind++) {
        replay_stream *s = replay_stream_new(r, (uint8_t)kind, err, sizeof err);
        replay_packet p;
        int n = 0;
        while (replay_stream_next(s, &p) == 1 && n < 100) {
            (kind == JOURNAL_KIND_AUDIO ? atime : vtime)[n] = p.time_us;
            /* Before the first report: arrival times, less the jitter (the fastest packet). */
            int64_t arrival_no_jitter =
                send0 + n * 20000 - NTP_AHEAD + (kind == JOURNAL_KIND_AUDIO ? 50000 : 80000);
            bool before = kind == JOURNAL_KIND_AUDIO ? n < 10 : n < 20;
            if (before) CHECK(llabs(p.time_us - arrival_no_jitter) <= 1);
            n++;
        }
        CHECK_EQ(n, 100);
        replay_stream_free(s);
    }
    /* Video's switch to its report moves it 30 ms earlier than its arrival times: the packet
     * that would go back keeps the time before it. */
    CHECK_EQ(vtime[20], vtime[19]);
    /* After both reports: audio and video sent together are shown together, at the audio's
     * fastest delay. */
    for (int i = 21; i < 100; i++) {
        CHECK(llabs(atime[i] - vtime[i]) <= 1);
        CHECK(llabs(atime[i] - (send0 + i * 20000 - NTP_AHEAD + 50000)) <= 1);
    }
    replay_close(r);
}

/* A video track without audio reports uses its own smallest offset. */
static void test_offset_without_audio(void)
{
    const int64_t send0 = 3900000100LL * 1000000;
    journal_writer *v = open_journal("v-only.dhj", JOURNAL_KIND_VIDEO, 0, 1000);
    CHECK_EQ(journal_append_sr(v, (uint64_t)(send0 - NTP_AHEAD + 70000), ntp_of_us(send0), 0), 0);
    for (int i = 0; i < 10; i++)
        rtp(v, (uint64_t)(send0 + i * 40000 - NTP_AHEAD + 70000 + (i % 2) * 5000), 96, (uint16_t)i,
            (uint32_t)i * 3600, 1);
    CHECK_EQ(journal_close(v), 0);
    replay *r = open_replay((const char *[]){"v-only.dhj"}, 1);
    int64_t off;
    CHECK(!replay_offset(r, &off));
    char err[128];
    replay_stream *s = replay_stream_new(r, JOURNAL_KIND_VIDEO, err, sizeof err);
    replay_packet p;
    for (int i = 0; replay_stream_next(s, &p) == 1; i++)
        CHECK(llabs(p.time_us - (send0 + i * 40000 - NTP_AHEAD + 70000)) <= 1);
    replay_stream_free(s);
    replay_close(r);
}

/* A republish: a second journal, created later, overtakes the first. Its packets start a new
 * segment (DISCONT, sequence numbers of their own); the old journal's packets that arrived after
 * the new one's first are dropped. A GAP record marks a discontinuity too. Times never go back.
 */
static void test_segments_and_gaps(void)
{
    journal_writer *a = open_journal("seg1.dhj", JOURNAL_KIND_AUDIO, 1, 1000);
    journal_writer *b = open_journal("seg2.dhj", JOURNAL_KIND_AUDIO, 2, 2000);
    uint64_t t0 = 10000000;
    for (int i = 0; i < 10; i++) {
        if (i == 5) CHECK_EQ(journal_append_gap(a, t0 + (uint64_t)i * 20000, 3), 0);
        rtp(a, t0 + (uint64_t)i * 20000, 111, (uint16_t)(100 + i), (uint32_t)i * 960, 1);
    }
    for (int i = 0; i < 5; i++)
        rtp(b, t0 + 150000 + (uint64_t)i * 20000, 111, (uint16_t)(40000 + i),
            500000 + (uint32_t)i * 960, 2);
    CHECK_EQ(journal_close(a), 0);
    CHECK_EQ(journal_close(b), 0);
    /* Given in the wrong order: creation time decides. */
    replay *r = open_replay((const char *[]){"seg2.dhj", "seg1.dhj"}, 2);
    CHECK_EQ(replay_first_arrival(r, JOURNAL_KIND_AUDIO), t0);
    CHECK_EQ(replay_last_arrival(r, JOURNAL_KIND_AUDIO), t0 + 150000 + 80000);
    size_t ns;
    const replay_span *sp = replay_spans(r, JOURNAL_KIND_AUDIO, &ns);
    CHECK(ns == 1 && sp[0].start_us == t0 && sp[0].end_us == t0 + 230000);
    char err[128];
    replay_stream *s = replay_stream_new(r, JOURNAL_KIND_AUDIO, err, sizeof err);
    replay_packet p;
    int n = 0;
    int64_t last = 0;
    while (replay_stream_next(s, &p) == 1) {
        CHECK(p.time_us >= last);
        last = p.time_us;
        if (n < 8)
            CHECK_EQ(p.journal, 1); /* seg1.dhj: arrivals before t0 + 150 ms */
        else
            CHECK_EQ(p.journal, 0);
        CHECK_EQ(p.discont, n == 0 || n == 5 || n == 8);
        n++;
    }
    CHECK_EQ(n, 8 + 5);
    CHECK_EQ(replay_stream_dropped(s), 2);
    replay_stream_free(s);
    replay_close(r);
}

static void test_spans(void)
{
    journal_writer *v = open_journal("spans.dhj", JOURNAL_KIND_VIDEO, 0, 1000);
    uint64_t t0 = 20000000;
    for (int i = 0; i < 10; i++) /* 0..0.9 s, then a 2 s hole, then 3.0..3.9 s */
        rtp(v, t0 + (uint64_t)i * 100000, 96, (uint16_t)i, (uint32_t)i * 9000, 3);
    for (int i = 0; i < 10; i++)
        rtp(v, t0 + 3000000 + (uint64_t)i * 100000, 96, (uint16_t)(10 + i),
            (uint32_t)(30 + i) * 9000, 3);
    CHECK_EQ(journal_close(v), 0);
    replay *r = open_replay((const char *[]){"spans.dhj"}, 1);
    size_t n;
    const replay_span *sp = replay_spans(r, JOURNAL_KIND_VIDEO, &n);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK(sp[0].start_us == t0 && sp[0].end_us == t0 + 900000);
        CHECK(sp[1].start_us == t0 + 3000000 && sp[1].end_us == t0 + 3900000);
    }
    replay_close(r);
}

static void test_errors(void)
{
    char err[160] = "";
    const char *missing[] = {path_of("nope.dhj")};
    CHECK(replay_open(missing, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "open") != NULL);
    replay *r = replay_open(NULL, 0, err, sizeof err);
    CHECK(r && !replay_has(r, JOURNAL_KIND_AUDIO));
    replay_stream *s = replay_stream_new(r, JOURNAL_KIND_AUDIO, err, sizeof err);
    replay_packet p;
    CHECK_EQ(replay_stream_next(s, &p), 0);
    replay_stream_free(s);
    replay_close(r);
    CHECK_EQ(replay_ntp_to_us((uint64_t)1 << 32 | 0x80000000u), 1500000);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    test_order_and_duplicates();
    test_wrap();
    test_sender_reports();
    test_offset_without_audio();
    test_segments_and_gaps();
    test_spans();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not clean %s\n", dir);
    CHECK_DONE();
}
