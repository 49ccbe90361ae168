/* test_ctxcache.c - the context-document cache: a hit only for the exact user and version,
 * documents without a version never kept, bounded slots, references counted right. */
#include "test.h"

#include "golden.h"

#include "llm-worker/engine/ctxcache.h"

#include <stdint.h>

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

static json_t *doc(int64_t version, const char *tag)
{
    return json_pack("{s:I, s:s}", "data_version", (json_int_t)version, "tag", tag);
}

static const char *tag_of(const json_t *d)
{
    return json_string_value(json_object_get(d, "tag"));
}

static void test_exact_version(void)
{
    struct ctxcache *c = ctxcache_new(64);
    json_t *d = doc(7, "v7"), *got;
    int64_t hits, misses;

    CHECK(ctxcache_get(c, U1, 7) == NULL); /* empty */
    ctxcache_put(c, U1, d);
    got = ctxcache_get(c, U1, 7);
    CHECK(got == d);
    CHECK_EQ_STR(tag_of(got), "v7");
    json_decref(got);
    CHECK(ctxcache_get(c, U1, 8) == NULL);  /* a write since: another version */
    CHECK(ctxcache_get(c, U1, 6) == NULL);  /* an older request: not this document */
    CHECK(ctxcache_get(c, U1, -1) == NULL); /* no version sent */
    CHECK(ctxcache_get(c, U2, 7) == NULL);  /* another user */
    ctxcache_counts(c, &hits, &misses);
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(misses, 5);
    /* The cache holds its own reference: the caller's can go. */
    CHECK_EQ_INT(d->refcount, 2);
    json_decref(d);
    got = ctxcache_get(c, U1, 7);
    CHECK(got && tag_of(got));
    json_decref(got);
    ctxcache_free(c);
}

static void test_replace_and_reject(void)
{
    struct ctxcache *c = ctxcache_new(64);
    json_t *d7 = doc(7, "v7"), *d8 = doc(8, "v8"), *nover = json_pack("{s:s}", "tag", "none");
    json_t *neg = doc(-3, "neg"), *str = json_pack("{s:s}", "data_version", "9"), *got;

    ctxcache_put(c, U1, d7);
    ctxcache_put(c, U1, d8); /* the newer document replaces the older one */
    CHECK(ctxcache_get(c, U1, 7) == NULL);
    got = ctxcache_get(c, U1, 8);
    CHECK_EQ_STR(tag_of(got), "v8");
    json_decref(got);
    CHECK_EQ_INT(d7->refcount, 1); /* released by the cache */
    ctxcache_put(c, U2, nover);    /* no data_version: never kept */
    ctxcache_put(c, U2, neg);
    ctxcache_put(c, U2, str);
    CHECK(ctxcache_get(c, U2, 0) == NULL && ctxcache_get(c, U2, 9) == NULL &&
          ctxcache_get(c, U2, -3) == NULL);
    CHECK_EQ_INT(nover->refcount, 1);
    ctxcache_put(c, "a-user-id-longer-than-any-uuid-0123456789", d8); /* not a user id */
    CHECK_EQ_INT(d8->refcount, 2);
    json_decref(d7);
    json_decref(d8);
    json_decref(nover);
    json_decref(neg);
    json_decref(str);
    ctxcache_free(c);
}

static void test_bounded(void)
{
    struct ctxcache *c = ctxcache_new(8);
    char uid[40];
    int kept = 0;

    /* 100 users through 8 slots: at most 8 documents stay, each under its own user. */
    for (int i = 0; i < 100; i++) {
        json_t *d = doc(i, "x");

        snprintf(uid, sizeof(uid), "%08d-0000-4000-8000-000000000000", i);
        ctxcache_put(c, uid, d);
        json_decref(d);
    }
    for (int i = 0; i < 100; i++) {
        json_t *got;

        snprintf(uid, sizeof(uid), "%08d-0000-4000-8000-000000000000", i);
        got = ctxcache_get(c, uid, i);
        if (got) {
            kept++;
            CHECK_EQ_INT(json_integer_value(json_object_get(got, "data_version")), i);
            json_decref(got);
        }
    }
    CHECK(kept >= 1 && kept <= 8);
    ctxcache_free(c); /* frees what it holds (ASan: no leak) */
}

/* The gateway's document (proto/golden/mongo/contexts/), read as the worker reads MongoDB, is
 * cached under its data_version. */
static void test_golden_document(void)
{
    struct ctxcache *c = ctxcache_new(4);
    bson_t *b = golden_bson("mongo/contexts/valid-demo.json");
    char *text = b ? bson_as_relaxed_extended_json(b, NULL) : NULL;
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL, *got;
    const char *uid = "6b0c1a52-2d0f-4a55-9a3e-1f1f3f0d2c11";

    CHECK_EQ_STR(json_string_value(json_object_get(doc, "_id")), uid);
    ctxcache_put(c, uid, doc);
    got = ctxcache_get(c, uid, 42);
    CHECK(doc && got == doc);
    json_decref(got);
    CHECK(ctxcache_get(c, uid, 41) == NULL);
    json_decref(doc);
    bson_free(text);
    bson_destroy(b);
    ctxcache_free(c);
}

TEST_MAIN(test_exact_version, test_replace_and_reject, test_bounded, test_golden_document)
