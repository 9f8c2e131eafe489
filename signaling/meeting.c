/* Meetings on the signaling thread: who is in each, the floor and the raised hands, the roll, and
 * keeping every participant's view current. A meeting exists while anyone is in it; its id comes
 * from tokens. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/holdings.h"
#include "signaling/hub.h"

#define SPEAKER_MIN_LOUDNESS 40 /* 127 - 87 dBov: quieter than this is not speech */

struct meeting {
    char id[65];
    hub *h;
    peer *peers;
    size_t n_peers;
    meeting *next;
    floor_state floor;
    roll *roll;
    uint32_t speaker; /* peer id, 0 = none */
    uint64_t roll_sent;
    holdings *held; /* which sites already hold which documents */
    presenting_state presenting;
    char open_vote[16];
    int agenda_current;
    uint64_t held_sent; /* holdings version last sent to chairs and operators */
    bool stored;        /* created in the store: schedule, invited sites, roll kept there */
    bool closed;
    int64_t late_after;
};

static int invite_row(void *ud, const store_site *site)
{
    roll_invite(ud, site->code, site->name);
    return 0;
}

meeting *meeting_get(hub *h, const char *id, bool create)
{
    for (meeting *m = h->meetings; m; m = m->next)
        if (strcmp(m->id, id) == 0) return m;
    if (!create) return NULL;
    meeting *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    snprintf(m->id, sizeof m->id, "%s", id);
    m->h = h;
    floor_init(&m->floor);
    /* Without a schedule the meeting starts when it opens; 5 minutes of grace before "late". */
    int64_t start = util_unix_time();
    store_meeting sm;
    if (store_meeting_get(h->db, id, &sm) == 0) {
        m->stored = true;
        m->closed = sm.state == STORE_MEETING_CLOSED;
        start = sm.starts_at;
        if (sm.state == STORE_MEETING_SCHEDULED)
            store_meeting_set_state(h->db, id, STORE_MEETING_OPEN, util_unix_time());
    }
    m->late_after = start + 300;
    m->roll = roll_new(start, 300);
    m->held = holdings_new();
    if (!m->roll || !m->held) {
        roll_free(m->roll);
        holdings_free(m->held);
        free(m);
        return NULL;
    }
    /* Every invited site is on the roll and the wall from the start, absent until it comes. */
    if (m->stored) store_meeting_invited(h->db, id, invite_row, m->roll);
    m->next = h->meetings;
    h->meetings = m;
    LOGI("meeting", "meeting %s opened", id);
    return m;
}

meeting *meeting_next(meeting *m)
{
    return m->next;
}

const char *meeting_id(const meeting *m)
{
    return m->id;
}

peer *meeting_peers(meeting *m)
{
    return m->peers;
}

size_t meeting_peer_count(const meeting *m)
{
    return m->n_peers;
}

floor_state *meeting_floor(meeting *m)
{
    return &m->floor;
}

roll *meeting_roll(meeting *m)
{
    return m->roll;
}

holdings *meeting_holdings(meeting *m)
{
    return m->held;
}

presenting_state *meeting_presenting(meeting *m)
{
    return &m->presenting;
}

char *meeting_open_vote(meeting *m)
{
    return m->open_vote;
}

int *meeting_agenda_current(meeting *m)
{
    return &m->agenda_current;
}

bool meeting_stored(const meeting *m)
{
    return m->stored;
}

bool meeting_closed(const meeting *m)
{
    return m->closed;
}

void meeting_site_joined(meeting *m, const char *site, const char *name)
{
    int64_t now = util_unix_time();
    roll_join(m->roll, site, name, now);
    if (m->stored && store_attendance_join(m->h->db, m->id, site, now, m->late_after) != 0)
        LOGW("meeting", "%s: roll of %s not stored: %s", m->id, site, store_error(m->h->db));
}

void meeting_site_left(meeting *m, const char *site)
{
    int64_t now = util_unix_time();
    roll_leave(m->roll, site, now);
    if (m->stored && store_attendance_leave(m->h->db, m->id, site, now) != 0)
        LOGW("meeting", "%s: roll of %s not stored: %s", m->id, site, store_error(m->h->db));
}

static int stored_row(void *ud, const store_attendance *r)
{
    json_array_append_new(
        ud, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i}", "site", r->site.code, "name",
                      r->site.name, "state", store_attendance_state_name(r->state), "first_joined",
                      (json_int_t)r->first_joined, "last_joined", (json_int_t)r->last_joined,
                      "last_left", (json_int_t)r->last_left, "seconds_present",
                      (json_int_t)r->seconds_present, "joins", (int)r->joins));
    return 0;
}

