/* Checking exported recording files against their signed manifest, off the signaling thread: a
 * check hashes the whole file (about a second per GB), and on the signaling thread it would stall
 * every meeting of the hub for that long. Each check runs on a thread of its own, at most
 * VERIFY_JOBS_MAX at once (a clerk who asks for many files at once is told to come back, rather
 * than the hub starting a thread per click); the results are picked up on the signaling thread. */
#ifndef DH_VERIFY_JOBS_H
#define DH_VERIFY_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "recorder/manifest.h"
#include "recorder/sign.h"

#define VERIFY_JOBS_MAX 2

typedef struct verify_jobs verify_jobs;

typedef struct verify_result {
    uint64_t ticket; /* the caller's, handed back (the deferred HTTP request) */
    void *ctx;       /* the caller's, handed back; the caller frees it */
    int rc;          /* manifest_check's: 0 authentic, 1 not, -1 could not check (err) */
    manifest_check_result res;
    char err[256];
} verify_result;

/* `wake` is called from a check's thread when its result is ready. */
verify_jobs *verify_jobs_new(void (*wake)(void *), void *ud);
/* Waits for the checks still running; results never polled have their ctx freed. */
void verify_jobs_free(verify_jobs *v);

/* Starts checking file_name in export_dir with `signer`, which it takes over (also on failure).
 * 0, or -1 when VERIFY_JOBS_MAX checks are running or no thread could be made. */
int verify_jobs_start(verify_jobs *v, uint64_t ticket, const char *export_dir,
                      const char *file_name, sign_key *signer, void *ctx);

/* Up to cap results of finished checks, each once. */
size_t verify_jobs_poll(verify_jobs *v, verify_result *out, size_t cap);

#endif
