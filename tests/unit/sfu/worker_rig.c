#include "tests/unit/sfu/worker_rig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/proto/rtcp.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: rig: %s\n", __FILE__, __LINE__, #cond);                        \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define REQUIRE_EQ(a, b) REQUIRE((a) == (b))

static void capture(void *ctx, struct mmsghdr *msgs, unsigned n);

void rig_start(void)
{
    REQUIRE_EQ(srtp_session_global_init(), 0);
    w = worker_new(NULL, 0, -1, NULL);
    REQUIRE(w != NULL);
    outbox_set_sender(worker_outbox(w), capture, NULL);
}

/* ---- captured datagrams --------------------------------------------------------------------- */

dgram captured[CAP_MAX];
size_t n_captured, overflow;
worker *w;

static void capture(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++) {
        if (n_captured == CAP_MAX) {
            overflow++;
            continue;
        }
        dgram *d = &captured[n_captured++];
        d->len = msgs[i].msg_hdr.msg_iov[0].iov_len;
        memcpy(d->buf, msgs[i].msg_hdr.msg_iov[0].iov_base, d->len);
        d->tolen = msgs[i].msg_hdr.msg_namelen;
        memcpy(&d->to, msgs[i].msg_hdr.msg_name, d->tolen);
    }
}

/* ---- clients ----------------------------------------------------------------------- */

struct sockaddr_storage loopback(uint16_t port, socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof *in;
    return ss;
}

