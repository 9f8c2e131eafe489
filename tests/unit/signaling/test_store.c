/* The store on real SQLite files in a scratch directory: schema and migrations, refusing damaged
 * or foreign files, meetings, invitations, revocations, the audit log, attendance, and everything
 * read back after a reopen. (The sites registry and its CSV import: test_store_sites.c.) */
#include "tests/unit/signaling/store_fixture.h"

static void test_schema(void)
{
    char dir[256], path[512], text[256];

    /* Missing directories are made (0700), the file is created and migrated. */
    snprintf(dir, sizeof dir, "%s/new/a/b", root);
    store *st = open_ok(dir);
    db_path(dir, path, sizeof path);
    CHECK_STR(store_path(st), path);
    CHECK_STR(store_error(st), "");
    struct stat sb;
    CHECK_EQ(stat(dir, &sb), 0);
    CHECK_EQ(sb.st_mode & 0777, 0700);
    CHECK_EQ(stat(path, &sb), 0);
    CHECK(S_ISREG(sb.st_mode));
    CHECK_EQ(site_count(st), 0);
    store_close(st);

    sqlite3 *db = raw_open(dir);
    raw_text(db, "PRAGMA journal_mode", text, sizeof text);
    CHECK_STR(text, "wal");
    raw_text(db, "SELECT group_concat(version) FROM schema_version", text, sizeof text);
    CHECK_STR(text, "1,2,3,4,5");
    raw_text(db, "PRAGMA application_id", text, sizeof text);
    CHECK_STR(text, "1684565607"); /* "dhng" */
    raw_text(db,
             "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = "
             "'table' ORDER BY name)",
             text, sizeof text);
    CHECK_STR(text, "agenda attendance audit ballots documents invitations meetings "
                    "recording_files recordings revocations schema_version sites votes");
    sqlite3_close(db);

    /* Reopening applies nothing twice. */
    st = open_ok(dir);
    store_close(st);
    db = raw_open(dir);
    raw_text(db, "SELECT count(*) FROM schema_version", text, sizeof text);
    CHECK_STR(text, "5");
    sqlite3_close(db);

    /* An empty file (touched, or left by a crash before the first write) is an empty store. */
    new_dir(dir, sizeof dir);
    CHECK_EQ(mkdir(dir, 0700), 0);
    db_path(dir, path, sizeof path);
    write_bytes(path, "", 0);
    st = open_ok(dir);
    put_site(st, "ba-dinh", "Phường Ba Đình", "Ba Đình");
    CHECK_EQ(site_count(st), 1);
    store_close(st);
    db = raw_open(dir);
    raw_text(db, "SELECT max(version) FROM schema_version", text, sizeof text);
    CHECK_STR(text, "5");
    sqlite3_close(db);
}

/* Files the store must refuse, each with a message that says why; none may crash it. */
static void test_refused_files(void)
{
    char dir[256], path[512], err[512], text[64];

    /* Written by a newer build: refused, and left as it was. */
    store *st = open_fresh(dir, sizeof dir);
    store_close(st);
    sqlite3 *db = raw_open(dir);
    raw_exec(db, "INSERT INTO schema_version VALUES (7, 0)");
    sqlite3_close(db);
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "schema version 7, newer than this build's 5"));
    db = raw_open(dir);
    raw_text(db, "SELECT max(version) FROM schema_version", text, sizeof text);
    CHECK_STR(text, "7");
    sqlite3_close(db);

    /* Another program's SQLite file. */
    new_dir(dir, sizeof dir);
    CHECK_EQ(mkdir(dir, 0700), 0);
    db = raw_open(dir);
    raw_exec(db, "CREATE TABLE contacts (name TEXT)");
    sqlite3_close(db);
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "another program"));

    new_dir(dir, sizeof dir);
    CHECK_EQ(mkdir(dir, 0700), 0);
    db = raw_open(dir);
    raw_exec(db, "PRAGMA application_id = 42; CREATE TABLE t (x)");
    sqlite3_close(db);
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "belongs to another program (application id 0x2a)"));

    /* The data directory is a file; the database is a directory. */
    new_dir(dir, sizeof dir);
    write_bytes(dir, "x", 1);
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "is not a directory"));
    new_dir(dir, sizeof dir);
    db_path(dir, path, sizeof path);
    CHECK_EQ(mkdir(dir, 0700), 0);
    CHECK_EQ(mkdir(path, 0700), 0);
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, path));

    /* No directory, no error buffer: still no crash. */
    CHECK(store_open(NULL, err, sizeof err) == NULL);
    CHECK(contains(err, "no data directory"));
    CHECK(store_open(NULL, NULL, 0) == NULL);
    CHECK_STR(store_error(NULL), "no store");
}

