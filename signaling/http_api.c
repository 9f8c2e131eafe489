/* HTTP routes that are not static files: WHIP (RFC 9725) and WHEP for any standard tool, health
 * and metrics. Every request is authenticated against the meeting in its URL; ids in URLs are
 * checked against a strict alphabet and only ever compared, never used as paths. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/documents.h"
#include "signaling/hub.h"

static void respond_text(server_http *r, int status, const char *text)
{
    server_http_respond(r, status, "text/plain; charset=utf-8", NULL, text, strlen(text));
}

static bool valid_id(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') return false;
    return true;
}

/* "/whip/{meeting}[/{resource}]": fills the parts; false when the path is not of that shape. */
static bool split_path(const char *path, const char *prefix, char *meeting_out, char *resource)
{
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0) return false;
    const char *a = path + pl;
    const char *slash = strchr(a, '/');
    size_t alen = slash ? (size_t)(slash - a) : strlen(a);
    if (!valid_id(a, alen, 64)) return false;
    memcpy(meeting_out, a, alen);
    meeting_out[alen] = '\0';
    resource[0] = '\0';
    if (!slash) return true;
    const char *b = slash + 1;
    size_t blen = strlen(b);
    if (!valid_id(b, blen, 23)) return false;
    memcpy(resource, b, blen + 1);
    return true;
}

/* 0 with claims, or the HTTP status to answer. */
static int authorize(hub *h, server_http *r, const char *mid, token_claims *c)
{
    const char *auth = server_http_header(r, "authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        h->counters.auth_failures++;
        return 401;
    }
    int rc = hub_check_token(h, auth + 7, mid, c);
    if (rc == TOKEN_OK) return 0;
    h->counters.auth_failures++;
    return rc == HUB_TOKEN_WRONG_MEETING ? 403 : 401;
}

static peer *find_resource(hub *h, const char *mid, peer_kind kind, const char *res)
{
    meeting *m = meeting_get(h, mid, false);
    for (peer *p = m ? meeting_peers(m) : NULL; p; p = p->next)
        if (p->kind == kind && strcmp(p->resource, res) == 0) return p;
    return NULL;
}

static void create_resource(hub *h, server_http *r, peer_kind kind, const char *prefix,
                            const char *mid)
{
    token_claims c;
    int st = authorize(h, r, mid, &c);
    if (st)
        return respond_text(r, st,
                            st == 401 ? "missing, malformed, forged or expired token\n"
                                      : "the token is for another meeting\n");
    if (kind == PEER_WHIP && c.role != ROLE_CHAIR && c.role != ROLE_OPERATOR && c.role != ROLE_SITE)
        return respond_text(r, 403, "this role does not publish\n");
    const char *ct = server_http_header(r, "content-type");
    if (!ct || strncasecmp(ct, "application/sdp", 15) != 0)
        return respond_text(r, 415, "the body must be application/sdp\n");
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    meeting *m = meeting_get(h, mid, true);
    peer *p = m ? peer_new(h, m, kind, &c, NULL) : NULL;
    if (!p) return respond_text(r, 500, "out of memory\n");
    char rnd[13];
    util_random_token(rnd, 12);
    snprintf(p->resource, sizeof p->resource, "r-%s", rnd);
    char err[160] = "";
    char *answer = kind == PEER_WHIP ? peer_publish(p, (const char *)body, len, err, sizeof err)
                                     : peer_watch(p, (const char *)body, len, err, sizeof err);
    if (!answer) {
        peer_free(p);
        h->counters.http_rejected++;
        char msg[200];
        snprintf(msg, sizeof msg, "bad offer: %s\n", err);
        return respond_text(r, 400, msg);
    }
    char headers[256];
    snprintf(headers, sizeof headers, "Location: %s%s/%s\r\nETag: \"%s\"\r\n", prefix, mid,
             p->resource, p->resource);
    server_http_respond(r, 201, "application/sdp", headers, answer, strlen(answer));
    free(answer);
}

static void delete_resource(hub *h, server_http *r, peer_kind kind, const char *mid,
                            const char *res)
{
    token_claims c;
    int st = authorize(h, r, mid, &c);
    if (st) return respond_text(r, st, "not allowed\n");
    peer *p = find_resource(h, mid, kind, res);
    if (!p) return respond_text(r, 404, "no such resource\n");
    if (strcmp(p->token_id, c.id) != 0)
        return respond_text(r, 403, "only the token that created a resource may end it\n");
    peer_free(p);
    respond_text(r, 200, "ended\n");
}

static void media_route(hub *h, server_http *r, peer_kind kind, const char *prefix, const char *mid,
                        const char *res)
{
    const char *method = server_http_method(r);
    if (!res[0] && strcmp(method, "POST") == 0) return create_resource(h, r, kind, prefix, mid);
    if (!res[0] && strcmp(method, "OPTIONS") == 0)
        return server_http_respond(r, 204, NULL, "Accept-Post: application/sdp\r\n", NULL, 0);
    if (res[0] && strcmp(method, "DELETE") == 0) return delete_resource(h, r, kind, mid, res);
    if (res[0] && strcmp(method, "PATCH") == 0)
        return server_http_respond(r, 405, "text/plain", "Allow: DELETE\r\n",
                                   "trickle and ICE restart are not supported\n", 42);
    respond_text(r, 405, "method not allowed\n");
}

static void health(hub *h, server_http *r)
{
    size_t meetings = 0, peers = 0;
    meeting_totals(h, &meetings, &peers);
    json_t *j = json_pack("{s:s, s:I, s:I}", "status", "ok", "meetings", (json_int_t)meetings,
                          "peers", (json_int_t)peers);
    char *text = json_dumps(j, JSON_COMPACT);
    server_http_respond(r, 200, "application/json", NULL, text, strlen(text));
    free(text);
    json_decref(j);
}

