/* The export of one recording, step by step: plan, site files, meeting file, chapters, manifest.
 * Progress: the site files take 0..30, the meeting file 30..95, the rest 95..100. */
#include "recorder/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "recorder/export_internal.h"
#include "recorder/manifest.h"
#include "recorder/sign.h"

#define SITES_END 30
#define MEETING_END 95

static export_file *add_file(export_result *res, const char *kind, const char *name,
                             const char *file, const char *type)
{
    export_file *f = &res->files[res->n_files++];
    memset(f, 0, sizeof *f);
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->file, sizeof f->file, "%s", file);
    snprintf(f->type, sizeof f->type, "%s", type);
    return f;
}

static int cmp_first(const void *a, const void *b, void *ud)
{
    const ex_plan *p = ud;
    uint64_t x = p->sites[*(const size_t *)a].first_us, y = p->sites[*(const size_t *)b].first_us;
    return x < y ? -1 : x > y;
}

static bool any_h264(const ex_plan *p)
{
    for (size_t i = 0; i < p->n_sites; i++)
        if (strcasecmp(p->sites[i].video_codec, "H264") == 0) return true;
    return false;
}

/* Writes each site's file, in order of arrival (site-001 came first). */
static int export_sites(ex_plan *p, const char *out_dir, ex_progress *pr, export_result *res,
                        char *err, size_t cap)
{
    size_t *order = malloc((p->n_sites + 1) * sizeof *order), n = 0;
    if (!order) {
        snprintf(err, cap, "no memory");
        return -1;
    }
    for (size_t i = 0; i < p->n_sites; i++)
        if (p->sites[i].first_us && (p->sites[i].audio_codec[0] || p->sites[i].video_codec[0]))
            order[n++] = i;
    qsort_r(order, n, sizeof *order, cmp_first, p);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        ex_site *s = &p->sites[order[k]];
        bool mkv = strcasecmp(s->video_codec, "H264") == 0;
        snprintf(s->file, sizeof s->file, "site-%03zu.%s", k + 1, mkv ? "mkv" : "webm");
        int lo = (int)(SITES_END * k / n), hi = (int)(SITES_END * (k + 1) / n);
        rc = ex_site_export(p, s, out_dir, pr, lo, hi, err, cap);
        if (rc != 0) break;
        const char *type =
            s->video_codec[0] ? (mkv ? "video/x-matroska" : "video/webm") : "audio/webm";
        export_file *f = add_file(res, "site", s->name, s->file, type);
        snprintf(f->site, sizeof f->site, "%s", s->code);
        f->duration_ms = s->duration_ms;
    }
    free(order);
    return rc;
}

static int export_meeting(ex_plan *p, const char *out_dir, ex_progress *pr, export_result *res,
                          char *err, size_t cap)
{
    ex_chapter *ch = NULL;
    size_t n = 0;
    if (ex_chapters_build(p, &ch, &n) != 0) {
        snprintf(err, cap, "no memory");
        return -1;
    }
    bool mkv = any_h264(p);
    const char *file = mkv ? "meeting.mkv" : "meeting.webm";
    GstToc *toc = ex_chapters_toc(ch, n);
    int rc = ex_meeting_export(p, out_dir, file, toc, pr, SITES_END, MEETING_END, err, cap);
    gst_toc_unref(toc);
    char path[4200];
    snprintf(path, sizeof path, "%s/chapters.json", out_dir);
    if (rc == 0) rc = ex_chapters_write_json(p, ch, n, file, path, err, cap);
    free(ch);
    if (rc != 0) return -1;
    export_file *f =
        add_file(res, "meeting", p->title, file, mkv ? "video/x-matroska" : "video/webm");
    f->duration_ms = res->duration_ms;
    add_file(res, "chapters", p->title, "chapters.json", "application/json");
    return 0;
}

static int sign_all(const export_options *o, const char *out_dir, export_result *res, char *err,
                    size_t cap)
{
    char kerr[200];
    sign_key *key = sign_key_load_or_create(o->key_dir, kerr, sizeof kerr);
    if (!key) {
        snprintf(err, cap, "key: %s", kerr);
        return -1;
    }
    size_t n = res->n_files;
    const char **names = malloc((n + 1) * sizeof *names);
    manifest_file *mf = malloc((n + 1) * sizeof *mf);
    int rc = -1;
    if (!names || !mf) {
        snprintf(err, cap, "no memory");
    } else {
        for (size_t i = 0; i < n; i++)
            names[i] = res->files[i].file;
        rc = manifest_write(out_dir, key, res->recording, names, n, mf, err, cap);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        res->files[i].size = mf[i].size;
        memcpy(res->files[i].sha256, mf[i].sha256, sizeof mf[i].sha256);
    }
    if (rc == 0) {
        const char *extra[] = {MANIFEST_JSON, MANIFEST_SIG};
        for (size_t i = 0; i < 2 && rc == 0; i++) {
            export_file *f = add_file(res, "manifest", res->recording, extra[i],
                                      i ? "text/plain" : "application/json");
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", out_dir, extra[i]);
            if (manifest_sha256_file(path, f->sha256, &f->size) != 0) {
                snprintf(err, cap, "disk: %s: %s", extra[i], strerror(errno));
                rc = -1;
            }
        }
    }
    free(names);
    free(mf);
    sign_key_free(key);
    return rc;
}

int export_recording(const export_options *o, export_result *res, char *err, size_t cap)
{
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    if (!o->recording_dir || !o->key_dir) {
        snprintf(err, cap, "no recording or key directory");
        return -1;
    }
    gst_init(NULL, NULL);
    ex_plan p;
    if (ex_plan_build(o->recording_dir, &p, err, cap) != 0) {
        ex_plan_free(&p);
        return -1;
    }
    char out_dir[4096];
    snprintf(out_dir, sizeof out_dir, "%s", o->out_dir ? o->out_dir : "");
    if (!o->out_dir) snprintf(out_dir, sizeof out_dir, "%s/export", o->recording_dir);
    ex_progress pr = {.fn = o->progress, .ud = o->progress_ud, .last = -1};
    snprintf(pr.path, sizeof pr.path, "%s/%s", out_dir, EXPORT_PROGRESS_FILE);
    snprintf(res->recording, sizeof res->recording, "%s", p.recording);
    snprintf(res->meeting, sizeof res->meeting, "%s", p.meeting);
    res->duration_ms = (int64_t)(ex_plan_duration_ns(&p) / GST_MSECOND);
    /* Every site, the meeting, chapters and two manifest files. */
    res->files = calloc(p.n_sites + 4, sizeof *res->files);
    int rc = -1;
    if (!res->files) {
        snprintf(err, cap, "no memory");
    } else if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "disk: %s: %s", out_dir, strerror(errno));
    } else if (res->duration_ms <= 0) {
        snprintf(err, cap, "empty: nothing was recorded");
    } else {
        ex_progress_set(&pr, 0);
        rc = export_sites(&p, out_dir, &pr, res, err, cap);
        if (rc == 0) rc = export_meeting(&p, out_dir, &pr, res, err, cap);
        if (rc == 0) rc = sign_all(o, out_dir, res, err, cap);
        if (rc == 0) ex_progress_set(&pr, 100);
    }
    ex_plan_free(&p);
    if (rc != 0) export_result_free(res);
    return rc;
}

void export_result_free(export_result *res)
{
    free(res->files);
    res->files = NULL;
    res->n_files = 0;
}
