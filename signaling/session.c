/* The websocket protocol (docs/protocol.md): every request gets exactly one reply or one coded
 * error; nothing one connection sends can disturb another. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "signaling/hub.h"

#define MAX_BAD_MESSAGES 20
#define MAX_NAME_BYTES 240 /* 80 characters of Vietnamese in UTF-8 */

typedef struct session {
    server_conn *c;
    peer *p;
    unsigned bad;
} session;

void session_open(hub *h, server_conn *c)
{
    session *s = calloc(1, sizeof *s);
    if (!s) {
        server_conn_close(c, 1011, "out of memory");
        return;
    }
    s->c = c;
    server_conn_set_user(c, s);
}

void session_close(hub *h, server_conn *c)
{
    session *s = server_conn_user(c);
    if (!s) return;
    if (s->p) {
        s->p->conn = NULL;
        peer_free(s->p);
    }
    server_conn_set_user(c, NULL);
    free(s);
}

void session_forget_peer(server_conn *c)
{
    session *s = server_conn_user(c);
    if (s) s->p = NULL;
}

static void send_json(server_conn *c, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT);
    if (text) server_conn_send(c, text, strlen(text));
    free(text);
    json_decref(v);
}

static void reply(session *s, json_t *id, json_t *result)
{
    send_json(s->c, json_pack("{s:O, s:o}", "id", id, "result", result ? result : json_object()));
}

/* A refusal. Malformed traffic also counts toward closing the connection. */
static void fail(hub *h, session *s, json_t *id, const char *code, const char *message,
                 bool malformed)
{
    h->counters.ws_rejected++;
    LOGI("ws", "%s: %s: %s", server_conn_peer(s->c), code, message);
    json_t *jid = id ? json_incref(id) : json_null();
    send_json(s->c, json_pack("{s:o, s:{s:s, s:s}}", "id", jid, "error", "code", code, "message",
                              message));
    if (malformed && ++s->bad >= MAX_BAD_MESSAGES)
        server_conn_close(s->c, 1008, "too many malformed messages");
}

static bool can_publish(role_t r)
{
    return r == ROLE_CHAIR || r == ROLE_OPERATOR || r == ROLE_SITE;
}

static void on_join(hub *h, session *s, json_t *id, json_t *msg)
{
    if (s->p) return fail(h, s, id, "already_joined", "this connection has joined already", false);
    const char *token = json_string_value(json_object_get(msg, "token"));
    json_t *jm = json_object_get(msg, "meeting");
    json_t *jn = json_object_get(msg, "name");
    if ((jm && !json_is_string(jm)) || (jn && !json_is_string(jn)))
        return fail(h, s, id, "bad_request", "meeting and name must be strings", true);
    const char *name = jn ? json_string_value(jn) : "";
    if (strlen(name) > MAX_NAME_BYTES) return fail(h, s, id, "bad_request", "name too long", true);
    if (!token) {
        h->counters.auth_failures++;
        return fail(h, s, id, "unauthorized", "no token", false);
    }
    token_claims c;
    int rc = hub_check_token(h, token, jm ? json_string_value(jm) : NULL, &c);
    if (rc != TOKEN_OK) {
        h->counters.auth_failures++;
        if (rc == 1)
            return fail(h, s, id, "wrong_meeting", "the token is for another meeting", false);
        if (rc == TOKEN_E_EXPIRED)
            return fail(h, s, id, "token_expired", "the token has expired", false);
        return fail(h, s, id, "unauthorized", token_error_str(rc), false);
    }
    meeting *m = meeting_get(h, c.meeting, true);
    s->p = m ? peer_new(h, m, PEER_WS, &c, name) : NULL;
    if (!s->p) return fail(h, s, id, "internal", "out of memory", false);
    s->p->conn = s->c;
    h->counters.joins++;
    reply(s, id,
          json_pack("{s:s, s:s, s:s, s:s}", "peer", s->p->pid, "meeting", c.meeting, "role",
                    role_name(c.role), "site", c.site));
    peer_update_subscriptions(s->p);
}

