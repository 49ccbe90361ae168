/* test_analyst.c - the offline analyst: money formatting, intents, and every intent's answer
 * against a fixed context document (data/analyst_context.json). */
#include "test.h"

#include "clock.h"
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"

#include <stdint.h>
#include <stdlib.h>

static json_t *ctx;

/* Loads data/@name beside this file; NULL (and a failed check) when it cannot. */
static json_t *load_data(const char *name)
{
    char path[512];
    const char *slash = strrchr(__FILE__, '/');
    json_t *j;

    snprintf(path, sizeof(path), "%.*s/data/%s", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".", name);
    j = json_load_file(path, 0, NULL);
    if (!j)
        fprintf(stderr, "cannot load %s\n", path);
    CHECK(j != NULL);
    return j;
}

static void load_context(void)
{
    ctx = load_data("analyst_context.json");
}

/* The analyst writes money as common/money.c does (tests/unit/common/test_money.c checks every
 * case): each currency with its own decimals, an unknown one in minor units, never 2 by guess. */
static void test_money(void)
{
    struct strbuf b = STRBUF_INIT;

    fmt_add_money(&b, 123456, "USD");
    strbuf_addstr(&b, " | ");
    fmt_add_money(&b, -123456, "VND");
    strbuf_addstr(&b, " | ");
    fmt_add_money(&b, 1500, "KWD");
    strbuf_addstr(&b, " | ");
    fmt_add_money(&b, 1000, "SEK");
    strbuf_addstr(&b, " | ");
    fmt_add_money(&b, 5, NULL);
    CHECK_EQ_STR(b.buf, "$1,234.56 | -\xE2\x82\xAB"
                        "123,456 | 1.500 KWD | 10.00 SEK | 5 minor units of an unknown currency");
    strbuf_release(&b);
}

static void test_pct_and_month(void)
{
    struct strbuf a = STRBUF_INIT;

    fmt_add_pct(&a, 1, 3);
    strbuf_addstr(&a, " ");
    fmt_add_pct(&a, 2, 3);
    strbuf_addstr(&a, " ");
    fmt_add_pct(&a, -1, 4);
    strbuf_addstr(&a, " ");
    fmt_add_pct(&a, 0, 5);
    strbuf_addstr(&a, " ");
    fmt_add_pct(&a, 7, 0);
    strbuf_addstr(&a, " ");
    fmt_add_pct(&a, INT64_MAX, INT64_MAX);
    strbuf_addstr(&a, " ");
    fmt_add_month(&a, "2025-06");
    strbuf_addstr(&a, " ");
    fmt_add_month(&a, "2025-13");
    CHECK_EQ_STR(a.buf, "33.3% 66.7% -25.0% 0.0% n/a 100.0% June 2025 2025-13");
    strbuf_release(&a);
}

static void test_intents(void)
{
    static const struct {
        const char *q;
        enum analyst_intent want;
    } cases[] = {
        {"How much did I spend this month?", ANALYST_SPENDING},
        {"what are my expenses", ANALYST_SPENDING},
        {"Where does my money go?", ANALYST_CATEGORIES},
        {"What are my top spending categories?", ANALYST_CATEGORIES},
        {"How much on dining?", ANALYST_CATEGORY},
        {"am I spending too much on groceries", ANALYST_CATEGORY},
        {"how much do I spend at restaurants", ANALYST_CATEGORY},
        {"What's my biggest risk?", ANALYST_RISK},
        {"Anything I should worry about?", ANALYST_RISK},
        {"What's my savings rate?", ANALYST_SAVINGS},
        {"How much am I saving?", ANALYST_SAVINGS},
        {"Which subscriptions do I pay for?", ANALYST_SUBSCRIPTIONS},
        {"Any fraud alerts?", ANALYST_FRAUD},
        {"I see a suspicious charge", ANALYST_FRAUD},
        {"How are my budgets doing?", ANALYST_BUDGETS},
        {"What's my forecast for next year?", ANALYST_FORECAST},
        {"What if I cut dining by 20%?", ANALYST_WHAT_IF},
        {"what if I save $500 more a month", ANALYST_WHAT_IF},
        {"reduce groceries by 15%", ANALYST_WHAT_IF},
        {"What's my net worth?", ANALYST_NET_WORTH},
        {"how much money do I have", ANALYST_NET_WORTH},
        {"What is my income?", ANALYST_INCOME},
        {"how much did I earn", ANALYST_INCOME},
        {"What were my largest expenses?", ANALYST_LARGEST},
        {"biggest purchases", ANALYST_LARGEST},
        {"How are my goals going?", ANALYST_GOALS},
        {"Am I on track for my emergency fund?", ANALYST_GOALS},
        {"What's my financial health score?", ANALYST_HEALTH},
        {"Show my recent transactions", ANALYST_RECENT},
        {"cash flow over the last six months", ANALYST_CASHFLOW},
        {"How am I doing?", ANALYST_SUMMARY},
        {"Hello!", ANALYST_GREETING},
        {"hi", ANALYST_GREETING},
        {"What can you do?", ANALYST_GREETING},
        {"", ANALYST_GREETING},
        {"What's in my portfolio?", ANALYST_INVESTMENTS},
        {"Can I afford a 2000 dollar vacation in March?", ANALYST_AFFORD},
        {"can i afford it", ANALYST_AFFORD},
        {"How much did I spend on coffee last week?", ANALYST_CATEGORY},
        {"what did I spend yesterday", ANALYST_SPENDING},
        {"How much did I spend in September?", ANALYST_SPENDING},
        {"Who won the world cup?", ANALYST_UNKNOWN},
        {"Write me a poem about the sea", ANALYST_UNKNOWN},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum analyst_intent got = analyst_intent(cases[i].q, ctx);

        if (got != cases[i].want)
            fprintf(stderr, "intent of \"%s\": %s, want %s\n", cases[i].q, analyst_intent_name(got),
                    analyst_intent_name(cases[i].want));
        CHECK_EQ_INT(got, cases[i].want);
    }
    CHECK_EQ_STR(analyst_intent_name(ANALYST_WHAT_IF), "what_if");
    CHECK_EQ_STR(analyst_intent_name(ANALYST_AFFORD), "afford");
    CHECK_EQ_STR(analyst_intent_name((enum analyst_intent)999), "unknown");
}

