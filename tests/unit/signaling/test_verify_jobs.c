/* Checks of exported files on threads of their own (verify_jobs.h), against a real signed export
 * in a scratch directory: two checks run at once and a third is refused, each result comes back
 * once with its ticket and context and a wake, an authentic file passes, a changed or missing one
 * does not, and freeing waits for a check still running (ASan sees no leak or use after free). */
#include "signaling/verify_jobs.h"
#include "tests/unit/check.h"
#include "tests/unit/scratch.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[64], data[128], export_dir[128];
static atomic_int wakes;

static void on_wake(void *ud)
{
    (void)ud;
    atomic_fetch_add(&wakes, 1);
}

static sign_key *key(void)
{
    char err[256];
    sign_key *k = sign_key_load_or_create(data, err, sizeof err);
    if (!k) fprintf(stderr, "key: %s\n", err);
    return k;
}

static void write_file(const char *name, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", export_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static char block[1 << 16];
    for (size_t i = 0; i < sizeof block; i++)
        block[i] = (char)(i * 31 + 7);
    for (size_t done = 0; done < size; done += sizeof block)
        CHECK(write(fd, block, sizeof block) == (ssize_t)sizeof block);
    close(fd);
}

static void *ctx_of(int n)
{
    int *c = malloc(sizeof *c);
    *c = n;
    return c;
}

/* Polls until n results came (or 10 s passed). */
static size_t collect(verify_jobs *v, verify_result *out, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 1000 && got < n; i++) {
        got += verify_jobs_poll(v, out + got, n - got);
        if (got < n) usleep(10000);
    }
    return got;
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/dh-verify-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(export_dir, sizeof export_dir, "%s/export", root);
    CHECK(mkdir(data, 0700) == 0 && mkdir(export_dir, 0700) == 0);
    write_file("meeting.webm", 96u << 20); /* long enough to hash that checks overlap */
    write_file("site.webm", 1u << 16);
    sign_key *k = key();
    CHECK(k != NULL);
    const char *names[] = {"meeting.webm", "site.webm"};
    char err[256] = "";
    CHECK_EQ(manifest_write(export_dir, k, "r-test", names, 2, NULL, err, sizeof err), 0);
    sign_key_free(k);

    verify_jobs *v = verify_jobs_new(on_wake, NULL);
    CHECK(v != NULL);
    printf("two at once, the third refused\n");
    CHECK_EQ(verify_jobs_start(v, 1, export_dir, "meeting.webm", key(), ctx_of(1)), 0);
    CHECK_EQ(verify_jobs_start(v, 2, export_dir, "meeting.webm", key(), ctx_of(2)), 0);
    void *third = ctx_of(3);
    CHECK_EQ(verify_jobs_start(v, 3, export_dir, "site.webm", key(), third), -1);
    free(third); /* refused: still the caller's */
    verify_result r[4];
    CHECK_EQ(collect(v, r, 2), 2);
    CHECK_EQ(atomic_load(&wakes), 2);
    CHECK_EQ(r[0].ticket + r[1].ticket, 3);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(r[i].rc, 0);
        CHECK(r[i].res.hash_ok);
        CHECK_EQ(*(int *)r[i].ctx, (int)r[i].ticket);
        free(r[i].ctx);
    }
    CHECK_EQ(verify_jobs_poll(v, r, 4), 0); /* each result once */

    printf("a changed file, a missing one\n");
    write_file("site.webm", 2u << 16);
    CHECK_EQ(verify_jobs_start(v, 4, export_dir, "site.webm", key(), ctx_of(4)), 0);
    CHECK_EQ(verify_jobs_start(v, 5, export_dir, "gone.webm", key(), ctx_of(5)), 0);
    CHECK_EQ(collect(v, r, 2), 2);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(r[i].rc, 1);
        CHECK(!r[i].res.hash_ok);
        if (r[i].ticket == 4) CHECK(r[i].res.present && r[i].res.listed);
        if (r[i].ticket == 5) CHECK(!r[i].res.present && !r[i].res.listed);
        free(r[i].ctx);
    }

    printf("freed while a check runs\n");
    CHECK_EQ(verify_jobs_start(v, 6, export_dir, "meeting.webm", key(), ctx_of(6)), 0);
    verify_jobs_free(v);
    scratch_remove(root);
    CHECK_DONE();
}
