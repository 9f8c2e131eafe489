/* The forwarding engine on its own: one publisher fanned out to N subscribers on one worker, in
 * one process, with real SRTP and no sockets (BENCH.md, "physical limits").
 *
 * Every published packet goes through the real receive path — worker_on_datagram: SRTP decrypt
 * of the publisher's packet, RTP parse, keyframe detection, route, and per subscriber the header
 * rewrite, the copy into an outbox slot, the SRTP encrypt and the batching — and then
 * outbox_flush. The only thing replaced is the outbox's sender: where sendmmsg(2) would run, a
 * sink counts the datagrams and their bytes, so no system call and no kernel cost is included.
 *
 * Printed per profile and N: CPU µs per forwarded packet, next to a bare libsrtp protect of a
 * packet of the same size measured in the same run (the floor a forwarded packet cannot go below)
 * twice — alone in the process, and again while the row's N + 1 transports' sessions are alive,
 * since the SRTP library's cost may depend on how many sessions exist — and the ratios. Exits 0
 * however slow; 1 only when the engine forwarded something other than every packet to every
 * subscriber, or a subscriber could not decrypt what it got; 2 on bad arguments. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "recorder/recorder.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"

#define MAX_NS 16
#define PKTS_PER_FRAME 8
#define TS_PER_FRAME 3000 /* 30 fps at 90 kHz */
#define VP8_PT 96
#define SRC_SSRC 0x5eed0001u
#define SRC_SEQ0 1000
#define SRC_TS0 123456u
#define OUT_SSRC_BASE 0x10000000u
#define PUB_IP 0x7f000001u      /* 127.0.0.1 */
#define SUB_IP_BASE 0x7f000002u /* subscriber i at 127.0.0.(2 + i) and on: one address each */
#define PEER_PORT 50000
#define GCM_TAG 16
#define MIN_SIZE 32
#define MAX_SIZE (PKT_MAX - GCM_TAG) /* the publisher's SRTP datagram must fit a receive slot */
#define FLOOR_ITERS 30000u
#define HEAP_CHUNK (16u << 20)

typedef struct profile_def {
    const char *name;
    dtls_srtp_profile profile;
    size_t key_len;
} profile_def;

static const profile_def PROFILES[] = {
    {"gcm", DTLS_SRTP_AEAD_AES_128_GCM, 16 + 12}, /* what browsers negotiate */
    {"cm", DTLS_SRTP_AES128_CM_SHA1_80, 16 + 14},
};

typedef struct opts {
    unsigned ns[MAX_NS];
    size_t n_ns;
    unsigned packets, warmup, size;
    double budget_s; /* CPU seconds for all timed passes together; 0 = no limit */
    bool profiles[2];
    bool verify;
    bool record; /* each row again with the source recorded into a journal */
} opts;

/* The publisher's packets, already SRTP-protected as a browser would send them. */
typedef struct stream {
    size_t count, stride;
    uint8_t *data;
    uint16_t *len;
} stream;

/* What a subscriber checks in the warm-up pass (every packet decrypted and compared). */
typedef struct sub_check {
    srtp_session *client;
    bool started;
    uint16_t last_seq;
    uint32_t ts_off;
} sub_check;

/* Stands where sendmmsg(2) would be. */
typedef struct sink {
    uint64_t calls, datagrams, bytes, rtp, rtcp, stray;
    unsigned n_subs;
    uint32_t *per_sub; /* RTP datagrams per subscriber */
    /* verification (warm-up only) */
    bool verify;
    unsigned size;
    unsigned k; /* index of the published packet being fanned out */
    uint8_t expect[PKT_MAX];
    sub_check *subs;
    uint64_t verified, verify_errors;
} sink;

typedef struct row_result {
    uint64_t pkts_in, forwarded, expected, sink_rtp, sink_rtcp, sink_bytes, sink_calls, srtp_errors;
    double cpu_s, wall_s, floor_us, floor_live_us;
    bool cut; /* the timed pass stopped early: out of time budget */
    long minflt;
    long long heap_delta;
    uint64_t verified, verify_errors;
    uint64_t recorded, rec_dropped; /* recording rows: copies journaled, dropped at the tap */
    bool ok;
} row_result;

