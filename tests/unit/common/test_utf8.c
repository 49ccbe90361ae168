/* test_utf8.c - decoding, validation, cutting, repairing and counting UTF-8. */
#include "test.h"

#include "utf8.h"

#include <stdlib.h>

/* Decodes @s (@len bytes) and checks the length and code point. */
static void check_decode(const char *s, size_t len, int want_n, int32_t want_cp)
{
    int32_t cp = -7;
    int n = utf8_decode(s, len, &cp);

    CHECK_EQ_INT(n, want_n);
    CHECK_EQ_INT(cp, n > 0 ? want_cp : -7);
}

static void test_decode(void)
{
    /* One of each length, and each length's first and last code point. */
    check_decode("A", 1, 1, 'A');
    check_decode("\0", 1, 1, 0);
    check_decode("\x7f", 1, 1, 0x7f);
    check_decode("\xc2\x80", 2, 2, 0x80);
    check_decode("\xc3\xa9", 2, 2, 0xe9);
    check_decode("\xdf\xbf", 2, 2, 0x7ff);
    check_decode("\xe0\xa0\x80", 3, 3, 0x800);
    check_decode("\xe2\x82\xac", 3, 3, 0x20ac);
    check_decode("\xef\xbf\xbf", 3, 3, 0xffff);
    check_decode("\xf0\x90\x80\x80", 4, 4, 0x10000);
    check_decode("\xf0\x9f\x92\xb6", 4, 4, 0x1f4b6);
    check_decode("\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff);
    /* Overlong forms of '/', U+07FF and U+FFFF. */
    check_decode("\xc0\xaf", 2, 0, 0);
    check_decode("\xc1\xbf", 2, 0, 0);
    check_decode("\xe0\x80\xaf", 3, 0, 0);
    check_decode("\xe0\x9f\xbf", 3, 0, 0);
    check_decode("\xf0\x80\x80\xaf", 4, 0, 0);
    check_decode("\xf0\x8f\xbf\xbf", 4, 0, 0);
    /* Surrogates, and the code points around them. */
    check_decode("\xed\xa0\x80", 3, 0, 0);
    check_decode("\xed\xbf\xbf", 3, 0, 0);
    check_decode("\xed\x9f\xbf", 3, 3, 0xd7ff);
    check_decode("\xee\x80\x80", 3, 3, 0xe000);
    /* Above U+10FFFF, bytes that never appear, stray continuations. */
    check_decode("\xf4\x90\x80\x80", 4, 0, 0);
    check_decode("\xf5\x80\x80\x80", 4, 0, 0);
    check_decode("\xf8\x88\x80\x80\x80", 5, 0, 0);
    check_decode("\xff", 1, 0, 0);
    check_decode("\x80", 1, 0, 0);
    check_decode("\xbf\x80", 2, 0, 0);
    /* A bad continuation byte, where the sequence is cut by something else. */
    check_decode("\xe2\x41\xac", 3, 0, 0);
    check_decode("\xf0\x9f\x41", 3, 0, 0);
    /* Truncated: a valid beginning that the end of the input cuts short. */
    check_decode("", 0, UTF8_INCOMPLETE, 0);
    check_decode("\xc3", 1, UTF8_INCOMPLETE, 0);
    check_decode("\xe2\x82", 2, UTF8_INCOMPLETE, 0);
    check_decode("\xf0\x9f\x92", 3, UTF8_INCOMPLETE, 0);
    /* ... but a beginning that is already wrong is invalid, not incomplete. */
    check_decode("\xe0\x80", 2, 0, 0);
    check_decode("\xed\xa0", 2, 0, 0);
    check_decode("\xf4\x90", 2, 0, 0);
    CHECK_EQ_INT(utf8_decode("\xc3\xa9", 2, NULL), 2);
}

static void test_encode(void)
{
    static const int32_t cps[] = {0,      'a',    0x7f,   0x80,    0x7ff,   0x800,   0xd7ff,
                                  0xe000, 0xfffd, 0xffff, 0x10000, 0x1f4b6, 0x10ffff};
    char out[4];
    int32_t back;

    for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        size_t n = utf8_encode(cps[i], out);

        CHECK(n >= 1 && n <= 4);
        CHECK_EQ_INT(utf8_decode(out, n, &back), (int)n);
        CHECK_EQ_INT(back, cps[i]);
    }
    CHECK_EQ_INT(utf8_encode(0xe9, out), 2);
    CHECK(memcmp(out, "\xc3\xa9", 2) == 0);
    CHECK_EQ_INT(utf8_encode(0xd800, out), 0);
    CHECK_EQ_INT(utf8_encode(0xdfff, out), 0);
    CHECK_EQ_INT(utf8_encode(0x110000, out), 0);
    CHECK_EQ_INT(utf8_encode(-1, out), 0);
}

