/* What the load generator needs against Janus: the reading of Janus's API messages and the
 * choice of what each role subscribes to (clients/load/janus_msg.c), the answering of a full ICE
 * agent's checks in both roles (ice_reply.c against ice_check.c, which builds the same requests
 * libnice does), and the roles a Janus description implies (offer.c). */
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
    uint32_t n_feeds; /* at most 3 here: the long lists are in list_table */
    uint64_t feed[3];
    const char *display[3]; /* NULL: none */
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
     .feed = {11, 14},
     .display = {"chair", NULL}},
    /* odd participants: a display that is no string, "publisher" as 0.x wrote it (a string),
     * entries that are no objects, a second id with the first's display (both kept: picking
     * decides), a participants list that is no array */
    {.text = "{\"janus\":\"success\",\"plugindata\":{\"data\":{\"videoroom\":\"participants\","
             "\"participants\":[{\"id\":21,\"display\":7,\"publisher\":true},5,null,{\"id\":22,"
             "\"display\":\"load-0001\",\"publisher\":\"true\"},{\"id\":23,\"display\":"
             "\"load-0001\",\"publisher\":true},{\"id\":24,\"publisher\":1},{\"id\":25,"
             "\"publisher\":\"false\"},{\"id\":0,\"publisher\":true}]}}}",
     .kind = JANUS_MSG_SUCCESS,
     .videoroom = "participants",
     .n_feeds = 3,
     .feed = {21, 22, 23},
     .display = {NULL, "load-0001", "load-0001"}},
    {.text = "{\"janus\":\"success\",\"plugindata\":{\"data\":{\"videoroom\":\"participants\","
             "\"participants\":{\"id\":1,\"publisher\":true}}}}",
     .kind = JANUS_MSG_SUCCESS,
     .videoroom = "participants"},
    /* one id in both lists, with two displays: listed once, as "publishers" has it */
    {.text = "{\"janus\":\"event\",\"plugindata\":{\"data\":{\"publishers\":[{\"id\":31,"
             "\"display\":\"chair\"}],\"participants\":[{\"id\":31,\"display\":\"other\","
             "\"publisher\":true},{\"id\":32,\"display\":\"load-0002\",\"publisher\":true}]}}}",
     .kind = JANUS_MSG_EVENT,
     .n_feeds = 2,
     .feed = {31, 32},
     .display = {"chair", "load-0002"}},
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
     .feed = {31},
     .display = {"a"}},
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
        CHECK_EQ(m.feeds_dropped, 0);
        CHECK((m.feeds == NULL) == (m.n_feeds == 0));
        for (uint32_t k = 0; k < c->n_feeds && k < m.n_feeds; k++) {
            CHECK_EQ(m.feeds[k].id, c->feed[k]);
            if (c->display[k])
                CHECK_STR(m.feeds[k].display, c->display[k]);
            else
                CHECK(m.feeds[k].display == NULL);
        }
        janus_msg_free(&m);
        CHECK(m.feeds == NULL && m.n_feeds == 0);
    }
    /* The hangup reason is kept. */
    janus_msg m;
    char err[200];
    const char *h = "{\"janus\":\"hangup\",\"reason\":\"ICE failed\"}";
    CHECK_EQ(janus_msg_parse(h, strlen(h), &m, err, sizeof err), 0);
    CHECK_STR(m.reason, "ICE failed");
    janus_msg_free(&m);
    janus_msg_free(NULL);
}

/* Long lists, as a W-580 room gives them: every publisher kept with its display, however many
 * others are listed, up to JANUS_MSG_MAX_FEEDS; past it, counted and dropped, not overrun. */
typedef struct list_case {
    const char *what;
    bool participants;   /* a listparticipants answer; else a "publishers" event */
    unsigned publishers; /* ids 1000.., displays load-0001.. */
    unsigned watchers;   /* participants that do not publish, listed between them */
    unsigned repeats;    /* the first publishers listed again at the end */
    uint32_t want_n, want_dropped;
} list_case;

