/* dienhong-load: hundreds of emulated endpoints against a running hub, in one process on one
 * libev (epoll) loop, with real ICE, DTLS and SRTP. README.md here says how to run it. */
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "endpoint.h"
#include "media_file.h"
#include "procstat.h"
#include "report.h"
#include "scenario.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/crypto/srtp_session.h"
#include "token_mint.h"

#define TAG "load"
#define TOKEN_MAX 2048
#define CONTROL_EVERY_S 0.05

#ifndef DH_LOAD_MEDIA_DIR
#define DH_LOAD_MEDIA_DIR "."
#endif

typedef struct options {
    const char *url, *dienhong, *data, *media_dir, *bind_ip, *json, *scenario_file;
    const sig_backend *backend;
    int hub_pid;
    bool per_endpoint;
} options;

/* The media files, each loaded once and shared by every sender that replays it. */
#define MAX_MEDIA (1 + 2 * SCENARIO_MAX_LAYERS)
typedef struct media_set {
    size_t n;
    struct {
        char name[SCENARIO_NAME_MAX];
        media_file *m;
    } files[MAX_MEDIA];
} media_set;

typedef struct run {
    options opt;
    media_set media;
    load_scenario sc;
    struct ev_loop *loop;
    load_phase phase;
    endpoint **eps;
    size_t n_eps, started;
    size_t chair; /* index of the chair, or SIZE_MAX */
    uint64_t t0, last_start_us, steady_us, done_us;
    bool floor_given;
    double sites_t0; /* when the sites began to start, s after t0; < 0 before */
    ev_timer control;
    report_run rep;
    uint64_t hub_cpu0, load_cpu0;
} run;

static void usage(FILE *f)
{
    fprintf(f, "usage: dienhong-load --url ws://HOST:PORT/ws --dienhong BIN --data DIR\n"
               "       dienhong-load --backend janus --url ws://HOST:8188/\n"
               "                     [--scenario FILE] [--set KEY=VALUE]... [--sites N]\n"
               "                     [--duration S] [--warmup S] [--media-dir DIR] [--bind IP]\n"
               "                     [--hub-pid PID] [--json FILE] [--per-endpoint]\n"
               "                     [--log-level error|warn|info|debug]\n"
               "Tokens are minted with `BIN token --data DIR ...` (the hub's own key).\n"
               "--backend janus drives Janus's VideoRoom instead (no tokens; the room is the\n"
               "scenario's meeting).\n"
               "Scenario keys: see clients/load/README.md.\n");
}

static uint64_t own_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void begin_steady(run *r, uint64_t now)
{
    r->phase = PHASE_STEADY;
    r->steady_us = now;
    for (size_t i = 0; i < r->n_eps; i++)
        endpoint_window_begin(r->eps[i]);
    r->rep.window_start_ms = wall_ms();
    r->load_cpu0 = own_cpu_us();
    if (r->opt.hub_pid && procstat_cpu_us(r->opt.hub_pid, &r->hub_cpu0) != 0) {
        LOGW(TAG, "cannot read /proc/%d/stat: not measuring the hub", r->opt.hub_pid);
        r->opt.hub_pid = 0;
    }
    LOGI(TAG, "steady window begins (%zu endpoints)", r->n_eps);
}

static void end_steady(run *r, uint64_t now)
{
    r->phase = PHASE_DONE;
    r->rep.window_end_ms = wall_ms();
    r->rep.window_s = (double)(now - r->steady_us) / 1e6;
    r->rep.load_cpu_us = own_cpu_us() - r->load_cpu0;
    if (r->opt.hub_pid) {
        uint64_t cpu1 = 0;
        if (procstat_cpu_us(r->opt.hub_pid, &cpu1) == 0) r->rep.hub_cpu_us = cpu1 - r->hub_cpu0;
        procstat_rss_kib(r->opt.hub_pid, &r->rep.hub_rss_kib);
        r->rep.hub_pid = r->opt.hub_pid;
    }
    ev_break(r->loop, EVBREAK_ALL);
}

