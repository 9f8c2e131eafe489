/* Starting and stopping a meeting's recording over HTTP, for tools and schedulers that are not in
 * the meeting's page (the page uses the websocket's recording_start / recording_stop):
 *
 *   POST /api/meetings/{meeting}/recording/start   chair or operator of the meeting, or admin
 *   POST /api/meetings/{meeting}/recording/stop
 *   GET  /api/meetings/{meeting}/recording         any token of the meeting: is it recorded?
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "signaling/http_util.h"
#include "signaling/hub.h"

#define PREFIX "/api/meetings/"

/* "/api/meetings/{meeting}/recording[/{action}]": the meeting id and the action ("" for none). */
static bool parse(const char *path, char *mid, size_t cap, const char **action)
{
    if (strncmp(path, PREFIX, strlen(PREFIX)) != 0) return false;
    const char *a = path + strlen(PREFIX), *slash = strchr(a, '/');
    if (!slash || (size_t)(slash - a) >= cap || slash == a) return false;
    for (const char *p = a; p < slash; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    if (strncmp(slash, "/recording", 10) != 0) return false;
    const char *rest = slash + 10;
    if (*rest == '\0')
        *action = "";
    else if (strcmp(rest, "/start") == 0 || strcmp(rest, "/stop") == 0)
        *action = rest + 1;
    else
        return false;
    memcpy(mid, a, (size_t)(slash - a));
    mid[slash - a] = '\0';
    return true;
}

bool http_recording_ctl_route(hub *h, server_http *r)
{
    char mid[65];
    const char *action;
    if (!parse(server_http_path(r), mid, sizeof mid, &action)) return false;
    const char *method = server_http_method(r);
    bool get = action[0] == '\0';
    if (strcmp(method, get ? "GET" : "POST") != 0) {
        http_send_error(r, 405, "method_not_allowed", get ? "use GET" : "use POST");
        return true;
    }
    token_claims c;
    if (http_authenticate(h, r, false, &c) != 0) return true;
    bool admin = c.role == ROLE_ADMIN;
    if (!admin && strcmp(c.meeting, mid) != 0) {
        http_send_error(r, 403, "forbidden", "the token is for another meeting");
        return true;
    }
    if (get) {
        http_send_json(r, 200, NULL, recording_status_json(h, mid));
        return true;
    }
    /* The audit log names whoever asked, as it does for a page's request. */
    peer actor = {.role = c.role};
    snprintf(actor.site, sizeof actor.site, "%s", c.site);
    snprintf(actor.token_id, sizeof actor.token_id, "%s", c.id);
    if (!admin && c.role != ROLE_CHAIR && c.role != ROLE_OPERATOR) {
        hub_audit(h, mid, &actor, "refused", "recording %s", action);
        http_send_error(r, 403, "forbidden", "only the chair and operators record");
        return true;
    }
    const char *msg = NULL, *code;
    char id[STORE_REC_ID_LEN + 1] = "";
    if (strcmp(action, "start") == 0)
        code = recording_start(h, mid, &actor, id, sizeof id, &msg);
    else
        code = recording_stop(h, mid, &actor, role_name(c.role), &msg);
    if (code) {
        http_send_error(r, strcmp(code, "conflict") == 0 ? 409 : 503, code, msg);
        return true;
    }
    http_send_json(r, 200, NULL, recording_status_json(h, mid));
    return true;
}
