/* test_checks.c - checked figures: which text is a figure, how it is matched against tool
 * results and the context document, rounding, minor units, derived values, hostile input. */
#include "test.h"

#include "golden.h"

#include "llm-worker/analyst/analyst.h"
#include "llm-worker/engine/checks.h"

#include <stdlib.h>
#include <time.h>

/* Runs checks_run(@answer, @sources parsed from JSON text) and returns its result as
 * "figures verified unverified|unverified|..." in a static buffer, so a failed check shows
 * the whole outcome. */
static const char *run(const char *answer, const char *sources)
{
    static char out[8192];
    json_error_t err;
    json_t *src = sources ? json_loads(sources, 0, &err) : NULL;
    json_t *r, *u;
    size_t i, n;

    if (sources && !src) {
        snprintf(out, sizeof(out), "bad test JSON: %s", err.text);
        return out;
    }
    r = checks_run(answer, src);
    n = (size_t)snprintf(out, sizeof(out), "%lld %lld ",
                         (long long)json_integer_value(json_object_get(r, "figures")),
                         (long long)json_integer_value(json_object_get(r, "verified")));
    json_array_foreach(json_object_get(r, "unverified"), i, u)
    {
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? "|" : "", json_string_value(u));
        if (n >= sizeof(out))
            break;
    }
    json_decref(r);
    json_decref(src);
    return out;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define USD_12 "[{\"amount_minor\":-1200,\"currency\":\"USD\",\"merchant\":\"Blue Bottle\"}]"

static void test_true_false_none(void)
{
    CHECK_EQ_STR(run("You spent $12 at Blue Bottle.", USD_12), "1 1 ");
    CHECK_EQ_STR(run("That was -$12.00, or 12 USD.", USD_12), "2 2 ");
    CHECK_EQ_STR(run("You spent $13 at Blue Bottle.", USD_12), "1 0 $13");
    CHECK_EQ_STR(
        run("Nothing here: 3 purchases in October 2026, first on 2026-10-01, 12 days.", USD_12),
        "0 0 ");
    CHECK_EQ_STR(run("", USD_12), "0 0 ");
    CHECK_EQ_STR(run(NULL, USD_12), "0 0 ");
    /* No sources: every figure is unverified. */
    CHECK_EQ_STR(run("$12 and 5%", NULL), "2 0 $12|5%");
    CHECK_EQ_STR(run("$12 and 5%", "[]"), "2 0 $12|5%");
    /* A money figure does not match a plain number, nor a percentage a money value. */
    CHECK_EQ_STR(run("$3 and 12%", "[{\"count\":3,\"amount_minor\":1200}]"), "2 0 $3|12%");
}

static void test_money_formats(void)
{
    const char *src = "[{\"balance_minor\":123450,\"currency\":\"USD\"}]";

    CHECK_EQ_STR(run("$1,234.50", src), "1 1 ");
    CHECK_EQ_STR(run("$1234.5", src), "1 1 ");
    CHECK_EQ_STR(run("1234.5 USD", src), "1 1 ");
    CHECK_EQ_STR(run("USD 1,234.50", src), "1 1 ");
    CHECK_EQ_STR(run("USD1,234.50", src), "1 1 ");
    CHECK_EQ_STR(run("$ 1,234.50", src), "1 1 ");
    CHECK_EQ_STR(run("-$1,234.50 and $-1,234.50 and \xe2\x88\x92$1,234.50", src), "3 3 ");
    CHECK_EQ_STR(run("(-1,234.50 USD)", src), "1 1 ");
    /* Decimal comma only where no thousands grouping fits. */
    CHECK_EQ_STR(run("1.234,50 \xe2\x82\xac", src), "1 1 ");
    CHECK_EQ_STR(run("\xe2\x82\xac"
                     "1.234,50",
                     src),
                 "1 1 ");
    CHECK_EQ_STR(run("1234,50 \xe2\x82\xac", src), "1 1 ");
    CHECK_EQ_STR(run("1234,5\xc2\xa0\xe2\x82\xac", src), "1 1 ");
    CHECK_EQ_STR(run("$1,234", src), "1 0 $1,234"); /* thousands: 1234, not 1234.50 */
    CHECK_EQ_STR(run("$1.234", src), "1 0 $1.234"); /* a lone '.' is a decimal point */
    CHECK_EQ_STR(run("$1,2345 and $12,34,567 and 1.234,5,6 USD", src), "0 0 ");
    /* Other symbols and codes. */
    CHECK_EQ_STR(run("\xc2\xa3"
                     "3",
                     "[{\"x_minor\":300,\"currency\":\"GBP\"}]"),
                 "1 1 ");
    CHECK_EQ_STR(run("CA$5 or 5 CAD", "[{\"x_minor\":500,\"currency\":\"CAD\"}]"), "2 2 ");
    CHECK_EQ_STR(run("\xe2\x82\xb9"
                     "99.90",
                     "[{\"x_minor\":9990,\"currency\":\"INR\"}]"),
                 "1 1 ");
    /* Sentence punctuation is not part of the number. */
    CHECK_EQ_STR(run("It was $1,234.50. Then $1,234.50, and ($1,234.50)!", src), "3 3 ");
    /* A range: both ends are figures. */
    CHECK_EQ_STR(run("$1,234.50-$12", src), "2 1 $12");
}