json_t *meeting_stored_roll_json(hub *h, const char *id, int64_t now)
{
    json_t *rows = json_array();
    if (store_attendance_list(h->db, id, now, stored_row, rows) != 0) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

bool meeting_may_control(const peer *p)
{
    return p->role == ROLE_CHAIR || p->role == ROLE_OPERATOR;
}

void meeting_add(meeting *m, peer *p)
{
    p->m = m;
    p->next = m->peers;
    m->peers = p;
    m->n_peers++;
}

static void meeting_drop(hub *h, meeting *m)
{
    for (meeting **pp = &h->meetings; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    LOGI("meeting", "meeting %s closed (empty)", m->id);
    recording_meeting_gone(h, m->id);
    roll_free(m->roll);
    holdings_free(m->held);
    free(m);
}

void meeting_free_empty(hub *h, meeting *m)
{
    if (m->n_peers == 0) meeting_drop(h, m);
}

void meeting_remove(meeting *m, peer *p)
{
    for (peer **pp = &m->peers; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            m->n_peers--;
            break;
        }
    }
    p->m = NULL;
    if (m->speaker == p->id) m->speaker = 0;
    if (m->n_peers == 0)
        meeting_drop(m->h, m);
    else
        meeting_refresh_publisher(m, p);
}

uint32_t meeting_program(meeting *m, bool video, codec_id *codec)
{
    for (peer *p = m->peers; p; p = p->next) {
        if (p->role != ROLE_CHAIR) continue;
        for (size_t i = 0; i < p->n_tracks; i++) {
            if (p->tracks[i].video == video && p->src[i]) {
                if (codec) *codec = p->tracks[i].codec;
                return p->src[i];
            }
        }
    }
    return 0;
}

void meeting_refresh(meeting *m)
{
    if (m->h->stopping) return;
    recording_sync_sources(m);
    for (peer *p = m->peers; p; p = p->next) {
        if (p->kind == PEER_WS)
            peer_update_subscriptions(p);
        else if (p->kind == PEER_WHEP)
            peer_rebind_program(p);
    }
}

void meeting_refresh_publisher(meeting *m, peer *q)
{
    if (m->h->stopping) return;
    /* A floor holder's audio competes with the others' for the loudest places: all pairs. */
    if (q->role == ROLE_SITE && floor_holds(&m->floor, q->site) && m->floor.n_holders > 1) {
        meeting_refresh(m);
        return;
    }
    recording_sync_sources(m);
    for (peer *p = m->peers; p; p = p->next) {
        if (p->kind == PEER_WS)
            peer_update_from(p, q);
        else if (p->kind == PEER_WHEP)
            peer_rebind_program(p);
    }
}

long meeting_wall_index(meeting *m, const char *site)
{
    const roll_row *row = roll_find(m->roll, site);
    return row ? (long)(row - roll_at(m->roll, 0)) : -1;
}

static json_t *site_list(meeting *m, char (*codes)[FLOOR_CODE_LEN], size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const roll_row *row = roll_find(m->roll, codes[i]);
        json_array_append_new(
            arr, json_pack("{s:s, s:s}", "site", codes[i], "name", row ? row->name : codes[i]));
    }
    return arr;
}

static void send_floor(meeting *m, peer *p)
{
    json_t *d = json_pack("{s:o}", "holders", site_list(m, m->floor.holders, m->floor.n_holders));
    if (meeting_may_control(p)) {
        json_object_set_new(d, "queue", site_list(m, m->floor.queue, m->floor.n_queue));
    } else if (p->role == ROLE_SITE) {
        size_t pos = floor_position(&m->floor, p->site);
        json_object_set_new(d, "hand", json_boolean(pos > 0));
        json_object_set_new(d, "position", json_integer((json_int_t)pos));
        json_object_set_new(d, "floor", json_boolean(floor_holds(&m->floor, p->site)));
    }
    peer_send_event(p, "floor", d);
}

void meeting_floor_changed(meeting *m)
{
    recording_note_floor(m);
    for (peer *p = m->peers; p; p = p->next)
        if (p->kind == PEER_WS) send_floor(m, p);
    meeting_refresh(m);
}

static json_t *speaker_json(const peer *p)
{
    if (!p) return json_null();
    return json_pack("{s:s, s:s, s:s, s:s}", "peer", p->pid, "role", role_name(p->role), "site",
                     p->site, "name", p->name);
}

/* The loudest forwarded voice: the chair or a site holding the floor. */
static void pick_speaker(meeting *m)
{
    peer *best = NULL;
    uint8_t best_level = SPEAKER_MIN_LOUDNESS;
    for (peer *p = m->peers; p; p = p->next) {
        bool heard =
            p->role == ROLE_CHAIR || (p->role == ROLE_SITE && floor_holds(&m->floor, p->site));
        if (!heard) continue;
        for (size_t i = 0; i < p->n_tracks; i++) {
            if (p->tracks[i].video || p->loudness[i] < best_level) continue;
            best = p;
            best_level = p->loudness[i];
        }
    }
    uint32_t id = best ? best->id : 0;
    if (id == m->speaker) return;
    m->speaker = id;
    recording_note_speaker(m, best);
    for (peer *p = m->peers; p; p = p->next)
        if (p->kind == PEER_WS) peer_send_event(p, "speaker", speaker_json(best));
}

