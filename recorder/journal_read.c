/* The journal reader: checks the header, then hands out records until the end of the file or the
 * first record that is torn or corrupt. The file is untrusted; see journal.h for the format. */
#include "recorder/journal.h"
#include "sfu/proto/bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct journal_reader {
    FILE *f;            /* a file, or */
    const uint8_t *mem; /* a buffer in memory */
    size_t mem_len;
    uint64_t pos; /* bytes consumed */
    uint64_t valid_end;
    bool done, truncated, complete;
    journal_track track;
    uint8_t *rec; /* one record, JOURNAL_MAX_RECORD bytes */
};

static uint64_t ld64(const uint8_t *p)
{
    return ((uint64_t)ld32(p) << 32) | ld32(p + 4);
}

/* Reads up to n bytes into dst: the count read (short only at the end), or -1 on an I/O error. */
static long fetch(journal_reader *r, uint8_t *dst, size_t n)
{
    size_t got;
    if (r->f) {
        got = fread(dst, 1, n, r->f);
        if (got < n && ferror(r->f)) return -1;
    } else {
        size_t left = r->mem_len - (size_t)r->pos;
        got = n < left ? n : left;
        memcpy(dst, r->mem + r->pos, got);
    }
    r->pos += got;
    return (long)got;
}

/* Copies one length-prefixed label from p[*off..n) into dst (cap bytes, NUL-terminated). */
static bool take_label(const uint8_t *p, size_t n, size_t *off, char *dst, size_t cap)
{
    if (*off >= n) return false;
    size_t len = p[*off];
    if (len >= cap || len > n - *off - 1) return false;
    if (memchr(p + *off + 1, '\0', len)) return false;
    memcpy(dst, p + *off + 1, len);
    dst[len] = '\0';
    *off += 1 + len;
    return true;
}

#define ERR(...)                                                                                   \
    do {                                                                                           \
        if (err && cap) snprintf(err, cap, __VA_ARGS__);                                           \
        return false;                                                                              \
    } while (0)

static bool read_header(journal_reader *r, char *err, size_t cap)
{
    uint8_t *h = r->rec; /* the header fits: 26 + 256 + 4 bytes */
    long got = fetch(r, h, JOURNAL_HEADER_FIXED);
    if (got < 0) ERR("read: %s", strerror(errno));
    if (got >= 4 && memcmp(h, "DHJ1", 4) != 0) ERR("bad magic: not a dienhong journal");
    if (got < JOURNAL_HEADER_FIXED) ERR("short header: %ld bytes", got);
    uint16_t version = ld16(h + 4);
    if (version != JOURNAL_VERSION) ERR("unsupported version %u", version);
    size_t n = ld16(h + 24);
    if (n > JOURNAL_MAX_LABELS) ERR("bad header: %zu label bytes", n);
    got = fetch(r, h + JOURNAL_HEADER_FIXED, n + 4);
    if (got < 0) ERR("read: %s", strerror(errno));
    if ((size_t)got < n + 4) ERR("short header: labels cut");
    size_t end = JOURNAL_HEADER_FIXED + n;
    if (journal_crc32c(0, h, end) != ld32(h + end)) ERR("bad header: CRC mismatch");

    journal_track *t = &r->track;
    t->kind = h[6];
    t->payload_type = h[7];
    t->clock_rate = ld32(h + 8);
    t->ssrc = ld32(h + 12);
    t->created_us = ld64(h + 16);
    const uint8_t *l = h + JOURNAL_HEADER_FIXED;
    size_t off = 0;
    if (!take_label(l, n, &off, t->codec, sizeof t->codec) ||
        !take_label(l, n, &off, t->meeting, sizeof t->meeting) ||
        !take_label(l, n, &off, t->site, sizeof t->site) ||
        !take_label(l, n, &off, t->track_id, sizeof t->track_id) || off != n)
        ERR("bad header: label lengths");
    if (!journal_track_valid(t)) ERR("bad header: kind, payload type or clock rate");
    r->valid_end = r->pos;
    return true;
}

