/* What the load generator needs against Janus: the reading of Janus's API messages
 * (clients/load/janus_msg.c), the answering of a full ICE agent's checks in both roles
 * (ice_reply.c against ice_check.c, which builds the same requests libnice does), and the roles a
 * Janus description implies (offer.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "clients/load/ice_check.h"
#include "clients/load/ice_reply.h"
#include "clients/load/janus_msg.h"
#include "clients/load/offer.h"
#include "tests/unit/check.h"

/* ---- janus_msg ------------------------------------------------------------------------------ */

typedef struct msg_case {
    const char *text;
    int rc;
    janus_msg_kind kind;
    const char *transaction;
    uint64_t session, sender, data_id;
    const char *videoroom;
    uint64_t room, id;
    bool configured, started;
    int error_code;
    const char *jsep_type;
    uint32_t n_feeds;
    uint64_t feed0, feed1;
} msg_case;

static const msg_case msg_cases[] = {
    /* create and attach */
    {.text = "{\"janus\":\"success\",\"transaction\":\"1\",\"data\":{\"id\":8512345678901234}}",
     .kind = JANUS_MSG_SUCCESS,
     .transaction = "1",
     .data_id = 8512345678901234ull},
    {.text = "{\"janus\":\"success\",\"session_id\":77,\"transaction\":\"2\",\"data\":{\"id\":99}}",
     .kind = JANUS_MSG_SUCCESS,
     .transaction = "2",
     .session = 77,
     .data_id = 99},
    /* a room made, and one that was there already (a plugin refusal inside a success) */
    {.text = "{\"janus\":\"success\",\"session_id\":77,\"transaction\":\"3\",\"sender\":99,"
             "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
             "\"created\",\"room\":4242,\"permanent\":false}}}",
     .kind = JANUS_MSG_SUCCESS,
     .transaction = "3",
     .session = 77,
     .sender = 99,
     .videoroom = "created",
     .room = 4242},
    {.text = "{\"janus\":\"success\",\"transaction\":\"3\",\"plugindata\":{\"plugin\":\"janus."
             "plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"error_code\":427,\"error\":"
             "\"Room 4242 already exists\"}}}",
     .kind = JANUS_MSG_SUCCESS,
     .transaction = "3",
     .videoroom = "event",
     .error_code = 427},
    /* participants: only the publishers count, each once */
    {.text = "{\"janus\":\"success\",\"transaction\":\"4\",\"plugindata\":{\"data\":{\"videoroom\":"
             "\"participants\",\"room\":4242,\"participants\":[{\"id\":11,\"display\":\"chair\","
             "\"publisher\":true},{\"id\":12,\"publisher\":false},{\"id\":13},{\"id\":14,"
             "\"publisher\":true},{\"id\":11,\"publisher\":true},{\"id\":\"15\",\"publisher\":"
             "true},{\"id\":-3,\"publisher\":true}]}}}",
     .kind = JANUS_MSG_SUCCESS,
     .transaction = "4",
     .videoroom = "participants",
     .room = 4242,
     .n_feeds = 2,
     .feed0 = 11,
     .feed1 = 14},
    {.text = "{\"janus\":\"ack\",\"session_id\":77,\"transaction\":\"5\"}",
     .kind = JANUS_MSG_ACK,
     .transaction = "5",
     .session = 77},
    /* joined as a publisher, with the publishers already there */
    {.text = "{\"janus\":\"event\",\"session_id\":77,\"transaction\":\"5\",\"sender\":99,"
             "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":"
             "\"joined\",\"room\":4242,\"description\":\"x\",\"id\":5150,\"private_id\":1,"
             "\"publishers\":[{\"id\":31,\"display\":\"a\"}]}}}",
     .kind = JANUS_MSG_EVENT,
     .transaction = "5",
     .session = 77,
     .sender = 99,
     .videoroom = "joined",
     .room = 4242,
     .id = 5150,
     .n_feeds = 1,
     .feed0 = 31},
    /* the answer to our publish offer */
    {.text = "{\"janus\":\"event\",\"transaction\":\"6\",\"sender\":99,\"plugindata\":{\"data\":{"
             "\"videoroom\":\"event\",\"room\":4242,\"configured\":\"ok\",\"audio_codec\":\"opus\"}"
             "},\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}",
     .kind = JANUS_MSG_EVENT,
     .transaction = "6",
     .sender = 99,
     .videoroom = "event",
     .room = 4242,
     .configured = true,
     .jsep_type = "answer"},
    /* a subscriber's offer, then its start */
    {.text = "{\"janus\":\"event\",\"transaction\":\"7\",\"plugindata\":{\"data\":{\"videoroom\":"
             "\"attached\",\"room\":4242,\"streams\":[]}},\"jsep\":{\"type\":\"offer\",\"sdp\":"
             "\"v=0\\r\\n\"}}",
     .kind = JANUS_MSG_EVENT,
     .transaction = "7",
     .videoroom = "attached",
     .room = 4242,
     .jsep_type = "offer"},
    {.text = "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"videoroom\":\"event\",\"started\":"
             "\"ok\"}}}",
     .kind = JANUS_MSG_EVENT,
     .videoroom = "event",
     .started = true},
    /* a jsep without its sdp is no jsep; "started" other than "ok" is not started */
    {.text = "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"started\":\"no\"}},\"jsep\":{"
             "\"type\":\"offer\"}}",
     .kind = JANUS_MSG_EVENT},
    /* a core error, and an error whose code is not a number */
    {.text = "{\"janus\":\"error\",\"session_id\":77,\"transaction\":\"8\",\"error\":{\"code\":"
             "458,\"reason\":\"No such session 77\"}}",
     .kind = JANUS_MSG_ERROR,
     .transaction = "8",
     .session = 77,
     .error_code = 458},
    {.text = "{\"janus\":\"error\",\"error\":{\"code\":\"x\"}}",
     .kind = JANUS_MSG_ERROR,
     .error_code = -1},
    /* lifecycle events */
    {.text = "{\"janus\":\"webrtcup\",\"session_id\":77,\"sender\":99}",
     .kind = JANUS_MSG_WEBRTCUP,
     .session = 77,
     .sender = 99},
    {.text = "{\"janus\":\"hangup\",\"sender\":99,\"reason\":\"DTLS alert\"}",
     .kind = JANUS_MSG_HANGUP,
     .sender = 99},
    {.text = "{\"janus\":\"detached\",\"sender\":99}", .kind = JANUS_MSG_DETACHED, .sender = 99},
    {.text = "{\"janus\":\"timeout\",\"session_id\":77}", .kind = JANUS_MSG_TIMEOUT, .session = 77},
    {.text = "{\"janus\":\"media\",\"type\":\"video\",\"receiving\":true}",
     .kind = JANUS_MSG_OTHER},
    /* ids Janus would never send: negative, a string, a fraction; one too big for jansson's
     * signed integers makes the whole text unreadable */
    {.text = "{\"janus\":\"success\",\"session_id\":1.5,\"sender\":-1,"
             "\"data\":{\"id\":\"12\"}}",
     .kind = JANUS_MSG_SUCCESS},
    {.text = "{\"janus\":\"success\",\"session_id\":18446744073709551615}", .rc = -1},
    /* not Janus messages at all */
    {.text = "", .rc = -1},
    {.text = "[1,2]", .rc = -1},
    {.text = "{\"janus\":5}", .rc = -1},
    {.text = "{\"event\":\"joined\"}", .rc = -1},
    {.text = "{\"janus\":\"ack\"", .rc = -1},
    {.text = "{\"janus\":\"ack\",\"janus\":\"event\"}", .rc = -1},
};

