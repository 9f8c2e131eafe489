/* The attendance roll of one meeting: one row per site however often it reconnects, with the
 * times the chair, the operators and later the clerks need. Plain data on the signaling thread;
 * the store keeps a copy that survives restarts. */
#ifndef DH_ROLL_H
#define DH_ROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROLL_RECONNECT_GRACE_S 60 /* a site gone longer than this is absent, not reconnecting */

typedef enum { ROLL_ABSENT = 0, ROLL_PRESENT, ROLL_LATE, ROLL_RECONNECTING } roll_state;

typedef struct roll_row {
    char site[65];
    char name[81];
    int connections;      /* open connections of this site now */
    bool late;            /* first joined after the start + grace */
    int64_t first_joined; /* unix seconds; 0 = never */
    int64_t last_joined;
    int64_t last_left;
    int64_t seconds_present; /* closed intervals; the open one is added on read */
    uint32_t joins;
} roll_row;

typedef struct roll roll;

/* `start` is the scheduled start (unix seconds); joining later than start + late_after_s is late.
 */
roll *roll_new(int64_t start, int64_t late_after_s);
void roll_free(roll *r);
/* An invited site that has not joined appears as absent. */
void roll_invite(roll *r, const char *site, const char *name);
/* Returns true when this is the site's first connection now (it was not present before). */
bool roll_join(roll *r, const char *site, const char *name, int64_t now);
void roll_leave(roll *r, const char *site, int64_t now);
roll_state roll_state_of(const roll_row *row, int64_t now);
const char *roll_state_name(roll_state s);
int64_t roll_seconds_present(const roll_row *row, int64_t now);
size_t roll_count(const roll *r);
const roll_row *roll_at(const roll *r, size_t i); /* in site-code order */
const roll_row *roll_find(const roll *r, const char *site);
/* Bumped on every change, so a batched event knows when to go out. */
uint64_t roll_version(const roll *r);

#endif
