/* The hub's embedded store: one SQLite file, DIR/dienhong.db, for what must outlive a restart:
 * the sites registry, meetings and their invitations, token revocations, the audit log,
 * attendance and the documents' metadata (their bytes are files, see documents.h).
 *
 * Used from the signaling thread only (the connection is opened without SQLite's mutexes).
 * Every function returns 0 on success and -1 on failure, with the reason in store_error(), unless
 * it says otherwise. Lookups return 1 for "no such row", which is not a failure. Lists fill a
 * caller's array or call back once per row; nothing is allocated that the caller must free but
 * the store itself. Times are unix seconds chosen by the caller, so that tests own the clock.
 *
 * Text is UTF-8 and checked on the way in: an identifier with the wrong characters, text that is
 * not UTF-8, holds a control character or is too long is refused, never cut or mended (except in
 * the audit log, which keeps every event, see store_audit_append). */
#ifndef DH_STORE_H
#define DH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/token.h"

#define STORE_FILE_NAME "dienhong.db"
#define STORE_SCHEMA_VERSION 5

#define STORE_CODE_MAX 64       /* site code: [a-z0-9-]{1,64} */
#define STORE_TEXT_MAX 255      /* site name, district, reason, audit detail: bytes */
#define STORE_TITLE_MAX 511     /* meeting title: bytes */
#define STORE_MEETING_ID_LEN 14 /* "m-" + 12 of [A-Za-z0-9] */
#define STORE_REF_MAX 64        /* a meeting named by a token: [A-Za-z0-9_-]{1,64} */
#define STORE_TOKEN_ID_MAX 32   /* a token id: [A-Za-z0-9_-]{1,32} */
#define STORE_ACTION_MAX 32     /* audit action: [a-z0-9._-]{1,32} */
#define STORE_DOC_ID_LEN 18     /* "d-" + 16 of [A-Za-z0-9] */
#define STORE_DOC_TITLE_MAX 255 /* document title: bytes */
#define STORE_DOC_ITEM_MAX 64   /* agenda item: [A-Za-z0-9_-]{0,64} */
#define STORE_DOC_TYPE_MAX 63   /* media type: "application/pdf", ... */

typedef struct store store;

/* Opens (creating DIR with mode 0700 and the file when missing) and brings the schema up to
 * STORE_SCHEMA_VERSION. A file that is not a SQLite database, is damaged, belongs to another
 * program or was written by a newer build is refused with a message saying so. On failure
 * returns NULL and writes the reason into err (when errcap > 0). */
store *store_open(const char *data_dir, char *err, size_t errcap);
void store_close(store *st);
/* The reason for the last failure on this store ("" before any). */
const char *store_error(const store *st);
/* DIR/dienhong.db. */
const char *store_path(const store *st);

/* ---- Sites: one per commune or ward, the unit of the roll call. ---- */

typedef struct store_site {
    char code[STORE_CODE_MAX + 1];     /* [a-z0-9-]{1,64}, e.g. "ba-dinh" */
    char name[STORE_TEXT_MAX + 1];     /* "Phường Ba Đình"; not empty */
    char district[STORE_TEXT_MAX + 1]; /* may be empty */
} store_site;

typedef struct store_import_result {
    size_t rows;       /* data rows read */
    size_t inserted;   /* new codes */
    size_t updated;    /* known codes whose name or district changed */
    size_t unchanged;  /* known codes, same text */
    size_t error_line; /* on failure: the line named in the error, 0 when none */
} store_import_result;

/* Imports CSV text with the header `code,name,district` (see csv.h for the syntax accepted; name
 * and district are trimmed of surrounding spaces). All or nothing: the first bad row fails the
 * whole import with "line N: ..." and leaves the registry as it was. A code already known gets
 * the new name and district; sites missing from the file are kept (meetings refer to them).
 * `res` may be NULL. */
int store_site_import_csv(store *st, const char *data, size_t len, store_import_result *res);
/* The same, read from a file. */
int store_site_import_file(store *st, const char *path, store_import_result *res);
/* Adds or updates one site. */
int store_site_put(store *st, const store_site *site);
/* 0 and *out filled, 1 when no site has that code, -1 on failure. */
int store_site_get(store *st, const char *code, store_site *out);
int store_site_count(store *st, size_t *n);
/* Calls fn for each site in code order; fn returns non-zero to stop early (not a failure). */
typedef int (*store_site_fn)(void *ud, const store_site *site);
int store_site_list(store *st, store_site_fn fn, void *ud);

/* ---- Meetings ---- */

typedef enum {
    STORE_MEETING_SCHEDULED = 0,
    STORE_MEETING_OPEN,
    STORE_MEETING_CLOSED
} store_meeting_state;

