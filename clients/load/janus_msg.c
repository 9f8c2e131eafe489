#include "janus_msg.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    janus_msg_kind kind;
} kinds[] = {
    {"success", JANUS_MSG_SUCCESS},   {"ack", JANUS_MSG_ACK},
    {"event", JANUS_MSG_EVENT},       {"error", JANUS_MSG_ERROR},
    {"webrtcup", JANUS_MSG_WEBRTCUP}, {"hangup", JANUS_MSG_HANGUP},
    {"detached", JANUS_MSG_DETACHED}, {"timeout", JANUS_MSG_TIMEOUT},
};

/* Janus ids are unsigned 64-bit but jansson's integers are signed: an id of 2^63 or more does not
 * come out as an integer at all, and a negative one is no id. */
static uint64_t id_of(const json_t *v)
{
    if (!json_is_integer(v)) return 0;
    json_int_t i = json_integer_value(v);
    return i > 0 ? (uint64_t)i : 0;
}

static const char *str_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void add_feed(janus_msg *m, uint64_t id)
{
    if (!id || m->n_feeds == JANUS_MSG_MAX_FEEDS) return;
    for (uint32_t i = 0; i < m->n_feeds; i++)
        if (m->feeds[i] == id) return;
    m->feeds[m->n_feeds++] = id;
}

/* "publishers":[{"id":F,...}] lists publishers only; "participants" lists everyone, marked. */
static void read_feeds(janus_msg *m, const json_t *data)
{
    const json_t *pubs = json_object_get(data, "publishers");
    for (size_t i = 0; i < json_array_size(pubs); i++)
        add_feed(m, id_of(json_object_get(json_array_get(pubs, i), "id")));
    const json_t *all = json_object_get(data, "participants");
    for (size_t i = 0; i < json_array_size(all); i++) {
        const json_t *p = json_array_get(all, i);
        if (json_is_true(json_object_get(p, "publisher")))
            add_feed(m, id_of(json_object_get(p, "id")));
    }
}

static bool is_ok(const json_t *v)
{
    const char *s = str_of(v);
    return s && strcmp(s, "ok") == 0;
}

static void read_plugin(janus_msg *m, const json_t *data)
{
    if (!json_is_object(data)) return;
    m->videoroom = str_of(json_object_get(data, "videoroom"));
    m->room = id_of(json_object_get(data, "room"));
    m->id = id_of(json_object_get(data, "id"));
    m->configured = is_ok(json_object_get(data, "configured"));
    m->started = is_ok(json_object_get(data, "started"));
    const json_t *code = json_object_get(data, "error_code");
    if (json_is_integer(code)) {
        json_int_t c = json_integer_value(code);
        m->error_code = c > 0 && c < 100000 ? (int)c : -1;
        const char *why = str_of(json_object_get(data, "error"));
        m->error = why ? why : "";
    }
    read_feeds(m, data);
}

int janus_msg_parse(const char *text, size_t len, janus_msg *m, char *err, size_t errcap)
{
    memset(m, 0, sizeof *m);
    json_error_t e;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!doc) {
        snprintf(err, errcap, "not JSON: %s", e.text);
        return -1;
    }
    const char *janus = json_is_object(doc) ? str_of(json_object_get(doc, "janus")) : NULL;
    if (!janus) {
        json_decref(doc);
        snprintf(err, errcap, "not a Janus message (no \"janus\" string)");
        return -1;
    }
    m->doc_ = doc;
    m->kind = JANUS_MSG_OTHER;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(janus, kinds[i].name) == 0) m->kind = kinds[i].kind;
    m->transaction = str_of(json_object_get(doc, "transaction"));
    m->session_id = id_of(json_object_get(doc, "session_id"));
    m->sender = id_of(json_object_get(doc, "sender"));
    m->reason = str_of(json_object_get(doc, "reason"));
    const json_t *data = json_object_get(doc, "data");
    if (json_is_object(data)) m->data_id = id_of(json_object_get(data, "id"));
    const json_t *error = json_object_get(doc, "error");
    if (m->kind == JANUS_MSG_ERROR) {
        const json_t *code = json_object_get(error, "code");
        json_int_t c = json_is_integer(code) ? json_integer_value(code) : -1;
        m->error_code = c > 0 && c < 100000 ? (int)c : -1;
        const char *why = str_of(json_object_get(error, "reason"));
        m->error = why ? why : "";
    }
    const json_t *plugindata = json_object_get(doc, "plugindata");
    if (json_is_object(plugindata) && m->kind != JANUS_MSG_ERROR)
        read_plugin(m, json_object_get(plugindata, "data"));
    const json_t *jsep = json_object_get(doc, "jsep");
    if (json_is_object(jsep)) {
        m->jsep_type = str_of(json_object_get(jsep, "type"));
        m->jsep_sdp = str_of(json_object_get(jsep, "sdp"));
        if (!m->jsep_type || !m->jsep_sdp) m->jsep_type = m->jsep_sdp = NULL;
    }
    return 0;
}

void janus_msg_free(janus_msg *m)
{
    if (!m) return;
    json_decref(m->doc_);
    m->doc_ = NULL;
}
