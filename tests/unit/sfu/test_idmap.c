/* idmap: put/get/del/replace, growth, backward-shift deletion checked against a plain reference
 * array over 100k random operations on a small key space (so that probe runs collide, wrap the
 * table end and get cut in the middle), and iteration that sees every live entry exactly once. */
#include "sfu/base/idmap.h"
#include "sfu/base/util.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Values are never dereferenced: any distinct non-NULL pointer will do. */
static char values[4096];
#define VAL(i) ((void *)&values[(i) % sizeof values])

/* A small deterministic generator, so that a failure replays the same way. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_basic(void)
{
    idmap *m = idmap_new(4);
    CHECK(m != NULL);
    CHECK_EQ(idmap_count(m), 0);
    CHECK(idmap_get(m, 1) == NULL);
    CHECK(idmap_del(m, 1) == NULL);

    struct {
        uint64_t key;
        int val;
    } table[] = {
        {0, 1}, {1, 2}, {UINT64_MAX, 3}, {0x8000000000000000ULL, 4}, {0xDEADBEEF, 5}, {42, 6},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(table); i++)
        CHECK_EQ(idmap_put(m, table[i].key, VAL(table[i].val)), 0);
    CHECK_EQ(idmap_count(m), DH_ARRAY_LEN(table));
    for (size_t i = 0; i < DH_ARRAY_LEN(table); i++)
        CHECK(idmap_get(m, table[i].key) == VAL(table[i].val));
    CHECK(idmap_get(m, 2) == NULL);

    /* Replacing keeps the count. */
    CHECK_EQ(idmap_put(m, 42, VAL(60)), 0);
    CHECK_EQ(idmap_count(m), DH_ARRAY_LEN(table));
    CHECK(idmap_get(m, 42) == VAL(60));

    /* A NULL value is refused (NULL marks an empty slot) and changes nothing. */
    CHECK_EQ(idmap_put(m, 42, NULL), -1);
    CHECK(idmap_get(m, 42) == VAL(60));
    CHECK_EQ(idmap_put(m, 7, NULL), -1);
    CHECK_EQ(idmap_count(m), DH_ARRAY_LEN(table));

    /* Delete returns the value once. */
    CHECK(idmap_del(m, 0) == VAL(1));
    CHECK(idmap_del(m, 0) == NULL);
    CHECK(idmap_get(m, 0) == NULL);
    CHECK_EQ(idmap_count(m), DH_ARRAY_LEN(table) - 1);
    CHECK(idmap_get(m, UINT64_MAX) == VAL(3));
    idmap_free(m);
    idmap_free(NULL);
}

/* From 16 slots to many thousands: every key stays findable through each doubling. */
static void test_growth(void)
{
    idmap *m = idmap_new(0);
    enum { N = 20000 };
    for (uint64_t i = 0; i < N; i++) {
        /* SSRC-like keys: sequential, and sharing their low bits. */
        uint64_t k = i % 2 ? i : i << 32;
        CHECK_EQ(idmap_put(m, k, VAL(i + 1)), 0);
    }
    CHECK_EQ(idmap_count(m), N);
    size_t bad = 0;
    for (uint64_t i = 0; i < N; i++) {
        uint64_t k = i % 2 ? i : i << 32;
        bad += idmap_get(m, k) != VAL(i + 1);
    }
    CHECK_EQ(bad, 0);
    for (uint64_t i = 0; i < N; i += 2)
        CHECK(idmap_del(m, i << 32) == VAL(i + 1));
    CHECK_EQ(idmap_count(m), N / 2);
    bad = 0;
    for (uint64_t i = 0; i < N; i++) {
        uint64_t k = i % 2 ? i : i << 32;
        bad += idmap_get(m, k) != (i % 2 ? VAL(i + 1) : NULL);
    }
    CHECK_EQ(bad, 0);
    idmap_free(m);
}

/* Random put/replace/del/get against a reference array indexed by key. The key space is kept
 * small relative to the table so that runs are long and deletions land inside them. */
