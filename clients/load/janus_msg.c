#include "janus_msg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Janus 1.x says "publisher": true; 0.x said "true" as a string. */
static bool is_publishing(const json_t *v)
{
    const char *s = str_of(v);
    return json_is_true(v) || (s && strcmp(s, "true") == 0);
}

static void add_feed(janus_msg *m, uint32_t cap, const json_t *entry)
{
    uint64_t id = id_of(json_object_get(entry, "id"));
    if (!id) return;
    /* Quadratic, but a 580-site listing is 170k comparisons, well under a millisecond, once per
     * watcher. */
    for (uint32_t i = 0; i < m->n_feeds; i++)
        if (m->feeds[i].id == id) return;
    if (m->n_feeds == cap) {
        m->feeds_dropped++;
        return;
    }
    m->feeds[m->n_feeds].id = id;
    m->feeds[m->n_feeds].display = str_of(json_object_get(entry, "display"));
    m->n_feeds++;
}

/* "publishers":[{"id":F,...}] lists publishers only; "participants" lists everyone, marked.
 * 0, or -1 when the list cannot be stored. */
static int read_feeds(janus_msg *m, const json_t *data)
{
    const json_t *pubs = json_object_get(data, "publishers");
    const json_t *all = json_object_get(data, "participants");
    size_t cap = json_array_size(pubs) + json_array_size(all);
    if (cap > JANUS_MSG_MAX_FEEDS) cap = JANUS_MSG_MAX_FEEDS;
    if (cap == 0) return 0;
    m->feeds = malloc(cap * sizeof *m->feeds);
    if (!m->feeds) return -1;
    for (size_t i = 0; i < json_array_size(pubs); i++)
        add_feed(m, (uint32_t)cap, json_array_get(pubs, i));
    for (size_t i = 0; i < json_array_size(all); i++) {
        const json_t *p = json_array_get(all, i);
        if (is_publishing(json_object_get(p, "publisher"))) add_feed(m, (uint32_t)cap, p);
    }
    if (m->n_feeds == 0) { /* a room of watchers only: nothing to keep */
        free(m->feeds);
        m->feeds = NULL;
    }
    return 0;
}

static bool is_ok(const json_t *v)
{
    const char *s = str_of(v);
    return s && strcmp(s, "ok") == 0;
}

static int read_plugin(janus_msg *m, const json_t *data)
{
    if (!json_is_object(data)) return 0;
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
    return read_feeds(m, data);
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
    if (json_is_object(plugindata) && m->kind != JANUS_MSG_ERROR &&
        read_plugin(m, json_object_get(plugindata, "data")) != 0) {
        snprintf(err, errcap, "out of memory for %u publishers", JANUS_MSG_MAX_FEEDS);
        janus_msg_free(m);
        memset(m, 0, sizeof *m);
        return -1;
    }
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
    free(m->feeds);
    m->feeds = NULL;
    m->n_feeds = 0;
}

/* ---- what a subscriber asks for ------------------------------------------------------------ */

static const janus_feed *feed_named(const janus_feed *feeds, uint32_t n, const char *display)
{
    for (uint32_t i = 0; i < n; i++)
        if (feeds[i].display && strcmp(feeds[i].display, display) == 0) return &feeds[i];
    return NULL;
}

static bool taken(const janus_pick *out, uint64_t feed)
{
    for (uint32_t i = 0; i < out->n; i++)
        if (out->streams[i].feed == feed) return true;
    return false;
}

static void take(janus_pick *out, uint64_t feed, const char *mid, int substream)
{
    uint32_t lines = mid ? 1 : JANUS_FEED_LINES;
    if (out->lines + lines > JANUS_PICK_MAX_LINES) {
        out->truncated = true;
        return;
    }
    out->streams[out->n++] = (janus_stream){.feed = feed, .mid = mid, .substream = substream};
    out->lines += lines;
}

/* One publisher the role watches: taken when it publishes, else counted as missing. */
static void want(janus_pick *out, const janus_feed *feeds, uint32_t n, const janus_pick_cfg *c,
                 const char *display, const char *mid, int substream)
{
    if (!display || (c->self && strcmp(display, c->self) == 0)) return;
    out->wanted++;
    const janus_feed *f = feed_named(feeds, n, display);
    if (!f) {
        if (out->missing++ == 0) out->first_missing = display;
    } else if (!taken(out, f->id)) {
        take(out, f->id, mid, substream);
    }
}

static void pick_every(const janus_feed *feeds, uint32_t n, const janus_pick_cfg *c,
                       janus_pick *out)
{
    for (uint32_t i = 0; i < n && out->wanted < JANUS_PICK_EVERY_MAX; i++) {
        const char *d = feeds[i].display;
        if (d && c->self && strcmp(d, c->self) == 0) continue;
        out->wanted++;
        /* Janus's default target is the top substream; a wall wants the lowest (a publisher
         * without simulcast ignores it). */
        take(out, feeds[i].id, NULL, c->thumbnails ? 0 : -1);
    }
}

void janus_pick_streams(const janus_feed *feeds, uint32_t n_feeds, const janus_pick_cfg *c,
                        janus_pick *out)
{
    memset(out, 0, sizeof *out);
    if (c->role == JANUS_PICK_EVERY) {
        pick_every(feeds, n_feeds, c, out);
        return;
    }
    if (c->role != JANUS_PICK_CHAIR) want(out, feeds, n_feeds, c, c->chair, NULL, -1);
    unsigned n_floor = c->floor < c->n_sites ? c->floor : c->n_sites;
    for (unsigned i = 0; i < n_floor; i++)
        want(out, feeds, n_feeds, c, c->sites[i], NULL, -1);
    if (c->role == JANUS_PICK_SITE) return;
    /* A floor site on the wall page shows as the floor, at the top: policy_layer. */
    unsigned n_wall = c->wall < c->n_sites ? c->wall : c->n_sites;
    for (unsigned i = n_floor; i < n_wall; i++)
        want(out, feeds, n_feeds, c, c->sites[i], c->video_mid, 0);
}
