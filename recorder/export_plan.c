/* The plan of an export: the timeline and the journals, read once, turned into publishers, sites
 * and the layout of the meeting file over time. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder/export_internal.h"
#include "sfu/base/log.h"

#define TAG "export"

/* A journal found on disk and what is known of it. */
typedef struct found {
    char file[TIMELINE_FILE_MAX];
    char conn[TIMELINE_ID_MAX];
    char site[TIMELINE_ID_MAX];
    char name[TIMELINE_TEXT_MAX];
    char role[TIMELINE_ID_MAX];
} found;

static size_t site_index(const ex_plan *p, const char *code)
{
    for (size_t i = 0; i < p->n_sites; i++)
        if (strcmp(p->sites[i].code, code) == 0) return i;
    return EX_NONE;
}

static int add_site(ex_plan *p, const found *f, size_t *out)
{
    size_t i = site_index(p, f->site);
    if (i == EX_NONE) {
        ex_site *s = realloc(p->sites, (p->n_sites + 1) * sizeof *s);
        if (!s) return -1;
        p->sites = s;
        i = p->n_sites++;
        memset(&s[i], 0, sizeof s[i]);
        snprintf(s[i].code, sizeof s[i].code, "%s", f->site);
        snprintf(s[i].name, sizeof s[i].name, "%s", f->name[0] ? f->name : f->site);
        snprintf(s[i].role, sizeof s[i].role, "%s", f->role);
    } else if (f->name[0]) {
        snprintf(p->sites[i].name, sizeof p->sites[i].name, "%s", f->name);
    }
    if (strcmp(f->role, "chair") == 0) p->sites[i].chair = true;
    *out = i;
    return 0;
}

/* Adds a journal to its publisher (made when new). */
static int add_journal(ex_plan *p, const char *dir, const found *f, char *err, size_t cap)
{
    size_t site;
    if (add_site(p, f, &site) != 0) goto oom;
    ex_pub *pub = NULL;
    for (size_t i = 0; i < p->n_pubs; i++)
        if (strcmp(p->pubs[i].conn, f->conn) == 0 && p->pubs[i].site == site) pub = &p->pubs[i];
    if (!pub) {
        if (p->n_pubs == EX_MAX_PUBS) {
            snprintf(err, cap, "more than %d publishers", EX_MAX_PUBS);
            return -1;
        }
        ex_pub *n = realloc(p->pubs, (p->n_pubs + 1) * sizeof *n);
        if (!n) goto oom;
        p->pubs = n;
        pub = &p->pubs[p->n_pubs++];
        memset(pub, 0, sizeof *pub);
        snprintf(pub->conn, sizeof pub->conn, "%s", f->conn);
        pub->site = site;
    }
    if (pub->n_paths == REPLAY_MAX_JOURNALS) {
        LOGW(TAG, "%s: too many journals for %s, %s skipped", dir, f->conn, f->file);
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/journals/%s", dir, f->file);
    char jerr[160];
    journal_reader *r = journal_open(path, jerr, sizeof jerr);
    if (!r) {
        /* A journal whose header never reached the disk holds nothing; the rest still exports. */
        LOGW(TAG, "journal %s skipped: %s", f->file, jerr);
        return 0;
    }
    journal_close_reader(r);
    if (!(pub->paths[pub->n_paths] = strdup(path))) goto oom;
    pub->n_paths++;
    return 0;
oom:
    snprintf(err, cap, "no memory");
    return -1;
}

static bool listed(const timeline *tl, const char *file)
{
    return timeline_track_of(tl, file) != NULL;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Journals the timeline does not name (a crash between opening the journal and writing its
 * line): their labels say what they are. */
static int add_unlisted(ex_plan *p, const char *dir, char *err, size_t cap)
{
    char jdir[4096];
    snprintf(jdir, sizeof jdir, "%s/journals", dir);
    DIR *d = opendir(jdir);
    if (!d) return 0;
    char(*names)[TIMELINE_FILE_MAX] = NULL;
    size_t n = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!timeline_valid_file(e->d_name) || listed(p->tl, e->d_name)) continue;
        char(*more)[TIMELINE_FILE_MAX] = realloc(names, (n + 1) * sizeof *names);
        if (!more) {
            rc = -1;
            break;
        }
        names = more;
        memcpy(names[n++], e->d_name, strlen(e->d_name) + 1); /* checked: short */
    }
    closedir(d);
    /* Names are zero-padded counters: sorting them gives creation order. */
    if (n) qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4200], jerr[160];
        snprintf(path, sizeof path, "%s/%s", jdir, names[i]);
        journal_reader *r = journal_open(path, jerr, sizeof jerr);
        if (!r) continue;
        const journal_track *t = journal_track_of(r);
        found f = {0};
        snprintf(f.file, sizeof f.file, "%s", names[i]);
        snprintf(f.site, sizeof f.site, "%s", timeline_valid_code(t->site) ? t->site : "unknown");
        snprintf(f.conn, sizeof f.conn, "%.*s", (int)strcspn(t->track_id, "/"), t->track_id);
        snprintf(f.role, sizeof f.role, "%s",
                 strcmp(f.site, "chair") == 0 || strcmp(f.site, "operator") == 0 ? f.site : "site");
        journal_close_reader(r);
        LOGW(TAG, "journal %s is not in the timeline; using its labels", names[i]);
        rc = add_journal(p, dir, &f, err, cap);
    }
    free(names);
    if (rc != 0 && !err[0]) snprintf(err, cap, "no memory");
    return rc;
}

