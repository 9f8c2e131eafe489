/* The CSV reader takes files that people upload. Any bytes are read three ways that must agree:
 * whole, in chunks of sizes drawn from the input (a chunk may end anywhere), and, when the input
 * reads, written back out fully quoted and read again, which must give the very same fields.
 * Every row handed out must be within the limits and valid UTF-8, its fields C strings. */
#include "signaling/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct record {
    uint8_t *buf; /* the rows, serialised: for each row its line (optional), n, then len + bytes */
    size_t len, cap;
    bool lines;
    size_t last_line;
} record;

static void put(record *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb) abort();
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
}

static int on_row(void *ud, const csv_row *row)
{
    record *r = ud;
    if (row->n < 1 || row->n > CSV_MAX_FIELDS) __builtin_trap();
    if (row->line < 1 || row->line < r->last_line) __builtin_trap();
    r->last_line = row->line;
    if (r->lines) put(r, &row->line, sizeof row->line);
    put(r, &row->n, sizeof row->n);
    for (size_t i = 0; i < row->n; i++) {
        if (row->len[i] > CSV_MAX_FIELD) __builtin_trap();
        if (strlen(row->field[i]) != row->len[i]) __builtin_trap();
        if (!csv_utf8_valid(row->field[i], row->len[i])) __builtin_trap();
        put(r, &row->len[i], sizeof row->len[i]);
        put(r, row->field[i], row->len[i]);
    }
    return 0;
}

static bool same_error(csv_error a, csv_error b)
{
    return a.code == b.code && a.line == b.line && a.offset == b.offset;
}

/* Fully quoted, comma-separated, LF-terminated: the plainest CSV that says the same. */
static void write_back(const uint8_t *rec, size_t len, record *out)
{
    size_t at = 0;
    while (at < len) {
        size_t n;
        memcpy(&n, rec + at, sizeof n);
        at += sizeof n;
        for (size_t i = 0; i < n; i++) {
            size_t flen;
            memcpy(&flen, rec + at, sizeof flen);
            at += sizeof flen;
            if (i) put(out, ",", 1);
            put(out, "\"", 1);
            for (size_t k = 0; k < flen; k++) {
                if (rec[at + k] == '"') put(out, "\"", 1);
                put(out, rec + at + k, 1);
            }
            put(out, "\"", 1);
            at += flen;
        }
        put(out, "\n", 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy sized exactly, so reads past `size` are caught by ASan. */
    uint8_t *in = malloc(size ? size : 1);
    if (!in) return 0;
    if (size) memcpy(in, data, size);

    record whole = {.lines = true};
    csv_error e_whole;
    int rc = csv_parse(in, size, on_row, &whole, &e_whole);
    if (rc != e_whole.code) __builtin_trap();
    if (rc != CSV_OK && (e_whole.line < 1 || e_whole.offset > size)) __builtin_trap();
    if (rc == CSV_E_CALLBACK || rc == CSV_E_NOMEM) __builtin_trap();

    /* Chunk sizes 1..16 cycling through the input's own bytes. */
    record chunked = {.lines = true};
    csv_reader *r = csv_reader_new(on_row, &chunked);
    if (!r) abort();
    size_t at = 0, k = 0;
    int crc = CSV_OK;
    while (at < size && crc == CSV_OK) {
        size_t n = (size_t)(in[k++ % size] & 15) + 1;
        if (n > size - at) n = size - at;
        crc = csv_reader_feed(r, in + at, n);
        at += n;
    }
    if (crc == CSV_OK) crc = csv_reader_finish(r);
    if (crc != rc || !same_error(csv_reader_error(r), e_whole)) __builtin_trap();
    if (chunked.len != whole.len || (whole.len && memcmp(chunked.buf, whole.buf, whole.len) != 0))
        __builtin_trap();
    csv_reader_free(r);

    if (rc == CSV_OK) {
        record fields = {.lines = false};
        if (csv_parse(in, size, on_row, &fields, NULL) != CSV_OK) __builtin_trap();
        record text = {0};
        write_back(fields.buf, fields.len, &text);
        record again = {.lines = false};
        if (csv_parse(text.buf, text.len, on_row, &again, NULL) != CSV_OK) __builtin_trap();
        if (again.len != fields.len || (fields.len && memcmp(again.buf, fields.buf, fields.len)))
            __builtin_trap();
        free(fields.buf);
        free(text.buf);
        free(again.buf);
    }
    free(whole.buf);
    free(chunked.buf);
    free(in);
    return 0;
}