static void test_corrupt(void)
{
    char dir[256], path[512], err[512];

    /* Random bytes of every size in place of the database. */
    static const size_t sizes[] = {1, 100, 512, 4096, 65536};
    for (size_t i = 0; i < DH_ARRAY_LEN(sizes); i++) {
        new_dir(dir, sizeof dir);
        CHECK_EQ(mkdir(dir, 0700), 0);
        db_path(dir, path, sizeof path);
        uint8_t *junk = malloc(sizes[i]);
        util_random(junk, sizes[i]);
        junk[0] = 'x'; /* never "SQLite format 3" by chance */
        write_bytes(path, junk, sizes[i]);
        free(junk);
        err[0] = '\0';
        CHECK(store_open(dir, err, sizeof err) == NULL);
        CHECK(contains(err, path));
        CHECK(contains(err, "damaged or not a database"));
        CHECK(contains(err, "move it aside"));
        /* Refused, not replaced: the evidence stays. */
        struct stat sb;
        CHECK_EQ(stat(path, &sb), 0);
        CHECK_EQ(sb.st_size, (long long)sizes[i]);
    }

    /* A real store whose pages past the first were overwritten: the header still says SQLite,
     * the damage is found by the check at open. */
    store *st = open_fresh(dir, sizeof dir);
    char csv[64 * 1024];
    size_t n = (size_t)snprintf(csv, sizeof csv, "code,name,district\n");
    for (int i = 1; i <= 300; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "s-%03d,Điểm cầu %03d,Quận %d\n", i, i,
                              i % 12);
    CHECK_EQ(store_site_import_csv(st, csv, n, NULL), 0);
    store_close(st);
    db_path(dir, path, sizeof path);
    struct stat sb;
    CHECK_EQ(stat(path, &sb), 0);
    CHECK(sb.st_size > 3 * 4096);
    /* Every page but the first: the schema still reads, the tables do not. */
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    for (off_t at = 4096; at < sb.st_size; at += 4096) {
        uint8_t junk[4096];
        util_random(junk, sizeof junk);
        CHECK_EQ(pwrite(fd, junk, sizeof junk, at), (long long)sizeof junk);
    }
    close(fd);
    err[0] = '\0';
    CHECK(store_open(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "damaged"));
    CHECK(contains(err, path));
    printf("a store with a damaged page is refused: %s\n", err);
}

/* A write lock held by another connection: the store waits its busy timeout, then fails with a
 * message; it neither hangs nor crashes. */
static void test_busy(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    sqlite3 *db = raw_open(dir);
    raw_exec(db, "BEGIN IMMEDIATE");
    uint64_t t0 = util_now_us();
    store_site s = {"ba-dinh", "Phường Ba Đình", "Ba Đình"};
    CHECK_EQ(store_site_put(st, &s), -1);
    uint64_t waited_ms = (util_now_us() - t0) / 1000;
    CHECK(waited_ms >= 900 && waited_ms < 5000);
    CHECK(contains(store_error(st), "locked"));
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);
    CHECK_EQ(store_site_put(st, &s), 0);
    store_close(st);
}

/* ---- sites and the CSV import ---- */

static store_meeting meeting_new(store *st, const char *title, int64_t start, int64_t end)
{
    store_meeting m = {0};
    snprintf(m.title, sizeof m.title, "%s", title);
    m.starts_at = start;
    m.ends_at = end;
    CHECK_EQ(store_meeting_create(st, &m, D0 - DAY), 0);
    return m;
}

