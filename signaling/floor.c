#include "signaling/floor.h"

#include <stdio.h>
#include <string.h>

void floor_init(floor_state *f)
{
    f->n_holders = 0;
    f->n_queue = 0;
}

static size_t find(char (*list)[FLOOR_CODE_LEN], size_t n, const char *site)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], site) == 0) return i + 1;
    return 0;
}

/* Removes entry i (0-based) keeping the order: the queue is first come, first served. */
static void remove_at(char (*list)[FLOOR_CODE_LEN], size_t *n, size_t i)
{
    memmove(list[i], list[i + 1], (*n - i - 1) * FLOOR_CODE_LEN);
    (*n)--;
}

bool floor_holds(const floor_state *f, const char *site)
{
    return find((char(*)[FLOOR_CODE_LEN])f->holders, f->n_holders, site) != 0;
}

size_t floor_position(const floor_state *f, const char *site)
{
    return find((char(*)[FLOOR_CODE_LEN])f->queue, f->n_queue, site);
}

size_t floor_raise(floor_state *f, const char *site)
{
    if (!site[0] || strlen(site) >= FLOOR_CODE_LEN || floor_holds(f, site)) return 0;
    size_t pos = floor_position(f, site);
    if (pos) return pos;
    if (f->n_queue == FLOOR_MAX_QUEUE) return 0;
    snprintf(f->queue[f->n_queue++], FLOOR_CODE_LEN, "%s", site);
    return f->n_queue;
}

bool floor_lower(floor_state *f, const char *site)
{
    size_t pos = floor_position(f, site);
    if (!pos) return false;
    remove_at(f->queue, &f->n_queue, pos - 1);
    return true;
}

bool floor_give(floor_state *f, const char *site)
{
    if (!site[0] || strlen(site) >= FLOOR_CODE_LEN) return false;
    floor_lower(f, site);
    if (floor_holds(f, site)) return true;
    if (f->n_holders == FLOOR_MAX_HOLDERS) return false;
    snprintf(f->holders[f->n_holders++], FLOOR_CODE_LEN, "%s", site);
    return true;
}

bool floor_take(floor_state *f, const char *site)
{
    size_t pos = find(f->holders, f->n_holders, site);
    if (!pos) return false;
    remove_at(f->holders, &f->n_holders, pos - 1);
    return true;
}

size_t floor_clear(floor_state *f)
{
    size_t n = f->n_holders;
    f->n_holders = 0;
    return n;
}
