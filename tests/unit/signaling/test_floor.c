/* The floor: who may speak, and the queue of raised hands, as the chair and the sites see it. */
#include <stdio.h>

#include "signaling/floor.h"
#include "tests/unit/check.h"

static floor_state f;

typedef enum { RAISE, LOWER, GIVE, TAKE, CLEAR } op_kind;
typedef struct {
    op_kind op;
    const char *site;
    long expect;         /* return value */
    const char *holders; /* after: comma-joined */
    const char *queue;
} step;

static void join(char (*list)[FLOOR_CODE_LEN], size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? ",%s" : "%s", list[i]);
}

static const step script[] = {
    /* Three sites ask; the queue is in order of asking. */
    {RAISE, "ba-dinh", 1, "", "ba-dinh"},
    {RAISE, "tay-ho", 2, "", "ba-dinh,tay-ho"},
    {RAISE, "hoan-kiem", 3, "", "ba-dinh,tay-ho,hoan-kiem"},
    /* Asking again keeps one's place. */
    {RAISE, "tay-ho", 2, "", "ba-dinh,tay-ho,hoan-kiem"},
    /* The chair gives the floor to the second: it leaves the queue, the others keep their order. */
    {GIVE, "tay-ho", 1, "tay-ho", "ba-dinh,hoan-kiem"},
    /* A holder's raised hand is meaningless. */
    {RAISE, "tay-ho", 0, "tay-ho", "ba-dinh,hoan-kiem"},
    {LOWER, "ba-dinh", 1, "tay-ho", "hoan-kiem"},
    {LOWER, "ba-dinh", 0, "tay-ho", "hoan-kiem"},
    /* Several may hold the floor; giving twice is harmless. */
    {GIVE, "hoan-kiem", 1, "tay-ho,hoan-kiem", ""},
    {GIVE, "hoan-kiem", 1, "tay-ho,hoan-kiem", ""},
    {TAKE, "tay-ho", 1, "hoan-kiem", ""},
    {TAKE, "tay-ho", 0, "hoan-kiem", ""},
    /* Mute all: nobody speaks, the queue stays. */
    {RAISE, "ba-dinh", 1, "hoan-kiem", "ba-dinh"},
    {CLEAR, NULL, 1, "", "ba-dinh"},
    {CLEAR, NULL, 0, "", "ba-dinh"},
    /* Empty codes are refused. */
    {RAISE, "", 0, "", "ba-dinh"},
    {GIVE, "", 0, "", "ba-dinh"},
};

int main(void)
{
    floor_init(&f);
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        const step *s = &script[i];
        long got = 0;
        switch (s->op) {
        case RAISE:
            got = (long)floor_raise(&f, s->site);
            break;
        case LOWER:
            got = floor_lower(&f, s->site);
            break;
        case GIVE:
            got = floor_give(&f, s->site);
            break;
        case TAKE:
            got = floor_take(&f, s->site);
            break;
        case CLEAR:
            got = (long)floor_clear(&f);
            break;
        }
        char h[512], q[512];
        join(f.holders, f.n_holders, h, sizeof h);
        join(f.queue, f.n_queue, q, sizeof q);
        if (got != s->expect || strcmp(h, s->holders) || strcmp(q, s->queue))
            fprintf(stderr, "step %zu: got %ld holders [%s] queue [%s]\n", i, got, h, q);
        CHECK_EQ(got, s->expect);
        CHECK_STR(h, s->holders);
        CHECK_STR(q, s->queue);
    }
    CHECK_EQ(floor_position(&f, "ba-dinh"), 1);
    CHECK(!floor_holds(&f, "ba-dinh"));

    /* Limits: holders and queue. */
    floor_init(&f);
    char code[16];
    for (int i = 0; i < FLOOR_MAX_HOLDERS; i++) {
        snprintf(code, sizeof code, "s%d", i);
        CHECK(floor_give(&f, code));
    }
    CHECK(!floor_give(&f, "one-more"));
    for (int i = 0; i < FLOOR_MAX_QUEUE; i++) {
        snprintf(code, sizeof code, "q%d", i);
        CHECK_EQ(floor_raise(&f, code), (size_t)i + 1);
    }
    CHECK_EQ(floor_raise(&f, "late"), 0);
    CHECK_DONE();
}
