/* A workload for dienhong-load: who joins, who publishes what, for how long.
 *
 * The file is plain text, one `key = value` a line; `#` starts a comment; blank lines are
 * ignored. Every key is optional (defaults below) and may appear once. Unknown keys, bad values and
 * repeated keys are errors that name their line, so a typo never silently changes a benchmark.
 * Media values are file names inside the media directory (letters, digits, '.', '-', '_'): a
 * scenario never names a path. A video value may list up to SCENARIO_MAX_LAYERS files separated by
 * commas, lowest layer first: more than one makes that publisher send simulcast, one layer per
 * file. Parsing never allocates. */
#ifndef DH_LOAD_SCENARIO_H
#define DH_LOAD_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#define SCENARIO_MAX_SITES 4000
#define SCENARIO_NAME_MAX 64
#define SCENARIO_MAX_LAYERS 3

/* One publisher's video: a media file per simulcast layer, lowest first; n = 1 is plain video. */
typedef struct load_layers {
    unsigned n;
    char file[SCENARIO_MAX_LAYERS][SCENARIO_NAME_MAX];
} load_layers;

typedef struct load_scenario {
    char name[SCENARIO_NAME_MAX];    /* name = W-fanout */
    char meeting[SCENARIO_NAME_MAX]; /* meeting = load-fanout (the tokens' meeting id) */
    unsigned sites;                  /* sites = 50: endpoints joining with the site role */
    bool chair;                      /* chair = yes: a chair publishes audio + video */
    bool sites_publish;              /* sites_publish = no: each site publishes too */
    bool sites_audio;                /* sites_audio = yes: what a publishing site sends */
    bool sites_video;                /* sites_video = yes */
    unsigned floor;                  /* floor = 0: sites the chair gives the floor to */
    unsigned operators;              /* operators = 0: operators watching wall page 0 */
    load_layers chair_video;         /* chair_video = vp8-360p.rtp (a list: simulcast) */
    load_layers site_video;          /* site_video = vp8-180p.rtp (a list: simulcast) */
    char audio[SCENARIO_NAME_MAX];   /* audio = opus.rtp */
    unsigned join_rate;              /* join_rate = 50: endpoints started per second, 0 = all */
    unsigned warmup_s;               /* warmup = 5: seconds after the last start */
    unsigned duration_s;             /* duration = 20: the steady window */
    bool record;                     /* record = no: the chair starts the recording */
} load_scenario;

void load_scenario_defaults(load_scenario *s);

/* Sets one key from its text value (also used for command-line overrides). 0, or -1 with a
 * reason in err. */
int load_scenario_set(load_scenario *s, const char *key, const char *value, char *err,
                      size_t errcap);

/* Parses a whole file over the defaults already in *s. `text` need not be NUL-terminated.
 * 0, or -1 with "line N: reason" in err. */
int load_scenario_parse(const char *text, size_t len, load_scenario *s, char *err, size_t errcap);

#endif