/* Checks that the answer to @q contains each of the NULL-terminated @want strings. */
static void expect_answer(const char *q, const json_t *c, const char *const *want)
{
    char *t = analyst_answer(q, c);

    for (; *want; want++) {
        if (!strstr(t, *want))
            fprintf(stderr, "answer to \"%s\" lacks \"%s\":\n%s\n", q, *want, t);
        CHECK(strstr(t, *want) != NULL);
    }
    free(t);
}

#define EXPECT(q, ...) expect_answer(q, ctx, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_IN(c, q, ...) expect_answer(q, c, (const char *const[]){__VA_ARGS__, NULL})

static void test_answers(void)
{
    EXPECT("How much did I spend this month?", "$5,123.45", "$6,500.00", "$1,376.55 unspent",
           "In May 2025 you spent $4,880.00 in total; this month is already 5.0% above that.",
           "Housing ($2,100.00)");
    EXPECT("Where does my money go?", "$5,123.45** in total", "- Housing: $2,100.00 (41.0%)",
           "- Dining: $642.50 (12.5%)");
    EXPECT("How much on dining?", "**$642.50** on Dining", "12.5% of your spending",
           "budget is $500.00", "over it by **$142.50**");
    EXPECT("am I spending too much on groceries", "$581.20", "$118.80 left", "83.0% used");
    EXPECT("What's my biggest risk?", "biggest risk right now: you have 1 open fraud alert",
           "$980.00 at QuickCash ATM", "Dining is over by $142.50");
    EXPECT("What's my savings rate?", "**$1,376.55**", "**21.2%**", "last 6 months",
           "$1,367.75 a month");
    EXPECT("Which subscriptions do I pay for?", "4 subscriptions", "**$82.47** a month",
           "($989.64 a year)", "- City Gym: $45.00 monthly", "- Cloud Storage: $119.88 yearly");
    EXPECT("Any fraud alerts?", "**1 open fraud alert**", "$980.00 at QuickCash ATM on 2025-06-14",
           "high risk", "between 23:00 and 04:00");
    EXPECT("How are my budgets doing?", "- Dining: $642.50 of $500.00 - **over by $142.50**",
           "- Groceries: $581.20 of $700.00 (83.0% used)", "1 of 3 budgets is exceeded",
           "1 is close to the limit");
    EXPECT("What's my forecast?", "**$15,200.00** over the next 12 months", "$9,800.00",
           "$21,000.00", "from $48,250.75 to roughly $63,450.75");
    EXPECT("What if I cut dining by 20%?", "Cutting Dining ($642.50 this month) by 20%",
           "**$128.50** a month", "**$1,542.00** a year", "from 21.2% to **23.2%**",
           "about 8 months instead of 9");
    EXPECT("what if I save $500 more a month", "extra **$500.00** a month", "**$6,000.00** a year",
           "to **28.9%**", "$21,200.00");
    EXPECT("what if I cut my spending by 10 percent", "$512.35", "$6,148.20");
    EXPECT("what if I cut groceries by $1,000.50", "by $581.20", "**$581.20** a month");
    EXPECT("What if I cancel Netflix?", "Cancelling Netflix", "**$15.49** a month",
           "**$185.88** a year");
    EXPECT("what if", "Tell me what to change");
    EXPECT("What's my net worth?", "**$48,250.75**", "- Brokerage (investment): $26,000.00",
           "- Rewards Visa (credit): -$1,483.35", "$49,734.10 in assets", "$1,483.35 owed");
    EXPECT("What is my income?", "**$6,500.00**", "$6,541.66 a month on average",
           "$6,400.00 in January 2025", "$7,000.00 in May 2025");
    EXPECT("What were my largest expenses?", "**$2,100.00** at Parkview Apartments on 2025-06-01",
           "Together they come to $3,536.20");
    EXPECT("How are my goals going?", "Emergency fund: $18,500.00 of $30,000.00 (61.7%)",
           "target June 2026", "needs $958.34 a month", "about 9 months", "Vacation", "reached!");
    EXPECT("What's my financial health score?", "**72/100**", "- Emergency fund: 14/20",
           "most room to improve is in Spending discipline");
    EXPECT("Show my recent transactions", "2025-06-18 Blue Bottle Coffee: -$6.50 (Dining)");
    EXPECT("cash flow trend", "- March 2025: in $6,550.00, out $6,010.00, net $540.00",
           "best month was May 2025", "weakest March 2025");
    EXPECT("How am I doing?", "Net worth: **$48,250.75**", "savings rate of 21.2%", "72/100",
           "fraud alert");
    EXPECT("hello", "built-in analyst", "what if I cut dining by 20%?", "last week",
           "can I afford a $2,000 vacation?");
    EXPECT("Who won the world cup?", "can't answer that from your data", "net worth");
}

