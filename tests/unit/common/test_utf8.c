/* test_utf8.c - cutting, repairing and counting UTF-8 that arrives in pieces. */
#include "test.h"

#include "utf8.h"

#include <stdlib.h>

static void test_complete(void)
{
    const char *euro = "\xe2\x82\xac"; /* U+20AC */
    const char *emoji = "\xf0\x9f\x92\xb6";

    CHECK_EQ_INT(utf8_complete("abc", 3), 3);
    CHECK_EQ_INT(utf8_complete(euro, 1), 0);
    CHECK_EQ_INT(utf8_complete(euro, 2), 0);
    CHECK_EQ_INT(utf8_complete(euro, 3), 3);
    CHECK_EQ_INT(utf8_complete("x\xf0\x9f\x92", 4), 1);
    CHECK_EQ_INT(utf8_complete(emoji, 4), 4);
    /* Invalid bytes are never held back. */
    CHECK_EQ_INT(utf8_complete("a\xff", 2), 2);
    CHECK_EQ_INT(utf8_complete("a\xe2\x41", 3), 3);
    CHECK_EQ_INT(utf8_complete("", 0), 0);
}

static void test_sanitize(void)
{
    size_t n;
    char *s;

    s = utf8_sanitize("ok \xe2\x82\xac", 6, &n);
    CHECK_EQ_STR(s, "ok \xe2\x82\xac");
    CHECK_EQ_INT(n, 6);
    free(s);
    s = utf8_sanitize("a\xff"
                      "b",
                      3, &n);
    CHECK_EQ_STR(s, "a\xef\xbf\xbd"
                    "b");
    free(s);
    /* Overlong, surrogate, NUL and a cut sequence at the end. */
    s = utf8_sanitize("\xc0\xaf|\xed\xa0\x80|\0|\xe2\x82", 11, &n);
    CHECK_EQ_INT(n, 3 * 2 + 1 + 3 * 3 + 1 + 3 + 1 + 3 * 2);
    CHECK(memchr(s, '\0', n) == NULL);
    free(s);
}

static void test_count(void)
{
    CHECK_EQ_INT(utf8_count("h\xc3\xa9llo \xf0\x9f\x92\xb6", 11), 7);
    CHECK_EQ_INT(utf8_count("", 0), 0);
}

TEST_MAIN(test_complete, test_sanitize, test_count)