static journal_reader *reader_new(FILE *f, const uint8_t *buf, size_t len, char *err, size_t cap)
{
    journal_reader *r = calloc(1, sizeof *r);
    uint8_t *rec = malloc(JOURNAL_MAX_RECORD);
    if (!r || !rec) {
        free(r);
        free(rec);
        if (f) fclose(f);
        if (err && cap) snprintf(err, cap, "no memory");
        return NULL;
    }
    r->f = f;
    r->mem = buf;
    r->mem_len = buf ? len : 0;
    r->rec = rec;
    if (!read_header(r, err, cap)) {
        journal_close_reader(r);
        return NULL;
    }
    return r;
}

journal_reader *journal_open(const char *path, char *err, size_t cap)
{
    FILE *f = path ? fopen(path, "rbe") : NULL;
    if (!f) {
        if (err && cap) snprintf(err, cap, "open: %s", strerror(path ? errno : EINVAL));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    return reader_new(f, NULL, 0, err, cap);
}

journal_reader *journal_reader_mem(const uint8_t *buf, size_t len, char *err, size_t cap)
{
    static const uint8_t empty[1];
    return reader_new(NULL, buf ? buf : empty, buf ? len : 0, err, cap);
}

const journal_track *journal_track_of(const journal_reader *r)
{
    return &r->track;
}

/* The payload length each type must have, or -1 for "any RTP size", or -2 for a bad type. */
static long expected_len(uint8_t type)
{
    switch (type) {
    case JOURNAL_REC_RTP:
        return -1;
    case JOURNAL_REC_SR:
        return 12;
    case JOURNAL_REC_GAP:
        return 4;
    case JOURNAL_REC_END:
        return 0;
    default:
        return -2;
    }
}

static int stop(journal_reader *r, bool truncated)
{
    r->done = true;
    r->truncated = truncated;
    return 0;
}

int journal_next(journal_reader *r, journal_record *out)
{
    if (r->done) return 0;
    uint8_t *p = r->rec;
    long got = fetch(r, p, 13);
    if (got < 0) goto io;
    if (got == 0) return stop(r, false); /* clean end of the file */
    if (got < 13) return stop(r, true);  /* torn in the record's head */

    uint8_t type = p[0];
    uint32_t len = ld32(p + 1);
    long want = expected_len(type);
    if (want == -2 || len > JOURNAL_MAX_PAYLOAD) return stop(r, true);
    if (want >= 0 && len != (uint32_t)want) return stop(r, true);
    if (want == -1 && len < JOURNAL_MIN_RTP) return stop(r, true);

    got = fetch(r, p + 13, (size_t)len + 4);
    if (got < 0) goto io;
    if ((size_t)got < (size_t)len + 4) return stop(r, true); /* torn in the payload or CRC */
    if (journal_crc32c(0, p, 13 + (size_t)len) != ld32(p + 13 + len)) return stop(r, true);

    memset(out, 0, sizeof *out);
    out->type = type;
    out->offset = r->valid_end;
    out->arrival_us = ld64(p + 5);
    out->len = len;
    const uint8_t *pl = p + 13;
    if (type == JOURNAL_REC_RTP) {
        out->data = pl;
    } else if (type == JOURNAL_REC_SR) {
        out->ntp = ld64(pl);
        out->rtp_ts = ld32(pl + 8);
    } else if (type == JOURNAL_REC_GAP) {
        out->dropped = ld32(pl);
    }
    r->valid_end = r->pos;

    if (type == JOURNAL_REC_END) {
        r->complete = true;
        r->done = true;
        uint8_t extra;
        got = fetch(r, &extra, 1);
        if (got < 0) goto io;
        r->truncated = got > 0; /* bytes after END were not written by a clean close */
    }
    return 1;
io:
    r->done = true;
    return JOURNAL_E_IO;
}

bool journal_truncated(const journal_reader *r)
{
    return r->truncated;
}

uint64_t journal_valid_end(const journal_reader *r)
{
    return r->valid_end;
}

bool journal_complete(const journal_reader *r)
{
    return r->complete;
}

void journal_close_reader(journal_reader *r)
{
    if (!r) return;
    if (r->f) fclose(r->f);
    free(r->rec);
    free(r);
}