static void test_percent_formats(void)
{
    const char *src = "[{\"share_pct\":12.3, \"savings_rate_pct\":-4.5}]";

    CHECK_EQ_STR(run("12.3%", src), "1 1 ");
    CHECK_EQ_STR(run("12 %", src), "1 1 ");
    CHECK_EQ_STR(run("12\xe2\x80\xaf%", src), "1 1 ");
    CHECK_EQ_STR(run("12.30%", src), "1 1 ");
    CHECK_EQ_STR(run("-4.5% and 4.5% and +4.5%", src), "3 3 ");
    CHECK_EQ_STR(run("12,3%", src), "1 1 ");
    CHECK_EQ_STR(run("12.4%", src), "1 0 12.4%");
}

static void test_not_figures(void)
{
    const char *src = "[{\"amount_minor\":1200,\"pct\":50}]";

    CHECK_EQ_STR(run("abc$12 x12% $12k $12M 12%ile $12_ USD12x", src), "0 0 ");
    CHECK_EQ_STR(run("See https://bank.example/pay?amt=$12&off=50% or www.x.com/12%", src), "0 0 ");
    CHECK_EQ_STR(run("[link](https://x.com/$12) then $12", src), "1 1 ");
    CHECK_EQ_STR(run("1e308% 1E5 USD on 2026-10-01, v1.2.3 12.5.50%", src), "0 0 ");
    CHECK_EQ_STR(run("$$$ $ % USD - -$ .5%", src), "0 0 ");
}

static void test_rounding(void)
{
    CHECK_EQ_STR(run("12%", "[{\"pct\":12.4}]"), "1 1 ");
    CHECK_EQ_STR(run("12%", "[{\"pct\":12.6}]"), "1 0 12%");
    CHECK_EQ_STR(run("13%", "[{\"pct\":12.6}]"), "1 1 ");
    /* Half away from zero, on the magnitude. */
    CHECK_EQ_STR(run("13% 12%", "[{\"pct\":12.5}]"), "2 1 12%");
    CHECK_EQ_STR(run("13% 12%", "[{\"pct\":-12.5}]"), "2 1 12%");
    /* Exact: 0.285 and 1.005 are below themselves in binary floating point. */
    CHECK_EQ_STR(run("0.29% 0.28%", "[{\"pct\":0.285}]"), "2 1 0.28%");
    CHECK_EQ_STR(run("1.01 KWD, 1.00 KWD", "[{\"b_minor\":1005,\"currency\":\"KWD\"}]"),
                 "2 1 1.00 KWD");
    CHECK_EQ_STR(run("$1,235 $1,234 $1,234.5 $1,230", "[{\"a_minor\":123450}]"),
                 "4 2 $1,234|$1,230");
    /* More decimals than the value has: only zeros match. */
    CHECK_EQ_STR(run("$12.001 $12.000", "[{\"a_minor\":1200}]"), "2 1 $12.001");
    CHECK_EQ_STR(run("$0 and $0.00 and 0%", "[{\"a_minor\":0, \"p\":0.4}]"), "3 3 ");
}