static const list_case list_cases[] = {
    {"a W-580 room", true, 580, 2, 0, 580, 0},
    {"a W-580 joined event", false, 579, 0, 0, 579, 0},
    {"a full list", true, JANUS_MSG_MAX_FEEDS, 40, 0, JANUS_MSG_MAX_FEEDS, 0},
    {"too many", true, JANUS_MSG_MAX_FEEDS + 6, 0, 0, JANUS_MSG_MAX_FEEDS, 6},
    {"too many publishers", false, JANUS_MSG_MAX_FEEDS + 1, 0, 0, JANUS_MSG_MAX_FEEDS, 1},
    {"repeated ids", true, 100, 10, 30, 100, 0},
};

static char *list_text(const list_case *c, size_t *len)
{
    size_t cap = 128 + (size_t)(c->publishers + c->watchers + c->repeats) * 80, n = 0;
    char *t = malloc(cap);
    n += (size_t)snprintf(t + n, cap - n, "{\"janus\":\"%s\",\"plugindata\":{\"data\":{\"%s\":[",
                          c->participants ? "success" : "event",
                          c->participants ? "participants" : "publishers");
    const char *flag = c->participants ? ",\"publisher\":true" : "";
    for (unsigned i = 0; i < c->publishers + c->repeats; i++) {
        unsigned k = i < c->publishers ? i : i - c->publishers;
        n += (size_t)snprintf(t + n, cap - n, "%s{\"id\":%u,\"display\":\"load-%04u\"%s}",
                              i ? "," : "", 1000 + k, k + 1, flag);
        if (c->watchers && i % (c->publishers / c->watchers + 1) == 0 && c->participants)
            n += (size_t)snprintf(t + n, cap - n, ",{\"id\":%u,\"publisher\":false}", 90000 + i);
    }
    n += (size_t)snprintf(t + n, cap - n, "]}}}");
    *len = n;
    return t;
}

static void list_table(void)
{
    for (size_t i = 0; i < sizeof list_cases / sizeof list_cases[0]; i++) {
        const list_case *c = &list_cases[i];
        size_t len;
        char *text = list_text(c, &len), err[200];
        janus_msg m;
        CHECK_EQ(janus_msg_parse(text, len, &m, err, sizeof err), 0);
        if (m.n_feeds != c->want_n) fprintf(stderr, "list case: %s\n", c->what);
        CHECK_EQ(m.n_feeds, c->want_n);
        CHECK_EQ(m.feeds_dropped, c->want_dropped);
        for (uint32_t k = 0; k < m.n_feeds; k++) {
            char want[16];
            snprintf(want, sizeof want, "load-%04u", k + 1);
            CHECK_EQ(m.feeds[k].id, 1000 + k);
            CHECK_STR(m.feeds[k].display, want);
        }
        janus_msg_free(&m);
        free(text);
    }
}

/* ---- janus_pick: what each role subscribes to ------------------------------------------------ */

/* The room: the chair (id 1) and the first `present` sites (ids 101..), in label order or
 * reversed, then optionally a stranger (id 900, "someone") and a second "load-0001" (id 901)
 * that joined after the first. */
typedef struct pick_case {
    const char *what;
    janus_pick_role role;
    const char *self;
    bool thumbnails;
    unsigned n_sites, floor, wall; /* the plan */
    bool chair_present;
    unsigned present;
    bool reversed, extras;
    /* what comes out: the streams as "who/mid/substream" ("*": the whole feed, "top": Janus's
     * default), consecutive sites alike shown as a range */
    const char *want;
    uint32_t lines, wanted, missing;
    const char *first_missing;
    bool truncated;
    bool chairless; /* the plan has no chair */
} pick_case;

