/* The per-track recording journal: an append-only file per recorded track that holds everything
 * the exporter needs later (the decrypted RTP packets with their arrival times, the track's
 * description, sender-report mappings for lip sync) and that survives kill -9 and power loss.
 *
 * Guarantee: every record written before the last successful journal_flush() reads back after a
 * crash; a torn or corrupt tail (a record cut short, a bad CRC, a length out of bounds, zeroes a
 * filesystem left after a power cut) is detected and ignored, never misread. Reading stops at the
 * first bad record: the file is append-only and synced in order, so nothing valid follows it.
 *
 * On-disk format, all integers big-endian (network order):
 *
 *   File header (30 + N bytes), written and fdatasync'ed (with its directory) by journal_create:
 *     off  size  field
 *       0     4  magic "DHJ1"
 *       4     2  version = 1
 *       6     1  track kind: 1 audio, 2 video
 *       7     1  RTP payload type, 0..127
 *       8     4  RTP clock rate in Hz, non-zero
 *      12     4  SSRC
 *      16     8  created-at, microseconds since the Unix epoch
 *      24     2  N: bytes of the label fields that follow (at most JOURNAL_MAX_LABELS)
 *      26     N  four labels, in order codec, meeting, site, track id; each is a 1-byte length L
 *                then L bytes (no NUL); L < the matching journal_track field size; the four must
 *                fill exactly N bytes
 *    26+N     4  CRC-32C (Castagnoli) of bytes 0 .. 25+N
 *
 *   Then records, back to back until the end of the file (17 + L bytes each):
 *     off  size  field
 *       0     1  type: 1 RTP, 2 SR, 3 GAP, 4 END
 *       1     4  L: payload length; 17 + L <= JOURNAL_MAX_RECORD (64 KiB), else corrupt
 *       5     8  arrival time, microseconds (the recorder's clock, the same as created-at)
 *      13     L  payload:
 *                  RTP  the decrypted RTP packet, 12 <= L <= JOURNAL_MAX_PAYLOAD
 *                  SR   L = 12: NTP timestamp (8, RFC 3550 64-bit format), RTP timestamp (4)
 *                  GAP  L = 4: packets the recorder had to drop before this point
 *                  END  L = 0: the writer closed the journal cleanly; nothing follows
 *    13+L     4  CRC-32C of bytes 0 .. 12+L of this record
 *
 * Ownership and threads: a journal_writer or journal_reader belongs to the one thread that made
 * it. The writer buffers records in user space (JOURNAL_BUF_SIZE) and issues a write() only when
 * the buffer fills or on journal_flush, which also calls fdatasync(); the caller flushes at least
 * once a second. Any write or sync failure (ENOSPC, EIO, ...) is sticky: it is returned once as
 * JOURNAL_E_IO with the reason in journal_writer_error(), and every later append or flush fails
 * with JOURNAL_E_FAILED; the recorder raises an alarm and stops recording this track. After a
 * failed fdatasync the kernel may have dropped the dirty pages, so retrying would lie.
 *
 * The reader treats the file as untrusted input: every length is bounded before use, nothing is
 * read past the end, and the only allocation is one record-sized buffer made when it opens. */
#ifndef DH_JOURNAL_H
#define DH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    JOURNAL_OK = 0,
    JOURNAL_E_ARG = -1,    /* bad argument (packet too short or too long, NULL, bad track) */
    JOURNAL_E_IO = -2,     /* a system call failed; the writer is now failed */
    JOURNAL_E_FAILED = -3, /* the writer failed earlier and refuses further work */
};

enum {
    JOURNAL_REC_RTP = 1,
    JOURNAL_REC_SR = 2,
    JOURNAL_REC_GAP = 3,
    JOURNAL_REC_END = 4,
};

enum {
    JOURNAL_KIND_AUDIO = 1,
    JOURNAL_KIND_VIDEO = 2,
};

#define JOURNAL_VERSION 1
#define JOURNAL_HEADER_FIXED 26  /* header bytes before the labels */
#define JOURNAL_MAX_LABELS 256   /* bound on N */
#define JOURNAL_REC_OVERHEAD 17  /* type + length + time + CRC */
#define JOURNAL_MAX_RECORD 65536 /* a whole record, overhead included */
#define JOURNAL_MAX_PAYLOAD (JOURNAL_MAX_RECORD - JOURNAL_REC_OVERHEAD) /* 65519 >= any UDP */
#define JOURNAL_MIN_RTP 12
#define JOURNAL_BUF_SIZE 65536 /* the writer's buffer: one maximal record fits */

/* What the exporter needs to know about the track. Labels are NUL-terminated; a label must be
 * shorter than its array (the writer refuses it otherwise). */
