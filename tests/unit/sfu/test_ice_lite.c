/* ICE-lite responder against real connectivity checks built the way a full ICE agent builds them
 * (libnice's own STUN library: short-term credentials, MESSAGE-INTEGRITY, FINGERPRINT): valid
 * checks are answered with a success response the client accepts (integrity under the password,
 * XOR-MAPPED-ADDRESS = the address the check came from); wrong credentials, damaged or foreign
 * datagrams, responses and indications are dropped without a reply. */
#include "sfu/ice/ice_lite.h"
#include "tests/unit/check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

/* ---- the hub's side: transports known by ufrag ---------------------------------------------- */

typedef struct fake_transport {
    const char *ufrag, *pwd;
} fake_transport;

static fake_transport transports[] = {
    {"hubA", "hubApassword0123456789"},
    {"hubB", "hubBpassword9876543210"},
};

static char last_lookup[300];
static int lookups;

static const char *lookup(void *ctx, const char *ufrag, void **transport)
{
    (void)ctx;
    lookups++;
    snprintf(last_lookup, sizeof last_lookup, "%s", ufrag);
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++) {
        if (strcmp(transports[i].ufrag, ufrag) == 0) {
            *transport = &transports[i];
            return transports[i].pwd;
        }
    }
    return NULL;
}

/* ---- the browser's side --------------------------------------------------------------------- */

static const uint16_t client_attrs[] = {STUN_ATTRIBUTE_USERNAME,
                                        STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                        STUN_ATTRIBUTE_FINGERPRINT,
                                        STUN_ATTRIBUTE_ERROR_CODE,
                                        STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
                                        STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                        STUN_ATTRIBUTE_PRIORITY,
                                        STUN_ATTRIBUTE_USE_CANDIDATE,
                                        STUN_ATTRIBUTE_ICE_CONTROLLED,
                                        STUN_ATTRIBUTE_ICE_CONTROLLING,
                                        0};

typedef struct client {
    StunAgent agent;
    char username[600];
    char pwd[128]; /* the agent keeps a pointer to the key until the response is validated */
} client;

