/* test_plan.c - analyst_step(): the analyst as a planner over the assistant's tools. A fake
 * gateway answers its calls with results shaped as proto/API.md's (search summaries, budgets,
 * accounts, cash flow), and the answers must state the figure, the period and the filters. */
#include "test.h"

#include "clock.h"
#include "llm-worker/analyst/analyst.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int64_t today;
static int rounds_used;

static const char *arg(const json_t *args, const char *key)
{
    const char *v = json_string_value(json_object_get(args, key));

    return v ? v : "";
}

/* The fake gateway: a result for each call the tests expect, else an error. */
static json_t *fake_tool(const char *name, const json_t *a)
{
    if (!strcmp(name, "search_transactions")) {
        const char *m = arg(a, "merchant"), *c = arg(a, "category"), *p = arg(a, "period"),
                   *t = arg(a, "type");

        if (!strcmp(p, "last_365_days") && !*m)
            return json_loads("{\"items\":[{\"merchant\":\"Target\",\"amount_minor\":-5312},"
                              "{\"merchant\":\"Whole Foods Market\",\"amount_minor\":-9000},"
                              "{\"merchant\":\"Amazon\",\"amount_minor\":-2500}],"
                              "\"summary\":{\"count\":3,\"currency\":\"USD\"}}",
                              0, NULL);
        if (!strcasecmp(m, "target") && !strcmp(p, "2026-10"))
            return json_loads("{\"items\":[{\"merchant\":\"Target\",\"amount_minor\":-5312,"
                              "\"posted_at\":\"2026-10-12T15:00:00Z\",\"currency\":\"USD\"}],"
                              "\"summary\":{\"count\":1,\"income_minor\":0,\"expenses_minor\":"
                              "5312,\"net_minor\":-5312,\"currency\":\"USD\"}}",
                              0, NULL);
        if (*m && strcmp(m, "Netflix") && strcmp(m, "Spotify"))
            return json_loads("{\"items\":[],\"summary\":{\"count\":0,\"income_minor\":0,"
                              "\"expenses_minor\":0,\"net_minor\":0,\"currency\":\"USD\"}}",
                              0, NULL);
        if (!strcmp(c, "utilities") && !strcmp(p, "2026-08"))
            return json_loads("{\"items\":[],\"summary\":{\"count\":3,\"income_minor\":0,"
                              "\"expenses_minor\":25449,\"net_minor\":-25449}}",
                              0, NULL);
        if (!strcmp(c, "health") && !strcmp(p, "2026-11-23..2026-12-06"))
            return json_loads("{\"items\":[],\"summary\":{\"count\":2,\"income_minor\":0,"
                              "\"expenses_minor\":4998,\"net_minor\":-4998}}",
                              0, NULL);
        if (!strcmp(t, "income") && !strcmp(p, "2026-10"))
            return json_loads("{\"items\":[],\"summary\":{\"count\":3,\"income_minor\":651032,"
                              "\"expenses_minor\":0,\"net_minor\":651032}}",
                              0, NULL);
        if (!*t && !strcmp(p, "2026-10"))
            return json_loads("{\"items\":[],\"summary\":{\"count\":60,\"income_minor\":651032,"
                              "\"expenses_minor\":500000,\"net_minor\":151032}}",
                              0, NULL);
    }
    if (!strcmp(name, "search_transactions") && !strcmp(arg(a, "sort"), "amount_asc"))
        return json_loads("{\"items\":[{\"merchant\":\"Best Buy\",\"amount_minor\":-189999,"
                          "\"posted_at\":\"2026-11-04T03:12:00Z\"},{\"merchant\":\"Parkside\","
                          "\"amount_minor\":-185000,\"posted_at\":\"2026-11-01T10:00:00Z\"}],"
                          "\"summary\":{\"count\":42}}",
                          0, NULL);
    if (!strcmp(name, "net_worth_history"))
        return json_loads("{\"items\":[{\"month\":\"2026-05\",\"net_worth_minor\":0},"
                          "{\"month\":\"2026-06\",\"net_worth_minor\":3190600},"
                          "{\"month\":\"2026-12\",\"net_worth_minor\":4430452}]}",
                          0, NULL);
    if (!strcmp(name, "cashflow"))
        return json_loads("{\"items\":[{\"month\":\"2026-10\",\"income_minor\":650000,"
                          "\"expenses_minor\":334751,\"net_minor\":315249},{\"month\":"
                          "\"2026-11\",\"income_minor\":650908,\"expenses_minor\":332367,"
                          "\"net_minor\":318541}]}",
                          0, NULL);
    if (!strcmp(name, "get_subscriptions"))
        return json_loads("{\"monthly_total_minor\":2648,\"items\":[{\"merchant\":"
                          "\"Netflix\",\"amount_minor\":1799,\"cadence\":\"monthly\"},"
                          "{\"merchant\":\"Spotify\",\"amount_minor\":1099,\"cadence\":"
                          "\"monthly\"}]}",
                          0, NULL);
    if (!strcmp(name, "search_transactions") && !strcmp(arg(a, "merchant"), "Netflix"))
        return json_loads("{\"items\":[{\"amount_minor\":-1799,\"posted_at\":\"2026-12-03\"},"
                          "{\"amount_minor\":-1549,\"posted_at\":\"2026-06-03\"}],"
                          "\"summary\":{\"count\":2}}",
                          0, NULL);
    if (!strcmp(name, "search_transactions") && !strcmp(arg(a, "merchant"), "Spotify"))
        return json_loads("{\"items\":[{\"amount_minor\":-1099,\"posted_at\":\"2026-11-07\"}],"
                          "\"summary\":{\"count\":1}}",
                          0, NULL);
    if (!strcmp(name, "get_budgets") && !strcmp(arg(a, "month"), "2026-12"))
        return json_loads("{\"month\":\"2026-12\",\"items\":[{\"category\":\"coffee\","
                          "\"limit_minor\":4500,\"spent_minor\":1210,\"pct\":26.9,\"status\":"
                          "\"ok\"}]}",
                          0, NULL);
    if (!strcmp(name, "get_accounts"))
        return json_loads("{\"items\":[{\"id\":\"a\",\"name\":\"Everyday Checking\",\"type\":"
                          "\"checking\",\"institution\":\"Chase\",\"balance_minor\":523410,"
                          "\"currency\":\"USD\"},{\"id\":\"b\",\"name\":\"High-Yield Savings\","
                          "\"type\":\"savings\",\"institution\":\"Ally Bank\",\"balance_minor\":"
                          "1250000,\"currency\":\"USD\"}]}",
                          0, NULL);
    return NULL;
}

