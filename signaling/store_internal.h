/* Shared by the store_*.c files: the store itself, its cache of prepared statements, errors,
 * transactions and the checks on text coming in. Internal to the store. */
#ifndef DH_STORE_INTERNAL_H
#define DH_STORE_INTERNAL_H

#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "signaling/store.h"

/* One slot per statement the store runs more than once: prepared on first use and kept, since the
 * signaling thread asks the same few questions (is this token revoked? append to the audit log)
 * all meeting long. */
typedef enum {
    SQ_SITE_GET,
    SQ_SITE_PUT,
    SQ_SITE_COUNT,
    SQ_SITE_LIST,
    SQ_IMPORT_SEEN_ADD,
    SQ_IMPORT_SEEN_LINE,
    SQ_MEETING_ADD,
    SQ_MEETING_GET,
    SQ_MEETING_LIST,
    SQ_MEETING_SET_STATE,
    SQ_MEETING_SET_ALL,
    SQ_INVITE_ADD,
    SQ_INVITED_ONE,
    SQ_INVITED_LIST,
    SQ_REVOKE,
    SQ_IS_REVOKED,
    SQ_AUDIT_ADD,
    SQ_AUDIT_LIST,
    SQ_ATT_JOIN,
    SQ_ATT_LEAVE,
    SQ_ATT_LEAVE_ALL,
    SQ_ATT_LIST,
    SQ_DOC_ADD,
    SQ_DOC_GET,
    SQ_DOC_NEWEST,
    SQ_DOC_LIST,
    SQ_DOC_COUNT_SHA,
    SQ_VOTE_ADD,
    SQ_VOTE_CAST,
    SQ_VOTE_CLOSE,
    SQ_VOTE_GET,
    SQ_VOTE_LIST,
    SQ_VOTE_BALLOTS,
    SQ_AGENDA_DEL,
    SQ_AGENDA_ADD,
    SQ_AGENDA_GET,
    SQ_REC_ADD,
    SQ_REC_UPDATE,
    SQ_REC_GET,
    SQ_REC_LIST,
    SQ_REC_FILES_DEL,
    SQ_REC_FILE_ADD,
    SQ_REC_FILES_LIST,
    SQ_REC_FILE_GET,
    SQ_COUNT
} store_sql;

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_COUNT];
    char path[PATH_MAX];
    char err[512];
};

/* Sets the message and returns -1. */
int store_fail(store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<what>: <SQLite's message>", returns -1. */
int store_fail_db(store *st, const char *what);

/* The statement for `id`, reset and unbound, prepared from `sql` on first use; NULL (error set)
 * when SQLite refuses it. */
sqlite3_stmt *store_stmt(store *st, store_sql id, const char *sql);
/* Steps a statement that returns no rows and resets it. */
int store_step_done(store *st, sqlite3_stmt *s, const char *what);
int store_exec(store *st, const char *sql);

/* One write transaction; rollback is safe to call when none is open. */
int store_tx_begin(store *st);
int store_tx_commit(store *st);
void store_tx_rollback(store *st);

/* Identifier alphabets. */
bool store_code_ok(const char *s);                               /* site code: [a-z0-9-]{1,64} */
bool store_ref_ok(const char *s, size_t max, bool may_be_empty); /* [A-Za-z0-9_-] */
bool store_action_ok(const char *s);                             /* [a-z0-9._-]{1,32} */
/* UTF-8, no control characters (C0, DEL, C1), at most max bytes, not empty unless allowed.
 * Returns 0, or -1 with "<what> ..." as the error. */
int store_text_check(store *st, const char *what, const char *s, size_t len, size_t max,
                     bool may_be_empty);
/* How much of s to quote in a message ("%.*s"): at most `max` bytes, ending on a character
 * boundary, so that the message stays UTF-8 (it may end up in JSON). */
int store_quote_len(const char *s, size_t max);
/* Copies a column's text (NULL reads as "") into dst[cap], cut to fit. */
void store_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col);

#endif
