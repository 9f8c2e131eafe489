/* Recording a meeting, on the signaling thread: which sources are recorded into which journal,
 * the timeline of what happened, who is told. A recording belongs to the meeting's id, not to the
 * live meeting object, so that it survives the moment when everybody is reconnecting at once: it
 * ends only when the chair or an operator stops it, the disk fails, or the hub stops.
 *
 * Layout and formats: docs/recording.md. The media side is the tap (sfu.h) and the recorder's
 * thread (recorder/recorder.h); the export runs in a child process (recording_export.c). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder/recorder.h"
#include "recorder/timeline_write.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

#define ALARM_EVERY_US 5000000u

typedef struct rec_track {
    uint32_t source;
    char file[16];
} rec_track;

struct rec_session {
    rec_session *next;
    char meeting[65];
    char id[STORE_REC_ID_LEN + 1];
    char dir[STORE_PATH_MAX + 1];
    int64_t started_at;
    timeline_writer *tl;
    rec_track *tracks;
    size_t n_tracks, cap_tracks;
    uint32_t next_file;
    uint64_t dropped;            /* copies the recorder could not keep, in all */
    uint64_t dropped_unreported; /* since the last alarm */
    uint64_t alarm_sent_us;
};

static rec_session *find(hub *h, const char *meeting_id)
{
    for (rec_session *r = h->recs; r; r = r->next)
        if (strcmp(r->meeting, meeting_id) == 0) return r;
    return NULL;
}

bool recording_active(hub *h, const char *meeting_id)
{
    return find(h, meeting_id) != NULL;
}

static json_t *status_json(const rec_session *r, const char *reason)
{
    if (!r) return json_pack("{s:b, s:s}", "active", 0, "reason", reason ? reason : "");
    return json_pack("{s:b, s:s, s:I}", "active", 1, "recording", r->id, "since",
                     (json_int_t)r->started_at);
}

json_t *recording_status_json(hub *h, const char *meeting_id)
{
    return status_json(find(h, meeting_id), NULL);
}

/* Every participant sees whether the meeting is being recorded. */
static void tell_all(hub *h, const char *meeting_id, const rec_session *r, const char *reason)
{
    meeting *m = meeting_get(h, meeting_id, false);
    for (peer *p = m ? meeting_peers(m) : NULL; p; p = p->next)
        if (p->kind == PEER_WS) peer_send_event(p, "recording", status_json(r, reason));
}

void recording_welcome(meeting *m, peer *p)
{
    peer_send_event(p, "recording", recording_status_json(p->h, meeting_id(m)));
}

static void alarm(hub *h, const char *meeting_id, const char *rec_id, const char *reason,
                  uint64_t dropped)
{
    meeting *m = meeting_get(h, meeting_id, false);
    for (peer *p = m ? meeting_peers(m) : NULL; p; p = p->next)
        if (p->kind == PEER_WS && meeting_may_control(p))
            peer_send_event(p, "recording_alarm",
                            json_pack("{s:s, s:s, s:I}", "recording", rec_id, "reason", reason,
                                      "dropped", (json_int_t)dropped));
}

static void note(rec_session *r, const char *type, json_t *obj)
{
    timeline_append(r->tl, recorder_wall_us(), type, obj);
}

static const char *publisher_site(const peer *p)
{
    return p->site[0] ? p->site : role_name(p->role);
}

static bool source_live(meeting *m, uint32_t source)
{
    for (peer *p = meeting_peers(m); p; p = p->next)
        for (size_t i = 0; i < p->n_tracks; i++)
            if (p->src[i] == source) return true;
    return false;
}

static bool recorded(const rec_session *r, uint32_t source)
{
    for (size_t i = 0; i < r->n_tracks; i++)
        if (r->tracks[i].source == source) return true;
    return false;
}

