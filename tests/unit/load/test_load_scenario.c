/* The scenario file: a table of texts and what each must give (or the error it must name). */
#include <stdio.h>
#include <string.h>

#include "clients/load/scenario.h"
#include "tests/unit/check.h"

typedef struct {
    const char *text;
    int rc;
    const char *err_has; /* a substring of the error, when rc != 0 */
} case_t;

static const case_t cases[] = {
    {"", 0, NULL},
    {"# only a comment\n\n   \n", 0, NULL},
    {"sites = 200\n", 0, NULL},
    {"sites=200", 0, NULL},
    {"  sites\t=\t200  # two hundred\r\n", 0, NULL},
    {"sites = 4001\n", -1, "line 1: bad value for 'sites'"},
    {"sites = -1\n", -1, "bad value for 'sites'"},
    {"sites = 12a\n", -1, "bad value"},
    {"sites = \n", -1, "bad value"},
    {"\n\nsite = 3\n", -1, "line 3: unknown key 'site'"},
    {"sites 3\n", -1, "line 1: expected key = value"},
    {"sites = 3\nsites = 4\n", -1, "line 2: 'sites' given twice"},
    {"chair = maybe\n", -1, "yes or no"},
    {"chair = off\nsites_publish = TRUE\n", -1, "bad value for 'sites_publish'"},
    {"audio = ../etc/passwd\n", -1, "bad value for 'audio'"},
    {"audio = .hidden\n", -1, "bad value for 'audio'"},
    {"audio = a/b\n", -1, "bad value for 'audio'"},
    {"name = W fanout\n", -1, "bad value for 'name'"},
    {"duration = 0\n", -1, "bad value for 'duration'"},
    {"simulcast = 3\n", -1, "line 1: 'simulcast' is gone: list one media file per layer"},
    {"chair_video = a.rtp,b.rtp,c.rtp\n", 0, NULL},
    {"site_video = a.rtp , b.rtp\n", 0, NULL},
    {"chair_video = a.rtp,b.rtp,c.rtp,d.rtp\n", -1, "bad value for 'chair_video' (1-3 media"},
    {"site_video = a.rtp,\n", -1, "bad value for 'site_video'"},
    {"site_video = ,a.rtp\n", -1, "bad value for 'site_video'"},
    {"site_video = a.rtp,,b.rtp\n", -1, "bad value for 'site_video'"},
    {"site_video = a.rtp,../b.rtp\n", -1, "bad value for 'site_video'"},
    {"site_video = a.rtp;b.rtp\n", -1, "bad value for 'site_video'"},
    {"audio = a.rtp,b.rtp\n", -1, "bad value for 'audio'"},
    {"record = yes\n", 0, NULL},
    {"record = later\n", -1, "bad value for 'record' (yes or no)"},
    {"= 3\n", -1, "unknown key ''"},
    {"sites = 99999999999999999999\n", -1, "bad value"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        load_scenario s;
        load_scenario_defaults(&s);
        char err[200] = "";
        int rc = load_scenario_parse(cases[i].text, strlen(cases[i].text), &s, err, sizeof err);
        CHECK_EQ(rc, cases[i].rc);
        if (cases[i].err_has && !strstr(err, cases[i].err_has)) {
            fprintf(stderr, "case %zu: error \"%s\" lacks \"%s\"\n", i, err, cases[i].err_has);
            CHECK(0);
        }
    }

    /* A whole file sets what it names and keeps the defaults of the rest. */
    const char *file = "name = W-580-like\nmeeting = m-1\nsites = 579\nsites_publish = yes\n"
                       "floor = 1\noperators = 1\nsite_video = vp8-180p.rtp\njoin_rate = 0\n"
                       "warmup = 10\nduration = 30\nchair = no\n";
    load_scenario s;
    load_scenario_defaults(&s);
    char err[200];
    CHECK_EQ(load_scenario_parse(file, strlen(file), &s, err, sizeof err), 0);
    CHECK_STR(s.name, "W-580-like");
    CHECK_STR(s.meeting, "m-1");
    CHECK_EQ(s.sites, 579);
    CHECK(s.sites_publish);
    CHECK(!s.chair);
    CHECK_EQ(s.floor, 1);
    CHECK_EQ(s.operators, 1);
    CHECK_EQ(s.site_video.n, 1);
    CHECK_STR(s.site_video.file[0], "vp8-180p.rtp");
    CHECK_EQ(s.chair_video.n, 1);
    CHECK_STR(s.chair_video.file[0], "vp8-360p.rtp");
    CHECK_STR(s.audio, "opus.rtp");
    CHECK_EQ(s.join_rate, 0);
    CHECK_EQ(s.warmup_s, 10);
    CHECK_EQ(s.duration_s, 30);
    CHECK(!s.record);

    /* Layer lists, lowest first, spaces around the commas ignored; a bad list keeps the old. */
    load_scenario_defaults(&s);
    const char *layered = "chair_video = vp8-90p.rtp, vp8-180p.rtp ,vp8-540p.rtp\n"
                          "site_video=vp8-90p.rtp,vp8-180p.rtp\nrecord = yes\n";
    CHECK_EQ(load_scenario_parse(layered, strlen(layered), &s, err, sizeof err), 0);
    CHECK_EQ(s.chair_video.n, 3);
    CHECK_STR(s.chair_video.file[0], "vp8-90p.rtp");
    CHECK_STR(s.chair_video.file[1], "vp8-180p.rtp");
    CHECK_STR(s.chair_video.file[2], "vp8-540p.rtp");
    CHECK_EQ(s.site_video.n, 2);
    CHECK_STR(s.site_video.file[1], "vp8-180p.rtp");
    CHECK(s.record);
    CHECK_EQ(load_scenario_set(&s, "site_video", "x.rtp,y.rtp,z.rtp,w.rtp", err, sizeof err), -1);
    CHECK_EQ(s.site_video.n, 2);
    CHECK_STR(s.site_video.file[0], "vp8-90p.rtp");
    CHECK_EQ(load_scenario_set(&s, "site_video", "x.rtp", err, sizeof err), 0);
    CHECK_EQ(s.site_video.n, 1);
    CHECK_STR(s.site_video.file[0], "x.rtp");
    /* 63 characters is the longest name, in a list too. */
    char list[200];
    snprintf(list, sizeof list, "a.rtp,%.63s",
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK_EQ(load_scenario_set(&s, "chair_video", list, err, sizeof err), 0);
    CHECK_EQ(strlen(s.chair_video.file[1]), 63);
    strcat(list, "b");
    CHECK_EQ(load_scenario_set(&s, "chair_video", list, err, sizeof err), -1);

    /* Without a final newline, and with a NUL byte inside (refused, not truncated). */
    load_scenario_defaults(&s);
    CHECK_EQ(load_scenario_parse("sites = 7", 9, &s, err, sizeof err), 0);
    CHECK_EQ(s.sites, 7);
    CHECK_EQ(load_scenario_parse("sites = 7\0 8\n", 13, &s, err, sizeof err), -1);
    CHECK(strstr(err, "NUL") != NULL);

    /* A line longer than the limit. */
    char longline[700];
    memset(longline, 'a', sizeof longline);
    CHECK_EQ(load_scenario_parse(longline, sizeof longline, &s, err, sizeof err), -1);
    CHECK(strstr(err, "line 1: longer than") != NULL);

    /* Command-line overrides go through the same checks. */
    load_scenario_defaults(&s);
    CHECK_EQ(load_scenario_set(&s, "sites", "50", err, sizeof err), 0);
    CHECK_EQ(s.sites, 50);
    CHECK_EQ(load_scenario_set(&s, "nosuch", "1", err, sizeof err), -1);
    CHECK_DONE();
}
