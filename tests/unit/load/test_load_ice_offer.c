/* The load generator's ICE checks against the hub's own ICE-lite responder, its SDP against the
 * hub's SDP parser, and the /proc parsers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients/load/ice_check.h"
#include "clients/load/offer.h"
#include "clients/load/procstat.h"
#include "sfu/ice/ice_lite.h"
#include "tests/unit/check.h"

static const char *lookup(void *ctx, const char *ufrag, void **transport)
{
    if (strcmp(ufrag, "hubU") != 0) return NULL;
    *transport = ctx;
    return "hubpasswordhubpassword";
}

static void ice_cases(void)
{
    ice_lite *hub = ice_lite_new();
    ice_check *c = ice_check_new("me01", "hubU", "hubpasswordhubpassword");
    uint8_t req[600], reply[1280];
    size_t n = ice_check_request(c, req, sizeof req);
    CHECK(n > 20);
    struct sockaddr_storage from;
    memset(&from, 0, sizeof from);
    struct sockaddr_in *a = (struct sockaddr_in *)&from;
    a->sin_family = AF_INET;
    a->sin_port = htons(5000);
    a->sin_addr.s_addr = htonl(0x7f000001);
    size_t rlen = 0;
    ice_lite_check chk;
    int marker;
    CHECK_EQ(ice_lite_handle(hub, req, n, &from, sizeof *a, lookup, &marker, reply, &rlen, &chk),
             ICE_LITE_REPLY);
    CHECK(chk.transport == &marker);
    CHECK(chk.use_candidate);
    CHECK(chk.priority > 0);
    CHECK_EQ(ice_check_response(c, reply, rlen), ICE_CHECK_SUCCESS);
    /* The same response twice is no longer ours (the transaction is spent), nor is garbage. */
    CHECK_EQ(ice_check_response(c, reply, rlen), ICE_CHECK_IGNORED);
    CHECK_EQ(ice_check_response(c, (const uint8_t *)"\x01\x01\x00\x00", 4), ICE_CHECK_IGNORED);

    /* A check with the wrong password is dropped by the hub. */
    ice_check *bad = ice_check_new("me01", "hubU", "wrongwrongwrongwrongwr");
    n = ice_check_request(bad, req, sizeof req);
    CHECK_EQ(ice_lite_handle(hub, req, n, &from, sizeof *a, lookup, &marker, reply, &rlen, &chk),
             ICE_LITE_DROP);
    /* Many requests left unanswered never stop new ones from being built. */
    for (int i = 0; i < 500; i++)
        CHECK(ice_check_request(bad, req, sizeof req) > 20);
    ice_check_free(bad);
    ice_check_free(c);
    ice_lite_free(hub);
}

static const offer_local me = {.ufrag = "abcd",
                               .pwd = "0123456789012345678901",
                               .fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                                              "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                               .addr = "127.0.0.1",
                               .port = 40000,
                               .session_id = 77};

static void publish_cases(sdp_session *s)
{
    char text[8192], err[200];
    int n = offer_publish(text, sizeof text, &me, &(offer_media){1111, 2222, 0});
    CHECK(n > 0);
    CHECK_EQ(sdp_parse(text, (size_t)n, s, err, sizeof err), 0);
    CHECK_EQ(s->n_media, 2);
    CHECK_EQ(s->n_bundle, 2);
    CHECK_EQ(s->media[0].kind, SDP_MEDIA_AUDIO);
    CHECK_EQ(s->media[0].dir, SDP_DIR_SENDONLY);
    CHECK_EQ(s->media[0].codecs[0].pt, OFFER_PT_OPUS);
    CHECK_EQ(s->media[0].ssrcs[0].ssrc, 1111);
    CHECK(s->media[0].rtcp_mux);
    CHECK_EQ(s->media[1].kind, SDP_MEDIA_VIDEO);
    CHECK_STR(s->media[1].codecs[0].name, "VP8");
    CHECK(s->media[1].codecs[0].fb & SDP_FB_PLI);
    CHECK_EQ(s->media[1].ssrcs[0].ssrc, 2222);
    CHECK_EQ(s->media[1].n_rids, 0);
    CHECK(!s->media[1].simulcast);
    CHECK_EQ(s->media[1].n_extmaps, 0);
    CHECK_EQ(sdp_media_setup(s, &s->media[1]), SDP_SETUP_ACTPASS);
    CHECK_STR(sdp_media_ice_ufrag(s, &s->media[1]), "abcd");
    CHECK_EQ(s->media[0].n_candidates, 1);
    CHECK_EQ(s->media[0].candidates[0].port, 40000);
    /* Audio only, and nothing at all. */
    n = offer_publish(text, sizeof text, &me, &(offer_media){1111, 0, 0});
    CHECK_EQ(sdp_parse(text, (size_t)n, s, err, sizeof err), 0);
    CHECK_EQ(s->n_media, 1);
    CHECK_EQ(offer_publish(text, sizeof text, &me, &(offer_media){0, 0, 0}), -1);
    CHECK_EQ(offer_publish(text, sizeof text, &me, &(offer_media){0, 0, 1}), -1);
    CHECK_EQ(offer_publish(text, sizeof text, &me, &(offer_media){1111, 0, 4}), -1);
    CHECK_EQ(offer_publish(text, 100, &me, &(offer_media){1111, 2222, 0}), -1);
    /* Simulcast (tests/unit/load/test_load_simulcast.c has the rest): rids, no video ssrc. */
    n = offer_publish(text, sizeof text, &me, &(offer_media){1111, 0, 2});
    CHECK_EQ(sdp_parse(text, (size_t)n, s, err, sizeof err), 0);
    CHECK_EQ(s->n_media, 2);
    CHECK_EQ(s->media[1].n_rids, 2);
    CHECK_EQ(s->media[1].n_ssrcs, 0);
}

