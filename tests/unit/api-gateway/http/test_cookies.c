/* test_cookies.c - Cookie header parsing (lenient like browsers, bounded like C must be)
 * and Set-Cookie building (strict: nothing the caller did not mean can reach the header). */
#include "test.h"

#include "err.h"
#include "api-gateway/http/cookies.h"

#include <stdlib.h>
#include <string.h>

static void test_get_basic(void)
{
    char v[64];

    CHECK_EQ_INT(cookies_get("a=1; finchat_session=tok.en.x; b=2", "finchat_session", v, sizeof(v)),
                 8);
    CHECK_EQ_STR(v, "tok.en.x");
    CHECK_EQ_INT(cookies_get("a=1;b=2", "b", v, sizeof(v)), 1);
    CHECK_EQ_STR(v, "2");
    CHECK_EQ_INT(cookies_get("a=1", "a", v, sizeof(v)), 1);
    CHECK_EQ_INT(cookies_get("  a = x y ;", "a", v, sizeof(v)), 3);
    CHECK_EQ_STR(v, "x y");
    CHECK_EQ_INT(cookies_get("\ta=\"quoted\"", "a", v, sizeof(v)), 6);
    CHECK_EQ_STR(v, "quoted");
    CHECK_EQ_INT(cookies_get("a=\"", "a", v, sizeof(v)), 1);
    CHECK_EQ_STR(v, "\"");
    CHECK_EQ_INT(cookies_get("a=; b=2", "a", v, sizeof(v)), 0);
    CHECK_EQ_STR(v, "");
    /* Values may hold '=' (base64 padding). */
    CHECK_EQ_INT(cookies_get("k=YQ==", "k", v, sizeof(v)), 4);
    CHECK_EQ_STR(v, "YQ==");
}

static void test_get_names(void)
{
    char v[64];

    /* Exact, case-sensitive names; prefixes and suffixes do not match. */
    CHECK_EQ_INT(cookies_get("finchat_csrf_x=1; xfinchat_csrf=2", "finchat_csrf", v, sizeof(v)),
                 FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get("FINCHAT_CSRF=1", "finchat_csrf", v, sizeof(v)), FC_ENOTFOUND);
    /* First occurrence wins. */
    CHECK_EQ_INT(cookies_get("a=first; a=second", "a", v, sizeof(v)), 5);
    CHECK_EQ_STR(v, "first");
    /* Pairs without '=' are skipped, not taken as names. */
    CHECK_EQ_INT(cookies_get("a; b=2", "a", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get("a; b=2", "b", v, sizeof(v)), 1);
    CHECK_EQ_INT(cookies_get("x=a=b", "x", v, sizeof(v)), 3);
    CHECK_EQ_STR(v, "a=b");
    /* Quotes do not protect a ';', as in browsers. */
    CHECK_EQ_INT(cookies_get("x=\"b; a=1\"", "a", v, sizeof(v)), 2);
}

static void test_get_edges(void)
{
    char v[4];

    CHECK_EQ_INT(cookies_get(NULL, "a", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_STR(v, "");
    CHECK_EQ_INT(cookies_get("", "a", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get(";;; ;", "a", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get("=1", "a", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get("a=1", "", v, sizeof(v)), FC_ENOTFOUND);
    CHECK_EQ_INT(cookies_get("a=123", "a", v, sizeof(v)), 3);
    CHECK_EQ_INT(cookies_get("a=1234", "a", v, sizeof(v)), FC_ETOOBIG);
    CHECK_EQ_STR(v, "");
    CHECK_EQ_INT(cookies_get("a=1", "a", v, 0), FC_ETOOBIG);
}

static void test_set_line(void)
{
    char *s;

    s = cookies_set_line(COOKIE_SESSION, "a.b.c", "/", 900, COOKIE_HTTPONLY);
    CHECK_EQ_STR(s, "Set-Cookie: finchat_session=a.b.c; Path=/; HttpOnly; SameSite=Strict; "
                    "Max-Age=900");
    free(s);
    s = cookies_set_line(COOKIE_REFRESH, "r-_1", "/api/v1/auth", 2592000,
                         COOKIE_HTTPONLY | COOKIE_SECURE);
    CHECK_EQ_STR(s, "Set-Cookie: finchat_refresh=r-_1; Path=/api/v1/auth; HttpOnly; "
                    "SameSite=Strict; Max-Age=2592000; Secure");
    free(s);
    s = cookies_set_line(COOKIE_CSRF, "", "/", 0, 0);
    CHECK_EQ_STR(s, "Set-Cookie: finchat_csrf=; Path=/; SameSite=Strict; Max-Age=0");
    free(s);
}

static void test_set_line_refuses(void)
{
    /* Anything that could add an attribute or split the header is refused. */
    CHECK(cookies_set_line("a", "x; Domain=evil", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x\r\nSet-Cookie: b=1", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x y", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "\"x\"", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x,y", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "\xc3\xa9", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a=b", "x", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("", "x", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a b", "x", "/", 1, 0) == NULL);
    CHECK(cookies_set_line(NULL, "x", "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", NULL, "/", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x", "relative", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x", "/;Domain=evil", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x", "/a b", 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x", NULL, 1, 0) == NULL);
    CHECK(cookies_set_line("a", "x", "/", -1, 0) == NULL);
}

static void test_round_trip(void)
{
    char v[64];
    char *s = cookies_set_line("finchat_csrf", "Zm9v-YmFy_", "/", 60, 0);
    const char *pair = s + strlen("Set-Cookie: ");

    /* What the builder emits, the parser reads back (up to the first attribute). */
    CHECK_EQ_INT(cookies_get(pair, "finchat_csrf", v, sizeof(v)), 10);
    CHECK_EQ_STR(v, "Zm9v-YmFy_");
    free(s);
}

TEST_MAIN(test_get_basic, test_get_names, test_get_edges, test_set_line, test_set_line_refuses,
          test_round_trip)
