/* timeline.jsonl reader: a table of files, each with what must be kept and skipped, then the
 * fields of each type, the bounds, and reading from disk. */
#include "recorder/timeline_read.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define START                                                                                      \
    "{\"t\":1000,\"type\":\"start\",\"recording\":\"r-1\",\"meeting\":\"m-1\",\"title\":\"T\"}\n"
#define TRACK(t, file, site)                                                                       \
    "{\"t\":" #t ",\"type\":\"track\",\"file\":\"" file "\",\"site\":\"" site                      \
    "\",\"name\":\"N\",\"role\":\"site\",\"conn\":\"p-1\",\"kind\":\"audio\",\"codec\":\"opus\"}"  \
    "\n"

static const struct {
    const char *name, *text;
    size_t kept, skipped;
    bool stop;
} cases[] = {
    {"empty", "", 0, 0, false},
    {"blank lines and CRLF", "\n  \n" START "\r\n\r\n", 1, 0, false},
    {"the documented example",
     "{\"t\":1795430000000000,\"type\":\"start\",\"recording\":\"r-Zq4\",\"meeting\":\"m-"
     "Ab12Cd34Ef56\","
     "\"title\":\"Họp giao ban\"}\n"
     "{\"t\":1795430000120000,\"type\":\"track\",\"file\":\"000001.dhj\",\"site\":\"chair\","
     "\"name\":"
     "\"Chủ trì\",\"role\":\"chair\",\"conn\":\"p-x1Y2\",\"kind\":\"audio\",\"codec\":\"opus\"}\n"
     "{\"t\":1795430005000000,\"type\":\"floor\",\"sites\":[\"ba-dinh\"]}\n"
     "{\"t\":1795430020000000,\"type\":\"stop\",\"reason\":\"chair\"}\n",
     4, 0, true},
    {"no final newline", START "{\"t\":2000,\"type\":\"stop\",\"reason\":\"x\"}", 2, 0, true},
    {"torn last line", START TRACK(1001, "000001.dhj", "chair") "{\"t\":1002,\"type\":\"tra", 2, 1,
     false},
    {"unknown type", START "{\"t\":1001,\"type\":\"vote\",\"x\":1}\n", 1, 1, false},
    {"before start", TRACK(900, "000001.dhj", "chair") START, 1, 1, false},
    {"second start", START START, 1, 1, false},
    {"time goes back", START "{\"t\":999,\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1, false},
    {"same time is fine", START "{\"t\":1000,\"type\":\"speaker\",\"site\":\"a\"}\n", 2, 0, false},
    {"after stop",
     START "{\"t\":2000,\"type\":\"stop\",\"reason\":\"\"}\n" TRACK(2001, "000001.dhj", "a"), 2, 1,
     true},
    {"stop without reason", START "{\"t\":2000,\"type\":\"stop\"}\n", 2, 0, true},
    {"path in file name", START TRACK(1001, "../000001.dhj", "a"), 1, 1, false},
    {"file name not digits", START TRACK(1001, "abc.dhj", "a"), 1, 1, false},
    {"file name wrong suffix", START TRACK(1001, "000001.txt", "a"), 1, 1, false},
    {"site with a space", START TRACK(1001, "000001.dhj", "ba dinh"), 1, 1, false},
    {"site upper case", START TRACK(1001, "000001.dhj", "BaDinh"), 1, 1, false},
    {"t missing", START "{\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1, false},
    {"t negative", START "{\"t\":-5,\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1, false},
    {"t a string", START "{\"t\":\"1001\",\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1, false},
    {"t a real", START "{\"t\":1001.5,\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1, false},
    {"kind unknown",
     START "{\"t\":1001,\"type\":\"track\",\"file\":\"000001.dhj\",\"site\":\"a\",\"name\":\"N\","
           "\"role\":\"site\",\"conn\":\"p-1\",\"kind\":\"screen\",\"codec\":\"VP8\"}\n",
     1, 1, false},
    {"track missing conn",
     START "{\"t\":1001,\"type\":\"track\",\"file\":\"000001.dhj\",\"site\":\"a\",\"name\":\"N\","
           "\"role\":\"site\",\"kind\":\"video\",\"codec\":\"VP8\"}\n",
     1, 1, false},
    {"floor of many sites",
     START "{\"t\":1001,\"type\":\"floor\",\"sites\":[\"a\",\"b\",\"c\","
           "\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}\n",
     2, 0, false},
    {"floor empty", START "{\"t\":1001,\"type\":\"floor\",\"sites\":[]}\n", 2, 0, false},
    {"floor not strings", START "{\"t\":1001,\"type\":\"floor\",\"sites\":[\"a\",3]}\n", 1, 1,
     false},
    {"floor not a list", START "{\"t\":1001,\"type\":\"floor\",\"sites\":\"a\"}\n", 1, 1, false},
    {"nobody speaks", START "{\"t\":1001,\"type\":\"speaker\",\"site\":\"\"}\n", 2, 0, false},
    {"agenda", START "{\"t\":1001,\"type\":\"agenda\",\"index\":2,\"title\":\"Báo cáo\"}\n", 2, 0,
     false},
    {"agenda negative", START "{\"t\":1001,\"type\":\"agenda\",\"index\":-1,\"title\":\"x\"}\n", 1,
     1, false},
    {"control character",
     START "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"a\\u0007\"}\n", 1, 1, false},
    {"NUL inside", START "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"a\\u0000b\"}\n",
     1, 1, false},
    {"not UTF-8", START "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"a\xff\"}\n", 1, 1,
     false},
    {"duplicate key", START "{\"t\":1001,\"t\":1002,\"type\":\"speaker\",\"site\":\"a\"}\n", 1, 1,
     false},
    {"not an object", START "[1001,\"speaker\"]\n", 1, 1, false},
    {"two objects on a line", START "{\"t\":1001,\"type\":\"speaker\",\"site\":\"a\"} {}\n", 1, 1,
     false},
    {"zeroes after a power cut", START "\0\0\0\0\0\0\n", 1, 1, false},
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128] = "";
        size_t len = strlen(cases[i].text);
        if (strcmp(cases[i].name, "zeroes after a power cut") == 0) len = strlen(START) + 7;
        timeline *tl = timeline_parse(cases[i].text, len, err, sizeof err);
        CHECK(tl != NULL);
        if (!tl) continue;
        if (timeline_count(tl) != cases[i].kept || timeline_skipped(tl) != cases[i].skipped ||
            (timeline_stop(tl) != NULL) != cases[i].stop)
            fprintf(stderr, "case \"%s\": kept %zu skipped %zu\n", cases[i].name,
                    timeline_count(tl), timeline_skipped(tl));
        CHECK_EQ(timeline_count(tl), cases[i].kept);
        CHECK_EQ(timeline_skipped(tl), cases[i].skipped);
        CHECK_EQ(timeline_stop(tl) != NULL, cases[i].stop);
        timeline_free(tl);
    }
}

static void test_fields(void)
{
    const char *text = START TRACK(
        1001, "000001.dhj",
        "chair") "{\"t\":1002,\"type\":\"track\",\"file\":\"000002.dhj\",\"site\":\"ba-dinh\","
                 "\"name\":"
                 "\"Phường Ba "
                 "Đình\",\"role\":\"site\",\"conn\":\"p-X_9\",\"kind\":\"video\",\"codec\":"
                 "\"VP8\",\"extra\":[1,2]}\n"
                 "{\"t\":1003,\"type\":\"floor\",\"sites\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\","
                 "\"g\",\"h\","
                 "\"i\"]}\n"
                 "{\"t\":1004,\"type\":\"speaker\",\"site\":\"ba-dinh\"}\n"
                 "{\"t\":1005,\"type\":\"agenda\",\"index\":3,\"title\":\"Mục 3\"}\n"
                 "{\"t\":1006,\"type\":\"track_end\",\"file\":\"000002.dhj\"}\n"
                 "{\"t\":1007,\"type\":\"stop\",\"reason\":\"disk: full\"}\n";
    char err[128];
    timeline *tl = timeline_parse(text, strlen(text), err, sizeof err);
    CHECK(tl != NULL);
    if (!tl) return;
    CHECK_EQ(timeline_count(tl), 8);
    const timeline_event *e = timeline_start(tl);
    CHECK(e && e->type == TIMELINE_START && e->t == 1000);
    CHECK_STR(e->u.start.recording, "r-1");
    CHECK_STR(e->u.start.meeting, "m-1");
    e = timeline_track_of(tl, "000002.dhj");
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->u.track.site, "ba-dinh");
        CHECK_STR(e->u.track.name, "Phường Ba Đình");
        CHECK_STR(e->u.track.conn, "p-X_9");
        CHECK_STR(e->u.track.codec, "VP8");
        CHECK(e->u.track.video);
    }
    CHECK(timeline_track_of(tl, "000009.dhj") == NULL);
    e = timeline_at(tl, 3);
    CHECK(e->type == TIMELINE_FLOOR && e->u.floor.n == TIMELINE_MAX_FLOOR);
    CHECK_STR(e->u.floor.sites[7], "h");
    CHECK_STR(timeline_at(tl, 4)->u.speaker.site, "ba-dinh");
    CHECK_EQ(timeline_at(tl, 5)->u.agenda.index, 3);
    CHECK_STR(timeline_at(tl, 5)->u.agenda.title, "Mục 3");
    CHECK_STR(timeline_at(tl, 6)->u.track_end.file, "000002.dhj");
    CHECK_STR(timeline_stop(tl)->u.stop.reason, "disk: full");
    CHECK(timeline_at(tl, 8) == NULL);
    timeline_free(tl);
}

static void test_bounds(void)
{
    char err[128] = "";
    /* Refused before a byte is read. */
    CHECK(timeline_parse("", (size_t)TIMELINE_MAX_BYTES + 1, err, sizeof err) == NULL);
    CHECK(strncmp(err, "too large", 9) == 0);

    /* A line longer than the limit is skipped even when it is valid JSON. */
    size_t pad = TIMELINE_MAX_LINE;
    char *big = malloc(strlen(START) + pad + 128);
    strcpy(big, START);
    strcat(big, "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"x\",\"pad\":\"");
    size_t n = strlen(big);
    memset(big + n, 'a', pad);
    strcpy(big + n + pad, "\"}\n");
    timeline *tl = timeline_parse(big, strlen(big), err, sizeof err);
    CHECK(tl && timeline_count(tl) == 1 && timeline_skipped(tl) == 1);
    timeline_free(tl);
    free(big);

    /* Text fields at and over their limits. */
    char line[1024], title[TIMELINE_TEXT_MAX + 2];
    memset(title, 'x', sizeof title);
    title[TIMELINE_TEXT_MAX - 1] = '\0';
    snprintf(line, sizeof line,
             START "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"%s\"}\n", title);
    tl = timeline_parse(line, strlen(line), err, sizeof err);
    CHECK(tl && timeline_count(tl) == 2);
    timeline_free(tl);
    title[TIMELINE_TEXT_MAX - 1] = 'x';
    title[TIMELINE_TEXT_MAX] = '\0';
    snprintf(line, sizeof line,
             START "{\"t\":1001,\"type\":\"agenda\",\"index\":1,\"title\":\"%s\"}\n", title);
    tl = timeline_parse(line, strlen(line), err, sizeof err);
    CHECK(tl && timeline_count(tl) == 1 && timeline_skipped(tl) == 1);
    timeline_free(tl);
}

static void test_names(void)
{
    static const struct {
        const char *s;
        bool file, code;
    } t[] = {
        {"000001.dhj", true, false},   {"1.dhj", true, false},
        {".dhj", false, false},        {"a.dhj", false, false},
        {"000001.dhj/", false, false}, {"ba-dinh", false, true},
        {"chair", false, true},        {"", false, false},
        {"Ba", false, false},          {"a b", false, false},
        {"a/b", false, false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        CHECK_EQ(timeline_valid_file(t[i].s), t[i].file);
        CHECK_EQ(timeline_valid_code(t[i].s), t[i].code);
    }
}

static void test_load(void)
{
    char dir[] = "/tmp/dh-timeline-XXXXXX", path[128], err[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/timeline.jsonl", dir);
    CHECK(timeline_load(path, err, sizeof err) == NULL);
    CHECK(strncmp(err, "open:", 5) == 0);
    FILE *f = fopen(path, "w");
    fputs(START TRACK(1001, "000001.dhj", "chair") "{\"t\":10", f);
    fclose(f);
    timeline *tl = timeline_load(path, err, sizeof err);
    CHECK(tl && timeline_count(tl) == 2 && timeline_skipped(tl) == 1 && !timeline_stop(tl));
    timeline_free(tl);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_table();
    test_fields();
    test_bounds();
    test_names();
    test_load();
    CHECK_DONE();
}
