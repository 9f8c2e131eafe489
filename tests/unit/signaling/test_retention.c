/* The retention period: recordings stopped longer ago than the configured days lose their files
 * and are marked deleted with an audit entry; younger ones, ones still recording and anything whose
 * directory does not end in its own id are left alone. */
#include <sys/stat.h>

#include "signaling/hub.h"
#include "tests/unit/signaling/store_fixture.h"

static void make_recording(store *st, const char *base, const char *id, const char *dir_name,
                           store_rec_state state, int64_t stopped_at)
{
    store_recording r = {.started_at = stopped_at - 3600};
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.meeting, sizeof r.meeting, "m-retention1");
    snprintf(r.dir, sizeof r.dir, "%s/%s", base, dir_name);
    CHECK_EQ(store_recording_add(st, &r), 0);
    r.state = state;
    r.stopped_at = stopped_at;
    CHECK_EQ(store_recording_update(st, &r), 0);
    mkdir(r.dir, 0700);
    char sub[STORE_PATH_MAX + 16], f[STORE_PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/export", r.dir);
    mkdir(sub, 0700);
    snprintf(f, sizeof f, "%s/meeting.webm", sub);
    write_bytes(f, "data", 4);
    store_recording_file file = {.size = 4};
    snprintf(file.kind, sizeof file.kind, "meeting");
    snprintf(file.file, sizeof file.file, "meeting.webm");
    snprintf(file.type, sizeof file.type, "video/webm");
    memset(file.sha256, 'b', 64);
    CHECK_EQ(store_recording_files_set(st, id, &file, 1), 0);
}

static bool exists(const char *base, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", base, name);
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int count_files(void *ud, const store_recording_file *f)
{
    (void)f;
    (*(int *)ud)++;
    return 0;
}

static store_rec_state state_of(store *st, const char *id)
{
    store_recording r;
    CHECK_EQ(store_recording_get(st, id, &r), 0);
    return r.state;
}

static void test_retention(void)
{
    char dir[256], base[300];
    store *st = open_fresh(dir, sizeof dir);
    snprintf(base, sizeof base, "%s/recordings", dir);
    mkdir(base, 0700);
    int64_t now = D0 + 100 * DAY;
    make_recording(st, base, "r-OLDOLDOLDOLDOLD1", "r-OLDOLDOLDOLDOLD1", STORE_REC_READY,
                   now - 31 * DAY);
    make_recording(st, base, "r-NEWNEWNEWNEWNEW1", "r-NEWNEWNEWNEWNEW1", STORE_REC_READY,
                   now - 29 * DAY);
    make_recording(st, base, "r-FAILFAILFAILFAI1", "r-FAILFAILFAILFAI1", STORE_REC_FAILED,
                   now - 40 * DAY);
    /* A row pointing elsewhere (a hand-edited store): never deleted. */
    make_recording(st, base, "r-ODDODDODDODDODD1", "somewhere-else", STORE_REC_READY,
                   now - 60 * DAY);

    hub h = {.db = st, .retention_days = 0};
    recording_retention(&h, now); /* 0: keep forever */
    CHECK(exists(base, "r-OLDOLDOLDOLDOLD1"));

    h.retention_days = 30;
    recording_retention(&h, now);
    CHECK(!exists(base, "r-OLDOLDOLDOLDOLD1"));
    CHECK(!exists(base, "r-FAILFAILFAILFAI1"));
    CHECK(exists(base, "r-NEWNEWNEWNEWNEW1/export/meeting.webm"));
    CHECK(exists(base, "somewhere-else/export/meeting.webm"));
    CHECK_EQ(state_of(st, "r-OLDOLDOLDOLDOLD1"), STORE_REC_DELETED);
    CHECK_EQ(state_of(st, "r-FAILFAILFAILFAI1"), STORE_REC_DELETED);
    CHECK_EQ(state_of(st, "r-NEWNEWNEWNEWNEW1"), STORE_REC_READY);
    CHECK_EQ(state_of(st, "r-ODDODDODDODDODD1"), STORE_REC_READY);
    int n = 0;
    store_recording_files_list(st, "r-OLDOLDOLDOLDOLD1", count_files, &n);
    CHECK_EQ(n, 0);
    n = 0;
    store_recording_files_list(st, "r-NEWNEWNEWNEWNEW1", count_files, &n);
    CHECK_EQ(n, 1);

    store_audit a[8];
    size_t got = 0;
    CHECK_EQ(store_audit_list(st, "m-retention1", 0, a, 8, &got), 0);
    size_t deletes = 0;
    for (size_t i = 0; i < got; i++)
        if (strcmp(a[i].action, "recording.delete") == 0) deletes++;
    CHECK_EQ(deletes, 2);

    /* Run again: nothing more to do, no second audit entry. */
    recording_retention(&h, now);
    CHECK_EQ(store_audit_list(st, "m-retention1", 0, a, 8, &got), 0);
    CHECK_EQ(got, 2);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_retention();
    scratch_remove(root);
    CHECK_DONE();
}
