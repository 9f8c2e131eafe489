/* A subscriber's browser finishes ICE and sends its DTLS ClientHello before its answer (with its
 * fingerprint) has reached the hub over the websocket. The hub keeps that hello and answers it as
 * soon as the fingerprint arrives, instead of leaving the browser to its 1 s retransmission timer;
 * the handshake then completes and the transport is keyed. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/crypto/dtls.h"
#include "sfu/engine/engine.h"
#include "tests/unit/check.h"

/* What the worker sends, as datagrams for the client. */
static uint8_t sent[16][1600];
static size_t sent_len[16];
static int n_sent;

static void capture(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n && n_sent < 16; i++) {
        size_t len = msgs[i].msg_hdr.msg_iov[0].iov_len;
        memcpy(sent[n_sent], msgs[i].msg_hdr.msg_iov[0].iov_base, len);
        sent_len[n_sent++] = len;
    }
}

/* What the client sends, for the worker. */
static uint8_t to_hub[16][1600];
static size_t to_hub_len[16];
static int n_to_hub;

static void client_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (n_to_hub < 16 && len <= sizeof to_hub[0]) {
        memcpy(to_hub[n_to_hub], buf, len);
        to_hub_len[n_to_hub++] = len;
    }
}

int main(void)
{
    log_set_level(LOG_ERROR);
    dtls_cert *hub_cert = dtls_cert_new(), *client_cert = dtls_cert_new();
    worker *w = worker_new(NULL, 0, -1, hub_cert);
    outbox_set_sender(worker_outbox(w), capture, NULL);

    /* The hub's offer made the transport; the peer's fingerprint is not known yet. */
    sfu_transport_params p = {.id = 7};
    snprintf(p.local_ufrag, sizeof p.local_ufrag, "hubufrag");
    snprintf(p.local_pwd, sizeof p.local_pwd, "hub-password-hub-password-00");
    transport *t = worker_transport_create(w, &p);
    CHECK(t != NULL);
    /* ICE is done: the peer's address is known (set here as a valid check would). */
    struct sockaddr_in *a = (struct sockaddr_in *)&t->peer;
    a->sin_family = AF_INET;
    a->sin_port = htons(50000);
    a->sin_addr.s_addr = htonl(0x7f000001);
    t->peer_len = sizeof *a;
    t->state = T_CHECKED;

    size_t fp_len;
    const uint8_t *hub_fp = dtls_cert_fingerprint(hub_cert, &fp_len);
    dtls_conn *client = dtls_conn_new(client_cert, false, "sha-256", hub_fp, fp_len);
    CHECK_EQ(dtls_conn_start(client, client_send, NULL), DTLS_HANDSHAKING);
    CHECK(n_to_hub >= 1);

    /* The hello comes first: kept, not answered (the hub cannot check the peer yet). */
    for (int i = 0; i < n_to_hub; i++)
        transport_on_dtls(t, to_hub[i], to_hub_len[i], util_now_us());
    n_to_hub = 0;
    outbox_flush(worker_outbox(w));
    CHECK_EQ(n_sent, 0);

    /* The answer arrives: the kept hello is answered at once. */
    size_t cfp_len;
    const uint8_t *client_fp = dtls_cert_fingerprint(client_cert, &cfp_len);
    snprintf(p.fp_alg, sizeof p.fp_alg, "sha-256");
    memcpy(p.fp, client_fp, cfp_len);
    p.fp_len = (uint8_t)cfp_len;
    worker_transport_remote(w, &p);
    outbox_flush(worker_outbox(w));
    CHECK(n_sent >= 1);

    /* And the handshake completes, both sides keyed, with no timer involved. */
    dtls_state cs = DTLS_HANDSHAKING;
    for (int round = 0; round < 8 && (cs != DTLS_CONNECTED || t->state != T_CONNECTED); round++) {
        for (int i = 0; i < n_sent; i++)
            cs = dtls_conn_input(client, sent[i], sent_len[i], client_send, NULL);
        n_sent = 0;
        for (int i = 0; i < n_to_hub; i++)
            transport_on_dtls(t, to_hub[i], to_hub_len[i], util_now_us());
        n_to_hub = 0;
        outbox_flush(worker_outbox(w));
    }
    CHECK_EQ(cs, DTLS_CONNECTED);
    CHECK_EQ(t->state, T_CONNECTED);

    dtls_conn_free(client);
    worker_free(w);
    dtls_cert_free(hub_cert);
    dtls_cert_free(client_cert);
    CHECK_DONE();
}
