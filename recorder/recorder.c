/* The recorder's thread: commands from signaling, copies from the tap, journals to disk. */
#include "recorder/recorder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfu/base/idmap.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"

#define SYNC_US 900000u       /* under a second, whatever the loop's jitter */
#define IDLE_NS 5000000L      /* 5 ms between polls when the tap is empty */
#define DROP_EVENT_US 5000000 /* at most one DROPPED event per source per 5 s */
#define EVENT_QUEUE 256
#define DRAIN_MAX 8192

typedef enum { CMD_OPEN = 1, CMD_CLOSE } cmd_type;

typedef struct rcmd {
    struct rcmd *next;
    cmd_type type;
    uint32_t source;
    journal_track track;
    char path[];
} rcmd;

typedef struct track {
    uint32_t source;
    journal_writer *w;
    uint64_t dropped_unreported;
    uint64_t last_drop_event_us;
} track;

struct recorder {
    recorder_source_fn src;
    void *src_ud;
    pthread_t thread;
    _Atomic bool stop;
    pthread_mutex_t lock; /* commands and events only: the control plane */
    rcmd *head, *tail;
    recorder_event events[EVENT_QUEUE];
    size_t ev_head, ev_count;
    idmap *tracks; /* source -> track; the recorder thread's own */
    uint64_t next_sync_us;
    _Atomic uint64_t packets, bytes, dropped, syncs, tracks_open, failures;
};

static uint64_t wall_offset_us;
static pthread_once_t wall_once = PTHREAD_ONCE_INIT;

/* Journals and timelines share one time base: the monotonic clock shifted once to the wall
 * clock, so that a clock step during a meeting cannot reorder packets and events. */
static void init_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t wall = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    wall_offset_us = wall - util_now_us();
}

static uint64_t to_wall(uint64_t mono_us)
{
    pthread_once(&wall_once, init_wall);
    return mono_us + wall_offset_us;
}

uint64_t recorder_wall_us(void)
{
    return to_wall(util_now_us());
}

