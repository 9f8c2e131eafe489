#include "scenario.h"

#include <stdio.h>
#include <string.h>

#define LINE_MAX_LEN 512

void load_scenario_defaults(load_scenario *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "W-fanout");
    snprintf(s->meeting, sizeof s->meeting, "load");
    s->sites = 10;
    s->chair = true;
    s->sites_audio = true;
    s->sites_video = true;
    s->chair_video.n = s->site_video.n = 1;
    snprintf(s->chair_video.file[0], SCENARIO_NAME_MAX, "vp8-360p.rtp");
    snprintf(s->site_video.file[0], SCENARIO_NAME_MAX, "vp8-180p.rtp");
    snprintf(s->audio, sizeof s->audio, "opus.rtp");
    s->join_rate = 50;
    s->warmup_s = 5;
    s->duration_s = 20;
}

typedef enum { K_UINT, K_BOOL, K_NAME, K_FILE, K_LAYERS } key_kind;

typedef struct key_def {
    const char *key;
    key_kind kind;
    size_t off;
    unsigned min, max; /* K_UINT bounds */
} key_def;

#define OFF(f) offsetof(load_scenario, f)
static const key_def keys[] = {
    {"name", K_NAME, OFF(name), 0, 0},
    {"meeting", K_NAME, OFF(meeting), 0, 0},
    {"sites", K_UINT, OFF(sites), 0, SCENARIO_MAX_SITES},
    {"chair", K_BOOL, OFF(chair), 0, 0},
    {"sites_publish", K_BOOL, OFF(sites_publish), 0, 0},
    {"sites_audio", K_BOOL, OFF(sites_audio), 0, 0},
    {"sites_video", K_BOOL, OFF(sites_video), 0, 0},
    {"floor", K_UINT, OFF(floor), 0, 16},
    {"operators", K_UINT, OFF(operators), 0, 16},
    {"chair_video", K_LAYERS, OFF(chair_video), 0, 0},
    {"site_video", K_LAYERS, OFF(site_video), 0, 0},
    {"audio", K_FILE, OFF(audio), 0, 0},
    {"join_rate", K_UINT, OFF(join_rate), 0, 100000},
    {"warmup", K_UINT, OFF(warmup_s), 0, 3600},
    {"duration", K_UINT, OFF(duration_s), 1, 86400},
    {"record", K_BOOL, OFF(record), 0, 0},
};

/* Keys that once existed: an old scenario file says what replaced them instead of "unknown". */
static const struct {
    const char *key, *why;
} retired[] = {
    {"simulcast", "'simulcast' is gone: list one media file per layer in chair_video or "
                  "site_video, lowest first (e.g. vp8-90p.rtp,vp8-180p.rtp)"},
};

static int fail(char *err, size_t cap, const char *fmt, const char *a, const char *b)
{
    snprintf(err, cap, fmt, a, b);
    return -1;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
    unsigned long n = 0;
    if (!*v) return -1;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        n = n * 10 + (unsigned long)(*p - '0');
        if (n > max) return -1;
    }
    if (n < min) return -1;
    *out = (unsigned)n;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"1", "yes", "true", "on"}, *no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0) return *out = true, 0;
        if (strcmp(v, no[i]) == 0) return *out = false, 0;
    }
    return -1;
}

/* Names and media files share one safe alphabet: they end up in tokens, JSON and file paths. */
static bool safe_name(const char *v, bool is_file)
{
    size_t n = strlen(v);
    if (n == 0 || n >= SCENARIO_NAME_MAX) return false;
    if (is_file && v[0] == '.') return false; /* no "..", no hidden files */
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

/* "a.rtp, b.rtp,c.rtp": 1..SCENARIO_MAX_LAYERS safe file names; *out changes only on success. */
static int parse_layers(const char *v, load_layers *out)
{
    load_layers l = {0};
    const char *p = v;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        size_t n = (size_t)(end - p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (l.n == SCENARIO_MAX_LAYERS || n == 0 || n >= SCENARIO_NAME_MAX) return -1;
        memcpy(l.file[l.n], p, n);
        l.file[l.n][n] = '\0';
        if (!safe_name(l.file[l.n++], true)) return -1;
        if (!*end) break;
        p = end + 1;
    }
    *out = l;
    return 0;
}

static const key_def *find_key(const char *key)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].key, key) == 0) return &keys[i];
    return NULL;
}

int load_scenario_set(load_scenario *s, const char *key, const char *value, char *err,
                      size_t errcap)
{
    const key_def *k = find_key(key);
    for (size_t i = 0; !k && i < sizeof retired / sizeof retired[0]; i++)
        if (strcmp(retired[i].key, key) == 0) return fail(err, errcap, "%s%s", retired[i].why, "");
    if (!k) return fail(err, errcap, "unknown key '%s'%s", key, "");
    char *field = (char *)s + k->off;
    switch (k->kind) {
    case K_UINT:
        if (parse_uint(value, k->min, k->max, (unsigned *)(void *)field) != 0) {
            char range[48];
            snprintf(range, sizeof range, " (a whole number %u..%u)", k->min, k->max);
            return fail(err, errcap, "bad value for '%s'%s", key, range);
        }
        return 0;
    case K_BOOL:
        if (parse_bool(value, (bool *)(void *)field) != 0)
            return fail(err, errcap, "bad value for '%s'%s", key, " (yes or no)");
        return 0;
    case K_NAME:
    case K_FILE:
        if (!safe_name(value, k->kind == K_FILE))
            return fail(err, errcap, "bad value for '%s'%s", key,
                        " (1-63 letters, digits, '.', '-', '_')");
        snprintf(field, SCENARIO_NAME_MAX, "%s", value);
        return 0;
    case K_LAYERS:
        if (parse_layers(value, (load_layers *)(void *)field) != 0)
            return fail(err, errcap, "bad value for '%s'%s", key,
                        " (1-3 media files separated by ',', lowest layer first; each 1-63 "
                        "letters, digits, '.', '-', '_')");
        return 0;
    }
    return -1;
}

static const char *trim(char *a, char *end)
{
    while (a < end && (*a == ' ' || *a == '\t'))
        a++;
    while (end > a && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return a;
}

int load_scenario_parse(const char *text, size_t len, load_scenario *s, char *err, size_t errcap)
{
    bool seen[sizeof keys / sizeof keys[0]] = {false};
    size_t pos = 0;
    unsigned lineno = 0;
    while (pos < len) {
        lineno++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        char line[LINE_MAX_LEN];
        size_t n = end - pos;
        if (n >= sizeof line) {
            snprintf(err, errcap, "line %u: longer than %d bytes", lineno, LINE_MAX_LEN - 1);
            return -1;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (memchr(line, '\0', n)) {
            snprintf(err, errcap, "line %u: NUL byte", lineno);
            return -1;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *eq = strchr(line, '=');
        const char *whole = trim(line, line + strlen(line));
        if (!*whole) continue;
        if (!eq) {
            snprintf(err, errcap, "line %u: expected key = value", lineno);
            return -1;
        }
        const char *key = trim(line, eq);
        const char *value = trim(eq + 1, eq + 1 + strlen(eq + 1));
        const key_def *k = find_key(key);
        if (k && seen[k - keys]) {
            snprintf(err, errcap, "line %u: '%s' given twice", lineno, key);
            return -1;
        }
        char why[160];
        if (load_scenario_set(s, key, value, why, sizeof why) != 0) {
            snprintf(err, errcap, "line %u: %s", lineno, why);
            return -1;
        }
        seen[k - keys] = true;
    }
    return 0;
}
