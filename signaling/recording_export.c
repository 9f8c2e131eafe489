/* What happens to a recording after it stops: the export, run as a child process (`dienhong
 * export --recording R`) one at a time, so that GStreamer's work and any failure of it stay out of
 * the hub; recovery of recordings a crash left open; and the retention period. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

extern char **environ;

#define EXPORT_DELAY_US 1500000u /* lets the recorder's thread close the journals first */
#define RETENTION_EVERY_US (3600ull * 1000000u)

void recording_export_queue(hub *h, const char *recording_id)
{
    for (size_t i = 0; i < h->n_export_queue; i++)
        if (strcmp(h->export_queue[i], recording_id) == 0) return;
    if (h->n_export_queue == DH_ARRAY_LEN(h->export_queue)) {
        LOGW("recording", "export queue full: %s waits for the next start", recording_id);
        return;
    }
    snprintf(h->export_queue[h->n_export_queue++], sizeof h->export_queue[0], "%s", recording_id);
    h->export_not_before_us = util_now_us() + EXPORT_DELAY_US;
}

static void spawn_next(hub *h)
{
    if (!h->n_export_queue || util_now_us() < h->export_not_before_us) return;
    char id[STORE_REC_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", h->export_queue[0]);
    memmove(h->export_queue[0], h->export_queue[1],
            --h->n_export_queue * sizeof h->export_queue[0]);
    store_recording row;
    if (store_recording_get(h->db, id, &row) != 0) return;
    char log_path[STORE_PATH_MAX + 32];
    snprintf(log_path, sizeof log_path, "%s/export.log", row.dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {h->exe, "export", "--data", h->data_dir, "--recording", id, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, h->exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        LOGE("recording", "cannot start the exporter for %s: %s", id, strerror(rc));
        row.state = STORE_REC_FAILED;
        snprintf(row.reason, sizeof row.reason, "exporter did not start: %s", strerror(rc));
        store_recording_update(h->db, &row);
        return;
    }
    h->export_pid = pid;
    snprintf(h->export_running, sizeof h->export_running, "%s", id);
    LOGI("recording", "exporting %s (pid %d)", id, (int)pid);
}

static void reap(hub *h)
{
    int status;
    pid_t rc = waitpid(h->export_pid, &status, WNOHANG);
    if (rc == 0 || (rc < 0 && errno == EINTR)) return;
    h->export_pid = 0;
    store_recording row;
    if (store_recording_get(h->db, h->export_running, &row) != 0) return;
    bool ok = rc > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok && row.state == STORE_REC_READY) {
        LOGI("recording", "%s exported", row.id);
        hub_audit(h, row.meeting, NULL, "recording.export", "%s ready", row.id);
        return;
    }
    /* The exporter writes its own reason when it can; a crash leaves the row as it was. */
    if (row.state != STORE_REC_FAILED) {
        row.state = STORE_REC_FAILED;
        if (rc > 0 && WIFSIGNALED(status))
            snprintf(row.reason, sizeof row.reason, "exporter killed by signal %d",
                     WTERMSIG(status));
        else
            snprintf(row.reason, sizeof row.reason, "exporter failed (status %d)",
                     rc > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        store_recording_update(h->db, &row);
    }
    LOGE("recording", "%s: export failed: %s", row.id, row.reason);
    hub_audit(h, row.meeting, NULL, "recording.export", "%s failed: %s", row.id, row.reason);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

typedef struct expired {
    hub *h;
    int64_t before;
} expired;

static int expire_one(void *ud, const store_recording *r)
{
    expired *e = ud;
    if (r->state == STORE_REC_RECORDING || r->state == STORE_REC_EXPORTING ||
        r->state == STORE_REC_DELETED || !r->stopped_at || r->stopped_at >= e->before)
        return 0;
    /* The path is the hub's own, but it is checked anyway before anything is deleted: it must
     * end in the recording's id. */
    const char *base = strrchr(r->dir, '/');
    if (!base || strcmp(base + 1, r->id) != 0) return 0;
    nftw(r->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    store_recording row = *r;
    row.state = STORE_REC_DELETED;
    snprintf(row.reason, sizeof row.reason, "retention period ended");
    store_recording_update(e->h->db, &row);
    store_recording_files_set(e->h->db, r->id, NULL, 0);
    hub_audit(e->h, r->meeting, NULL, "recording.delete", "%s: older than %u day(s)", r->id,
              e->h->retention_days);
    return 0;
}

void recording_retention(hub *h, int64_t now)
{
    if (!h->retention_days) return;
    expired e = {h, now - (int64_t)h->retention_days * 86400};
    store_recording_list(h->db, NULL, -1, expire_one, &e);
}

void recording_export_tick(hub *h)
{
    if (h->export_pid) reap(h);
    if (!h->export_pid && !h->stopping) spawn_next(h);
    uint64_t now = util_now_us();
    if (now >= h->next_retention_us) {
        h->next_retention_us = now + RETENTION_EVERY_US;
        recording_retention(h, util_unix_time());
    }
}

static int recover_one(void *ud, const store_recording *r)
{
    hub *h = ud;
    if (r->state == STORE_REC_RECORDING) {
        /* The hub died while recording: every journal is valid up to its last sync, which is
         * what the export reads. */
        store_recording row = *r;
        row.state = STORE_REC_STOPPED;
        row.stopped_at = util_unix_time();
        snprintf(row.reason, sizeof row.reason, "interrupted");
        store_recording_update(h->db, &row);
        hub_audit(h, r->meeting, NULL, "recording.recover", "%s", r->id);
        LOGW("recording", "%s of meeting %s was interrupted; recovering it", r->id, r->meeting);
    } else if (r->state != STORE_REC_STOPPED && r->state != STORE_REC_EXPORTING) {
        return 0;
    }
    recording_export_queue(h, r->id);
    return 0;
}

void recording_recover(hub *h)
{
    ssize_t n = readlink("/proc/self/exe", h->exe, sizeof h->exe - 1);
    h->exe[n > 0 ? n : 0] = '\0';
    store_recording_list(h->db, NULL, -1, recover_one, h);
    h->export_not_before_us = 0;
}

void recording_export_shutdown(hub *h)
{
    /* An export in progress is not waited for: the next start exports the recording again. */
    if (h->export_pid) {
        kill(h->export_pid, SIGTERM);
        waitpid(h->export_pid, NULL, 0);
        h->export_pid = 0;
    }
}
