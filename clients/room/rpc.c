#include "rpc.h"

#include <string.h>

void rpc_init(rpc_table *t)
{
    memset(t, 0, sizeof *t);
    t->next_id = 1;
}

int64_t rpc_add(rpc_table *t, rpc_kind kind, uint32_t arg, uint64_t now_ms)
{
    if (t->n == RPC_MAX_PENDING) return -1;
    rpc_pending *p = &t->items[t->n++];
    p->id = t->next_id++;
    p->kind = kind;
    p->arg = arg;
    p->deadline_ms = now_ms + RPC_TIMEOUT_MS;
    return p->id;
}

bool rpc_take(rpc_table *t, int64_t id, rpc_pending *out)
{
    for (unsigned i = 0; i < t->n; i++) {
        if (t->items[i].id != id) continue;
        *out = t->items[i];
        /* Keep the order of sending: the oldest stays first for rpc_overdue. */
        memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof t->items[0]);
        t->n--;
        return true;
    }
    return false;
}

const rpc_pending *rpc_overdue(const rpc_table *t, uint64_t now_ms)
{
    for (unsigned i = 0; i < t->n; i++)
        if (now_ms >= t->items[i].deadline_ms) return &t->items[i];
    return NULL;
}

void rpc_clear(rpc_table *t)
{
    t->n = 0;
}

const char *rpc_kind_name(rpc_kind k)
{
    switch (k) {
    case RPC_JOIN:
        return "join";
    case RPC_PUBLISH:
        return "publish";
    case RPC_ANSWER:
        return "answer";
    case RPC_TRICKLE:
        return "trickle";
    }
    return "?";
}
