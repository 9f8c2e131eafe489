/* What the room box decides without I/O (clients/room): backoff delays, requests in flight, the
 * protocol's JSON, and the SDP rewrites between webrtcbin and the hub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check.h"
#include "protocol.h"
#include "rpc.h"
#include "sdp_fixup.h"

/* ---- backoff ------------------------------------------------------------------------------- */

static void test_backoff(void)
{
    backoff b;
    backoff_reset(&b);
    /* Without jitter (rnd 0) the steps are 1, 2, 4, 8, 16, then 30 s for ever. */
    static const uint32_t steps[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        CHECK_EQ(backoff_next(&b, 0), steps[i]);
    /* Jitter only shortens each step, by at most a fifth. */
    for (uint32_t seed = 1; seed < 200; seed++) {
        backoff_reset(&b);
        uint32_t step = 1000;
        for (int i = 0; i < 10; i++) {
            uint32_t d = backoff_next(&b, seed * 2654435761u + (uint32_t)i * 40503u);
            CHECK(d <= step && d >= step - step / 5);
            step = step * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : step * 2;
        }
    }
    /* A refused token waits about a minute, never less than 54 s. */
    for (uint32_t rnd = 0; rnd < 100000; rnd += 997) {
        uint32_t d = backoff_auth(rnd * 40503u);
        CHECK(d >= 54000 && d <= 60000);
    }
    /* A zeroed struct behaves like a reset one. */
    backoff z = {0};
    CHECK_EQ(backoff_next(&z, 0), 1000);
}

/* ---- requests in flight -------------------------------------------------------------------- */

static void test_rpc(void)
{
    rpc_table t;
    rpc_init(&t);
    int64_t join = rpc_add(&t, RPC_JOIN, 0, 1000);
    int64_t pub = rpc_add(&t, RPC_PUBLISH, 0, 2000);
    int64_t ans = rpc_add(&t, RPC_ANSWER, 7, 3000);
    CHECK_EQ(join, 1);
    CHECK_EQ(pub, 2);
    CHECK_EQ(ans, 3);
    CHECK(rpc_overdue(&t, 10999) == NULL);
    const rpc_pending *late = rpc_overdue(&t, 11000);
    CHECK(late && late->id == join);

    rpc_pending p;
    CHECK(rpc_take(&t, join, &p));
    CHECK_EQ(p.kind, RPC_JOIN);
    CHECK(!rpc_take(&t, join, &p)); /* exactly one reply per request */
    CHECK(rpc_take(&t, ans, &p));
    CHECK_EQ(p.arg, 7);
    late = rpc_overdue(&t, 13000);
    CHECK(late && late->id == pub);
    CHECK(!rpc_take(&t, 99, &p));

    /* Ids go on across connections: a late reply from a closed one matches nothing. */
    rpc_clear(&t);
    CHECK(!rpc_take(&t, pub, &p));
    CHECK_EQ(rpc_add(&t, RPC_JOIN, 0, 0), 4);

    /* Full: refused, not overwritten. */
    rpc_clear(&t);
    for (int i = 0; i < RPC_MAX_PENDING; i++)
        CHECK(rpc_add(&t, RPC_TRICKLE, 0, 0) > 0);
    CHECK_EQ(rpc_add(&t, RPC_TRICKLE, 0, 0), -1);
    CHECK_STR(rpc_kind_name(RPC_TRICKLE), "trickle");
}

/* ---- protocol ------------------------------------------------------------------------------ */

static void test_requests(void)
{
    char *s = proto_join(1, "dh1.abc", "UBND phường Ba Đình");
    CHECK_STR(s, "{\"id\":1,\"type\":\"join\",\"token\":\"dh1.abc\",\"name\":\"UBND phường Ba "
                 "Đình\"}");
    free(s);
    s = proto_join(2, "dh1.abc", "");
    CHECK_STR(s, "{\"id\":2,\"type\":\"join\",\"token\":\"dh1.abc\"}");
    free(s);
    s = proto_publish(3, "v=0\r\n");
    CHECK_STR(s, "{\"id\":3,\"type\":\"publish\",\"sdp\":\"v=0\\r\\n\"}");
    free(s);
    s = proto_answer(4, 9, "v=0\r\n");
    CHECK_STR(s, "{\"id\":4,\"type\":\"answer\",\"revision\":9,\"sdp\":\"v=0\\r\\n\"}");
    free(s);
    s = proto_trickle(5, "publisher", "video0",
                      "candidate:1 1 UDP 2015363327 10.0.0.2 5000 typ host");
    CHECK_STR(s, "{\"id\":5,\"type\":\"trickle\",\"target\":\"publisher\",\"candidate\":{"
                 "\"candidate\":\"candidate:1 1 UDP 2015363327 10.0.0.2 5000 typ host\","
                 "\"sdpMid\":\"video0\"}}");
    free(s);
    s = proto_trickle(6, "subscriber", NULL, NULL);
    CHECK_STR(s, "{\"id\":6,\"type\":\"trickle\",\"target\":\"subscriber\",\"candidate\":null}");
    free(s);
    /* Text that is not UTF-8 cannot go into JSON. */
    CHECK(proto_publish(7, "v=0\xff") == NULL);
    CHECK(proto_join(8, "dh1.abc", "\xc3") == NULL);
}

typedef struct msg_case {
    const char *text;
    int rc;
    proto_kind kind;
    long long id;
    const char *detail; /* error code, offer sdp, transport state, kicked reason, event */
} msg_case;

static const msg_case msgs[] = {
    {"{\"id\":1,\"result\":{\"peer\":\"p-1\",\"role\":\"site\"}}", 0, PROTO_RESULT, 1, NULL},
    {"{\"id\":2,\"error\":{\"code\":\"bad_sdp\",\"message\":\"line 1\"}}", 0, PROTO_ERROR, 2,
     "bad_sdp"},
    {"{\"id\":null,\"error\":{\"code\":\"bad_json\",\"message\":\"x\"}}", 0, PROTO_ERROR, -2,
     "bad_json"},
    {"{\"id\":\"abc\",\"result\":{}}", 0, PROTO_RESULT, -1, NULL},
    {"{\"event\":\"subscriber_offer\",\"data\":{\"revision\":3,\"sdp\":\"v=0\",\"sources\":[{},{}]}"
     "}",
     0, PROTO_OFFER, 0, "v=0"},
    {"{\"event\":\"transport\",\"data\":{\"target\":\"publisher\",\"state\":\"failed\","
     "\"reason\":\"ice\"}}",
     0, PROTO_TRANSPORT, 0, "failed"},
    {"{\"event\":\"kicked\",\"data\":{\"reason\":\"thử nghiệm\"}}", 0, PROTO_KICKED, 0,
     "thử nghiệm"},
    {"{\"event\":\"floor\",\"data\":{\"holders\":[]}}", 0, PROTO_OTHER_EVENT, 0, "floor"},
    {"{\"event\":\"speaker\",\"data\":null}", 0, PROTO_OTHER_EVENT, 0, "speaker"},
    /* Malformed: ignored by the box, never a crash. */
    {"", -1, 0, 0, NULL},
    {"[1,2]", -1, 0, 0, NULL},
    {"{\"id\":1}", -1, 0, 0, NULL},
    {"{\"id\":1,\"result\":[]}", -1, 0, 0, NULL},
    {"{\"id\":null,\"result\":{}}", -1, 0, 0, NULL},
    {"{\"id\":1,\"error\":{\"message\":\"no code\"}}", -1, 0, 0, NULL},
    {"{\"event\":7}", -1, 0, 0, NULL},
    {"{\"event\":\"subscriber_offer\",\"data\":{\"revision\":-1,\"sdp\":\"v=0\"}}", -1, 0, 0, NULL},
    {"{\"event\":\"subscriber_offer\",\"data\":{\"revision\":1}}", -1, 0, 0, NULL},
    {"{\"event\":\"transport\",\"data\":{\"target\":\"publisher\"}}", -1, 0, 0, NULL},
    {"{\"id\":1,\"id\":2,\"result\":{}}", -1, 0, 0, NULL},
    {"{\"something\":1}", -1, 0, 0, NULL},
};

static void test_messages(void)
{
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        const msg_case *c = &msgs[i];
        proto_msg m;
        char err[200];
        int rc = proto_parse(c->text, strlen(c->text), &m, err, sizeof err);
        if (rc != c->rc) fprintf(stderr, "case %zu (%s): rc %d %s\n", i, c->text, rc, err);
        CHECK_EQ(rc, c->rc);
        if (rc != 0) continue;
        CHECK_EQ(m.kind, c->kind);
        switch (m.kind) {
        case PROTO_RESULT:
            CHECK_EQ(m.id, c->id);
            break;
        case PROTO_ERROR:
            CHECK_EQ(m.has_id, c->id != -2);
            if (c->id != -2) CHECK_EQ(m.id, c->id);
            CHECK_STR(m.error_code, c->detail);
            break;
        case PROTO_OFFER:
            CHECK_EQ(m.revision, 3);
            CHECK_EQ(m.n_sources, 2);
            CHECK_STR(m.sdp, c->detail);
            break;
        case PROTO_TRANSPORT:
            CHECK_STR(m.state, c->detail);
            CHECK_STR(m.target, "publisher");
            CHECK_STR(m.reason, "ice");
            break;
        case PROTO_KICKED:
            CHECK_STR(m.reason, c->detail);
            break;
        case PROTO_OTHER_EVENT:
            CHECK_STR(m.event, c->detail);
            break;
        }
        proto_msg_free(&m);
    }
    proto_msg m;
    char err[100];
    const char *join = "{\"id\":1,\"result\":{\"peer\":\"p-1\",\"site\":7}}";
    CHECK_EQ(proto_parse(join, strlen(join), &m, err, sizeof err), 0);
    CHECK_STR(proto_result_string(&m, "peer"), "p-1");
    CHECK_STR(proto_result_string(&m, "site"), ""); /* not a string */
    CHECK_STR(proto_result_string(&m, "sdp"), "");
    proto_msg_free(&m);

    CHECK(proto_error_is_auth("unauthorized"));
    CHECK(proto_error_is_auth("token_expired"));
    CHECK(proto_error_is_auth("wrong_meeting"));
    CHECK(proto_error_is_auth("revoked"));
    CHECK(!proto_error_is_auth("bad_sdp"));
    CHECK(!proto_error_is_auth("internal"));
}