static void test_minor_units(void)
{
    /* JPY has no minor units: 1200 is ¥1,200, not ¥12. */
    CHECK_EQ_STR(run("\xc2\xa5"
                     "1200 \xc2\xa5"
                     "1,200 \xc2\xa5"
                     "12",
                     "[{\"amount_minor\":1200,\"currency\":\"JPY\"}]"),
                 "3 2 \xc2\xa5"
                 "12");
    /* KWD has three. */
    CHECK_EQ_STR(
        run("1.500 KWD, KWD 1.5, 15.00 KWD", "[{\"balance_minor\":1500,\"currency\":\"KWD\"}]"),
        "3 2 15.00 KWD");
    /* The currency of an enclosing object counts; an unknown one leaves it. */
    CHECK_EQ_STR(run("\xc2\xa5"
                     "325,000",
                     "[{\"currency\":\"JPY\",\"this_month\":{\"income_minor\":325000}}]"),
                 "1 1 ");
    CHECK_EQ_STR(run("$3,250 vs 325000 XYZ",
                     "[{\"currency\":\"XYZ\",\"this_month\":{\"income_minor\":325000}}]"),
                 "1 1 ");
    /* No currency at all: two decimals. */
    CHECK_EQ_STR(run("$3,250", "[{\"income_minor\":325000}]"), "1 1 ");
}

static void test_plain_and_rates(void)
{
    CHECK_EQ_STR(run("23%", "[{\"rate\":0.23}]"), "1 1 ");
    CHECK_EQ_STR(run("23%", "[{\"interest_rate\":0.23}]"), "1 1 ");
    CHECK_EQ_STR(run("23%", "[{\"savings_rate_pct\":0.23}]"), "1 0 23%");
    CHECK_EQ_STR(run("23%", "[{\"share\":0.23}]"), "1 0 23%");
    CHECK_EQ_STR(run("88%", "[{\"health_score\":{\"score\":88}}]"), "1 1 ");
    CHECK_EQ_STR(run("7%", "[[1, 7, 9]]"), "1 1 ");
    /* Figures written in source strings. */
    CHECK_EQ_STR(run("average $62.29, 4.7% of income",
                     "[{\"reasons\":[\"Average of $62.29 at Best Buy; 4.7% of annual income.\"]}]"),
                 "2 2 ");
}

static const char *cashflow = "[{\"items\":["
                              "{\"month\":\"2026-10\",\"income_minor\":500000,"
                              "\"expenses_minor\":300000,\"net_minor\":200000},"
                              "{\"month\":\"2026-11\",\"income_minor\":520000,"
                              "\"expenses_minor\":330000,\"net_minor\":190000}]}]";

