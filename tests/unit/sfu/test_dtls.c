#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/crypto/dtls.h"
#include "tests/unit/check.h"

/* One direction of the "network": datagrams in flight, with a switch to lose them. */
#define QMAX 64
typedef struct {
    uint8_t buf[QMAX][1500];
    size_t len[QMAX];
    int head, tail;
    bool drop;
    int dropped, sent;
    size_t max_len;
} queue;

static void q_send(void *ctx, const uint8_t *b, size_t n)
{
    queue *q = ctx;
    q->sent++;
    if (n > q->max_len) q->max_len = n;
    if (q->drop || n > sizeof q->buf[0] || q->tail - q->head >= QMAX) {
        q->dropped++;
        return;
    }
    memcpy(q->buf[q->tail % QMAX], b, n);
    q->len[q->tail % QMAX] = n;
    q->tail++;
}

typedef struct {
    dtls_cert *cs, *cc;
    dtls_conn *server, *client;
    queue to_server, to_client;
} pair;

static dtls_conn *conn_for(const dtls_cert *self, const dtls_cert *peer, bool is_server,
                           bool wrong_fp)
{
    (void)self;
    size_t n;
    uint8_t fp[32];
    memcpy(fp, dtls_cert_fingerprint(peer, &n), sizeof fp);
    if (wrong_fp) fp[5] ^= 0x40;
    return dtls_conn_new(self, is_server, "sha-256", fp, n);
}

static pair *pair_new(bool server_wrong_fp, bool client_wrong_fp)
{
    pair *p = calloc(1, sizeof *p);
    p->cs = dtls_cert_new();
    p->cc = dtls_cert_new();
    p->server = conn_for(p->cs, p->cc, true, server_wrong_fp);
    p->client = conn_for(p->cc, p->cs, false, client_wrong_fp);
    return p;
}

static void pair_free(pair *p)
{
    dtls_conn_free(p->server);
    dtls_conn_free(p->client);
    dtls_cert_free(p->cs);
    dtls_cert_free(p->cc);
    free(p);
}

/* Hands everything queued in `q` to `to`, whose answers go to `back`. */
static int deliver_to(queue *q, dtls_conn *to, queue *back)
{
    int moved = 0;
    while (q->head < q->tail) {
        int i = q->head++ % QMAX;
        dtls_conn_input(to, q->buf[i], q->len[i], q_send, back);
        moved++;
    }
    return moved;
}

/* Delivers everything in flight, both ways, until nothing moves. */
static void deliver(pair *p)
{
    while (deliver_to(&p->to_server, p->server, &p->to_client) +
           deliver_to(&p->to_client, p->client, &p->to_server))
        ;
}

static bool settled(dtls_conn *d)
{
    return dtls_conn_state(d) != DTLS_HANDSHAKING;
}