static void test_valid(void)
{
    CHECK(utf8_valid("caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x92\xb8", 14));
    CHECK(utf8_valid("", 0));
    CHECK(utf8_valid("a\0b", 3));
    CHECK(!utf8_valid("\xc3", 1));
    CHECK(!utf8_valid("ok\xe2\x82", 4));
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
    CHECK(!utf8_valid("\xff", 1));
    CHECK(!utf8_valid("a\x80", 2));
}

static void test_cut(void)
{
    const char *cafe = "caf\xc3\xa9";
    const char *emoji = "x\xf0\x9f\x92\xb6y";

    CHECK_EQ_INT(utf8_cut(cafe, 5, 10), 5);
    CHECK_EQ_INT(utf8_cut(cafe, 5, 5), 5);
    CHECK_EQ_INT(utf8_cut(cafe, 5, 4), 3); /* not inside the e-acute */
    CHECK_EQ_INT(utf8_cut(cafe, 5, 3), 3);
    CHECK_EQ_INT(utf8_cut(cafe, 5, 0), 0);
    CHECK_EQ_INT(utf8_cut("\xe2\x82\xac", 3, 2), 0);
    CHECK_EQ_INT(utf8_cut(emoji, 6, 1), 1);
    CHECK_EQ_INT(utf8_cut(emoji, 6, 2), 1);
    CHECK_EQ_INT(utf8_cut(emoji, 6, 4), 1);
    CHECK_EQ_INT(utf8_cut(emoji, 6, 5), 5);
    /* Invalid bytes are cut anywhere: never beyond @max, never far before it. */
    CHECK_EQ_INT(utf8_cut("aaaa\x80\x80\x80\x80", 8, 6), 6);
    CHECK_EQ_INT(utf8_cut("\x80\x80\x80\x80\x80", 5, 4), 4);
    CHECK_EQ_INT(utf8_cut("a\xe2\x41\x42", 4, 2), 2);
}

static void test_copy(void)
{
    char out[5] = "zzzz";

    /* Room for 4 bytes: "caf" and the NUL, never half of the e-acute. */
    CHECK_EQ_INT(utf8_copy(out, sizeof(out), "caf\xc3\xa9", 5), 3);
    CHECK_EQ_STR(out, "caf");
    CHECK_EQ_INT(utf8_copy(out, sizeof(out), "ab", 2), 2);
    CHECK_EQ_STR(out, "ab");
    CHECK_EQ_INT(utf8_copy(out, 1, "ab", 2), 0);
    CHECK_EQ_STR(out, "");
    out[0] = 'q';
    CHECK_EQ_INT(utf8_copy(out, 0, "ab", 2), 0);
    CHECK_EQ_INT(out[0], 'q');
}

static void test_advance(void)
{
    const char *s = "h\xc3\xa9llo \xf0\x9f\x92\xb6!";

    CHECK_EQ_INT(utf8_advance(s, strlen(s), 0), 0);
    CHECK_EQ_INT(utf8_advance(s, strlen(s), 1), 1);
    CHECK_EQ_INT(utf8_advance(s, strlen(s), 2), 3);
    CHECK_EQ_INT(utf8_advance(s, strlen(s), 7), 11);
    CHECK_EQ_INT(utf8_advance(s, strlen(s), 8), 12);
    CHECK_EQ_INT(utf8_advance(s, strlen(s), 100), 12);
    CHECK_EQ_INT(utf8_advance("", 0, 3), 0);
}

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

TEST_MAIN(test_decode, test_encode, test_valid, test_cut, test_copy, test_advance, test_complete,
          test_sanitize, test_count)