static void test_derived(void)
{
    /* Month over month: difference and change either way. */
    CHECK_EQ_STR(run("Spending rose $300 (10%), or 9.1% of this month's.", cashflow), "3 3 ");
    /* Siblings: income - expenses and expenses as a share of income. */
    CHECK_EQ_STR(run("You kept $1,900, spending 63.5% of income.", cashflow), "2 2 ");
    /* Sums are not derived, nor differences across keys of different objects. */
    CHECK_EQ_STR(run("In all $10,200 of income.", cashflow), "1 0 $10,200");
    CHECK_EQ_STR(run("$2,200", cashflow), "1 0 $2,200"); /* 5200 - 3000 */
    /* Differences are of magnitudes: an expense of -1200 vs an income of 5000. */
    CHECK_EQ_STR(run("$38", "[{\"items\":[{\"amount_minor\":-1200},{\"amount_minor\":5000}]}]"),
                 "1 1 ");
    /* Different sources do not pair. */
    CHECK_EQ_STR(run("$38", "[{\"amount_minor\":1200},{\"amount_minor\":5000}]"), "1 0 $38");
    /* A ratio is the part of the whole only: income is not 157.6% of expenses. */
    CHECK_EQ_STR(run("157.6%", cashflow), "1 0 157.6%");
    /* A series crossing zero: the change is the sum of the magnitudes; not for siblings. */
    CHECK_EQ_STR(run("It grew by $44,304.52.",
                     "[{\"items\":[{\"month\":\"2026-01\",\"net_worth_minor\":-1234},"
                     "{\"month\":\"2026-12\",\"net_worth_minor\":4429218}]}]"),
                 "1 1 ");
    CHECK_EQ_STR(run("$62", "[{\"income_minor\":5000,\"net_minor\":-1200}]"), "1 0 $62");
    /* The average per item of a total with its count beside it, and only then. */
    CHECK_EQ_STR(run("An average purchase of $107.07.",
                     "[{\"summary\":{\"count\":3,\"expenses_minor\":-32120}}]"),
                 "1 1 ");
    CHECK_EQ_STR(run("$107.07", "[{\"summary\":{\"expenses_minor\":-32120}}]"), "1 0 $107.07");
}

static void test_derived_bounds(void)
{
    const char *cats = "[{\"this\":[{\"category\":\"shopping\",\"amount_minor\":322791},"
                       "{\"category\":\"housing\",\"amount_minor\":185000}],"
                       "\"last\":[{\"category\":\"shopping\",\"amount_minor\":16333}]}]";

    /* Differences of one key reach across the source: two categories, or one category in two
     * months' lists. */
    CHECK_EQ_STR(run("$1,377.91 more than housing, up $3,064.58 on last month", cats), "2 2 ");
    /* Percentage changes only between periods of one series (objects with a "month"): two
     * categories are not a change, nor are two lists. */
    CHECK_EQ_STR(run("74.5% 42.7% 1876.3%", cats), "3 0 74.5%|42.7%|1876.3%");
    CHECK_EQ_STR(run("4.4%", "[{\"a\":{\"month\":\"2026-11\",\"net_minor\":3000},"
                             "\"b\":{\"month\":\"2026-12\",\"net_minor\":3132}}]"),
                 "1 1 ");
    CHECK_EQ_STR(run("4.4%", "[{\"a\":[{\"month\":\"2026-11\",\"net_minor\":3000}],"
                             "\"b\":[{\"month\":\"2026-12\",\"net_minor\":3132}]}]"),
                 "1 0 4.4%");
    /* A group contributes its first CHECKS_GROUP_MAX values only: $5,000.00, then 38 amounts
     * of a few cents, then $20,000.00 (the 40th, past the cap). */
    {
        json_t *items = json_array(), *src, *r;

        json_array_append_new(items, json_pack("{s:I}", "amount_minor", (json_int_t)500000));
        for (int i = 1; i < 39; i++)
            json_array_append_new(items, json_pack("{s:i}", "amount_minor", i));
        json_array_append_new(items, json_pack("{s:I}", "amount_minor", (json_int_t)2000000));
        src = json_pack("[{s:o}]", "items", items);
        r = checks_run("$4,999.99 $20,000 and $15,000.00", src);
        CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 3);
        CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), 2);
        CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(r, "unverified"), 0)),
                     "$15,000.00");
        json_decref(r);
        json_decref(src);
    }
}

static void test_question_as_source(void)
{
    /* The engine may pass the user's question as a string source. */
    CHECK_EQ_STR(run("Paying $2,000.00 would leave $26,665.27.",
                     "[\"Can I afford a $2,000 vacation?\", {\"cash_minor\":2866527}]"),
                 "2 1 $26,665.27");
}