/* Runs the handshake to the end, firing retransmission timers as real time passes. */
static void run(pair *p, uint64_t budget_us)
{
    uint64_t deadline = util_now_us() + budget_us;
    while (util_now_us() < deadline) {
        deliver(p);
        if (settled(p->server) && settled(p->client)) return;
        uint64_t ts = dtls_conn_next_timeout(p->server), tc = dtls_conn_next_timeout(p->client);
        if (!ts && !tc) return;
        uint64_t next = !ts ? tc : !tc ? ts : (ts < tc ? ts : tc);
        uint64_t now = util_now_us();
        if (next > now) {
            uint64_t wait = next - now;
            struct timespec req = {(time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000};
            nanosleep(&req, NULL);
        }
        now = util_now_us();
        if (ts && now >= ts) dtls_conn_on_timer(p->server, q_send, &p->to_client);
        if (tc && now >= tc) dtls_conn_on_timer(p->client, q_send, &p->to_server);
    }
}

static void test_fingerprint_text(void)
{
    dtls_cert *c = dtls_cert_new();
    CHECK(c != NULL);
    size_t n = 0;
    const uint8_t *fp = dtls_cert_fingerprint(c, &n);
    CHECK_EQ(n, 32);
    const char *t = dtls_cert_fingerprint_text(c);
    CHECK_EQ(strlen(t), 32 * 3 - 1);
    bool shape = true;
    for (size_t i = 0; i < 32; i++) {
        char want[4];
        snprintf(want, sizeof want, "%02X", fp[i]);
        shape &= memcmp(t + 3 * i, want, 2) == 0;
        if (i < 31) shape &= t[3 * i + 2] == ':';
    }
    CHECK(shape);
    dtls_cert *c2 = dtls_cert_new();
    CHECK(memcmp(dtls_cert_fingerprint(c2, &n), fp, 32) != 0);
    dtls_cert_free(c2);

    /* Unknown algorithms and lengths that do not fit the algorithm are refused up front. */
    uint8_t fp20[20] = {0};
    CHECK(dtls_conn_new(c, true, "md5", fp, 16) == NULL);
    CHECK(dtls_conn_new(c, true, "sha-256", fp, 20) == NULL);
    dtls_conn *d = dtls_conn_new(c, true, "SHA-1", fp20, 20);
    CHECK(d != NULL);
    dtls_conn_free(d);
    dtls_cert_free(c);
}

static void test_handshake(void)
{
    pair *p = pair_new(false, false);
    CHECK(p->server && p->client);
    CHECK_EQ(dtls_conn_start(p->server, q_send, &p->to_client), DTLS_HANDSHAKING);
    CHECK_EQ(p->to_client.sent, 0);
    CHECK_EQ(dtls_conn_start(p->client, q_send, &p->to_server), DTLS_HANDSHAKING);
    CHECK(p->to_server.sent >= 1);
    CHECK(dtls_conn_next_timeout(p->client) > util_now_us());
    run(p, 3000000);
    CHECK_EQ(dtls_conn_state(p->server), DTLS_CONNECTED);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_CONNECTED);
    CHECK(p->to_client.max_len <= 1200 && p->to_server.max_len <= 1200);
    CHECK_EQ(p->to_client.dropped + p->to_server.dropped, 0);
    CHECK_EQ(dtls_conn_next_timeout(p->client), 0);
    CHECK_EQ(dtls_conn_next_timeout(p->server), 0);
    printf("handshake: %d datagrams to the client (largest %zu B), %d to the server (%zu B)\n",
           p->to_client.sent, p->to_client.max_len, p->to_server.sent, p->to_server.max_len);

    dtls_srtp_keys ks, kc;
    CHECK(dtls_conn_srtp_keys(p->server, &ks));
    CHECK(dtls_conn_srtp_keys(p->client, &kc));
    CHECK_EQ(ks.profile, DTLS_SRTP_AEAD_AES_128_GCM);
    CHECK_EQ(kc.profile, DTLS_SRTP_AEAD_AES_128_GCM);
    CHECK_EQ(ks.key_len, 28);
    CHECK_EQ(kc.key_len, 28);
    CHECK(memcmp(ks.local, kc.remote, 28) == 0);
    CHECK(memcmp(ks.remote, kc.local, 28) == 0);
    CHECK(memcmp(ks.local, ks.remote, 28) != 0);

    /* close_notify reaches the peer, which then reports the close. */
    dtls_conn_close(p->client, q_send, &p->to_server);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_CLOSED);
    deliver(p);
    CHECK_EQ(dtls_conn_state(p->server), DTLS_CLOSED);
    CHECK(!dtls_conn_srtp_keys(p->server, &ks));
    pair_free(p);
}

static void test_wrong_fingerprint(bool server_side)
{
    pair *p = pair_new(server_side, !server_side);
    dtls_conn *wrong = server_side ? p->server : p->client;
    dtls_conn *other = server_side ? p->client : p->server;
    dtls_conn_start(p->client, q_send, &p->to_server);
    run(p, 3000000);
    CHECK_EQ(dtls_conn_state(wrong), DTLS_FAILED);
    CHECK_STR(dtls_conn_error(wrong), "fingerprint mismatch");
    dtls_srtp_keys k;
    CHECK(!dtls_conn_srtp_keys(wrong, &k));
    /* The rejecting side sends bad_certificate, so the other side fails too. */
    CHECK_EQ(dtls_conn_state(other), DTLS_FAILED);
    CHECK_STR(dtls_conn_error(other), "sslv3 alert bad certificate");
    /* A failed connection ignores whatever comes later. */
    uint8_t junk[40] = {22, 0xfe, 0xfd};
    CHECK_EQ(dtls_conn_input(wrong, junk, sizeof junk, q_send, &p->to_client), DTLS_FAILED);
    pair_free(p);
}

