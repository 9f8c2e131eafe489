/* Shared by the store's tests: a scratch directory of real SQLite files, and small helpers to
 * look inside them with SQLite itself. */
#ifndef DH_STORE_FIXTURE_H
#define DH_STORE_FIXTURE_H

#include "sfu/base/util.h"
#include "signaling/csv.h"
#include "signaling/store.h"
#include "tests/unit/check.h"
#include "tests/unit/scratch.h"

#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY 86400
#define D0 1750032000 /* a midnight, as good as any */

static char root[] = "/tmp/dh_store_test.XXXXXX";
static int dir_seq;

static inline void new_dir(char *out, size_t cap)
{
    snprintf(out, cap, "%s/d%d", root, dir_seq++);
}

static inline store *open_ok(const char *dir)
{
    char err[512];
    store *st = store_open(dir, err, sizeof err);
    if (!st) {
        /* Nothing after this can run without a store. */
        fprintf(stderr, "store_open %s: %s\n", dir, err);
        exit(1);
    }
    return st;
}

static inline store *open_fresh(char *dir, size_t cap)
{
    new_dir(dir, cap);
    return open_ok(dir);
}

static inline void db_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" STORE_FILE_NAME, dir);
}

/* A second connection, as the sqlite3 shell would be: for what the API does not show. */
static inline sqlite3 *raw_open(const char *dir)
{
    char path[512];
    db_path(dir, path, sizeof path);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "raw open %s failed\n", path);
        exit(1);
    }
    return db;
}

static inline void raw_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_text(s, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

static inline void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "raw exec %s: %s\n", sql, msg ? msg : "?");
        CHECK(false);
    }
    sqlite3_free(msg);
}

static inline bool contains(const char *s, const char *part)
{
    bool ok = s && strstr(s, part) != NULL;
    if (!ok) fprintf(stderr, "  \"%s\" does not contain \"%s\"\n", s ? s : "(null)", part);
    return ok;
}

static inline void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) exit(1);
    if (len) fwrite(data, 1, len, f);
    fclose(f);
}

static inline void put_site(store *st, const char *code, const char *name, const char *district)
{
    store_site s = {0};
    snprintf(s.code, sizeof s.code, "%s", code);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.district, sizeof s.district, "%s", district);
    CHECK_EQ(store_site_put(st, &s), 0);
}

static inline size_t site_count(store *st)
{
    size_t n = 0;
    CHECK_EQ(store_site_count(st, &n), 0);
    return n;
}

/* ---- schema and opening ---- */

static inline const char *test_data_path(const char *rel, char *out, size_t cap)
{
    const char *data = getenv("DH_TEST_DATA");
    snprintf(out, cap, "%s/%s", data ? data : "tests/unit/data", rel);
    return out;
}

static inline void check_site(store *st, const char *code, const char *name, const char *district)
{
    store_site s;
    CHECK_EQ(store_site_get(st, code, &s), 0);
    CHECK_STR(s.code, code);
    CHECK_STR(s.name, name);
    CHECK_STR(s.district, district);
}

typedef struct site_list {
    char codes[1024];
    size_t n, stop_after;
} site_list;

static inline int collect_site(void *ud, const store_site *s)
{
    site_list *l = ud;
    size_t len = strlen(l->codes);
    snprintf(l->codes + len, sizeof l->codes - len, "%s%s", len ? " " : "", s->code);
    l->n++;
    return l->stop_after && l->n == l->stop_after;
}

#endif
