/* The recording journal: round trips, crashes simulated by cutting the file at every byte, flipped
 * bits, hostile headers and lengths, unflushed records, and a disk that fills up. */
#include "recorder/journal.h"
#include "tests/unit/check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static journal_track make_track(void)
{
    journal_track t = {
        .kind = JOURNAL_KIND_VIDEO,
        .payload_type = 96,
        .clock_rate = 90000,
        .ssrc = 0xCAFEBABE,
        .created_us = 1700000000123456ull,
    };
    snprintf(t.codec, sizeof t.codec, "VP8");
    snprintf(t.meeting, sizeof t.meeting, "hop-hdnd-2025-03");
    snprintf(t.site, sizeof t.site, "Phường Ba Đình");
    snprintf(t.track_id, sizeof t.track_id, "cam-0");
    return t;
}

/* A packet of `len` bytes: an RTP header for sequence i, then a pattern derived from i. */
static void make_pkt(uint8_t *p, size_t len, unsigned i)
{
    p[0] = 0x80;
    p[1] = 96;
    p[2] = (uint8_t)(i >> 8);
    p[3] = (uint8_t)i;
    for (size_t k = 4; k < len; k++)
        p[k] = (uint8_t)(i * 31 + k * 7);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
}

/* What the tests wrote, to compare against what is read back. */
typedef struct expect {
    uint8_t type;
    uint64_t arrival_us;
    size_t len;
    unsigned seq;     /* RTP: the make_pkt index */
    uint64_t ntp;     /* SR */
    uint32_t rtp_ts;  /* SR */
    uint32_t dropped; /* GAP */
    uint64_t end;     /* file offset just after the record */
} expect;

#define MAX_EXPECT 1024
static expect ex[MAX_EXPECT];
static size_t n_ex;
static uint8_t pkt[JOURNAL_MAX_PAYLOAD + 1];

static int put_rtp(journal_writer *w, unsigned i, size_t len)
{
    make_pkt(pkt, len, i);
    uint64_t t = 1000000 + (uint64_t)i * 20000;
    int rc = journal_append_rtp(w, t, pkt, len);
    if (rc == 0 && n_ex < MAX_EXPECT)
        ex[n_ex++] = (expect){.type = JOURNAL_REC_RTP,
                              .arrival_us = t,
                              .len = len,
                              .seq = i,
                              .end = journal_writer_size(w)};
    return rc;
}

static int put_sr(journal_writer *w, unsigned i)
{
    uint64_t t = 1000000 + (uint64_t)i * 20000 + 5;
    uint64_t ntp = 0xE0000000ull << 32 | i;
    int rc = journal_append_sr(w, t, ntp, i * 1800u);
    if (rc == 0 && n_ex < MAX_EXPECT)
        ex[n_ex++] = (expect){.type = JOURNAL_REC_SR,
                              .arrival_us = t,
                              .len = 12,
                              .ntp = ntp,
                              .rtp_ts = i * 1800u,
                              .end = journal_writer_size(w)};
    return rc;
}

static int put_gap(journal_writer *w, unsigned i, uint32_t dropped)
{
    uint64_t t = 1000000 + (uint64_t)i * 20000 + 7;
    int rc = journal_append_gap(w, t, dropped);
    if (rc == 0 && n_ex < MAX_EXPECT)
        ex[n_ex++] = (expect){.type = JOURNAL_REC_GAP,
                              .arrival_us = t,
                              .len = 4,
                              .dropped = dropped,
                              .end = journal_writer_size(w)};
    return rc;
}

/* Reads every record and checks it against ex[]; returns how many matched in order. */
static size_t read_all(journal_reader *r, bool *had_end)
{
    journal_record rec;
    size_t n = 0;
    uint64_t last_off = 0;
    *had_end = false;
    int rc;
    while ((rc = journal_next(r, &rec)) == 1) {
        if (rec.type == JOURNAL_REC_END) {
            *had_end = true;
            continue;
        }
        if (n >= n_ex) return (size_t)-1;
        const expect *e = &ex[n];
        if (n > 0 && rec.offset <= last_off) return (size_t)-1;
        last_off = rec.offset;
        bool ok = rec.type == e->type && rec.arrival_us == e->arrival_us && rec.len == e->len &&
                  rec.offset + JOURNAL_REC_OVERHEAD + rec.len == e->end;
        if (ok && e->type == JOURNAL_REC_RTP) {
            make_pkt(pkt, e->len, e->seq);
            ok = rec.data && memcmp(rec.data, pkt, e->len) == 0;
        }
        if (ok && e->type == JOURNAL_REC_SR) ok = rec.ntp == e->ntp && rec.rtp_ts == e->rtp_ts;
        if (ok && e->type == JOURNAL_REC_GAP) ok = rec.dropped == e->dropped;
        if (!ok) return (size_t)-1;
        n++;
    }
    if (rc < 0) return (size_t)-1;
    CHECK_EQ(journal_next(r, &rec), 0); /* stays at the end */
    return n;
}

