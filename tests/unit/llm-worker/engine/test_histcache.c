/* test_histcache.c - a conversation's recorded turns are served only for the partition and
 * assignment epoch they were recorded in; forgetting, replacing and bad input. */
#include "test.h"

#include "llm-worker/engine/histcache.h"

#include <string.h>

#define CONV "c0ffee00-1234-4abc-8def-0123456789ab"
#define OTHER "c0ffee00-1234-4abc-8def-0123456789ac"

static void test_served_within_partition_epoch(void)
{
    struct histcache *c = histcache_new(64);
    json_t *items = json_pack("[{s:s,s:s}]", "role", "user", "text", "hi");
    json_t *got;
    int64_t hits, misses;

    CHECK(histcache_get(c, CONV, 3, 7) == NULL); /* nothing yet */
    histcache_put(c, CONV, 3, 7, items);
    got = histcache_get(c, CONV, 3, 7);
    CHECK(got == items);
    json_decref(got);
    CHECK(histcache_get(c, CONV, 3, 8) == NULL); /* the partition was given back since */
    CHECK(histcache_get(c, CONV, 4, 7) == NULL); /* another partition */
    CHECK(histcache_get(c, OTHER, 3, 7) == NULL);
    histcache_counts(c, &hits, &misses);
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(misses, 4);
    json_decref(items);
    histcache_free(c);
}

static void test_replace_and_forget(void)
{
    struct histcache *c = histcache_new(1); /* one slot: every conversation shares it */
    json_t *a = json_array(), *b = json_array(), *o = json_object(), *got;

    histcache_put(c, CONV, 1, 1, a);
    histcache_put(c, CONV, 1, 1, b); /* the newer record replaces the older */
    got = histcache_get(c, CONV, 1, 1);
    CHECK(got == b);
    json_decref(got);
    histcache_put(c, OTHER, 1, 1, NULL); /* forgetting another conversation keeps this one */
    got = histcache_get(c, CONV, 1, 1);
    CHECK(got == b);
    json_decref(got);
    histcache_put(c, CONV, 1, 1, NULL);
    CHECK(histcache_get(c, CONV, 1, 1) == NULL);
    histcache_put(c, OTHER, 2, 1, a); /* a newer conversation takes the slot over */
    CHECK(histcache_get(c, CONV, 1, 1) == NULL);
    got = histcache_get(c, OTHER, 2, 1);
    CHECK(got == a);
    json_decref(got);
    /* Not an array, or an id longer than any UUID: not kept. */
    histcache_put(c, CONV, 1, 1, o);
    CHECK(histcache_get(c, CONV, 1, 1) == NULL);
    json_decref(o);
    json_decref(a);
    json_decref(b);
    histcache_free(c);
}

TEST_MAIN(test_served_within_partition_epoch, test_replace_and_forget)