/* The document as the gateway writes it (api-gateway/finance/context.h): this_month, last_month,
 * last_6_months.months, top_categories_this_month, {items} envelopes, a forecast summary. */
static void test_gateway_shape(void)
{
    json_t *g = load_data("analyst_context_gateway.json");

    expect_answer("How much did I spend this month?", g,
                  (const char *const[]){"**$3,100.00**", "$5,200.00",
                                        "In May 2025 you spent $4,000.00 in total; so far this "
                                        "month is 22.5% below that.",
                                        "Rent ($1,800.00)", NULL});
    expect_answer("How much on dining?", g,
                  (const char *const[]){"**$310.00** on Dining", "over it by **$10.00**", NULL});
    expect_answer("What's my savings rate?", g,
                  (const char *const[]){"**40.4%**", "last 6 months", "$1,200.00 a month", NULL});
    expect_answer("subscriptions", g,
                  (const char *const[]){"2 subscriptions", "**$26.98** a month", NULL});
    expect_answer("any fraud alerts?", g,
                  (const char *const[]){"$1,499.00 at Electro World on 2025-06-12", NULL});
    expect_answer("budget status", g,
                  (const char *const[]){"- Dining: $310.00 of $300.00 - **over by $10.00**", NULL});
    expect_answer("forecast", g,
                  (const char *const[]){"**$14,400.00** over the next 12 months",
                                        "between $10,800.00", "$18,000.00", NULL});
    expect_answer("largest expenses", g,
                  (const char *const[]){"**$1,800.00** at Parkside Lettings", NULL});
    expect_answer("cash flow", g, (const char *const[]){"- December 2024: in $5,200.00", NULL});
    expect_answer("what if I cut groceries by 10%", g,
                  (const char *const[]){"**$52.00** a month", NULL});
    expect_answer("hello", g, (const char *const[]){"Hi Dana!", NULL});
    expect_answer("How much did I spend last month?", g,
                  (const char *const[]){"Last month (May 2025) you spent **$4,000.00**",
                                        "a savings rate of 23.1%",
                                        "The biggest categories were Rent ($1,800.00) and "
                                        "Travel ($900.00).",
                                        NULL});
    expect_answer("How are my investments doing?", g,
                  (const char *const[]){"**$3,000.00** across 2 holdings",
                                        "- VTI (Vanguard Total Stock Market ETF), 10 shares: "
                                        "$2,500.00 (83.3%)",
                                        "- AAPL (Apple Inc.), 2.5 shares",
                                        "14.0% of your net worth", NULL});
    json_decref(g);
}

/* Day numbers: parsing (with the UTC date of an offset time), weekdays and the day text. */
static void test_days(void)
{
    struct strbuf a = STRBUF_INIT;
    int64_t d = -1;
    int y, m, dd;

    CHECK(fmt_day_parse("1970-01-01", &d));
    CHECK_EQ_INT(d, 0);
    CHECK_EQ_INT(fmt_weekday(0), 3); /* a Thursday */
    CHECK(fmt_day_parse("2024-02-29T00:00:00Z", &d));
    clock_civil_from_days(d, &y, &m, &dd);
    CHECK(y == 2024 && m == 2 && dd == 29);
    CHECK(!fmt_day_parse("2025-02-29", &d));
    CHECK(!fmt_day_parse("2025-13-01", &d));
    CHECK(!fmt_day_parse("June 18", &d));
    CHECK(!fmt_day_parse(NULL, &d));
    CHECK(fmt_day_parse("2025-06-18T23:30:00-05:00", &d)); /* 04:30 UTC the next day */
    fmt_add_day(&a, d, true);
    strbuf_addstr(&a, " / ");
    CHECK(fmt_day_parse("2025-06-18T01:00:00.250+02:00", &d)); /* 23:00 UTC the day before */
    fmt_add_day(&a, d, false);
    strbuf_addstr(&a, " / ");
    CHECK(fmt_day_parse("1969-12-31", &d));
    fmt_add_day(&a, d, true);
    CHECK_EQ_STR(a.buf, "Thu 19 Jun 2025 / Tue 17 Jun / Wed 31 Dec 1969");
    strbuf_release(&a);
}

