#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_check.h"
#include "ice_reply.h"
#include "sfu/base/util.h"
#include "sfu/crypto/srtp_session.h"
#include "sfu/proto/rtp.h"

#define BATCH 32
#define DGRAM_MAX 1500
#define CHECK_EVERY_S 0.05  /* while connecting */
#define CONSENT_EVERY_S 4.0 /* once connected: the hub drops a peer silent for 30 s */
#define CONNECT_TIMEOUT_US (15u * 1000000u)
#define HELLO_AGAIN_US 100000u

typedef enum { P_IDLE = 0, P_CHECKING, P_DTLS, P_READY, P_FAILED } peer_state;

struct peer {
    struct ev_loop *loop;
    const dtls_cert *cert;
    peer_events ev;
    void *user;
    int fd;
    ev_io io;
    ev_timer tick;
    peer_state state;
    char ufrag[9], pwd[25], addr[64], fingerprint[100];
    uint16_t port;
    struct sockaddr_storage remote;
    socklen_t remote_len;
    offer_remote params;
    ice_check *ice;
    ice_reply *reply; /* answers the far end's checks (a full agent checks us too) */
    uint64_t tie_breaker;
    bool controlling; /* ICE role: we offered, or the far end is ICE-lite */
    bool dtls_server; /* the far end said a=setup:active */
    bool nominated;   /* a controlling far end put USE-CANDIDATE on a check we answered */
    /* Our ClientHello, repeated every HELLO_AGAIN_US until the far end answers anything: a
     * controlling far end (Janus) sets up its DTLS only once it has seen our reply to its
     * nominating check, and drops a hello that overtook it; OpenSSL would wait 1 s, then 2 s. */
    uint8_t hello[DGRAM_MAX];
    size_t hello_len;
    uint64_t hello_us;
    bool heard_dtls;
    dtls_conn *dtls;
    srtp_session *srtp;
    uint64_t started_us;
    peer_counters stats;
};

/* Receive buffers shared by every peer: the loop is single-threaded. */
static uint8_t rx_bufs[BATCH][DGRAM_MAX];

static void fail(peer *p, const char *why)
{
    if (p->state == P_FAILED) return;
    p->state = P_FAILED;
    ev_timer_stop(p->loop, &p->tick);
    if (p->ev.failed) p->ev.failed(p->user, why);
}

static void send_raw(peer *p, const uint8_t *buf, size_t len)
{
    if (sendto(p->fd, buf, len, 0, (const struct sockaddr *)&p->remote, p->remote_len) < 0)
        p->stats.send_errors++;
}

static void dtls_send(void *ctx, const uint8_t *buf, size_t len)
{
    peer *p = ctx;
    if (!p->dtls_server && !p->heard_dtls && !p->hello_len && len <= sizeof p->hello) {
        memcpy(p->hello, buf, len);
        p->hello_len = len;
        p->hello_us = util_now_us();
    }
    send_raw(p, buf, len);
}

static void send_check(peer *p)
{
    uint8_t buf[600];
    size_t n = ice_check_request(p->ice, buf, sizeof buf);
    if (n) send_raw(p, buf, n);
}

static void on_dtls_state(peer *p, dtls_state st)
{
    if (st == DTLS_FAILED) {
        char why[200];
        snprintf(why, sizeof why, "DTLS: %s", dtls_conn_error(p->dtls));
        fail(p, why);
        return;
    }
    if (st == DTLS_CLOSED) {
        fail(p, "DTLS closed by the hub");
        return;
    }
    /* As the DTLS server we may finish before our own checks did: the far end's succeeded. */
    if (st != DTLS_CONNECTED || (p->state != P_DTLS && p->state != P_CHECKING)) return;
    dtls_srtp_keys keys;
    if (!dtls_conn_srtp_keys(p->dtls, &keys) || !(p->srtp = srtp_session_new(&keys))) {
        fail(p, "no SRTP profile negotiated");
        return;
    }
    p->state = P_READY;
    ev_timer_stop(p->loop, &p->tick);
    /* Spread the consent checks of hundreds of peers over the interval. */
    double first = CONSENT_EVERY_S * (0.5 + (util_random_u32() % 1000) / 2000.0);
    ev_timer_set(&p->tick, first, CONSENT_EVERY_S);
    ev_timer_start(p->loop, &p->tick);
    if (p->ev.ready) p->ev.ready(p->user);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    peer *p = w->data;
    uint64_t now = util_now_us();
    if (p->state == P_CHECKING || p->state == P_DTLS) {
        if (now - p->started_us > CONNECT_TIMEOUT_US) {
            fail(p, p->state == P_CHECKING ? "ICE: no answer to checks" : "DTLS: no handshake");
            return;
        }
        if (p->state == P_CHECKING) send_check(p);
        if (p->hello_len && !p->heard_dtls && now - p->hello_us >= HELLO_AGAIN_US) {
            send_raw(p, p->hello, p->hello_len);
            p->hello_us = now;
        }
        uint64_t due = p->dtls ? dtls_conn_next_timeout(p->dtls) : 0;
        if (due && now >= due) on_dtls_state(p, dtls_conn_on_timer(p->dtls, dtls_send, p));
        return;
    }
    if (p->state == P_READY) send_check(p);
}