static void msg_table(void)
{
    for (size_t i = 0; i < sizeof msg_cases / sizeof msg_cases[0]; i++) {
        const msg_case *c = &msg_cases[i];
        janus_msg m;
        char err[200] = "";
        int rc = janus_msg_parse(c->text, strlen(c->text), &m, err, sizeof err);
        CHECK_EQ(rc, c->rc);
        if (rc != 0) {
            CHECK(err[0] != '\0');
            continue;
        }
        CHECK_EQ(m.kind, c->kind);
        if (c->transaction)
            CHECK_STR(m.transaction, c->transaction);
        else
            CHECK(m.transaction == NULL);
        CHECK_EQ(m.session_id, c->session);
        CHECK_EQ(m.sender, c->sender);
        CHECK_EQ(m.data_id, c->data_id);
        if (c->videoroom)
            CHECK_STR(m.videoroom, c->videoroom);
        else
            CHECK(m.videoroom == NULL);
        CHECK_EQ(m.room, c->room);
        CHECK_EQ(m.id, c->id);
        CHECK_EQ(m.configured, c->configured);
        CHECK_EQ(m.started, c->started);
        CHECK_EQ(m.error_code, c->error_code);
        if (c->error_code) CHECK(m.error != NULL);
        if (c->jsep_type) {
            CHECK_STR(m.jsep_type, c->jsep_type);
            CHECK_STR(m.jsep_sdp, "v=0\r\n");
        } else {
            CHECK(m.jsep_type == NULL && m.jsep_sdp == NULL);
        }
        CHECK_EQ(m.n_feeds, c->n_feeds);
        if (c->n_feeds > 0) CHECK_EQ(m.feeds[0], c->feed0);
        if (c->n_feeds > 1) CHECK_EQ(m.feeds[1], c->feed1);
        janus_msg_free(&m);
    }
    /* The hangup reason is kept; more feeds than there is room for are dropped, not overrun. */
    janus_msg m;
    char err[200], text[4096];
    const char *h = "{\"janus\":\"hangup\",\"reason\":\"ICE failed\"}";
    CHECK_EQ(janus_msg_parse(h, strlen(h), &m, err, sizeof err), 0);
    CHECK_STR(m.reason, "ICE failed");
    janus_msg_free(&m);
    size_t n = (size_t)snprintf(text, sizeof text,
                                "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"publishers\":[");
    for (int i = 1; i <= JANUS_MSG_MAX_FEEDS + 5; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s{\"id\":%d}", i > 1 ? "," : "", i);
    n += (size_t)snprintf(text + n, sizeof text - n, "]}}}");
    CHECK_EQ(janus_msg_parse(text, n, &m, err, sizeof err), 0);
    CHECK_EQ(m.n_feeds, JANUS_MSG_MAX_FEEDS);
    CHECK_EQ(m.feeds[JANUS_MSG_MAX_FEEDS - 1], JANUS_MSG_MAX_FEEDS);
    janus_msg_free(&m);
    janus_msg_free(NULL);
}

/* ---- ICE: answering a full agent's checks --------------------------------------------------- */

#define OUR_UFRAG "me01"
#define OUR_PWD "ourpasswordourpassword"

static struct sockaddr_storage janus_addr(socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(20123);
    a->sin_addr.s_addr = htonl(0x0afa0001); /* 10.250.0.1 */
    *len = sizeof *a;
    return ss;
}

typedef struct role_case {
    const char *what;
    bool janus_controlling; /* the checker's role */
    uint64_t janus_tie;
    bool we_control;
    uint64_t our_tie;
    ice_reply_result want;
    bool want_use_candidate;
    ice_check_result janus_sees;
} role_case;

static const role_case role_cases[] = {
    /* Janus offered (subscriber): it controls and nominates with its first check. */
    {"janus controls", true, 5, false, 9, ICE_REPLY_SUCCESS, true, ICE_CHECK_SUCCESS},
    /* We offered (publisher): Janus is controlled and its triggered checks nominate nothing. */
    {"we control", false, 5, true, 9, ICE_REPLY_SUCCESS, false, ICE_CHECK_SUCCESS},
    /* Both claim control: the larger tie-breaker keeps it (RFC 8445 7.3.1.1). Ours is larger:
     * 487 to Janus. Ours is smaller: the library answers as if we had given way. */
    {"conflict, we win", true, 5, true, 9, ICE_REPLY_ERROR, false, ICE_CHECK_ERROR},
    {"conflict, we lose", true, 9, true, 5, ICE_REPLY_SUCCESS, true, ICE_CHECK_SUCCESS},
};

static void ice_roles(void)
{
    socklen_t alen;
    struct sockaddr_storage from = janus_addr(&alen);
    uint8_t req[600], reply[1280];
    for (size_t i = 0; i < sizeof role_cases / sizeof role_cases[0]; i++) {
        const role_case *c = &role_cases[i];
        ice_check *janus = ice_check_new("jan", OUR_UFRAG, OUR_PWD);
        ice_check_set_role(janus, c->janus_controlling, c->janus_tie);
        ice_reply *us = ice_reply_new(OUR_UFRAG, OUR_PWD, !c->we_control, c->our_tie);
        ice_reply_set_controlling(us, c->we_control);
        size_t n = ice_check_request(janus, req, sizeof req);
        CHECK(n > 20);
        size_t rlen = 0;
        bool nominated = !c->want_use_candidate;
        ice_reply_result r =
            ice_reply_handle(us, req, n, &from, alen, reply, sizeof reply, &rlen, &nominated);
        if (r != c->want) fprintf(stderr, "role case: %s\n", c->what);
        CHECK_EQ(r, c->want);
        CHECK_EQ(nominated, c->want_use_candidate);
        CHECK(rlen > 20);
        CHECK_EQ(ice_check_response(janus, reply, rlen), c->janus_sees);
        ice_reply_free(us);
        ice_check_free(janus);
    }
}

static void ice_drops(void)
{
    socklen_t alen;
    struct sockaddr_storage from = janus_addr(&alen);
    uint8_t req[600], reply[1280];
    size_t rlen = 99;
    bool nominated = true;
    ice_reply *us = ice_reply_new(OUR_UFRAG, OUR_PWD, false, 1);

    /* Keyed with another password, or addressed to another ufrag (one we prefix included). */
    static const struct {
        const char *ufrag, *pwd;
    } strangers[] = {{OUR_UFRAG, "notourpasswordnotourpa"}, {"me0", OUR_PWD}, {"me011", OUR_PWD}};
    for (size_t i = 0; i < sizeof strangers / sizeof strangers[0]; i++) {
        ice_check *c = ice_check_new("jan", strangers[i].ufrag, strangers[i].pwd);
        size_t n = ice_check_request(c, req, sizeof req);
        CHECK_EQ(ice_reply_handle(us, req, n, &from, alen, reply, sizeof reply, &rlen, &nominated),
                 ICE_REPLY_DROP);
        CHECK_EQ(rlen, 0);
        CHECK(!nominated);
        ice_check_free(c);
    }

    /* A genuine request, truncated or with a flipped bit; a response is no request. */
    ice_check *janus = ice_check_new("jan", OUR_UFRAG, OUR_PWD);
    size_t n = ice_check_request(janus, req, sizeof req);
    CHECK_EQ(ice_reply_handle(us, req, n - 4, &from, alen, reply, sizeof reply, &rlen, &nominated),
             ICE_REPLY_DROP);
    req[30] ^= 1;
    CHECK_EQ(ice_reply_handle(us, req, n, &from, alen, reply, sizeof reply, &rlen, &nominated),
             ICE_REPLY_DROP);
    req[30] ^= 1;
    CHECK_EQ(ice_reply_handle(us, req, n, &from, alen, reply, sizeof reply, &rlen, &nominated),
             ICE_REPLY_SUCCESS);
    size_t first = rlen;
    uint8_t copy[1280];
    memcpy(copy, reply, first);
    CHECK_EQ(ice_reply_handle(us, copy, first, &from, alen, reply, sizeof reply, &rlen, &nominated),
             ICE_REPLY_DROP);
    static const uint8_t junk[] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                   3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
    CHECK_EQ(ice_reply_handle(us, junk, sizeof junk, &from, alen, reply, sizeof reply, &rlen,
                              &nominated),
             ICE_REPLY_DROP);
    CHECK_EQ(ice_reply_handle(us, junk, 3, &from, alen, reply, sizeof reply, &rlen, &nominated),
             ICE_REPLY_DROP);
    ice_check_free(janus);
    ice_reply_free(us);
}

/* ---- roles from Janus's descriptions -------------------------------------------------------- */

/* What Janus 1.1 answers a publisher's actpass offer: full ICE, a=setup:active (it will be the
 * DTLS client), its host candidate. */
static const char janus_answer[] =
    "v=0\r\no=- 1700000000000000 1 IN IP4 10.250.0.1\r\ns=VideoRoom 4242\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1\r\na=ice-options:trickle\r\na=fingerprint:sha-256 "
    "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:"
    "20\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.250.0.1\r\na=recvonly\r\na=mid:0\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:jAnU\r\na=ice-pwd:janusjanusjanusjanus12\r\n"
    "a=ice-options:trickle\r\na=setup:active\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=candidate:1 1 udp 2015363327 10.250.0.1 20404 typ host\r\na=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 10.250.0.1\r\na=recvonly\r\na=mid:1\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:jAnU\r\na=ice-pwd:janusjanusjanusjanus12\r\n"
    "a=setup:active\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n";

static void janus_roles(void)
{
    sdp_session *s = sdp_session_new();
    char err[200];
    offer_remote r;
    CHECK_EQ(sdp_parse(janus_answer, strlen(janus_answer), s, err, sizeof err), 0);
    CHECK_EQ(offer_remote_params(s, "10.250.0.2", &r, err, sizeof err), 0);
    CHECK(!r.ice_lite);
    CHECK_EQ(r.setup, SDP_SETUP_ACTIVE);
    CHECK(!r.offered); /* only the caller knows; an answer it is */
    CHECK_STR(r.ufrag, "jAnU");
    const struct sockaddr_in *a = (const struct sockaddr_in *)&r.addr;
    CHECK_EQ(ntohs(a->sin_port), 20404);
    CHECK_EQ(ntohl(a->sin_addr.s_addr), 0x0afa0001);
    /* An ICE-lite description says so (dienhong's hub). */
    static const char lite[] =
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=setup:passive\r\n"
        "a=ice-ufrag:u\r\na=ice-pwd:pppppppppppppppppppppp\r\na=fingerprint:sha-256 "
        "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:"
        "1E:1F:20\r\na=rtpmap:111 opus/48000/2\r\n"
        "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n";
    CHECK_EQ(sdp_parse(lite, strlen(lite), s, err, sizeof err), 0);
    CHECK_EQ(offer_remote_params(s, NULL, &r, err, sizeof err), 0);
    CHECK(r.ice_lite);
    CHECK_EQ(r.setup, SDP_SETUP_PASSIVE);
    free(s);
}

int main(void)
{
    msg_table();
    ice_roles();
    ice_drops();
    janus_roles();
    CHECK_DONE();
}