/* Spending over days, weeks, named months and years on the gateway's document: as of Wed 18
 * Jun 2025, 15 recent transactions from 4 Jun (one a transfer, one income), months December
 * 2024 to May 2025 with June as this month. */
static void test_periods(void)
{
    json_t *g = load_data("analyst_context_gateway.json");

    EXPECT_IN(g, "How much did I spend on coffee last week?",
              "From Mon 9 Jun to Sun 15 Jun (last week) you spent **$61.00** on Dining across 3 "
              "transactions:\n- Sat 14 Jun: Bella Pasta, $48.00\n- Wed 11 Jun: Corner Cafe, "
              "$6.50\n- Mon 9 Jun: Corner Cafe, $6.50");
    /* 48.00 + 1,499.00 + 6.50 + 89.30 + 6.50; the $520.00 card payment is a transfer. */
    EXPECT_IN(g, "How much did I spend last week?", "(last week) you spent **$1,649.30** across 5",
              "- Thu 12 Jun: Electro World, $1,499.00 (Shopping)");
    EXPECT_IN(g, "how much did I spend yesterday?",
              "On Tue 17 Jun (yesterday) you spent **$14.50** across 1 transaction:\n- Tue 17 "
              "Jun: Corner Cafe, $14.50 (Dining)");
    EXPECT_IN(g, "How much did I spend this week?",
              "From Mon 16 Jun to Wed 18 Jun (this week) you spent **$81.45** across 3 "
              "transactions:");
    EXPECT_IN(g, "spending in the past 7 days",
              "From Thu 12 Jun to Wed 18 Jun (the past 7 days) you spent **$1,628.45** across 5 "
              "transactions:");
    EXPECT_IN(g, "what did I spend over the last 7 days",
              "(the past 7 days) you spent **$1,628.45**");
    EXPECT_IN(g, "What did I spend today?", "On Wed 18 Jun (today) you spent nothing.");
    {
        /* Asked two days after the document was built (Fri 20 Jun 2025 = day 20259): no write
         * came since (every write rebuilds it), so the days up to today are known. */
        char *t = analyst_answer_on("How much did I spend this week?", g, 20259);

        CHECK(strstr(t, "From Mon 16 Jun to Fri 20 Jun (this week) you spent **$81.45**") != NULL);
        free(t);
        t = analyst_answer_on("What did I spend today?", g, 20259);
        CHECK(strstr(t, "On Fri 20 Jun (today) you spent nothing.") != NULL);
        free(t);
        /* A clock behind the document does not move it back. */
        t = analyst_answer_on("What did I spend today?", g, 20000);
        CHECK(strstr(t, "On Wed 18 Jun (today)") != NULL);
        free(t);
    }
    EXPECT_IN(g, "how much did I spend on groceries yesterday",
              "On Tue 17 Jun (yesterday) you spent nothing on Groceries.");

    EXPECT_IN(g, "How much did I spend in March?",
              "In March 2025 you spent **$4,100.00** against income of $5,200.00, a savings rate "
              "of 21.2%.");
    EXPECT_IN(g, "How much did I spend in September?",
              "I don't have September 2024 in your data: I have monthly figures for December 2024 "
              "to June 2025.");
    EXPECT_IN(g, "what did I spend in october 2026", "I don't have October 2026 in your data");
    EXPECT_IN(g, "how much did I spend on dining in march", "In March 2025 you spent **$4,100.00**",
              "I keep per-category figures only for this month and last month, so I can't say "
              "how much of that went to Dining.");
    EXPECT_IN(g, "How much did I spend on travel in May?",
              "In May 2025 you spent **$4,000.00** against income of $5,200.00, a savings rate of "
              "23.1%. Of that, **$900.00** went to Travel.");
    EXPECT_IN(g, "how much did I spend on dining in June",
              "In June 2025 (so far) you spent **$3,100.00**",
              "Of that, **$310.00** went to Dining.");

    /* 3,800 + 3,900 + 4,100 + 4,000 + 4,000 + June's 3,100; income 6 x 5,200. */
    EXPECT_IN(g, "How much did I spend this year?",
              "Your monthly figures cover December 2024 to June 2025. Over the 6 months of 2025 "
              "among them (January 2025 to June 2025, the last one so far) you spent "
              "**$22,900.00** against income of $31,200.00, a savings rate of 26.6%.");
    EXPECT_IN(g, "how much did I spend on groceries last year",
              "In the one month of 2024 among them (December 2024) you spent **$4,200.00**",
              "can't say how much of that went to Groceries.");

    /* This month and last month answer as before. */
    EXPECT_IN(g, "How much did I spend last month?",
              "Last month (May 2025) you spent **$4,000.00**");
    EXPECT_IN(g, "How much did I spend this month?", "**$3,100.00**");
    json_decref(g);
}