/* What the hub offers a subscriber: ICE-lite, actpass, an audio, a video with RTX, an inactive
 * section waiting for reuse. */
static const char hub_offer[] =
    "v=0\r\no=- 5817 3 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host\r\n"
    "a=candidate:2 1 udp 2130706430 127.0.0.1 40000 typ host\r\n"
    "a=end-of-candidates\r\na=ice-ufrag:hubU\r\na=ice-pwd:hubpasswordhubpassword\r\n"
    "a=fingerprint:sha-256 "
    "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:"
    "20\r\na=setup:actpass\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=ssrc:5001 cname:dienhong\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\n"
    "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\na=ssrc-group:FID 5002 5003\r\na=ssrc:5002 cname:dienhong\r\n"
    "a=ssrc:5003 cname:dienhong\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive\r\n"
    "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n";

static void subscribe_cases(sdp_session *s)
{
    char err[200];
    CHECK_EQ(sdp_parse(hub_offer, strlen(hub_offer), s, err, sizeof err), 0);
    offer_remote r;
    CHECK_EQ(offer_remote_params(s, "127.0.0.1", &r, err, sizeof err), 0);
    CHECK_STR(r.ufrag, "hubU");
    CHECK_STR(r.pwd, "hubpasswordhubpassword");
    CHECK_STR(r.fp_alg, "sha-256");
    CHECK_EQ(r.fp_len, 32);
    CHECK_EQ(r.fp[31], 0x20);
    const struct sockaddr_in *a = (const struct sockaddr_in *)&r.addr;
    CHECK_EQ(a->sin_family, AF_INET);
    CHECK_EQ(ntohl(a->sin_addr.s_addr), 0x7f000001); /* the preferred address, not the first */
    CHECK_EQ(ntohs(a->sin_port), 40000);
    CHECK_EQ(offer_remote_params(s, "192.0.2.1", &r, err, sizeof err), 0);
    CHECK_EQ(ntohl(a->sin_addr.s_addr), 0x0a000005); /* no match: the first IPv4 */
    CHECK(offer_ssrc_is_video(s, 5002));
    CHECK(!offer_ssrc_is_video(s, 5001));

    char text[16384];
    int n = offer_answer_subscribe(text, sizeof text, s, &me);
    CHECK(n > 0);
    sdp_session *ans = sdp_session_new();
    CHECK_EQ(sdp_parse(text, (size_t)n, ans, err, sizeof err), 0);
    CHECK_EQ(ans->n_media, 3);
    CHECK_EQ(ans->media[0].dir, SDP_DIR_RECVONLY);
    CHECK_EQ(ans->media[1].dir, SDP_DIR_RECVONLY);
    CHECK_EQ(ans->media[2].dir, SDP_DIR_INACTIVE);
    CHECK_STR(ans->media[1].mid, "1");
    CHECK_EQ(ans->media[1].n_codecs, 2);
    CHECK(sdp_find_rtx(&ans->media[1], 96) != NULL);
    CHECK_EQ(sdp_media_setup(ans, &ans->media[0]), SDP_SETUP_ACTIVE);
    CHECK_STR(sdp_media_ice_pwd(ans, &ans->media[2]), me.pwd);
    CHECK_EQ(ans->n_bundle, 3);
    CHECK_EQ(offer_answer_subscribe(text, 300, s, &me), -1);
    free(ans);

    /* No fingerprint, no candidate. */
    static const char bare[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                               "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                               "a=ice-ufrag:u\r\na=ice-pwd:p\r\na=rtpmap:111 opus/48000/2\r\n";
    CHECK_EQ(sdp_parse(bare, strlen(bare), s, err, sizeof err), 0);
    CHECK_EQ(offer_remote_params(s, NULL, &r, err, sizeof err), -1);
    CHECK(strstr(err, "fingerprint") != NULL);
}

static void procstat_cases(void)
{
    /* A command name with a space and a ')' in it, as the kernel writes it. */
    static const char stat[] = "4242 (dien hong) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
                               "1234 567 0 0 20 0 5 0 100 200000000 5000 18446744073709551615";
    uint64_t ticks = 0;
    CHECK_EQ(procstat_parse_cpu(stat, strlen(stat), &ticks), 0);
    CHECK_EQ(ticks, 1234 + 567);
    static const char *bad[] = {"", "4242 no parens", "1 (x) S 1 2",
                                "1 (x) S 1 2 3 4 5 6 7 8 9 10 a b",
                                "1 (x)  S 1 2 3 4 5 6 7 8 9 10 11 12"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(procstat_parse_cpu(bad[i], strlen(bad[i]), &ticks), -1);

    static const char status[] =
        "Name:\tdienhong\nVmPeak:\t  99 kB\nVmRSS:\t   36232 kB\nThreads: 4\n";
    uint64_t kib = 0;
    CHECK_EQ(procstat_parse_rss(status, strlen(status), &kib), 0);
    CHECK_EQ(kib, 36232);
    CHECK_EQ(procstat_parse_rss("Name: x\nXVmRSS: 5 kB\n", 22, &kib), -1);
    CHECK_EQ(procstat_parse_rss("VmRSS: 5 MB\n", 12, &kib), -1);
    CHECK_EQ(procstat_parse_rss("VmRSS:", 6, &kib), -1);
    /* Our own process is always readable. */
    CHECK_EQ(procstat_cpu_us(getpid(), &ticks), 0);
    CHECK_EQ(procstat_rss_kib(getpid(), &kib), 0);
    CHECK(kib > 0);
}

int main(void)
{
    sdp_session *s = sdp_session_new();
    ice_cases();
    publish_cases(s);
    subscribe_cases(s);
    procstat_cases();
    free(s);
    CHECK_DONE();
}
