/* Recordings in the store: their states through export, the list a clerk sees, and the exported
 * files, whose names become paths and are therefore held to a strict alphabet. */
#include "tests/unit/signaling/store_fixture.h"

static store_recording rec(const char *id, const char *meeting, int64_t at)
{
    store_recording r = {.started_at = at};
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.meeting, sizeof r.meeting, "%s", meeting);
    snprintf(r.dir, sizeof r.dir, "/srv/rec/%s", id);
    return r;
}

static int count_cb(void *ud, const store_recording *r)
{
    (void)r;
    (*(int *)ud)++;
    return 0;
}

typedef struct nested {
    store *st;
    int rows, files;
} nested;

static int count_file(void *ud, const store_recording_file *f)
{
    (void)f;
    ((nested *)ud)->files++;
    return 0;
}

/* A callback may use the store while the list is being walked (the clerk's list does). */
static int with_files(void *ud, const store_recording *r)
{
    nested *n = ud;
    n->rows++;
    CHECK_EQ(store_recording_files_list(n->st, r->id, count_file, n), 0);
    store_recording again;
    CHECK_EQ(store_recording_get(n->st, r->id, &again), 0);
    return 0;
}

static void test_recordings(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    static const struct {
        const char *id, *meeting, *dir;
        int rc;
    } cases[] = {
        {"r-AAAAAAAAAAAAAAAA", "m-Ab12Cd34Ef56", "/srv/rec/a", 0},
        {"r-BBBBBBBBBBBBBBBB", "token-named_1", "/srv/rec/b", 0},
        {"r-AAAAAAAAAAAAAAAA", "m-Ab12Cd34Ef56", "/srv/rec/a", -1}, /* the same id twice */
        {"r-short", "m", "/x", -1},
        {"x-CCCCCCCCCCCCCCCC", "m", "/x", -1},
        {"r-CCCCCCCCCCCCCCC/", "m", "/x", -1},
        {"r-DDDDDDDDDDDDDDDD", "bad meeting", "/x", -1},
        {"r-EEEEEEEEEEEEEEEE", "m", "relative/path", -1},
        {"r-FFFFFFFFFFFFFFFF", "m", "", -1},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        store_recording r = rec(cases[i].id, cases[i].meeting, D0 + (int64_t)i);
        snprintf(r.dir, sizeof r.dir, "%s", cases[i].dir);
        int rc = store_recording_add(st, &r);
        if (rc != cases[i].rc) fprintf(stderr, "  case %zu: %s\n", i, store_error(st));
        CHECK_EQ(rc, cases[i].rc);
    }
    store_recording got;
    CHECK_EQ(store_recording_get(st, "r-AAAAAAAAAAAAAAAA", &got), 0);
    CHECK_EQ(got.state, STORE_REC_RECORDING);
    CHECK_STR(got.dir, "/srv/rec/a");
    CHECK_EQ(store_recording_get(st, "r-ZZZZZZZZZZZZZZZZ", &got), 1);

    store_recording_get(st, "r-AAAAAAAAAAAAAAAA", &got);
    got.state = STORE_REC_STOPPED;
    got.stopped_at = D0 + 20;
    got.dropped = 3;
    snprintf(got.reason, sizeof got.reason, "disk: write: No space left on device");
    CHECK_EQ(store_recording_update(st, &got), 0);
    got.progress = 101;
    CHECK_EQ(store_recording_update(st, &got), -1);
    got.progress = 0;
    snprintf(got.reason, sizeof got.reason, "bad\x01reason");
    CHECK_EQ(store_recording_update(st, &got), -1);
    store_recording missing = rec("r-YYYYYYYYYYYYYYYY", "m", D0);
    CHECK_EQ(store_recording_update(st, &missing), -1);
    CHECK_EQ(store_recording_get(st, "r-AAAAAAAAAAAAAAAA", &got), 0);
    CHECK_EQ(got.state, STORE_REC_STOPPED);
    CHECK_EQ(got.dropped, 3);
    CHECK(contains(got.reason, "No space"));
    CHECK_STR(store_rec_state_name(got.state), "stopped");

    int n = 0;
    CHECK_EQ(store_recording_list(st, NULL, -1, count_cb, &n), 0);
    CHECK_EQ(n, 2);
    n = 0;
    store_recording_list(st, "m-Ab12Cd34Ef56", -1, count_cb, &n);
    CHECK_EQ(n, 1);
    n = 0;
    store_recording_list(st, NULL, STORE_REC_RECORDING, count_cb, &n);
    CHECK_EQ(n, 1);

    /* Many recordings: the list pages through them all, newest first. */
    for (int i = 0; i < 75; i++) {
        char id[32];
        snprintf(id, sizeof id, "r-M%015d", i);
        store_recording r = rec(id, "many", D0 + 1000 + i);
        CHECK_EQ(store_recording_add(st, &r), 0);
    }
    nested nn = {.st = st};
    CHECK_EQ(store_recording_list(st, "many", -1, with_files, &nn), 0);
    CHECK_EQ(nn.rows, 75);
    store_close(st);
}

