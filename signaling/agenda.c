/* The agenda as participants see it: the items and the one the chair is on. The items live in the
 * store (they belong in the meeting record); the current index is the live meeting's. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "signaling/hub.h"

static json_t *agenda_items_json(hub *h, const char *mid)
{
    static store_agenda_item items[STORE_AGENDA_MAX];
    size_t n = 0;
    json_t *arr = json_array();
    if (store_agenda_get(h->db, mid, items, STORE_AGENDA_MAX, &n) != 0) return arr;
    for (size_t i = 0; i < n && i < STORE_AGENDA_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "i%zu", i + 1);
        json_array_append_new(arr,
                              json_pack("{s:s, s:i, s:s, s:s}", "id", id, "index", (int)i, "title",
                                        items[i].title, "presenter", items[i].presenter));
    }
    return arr;
}

json_t *agenda_json(hub *h, const char *mid)
{
    return agenda_items_json(h, mid);
}

static json_t *event_json(meeting *m, hub *h)
{
    return json_pack("{s:o, s:i}", "items", agenda_items_json(h, meeting_id(m)), "current",
                     *meeting_agenda_current(m));
}

void meeting_send_agenda(meeting *m, peer *p)
{
    if (p->kind == PEER_WS) peer_send_event(p, "agenda", event_json(m, p->h));
}

static void broadcast(meeting *m, hub *h)
{
    json_t *ev = event_json(m, h);
    for (peer *p = meeting_peers(m); p; p = p->next)
        if (p->kind == PEER_WS) peer_send_event(p, "agenda", json_incref(ev));
    json_decref(ev);
}

const char *meeting_agenda_set(meeting *m, hub *h, json_t *items, const char **msg)
{
    static store_agenda_item parsed[STORE_AGENDA_MAX];
    size_t n = json_array_size(items), i;
    json_t *it;
    if (!json_is_array(items) || n > STORE_AGENDA_MAX)
        return *msg = "items: an array of at most 100 {title, presenter}", "bad_request";
    json_array_foreach(items, i, it)
    {
        const char *title = json_string_value(json_object_get(it, "title"));
        json_t *pres = json_object_get(it, "presenter");
        if (!title || (pres && !json_is_string(pres)))
            return *msg = "each item needs a title (and an optional presenter)", "bad_request";
        snprintf(parsed[i].title, sizeof parsed[i].title, "%s", title);
        snprintf(parsed[i].presenter, sizeof parsed[i].presenter, "%s",
                 pres ? json_string_value(pres) : "");
    }
    if (store_agenda_set(h->db, meeting_id(m), parsed, n) != 0)
        return *msg = store_error(h->db), "bad_request";
    *meeting_agenda_current(m) = 0;
    broadcast(m, h);
    return NULL;
}

const char *meeting_agenda_go(meeting *m, hub *h, uint32_t index, const char **msg)
{
    static store_agenda_item items[STORE_AGENDA_MAX];
    size_t n = 0;
    if (store_agenda_get(h->db, meeting_id(m), items, STORE_AGENDA_MAX, &n) != 0 || index >= n)
        return *msg = "no such agenda item", "bad_request";
    *meeting_agenda_current(m) = (int)index;
    recording_note_agenda(m, index, items[index].title);
    broadcast(m, h);
    return NULL;
}
