/* Requests in flight on the websocket. The hub answers every request exactly once, with the
 * request's id; a reply that does not come within RPC_TIMEOUT_MS means the hub or the path to
 * it is stuck, and the box starts over rather than wait on a session that went quiet. */
#ifndef DH_ROOM_RPC_H
#define DH_ROOM_RPC_H

#include <stdbool.h>
#include <stdint.h>

#define RPC_TIMEOUT_MS 10000u
#define RPC_MAX_PENDING 64 /* a join, a publish, an answer and a few dozen trickles */

typedef enum { RPC_JOIN = 1, RPC_PUBLISH, RPC_ANSWER, RPC_TRICKLE } rpc_kind;

typedef struct rpc_pending {
    int64_t id;
    rpc_kind kind;
    uint32_t arg; /* answer: the revision answered */
    uint64_t deadline_ms;
} rpc_pending;

typedef struct rpc_table {
    rpc_pending items[RPC_MAX_PENDING];
    unsigned n;
    int64_t next_id; /* never reused, even across connections */
} rpc_table;

void rpc_init(rpc_table *t);

/* Records a request sent at now_ms; returns its id, or -1 when RPC_MAX_PENDING are in flight. */
int64_t rpc_add(rpc_table *t, rpc_kind kind, uint32_t arg, uint64_t now_ms);

/* Removes the request with this id into *out; false for an id that is not in flight. */
bool rpc_take(rpc_table *t, int64_t id, rpc_pending *out);

/* The oldest request past its deadline, or NULL. */
const rpc_pending *rpc_overdue(const rpc_table *t, uint64_t now_ms);

/* Forgets every request (the connection they were sent on is gone). */
void rpc_clear(rpc_table *t);

const char *rpc_kind_name(rpc_kind k);

#endif