/* Which of the site's journals of a kind come first decides its codec. */
static void site_codecs(ex_plan *p, ex_site *s)
{
    for (size_t k = 0; k < s->n_pubs; k++) {
        const ex_pub *pub = &p->pubs[s->pubs[k]];
        for (size_t j = 0; j < replay_journal_count(pub->rp); j++) {
            const journal_track *t = replay_journal_track(pub->rp, j);
            char *dst = t->kind == JOURNAL_KIND_VIDEO ? s->video_codec : s->audio_codec;
            if (!dst[0] && replay_has(pub->rp, t->kind) && ex_depay_for(t->codec))
                memcpy(dst, t->codec, sizeof t->codec);
        }
    }
}

static int cmp_first(const void *a, const void *b, void *ud)
{
    const ex_plan *p = ud;
    const ex_pub *pa = &p->pubs[*(const size_t *)a], *pb = &p->pubs[*(const size_t *)b];
    uint64_t fa = replay_first_arrival(pa->rp, JOURNAL_KIND_AUDIO);
    uint64_t va = replay_first_arrival(pa->rp, JOURNAL_KIND_VIDEO);
    uint64_t fb = replay_first_arrival(pb->rp, JOURNAL_KIND_AUDIO);
    uint64_t vb = replay_first_arrival(pb->rp, JOURNAL_KIND_VIDEO);
    if (!fa || (va && va < fa)) fa = va;
    if (!fb || (vb && vb < fb)) fb = vb;
    return fa < fb ? -1 : fa > fb;
}

static int open_replays(ex_plan *p, char *err, size_t cap)
{
    for (size_t i = 0; i < p->n_pubs; i++) {
        ex_pub *pub = &p->pubs[i];
        char rerr[200];
        pub->rp = replay_open((const char *const *)pub->paths, pub->n_paths, rerr, sizeof rerr);
        if (!pub->rp) {
            snprintf(err, cap, "journals of %s: %s", pub->conn, rerr);
            return -1;
        }
        ex_site *s = &p->sites[pub->site];
        size_t *np = realloc(s->pubs, (s->n_pubs + 1) * sizeof *np);
        if (!np) {
            snprintf(err, cap, "no memory");
            return -1;
        }
        s->pubs = np;
        s->pubs[s->n_pubs++] = i;
        for (int k = JOURNAL_KIND_AUDIO; k <= JOURNAL_KIND_VIDEO; k++) {
            uint64_t f = replay_first_arrival(pub->rp, (uint8_t)k);
            if (f && (!s->first_us || f < s->first_us)) s->first_us = f;
            uint64_t l = replay_last_arrival(pub->rp, (uint8_t)k);
            if (!timeline_stop(p->tl) && l > p->end_us) p->end_us = l;
        }
    }
    for (size_t i = 0; i < p->n_sites; i++) {
        ex_site *s = &p->sites[i];
        if (s->n_pubs) qsort_r(s->pubs, s->n_pubs, sizeof *s->pubs, cmp_first, p);
        site_codecs(p, s);
    }
    return 0;
}

/* The right half: the first floor holder that is not a chair, else the active speaker when not a
 * chair, else nobody. */
static size_t right_of(const ex_plan *p, const ex_layout *l, size_t speaker)
{
    for (size_t i = 0; i < l->n_floor; i++)
        if (!p->sites[l->floor[i]].chair) return l->floor[i];
    if (speaker != EX_NONE && !p->sites[speaker].chair) return speaker;
    return EX_NONE;
}