static void test_crc(void)
{
    CHECK_EQ(journal_crc32c(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ(journal_crc32c(journal_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    CHECK_EQ(journal_crc32c(0, "", 0), 0);
    static const uint8_t zeros[32];
    CHECK_EQ(journal_crc32c(0, zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
}

static const size_t rtp_sizes[] = {12, 13, 100, 160, 1200, 1500, 9000, JOURNAL_MAX_PAYLOAD};
#define N_SIZES (sizeof rtp_sizes / sizeof rtp_sizes[0])

static void test_round_trip(void)
{
    journal_track t = make_track();
    char err[160];
    const char *path = tmp_path("round.dhj");
    journal_writer *w = journal_create(path, &t, err, sizeof err);
    CHECK(w != NULL);
    if (!w) return;
    n_ex = 0;
    size_t header_len = journal_writer_size(w);
    CHECK_EQ(header_len, JOURNAL_HEADER_FIXED + 4 + (1 + 3) + (1 + 16) +
                             (1 + strlen("Phường Ba Đình")) + (1 + 5));
    for (unsigned i = 0; i < 600; i++) {
        CHECK_EQ(put_rtp(w, i, rtp_sizes[i % N_SIZES]), 0);
        if (i % 50 == 0) CHECK_EQ(put_sr(w, i), 0);
        if (i == 333) CHECK_EQ(put_gap(w, i, 17), 0);
        if (i % 97 == 0) CHECK_EQ(journal_flush(w), 0);
    }
    uint64_t size = journal_writer_size(w);
    CHECK_EQ(journal_close(w), 0);

    size_t len = 0;
    uint8_t *buf = slurp(path, &len);
    CHECK_EQ(len, size + JOURNAL_REC_OVERHEAD); /* plus END */
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    for (int mode = 0; mode < 2; mode++) {
        journal_reader *r = mode == 0 ? journal_open(path, err, sizeof err)
                                      : journal_reader_mem(buf, len, err, sizeof err);
        CHECK(r != NULL);
        if (!r) continue;
        const journal_track *rt = journal_track_of(r);
        CHECK(rt->kind == t.kind && rt->payload_type == 96 && rt->clock_rate == 90000);
        CHECK_EQ(rt->ssrc, 0xCAFEBABEu);
        CHECK_EQ(rt->created_us, t.created_us);
        CHECK_STR(rt->codec, "VP8");
        CHECK_STR(rt->meeting, t.meeting);
        CHECK_STR(rt->site, "Phường Ba Đình");
        CHECK_STR(rt->track_id, "cam-0");
        bool had_end;
        CHECK_EQ(read_all(r, &had_end), n_ex);
        CHECK(had_end);
        CHECK(journal_complete(r));
        CHECK(!journal_truncated(r));
        CHECK_EQ(journal_valid_end(r), len);
        journal_close_reader(r);
    }
    free(buf);

    /* O_EXCL: an existing recording is never overwritten. */
    CHECK(journal_create(path, &t, err, sizeof err) == NULL);
    CHECK(strstr(err, "open: File exists") != NULL);
}

static void test_empty_journals(void)
{
    journal_track t = make_track();
    t.kind = JOURNAL_KIND_AUDIO;
    t.clock_rate = 48000;
    t.payload_type = 111;
    snprintf(t.codec, sizeof t.codec, "opus");
    t.meeting[0] = t.site[0] = t.track_id[0] = '\0';
    char err[160];
    bool had_end;
    n_ex = 0;

    /* Created then closed: header and END. */
    journal_writer *w = journal_create(tmp_path("empty.dhj"), &t, err, sizeof err);
    CHECK(w != NULL);
    CHECK_EQ(journal_close(w), 0);
    journal_reader *r = journal_open(tmp_path("empty.dhj"), err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(journal_track_of(r)->codec, "opus");
        CHECK_STR(journal_track_of(r)->site, "");
        CHECK_EQ(read_all(r, &had_end), 0);
        CHECK(had_end && journal_complete(r) && !journal_truncated(r));
        journal_close_reader(r);
    }

    /* Created, then killed before any flush: the header alone, a valid empty recording. */
    w = journal_create(tmp_path("killed.dhj"), &t, err, sizeof err);
    CHECK(w != NULL);
    CHECK_EQ(put_rtp(w, 1, 100), 0);
    r = journal_open(tmp_path("killed.dhj"), err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ(read_all(r, &had_end), 0);
        CHECK(!had_end && !journal_complete(r) && !journal_truncated(r));
        journal_close_reader(r);
    }
    CHECK_EQ(journal_close(w), 0);

    /* created_us 0 means now. */
    t.created_us = 0;
    w = journal_create(tmp_path("now.dhj"), &t, err, sizeof err);
    CHECK_EQ(journal_close(w), 0);
    r = journal_open(tmp_path("now.dhj"), err, sizeof err);
    CHECK(r && journal_track_of(r)->created_us > 1700000000000000ull);
    journal_close_reader(r);
}

static void test_bad_arguments(void)
{
    static const struct {
        const char *name;
        int field; /* 0 kind, 1 payload type, 2 clock rate, 3 unterminated label */
        unsigned value;
    } cases[] = {
        {"kind 0", 0, 0},  {"kind 3", 0, 3},     {"pt 128", 1, 128},
        {"clock 0", 2, 0}, {"codec full", 3, 0},
    };
    char err[160];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        journal_track t = make_track();
        if (cases[i].field == 0) t.kind = (uint8_t)cases[i].value;
        if (cases[i].field == 1) t.payload_type = (uint8_t)cases[i].value;
        if (cases[i].field == 2) t.clock_rate = cases[i].value;
        if (cases[i].field == 3) memset(t.codec, 'x', sizeof t.codec);
        CHECK(!journal_track_valid(&t));
        journal_writer *w = journal_create(tmp_path("bad.dhj"), &t, err, sizeof err);
        if (w) fprintf(stderr, "accepted %s\n", cases[i].name);
        CHECK(w == NULL);
        CHECK(strstr(err, "bad track") != NULL);
        CHECK(access(tmp_path("bad.dhj"), F_OK) != 0);
    }
    CHECK(journal_create(tmp_path("bad.dhj"), NULL, err, sizeof err) == NULL);

    journal_track t = make_track();
    journal_writer *w = journal_create(tmp_path("args.dhj"), &t, err, sizeof err);
    CHECK(w != NULL);
    CHECK_EQ(journal_append_rtp(w, 1, pkt, 11), JOURNAL_E_ARG);
    CHECK_EQ(journal_append_rtp(w, 1, pkt, JOURNAL_MAX_PAYLOAD + 1), JOURNAL_E_ARG);
    CHECK_EQ(journal_append_rtp(w, 1, NULL, 100), JOURNAL_E_ARG);
    CHECK_EQ(journal_append_rtp(NULL, 1, pkt, 100), JOURNAL_E_ARG);
    CHECK(!journal_writer_failed(w)); /* a bad argument does not break the writer */
    CHECK_EQ(journal_append_rtp(w, 1, pkt, 100), 0);
    CHECK_EQ(journal_close(w), 0);
    CHECK_EQ(journal_close(NULL), 0);
    CHECK(journal_open(tmp_path("missing.dhj"), err, sizeof err) == NULL);
    CHECK(strstr(err, "open: No such file") != NULL);
}

/* Writes a small journal (records of several types) without END, as a crash leaves it. */
static uint8_t *small_journal(const char *name, size_t *len, size_t *header_len)
{
    journal_track t = make_track();
    char err[160];
    journal_writer *w = journal_create(tmp_path(name), &t, err, sizeof err);
    if (!w) return NULL;
    n_ex = 0;
    *header_len = journal_writer_size(w);
    for (unsigned i = 0; i < 12; i++) {
        put_rtp(w, i, rtp_sizes[i % 6]);
        if (i % 4 == 1) put_sr(w, i);
        if (i == 6) put_gap(w, i, 3);
    }
    journal_flush(w);
    uint8_t *buf = slurp(tmp_path(name), len);
    journal_close(w);
    return buf;
}

static void test_cut_everywhere(void)
{
    size_t len, header_len;
    uint8_t *buf = small_journal("cut.dhj", &len, &header_len);
    CHECK(buf != NULL);
    if (!buf) return;
    CHECK_EQ(len, ex[n_ex - 1].end);
    char err[160];
    int bad = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        journal_reader *r = journal_reader_mem(buf, cut, err, sizeof err);
        if (cut < header_len) {
            if (r || !strstr(err, "short header")) bad++;
            journal_close_reader(r);
            continue;
        }
        if (!r) {
            bad++;
            continue;
        }
        size_t complete = 0;
        uint64_t boundary = header_len;
        while (complete < n_ex && ex[complete].end <= cut)
            boundary = ex[complete++].end;
        bool had_end;
        size_t got = read_all(r, &had_end);
        if (got != complete || had_end || journal_truncated(r) != (cut != boundary) ||
            journal_valid_end(r) != boundary) {
            fprintf(stderr, "cut at %zu: read %zu of %zu\n", cut, got, complete);
            bad++;
        }
        journal_close_reader(r);
    }
    CHECK_EQ(bad, 0);

    /* The same through a real file for every cut of the last two records. */
    bad = 0;
    for (size_t cut = ex[n_ex - 3].end; cut <= len; cut++) {
        spit(tmp_path("cut-file.dhj"), buf, cut);
        journal_reader *r = journal_open(tmp_path("cut-file.dhj"), err, sizeof err);
        bool had_end;
        size_t want = cut == len ? n_ex : cut >= ex[n_ex - 2].end ? n_ex - 1 : n_ex - 2;
        if (!r || read_all(r, &had_end) != want ||
            journal_truncated(r) !=
                (cut != len && cut != ex[n_ex - 2].end && cut != ex[n_ex - 3].end))
            bad++;
        journal_close_reader(r);
    }
    CHECK_EQ(bad, 0);
    free(buf);
}

static void test_flipped_bits(void)
{
    size_t len, header_len;
    uint8_t *buf = small_journal("flip.dhj", &len, &header_len);
    CHECK(buf != NULL);
    if (!buf) return;
    /* Where in a record the bit flips: type, length, arrival time, payload, CRC. */
    static const struct {
        const char *where;
        int off; /* from the record's start; negative: from its end */
    } spots[] = {{"type", 0}, {"length", 3}, {"time", 9}, {"payload", 13}, {"crc", -1}};
    char err[160];
    int bad = 0;
    for (size_t k = 0; k < n_ex; k++) {
        uint64_t start = k == 0 ? header_len : ex[k - 1].end;
        for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
            for (int bit = 0; bit < 8; bit += 3) {
                size_t at = spots[s].off >= 0 ? start + (size_t)spots[s].off
                                              : ex[k].end - (size_t)-spots[s].off;
                buf[at] ^= (uint8_t)(1u << bit);
                journal_reader *r = journal_reader_mem(buf, len, err, sizeof err);
                bool had_end;
                if (!r || read_all(r, &had_end) != k || !journal_truncated(r) ||
                    journal_valid_end(r) != start) {
                    fprintf(stderr, "flip in %s of record %zu not caught\n", spots[s].where, k);
                    bad++;
                }
                journal_close_reader(r);
                buf[at] ^= (uint8_t)(1u << bit);
            }
        }
    }
    CHECK_EQ(bad, 0);
    free(buf);
}

/* Appends a hand-made record (with a correct CRC) to buf at *len. */
static void raw_record(uint8_t *buf, size_t *len, uint8_t type, uint32_t plen, size_t body)
{
    uint8_t *p = buf + *len;
    p[0] = type;
    p[1] = (uint8_t)(plen >> 24);
    p[2] = (uint8_t)(plen >> 16);
    p[3] = (uint8_t)(plen >> 8);
    p[4] = (uint8_t)plen;
    memset(p + 5, 0, 8);
    memset(p + 13, 0x80, body);
    uint32_t crc = journal_crc32c(0, p, 13 + body);
    p[13 + body] = (uint8_t)(crc >> 24);
    p[14 + body] = (uint8_t)(crc >> 16);
    p[15 + body] = (uint8_t)(crc >> 8);
    p[16 + body] = (uint8_t)crc;
    *len += 17 + body;
}

static void test_bad_records(void)
{
    /* Each hostile record follows the valid ones; reading must stop before it. */
    static const struct {
        const char *name;
        uint8_t type;
        uint32_t len; /* the length field */
        size_t body;  /* bytes actually present (CRC over them) */
        bool truncated;
    } cases[] = {
        {"length over 64 KiB", JOURNAL_REC_RTP, JOURNAL_MAX_PAYLOAD + 1, 100, true},
        {"length 4 GiB", JOURNAL_REC_RTP, 0xFFFFFFFFu, 100, true},
        {"length 70000", JOURNAL_REC_RTP, 70000, 100, true},
        {"RTP under 12", JOURNAL_REC_RTP, 11, 11, true},
        {"SR of 13", JOURNAL_REC_SR, 13, 13, true},
        {"GAP of 0", JOURNAL_REC_GAP, 0, 0, true},
        {"END with payload", JOURNAL_REC_END, 1, 1, true},
        {"type 0 (zero fill)", 0, 0, 0, true},
        {"type 5", 5, 12, 12, true},
        {"RTP of 12 (valid)", JOURNAL_REC_RTP, 12, 12, false},
    };
    size_t len, header_len;
    uint8_t *base = small_journal("bad-rec.dhj", &len, &header_len);
    CHECK(base != NULL);
    if (!base) return;
    uint8_t *buf = malloc(len + 200);
    char err[160];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, base, len);
        size_t n = len;
        raw_record(buf, &n, cases[i].type, cases[i].len, cases[i].body);
        journal_reader *r = journal_reader_mem(buf, n, err, sizeof err);
        CHECK(r != NULL);
        if (!r) continue;
        journal_record rec;
        size_t got = 0;
        while (journal_next(r, &rec) == 1)
            got++;
        if (journal_truncated(r) != cases[i].truncated) fprintf(stderr, "%s\n", cases[i].name);
        CHECK_EQ(got, n_ex + !cases[i].truncated);
        CHECK(journal_truncated(r) == cases[i].truncated);
        CHECK_EQ(journal_valid_end(r), cases[i].truncated ? len : n);
        journal_close_reader(r);
    }

    /* Bytes after END: END is read, and the tail is flagged. */
    memcpy(buf, base, len);
    size_t n = len;
    raw_record(buf, &n, JOURNAL_REC_END, 0, 0);
    buf[n++] = 0;
    journal_reader *r = journal_reader_mem(buf, n, err, sizeof err);
    bool had_end;
    CHECK(r && read_all(r, &had_end) == n_ex && had_end);
    CHECK(r && journal_complete(r) && journal_truncated(r) && journal_valid_end(r) == n - 1);
    journal_close_reader(r);
    free(buf);
    free(base);
}

static void put_crc(uint8_t *h, size_t end)
{
    uint32_t crc = journal_crc32c(0, h, end);
    h[end] = (uint8_t)(crc >> 24);
    h[end + 1] = (uint8_t)(crc >> 16);
    h[end + 2] = (uint8_t)(crc >> 8);
    h[end + 3] = (uint8_t)crc;
}

static void test_bad_headers(void)
{
    journal_track t = make_track();
    char err[160];
    journal_writer *w = journal_create(tmp_path("hdr.dhj"), &t, err, sizeof err);
    CHECK_EQ(journal_close(w), 0);
    size_t len;
    uint8_t *good = slurp(tmp_path("hdr.dhj"), &len);
    size_t hl = len - JOURNAL_REC_OVERHEAD; /* header length */
    size_t n = hl - JOURNAL_HEADER_FIXED - 4;
    uint8_t *buf = malloc(len);

    static const struct {
        const char *name;
        size_t at; /* byte to overwrite; SIZE_MAX: none */
        uint8_t value;
        bool fix_crc; /* recompute the header CRC, so the field check itself is tested */
        long keep;    /* bytes of the file kept; -1: all; -2: the header less 2 bytes */
        const char *want;
    } cases[] = {
        {"magic", 3, '2', true, -1, "bad magic"},
        {"magic text", 0, 'x', false, -1, "bad magic"},
        {"version 2", 5, 2, true, -1, "unsupported version 2"},
        {"version 257", 4, 1, true, -1, "unsupported version 257"},
        {"kind 0", 6, 0, true, -1, "bad header: kind"},
        {"payload type 200", 7, 200, true, -1, "bad header: kind"},
        {"clock rate 0", SIZE_MAX, 0, true, -1, "bad header: kind"},
        {"label bytes 300", 24, 1, false, -1, "bad header: 300 label bytes"},
        {"label bytes more", SIZE_MAX, 0, true, -1, "bad header: label lengths"},
        {"codec length 40", JOURNAL_HEADER_FIXED, 40, true, -1, "bad header: label lengths"},
        {"codec length 0", JOURNAL_HEADER_FIXED, 0, true, -1, "bad header: label lengths"},
        {"NUL in a label", JOURNAL_HEADER_FIXED + 1, 0, true, -1, "bad header: label lengths"},
        {"crc", SIZE_MAX, 0, false, -1, "bad header: CRC mismatch"},
        {"ssrc changed", 12, 0, false, -1, "bad header: CRC mismatch"},
        {"empty file", SIZE_MAX, 0, false, 0, "short header"},
        {"three bytes", SIZE_MAX, 0, false, 3, "short header"},
        {"fixed part cut", SIZE_MAX, 0, false, 20, "short header"},
        {"labels cut", SIZE_MAX, 0, false, 40, "short header"},
        {"crc cut", SIZE_MAX, 0, false, -2, "short header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, good, len);
        if (cases[i].at != SIZE_MAX) buf[cases[i].at] = cases[i].value;
        const char *name = cases[i].name;
        if (strcmp(name, "clock rate 0") == 0) memset(buf + 8, 0, 4);
        if (strcmp(name, "label bytes 300") == 0) buf[25] = 44; /* 0x012C */
        if (strcmp(name, "label bytes more") == 0) buf[25] = (uint8_t)(n + 1);
        if (strcmp(name, "crc") == 0) buf[hl - 1] ^= 1;
        if (cases[i].fix_crc) put_crc(buf, JOURNAL_HEADER_FIXED + buf[25]);
        size_t blen = cases[i].keep == -1   ? len
                      : cases[i].keep == -2 ? hl - 2
                                            : (size_t)cases[i].keep;
        err[0] = '\0';
        journal_reader *r = journal_reader_mem(buf, blen, err, sizeof err);
        if (r || !strstr(err, cases[i].want))
            fprintf(stderr, "header case \"%s\": got \"%s\"\n", name, err);
        CHECK(r == NULL);
        CHECK(strstr(err, cases[i].want) != NULL);
        journal_close_reader(r);
    }
    /* Not a journal at all, from disk. */
    spit(tmp_path("text.dhj"), (const uint8_t *)"hello, world\n", 13);
    CHECK(journal_open(tmp_path("text.dhj"), err, sizeof err) == NULL);
    CHECK(strstr(err, "bad magic") != NULL);
    free(buf);
    free(good);
}

static void test_unflushed_lost(void)
{
    journal_track t = make_track();
    char err[160];
    const char *path = tmp_path("crash.dhj");
    journal_writer *w = journal_create(path, &t, err, sizeof err);
    CHECK(w != NULL);
    if (!w) return;
    n_ex = 0;
    for (unsigned i = 0; i < 40; i++)
        put_rtp(w, i, 1200);
    put_sr(w, 40);
    CHECK_EQ(journal_flush(w), 0);
    size_t flushed = n_ex;
    for (unsigned i = 41; i < 60; i++) /* 19 × 1217 bytes: stays in the buffer */
        put_rtp(w, i, 1200);

    /* The file as kill -9 would leave it now. */
    size_t len;
    uint8_t *buf = slurp(path, &len);
    journal_reader *r = journal_reader_mem(buf, len, err, sizeof err);
    bool had_end;
    CHECK(r && read_all(r, &had_end) == flushed);
    CHECK(r && !journal_truncated(r) && !journal_complete(r));
    journal_close_reader(r);
    free(buf);

    /* Past the buffer, records reach the file (whole ones) even without a flush: never fewer. */
    for (unsigned i = 60; i < 200; i++)
        put_rtp(w, i, 1200);
    buf = slurp(path, &len);
    r = journal_reader_mem(buf, len, err, sizeof err);
    size_t got = r ? read_all(r, &had_end) : 0;
    CHECK(got > flushed && got < n_ex);
    CHECK(r && !journal_truncated(r));
    journal_close_reader(r);
    free(buf);
    CHECK_EQ(journal_close(w), 0);
}

static void test_disk_full(void)
{
    journal_track t = make_track();
    char err[160];

    /* /dev/full: every write fails with ENOSPC; the header cannot be written. */
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(journal_create_fd(fd, &t, err, sizeof err) == NULL);
    CHECK(strstr(err, "write: No space left on device") != NULL);

    /* A read-only fd. */
    spit(tmp_path("ro.dhj"), (const uint8_t *)"", 0);
    fd = open(tmp_path("ro.dhj"), O_RDONLY | O_CLOEXEC);
    CHECK(journal_create_fd(fd, &t, err, sizeof err) == NULL);
    CHECK(strstr(err, "write: Bad file descriptor") != NULL);

    /* A disk that fills up mid-recording: RLIMIT_FSIZE makes write() fail with EFBIG past
     * 5000 bytes, just as ENOSPC would. */
    struct rlimit old, small = {.rlim_cur = 5000, .rlim_max = RLIM_INFINITY};
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    journal_writer *w = journal_create(tmp_path("full.dhj"), &t, err, sizeof err);
    CHECK(w != NULL);
    if (!w) return;
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    n_ex = 0;
    for (unsigned i = 0; i < 100; i++) /* 21,700 bytes: all buffered */
        CHECK_EQ(put_rtp(w, i, 200), 0);
    CHECK(!journal_writer_failed(w));
    CHECK_EQ(journal_flush(w), JOURNAL_E_IO);
    CHECK(journal_writer_failed(w));
    CHECK(strstr(journal_writer_error(w), "write: File too large") != NULL);
    CHECK_EQ(put_rtp(w, 100, 200), JOURNAL_E_FAILED); /* refuses, "nothing else" */
    CHECK_EQ(journal_append_sr(w, 1, 2, 3), JOURNAL_E_FAILED);
    CHECK_EQ(journal_flush(w), JOURNAL_E_FAILED);
    CHECK_EQ(journal_close(w), JOURNAL_E_FAILED);

    /* What reached the disk reads back, the cut record flagged. */
    journal_reader *r = journal_open(tmp_path("full.dhj"), err, sizeof err);
    bool had_end;
    size_t got = r ? read_all(r, &had_end) : 0;
    CHECK(got > 10 && got < 30);
    CHECK(r && journal_truncated(r) && journal_valid_end(r) <= 5000);
    journal_close_reader(r);

    /* The buffer filling up is where the error shows first when no flush comes. */
    small.rlim_cur = 100000;
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    w = journal_create(tmp_path("full2.dhj"), &t, err, sizeof err);
    CHECK(w != NULL);
    if (!w) return;
    CHECK_EQ(put_rtp(w, 0, JOURNAL_MAX_PAYLOAD), 0);
    CHECK_EQ(put_rtp(w, 1, JOURNAL_MAX_PAYLOAD), 0); /* drains the first: fits */
    CHECK_EQ(put_rtp(w, 2, JOURNAL_MAX_PAYLOAD), JOURNAL_E_IO);
    CHECK_EQ(put_rtp(w, 3, 100), JOURNAL_E_FAILED);
    CHECK_EQ(journal_close(w), JOURNAL_E_FAILED);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_DFL);
}

static void cleanup(void)
{
    static const char *names[] = {"round.dhj",   "empty.dhj", "killed.dhj",   "now.dhj",
                                  "args.dhj",    "cut.dhj",   "cut-file.dhj", "flip.dhj",
                                  "bad-rec.dhj", "hdr.dhj",   "text.dhj",     "crash.dhj",
                                  "ro.dhj",      "full.dhj",  "full2.dhj"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp_path(names[i]));
    rmdir(tmpdir);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dh_journal_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_crc();
    test_round_trip();
    test_empty_journals();
    test_bad_arguments();
    test_cut_everywhere();
    test_flipped_bits();
    test_bad_records();
    test_bad_headers();
    test_unflushed_lost();
    test_disk_full();
    cleanup();
    CHECK_DONE();
}
