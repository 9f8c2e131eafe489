/* Which sites already hold which documents of a meeting: the operator must see, before a document
 * is presented, that 561 of 579 sites have it and which 18 do not. Sites report what their page has
 * fetched; this keeps the answers. Plain data on the signaling thread. */
#ifndef DH_HOLDINGS_H
#define DH_HOLDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct holdings holdings;

holdings *holdings_new(void);
void holdings_free(holdings *h);
/* Records that `site` holds document `doc`. True when this is news. */
bool holdings_mark(holdings *h, const char *doc, const char *site);
bool holdings_has(const holdings *h, const char *doc, const char *site);
size_t holdings_count(const holdings *h, const char *doc);
/* Bumped on every change, so a batched event knows when to go out. */
uint64_t holdings_version(const holdings *h);

#endif