/* Runs the tool loop as the engine does, at most 8 rounds; returns the answer (caller
 * frees). */
static char *ask_ctx(const char *question, const json_t *ctx)
{
    json_t *turns = json_array();
    char *text = NULL;

    rounds_used = 0;
    for (int round = 1; round <= 8 && !text; round++) {
        struct analyst_input in = {question, ctx, turns, today, true, round, 8};
        json_t *out = analyst_step(&in), *calls = json_object_get(out, "calls"), *c;
        size_t i;

        rounds_used = round;
        CHECK(out != NULL);
        if (json_is_string(json_object_get(out, "answer"))) {
            text = strdup(json_string_value(json_object_get(out, "answer")));
        } else {
            CHECK(json_array_size(calls) > 0);
            json_array_append_new(turns, json_pack("{s:s,s:s,s:O}", "role", "assistant", "content",
                                                   "", "calls", calls));
            json_array_foreach(calls, i, c)
            {
                json_t *r = fake_tool(json_string_value(json_object_get(c, "name")),
                                      json_object_get(c, "arguments"));
                json_t *e = r ? NULL : json_pack("{s:s,s:s}", "error", "no data", "hint", "test");
                char *body = json_dumps(r ? r : e, JSON_COMPACT);

                json_array_append_new(turns, json_pack("{s:s,s:O,s:O,s:s,s:b}", "role", "tool",
                                                       "id", json_object_get(c, "id"), "name",
                                                       json_object_get(c, "name"), "content", body,
                                                       "is_error", r == NULL));
                free(body);
                json_decref(e);
                json_decref(r);
            }
        }
        json_decref(out);
    }
    json_decref(turns);
    return text ? text : strdup("");
}

