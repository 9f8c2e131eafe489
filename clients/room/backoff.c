#include "backoff.h"

void backoff_reset(backoff *b)
{
    b->step_ms = BACKOFF_FIRST_MS;
}

uint32_t backoff_next(backoff *b, uint32_t rnd)
{
    if (b->step_ms < BACKOFF_FIRST_MS) b->step_ms = BACKOFF_FIRST_MS;
    if (b->step_ms > BACKOFF_MAX_MS) b->step_ms = BACKOFF_MAX_MS;
    uint32_t step = b->step_ms;
    b->step_ms = step >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : step * 2;
    return step - rnd % (step / 5 + 1);
}

uint32_t backoff_auth(uint32_t rnd)
{
    return BACKOFF_AUTH_MS - rnd % (BACKOFF_AUTH_MS / 10 + 1);
}
