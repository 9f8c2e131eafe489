/* CSV reader: every case is read whole, one byte at a time, and split in two at every point; all
 * three must give the same rows and the same error, since uploads arrive in pieces that end
 * anywhere (inside a quote, a CRLF, a UTF-8 sequence or the BOM). */
#include "sfu/base/util.h"
#include "signaling/csv.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows rendered as "<line>[f1|f2|...]" one after another. */
typedef struct render {
    char text[8192];
    size_t len;
    size_t rows;
    size_t stop_at; /* refuse this row (1-based), 0: never */
    bool overflow;
} render;

static int on_row(void *ud, const csv_row *row)
{
    render *r = ud;
    r->rows++;
    int n = snprintf(r->text + r->len, sizeof r->text - r->len, "%zu[", row->line);
    if (n < 0 || (size_t)n >= sizeof r->text - r->len) goto full;
    r->len += (size_t)n;
    for (size_t i = 0; i < row->n; i++) {
        if (strlen(row->field[i]) != row->len[i]) return -99; /* must be a C string too */
        if (r->len + row->len[i] + 2 >= sizeof r->text) goto full;
        if (i) r->text[r->len++] = '|';
        memcpy(r->text + r->len, row->field[i], row->len[i]);
        r->len += row->len[i];
    }
    r->text[r->len++] = ']';
    r->text[r->len] = '\0';
    return r->stop_at && r->rows == r->stop_at ? 1 : 0;
full:
    r->overflow = true;
    return 0;
}

typedef struct outcome {
    render out;
    csv_error err;
} outcome;

static void reset(outcome *o, size_t stop_at)
{
    memset(o, 0, sizeof *o);
    o->out.stop_at = stop_at;
}

static void run_whole(const char *in, size_t len, size_t stop_at, outcome *o)
{
    reset(o, stop_at);
    csv_parse(in, len, on_row, &o->out, &o->err);
}

/* Splits at the given points (ascending, ending with len). */
static void run_chunks(const char *in, size_t len, const size_t *cuts, size_t ncuts, size_t stop_at,
                       outcome *o)
{
    reset(o, stop_at);
    csv_reader *r = csv_reader_new(on_row, &o->out);
    size_t at = 0;
    int rc = CSV_OK;
    for (size_t i = 0; i < ncuts && rc == CSV_OK; i++) {
        rc = csv_reader_feed(r, in + at, cuts[i] - at);
        at = cuts[i];
    }
    if (rc == CSV_OK) rc = csv_reader_finish(r);
    o->err = csv_reader_error(r);
    if (o->err.code != rc) o->err.code = 12345; /* the return value and the record disagree */
    csv_reader_free(r);
}

static bool same(const outcome *a, const outcome *b)
{
    return strcmp(a->out.text, b->out.text) == 0 && a->err.code == b->err.code &&
           a->err.line == b->err.line && a->err.offset == b->err.offset;
}

