/* Presenting a document: the chair (or an operator) puts a document of the meeting on screen and
 * turns its pages; every page follows. The hub keeps only where the presenter is — the documents
 * are already on every site's machine. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "signaling/hub.h"

static json_t *presenting_json(const presenting_state *ps)
{
    if (!ps->doc[0]) return json_null();
    return json_pack("{s:s, s:i, s:s}", "document", ps->doc, "page", (int)ps->page, "title",
                     ps->title);
}

void meeting_send_presenting(meeting *m, peer *p)
{
    if (p->kind == PEER_WS)
        peer_send_event(p, "presenting", presenting_json(meeting_presenting(m)));
}

static void broadcast(meeting *m)
{
    for (peer *p = meeting_peers(m); p; p = p->next)
        meeting_send_presenting(m, p);
}

const char *meeting_present(meeting *m, const char *doc, uint32_t page, const char **msg)
{
    peer *any = meeting_peers(m);
    store_document d;
    if (!any || store_document_get(any->h->db, doc, &d) != 0 || strcmp(d.meeting, meeting_id(m)))
        return *msg = "no such document in this meeting", "not_found";
    if (page < 1) return *msg = "pages count from 1", "bad_request";
    presenting_state *ps = meeting_presenting(m);
    snprintf(ps->doc, sizeof ps->doc, "%s", d.id);
    snprintf(ps->title, sizeof ps->title, "%s", d.title);
    ps->page = page;
    broadcast(m);
    return NULL;
}

const char *meeting_present_page(meeting *m, uint32_t page, const char **msg)
{
    presenting_state *ps = meeting_presenting(m);
    if (!ps->doc[0]) return *msg = "nothing is being presented", "bad_request";
    if (page < 1) return *msg = "pages count from 1", "bad_request";
    if (page == ps->page) return NULL;
    ps->page = page;
    broadcast(m);
    return NULL;
}

void meeting_present_stop(meeting *m)
{
    presenting_state *ps = meeting_presenting(m);
    if (!ps->doc[0]) return;
    memset(ps, 0, sizeof *ps);
    broadcast(m);
}
