/* Client requests: every shape the protocol accepts, and every way a message can be refused. */
#include <string.h>

#include "signaling/message.h"
#include "tests/unit/check.h"

typedef struct {
    const char *text;
    const char *code; /* NULL: accepted */
    request_type type;
    bool id_echoed; /* on refusal, does the reply carry the request's id? */
} row;

static const row rows[] = {
    {"{\"id\":1,\"type\":\"join\",\"token\":\"dh1.a.b\"}", NULL, REQ_JOIN, true},
    {"{\"id\":\"x\",\"type\":\"join\",\"token\":\"t\",\"meeting\":\"m\",\"name\":\"Ba "
     "\\u0110\\u00ecnh\"}",
     NULL, REQ_JOIN, true},
    {"{\"id\":1,\"type\":\"join\"}", NULL, REQ_JOIN, true}, /* no token: the handler refuses it */
    {"{\"id\":2,\"type\":\"publish\",\"sdp\":\"v=0\"}", NULL, REQ_PUBLISH, true},
    {"{\"id\":3,\"type\":\"unpublish\"}", NULL, REQ_UNPUBLISH, true},
    {"{\"id\":4,\"type\":\"answer\",\"revision\":3,\"sdp\":\"v=0\"}", NULL, REQ_ANSWER, true},
    {"{\"id\":5,\"type\":\"trickle\",\"target\":\"publisher\",\"candidate\":{\"candidate\":\"c\"}}",
     NULL, REQ_TRICKLE, true},
    {"{\"id\":5,\"type\":\"trickle\",\"target\":\"subscriber\",\"candidate\":null}", NULL,
     REQ_TRICKLE, true},
    {"{\"id\":6,\"type\":\"keyframe\",\"mid\":\"1\"}", NULL, REQ_KEYFRAME, true},
    {"{\"id\":7,\"type\":\"leave\"}", NULL, REQ_LEAVE, true},
    {"{\"id\":10,\"type\":\"raise_hand\"}", NULL, REQ_RAISE_HAND, true},
    {"{\"id\":11,\"type\":\"lower_hand\"}", NULL, REQ_LOWER_HAND, true},
    {"{\"id\":12,\"type\":\"floor_give\",\"site\":\"ba-dinh\"}", NULL, REQ_FLOOR_GIVE, true},
    {"{\"id\":13,\"type\":\"floor_take\",\"site\":\"ba-dinh\"}", NULL, REQ_FLOOR_TAKE, true},
    {"{\"id\":14,\"type\":\"mute_all\"}", NULL, REQ_MUTE_ALL, true},
    {"{\"id\":15,\"type\":\"kick\",\"site\":\"tay-ho\",\"reason\":\"x\"}", NULL, REQ_KICK, true},
    {"{\"id\":16,\"type\":\"wall\",\"page\":2}", NULL, REQ_WALL, true},
    {"{\"id\":17,\"type\":\"roll\"}", NULL, REQ_ROLL, true},
    {"{\"id\":18,\"type\":\"document_held\",\"document\":\"d-abcdefghijklmnop\"}", NULL,
     REQ_DOCUMENT_HELD, true},
    {"{\"id\":19,\"type\":\"present\",\"document\":\"d-x\",\"page\":3}", NULL, REQ_PRESENT, true},
    {"{\"id\":20,\"type\":\"present_page\",\"page\":4}", NULL, REQ_PRESENT_PAGE, true},
    {"{\"id\":21,\"type\":\"present_stop\"}", NULL, REQ_PRESENT_STOP, true},
    {"{\"id\":22,\"type\":\"recording_start\"}", NULL, REQ_RECORDING_START, true},
    {"{\"id\":23,\"type\":\"recording_stop\"}", NULL, REQ_RECORDING_STOP, true},
    {"{\"id\":22,\"type\":\"vote_open\",\"question\":\"Q?\"}", NULL, REQ_VOTE_OPEN, true},
    {"{\"id\":23,\"type\":\"vote_cast\",\"vote\":\"v-1\",\"choice\":\"agree\"}", NULL,
     REQ_VOTE_CAST, true},
    {"{\"id\":24,\"type\":\"vote_close\",\"vote\":\"v-1\"}", NULL, REQ_VOTE_CLOSE, true},
    {"{\"id\":25,\"type\":\"agenda_set\",\"items\":[{\"title\":\"A\"}]}", NULL, REQ_AGENDA_SET,
     true},
    {"{\"id\":26,\"type\":\"agenda_go\",\"index\":1}", NULL, REQ_AGENDA_GO, true},
    /* refusals */
    {"{\"id\":25,\"type\":\"agenda_set\",\"items\":{}}", "bad_request", 0, true},
    {"{\"id\":26,\"type\":\"agenda_go\",\"index\":-1}", "bad_request", 0, true},
    {"{\"id\":18,\"type\":\"document_held\"}", "bad_request", 0, true},
    {"{\"id\":19,\"type\":\"present\",\"document\":\"d-x\",\"page\":0}", "bad_request", 0, true},
    {"{\"id\":20,\"type\":\"present_page\",\"page\":\"3\"}", "bad_request", 0, true},
    {"{\"id\":22,\"type\":\"vote_open\",\"question\":\"\"}", "bad_request", 0, true},
    {"{\"id\":22,\"type\":\"vote_open\",\"question\":\"Q\",\"item\":5}", "bad_request", 0, true},
    {"{\"id\":23,\"type\":\"vote_cast\",\"vote\":\"v-1\"}", "bad_request", 0, true},
    {"{\"id\":24,\"type\":\"vote_close\"}", "bad_request", 0, true},
    {"{\"id\":12,\"type\":\"floor_give\"}", "bad_request", 0, true},
    {"{\"id\":12,\"type\":\"floor_give\",\"site\":\"\"}", "bad_request", 0, true},
    {"{\"id\":15,\"type\":\"kick\",\"site\":\"a\",\"reason\":3}", "bad_request", 0, true},
    {"{\"id\":16,\"type\":\"wall\",\"page\":-1}", "bad_request", 0, true},
    {"{\"id\":16,\"type\":\"wall\"}", "bad_request", 0, true},
    {"hello", "bad_json", 0, false},
    {"", "bad_json", 0, false},
    {"{\"id\":1,\"type\":\"join\"", "bad_json", 0, false},
    {"[1,2]", "bad_json", 0, false},
    {"{\"id\":1,\"id\":2,\"type\":\"leave\"}", "bad_json", 0, false},
    {"{\"type\":\"leave\"}", "bad_request", 0, false},
    {"{\"id\":null,\"type\":\"leave\"}", "bad_request", 0, false},
    {"{\"id\":1.5,\"type\":\"leave\"}", "bad_request", 0, false},
    {"{\"id\":[1],\"type\":\"leave\"}", "bad_request", 0, false},
    {"{\"id\":1}", "bad_request", 0, true},
    {"{\"id\":1,\"type\":7}", "bad_request", 0, true},
    {"{\"id\":1,\"type\":\"dance\"}", "unknown_type", 0, true},
    {"{\"id\":1,\"type\":\"join\",\"token\":5}", "bad_request", 0, true},
    {"{\"id\":1,\"type\":\"join\",\"meeting\":{}}", "bad_request", 0, true},
    {"{\"id\":2,\"type\":\"publish\"}", "bad_request", 0, true},
    {"{\"id\":2,\"type\":\"publish\",\"sdp\":1}", "bad_request", 0, true},
    {"{\"id\":4,\"type\":\"answer\",\"sdp\":\"v=0\"}", "bad_request", 0, true},
    {"{\"id\":4,\"type\":\"answer\",\"sdp\":\"v=0\",\"revision\":-1}", "bad_request", 0, true},
    {"{\"id\":4,\"type\":\"answer\",\"sdp\":\"v=0\",\"revision\":4294967296}", "bad_request", 0,
     true},
    {"{\"id\":4,\"type\":\"answer\",\"sdp\":\"v=0\",\"revision\":\"3\"}", "bad_request", 0, true},
    {"{\"id\":5,\"type\":\"trickle\",\"target\":\"both\"}", "bad_request", 0, true},
    {"{\"id\":5,\"type\":\"trickle\",\"target\":\"publisher\",\"candidate\":\"x\"}", "bad_request",
     0, true},
    {"{\"id\":6,\"type\":\"keyframe\"}", "bad_request", 0, true},
};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        request r;
        request_error e = {0};
        int rc = request_parse(rows[i].text, strlen(rows[i].text), &r, &e);
        if (!rows[i].code) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(r.type, rows[i].type);
            CHECK(r.id != NULL);
        } else {
            CHECK_EQ(rc, -1);
            CHECK_STR(e.code, rows[i].code);
            CHECK(e.message[0] != '\0');
            CHECK_EQ(r.id != NULL, rows[i].id_echoed);
        }
        if (rc == 0 && rows[i].code)
            fprintf(stderr, "row %zu wrongly accepted: %s\n", i, rows[i].text);
        request_free(&r);
    }

    /* Fields come through intact. */
    const char *answer = "{\"id\":9,\"type\":\"answer\",\"revision\":42,\"sdp\":\"v=0\\r\\n\"}";
    request r;
    request_error e;
    CHECK_EQ(request_parse(answer, strlen(answer), &r, &e), 0);
    CHECK_EQ(r.revision, 42);
    CHECK_EQ(r.sdp_len, 5);
    CHECK(memcmp(r.sdp, "v=0\r\n", 5) == 0);
    request_free(&r);

    const char *join = "{\"id\":1,\"type\":\"join\",\"token\":\"T\",\"meeting\":\"M\"}";
    CHECK_EQ(request_parse(join, strlen(join), &r, &e), 0);
    CHECK_STR(r.token, "T");
    CHECK_STR(r.meeting, "M");
    CHECK_STR(r.name, "");
    request_free(&r);

    /* A name over the limit is refused, one at the limit accepted. */
    char big[400];
    char name[MESSAGE_MAX_NAME_BYTES + 2];
    memset(name, 'a', sizeof name - 1);
    name[MESSAGE_MAX_NAME_BYTES + 1] = '\0';
    snprintf(big, sizeof big, "{\"id\":1,\"type\":\"join\",\"name\":\"%s\"}", name);
    CHECK_EQ(request_parse(big, strlen(big), &r, &e), -1);
    request_free(&r);
    name[MESSAGE_MAX_NAME_BYTES] = '\0';
    snprintf(big, sizeof big, "{\"id\":1,\"type\":\"join\",\"name\":\"%s\"}", name);
    CHECK_EQ(request_parse(big, strlen(big), &r, &e), 0);
    request_free(&r);

    /* Embedded NUL in the text is not JSON. */
    const char nul[] = "{\"id\":1,\"type\":\"le\0ave\"}";
    CHECK_EQ(request_parse(nul, sizeof nul - 1, &r, &e), -1);
    request_free(&r);
    CHECK_DONE();
}
