#include "protocol.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errcap, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

/* Serialises and releases `o`; json_pack gives NULL for invalid UTF-8, passed on as NULL. */
static char *dump(json_t *o)
{
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

char *proto_join(int64_t id, const char *token, const char *name)
{
    json_t *o = json_pack("{sIssss}", "id", (json_int_t)id, "type", "join", "token", token);
    if (o && name && *name && json_object_set_new(o, "name", json_string(name)) != 0) {
        json_decref(o);
        return NULL;
    }
    return dump(o);
}

char *proto_publish(int64_t id, const char *sdp)
{
    return dump(json_pack("{sIssss}", "id", (json_int_t)id, "type", "publish", "sdp", sdp));
}

char *proto_answer(int64_t id, uint32_t revision, const char *sdp)
{
    return dump(json_pack("{sIsssIss}", "id", (json_int_t)id, "type", "answer", "revision",
                          (json_int_t)revision, "sdp", sdp));
}

char *proto_trickle(int64_t id, const char *target, const char *mid, const char *candidate)
{
    json_t *cand = candidate
                       ? json_pack("{ssss}", "candidate", candidate, "sdpMid", mid ? mid : "0")
                       : json_null();
    if (!cand) return NULL;
    /* "o" hands our reference of cand to the new object (or drops it on failure). */
    return dump(json_pack("{sIssssso}", "id", (json_int_t)id, "type", "trickle", "target", target,
                          "candidate", cand));
}

static const char *str_member(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int parse_offer(proto_msg *m, json_t *data, char *err, size_t errcap)
{
    json_t *rev = json_object_get(data, "revision");
    m->sdp = str_member(data, "sdp");
    if (!json_is_integer(rev) || json_integer_value(rev) < 0 ||
        json_integer_value(rev) > (json_int_t)UINT32_MAX || !m->sdp)
        FAIL("subscriber_offer without revision or sdp");
    m->revision = (uint32_t)json_integer_value(rev);
    json_t *sources = json_object_get(data, "sources");
    m->n_sources = json_is_array(sources) ? json_array_size(sources) : 0;
    m->kind = PROTO_OFFER;
    return 0;
}

static int parse_transport(proto_msg *m, json_t *data, char *err, size_t errcap)
{
    m->target = str_member(data, "target");
    m->state = str_member(data, "state");
    m->reason = str_member(data, "reason");
    if (!m->target || !m->state) FAIL("transport event without target or state");
    if (!m->reason) m->reason = "";
    m->kind = PROTO_TRANSPORT;
    return 0;
}

static int parse_event(proto_msg *m, char *err, size_t errcap)
{
    m->event = str_member(m->root, "event");
    json_t *data = json_object_get(m->root, "data");
    if (!m->event) FAIL("event name is not a string");
    if (strcmp(m->event, "subscriber_offer") == 0) {
        if (!json_is_object(data)) FAIL("subscriber_offer without data");
        return parse_offer(m, data, err, errcap);
    }
    if (strcmp(m->event, "transport") == 0) {
        if (!json_is_object(data)) FAIL("transport event without data");
        return parse_transport(m, data, err, errcap);
    }
    if (strcmp(m->event, "kicked") == 0) {
        m->reason = json_is_object(data) ? str_member(data, "reason") : NULL;
        if (!m->reason) m->reason = "";
        m->kind = PROTO_KICKED;
        return 0;
    }
    m->kind = PROTO_OTHER_EVENT; /* floor, speaker, ...: nothing for a box to do */
    return 0;
}

static int parse_reply(proto_msg *m, char *err, size_t errcap)
{
    json_t *id = json_object_get(m->root, "id");
    if (json_is_integer(id)) {
        m->has_id = true;
        m->id = (int64_t)json_integer_value(id);
    } else if (!json_is_null(id)) {
        m->has_id = true; /* an id this box never sends: matches nothing */
        m->id = -1;
    }
    json_t *error = json_object_get(m->root, "error");
    if (error) {
        m->error_code = str_member(error, "code");
        m->error_message = str_member(error, "message");
        if (!m->error_code) FAIL("error without code");
        if (!m->error_message) m->error_message = "";
        m->kind = PROTO_ERROR;
        return 0;
    }
    m->result = json_object_get(m->root, "result");
    if (!json_is_object(m->result)) FAIL("reply without result or error");
    if (!m->has_id) FAIL("result with id null");
    m->kind = PROTO_RESULT;
    return 0;
}

int proto_parse(const char *text, size_t len, proto_msg *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    out->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!out->root) FAIL("not JSON: %s", jerr.text);
    int rc;
    if (!json_is_object(out->root)) {
        snprintf(err, errcap, "not a JSON object");
        rc = -1;
    } else if (json_object_get(out->root, "event")) {
        rc = parse_event(out, err, errcap);
    } else if (json_object_get(out->root, "id")) {
        rc = parse_reply(out, err, errcap);
    } else {
        snprintf(err, errcap, "neither a reply nor an event");
        rc = -1;
    }
    if (rc != 0) proto_msg_free(out);
    return rc;
}

void proto_msg_free(proto_msg *m)
{
    json_decref(m->root);
    memset(m, 0, sizeof *m);
}

const char *proto_result_string(const proto_msg *m, const char *key)
{
    const char *s = m->result ? str_member(m->result, key) : NULL;
    return s ? s : "";
}

bool proto_error_is_auth(const char *code)
{
    return strcmp(code, "unauthorized") == 0 || strcmp(code, "token_expired") == 0 ||
           strcmp(code, "wrong_meeting") == 0 || strcmp(code, "revoked") == 0;
}
