/* test_question.c - the analyst's question reader (question.h): what is asked, over which
 * period and about what, in many wordings, as of Sunday 6 December 2026. */
#include "test.h"

#include "clock.h"
#include "llm-worker/analyst/question.h"

#include <stdint.h>

static int64_t today;

/* Reads @q and checks its metric, tool period, merchant, category and account ("" for
 * none). */
static void expect(const char *q, enum aq_metric metric, const char *period, const char *merchant,
                   const char *category, const char *account)
{
    struct analyst_question aq;

    analyst_question_read(q, NULL, today, &aq);
    if (aq.metric != metric)
        fprintf(stderr, "question: %s\n  metric %s, want %s\n", q, aq_metric_name(aq.metric),
                aq_metric_name(metric));
    CHECK_EQ_INT(aq.metric, metric);
    CHECK_EQ_STR(aq.period.arg, period);
    CHECK_EQ_STR(aq.merchant, merchant);
    CHECK_EQ_STR(aq.category, category);
    CHECK_EQ_STR(aq.account, account);
}

/* The questions of the issue that the document-only analyst got wrong. */
static void test_issue_questions(void)
{
    expect("how much money came in during October?", AQ_RECEIVED, "2026-10", "", "", "");
    expect("What did I spend at Target in October?", AQ_SPENT, "2026-10", "target", "", "");
    expect("spending on health in the past two weeks", AQ_SPENT, "2026-11-23..2026-12-06", "",
           "health", "");
    expect("How much did I spend on utilities in August?", AQ_SPENT, "2026-08", "", "utilities",
           "");
    expect("savings rate in October", AQ_SAVINGS_RATE, "2026-10", "", "", "");
    expect("how much can I still spend on coffee this month", AQ_BUDGET, "this_month", "", "coffee",
           "");
}

