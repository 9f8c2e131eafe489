#include "signaling/verify_jobs.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct job {
    verify_jobs *owner;
    pthread_t thread;
    bool busy; /* a thread was started for it and not yet joined */
    bool done; /* its result is ready */
    sign_key *signer;
    char export_dir[PATH_MAX], file_name[MANIFEST_NAME_MAX];
    verify_result result;
} job;

struct verify_jobs {
    pthread_mutex_t lock; /* guards busy/done and the results between the threads */
    void (*wake)(void *);
    void *ud;
    job jobs[VERIFY_JOBS_MAX];
};

verify_jobs *verify_jobs_new(void (*wake)(void *), void *ud)
{
    verify_jobs *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    pthread_mutex_init(&v->lock, NULL);
    v->wake = wake;
    v->ud = ud;
    for (int i = 0; i < VERIFY_JOBS_MAX; i++)
        v->jobs[i].owner = v;
    return v;
}

static void *run(void *arg)
{
    job *j = arg;
    verify_result *r = &j->result;
    r->rc = manifest_check(j->export_dir, j->signer, j->file_name, &r->res, r->err, sizeof r->err);
    sign_key_free(j->signer);
    j->signer = NULL;
    verify_jobs *v = j->owner;
    pthread_mutex_lock(&v->lock);
    j->done = true;
    pthread_mutex_unlock(&v->lock);
    if (v->wake) v->wake(v->ud);
    return NULL;
}

int verify_jobs_start(verify_jobs *v, uint64_t ticket, const char *export_dir,
                      const char *file_name, sign_key *signer, void *ctx)
{
    job *j = NULL;
    pthread_mutex_lock(&v->lock);
    for (int i = 0; i < VERIFY_JOBS_MAX && !j; i++)
        if (!v->jobs[i].busy) j = &v->jobs[i];
    if (j) {
        j->busy = true;
        j->done = false;
    }
    pthread_mutex_unlock(&v->lock);
    int n1 = j ? snprintf(j->export_dir, sizeof j->export_dir, "%s", export_dir) : -1;
    int n2 = j ? snprintf(j->file_name, sizeof j->file_name, "%s", file_name) : -1;
    if (!j || n1 < 0 || (size_t)n1 >= sizeof j->export_dir || n2 < 0 ||
        (size_t)n2 >= sizeof j->file_name) {
        sign_key_free(signer);
        if (j) j->busy = false;
        return -1;
    }
    j->signer = signer;
    j->result = (verify_result){.ticket = ticket, .ctx = ctx};
    if (pthread_create(&j->thread, NULL, run, j) != 0) {
        sign_key_free(signer);
        j->signer = NULL;
        pthread_mutex_lock(&v->lock);
        j->busy = false;
        pthread_mutex_unlock(&v->lock);
        return -1;
    }
    return 0;
}

size_t verify_jobs_poll(verify_jobs *v, verify_result *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < VERIFY_JOBS_MAX && n < cap; i++) {
        job *j = &v->jobs[i];
        pthread_mutex_lock(&v->lock);
        bool ready = j->busy && j->done;
        pthread_mutex_unlock(&v->lock);
        if (!ready) continue;
        pthread_join(j->thread, NULL); /* it has finished: this does not wait */
        out[n++] = j->result;
        pthread_mutex_lock(&v->lock);
        j->busy = j->done = false;
        pthread_mutex_unlock(&v->lock);
    }
    return n;
}

void verify_jobs_free(verify_jobs *v)
{
    if (!v) return;
    for (int i = 0; i < VERIFY_JOBS_MAX; i++) {
        job *j = &v->jobs[i];
        if (!j->busy) continue;
        pthread_join(j->thread, NULL);
        free(j->result.ctx);
    }
    pthread_mutex_destroy(&v->lock);
    free(v);
}