const char *store_meeting_state_name(store_meeting_state s); /* "scheduled", "open", "closed" */
/* 0 and *out set, or -1 for an unknown name. */
int store_meeting_state_from_name(const char *name, store_meeting_state *out);

typedef struct store_meeting {
    char id[STORE_MEETING_ID_LEN + 1];
    char title[STORE_TITLE_MAX + 1];
    int64_t starts_at, ends_at; /* scheduled; ends_at >= starts_at */
    store_meeting_state state;
    bool record_on_start;
    bool invite_all; /* every site of the registry, now and later, is invited */
    int64_t created_at;
} store_meeting;

/* Creates a meeting from m->title, starts_at, ends_at, record_on_start and invite_all; fills in
 * m->id (fresh and random), m->state (scheduled) and m->created_at (now). */
int store_meeting_create(store *st, store_meeting *m, int64_t now);
/* 0 and *out filled, 1 when there is no such meeting, -1 on failure. */
int store_meeting_get(store *st, const char *id, store_meeting *out);
/* Meetings whose scheduled time meets [from, to): starts_at < to and (ends_at > from or
 * starts_at >= from), by starts_at. Fills up to cap; *n is how many matched (more than cap when
 * the array was too small). */
int store_meeting_list(store *st, int64_t from, int64_t to, store_meeting *out, size_t cap,
                       size_t *n);
/* scheduled -> open -> closed, or scheduled -> closed (cancelled); setting the current state
 * again is a no-op. A closed meeting stays closed: its record is final. Closing ends every
 * attendance interval still open at `now`. */
int store_meeting_set_state(store *st, const char *id, store_meeting_state state, int64_t now);

/* Adds sites to the invitation list (codes already on it are fine). Every code must be a known
 * site, else nothing is added and the error names the first unknown one. Not for closed
 * meetings. */
int store_meeting_invite(store *st, const char *id, const char *const *codes, size_t n);
/* Sets or clears "every site is invited"; the explicit list is kept underneath. */
int store_meeting_invite_all(store *st, const char *id, bool all);
/* 1 when invited, 0 when not, -1 on failure (unknown meeting included). */
int store_meeting_is_invited(store *st, const char *id, const char *code);
/* Calls fn for each invited site (all of them under invite_all), in code order. */
int store_meeting_invited(store *st, const char *id, store_site_fn fn, void *ud);

/* ---- Revocations: a kicked site cannot come back with the same token. ---- */

/* Records that token `token_id` (of `meeting`, any id a token may carry) is revoked. Revoking
 * again keeps the first record and succeeds. `reason` may be empty. */
int store_revoke(store *st, const char *token_id, const char *meeting, int64_t at,
                 const char *reason);
/* 1 when revoked, 0 when not, -1 on failure. */
int store_is_revoked(store *st, const char *token_id);

/* ---- Audit log: who did what, append-only. ---- */

typedef struct store_actor {
    role_t role;
    char site[STORE_REF_MAX + 1];          /* "" when none */
    char token_id[STORE_TOKEN_ID_MAX + 1]; /* "" when none (the hub itself, the command line) */
} store_actor;

typedef struct store_audit {
    int64_t id; /* increasing in the order of appending */
    int64_t at;
    char meeting[STORE_REF_MAX + 1];
    store_actor actor;
    char action[STORE_ACTION_MAX + 1]; /* "floor.give", "kick", "refused", ... */
    char detail[STORE_TEXT_MAX + 1];
} store_audit;

/* Appends an entry. meeting may be "" (an event outside any meeting) and actor NULL (the hub).
 * An entry is never lost for its text: a detail longer than STORE_TEXT_MAX bytes is cut at a
 * character boundary, bytes that are not UTF-8 and control characters become '?'. The action
 * and the actor's identifiers must be well-formed. */
int store_audit_append(store *st, int64_t at, const char *meeting, const store_actor *actor,
                       const char *action, const char *detail);
/* The newest entries of a meeting first: up to cap entries with id < before_id (0: from the
 * newest), so a page ends where the next begins. *n is the number filled. */
int store_audit_list(store *st, const char *meeting, int64_t before_id, store_audit *out,
                     size_t cap, size_t *n);

/* ---- Attendance: one row per (meeting, site), however often the site reconnects. ---- */

typedef enum {
    STORE_ATT_ABSENT = 0,   /* invited, never joined */
    STORE_ATT_PRESENT,      /* joined on time, connected (or was, once the meeting closed) */
    STORE_ATT_LATE,         /* the same, first joined after late_after */
    STORE_ATT_RECONNECTING, /* joined, not connected now, meeting not closed */
} store_attendance_state;