/* ---- helpers ---------------------------------------------------------------------------- */

static double ts_sec(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec * 1e-9;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return ts_sec(&t);
}

static long minflt_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static long long heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#else
    return 0;
#endif
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Fixed, distinct keys per transport (index 0: the publisher). `local` protects what the server
 * sends, `remote` unprotects what it receives. */
static dtls_srtp_keys transport_keys(const profile_def *pd, unsigned index)
{
    dtls_srtp_keys k = {.profile = pd->profile, .key_len = pd->key_len};
    for (size_t j = 0; j < sizeof k.local; j++) {
        k.local[j] = (uint8_t)(index * 7u + j * 13u + 1u);
        k.remote[j] = (uint8_t)(index * 11u + j * 3u + 0x55u);
    }
    return k;
}

/* The peer's view of the same keys: local and remote swapped. */
static dtls_srtp_keys mirror(dtls_srtp_keys k)
{
    dtls_srtp_keys m = k;
    memcpy(m.local, k.remote, sizeof m.local);
    memcpy(m.remote, k.local, sizeof m.remote);
    return m;
}

static struct sockaddr_storage peer_addr(uint32_t ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(ip);
    in->sin_port = htons(PEER_PORT);
    return ss;
}

/* Published packet k, in the clear: 12-byte RTP header, VP8 payload descriptor, and on the first
 * packet of a frame a VP8 frame tag (keyframe for frame 0, inter frames after). Frames of
 * PKTS_PER_FRAME packets, marker on the last, timestamps 3000 apart. */
static void make_plain(uint8_t *p, unsigned size, unsigned k)
{
    unsigned frame = k / PKTS_PER_FRAME, pos = k % PKTS_PER_FRAME;
    p[0] = 0x80;
    p[1] = (uint8_t)((pos == PKTS_PER_FRAME - 1 ? 0x80 : 0) | VP8_PT);
    put16(p + 2, (uint16_t)(SRC_SEQ0 + k));
    put32(p + 4, SRC_TS0 + frame * TS_PER_FRAME);
    put32(p + 8, SRC_SSRC);
    uint8_t *pl = p + 12;
    size_t plen = size - 12;
    for (size_t j = 0; j < plen; j++)
        pl[j] = (uint8_t)(k * 31u + j * 7u);
    pl[0] = pos == 0 ? 0x10 : 0x00; /* S bit on the first packet of the frame, PID 0 */
    if (pos == 0) {
        if (frame == 0) { /* keyframe: P bit 0, start code 9d 01 2a */
            static const uint8_t key[] = {0x00, 0x00, 0x00, 0x9d, 0x01,
                                          0x2a, 0x80, 0x02, 0xe0, 0x01};
            memcpy(pl + 1, key, sizeof key);
        } else {
            static const uint8_t inter[] = {0x01, 0x00, 0x00};
            memcpy(pl + 1, inter, sizeof inter);
        }
    }
}

static int build_stream(const profile_def *pd, unsigned size, unsigned count, stream *st)
{
    dtls_srtp_keys pub_client = mirror(transport_keys(pd, 0));
    srtp_session *client = srtp_session_new(&pub_client);
    if (!client) return -1;
    st->count = count;
    st->stride = PKT_MAX + SRTP_MAX_TRAILER;
    st->data = malloc(st->count * st->stride);
    st->len = calloc(st->count, sizeof *st->len);
    if (!st->data || !st->len) {
        srtp_session_free(client);
        return -1;
    }
    for (unsigned k = 0; k < count; k++) {
        uint8_t *p = st->data + (size_t)k * st->stride;
        make_plain(p, size, k);
        size_t len = size;
        if (srtp_session_protect_rtp(client, p, &len, st->stride) != 0 || len > PKT_MAX) {
            srtp_session_free(client);
            return -1;
        }
        st->len[k] = (uint16_t)len;
    }
    srtp_session_free(client);
    return 0;
}

static void free_stream(stream *st)
{
    free(st->data);
    free(st->len);
    memset(st, 0, sizeof *st);
}

/* ---- the sink: counts what would have been sent ------------------------------------------ */