static void bump(_Atomic uint64_t *c, uint64_t v)
{
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static void push_event(recorder *r, const recorder_event *ev)
{
    pthread_mutex_lock(&r->lock);
    if (r->ev_count < EVENT_QUEUE) {
        r->events[(r->ev_head + r->ev_count) % EVENT_QUEUE] = *ev;
        r->ev_count++;
    }
    pthread_mutex_unlock(&r->lock);
}

size_t recorder_poll_events(recorder *r, recorder_event *out, size_t cap)
{
    pthread_mutex_lock(&r->lock);
    size_t n = 0;
    while (n < cap && r->ev_count) {
        out[n++] = r->events[r->ev_head];
        r->ev_head = (r->ev_head + 1) % EVENT_QUEUE;
        r->ev_count--;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* A track whose journal failed stops at once; what it flushed before stays readable. */
static void fail_track(recorder *r, track *t, const char *why)
{
    recorder_event ev = {.type = RECORDER_EV_FAILED, .source = t->source};
    snprintf(ev.reason, sizeof ev.reason, "%s", why);
    LOGE("recorder", "source %u: recording stopped: %s", t->source, why);
    push_event(r, &ev);
    bump(&r->failures, 1);
    idmap_del(r->tracks, t->source);
    journal_close(t->w);
    atomic_fetch_sub_explicit(&r->tracks_open, 1, memory_order_relaxed);
    free(t);
}

static void check(recorder *r, track *t, int rc)
{
    if (rc == JOURNAL_E_IO || rc == JOURNAL_E_FAILED) fail_track(r, t, journal_writer_error(t->w));
}

static void open_track(recorder *r, const rcmd *c)
{
    recorder_event ev = {.type = RECORDER_EV_FAILED, .source = c->source};
    if (idmap_get(r->tracks, c->source)) {
        snprintf(ev.reason, sizeof ev.reason, "source already recorded");
        push_event(r, &ev);
        return;
    }
    journal_track jt = c->track;
    jt.created_us = recorder_wall_us();
    char err[160];
    journal_writer *w = journal_create(c->path, &jt, err, sizeof err);
    track *t = w ? calloc(1, sizeof *t) : NULL;
    if (!t || idmap_put(r->tracks, c->source, t) != 0) {
        snprintf(ev.reason, sizeof ev.reason, "%s", w ? "no memory" : err);
        LOGE("recorder", "cannot record source %u into %s: %s", c->source, c->path, ev.reason);
        journal_close(w);
        free(t);
        bump(&r->failures, 1);
        push_event(r, &ev);
        return;
    }
    t->source = c->source;
    t->w = w;
    bump(&r->tracks_open, 1);
    push_event(r, &(recorder_event){.type = RECORDER_EV_OPENED, .source = c->source});
}

static void close_track(recorder *r, uint32_t source)
{
    track *t = idmap_del(r->tracks, source);
    if (!t) return;
    int rc = journal_close(t->w);
    if (rc != JOURNAL_OK) {
        recorder_event ev = {.type = RECORDER_EV_FAILED, .source = source};
        snprintf(ev.reason, sizeof ev.reason, "closing the journal failed");
        push_event(r, &ev);
        bump(&r->failures, 1);
    }
    atomic_fetch_sub_explicit(&r->tracks_open, 1, memory_order_relaxed);
    free(t);
}

static void on_copy(void *ud, const sfu_tap_rec *rec, const uint8_t *pkt)
{
    recorder *r = ud;
    track *t = idmap_get(r->tracks, rec->source);
    if (!t) return; /* copies still in flight for a track that was just closed */
    uint64_t at = to_wall(rec->arrival_us);
    if (rec->dropped) {
        bump(&r->dropped, rec->dropped);
        t->dropped_unreported += rec->dropped;
        int rc = journal_append_gap(t->w, at, rec->dropped);
        if (rc != JOURNAL_OK) {
            check(r, t, rc);
            return;
        }
        uint64_t now = util_now_us();
        if (now - t->last_drop_event_us >= DROP_EVENT_US || !t->last_drop_event_us) {
            recorder_event ev = {
                .type = RECORDER_EV_DROPPED, .source = t->source, .dropped = t->dropped_unreported};
            push_event(r, &ev);
            t->dropped_unreported = 0;
            t->last_drop_event_us = now;
        }
    }
    int rc = rec->kind == SFU_TAP_SR ? journal_append_sr(t->w, at, rec->ntp, rec->rtp_ts)
                                     : journal_append_rtp(t->w, at, pkt, rec->len);
    if (rc == JOURNAL_OK) {
        bump(&r->packets, 1);
        bump(&r->bytes, rec->len);
    }
    check(r, t, rc);
}

static void sync_all(recorder *r)
{
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    track *failed[64];
    size_t n_failed = 0;
    while (idmap_next(r->tracks, &it, &key, &v)) {
        track *t = v;
        if (journal_flush(t->w) != JOURNAL_OK && n_failed < DH_ARRAY_LEN(failed))
            failed[n_failed++] = t;
    }
    /* Failed tracks leave the map after the walk, which must not see it change. */
    for (size_t i = 0; i < n_failed; i++)
        fail_track(r, failed[i], journal_writer_error(failed[i]->w));
    bump(&r->syncs, 1);
}

static rcmd *take_commands(recorder *r)
{
    pthread_mutex_lock(&r->lock);
    rcmd *c = r->head;
    r->head = r->tail = NULL;
    pthread_mutex_unlock(&r->lock);
    return c;
}

/* Copies that arrived before a command was given are written before it is carried out, so that
 * closing a track keeps its last packets. */
static void run_commands(recorder *r)
{
    rcmd *c = take_commands(r);
    if (!c) return;
    while (r->src(r->src_ud, on_copy, r, DRAIN_MAX) == DRAIN_MAX) {
    }
    for (rcmd *n; c; c = n) {
        n = c->next;
        if (c->type == CMD_OPEN)
            open_track(r, c);
        else
            close_track(r, c->source);
        free(c);
    }
}

static void *loop(void *arg)
{
    recorder *r = arg;
    struct timespec idle = {0, IDLE_NS};
    while (!atomic_load(&r->stop)) {
        run_commands(r);
        size_t n = r->src(r->src_ud, on_copy, r, DRAIN_MAX);
        uint64_t now = util_now_us();
        if (now >= r->next_sync_us) {
            r->next_sync_us = now + SYNC_US;
            sync_all(r);
        }
        if (n < DRAIN_MAX) nanosleep(&idle, NULL);
    }
    run_commands(r);
    while (r->src(r->src_ud, on_copy, r, DRAIN_MAX) == DRAIN_MAX) {
    }
    return NULL;
}

recorder *recorder_new(recorder_source_fn src, void *src_ud)
{
    recorder *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->src = src;
    r->src_ud = src_ud;
    pthread_mutex_init(&r->lock, NULL);
    r->tracks = idmap_new(64);
    pthread_once(&wall_once, init_wall);
    if (!r->tracks || pthread_create(&r->thread, NULL, loop, r) != 0) {
        idmap_free(r->tracks);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void recorder_free(recorder *r)
{
    if (!r) return;
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    while (idmap_next(r->tracks, &it, &key, &v)) {
        track *t = v;
        journal_close(t->w);
        free(t);
    }
    idmap_free(r->tracks);
    for (rcmd *c = r->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void post(recorder *r, rcmd *c)
{
    pthread_mutex_lock(&r->lock);
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
    pthread_mutex_unlock(&r->lock);
}

void recorder_track_open(recorder *r, uint32_t source, const char *path, const journal_track *t)
{
    size_t n = strlen(path) + 1;
    rcmd *c = calloc(1, sizeof *c + n);
    if (!c) {
        recorder_event ev = {.type = RECORDER_EV_FAILED, .source = source};
        snprintf(ev.reason, sizeof ev.reason, "no memory");
        push_event(r, &ev);
        return;
    }
    c->type = CMD_OPEN;
    c->source = source;
    c->track = *t;
    memcpy(c->path, path, n);
    post(r, c);
}

void recorder_track_close(recorder *r, uint32_t source)
{
    rcmd *c = calloc(1, sizeof *c);
    if (!c) return; /* the journal stays open until recorder_free closes it */
    c->type = CMD_CLOSE;
    c->source = source;
    post(r, c);
}

void recorder_get_stats(recorder *r, recorder_stats *out)
{
    out->packets = atomic_load_explicit(&r->packets, memory_order_relaxed);
    out->bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
    out->dropped = atomic_load_explicit(&r->dropped, memory_order_relaxed);
    out->syncs = atomic_load_explicit(&r->syncs, memory_order_relaxed);
    out->tracks_open = atomic_load_explicit(&r->tracks_open, memory_order_relaxed);
    out->failures = atomic_load_explicit(&r->failures, memory_order_relaxed);
}