static void client_init(client *c)
{
    memset(c, 0, sizeof *c);
    stun_agent_init(&c->agent, client_attrs, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
}

typedef struct check_opts {
    const char *username; /* "HUBUFRAG:CLIENTUFRAG" */
    const char *pwd;      /* the password it is signed with */
    bool use_candidate;
    bool controlling;
    uint32_t priority;
    uint64_t tie;
} check_opts;

/* A binding request as a browser sends it. Returns its length. */
static size_t make_check(client *c, const check_opts *o, uint8_t *buf, size_t cap)
{
    StunMessage msg;
    snprintf(c->username, sizeof c->username, "%s", o->username);
    snprintf(c->pwd, sizeof c->pwd, "%s", o->pwd);
    return stun_usage_ice_conncheck_create(
        &c->agent, &msg, buf, cap, (const uint8_t *)c->username, strlen(c->username),
        (const uint8_t *)c->pwd, strlen(c->pwd), o->use_candidate, o->controlling, o->priority,
        o->tie, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

static struct sockaddr_storage addr4(const char *ip, uint16_t port, socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    inet_pton(AF_INET, ip, &in->sin_addr);
    *len = sizeof *in;
    return ss;
}

static struct sockaddr_storage addr6(const char *ip, uint16_t port, socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &in6->sin6_addr);
    *len = sizeof *in6;
    return ss;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family) return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* Class and ERROR-CODE of a reply, read without validating it. */
static StunClass reply_class(const uint8_t *reply, size_t len, int *error_code)
{
    StunMessage m = {.buffer = (uint8_t *)reply, .buffer_len = len};
    *error_code = 0;
    if (stun_message_get_class(&m) == STUN_ERROR) stun_message_find_error(&m, error_code);
    return stun_message_get_class(&m);
}

typedef struct handled {
    ice_lite_result r;
    uint8_t reply[1280];
    size_t reply_len;
    ice_lite_check chk;
} handled;

static void handle(ice_lite *ice, const uint8_t *buf, size_t len,
                   const struct sockaddr_storage *from, socklen_t fromlen, handled *h)
{
    memset(h, 0, sizeof *h);
    h->reply_len = 12345;
    h->r = ice_lite_handle(ice, buf, len, from, fromlen, lookup, NULL, h->reply, &h->reply_len,
                           &h->chk);
}

/* ---- valid checks --------------------------------------------------------------------------- */

static void test_valid(ice_lite *ice)
{
    static const struct {
        const char *name;
        int transport;
        bool use_candidate;
        uint32_t priority;
        bool v6;
    } table[] = {
        {"A, nominating", 0, true, 1853824767u, false},
        {"A, not nominating", 0, false, 1845501695u, false},
        {"B, nominating, IPv6", 1, true, 2130706431u, true},
        {"B, not nominating, IPv6", 1, false, 1, true},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        printf("valid check: %s\n", table[i].name);
        const fake_transport *t = &transports[table[i].transport];
        char username[64];
        snprintf(username, sizeof username, "%s:brws", t->ufrag);
        client c;
        client_init(&c);
        uint8_t req[1280];
        check_opts o = {username,
                        t->pwd,
                        table[i].use_candidate,
                        true,
                        table[i].priority,
                        0x0123456789ABCDEFull + i};
        size_t len = make_check(&c, &o, req, sizeof req);
        CHECK(len > 0);
        socklen_t fromlen;
        struct sockaddr_storage from = table[i].v6 ? addr6("2001:db8::7", 61000, &fromlen)
                                                   : addr4("192.0.2.7", 50123, &fromlen);
        handled h;
        handle(ice, req, len, &from, fromlen, &h);
        CHECK_EQ(h.r, ICE_LITE_REPLY);
        CHECK(h.chk.transport == t);
        CHECK_EQ(h.chk.use_candidate, table[i].use_candidate);
        CHECK_EQ(h.chk.priority, table[i].priority);
        CHECK_STR(last_lookup, t->ufrag); /* the lookup gets our half of USERNAME only */
        CHECK(h.reply_len > 20 && h.reply_len <= sizeof h.reply);

        /* The browser accepts the answer: its transaction, integrity under the password, a
         * success response whose XOR-MAPPED-ADDRESS is where the check came from. */
        StunMessage resp;
        StunValidationStatus st =
            stun_agent_validate(&c.agent, &resp, h.reply, h.reply_len, NULL, NULL);
        CHECK_EQ(st, STUN_VALIDATION_SUCCESS);
        CHECK_EQ(stun_message_get_class(&resp), STUN_RESPONSE);
        CHECK_EQ(stun_message_get_method(&resp), STUN_BINDING);
        struct sockaddr_storage mapped;
        socklen_t mapped_len = sizeof mapped;
        CHECK_EQ(stun_usage_ice_conncheck_process(&resp, &mapped, &mapped_len,
                                                  STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
                 STUN_USAGE_ICE_RETURN_SUCCESS);
        CHECK(same_addr(&mapped, &from));

        /* A retransmitted check is answered again (the lite side keeps no transaction state). */
        handled again;
        handle(ice, req, len, &from, fromlen, &again);
        CHECK_EQ(again.r, ICE_LITE_REPLY);
        CHECK(again.chk.transport == t);

        /* A reply damaged in flight does not validate at the browser. */
        client c2;
        client_init(&c2);
        len = make_check(&c2, &o, req, sizeof req);
        handle(ice, req, len, &from, fromlen, &h);
        h.reply[h.reply_len - 30] ^= 0x40;
        CHECK(stun_agent_validate(&c2.agent, &resp, h.reply, h.reply_len, NULL, NULL) !=
              STUN_VALIDATION_SUCCESS);
    }
}

/* ---- refused checks ------------------------------------------------------------------------- */

static void test_refused(ice_lite *ice)
{
    static const struct {
        const char *name;
        const char *username;
        const char *pwd;
    } table[] = {
        {"wrong password", "hubA:brws", "hubApassword012345678X"},
        {"the other transport's password", "hubA:brws", "hubBpassword9876543210"},
        {"unknown ufrag", "nobody:brws", "hubApassword0123456789"},
        {"ufrag halves swapped", "brws:hubA", "hubApassword0123456789"},
        {"no colon", "hubA", "hubApassword0123456789"},
        {"empty ufrag", ":brws", "hubApassword0123456789"},
        {"prefix of a ufrag", "hub:brws", "hubApassword0123456789"},
        {"ufrag longer than 256",
         "hubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubA"
         "hubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubA"
         "hubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubAhubA"
         "hubA:brws",
         "hubApassword0123456789"},
    };
    socklen_t fromlen;
    struct sockaddr_storage from = addr4("198.51.100.1", 40000, &fromlen);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        client c;
        client_init(&c);
        uint8_t req[1280];
        check_opts o = {table[i].username, table[i].pwd, true, true, 100, 42};
        size_t len = make_check(&c, &o, req, sizeof req);
        CHECK(len > 0);
        handled h;
        handle(ice, req, len, &from, fromlen, &h);
        if (h.r != ICE_LITE_DROP) fprintf(stderr, "refused check: %s\n", table[i].name);
        CHECK_EQ(h.r, ICE_LITE_DROP);
        CHECK_EQ(h.reply_len, 0);
        CHECK(h.chk.transport == NULL);
    }
}

/* Every prefix of a valid check, bit flips across it, and datagrams that are not STUN at all. */
static void test_damaged(ice_lite *ice)
{
    client c;
    client_init(&c);
    uint8_t req[1280];
    check_opts o = {"hubB:brws", "hubBpassword9876543210", true, true, 7, 9};
    size_t len = make_check(&c, &o, req, sizeof req);
    socklen_t fromlen;
    struct sockaddr_storage from = addr4("203.0.113.9", 3478, &fromlen);
    handled h;
    size_t not_dropped = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t cut[1280];
        memcpy(cut, req, n);
        handle(ice, cut, n, &from, fromlen, &h);
        not_dropped += h.r != ICE_LITE_DROP || h.reply_len != 0;
    }
    CHECK_EQ(not_dropped, 0);
    /* One flipped bit anywhere: never a success reply (integrity or fingerprint catches it, or
     * the header no longer makes sense). */
    size_t accepted = 0;
    for (size_t bit = 0; bit < len * 8; bit++) {
        uint8_t bad[1280];
        memcpy(bad, req, len);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        handle(ice, bad, len, &from, fromlen, &h);
        accepted += h.r == ICE_LITE_REPLY;
    }
    CHECK_EQ(accepted, 0);
    /* Trailing bytes after a valid message. */
    uint8_t longer[1280];
    memcpy(longer, req, len);
    memset(longer + len, 0, 8);
    handle(ice, longer, len + 8, &from, fromlen, &h);
    CHECK_EQ(h.r, ICE_LITE_DROP);

    static const struct {
        const char *name;
        uint8_t bytes[32];
        size_t len;
    } junk[] = {
        {"zeros", {0}, 32},
        {"STUN header, no cookie",
         {0x00, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
         20},
        {"STUN header, length past end",
         {0x00, 0x01, 0x00, 0x40, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
         20},
        {"STUN header, odd length",
         {0x00, 0x01, 0x00, 0x02, 0x21, 0x12, 0xA4, 0x42, 1,  2, 3,
          4,    5,    6,    7,    8,    9,    10,   11,   12, 0, 0},
         22},
        {"bare binding request",
         {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
         20},
        {"RTP", {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4}, 16},
        {"DTLS", {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}, 13},
        {"one byte", {0x00}, 1},
        {"empty", {0}, 0},
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        handle(ice, junk[i].bytes, junk[i].len, &from, fromlen, &h);
        if (h.r != ICE_LITE_DROP) fprintf(stderr, "junk: %s\n", junk[i].name);
        CHECK_EQ(h.r, ICE_LITE_DROP);
        CHECK_EQ(h.reply_len, 0);
    }
}

/* What is not a request for us: our own reply coming back, a response the client makes up, an
 * indication (signed or not), and a request of another method. */
static void test_not_requests(ice_lite *ice)
{
    socklen_t fromlen;
    struct sockaddr_storage from = addr4("192.0.2.50", 5000, &fromlen);
    client c;
    client_init(&c);
    uint8_t req[1280];
    check_opts o = {"hubA:brws", "hubApassword0123456789", false, true, 5, 5};
    size_t len = make_check(&c, &o, req, sizeof req);
    handled h, back;
    handle(ice, req, len, &from, fromlen, &h);
    CHECK_EQ(h.r, ICE_LITE_REPLY);
    /* The success response fed back in. */
    handle(ice, h.reply, h.reply_len, &from, fromlen, &back);
    CHECK_EQ(back.r, ICE_LITE_DROP);
    CHECK_EQ(back.reply_len, 0);

    /* Binding indications: unsigned, and signed with the right credentials. */
    StunMessage msg;
    uint8_t buf[512];
    CHECK(stun_agent_init_indication(&c.agent, &msg, buf, sizeof buf, STUN_BINDING));
    len = stun_agent_finish_message(&c.agent, &msg, NULL, 0);
    CHECK(len > 0);
    handle(ice, buf, len, &from, fromlen, &back);
    CHECK_EQ(back.r, ICE_LITE_DROP);
    CHECK_EQ(back.reply_len, 0);

    static const uint8_t user[] = "hubA:brws";
    static const uint8_t key[] = "hubApassword0123456789";
    CHECK(stun_agent_init_indication(&c.agent, &msg, buf, sizeof buf, STUN_BINDING));
    stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, user, sizeof user - 1);
    len = stun_agent_finish_message(&c.agent, &msg, key, sizeof key - 1);
    CHECK(len > 0);
    handle(ice, buf, len, &from, fromlen, &back);
    CHECK_EQ(back.r, ICE_LITE_DROP);
    CHECK_EQ(back.reply_len, 0);

    /* A properly signed request of another method (a TURN Allocate). */
    CHECK(stun_agent_init_request(&c.agent, &msg, buf, sizeof buf, STUN_ALLOCATE));
    stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, user, sizeof user - 1);
    len = stun_agent_finish_message(&c.agent, &msg, key, sizeof key - 1);
    CHECK(len > 0);
    handle(ice, buf, len, &from, fromlen, &back);
    CHECK(back.r != ICE_LITE_REPLY);
    CHECK(back.chk.transport == NULL);
}

/* A comprehension-required attribute we do not know: an error response (420) naming it, and the
 * transport is not marked checked. */
static void test_unknown_attribute(ice_lite *ice)
{
    socklen_t fromlen;
    struct sockaddr_storage from = addr4("192.0.2.51", 5001, &fromlen);
    client c;
    client_init(&c);
    StunMessage msg;
    uint8_t buf[512];
    static const uint8_t user[] = "hubA:brws";
    static const uint8_t key[] = "hubApassword0123456789";
    CHECK(stun_agent_init_request(&c.agent, &msg, buf, sizeof buf, STUN_BINDING));
    stun_message_append32(&msg, STUN_ATTRIBUTE_PRIORITY, 77);
    stun_message_append64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING, 1);
    stun_message_append32(&msg, 0x7FF0, 0xC0FFEE); /* comprehension-required, unknown */
    stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, user, sizeof user - 1);
    size_t len = stun_agent_finish_message(&c.agent, &msg, key, sizeof key - 1);
    CHECK(len > 0);
    handled h;
    handle(ice, buf, len, &from, fromlen, &h);
    CHECK_EQ(h.r, ICE_LITE_ERROR_REPLY);
    CHECK(h.chk.transport == NULL);
    int code;
    CHECK_EQ(reply_class(h.reply, h.reply_len, &code), STUN_ERROR);
    CHECK_EQ(code, STUN_ERROR_UNKNOWN_ATTRIBUTE);

    /* A comprehension-optional one is ignored (Chrome sends GOOG-NETWORK-INFO). */
    CHECK(stun_agent_init_request(&c.agent, &msg, buf, sizeof buf, STUN_BINDING));
    stun_message_append32(&msg, STUN_ATTRIBUTE_PRIORITY, 77);
    stun_message_append64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING, 1);
    stun_message_append32(&msg, 0xC057, 0x00010000);
    stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, user, sizeof user - 1);
    len = stun_agent_finish_message(&c.agent, &msg, key, sizeof key - 1);
    handle(ice, buf, len, &from, fromlen, &h);
    CHECK_EQ(h.r, ICE_LITE_REPLY);
    CHECK(h.chk.transport == &transports[0]);
}

