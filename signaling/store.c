/* The store's file: opening it, checking it is ours and whole, the schema and its migrations, and
 * the helpers the other store_*.c files share. */
#include "signaling/store_internal.h"

#include "signaling/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Written into the file header, so that another program's SQLite file put in the data directory
 * is told apart from ours: "dhng". */
#define STORE_APPLICATION_ID 0x64686e67

/* How long a write waits for another connection (the command line tool) before failing. Short:
 * the signaling thread waits with it, and every meeting with it. */
#define STORE_BUSY_MS 1000

/* Migration i takes the schema from version i to i + 1. Append, never edit: a file in the field
 * has run the old text. */
static const char *const migrations[] = {
    /* 1: the first schema. Tables are STRICT so that a wrong type is an error, not a surprise
     * later; states are words so that the file reads plainly in the sqlite3 shell. */
    "CREATE TABLE sites ("
    "  code TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  district TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE meetings ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  title TEXT NOT NULL,"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL CHECK (ends_at >= starts_at),"
    "  state TEXT NOT NULL CHECK (state IN ('scheduled', 'open', 'closed')),"
    "  record_on_start INTEGER NOT NULL CHECK (record_on_start IN (0, 1)),"
    "  invite_all INTEGER NOT NULL CHECK (invite_all IN (0, 1)),"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX meetings_by_start ON meetings (starts_at);"
    "CREATE TABLE invitations ("
    "  meeting TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,"
    "  site TEXT NOT NULL REFERENCES sites (code),"
    "  PRIMARY KEY (meeting, site)"
    ") STRICT, WITHOUT ROWID;"
    /* No foreign key to meetings: a token may name a meeting the hub made on the fly. */
    "CREATE TABLE revocations ("
    "  token_id TEXT PRIMARY KEY NOT NULL,"
    "  meeting TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  reason TEXT NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  meeting TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  site TEXT NOT NULL,"
    "  token_id TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  detail TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX audit_by_meeting ON audit (meeting, id);"
    /* connections counts open connections (overlapping reconnections); open_since is when the
     * current presence began, NULL when none. The state is derived when read. */
    "CREATE TABLE attendance ("
    "  meeting TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,"
    "  site TEXT NOT NULL REFERENCES sites (code),"
    "  late INTEGER NOT NULL CHECK (late IN (0, 1)),"
    "  first_joined INTEGER NOT NULL,"
    "  last_joined INTEGER NOT NULL,"
    "  last_left INTEGER NOT NULL DEFAULT 0,"
    "  seconds_present INTEGER NOT NULL DEFAULT 0,"
    "  joins INTEGER NOT NULL,"
    "  connections INTEGER NOT NULL CHECK (connections >= 0),"
    "  open_since INTEGER,"
    "  PRIMARY KEY (meeting, site)"
    ") STRICT, WITHOUT ROWID;",
    /* 2: documents. The bytes are files named by their hash; a row is one version. No foreign
     * key to meetings: a token may name a meeting the hub made on the fly. The rowid orders the
     * uploads. */
    "CREATE TABLE documents ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  meeting TEXT NOT NULL,"
    "  item TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  type TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
    "  uploaded_at INTEGER NOT NULL,"
    "  role TEXT NOT NULL,"
    "  site TEXT NOT NULL,"
    "  token_id TEXT NOT NULL,"
    "  UNIQUE (meeting, title, version)"
    ") STRICT;"
    "CREATE INDEX documents_by_sha ON documents (sha256);",
    /* 3: votes and their ballots; one ballot per site and vote, enforced by the key. */
    "CREATE TABLE votes ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  meeting TEXT NOT NULL,"
    "  item TEXT NOT NULL,"
    "  question TEXT NOT NULL,"
    "  opened_at INTEGER NOT NULL,"
    "  closed_at INTEGER NOT NULL DEFAULT 0,"
    "  eligible INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX votes_by_meeting ON votes (meeting);"
    "CREATE TABLE ballots ("
    "  vote TEXT NOT NULL REFERENCES votes (id),"
    "  site TEXT NOT NULL,"
    "  choice TEXT NOT NULL CHECK (choice IN ('agree', 'disagree', 'abstain')),"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (vote, site)"
    ") STRICT, WITHOUT ROWID;",
    /* 4: the agenda of a meeting, in order. */
    "CREATE TABLE agenda ("
    "  meeting TEXT NOT NULL,"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  title TEXT NOT NULL,"
    "  presenter TEXT NOT NULL,"
    "  PRIMARY KEY (meeting, idx)"
    ") STRICT, WITHOUT ROWID;",
    /* 5: recordings and their exported files (docs/recording.md). A deleted recording keeps its
     * row: the audit trail names it. */
    "CREATE TABLE recordings ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  meeting TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('recording', 'stopped', 'exporting', 'ready', "
    "    'failed', 'deleted')),"
    "  started_at INTEGER NOT NULL,"
    "  stopped_at INTEGER NOT NULL DEFAULT 0,"
    "  dir TEXT NOT NULL,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),"
    "  dropped INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX recordings_by_meeting ON recordings (meeting, started_at);"
    "CREATE TABLE recording_files ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  recording TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  site TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  file TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  sha256 TEXT NOT NULL,"
    "  duration_ms INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX recording_files_by_recording ON recording_files (recording, idx);",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- errors ---- */

int store_fail(store *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return -1;
}

int store_fail_db(store *st, const char *what)
{
    return store_fail(st, "%s: %s", what, sqlite3_errmsg(st->db));
}

const char *store_error(const store *st)
{
    return st ? st->err : "no store";
}

const char *store_path(const store *st)
{
    return st->path;
}

/* ---- statements and transactions ---- */

sqlite3_stmt *store_stmt(store *st, store_sql id, const char *sql)
{
    sqlite3_stmt *s = st->stmt[id];
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return s;
    }
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
        store_fail_db(st, "prepare");
        return NULL;
    }
    st->stmt[id] = s;
    return s;
}

