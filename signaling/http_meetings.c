/* The management API: import sites, create and list meetings, mint their tokens. Only an admin
 * token (minted on the hub's machine with `dienhong token --role admin --meeting _hub`) may change
 * anything; a meeting's own tokens may read that meeting. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

static void send_json(server_http *r, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    server_http_respond(r, status, "application/json", NULL, text, text ? strlen(text) : 0);
    free(text);
    json_decref(doc);
}

static void send_error(server_http *r, int status, const char *code, const char *message)
{
    send_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

/* 0 with claims when the bearer token is valid (any meeting), else the status sent. */
static int bearer(hub *h, server_http *r, token_claims *c)
{
    const char *auth = server_http_header(r, "authorization");
    int rc = auth && strncasecmp(auth, "Bearer ", 7) == 0 ? hub_check_token(h, auth + 7, NULL, c)
                                                          : TOKEN_E_FORMAT;
    if (rc == TOKEN_OK) return 0;
    h->counters.auth_failures++;
    send_error(r, 401, "unauthorized", "a valid Bearer token is needed");
    return 401;
}

static bool admin(hub *h, server_http *r, token_claims *c)
{
    if (bearer(h, r, c) != 0) return false;
    if (c->role == ROLE_ADMIN) return true;
    hub_audit(h, c->meeting, NULL, "refused", "%s %s by a %s token", server_http_method(r),
              server_http_path(r), role_name(c->role));
    send_error(r, 403, "forbidden", "an admin token is needed");
    return false;
}

static json_t *meeting_json(const store_meeting *m)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:b, s:b}", "id", m->id, "title", m->title,
                     "starts_at", (json_int_t)m->starts_at, "ends_at", (json_int_t)m->ends_at,
                     "state", store_meeting_state_name(m->state), "record_on_start",
                     m->record_on_start, "invite_all", m->invite_all);
}

static void import_sites(hub *h, server_http *r, const token_claims *c)
{
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    store_import_result res;
    if (store_site_import_csv(h->db, (const char *)body, len, &res) != 0)
        return send_error(r, 400, "bad_csv", store_error(h->db));
    hub_audit(h, "_hub", NULL, "sites.import", "%zu rows by token %s", res.rows, c->id);
    send_json(r, 200,
              json_pack("{s:I, s:I, s:I, s:I}", "rows", (json_int_t)res.rows, "inserted",
                        (json_int_t)res.inserted, "updated", (json_int_t)res.updated, "unchanged",
                        (json_int_t)res.unchanged));
}

static void create_meeting(hub *h, server_http *r, const token_claims *c)
{
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    json_error_t je;
    json_t *doc = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    const char *title = json_string_value(json_object_get(doc, "title"));
    json_t *sites = json_object_get(doc, "sites");
    if (!doc || !title) {
        json_decref(doc);
        return send_error(r, 400, "bad_request", "a JSON object with a title is needed");
    }
    int64_t now = util_unix_time();
    json_t *js = json_object_get(doc, "starts_at"), *je2 = json_object_get(doc, "ends_at");
    store_meeting m = {.starts_at = json_is_integer(js) ? json_integer_value(js) : now,
                       .record_on_start = json_is_true(json_object_get(doc, "record_on_start")),
                       .invite_all = !sites || (json_is_string(sites) &&
                                                strcmp(json_string_value(sites), "all") == 0)};
    m.ends_at = json_is_integer(je2) ? json_integer_value(je2) : m.starts_at + 4 * 3600;
    snprintf(m.title, sizeof m.title, "%s", title);
    int rc = store_meeting_create(h->db, &m, now);
    if (rc == 0 && !m.invite_all) {
        const char *codes[2048];
        size_t n = 0, i;
        json_t *v;
        if (!json_is_array(sites) || json_array_size(sites) > 2048) {
            json_decref(doc);
            return send_error(r, 400, "bad_request", "sites is \"all\" or an array of site codes");
        }
        json_array_foreach(sites, i, v) if (json_is_string(v)) codes[n++] = json_string_value(v);
        rc = store_meeting_invite(h->db, m.id, codes, n);
    }
    json_decref(doc);
    if (rc != 0) return send_error(r, 400, "bad_request", store_error(h->db));
    hub_audit(h, m.id, NULL, "meeting.create", "\"%.100s\" by token %s", m.title, c->id);
    char headers[96];
    snprintf(headers, sizeof headers, "Location: /api/meetings/%s\r\n", m.id);
    json_t *created = meeting_json(&m);
    char *text = json_dumps(created, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(created);
    server_http_respond(r, 201, "application/json", headers, text, strlen(text));
    free(text);
}

static void list_meetings(hub *h, server_http *r)
{
    static store_meeting ms[512];
    size_t n = 0;
    if (store_meeting_list(h->db, 0, INT64_MAX, ms, 512, &n) != 0)
        return send_error(r, 500, "internal", store_error(h->db));
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < 512; i++)
        json_array_append_new(arr, meeting_json(&ms[i]));
    send_json(r, 200, json_pack("{s:o}", "meetings", arr));
}

