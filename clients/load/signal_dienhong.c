/* The sig_backend for dienhong's own websocket protocol (docs/protocol.md, subprotocol
 * dienhong.v1). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "signal.h"

#define TAG "sig"
#define MAX_PENDING 16

typedef enum { REQ_JOIN = 1, REQ_PUBLISH, REQ_ANSWER, REQ_RECORD, REQ_OTHER } req_kind;

struct sig_session {
    ws_link *link;
    sig_events ev;
    void *user;
    char *token, *name;
    int64_t next_id;
    struct {
        int64_t id;
        req_kind kind;
        int64_t revision; /* REQ_ANSWER */
    } pending[MAX_PENDING];
    bool failed;
};

static const char *or_else(const char *a, const char *b)
{
    return a ? a : b;
}

static void fail(sig_session *s, const char *why)
{
    if (s->failed) return;
    s->failed = true;
    if (s->ev.failed) s->ev.failed(s->user, why);
}

static void request(sig_session *s, req_kind kind, int64_t revision, const char *type,
                    json_t *fields)
{
    int64_t id = s->next_id++;
    json_object_set_new(fields, "id", json_integer(id));
    json_object_set_new(fields, "type", json_string(type));
    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    if (!text) return;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (s->pending[i].kind == 0) {
            s->pending[i].id = id;
            s->pending[i].kind = kind;
            s->pending[i].revision = revision;
            break;
        }
    }
    if (!ws_link_send(s->link, text, strlen(text))) fail(s, "websocket not open");
    free(text);
}

static req_kind take_pending(sig_session *s, int64_t id, int64_t *revision)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (s->pending[i].kind && s->pending[i].id == id) {
            req_kind k = s->pending[i].kind;
            *revision = s->pending[i].revision;
            s->pending[i].kind = 0;
            return k;
        }
    }
    return 0;
}

static void on_reply(sig_session *s, json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    if (!json_is_integer(id)) return;
    int64_t revision = 0;
    req_kind kind = take_pending(s, json_integer_value(id), &revision);
    json_t *err = json_object_get(msg, "error");
    if (err) {
        char why[300];
        snprintf(why, sizeof why, "%s: %s",
                 or_else(json_string_value(json_object_get(err, "code")), "error"),
                 or_else(json_string_value(json_object_get(err, "message")), ""));
        if (kind == REQ_JOIN || kind == REQ_PUBLISH || kind == REQ_ANSWER)
            fail(s, why);
        else if (kind == REQ_RECORD && s->ev.recording)
            s->ev.recording(s->user, NULL, why);
        else
            LOGW(TAG, "request refused: %s", why);
        return;
    }
    json_t *result = json_object_get(msg, "result");
    if (kind == REQ_JOIN) {
        if (s->ev.joined) s->ev.joined(s->user);
    } else if (kind == REQ_PUBLISH) {
        const char *sdp = json_string_value(json_object_get(result, "sdp"));
        if (!sdp)
            fail(s, "publish answered without sdp");
        else if (s->ev.published)
            s->ev.published(s->user, sdp);
    } else if (kind == REQ_ANSWER) {
        if (s->ev.answered) s->ev.answered(s->user, revision);
    } else if (kind == REQ_RECORD && s->ev.recording) {
        const char *rec = json_string_value(json_object_get(result, "recording"));
        s->ev.recording(s->user, rec ? rec : "?", NULL);
    }
}

static void on_event(sig_session *s, const char *event, json_t *data)
{
    if (strcmp(event, "subscriber_offer") == 0) {
        json_t *rev = json_object_get(data, "revision");
        const char *sdp = json_string_value(json_object_get(data, "sdp"));
        if (json_is_integer(rev) && sdp && s->ev.offer)
            s->ev.offer(s->user, json_integer_value(rev), sdp);
    } else if (strcmp(event, "kicked") == 0) {
        fail(s, "kicked");
    } else if (strcmp(event, "transport") == 0) {
        const char *state = json_string_value(json_object_get(data, "state"));
        if (state && strcmp(state, "failed") == 0)
            LOGW(TAG, "the hub reports a failed %s transport: %s",
                 or_else(json_string_value(json_object_get(data, "target")), "?"),
                 or_else(json_string_value(json_object_get(data, "reason")), "?"));
    }
    /* trickle: the hub's candidates are in its SDP already (it is ICE-lite). Meeting events
     * (floor, speaker, wall, roll, ...) do not concern the load. */
}

static void ws_opened(void *user)
{
    sig_session *s = user;
    if (s->ev.opened) s->ev.opened(s->user);
    json_t *j = json_pack("{s:s, s:s}", "token", s->token, "name", s->name);
    request(s, REQ_JOIN, 0, "join", j);
}

static void ws_message(void *user, const char *text, size_t len)
{
    sig_session *s = user;
    json_error_t e;
    json_t *msg = json_loadb(text, len, 0, &e);
    if (!json_is_object(msg)) {
        json_decref(msg);
        LOGW(TAG, "the hub sent a frame that is not a JSON object");
        return;
    }
    const char *event = json_string_value(json_object_get(msg, "event"));
    if (event)
        on_event(s, event, json_object_get(msg, "data"));
    else
        on_reply(s, msg);
    json_decref(msg);
}

static void ws_closed(void *user, const char *why)
{
    sig_session *s = user;
    s->link = NULL; /* lws frees it */
    fail(s, why);
}

static const ws_link_events link_events = {ws_opened, ws_message, ws_closed};

static sig_session *dh_open(ws_hub *ws, const sig_join *join, const sig_events *ev, void *user)
{
    sig_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ev = *ev;
    s->user = user;
    s->next_id = 1;
    s->token = strdup(join->token);
    s->name = strdup(join->name);
    s->link = ws_link_open(ws, join->url, "dienhong.v1", &link_events, s);
    if (!s->link && !s->failed) fail(s, "cannot open the websocket");
    return s;
}

static void dh_publish(sig_session *s, const char *sdp)
{
    if (s->link) request(s, REQ_PUBLISH, 0, "publish", json_pack("{s:s}", "sdp", sdp));
}

static void dh_answer(sig_session *s, int64_t revision, const char *sdp)
{
    if (s->link)
        request(s, REQ_ANSWER, revision, "answer",
                json_pack("{s:I, s:s}", "revision", (json_int_t)revision, "sdp", sdp));
}

static void dh_floor_give(sig_session *s, const char *site)
{
    if (s->link) request(s, REQ_OTHER, 0, "floor_give", json_pack("{s:s}", "site", site));
}

static void dh_wall(sig_session *s, unsigned page)
{
    if (s->link) request(s, REQ_OTHER, 0, "wall", json_pack("{s:i}", "page", (int)page));
}

static void dh_record(sig_session *s)
{
    if (s->link) request(s, REQ_RECORD, 0, "recording_start", json_object());
}

static void dh_close(sig_session *s)
{
    if (!s) return;
    if (s->link) ws_link_abandon(s->link);
    free(s->token);
    free(s->name);
    free(s);
}

const sig_backend sig_dienhong = {
    .name = "dienhong",
    .open = dh_open,
    .publish = dh_publish,
    .answer = dh_answer,
    .floor_give = dh_floor_give,
    .wall = dh_wall,
    .record = dh_record,
    .close = dh_close,
};
