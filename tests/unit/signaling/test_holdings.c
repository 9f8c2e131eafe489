/* Which sites hold which documents: a site reporting twice counts once; documents are separate. */
#include "signaling/holdings.h"
#include "tests/unit/check.h"

typedef struct {
    const char *doc, *site;
    bool news;
} report;

static const report reports[] = {
    {"d-aaaaaaaaaaaaaaaa", "ba-dinh", true},   {"d-aaaaaaaaaaaaaaaa", "tay-ho", true},
    {"d-aaaaaaaaaaaaaaaa", "ba-dinh", false},  {"d-bbbbbbbbbbbbbbbb", "ba-dinh", true},
    {"d-aaaaaaaaaaaaaaaa", "", false},         {"", "ba-dinh", false},
    {"d-aaaaaaaaaaaaaaaa", "hoan-kiem", true},
};

int main(void)
{
    holdings *h = holdings_new();
    uint64_t v = holdings_version(h);
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        CHECK_EQ(holdings_mark(h, reports[i].doc, reports[i].site), reports[i].news);
        CHECK_EQ(holdings_version(h) > v, reports[i].news);
        v = holdings_version(h);
    }
    CHECK_EQ(holdings_count(h, "d-aaaaaaaaaaaaaaaa"), 3);
    CHECK_EQ(holdings_count(h, "d-bbbbbbbbbbbbbbbb"), 1);
    CHECK_EQ(holdings_count(h, "d-cccccccccccccccc"), 0);
    CHECK(holdings_has(h, "d-bbbbbbbbbbbbbbbb", "ba-dinh"));
    CHECK(!holdings_has(h, "d-bbbbbbbbbbbbbbbb", "tay-ho"));
    /* Many documents and many sites. */
    char doc[32], site[16];
    for (int d = 0; d < 40; d++) {
        snprintf(doc, sizeof doc, "d-%016d", d);
        for (int s = 0; s < 579; s++) {
            snprintf(site, sizeof site, "site-%03d", s);
            holdings_mark(h, doc, site);
        }
    }
    CHECK_EQ(holdings_count(h, "d-0000000000000039"), 579);
    holdings_free(h);
    CHECK_DONE();
}