static void test_periods(void)
{
    expect("what did I spend today", AQ_SPENT, "today", "", "", "");
    expect("spending yesterday?", AQ_SPENT, "yesterday", "", "", "");
    expect("how much did i spend this week", AQ_SPENT, "this_week", "", "", "");
    expect("How much did I spend LAST WEEK", AQ_SPENT, "last_week", "", "", "");
    expect("spending this month", AQ_SPENT, "this_month", "", "", "");
    expect("what did i spend the previous month", AQ_SPENT, "last_month", "", "", "");
    expect("spending this quarter", AQ_SPENT, "this_quarter", "", "", "");
    expect("how much did I spend last quarter", AQ_SPENT, "last_quarter", "", "", "");
    expect("total spent this year", AQ_SPENT, "this_year", "", "", "");
    expect("expenses year to date", AQ_SPENT, "this_year", "", "", "");
    expect("what did I spend last year", AQ_SPENT, "last_year", "", "", "");
    /* Months: the latest one up to today, with a year, in other languages, by number. */
    expect("spending in september", AQ_SPENT, "2026-09", "", "", "");
    expect("what did I spend in Sept", AQ_SPENT, "2026-09", "", "", "");
    expect("spending in december", AQ_SPENT, "2026-12", "", "", "");
    expect("how much did i spend in may", AQ_SPENT, "2026-05", "", "", "");
    expect("spending for january", AQ_SPENT, "2026-01", "", "", "");
    expect("spending in march 2025", AQ_SPENT, "2025-03", "", "", "");
    expect("how much did I spend March last year", AQ_SPENT, "2025-03", "", "", "");
    expect("spent in 2026-10", AQ_SPENT, "2026-10", "", "", "");
    expect("ausgaben im oktober 2026", AQ_SPENT, "2026-10", "", "", "");
    expect("spending in octobre", AQ_SPENT, "2026-10", "", "", "");
    expect("gastos en noviembre", AQ_SPENT, "2026-11", "", "", "");
    /* Quarters and years. */
    expect("total spent in Q3", AQ_SPENT, "2026-Q3", "", "", "");
    expect("spending in q1 2025", AQ_SPENT, "2025-Q1", "", "", "");
    expect("spending in the third quarter of 2026", AQ_SPENT, "2026-Q3", "", "", "");
    expect("spent in 2026-Q2", AQ_SPENT, "2026-Q2", "", "", "");
    expect("how much did i spend in 2025", AQ_SPENT, "2025", "", "", "");
    /* Counted spans. */
    expect("spending in the last 30 days", AQ_SPENT, "2026-11-07..2026-12-06", "", "", "");
    expect("spent over the past week", AQ_SPENT, "2026-11-30..2026-12-06", "", "", "");
    expect("spent over the last two weeks", AQ_SPENT, "2026-11-23..2026-12-06", "", "", "");
    expect("what did I spend in the last 3 months", AQ_SPENT, "2026-09-01..2026-11-30", "", "", "");
    expect("spending in the past month", AQ_SPENT, "2026-11-07..2026-12-06", "", "", "");
    /* Days and ranges in unambiguous forms. */
    expect("spending on 2026-11-15", AQ_SPENT, "2026-11-15", "", "", "");
    expect("spending on 15.11.2026", AQ_SPENT, "2026-11-15", "", "", "");
    expect("how much did i spend on 15/11/2026", AQ_SPENT, "2026-11-15", "", "", "");
    expect("how much did i spend on 11/15/2026", AQ_SPENT, "2026-11-15", "", "", "");
    expect("how much did i spend on 15 November", AQ_SPENT, "2026-11-15", "", "", "");
    expect("how much did i spend on November 15th", AQ_SPENT, "2026-11-15", "", "", "");
    expect("spending between 1 March and 15 March", AQ_SPENT, "2026-03-01..2026-03-15", "", "", "");
    expect("between 2026-03-01 and 2026-03-15 how much did I spend", AQ_SPENT,
           "2026-03-01..2026-03-15", "", "", "");
    expect("spent from 1 October to 15 October", AQ_SPENT, "2026-10-01..2026-10-15", "", "", "");
    expect("spending since 2026-11-01", AQ_SPENT, "2026-11-01..2026-12-06", "", "", "");
    expect("how much have i spent since october", AQ_SPENT, "2026-10-01..2026-12-06", "", "", "");
    expect("spent 2026-03-01..2026-03-15", AQ_SPENT, "2026-03-01..2026-03-15", "", "", "");
    /* A question without a period leaves it to the planner (this month). */
    expect("how much did I spend", AQ_SPENT, "", "", "", "");
}

/* A slashed date that reads both ways is not guessed. */
static void test_ambiguous_date(void)
{
    struct analyst_question aq;

    analyst_question_read("what did i spend on 03/04/2026", NULL, today, &aq);
    CHECK_EQ_STR(aq.ambiguous, "03/04/2026");
    CHECK(!aq.period.set);
    analyst_question_read("what did i spend on 13/04/2026", NULL, today, &aq);
    CHECK_EQ_STR(aq.ambiguous, "");
    CHECK_EQ_STR(aq.period.arg, "2026-04-13");
}

static void test_typos_and_case(void)
{
    expect("hw mch did i spnd on groceries last month", AQ_SPENT, "last_month", "", "groceries",
           "");
    expect("HOW MUCH DID I SPEND ON GROCERIS IN OCTOBR", AQ_SPENT, "2026-10", "", "groceries", "");
    expect("how much did i spedn on restaurnts in november", AQ_SPENT, "2026-11", "", "dining", "");
    expect("utilites in august", AQ_SPENT, "2026-08", "", "utilities", "");
    expect("how much money came in during october", AQ_RECEIVED, "2026-10", "", "", "");
}

