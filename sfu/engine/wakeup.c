#include "sfu/engine/wakeup.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int wakeup_init(wakeup *w)
{
    atomic_init(&w->pending, false);
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return w->fd < 0 ? -1 : 0;
}

void wakeup_close(wakeup *w)
{
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
}

void wakeup_signal(wakeup *w)
{
    if (w->fd < 0) return;
    if (!atomic_exchange(&w->pending, true)) {
        uint64_t one = 1;
        ssize_t r = write(w->fd, &one, sizeof one);
        (void)r;
    }
}

void wakeup_consume(wakeup *w)
{
    /* Read first, then clear. A signal landing between the two finds the flag still set and
     * writes nothing, but its work was published before it, so the drain that follows sees it.
     * Clearing first would let such a signal's write be eaten by this read and leave the flag
     * set: no later signal would ever write again. */
    uint64_t n;
    ssize_t r = read(w->fd, &n, sizeof n);
    (void)r;
    atomic_store(&w->pending, false);
}