/* Windows the bounded recent list does not reach, or reaches only in part; no as-of date. */
static void test_period_coverage(void)
{
    /* As of Mon 1 Dec 2025 UTC (23:30 on 30 Nov at -05:00). */
    json_t *part =
        json_pack("{s:s,s:[{s:s,s:s,s:i,s:s},{s:s,s:s,s:i,s:s},{s:s,s:s,s:i,s:s}]}", "updated_at",
                  "2025-11-30T23:30:00-05:00", "recent_transactions", "posted_at",
                  "2025-11-30T09:00:00Z", "merchant", "Cafe", "amount_minor", -450, "category",
                  "Dining", "posted_at", "2025-11-28T09:00:00Z", "merchant", "Shop", "amount_minor",
                  -12000, "category", "Shopping", "posted_at", "2025-11-26T09:00:00Z", "merchant",
                  "Cafe", "amount_minor", -500, "category", "Dining");
    /* As of Fri 2 Jan 2026, with transactions from 29 Dec on. */
    json_t *late = json_pack("{s:s,s:[{s:s,s:s,s:i}]}", "updated_at", "2026-01-02T08:00:00Z",
                             "recent_transactions", "date", "2025-12-29", "merchant", "Bakery",
                             "amount_minor", -820);
    json_t *bare = json_pack("{s:s}", "updated_at", "2025-06-18T10:00:00Z");

    CHECK(part && late && bare);
    EXPECT_IN(part, "How much did I spend last week?",
              "Your recent transactions I have go back only to Wed 26 Nov, so this is at least "
              "what you spent from Mon 24 Nov to Sun 30 Nov (last week): **$129.50** across 3 "
              "transactions:");
    /* Dining is not among the user's categories here: the transactions' category is used. */
    EXPECT_IN(part, "what did I spend on coffee yesterday",
              "On Sun 30 Nov (yesterday) you spent **$4.50** on Dining across 1 transaction:");
    EXPECT_IN(part, "what did I spend on coffee today",
              "On Mon 1 Dec (today) you spent nothing on Dining.");
    EXPECT_IN(late, "How much did I spend last week?",
              "I don't have your transactions from Mon 22 Dec to Sun 28 Dec (last week): your "
              "recent transactions I have go back only to Mon 29 Dec.");
    EXPECT_IN(late, "How much did I spend this week?",
              "go back only to Mon 29 Dec, so this is at least what you spent from Mon 29 Dec "
              "2025 to Fri 2 Jan 2026 (this week): **$8.20** across 1 transaction:");
    EXPECT_IN(bare, "How much did I spend last week?", "I don't have your recent transactions");
    EXPECT_IN(bare, "How much did I spend in March?", "I don't have your monthly income");
    EXPECT("How much did I spend last week?", "your data doesn't say when it was last updated");
    EXPECT("How much did I spend in May?", "In May 2025 you spent **$4,880.00**");
    json_decref(part);
    json_decref(late);
    json_decref(bare);
}