const char *store_attendance_state_name(store_attendance_state s); /* "absent", "present", ... */

typedef struct store_attendance {
    store_site site;
    store_attendance_state state;
    bool invited;   /* false for a site that joined without being on the list */
    bool connected; /* at least one connection open */
    int64_t first_joined, last_joined, last_left; /* 0 when never */
    int64_t seconds_present; /* closed intervals, plus the open one up to `now` */
    uint32_t joins;          /* connections made, reconnections included */
} store_attendance;

/* A connection of `site` to `meeting` opens at `now`. The first join of a site decides whether
 * it is late: now > late_after. Overlapping connections of one site (a reconnection that beats
 * the old connection's close) count as one presence. The meeting must exist and not be closed,
 * the site must be known. */
int store_attendance_join(store *st, const char *meeting, const char *site, int64_t now,
                          int64_t late_after);
/* A connection closes at `now`; when it was the site's last one, the interval since it came is
 * added to seconds_present. Fails when the site has no open connection to that meeting. */
int store_attendance_leave(store *st, const char *meeting, const char *site, int64_t now);
/* Closes every open connection at `now`: of one meeting, or of all when meeting is NULL (at
 * start-up, after a crash left some open). */
int store_attendance_leave_all(store *st, const char *meeting, int64_t now);
/* Calls fn for every invited site and every site that joined, in code order, absent ones
 * included; `now` counts the open intervals. The meeting must exist. */
typedef int (*store_attendance_fn)(void *ud, const store_attendance *row);
int store_attendance_list(store *st, const char *meeting, int64_t now, store_attendance_fn fn,
                          void *ud);

/* ---- Documents: what the chair or an operator uploads to a meeting. ---- */

/* One version of a document. The bytes are stored by their hash (documents.h); several rows may
 * name the same hash. */
typedef struct store_document {
    char id[STORE_DOC_ID_LEN + 1];       /* opaque, random */
    char meeting[STORE_REF_MAX + 1];     /* any meeting a token may name */
    char item[STORE_DOC_ITEM_MAX + 1];   /* agenda item, as the uploader gave it; may be "" */
    char title[STORE_DOC_TITLE_MAX + 1]; /* UTF-8, no control characters, not empty */
    uint32_t version;                    /* 1, 2, ... per (meeting, title) */
    char type[STORE_DOC_TYPE_MAX + 1];   /* "application/pdf", "image/png", "image/jpeg" */
    int64_t size;                        /* bytes */
    char sha256[65];                     /* 64 lower-case hex digits */
    int64_t uploaded_at;
    store_actor uploader;
} store_document;

/* Adds a version of a document from d->meeting, item, title, type, size, sha256 and uploader:
 * version 1 for a new title in that meeting, else one more than the newest. Fills in d->id (fresh
 * and random), d->version and d->uploaded_at (now). When the newest version of that title already
 * has these very bytes (same hash and type), nothing is added: d is filled from that version and
 * *same (when not NULL) is set, so that an upload retried after a lost answer makes no new
 * version. */
int store_document_add(store *st, store_document *d, int64_t now, bool *same);
/* 0 and *out filled, 1 when no document has that id, -1 on failure. */
int store_document_get(store *st, const char *id, store_document *out);
/* Calls fn for each document of a meeting: titles by their newest upload, newest first, and each
 * title's versions from the newest down, one after the other. fn returns non-zero to stop. */
typedef int (*store_document_fn)(void *ud, const store_document *doc);
int store_document_list(store *st, const char *meeting, store_document_fn fn, void *ud);
/* How many versions (of any meeting) are stored as these bytes. */
int store_document_count_sha(store *st, const char *sha256, size_t *n);

/* ---- Votes: agree / disagree / abstain, one ballot per site. ---- */

#define STORE_VOTE_ID_LEN 10 /* "v-" + 8 of [A-Za-z0-9] */

typedef struct store_vote {
    char id[STORE_VOTE_ID_LEN + 1];
    char meeting[STORE_REF_MAX + 1];
    char item[STORE_REF_MAX + 1];
    char question[STORE_TEXT_MAX + 1];
    int64_t opened_at, closed_at; /* closed_at 0 while open */
    uint32_t eligible;            /* sites that could vote when it closed */
    uint32_t agree, disagree, abstain;
} store_vote;

/* Records a new vote from v->meeting, item, question; fills v->id and v->opened_at (now). */
int store_vote_open(store *st, store_vote *v, int64_t now);
/* 0 when recorded, 1 when this site has already voted on it, -1 on failure (unknown or closed
 * vote, bad choice). */