static char *ask(const char *question)
{
    return ask_ctx(question, NULL);
}

/* The answer to @question contains every one of the NULL-terminated @parts. */
static void expect_answer(const char *question, const char *const *parts)
{
    char *a = ask(question);

    for (; *parts; parts++)
        if (!strstr(a, *parts)) {
            fprintf(stderr, "question: %s\nanswer: %s\nmissing: %s\n", question, a, *parts);
            CHECK(false);
        }
    free(a);
}

static void test_issue_questions(void)
{
    expect_answer(
        "What did I spend at Target in October?",
        (const char *const[]){"In October 2026", "at Target", "$53.12", "1 purchase", NULL});
    expect_answer("how much money came in during October?",
                  (const char *const[]){"In October 2026", "received", "$6,510.32", NULL});
    expect_answer("spending on health in the past two weeks",
                  (const char *const[]){"the last 14 days", "health", "$49.98", NULL});
    expect_answer("How much did I spend on utilities in August?",
                  (const char *const[]){"In August 2026", "utilities", "$254.49", NULL});
    expect_answer("savings rate in October",
                  (const char *const[]){"October 2026", "$6,510.32", "$5,000.00", "$1,510.32",
                                        "23.2%", NULL});
    expect_answer("how much can I still spend on coffee this month",
                  (const char *const[]){"coffee", "$45.00", "$12.10", "$32.90", NULL});
}

/* A misspelt merchant is matched to the user's own merchants and the search repeated. */
static void test_fuzzy_merchant(void)
{
    expect_answer("what did i spend at targte in octobr",
                  (const char *const[]){"In October 2026", "at Target", "$53.12", NULL});
    expect_answer("spent at wholefods in October",
                  (const char *const[]){"to mean Whole Foods Market", NULL});
    expect_answer("what did I spend at Zzyzx Motors in October",
                  (const char *const[]){"couldn't find a merchant like", "You could ask", NULL});
}

static void test_accounts(void)
{
    expect_answer("balance of my checking account",
                  (const char *const[]){"Everyday Checking", "$5,234.10", NULL});
    expect_answer("what are my balances",
                  (const char *const[]){"Everyday Checking", "$5,234.10", "High-Yield Savings",
                                        "$12,500.00", NULL});
}

/* Calls are numbered and a failing tool is said, not papered over with another figure. */
static void test_calls_and_failures(void)
{
    json_t *turns = json_array();
    struct analyst_input in = {
        "What did I spend at Target in October?", NULL, turns, today, true, 1, 8};
    json_t *out = analyst_step(&in), *c = json_array_get(json_object_get(out, "calls"), 0);
    char *a;

    CHECK_EQ_STR(json_string_value(json_object_get(c, "id")), "a1");
    CHECK_EQ_STR(json_string_value(json_object_get(c, "name")), "search_transactions");
    CHECK_EQ_STR(arg(json_object_get(c, "arguments"), "period"), "2026-10");
    CHECK_EQ_STR(arg(json_object_get(c, "arguments"), "type"), "expense");
    json_decref(out);
    /* On the last round no calls: the answer says what it could not look up. */
    in.round = 8;
    out = analyst_step(&in);
    CHECK(json_is_string(json_object_get(out, "answer")));
    CHECK(strstr(json_string_value(json_object_get(out, "answer")), "couldn't look up") != NULL);
    json_decref(out);
    json_decref(turns);
    a = ask("how much did I spend on groceries in 2019");
    CHECK(strstr(a, "couldn't look up") != NULL);
    CHECK(strstr(a, "$") == NULL);
    free(a);
}

