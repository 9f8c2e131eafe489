/* `dienhong sites ...` and `dienhong meeting ...`: the registry of communes and the meetings, from
 * the command line of the machine that runs the hub. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/util.h"
#include "signaling/cli_admin.h"
#include "signaling/store.h"

static store *open_store(const char *data)
{
    char err[512];
    store *st = store_open(data, err, sizeof err);
    if (!st) fprintf(stderr, "dienhong: %s\n", err);
    return st;
}

static int sites_import(int argc, char **argv)
{
    const char *data = "./data";
    static const struct option opts[] = {{"data", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != 'd') return 2;
        data = optarg;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: dienhong sites import --data DIR FILE.csv\n");
        return 2;
    }
    store *st = open_store(data);
    if (!st) return 1;
    store_import_result res;
    int rc = store_site_import_file(st, argv[optind], &res);
    if (rc == 0)
        printf("imported %zu sites (%zu new, %zu updated, %zu unchanged)\n", res.rows, res.inserted,
               res.updated, res.unchanged);
    else
        fprintf(stderr, "dienhong: %s: %s\n", argv[optind], store_error(st));
    store_close(st);
    return rc == 0 ? 0 : 1;
}

int cli_sites(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "import") == 0) return sites_import(argc - 1, argv + 1);
    fprintf(stderr, "usage: dienhong sites import --data DIR FILE.csv\n");
    return 2;
}

/* "now", or unix seconds. */
static int parse_time(const char *s, int64_t *out)
{
    if (strcmp(s, "now") == 0) {
        *out = util_unix_time();
        return 0;
    }
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0) return -1;
    *out = v;
    return 0;
}

/* "a,b,c" -> invitations. */
static int invite_list(store *st, const char *id, const char *list)
{
    char *copy = strdup(list);
    if (!copy) return -1;
    const char *codes[1024];
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < 1024;
         t = strtok_r(NULL, ",", &save))
        codes[n++] = t;
    int rc = store_meeting_invite(st, id, codes, n);
    free(copy);
    return rc;
}

static int meeting_create(int argc, char **argv)
{
    const char *data = "./data", *title = NULL, *sites = "all";
    int64_t start = util_unix_time();
    long minutes = 240;
    bool record = false;
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"title", required_argument, 0, 't'},
                                         {"start", required_argument, 0, 's'},
                                         {"minutes", required_argument, 0, 'm'},
                                         {"sites", required_argument, 0, 'S'},
                                         {"record", no_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd':
            data = optarg;
            break;
        case 't':
            title = optarg;
            break;
        case 's':
            if (parse_time(optarg, &start) != 0) {
                fprintf(stderr, "dienhong: --start takes unix seconds or now\n");
                return 2;
            }
            break;
        case 'm':
            minutes = strtol(optarg, NULL, 10);
            break;
        case 'S':
            sites = optarg;
            break;
        case 'r':
            record = true;
            break;
        default:
            return 2;
        }
    }
    if (!title || minutes <= 0) {
        fprintf(stderr, "usage: dienhong meeting create --data DIR --title T [--start UNIX|now]"
                        " [--minutes N] [--sites all|code,code,...] [--record]\n");
        return 2;
    }
    store *st = open_store(data);
    if (!st) return 1;
    store_meeting m = {.starts_at = start,
                       .ends_at = start + minutes * 60,
                       .record_on_start = record,
                       .invite_all = strcmp(sites, "all") == 0};
    snprintf(m.title, sizeof m.title, "%s", title);
    int rc = store_meeting_create(st, &m, util_unix_time());
    if (rc == 0 && !m.invite_all) rc = invite_list(st, m.id, sites);
    if (rc == 0)
        printf("%s\n", m.id);
    else
        fprintf(stderr, "dienhong: %s\n", store_error(st));
    store_close(st);
    return rc == 0 ? 0 : 1;
}

static int meeting_list(int argc, char **argv)
{
    const char *data = "./data";
    static const struct option opts[] = {{"data", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != 'd') return 2;
        data = optarg;
    }
    store *st = open_store(data);
    if (!st) return 1;
    store_meeting ms[256];
    size_t n = 0;
    int rc = store_meeting_list(st, 0, INT64_MAX, ms, 256, &n);
    for (size_t i = 0; rc == 0 && i < n && i < 256; i++)
        printf("%s  %-9s  %lld  %s\n", ms[i].id, store_meeting_state_name(ms[i].state),
               (long long)ms[i].starts_at, ms[i].title);
    if (rc != 0) fprintf(stderr, "dienhong: %s\n", store_error(st));
    store_close(st);
    return rc == 0 ? 0 : 1;
}

int cli_meeting(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) return meeting_create(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0) return meeting_list(argc - 1, argv + 1);
    fprintf(stderr, "usage: dienhong meeting create|list --data DIR ...\n");
    return 2;
}

int cli_demo_meeting(const char *data, const char *sites_csv, char *id, size_t cap)
{
    store *st = open_store(data);
    if (!st) return -1;
    size_t n = 0;
    int rc = store_site_count(st, &n);
    if (rc == 0 && n == 0 && sites_csv) rc = store_site_import_file(st, sites_csv, NULL);
    store_meeting m = {
        .starts_at = util_unix_time(), .ends_at = util_unix_time() + 4 * 3600, .invite_all = true};
    snprintf(m.title, sizeof m.title, "Hội nghị trực tuyến toàn thành phố (thử)");
    if (rc == 0) rc = store_meeting_create(st, &m, util_unix_time());
    if (rc == 0)
        snprintf(id, cap, "%s", m.id);
    else
        fprintf(stderr, "dienhong: demo meeting: %s\n", store_error(st));
    store_close(st);
    return rc;
}
