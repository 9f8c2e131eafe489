/* dienhong-load's scenario file (clients/load/scenario.c): arbitrary bytes as a whole file, and
 * split at the first newline into one command-line override. Whatever is accepted must leave a
 * scenario the load generator can run: every string terminated and in the safe alphabet, every
 * number in its range. Whatever is refused must say why. */
#include "clients/load/scenario.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

static void check_name(const char *s)
{
    check(memchr(s, '\0', SCENARIO_NAME_MAX) != NULL);
    check(s[0] != '\0');
    for (const char *p = s; *p; p++)
        check((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.');
}

static void check_layers(const load_layers *l)
{
    check(l->n >= 1 && l->n <= SCENARIO_MAX_LAYERS);
    for (unsigned i = 0; i < l->n; i++) {
        check_name(l->file[i]);
        check(l->file[i][0] != '.');
    }
}

static void check_scenario(const load_scenario *s)
{
    check_name(s->name);
    check_name(s->meeting);
    check_layers(&s->chair_video);
    check_layers(&s->site_video);
    check_name(s->audio);
    check(s->audio[0] != '.');
    check(s->sites <= SCENARIO_MAX_SITES);
    check(s->floor <= 16 && s->operators <= 16);
    check(s->duration_s >= 1 && s->duration_s <= 86400);
    check(s->warmup_s <= 3600);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_scenario s;
    char err[256];
    load_scenario_defaults(&s);
    err[0] = '\0';
    if (load_scenario_parse((const char *)data, size, &s, err, sizeof err) == 0)
        check_scenario(&s);
    else
        check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);

    /* key \n value, as --set KEY=VALUE hands them over. */
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl && size < 4096) {
        char *key = strndup((const char *)data, (size_t)(nl - data));
        char *value = strndup((const char *)nl + 1, size - (size_t)(nl - data) - 1);
        load_scenario_defaults(&s);
        err[0] = '\0';
        if (load_scenario_set(&s, key, value, err, sizeof err) == 0)
            check_scenario(&s);
        else
            check(err[0] != '\0');
        free(key);
        free(value);
    }
    return 0;
}