static long sub_index(const sink *s, const void *name)
{
    const struct sockaddr_in *in = name;
    if (in->sin_family != AF_INET) return -1;
    uint32_t ip = ntohl(in->sin_addr.s_addr);
    if (ip < SUB_IP_BASE || ip - SUB_IP_BASE >= s->n_subs) return -1;
    return (long)(ip - SUB_IP_BASE);
}

static void verify_one(sink *s, long i, const uint8_t *pkt, size_t len)
{
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    sub_check *c = &s->subs[i];
    bool ok = len <= sizeof buf;
    if (ok) {
        memcpy(buf, pkt, len);
        ok = srtp_session_unprotect_rtp(c->client, buf, &len) == 0;
    }
    const uint8_t *e = s->expect;
    ok = ok && len == s->size && buf[0] == 0x80 && buf[1] == e[1] &&
         get32(buf + 8) == OUT_SSRC_BASE + (uint32_t)i && memcmp(buf + 12, e + 12, len - 12) == 0;
    if (ok) {
        uint16_t seq = get16(buf + 2);
        uint32_t ts_off = get32(buf + 4) - get32(e + 4);
        if (c->started && (seq != (uint16_t)(c->last_seq + 1) || ts_off != c->ts_off)) ok = false;
        c->started = true;
        c->last_seq = seq;
        c->ts_off = ts_off;
    }
    if (ok)
        s->verified++;
    else if (s->verify_errors++ < 5)
        fprintf(stderr, "verify: subscriber %ld, published packet %u: wrong or undecryptable\n", i,
                s->k);
}

static void sink_send(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    sink *s = ctx;
    s->calls++;
    for (unsigned m = 0; m < n; m++) {
        const struct msghdr *h = &msgs[m].msg_hdr;
        const uint8_t *p = h->msg_iov[0].iov_base;
        size_t len = h->msg_iov[0].iov_len;
        s->datagrams++;
        s->bytes += len;
        if (len >= 2 && p[1] >= 192 && p[1] <= 223) { /* RTCP (RFC 5761): the PLIs we ask */
            s->rtcp++;
            continue;
        }
        s->rtp++;
        long i = sub_index(s, h->msg_name);
        if (i < 0) {
            s->stray++;
            continue;
        }
        s->per_sub[i]++;
        if (s->verify) verify_one(s, i, p, len);
    }
}

/* ---- the floor: a bare protect of the same packet ------------------------------------------ */

static double floor_protect_us(const profile_def *pd, unsigned size, unsigned iters)
{
    dtls_srtp_keys keys = transport_keys(pd, 0xfffffu);
    srtp_session *s = srtp_session_new(&keys);
    if (!s) return 0;
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    make_plain(buf, size, 1);
    uint16_t seq = 1;
    /* First protect creates libsrtp's stream for the SSRC. */
    for (unsigned i = 0; i < 1000; i++) {
        size_t len = size;
        put16(buf + 2, seq++);
        if (srtp_session_protect_rtp(s, buf, &len, sizeof buf) != 0) {
            srtp_session_free(s);
            return 0;
        }
    }
    double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int bad = 0;
    for (unsigned i = 0; i < iters; i++) {
        size_t len = size;
        put16(buf + 2, seq++);
        bad |= srtp_session_protect_rtp(s, buf, &len, sizeof buf);
    }
    double t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    srtp_session_free(s);
    return bad ? 0 : (t1 - t0) * 1e6 / iters;
}

/* ---- one row: a fresh worker, N subscribers, warm-up, steady pass ----------------------- */

/* Feeds published packets [from, to) through the receive path. With a CPU `deadline` (> 0) it
 * stops at the first frame boundary past it. Returns the index it stopped at. */
static unsigned feed(worker *w, sink *s, const stream *st, unsigned from, unsigned to,
                     const struct sockaddr_storage *pub, double deadline)
{
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    outbox *ob = worker_outbox(w);
    for (unsigned k = from; k < to; k++) {
        if (deadline > 0 && k > from && k % PKTS_PER_FRAME == 0 &&
            clock_s(CLOCK_PROCESS_CPUTIME_ID) > deadline)
            return k;
        size_t len = st->len[k];
        memcpy(buf, st->data + (size_t)k * st->stride, len);
        if (s->verify) {
            s->k = k;
            make_plain(s->expect, s->size, k);
        }
        worker_on_datagram(w, buf, len, pub, sizeof(struct sockaddr_in), util_now_us());
        outbox_flush(ob);
    }
    return to;
}

