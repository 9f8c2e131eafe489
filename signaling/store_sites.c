/* The sites registry and its CSV import. */
#include "signaling/csv.h"
#include "signaling/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const sql_site_get = "SELECT code, name, district FROM sites WHERE code = ?1";
static const char *const sql_site_put =
    "INSERT INTO sites (code, name, district) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, district = excluded.district";

static void read_site(sqlite3_stmt *s, store_site *out)
{
    store_copy_col(out->code, sizeof out->code, s, 0);
    store_copy_col(out->name, sizeof out->name, s, 1);
    store_copy_col(out->district, sizeof out->district, s, 2);
}

int store_site_get(store *st, const char *code, store_site *out)
{
    sqlite3_stmt *s = store_stmt(st, SQ_SITE_GET, sql_site_get);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_site(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return store_fail_db(st, "site get");
}

static int put(store *st, const char *code, const char *name, size_t name_len, const char *district,
               size_t district_len)
{
    sqlite3_stmt *s = store_stmt(st, SQ_SITE_PUT, sql_site_put);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, (int)name_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, district, (int)district_len, SQLITE_STATIC);
    return store_step_done(st, s, "site put");
}

static int check_site(store *st, const char *code, const char *name, size_t name_len,
                      const char *district, size_t district_len)
{
    if (!store_code_ok(code))
        return store_fail(st, "bad site code \"%.*s\" (1 to 64 of lower-case a-z, digits and '-')",
                          store_quote_len(code, STORE_CODE_MAX), code);
    if (store_text_check(st, "name", name, name_len, STORE_TEXT_MAX, false) != 0 ||
        store_text_check(st, "district", district, district_len, STORE_TEXT_MAX, true) != 0)
        return -1;
    return 0;
}

int store_site_put(store *st, const store_site *site)
{
    size_t nl = strnlen(site->name, sizeof site->name);
    size_t dl = strnlen(site->district, sizeof site->district);
    if (nl == sizeof site->name || dl == sizeof site->district)
        return store_fail(st, "site text is not terminated");
    if (check_site(st, site->code, site->name, nl, site->district, dl) != 0) return -1;
    return put(st, site->code, site->name, nl, site->district, dl);
}

int store_site_count(store *st, size_t *n)
{
    sqlite3_stmt *s = store_stmt(st, SQ_SITE_COUNT, "SELECT count(*) FROM sites");
    if (!s) return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *n = (size_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_db(st, "site count");
}

int store_site_list(store *st, store_site_fn fn, void *ud)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_SITE_LIST, "SELECT code, name, district FROM sites ORDER BY code");
    if (!s) return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_site site;
        read_site(s, &site);
        if (fn(ud, &site) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "site list");
}

/* ---- CSV import ---- */

typedef struct import_ctx {
    store *st;
    store_import_result *res;
    bool header_seen;
    size_t fail_line;
} import_ctx;

/* Prefixes the error already set with the line it concerns. */
static int line_fail(import_ctx *ctx, size_t line)
{
    char why[sizeof ctx->st->err];
    memcpy(why, ctx->st->err, sizeof why);
    ctx->fail_line = line;
    return store_fail(ctx->st, "line %zu: %s", line, why);
}

/* Spreadsheets keep the spaces people type around a cell's text; they are never meant. */
static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static bool field_is(const char *f, size_t len, const char *name)
{
    trim(&f, &len);
    return len == strlen(name) && strncasecmp(f, name, len) == 0;
}

/* The row's code is new in this file; otherwise names the line where it was first. */
static int check_unique(import_ctx *ctx, const char *code, size_t line)
{
    store *st = ctx->st;
    sqlite3_stmt *s =
        store_stmt(st, SQ_IMPORT_SEEN_ADD,
                   "INSERT OR IGNORE INTO temp.import_seen (code, line) VALUES (?1, ?2)");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)line);
    if (store_step_done(st, s, "import") != 0) return -1;
    if (sqlite3_changes(st->db) == 1) return 0;
    s = store_stmt(st, SQ_IMPORT_SEEN_LINE, "SELECT line FROM temp.import_seen WHERE code = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    long long first = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return store_fail(st, "site code %s appears again (first on line %lld)", code, first);
}