/* Spans counted back from now, years by number, and what stays a calendar period. */
static void test_match_spans(void)
{
    static const struct {
        const char *q;
        enum analyst_period_kind kind;
        int count, year;
    } cases[] = {
        {"how much did i spend in the last 30 days", ANALYST_PERIOD_DAYS, 30, 0},
        {"spending over the past thirty days?", ANALYST_PERIOD_DAYS, 30, 0},
        {"what did i spend in the past month", ANALYST_PERIOD_DAYS, 30, 0},
        {"the last 1 month", ANALYST_PERIOD_DAYS, 30, 0},
        {"past two weeks", ANALYST_PERIOD_DAYS, 14, 0},
        {"over the last fortnight", ANALYST_PERIOD_NONE, 0, 0},
        {"past fortnight", ANALYST_PERIOD_DAYS, 14, 0},
        {"the last few days", ANALYST_PERIOD_DAYS, 3, 0},
        {"last 7 days", ANALYST_PERIOD_PAST_WEEK, 0, 0},
        {"past week", ANALYST_PERIOD_PAST_WEEK, 0, 0},
        {"last 1 week", ANALYST_PERIOD_PAST_WEEK, 0, 0},
        {"in the past day", ANALYST_PERIOD_TODAY, 0, 0},
        {"last 3 months", ANALYST_PERIOD_MONTHS, 3, 0},
        {"over the previous six months", ANALYST_PERIOD_MONTHS, 6, 0},
        {"the last couple of months", ANALYST_PERIOD_MONTHS, 2, 0},
        {"the past year", ANALYST_PERIOD_MONTHS, 12, 0},
        {"last 2 years", ANALYST_PERIOD_MONTHS, 24, 0},
        {"last 400 days", ANALYST_PERIOD_NONE, 0, 0},
        {"last 3 years", ANALYST_PERIOD_NONE, 0, 0},
        {"last 1000 days", ANALYST_PERIOD_NONE, 0, 0},
        {"last week", ANALYST_PERIOD_LAST_WEEK, 0, 0},
        {"last month", ANALYST_PERIOD_NONE, 0, 0},
        {"previous month", ANALYST_PERIOD_NONE, 0, 0},
        {"last year", ANALYST_PERIOD_LAST_YEAR, 0, 0},
        {"how much did i spend in 2024?", ANALYST_PERIOD_YEAR, 0, 2024},
        {"spending for 2025", ANALYST_PERIOD_YEAR, 0, 2025},
        {"in may 2025", ANALYST_PERIOD_MONTH, 0, 2025},
        {"can i afford $2025 in savings", ANALYST_PERIOD_NONE, 0, 0},
        {"i have 2024 dollars", ANALYST_PERIOD_NONE, 0, 0},
        {"in 20245", ANALYST_PERIOD_NONE, 0, 0},
        {"the last days of the month", ANALYST_PERIOD_NONE, 0, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct analyst_period p;
        bool found = analyst_match_period(cases[i].q, &p);

        if (p.kind != cases[i].kind || (cases[i].count && p.count != cases[i].count) ||
            (cases[i].year && p.year != cases[i].year) ||
            found != (cases[i].kind != ANALYST_PERIOD_NONE))
            fprintf(stderr, "  \"%s\": kind %d count %d year %d\n", cases[i].q, (int)p.kind,
                    p.count, p.year);
        CHECK_EQ_INT(p.kind, cases[i].kind);
        if (cases[i].count)
            CHECK_EQ_INT(p.count, cases[i].count);
        if (cases[i].year)
            CHECK_EQ_INT(p.year, cases[i].year);
    }
}

/* Spans and years on the gateway's document (as of Wed 18 Jun 2025; whole months December
 * 2024 to May 2025: 4,200 3,800 3,900 4,100 4,000 4,000, income 5,200 each; June 3,100). */
static void test_spans(void)
{
    json_t *g = load_data("analyst_context_gateway.json");
    json_t *g30 = json_deep_copy(g), *stale;

    /* March to May: 4,100 + 4,000 + 4,000. */
    EXPECT_IN(g, "How much did I spend in the last 3 months?",
              "Over the last 3 full months (March 2025 to May 2025) you spent **$12,100.00** "
              "against income of $15,600.00, a savings rate of 22.4%; that's $4,033.33 a month "
              "on average. So far this month you've spent $3,100.00.");
    EXPECT_IN(g, "what have I spent over the past year",
              "I have figures for only 6 of the last 12 full months. Over those (December 2024 to "
              "May 2025) you spent **$24,000.00**");
    EXPECT_IN(g, "how much did I spend on dining in the last 3 months",
              "can't say how much of that went to Dining.");
    EXPECT_IN(g, "How much did I spend in 2024?",
              "Your monthly figures cover December 2024 to June 2025. In the one month of 2024 "
              "among them (December 2024) you spent **$4,200.00**");
    EXPECT_IN(g, "What did I spend in 2023?", ", so I have none for 2023.");
    EXPECT_IN(g, "spending in 2025", "Over the 6 months of 2025 among them");
    /* Without the gateway's 30-day totals: the recent list, which starts on 4 Jun. */
    EXPECT_IN(g, "How much did I spend in the last 30 days?",
              "Your recent transactions I have go back only to Wed 4 Jun, so this is at least "
              "what you spent from Tue 20 May to Wed 18 Jun (the past 30 days): **$");
    EXPECT_IN(g, "How much did I spend in the past two weeks?",
              "From Thu 5 Jun to Wed 18 Jun (the past 14 days) you spent **$");
    /* With them. */
    json_object_set_new(g30, "last_30_days",
                        json_pack("{s:s,s:s,s:i,s:i,s:[{s:s,s:i},{s:s,s:i},{s:s,s:i}]}", "from",
                                  "2025-05-20", "to", "2025-06-18", "expenses_minor", 350000,
                                  "categories_limit", 12, "top_categories", "category", "Rent",
                                  "amount_minor", 180000, "category", "Groceries", "amount_minor",
                                  52000, "category", "Dining", "amount_minor", 31000));
    EXPECT_IN(g30, "How much did I spend in the last 30 days?",
              "From Tue 20 May to Wed 18 Jun (the past 30 days) you spent **$3,500.00**. The "
              "biggest categories were Rent ($1,800.00), Groceries ($520.00) and Dining "
              "($310.00).");
    EXPECT_IN(g30, "how much went on restaurants in the past month",
              "(the past 30 days) you spent **$310.00** on Dining, 8.9% of the $3,500.00 you "
              "spent in all.");
    EXPECT_IN(g30, "travel spending in the last 30 days",
              "(the past 30 days) you spent nothing on Travel ($3,500.00 in all).");
    /* Totals of other days than the question's are not used. */
    stale = json_deep_copy(g30);
    json_object_set_new(json_object_get(stale, "last_30_days"), "to", json_string("2025-06-17"));
    EXPECT_IN(stale, "How much did I spend in the last 30 days?",
              "Your recent transactions I have go back only to Wed 4 Jun");
    /* A category last month, from last month's top categories. */
    EXPECT_IN(g, "How much did I spend on travel last month?",
              "Last month (May 2025) you spent **$900.00** on Travel, 22.5% of that month's "
              "$4,000.00.");
    EXPECT_IN(g, "how much did I spend on dining last month compared to the month before?",
              "Last month (May 2025), Dining isn't among the top categories I have.");
    json_decref(stale);
    json_decref(g30);
    json_decref(g);
}

/* Affordability on the gateway's document: $21,500.00 in checking and savings, spending of
 * $4,000.00 a month on average, $2,100.00 a month put aside now. */
static void test_afford(void)
{
    json_t *g = load_data("analyst_context_gateway.json");
    json_t *no_acct = json_pack("{s:{s:s,s:i,s:i}}", "this_month", "month", "2025-06",
                                "income_minor", 100000, "expenses_minor", 120000);
    json_t *no_cash = json_pack("{s:[{s:s,s:s,s:i}],s:{s:s,s:i,s:i}}", "accounts", "name", "Card",
                                "type", "credit", "balance_minor", -5000, "this_month", "month",
                                "2025-06", "income_minor", 100000, "expenses_minor", 120000);

    CHECK(no_acct && no_cash);
    /* 19,500 / 4,000 = 4.875 months: comfortably; 2,000 / 2,100 rounds up to 1 month. */
    EXPECT_IN(g, "Can I afford a 2000 dollar vacation in March?",
              "Yes, comfortably. You have **$21,500.00** in cash (Savings $18,000.00 and "
              "Checking $3,500.00); paying **$2,000.00** would leave **$19,500.00**, about 4.8 "
              "months of your average spending ($4,000.00 a month).",
              "At your current pace of $2,100.00 a month you'd save it back in about 1 month.",
              "By March 2026, 9 months from now, you'd put aside about $18,900.00 more at that "
              "pace.");
    /* A bare number counts with "afford"; a marked amount wins over a year before it. */
    EXPECT_IN(g, "can I afford a 2000 vacation", "paying **$2,000.00**");
    EXPECT_IN(g, "In march 2026, can I afford a $2,000 trip?", "paying **$2,000.00**",
              "By March 2026, 9 months");
    EXPECT_IN(g, "can I afford a vacation in march 2026", "How much would it cost?");
    /* 6,500 left = 1.6 months: thin; 15,000 / 2,100 = 7.1, so 8 months. */
    EXPECT_IN(g, "can I afford $15,000?", "Yes, but it would thin your cushion.",
              "would leave **$6,500.00**, about 1.6 months", "save it back in about 8 months.");
    /* 1,500 left; keeping 4,000 needs 2,500 more = 2 months of saving. */
    EXPECT_IN(g, "Could I afford a $20k car?", "Not from your cash today.",
              "would leave **$1,500.00**, about 0.3 months",
              "To pay it and still keep a month of spending in cash you'd need **$2,500.00** more: "
              "about 2 months of saving at your current pace of $2,100.00 a month.");
    EXPECT_IN(g, "can I afford 25000 dollars", "**$3,500.00** short of **$25,000.00**",
              "you'd need **$7,500.00** more: about 4 months");
    EXPECT_IN(g, "Can I afford a vacation?", "How much would it cost?",
              "You have **$21,500.00** in cash (Savings $18,000.00 and Checking $3,500.00) and "
              "you're putting aside about $2,100.00 a month.",
              "Your spending averages $4,000.00 a month.");
    EXPECT_IN(no_acct, "can I afford a $500 phone", "I don't have your account balances");
    EXPECT_IN(no_cash, "can I afford a $500 phone",
              "Not from your cash today. You have no money in checking, savings or cash accounts "
              "that I can see.",
              "that gap won't close until spending drops below income.");
    json_decref(g);
    json_decref(no_acct);
    json_decref(no_cash);
}

static void test_missing_data(void)
{
    json_t *empty = json_object();
    json_t *odd = json_loads("{\"currency\":\"EUR\",\"month\":\"x\",\"top_categories\":[1,\"a\","
                             "{\"category\":5,\"amount_minor\":\"9\"},{\"amount_minor\":1.5}],"
                             "\"budgets\":{\"items\":[{\"category\":\"Dining\",\"limit_minor\":0,"
                             "\"spent_minor\":10}]},\"cashflow\":[{\"month\":7},null],"
                             "\"fraud_alerts\":[{\"status\":\"resolved\"}],\"goals\":[{}],"
                             "\"subscriptions\":[],\"accounts\":[{\"balance_minor\":-250}],"
                             "\"health_score\":{\"score\":\"high\"},\"forecast\":[]}",
                             0, NULL);
    static const char *const qs[] = {"spend this month",
                                     "categories",
                                     "dining",
                                     "risk",
                                     "savings rate",
                                     "subscriptions",
                                     "fraud",
                                     "budgets",
                                     "forecast",
                                     "what if I cut dining by 20%",
                                     "save $100 more",
                                     "net worth",
                                     "income",
                                     "largest expenses",
                                     "goals",
                                     "health score",
                                     "recent",
                                     "cash flow",
                                     "how am I doing",
                                     "hello",
                                     "weather?",
                                     "can I afford $2,000?",
                                     "what did I spend last week",
                                     "how much on dining in march",
                                     "spending this year"};
    char *t;

    CHECK(odd != NULL);
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        t = analyst_answer(qs[i], NULL);
        CHECK(t && *t);
        free(t);
        t = analyst_answer(qs[i], empty);
        CHECK(t && *t);
        free(t);
        t = analyst_answer(qs[i], odd);
        if (!*t)
            fprintf(stderr, "empty answer to \"%s\"\n", qs[i]);
        CHECK(t && *t);
        free(t);
    }
    t = analyst_answer("How much did I spend this month?", NULL);
    CHECK(strstr(t, "don't have any of your financial data") != NULL);
    free(t);
    t = analyst_answer("Which subscriptions do I pay for?", empty);
    CHECK(strstr(t, "don't have your recurring payments") != NULL);
    free(t);
    t = analyst_answer("Any fraud alerts?", odd);
    CHECK(strstr(t, "no open fraud alerts") != NULL);
    free(t);
    t = analyst_answer("What's my net worth?", odd);
    CHECK(strstr(t, "-\xE2\x82\xAC"
                    "2.50") != NULL);
    free(t);
    json_decref(empty);
    json_decref(odd);
}

