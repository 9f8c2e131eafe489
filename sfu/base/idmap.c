#include "idmap.h"

#include <stdlib.h>

typedef struct slot {
    uint64_t key;
    void *value; /* NULL = empty */
} slot;

struct idmap {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
};

static inline size_t hash(uint64_t k, size_t mask)
{
    /* A multiplicative mix: SSRCs and ids are often sequential or share low bits. */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & mask;
}

idmap *idmap_new(size_t initial_capacity)
{
    idmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = 16;
    while (cap < initial_capacity * 2)
        cap <<= 1;
    m->slots = calloc(cap, sizeof(slot));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

void idmap_free(idmap *m)
{
    if (!m) return;
    free(m->slots);
    free(m);
}

void *idmap_get(const idmap *m, uint64_t key)
{
    size_t mask = m->cap - 1;
    for (size_t i = hash(key, mask);; i = (i + 1) & mask) {
        if (!m->slots[i].value) return NULL;
        if (m->slots[i].key == key) return m->slots[i].value;
    }
}

static int grow(idmap *m)
{
    size_t ncap = m->cap * 2;
    slot *ns = calloc(ncap, sizeof(slot));
    if (!ns) return -1;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->slots[j].value) continue;
        size_t i = hash(m->slots[j].key, ncap - 1);
        while (ns[i].value)
            i = (i + 1) & (ncap - 1);
        ns[i] = m->slots[j];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int idmap_put(idmap *m, uint64_t key, void *value)
{
    if (!value) return -1;
    if ((m->count + 1) * 2 > m->cap && grow(m) != 0) return -1;
    size_t mask = m->cap - 1;
    size_t i = hash(key, mask);
    while (m->slots[i].value && m->slots[i].key != key)
        i = (i + 1) & mask;
    if (!m->slots[i].value) m->count++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    return 0;
}

void *idmap_del(idmap *m, uint64_t key)
{
    size_t mask = m->cap - 1;
    size_t i = hash(key, mask);
    while (m->slots[i].value && m->slots[i].key != key)
        i = (i + 1) & mask;
    void *v = m->slots[i].value;
    if (!v) return NULL;
    /* Backward-shift: move later entries of the probe run into the hole so that lookups never
     * stop early at it. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j].value; j = (j + 1) & mask) {
        size_t home = hash(m->slots[j].key, mask);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].value = NULL;
    m->count--;
    return v;
}

size_t idmap_count(const idmap *m)
{
    return m->count;
}

int idmap_next(const idmap *m, idmap_iter *it, uint64_t *key, void **value)
{
    while (it->slot < m->cap) {
        slot *s = &m->slots[it->slot++];
        if (s->value) {
            if (key) *key = s->key;
            if (value) *value = s->value;
            return 1;
        }
    }
    return 0;
}