static void test_golden_context(void)
{
    json_t *ctx = golden_json("mongo/contexts/valid-demo.json");
    json_t *src = json_pack("[o]", ctx);
    const char *answer =
        "Your net worth is $44,304.52. This month you spent $5,343.61 against $3,250.00 of "
        "income, a savings rate of -64.4%. Shopping took 60.4% of spending ($3,227.91), and "
        "spending rose $2,019.94 (60.8%) from last month's $3,323.67. Your Best Buy charge of "
        "$1,899.99 is about 30x your average of $62.29. Dining used 89.6% of its $77 budget, "
        "with $8.00 left. Health score: 88. Netflix costs $15.49 a month, $185.88 a year. "
        "You could save $9,999.99 or 77.7% more.";
    json_t *r;

    CHECK(ctx != NULL);
    r = checks_run(answer, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 18);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), 16);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "unverified")), 2);
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(r, "unverified"), 0)),
                 "$9,999.99");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(r, "unverified"), 1)), "77.7%");
    json_decref(r);
    json_decref(src);
}

static void test_analyst_answers(void)
{
    /* The offline analyst's answers on the demo context verify in full (SPEC 14), for the
     * intents that state only values of the document, differences and shares. Sums, averages
     * and projections (net worth's assets total, forecasts, what-ifs) are not derived yet. */
    static const char *const questions[] = {
        "How much did I spend this month?",
        "How much did I spend last month?",
        "How much on dining?",
        "How are my budgets?",
        "Any fraud alerts?",
        "How am I doing?",
        "What's my health score?",
        "How much did I spend on shopping this month vs last month?",
        "What is my cash flow?",
        "What's my biggest category?",
    };
    json_t *ctx = golden_json("mongo/contexts/valid-demo.json");
    json_t *src = json_pack("[O]", ctx);

    for (size_t i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
        char *answer = analyst_answer_on(questions[i], ctx, 20793); /* 2026-12-06 */
        json_t *r = checks_run(answer, src);
        json_int_t figures = json_integer_value(json_object_get(r, "figures"));

        CHECK(figures > 0);
        CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), figures);
        if (json_array_size(json_object_get(r, "unverified")))
            fprintf(stderr, "%s\n%s\n", questions[i], answer);
        json_decref(r);
        free(answer);
    }
    json_decref(src);
    json_decref(ctx);
}

static void test_categories_result(void)
{
    /* GET /analytics/categories?from&to as a tool result, next to a context document. */
    const char *src =
        "[{\"total_minor\":534361,\"items\":["
        "{\"category\":\"shopping\",\"amount_minor\":322791,\"count\":3,\"share_pct\":60.4},"
        "{\"category\":\"housing\",\"amount_minor\":185000,\"count\":1,\"share_pct\":34.6},"
        "{\"category\":\"utilities\",\"amount_minor\":8785,\"count\":1,\"share_pct\":1.6}]},"
        "{\"currency\":\"USD\",\"net_worth_minor\":4430452}]";

    CHECK_EQ_STR(run("Shopping: $3,227.91 (60.4%) over 3 purchases; housing $1,850 (35%); "
                     "utilities $87.85 (1.6%). Total: $5,343.61. Shopping was $1,377.91 more "
                     "than housing. Net worth $44,304.52.",
                     src),
                 "9 9 ");
    CHECK_EQ_STR(run("Housing was $1,850.01 and 34.7%.", src), "2 0 $1,850.01|34.7%");
}

static void test_listing(void)
{
    char answer[4000], *p = answer;
    const char *r;

    /* 150 figures, none matched: all counted, 100 listed. */
    for (int i = 0; i < 150; i++)
        p += snprintf(p, sizeof(answer) - (size_t)(p - answer), "$%d ", 1000 + i);
    r = run(answer, USD_12);
    CHECK(strncmp(r, "150 0 $1000|$1001|", 18) == 0);
    CHECK(strstr(r, "|$1099") != NULL);
    CHECK(strstr(r, "$1100") == NULL);

    /* A long figure is counted, never verified, and listed cut to 64 bytes. */
    r = run("$1234567890123456789012345678901234567890123456789012345678901234567890", USD_12);
    CHECK_EQ_STR(r, "1 0 $123456789012345678901234567890123456789012345678901234567890123");
    /* 19 significant digits cannot be matched, even when the source has them. */
    CHECK_EQ_STR(run("$1,234,567,890,123,456,789", "[{\"a\":1234567890123456789}]"),
                 "1 0 $1,234,567,890,123,456,789");
    CHECK_EQ_STR(run("$92,233,720,368,547,758.07", "[{\"a_minor\":-9223372036854775807}]"),
                 "1 0 $92,233,720,368,547,758.07");
    CHECK_EQ_STR(run("$92,233,720,368,547,758", "[{\"a_minor\":-9223372036854775807}]"), "1 1 ");
}

