/* Uploads are network input: any bytes go through the content checks of documents.c, which must
 * agree with a plain reference implementation of the rules and never pass one body as two types.
 * The same bytes, as text, go through the HTTP route's small parsers: Content-Type, percent
 * decoding and encoding (which must round-trip), Content-Disposition file names (never a path),
 * Range (never a byte outside the file) and the title check (only UTF-8 without controls). */
#include "signaling/csv.h"
#include "signaling/documents.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether `needle` occurs within the last DOC_TAIL bytes, not before byte `from`. */
static bool ref_tail(const uint8_t *p, size_t len, size_t from, const uint8_t *needle, size_t n)
{
    for (size_t i = from; i + n <= len; i++)
        if (len - i <= DOC_TAIL && memcmp(p + i, needle, n) == 0) return true;
    return false;
}

static bool ref_ok(doc_type t, const uint8_t *p, size_t len)
{
    static const uint8_t png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                                    0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    static const uint8_t soi[3] = {0xFF, 0xD8, 0xFF}, eoi[2] = {0xFF, 0xD9};
    switch (t) {
    case DOC_TYPE_PDF:
        return len >= 5 && memcmp(p, "%PDF-", 5) == 0 &&
               ref_tail(p, len, 5, (const uint8_t *)"%%EOF", 5);
    case DOC_TYPE_PNG:
        return len >= 33 && memcmp(p, png, 16) == 0;
    case DOC_TYPE_JPEG:
        return len >= 3 && memcmp(p, soi, 3) == 0 && ref_tail(p, len, 3, eoi, 2);
    default:
        return false;
    }
}

static bool attr_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

static void check_text(const char *s, size_t len)
{
    /* Content-Type: a type is only ever named by its own name. */
    doc_type t = doc_type_from_mime(s);
    if (t != DOC_TYPE_NONE && !strcasestr(s, doc_type_mime(t))) __builtin_trap();

    /* Percent-decoding: a C string no longer than the input, or a refusal. */
    char out[512];
    size_t n = 12345;
    if (doc_pct_decode(s, out, sizeof out, &n) == 0) {
        if (n != strlen(out) || n > len) __builtin_trap();
    }

    /* Percent-encoding: attr-chars and %XX only, and back to the very same bytes. */
    size_t cap = 3 * len + 1;
    char *enc = malloc(cap), *dec = malloc(len + 1);
    if (!enc || !dec) abort();
    int elen = doc_pct_encode(s, len, enc, cap);
    if (elen < (int)len || (size_t)elen != strlen(enc)) __builtin_trap();
    for (int i = 0; i < elen; i++)
        if (!attr_char(enc[i]) && enc[i] != '%') __builtin_trap();
    if (doc_pct_decode(enc, dec, len + 1, &n) != 0 || n != len || memcmp(dec, s, len) != 0)
        __builtin_trap();
    if (len > 0 && doc_pct_encode(s, len, enc, (size_t)elen) != -1) __builtin_trap();
    free(enc);
    free(dec);

    /* A file name is a name, never a path, and fits. */
    char name[64];
    n = 0;
    if (doc_disposition_filename(s, name, sizeof name, &n) == 0) {
        if (n == 0 || n >= sizeof name || n != strlen(name)) __builtin_trap();
        if (strchr(name, '/') || strchr(name, '\\')) __builtin_trap();
    }

    /* A range never leaves the file. */
    const uint64_t sizes[] = {0, 1, 2, 100, 1000, (uint64_t)len, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t off = 0, rlen = 0;
        doc_range k = doc_range_parse(s, sizes[i], &off, &rlen);
        if (k == DOC_RANGE_PARTIAL && (rlen == 0 || off >= sizes[i] || rlen > sizes[i] - off))
            __builtin_trap();
        if (k != DOC_RANGE_PARTIAL && k != DOC_RANGE_WHOLE && k != DOC_RANGE_UNSATISFIABLE)
            __builtin_trap();
    }

    /* A title passes only as UTF-8 without control characters. */
    if (!doc_title_check(s, len)) {
        if (len == 0 || len > DOC_TITLE_MAX || !csv_utf8_valid(s, len)) __builtin_trap();
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) __builtin_trap();
    }
    if (doc_item_ok(s)) {
        if (len > DOC_ITEM_MAX) __builtin_trap();
        for (size_t i = 0; i < len; i++)
            if (!attr_char(s[i]) || strchr("!#$&+.^`|~", s[i])) __builtin_trap();
    }
    if (doc_id_ok(s) && (len != DOC_ID_LEN || s[0] != 'd')) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy sized exactly, so reads past `size` are caught by ASan. */
    uint8_t *in = malloc(size ? size : 1);
    if (!in) return 0;
    if (size) memcpy(in, data, size);

    doc_type seen = doc_sniff(in, size);
    int passes = 0;
    for (int t = DOC_TYPE_NONE; t <= DOC_TYPE_JPEG; t++) {
        const char *why = doc_check((doc_type)t, in, size);
        if ((why == NULL) != ref_ok((doc_type)t, in, size)) __builtin_trap();
        if (why && !*why) __builtin_trap(); /* a refusal says why */
        if (!why) {
            passes++;
            if (seen != (doc_type)t) __builtin_trap();
        }
    }
    if (passes > 1 || (passes == 0 && seen != DOC_TYPE_NONE)) __builtin_trap();

    /* The parsers see C strings: up to the first NUL. */
    size_t len = strnlen((const char *)in, size);
    if (len <= 4096) {
        char *s = malloc(len + 1);
        if (!s) abort();
        memcpy(s, in, len);
        s[len] = '\0';
        check_text(s, len);
        free(s);
    }
    free(in);
    return 0;
}