static void test_garbage(void)
{
    dtls_cert *c = dtls_cert_new();
    size_t n;
    const uint8_t *fp = dtls_cert_fingerprint(c, &n);
    queue *sink = calloc(1, sizeof *sink);
    sink->drop = true;
    log_level saved = log_get_level();
    log_set_level(LOG_ERROR);
    int failed = 0, bad_errors = 0, connected = 0;
    for (int i = 0; i < 600; i++) {
        bool server = i % 2 == 0;
        dtls_conn *d = dtls_conn_new(c, server, "sha-256", fp, n);
        if (!server) dtls_conn_start(d, q_send, sink);
        for (int j = 0; j < 4; j++) {
            uint8_t b[300];
            size_t len = 1 + util_random_u32() % sizeof b;
            util_random(b, len);
            /* Mostly well-formed record headers, so the bytes get past the record layer. */
            if (i % 3 != 0 && len >= 13) {
                b[0] = (uint8_t)(20 + i % 4);
                b[1] = 0xfe;
                b[2] = 0xfd;
                b[3] = b[4] = 0;
                uint16_t rl = (uint16_t)(len - 13);
                b[11] = (uint8_t)(rl >> 8);
                b[12] = (uint8_t)rl;
            }
            dtls_conn_input(d, b, len, q_send, sink);
        }
        dtls_state st = dtls_conn_state(d);
        if (st == DTLS_FAILED) {
            failed++;
            if (dtls_conn_error(d)[0] == '\0') bad_errors++;
        }
        if (st == DTLS_CONNECTED) connected++;
        dtls_conn_free(d);
    }
    log_set_level(saved);
    printf("garbage: %d of 600 connections failed, the rest dropped the input\n", failed);
    CHECK_EQ(connected, 0);
    CHECK_EQ(bad_errors, 0);
    free(sink);
    dtls_cert_free(c);

    /* Truncated copies of the real ClientHello are dropped; the full one then works. */
    pair *p = pair_new(false, false);
    dtls_conn_start(p->client, q_send, &p->to_server);
    CHECK_EQ(p->to_server.tail, 1);
    size_t hello_len = p->to_server.len[0];
    uint8_t hello[1500];
    memcpy(hello, p->to_server.buf[0], hello_len);
    for (size_t cut = 1; cut < hello_len; cut += 7)
        CHECK_EQ(dtls_conn_input(p->server, hello, cut, q_send, &p->to_client), DTLS_HANDSHAKING);
    CHECK_EQ(p->to_client.sent, 0);
    run(p, 3000000);
    CHECK_EQ(dtls_conn_state(p->server), DTLS_CONNECTED);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_CONNECTED);
    pair_free(p);
}

/* The server's whole first flight is lost; the retransmission timer brings it back. */
static void test_lost_first_flight(void)
{
    pair *p = pair_new(false, false);
    uint64_t t0 = util_now_us();
    dtls_conn_start(p->client, q_send, &p->to_server);
    p->to_client.drop = true;
    deliver(p);
    p->to_client.drop = false;
    CHECK(p->to_client.dropped >= 1);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_HANDSHAKING);
    CHECK(dtls_conn_next_timeout(p->server) != 0 || dtls_conn_next_timeout(p->client) != 0);
    run(p, 4000000);
    uint64_t took = util_now_us() - t0;
    printf("lost first flight: connected after %.2f s\n", (double)took / 1e6);
    CHECK_EQ(dtls_conn_state(p->server), DTLS_CONNECTED);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_CONNECTED);
    CHECK(took >= 500000 && took < 4000000);
    pair_free(p);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost after the server considers itself
 * connected: the client's retransmitted flight makes the server resend it. */
static void test_lost_last_flight(void)
{
    pair *p = pair_new(false, false);
    dtls_conn_start(p->client, q_send, &p->to_server);
    deliver_to(&p->to_server, p->server, &p->to_client); /* ClientHello */
    deliver_to(&p->to_client, p->client, &p->to_server); /* server flight -> client flight */
    CHECK_EQ(dtls_conn_state(p->server), DTLS_HANDSHAKING);
    CHECK(p->to_server.tail > p->to_server.head);
    p->to_client.drop = true;
    deliver_to(&p->to_server, p->server, &p->to_client);
    p->to_client.drop = false;
    CHECK_EQ(dtls_conn_state(p->server), DTLS_CONNECTED);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_HANDSHAKING);
    uint64_t t0 = util_now_us();
    int resent = p->to_server.sent;
    run(p, 4000000);
    printf("lost last flight: client connected after %.2f s\n", (double)(util_now_us() - t0) / 1e6);
    CHECK(p->to_server.sent > resent);
    CHECK_EQ(dtls_conn_state(p->client), DTLS_CONNECTED);
    dtls_srtp_keys ks, kc;
    CHECK(dtls_conn_srtp_keys(p->server, &ks) && dtls_conn_srtp_keys(p->client, &kc));
    CHECK(memcmp(ks.local, kc.remote, ks.key_len) == 0);
    pair_free(p);
}

int main(void)
{
    test_fingerprint_text();
    test_handshake();
    test_wrong_fingerprint(false);
    test_wrong_fingerprint(true);
    test_garbage();
    test_lost_first_flight();
    test_lost_last_flight();
    CHECK_DONE();
}