static int setup(worker *w, const profile_def *pd, unsigned n, const struct sockaddr_storage *pub,
                 source **src)
{
    sfu_transport_params tp = {.id = 1};
    snprintf(tp.local_ufrag, sizeof tp.local_ufrag, "pub");
    snprintf(tp.local_pwd, sizeof tp.local_pwd, "publisher-password-0000000");
    dtls_srtp_keys keys = transport_keys(pd, 0);
    if (!worker_transport_create(w, &tp) ||
        worker_transport_key(w, tp.id, &keys, pub, sizeof(struct sockaddr_in)) != 0)
        return -1;
    sfu_source_params sp = {
        .id = 1, .transport = 1, .codec = CODEC_VP8, .clock = 90000, .ssrc = SRC_SSRC};
    if (!(*src = worker_source_add(w, &sp))) return -1;
    for (unsigned i = 0; i < n; i++) {
        sfu_transport_params st = {.id = 2 + i};
        snprintf(st.local_ufrag, sizeof st.local_ufrag, "sub%u", i);
        snprintf(st.local_pwd, sizeof st.local_pwd, "subscriber-password-%08u", i);
        keys = transport_keys(pd, 1 + i);
        struct sockaddr_storage peer = peer_addr(SUB_IP_BASE + i);
        if (!worker_transport_create(w, &st) ||
            worker_transport_key(w, st.id, &keys, &peer, sizeof(struct sockaddr_in)) != 0)
            return -1;
        sfu_output_params op = {.id = 1 + i,
                                .transport = st.id,
                                .codec = CODEC_VP8,
                                .clock = 90000,
                                .ssrc = OUT_SSRC_BASE + i,
                                .pt = VP8_PT};
        if (!worker_output_add(w, &op)) return -1;
        worker_output_bind(w, op.id, sp.id, 0, CODEC_VP8, 90000, false);
        worker_source_ref(w, sp.id, 0, +1);
    }
    return 0;
}

/* Warm-up: the keyframe starts every output and libsrtp creates its per-SSRC streams. With
 * `verify`, every datagram is decrypted with the subscriber's own keys and compared with what
 * was published; the subscribers' sessions are gone again before anything is timed (they would
 * not live in a real server, and the SRTP library's cost may grow with live sessions). */
static bool warm_up(worker *w, sink *s, const profile_def *pd, const stream *st, unsigned n,
                    const opts *o, const struct sockaddr_storage *pub, row_result *r)
{
    bool ok = true;
    sub_check *subs = o->verify ? calloc(n, sizeof *subs) : NULL;
    if (o->verify && !subs) return false;
    for (unsigned i = 0; subs && i < n; i++) {
        dtls_srtp_keys k = mirror(transport_keys(pd, 1 + i));
        if (!(subs[i].client = srtp_session_new(&k))) ok = false;
    }
    if (ok) {
        s->subs = subs;
        s->verify = o->verify;
        feed(w, s, st, 0, o->warmup, pub, 0);
        s->verify = false;
        s->subs = NULL;
        r->verified = s->verified;
        r->verify_errors = s->verify_errors;
        ok = s->verify_errors == 0 && s->stray == 0 &&
             (!o->verify || s->verified == (uint64_t)o->warmup * n);
        for (unsigned i = 0; i < n; i++)
            if (s->per_sub[i] != o->warmup) ok = false;
    }
    for (unsigned i = 0; subs && i < n; i++)
        srtp_session_free(subs[i].client);
    free(subs);
    if (!ok)
        fprintf(stderr, "warm-up: not every subscriber got every packet intact (%s, N %u)\n",
                pd->name, n);
    return ok;
}

static size_t drain_worker(void *ud, sfu_tap_fn fn, void *fn_ud, size_t max)
{
    return tap_drain_ring(worker_tap(ud), fn, fn_ud, max);
}

/* Recording on: the publisher's source is copied to the tap and a recorder thread writes the
 * copies into a journal in a scratch directory, as the hub does. */
