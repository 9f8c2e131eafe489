/* Feeds arbitrary bytes to the journal reader as a recording file from disk and walks every
 * record. Offsets must increase and add up, lengths stay within bounds, every payload byte handed
 * out must be readable, and the valid prefix must be exactly what the writer would write again
 * for the same header and records (the format has one encoding). */
#include "recorder/journal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

/* Writes the header and records again through the writer into a memfd and compares the bytes
 * with the first `upto` bytes of the input. */
static void rewrite(const uint8_t *data, size_t size, size_t upto)
{
    char err[160];
    journal_reader *r = journal_reader_mem(data, size, err, sizeof err);
    check(r != NULL);
    const journal_track *t = journal_track_of(r);
    int fd = memfd_create("fuzz_journal", MFD_CLOEXEC);
    if (fd < 0 || t->created_us == 0) {
        if (fd >= 0) close(fd);
        journal_close_reader(r);
        return;
    }
    journal_writer *w = journal_create_fd(fd, t, err, sizeof err);
    check(w != NULL);
    journal_record rec;
    while (journal_next(r, &rec) == 1) {
        if (rec.type == JOURNAL_REC_RTP)
            check(journal_append_rtp(w, rec.arrival_us, rec.data, rec.len) == 0);
        else if (rec.type == JOURNAL_REC_SR)
            check(journal_append_sr(w, rec.arrival_us, rec.ntp, rec.rtp_ts) == 0);
        else if (rec.type == JOURNAL_REC_GAP)
            check(journal_append_gap(w, rec.arrival_us, rec.dropped) == 0);
    }
    check(journal_flush(w) == 0);
    check(journal_writer_size(w) == upto);
    uint8_t *back = malloc(upto ? upto : 1);
    check(back != NULL);
    check(pread(fd, back, upto, 0) == (ssize_t)upto);
    check(memcmp(back, data, upto) == 0);
    free(back);
    journal_close_reader(r);
    /* The comparison is done; closing appends END to the memfd, which is dropped. */
    check(journal_close(w) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    journal_reader *r = journal_reader_mem(data, size, err, sizeof err);
    if (!r) {
        check(err[0] != '\0');
        return 0;
    }
    const journal_track *t = journal_track_of(r);
    check(journal_track_valid(t));
    uint64_t header_end = journal_valid_end(r);
    check(header_end >= JOURNAL_HEADER_FIXED + 4 && header_end <= size);

    journal_record rec;
    uint64_t prev_end = header_end, end_start = 0;
    int rc;
    size_t n = 0;
    while ((rc = journal_next(r, &rec)) == 1) {
        n++;
        check(!journal_complete(r) || rec.type == JOURNAL_REC_END);
        check(rec.offset == prev_end);
        check(rec.len <= JOURNAL_MAX_PAYLOAD);
        check(rec.offset + JOURNAL_REC_OVERHEAD + rec.len == journal_valid_end(r));
        check(journal_valid_end(r) <= size);
        prev_end = journal_valid_end(r);
        switch (rec.type) {
        case JOURNAL_REC_RTP: {
            check(rec.len >= JOURNAL_MIN_RTP && rec.data != NULL);
            check(memcmp(rec.data, data + rec.offset + 13, rec.len) == 0);
            break;
        }
        case JOURNAL_REC_SR:
            check(rec.len == 12 && rec.data == NULL);
            break;
        case JOURNAL_REC_GAP:
            check(rec.len == 4 && rec.data == NULL);
            break;
        case JOURNAL_REC_END:
            check(rec.len == 0 && journal_complete(r));
            end_start = rec.offset;
            break;
        default:
            check(false);
        }
    }
    check(rc == 0);
    check(journal_next(r, &rec) == 0);
    check(journal_valid_end(r) == prev_end);
    /* Either everything was read, or the rest was flagged. */
    check(journal_truncated(r) == (prev_end != size));
    journal_close_reader(r);

    rewrite(data, size, end_start ? end_start : prev_end);
    return 0;
}
