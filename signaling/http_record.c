/* GET /api/meetings/{meeting}/record: one document that says what the meeting was — its agenda,
 * its documents with their hashes, its votes and ballots, and who attended — for the clerks, after
 * the meeting as during it. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/util.h"
#include "signaling/hub.h"

static int add_doc(void *ud, const store_document *d)
{
    json_array_append_new(ud,
                          json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:I}", "id", d->id,
                                    "title", d->title, "version", (int)d->version, "type", d->type,
                                    "size", (json_int_t)d->size, "sha256", d->sha256, "item",
                                    d->item, "uploaded_at", (json_int_t)d->uploaded_at));
    return 0;
}

json_t *record_json(hub *h, const char *mid)
{
    json_t *meeting_j;
    store_meeting sm;
    if (store_meeting_get(h->db, mid, &sm) == 0)
        meeting_j = json_pack("{s:s, s:s, s:I, s:I, s:s}", "id", sm.id, "title", sm.title,
                              "starts_at", (json_int_t)sm.starts_at, "ends_at",
                              (json_int_t)sm.ends_at, "state", store_meeting_state_name(sm.state));
    else
        meeting_j = json_pack("{s:s}", "id", mid);
    json_t *docs = json_array();
    store_document_list(h->db, mid, add_doc, docs);
    meeting *live = meeting_get(h, mid, false);
    int64_t now = util_unix_time();
    json_t *att = live ? meeting_roll_json(live, now) : meeting_stored_roll_json(h, mid, now);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "meeting", meeting_j, "agenda",
                     agenda_json(h, mid), "documents", docs, "votes", votes_json(h, mid),
                     "attendance", att ? att : json_array(), "generated_at", (json_int_t)now);
}