static recorder *start_recording(worker *w, source *src, char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/dh_bench_rec.XXXXXX");
    if (!mkdtemp(dir)) return NULL;
    recorder *rec = recorder_new(drain_worker, w);
    if (!rec) return NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/bench.dhj", dir);
    journal_track t = {.kind = JOURNAL_KIND_VIDEO,
                       .payload_type = VP8_PT,
                       .clock_rate = 90000,
                       .ssrc = SRC_SSRC,
                       .codec = "VP8",
                       .meeting = "bench",
                       .site = "bench",
                       .track_id = "bench/video"};
    recorder_track_open(rec, src->id, path, &t);
    recorder_stats rs;
    do { /* the journal is open before the first copy */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        recorder_get_stats(rec, &rs);
    } while (!rs.tracks_open && !rs.failures);
    src->recording = true;
    return rec;
}

/* The recorder's work for the timed pass belongs inside it: wait until every copy is written. */
static void wait_recorded(recorder *rec, uint64_t copies)
{
    recorder_stats rs;
    for (;;) {
        recorder_get_stats(rec, &rs);
        if (rs.packets + rs.dropped >= copies || rs.failures) return;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}

static void stop_recording(recorder *rec, const char *dir, row_result *r)
{
    recorder_stats rs;
    recorder_get_stats(rec, &rs);
    r->recorded = rs.packets;
    r->rec_dropped = rs.dropped;
    recorder_free(rec);
    char path[128];
    snprintf(path, sizeof path, "%s/bench.dhj", dir);
    unlink(path);
    rmdir(dir);
}

static void run_row(const profile_def *pd, const stream *st, unsigned n, const opts *o,
                    double budget_s, bool record, row_result *r)
{
    memset(r, 0, sizeof *r);
    /* The floor first, with no other SRTP session alive in the process. */
    r->floor_us = floor_protect_us(pd, o->size, FLOOR_ITERS);
    worker *w = worker_new(NULL, 0, -1, NULL);
    sink *s = calloc(1, sizeof *s);
    uint32_t *per_sub = calloc(n, sizeof *per_sub);
    struct sockaddr_storage pub = peer_addr(PUB_IP);
    source *src = NULL;
    recorder *rec = NULL;
    char rec_dir[64] = "";
    if (!w || !s || !per_sub || setup(w, pd, n, &pub, &src) != 0) {
        fprintf(stderr, "setup failed (profile %s, N %u)\n", pd->name, n);
        goto out;
    }
    s->n_subs = n;
    s->per_sub = per_sub;
    s->size = o->size;
    outbox_set_sender(worker_outbox(w), sink_send, s);
    outbox_flush(worker_outbox(w)); /* the PLI that the first subscription asked */
    bool warm_ok = warm_up(w, s, pd, st, n, o, &pub, r);
    if (record && !(rec = start_recording(w, src, rec_dir, sizeof rec_dir))) {
        fprintf(stderr, "cannot start the recorder\n");
        goto out;
    }

    memset(per_sub, 0, n * sizeof *per_sub);
    worker_counters *wc = worker_stats(w);
    uint64_t fwd0 = atomic_load(&wc->forwarded), rx0 = atomic_load(&wc->rx_packets),
             err0 = atomic_load(&wc->srtp_errors);
    s->calls = s->datagrams = s->bytes = s->rtp = s->rtcp = s->stray = 0;

    long flt0 = minflt_now();
    long long heap0 = heap_in_use();
    double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), m0 = clock_s(CLOCK_MONOTONIC);
    unsigned end =
        feed(w, s, st, o->warmup, o->warmup + o->packets, &pub, budget_s > 0 ? c0 + budget_s : 0);
    if (rec) wait_recorded(rec, end - o->warmup);
    double c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID), m1 = clock_s(CLOCK_MONOTONIC);
    long flt1 = minflt_now();
    long long heap1 = heap_in_use();

    unsigned fed = end - o->warmup;
    r->cut = fed < o->packets;
    r->pkts_in = atomic_load(&wc->rx_packets) - rx0;
    r->expected = (uint64_t)fed * n;
    r->forwarded = atomic_load(&wc->forwarded) - fwd0;
    r->srtp_errors = atomic_load(&wc->srtp_errors) - err0;
    r->sink_rtp = s->rtp;
    r->sink_rtcp = s->rtcp;
    r->sink_bytes = s->bytes;
    r->sink_calls = s->calls;
    r->cpu_s = c1 - c0;
    r->wall_s = m1 - m0;
    r->minflt = flt1 - flt0;
    r->heap_delta = heap1 - heap0;
    bool steady_ok = r->pkts_in == fed && r->forwarded == r->expected &&
                     r->sink_rtp == r->expected && r->srtp_errors == 0 && s->stray == 0;
    for (unsigned i = 0; i < n; i++)
        if (per_sub[i] != fed) steady_ok = false;
    r->ok = warm_ok && steady_ok;

    /* The same protect again, now with the row's N + 1 transports' sessions alive. */
    r->floor_live_us = floor_protect_us(pd, o->size, FLOOR_ITERS);
    if (r->floor_us <= 0 || r->floor_live_us <= 0) {
        fprintf(stderr, "floor: srtp protect failed\n");
        r->ok = false;
    }
