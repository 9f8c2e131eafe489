/* How long the room box waits before it tries the hub again. Nobody is in the room to press a
 * button, so it retries forever; the delays keep a commune's PC from hammering a hub that is
 * down (every room box of the city would reconnect at the same moment) and from burning a token
 * the hub keeps refusing. */
#ifndef DH_ROOM_BACKOFF_H
#define DH_ROOM_BACKOFF_H

#include <stdint.h>

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS 30000u
#define BACKOFF_AUTH_MS 60000u /* the hub refused the token: a person must fix the config */

typedef struct backoff {
    uint32_t step_ms; /* the next delay before jitter */
} backoff;

/* Back to the first step (after a session that worked). */
void backoff_reset(backoff *b);

/* The delay before the next attempt, then doubles the step (1 s, 2 s, 4 s ... 30 s). Jitter takes
 * up to a fifth off each delay so that boxes that lost the hub together come back spread out.
 * `rnd` is any random 32-bit value. */
uint32_t backoff_next(backoff *b, uint32_t rnd);

/* The slow retry after unauthorized, token_expired or wrong_meeting: 60 s minus up to 10%. */
uint32_t backoff_auth(uint32_t rnd);

#endif
