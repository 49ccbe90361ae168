/* test_analyst_doc.c - the analyst reads the gateway's context document as the contract
 * defines it (proto/MONGO.md): the golden contexts of proto/golden/mongo/contexts/ give the
 * readers of analyst_doc.h their figures, and a question is answered from them. */
#include "test.h"

#include "golden.h"

#include "clock.h"
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/analyst/analyst_doc.h"

#include <stdlib.h>

static void test_demo_figures(void)
{
    json_t *doc = golden_json("mongo/contexts/valid-demo.json");
    struct analyst_row rows[ANALYST_ROWS];
    struct analyst_named named;
    int64_t income, expenses, v, day;
    const char *label = NULL;
    size_t n;

    CHECK(doc != NULL);
    CHECK(analyst_doc_asof(doc, &day));
    CHECK_EQ_INT(day, clock_days_from_civil(2026, 12, 6));
    CHECK(analyst_doc_money(doc, "net_worth_minor", &v));
    CHECK_EQ_INT(v, 4430452);
    CHECK(analyst_doc_month(doc, &income, &expenses, &label));
    CHECK_EQ_INT(income, 325000);
    CHECK_EQ_INT(expenses, 534361);
    CHECK_EQ_STR(label, "2026-12");
    n = analyst_doc_cashflow(doc, rows, ANALYST_ROWS);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_STR(n ? rows[0].key : NULL, "2026-06");
    /* The six complete months and this month's section. */
    CHECK_EQ_INT(analyst_doc_months(doc, rows, ANALYST_ROWS), 7);
    n = analyst_doc_open_alerts(doc, rows, ANALYST_ROWS);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(n ? rows[0].key : NULL, "Best Buy");
    CHECK_EQ_INT(n ? rows[0].amount : 0, 189999);
    n = analyst_doc_cash_accounts(doc, rows, ANALYST_ROWS);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(n ? rows[0].key : NULL, "Everyday Checking");
    CHECK(analyst_doc_forecast(doc, "expected", &v));
    CHECK_EQ_INT(v, 294502 * 12);
    CHECK(analyst_doc_forecast(doc, "conservative", &v));
    CHECK_EQ_INT(v, 241198 * 12);
    CHECK_EQ_INT(
        json_integer_value(json_object_get(analyst_doc_health_part(doc, "emergency"), "points")),
        20);
    CHECK(analyst_doc_category(doc, "how much did i spend on shopping", &named));
    CHECK_EQ_INT(analyst_doc_money_or(named.category, "amount_minor", 0), 322791);
    CHECK_EQ_INT(analyst_doc_money_or(named.budget, "limit_minor", 0), 248300);
    CHECK_EQ_INT(json_array_size(analyst_doc_list(doc, "subscriptions")), 5);
    CHECK_EQ_INT(json_array_size(analyst_doc_list(doc, "recent_transactions")), 5);
    CHECK_EQ_INT(json_array_size(analyst_doc_list(doc, "largest_expenses_this_month")), 5);
    json_decref(doc);
}

/* Answers quote the document's figures. */
static void test_demo_answers(void)
{
    json_t *doc = golden_json("mongo/contexts/valid-demo.json");
    int64_t today = clock_days_from_civil(2026, 12, 6);
    char *a = analyst_answer_on("What is my net worth?", doc, today);

    CHECK(a && strstr(a, "$44,304.52") != NULL);
    free(a);
    a = analyst_answer_on("Do I have any fraud alerts?", doc, today);
    CHECK(a && strstr(a, "Best Buy") != NULL);
    free(a);
    json_decref(doc);
}

/* A user with no history yet: every reader says so instead of inventing figures. */
static void test_new_user(void)
{
    json_t *doc = golden_json("mongo/contexts/valid-new-user.json");
    struct analyst_row rows[ANALYST_ROWS];
    int64_t v;

    CHECK(doc != NULL);
    CHECK_EQ_INT(analyst_doc_cashflow(doc, rows, ANALYST_ROWS), 0);
    CHECK_EQ_INT(analyst_doc_open_alerts(doc, rows, ANALYST_ROWS), 0);
    CHECK(!analyst_doc_average_net(doc, &v, &(size_t){0}));
    CHECK(analyst_doc_money(doc, "net_worth_minor", &v) && v == 0);
    json_decref(doc);
}

/* "Today" of the user's calendar: the document's local day against its UTC build time. */
static void test_user_today(void)
{
    int64_t dec1 = clock_days_from_civil(2026, 12, 1), dec5 = clock_days_from_civil(2026, 12, 5);
    json_t *la = json_pack("{s:s,s:{s:s,s:s}}", "updated_at", "2026-12-01T04:00:00.000Z",
                           "last_30_days", "from", "2026-11-01", "to", "2026-11-30");
    json_t *tokyo = json_pack("{s:s,s:{s:s,s:s}}", "updated_at", "2026-11-30T20:00:00.000Z",
                              "last_30_days", "from", "2026-11-02", "to", "2026-12-01");
    json_t *bare = json_pack("{s:s}", "updated_at", "2026-12-01T04:00:00.000Z");
    json_t *odd = json_pack("{s:s,s:{s:s}}", "updated_at", "2026-12-01T04:00:00.000Z",
                            "last_30_days", "to", "2026-10-01");

    /* Built at 20:00 on 30 November in Los Angeles: a day behind UTC. */
    CHECK_EQ_INT(analyst_doc_user_today(la, dec1), dec1 - 1);
    CHECK_EQ_INT(analyst_doc_user_today(la, dec5), dec5 - 1);
    /* Built at 05:00 on 1 December in Tokyo: a day ahead. */
    CHECK_EQ_INT(analyst_doc_user_today(tokyo, clock_days_from_civil(2026, 11, 30)), dec1);
    CHECK_EQ_INT(analyst_doc_user_today(bare, dec1), dec1);
    CHECK_EQ_INT(analyst_doc_user_today(odd, dec1), dec1); /* no zone is two days off */
    CHECK_EQ_INT(analyst_doc_user_today(NULL, dec1), dec1);
    json_decref(la);
    json_decref(tokyo);
    json_decref(bare);
    json_decref(odd);
}

TEST_MAIN(test_demo_figures, test_demo_answers, test_new_user, test_user_today)