bool to_client(const dgram *d, const client *c)
{
    const struct sockaddr_in *a = (const void *)&d->to, *b = (const void *)&c->addr;
    return d->tolen == c->addrlen && a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Distinct fixed keys per transport; the client gets them mirrored. */
void keys_for(uint32_t tid, dtls_srtp_keys *hub, dtls_srtp_keys *cli)
{
    memset(hub, 0, sizeof *hub);
    hub->profile = DTLS_SRTP_AES128_CM_SHA1_80;
    hub->key_len = 30;
    for (size_t i = 0; i < hub->key_len; i++) {
        hub->local[i] = (uint8_t)(tid * 31 + i * 7 + 1);
        hub->remote[i] = (uint8_t)(tid * 17 + i * 13 + 5);
    }
    *cli = *hub;
    memcpy(cli->local, hub->remote, sizeof cli->local);
    memcpy(cli->remote, hub->local, sizeof cli->remote);
}

void client_setup(client *c, uint32_t tid)
{
    sfu_transport_params p = {.id = tid};
    snprintf(p.local_ufrag, sizeof p.local_ufrag, "ufrag%u", tid);
    snprintf(p.local_pwd, sizeof p.local_pwd, "password-of-transport-%u", tid);
    REQUIRE(worker_transport_create(w, &p) != NULL);
    dtls_srtp_keys hub, cli;
    keys_for(tid, &hub, &cli);
    c->tid = tid;
    c->addr = loopback((uint16_t)(40000 + tid), &c->addrlen);
    c->srtp = srtp_session_new(&cli);
    REQUIRE(c->srtp != NULL);
    REQUIRE_EQ(worker_transport_key(w, tid, &hub, &c->addr, c->addrlen), 0);
}

/* One datagram into the worker (from `from`), then the end of the loop pass: the outbox flushes.
 * The worker works in place, so it gets a copy. */
void deliver(const uint8_t *buf, size_t len, const struct sockaddr_storage *from, socklen_t fromlen,
             uint64_t now_us)
{
    static uint8_t copy[PKT_MAX + SRTP_MAX_TRAILER];
    memcpy(copy, buf, len);
    worker_on_datagram(w, copy, len, from, fromlen, now_us);
    outbox_flush(worker_outbox(w));
}

/* ---- what the publisher sends --------------------------------------------------------------- */

/* A VP8 packet: the first packet of a key or inter frame (S=1, PID=0, then the frame header whose
 * bit 0 is the inverse key-frame flag) or a continuation packet (S=0). */
src_pkt vp8(uint16_t seq, uint32_t ts, int kind, bool marker, size_t len)
{
    src_pkt p = {.seq = seq, .ts = ts, .marker = marker, .payload_len = len};
    for (size_t i = 0; i < len; i++)
        p.payload[i] = (uint8_t)(seq * 7 + i * 3);
    static const uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
    static const uint8_t inter[] = {0x10, 0x01, 0x00, 0x00};
    if (kind == FRAME_KEY) memcpy(p.payload, key, sizeof key);
    if (kind == FRAME_INTER) memcpy(p.payload, inter, sizeof inter);
    if (kind == FRAME_CONT) p.payload[0] = 0x00;
    return p;
}

size_t build_rtp(uint8_t *out, const src_pkt *p, uint32_t ssrc, uint8_t pt)
{
    out[0] = (uint8_t)(0x80 | (p->pad ? 0x20 : 0));
    out[1] = (uint8_t)((p->marker ? 0x80 : 0) | pt);
    out[2] = (uint8_t)(p->seq >> 8);
    out[3] = (uint8_t)p->seq;
    for (int i = 0; i < 4; i++) {
        out[4 + i] = (uint8_t)(p->ts >> (24 - 8 * i));
        out[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    memcpy(out + 12, p->payload, p->payload_len);
    size_t n = 12 + p->payload_len;
    if (p->pad) {
        memset(out + n, 0, p->pad - 1u);
        out[n + p->pad - 1] = p->pad;
        n += p->pad;
    }
    return n;
}

/* RTCP from a client, protected with its session. */
void send_rtcp(const client *c, uint8_t *buf, size_t n, uint64_t now_us)
{
    REQUIRE_EQ(srtp_session_protect_rtcp(c->srtp, buf, &n, n + SRTP_MAX_TRAILER), 0);
    deliver(buf, n, &c->addr, c->addrlen, now_us);
}

void send_nack(const client *c, uint32_t media_ssrc, const uint16_t *seqs, size_t n,
               uint64_t now_us)
{
    uint8_t buf[256 + SRTP_MAX_TRAILER];
    size_t len = rtcp_write_nack(buf, 256, 0x5EED0000u + c->tid, media_ssrc, seqs, n);
    REQUIRE(len > 0);
    send_rtcp(c, buf, len, now_us);
}

/* ---- what the clients receive --------------------------------------------------------------- */

/* Opens every captured RTP datagram addressed to `c`, in order. `skip_seq` (when >= 0) is
 * one the client pretends it lost: left sealed, so that its retransmission is no replay. */
size_t open_rtp(const client *c, got_rtp *out, size_t cap, int skip_seq, size_t *bad)
{
    size_t n = 0;
    for (size_t i = 0; i < n_captured; i++) {
        dgram *d = &captured[i];
        if (!to_client(d, c) || rtp_is_rtcp(d->buf, d->len)) continue;
        if (skip_seq >= 0 && d->len >= 4 && ((d->buf[2] << 8) | d->buf[3]) == skip_seq) continue;
        if (n == cap) {
            (*bad)++;
            continue;
        }
        got_rtp *g = &out[n];
        g->len = d->len;
        memcpy(g->buf, d->buf, d->len);
        if (srtp_session_unprotect_rtp(c->srtp, g->buf, &g->len) != 0 ||
            rtp_parse(g->buf, g->len, &g->v) != RTP_OK) {
            (*bad)++;
            continue;
        }
        n++;
    }
    return n;
}

/* Counts the RTCP packets of type/fmt `type`/`fmt` about `media_ssrc` in captured datagrams to `c`
 * (all of which must open). */
int count_rtcp(const client *c, uint8_t type, uint8_t fmt, uint32_t media_ssrc)
{
    int count = 0;
    for (size_t i = 0; i < n_captured; i++) {
        dgram *d = &captured[i];
        if (!to_client(d, c) || !rtp_is_rtcp(d->buf, d->len)) continue;
        uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
        size_t len = d->len;
        memcpy(buf, d->buf, len);
        if (srtp_session_unprotect_rtcp(c->srtp, buf, &len) != 0) {
            count = -1000;
            continue;
        }
        rtcp_iter it;
        rtcp_view v;
        rtcp_iter_init(&it, buf, len);
        while (rtcp_iter_next(&it, &v) == 1) {
            uint32_t sender, media;
            if (v.type == type && v.count == fmt && rtcp_parse_fb(&v, &sender, &media) == RTCP_OK &&
                media == media_ssrc)
                count++;
        }
    }
    return count;
}

size_t captured_to(const client *c)
{
    size_t n = 0;
    for (size_t i = 0; i < n_captured; i++)
        n += to_client(&captured[i], c);
    return n;
}

uint64_t counter(_Atomic uint64_t *c)
{
    return atomic_load(c);
}

void publish_as(const client *c, uint32_t ssrc, uint8_t pt, const src_pkt *p, uint64_t now_us)
{
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    size_t n = build_rtp(buf, p, ssrc, pt);
    REQUIRE_EQ(srtp_session_protect_rtp(c->srtp, buf, &n, PKT_MAX + SRTP_MAX_TRAILER), 0);
    deliver(buf, n, &c->addr, c->addrlen, now_us);
}