/* The pair is nominated: as the DTLS client we say hello; as the server the connection exists
 * since peer_start and waits for the far end's hello. */
static void ice_connected(peer *p)
{
    p->state = P_DTLS;
    if (p->dtls_server) return;
    p->dtls = dtls_conn_new(p->cert, false, p->params.fp_alg, p->params.fp, p->params.fp_len);
    if (!p->dtls) {
        fail(p, "DTLS: cannot create the connection");
        return;
    }
    on_dtls_state(p, dtls_conn_start(p->dtls, dtls_send, p));
}

static bool stun_is_request(const uint8_t *buf, size_t len)
{
    /* The class bits of the message type (RFC 5389 6): C1 is 0x0100, C0 is 0x0010. */
    return len >= 20 && (buf[0] & 0x01) == 0 && (buf[1] & 0x10) == 0;
}

static void on_check(peer *p, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                     socklen_t fromlen)
{
    uint8_t out[1280];
    size_t n = 0;
    bool use_candidate = false;
    ice_reply_result r =
        ice_reply_handle(p->reply, buf, len, from, fromlen, out, sizeof out, &n, &use_candidate);
    if (r == ICE_REPLY_DROP || !n) return;
    if (sendto(p->fd, out, n, 0, (const struct sockaddr *)from, fromlen) < 0)
        p->stats.send_errors++;
    if (r != ICE_REPLY_SUCCESS || !use_candidate || p->controlling) return;
    p->nominated = true;
    if (p->state == P_CHECKING) ice_connected(p);
}

static void on_stun(peer *p, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                    socklen_t fromlen)
{
    if (stun_is_request(buf, len)) {
        on_check(p, buf, len, from, fromlen);
        return;
    }
    if (!p->ice) return;
    ice_check_result r = ice_check_response(p->ice, buf, len);
    if (r == ICE_CHECK_ERROR && p->state == P_CHECKING) {
        char why[100];
        snprintf(why, sizeof why, "ICE: the far end answered a check with error %d",
                 ice_check_error_code(p->ice));
        fail(p, why);
        return;
    }
    /* Controlling, our USE-CANDIDATE nominated the pair: the far end now knows our address and
     * DTLS follows. Controlled, the far end decides (on_check). */
    if (r == ICE_CHECK_SUCCESS && p->state == P_CHECKING && p->controlling) ice_connected(p);
}

static void on_datagram(peer *p, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                        socklen_t fromlen, uint64_t now)
{
    p->stats.rx_datagrams++;
    if (len < 2) return;
    uint8_t b = buf[0];
    if (b < 4) {
        on_stun(p, buf, len, from, fromlen);
    } else if (b >= 20 && b < 64) {
        p->heard_dtls = true;
        if (p->dtls) on_dtls_state(p, dtls_conn_input(p->dtls, buf, len, dtls_send, p));
    } else if (b >= 128 && b < 192 && p->state == P_READY) {
        if (rtp_is_rtcp(buf, len)) {
            if (srtp_session_unprotect_rtcp(p->srtp, buf, &len) != 0) {
                p->stats.srtp_errors++;
                return;
            }
            p->stats.rx_rtcp++;
            if (p->ev.rtcp) p->ev.rtcp(p->user, buf, len, now);
        } else {
            if (srtp_session_unprotect_rtp(p->srtp, buf, &len) != 0) {
                p->stats.srtp_errors++;
                return;
            }
            p->stats.rx_rtp++;
            if (p->ev.rtp) p->ev.rtp(p->user, buf, len, now);
        }
    }
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    peer *p = w->data;
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage names[BATCH]; /* a check is answered where it came from */
    /* A few batches at most, then back to the loop so that no peer starves the others. */
    for (int round = 0; round < 4; round++) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = rx_bufs[i];
            iov[i].iov_len = DGRAM_MAX;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &names[i];
            msgs[i].msg_hdr.msg_namelen = sizeof names[i];
        }
        int n = recvmmsg(p->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) return;
        uint64_t now = util_now_us();
        for (int i = 0; i < n && p->state != P_FAILED; i++)
            on_datagram(p, rx_bufs[i], msgs[i].msg_len, &names[i], msgs[i].msg_hdr.msg_namelen,
                        now);
        if (n < BATCH || p->state == P_FAILED) return;
    }
}