int store_step_done(store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_fail_db(st, what);
    return 0;
}

int store_exec(store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        store_fail(st, "%s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* IMMEDIATE: take the write lock now, so that a busy database fails at the start and not at the
 * first write, half way through. */
int store_tx_begin(store *st)
{
    return store_exec(st, "BEGIN IMMEDIATE");
}

int store_tx_commit(store *st)
{
    return store_exec(st, "COMMIT");
}

void store_tx_rollback(store *st)
{
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- checks on what comes in ---- */

bool store_code_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        if (n == STORE_CODE_MAX) return false;
    }
    return n > 0;
}

bool store_ref_ok(const char *s, size_t max, bool may_be_empty)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
        if (n == max) return false;
    }
    return n > 0 || may_be_empty;
}

bool store_action_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
        if (n == STORE_ACTION_MAX) return false;
    }
    return n > 0;
}

int store_text_check(store *st, const char *what, const char *s, size_t len, size_t max,
                     bool may_be_empty)
{
    if (len == 0 && !may_be_empty) return store_fail(st, "%s is empty", what);
    if (len > max) return store_fail(st, "%s is longer than %zu bytes", what, max);
    if (!csv_utf8_valid(s, len)) return store_fail(st, "%s is not UTF-8 text", what);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* C1 controls are U+0080..U+009F, encoded C2 80 .. C2 9F. */
        bool c1 = c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1)
            return store_fail(st, "%s holds a control character", what);
    }
    return 0;
}

int store_quote_len(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

void store_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
    if (n >= cap) {
        /* Longer than anything the store lets in (the file was edited by hand): cut on a
         * character boundary. */
        n = cap - 1;
        while (n > 0 && (t[n] & 0xC0) == 0x80)
            n--;
    }
    if (n) memcpy(dst, t, n);
    dst[n] = '\0';
}

/* ---- opening ---- */

/* mkdir -p, new directories 0700: the store, the key and the recordings are private. */
static int make_dirs(const char *dir, char *err, size_t errcap)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        snprintf(err, errcap, "data directory name is empty or too long");
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errcap, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = saved;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errcap, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* SQLite takes a file shorter than its header for an empty database and writes a new one over
 * it. Whatever is there and is not a SQLite file is refused before SQLite sees it: it may be the
 * only copy of something. An empty file is an empty store (a crash before the first write). */
static int check_header(store *st)
{
    static const char magic[16] = "SQLite format 3";
    char head[sizeof magic];
    int fd = open(st->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        return store_fail(st, "%s: %s", st->path, strerror(errno));
    }
    ssize_t n = read(fd, head, sizeof head);
    int err = errno;
    close(fd);
    if (n < 0) return store_fail(st, "%s: %s", st->path, strerror(err));
    if (n == 0 || (n == (ssize_t)sizeof magic && memcmp(head, magic, sizeof magic) == 0)) return 0;
    return store_fail(st,
                      "%s is damaged or not a database (no SQLite header); move it aside to "
                      "start with an empty store, or restore it from a backup",
                      st->path);
}

