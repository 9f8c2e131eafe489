/* CSV reader: a byte-at-a-time state machine, so a chunk may end anywhere (inside a quote, between
 * the CR and LF of a line end, in the middle of a UTF-8 sequence or of the BOM) and the result is
 * the same as for the whole input at once. */
#include "signaling/csv.h"

#include <stdint.h>
#include <stdlib.h>

#define STR_(x) #x
#define STR(x) STR_(x)

typedef enum {
    S_LINE,     /* at the start of a line, nothing of a row seen yet */
    S_FIELD,    /* at the start of a field, after a comma */
    S_PLAIN,    /* inside an unquoted field */
    S_QUOTED,   /* inside a quoted field */
    S_QUOTE,    /* a '"' inside a quoted field: the closing quote, or the first of "" */
    S_CR,       /* a CR that ended a row; an LF must follow */
    S_CR_EMPTY, /* a CR on an empty line; an LF must follow */
    S_DONE,     /* finished */
} csv_state;

/* The BOM counter: 0..2 bytes of EF BB BF matched so far, or decided. */
#define BOM_DECIDED 3

struct csv_reader {
    csv_row_fn fn;
    void *ud;
    csv_state state;
    csv_error err;
    size_t line;   /* physical line of the next byte */
    size_t offset; /* bytes consumed */
    size_t row_line;
    size_t quote_line, quote_offset; /* where the current quoted field opened */
    unsigned bom;
    /* UTF-8: continuation bytes still expected, and the range allowed for the next one (the
     * second byte of a sequence has a narrower range, which rules out overlongs, surrogates and
     * code points past U+10FFFF). */
    unsigned u8_need;
    unsigned char u8_lo, u8_hi;
    size_t start; /* where the current field starts in buf */
    size_t pos;   /* where its next byte goes */
    csv_row row;  /* row.n counts the fields already closed */
    char buf[CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1)];
};

const char *csv_error_str(int code)
{
    switch (code) {
    case CSV_OK:
        return "ok";
    case CSV_E_QUOTE:
        return "unterminated quoted field";
    case CSV_E_BAD_QUOTE:
        return "misplaced quote (a quoted field must be quoted whole, with \"\" for a quote "
               "inside)";
    case CSV_E_CR:
        return "carriage return not followed by a line feed";
    case CSV_E_FIELD_TOO_LONG:
        return "field longer than " STR(CSV_MAX_FIELD) " bytes";
    case CSV_E_TOO_MANY_FIELDS:
        return "more than " STR(CSV_MAX_FIELDS) " fields in a row";
    case CSV_E_UTF8:
        return "not UTF-8 text (save the file as CSV UTF-8)";
    case CSV_E_NUL:
        return "NUL byte";
    case CSV_E_CALLBACK:
        return "row refused";
    case CSV_E_NOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}

csv_reader *csv_reader_new(csv_row_fn fn, void *ud)
{
    csv_reader *r = malloc(sizeof *r);
    if (!r) return NULL;
    r->fn = fn;
    r->ud = ud;
    r->state = S_LINE;
    r->err = (csv_error){CSV_OK, 0, 0};
    r->line = 1;
    r->offset = 0;
    r->row_line = 1;
    r->quote_line = r->quote_offset = 0;
    r->bom = 0;
    r->u8_need = 0;
    r->u8_lo = r->u8_hi = 0;
    r->start = r->pos = 0;
    r->row.n = 0;
    return r;
}

void csv_reader_free(csv_reader *r)
{
    free(r);
}

csv_error csv_reader_error(const csv_reader *r)
{
    return r->err;
}

static int fail(csv_reader *r, int code, size_t line, size_t offset)
{
    r->err = (csv_error){code, line, offset};
    return code;
}

/* Lead byte of a multi-byte sequence: how many continuation bytes follow and the range of the
 * first one (RFC 3629 table 4). False for bytes that never start a sequence. */
static bool utf8_lead(unsigned char c, unsigned *need, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        *need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        *need = 2;
        if (c == 0xE0) *lo = 0xA0; /* overlong below U+0800 */
        if (c == 0xED) *hi = 0x9F; /* surrogates U+D800..DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        *need = 3;
        if (c == 0xF0) *lo = 0x90; /* overlong below U+10000 */
        if (c == 0xF4) *hi = 0x8F; /* past U+10FFFF */
    } else {
        return false;
    }
    return true;
}

bool csv_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i++];
        if (c < 0x80) continue;
        unsigned need;
        unsigned char lo, hi;
        if (!utf8_lead(c, &need, &lo, &hi)) return false;
        for (unsigned k = 0; k < need; k++, i++) {
            if (i >= len || p[i] < lo || p[i] > hi) return false;
            lo = 0x80;
            hi = 0xBF;
        }
    }
    return true;
}

static int put(csv_reader *r, unsigned char c)
{
    if (r->pos - r->start >= CSV_MAX_FIELD)
        return fail(r, CSV_E_FIELD_TOO_LONG, r->line, r->offset);
    r->buf[r->pos++] = (char)c;
    return 0;
}

static void close_field(csv_reader *r)
{
    r->buf[r->pos] = '\0';
    r->row.field[r->row.n] = r->buf + r->start;
    r->row.len[r->row.n] = r->pos - r->start;
    r->row.n++;
    r->start = r->pos = r->pos + 1;
}

/* A comma: the field ends and another begins. */
static int next_field(csv_reader *r)
{
    close_field(r);
    if (r->row.n == CSV_MAX_FIELDS) return fail(r, CSV_E_TOO_MANY_FIELDS, r->line, r->offset);
    r->state = S_FIELD;
    return 0;
}