/* ---- SDP rewrites, on the descriptions seen between webrtcbin 1.22 and the hub ------------- */

/* webrtcbin's max-bundle offer (abridged). */
static const char *gst_offer = "v=0\r\n"
                               "o=- 8559915408850264707 0 IN IP4 0.0.0.0\r\n"
                               "s=-\r\n"
                               "t=0 0\r\n"
                               "a=group:BUNDLE video0 audio1\r\n"
                               "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
                               "a=setup:actpass\r\n"
                               "a=rtpmap:102 H264/90000\r\n"
                               "a=fmtp:102 packetization-mode=1;profile-level-id=42c015\r\n"
                               "a=mid:video0\r\n"
                               "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
                               "a=setup:actpass\r\n"
                               "a=bundle-only\r\n"
                               "a=sendonly\r\n"
                               "a=mid:audio1\r\n";

static void test_fixup_offer(void)
{
    char *vp8 = sdp_fixup_offer(gst_offer, false);
    CHECK(vp8 != NULL);
    CHECK(strstr(vp8, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") != NULL);
    CHECK(strstr(vp8, "bundle-only") == NULL);
    CHECK(strstr(vp8, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n") != NULL);
    CHECK(strstr(vp8, "profile-level-id=42c015") != NULL); /* untouched without h264_42e0 */
    free(vp8);

    char *h264 = sdp_fixup_offer(gst_offer, true);
    CHECK(strstr(h264, "a=fmtp:102 packetization-mode=1;profile-level-id=42e015\r\n") != NULL);
    CHECK(strstr(h264, "42c0") == NULL);
    free(h264);

    /* Nothing to do: NULL, and a port-0 section without bundle-only stays rejected. */
    const char *plain = "v=0\r\nm=video 9 RTP/SAVPF 96\r\na=mid:0\r\nm=audio 0 RTP/SAVPF 0\r\n";
    CHECK(sdp_fixup_offer(plain, true) == NULL);
    /* LF-only input comes back with CRLF. */
    char *lf = sdp_fixup_offer("v=0\nm=audio 0 RTP/SAVPF 111\na=bundle-only\n", false);
    CHECK_STR(lf, "v=0\r\nm=audio 9 RTP/SAVPF 111\r\n");
    free(lf);
}

/* The hub's answer: transport attributes once, at session level. */
static const char *hub_answer = "v=0\r\n"
                                "o=- 546136141070338 1 IN IP4 0.0.0.0\r\n"
                                "s=-\r\n"
                                "t=0 0\r\n"
                                "a=ice-lite\r\n"
                                "a=ice-ufrag:dSKKVAHD\r\n"
                                "a=ice-pwd:wb5GyVc28Zyg1ClAEIKbO8C4jDmwJPVe\r\n"
                                "a=fingerprint:sha-256 E3:E1:C0\r\n"
                                "a=setup:passive\r\n"
                                "a=group:BUNDLE video0 audio1\r\n"
                                "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                "a=mid:video0\r\n"
                                "a=recvonly\r\n"
                                "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                "a=mid:audio1\r\n"
                                "a=setup:passive\r\n"
                                "a=recvonly\r\n";

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_fixup_remote(void)
{
    char *f = sdp_fixup_remote(hub_answer);
    CHECK(f != NULL);
    /* Session level kept; the video section gains all four, audio the three it lacked. */
    CHECK_EQ(count(f, "a=setup:passive\r\n"), 3);
    CHECK_EQ(count(f, "a=ice-ufrag:dSKKVAHD\r\n"), 3);
    CHECK_EQ(count(f, "a=ice-pwd:wb5GyVc28Zyg1ClAEIKbO8C4jDmwJPVe\r\n"), 3);
    CHECK_EQ(count(f, "a=fingerprint:sha-256 E3:E1:C0\r\n"), 3);
    const char *video = strstr(f, "m=video");
    const char *audio = strstr(f, "m=audio");
    CHECK(video && audio && video < audio);
    const char *vsetup = strstr(video, "a=setup:passive");
    CHECK(vsetup && vsetup < audio);
    free(f);
    /* Already per section (a browser's description): nothing to do. */
    CHECK(sdp_fixup_remote("v=0\r\nm=audio 9 X 0\r\na=setup:active\r\n") == NULL);
    CHECK(sdp_fixup_remote("v=0\r\na=setup:active\r\n") == NULL); /* no m-section */
}

/* The hub's offer after the chair left: its slots stay, inactive. */
static const char *hub_offer = "v=0\r\n"
                               "a=setup:actpass\r\n"
                               "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                               "a=mid:0\r\n"
                               "a=inactive\r\n"
                               "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                               "a=inactive\r\n"
                               "a=mid:1\r\n"
                               "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                               "a=mid:2\r\n"
                               "a=sendonly\r\n";

static void test_fixup_inactive(void)
{
    char *inactive = NULL;
    char *f = sdp_fixup_hub_offer(hub_offer, &inactive);
    CHECK(f != NULL);
    CHECK_STR(inactive, " 0 1 ");
    CHECK_EQ(count(f, "a=inactive"), 0);
    CHECK_EQ(count(f, "a=sendonly\r\n"), 3);
    CHECK_EQ(count(f, "a=setup:actpass\r\n"), 4);
    free(f);

    /* webrtcbin answers recvonly everywhere; the hub is told what it offered. */
    const char *answer = "v=0\r\n"
                         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n"
                         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\na=mid:1\r\n"
                         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n";
    char *a = sdp_fixup_answer(answer, inactive);
    CHECK_STR(a, "v=0\r\n"
                 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=inactive\r\n"
                 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=inactive\r\na=mid:1\r\n"
                 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n");
    free(a);
    free(inactive);

    /* "1" is not "10": mids are matched whole. */
    CHECK(sdp_fixup_answer("v=0\r\nm=video 9 X 96\r\na=mid:10\r\na=recvonly\r\n", " 1 ") == NULL);
    CHECK(sdp_fixup_answer(answer, NULL) == NULL);
    /* Every slot active (and transport attributes per section): nothing to rewrite. */
    inactive = (char *)"sentinel";
    CHECK(sdp_fixup_hub_offer("v=0\r\nm=audio 9 X 0\r\na=mid:0\r\na=sendonly\r\n", &inactive) ==
          NULL);
    CHECK(inactive == NULL);
}

int main(void)
{
    test_backoff();
    test_rpc();
    test_requests();
    test_messages();
    test_fixup_offer();
    test_fixup_remote();
    test_fixup_inactive();
    CHECK_DONE();
}
