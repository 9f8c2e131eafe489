/* The sites registry: one row per commune or ward, imported from CSV all or nothing (every error
 * names its line and leaves the registry as it was), re-imports, and 579 sites at once. */
#include "tests/unit/signaling/store_fixture.h"

static void test_sites(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    static const struct {
        store_site s;
        int rc;
        const char *why;
    } cases[] = {
        {{"ba-dinh", "Phường Ba Đình", "Ba Đình"}, 0, ""},
        {{"a", "A", ""}, 0, ""},
        {{"0-9", "Số", "x"}, 0, ""},
        {{"", "Empty", ""}, -1, "bad site code"},
        {{"Ba-Dinh", "Upper", ""}, -1, "bad site code"},
        {{"ba_dinh", "Under", ""}, -1, "bad site code"},
        {{"ba dinh", "Space", ""}, -1, "bad site code"},
        {{"ba-đình", "Accent", ""}, -1, "bad site code \"ba-đình\""},
        {{"x", "", ""}, -1, "name is empty"},
        {{"x", "A\tB", ""}, -1, "name holds a control character"},
        {{"x",
          "A\xC2\x85"
          "B",
          ""},
         -1,
         "name holds a control character"},
        {{"x", "H\xE0 N\xF4i", ""}, -1, "name is not UTF-8"},
        {{"x", "ok", "\x7f"}, -1, "district holds a control character"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        CHECK_EQ(store_site_put(st, &cases[i].s), cases[i].rc);
        if (cases[i].rc) CHECK(contains(store_error(st), cases[i].why));
    }
    /* Limits: 64-byte code, 255-byte name. */
    store_site s = {0};
    memset(s.code, 'a', STORE_CODE_MAX);
    memset(s.name, 'n', STORE_TEXT_MAX);
    CHECK_EQ(store_site_put(st, &s), 0);
    CHECK_EQ(site_count(st), 4);
    CHECK_EQ(store_site_get(st, "nope", &s), 1);

    /* put updates by code. */
    put_site(st, "a", "A2", "D2");
    check_site(st, "a", "A2", "D2");
    CHECK_EQ(site_count(st), 4);

    site_list l = {0};
    CHECK_EQ(store_site_list(st, collect_site, &l), 0);
    CHECK_EQ(l.n, 4);
    CHECK(strncmp(l.codes, "0-9 a aaaa", 10) == 0);
    site_list first2 = {.stop_after = 2};
    CHECK_EQ(store_site_list(st, collect_site, &first2), 0);
    CHECK_STR(first2.codes, "0-9 a");
    store_close(st);
}

static void test_import_ok(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    /* As Excel writes it (BOM, CRLF), with every kind of quoting and stray spaces. */
    static const char csv[] = "\xEF\xBB\xBF"
                              "code,name,district\r\n"
                              "ba-dinh,Phường Ba Đình,Ba Đình\r\n"
                              "\"hoan-kiem\",\"Phường Hoàn Kiếm\",\"Hoàn Kiếm\"\r\n"
                              "\r\n"
                              "van-mieu-quoc-tu-giam,Phường Văn Miếu - Quốc Tử Giám,Đống Đa\r\n"
                              "quote-test,\"Điểm \"\"A\"\", số 1\",   \r\n"
                              "  soc-son  , Xã Sóc Sơn ,Sóc Sơn";
    store_import_result res;
    CHECK_EQ(store_site_import_csv(st, csv, sizeof csv - 1, &res), 0);
    CHECK_EQ(res.rows, 5);
    CHECK_EQ(res.inserted, 5);
    CHECK_EQ(res.updated + res.unchanged + res.error_line, 0);
    check_site(st, "ba-dinh", "Phường Ba Đình", "Ba Đình");
    check_site(st, "hoan-kiem", "Phường Hoàn Kiếm", "Hoàn Kiếm");
    check_site(st, "van-mieu-quoc-tu-giam", "Phường Văn Miếu - Quốc Tử Giám", "Đống Đa");
    check_site(st, "quote-test", "Điểm \"A\", số 1", "");
    check_site(st, "soc-son", "Xã Sóc Sơn", "Sóc Sơn");

    /* A header alone is a valid, empty import; so is the header in other letter case. */
    CHECK_EQ(store_site_import_csv(st, "code,name,district\n", 19, &res), 0);
    CHECK_EQ(res.rows, 0);
    CHECK_EQ(store_site_import_csv(st, "Code, Name ,DISTRICT", 20, &res), 0);

    /* The demo registry. */
    char path[512];
    test_data_path("../../../clients/demo/hanoi-sites.csv", path, sizeof path);
    CHECK_EQ(store_site_import_file(st, path, &res), 0);
    CHECK(res.rows >= 30 && res.rows <= 45);
    CHECK_EQ(res.unchanged, 4); /* ba-dinh, hoan-kiem, van-mieu-..., soc-son: same text */
    CHECK_EQ(res.inserted, res.rows - 4);
    check_site(st, "ba-dinh", "Phường Ba Đình", "Ba Đình");
    check_site(st, "cau-giay", "Phường Cầu Giấy", "Cầu Giấy");
    check_site(st, "dong-anh", "Xã Đông Anh", "Đông Anh");
    CHECK_EQ(site_count(st), res.rows + 1); /* and quote-test */

    CHECK_EQ(store_site_import_file(st, "/nonexistent/sites.csv", &res), -1);
    CHECK(contains(store_error(st), "/nonexistent/sites.csv"));
    store_close(st);
}

/* Every refusal names its line and imports nothing, though the rows before it were good and one
 * of them changed a known site. */
static void test_import_errors(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    put_site(st, "ba-dinh", "Phường Ba Đình", "Ba Đình");

#define GOOD "code,name,district\nba-dinh,CHANGED,X\nnew-site,Mới,Y\n"
    char too_many[1024] = GOOD, long_field[2048] = GOOD, long_name[1024] = GOOD,
         long_code[256] = GOOD;
    for (int i = 0; i < CSV_MAX_FIELDS + 1; i++)
        strcat(too_many, i ? ",x" : "x");
    strcat(too_many, "\n");
    strcat(long_field, "x-1,");
    memset(long_field + strlen(long_field), 'n', CSV_MAX_FIELD + 1);
    strcat(long_field, ",D\n");
    strcat(long_name, "x-1,");
    memset(long_name + strlen(long_name), 'n', STORE_TEXT_MAX + 1);
    strcat(long_name, ",D\n");
    memset(long_code + strlen(long_code), 'c', STORE_CODE_MAX + 1);
    strcat(long_code, ",Name,D\n");

    const struct {
        const char *csv;
        size_t len; /* 0: strlen */
        size_t line;
        const char *why;
    } fixed[] = {
        {"code,name\nba-dinh,X\n", 0, 1, "the header must be code,name,district"},
        {"name,code,district\n", 0, 1, "the header must be code,name,district"},
        {"code,name,district,extra\n", 0, 1, "the header must be code,name,district"},
        {"ba-dinh,Phường Ba Đình,Ba Đình\n", 0, 1, "the header must be"},
        {"", 0, 1, "the file is empty"},
        {"\xEF\xBB\xBF\n\n", 0, 1, "the file is empty"},
        {GOOD "Ba-Dinh,Name,D\n", 0, 4, "bad site code \"Ba-Dinh\""},
        {GOOD "ba_dinh,Name,D\n", 0, 4, "bad site code"},
        {GOOD "ba dinh,Name,D\n", 0, 4, "bad site code"},
        {GOOD ",Name,D\n", 0, 4, "bad site code \"\""},
        {GOOD "ba-đình,Name,D\n", 0, 4, "bad site code \"ba-đình\""},
        {GOOD "x-1,\"Phường,D\nx-2,B,C\n", 0, 4, "unterminated quoted field"},
        {GOOD "x-1,a\"b,D\n", 0, 4, "misplaced quote"},
        {GOOD "x-1,\"a\"b,D\n", 0, 4, "misplaced quote"},
        {GOOD "x-1,A,D\r", 0, 4, "carriage return"},
        {GOOD "x-1,A,D,E\n", 0, 4, "4 fields, expected 3 (code,name,district)"},
        {GOOD "x-1,A\n", 0, 4, "2 fields, expected 3"},
        {GOOD "x-1\n", 0, 4, "1 field, expected 3"},
        {GOOD "x-1,H\xE0 N\xF4i,D\n", 0, 4, "not UTF-8"},
        {GOOD "x-1,Hà Nội,\xC0\xAF\n", 0, 4, "not UTF-8"},
        {GOOD "x-1,A,D\nx-2,B,\xFF\n", 0, 5, "not UTF-8"},
        {GOOD "x-1,A\0,D\n", sizeof(GOOD "x-1,A\0,D\n") - 1, 4, "NUL byte"},
        {GOOD "new-site,Again,Y\n", 0, 4, "site code new-site appears again (first on line 3)"},
        {GOOD "x-1,,D\n", 0, 4, "name is empty"},
        {GOOD "x-1,   ,D\n", 0, 4, "name is empty"},
        {GOOD "x-1,A\tB,D\n", 0, 4, "name holds a control character"},
        {GOOD "x-1,\"A\nB\",D\n", 0, 4, "name holds a control character"},
        {GOOD "x-1,\"multi\nline\",D\n", 0, 4, "control character"},
        {GOOD "x-1,A,D\nx-2,\"B\"\"\",\"D\"\nx-3,C,\xE9\n", 0, 6, "not UTF-8"},
        {too_many, 0, 4, "more than 64 fields in a row"},
        {long_field, 0, 4, "field longer than 1024 bytes"},
        {long_name, 0, 4, "name is longer than 255 bytes"},
        {long_code, 0, 4, "bad site code"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(fixed); i++) {
        size_t len = fixed[i].len ? fixed[i].len : strlen(fixed[i].csv);
        store_import_result res;
        memset(&res, 0xff, sizeof res);
        int rc = store_site_import_csv(st, fixed[i].csv, len, &res);
        CHECK_EQ(rc, -1);
        CHECK_EQ(res.error_line, fixed[i].line);
        CHECK_EQ(res.rows + res.inserted + res.updated + res.unchanged, 0);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "line %zu: ", fixed[i].line);
        bool ok = strncmp(store_error(st), prefix, strlen(prefix)) == 0 &&
                  contains(store_error(st), fixed[i].why);
        CHECK(ok);
        if (!ok || res.error_line != fixed[i].line)
            fprintf(stderr, "  case %zu: line %zu, \"%s\"\n", i, res.error_line, store_error(st));
        /* Nothing imported: the known site keeps its text, the new one is not there. */
        check_site(st, "ba-dinh", "Phường Ba Đình", "Ba Đình");
        store_site s;
        CHECK_EQ(store_site_get(st, "new-site", &s), 1);
        CHECK_EQ(site_count(st), 1);
    }
#undef GOOD

    /* After all that, an import still goes through (no transaction left open). */
    store_import_result res;
    static const char fine[] = "code,name,district\nnew-site,Mới,Y\n";
    CHECK_EQ(store_site_import_csv(st, fine, sizeof fine - 1, &res), 0);
    CHECK_EQ(res.inserted, 1);
    CHECK_EQ(site_count(st), 2);
    store_close(st);
}

static void test_reimport(void)
{
    char dir[256];
    store *st = open_fresh(dir, sizeof dir);
    static const char v1[] = "code,name,district\n"
                             "ba-dinh,Phường Ba Đình,Ba Đình\n"
                             "tay-ho,Phường Tây Hồ,Tây Hồ\n"
                             "cau-giay,Phuong Cau Giay,Cầu Giấy\n"
                             "dong-da,Phường Đống Đa,Dong Da\n";
    /* tay-ho is missing from v2 (kept), cau-giay and dong-da are corrected, gia-lam is new. */
    static const char v2[] = "code,name,district\n"
                             "ba-dinh,Phường Ba Đình,Ba Đình\n"
                             "cau-giay,Phường Cầu Giấy,Cầu Giấy\n"
                             "dong-da,Phường Đống Đa,Đống Đa\n"
                             "gia-lam,Xã Gia Lâm,Gia Lâm\n";
    store_import_result res;
    CHECK_EQ(store_site_import_csv(st, v1, sizeof v1 - 1, &res), 0);
    CHECK_EQ(res.inserted, 4);
    CHECK_EQ(store_site_import_csv(st, v2, sizeof v2 - 1, &res), 0);
    CHECK_EQ(res.rows, 4);
    CHECK_EQ(res.inserted, 1);
    CHECK_EQ(res.updated, 2);
    CHECK_EQ(res.unchanged, 1);
    check_site(st, "cau-giay", "Phường Cầu Giấy", "Cầu Giấy");
    check_site(st, "dong-da", "Phường Đống Đa", "Đống Đa");
    check_site(st, "tay-ho", "Phường Tây Hồ", "Tây Hồ");
    check_site(st, "gia-lam", "Xã Gia Lâm", "Gia Lâm");
    CHECK_EQ(site_count(st), 5);
    CHECK_EQ(store_site_import_csv(st, v2, sizeof v2 - 1, &res), 0);
    CHECK_EQ(res.unchanged, 4);
    store_close(st);
}

static void test_import_579(void)
{
    char dir[256], path[512];
    store *st = open_fresh(dir, sizeof dir);
    test_data_path("../../e2e/fixtures/sites-579.csv", path, sizeof path);
    store_import_result res;
    uint64_t t0 = util_now_us();
    CHECK_EQ(store_site_import_file(st, path, &res), 0);
    uint64_t t1 = util_now_us();
    CHECK_EQ(res.rows, 579);
    CHECK_EQ(res.inserted, 579);
    CHECK_EQ(site_count(st), 579);
    check_site(st, "site-001", "Điểm cầu 001", "Ba Đình");
    check_site(st, "site-579", "Điểm cầu 579", "Thanh Xuân");
    CHECK_EQ(store_site_import_file(st, path, &res), 0);
    uint64_t t2 = util_now_us();
    CHECK_EQ(res.unchanged, 579);
    printf("import of 579 sites: %.2f ms new, %.2f ms unchanged\n", (double)(t1 - t0) / 1000.0,
           (double)(t2 - t1) / 1000.0);
    /* Generous: the point is that it is one transaction, not 579 commits. */
    CHECK(t1 - t0 < 2000000);
    store_close(st);
}

/* ---- meetings and invitations ---- */

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_sites();
    test_import_ok();
    test_import_errors();
    test_reimport();
    test_import_579();
    scratch_remove(root);
    CHECK_DONE();
}