int store_vote_cast(store *st, const char *vote, const char *site, const char *choice, int64_t at);
/* Closes it and fills the counts. */
int store_vote_close(store *st, store_vote *v, uint32_t eligible, int64_t now);
/* Fills the counts (and the rest) of one vote. 1 when unknown. */
int store_vote_get(store *st, const char *id, store_vote *out);
typedef int (*store_vote_fn)(void *ud, const store_vote *v);
int store_vote_list(store *st, const char *meeting, store_vote_fn fn, void *ud);
typedef int (*store_ballot_fn)(void *ud, const char *site, const char *choice, int64_t at);
int store_vote_ballots(store *st, const char *vote, store_ballot_fn fn, void *ud);

/* ---- Agenda: the ordered items of a meeting. ---- */

#define STORE_AGENDA_MAX 100

typedef struct store_agenda_item {
    char title[STORE_TEXT_MAX + 1];
    char presenter[STORE_TEXT_MAX + 1]; /* may be empty */
} store_agenda_item;

/* Replaces the meeting's agenda with these n items (at most STORE_AGENDA_MAX), atomically. */
int store_agenda_set(store *st, const char *meeting, const store_agenda_item *items, size_t n);
/* Fills up to cap items in order; *n is how many there are. */
int store_agenda_get(store *st, const char *meeting, store_agenda_item *out, size_t cap, size_t *n);

/* ---- Recordings (docs/recording.md): one row per recording, one per exported file. ---- */

#define STORE_REC_ID_LEN 18 /* "r-" + 16 of [A-Za-z0-9]; files: "f-" + 16 */
#define STORE_PATH_MAX 1023

typedef enum {
    STORE_REC_RECORDING = 0, /* journals being written */
    STORE_REC_STOPPED,       /* journals closed (or recovered after a crash), not exported */
    STORE_REC_EXPORTING,     /* the exporter runs; progress 0..100 */
    STORE_REC_READY,         /* exported: files listed in recording_files */
    STORE_REC_FAILED,        /* export failed; reason says why */
    STORE_REC_DELETED,       /* removed by retention; the row stays for the audit trail */
} store_rec_state;
const char *store_rec_state_name(store_rec_state s);

typedef struct store_recording {
    char id[STORE_REC_ID_LEN + 1];
    char meeting[STORE_REF_MAX + 1];
    store_rec_state state;
    int64_t started_at, stopped_at;  /* unix seconds; stopped_at 0 while recording */
    char dir[STORE_PATH_MAX + 1];    /* absolute: RECORDINGS/<id>, chosen by the hub */
    char reason[STORE_TEXT_MAX + 1]; /* why it stopped or failed: "chair", "disk: ..." */
    int progress;                    /* export, 0..100 */
    int64_t dropped;                 /* packets the recorder could not keep */
} store_recording;

/* Adds r (id, meeting, dir, started_at; state RECORDING). */
int store_recording_add(store *st, const store_recording *r);
/* Writes state, stopped_at, reason, progress and dropped of r->id. */
int store_recording_update(store *st, const store_recording *r);
/* 0 and *out filled, 1 when there is no such recording. */
int store_recording_get(store *st, const char *id, store_recording *out);
/* Recordings of one meeting (NULL: all), newest first; state < 0: any state. */
typedef int (*store_recording_fn)(void *ud, const store_recording *r);
int store_recording_list(store *st, const char *meeting, int state, store_recording_fn fn,
                         void *ud);

typedef struct store_recording_file {
    char id[STORE_REC_ID_LEN + 1]; /* opaque, what URLs carry */
    char recording[STORE_REC_ID_LEN + 1];
    char kind[16];                     /* "meeting", "site", "chapters", "manifest" */
    char site[STORE_REF_MAX + 1];      /* kind "site": the site code */
    char name[STORE_TEXT_MAX + 1];     /* what the clerk page shows: "Phường Ba Đình" */
    char file[64];                     /* name inside DIR/export, chosen by the exporter */
    char type[STORE_DOC_TYPE_MAX + 1]; /* "video/webm", "video/x-matroska", "application/json" */
    int64_t size;
    char sha256[65];
    int64_t duration_ms; /* 0 when not media */
} store_recording_file;

/* Replaces the files of a recording with these n (ids are made here when empty), atomically. */
int store_recording_files_set(store *st, const char *recording, store_recording_file *files,
                              size_t n);
typedef int (*store_recording_file_fn)(void *ud, const store_recording_file *f);
int store_recording_files_list(store *st, const char *recording, store_recording_file_fn fn,
                               void *ud);
/* 0 and *out filled, 1 when there is no such file. */
int store_recording_file_get(store *st, const char *id, store_recording_file *out);

#endif