static store_recording_file file(const char *kind, const char *name, const char *f)
{
    store_recording_file x = {.size = 1234, .duration_ms = 20000};
    snprintf(x.kind, sizeof x.kind, "%s", kind);
    snprintf(x.name, sizeof x.name, "%s", name);
    snprintf(x.file, sizeof x.file, "%s", f);
    snprintf(x.type, sizeof x.type, "video/webm");
    memset(x.sha256, 'a', 64);
    return x;
}

static int collect(void *ud, const store_recording_file *f)
{
    store_recording_file *out = ud;
    while (out->id[0])
        out++;
    *out = *f;
    return 0;
}

static void test_files(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    store_recording r = rec("r-AAAAAAAAAAAAAAAA", "m", D0);
    CHECK_EQ(store_recording_add(st, &r), 0);
    store_recording_file fs[3] = {file("meeting", "Hội nghị", "meeting.webm"),
                                  file("site", "Phường Ba Đình", "site-001.webm"),
                                  file("manifest", "", "manifest.json")};
    snprintf(fs[1].site, sizeof fs[1].site, "ba-dinh");
    CHECK_EQ(store_recording_files_set(st, r.id, fs, 3), 0);
    CHECK(fs[0].id[0] == 'f' && fs[0].id[1] == '-' && strlen(fs[0].id) == STORE_REC_ID_LEN);
    CHECK(strcmp(fs[0].id, fs[1].id) != 0);
    store_recording_file got[8] = {0};
    CHECK_EQ(store_recording_files_list(st, r.id, collect, got), 0);
    CHECK_STR(got[0].file, "meeting.webm");
    CHECK_STR(got[1].name, "Phường Ba Đình");
    CHECK_STR(got[1].site, "ba-dinh");
    CHECK_STR(got[2].kind, "manifest");
    CHECK(got[3].id[0] == '\0');
    store_recording_file one;
    CHECK_EQ(store_recording_file_get(st, fs[1].id, &one), 0);
    CHECK_STR(one.recording, r.id);
    CHECK_EQ(one.duration_ms, 20000);
    CHECK_EQ(store_recording_file_get(st, "f-NOPENOPENOPENOPE", &one), 1);
    CHECK_EQ(store_recording_file_get(st, "../../etc/passwd", &one), 1);

    /* Names that would leave the export directory, or hide in it, are refused, and the list
     * stays as it was. */
    static const char *const bad[] = {"../meeting.webm", ".hidden",  "a/b.webm", "",
                                      "a b.webm",        "x\\y.webm"};
    for (size_t i = 0; i < DH_ARRAY_LEN(bad); i++) {
        store_recording_file f = file("site", "x", bad[i]);
        CHECK_EQ(store_recording_files_set(st, r.id, &f, 1), -1);
    }
    store_recording_file nosha = file("site", "x", "ok.webm");
    nosha.sha256[10] = '\0';
    CHECK_EQ(store_recording_files_set(st, r.id, &nosha, 1), -1);
    memset(got, 0, sizeof got);
    store_recording_files_list(st, r.id, collect, got);
    CHECK_STR(got[2].file, "manifest.json");

    /* Replaced as a whole; emptied by retention. */
    CHECK_EQ(store_recording_files_set(st, r.id, fs, 1), 0);
    memset(got, 0, sizeof got);
    store_recording_files_list(st, r.id, collect, got);
    CHECK(got[0].id[0] && !got[1].id[0]);
    CHECK_EQ(store_recording_files_set(st, r.id, NULL, 0), 0);
    memset(got, 0, sizeof got);
    store_recording_files_list(st, r.id, collect, got);
    CHECK(!got[0].id[0]);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_recordings();
    test_files();
    scratch_remove(root);
    CHECK_DONE();
}