static bool id_ok(const char *id)
{
    if (strlen(id) != STORE_MEETING_ID_LEN || strncmp(id, "m-", 2) != 0) return false;
    for (const char *p = id + 2; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

static void test_meetings(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);

    store_meeting m1 = {0};
    snprintf(m1.title, sizeof m1.title, "Hội nghị giao ban tháng 6");
    m1.starts_at = D0 + 8 * 3600;
    m1.ends_at = D0 + 12 * 3600;
    m1.record_on_start = true;
    CHECK_EQ(store_meeting_create(st, &m1, D0 - 100), 0);
    CHECK(id_ok(m1.id));
    CHECK_EQ(m1.state, STORE_MEETING_SCHEDULED);
    CHECK_EQ(m1.created_at, D0 - 100);
    store_meeting m2 = meeting_new(st, "Họp chiều", D0 + DAY + 14 * 3600, D0 + DAY + 16 * 3600);
    store_meeting m3 =
        meeting_new(st, "Tuần sau", D0 + 7 * DAY + 8 * 3600, D0 + 7 * DAY + 11 * 3600);
    store_meeting m4 = meeting_new(st, "Zero", D0 + 2 * DAY, D0 + 2 * DAY);
    CHECK(strcmp(m1.id, m2.id) != 0 && strcmp(m2.id, m3.id) != 0);

    store_meeting got;
    CHECK_EQ(store_meeting_get(st, m1.id, &got), 0);
    CHECK_STR(got.id, m1.id);
    CHECK_STR(got.title, "Hội nghị giao ban tháng 6");
    CHECK_EQ(got.starts_at, m1.starts_at);
    CHECK_EQ(got.ends_at, m1.ends_at);
    CHECK_EQ(got.state, STORE_MEETING_SCHEDULED);
    CHECK(got.record_on_start);
    CHECK(!got.invite_all);
    CHECK_EQ(got.created_at, D0 - 100);
    CHECK_EQ(store_meeting_get(st, "m-nothere0000", &got), 1);
    CHECK_EQ(store_meeting_get(st, "", &got), 1);

    /* Refused at creation. */
    char long_title[STORE_TITLE_MAX + 1];
    memset(long_title, 't', sizeof long_title - 1);
    long_title[sizeof long_title - 1] = '\0';
    static const struct {
        const char *title;
        int64_t start, end;
        const char *why;
    } bad[] = {
        {"", D0, D0 + 1, "title is empty"},
        {"Ends first", D0, D0 - 1, "ends before it starts"},
        {"H\xE0 N\xF4i", D0, D0 + 1, "title is not UTF-8"},
        {"Two\nlines", D0, D0 + 1, "control character"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(bad); i++) {
        store_meeting m = {0};
        snprintf(m.title, sizeof m.title, "%s", bad[i].title);
        m.starts_at = bad[i].start;
        m.ends_at = bad[i].end;
        CHECK_EQ(store_meeting_create(st, &m, D0), -1);
        CHECK(contains(store_error(st), bad[i].why));
        CHECK_STR(m.id, "");
    }
    store_meeting longest = meeting_new(st, long_title, 1, 2); /* 511 bytes: the limit */
    CHECK(id_ok(longest.id));

    /* Listing by range: what meets [from, to), by start. */
    static const struct {
        int64_t from, to;
        int expect[5]; /* 1-based meeting numbers, 0-terminated */
    } ranges[] = {
        {D0, D0 + DAY, {1}},
        {D0, D0 + 2 * DAY, {1, 2}},
        {D0 + DAY, D0 + 2 * DAY, {2}},        /* the zero-length m4 starts at `to` */
        {D0 + 9 * 3600, D0 + 10 * 3600, {1}}, /* in the middle of m1 */
        {D0 + 12 * 3600, D0 + DAY, {0}},      /* m1 ends exactly at `from` */
        {D0 + 2 * DAY, D0 + 3 * DAY, {4}},    /* zero-length at `from` */
        {D0 + 11 * 3600, D0 + 7 * DAY + 9 * 3600, {1, 2, 4, 3}},
        {D0 + 8 * DAY, D0 + 9 * DAY, {0}},
    };
    const store_meeting *all[] = {NULL, &m1, &m2, &m3, &m4};
    for (size_t i = 0; i < DH_ARRAY_LEN(ranges); i++) {
        store_meeting out[8];
        size_t n = 99, want = 0;
        CHECK_EQ(store_meeting_list(st, ranges[i].from, ranges[i].to, out, 8, &n), 0);
        while (want < 5 && ranges[i].expect[want])
            want++;
        CHECK_EQ(n, want);
        for (size_t k = 0; k < n && k < want; k++)
            CHECK_STR(out[k].id, all[ranges[i].expect[k]]->id);
    }
    /* A small array: filled, and the count says how many there were. */
    store_meeting two[2];
    size_t n = 0;
    CHECK_EQ(store_meeting_list(st, 0, INT64_MAX, two, 2, &n), 0);
    CHECK_EQ(n, 5);
    CHECK_STR(two[0].id, longest.id);
    CHECK_STR(two[1].id, m1.id);
    CHECK_EQ(store_meeting_list(st, 0, INT64_MAX, NULL, 0, &n), 0);
    CHECK_EQ(n, 5);

    /* The state machine. */
    static const struct {
        store_meeting_state to;
        int rc;
    } path1[] = {
        {STORE_MEETING_SCHEDULED, 0},  {STORE_MEETING_OPEN, 0},   {STORE_MEETING_OPEN, 0},
        {STORE_MEETING_SCHEDULED, -1}, {STORE_MEETING_CLOSED, 0}, {STORE_MEETING_OPEN, -1},
        {STORE_MEETING_SCHEDULED, -1}, {STORE_MEETING_CLOSED, 0},
    };
    store_meeting_state expect = STORE_MEETING_SCHEDULED;
    for (size_t i = 0; i < DH_ARRAY_LEN(path1); i++) {
        CHECK_EQ(store_meeting_set_state(st, m1.id, path1[i].to, D0), path1[i].rc);
        if (path1[i].rc == 0) expect = path1[i].to;
        CHECK_EQ(store_meeting_get(st, m1.id, &got), 0);
        CHECK_EQ(got.state, expect);
    }
    CHECK_EQ(store_meeting_set_state(st, m1.id, STORE_MEETING_OPEN, D0), -1);
    CHECK(contains(store_error(st), "is closed; it cannot become open"));
    CHECK_EQ(store_meeting_set_state(st, m2.id, STORE_MEETING_CLOSED, D0), 0); /* cancelled */
    CHECK_EQ(store_meeting_set_state(st, "m-nothere0000", STORE_MEETING_OPEN, D0), -1);
    CHECK(contains(store_error(st), "no meeting \"m-nothere0000\""));
    CHECK_EQ(store_meeting_set_state(st, m3.id, (store_meeting_state)7, D0), -1);

    static const char *const names[] = {"scheduled", "open", "closed"};
    for (int i = 0; i < 3; i++) {
        store_meeting_state s;
        CHECK_STR(store_meeting_state_name((store_meeting_state)i), names[i]);
        CHECK_EQ(store_meeting_state_from_name(names[i], &s), 0);
        CHECK_EQ(s, i);
    }
    store_meeting_state s;
    CHECK_EQ(store_meeting_state_from_name("Open", &s), -1);
    CHECK_EQ(store_meeting_state_from_name(NULL, &s), -1);
    CHECK_STR(store_meeting_state_name((store_meeting_state)9), "unknown");
    store_close(st);
}

static void test_invitations(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    static const char *const codes[] = {"a-1", "a-2", "a-3", "a-4", "a-5"};
    for (size_t i = 0; i < DH_ARRAY_LEN(codes); i++)
        put_site(st, codes[i], codes[i], "");
    store_meeting m = meeting_new(st, "Invited", D0, D0 + 3600);

    const char *first[] = {"a-1", "a-2", "a-2"};
    CHECK_EQ(store_meeting_invite(st, m.id, first, 3), 0);
    const char *with_unknown[] = {"a-3", "nope", "a-4"};
    CHECK_EQ(store_meeting_invite(st, m.id, with_unknown, 3), -1);
    CHECK(contains(store_error(st), "no site \"nope\""));
    CHECK_EQ(store_meeting_is_invited(st, m.id, "a-1"), 1);
    CHECK_EQ(store_meeting_is_invited(st, m.id, "a-3"), 0); /* all or nothing */
    CHECK_EQ(store_meeting_is_invited(st, m.id, "zzz"), 0);
    CHECK_EQ(store_meeting_is_invited(st, "m-nothere0000", "a-1"), -1);
    site_list l = {0};
    CHECK_EQ(store_meeting_invited(st, m.id, collect_site, &l), 0);
    CHECK_STR(l.codes, "a-1 a-2");

    CHECK_EQ(store_meeting_invite_all(st, m.id, true), 0);
    CHECK_EQ(store_meeting_is_invited(st, m.id, "a-5"), 1);
    CHECK_EQ(store_meeting_is_invited(st, m.id, "zzz"), 0);
    site_list everyone = {0};
    CHECK_EQ(store_meeting_invited(st, m.id, collect_site, &everyone), 0);
    CHECK_STR(everyone.codes, "a-1 a-2 a-3 a-4 a-5");
    store_meeting got;
    CHECK_EQ(store_meeting_get(st, m.id, &got), 0);
    CHECK(got.invite_all);
    CHECK_EQ(store_meeting_invite_all(st, m.id, false), 0);
    site_list again = {0};
    CHECK_EQ(store_meeting_invited(st, m.id, collect_site, &again), 0);
    CHECK_STR(again.codes, "a-1 a-2");
    CHECK_EQ(store_meeting_invited(st, "m-nothere0000", collect_site, &again), -1);

    /* A closed meeting's list is final. */
    CHECK_EQ(store_meeting_set_state(st, m.id, STORE_MEETING_CLOSED, D0), 0);
    const char *late[] = {"a-5"};
    CHECK_EQ(store_meeting_invite(st, m.id, late, 1), -1);
    CHECK(contains(store_error(st), "closed"));
    CHECK_EQ(store_meeting_invite_all(st, m.id, true), -1);
    store_close(st);
}

/* ---- revocations and the audit log ---- */

static void test_revocations(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    CHECK_EQ(store_is_revoked(st, "tok1"), 0);
    CHECK_EQ(store_revoke(st, "tok1", "council-1", D0, "kick: ồn ào"), 0);
    CHECK_EQ(store_is_revoked(st, "tok1"), 1);
    CHECK_EQ(store_revoke(st, "tok1", "council-1", D0 + 5, "again"), 0);
    CHECK_EQ(store_is_revoked(st, "tok1"), 1);
    CHECK_EQ(store_is_revoked(st, "tok2"), 0);
    CHECK_EQ(store_is_revoked(st, ""), 0);
    CHECK_EQ(store_revoke(st, "tok2", "council-1", D0, NULL), 0);
    CHECK_EQ(store_is_revoked(st, "tok2"), 1);

    static const struct {
        const char *token, *meeting, *reason, *why;
    } bad[] = {
        {"", "m", "r", "bad token id"},
        {"bad id", "m", "r", "bad token id"},
        {"123456789012345678901234567890123", "m", "r", "bad token id"},
        {"tok3", "", "r", "bad meeting id"},
        {"tok3", "m/1", "r", "bad meeting id"},
        {"tok3", "m", "\xFF", "reason is not UTF-8"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(bad); i++) {
        CHECK_EQ(store_revoke(st, bad[i].token, bad[i].meeting, D0, bad[i].reason), -1);
        CHECK(contains(store_error(st), bad[i].why));
    }
    CHECK_EQ(store_is_revoked(st, "tok3"), 0);
    store_close(st);

    /* The first record is the one kept. */
    sqlite3 *db = raw_open(dir);
    char text[128];
    raw_text(db, "SELECT at || ' ' || reason FROM revocations WHERE token_id = 'tok1'", text,
             sizeof text);
    CHECK_STR(text, "1750032000 kick: ồn ào");
    sqlite3_close(db);
}

static void test_audit(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    store_actor chair = {ROLE_CHAIR, "", "tokchair"};
    store_actor op = {ROLE_OPERATOR, "", "tokop"};
    store_actor site = {ROLE_SITE, "ba-dinh", "toksite"};
    CHECK_EQ(store_audit_append(st, D0 + 1, "council-1", &chair, "meeting.open", ""), 0);
    CHECK_EQ(store_audit_append(st, D0 + 2, "council-1", &site, "floor.ask", NULL), 0);
    CHECK_EQ(store_audit_append(st, D0 + 3, "other", &op, "mute", "all"), 0);
    CHECK_EQ(store_audit_append(st, D0 + 4, "council-1", &chair, "floor.give", "ba-dinh"), 0);
    CHECK_EQ(store_audit_append(st, D0 + 5, "council-1", &op, "kick", "site tay-ho: ồn"), 0);
    /* A clock that stepped back does not reorder the log: it is read in the order written. */
    CHECK_EQ(store_audit_append(st, D0 + 1, "council-1", NULL, "refused", "bad token"), 0);

    store_audit out[10];
    size_t n = 0;
    CHECK_EQ(store_audit_list(st, "council-1", 0, out, 10, &n), 0);
    CHECK_EQ(n, 5);
    static const char *const newest_first[] = {"refused", "kick", "floor.give", "floor.ask",
                                               "meeting.open"};
    for (size_t i = 0; i < n && i < 5; i++) {
        CHECK_STR(out[i].action, newest_first[i]);
        CHECK_STR(out[i].meeting, "council-1");
        if (i) CHECK(out[i].id < out[i - 1].id);
    }
    CHECK_EQ(out[0].actor.role, ROLE_NONE);
    CHECK_STR(out[0].actor.token_id, "");
    CHECK_EQ(out[0].at, D0 + 1);
    CHECK_STR(out[0].detail, "bad token");
    CHECK_EQ(out[1].actor.role, ROLE_OPERATOR);
    CHECK_STR(out[1].detail, "site tay-ho: ồn");
    CHECK_EQ(out[3].actor.role, ROLE_SITE);
    CHECK_STR(out[3].actor.site, "ba-dinh");
    CHECK_STR(out[3].actor.token_id, "toksite");
    CHECK_STR(out[3].detail, "");

    /* Pages: two, two, one, none. */
    int64_t before = 0;
    size_t pages[4], total = 0;
    for (int p = 0; p < 4; p++) {
        store_audit page[2];
        CHECK_EQ(store_audit_list(st, "council-1", before, page, 2, &pages[p]), 0);
        for (size_t i = 0; i < pages[p]; i++)
            CHECK_EQ(page[i].id, out[total + i].id);
        total += pages[p];
        if (pages[p]) before = page[pages[p] - 1].id;
    }
    CHECK_EQ(pages[0], 2);
    CHECK_EQ(pages[1], 2);
    CHECK_EQ(pages[2], 1);
    CHECK_EQ(pages[3], 0);
    CHECK_EQ(store_audit_list(st, "other", 0, out, 10, &n), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(store_audit_list(st, "nobody", 0, out, 10, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(store_audit_list(st, "council-1", 0, out, 0, &n), 0);
    CHECK_EQ(n, 0);

    /* Details are kept whatever they hold. */
    char many[700] = "";
    for (int i = 0; i < 300; i++)
        strcat(many, "é");
    char expect_many[256] = "";
    for (int i = 0; i < 127; i++) /* 254 bytes: the 128th 'é' would make 256 */
        strcat(expect_many, "é");
    static const struct {
        const char *in, *out;
    } details[] = {
        {"plain", "plain"},
        {"a\x01"
         "b",
         "a?b"},
        {"x\xFFy", "x?y"},
        {"Hà\nNội", "Hà?Nội"},
        {"\xC2\x85", "?"},
        {"\xE2\x82", "??"},
        {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
        {"\xED\xA0\x80", "???"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(details) + 1; i++) {
        const char *in = i < DH_ARRAY_LEN(details) ? details[i].in : many;
        const char *want = i < DH_ARRAY_LEN(details) ? details[i].out : expect_many;
        CHECK_EQ(store_audit_append(st, D0, "details", &chair, "note", in), 0);
        CHECK_EQ(store_audit_list(st, "details", 0, out, 1, &n), 0);
        CHECK_EQ(n, 1);
        CHECK_STR(out[0].detail, want);
    }

    /* What must be well-formed is refused. */
    store_actor bad_site = {ROLE_SITE, "ba dinh", ""};
    store_actor bad_tok = {ROLE_SITE, "ba-dinh", "tok!"};
    CHECK_EQ(store_audit_append(st, D0, "council-1", &chair, "Floor Give", ""), -1);
    CHECK(contains(store_error(st), "bad audit action"));
    CHECK_EQ(store_audit_append(st, D0, "council-1", &chair, "", ""), -1);
    CHECK_EQ(
        store_audit_append(st, D0, "council-1", &chair, "a23456789012345678901234567890123", ""),
        -1);
    CHECK_EQ(store_audit_append(st, D0, "council 1", &chair, "kick", ""), -1);
    CHECK_EQ(store_audit_append(st, D0, "council-1", &bad_site, "kick", ""), -1);
    CHECK_EQ(store_audit_append(st, D0, "council-1", &bad_tok, "kick", ""), -1);
    CHECK_EQ(store_audit_append(st, D0, "", NULL, "hub.start", "no meeting"), 0);
    CHECK_EQ(store_audit_list(st, "council-1", 0, out, 10, &n), 0);
    CHECK_EQ(n, 5);
    store_close(st);
}

/* ---- attendance ---- */

typedef struct att_list {
    store_attendance rows[16];
    size_t n;
} att_list;

static int collect_att(void *ud, const store_attendance *a)
{
    att_list *l = ud;
    if (l->n < DH_ARRAY_LEN(l->rows)) l->rows[l->n] = *a;
    l->n++;
    return 0;
}

static att_list attendance(store *st, const char *meeting, int64_t now)
{
    att_list l;
    memset(&l, 0, sizeof l);
    CHECK_EQ(store_attendance_list(st, meeting, now, collect_att, &l), 0);
    return l;
}

typedef struct att_expect {
    const char *code;
    store_attendance_state state;
    bool invited, connected;
    uint32_t joins;
    int64_t seconds, first_joined, last_joined, last_left; /* relative to S; -1: 0 */
} att_expect;

static void check_att(const att_list *l, const att_expect *e, size_t n, int64_t S)
{
    CHECK_EQ(l->n, n);
    for (size_t i = 0; i < n && i < l->n; i++) {
        const store_attendance *a = &l->rows[i];
        CHECK_STR(a->site.code, e[i].code);
        CHECK_EQ(a->state, e[i].state);
        CHECK_EQ(a->invited, e[i].invited);
        CHECK_EQ(a->connected, e[i].connected);
        CHECK_EQ(a->joins, e[i].joins);
        CHECK_EQ(a->seconds_present, e[i].seconds);
        CHECK_EQ(a->first_joined, e[i].first_joined < 0 ? 0 : S + e[i].first_joined);
        CHECK_EQ(a->last_joined, e[i].last_joined < 0 ? 0 : S + e[i].last_joined);
        CHECK_EQ(a->last_left, e[i].last_left < 0 ? 0 : S + e[i].last_left);
    }
}

static void test_attendance(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    static const char *const codes[] = {"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"};
    for (size_t i = 0; i < DH_ARRAY_LEN(codes); i++)
        put_site(st, codes[i], "Điểm cầu", "");
    const int64_t S = D0 + 8 * 3600, LATE = S + 300;
    store_meeting m = meeting_new(st, "Roll call", S, S + 4 * 3600);
    CHECK_EQ(store_meeting_invite(st, m.id, (const char *const[]){"a-1", "a-2", "a-3", "a-4"}, 4),
             0);
    CHECK_EQ(store_meeting_set_state(st, m.id, STORE_MEETING_OPEN, S), 0);

    /* Before anyone joins: every invited site, absent. */
    att_list l = attendance(st, m.id, S);
    CHECK_EQ(l.n, 4);
    for (size_t i = 0; i < l.n; i++) {
        CHECK_EQ(l.rows[i].state, STORE_ATT_ABSENT);
        CHECK(l.rows[i].invited);
        CHECK_STR(l.rows[i].site.name, "Điểm cầu");
    }

    static const struct {
        char op; /* 'j'oin, 'l'eave */
        const char *site;
        int64_t at; /* relative to S */
        int rc;
    } events[] = {
        {'j', "a-1", 10, 0},    {'j', "a-5", 20, 0},    /* a-5 is not invited, still counted */
        {'j', "a-4", 50, 0},    {'j', "a-4", 60, 0},    /* a reconnection beating the old close */
        {'l', "a-4", 70, 0},    {'l', "a-1", 100, 0},   /* a-4 still has one connection */
        {'j', "a-1", 200, 0},   {'j', "a-6", 300, 0},   /* exactly at late_after: on time */
        {'l', "a-6", 250, 0},                           /* clock stepped back: adds nothing */
        {'l', "a-1", 500, 0},   {'j', "a-2", 600, 0},   /* a-2 is late */
        {'l', "a-4", 1000, 0},  {'l', "a-3", 1000, -1}, /* a-3 never came */
        {'l', "a-1", 1000, -1},                         /* a-1 already gone */
        {'j', "zzz", 1000, -1},                         /* unknown site */
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(events); i++) {
        int rc = events[i].op == 'j'
                     ? store_attendance_join(st, m.id, events[i].site, S + events[i].at, LATE)
                     : store_attendance_leave(st, m.id, events[i].site, S + events[i].at);
        CHECK_EQ(rc, events[i].rc);
        if (rc != events[i].rc) fprintf(stderr, "  event %zu: %s\n", i, store_error(st));
    }
    CHECK_EQ(store_attendance_leave(st, m.id, "a-3", S), -1);
    CHECK(contains(store_error(st), "site \"a-3\" is not connected to meeting"));
    CHECK_EQ(store_attendance_join(st, m.id, "zzz", S, LATE), -1);
    CHECK(contains(store_error(st), "no site \"zzz\""));
    CHECK_EQ(store_attendance_join(st, "m-nothere0000", "a-1", S, LATE), -1);
    CHECK(contains(store_error(st), "no meeting"));

    const att_expect live[] = {
        /* code, state, invited, connected, joins, seconds, first, last joined, last left */
        {"a-1", STORE_ATT_RECONNECTING, true, false, 2, 90 + 300, 10, 200, 500},
        {"a-2", STORE_ATT_LATE, true, true, 1, 1200 - 600, 600, 600, -1},
        {"a-3", STORE_ATT_ABSENT, true, false, 0, 0, -1, -1, -1},
        {"a-4", STORE_ATT_RECONNECTING, true, false, 2, 1000 - 50, 50, 60, 1000},
        {"a-5", STORE_ATT_PRESENT, false, true, 1, 1200 - 20, 20, 20, -1},
        {"a-6", STORE_ATT_RECONNECTING, false, false, 1, 0, 300, 300, 250},
    };
    l = attendance(st, m.id, S + 1200);
    check_att(&l, live, DH_ARRAY_LEN(live), S);

    /* Closing ends the open presences; those who left were there. */
    CHECK_EQ(store_meeting_set_state(st, m.id, STORE_MEETING_CLOSED, S + 1500), 0);
    const att_expect closed[] = {
        {"a-1", STORE_ATT_PRESENT, true, false, 2, 390, 10, 200, 500},
        {"a-2", STORE_ATT_LATE, true, false, 1, 900, 600, 600, 1500},
        {"a-3", STORE_ATT_ABSENT, true, false, 0, 0, -1, -1, -1},
        {"a-4", STORE_ATT_PRESENT, true, false, 2, 950, 50, 60, 1000},
        {"a-5", STORE_ATT_PRESENT, false, false, 1, 1480, 20, 20, 1500},
        {"a-6", STORE_ATT_PRESENT, false, false, 1, 0, 300, 300, 250},
    };
    l = attendance(st, m.id, S + 99999); /* nothing open: `now` no longer matters */
    check_att(&l, closed, DH_ARRAY_LEN(closed), S);
    CHECK_EQ(store_attendance_join(st, m.id, "a-3", S + 1600, LATE), -1);
    CHECK(contains(store_error(st), "closed"));

    /* Everyone invited: the whole registry is on the roll. leave_all(NULL) closes the presences
     * of every meeting, as at start-up after a crash. */
    store_meeting all = meeting_new(st, "Everyone", S, S + 3600);
    store_meeting other = meeting_new(st, "Other", S, S + 3600);
    CHECK_EQ(store_meeting_invite_all(st, all.id, true), 0);
    CHECK_EQ(store_attendance_join(st, all.id, "a-6", S + 100, S), 0);
    CHECK_EQ(store_attendance_join(st, other.id, "a-1", S + 100, S + 200), 0);
    l = attendance(st, all.id, S + 200);
    CHECK_EQ(l.n, DH_ARRAY_LEN(codes));
    CHECK_EQ(l.rows[5].state, STORE_ATT_LATE);
    CHECK_EQ(l.rows[5].seconds_present, 100);
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ(l.rows[i].state, STORE_ATT_ABSENT);
    CHECK_EQ(store_attendance_leave_all(st, NULL, S + 400), 0);
    l = attendance(st, all.id, S + 9999);
    CHECK_EQ(l.rows[5].state, STORE_ATT_RECONNECTING);
    CHECK_EQ(l.rows[5].seconds_present, 300);
    l = attendance(st, other.id, S + 9999);
    CHECK_EQ(l.n, 1);
    CHECK_EQ(l.rows[0].state, STORE_ATT_RECONNECTING);
    CHECK_EQ(l.rows[0].seconds_present, 300);
    CHECK(!l.rows[0].invited);
    CHECK_EQ(store_attendance_leave_all(st, other.id, S + 500), 0); /* nothing open: fine */
    CHECK_EQ(store_attendance_list(st, "m-nothere0000", S, collect_att, &l), -1);

    static const char *const names[] = {"absent", "present", "late", "reconnecting"};
    for (int i = 0; i < 4; i++)
        CHECK_STR(store_attendance_state_name((store_attendance_state)i), names[i]);
    store_close(st);
}

/* A meeting of 579 sites: joins, a wave of reconnections, the roll. Timed, since all of it runs
 * on the signaling thread. */
static void test_attendance_579(void)
{
    char dir[256], path[512];
    store *st = open_fresh(dir, sizeof dir);
    test_data_path("../../e2e/fixtures/sites-579.csv", path, sizeof path);
    CHECK_EQ(store_site_import_file(st, path, NULL), 0);
    const int64_t S = D0 + 8 * 3600;
    store_meeting m = meeting_new(st, "Toàn thành phố", S, S + 4 * 3600);
    CHECK_EQ(store_meeting_invite_all(st, m.id, true), 0);
    uint64_t t0 = util_now_us();
    int fails = 0;
    for (int i = 1; i <= 579; i++) {
        char code[16];
        snprintf(code, sizeof code, "site-%03d", i);
        fails += store_attendance_join(st, m.id, code, S + i, S + 300) != 0;
        if (i % 3 == 0) {
            fails += store_attendance_leave(st, m.id, code, S + 1000) != 0;
            fails += store_attendance_join(st, m.id, code, S + 1010, S + 300) != 0;
        }
    }
    uint64_t t1 = util_now_us();
    att_list l;
    memset(&l, 0, sizeof l);
    CHECK_EQ(store_attendance_list(st, m.id, S + 2000, collect_att, &l), 0);
    uint64_t t2 = util_now_us();
    CHECK_EQ(fails, 0);
    CHECK_EQ(l.n, 579);
    printf("attendance of 579 sites: %.2f ms for 965 joins and leaves, %.2f ms for the roll\n",
           (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0);
    store_close(st);
}

/* ---- everything survives a restart ---- */

/* Field by field: the structs have padding that nobody initialises. */
static bool meeting_equal(const store_meeting *a, const store_meeting *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->title, b->title) == 0 &&
           a->starts_at == b->starts_at && a->ends_at == b->ends_at && a->state == b->state &&
           a->record_on_start == b->record_on_start && a->invite_all == b->invite_all &&
           a->created_at == b->created_at;
}

static bool audit_equal(const store_audit *a, const store_audit *b)
{
    return a->id == b->id && a->at == b->at && strcmp(a->meeting, b->meeting) == 0 &&
           a->actor.role == b->actor.role && strcmp(a->actor.site, b->actor.site) == 0 &&
           strcmp(a->actor.token_id, b->actor.token_id) == 0 && strcmp(a->action, b->action) == 0 &&
           strcmp(a->detail, b->detail) == 0;
}

static bool att_equal(const store_attendance *a, const store_attendance *b)
{
    return strcmp(a->site.code, b->site.code) == 0 && strcmp(a->site.name, b->site.name) == 0 &&
           strcmp(a->site.district, b->site.district) == 0 && a->state == b->state &&
           a->invited == b->invited && a->connected == b->connected &&
           a->first_joined == b->first_joined && a->last_joined == b->last_joined &&
           a->last_left == b->last_left && a->seconds_present == b->seconds_present &&
           a->joins == b->joins;
}

static void test_persistence(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    const int64_t S = D0 + 8 * 3600;
    static const char csv[] = "code,name,district\n"
                              "ba-dinh,Phường Ba Đình,Ba Đình\n"
                              "tay-ho,Phường Tây Hồ,Tây Hồ\n"
                              "soc-son,Xã Sóc Sơn,Sóc Sơn\n";
    CHECK_EQ(store_site_import_csv(st, csv, sizeof csv - 1, NULL), 0);
    store_meeting m = {0};
    snprintf(m.title, sizeof m.title, "Phiên họp thường kỳ");
    m.starts_at = S;
    m.ends_at = S + 3600;
    m.record_on_start = true;
    CHECK_EQ(store_meeting_create(st, &m, D0), 0);
    CHECK_EQ(store_meeting_invite(st, m.id, (const char *const[]){"ba-dinh", "tay-ho"}, 2), 0);
    CHECK_EQ(store_meeting_set_state(st, m.id, STORE_MEETING_OPEN, S), 0);
    CHECK_EQ(store_revoke(st, "tokkicked", m.id, S + 30, "kick"), 0);
    store_actor chair = {ROLE_CHAIR, "", "tokchair"};
    CHECK_EQ(store_audit_append(st, S + 1, m.id, &chair, "meeting.open", ""), 0);
    CHECK_EQ(store_audit_append(st, S + 30, m.id, &chair, "kick", "tay-ho"), 0);
    CHECK_EQ(store_attendance_join(st, m.id, "ba-dinh", S + 5, S + 300), 0);
    CHECK_EQ(store_attendance_join(st, m.id, "tay-ho", S + 6, S + 300), 0);
    CHECK_EQ(store_attendance_leave(st, m.id, "tay-ho", S + 30), 0);
    CHECK_EQ(store_attendance_join(st, m.id, "tay-ho", S + 400, S + 300), 0); /* still open */

    store_meeting before_m;
    CHECK_EQ(store_meeting_get(st, m.id, &before_m), 0);
    att_list before_att = attendance(st, m.id, S + 600);
    store_audit before_audit[4];
    size_t before_n = 0;
    CHECK_EQ(store_audit_list(st, m.id, 0, before_audit, 4, &before_n), 0);
    store_close(st);

    st = open_ok(dir);
    CHECK_EQ(site_count(st), 3);
    check_site(st, "soc-son", "Xã Sóc Sơn", "Sóc Sơn");
    store_meeting after_m;
    CHECK_EQ(store_meeting_get(st, m.id, &after_m), 0);
    CHECK(meeting_equal(&before_m, &after_m));
    CHECK_STR(after_m.title, "Phiên họp thường kỳ");
    CHECK_EQ(after_m.state, STORE_MEETING_OPEN);
    CHECK(after_m.record_on_start);
    site_list invited = {0};
    CHECK_EQ(store_meeting_invited(st, m.id, collect_site, &invited), 0);
    CHECK_STR(invited.codes, "ba-dinh tay-ho");
    CHECK_EQ(store_is_revoked(st, "tokkicked"), 1);
    CHECK_EQ(store_is_revoked(st, "tokchair"), 0);
    store_audit after_audit[4];
    size_t after_n = 0;
    CHECK_EQ(store_audit_list(st, m.id, 0, after_audit, 4, &after_n), 0);
    CHECK_EQ(after_n, 2);
    CHECK_EQ(before_n, after_n);
    for (size_t i = 0; i < after_n && i < before_n; i++)
        CHECK(audit_equal(&before_audit[i], &after_audit[i]));
    CHECK_STR(after_audit[0].action, "kick");
    att_list after_att = attendance(st, m.id, S + 600);
    CHECK_EQ(after_att.n, 2); /* soc-son was neither invited nor came */
    CHECK_EQ(before_att.n, after_att.n);
    for (size_t i = 0; i < after_att.n && i < before_att.n; i++)
        CHECK(att_equal(&before_att.rows[i], &after_att.rows[i]));
    /* The open presence of tay-ho survived too: it can leave, and the time adds up. */
    CHECK_EQ(store_attendance_leave(st, m.id, "tay-ho", S + 700), 0);
    att_list l = attendance(st, m.id, S + 700);
    CHECK_EQ(l.rows[1].seconds_present, 24 + 300);
    CHECK_EQ(l.rows[1].joins, 2);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_schema();
    test_refused_files();
    test_corrupt();
    test_busy();
    test_meetings();
    test_invitations();
    test_revocations();
    test_audit();
    test_attendance();
    test_attendance_579();
    test_persistence();
    scratch_remove(root);
    CHECK_DONE();
}