static void on_publish(hub *h, session *s, json_t *id, json_t *msg)
{
    if (!can_publish(s->p->role))
        return fail(h, s, id, "forbidden", "this role does not publish", false);
    json_t *sdp = json_object_get(msg, "sdp");
    if (!json_is_string(sdp)) return fail(h, s, id, "bad_request", "sdp must be a string", true);
    char err[160] = "";
    char *answer =
        peer_publish(s->p, json_string_value(sdp), json_string_length(sdp), err, sizeof err);
    if (!answer) return fail(h, s, id, "bad_sdp", err, false);
    reply(s, id, json_pack("{s:s}", "sdp", answer));
    free(answer);
}

static void on_answer(hub *h, session *s, json_t *id, json_t *msg)
{
    json_t *sdp = json_object_get(msg, "sdp");
    json_t *rev = json_object_get(msg, "revision");
    if (!json_is_string(sdp) || !json_is_integer(rev))
        return fail(h, s, id, "bad_request", "answer needs sdp (string) and revision (integer)",
                    true);
    char err[160] = "";
    json_int_t r = json_integer_value(rev);
    if (r < 0 || r > UINT32_MAX)
        return fail(h, s, id, "bad_request", "revision out of range", true);
    if (peer_subscriber_answer(s->p, (uint32_t)r, json_string_value(sdp), json_string_length(sdp),
                               err, sizeof err) != 0)
        return fail(h, s, id, "bad_sdp", err, false);
    reply(s, id, NULL);
}

static void on_trickle(hub *h, session *s, json_t *id, json_t *msg)
{
    const char *target = json_string_value(json_object_get(msg, "target"));
    json_t *cand = json_object_get(msg, "candidate");
    if (!target || (strcmp(target, "publisher") != 0 && strcmp(target, "subscriber") != 0))
        return fail(h, s, id, "bad_request", "target must be publisher or subscriber", true);
    if (cand && !json_is_object(cand) && !json_is_null(cand))
        return fail(h, s, id, "bad_request", "candidate must be an object or null", true);
    /* ICE-lite: the client's address comes from its checks; candidates are not needed. */
    reply(s, id, NULL);
}

static void on_keyframe(hub *h, session *s, json_t *id, json_t *msg)
{
    const char *mid = json_string_value(json_object_get(msg, "mid"));
    if (!mid) return fail(h, s, id, "bad_request", "mid must be a string", true);
    uint32_t src = peer_source_for_mid(s->p, mid);
    if (!src) return fail(h, s, id, "bad_request", "no source at that mid", false);
    sfu_request_keyframe(h->media, src);
    reply(s, id, NULL);
}

void session_message(hub *h, server_conn *c, const char *text, size_t len)
{
    session *s = server_conn_user(c);
    if (!s) return;
    h->counters.ws_messages++;
    json_error_t je;
    json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!msg) return fail(h, s, NULL, "bad_json", je.text, true);
    json_t *id = json_object_get(msg, "id");
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!json_is_object(msg)) {
        fail(h, s, NULL, "bad_json", "a message is a JSON object", true);
    } else if (!id || !(json_is_integer(id) || json_is_string(id))) {
        fail(h, s, NULL, "bad_request", "id must be a number or a string", true);
    } else if (!type) {
        fail(h, s, id, "bad_request", "type must be a string", true);
    } else if (strcmp(type, "join") == 0) {
        on_join(h, s, id, msg);
    } else if (strcmp(type, "publish") != 0 && strcmp(type, "unpublish") != 0 &&
               strcmp(type, "answer") != 0 && strcmp(type, "trickle") != 0 &&
               strcmp(type, "keyframe") != 0 && strcmp(type, "leave") != 0) {
        fail(h, s, id, "unknown_type", type, true);
    } else if (!s->p) {
        fail(h, s, id, "not_joined", "join first", false);
    } else if (strcmp(type, "publish") == 0) {
        on_publish(h, s, id, msg);
    } else if (strcmp(type, "unpublish") == 0) {
        peer_unpublish(s->p);
        reply(s, id, NULL);
    } else if (strcmp(type, "answer") == 0) {
        on_answer(h, s, id, msg);
    } else if (strcmp(type, "trickle") == 0) {
        on_trickle(h, s, id, msg);
    } else if (strcmp(type, "keyframe") == 0) {
        on_keyframe(h, s, id, msg);
    } else { /* leave */
        reply(s, id, NULL);
        server_conn_close(c, 1000, "left");
    }
    json_decref(msg);
}
