/* The journal writer: records go into a user-space buffer, reach the file with one write() when
 * the buffer fills or on flush, and become durable with fdatasync() on flush. See journal.h. */
#include "recorder/journal.h"
#include "sfu/proto/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct journal_writer {
    int fd;
    bool failed;
    bool dirty;       /* written to the fd since the last fdatasync */
    size_t used;      /* bytes in buf */
    uint64_t size;    /* bytes accepted, header included */
    uint64_t last_us; /* arrival time of the last record */
    char error[160];
    uint8_t buf[JOURNAL_BUF_SIZE];
};

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)(v >> 32));
    st32(p + 4, (uint32_t)v);
}

static void set_err(char *err, size_t cap, const char *what, int e)
{
    if (err && cap) snprintf(err, cap, "%s: %s", what, strerror(e));
}

/* Marks the writer failed with the reason; every later call refuses. */
static int fail(journal_writer *w, const char *what, int e)
{
    w->failed = true;
    set_err(w->error, sizeof w->error, what, e);
    return JOURNAL_E_IO;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (k == 0) return EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Hands the buffer to the kernel (no sync). */
static int drain(journal_writer *w)
{
    if (w->used == 0) return JOURNAL_OK;
    int e = write_all(w->fd, w->buf, w->used);
    w->used = 0;
    if (e) return fail(w, "write", e);
    w->dirty = true;
    return JOURNAL_OK;
}

static int sync_now(journal_writer *w)
{
    if (!w->dirty) return JOURNAL_OK;
    if (fdatasync(w->fd) != 0) return fail(w, "fdatasync", errno);
    w->dirty = false;
    return JOURNAL_OK;
}

static size_t put_label(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (uint8_t)n;
    memcpy(p + 1, s, n);
    return 1 + n;
}

/* Encodes the header into out (at least JOURNAL_HEADER_FIXED + JOURNAL_MAX_LABELS + 4 bytes). */
static size_t encode_header(uint8_t *out, const journal_track *t, uint64_t created_us)
{
    memcpy(out, "DHJ1", 4);
    st16(out + 4, JOURNAL_VERSION);
    out[6] = t->kind;
    out[7] = t->payload_type;
    st32(out + 8, t->clock_rate);
    st32(out + 12, t->ssrc);
    st64(out + 16, created_us);
    size_t n = 0;
    uint8_t *labels = out + JOURNAL_HEADER_FIXED;
    n += put_label(labels + n, t->codec);
    n += put_label(labels + n, t->meeting);
    n += put_label(labels + n, t->site);
    n += put_label(labels + n, t->track_id);
    st16(out + 24, (uint16_t)n);
    size_t end = JOURNAL_HEADER_FIXED + n;
    st32(out + end, journal_crc32c(0, out, end));
    return end + 4;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

journal_writer *journal_create_fd(int fd, const journal_track *t, char *err, size_t cap)
{
    if (err && cap) err[0] = '\0';
    if (fd < 0 || !journal_track_valid(t)) {
        if (err && cap) snprintf(err, cap, "bad track description");
        if (fd >= 0) close(fd);
        return NULL;
    }
    journal_writer *w = calloc(1, sizeof *w);
    if (!w) {
        set_err(err, cap, "calloc", ENOMEM);
        close(fd);
        return NULL;
    }
    w->fd = fd;
    /* The labels are at most 31 + 3 * 63 bytes plus four length bytes: within the buffer and
     * within JOURNAL_MAX_LABELS. */
    w->used = encode_header(w->buf, t, t->created_us ? t->created_us : now_us());
    w->size = w->used;
    if (drain(w) != JOURNAL_OK || sync_now(w) != JOURNAL_OK) {
        if (err && cap) snprintf(err, cap, "%s", w->error);
        close(fd);
        free(w);
        return NULL;
    }
    return w;
}

/* Syncs the directory holding path, so that the new file's name survives a power cut. */
static int sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return ENAMETOOLONG;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno;
    int e = fsync(dfd) == 0 ? 0 : errno;
    close(dfd);
    return e;
}

journal_writer *journal_create(const char *path, const journal_track *t, char *err, size_t cap)
{
    if (err && cap) err[0] = '\0';
    if (!path || !journal_track_valid(t)) {
        if (err && cap) snprintf(err, cap, "bad track description");
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_err(err, cap, "open", errno);
        return NULL;
    }
    journal_writer *w = journal_create_fd(fd, t, err, cap);
    if (!w) {
        unlink(path); /* a header that never reached the disk is no recording */
        return NULL;
    }
    int e = sync_dir(path);
    if (e) {
        set_err(err, cap, "fsync directory", e);
        close(w->fd);
        free(w);
        unlink(path);
        return NULL;
    }
    return w;
}

/* Appends one record whose payload is a (n1 bytes) then b (n2 bytes). */
static int append(journal_writer *w, uint8_t type, uint64_t arrival_us, const uint8_t *a, size_t n1,
                  const uint8_t *b, size_t n2)
{
    if (w->failed) return JOURNAL_E_FAILED;
    size_t total = JOURNAL_REC_OVERHEAD + n1 + n2;
    if (w->used + total > sizeof w->buf) {
        int rc = drain(w);
        if (rc != JOURNAL_OK) return rc;
    }
    uint8_t *p = w->buf + w->used;
    p[0] = type;
    st32(p + 1, (uint32_t)(n1 + n2));
    st64(p + 5, arrival_us);
    if (n1) memcpy(p + 13, a, n1);
    if (n2) memcpy(p + 13 + n1, b, n2);
    size_t body = 13 + n1 + n2;
    st32(p + body, journal_crc32c(0, p, body));
    w->used += total;
    w->size += total;
    w->last_us = arrival_us;
    return JOURNAL_OK;
}

int journal_append_rtp(journal_writer *w, uint64_t arrival_us, const uint8_t *pkt, size_t len)
{
    if (!w || !pkt || len < JOURNAL_MIN_RTP || len > JOURNAL_MAX_PAYLOAD) return JOURNAL_E_ARG;
    return append(w, JOURNAL_REC_RTP, arrival_us, pkt, len, NULL, 0);
}

int journal_append_sr(journal_writer *w, uint64_t arrival_us, uint64_t ntp, uint32_t rtp_ts)
{
    if (!w) return JOURNAL_E_ARG;
    uint8_t b[12];
    st64(b, ntp);
    st32(b + 8, rtp_ts);
    return append(w, JOURNAL_REC_SR, arrival_us, b, sizeof b, NULL, 0);
}

int journal_append_gap(journal_writer *w, uint64_t arrival_us, uint32_t dropped)
{
    if (!w) return JOURNAL_E_ARG;
    uint8_t b[4];
    st32(b, dropped);
    return append(w, JOURNAL_REC_GAP, arrival_us, b, sizeof b, NULL, 0);
}

int journal_flush(journal_writer *w)
{
    if (!w) return JOURNAL_E_ARG;
    if (w->failed) return JOURNAL_E_FAILED;
    int rc = drain(w);
    if (rc != JOURNAL_OK) return rc;
    return sync_now(w);
}

int journal_close(journal_writer *w)
{
    if (!w) return JOURNAL_OK;
    int rc = JOURNAL_E_FAILED;
    if (!w->failed) {
        /* END carries the time of the last record: the writer has no clock of its own. */
        rc = append(w, JOURNAL_REC_END, w->last_us, NULL, 0, NULL, 0);
        if (rc == JOURNAL_OK) rc = journal_flush(w);
    }
    if (close(w->fd) != 0 && rc == JOURNAL_OK) rc = JOURNAL_E_IO;
    free(w);
    return rc;
}

const char *journal_writer_error(const journal_writer *w)
{
    return w ? w->error : "";
}

bool journal_writer_failed(const journal_writer *w)
{
    return w && w->failed;
}

uint64_t journal_writer_size(const journal_writer *w)
{
    return w ? w->size : 0;
}