/* Starts endpoints at the scenario's pace, gives the floor, moves the phases. */
static void on_control(struct ev_loop *loop, ev_timer *w, int revents)
{
    run *r = w->data;
    uint64_t now = util_now_us();
    double elapsed = (double)(now - r->t0) / 1e6;
    /* The chair goes first and the sites follow once it publishes (or after 5 s), as in a
     * meeting: sites join what is already running. */
    if (r->started == 0 && r->chair != SIZE_MAX) {
        endpoint_start(r->eps[r->chair]);
        r->started = 1;
        r->last_start_us = now;
    }
    bool chair_up = r->chair == SIZE_MAX || endpoint_publishing(r->eps[r->chair]) ||
                    endpoint_failed(r->eps[r->chair]) || elapsed > 5.0;
    if (r->started < r->n_eps && chair_up) {
        if (r->sites_t0 < 0) r->sites_t0 = elapsed;
        size_t want = r->n_eps;
        if (r->sc.join_rate) {
            want = r->started;
            size_t paced =
                (r->chair != SIZE_MAX) + 1 + (size_t)((elapsed - r->sites_t0) * r->sc.join_rate);
            if (paced > want) want = paced;
            if (want > r->n_eps) want = r->n_eps;
        }
        while (r->started < want) {
            endpoint_start(r->eps[r->started++]);
            r->last_start_us = util_now_us();
        }
    }
    if (r->started == r->n_eps && !r->floor_given && r->chair != SIZE_MAX &&
        endpoint_joined(r->eps[r->chair])) {
        r->floor_given = true;
        for (unsigned i = 0; i < r->sc.floor && i < r->sc.sites; i++) {
            char code[SIG_LABEL_MAX];
            snprintf(code, sizeof code, SIG_LABEL_SITE_FMT, i + 1);
            endpoint_floor_give(r->eps[r->chair], code);
        }
    }
    if (r->phase == PHASE_WARMUP && r->started == r->n_eps &&
        now >= r->last_start_us + (uint64_t)r->sc.warmup_s * 1000000u)
        begin_steady(r, now);
    else if (r->phase == PHASE_STEADY &&
             now >= r->steady_us + (uint64_t)r->sc.duration_s * 1000000u)
        end_steady(r, now);
}

static media_file *load_media(run *r, const char *name, codec_id codec)
{
    media_set *ms = &r->media;
    for (size_t i = 0; i < ms->n; i++)
        if (strcmp(ms->files[i].name, name) == 0) return ms->files[i].m;
    char path[1024], err[300];
    snprintf(path, sizeof path, "%s/%s", r->opt.media_dir, name);
    media_file *m = media_file_load(path, codec, err, sizeof err);
    if (!m) {
        fprintf(stderr, "dienhong-load: %s (make media files with clients/load/media.sh)\n", err);
        return NULL;
    }
    if (ms->n == MAX_MEDIA) { /* cannot happen: the scenario names at most MAX_MEDIA files */
        media_file_free(m);
        return NULL;
    }
    snprintf(ms->files[ms->n].name, SCENARIO_NAME_MAX, "%s", name);
    ms->files[ms->n++].m = m;
    return m;
}

/* A publisher's layers, lowest first; 0, or -1 when a file cannot be loaded. */
static int load_layers_media(run *r, const load_layers *l, const media_file **out)
{
    for (unsigned i = 0; i < l->n; i++)
        if (!(out[i] = load_media(r, l->file[i], CODEC_VP8))) return -1;
    return 0;
}

static int add_endpoint(run *r, const endpoint_env *env, const char *site, endpoint_cfg *cfg)
{
    char token[TOKEN_MAX] = "", err[300];
    if (r->opt.backend == &sig_dienhong &&
        token_mint(r->opt.dienhong, r->opt.data, r->sc.meeting, endpoint_role_name(cfg->role), site,
                   token, sizeof token, err, sizeof err) != 0) {
        fprintf(stderr, "dienhong-load: %s\n", err);
        return -1;
    }
    cfg->token = token;
    cfg->number = (uint16_t)(r->n_eps + 1); /* its index + 1: the report finds it from a tag */
    endpoint *e = endpoint_new(env, cfg);
    if (!e) return -1;
    r->eps[r->n_eps++] = e;
    return 0;
}

static void on_sigint(struct ev_loop *loop, ev_signal *w, int revents)
{
    run *r = w->data;
    LOGW(TAG, "interrupted: reporting what was measured so far");
    if (r->phase == PHASE_STEADY)
        end_steady(r, util_now_us());
    else
        ev_break(loop, EVBREAK_ALL);
}