peer *peer_new(const peer_env *env, const peer_events *ev, void *user, char *err, size_t errcap)
{
    peer *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    p->loop = env->loop;
    p->cert = env->cert;
    p->ev = *ev;
    p->user = user;
    p->fd = -1;
    util_random_token(p->ufrag, 8);
    util_random_token(p->pwd, 24);
    snprintf(p->fingerprint, sizeof p->fingerprint, "%s", dtls_cert_fingerprint_text(env->cert));
    snprintf(p->addr, sizeof p->addr, "%s", env->bind_ip);
    util_random(&p->tie_breaker, sizeof p->tie_breaker);
    p->controlling = true;
    p->reply = ice_reply_new(p->ufrag, p->pwd, true, p->tie_breaker);
    if (!p->reply) {
        snprintf(err, errcap, "out of memory");
        free(p);
        return NULL;
    }

    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, env->bind_ip, &sa.sin_addr) != 1) {
        snprintf(err, errcap, "bad bind address %s (IPv4 only)", env->bind_ip);
        ice_reply_free(p->reply);
        free(p);
        return NULL;
    }
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    socklen_t sl = sizeof sa;
    int rcvbuf = 1 << 20;
    if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(p->fd, (struct sockaddr *)&sa, &sl) != 0) {
        snprintf(err, errcap, "UDP socket on %s: %s", env->bind_ip, strerror(errno));
        if (p->fd >= 0) close(p->fd);
        ice_reply_free(p->reply);
        free(p);
        return NULL;
    }
    /* A receiver that falls behind for a moment must not turn that into loss blamed on the hub. */
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    p->port = ntohs(sa.sin_port);
    ev_io_init(&p->io, on_readable, p->fd, EV_READ);
    p->io.data = p;
    ev_io_start(p->loop, &p->io);
    ev_timer_init(&p->tick, on_tick, CHECK_EVERY_S, CHECK_EVERY_S);
    p->tick.data = p;
    return p;
}

void peer_free(peer *p)
{
    if (!p) return;
    ev_io_stop(p->loop, &p->io);
    ev_timer_stop(p->loop, &p->tick);
    if (p->fd >= 0) close(p->fd);
    if (p->srtp) srtp_session_free(p->srtp);
    if (p->dtls) dtls_conn_free(p->dtls);
    ice_check_free(p->ice);
    ice_reply_free(p->reply);
    free(p);
}

void peer_local(const peer *p, offer_local *l)
{
    l->ufrag = p->ufrag;
    l->pwd = p->pwd;
    l->fingerprint = p->fingerprint;
    l->addr = p->addr;
    l->port = p->port;
}

void peer_roles(peer *p, const offer_remote *r)
{
    if (p->state != P_IDLE) return;
    /* RFC 8445 6.1.1: the offerer controls, unless the other side is lite. */
    p->controlling = !r->offered || r->ice_lite;
    ice_reply_set_controlling(p->reply, p->controlling);
}

int peer_start(peer *p, const offer_remote *r)
{
    if (p->state != P_IDLE) return 0;
    p->params = *r;
    p->remote = r->addr;
    p->remote_len = r->addr_len;
    p->ice = ice_check_new(p->ufrag, r->ufrag, r->pwd);
    if (!p->ice) return -1;
    peer_roles(p, r);
    ice_check_set_role(p->ice, p->controlling, p->tie_breaker);
    /* RFC 5763 5: whoever is active is the DTLS client; an actpass offer we answered with active.
     */
    p->dtls_server = r->setup == SDP_SETUP_ACTIVE;
    if (p->dtls_server) {
        p->dtls = dtls_conn_new(p->cert, true, r->fp_alg, r->fp, r->fp_len);
        if (!p->dtls) return -1;
    }
    p->state = P_CHECKING;
    p->started_us = util_now_us();
    send_check(p);
    ev_timer_start(p->loop, &p->tick);
    if (p->nominated) ice_connected(p); /* it nominated before we knew its description */
    return 0;
}

bool peer_started(const peer *p)
{
    return p->state != P_IDLE;
}

bool peer_ready(const peer *p)
{
    return p->state == P_READY;
}

int peer_send_rtp(peer *p, uint8_t *buf, size_t len)
{
    if (p->state != P_READY) return -1;
    if (srtp_session_protect_rtp(p->srtp, buf, &len, len + PEER_TRAILER) != 0) {
        p->stats.srtp_errors++;
        return -1;
    }
    p->stats.tx_rtp++;
    send_raw(p, buf, len);
    return 0;
}

int peer_send_rtcp(peer *p, uint8_t *buf, size_t len)
{
    if (p->state != P_READY) return -1;
    if (srtp_session_protect_rtcp(p->srtp, buf, &len, len + PEER_TRAILER) != 0) {
        p->stats.srtp_errors++;
        return -1;
    }
    p->stats.tx_rtcp++;
    send_raw(p, buf, len);
    return 0;
}

const peer_counters *peer_stats(const peer *p)
{
    return &p->stats;
}