static void test_random_against_reference(void)
{
    enum { KEYS = 512, OPS = 100000 };
    static void *ref[KEYS];
    idmap *m = idmap_new(16);
    size_t live = 0, mismatches = 0, count_errors = 0;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = rng();
        uint32_t ki = (uint32_t)(r % KEYS);
        /* Spread the keys across the whole 64-bit space but keep them distinct per index. */
        uint64_t key = (uint64_t)ki * 0x100000001ULL + ((uint64_t)ki << 56);
        switch ((r >> 32) % 4) {
        case 0:
        case 1: {
            void *v = VAL(r >> 40);
            if (!v) v = VAL(1);
            if (idmap_put(m, key, v) != 0) mismatches++;
            if (!ref[ki]) live++;
            ref[ki] = v;
            break;
        }
        case 2: {
            void *got = idmap_del(m, key);
            if (got != ref[ki]) mismatches++;
            if (ref[ki]) live--;
            ref[ki] = NULL;
            break;
        }
        default:
            if (idmap_get(m, key) != ref[ki]) mismatches++;
            break;
        }
        if (idmap_count(m) != live) count_errors++;
        /* Every so often, the whole map must agree with the reference. */
        if (op % 5000 == 0) {
            for (uint32_t i = 0; i < KEYS; i++) {
                uint64_t k = (uint64_t)i * 0x100000001ULL + ((uint64_t)i << 56);
                if (idmap_get(m, k) != ref[i]) mismatches++;
            }
        }
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(count_errors, 0);
    idmap_free(m);
}

/* A table that never grows (7 keys in 16 slots, heavy churn): runs collide, wrap past the end
 * of the slot array and are cut by deletions again and again; all keys are checked after every
 * operation. */
static void test_churn_small_table(void)
{
    enum { KEYS = 7, OPS = 100000 };
    void *ref[KEYS] = {0};
    idmap *m = idmap_new(1);
    size_t mismatches = 0;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = rng();
        uint32_t ki = (uint32_t)(r % KEYS);
        uint64_t key = 1000 + ki;
        if ((r >> 20) & 1) {
            idmap_put(m, key, VAL(op + 1));
            ref[ki] = VAL(op + 1);
        } else {
            if (idmap_del(m, key) != ref[ki]) mismatches++;
            ref[ki] = NULL;
        }
        for (uint32_t i = 0; i < KEYS; i++)
            if (idmap_get(m, 1000 + i) != ref[i]) mismatches++;
    }
    CHECK_EQ(mismatches, 0);
    idmap_free(m);
}

static void test_iteration(void)
{
    enum { N = 1000 };
    static uint8_t seen[N];
    idmap *m = idmap_new(8);
    for (uint64_t i = 0; i < N; i++)
        idmap_put(m, i * 7919, VAL(i + 1));
    for (uint64_t i = 0; i < N; i += 3)
        idmap_del(m, i * 7919);

    idmap_iter it = IDMAP_ITER_INIT;
    uint64_t key;
    void *v;
    size_t visits = 0, wrong = 0;
    while (idmap_next(m, &it, &key, &v)) {
        visits++;
        if (key % 7919 != 0 || key / 7919 >= N) {
            wrong++;
            continue;
        }
        uint64_t i = key / 7919;
        if (i % 3 == 0 || v != VAL(i + 1)) wrong++;
        seen[i]++;
    }
    CHECK_EQ(visits, idmap_count(m));
    CHECK_EQ(wrong, 0);
    size_t twice = 0, missing = 0;
    for (uint64_t i = 0; i < N; i++) {
        if (seen[i] > 1) twice++;
        if (i % 3 != 0 && seen[i] == 0) missing++;
    }
    CHECK_EQ(twice, 0);
    CHECK_EQ(missing, 0);
    /* The iterator stays at its end; NULL out-pointers are allowed. */
    CHECK_EQ(idmap_next(m, &it, NULL, NULL), 0);
    it = (idmap_iter)IDMAP_ITER_INIT;
    CHECK_EQ(idmap_next(m, &it, NULL, NULL), 1);
    idmap_free(m);

    /* An empty map iterates to nothing. */
    m = idmap_new(0);
    it = (idmap_iter)IDMAP_ITER_INIT;
    CHECK_EQ(idmap_next(m, &it, &key, &v), 0);
    idmap_free(m);
}

int main(void)
{
    test_basic();
    test_growth();
    test_random_against_reference();
    test_churn_small_table();
    test_iteration();
    CHECK_DONE();
}
