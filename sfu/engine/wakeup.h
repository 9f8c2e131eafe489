/* Waking a worker from other threads without a lock and without a system call per packet: the
 * first signal after the worker last looked writes its eventfd, later ones only see the flag
 * already set. The worker consumes the wake-up before it drains what the signals announced, so a
 * signal can never be lost between the two (see wakeup_consume). */
#ifndef DH_WAKEUP_H
#define DH_WAKEUP_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct wakeup {
    int fd; /* eventfd; poll it for POLLIN */
    _Atomic bool pending;
} wakeup;

int wakeup_init(wakeup *w); /* 0, or -1 with errno */
void wakeup_close(wakeup *w);
/* Any thread, after publishing the work (e.g. ring_push). */
void wakeup_signal(wakeup *w);
/* The owner, when fd is readable, before draining the work. */
void wakeup_consume(wakeup *w);

#endif