out:
    if (rec) stop_recording(rec, rec_dir, r);
    if (rec && r->recorded != r->pkts_in) r->ok = false;
    free(per_sub);
    free(s);
    worker_free(w);
}

/* A long-running server's heap is warm: its pages were touched long ago. Freed memory stays in
 * the process (no trimming, no mmap per large block) and a heap's worth is touched up front, so
 * that a page fault in a timed pass means memory that is new, not the first touch of memory set
 * up before it (the 768 KB retransmission ring, the outbox). */
static void warm_heap(const opts *o)
{
    unsigned n_max = 0;
    for (size_t i = 0; i < o->n_ns; i++)
        n_max = o->ns[i] > n_max ? o->ns[i] : n_max;
    size_t bytes = (size_t)64 << 20;
    bytes += (size_t)n_max * (64u << 10);
    size_t chunks = (bytes + HEAP_CHUNK - 1) / HEAP_CHUNK;
    mallopt(M_MMAP_THRESHOLD, (int)(2 * HEAP_CHUNK));
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    void **p = calloc(chunks, sizeof *p);
    if (!p) return;
    for (size_t i = 0; i < chunks; i++)
        if ((p[i] = malloc(HEAP_CHUNK)))
            memset(p[i], 0xa5, HEAP_CHUNK) /* not 0: malloc+memset 0 may become calloc */;
    for (size_t i = chunks; i-- > 0;)
        free(p[i]);
    free(p);
}

/* ---- the report ------------------------------------------------------------------------- */

static void print_machine(const opts *o)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) != 0) continue;
            const char *v = strchr(line, ':');
            if (!v) break;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(model, sizeof model, "%s", v);
            model[strcspn(model, "\n")] = 0;
            break;
        }
        fclose(f);
    }
    const char *build =
#if defined(DH_BUILD_TYPE)
        DH_BUILD_TYPE;
#elif defined(__SANITIZE_ADDRESS__)
        "sanitized (ASan: figures are not representative)";
#elif defined(__OPTIMIZE__) && defined(NDEBUG)
        "optimized, NDEBUG (Release or RelWithDebInfo)";
#elif defined(__OPTIMIZE__)
        "optimized, assertions on";
#else
        "unoptimized (Debug: figures are not representative)";