/* A failure while first reading the file: say plainly what is wrong with it and what to do. */
static int fail_open(store *st, const char *what)
{
    int code = sqlite3_errcode(st->db) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return store_fail(st,
                          "%s is damaged or not a database (%s: %s); move it aside to start "
                          "with an empty store, or restore it from a backup",
                          st->path, what, sqlite3_errmsg(st->db));
    return store_fail(st, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Runs a one-row query; the text of its first column into out. */
static int query_text(store *st, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return fail_open(st, sql);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return fail_open(st, sql);
    }
    store_copy_col(out, cap, s, 0);
    sqlite3_finalize(s);
    return 0;
}

static int query_int(store *st, const char *sql, int64_t *out)
{
    char text[32];
    if (query_text(st, sql, text, sizeof text) != 0) return -1;
    *out = strtoll(text, NULL, 10);
    return 0;
}

/* Page-level damage is found now, not in the middle of a meeting. quick_check reads every page
 * but skips index/table cross-checks: milliseconds for the hub's few megabytes. */
static int check_integrity(store *st)
{
    char first[256];
    if (query_text(st, "PRAGMA quick_check(1)", first, sizeof first) != 0) return -1;
    /* One line for the log: SQLite's report starts with "*** in database main ***\n". */
    for (char *p = first; *p; p++)
        if (*p == '\n') *p = ' ';
    if (strcmp(first, "ok") != 0)
        return store_fail(st,
                          "%s is damaged (%s); move it aside to start with an empty store, or "
                          "restore it from a backup",
                          st->path, first);
    return 0;
}

static int migrate(store *st)
{
    if (store_tx_begin(st) != 0) return fail_open(st, "begin");
    int64_t app_id = 0, tables = 0, known = 0, version = 0;
    if (query_int(st, "PRAGMA application_id", &app_id) != 0 ||
        query_int(st,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                  "'sqlite_%'",
                  &tables) != 0 ||
        query_int(st,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                  "'schema_version'",
                  &known) != 0)
        goto fail;
    if (app_id != 0 && app_id != STORE_APPLICATION_ID) {
        store_fail(st, "%s belongs to another program (application id 0x%llx)", st->path,
                   (long long)app_id);
        goto fail;
    }
    if (tables > 0 && !known) {
        store_fail(st, "%s is a SQLite database of another program (no schema_version table)",
                   st->path);
        goto fail;
    }
    if (!known) {
        char set_id[64];
        snprintf(set_id, sizeof set_id, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
        if (store_exec(st, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                           "applied_at INTEGER NOT NULL) STRICT") != 0 ||
            store_exec(st, set_id) != 0)
            goto fail;
    }
    if (query_int(st, "SELECT coalesce(max(version), 0) FROM schema_version", &version) != 0)
        goto fail;
    if (version > STORE_SCHEMA_VERSION) {
        store_fail(st, "%s has schema version %lld, newer than this build's %d: run a newer hub",
                   st->path, (long long)version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
        char record[128];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_version VALUES (%lld, CAST(strftime('%%s', 'now') AS "
                 "INTEGER))",
                 (long long)v + 1);
        if (store_exec(st, migrations[v]) != 0 || store_exec(st, record) != 0) {
            char why[sizeof st->err];
            memcpy(why, st->err, sizeof why);
            store_fail(st, "%s: migration to schema version %lld failed: %s", st->path,
                       (long long)v + 1, why);
            goto fail;
        }
    }
    if (store_tx_commit(st) != 0) goto fail;
    return 0;
fail:
    store_tx_rollback(st);
    return -1;
}

store *store_open(const char *data_dir, char *err, size_t errcap)
{
    char scratch[8];
    if (!err || errcap == 0) {
        err = scratch;
        errcap = sizeof scratch;
    }
    err[0] = '\0';
    if (!data_dir) {
        snprintf(err, errcap, "no data directory");
        return NULL;
    }
    if (make_dirs(data_dir, err, errcap) != 0) return NULL;
    store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    int n = snprintf(st->path, sizeof st->path, "%s/%s", data_dir, STORE_FILE_NAME);
    if (n < 0 || (size_t)n >= sizeof st->path) {
        snprintf(err, errcap, "data directory name too long");
        free(st);
        return NULL;
    }

    /* NOMUTEX: one thread uses this connection. EXRESCODE: constraint failures say which. */
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    char journal[16];
    if (check_header(st) != 0) goto fail;
    if (sqlite3_open_v2(st->path, &st->db, flags, NULL) != SQLITE_OK) {
        store_fail(st, "%s: %s", st->path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
    /* The first statement that reads the file: garbage is found here. WAL lets the command line
     * tool read while the hub writes, and a commit costs no fsync. */
    if (query_text(st, "PRAGMA journal_mode = WAL", journal, sizeof journal) != 0) goto fail;
    if (strcmp(journal, "wal") != 0) {
        store_fail(st, "%s: cannot use WAL journaling (got %s)", st->path, journal);
        goto fail;
    }
    /* NORMAL under WAL: a power cut may lose the last commits, never the file's consistency, and
     * a commit does not wait on the disk while 580 sites are joining. */
    if (store_exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
        store_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
        store_exec(st, "PRAGMA trusted_schema = OFF") != 0)
        goto fail;
    if (check_integrity(st) != 0 || migrate(st) != 0) goto fail;
    return st;

fail:
    snprintf(err, errcap, "%s", st->err);
    store_close(st);
    return NULL;
}

void store_close(store *st)
{
    if (!st) return;
    for (size_t i = 0; i < SQ_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    /* The last connection to close checkpoints the WAL into the main file and removes it. */
    sqlite3_close(st->db);
    free(st);
}
