/* The `dienhong` command: `serve` runs the hub, `token` mints an access token. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/cli_admin.h"
#include "signaling/cli_export.h"
#include "signaling/config.h"
#include "signaling/hub.h"
#include "signaling/token.h"

#ifndef DH_DEMO_SITES
#define DH_DEMO_SITES "clients/demo/hanoi-sites.csv"
#endif
#ifndef DH_WEB_ROOT
#define DH_WEB_ROOT "clients/web"
#endif

static hub *g_hub;

static void on_signal(int sig)
{
    (void)sig;
    if (g_hub) hub_stop(g_hub);
}

static void usage(FILE *f)
{
    fprintf(f, "usage:\n"
               "  dienhong serve [--listen HOST:PORT] [--data DIR] [--config FILE]\n"
               "                 [--tls-cert PEM --tls-key PEM] [--media-ports LOW-HIGH]\n"
               "                 [--media-ip IP]... [--workers N] [--web DIR] [--log-level LEVEL]\n"
               "                 [--demo]\n"
               "  dienhong token --data DIR --meeting M --role chair|operator|site|clerk|observer\n"
               "                 [--site CODE] [--ttl SECONDS]\n"
               "  dienhong export --data DIR (--meeting M | --recording R) [--out DIR]\n");
}

static int mint(const char *data_dir, const char *meeting_id, role_t role, const char *site,
                long ttl, char *out, size_t cap)
{
    uint8_t key[TOKEN_KEY_LEN];
    if (token_key_load_or_create(data_dir, key) != 0) {
        fprintf(stderr, "dienhong: cannot read or create the key in %s\n", data_dir);
        return -1;
    }
    token_claims c = {.role = role};
    snprintf(c.meeting, sizeof c.meeting, "%s", meeting_id);
    snprintf(c.site, sizeof c.site, "%s", site ? site : "");
    c.exp = util_unix_time() + ttl;
    int n = token_mint(key, &c, out, cap);
    if (n < 0) fprintf(stderr, "dienhong: cannot mint: %s\n", token_error_str(n));
    return n < 0 ? -1 : 0;
}

static int cmd_token(int argc, char **argv)
{
    const char *data = "./data", *meeting_id = NULL, *role = NULL, *site = NULL;
    long ttl = 12 * 3600;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"meeting", required_argument, 0, 'm'},
        {"role", required_argument, 0, 'r'}, {"site", required_argument, 0, 's'},
        {"ttl", required_argument, 0, 't'},  {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd':
            data = optarg;
            break;
        case 'm':
            meeting_id = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 's':
            site = optarg;
            break;
        case 't': {
            char *end;
            ttl = strtol(optarg, &end, 10);
            if (*end || ttl <= 0) {
                fprintf(stderr, "dienhong: --ttl takes a positive number of seconds\n");
                return 2;
            }
            break;
        }
        default:
            usage(stderr);
            return 2;
        }
    }
    role_t r = role ? role_from_name(role) : ROLE_NONE;
    if (!meeting_id || r == ROLE_NONE) {
        usage(stderr);
        return 2;
    }
    char tok[TOKEN_MAX_LEN + 1];
    if (mint(data, meeting_id, r, site, ttl, tok, sizeof tok) != 0) return 1;
    printf("%s\n", tok);
    return 0;
}

static void print_demo(const config *c, const char *meeting_id)
{
    static const struct {
        const char *page, *role, *site;
    } who[] = {{"chair", "chair", ""},
               {"operator", "operator", ""},
               {"site", "site", "ba-dinh"},
               {"site", "site", "hoan-kiem"}};
    fprintf(stderr, "\nDemo meeting %s — open these links in a browser:\n", meeting_id);
    for (size_t i = 0; i < DH_ARRAY_LEN(who); i++) {
        char tok[TOKEN_MAX_LEN + 1];
        if (mint(c->data_dir, meeting_id, role_from_name(who[i].role), who[i].site, 12 * 3600, tok,
                 sizeof tok) != 0)
            return;
        fprintf(stderr, "  %-8s %-10s http://%s:%d/%s.html#token=%s\n", who[i].role, who[i].site,
                c->listen_host, c->listen_port, who[i].page, tok);
    }
    fprintf(stderr, "\n");
}

static int cmd_serve(int argc, char **argv)
{
    config c;
    config_defaults(&c);
    char err[512];
    bool demo = false;
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},   {"data", required_argument, 0, 'd'},
        {"config", required_argument, 0, 'c'},   {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'},  {"media-ports", required_argument, 0, 'p'},
        {"media-ip", required_argument, 0, 'i'}, {"workers", required_argument, 0, 'w'},
        {"web", required_argument, 0, 'W'},      {"log-level", required_argument, 0, 'L'},
        {"demo", no_argument, 0, 'D'},           {0, 0, 0, 0}};
    /* The file first, so that options given beside it win. */
    for (int i = 1; i < argc - 1; i++) {
        if (strcmp(argv[i], "--config") == 0 &&
            config_load_file(&c, argv[i + 1], err, sizeof err)) {
            fprintf(stderr, "dienhong: %s\n", err);
            return 2;
        }
    }
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (o) {
        case 'l':
            key = "listen";
            break;
        case 'd':
            key = "data";
            break;
        case 'c':
            continue;
        case 'C':
            key = "tls_cert";
            break;
        case 'K':
            key = "tls_key";
            break;
        case 'p':
            key = "media_ports";
            break;
        case 'i':
            key = "media_ip";
            break;
        case 'w':
            key = "workers";
            break;
        case 'W':
            key = "web_root";
            break;
        case 'L':
            key = "log_level";
            break;
        case 'D':
            demo = true;
            continue;
        default:
            usage(stderr);
            return 2;
        }
        if (config_set(&c, key, optarg, err, sizeof err) != 0) {
            fprintf(stderr, "dienhong: %s\n", err);
            return 2;
        }
    }
    if (!c.web_root[0]) snprintf(c.web_root, sizeof c.web_root, "%s", DH_WEB_ROOT);
    if ((c.tls_cert[0] != 0) != (c.tls_key[0] != 0)) {
        fprintf(stderr, "dienhong: --tls-cert and --tls-key go together\n");
        return 2;
    }
    log_set_level(strcmp(c.log_level, "debug") == 0   ? LOG_DEBUG
                  : strcmp(c.log_level, "warn") == 0  ? LOG_WARN
                  : strcmp(c.log_level, "error") == 0 ? LOG_ERROR
                                                      : LOG_INFO);
    hub_config hc = {.listen_host = c.listen_host,
                     .listen_port = c.listen_port,
                     .data_dir = c.data_dir,
                     .web_root = c.web_root,
                     .tls_cert = c.tls_cert[0] ? c.tls_cert : NULL,
                     .tls_key = c.tls_key[0] ? c.tls_key : NULL,
                     .recordings_dir = c.recordings_dir[0] ? c.recordings_dir : NULL,
                     .retention_days = c.retention_days,
                     .media = {.workers = c.workers,
                               .port_min = c.media_port_min,
                               .port_max = c.media_port_max,
                               .remb_bps = c.remb_kbps * 1000}};
    for (size_t i = 0; i < c.n_media_ips; i++)
        hc.media.announce[i] = c.media_ips[i];
    hc.media.n_announce = c.n_media_ips;

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The demo meeting lives in the store like any other: its sites are on the roll and the wall.
     */
    char demo_id[32] = "";
    if (demo && cli_demo_meeting(c.data_dir, DH_DEMO_SITES, demo_id, sizeof demo_id) != 0) return 1;

    g_hub = hub_new(&hc);
    if (!g_hub) {
        fprintf(stderr, "dienhong: cannot start\n");
        return 1;
    }
    c.listen_port = hub_port(g_hub);
    fprintf(stderr, "dienhong: listening on %s://%s:%d\n", hc.tls_cert ? "https" : "http",
            c.listen_host, c.listen_port);
    if (demo) print_demo(&c, demo_id);
    int rc = hub_run(g_hub);
    hub *h = g_hub;
    g_hub = NULL;
    hub_free(h);
    fprintf(stderr, "dienhong: stopped\n");
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "token") == 0) return cmd_token(argc - 1, argv + 1);
    if (strcmp(argv[1], "sites") == 0) return cli_sites(argc - 1, argv + 1);
    if (strcmp(argv[1], "meeting") == 0) return cli_meeting(argc - 1, argv + 1);
    if (strcmp(argv[1], "export") == 0) return cli_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