#endif
    printf(
        "# bench_forward: one publisher -> N subscribers on one worker, real SRTP, no sockets\n");
    printf("# machine: %ld online CPUs, %s\n", sysconf(_SC_NPROCESSORS_ONLN), model);
    printf("# build: %s; %s; %s\n", build, srtp_get_version_string(),
           OpenSSL_version(OPENSSL_VERSION));
    printf("# workload: VP8, %u-byte RTP packets (12-byte header, no extensions), %u per frame, "
           "%u warm-up + up to %u timed packets in per N, CPU budget %.0f s for all timed passes\n",
           o->size, PKTS_PER_FRAME, o->warmup, o->packets, o->budget_s);
    printf("# path: worker_on_datagram (SRTP unprotect, parse, route, per subscriber rewrite + "
           "copy + SRTP protect + batch) then outbox_flush\n");
    printf("# sink: the outbox's sender is replaced by a counter where sendmmsg(2) would run: "
           "no system call, no kernel cost in these figures\n");
    printf("# us/fwd_pkt: process CPU time (CLOCK_PROCESS_CPUTIME_ID) of the timed pass / packets "
           "forwarded; wall_us: the same on CLOCK_MONOTONIC\n");
    printf(
        "# floor_us: one srtp_session_protect_rtp of the same packet on a session of its own, no "
        "other session alive; ratio = us/fwd_pkt / floor_us\n");
    printf("# live_us: the same protect while the row's N + 1 transports' sessions are alive; "
           "ratio_live = us/fwd_pkt / live_us\n");
    printf("# minflt / heap_B: minor page faults and change of glibc heap bytes in use over the "
           "timed pass (0 and 0 when nothing new is allocated; malloc+free pairs do not show)\n\n");
    printf("%-7s %5s %7s %9s %10s %8s %13s %8s %6s %8s %10s %6s %7s\n", "profile", "N", "pkts_in",
           "forwarded", "us/fwd_pkt", "wall_us", "fwd_pkt/cpu_s", "floor_us", "ratio", "live_us",
           "ratio_live", "minflt", "heap_B");
    fflush(stdout);
}

static void print_row(const char *label, unsigned n, const row_result *r)
{
    double us = r->forwarded ? r->cpu_s * 1e6 / (double)r->forwarded : 0;
    double wall = r->forwarded ? r->wall_s * 1e6 / (double)r->forwarded : 0;
    double per_s = us > 0 ? 1e6 / us : 0;
    double ratio = r->floor_us > 0 ? us / r->floor_us : 0;
    double ratio_live = r->floor_live_us > 0 ? us / r->floor_live_us : 0;
    printf("%-7s %5u %7" PRIu64 " %9" PRIu64 " %10.3f %8.3f %13.0f %8.3f %6.2f %8.3f %10.2f %6ld "
           "%7lld%s\n",
           label, n, r->pkts_in, r->forwarded, us, wall, per_s, r->floor_us, ratio,
           r->floor_live_us, ratio_live, r->minflt, r->heap_delta,
           r->cut ? "  (time budget: fewer packets)" : "");
    if (!r->ok)
        printf("WARNING: %s N=%u: forwarded %" PRIu64 ", expected %" PRIu64 " (= %" PRIu64
               " in x %u); sink counted %" PRIu64 " RTP + %" PRIu64 " RTCP datagrams"
               " in %" PRIu64 " batches (%" PRIu64 " bytes), srtp errors %" PRIu64
               ", warm-up verified %" PRIu64 " bad %" PRIu64 "\n",
               label, n, r->forwarded, r->expected, r->pkts_in, n, r->sink_rtp, r->sink_rtcp,
               r->sink_calls, r->sink_bytes, r->srtp_errors, r->verified, r->verify_errors);
    fflush(stdout);
}

/* ---- arguments -------------------------------------------------------------------------- */

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--n 100,500,1000] [--packets 2000] [--size 1200] [--warmup 64]\n"
            "          [--profile gcm|cm|both] [--budget 40] [--no-verify]\n"
            "          [--record]\n"
            "  --n        subscriber counts, comma-separated (up to %d)\n"
            "  --packets  published packets in the timed pass, per N\n"
            "  --size     RTP packet size in bytes before SRTP (%d..%d)\n"
            "  --warmup   published packets before timing (at least 1; the first is the keyframe)\n"
            "  --profile  SRTP profile: AEAD_AES_128_GCM, AES128_CM_HMAC_SHA1_80, or both\n"
            "  --budget   CPU seconds for all timed passes together, shared equally by the rows;\n"
            "             a row out of time stops at a frame boundary (0: no limit)\n"
            "  --no-verify  skip decrypting every warm-up datagram on the subscriber's side\n"
            "  --record   each row again with the publisher recorded (tap + recorder thread +\n"
            "             journal with fdatasync), and the ratio of the two\n",
            argv0, MAX_NS, MIN_SIZE, MAX_SIZE);
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_ns(const char *s, opts *o)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", s);
    o->n_ns = 0;
    for (char *save = NULL, *tok = strtok_r(tmp, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->n_ns == MAX_NS || !parse_uint(tok, 1, 1000000, &o->ns[o->n_ns])) return false;
        o->n_ns++;
    }
    return o->n_ns > 0;
}