static void mint_token(hub *h, server_http *r, const char *mid, const token_claims *c)
{
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    json_t *doc = json_loadb((const char *)body, len, 0, NULL);
    token_claims t = {.role = role_from_name(json_string_value(json_object_get(doc, "role")))};
    char site_buf[65] = "";
    const char *site = json_string_value(json_object_get(doc, "site"));
    if (site) snprintf(site_buf, sizeof site_buf, "%s", site);
    site = site ? site_buf : NULL; /* the JSON is freed next */
    json_t *ttl = json_object_get(doc, "ttl");
    int64_t secs = json_is_integer(ttl) ? json_integer_value(ttl) : 12 * 3600;
    json_decref(doc);
    if (t.role == ROLE_NONE || t.role == ROLE_ADMIN || secs <= 0 || secs > 30 * 86400)
        return send_error(r, 400, "bad_request",
                          "role: chair, operator, site, clerk or observer; ttl: 1 s to 30 days");
    if (t.role == ROLE_SITE && (!site || store_meeting_is_invited(h->db, mid, site) != 1))
        return send_error(r, 400, "bad_request",
                          "a site token needs a site invited to the meeting");
    snprintf(t.meeting, sizeof t.meeting, "%s", mid);
    snprintf(t.site, sizeof t.site, "%s", site ? site : "");
    t.exp = util_unix_time() + secs;
    char tok[TOKEN_MAX_LEN + 1];
    if (token_mint(h->key, &t, tok, sizeof tok) < 0)
        return send_error(r, 400, "bad_request", "cannot mint that token");
    hub_audit(h, mid, NULL, "token.mint", "%s %s by token %s", role_name(t.role), t.site, c->id);
    const char *page = t.role == ROLE_CHAIR      ? "chair"
                       : t.role == ROLE_OPERATOR ? "operator"
                                                 : "site";
    char link[TOKEN_MAX_LEN + 64];
    snprintf(link, sizeof link, "/%s.html#token=%s", page, tok);
    send_json(r, 201, json_pack("{s:s, s:s, s:s}", "token", tok, "id", t.id, "link", link));
}

bool http_meetings_route(hub *h, server_http *r)
{
    const char *path = server_http_path(r), *method = server_http_method(r);
    token_claims c;
    if (strcmp(path, "/api/sites") == 0 && strcmp(method, "POST") == 0) {
        if (admin(h, r, &c)) import_sites(h, r, &c);
        return true;
    }
    if (strcmp(path, "/api/meetings") == 0) {
        if (strcmp(method, "POST") == 0 && admin(h, r, &c))
            create_meeting(h, r, &c);
        else if (strcmp(method, "GET") == 0 && admin(h, r, &c))
            list_meetings(h, r);
        else if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0)
            send_error(r, 405, "method", "GET or POST");
        return true;
    }
    if (strncmp(path, "/api/meetings/", 14) != 0) return false;
    const char *id = path + 14, *slash = strchr(id, '/');
    size_t idlen = slash ? (size_t)(slash - id) : strlen(id);
    char mid[65];
    if (idlen == 0 || idlen >= sizeof mid) return false;
    memcpy(mid, id, idlen);
    mid[idlen] = '\0';
    for (size_t i = 0; i < idlen; i++)
        if (!(mid[i] == '-' || mid[i] == '_' || (mid[i] >= '0' && mid[i] <= '9') ||
              (mid[i] >= 'a' && mid[i] <= 'z') || (mid[i] >= 'A' && mid[i] <= 'Z')))
            return false;
    if (slash && strcmp(slash, "/tokens") == 0 && strcmp(method, "POST") == 0) {
        store_meeting m;
        if (!admin(h, r, &c)) return true;
        if (store_meeting_get(h->db, mid, &m) != 0) {
            send_error(r, 404, "not_found", "no such meeting");
            return true;
        }
        mint_token(h, r, mid, &c);
        return true;
    }
    if (!slash && strcmp(method, "GET") == 0) {
        store_meeting m;
        if (bearer(h, r, &c) != 0) return true;
        /* Not "forbidden" vs "absent" for someone else's id: ids stay unguessable. */
        if ((c.role != ROLE_ADMIN && strcmp(c.meeting, mid) != 0) ||
            store_meeting_get(h->db, mid, &m) != 0) {
            send_error(r, 404, "not_found", "no such meeting");
            return true;
        }
        send_json(r, 200, meeting_json(&m));
        return true;
    }
    return false;
}