static const pick_case pick_cases[] = {
    {"a site: the chair and the floor site, both at the top", JANUS_PICK_SITE, "load-0005", false,
     48, 1, 48, true, 60, false, true, "chair/*/top load-0001/*/top", 4, 2, 0, NULL, false, false},
    {"the floor site does not watch itself", JANUS_PICK_SITE, "load-0001", false, 48, 1, 48, true,
     60, false, false, "chair/*/top", 2, 1, 0, NULL, false, false},
    {"two floor sites", JANUS_PICK_SITE, "load-0009", false, 48, 2, 48, true, 60, true, false,
     "chair/*/top load-0001..load-0002/*/top", 6, 3, 0, NULL, false, false},
    {"the operator: the chair, the floor and 47 thumbnails", JANUS_PICK_OPERATOR, "operator-1",
     true, 48, 1, 48, true, 579, false, true,
     "chair/*/top load-0001/*/top load-0002..load-0048/1/0", 51, 49, 0, NULL, false, false},
    {"the same, listed in another order", JANUS_PICK_OPERATOR, "operator-1", true, 48, 1, 48, true,
     579, true, true, "chair/*/top load-0001/*/top load-0002..load-0048/1/0", 51, 49, 0, NULL,
     false, false},
    {"the chair: the floor and 47 thumbnails", JANUS_PICK_CHAIR, "chair", false, 48, 1, 48, true,
     100, false, false, "load-0001/*/top load-0002..load-0048/1/0", 49, 48, 0, NULL, false, false},
    {"a wall of fewer sites than a page", JANUS_PICK_OPERATOR, "operator-1", true, 3, 1, 48, true,
     3, false, false, "chair/*/top load-0001/*/top load-0002..load-0003/1/0", 6, 4, 0, NULL, false,
     false},
    {"floor sites on the wall show at the top", JANUS_PICK_OPERATOR, "operator-1", true, 48, 3, 48,
     true, 48, false, false, "chair/*/top load-0001..load-0003/*/top load-0004..load-0048/1/0", 53,
     49, 0, NULL, false, false},
    {"a site waits for the chair", JANUS_PICK_SITE, "load-0007", false, 48, 1, 48, false, 10, false,
     false, "load-0001/*/top", 2, 2, 1, "chair", false, false},
    {"a site waits for the floor", JANUS_PICK_SITE, "load-0007", false, 48, 1, 48, true, 0, false,
     false, "chair/*/top", 2, 2, 1, "load-0001", false, false},
    {"the wall waits for its last sites", JANUS_PICK_OPERATOR, "operator-1", true, 48, 1, 48, true,
     40, false, false, "chair/*/top load-0001/*/top load-0002..load-0040/1/0", 43, 49, 8,
     "load-0041", false, false},
    {"no floor and no site video: the chair watches nobody", JANUS_PICK_CHAIR, "chair", false, 0, 0,
     0, true, 50, false, true, "", 0, 0, 0, NULL, false, false},
    {"no chair in the meeting", JANUS_PICK_SITE, "load-0004", false, 48, 1, 48, false, 10, false,
     false, "load-0001/*/top", 2, 1, 0, NULL, false, true},
    {"more than one subscription holds", JANUS_PICK_OPERATOR, "operator-1", true, 48, 20, 48, true,
     48, false, false, "chair/*/top load-0001..load-0020/*/top load-0021..load-0042/1/0", 64, 49, 0,
     NULL, true, false},
    {"a watcher that does not publish takes every feed", JANUS_PICK_EVERY, NULL, false, 0, 0, 0,
     true, 0, false, false, "chair/*/top", 2, 1, 0, NULL, false, false},
    {"every feed, thumbnails, at most 16", JANUS_PICK_EVERY, NULL, true, 0, 0, 0, true, 30, false,
     false, "chair/*/0 load-0001..load-0015/*/0", 32, 16, 0, NULL, false, false},
    {"every feed but our own", JANUS_PICK_EVERY, "load-0002", false, 0, 0, 0, true, 3, false, true,
     "chair/*/top load-0001/*/top load-0003/*/top someone/*/top load-0001b/*/top", 10, 5, 0, NULL,
     false, false},
    {"nobody publishes yet", JANUS_PICK_EVERY, NULL, false, 0, 0, 0, false, 0, false, false, "", 0,
     0, 0, NULL, false, false},
};

static const char *pick_name(uint64_t feed, char *buf, size_t cap)
{
    if (feed == 1) return "chair";
    if (feed == 900) return "someone";
    if (feed == 901) return "load-0001b";
    snprintf(buf, cap, "load-%04u", (unsigned)(feed - 100));
    return buf;
}