static void test_hostile(void)
{
    size_t big = 1 << 20;
    char *s = malloc(big + 1);
    json_t *ctx = golden_json("mongo/contexts/valid-demo.json");
    json_t *src = json_pack("[o]", ctx), *r, *huge;
    double t0 = now_s();

    /* 10,000 dollar signs, then a megabyte of them. */
    memset(s, '$', 10000);
    s[10000] = '\0';
    r = checks_run(s, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 0);
    json_decref(r);
    memset(s, '$', big);
    s[big] = '\0';
    r = checks_run(s, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 0);
    json_decref(r);

    /* A megabyte of figures: all counted, at most 100 listed. */
    for (size_t i = 0; i + 8 <= big; i += 8)
        memcpy(s + i, "$1,234k ", 8);
    r = checks_run(s, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 0);
    json_decref(r);
    for (size_t i = 0; i + 16 <= big; i += 16)
        memcpy(s + i, "$62.29 12.3457% ", 16);
    r = checks_run(s, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), (json_int_t)(big / 8));
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), (json_int_t)(big / 16));
    CHECK_EQ_INT(json_array_size(json_object_get(r, "unverified")), CHECKS_MAX_LISTED);
    json_decref(r);

    /* A megabyte of digits with a dollar sign in front. */
    s[0] = '$';
    memset(s + 1, '9', big - 1);
    r = checks_run(s, src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), 0);
    json_decref(r);
    CHECK(now_s() - t0 < 5.0);

    /* Invalid UTF-8 around figures: the listed text is still valid UTF-8 (jansson would
     * refuse it otherwise). */
    CHECK_EQ_STR(run("\xff$13\xc3 and \xe2\x82$14 \xe2\x82\xac\xff"
                     "15",
                     USD_12),
                 "2 0 $13|$14");
    CHECK_EQ_STR(run("$$$12 1e308% 1.7976931348623157e308% $1e308", USD_12), "1 1 ");
    CHECK_EQ_STR(run("99999999999999999999999999999999999999%", "[{\"p\":1e300}]"),
                 "1 0 99999999999999999999999999999999999999%");

    /* A huge source: 100,000 transactions cost bounded time. */
    t0 = now_s();
    huge = json_array();
    for (int i = 0; i < 100000; i++)
        json_array_append_new(huge,
                              json_pack("{s:I, s:s, s:s}", "amount_minor", (json_int_t)(-1000 - i),
                                        "currency", "USD", "note", "paid $1,234.56, 3.5% fee"));
    json_decref(src);
    src = json_pack("[{s:o}, {s:I}]", "items", huge, "net_worth_minor", (json_int_t)4430452);
    r = checks_run("$10.00 and $10.01 and $44,304.52 and $1,234.56 and 3.5%", src);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "figures")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "verified")), 5);
    json_decref(r);
    CHECK(now_s() - t0 < 5.0);

    /* Sources that are not an array, or odd values. */
    CHECK_EQ_STR(run("$12", "{\"amount_minor\":1200}"), "1 1 ");
    CHECK_EQ_STR(run("$12", "[null, true, \"\", {\"amount_minor\":\"1200\"}, [[[]]]]"), "1 0 $12");
    json_decref(src);
    free(s);
}

TEST_MAIN(test_true_false_none, test_money_formats, test_percent_formats, test_not_figures,
          test_rounding, test_minor_units, test_plain_and_rates, test_derived, test_derived_bounds,
          test_question_as_source, test_golden_context, test_analyst_answers,
          test_categories_result, test_listing, test_hostile)
