/* Chapters of the meeting file: agenda items and speaker turns, as chapters.json and as a GstToc
 * that the Matroska muxer writes into the file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/export_internal.h"

static const char *site_name(const ex_plan *p, const char *code)
{
    for (size_t i = 0; i < p->n_sites; i++)
        if (strcmp(p->sites[i].code, code) == 0) return p->sites[i].name;
    return code;
}

static int by_start(const void *a, const void *b)
{
    const ex_chapter *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (int)y->agenda - (int)x->agenda; /* an agenda item before the turn it opens */
}

int ex_chapters_build(const ex_plan *p, ex_chapter **out, size_t *n)
{
    size_t count = 0, cap = 0;
    ex_chapter *c = NULL;
    size_t agenda_i = 0, turn_i = 0;
    bool have_agenda = false, have_turn = false;
    GstClockTime end = ex_plan_duration_ns(p);
    for (size_t i = 0; i < timeline_count(p->tl); i++) {
        const timeline_event *e = timeline_at(p->tl, i);
        if (e->type != TIMELINE_AGENDA && e->type != TIMELINE_SPEAKER) continue;
        GstClockTime t = ex_plan_ns(p, e->t);
        if (t >= end) break;
        bool agenda = e->type == TIMELINE_AGENDA;
        /* The same speaker again is not a new turn. */
        if (!agenda && have_turn && strcmp(c[turn_i].site, e->u.speaker.site) == 0) continue;
        if (agenda && have_agenda) c[agenda_i].stop = t;
        if (!agenda && have_turn) c[turn_i].stop = t;
        if (!agenda) have_turn = false;
        if (!agenda && !e->u.speaker.site[0]) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            ex_chapter *m = realloc(c, cap * sizeof *c);
            if (!m) {
                free(c);
                return -1;
            }
            c = m;
        }
        ex_chapter *ch = &c[count];
        memset(ch, 0, sizeof *ch);
        ch->agenda = agenda;
        ch->start = t;
        ch->stop = end;
        if (agenda) {
            ch->index = e->u.agenda.index;
            snprintf(ch->title, sizeof ch->title, "%s", e->u.agenda.title);
            if (!ch->title[0]) snprintf(ch->title, sizeof ch->title, "%lld", (long long)ch->index);
            agenda_i = count;
            have_agenda = true;
        } else {
            snprintf(ch->site, sizeof ch->site, "%s", e->u.speaker.site);
            snprintf(ch->title, sizeof ch->title, "%s", site_name(p, ch->site));
            turn_i = count;
            have_turn = true;
        }
        count++;
    }
    if (count) qsort(c, count, sizeof *c, by_start);
    *out = c;
    *n = count;
    return 0;
}

int ex_chapters_write_json(const ex_plan *p, const ex_chapter *c, size_t n,
                           const char *meeting_file, const char *path, char *err, size_t cap)
{
    json_t *list = json_array();
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "recording", p->recording, "meeting",
                             p->meeting, "title", p->title, "file", meeting_file, "duration_ms",
                             (json_int_t)(ex_plan_duration_ns(p) / GST_MSECOND), "chapters", list);
    if (!root) {
        snprintf(err, cap, "no memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I}", "kind", c[i].agenda ? "agenda" : "speaker", "title",
                      c[i].title, "start_ms", (json_int_t)(c[i].start / GST_MSECOND), "end_ms",
                      (json_int_t)(c[i].stop / GST_MSECOND));
        if (!o) continue;
        if (c[i].agenda)
            json_object_set_new(o, "index", json_integer(c[i].index));
        else
            json_object_set_new(o, "site", json_string(c[i].site));
        json_array_append_new(list, o);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    int rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        snprintf(err, cap, "disk: cannot write chapters.json");
        remove(tmp);
        return -1;
    }
    return 0;
}

GstToc *ex_chapters_toc(const ex_chapter *c, size_t n)
{
    GstToc *toc = gst_toc_new(GST_TOC_SCOPE_GLOBAL);
    GstTocEntry *edition = gst_toc_entry_new(GST_TOC_ENTRY_TYPE_EDITION, "chapters");
    for (size_t i = 0; i < n; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "chapter-%zu", i + 1);
        GstTocEntry *ch = gst_toc_entry_new(GST_TOC_ENTRY_TYPE_CHAPTER, uid);
        gst_toc_entry_set_start_stop_times(ch, (gint64)c[i].start, (gint64)c[i].stop);
        gst_toc_entry_set_tags(ch, gst_tag_list_new(GST_TAG_TITLE, c[i].title, NULL));
        gst_toc_entry_append_sub_entry(edition, ch);
    }
    gst_toc_append_entry(toc, edition);
    return toc;
}
