/* `dienhong export`: the store's bookkeeping around export_recording. */
#include "signaling/cli_export.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/export.h"
#include "sfu/base/util.h"
#include "signaling/store.h"

#define MAX_RECORDINGS 256

typedef struct job {
    store *st;
    store_recording row;
} job;

static void usage(FILE *f)
{
    fprintf(f, "usage: dienhong export --data DIR (--meeting M | --recording R) [--out DIR]\n");
}

/* Progress into the store. A busy store (the hub writing) only delays the next number. */
static void on_progress(void *ud, int percent)
{
    job *j = ud;
    j->row.progress = percent;
    if (j->st && store_recording_update(j->st, &j->row) != 0)
        fprintf(stderr, "dienhong: progress of %s: %s\n", j->row.id, store_error(j->st));
}

static void to_store_file(const store_recording *r, const export_file *e, store_recording_file *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->recording, sizeof f->recording, "%s", r->id);
    snprintf(f->kind, sizeof f->kind, "%s", e->kind);
    snprintf(f->site, sizeof f->site, "%s", e->site);
    snprintf(f->name, sizeof f->name, "%s", e->name[0] ? e->name : e->file);
    snprintf(f->file, sizeof f->file, "%s", e->file);
    snprintf(f->type, sizeof f->type, "%s", e->type);
    f->size = e->size;
    memcpy(f->sha256, e->sha256, sizeof f->sha256);
    f->duration_ms = e->duration_ms;
}

static int fail(store *st, store_recording *row, const char *reason)
{
    fprintf(stderr, "dienhong: export of %s failed: %s\n", row->id, reason);
    row->state = STORE_REC_FAILED;
    snprintf(row->reason, sizeof row->reason, "%s", reason);
    if (store_recording_update(st, row) != 0)
        fprintf(stderr, "dienhong: %s: %s\n", row->id, store_error(st));
    return -1;
}

static int export_one(store *st, const char *data, const store_recording *r, const char *out)
{
    /* An export to another directory (the recordings disk is full, a copy for someone) is not
     * the recording's own: the store keeps pointing at DIR/export. */
    job j = {.st = out ? NULL : st, .row = *r};
    j.row.state = STORE_REC_EXPORTING;
    j.row.progress = 0;
    /* The reason the recording stopped ("interrupted", "disk: ...") stays for the clerks. */
    if (!out && store_recording_update(st, &j.row) != 0) {
        fprintf(stderr, "dienhong: %s: %s\n", r->id, store_error(st));
        return -1;
    }
    export_options o = {.recording_dir = r->dir,
                        .out_dir = out,
                        .key_dir = data,
                        .progress = on_progress,
                        .progress_ud = &j};
    export_result res;
    char err[512];
    if (export_recording(&o, &res, err, sizeof err) != 0) {
        if (!out) return fail(st, &j.row, err);
        fprintf(stderr, "dienhong: export of %s failed: %s\n", r->id, err);
        return -1;
    }
    if (out) {
        printf("exported %s: %zu files in %s (the store is unchanged)\n", r->id, res.n_files, out);
        export_result_free(&res);
        return 0;
    }
    size_t n = res.n_files;
    store_recording_file *files = calloc(n + 1, sizeof *files);
    if (!files) {
        export_result_free(&res);
        return fail(st, &j.row, "no memory");
    }
    for (size_t i = 0; i < n; i++)
        to_store_file(&j.row, &res.files[i], &files[i]);
    int rc = store_recording_files_set(st, j.row.id, files, n);
    free(files);
    export_result_free(&res);
    if (rc != 0) return fail(st, &j.row, store_error(st));
    j.row.state = STORE_REC_READY;
    j.row.progress = 100;
    if (store_recording_update(st, &j.row) != 0) {
        fprintf(stderr, "dienhong: %s: %s\n", r->id, store_error(st));
        return -1;
    }
    printf("exported %s: %zu files in %s%s\n", r->id, n, out ? out : r->dir, out ? "" : "/export");
    return 0;
}

typedef struct found {
    store_recording rows[MAX_RECORDINGS];
    size_t n;
} found;

static int collect(void *ud, const store_recording *r)
{
    found *f = ud;
    if (r->state == STORE_REC_RECORDING || r->state == STORE_REC_DELETED) return 0;
    if (f->n < MAX_RECORDINGS) f->rows[f->n++] = *r;
    return 0;
}

int cli_export(int argc, char **argv)
{
    const char *data = "./data", *meeting = NULL, *recording = NULL, *out = NULL;
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"meeting", required_argument, 0, 'm'},
                                         {"recording", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd':
            data = optarg;
            break;
        case 'm':
            meeting = optarg;
            break;
        case 'r':
            recording = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!meeting == !recording || optind != argc) {
        usage(stderr);
        return 2;
    }
    char err[512];
    store *st = store_open(data, err, sizeof err);
    if (!st) {
        fprintf(stderr, "dienhong: %s\n", err);
        return 1;
    }
    static found f;
    f.n = 0;
    int rc = 0;
    if (recording) {
        int g = store_recording_get(st, recording, &f.rows[0]);
        if (g != 0) {
            fprintf(stderr, "dienhong: %s: %s\n", recording,
                    g == 1 ? "no such recording" : store_error(st));
            rc = 1;
        } else if (f.rows[0].state == STORE_REC_RECORDING || f.rows[0].state == STORE_REC_DELETED) {
            fprintf(stderr, "dienhong: %s is %s\n", recording,
                    store_rec_state_name(f.rows[0].state));
            rc = 1;
        } else {
            f.n = 1;
        }
    } else if (store_recording_list(st, meeting, -1, collect, &f) != 0) {
        fprintf(stderr, "dienhong: %s\n", store_error(st));
        rc = 1;
    } else if (f.n == 0) {
        fprintf(stderr, "dienhong: meeting %s has no recording to export\n", meeting);
        rc = 1;
    }
    for (size_t i = 0; i < f.n; i++)
        if (export_one(st, data, &f.rows[i], out) != 0) rc = 1;
    store_close(st);
    return rc;
}