/* GET /api/meetings/{meeting}/attendance[?format=csv]: the roll, for those who run or record the
 * meeting. */
static void attendance(hub *h, server_http *r, const char *mid)
{
    token_claims c;
    int st = authorize(h, r, mid, &c);
    if (st) return respond_text(r, st, "not allowed\n");
    if (c.role != ROLE_CHAIR && c.role != ROLE_OPERATOR && c.role != ROLE_CLERK) {
        LOGW("audit", "%s token %s refused the attendance of %s", role_name(c.role), c.id, mid);
        return respond_text(r, 403, "only the chair, operators and clerks read the roll\n");
    }
    meeting *m = meeting_get(h, mid, false);
    /* Live from the meeting; after it, from the store (kept for the clerks). */
    json_t *rows = m ? meeting_roll_json(m, util_unix_time())
                     : meeting_stored_roll_json(h, mid, util_unix_time());
    if (!rows) rows = json_array();
    const char *accept = server_http_header(r, "accept");
    bool csv = strstr(server_http_query(r), "format=csv") ||
               (accept && strstr(accept, "text/csv") && !strstr(accept, "json"));
    if (!csv) {
        json_t *doc = json_pack("{s:s, s:o}", "meeting", mid, "rows", rows);
        char *text = json_dumps(doc, JSON_COMPACT);
        server_http_respond(r, 200, "application/json", NULL, text, strlen(text));
        free(text);
        json_decref(doc);
        return;
    }
    size_t cap = 128 + json_array_size(rows) * 256, n = 0;
    char *out = malloc(cap);
    if (!out) {
        json_decref(rows);
        return respond_text(r, 500, "out of memory\n");
    }
    n += (size_t)snprintf(out, cap,
                          "site,name,state,first_joined,last_left,seconds_present,joins\r\n");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        /* Names are quoted (RFC 4180): a commune's name may hold a comma; quotes are doubled. */
        char name[200];
        size_t k = 0;
        for (const char *c2 = json_string_value(json_object_get(row, "name"));
             c2 && *c2 && k < sizeof name - 2; c2++) {
            if (*c2 == '"') name[k++] = '"';
            name[k++] = *c2;
        }
        name[k] = '\0';
        n +=
            (size_t)snprintf(out + n, cap - n, "%s,\"%s\",%s,%lld,%lld,%lld,%lld\r\n",
                             json_string_value(json_object_get(row, "site")), name,
                             json_string_value(json_object_get(row, "state")),
                             (long long)json_integer_value(json_object_get(row, "first_joined")),
                             (long long)json_integer_value(json_object_get(row, "last_left")),
                             (long long)json_integer_value(json_object_get(row, "seconds_present")),
                             (long long)json_integer_value(json_object_get(row, "joins")));
        if (n >= cap) break;
    }
    json_decref(rows);
    char headers[160];
    snprintf(headers, sizeof headers,
             "Content-Disposition: attachment; filename=\"attendance-%s.csv\"\r\n", mid);
    server_http_respond(r, 200, "text/csv; charset=utf-8", headers, out, n < cap ? n : cap - 1);
    free(out);
}

/* GET /api/meetings/{meeting}/votes and /record: for those who run or record the meeting. */
static void clerk_json(hub *h, server_http *r, const char *mid, bool record)
{
    token_claims c;
    int st = authorize(h, r, mid, &c);
    if (st) return respond_text(r, st, "not allowed\n");
    if (c.role != ROLE_CHAIR && c.role != ROLE_OPERATOR && c.role != ROLE_CLERK)
        return respond_text(r, 403, "only the chair, operators and clerks read this\n");
    json_t *doc = record ? record_json(h, mid)
                         : json_pack("{s:s, s:o}", "meeting", mid, "votes", votes_json(h, mid));
    char *text = json_dumps(doc, JSON_COMPACT);
    server_http_respond(r, 200, "application/json", NULL, text, strlen(text));
    free(text);
    json_decref(doc);
}

void http_api_request(hub *h, server_http *r)
{
    h->counters.http_requests++;
    const char *path = server_http_path(r);
    const char *method = server_http_method(r);
    char mid[65], res[24];
    if (strcmp(path, "/health") == 0 && strcmp(method, "GET") == 0) return health(h, r);
    if (strcmp(path, "/metrics") == 0 && strcmp(method, "GET") == 0) return http_metrics(h, r);
    if (http_meetings_route(h, r)) return;
    if (http_documents_route(h, r)) return;
    if (http_recording_ctl_route(h, r)) return;
    if (http_recordings_route(h, r)) return;
    if (strncmp(path, "/api/meetings/", 14) == 0 && strcmp(method, "GET") == 0) {
        const char *a = path + 14, *slash = strchr(a, '/');
        if (slash && strcmp(slash, "/attendance") == 0 && valid_id(a, (size_t)(slash - a), 64)) {
            memcpy(mid, a, (size_t)(slash - a));
            mid[slash - a] = '\0';
            return attendance(h, r, mid);
        }
        if (slash && (strcmp(slash, "/votes") == 0 || strcmp(slash, "/record") == 0) &&
            valid_id(a, (size_t)(slash - a), 64)) {
            memcpy(mid, a, (size_t)(slash - a));
            mid[slash - a] = '\0';
            return clerk_json(h, r, mid, strcmp(slash, "/record") == 0);
        }
    }
    if (split_path(path, "/whip/", mid, res))
        return media_route(h, r, PEER_WHIP, "/whip/", mid, res);
    if (split_path(path, "/whep/", mid, res))
        return media_route(h, r, PEER_WHEP, "/whep/", mid, res);
    h->counters.http_rejected++;
    respond_text(r, 404, "not found\n");
}
