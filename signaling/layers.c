/* Which simulcast layer each of a viewer's video outputs receives. The wish comes from the policy
 * (a wall thumbnail wants the lowest layer, everything else the top); what the publisher really
 * sends narrows it (an encoder short of uplink drops its top layers, so the highest layer that is
 * live is taken); the viewer's downlink has the last word, through a cap per output.
 *
 * Two signals say a viewer's downlink is congested: heavy loss in its receiver reports, and its
 * own estimate (REMB) falling well under what the chosen layers send. The margin is wide because
 * a receiver's estimate runs low on a busy machine (measured: 0.8x and less of a link with room
 * to spare) and because a receiver caps it at about 1.5x what it gets: it can say "too much" but
 * never "more would fit". So a cap goes down one step on congestion, and goes up as a probe, one
 * step after a quiet while; a probe that has to be undone doubles the next wait. Below the lowest
 * layer a video pauses; audio is never touched.
 *
 * A switch is sfu_output_bind: the new layer's keyframe is requested and the output moves at it,
 * with continuous sequence numbers and timestamps. Until then it goes on with the old layer (no
 * freeze), except for a step down on congestion: there the old layer stops at once, because
 * feeding a congested link until the keyframe arrives only delays that keyframe (measured in the
 * simulcast browser test: 16-92 frames decoded in the 5 s after the squeeze, against 87-100). */
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

#define LOSSY 25                /* fraction lost (/256) in a report that means congestion: 10% */
#define SQUEEZED 0.7            /* REMB under this share of what the layers send: congestion */
#define PROBE_FIRST_S 4         /* quiet seconds before the first step up */
#define PROBE_MAX_S 64          /* the longest wait between steps up */
#define SWITCH_HOLD_US 2000000u /* a cap goes up at most this often per output */
#define SETTLE_US 3000000u      /* after a step down, signals wait for the estimate to follow */

/* The publisher's track that a slot receives, or -1. */
static int track_of(const peer_slot *s)
{
    if (!s->from) return -1;
    for (size_t t = 0; t < s->from->n_tracks; t++)
        if (s->from->src[t] == s->source) return (int)t;
    return -1;
}

static bool live(const peer *q, int t, int layer)
{
    return q->layer_kbps[t][layer] > 0;
}

/* The highest live layer at or under `limit`; else the lowest live one above it; else `limit`
 * (nothing has been measured yet: the wish stands). -1 stays -1: paused. */
static int pick(const peer *q, int t, int limit)
{
    if (limit < 0) return -1;
    int n = q->tracks[t].n_layers;
    if (limit >= n) limit = n - 1;
    for (int l = limit; l >= 0; l--)
        if (live(q, t, l)) return l;
    for (int l = limit + 1; l < n; l++)
        if (live(q, t, l)) return l;
    return limit;
}

typedef struct choice {
    peer_slot *s;
    const peer *q;
    int t, want, target;
    bool chair;    /* the program: the last to lose quality */
    bool squeezed; /* stepped down for congestion: the old layer stops at once */
} choice;

static void bind(peer *p, const choice *c, uint64_t now_us)
{
    peer_slot *s = c->s;
    uint32_t target = c->target < 0 ? 0 : c->q->layer_src[c->t][c->target];
    if (s->bound == target && s->layer == c->target) return;
    s->bound = target;
    s->layer = (int8_t)c->target;
    s->layer_changed_us = now_us;
    LOGD("layers", "%s: %s's video -> layer %d (wish %d, cap %d, loss %u/256)", p->pid, c->q->pid,
         c->target, c->want, s->cap, p->downlink_loss);
    p->h->counters.layer_switches++;
    sfu_output_bind(p->h->media, s->output, target,
                    c->squeezed ? SFU_SWITCH_NOW : SFU_SWITCH_AT_KEYFRAME);
}

static void probe_later(peer *p, uint64_t now_us)
{
    uint32_t wait = p->probe_wait_s ? p->probe_wait_s : PROBE_FIRST_S;
    p->probe_after_us = now_us + (uint64_t)wait * 1000000u;
}

/* One step down for the output that costs most, sites before the chair. */
static void step_down(peer *p, choice *cs, size_t n, uint64_t now_us)
{
    choice *v = NULL;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].target < 0) continue;
        if (!v || (v->chair && !cs[i].chair) ||
            (v->chair == cs[i].chair && cs[i].target > v->target))
            v = &cs[i];
    }
    if (!v) return;
    v->s->cap = (int8_t)(v->target - 1);
    v->squeezed = true;
    v->target = pick(v->q, v->t, v->s->cap < v->want ? v->s->cap : v->want);
    if (now_us < p->probe_after_us) { /* the last step up was one too many */
        p->probe_wait_s = p->probe_wait_s ? p->probe_wait_s * 2 : PROBE_FIRST_S * 2;
        if (p->probe_wait_s > PROBE_MAX_S) p->probe_wait_s = PROBE_MAX_S;
    }
    probe_later(p, now_us);
}

/* One step up for an output held under its wish, the chair first. */
static void step_up(peer *p, choice *cs, size_t n, uint64_t now_us)
{
    choice *u = NULL;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].s->cap >= cs[i].want || now_us - cs[i].s->layer_changed_us < SWITCH_HOLD_US)
            continue;
        if (!u || (cs[i].chair && !u->chair)) u = &cs[i];
    }
    if (!u) return;
    u->s->cap++;
    u->target = pick(u->q, u->t, u->s->cap < u->want ? u->s->cap : u->want);
    probe_later(p, now_us);
}

void peer_choose_layers(peer *p, uint64_t now_us)
{
    if (p->kind != PEER_WS || !p->m) return;
    choice cs[PEER_MAX_SLOTS];
    size_t n = 0;
    uint32_t sending = 0; /* kbit/s of the video layers chosen so far */
    for (size_t i = 0; i < p->n_slots; i++) {
        peer_slot *s = &p->slots[i];
        if (!s->s.active || !s->output) continue;
        int t = track_of(s);
        if (t < 0 || !s->from->tracks[t].n_layers) {
            /* A plain track: one stream, bound once. */
            if (s->bound != s->source) {
                s->bound = s->source;
                s->layer = 0;
                sfu_output_bind(p->h->media, s->output, s->source, SFU_SWITCH_AT_KEYFRAME);
            }
            continue;
        }
        choice *c = &cs[n++];
        *c = (choice){.s = s, .q = s->from, .t = t, .chair = s->from->role == ROLE_CHAIR};
        c->want = policy_layer(p->m, p, s->from, (size_t)t);
        c->target = pick(c->q, t, s->cap < c->want ? s->cap : c->want);
        if (c->target >= 0) sending += c->q->layer_kbps[t][c->target];
    }
    uint32_t estimate =
        p->downlink_bps && now_us >= p->downlink_valid_us ? p->downlink_bps / 1000u : 0;
    bool congested = p->downlink_loss > LOSSY || (estimate && estimate < sending * SQUEEZED);
    if (congested && now_us >= p->settle_until_us) {
        step_down(p, cs, n, now_us);
        p->settle_until_us = now_us + SETTLE_US;
    } else if (!congested && now_us >= p->probe_after_us) {
        step_up(p, cs, n, now_us);
    }
    for (size_t i = 0; i < n; i++)
        bind(p, &cs[i], now_us);
}
