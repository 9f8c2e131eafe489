/* A worker must never sleep on work another thread published: a producer pushes into a ring and
 * signals, the consumer polls the eventfd, consumes, drains. If a signal is ever lost, the
 * consumer sits with a non-empty ring and nothing to wake it: detected as a poll timeout while
 * the ring holds messages. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "sfu/engine/ring.h"
#include "sfu/engine/wakeup.h"
#include "tests/unit/check.h"

#define MESSAGES 300000u

typedef struct shared {
    spsc_ring *ring;
    wakeup wake;
    _Atomic bool done;
} shared;

static void *produce(void *arg)
{
    shared *sh = arg;
    for (uint32_t i = 0; i < MESSAGES; i++) {
        uint32_t *slot;
        while (!(slot = ring_claim(sh->ring)))
            wakeup_signal(&sh->wake);
        *slot = i;
        ring_push(sh->ring, sizeof *slot);
        wakeup_signal(&sh->wake);
    }
    atomic_store(&sh->done, true);
    return NULL;
}

/* Several threads signal as fast as they can while the owner consumes: whenever the flag says a
 * wake-up is pending, the eventfd must become readable; a lost write leaves the flag set and the fd
 * silent forever. */
typedef struct hammer {
    wakeup *w;
    _Atomic bool *stop;
} hammer;

static void *signal_loop(void *arg)
{
    hammer *h = arg;
    while (!atomic_load_explicit(h->stop, memory_order_relaxed))
        wakeup_signal(h->w);
    return NULL;
}

static unsigned lost_wakeups(unsigned cycles)
{
    wakeup w;
    _Atomic bool stop = false;
    wakeup_init(&w);
    hammer h = {&w, &stop};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, signal_loop, &h);
    unsigned lost = 0;
    for (unsigned c = 0; c < cycles && !lost; c++) {
        struct pollfd p = {.fd = w.fd, .events = POLLIN};
        if (poll(&p, 1, 100) == 0 && atomic_load(&w.pending))
            lost++;
        else
            wakeup_consume(&w);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    wakeup_close(&w);
    return lost;
}

int main(void)
{
    CHECK_EQ(lost_wakeups(20000), 0);

    shared sh = {.ring = ring_new(64, sizeof(uint32_t))};
    CHECK(sh.ring != NULL);
    CHECK_EQ(wakeup_init(&sh.wake), 0);
    pthread_t t;
    pthread_create(&t, NULL, produce, &sh);
    uint32_t expect = 0, stalls = 0;
    while (expect < MESSAGES) {
        struct pollfd p = {.fd = sh.wake.fd, .events = POLLIN};
        int n = poll(&p, 1, 200);
        if (n == 0) {
            uint32_t len;
            /* Asleep with work waiting and no wake-up coming: a lost signal. */
            if (ring_peek(sh.ring, &len)) {
                stalls++;
                break;
            }
            continue;
        }
        wakeup_consume(&sh.wake);
        const uint32_t *v;
        uint32_t len;
        while ((v = ring_peek(sh.ring, &len))) {
            if (*v != expect) break;
            expect++;
            ring_pop(sh.ring);
        }
    }
    CHECK_EQ(stalls, 0);
    CHECK_EQ(expect, MESSAGES);
    pthread_join(t, NULL);
    CHECK_EQ(ring_drops(sh.ring) > 0, 1); /* the producer did hit a full ring and retried */
    wakeup_close(&sh.wake);
    ring_free(sh.ring);
    CHECK_DONE();
}
