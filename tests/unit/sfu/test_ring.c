/* The SPSC ring between workers: order, the full ring dropping (and counting) instead of
 * blocking, the indices wrapping many times over, slot alignment for the worker's message header,
 * and two-thread runs (a million sequence-numbered messages through 1024 slots, 200k through 2)
 * where the consumer sees them in order and every missing one is a counted drop. */
#include "sfu/engine/ring.h"
#include "tests/unit/check.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool push_u32(spsc_ring *r, uint32_t v)
{
    uint8_t *slot = ring_claim(r);
    if (!slot) return false;
    memcpy(slot, &v, sizeof v);
    ring_push(r, sizeof v);
    return true;
}

static bool pop_u32(spsc_ring *r, uint32_t *v)
{
    uint32_t len;
    const uint8_t *slot = ring_peek(r, &len);
    if (!slot) return false;
    if (len != sizeof *v) return false;
    memcpy(v, slot, sizeof *v);
    ring_pop(r);
    return true;
}

static void test_sizes(void)
{
    /* Rounded up to a power of two, never below 2: that many pushes fit, one more drops. */
    static const struct {
        uint32_t asked, fits;
    } table[] = {{0, 2}, {1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {100, 128}, {1024, 1024}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        spsc_ring *r = ring_new(table[i].asked, 64);
        CHECK(r != NULL);
        if (!r) continue;
        CHECK_EQ(ring_slot_size(r), 64);
        uint32_t n = 0;
        while (push_u32(r, n))
            n++;
        CHECK_EQ(n, table[i].fits);
        CHECK_EQ(ring_drops(r), 1);
        ring_free(r);
    }
    ring_free(NULL);
}

static void test_order_full_and_empty(void)
{
    spsc_ring *r = ring_new(8, 32);
    uint32_t len, v = 0;
    CHECK(ring_peek(r, &len) == NULL);
    for (uint32_t i = 0; i < 8; i++)
        CHECK(push_u32(r, 100 + i));
    /* Full: NULL, and each refusal is one drop; what is queued is untouched. */
    CHECK(ring_claim(r) == NULL);
    CHECK(ring_claim(r) == NULL);
    CHECK_EQ(ring_drops(r), 2);
    for (uint32_t i = 0; i < 8; i++) {
        CHECK(pop_u32(r, &v));
        CHECK_EQ(v, 100 + i);
    }
    CHECK(ring_peek(r, &len) == NULL);
    /* Peek does not consume. */
    CHECK(push_u32(r, 7));
    const void *a = ring_peek(r, &len), *b = ring_peek(r, &len);
    CHECK(a != NULL && a == b);
    CHECK(pop_u32(r, &v) && v == 7);
    /* A claim that is never pushed publishes nothing. */
    CHECK(ring_claim(r) != NULL);
    CHECK(ring_peek(r, &len) == NULL);
    CHECK_EQ(ring_drops(r), 2);

    /* Variable lengths up to the slot size come back as pushed. */
    for (uint32_t n = 0; n <= 32; n += 8) {
        uint8_t *slot = ring_claim(r);
        CHECK(slot != NULL);
        if (!slot) break;
        memset(slot, (int)n, n);
        ring_push(r, n);
        const uint8_t *got = ring_peek(r, &len);
        CHECK(got != NULL && len == n);
        bool same = true;
        for (uint32_t i = 0; got && i < len; i++)
            same &= got[i] == n;
        CHECK(same);
        ring_pop(r);
    }
    ring_free(r);
}

/* 4 slots, 200k messages in bursts of 1..5 (so it also fills): the 32-bit indices go round the
 * slot array 50k times, and a drop never reorders or corrupts what is queued. */
static void test_wraparound(void)
{
    spsc_ring *r = ring_new(4, 16);
    uint32_t next_in = 0, next_out = 0, dropped = 0, errors = 0;
    for (uint32_t round = 0; next_in < 200000; round++) {
        uint32_t burst = round % 5 + 1;
        for (uint32_t i = 0; i < burst; i++) {
            if (push_u32(r, next_in))
                next_in++;
            else
                dropped++;
        }
        uint32_t take = (round * 7) % 4 + 1, v;
        for (uint32_t i = 0; i < take && pop_u32(r, &v); i++)
            errors += v != next_out++;
    }
    uint32_t v;
    while (pop_u32(r, &v))
        errors += v != next_out++;
    CHECK_EQ(errors, 0);
    CHECK_EQ(next_out, next_in);
    CHECK_EQ(ring_drops(r), dropped);
    CHECK(dropped > 0);
    ring_free(r);
}

/* The worker writes a struct with a uint64_t field (its ring message header) straight into a
 * claimed slot, so a slot must be aligned for one. */
static void test_alignment(void)
{
    static const uint32_t sizes[] = {1, 20, 64, 1500, 1560};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        spsc_ring *r = ring_new(4, sizes[i]);
        size_t misaligned = 0;
        for (int k = 0; k < 8; k++) {
            uint8_t *slot = ring_claim(r);
            if ((uintptr_t)slot % alignof(uint64_t) != 0) misaligned++;
            ring_push(r, 0);
            uint32_t len;
            ring_peek(r, &len);
            ring_pop(r);
        }
        if (misaligned)
            fprintf(stderr, "slot_size %u: %zu of 8 slots misaligned\n", sizes[i], misaligned);
        CHECK_EQ(misaligned, 0);
        ring_free(r);
    }
}