/* Found by fuzz_analyst: a what-if worth nothing with nothing saved divided by zero; huge
 * figures overflowed. */
static void test_fuzz_regressions(void)
{
    json_t *c = json_loads("{\"goals\":[{\"name\":\"G\",\"target_minor\":100,"
                           "\"current_minor\":0}],\"top_categories\":[{\"category\":\"Dining\","
                           "\"amount_minor\":1000}],\"month\":{\"income_minor\":100,"
                           "\"expenses_minor\":100}}",
                           0, NULL);
    json_t *huge = json_loads("{\"top_categories\":[{\"category\":\"Dining\",\"amount_minor\":"
                              "9223372036854775807}],\"budgets\":[{\"category\":\"Dining\","
                              "\"limit_minor\":1,\"spent_minor\":-9223372036854775807}]}",
                              0, NULL);
    char *t;

    CHECK(c && huge);
    t = analyst_answer("What if I cut dining by 0%?", c);
    CHECK(strstr(t, "**$0.00** a month") != NULL);
    CHECK(strstr(t, "months") == NULL);
    free(t);
    t = analyst_answer("what if I save $99999999999999999999 more", c);
    CHECK(strstr(t, "Tell me what to change") != NULL);
    free(t);
    t = analyst_answer("what if I save $999999999999k more", c);
    CHECK(t && *t);
    free(t);
    t = analyst_answer("How are my budgets?", huge);
    CHECK(strstr(t, "9,223") == NULL); /* beyond belief: treated as absent */
    free(t);
    t = analyst_answer("How much on dining?", huge);
    CHECK(t && *t);
    free(t);
    json_decref(c);
    json_decref(huge);
}