static int import_row(void *ud, const csv_row *row)
{
    import_ctx *ctx = ud;
    store *st = ctx->st;
    if (!ctx->header_seen) {
        ctx->header_seen = true;
        if (row->n != 3 || !field_is(row->field[0], row->len[0], "code") ||
            !field_is(row->field[1], row->len[1], "name") ||
            !field_is(row->field[2], row->len[2], "district")) {
            store_fail(st, "the header must be code,name,district");
            return line_fail(ctx, row->line);
        }
        return 0;
    }
    if (row->n != 3) {
        store_fail(st, "%zu field%s, expected 3 (code,name,district)", row->n,
                   row->n == 1 ? "" : "s");
        return line_fail(ctx, row->line);
    }
    const char *f[3];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
        f[i] = row->field[i];
        len[i] = row->len[i];
        trim(&f[i], &len[i]);
    }
    /* The code is the one field needed as a C string; the others are bound with their length. */
    char code[STORE_CODE_MAX + 2];
    size_t cl = len[0] < sizeof code - 1 ? len[0] : sizeof code - 1;
    /* Cut on a character boundary: the message quoting it must stay UTF-8 (it may end up in
     * JSON). A code this long is refused anyway. */
    while (cl < len[0] && cl > 0 && ((unsigned char)f[0][cl] & 0xC0) == 0x80)
        cl--;
    memcpy(code, f[0], cl);
    code[cl] = '\0';
    if (check_site(st, code, f[1], len[1], f[2], len[2]) != 0 ||
        check_unique(ctx, code, row->line) != 0)
        return line_fail(ctx, row->line);

    ctx->res->rows++;
    store_site old;
    int found = store_site_get(st, code, &old);
    if (found < 0) return line_fail(ctx, row->line);
    if (found == 0 && strlen(old.name) == len[1] && memcmp(old.name, f[1], len[1]) == 0 &&
        strlen(old.district) == len[2] && memcmp(old.district, f[2], len[2]) == 0) {
        ctx->res->unchanged++;
        return 0;
    }
    if (put(st, code, f[1], len[1], f[2], len[2]) != 0) return line_fail(ctx, row->line);
    if (found == 0)
        ctx->res->updated++;
    else
        ctx->res->inserted++;
    return 0;
}

/* The import around a source of bytes: one transaction, committed only when every row passed. */
typedef int (*import_source)(void *src, csv_reader *r, store *st);

static int import_run(store *st, import_source read_all, void *src, store_import_result *res)
{
    store_import_result scratch;
    if (!res) res = &scratch;
    *res = (store_import_result){0};
    import_ctx ctx = {.st = st, .res = res};
    csv_reader *r = csv_reader_new(import_row, &ctx);
    if (!r) return store_fail(st, "out of memory");
    if (store_tx_begin(st) != 0 ||
        store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS import_seen (code TEXT PRIMARY KEY, "
                       "line INTEGER NOT NULL)") != 0 ||
        store_exec(st, "DELETE FROM temp.import_seen") != 0)
        goto fail;
    int rc = read_all(src, r, st);
    if (rc == 0) rc = csv_reader_finish(r);
    if (rc != 0) {
        csv_error e = csv_reader_error(r);
        if (e.code == CSV_E_CALLBACK) {
            res->error_line = ctx.fail_line;
        } else if (e.code != CSV_OK) {
            res->error_line = e.line;
            store_fail(st, "line %zu: %s", e.line, csv_error_str(e.code));
        } /* else read_all failed and said why */
        goto fail;
    }
    if (!ctx.header_seen) {
        res->error_line = 1;
        store_fail(st, "line 1: the file is empty (expected the header code,name,district)");
        goto fail;
    }
    if (store_exec(st, "DELETE FROM temp.import_seen") != 0 || store_tx_commit(st) != 0) goto fail;
    csv_reader_free(r);
    return 0;

fail:
    store_tx_rollback(st);
    csv_reader_free(r);
    size_t line = res->error_line;
    *res = (store_import_result){.error_line = line};
    return -1;
}

typedef struct mem_source {
    const char *data;
    size_t len;
} mem_source;

static int read_mem(void *src, csv_reader *r, store *st)
{
    mem_source *m = src;
    return csv_reader_feed(r, m->data, m->len);
}

int store_site_import_csv(store *st, const char *data, size_t len, store_import_result *res)
{
    mem_source m = {data, len};
    return import_run(st, read_mem, &m, res);
}

static int read_file(void *src, csv_reader *r, store *st)
{
    FILE *f = src;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        int rc = csv_reader_feed(r, buf, n);
        if (rc != 0) return rc;
    }
    if (ferror(f)) return store_fail(st, "read: %s", strerror(errno));
    return 0;
}

int store_site_import_file(store *st, const char *path, store_import_result *res)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (res) *res = (store_import_result){0};
        return store_fail(st, "%s: %s", path, strerror(errno));
    }
    int rc = import_run(st, read_file, f, res);
    fclose(f);
    return rc;
}