static int build_layout(ex_plan *p, char *err, size_t cap)
{
    ex_layout cur = {.t = p->start_us, .right = EX_NONE};
    size_t speaker = EX_NONE;
    p->layout = malloc(sizeof *p->layout);
    if (!p->layout) goto oom;
    p->layout[0] = cur;
    p->n_layout = 1;
    for (size_t i = 0; i < timeline_count(p->tl); i++) {
        const timeline_event *e = timeline_at(p->tl, i);
        if (e->type == TIMELINE_FLOOR) {
            cur.n_floor = 0;
            for (size_t k = 0; k < e->u.floor.n; k++) {
                size_t s = site_index(p, e->u.floor.sites[k]);
                if (s != EX_NONE) cur.floor[cur.n_floor++] = s;
            }
        } else if (e->type == TIMELINE_SPEAKER) {
            speaker = e->u.speaker.site[0] ? site_index(p, e->u.speaker.site) : EX_NONE;
        } else {
            continue;
        }
        cur.t = e->t < p->start_us ? p->start_us : e->t;
        cur.right = right_of(p, &cur, speaker);
        ex_layout *l = &p->layout[p->n_layout - 1];
        if (l->t == cur.t) {
            *l = cur;
            continue;
        }
        l = realloc(p->layout, (p->n_layout + 1) * sizeof *l);
        if (!l) goto oom;
        p->layout = l;
        p->layout[p->n_layout++] = cur;
    }
    for (size_t i = 0; i < p->n_layout; i++) {
        const ex_layout *l = &p->layout[i];
        if (l->right != EX_NONE) p->sites[l->right].show_video = true;
        for (size_t k = 0; k < l->n_floor; k++)
            p->sites[l->floor[k]].mix_audio = true;
    }
    for (size_t i = 0; i < p->n_sites; i++) {
        ex_site *s = &p->sites[i];
        if (s->chair) s->show_video = s->mix_audio = true;
        s->show_video = s->show_video && s->video_codec[0];
        s->mix_audio = s->mix_audio && s->audio_codec[0];
    }
    return 0;
oom:
    snprintf(err, cap, "no memory");
    return -1;
}

int ex_plan_build(const char *dir, ex_plan *p, char *err, size_t cap)
{
    memset(p, 0, sizeof *p);
    err[0] = '\0';
    char path[4096], terr[160];
    snprintf(path, sizeof path, "%s/timeline.jsonl", dir);
    p->tl = timeline_load(path, terr, sizeof terr);
    if (!p->tl) {
        snprintf(err, cap, "timeline: %s", terr);
        return -1;
    }
    const timeline_event *start = timeline_start(p->tl), *stop = timeline_stop(p->tl);
    if (!start) {
        snprintf(err, cap, "timeline: no start line");
        return -1;
    }
    if (timeline_skipped(p->tl)) LOGW(TAG, "timeline: %zu lines skipped", timeline_skipped(p->tl));
    snprintf(p->recording, sizeof p->recording, "%s", start->u.start.recording);
    snprintf(p->meeting, sizeof p->meeting, "%s", start->u.start.meeting);
    snprintf(p->title, sizeof p->title, "%s", start->u.start.title);
    p->start_us = start->t;
    p->end_us = stop ? stop->t : timeline_at(p->tl, timeline_count(p->tl) - 1)->t;
    for (size_t i = 0; i < timeline_count(p->tl); i++) {
        const timeline_event *e = timeline_at(p->tl, i);
        if (e->type != TIMELINE_TRACK) continue;
        found f;
        snprintf(f.file, sizeof f.file, "%s", e->u.track.file);
        snprintf(f.conn, sizeof f.conn, "%s", e->u.track.conn);
        snprintf(f.site, sizeof f.site, "%s", e->u.track.site);
        snprintf(f.name, sizeof f.name, "%s", e->u.track.name);
        snprintf(f.role, sizeof f.role, "%s", e->u.track.role);
        if (add_journal(p, dir, &f, err, cap) != 0) return -1;
    }
    if (add_unlisted(p, dir, err, cap) != 0 || open_replays(p, err, cap) != 0 ||
        build_layout(p, err, cap) != 0)
        return -1;
    return 0;
}

void ex_plan_free(ex_plan *p)
{
    for (size_t i = 0; i < p->n_pubs; i++) {
        replay_close(p->pubs[i].rp);
        for (size_t k = 0; k < p->pubs[i].n_paths; k++)
            free(p->pubs[i].paths[k]);
    }
    for (size_t i = 0; i < p->n_sites; i++)
        free(p->sites[i].pubs);
    free(p->pubs);
    free(p->sites);
    free(p->layout);
    timeline_free(p->tl);
    memset(p, 0, sizeof *p);
}

GstClockTime ex_plan_ns(const ex_plan *p, uint64_t t_us)
{
    return t_us <= p->start_us ? 0 : (t_us - p->start_us) * GST_USECOND;
}

GstClockTime ex_plan_duration_ns(const ex_plan *p)
{
    return ex_plan_ns(p, p->end_us);
}

bool ex_site_in_floor(const ex_layout *l, size_t site)
{
    for (size_t i = 0; i < l->n_floor; i++)
        if (l->floor[i] == site) return true;
    return false;
}

bool ex_site_active(const ex_plan *p, const ex_site *s, uint8_t kind, uint64_t t, uint64_t margin)
{
    for (size_t k = 0; k < s->n_pubs; k++) {
        size_t n;
        const replay_span *sp = replay_spans(p->pubs[s->pubs[k]].rp, kind, &n);
        /* Binary search for the last span starting at or before t + margin. */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sp[mid].start_us <= t + margin)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && sp[lo - 1].end_us + margin >= t) return true;
    }
    return false;
}
