/* The roll of a meeting that starts at t=1000 with a 300 s grace: who is present, late,
 * reconnecting or absent, and for how long they were there. */
#include "signaling/roll.h"
#include "tests/unit/check.h"

typedef enum { JOIN, LEAVE } ev_kind;
typedef struct {
    int64_t at;
    ev_kind ev;
    const char *site;
} event;

typedef struct {
    const char *site;
    int64_t now;
    roll_state state;
    int64_t seconds;
    uint32_t joins;
} expect;

static const event events[] = {
    {990, JOIN, "ba-dinh"},    /* early */
    {1200, JOIN, "tay-ho"},    /* inside the grace: present */
    {1400, JOIN, "hoan-kiem"}, /* after the grace: late */
    {1500, LEAVE, "ba-dinh"},  /* network drop... */
    {1510, JOIN, "ba-dinh"},   /* ...and back: still one row */
    {1600, JOIN, "tay-ho"},    /* a second tab of the same site */
    {1700, LEAVE, "tay-ho"},   /* one of two closes: still present */
    {1800, LEAVE, "hoan-kiem"},
};

static const expect checks[] = {
    {"ba-dinh", 2000, ROLL_PRESENT, (1500 - 990) + (2000 - 1510), 2},
    {"tay-ho", 2000, ROLL_PRESENT, 2000 - 1200, 2},
    {"hoan-kiem", 1830, ROLL_RECONNECTING, 400, 1},
    {"hoan-kiem", 1800 + ROLL_RECONNECT_GRACE_S + 1, ROLL_ABSENT, 400, 1},
    {"long-bien", 2000, ROLL_ABSENT, 0, 0}, /* invited, never came */
};

int main(void)
{
    roll *r = roll_new(1000, 300);
    roll_invite(r, "long-bien", "Phường Long Biên");
    roll_invite(r, "ba-dinh", "Phường Ba Đình");
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        if (events[i].ev == JOIN)
            roll_join(r, events[i].site, NULL, events[i].at);
        else
            roll_leave(r, events[i].site, events[i].at);
    }
    CHECK_EQ(roll_count(r), 4);
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const roll_row *row = roll_find(r, checks[i].site);
        CHECK(row != NULL);
        if (!row) continue;
        CHECK_EQ(roll_state_of(row, checks[i].now), checks[i].state);
        CHECK_EQ(roll_seconds_present(row, checks[i].now), checks[i].seconds);
        CHECK_EQ(row->joins, checks[i].joins);
    }
    CHECK(roll_find(r, "hoan-kiem")->late);
    CHECK(!roll_find(r, "tay-ho")->late);
    CHECK_STR(roll_find(r, "ba-dinh")->name, "Phường Ba Đình");
    /* Rows come in site-code order. */
    CHECK_STR(roll_at(r, 0)->site, "ba-dinh");
    CHECK_STR(roll_at(r, 3)->site, "tay-ho");
    CHECK(roll_at(r, 4) == NULL);
    /* A leave without a join changes nothing. */
    uint64_t v = roll_version(r);
    roll_leave(r, "nowhere", 3000);
    CHECK_EQ(roll_version(r), v);
    CHECK_STR(roll_state_name(ROLL_RECONNECTING), "reconnecting");
    roll_free(r);
    CHECK_DONE();
}