static void test_categories(void)
{
    struct analyst_question aq;

    analyst_question_read("how much did i spend on food in november", NULL, today, &aq);
    CHECK_EQ_STR(aq.category, "groceries");
    CHECK_EQ_STR(aq.category2, "dining");
    expect("eating out last month", AQ_SPENT, "last_month", "", "dining", "");
    expect("how much on coffee shops this week", AQ_SPENT, "this_week", "", "coffee", "");
    expect("pharmacy spending in october", AQ_SPENT, "2026-10", "", "health", "");
    expect("medical expenses this year", AQ_SPENT, "this_year", "", "health", "");
    expect("electricity bill in august", AQ_SPENT, "2026-08", "", "utilities", "");
    expect("how much did i pay for rent in september", AQ_SPENT, "2026-09", "", "housing", "");
    expect("how much have I spent on gas the past month", AQ_SPENT, "2026-11-07..2026-12-06", "",
           "transport", "");
    expect("flights and hotels in 2026", AQ_SPENT, "2026", "", "travel", "");
    expect("how much did subscriptions cost me last month", AQ_SPENT, "last_month", "",
           "subscriptions", "");
    /* The health score is not the health category. */
    analyst_question_read("what is my health score", NULL, today, &aq);
    CHECK_EQ_STR(aq.category, "");
}

static void test_merchants(void)
{
    expect("What did I spend at Target in October?", AQ_SPENT, "2026-10", "target", "", "");
    expect("spent at amazon since 2026-11-01", AQ_SPENT, "2026-11-01..2026-12-06", "amazon", "",
           "");
    expect("spending at trader joe's this month", AQ_SPENT, "this_month", "trader joes", "", "");
    expect("how many times did I go to chipotle in october", AQ_COUNT, "2026-10", "chipotle", "",
           "");
    expect("average purchase at whole foods in september", AQ_AVERAGE, "2026-09", "whole foods", "",
           "");
    expect("show me transactions at uber eats yesterday", AQ_LIST, "yesterday", "uber eats", "",
           "");
    expect("what did i spend at targte in october", AQ_SPENT, "2026-10", "targte", "", "");
}

/* Merchants and accounts named in the context document are found without a preposition. */
static void test_from_context(void)
{
    json_t *ctx = json_loads("{\"recent_transactions\":[{\"merchant\":\"Blue Bottle Coffee\"},"
                             "{\"merchant\":\"Netflix\"}],\"accounts\":[{\"name\":\"Sapphire "
                             "Card\",\"type\":\"credit\",\"institution\":\"Chase\"}]}",
                             0, NULL);
    struct analyst_question aq;

    analyst_question_read("how much did netflix cost in october", ctx, today, &aq);
    CHECK_EQ_STR(aq.merchant, "Netflix");
    analyst_question_read("what's the balance on my sapphire", ctx, today, &aq);
    CHECK_EQ_INT(aq.metric, AQ_BALANCE);
    CHECK_EQ_STR(aq.account, "sapphire");
    analyst_question_read("what did I spend with chase last month", ctx, today, &aq);
    CHECK_EQ_STR(aq.account, "chase");
    CHECK_EQ_STR(aq.merchant, "");
    json_decref(ctx);
}

static void test_metrics(void)
{
    expect("what's my net worth", AQ_NET_WORTH, "", "", "", "");
    expect("balance of my checking account", AQ_BALANCE, "", "", "", "checking");
    expect("how much is in my savings account", AQ_BALANCE, "", "", "", "savings");
    expect("how much did I spend on my credit card last month", AQ_SPENT, "last_month", "", "",
           "credit");
    expect("compare spending this month vs last month", AQ_COMPARE, "this_month", "", "", "");
    expect("my biggest purchases in november", AQ_LARGEST, "2026-11", "", "", "");
    expect("smallest purchase last week", AQ_SMALLEST, "last_week", "", "", "");
    expect("spending trend", AQ_TREND, "", "", "", "");
    expect("what are my subscriptions", AQ_SUBSCRIPTIONS, "", "", "", "");
    expect("spending by category last month", AQ_CATEGORIES, "last_month", "", "", "");
    expect("where did my money go in october", AQ_CATEGORIES, "2026-10", "", "", "");
    expect("how much did I save in october", AQ_NET, "2026-10", "", "", "");
    expect("how much did I earn this year", AQ_RECEIVED, "this_year", "", "", "");
    expect("what is the weather tomorrow", AQ_NONE, "", "", "", "");
}