/* Whole, byte by byte, and every two-piece split agree; returns the whole-input outcome. */
static bool consistent(const char *in, size_t len, size_t stop_at, outcome *whole)
{
    run_whole(in, len, stop_at, whole);
    outcome *o = malloc(sizeof *o);
    bool ok = true;
    size_t *cuts = malloc((len + 1) * sizeof *cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    run_chunks(in, len, cuts, len, stop_at, o);
    if (!same(whole, o)) {
        fprintf(stderr, "byte-by-byte differs: \"%s\" %d vs \"%s\" %d\n", whole->out.text,
                whole->err.code, o->out.text, o->err.code);
        ok = false;
    }
    for (size_t cut = 0; cut <= len && ok; cut++) {
        size_t two[2] = {cut, len};
        run_chunks(in, len, two, 2, stop_at, o);
        if (!same(whole, o)) {
            fprintf(stderr, "split at %zu differs: \"%s\" vs \"%s\"\n", cut, whole->out.text,
                    o->out.text);
            ok = false;
        }
    }
    free(cuts);
    free(o);
    return ok;
}

#define T(s) s, sizeof(s) - 1

static void test_table(void)
{
    static const struct {
        const char *in;
        size_t len;
        const char *rows;
        int code;
        size_t line, offset;
    } cases[] = {
        /* Shapes that read. */
        {T(""), "", CSV_OK, 0, 0},
        {T("a,b,c\n"), "1[a|b|c]", CSV_OK, 0, 0},
        {T("a,b,c"), "1[a|b|c]", CSV_OK, 0, 0},
        {T("a,b\r\nc,d\r\n"), "1[a|b]2[c|d]", CSV_OK, 0, 0},
        {T("a\nb\r\nc"), "1[a]2[b]3[c]", CSV_OK, 0, 0},
        {T(",\n"), "1[|]", CSV_OK, 0, 0},
        {T(",,"), "1[||]", CSV_OK, 0, 0},
        {T(" a , b "), "1[ a | b ]", CSV_OK, 0, 0},
        {T("\n\na\n\r\n\nb"), "3[a]6[b]", CSV_OK, 0, 0},
        {T("\r\n"), "", CSV_OK, 0, 0},
        {T("\xEF\xBB\xBF"
           "code,name\n"),
         "1[code|name]", CSV_OK, 0, 0},
        {T("\xEF\xBB\xBF"), "", CSV_OK, 0, 0},
        {T("\xEF\xBB\xBF\xEF\xBB\xBFx"), "1[\xEF\xBB\xBFx]", CSV_OK, 0, 0}, /* one BOM only */
        {T("\xEF\xBC\x81x"), "1[\xEF\xBC\x81x]", CSV_OK, 0, 0}, /* U+FF01: starts like a BOM */
        {T("\"a,b\",\"c\"\"d\"\n"), "1[a,b|c\"d]", CSV_OK, 0, 0},
        {T("\"x\ny\",z\nw\n"), "1[x\ny|z]3[w]", CSV_OK, 0, 0},
        {T("\"x\r\ny\"\r\n"), "1[x\r\ny]", CSV_OK, 0, 0},
        {T("\"\"\n"), "1[]", CSV_OK, 0, 0},
        {T("\"\",\"\""), "1[|]", CSV_OK, 0, 0},
        {T("\"abc\""), "1[abc]", CSV_OK, 0, 0},
        {T("\"\"\"\""), "1[\"]", CSV_OK, 0, 0},
        {T("a,\"b\"\r\n"), "1[a|b]", CSV_OK, 0, 0},
        {T("ba-dinh,Phường Ba Đình,Ba Đình\n"), "1[ba-dinh|Phường Ba Đình|Ba Đình]", CSV_OK, 0, 0},
        {T("\xF0\x9F\x98\x80"), "1[\xF0\x9F\x98\x80]", CSV_OK, 0, 0},
        {T("\xF4\x8F\xBF\xBF,\xED\x9F\xBF"), "1[\xF4\x8F\xBF\xBF|\xED\x9F\xBF]", CSV_OK, 0, 0},
        /* Quotes in the wrong place. */
        {T("a,b\nc,\"de\nf\n"), "1[a|b]", CSV_E_QUOTE, 2, 6},
        {T("\xEF\xBB\xBF\"ab"), "", CSV_E_QUOTE, 1, 3},
        {T("\""), "", CSV_E_QUOTE, 1, 0},
        {T("ab\"c\n"), "", CSV_E_BAD_QUOTE, 1, 2},
        {T("x\n\"ab\"c\n"), "1[x]", CSV_E_BAD_QUOTE, 2, 6},
        {T("\"ab\" ,c"), "", CSV_E_BAD_QUOTE, 1, 4},
        {T("a,b\"\n"), "", CSV_E_BAD_QUOTE, 1, 3},
        /* Carriage returns. */
        {T("a\rb\n"), "", CSV_E_CR, 1, 1},
        {T("a\r"), "", CSV_E_CR, 1, 1},
        {T("a\n\r"), "1[a]", CSV_E_CR, 2, 2},
        {T("\rx"), "", CSV_E_CR, 1, 0},
        {T("\"a\"\rb"), "", CSV_E_CR, 1, 3},
        /* Not UTF-8, named by line. */
        {T("a\n\xE9t\xE9\n"), "1[a]", CSV_E_UTF8, 2, 3}, /* Latin-1 "été": E9 leads, t breaks */
        {T("a\n\nb\xC0\xAF"), "1[a]", CSV_E_UTF8, 3, 4}, /* overlong '/' */
        {T("\xE0\x80\x80"), "", CSV_E_UTF8, 1, 1},       /* overlong, 3 bytes */
        {T("\xED\xA0\x80"), "", CSV_E_UTF8, 1, 1},       /* surrogate */
        {T("\xF4\x90\x80\x80"), "", CSV_E_UTF8, 1, 1},   /* past U+10FFFF */
        {T("\xF0\x80\x80\x80"), "", CSV_E_UTF8, 1, 1},   /* overlong, 4 bytes */
        {T("\xF5\x80\x80\x80"), "", CSV_E_UTF8, 1, 0},   /* never a lead */
        {T("\x80"), "", CSV_E_UTF8, 1, 0},               /* lone continuation */
        {T("ab\xE2\x82"), "", CSV_E_UTF8, 1, 4},         /* cut at the end */
        {T("\xE2,\x82"), "", CSV_E_UTF8, 1, 1},          /* broken by a comma */
        {T("\"\xE2\n\""), "", CSV_E_UTF8, 1, 2},         /* broken by a line feed */
        {T("\xEF\xBB"), "", CSV_E_UTF8, 1, 2},           /* half a BOM */
        {T("\xEF\xBBx"), "", CSV_E_UTF8, 1, 2},
        {T("\xEF\xBB\xBF\xFF"), "", CSV_E_UTF8, 1, 3},
        {T("x\n\"a\nb\xFF\""), "1[x]", CSV_E_UTF8, 3, 6}, /* inside a quoted field */
        /* NUL. */
        {T("a\0b"), "", CSV_E_NUL, 1, 1},
        {T("ok\n\"\0\""), "1[ok]", CSV_E_NUL, 2, 4},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        outcome o;
        bool ok = consistent(cases[i].in, cases[i].len, 0, &o);
        CHECK(ok);
        CHECK_STR(o.out.text, cases[i].rows);
        CHECK_EQ(o.err.code, cases[i].code);
        if (cases[i].code != CSV_OK) {
            CHECK_EQ(o.err.line, cases[i].line);
            CHECK_EQ(o.err.offset, cases[i].offset);
        }
        if (!ok || strcmp(o.out.text, cases[i].rows) != 0 || o.err.code != cases[i].code ||
            (cases[i].code != CSV_OK &&
             (o.err.line != cases[i].line || o.err.offset != cases[i].offset)))
            fprintf(stderr, "  case %zu: got \"%s\" code %d line %zu offset %zu\n", i, o.out.text,
                    o.err.code, o.err.line, o.err.offset);
    }
}

/* Limits: exactly at the limit reads, one past it is an error on that line. */
static void test_limits(void)
{
    char *buf = malloc(200000);

    /* A field of CSV_MAX_FIELD bytes, plain and quoted; the quoted one counts unquoted bytes. */
    static const struct {
        size_t len;
        bool quoted;
        int code;
    } fields[] = {
        {CSV_MAX_FIELD, false, CSV_OK},
        {CSV_MAX_FIELD + 1, false, CSV_E_FIELD_TOO_LONG},
        {CSV_MAX_FIELD, true, CSV_OK},
        {CSV_MAX_FIELD + 1, true, CSV_E_FIELD_TOO_LONG},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(fields); i++) {
        size_t n = (size_t)sprintf(buf, "h\n");
        if (fields[i].quoted) buf[n++] = '"';
        for (size_t k = 0; k < fields[i].len; k++) {
            /* Every tenth byte an escaped quote: two bytes in, one byte out. */
            if (fields[i].quoted && k % 10 == 0) buf[n++] = '"';
            buf[n++] = fields[i].quoted && k % 10 == 0 ? '"' : 'x';
        }
        if (fields[i].quoted) buf[n++] = '"';
        buf[n++] = '\n';
        render r = {0};
        csv_error e;
        CHECK_EQ(csv_parse(buf, n, on_row, &r, &e), fields[i].code);
        if (fields[i].code == CSV_OK) {
            CHECK_EQ(r.rows, 2);
        } else {
            CHECK_EQ(e.line, 2);
            CHECK_EQ(r.rows, 1);
        }
    }

    /* 64 fields read, 65 do not. */
    for (size_t nf = CSV_MAX_FIELDS - 1; nf <= CSV_MAX_FIELDS + 2; nf++) {
        size_t n = (size_t)sprintf(buf, "a\nb\n");
        for (size_t k = 0; k < nf; k++)
            n += (size_t)sprintf(buf + n, k ? ",%zu" : "%zu", k);
        buf[n++] = '\n';
        render r = {0};
        csv_error e;
        int rc = csv_parse(buf, n, on_row, &r, &e);
        CHECK_EQ(rc, nf <= CSV_MAX_FIELDS ? CSV_OK : CSV_E_TOO_MANY_FIELDS);
        if (rc != CSV_OK) CHECK_EQ(e.line, 3);
        if (rc == CSV_OK) CHECK_EQ(r.rows, 3);
    }

    /* The largest row there is: 64 fields of 1024 bytes each, all delivered intact. */
    size_t n = 0;
    for (size_t k = 0; k < CSV_MAX_FIELDS; k++) {
        if (k) buf[n++] = ',';
        memset(buf + n, 'a' + (int)(k % 26), CSV_MAX_FIELD);
        n += CSV_MAX_FIELD;
    }
    outcome *o = calloc(1, sizeof *o);
    run_whole(buf, n, 0, o);
    CHECK_EQ(o->err.code, CSV_OK);
    CHECK_EQ(o->out.rows, 1);
    free(o);
    free(buf);
}

/* The callback stops the reader; what it refused is named by its first line. */
static void test_callback_stop(void)
{
    const char in[] = "a\n\"b\nb\"\nc\n";
    outcome o;
    CHECK(consistent(in, sizeof in - 1, 2, &o));
    CHECK_EQ(o.err.code, CSV_E_CALLBACK);
    CHECK_EQ(o.err.line, 2);
    CHECK_EQ(o.out.rows, 2);

    /* Sticky: a failed reader takes nothing more and repeats its error. */
    render r = {.stop_at = 1};
    csv_reader *rd = csv_reader_new(on_row, &r);
    CHECK_EQ(csv_reader_feed(rd, "x\ny\n", 4), CSV_E_CALLBACK);
    CHECK_EQ(csv_reader_feed(rd, "z\n", 2), CSV_E_CALLBACK);
    CHECK_EQ(csv_reader_finish(rd), CSV_E_CALLBACK);
    CHECK_EQ(r.rows, 1);
    csv_reader_free(rd);

    /* Finished: more input is ignored, finishing again is harmless. */
    render r2 = {0};
    rd = csv_reader_new(on_row, &r2);
    CHECK_EQ(csv_reader_feed(rd, "x", 1), CSV_OK);
    CHECK_EQ(csv_reader_finish(rd), CSV_OK);
    CHECK_EQ(csv_reader_feed(rd, "y\n", 2), CSV_OK);
    CHECK_EQ(csv_reader_finish(rd), CSV_OK);
    CHECK_STR(r2.text, "1[x]");
    csv_reader_free(rd);
}

static void test_error_strings(void)
{
    static const int codes[] = {CSV_OK,
                                CSV_E_QUOTE,
                                CSV_E_BAD_QUOTE,
                                CSV_E_CR,
                                CSV_E_FIELD_TOO_LONG,
                                CSV_E_TOO_MANY_FIELDS,
                                CSV_E_UTF8,
                                CSV_E_NUL,
                                CSV_E_CALLBACK,
                                CSV_E_NOMEM};
    for (size_t i = 0; i < DH_ARRAY_LEN(codes); i++) {
        const char *s = csv_error_str(codes[i]);
        CHECK(s && *s && strcmp(s, "unknown error") != 0);
    }
    CHECK_STR(csv_error_str(CSV_E_FIELD_TOO_LONG), "field longer than 1024 bytes");
    CHECK_STR(csv_error_str(42), "unknown error");
}

static void test_utf8_valid(void)
{
    static const struct {
        const char *s;
        size_t len;
        bool ok;
    } cases[] = {
        {T(""), true},
        {T("Hà Nội"), true},
        {T("\0"), true},
        {T("\xC2\x80"), true},
        {T("\xDF\xBF"), true},
        {T("\xE0\xA0\x80"), true},
        {T("\xEF\xBF\xBF"), true},
        {T("\xF0\x90\x80\x80"), true},
        {T("\xF4\x8F\xBF\xBF"), true},
        {T("\xC1\xBF"), false},
        {T("\xC2"), false},
        {T("\xC2\x41"), false},
        {T("\xE0\x9F\xBF"), false},
        {T("\xED\xBF\xBF"), false},
        {T("\xF0\x8F\xBF\xBF"), false},
        {T("\xF4\x90\x80\x80"), false},
        {T("\xF8\x88\x80\x80\x80"), false},
        {T("\xFF"), false},
        {T("abc\xE2\x82"), false},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++)
        CHECK_EQ(csv_utf8_valid(cases[i].s, cases[i].len), cases[i].ok);
}

int main(void)
{
    test_table();
    test_limits();
    test_callback_stop();
    test_error_strings();
    test_utf8_valid();
    CHECK_DONE();
}
