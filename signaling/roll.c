#include "signaling/roll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct roll {
    roll_row *rows; /* sorted by site code */
    size_t n, cap;
    int64_t start, late_after;
    uint64_t version;
};

roll *roll_new(int64_t start, int64_t late_after_s)
{
    roll *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->start = start;
    r->late_after = late_after_s;
    return r;
}

void roll_free(roll *r)
{
    if (!r) return;
    free(r->rows);
    free(r);
}

/* Binary search; *at is where the site is or would go. */
static roll_row *lookup(const roll *r, const char *site, size_t *at)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->rows[mid].site, site);
        if (c == 0) {
            if (at) *at = mid;
            return &r->rows[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (at) *at = lo;
    return NULL;
}

static roll_row *row_for(roll *r, const char *site, const char *name)
{
    size_t at;
    roll_row *row = lookup(r, site, &at);
    if (row) {
        if (name && name[0]) snprintf(row->name, sizeof row->name, "%s", name);
        return row;
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        roll_row *nr = realloc(r->rows, ncap * sizeof *nr);
        if (!nr) return NULL;
        r->rows = nr;
        r->cap = ncap;
    }
    memmove(&r->rows[at + 1], &r->rows[at], (r->n - at) * sizeof *r->rows);
    r->n++;
    row = &r->rows[at];
    memset(row, 0, sizeof *row);
    snprintf(row->site, sizeof row->site, "%s", site);
    snprintf(row->name, sizeof row->name, "%s", name && name[0] ? name : site);
    return row;
}

void roll_invite(roll *r, const char *site, const char *name)
{
    if (row_for(r, site, name)) r->version++;
}

bool roll_join(roll *r, const char *site, const char *name, int64_t now)
{
    roll_row *row = row_for(r, site, name);
    if (!row) return false;
    r->version++;
    row->joins++;
    if (!row->first_joined) {
        row->first_joined = now;
        row->late = now > r->start + r->late_after;
    }
    if (row->connections++ > 0) return false;
    row->last_joined = now;
    return true;
}

void roll_leave(roll *r, const char *site, int64_t now)
{
    roll_row *row = lookup(r, site, NULL);
    if (!row || row->connections == 0) return;
    r->version++;
    if (--row->connections > 0) return;
    row->last_left = now;
    row->seconds_present += now - row->last_joined;
}

roll_state roll_state_of(const roll_row *row, int64_t now)
{
    if (row->connections > 0) return row->late ? ROLL_LATE : ROLL_PRESENT;
    if (!row->first_joined) return ROLL_ABSENT;
    return now - row->last_left <= ROLL_RECONNECT_GRACE_S ? ROLL_RECONNECTING : ROLL_ABSENT;
}

const char *roll_state_name(roll_state s)
{
    static const char *names[] = {"absent", "present", "late", "reconnecting"};
    return names[s];
}

int64_t roll_seconds_present(const roll_row *row, int64_t now)
{
    return row->seconds_present + (row->connections > 0 ? now - row->last_joined : 0);
}

size_t roll_count(const roll *r)
{
    return r->n;
}

const roll_row *roll_at(const roll *r, size_t i)
{
    return i < r->n ? &r->rows[i] : NULL;
}

const roll_row *roll_find(const roll *r, const char *site)
{
    return lookup(r, site, NULL);
}

uint64_t roll_version(const roll *r)
{
    return r->version;
}