/* The browser claims the controlled role too (RFC 8445 7.3.1.1). A lite agent is always
 * controlled and cannot switch, so the only consistent answer is 487 Role Conflict, after which
 * the browser switches; the check does not count (no transport, no success response). A
 * tie-breaker of 0 included: it must not get a success response that the hub then ignores. */
static void test_role_conflict(ice_lite *ice)
{
    static const uint64_t ties[] = {0, 1, 0x8000000000000000ull, UINT64_MAX};
    socklen_t fromlen;
    struct sockaddr_storage from = addr4("192.0.2.52", 5002, &fromlen);
    for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++) {
        client c;
        client_init(&c);
        uint8_t req[1280];
        check_opts o = {"hubA:brws", "hubApassword0123456789", false, false, 5, ties[i]};
        size_t len = make_check(&c, &o, req, sizeof req);
        handled h;
        handle(ice, req, len, &from, fromlen, &h);
        int code;
        StunClass cls = reply_class(h.reply, h.reply_len, &code);
        if (h.r != ICE_LITE_ERROR_REPLY || cls != STUN_ERROR || code != STUN_ERROR_ROLE_CONFLICT)
            fprintf(stderr,
                    "role conflict, tie-breaker %#llx: result %d, reply class %d, code %d\n",
                    (unsigned long long)ties[i], (int)h.r, (int)cls, code);
        CHECK_EQ(h.r, ICE_LITE_ERROR_REPLY);
        CHECK(h.chk.transport == NULL);
        CHECK(h.reply_len > 0);
        CHECK_EQ(cls, STUN_ERROR);
        CHECK_EQ(code, STUN_ERROR_ROLE_CONFLICT);
    }
}

int main(void)
{
    ice_lite *ice = ice_lite_new();
    CHECK(ice != NULL);
    test_valid(ice);
    test_refused(ice);
    test_damaged(ice);
    test_not_requests(ice);
    test_unknown_attribute(ice);
    test_role_conflict(ice);
    CHECK(lookups > 0);
    ice_lite_free(ice);
    ice_lite_free(NULL);
    CHECK_DONE();
}
