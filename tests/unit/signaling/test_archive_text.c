/* The archive search's text: titles fold to lower case without Vietnamese marks however they were
 * typed, and only real days parse. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "signaling/archive_text.h"
#include "tests/unit/check.h"

static void test_fold(void)
{
    static const struct {
        const char *in, *out;
        size_t cap;
    } cases[] = {
        {"Họp giao ban", "hop giao ban", 64},
        {"HỌP GIAO BAN", "hop giao ban", 64},
        {"Phường Ba Đình", "phuong ba dinh", 64},
        {"Lưu trữ", "luu tru", 64},
        {"Hoàn Kiếm", "hoan kiem", 64},
        {"Tây Hồ", "tay ho", 64},
        {"Ứng Hòa", "ung hoa", 64},
        {"Mỹ Đức", "my duc", 64},
        /* decomposed: base letter + combining marks (U+0323 dot below, U+0302 circumflex) */
        {"Ho\xcc\xa3p", "hop", 64},
        {"A\xcc\x82u", "au", 64},
        {"", "", 64},
        {"abc", "abc", 64},
        {"Ünïcödé", "unicode", 64},
        /* not a letter with a mark: kept as it is (U+00D7 ×, U+20AC €, an emoji) */
        {"2\xc3\x97"
         "3",
         "2\xc3\x97"
         "3",
         64},
        {"\xe2\x82\xac"
         "5",
         "\xe2\x82\xac"
         "5",
         64},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 64},
        /* broken UTF-8 is copied, never read past its end */
        {"a\xc3", "a\xc3", 64},
        {"\xe1\xbb", "\xe1\xbb", 64},
        {"\x80x", "\x80x", 64},
        /* the output is cut to cap, never in the middle of a character */
        {"abcdef", "abc", 4},
        {"ab\xe2\x82\xac", "ab", 4},
        {"Đ", "d", 2},
        {"xyz", "", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        archive_fold(cases[i].in, out, cases[i].cap);
        if (strcmp(out, cases[i].out) != 0) fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].in);
        CHECK_STR(out, cases[i].out);
    }
}

static int64_t local_midnight(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static void test_days(void)
{
    static const struct {
        const char *in;
        bool ok;
        int y, m, d;
    } cases[] = {
        {"2026-11-23", true, 2026, 11, 23},
        {"2024-02-29", true, 2024, 2, 29},
        {"1970-01-02", true, 1970, 1, 2},
        {"2026-12-31", true, 2026, 12, 31},
        {"2025-02-29", false, 0, 0, 0},
        {"2026-02-30", false, 0, 0, 0},
        {"2026-04-31", false, 0, 0, 0},
        {"2026-13-01", false, 0, 0, 0},
        {"2026-00-10", false, 0, 0, 0},
        {"2026-01-00", false, 0, 0, 0},
        {"1969-12-31", false, 0, 0, 0},
        {"2026-1-5", false, 0, 0, 0},
        {"2026-01-05x", false, 0, 0, 0},
        {"2026/01/05", false, 0, 0, 0},
        {" 2026-01-0", false, 0, 0, 0},
        {"+202-01-05", false, 0, 0, 0},
        {"", false, 0, 0, 0},
        {"yesterday", false, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = -1;
        bool ok = archive_parse_day(cases[i].in, &t);
        if (ok != cases[i].ok) fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].in);
        CHECK_EQ(ok, cases[i].ok);
        if (ok && cases[i].ok) CHECK_EQ(t, local_midnight(cases[i].y, cases[i].m, cases[i].d));
    }
}

int main(void)
{
    /* The hub's time zone is the city's; the test fixes one so that midnights are known. */
    setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset();
    test_fold();
    test_days();
    CHECK_DONE();
}