/* Ambiguous dates and questions outside the data get no figure. */
static void test_no_wrong_figure(void)
{
    char *a = ask("what did i spend on 03/04/2026");

    CHECK(strstr(a, "03/04/2026") != NULL);
    CHECK(strstr(a, "$") == NULL);
    CHECK_EQ_INT(rounds_used, 1);
    free(a);
    a = ask("what is the weather tomorrow");
    CHECK(strstr(a, "can't answer") != NULL);
    free(a);
}

/* Without tools the document answers, as analyst_answer_on() does. */
static void test_without_tools(void)
{
    json_t *ctx = json_loads("{\"currency\":\"USD\",\"updated_at\":\"2026-12-06T10:00:00.000Z\","
                             "\"this_month\":{\"month\":\"2026-12\",\"income_minor\":325000,"
                             "\"expenses_minor\":120000,\"savings_rate_pct\":63.1}}",
                             0, NULL);
    struct analyst_input in = {"how much did I spend this month", ctx, NULL, today, false, 1, 8};
    json_t *out = analyst_step(&in);
    char *want = analyst_answer_on(in.question, ctx, today);

    CHECK_EQ_STR(json_string_value(json_object_get(out, "answer")), want);
    free(want);
    json_decref(out);
    json_decref(ctx);
}

/* Largest expenses, net worth history, trends and subscription changes: each figure of the
 * answer is one of the results, or the difference of two values of one result. */
static void test_more_answers(void)
{
    expect_answer("my biggest purchases in november",
                  (const char *const[]){"In November 2026", "**$1,899.99** at Best Buy",
                                        "**$1,850.00** at Parkside", NULL});
    expect_answer("what's my net worth",
                  (const char *const[]){"$44,304.52", "Since June 2026", "$31,906.00",
                                        "grown by $12,398.52", NULL});
    expect_answer(
        "spending trend over the last 2 months",
        (const char *const[]){"October 2026: $3,347.51", "November 2026: $3,323.67", NULL});
    expect_answer("which subscriptions went up in price?",
                  (const char *const[]){"**$26.48** a month",
                                        "Netflix went up from $15.49 to "
                                        "**$17.99**",
                                        "Spotify is new", NULL});
}

/* SPEC §15: the analyst answers in the base currency the user's data is in: the results'
 * currency, else the context document's. */
static void test_base_currency(void)
{
    json_t *ctx = json_loads("{\"currency\":\"EUR\"}", 0, NULL);
    char *a = ask_ctx("how much money came in during October?", ctx);

    CHECK(strstr(a, "6,510.32") && strstr(a, "\xe2\x82\xac") && !strstr(a, "$"));
    if (!strstr(a, "\xe2\x82\xac"))
        fprintf(stderr, "answer: %s\n", a);
    free(a);
    json_decref(ctx);
}

/* A merchant or account that is not the user's gets no figure, whatever the metric. */
static void test_unknown_filter(void)
{
    const char *qs[] = {"my biggest purchases from my Revolut account in november",
                        "how much did I spend from my Revolut account in november"};

    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        char *a = ask(qs[i]);

        CHECK(strstr(a, "couldn't find") && strstr(a, "You could ask") && !strchr(a, '$'));
        free(a);
    }
}

static void setup(void)
{
    today = clock_days_from_civil(2026, 12, 6);
}

TEST_MAIN(setup, test_issue_questions, test_fuzzy_merchant, test_accounts, test_calls_and_failures,
          test_no_wrong_figure, test_without_tools, test_more_answers, test_base_currency,
          test_unknown_filter)