static void test_tokens_and_determinism(void)
{
    const char *s = "Hello world  foo\n- bar";
    size_t n, pos = 0, count = 0;
    char *a, *b;

    n = analyst_token_len(s, strlen(s));
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(analyst_token_len(s + 6, strlen(s) - 6), 7);
    CHECK_EQ_INT(analyst_token_len(s + 13, strlen(s) - 13), 4);
    CHECK_EQ_INT(analyst_token_len(s, 0), 0);
    a = analyst_answer("What if I cut dining by 20%?", ctx);
    b = analyst_answer("What if I cut dining by 20%?", ctx);
    CHECK_EQ_STR(a, b);
    while (pos < strlen(a)) {
        n = analyst_token_len(a + pos, strlen(a) - pos);
        CHECK(n > 0);
        pos += n;
        count++;
    }
    CHECK_EQ_INT(pos, strlen(a));
    CHECK(count > 30 && count < 120);
    free(a);
    free(b);
}

static void test_cleanup(void)
{
    json_decref(ctx);
}

TEST_MAIN(load_context, test_money, test_pct_and_month, test_intents, test_answers,
          test_gateway_shape, test_days, test_periods, test_period_coverage, test_match_spans,
          test_spans, test_afford, test_missing_data, test_fuzz_regressions,
          test_tokens_and_determinism, test_cleanup)
