/* test_money.c - ISO 4217 minor units and money text: every case of
 * tests/fixtures/money-format.json (which web/lib/format.test.ts checks too), the generated
 * table against proto/currencies.json, and the edges of the buffer. */
#include "money.h"
#include "test.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#define FIXTURE "tests/fixtures/money-format.json"
#define TABLE "proto/currencies.json"

static json_t *load(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);

    if (!j)
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
    CHECK(j != NULL);
    return j;
}

static unsigned options_of(const json_t *o)
{
    unsigned flags = 0;

    if (json_is_true(json_object_get(o, "plus")))
        flags |= MONEY_PLUS;
    if (json_is_true(json_object_get(o, "code")))
        flags |= MONEY_CODE;
    if (json_is_false(json_object_get(o, "group")))
        flags |= MONEY_NO_GROUP;
    return flags;
}

static void check_case(const json_t *c)
{
    const char *amount = json_string_value(json_object_get(c, "amount_minor"));
    const char *cur = json_string_value(json_object_get(c, "currency"));
    const char *want = json_string_value(json_object_get(c, "text"));
    unsigned flags = options_of(json_object_get(c, "options"));
    char buf[MONEY_TEXT_MAX], *end;
    long long minor;
    size_t n;

    CHECK(amount && want);
    if (!amount || !want)
        return;
    errno = 0;
    minor = strtoll(amount, &end, 10);
    CHECK(errno == 0 && *end == '\0');
    n = money_format(minor, cur, flags, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "case %s %s:\n", amount, cur ? cur : "(null)");
    CHECK_EQ_STR(buf, want);
    CHECK_EQ_INT(n, strlen(want));
}

/* Every case of the shared fixture, and the minor units it lists. */
static void test_fixture(void)
{
    json_t *f = load(FIXTURE), *c, *u;
    size_t i;

    json_array_foreach(json_object_get(f, "cases"), i, c) check_case(c);
    CHECK(json_array_size(json_object_get(f, "cases")) >= 50);
    json_array_foreach(json_object_get(f, "minor_units"), i, u)
    {
        const char *code = json_string_value(json_object_get(u, "currency"));
        const json_t *want = json_object_get(u, "minor_units");

        CHECK_EQ_INT(money_minor_units(code), json_is_null(want) ? -1 : json_integer_value(want));
    }
    json_decref(f);
}

/* The generated table is the JSON one: same codes, units and symbols, sorted for bsearch. */
static void test_table(void)
{
    json_t *t = load(TABLE), *c;
    size_t i;

    CHECK_EQ_INT(money_ncurrencies, json_array_size(json_object_get(t, "currencies")));
    json_array_foreach(json_object_get(t, "currencies"), i, c)
    {
        const char *code = json_string_value(json_object_get(c, "code"));
        const char *sym = json_string_value(json_object_get(c, "symbol"));
        const struct money_currency *m = money_currency_find(code);

        CHECK(m != NULL);
        if (!m)
            continue;
        CHECK_EQ_STR(m->code, code);
        CHECK_EQ_INT(m->minor_units, json_integer_value(json_object_get(c, "minor_units")));
        CHECK(sym ? m->symbol && strcmp(m->symbol, sym) == 0 : m->symbol == NULL);
    }
    for (i = 1; i < money_ncurrencies; i++)
        CHECK(strcmp(money_currencies[i - 1].code, money_currencies[i].code) < 0);
    json_decref(t);
    CHECK(money_currency_find(NULL) == NULL);
    CHECK(money_currency_find("US") == NULL);
    CHECK(money_currency_find("USDX") == NULL);
}

/* The currencies of the issue, by their decimals: none had the same answer everywhere. */
static void test_issue_codes(void)
{
    static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                       "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                       "VND", "VUV", "XAF", "XOF", "XPF"};
    static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};

    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        CHECK_EQ_INT(money_minor_units(zero[i]), 0);
    for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++)
        CHECK_EQ_INT(money_minor_units(three[i]), 3);
    CHECK_EQ_INT(money_minor_units("CLF"), 4);
    CHECK_EQ_INT(money_minor_units("UYW"), 4);
    CHECK_EQ_INT(money_minor_units("USD"), 2);
}

/* A text that does not fit is not cut (a cut amount is a wrong one): empty, with the length
 * it needed; MONEY_TEXT_MAX fits the longest text. */
static void test_buffer(void)
{
    char small[6] = "xxxxx", buf[MONEY_TEXT_MAX];
    size_t n;

    n = money_format(123456, "USD", 0, small, sizeof(small));
    CHECK_EQ_STR(small, "");
    CHECK_EQ_INT(n, strlen("$1,234.56"));
    n = money_format(1234, "USD", 0, small, sizeof(small));
    CHECK_EQ_STR(small, "");
    CHECK_EQ_INT(n, 6);
    n = money_format(123, "USD", 0, small, sizeof(small));
    CHECK_EQ_STR(small, "$1.23");
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(money_format(1, "USD", 0, NULL, 0), 5);
    n = money_format(INT64_MIN, "usd", MONEY_CODE, buf, sizeof(buf));
    CHECK(n < sizeof(buf));
    CHECK_EQ_STR(buf, "-9,223,372,036,854,775,808 minor units of an unknown currency");
    n = money_format(INT64_MIN, "CLF", 0, buf, sizeof(buf));
    CHECK(n < sizeof(buf) && n > 0);
}

TEST_MAIN(test_fixture, test_table, test_issue_codes, test_buffer)