static void open_track(hub *h, rec_session *r, const peer *p, size_t i)
{
    if (r->n_tracks == r->cap_tracks) {
        size_t cap = r->cap_tracks ? r->cap_tracks * 2 : 16;
        rec_track *t = realloc(r->tracks, cap * sizeof *t);
        if (!t) return;
        r->tracks = t;
        r->cap_tracks = cap;
    }
    const neg_track *nt = &p->tracks[i];
    rec_track *t = &r->tracks[r->n_tracks++];
    t->source = p->src[i];
    snprintf(t->file, sizeof t->file, "%06u.dhj", ++r->next_file);
    journal_track jt = {.kind = nt->video ? JOURNAL_KIND_VIDEO : JOURNAL_KIND_AUDIO,
                        .payload_type = nt->pt,
                        .clock_rate = nt->clock,
                        .ssrc = nt->ssrc};
    const char *kind = nt->video ? "video" : "audio";
    snprintf(jt.codec, sizeof jt.codec, "%s", codec_name(nt->codec));
    snprintf(jt.meeting, sizeof jt.meeting, "%.63s", r->meeting);
    snprintf(jt.site, sizeof jt.site, "%.63s", publisher_site(p));
    snprintf(jt.track_id, sizeof jt.track_id, "%s/%s", p->pid, kind);
    char path[STORE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/journals/%s", r->dir, t->file);
    recorder_track_open(h->rec, t->source, path, &jt);
    sfu_source_record(h->media, t->source, true);
    note(r, "track",
         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "file", t->file, "site",
                   publisher_site(p), "name", p->name[0] ? p->name : publisher_site(p), "role",
                   role_name(p->role), "conn", p->pid, "kind", kind, "codec", jt.codec));
}

static void close_track(hub *h, rec_session *r, size_t i)
{
    rec_track *t = &r->tracks[i];
    sfu_source_record(h->media, t->source, false);
    recorder_track_close(h->rec, t->source);
    note(r, "track_end", json_pack("{s:s}", "file", t->file));
    r->tracks[i] = r->tracks[--r->n_tracks];
}

/* What the meeting publishes now is what is recorded: new sources get a journal, sources that went
 * away (a site left or republished) have theirs closed. Viewers publish nothing. */
static void sync_sources(hub *h, rec_session *r, meeting *m)
{
    for (size_t i = 0; i < r->n_tracks;) {
        if (!m || !source_live(m, r->tracks[i].source))
            close_track(h, r, i);
        else
            i++;
    }
    for (peer *p = m ? meeting_peers(m) : NULL; p; p = p->next) {
        if (p->kind == PEER_WHEP) continue;
        for (size_t i = 0; i < p->n_tracks; i++)
            if (p->src[i] && !recorded(r, p->src[i])) open_track(h, r, p, i);
    }
}

void recording_sync_sources(meeting *m)
{
    peer *any = meeting_peers(m);
    if (!any) return;
    rec_session *r = find(any->h, meeting_id(m));
    if (r) sync_sources(any->h, r, m);
}

void recording_meeting_gone(hub *h, const char *meeting_id)
{
    rec_session *r = find(h, meeting_id);
    if (r) sync_sources(h, r, NULL);
}

void recording_note_floor(meeting *m)
{
    peer *any = meeting_peers(m);
    rec_session *r = any ? find(any->h, meeting_id(m)) : NULL;
    if (!r) return;
    const floor_state *f = meeting_floor(m);
    json_t *sites = json_array();
    for (size_t i = 0; i < f->n_holders; i++)
        json_array_append_new(sites, json_string(f->holders[i]));
    note(r, "floor", json_pack("{s:o}", "sites", sites));
}

void recording_note_speaker(meeting *m, const peer *p)
{
    peer *any = meeting_peers(m);
    rec_session *r = any ? find(any->h, meeting_id(m)) : NULL;
    if (r) note(r, "speaker", json_pack("{s:s}", "site", p ? publisher_site(p) : ""));
}

void recording_note_agenda(meeting *m, uint32_t index, const char *title)
{
    peer *any = meeting_peers(m);
    rec_session *r = any ? find(any->h, meeting_id(m)) : NULL;
    if (r) note(r, "agenda", json_pack("{s:I, s:s}", "index", (json_int_t)index, "title", title));
}

static int make_dirs(const char *dir)
{
    char path[STORE_PATH_MAX + 32];
    if (mkdir(dir, 0700) != 0) return -1;
    snprintf(path, sizeof path, "%s/journals", dir);
    return mkdir(path, 0700);
}