/* ---- two threads ---------------------------------------------------------------------------- */

enum { STRESS_SLOT = 32 };

typedef struct stress {
    spsc_ring *r;
    uint32_t n;
    uint32_t pushed;
    uint64_t drops; /* ring_drops() once the last message was offered */
    /* consumer's findings */
    uint32_t received, out_of_order, corrupt, gaps;
} stress;

static void fill(uint8_t *p, uint32_t seq, uint32_t len)
{
    memcpy(p, &seq, sizeof seq);
    for (uint32_t i = sizeof seq; i < len; i++)
        p[i] = (uint8_t)(seq * 31 + i);
}

static void *producer(void *arg)
{
    stress *s = arg;
    for (uint32_t seq = 0; seq < s->n; seq++) {
        uint8_t *slot = ring_claim(s->r);
        if (!slot) {
            /* Dropped (and counted by the ring); let the consumer catch up. */
            sched_yield();
            continue;
        }
        uint32_t len = sizeof seq + seq % (STRESS_SLOT - sizeof seq + 1);
        fill(slot, seq, len);
        ring_push(s->r, len);
        s->pushed++;
    }
    /* End marker: retried until it fits; those refusals are not messages lost. */
    s->drops = ring_drops(s->r);
    uint8_t *slot;
    while (!(slot = ring_claim(s->r)))
        sched_yield();
    ring_push(s->r, 0);
    return NULL;
}

static void *consumer(void *arg)
{
    stress *s = arg;
    int64_t last = -1;
    uint32_t idle = 0;
    for (;;) {
        uint32_t len;
        const uint8_t *p = ring_peek(s->r, &len);
        if (!p) {
            /* Two spinning threads on a busy two-core machine starve each other. */
            if (++idle % 64 == 0) sched_yield();
            continue;
        }
        if (len == 0) {
            ring_pop(s->r);
            break;
        }
        uint32_t seq;
        memcpy(&seq, p, sizeof seq);
        uint32_t want = sizeof seq + seq % (STRESS_SLOT - sizeof seq + 1);
        uint8_t expect[STRESS_SLOT];
        fill(expect, seq, want);
        if (len != want || memcmp(p, expect, len) != 0) s->corrupt++;
        if ((int64_t)seq <= last)
            s->out_of_order++;
        else
            s->gaps += (uint32_t)(seq - last - 1);
        last = seq;
        s->received++;
        ring_pop(s->r);
    }
    /* Whatever never arrived after the last received message is a gap too. */
    s->gaps += (uint32_t)(s->n - 1 - last);
    return NULL;
}

static void test_two_threads(uint32_t slots, uint32_t n)
{
    stress s = {.r = ring_new(slots, STRESS_SLOT), .n = n};
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, &s);
    pthread_create(&p, NULL, producer, &s);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    uint64_t drops = s.drops;
    printf("two threads, %u slots: %u received, %llu dropped\n", slots, s.received,
           (unsigned long long)drops);
    CHECK_EQ(s.corrupt, 0);
    CHECK_EQ(s.out_of_order, 0);
    CHECK_EQ(s.received, s.pushed);
    CHECK_EQ(s.received + drops, n);
    CHECK_EQ(s.gaps, drops);
    uint32_t len;
    CHECK(ring_peek(s.r, &len) == NULL);
    ring_free(s.r);
}

int main(void)
{
    test_sizes();
    test_order_full_and_empty();
    test_wraparound();
    test_alignment();
    test_two_threads(1024, 1000000);
    test_two_threads(2, 200000);
    CHECK_DONE();
}
