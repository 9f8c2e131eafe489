#include "signaling/holdings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/idmap.h"
#include "sfu/base/util.h"

typedef struct doc_sites {
    char doc[32];
    idmap *sites; /* hash(site code) -> (void *)1 */
} doc_sites;

struct holdings {
    doc_sites *docs;
    size_t n, cap;
    uint64_t version;
};

holdings *holdings_new(void)
{
    return calloc(1, sizeof(holdings));
}

void holdings_free(holdings *h)
{
    if (!h) return;
    for (size_t i = 0; i < h->n; i++)
        idmap_free(h->docs[i].sites);
    free(h->docs);
    free(h);
}

static doc_sites *find(const holdings *h, const char *doc)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->docs[i].doc, doc) == 0) return &h->docs[i];
    return NULL;
}

bool holdings_mark(holdings *h, const char *doc, const char *site)
{
    if (!doc[0] || strlen(doc) >= sizeof h->docs[0].doc || !site[0]) return false;
    doc_sites *d = find(h, doc);
    if (!d) {
        if (h->n == h->cap) {
            size_t ncap = h->cap ? h->cap * 2 : 8;
            doc_sites *nd = realloc(h->docs, ncap * sizeof *nd);
            if (!nd) return false;
            h->docs = nd;
            h->cap = ncap;
        }
        d = &h->docs[h->n];
        d->sites = idmap_new(64);
        if (!d->sites) return false;
        snprintf(d->doc, sizeof d->doc, "%s", doc);
        h->n++;
    }
    uint64_t key = util_hash_str(site);
    if (idmap_get(d->sites, key)) return false;
    if (idmap_put(d->sites, key, (void *)1) != 0) return false;
    h->version++;
    return true;
}

bool holdings_has(const holdings *h, const char *doc, const char *site)
{
    const doc_sites *d = find(h, doc);
    return d && idmap_get(d->sites, util_hash_str(site));
}

size_t holdings_count(const holdings *h, const char *doc)
{
    const doc_sites *d = find(h, doc);
    return d ? idmap_count(d->sites) : 0;
}

uint64_t holdings_version(const holdings *h)
{
    return h->version;
}