typedef struct journal_track {
    uint8_t kind;         /* JOURNAL_KIND_AUDIO or JOURNAL_KIND_VIDEO */
    uint8_t payload_type; /* 0..127 */
    uint32_t clock_rate;  /* Hz, non-zero: 48000 for Opus, 90000 for video */
    uint32_t ssrc;
    uint64_t created_us; /* µs since the epoch; 0 in journal_create means "now" */
    char codec[32];      /* "opus", "VP8", "H264" */
    char meeting[64];
    char site[64];
    char track_id[64];
} journal_track;

/* One record as read back. For RTP, data/len point into the reader's buffer and stay valid until
 * the next journal_next or journal_close_reader. */
typedef struct journal_record {
    uint8_t type;    /* JOURNAL_REC_* */
    uint64_t offset; /* byte offset of the record in the file */
    uint64_t arrival_us;
    const uint8_t *data; /* RTP: the packet; NULL for the other types */
    size_t len;          /* payload length on disk */
    uint64_t ntp;        /* SR */
    uint32_t rtp_ts;     /* SR */
    uint32_t dropped;    /* GAP */
} journal_record;

/* CRC-32C (Castagnoli, reflected, as in iSCSI/ext4): crc starts at 0 and can be chained.
 * journal_crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t journal_crc32c(uint32_t crc, const void *buf, size_t len);

/* True when the description can be written: kind, payload type and clock rate in range, every
 * label NUL-terminated within its array. */
bool journal_track_valid(const journal_track *t);

/* ---- Writer ---- */

typedef struct journal_writer journal_writer;

/* Creates `path` (O_CREAT|O_EXCL, mode 0600: an existing file is never overwritten), writes the
 * header and syncs it and the parent directory. NULL on failure, with the reason in err. */
journal_writer *journal_create(const char *path, const journal_track *t, char *err, size_t cap);

/* The same on an fd the caller opened for writing (taken over: closed by journal_close, and on
 * failure). No directory sync. For O_TMPFILE files and for tests. */
journal_writer *journal_create_fd(int fd, const journal_track *t, char *err, size_t cap);

/* Buffer one record; a write() happens only when the buffer is full. 0, JOURNAL_E_ARG (the
 * writer stays usable), JOURNAL_E_IO (it just failed) or JOURNAL_E_FAILED. */
int journal_append_rtp(journal_writer *w, uint64_t arrival_us, const uint8_t *pkt, size_t len);
int journal_append_sr(journal_writer *w, uint64_t arrival_us, uint64_t ntp, uint32_t rtp_ts);
int journal_append_gap(journal_writer *w, uint64_t arrival_us, uint32_t dropped);

/* Writes the buffered records and fdatasync()s. After it returns 0 they survive a crash. */
int journal_flush(journal_writer *w);

/* Appends END, flushes, closes the fd and frees w (always, even on error). Returns the first
 * error, including one from earlier (JOURNAL_E_FAILED). NULL is a no-op. */
int journal_close(journal_writer *w);

/* The reason of the failure ("write: No space left on device"), or "" while healthy. */
const char *journal_writer_error(const journal_writer *w);
bool journal_writer_failed(const journal_writer *w);
/* Bytes accepted so far (header included), whether flushed or not. */
uint64_t journal_writer_size(const journal_writer *w);

/* ---- Reader ---- */

typedef struct journal_reader journal_reader;

/* Opens and checks the header. NULL on failure with the reason in err, which starts with one
 * of "open:", "read:", "short header", "bad magic", "unsupported version", "bad header"
 * (a field out of range, label lengths that do not add up, a header CRC mismatch), "no memory". */
journal_reader *journal_open(const char *path, char *err, size_t cap);
/* Reads a journal held in memory; buf must outlive the reader. */
journal_reader *journal_reader_mem(const uint8_t *buf, size_t len, char *err, size_t cap);

const journal_track *journal_track_of(const journal_reader *r);

/* 1 and *out filled: one record. 0: the end, either clean (after END or at the end of the file)
 * or a torn/corrupt tail, which sets journal_truncated. Negative: JOURNAL_E_IO from the disk.
 * After 0, further calls return 0. */
int journal_next(journal_reader *r, journal_record *out);

/* True when bytes after the last valid record were ignored (torn or corrupt tail, or data after
 * END). Meaningful once journal_next has returned 0 or END. */
bool journal_truncated(const journal_reader *r);
/* Byte offset where the valid data ends: after the header or the last good record. */
uint64_t journal_valid_end(const journal_reader *r);
/* True when an END record was read: the writer closed the journal cleanly. */
bool journal_complete(const journal_reader *r);

void journal_close_reader(journal_reader *r);

#endif
