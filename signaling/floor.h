/* The floor of one meeting: which sites may speak, and the ordered queue of raised hands. Keyed by
 * site code, not by connection, so that a site that reconnects keeps both. Plain data; the
 * signaling thread owns it. */
#ifndef DH_FLOOR_H
#define DH_FLOOR_H

#include <stdbool.h>
#include <stddef.h>

#define FLOOR_MAX_HOLDERS 8
#define FLOOR_MAX_QUEUE 1024
#define FLOOR_CODE_LEN 65

typedef struct floor_state {
    char holders[FLOOR_MAX_HOLDERS][FLOOR_CODE_LEN];
    size_t n_holders;
    char queue[FLOOR_MAX_QUEUE][FLOOR_CODE_LEN];
    size_t n_queue;
} floor_state;

void floor_init(floor_state *f);
bool floor_holds(const floor_state *f, const char *site);
/* 1-based position in the queue, 0 when not queued. */
size_t floor_position(const floor_state *f, const char *site);
/* Returns the position (an existing hand keeps its place), or 0 when the queue is full or the
 * site holds the floor already. */
size_t floor_raise(floor_state *f, const char *site);
/* True when the site was queued. */
bool floor_lower(floor_state *f, const char *site);
/* Gives the floor and removes the site from the queue. False when FLOOR_MAX_HOLDERS already speak
 * (and the site is not one of them). */
bool floor_give(floor_state *f, const char *site);
/* True when the site held the floor. */
bool floor_take(floor_state *f, const char *site);
/* Takes the floor from everyone; the queue stays. Returns how many lost it. */
size_t floor_clear(floor_state *f);

#endif