const char *recording_start(hub *h, const char *meeting_id, const peer *by, char *id_out,
                            size_t cap, const char **msg)
{
    if (find(h, meeting_id)) return *msg = "the meeting is already being recorded", "conflict";
    if (mkdir(h->recordings_dir, 0700) != 0 && errno != EEXIST)
        return *msg = "the recordings directory cannot be created", "unavailable";
    rec_session *r = calloc(1, sizeof *r);
    if (!r) return *msg = "no memory", "unavailable";
    char rnd[STORE_REC_ID_LEN - 1];
    util_random_token(rnd, sizeof rnd - 1);
    snprintf(r->id, sizeof r->id, "r-%s", rnd);
    snprintf(r->meeting, sizeof r->meeting, "%s", meeting_id);
    snprintf(r->dir, sizeof r->dir, "%.900s/%s", h->recordings_dir, r->id);
    r->started_at = util_unix_time();
    char path[STORE_PATH_MAX + 32], err[256] = "";
    snprintf(path, sizeof path, "%s/timeline.jsonl", r->dir);
    store_recording row = {.started_at = r->started_at};
    snprintf(row.id, sizeof row.id, "%s", r->id);
    snprintf(row.meeting, sizeof row.meeting, "%s", meeting_id);
    snprintf(row.dir, sizeof row.dir, "%s", r->dir);
    if (make_dirs(r->dir) != 0 || !(r->tl = timeline_open(path, err, sizeof err)) ||
        store_recording_add(h->db, &row) != 0) {
        LOGE("recording", "cannot start recording %s: %s %s", meeting_id,
             err[0] ? err : strerror(errno), store_error(h->db));
        timeline_close(r->tl);
        free(r);
        return *msg = "the recording cannot be started (disk or store)", "unavailable";
    }
    store_meeting sm;
    const char *title = store_meeting_get(h->db, meeting_id, &sm) == 0 ? sm.title : meeting_id;
    note(r, "start",
         json_pack("{s:s, s:s, s:s}", "recording", r->id, "meeting", meeting_id, "title", title));
    timeline_sync(r->tl);
    r->next = h->recs;
    h->recs = r;
    meeting *m = meeting_get(h, meeting_id, false);
    if (m) {
        sync_sources(h, r, m);
        recording_note_floor(m);
    }
    hub_audit(h, meeting_id, by, "recording.start", "%s", r->id);
    tell_all(h, meeting_id, r, NULL);
    snprintf(id_out, cap, "%s", r->id);
    return NULL;
}

static void unlink_session(hub *h, rec_session *r)
{
    for (rec_session **pp = &h->recs; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            return;
        }
    }
}

const char *recording_stop(hub *h, const char *meeting_id, const peer *by, const char *reason,
                           const char **msg)
{
    rec_session *r = find(h, meeting_id);
    if (!r) return *msg = "the meeting is not being recorded", "conflict";
    while (r->n_tracks)
        close_track(h, r, r->n_tracks - 1);
    note(r, "stop", json_pack("{s:s}", "reason", reason));
    timeline_close(r->tl);
    store_recording row;
    if (store_recording_get(h->db, r->id, &row) == 0) {
        row.state = STORE_REC_STOPPED;
        row.stopped_at = util_unix_time();
        row.dropped = (int64_t)r->dropped;
        snprintf(row.reason, sizeof row.reason, "%s", reason);
        if (store_recording_update(h->db, &row) != 0)
            LOGE("recording", "%s: %s", r->id, store_error(h->db));
    }
    hub_audit(h, meeting_id, by, "recording.stop", "%s: %s", r->id, reason);
    unlink_session(h, r);
    tell_all(h, meeting_id, NULL, reason);
    recording_export_queue(h, r->id);
    free(r->tracks);
    free(r);
    return NULL;
}

/* A stored meeting set to record from the start is recorded as soon as someone is in it, once
 * per hub run: if the chair stops it, it stays stopped. */
void recording_auto_start(hub *h, meeting *m)
{
    store_meeting sm;
    const char *id = meeting_id(m);
    if (find(h, id) || store_meeting_get(h->db, id, &sm) != 0 || !sm.record_on_start ||
        sm.state == STORE_MEETING_CLOSED)
        return;
    for (size_t i = 0; i < h->n_auto_started; i++)
        if (strcmp(h->auto_started[i], id) == 0) return;
    if (h->n_auto_started < DH_ARRAY_LEN(h->auto_started))
        snprintf(h->auto_started[h->n_auto_started++], sizeof h->auto_started[0], "%s", id);
    char rid[STORE_REC_ID_LEN + 1];
    const char *msg = NULL;
    if (recording_start(h, id, NULL, rid, sizeof rid, &msg))
        LOGE("recording", "meeting %s: cannot record from the start: %s", id, msg);
}

