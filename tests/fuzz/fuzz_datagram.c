/* The worker's front door: arbitrary datagrams into worker_on_datagram of a static worker (no
 * thread, no socket) holding one transport keyed with fixed SRTP keys (as in test_router) that
 * publishes a VP8 and an Opus source and also receives the VP8 one (an output with RTX, bound and
 * referenced), so that forwarding, the retransmission buffer and RTCP feedback all have somewhere
 * to go. Sends are discarded.
 *
 * Each input is delivered whole, from the transport's address and from an unknown one. Then it is
 * read as a sequence of records [flags][len:2][bytes]; a record whose bytes look like RTP or RTCP
 * is first protected with the client's side of the SRTP keys (flag bit 0), so that what lies
 * behind decryption is reached too: RTP parsing and RTX unwrapping, keyframe detection, rewrite,
 * NACK and PLI handling. Flag bit 1 sends the record from the unknown address, bit 2 flushes the
 * outbox after it, bit 3 makes a generic NACK's first PID relative to the output's first sequence
 * number (which is random), and the high nibble advances the clock by that many 20 ms ticks.
 * The transport (with its SRTP state, sources, output and groups) is made afresh for each input,
 * so the paths an input takes do not depend on the inputs before it. */
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TID 1
#define VIDEO_SSRC 0x11111111u
#define VIDEO_RTX_SSRC 0x22222222u
#define AUDIO_SSRC 0x33333333u
#define OUT_SSRC 0xA0000001u
#define OUT_RTX_SSRC 0xB0000001u

static uint64_t sent_datagrams;

static void discard(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++) {
        /* What leaves must fit a slot. */
        if (msgs[i].msg_hdr.msg_iov[0].iov_len > PKT_MAX + SRTP_MAX_TRAILER) __builtin_trap();
    }
    sent_datagrams += n;
}

static void keys(dtls_srtp_keys *hub, dtls_srtp_keys *cli)
{
    memset(hub, 0, sizeof *hub);
    hub->profile = DTLS_SRTP_AES128_CM_SHA1_80;
    hub->key_len = 30;
    for (size_t i = 0; i < hub->key_len; i++) {
        hub->local[i] = (uint8_t)(i * 7 + 1);
        hub->remote[i] = (uint8_t)(i * 13 + 5);
    }
    *cli = *hub;
    memcpy(cli->local, hub->remote, sizeof cli->local);
    memcpy(cli->remote, hub->local, sizeof cli->remote);
}

static struct sockaddr_storage loopback(uint16_t port, socklen_t *len)
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

static output *out;

/* The transport and what hangs off it, fresh for each input (the worker itself is reused: what it
 * keeps per transport goes when the transport is closed). */
static void open_transport(worker *w, const dtls_srtp_keys *hub,
                           const struct sockaddr_storage *peer, socklen_t peer_len)
{
    sfu_transport_params tp = {
        .id = TID, .local_ufrag = "fuzzU", .local_pwd = "fuzzpassword0123456789"};
    if (!worker_transport_create(w, &tp) || worker_transport_key(w, TID, hub, peer, peer_len) != 0)
        __builtin_trap();
    sfu_source_params video = {.id = 10,
                               .transport = TID,
                               .codec = CODEC_VP8,
                               .clock = 90000,
                               .ssrc = VIDEO_SSRC,
                               .rtx_ssrc = VIDEO_RTX_SSRC};
    sfu_source_params audio = {.id = 11,
                               .transport = TID,
                               .codec = CODEC_OPUS,
                               .clock = 48000,
                               .ssrc = AUDIO_SSRC,
                               .audio_level_ext = 1};
    worker_source_add(w, &video);
    worker_source_add(w, &audio);
    sfu_output_params op = {.id = 20,
                            .transport = TID,
                            .codec = CODEC_VP8,
                            .clock = 90000,
                            .ssrc = OUT_SSRC,
                            .pt = 96,
                            .rtx_ssrc = OUT_RTX_SSRC,
                            .rtx_pt = 97};
    out = worker_output_add(w, &op);
    worker_output_bind(w, 20, 10, 0, CODEC_VP8, 90000, false);
    worker_source_ref(w, 10, 0, +1);
}

/* One datagram, in an exact-size heap copy (the worker decrypts in place). */
static void deliver(worker *w, const uint8_t *bytes, size_t len,
                    const struct sockaddr_storage *from, socklen_t fromlen, uint64_t now)
{
    if (len > PKT_MAX) len = PKT_MAX; /* what recvmmsg can hand over */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return;
    if (len) memcpy(copy, bytes, len);
    worker_on_datagram(w, copy, len, from, fromlen, now);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static worker *w;
    static srtp_session *client;
    static dtls_srtp_keys hub, cli;
    static srtp_session *keepalive;
    if (!w) {
        if (srtp_session_global_init() != 0) __builtin_trap();
        keys(&hub, &cli);
        /* libsrtp's crypto backend unloads when its last session goes and reloads with the next
         * (dlopen each time); one session kept alive keeps each input cheap. */
        keepalive = srtp_session_new(&cli);
        if (!keepalive) __builtin_trap();
        w = worker_new(NULL, 0, -1, NULL);
        if (!w) __builtin_trap();
        outbox_set_sender(worker_outbox(w), discard, NULL);
    }
    socklen_t peer_len, stray_len;
    struct sockaddr_storage peer = loopback(40001, &peer_len), stray = loopback(49999, &stray_len);
    open_transport(w, &hub, &peer, peer_len);
    client = srtp_session_new(&cli);
    if (!client) __builtin_trap();

    uint64_t now = 1000000000ull;
    deliver(w, data, size, &peer, peer_len, now);
    deliver(w, data, size, &stray, stray_len, now);
    outbox_flush(worker_outbox(w));

    static uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    size_t off = 0;
    while (off + 3 <= size) {
        uint8_t flags = data[off];
        size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
        off += 3;
        if (len > size - off) len = size - off;
        if (len > PKT_MAX) len = PKT_MAX;
        memcpy(buf, data + off, len);
        off += len;
        now += 20000u * (flags >> 4); /* time moves on by 0..300 ms */
        size_t n = len;
        if ((flags & 8) && n >= 16 && buf[0] >= 128 && buf[1] == 205 && out && out->rw.source) {
            uint16_t pid = (uint16_t)((buf[12] << 8 | buf[13]) + out->rw.base_seq);
            buf[12] = (uint8_t)(pid >> 8);
            buf[13] = (uint8_t)pid;
        }
        bool looks_srtp = n >= 12 && buf[0] >= 128 && buf[0] <= 191;
        if ((flags & 1) && looks_srtp) {
            int rc = rtp_is_rtcp(buf, n) ? srtp_session_protect_rtcp(client, buf, &n, sizeof buf)
                                         : srtp_session_protect_rtp(client, buf, &n, sizeof buf);
            if (rc != 0) n = len;
        }
        if (flags & 2)
            deliver(w, buf, n, &stray, stray_len, now);
        else
            deliver(w, buf, n, &peer, peer_len, now);
        if (flags & 4) outbox_flush(worker_outbox(w));
    }
    outbox_flush(worker_outbox(w));
    srtp_session_free(client);
    worker_transport_close(w, TID, "end of input");
    outbox_flush(worker_outbox(w));
    out = NULL;
    return 0;
}