/* Weekends, seasons, all of history; transfers, income words, monthly averages, other
 * languages' words for spending. */
static void test_more_forms(void)
{
    struct analyst_question aq;

    expect("how much did I spend on the weekend", AQ_SPENT, "2026-12-05..2026-12-06", "", "", "");
    expect("spending last weekend", AQ_SPENT, "2026-11-28..2026-11-29", "", "", "");
    expect("how much did I spend in the fall", AQ_SPENT, "2026-09-01..2026-11-30", "", "", "");
    expect("spending last winter", AQ_SPENT, "2025-12-01..2026-02-28", "", "", "");
    expect("what was my largest purchase ever", AQ_LARGEST, "1970-01-01..2026-12-06", "", "", "");
    expect("combien ai-je d\xc3\xa9pens\xc3\xa9 en novembre", AQ_SPENT, "2026-11", "", "", "");
    expect("wie viel habe ich im november ausgegeben", AQ_SPENT, "2026-11", "", "", "");
    expect("Did I spend more in November than October?", AQ_COMPARE, "2026-11", "", "", "");
    expect("did my electricity bill go up", AQ_COMPARE, "", "", "utilities", "");
    expect("What are my top spending categories this year?", AQ_CATEGORIES, "this_year", "", "",
           "");
    expect("Amazon spending over the last 90 days", AQ_SPENT, "2026-09-08..2026-12-06", "amazon",
           "", "");
    expect("amazon last month", AQ_SPENT, "last_month", "amazon", "", "");
    expect("how much did I spend last tuesday", AQ_SPENT, "2026-12-01", "", "", "");
    expect("spending on sunday", AQ_SPENT, "2026-12-06", "", "", "");
    expect("how much did I spend last sunday", AQ_SPENT, "2026-11-29", "", "", "");
    expect("spending the day before yesterday", AQ_SPENT, "2026-12-04", "", "", "");
    expect("spent in the last 48 hours", AQ_SPENT, "2026-12-05..2026-12-06", "", "", "");
    analyst_question_read("how much did I transfer to savings last month", NULL, today, &aq);
    CHECK_EQ_INT(aq.flow, AQ_FLOW_TRANSFER);
    CHECK_EQ_INT(aq.metric, AQ_LIST);
    analyst_question_read("how much interest did I earn this year", NULL, today, &aq);
    CHECK_EQ_INT(aq.metric, AQ_RECEIVED);
    CHECK_EQ_STR(aq.text, "interest");
    analyst_question_read("what's my average monthly spending on coffee", NULL, today, &aq);
    CHECK_EQ_INT(aq.metric, AQ_TREND);
    CHECK(aq.per_month);
    CHECK_EQ_STR(aq.category, "coffee");
    analyst_question_read("which subscriptions went up in price", NULL, today, &aq);
    CHECK_EQ_INT(aq.metric, AQ_SUBSCRIPTIONS);
    CHECK(aq.changes);
}

static void test_distance(void)
{
    CHECK_EQ_INT(aq_distance("target", "targte", 2), 1);
    CHECK_EQ_INT(aq_distance("spend", "spnd", 2), 1);
    CHECK_EQ_INT(aq_distance("amazon", "amazon", 2), 0);
    CHECK_EQ_INT(aq_distance("walmart", "target", 2), 3);
}

static void setup(void)
{
    today = clock_days_from_civil(2026, 12, 6);
}

TEST_MAIN(setup, test_issue_questions, test_periods, test_ambiguous_date, test_typos_and_case,
          test_categories, test_merchants, test_from_context, test_metrics, test_more_forms,
          test_distance)