static rec_session *session_of_source(hub *h, uint32_t source)
{
    for (rec_session *r = h->recs; r; r = r->next)
        if (recorded(r, source)) return r;
    return NULL;
}

/* Events from the recorder's thread: a failed journal (a full disk) ends the whole recording —
 * a recording that silently lost a site would be worse than one that says it stopped. */
static void on_recorder_events(hub *h)
{
    recorder_event evs[32];
    size_t n;
    while ((n = recorder_poll_events(h->rec, evs, DH_ARRAY_LEN(evs))) > 0) {
        for (size_t i = 0; i < n; i++) {
            rec_session *r = session_of_source(h, evs[i].source);
            if (!r) continue;
            if (evs[i].type == RECORDER_EV_OPENED) {
                /* The journal starts with a keyframe, or its video could not be decoded until
                 * the publisher happens to send one (browsers send them only when asked). */
                sfu_request_keyframe(h->media, evs[i].source);
                continue;
            }
            if (evs[i].type == RECORDER_EV_DROPPED) {
                /* One alarm (and audit line) per recording every ALARM_EVERY_US with what was
                 * lost since the last: an overloaded hub recording 580 sites would otherwise
                 * write a line per site. */
                r->dropped += evs[i].dropped;
                r->dropped_unreported += evs[i].dropped;
                uint64_t now = util_now_us();
                if (r->alarm_sent_us && now - r->alarm_sent_us < ALARM_EVERY_US) continue;
                r->alarm_sent_us = now;
                hub_audit(h, r->meeting, NULL, "recording.alarm", "%s: %llu packet(s) dropped",
                          r->id, (unsigned long long)r->dropped_unreported);
                alarm(h, r->meeting, r->id, "dropped", r->dropped_unreported);
                r->dropped_unreported = 0;
                continue;
            }
            char meeting_id[65], reason[200];
            snprintf(meeting_id, sizeof meeting_id, "%s", r->meeting);
            snprintf(reason, sizeof reason, "disk: %s", evs[i].reason);
            alarm(h, meeting_id, r->id, reason, 0);
            const char *msg;
            recording_stop(h, meeting_id, NULL, reason, &msg);
        }
    }
}

void recording_tick(hub *h)
{
    on_recorder_events(h);
    for (rec_session *r = h->recs; r; r = r->next)
        timeline_sync(r->tl);
    recording_export_tick(h);
}

static size_t drain_taps(void *ud, sfu_tap_fn fn, void *fn_ud, size_t max)
{
    return sfu_tap_drain(ud, fn, fn_ud, max);
}

int recording_init(hub *h, const hub_config *cfg)
{
    snprintf(h->data_dir, sizeof h->data_dir, "%s", cfg->data_dir);
    char abs[PATH_MAX];
    const char *dir = cfg->recordings_dir;
    char def[PATH_MAX];
    if (!dir) {
        snprintf(def, sizeof def, "%s/recordings", cfg->data_dir);
        dir = def;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        LOGE("recording", "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    /* Stored paths are absolute, so that `dienhong export` finds them from any directory. */
    if (!realpath(dir, abs) || strlen(abs) > 900) {
        LOGE("recording", "recordings directory %s: unusable or longer than 900 bytes", dir);
        return -1;
    }
    snprintf(h->recordings_dir, sizeof h->recordings_dir, "%s", abs);
    h->retention_days = cfg->retention_days;
    h->rec = recorder_new(drain_taps, h->media);
    if (!h->rec) return -1;
    recording_recover(h);
    return 0;
}

void recording_shutdown(hub *h)
{
    const char *msg;
    while (h->recs) {
        char id[65];
        snprintf(id, sizeof id, "%s", h->recs->meeting);
        recording_stop(h, id, NULL, "hub stopped", &msg);
    }
    recorder_free(h->rec);
    h->rec = NULL;
    recording_export_shutdown(h);
}