static peer *site_peer(meeting *m, const char *site)
{
    for (peer *p = m->peers; p; p = p->next)
        if (p->role == ROLE_SITE && strcmp(p->site, site) == 0 && p->n_tracks) return p;
    return NULL;
}

static json_t *wall_json(meeting *m)
{
    json_t *arr = json_array();
    /* One pass over the peers into a lookup, not one scan per site: 580 x 580 would be 336k. */
    idmap *by_site = idmap_new(m->n_peers + 1);
    for (peer *p = m->peers; p && by_site; p = p->next) {
        if (p->role != ROLE_SITE) continue;
        idmap_put(by_site, util_hash_str(p->site), p);
    }
    for (size_t i = 0; i < roll_count(m->roll); i++) {
        const roll_row *row = roll_at(m->roll, i);
        peer *p = by_site ? idmap_get(by_site, util_hash_str(row->site)) : site_peer(m, row->site);
        if (p && strcmp(p->site, row->site) != 0) p = site_peer(m, row->site);
        int level = 0, kbps = 0, loss = 0;
        bool video = false;
        for (size_t t = 0; p && t < p->n_tracks; t++) {
            kbps += (int)p->kbps[t];
            if (p->loss_pct[t] > loss) loss = p->loss_pct[t];
            if (p->tracks[t].video)
                video = video || p->kbps[t] > 0;
            else
                level = p->loudness[t];
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:b, s:i, s:b, s:i, s:i, s:b, s:b}", "site", row->site,
                           "name", row->name, "connected", row->connections > 0, "audio_level",
                           level, "video", video, "bitrate_kbps", kbps, "loss_pct", loss, "rtt_ms",
                           p ? (int)p->rtt_ms : 0, "hand", floor_position(&m->floor, row->site) > 0,
                           "floor", floor_holds(&m->floor, row->site)));
    }
    idmap_free(by_site);
    return arr;
}

json_t *meeting_roll_json(meeting *m, int64_t now)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < roll_count(m->roll); i++) {
        const roll_row *r = roll_at(m->roll, i);
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i}", "site", r->site, "name", r->name,
                      "state", roll_state_name(roll_state_of(r, now)), "first_joined",
                      (json_int_t)r->first_joined, "last_joined", (json_int_t)r->last_joined,
                      "last_left", (json_int_t)r->last_left, "seconds_present",
                      (json_int_t)roll_seconds_present(r, now), "joins", (int)r->joins));
    }
    return rows;
}

void meeting_welcome(meeting *m, peer *p)
{
    send_floor(m, p);
    peer *speaker = NULL;
    for (peer *q = m->peers; q; q = q->next)
        if (q->id == m->speaker) speaker = q;
    peer_send_event(p, "speaker", speaker_json(speaker));
    meeting_send_documents(m, p);
    meeting_send_presenting(m, p);
    meeting_send_vote(m, p);
    meeting_send_agenda(m, p);
    recording_auto_start(m->h, m);
    recording_welcome(m, p);
}

void meeting_tick(meeting *m, int64_t now, bool wall_due)
{
    pick_speaker(m);
    /* Layers follow what publishers send (their stats come twice a second, as this tick). */
    uint64_t now_us = util_now_us();
    for (peer *p = m->peers; p; p = p->next)
        peer_choose_layers(p, now_us);
    if (!wall_due) return;
    bool any_controller = false;
    for (peer *p = m->peers; p; p = p->next)
        any_controller |= meeting_may_control(p) && p->conn;
    if (!any_controller) return;
    json_t *wall = wall_json(m);
    bool roll_due = roll_version(m->roll) != m->roll_sent;
    json_t *rows = roll_due ? meeting_roll_json(m, now) : NULL;
    m->roll_sent = roll_version(m->roll);
    /* Document holdings change as sites fetch; the counts go out with the wall. */
    bool docs_due = holdings_version(m->held) != m->held_sent || roll_due;
    json_t *docs = docs_due ? meeting_documents_status(m) : NULL;
    m->held_sent = holdings_version(m->held);
    for (peer *p = m->peers; p; p = p->next) {
        if (!meeting_may_control(p) || !p->conn) continue;
        peer_send_event(p, "wall", json_pack("{s:O}", "sites", wall));
        if (rows) peer_send_event(p, "roll", json_pack("{s:O}", "rows", rows));
        if (docs) peer_send_event(p, "documents_status", json_pack("{s:O}", "docs", docs));
    }
    json_decref(wall);
    json_decref(rows);
    json_decref(docs);
}

void meeting_free_all(hub *h)
{
    while (h->meetings) {
        meeting *m = h->meetings;
        /* Freeing the last peer frees the meeting. */
        while (h->meetings == m && m->peers)
            peer_free(m->peers);
        if (h->meetings == m) meeting_drop(h, m);
    }
}

void meeting_totals(hub *h, size_t *meetings, size_t *peers)
{
    *meetings = *peers = 0;
    for (meeting *m = h->meetings; m; m = m->next) {
        (*meetings)++;
        *peers += m->n_peers;
    }
}
