/* Unit tests for query.c: splitting a query string and decoding its components. */
#include "test.h"
#include "api-gateway/http/query.h"

#include <stdlib.h>

static int parse(const char *q, struct query_kv *kv, int max)
{
    return query_parse(q, strlen(q), kv, max);
}

static void test_split(void)
{
    struct query_kv kv[8];
    int n = parse("limit=20&cursor=abc&q=coffee+shop", kv, 8);

    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(kv[0].key, "limit");
    CHECK_EQ_STR(kv[0].val, "20");
    CHECK_EQ_STR(kv[1].key, "cursor");
    CHECK_EQ_STR(kv[1].val, "abc");
    CHECK_EQ_STR(kv[2].val, "coffee shop");
    query_release(kv, n);

    /* Empty components are skipped; a bare key has the value ""; the first '=' splits. */
    n = parse("&&a&=x&b=c=d&", kv, 8);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(kv[0].key, "a");
    CHECK_EQ_STR(kv[0].val, "");
    CHECK_EQ_STR(kv[1].key, "");
    CHECK_EQ_STR(kv[1].val, "x");
    CHECK_EQ_STR(kv[2].key, "b");
    CHECK_EQ_STR(kv[2].val, "c=d");
    query_release(kv, n);

    CHECK_EQ_INT(parse("", kv, 8), 0);
}

static void test_max(void)
{
    struct query_kv kv[2];
    int n = parse("a=1&b=2&c=3", kv, 2);

    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(kv[1].key, "b");
    query_release(kv, n);
    CHECK_EQ_INT(parse("a=1", kv, 0), 0);
}

static void test_decode(void)
{
    char *s = query_decode("a%20b%2Bc%2fd", 13);

    CHECK_EQ_STR(s, "a b+c/d");
    free(s);
    /* A '%' without two hex digits stays as it is, at the end too. */
    s = query_decode("100%%zz%4", 9);
    CHECK_EQ_STR(s, "100%%zz%4");
    free(s);
    s = query_decode("%e2%82%ac", 9);
    CHECK_EQ_STR(s, "\xe2\x82\xac");
    free(s);
    /* Only @n bytes are read: the decoder never looks past them for hex digits. */
    s = query_decode("x%41", 3);
    CHECK_EQ_STR(s, "x%4");
    free(s);
    s = query_decode("a%00b", 5);
    CHECK_EQ_INT(strlen(s), 1);
    free(s);
}

TEST_MAIN(test_split, test_max, test_decode)