static int end_row(csv_reader *r)
{
    close_field(r);
    r->row.line = r->row_line;
    int rc = r->fn(r->ud, &r->row);
    r->row.n = 0;
    r->start = r->pos = 0;
    r->state = S_LINE;
    if (rc != 0) return fail(r, CSV_E_CALLBACK, r->row_line, r->offset);
    return 0;
}

static int step_plain(csv_reader *r, unsigned char c)
{
    switch (c) {
    case ',':
        return next_field(r);
    case '\n': {
        int rc = end_row(r);
        r->line++;
        return rc;
    }
    case '\r':
        r->state = S_CR;
        return 0;
    case '"':
        return fail(r, CSV_E_BAD_QUOTE, r->line, r->offset);
    default:
        return put(r, c);
    }
}

static int step_field(csv_reader *r, unsigned char c)
{
    if (c == '"') {
        r->quote_line = r->line;
        r->quote_offset = r->offset;
        r->state = S_QUOTED;
        return 0;
    }
    r->state = S_PLAIN;
    return step_plain(r, c);
}

/* Everything but the BOM. Returns 0 or the error (already recorded). */
static int step(csv_reader *r, unsigned char c)
{
    /* Encoding first, so that a structural byte inside a broken sequence is reported as what it
     * is: the text is not UTF-8. */
    if (r->u8_need) {
        if (c < r->u8_lo || c > r->u8_hi) return fail(r, CSV_E_UTF8, r->line, r->offset);
        r->u8_lo = 0x80;
        r->u8_hi = 0xBF;
        r->u8_need--;
    } else if (c >= 0x80) {
        if (!utf8_lead(c, &r->u8_need, &r->u8_lo, &r->u8_hi))
            return fail(r, CSV_E_UTF8, r->line, r->offset);
    } else if (c == 0) {
        return fail(r, CSV_E_NUL, r->line, r->offset);
    }

    switch (r->state) {
    case S_LINE:
        if (c == '\n') {
            r->line++;
            return 0;
        }
        if (c == '\r') {
            r->state = S_CR_EMPTY;
            return 0;
        }
        r->row_line = r->line;
        r->state = S_FIELD;
        return step_field(r, c);
    case S_FIELD:
        return step_field(r, c);
    case S_PLAIN:
        return step_plain(r, c);
    case S_QUOTED:
        if (c == '"') {
            r->state = S_QUOTE;
            return 0;
        }
        if (c == '\n') r->line++;
        return put(r, c);
    case S_QUOTE:
        if (c == '"') { /* "" inside quotes: one quote */
            r->state = S_QUOTED;
            return put(r, c);
        }
        /* After the closing quote only the end of the field or of the row may come, and they
         * mean what they mean after unquoted text. */
        if (c == ',' || c == '\n' || c == '\r') return step_plain(r, c);
        return fail(r, CSV_E_BAD_QUOTE, r->line, r->offset);
    case S_CR:
    case S_CR_EMPTY:
        if (c != '\n') return fail(r, CSV_E_CR, r->line, r->offset - 1);
        if (r->state == S_CR) {
            int rc = end_row(r);
            r->line++;
            return rc;
        }
        r->state = S_LINE;
        r->line++;
        return 0;
    case S_DONE:
        break;
    }
    return 0;
}

/* One byte through the state machine, counted. */
static int consume(csv_reader *r, unsigned char c)
{
    int rc = step(r, c);
    r->offset++;
    return rc;
}

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

/* The bytes taken as a possible BOM turned out to be text: they go through as text. */
static int replay_bom(csv_reader *r)
{
    unsigned matched = r->bom;
    r->bom = BOM_DECIDED;
    for (unsigned k = 0; k < matched; k++)
        if (consume(r, bom[k]) != 0) return r->err.code;
    return 0;
}

int csv_reader_feed(csv_reader *r, const void *data, size_t len)
{
    if (r->err.code != CSV_OK) return r->err.code;
    if (r->state == S_DONE) return CSV_OK;
    const unsigned char *p = data;
    size_t i = 0;
    while (r->bom < BOM_DECIDED && i < len) {
        if (p[i] == bom[r->bom]) {
            i++;
            if (++r->bom == BOM_DECIDED) r->offset += sizeof bom;
        } else if (replay_bom(r) != 0) {
            return r->err.code;
        }
    }
    for (; i < len; i++)
        if (consume(r, p[i]) != 0) return r->err.code;
    return CSV_OK;
}

int csv_reader_finish(csv_reader *r)
{
    if (r->err.code != CSV_OK) return r->err.code;
    if (r->state == S_DONE) return CSV_OK;
    if (r->bom < BOM_DECIDED && replay_bom(r) != 0) return r->err.code;
    /* Input that stops inside a UTF-8 sequence is cut text, whatever the state. */
    if (r->u8_need) return fail(r, CSV_E_UTF8, r->line, r->offset);
    switch (r->state) {
    case S_QUOTED:
        return fail(r, CSV_E_QUOTE, r->quote_line, r->quote_offset);
    case S_FIELD:
    case S_PLAIN:
    case S_QUOTE:
        if (end_row(r) != 0) return r->err.code;
        break;
    case S_CR:
    case S_CR_EMPTY:
        return fail(r, CSV_E_CR, r->line, r->offset - 1);
    case S_LINE:
    case S_DONE:
        break;
    }
    r->state = S_DONE;
    return CSV_OK;
}

int csv_parse(const void *data, size_t len, csv_row_fn fn, void *ud, csv_error *err)
{
    csv_reader *r = csv_reader_new(fn, ud);
    if (!r) {
        if (err) *err = (csv_error){CSV_E_NOMEM, 0, 0};
        return CSV_E_NOMEM;
    }
    int rc = csv_reader_feed(r, data, len);
    if (rc == CSV_OK) rc = csv_reader_finish(r);
    if (err) *err = r->err;
    csv_reader_free(r);
    return rc;
}
