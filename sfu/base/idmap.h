/* An open-addressing hash map from a 64-bit key to a pointer, for the lookups every packet makes
 * (SSRC -> stream, address -> transport, id -> group). Linear probing, power-of-two capacity,
 * backward-shift deletion (no tombstones), grows at 50% load. Not thread-safe: each map belongs to
 * one thread. Lookups never allocate; inserts allocate only when growing. */
#ifndef DH_IDMAP_H
#define DH_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct idmap idmap;

idmap *idmap_new(size_t initial_capacity);
void idmap_free(idmap *m);
void *idmap_get(const idmap *m, uint64_t key);
/* Inserts or replaces. Returns 0, or -1 when out of memory. */
int idmap_put(idmap *m, uint64_t key, void *value);
/* Returns the removed value, or NULL. */
void *idmap_del(idmap *m, uint64_t key);
size_t idmap_count(const idmap *m);

/* Iteration in slot order; do not insert or delete while iterating. */
typedef struct idmap_iter {
    size_t slot;
} idmap_iter;
#define IDMAP_ITER_INIT                                                                            \
    {                                                                                              \
        0                                                                                          \
    }
int idmap_next(const idmap *m, idmap_iter *it, uint64_t *key, void **value);

#endif
