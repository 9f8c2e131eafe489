/* A streaming CSV reader (RFC 4180) for files that people edit in spreadsheets: the sites registry
 * is kept in Excel or LibreOffice by the city's staff and uploaded as CSV.
 *
 * Accepted: UTF-8 with or without a byte-order mark, CRLF or LF line ends, fields quoted with '"'
 * (a quoted field may hold commas, line breaks and "" for a quote). An empty line is not a row.
 * Refused, with the line where it happened: a quote inside an unquoted field or text after a
 * closing quote, an unterminated quoted field, a CR not followed by LF, a field over
 * CSV_MAX_FIELD bytes, a row over CSV_MAX_FIELDS fields, bytes that are not UTF-8, a NUL byte.
 *
 * The reader is pushed bytes in chunks of any size (an upload as it arrives, a file read in
 * blocks) and calls back once per row. It allocates once, at creation: fields are unquoted into a
 * fixed buffer inside the reader, so the row handed to the callback lives until it returns. */
#ifndef DH_CSV_H
#define DH_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_MAX_FIELD 1024 /* bytes in one field, after unquoting */
#define CSV_MAX_FIELDS 64  /* fields in one row */

typedef struct csv_row {
    size_t line; /* 1-based line on which the row starts */
    size_t n;    /* number of fields, 1 ... CSV_MAX_FIELDS */
    /* Field i is field[i][0 .. len[i]), NUL-terminated (a NUL byte is refused in the input, so
     * the text never hides a shorter string), valid UTF-8, until the callback returns. */
    const char *field[CSV_MAX_FIELDS];
    size_t len[CSV_MAX_FIELDS];
} csv_row;

/* Called once per row. Returns 0 to go on; anything else stops the reader with CSV_E_CALLBACK
 * (the callback keeps its own reason). */
typedef int (*csv_row_fn)(void *ud, const csv_row *row);

enum {
    CSV_OK = 0,
    CSV_E_QUOTE = -1,           /* unterminated quoted field */
    CSV_E_BAD_QUOTE = -2,       /* '"' inside an unquoted field, or text after a closing quote */
    CSV_E_CR = -3,              /* CR not followed by LF outside quotes */
    CSV_E_FIELD_TOO_LONG = -4,  /* over CSV_MAX_FIELD bytes */
    CSV_E_TOO_MANY_FIELDS = -5, /* over CSV_MAX_FIELDS fields */
    CSV_E_UTF8 = -6,            /* malformed UTF-8 (RFC 3629) */
    CSV_E_NUL = -7,             /* a NUL byte */
    CSV_E_CALLBACK = -8,        /* the row callback returned non-zero */
    CSV_E_NOMEM = -9,
};

/* Where reading stopped. `line` is 1-based: the line of the offending byte, the line where the
 * unterminated quote opened, or the first line of the row a callback refused. `offset` is the
 * 0-based byte offset of that byte (or quote, or the row's end) in the whole input, BOM included.
 */
typedef struct csv_error {
    int code;
    size_t line;
    size_t offset;
} csv_error;

/* Short English text for a CSV_* code ("unterminated quoted field"). */
const char *csv_error_str(int code);

typedef struct csv_reader csv_reader;

/* NULL when out of memory. */
csv_reader *csv_reader_new(csv_row_fn fn, void *ud);
/* Pushes the next `len` bytes. Returns CSV_OK or the (sticky) error: once failed, a reader
 * accepts nothing more and returns the same code. */
int csv_reader_feed(csv_reader *r, const void *data, size_t len);
/* End of input: the last row without a line end is delivered, an open quote is an error.
 * Returns CSV_OK or the error. */
int csv_reader_finish(csv_reader *r);
/* The error so far (code CSV_OK when none). */
csv_error csv_reader_error(const csv_reader *r);
void csv_reader_free(csv_reader *r);

/* The whole of `data` in one call: new, feed, finish, free. `err` may be NULL. */
int csv_parse(const void *data, size_t len, csv_row_fn fn, void *ud, csv_error *err);

/* True when s[0 .. len) is well-formed UTF-8 by the same rule the reader applies (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF). NUL bytes are allowed here. */
bool csv_utf8_valid(const char *s, size_t len);

#endif
