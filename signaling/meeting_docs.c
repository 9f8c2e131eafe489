/* Distribution of a meeting's documents: everyone is told when one is added, a late joiner gets
 * the list, sites report what their page has fetched, and chairs and operators see per document
 * how many sites hold it and which do not — before it is presented. */
#include <jansson.h>
#include <string.h>

#include "sfu/base/log.h"
#include "signaling/holdings.h"
#include "signaling/hub.h"

#define STATUS_MISSING_MAX 100 /* codes listed per document; the count is always complete */

static json_t *doc_json(const store_document *d)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:I}", "id", d->id, "title", d->title,
                     "version", (int)d->version, "type", d->type, "size", (json_int_t)d->size,
                     "sha256", d->sha256, "item", d->item, "uploaded_at",
                     (json_int_t)d->uploaded_at);
}

void meeting_document_added(hub *h, const store_document *d)
{
    meeting *m = meeting_get(h, d->meeting, false);
    if (!m) return;
    for (peer *p = meeting_peers(m); p; p = p->next)
        if (p->kind == PEER_WS) peer_send_event(p, "document_added", doc_json(d));
}

static int add_doc(void *ud, const store_document *d)
{
    json_array_append_new(ud, doc_json(d));
    return 0;
}

void meeting_send_documents(meeting *m, peer *p)
{
    if (p->kind != PEER_WS) return;
    json_t *docs = json_array();
    if (store_document_list(p->h->db, meeting_id(m), add_doc, docs) != 0)
        LOGW("meeting", "%s: documents: %s", meeting_id(m), store_error(p->h->db));
    peer_send_event(p, "documents", json_pack("{s:o}", "docs", docs));
}

bool meeting_document_held(meeting *m, const peer *p, const char *id)
{
    store_document d;
    if (store_document_get(p->h->db, id, &d) != 0 || strcmp(d.meeting, meeting_id(m)) != 0)
        return false;
    /* The roll is of sites: what a chair's or clerk's page holds does not count. */
    if (p->role == ROLE_SITE) holdings_mark(meeting_holdings(m), id, p->site);
    return true;
}

typedef struct status_ctx {
    meeting *m;
    json_t *arr;
} status_ctx;

static int status_doc(void *ud, const store_document *d)
{
    status_ctx *c = ud;
    roll *r = meeting_roll(c->m);
    holdings *h = meeting_holdings(c->m);
    json_t *missing = json_array();
    size_t n_missing = 0;
    for (size_t i = 0; i < roll_count(r); i++) {
        const char *site = roll_at(r, i)->site;
        if (holdings_has(h, d->id, site)) continue;
        if (n_missing++ < STATUS_MISSING_MAX) json_array_append_new(missing, json_string(site));
    }
    json_array_append_new(c->arr, json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:o}", "id", d->id,
                                            "title", d->title, "version", (int)d->version, "held",
                                            (json_int_t)holdings_count(h, d->id), "total",
                                            (json_int_t)roll_count(r), "missing_count",
                                            (json_int_t)n_missing, "missing", missing));
    return 0;
}

json_t *meeting_documents_status(meeting *m)
{
    status_ctx c = {m, json_array()};
    hub *h = meeting_peers(m) ? meeting_peers(m)->h : NULL;
    if (h) store_document_list(h->db, meeting_id(m), status_doc, &c);
    return c.arr;
}