/* The streams as pick_case.want writes them. */
static void pick_render(const janus_pick *p, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < p->n; i++) {
        const janus_stream *s = &p->streams[i];
        uint32_t last = i;
        while (last + 1 < p->n && s->feed >= 101 && s->feed < 900 &&
               p->streams[last + 1].feed == p->streams[last].feed + 1 &&
               (p->streams[last + 1].mid == NULL) == (s->mid == NULL) &&
               p->streams[last + 1].substream == s->substream)
            last++;
        char a[16], b[16], sub[8];
        snprintf(sub, sizeof sub, "%d", s->substream);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "",
                                pick_name(s->feed, a, sizeof a));
        if (last > i)
            len += (size_t)snprintf(out + len, cap - len, "..%s",
                                    pick_name(p->streams[last].feed, b, sizeof b));
        len += (size_t)snprintf(out + len, cap - len, "/%s/%s", s->mid ? s->mid : "*",
                                s->substream < 0 ? "top" : sub);
        i = last;
    }
}

static void pick_table(void)
{
    char labels[64][16];
    const char *sites[64];
    for (unsigned i = 0; i < 64; i++) {
        snprintf(labels[i], sizeof labels[i], "load-%04u", i + 1);
        sites[i] = labels[i];
    }
    static janus_feed room[700];
    static char displays[700][16];
    for (size_t i = 0; i < sizeof pick_cases / sizeof pick_cases[0]; i++) {
        const pick_case *c = &pick_cases[i];
        uint32_t n = 0;
        if (c->chair_present) room[n++] = (janus_feed){1, "chair"};
        for (unsigned k = 0; k < c->present; k++, n++) {
            unsigned site = c->reversed ? c->present - k : k + 1;
            snprintf(displays[n], sizeof displays[n], "load-%04u", site);
            room[n] = (janus_feed){100 + site, displays[n]};
        }
        if (c->extras) {
            room[n++] = (janus_feed){900, "someone"};
            room[n++] = (janus_feed){901, "load-0001"};
        }
        janus_pick_cfg cfg = {.role = c->role,
                              .self = c->self,
                              .thumbnails = c->thumbnails,
                              .chair = c->chairless ? NULL : "chair",
                              .sites = sites,
                              .n_sites = c->n_sites < 64 ? c->n_sites : 64,
                              .floor = c->floor,
                              .wall = c->wall,
                              .video_mid = "1"};
        janus_pick p;
        janus_pick_streams(room, n, &cfg, &p);
        char got[600];
        pick_render(&p, got, sizeof got);
        if (strcmp(got, c->want) != 0)
            fprintf(stderr, "pick case \"%s\": got \"%s\", want \"%s\"\n", c->what, got, c->want);
        CHECK_STR(got, c->want);
        CHECK_EQ(p.lines, c->lines);
        CHECK_EQ(p.wanted, c->wanted);
        CHECK_EQ(p.missing, c->missing);
        if (c->first_missing)
            CHECK_STR(p.first_missing, c->first_missing);
        else
            CHECK(p.first_missing == NULL);
        CHECK_EQ(p.truncated, c->truncated);
        CHECK(p.lines <= JANUS_PICK_MAX_LINES);
    }
    /* With no list at all: what a role would want, to know whether to subscribe. */
    janus_pick_cfg site = {.role = JANUS_PICK_SITE,
                           .self = "load-0003",
                           .chair = "chair",
                           .sites = sites,
                           .n_sites = 1,
                           .floor = 1,
                           .wall = 48,
                           .video_mid = "1"};
    janus_pick p;
    janus_pick_streams(NULL, 0, &site, &p);
    CHECK_EQ(p.n, 0);
    CHECK_EQ(p.wanted, 2);
    CHECK_EQ(p.missing, 2);
    CHECK_STR(p.first_missing, "chair");
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
    list_table();
    pick_table();
    ice_roles();
    ice_drops();
    janus_roles();
    CHECK_DONE();
}