static int parse_args(run *r, int argc, char **argv)
{
    options *o = &r->opt;
    o->media_dir = DH_LOAD_MEDIA_DIR;
    o->bind_ip = "127.0.0.1";
    o->backend = &sig_dienhong;
    static const struct option opts[] = {{"url", required_argument, 0, 'u'},
                                         {"dienhong", required_argument, 0, 'b'},
                                         {"data", required_argument, 0, 'd'},
                                         {"scenario", required_argument, 0, 's'},
                                         {"set", required_argument, 0, 'S'},
                                         {"sites", required_argument, 0, 'n'},
                                         {"duration", required_argument, 0, 'D'},
                                         {"warmup", required_argument, 0, 'W'},
                                         {"media-dir", required_argument, 0, 'm'},
                                         {"bind", required_argument, 0, 'B'},
                                         {"hub-pid", required_argument, 0, 'p'},
                                         {"json", required_argument, 0, 'j'},
                                         {"per-endpoint", no_argument, 0, 'e'},
                                         {"log-level", required_argument, 0, 'L'},
                                         {"backend", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    /* The scenario file first, so that --set and the shortcuts override it whatever the order. */
    char err[300];
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--scenario") != 0) continue;
        FILE *f = fopen(argv[i + 1], "rb");
        char buf[65536];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        if (!f || n == sizeof buf) {
            fprintf(stderr, "dienhong-load: cannot read %s\n", argv[i + 1]);
            return 2;
        }
        if (load_scenario_parse(buf, n, &r->sc, err, sizeof err) != 0) {
            fprintf(stderr, "dienhong-load: %s: %s\n", argv[i + 1], err);
            return 2;
        }
    }
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        char kv[300];
        switch (c) {
        case 'u':
            o->url = optarg;
            break;
        case 'b':
            o->dienhong = optarg;
            break;
        case 'd':
            o->data = optarg;
            break;
        case 's':
            o->scenario_file = optarg;
            break;
        case 'm':
            o->media_dir = optarg;
            break;
        case 'B':
            o->bind_ip = optarg;
            break;
        case 'p':
            o->hub_pid = atoi(optarg);
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'e':
            o->per_endpoint = true;
            break;
        case 'k':
            if (strcmp(optarg, "janus") == 0) {
                o->backend = &sig_janus;
            } else if (strcmp(optarg, "dienhong") != 0) {
                fprintf(stderr, "dienhong-load: --backend is dienhong or janus\n");
                return 2;
            }
            break;
        case 'n':
            key = "sites";
            break;
        case 'D':
            key = "duration";
            break;
        case 'W':
            key = "warmup";
            break;
        case 'L':
            log_set_level(strcmp(optarg, "debug") == 0   ? LOG_DEBUG
                          : strcmp(optarg, "info") == 0  ? LOG_INFO
                          : strcmp(optarg, "error") == 0 ? LOG_ERROR
                                                         : LOG_WARN);
            break;
        case 'S': {
            snprintf(kv, sizeof kv, "%s", optarg);
            char *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "dienhong-load: --set wants KEY=VALUE\n");
                return 2;
            }
            *eq = '\0';
            if (load_scenario_set(&r->sc, kv, eq + 1, err, sizeof err) != 0) {
                fprintf(stderr, "dienhong-load: --set: %s\n", err);
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
        if (key && load_scenario_set(&r->sc, key, optarg, err, sizeof err) != 0) {
            fprintf(stderr, "dienhong-load: %s\n", err);
            return 2;
        }
    }
    if (!o->url || (o->backend == &sig_dienhong && (!o->dienhong || !o->data))) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static run r;
    log_set_level(LOG_WARN);
    load_scenario_defaults(&r.sc);
    int rc = parse_args(&r, argc, argv);
    if (rc) return rc;
    signal(SIGPIPE, SIG_IGN);
    /* Two UDP sockets and a TCP connection per endpoint: more than the default 1024 at 580. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (srtp_session_global_init() != 0) {
        fprintf(stderr, "dienhong-load: libsrtp init failed\n");
        return 1;
    }
    const media_file *audio = load_media(&r, r.sc.audio, CODEC_OPUS);
    const media_file *chair_video[SCENARIO_MAX_LAYERS], *site_video[SCENARIO_MAX_LAYERS];
    bool site_publishes_video = r.sc.sites_publish && r.sc.sites_video;
    if (!audio || load_layers_media(&r, &r.sc.chair_video, chair_video) != 0 ||
        (site_publishes_video && load_layers_media(&r, &r.sc.site_video, site_video) != 0))
        return 1;

    r.loop = ev_loop_new(EVBACKEND_EPOLL);
    dtls_cert *cert = dtls_cert_new();
    ws_hub *ws = r.loop ? ws_hub_new(r.loop) : NULL;
    sdp_session *scratch = sdp_session_new();
    if (!r.loop || !cert || !ws || !scratch) {
        fprintf(stderr, "dienhong-load: cannot set up the loop, the certificate or lws\n");
        return 1;
    }
    endpoint_env env = {.loop = r.loop,
                        .ws = ws,
                        .sig = r.opt.backend,
                        .url = r.opt.url,
                        .meeting = r.sc.meeting,
                        .peer = {.loop = r.loop, .cert = cert, .bind_ip = r.opt.bind_ip},
                        .scratch = scratch,
                        .phase = &r.phase};
    sig_plan plan = {.chair = r.sc.chair,
                     .sites = r.sc.sites,
                     .sites_publish = r.sc.sites_publish && (r.sc.sites_audio || r.sc.sites_video),
                     .sites_video = site_publishes_video,
                     .floor = r.sc.floor,
                     .join_rate = r.sc.join_rate};
    env.plan = &plan;

    size_t total = r.sc.sites + (r.sc.chair ? 1 : 0) + r.sc.operators;
    r.eps = calloc(total ? total : 1, sizeof *r.eps);
    r.chair = SIZE_MAX;
    if (r.opt.backend == &sig_dienhong)
        fprintf(stderr, "dienhong-load: minting %zu tokens with %s\n", total, r.opt.dienhong);
    if (r.sc.chair) {
        r.chair = r.n_eps;
        endpoint_cfg c = {.label = SIG_LABEL_CHAIR,
                          .name = "Load chair",
                          .role = EP_CHAIR,
                          .audio = audio,
                          .n_video = r.sc.chair_video.n,
                          .record = r.sc.record};
        memcpy(c.video, chair_video, r.sc.chair_video.n * sizeof c.video[0]);
        if (add_endpoint(&r, &env, NULL, &c)) return 1;
    }
    for (unsigned i = 0; i < r.sc.operators; i++) {
        char label[32];
        snprintf(label, sizeof label, "operator-%u", i + 1);
        endpoint_cfg c = {.label = label, .name = label, .role = EP_OPERATOR, .wall_page = 1};
        if (add_endpoint(&r, &env, NULL, &c)) return 1;
    }
    for (unsigned i = 0; i < r.sc.sites; i++) {
        char code[SIG_LABEL_MAX], name[64];
        snprintf(code, sizeof code, SIG_LABEL_SITE_FMT, i + 1);
        snprintf(name, sizeof name, "Load site %04u", i + 1);
        endpoint_cfg c = {.label = code, .name = name, .role = EP_SITE, .floor = i < r.sc.floor};
        if (r.sc.sites_publish && r.sc.sites_audio) c.audio = audio;
        if (site_publishes_video) {
            c.n_video = r.sc.site_video.n;
            memcpy(c.video, site_video, r.sc.site_video.n * sizeof c.video[0]);
        }
        if (add_endpoint(&r, &env, code, &c)) return 1;
    }
    fprintf(stderr, "dienhong-load: %s, %zu endpoints against %s (%s)\n", r.sc.name, r.n_eps,
            r.opt.url, r.opt.backend->name);

    r.t0 = util_now_us();
    r.sites_t0 = -1;
    ev_timer_init(&r.control, on_control, 0.0, CONTROL_EVERY_S);
    r.control.data = &r;
    ev_timer_start(r.loop, &r.control);
    ev_signal sigint;
    ev_signal_init(&sigint, on_sigint, SIGINT);
    sigint.data = &r;
    ev_signal_start(r.loop, &sigint);
    ev_run(r.loop, 0);

    r.rep.scenario = &r.sc;
    r.rep.endpoints = r.eps;
    r.rep.n_endpoints = r.n_eps;
    report_print(stdout, &r.rep, r.opt.per_endpoint);
    if (r.opt.json && report_write_json(r.opt.json, &r.rep) != 0)
        fprintf(stderr, "dienhong-load: cannot write %s\n", r.opt.json);

    for (size_t i = 0; i < r.n_eps; i++)
        endpoint_free(r.eps[i]);
    free(r.eps);
    ws_hub_free(ws);
    ev_timer_stop(r.loop, &r.control);
    ev_signal_stop(r.loop, &sigint);
    ev_loop_destroy(r.loop);
    free(scratch);
    dtls_cert_free(cert);
    for (size_t i = 0; i < r.media.n; i++)
        media_file_free(r.media.files[i].m);
    return 0;
}