static int parse_args(int argc, char **argv, opts *o)
{
    *o = (opts){.ns = {100, 500, 1000},
                .n_ns = 3,
                .packets = 2000,
                .warmup = 64,
                .budget_s = 40,
                .size = 1200,
                .profiles = {true, true},
                .verify = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(a, "--no-verify")) {
            o->verify = false;
            continue;
        }
        if (!strcmp(a, "--record")) {
            o->record = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(argv[0]);
            exit(0);
        }
        if (!v)
            ok = false;
        else if (!strcmp(a, "--n"))
            ok = parse_ns(v, o);
        else if (!strcmp(a, "--packets"))
            ok = parse_uint(v, 1, 10000000, &o->packets);
        else if (!strcmp(a, "--warmup"))
            ok = parse_uint(v, 1, 1000000, &o->warmup);
        else if (!strcmp(a, "--size"))
            ok = parse_uint(v, MIN_SIZE, MAX_SIZE, &o->size);
        else if (!strcmp(a, "--budget")) {
            unsigned b;
            ok = parse_uint(v, 0, 100000, &b);
            o->budget_s = b;
        } else if (!strcmp(a, "--profile")) {
            o->profiles[0] = !strcmp(v, "gcm") || !strcmp(v, "both");
            o->profiles[1] = !strcmp(v, "cm") || !strcmp(v, "both");
            ok = o->profiles[0] || o->profiles[1];
        } else
            ok = false;
        if (!ok) {
            fprintf(stderr, "bad argument: %s%s%s\n", a, v ? " " : "", v ? v : "");
            usage(argv[0]);
            return -1;
        }
        i++;
    }
    /* Every published packet is kept, protected, in memory (1.5 KiB each). */
    if ((uint64_t)o->warmup + o->packets > 200000) {
        fprintf(stderr, "--warmup + --packets must stay within 200000\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse_args(argc, argv, &o) != 0) return 2;
    log_set_level(LOG_WARN);
    if (srtp_session_global_init() != 0) {
        fprintf(stderr, "srtp init failed\n");
        return 1;
    }
    warm_heap(&o);
    print_machine(&o);
    size_t rows = 0;
    for (size_t p = 0; p < DH_ARRAY_LEN(PROFILES); p++)
        rows += o.profiles[p] ? o.n_ns * (o.record ? 2 : 1) : 0;
    bool all_ok = true;
    for (size_t p = 0; p < DH_ARRAY_LEN(PROFILES); p++) {
        if (!o.profiles[p]) continue;
        const profile_def *pd = &PROFILES[p];
        stream st = {0};
        if (build_stream(pd, o.size, o.warmup + o.packets, &st) != 0) {
            fprintf(stderr, "cannot build the publisher's packets (%s)\n", pd->name);
            free_stream(&st);
            return 1;
        }
        for (size_t i = 0; i < o.n_ns; i++) {
            row_result r;
            run_row(pd, &st, o.ns[i], &o, o.budget_s / (double)rows, false, &r);
            print_row(pd->name, o.ns[i], &r);
            all_ok = all_ok && r.ok;
            if (!o.record) continue;
            row_result rr;
            char label[32];
            snprintf(label, sizeof label, "%s+rec", pd->name);
            run_row(pd, &st, o.ns[i], &o, o.budget_s / (double)rows, true, &rr);
            print_row(label, o.ns[i], &rr);
            all_ok = all_ok && rr.ok;
            double off = r.forwarded ? r.cpu_s / (double)r.forwarded : 0;
            double on = rr.forwarded ? rr.cpu_s / (double)rr.forwarded : 0;
            printf("# recorder overhead %s N=%u: %.3f (us/fwd_pkt on / off), %" PRIu64
                   " packets journaled, %" PRIu64 " dropped at the tap\n",
                   pd->name, o.ns[i], off > 0 ? on / off : 0, rr.recorded, rr.rec_dropped);
        }
        free_stream(&st);
    }
    if (!all_ok) printf("FAILED: see the warnings above\n");
    return all_ok ? 0 : 1;
}
