/* Unit tests for plaid.c's mapping of Plaid JSON (the part that reads network input). */
#include "test.h"
#include "api-gateway/ingest/plaid.h"

static json_t *parse(const char *s)
{
    return json_loads(s, 0, NULL);
}

static void test_map_txn(void)
{
    struct plaid_txn p;
    json_t *t = parse("{\"transaction_id\":\"tx-1\",\"account_id\":\"acc\",\"amount\":12.34,"
                      "\"iso_currency_code\":\"USD\",\"date\":\"2026-10-05\",\"name\":\"CAFE 12\","
                      "\"merchant_name\":\"Cafe\",\"personal_finance_category\":"
                      "{\"primary\":\"FOOD_AND_DRINK\"}}");

    CHECK_EQ_INT(plaid_map_txn(t, &p), 0);
    CHECK_EQ_INT(p.amount_minor, -1234);
    CHECK_EQ_STR(p.merchant, "Cafe");
    CHECK_EQ_STR(p.type, "expense");
    CHECK_EQ_STR(p.category, "food and drink");
    CHECK_EQ_STR(p.date, "2026-10-05");
    json_decref(t);
    t = parse("{\"transaction_id\":\"tx-2\",\"account_id\":\"acc\",\"amount\":-2500,"
              "\"date\":\"2026-10-01\",\"name\":\"Payroll\",\"personal_finance_category\":"
              "{\"primary\":\"INCOME\"}}");
    CHECK_EQ_INT(plaid_map_txn(t, &p), 0);
    CHECK_EQ_INT(p.amount_minor, 250000);
    CHECK_EQ_STR(p.type, "income");
    CHECK_EQ_STR(p.merchant, "Payroll");
    CHECK_EQ_STR(p.currency, "USD");
    json_decref(t);
}

static void test_rejects(void)
{
    const char *bad[] = {
        "{\"account_id\":\"a\",\"amount\":1,\"date\":\"2026-10-01\"}",
        "{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":\"1\",\"date\":\"2026-10-01\"}",
        "{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":1,\"date\":\"2026/10/01\"}",
        "{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":1e300,\"date\":\"2026-10-01\"}",
        "{\"transaction_id\":\"t\",\"amount\":1,\"date\":\"2026-10-01\"}",
        "[]",
    };
    struct plaid_txn p;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *t = parse(bad[i]);

        CHECK(plaid_map_txn(t, &p) != 0);
        json_decref(t);
    }
}

static void test_account_types(void)
{
    CHECK_EQ_STR(plaid_account_type("depository", "checking"), "checking");
    CHECK_EQ_STR(plaid_account_type("depository", "savings"), "savings");
    CHECK_EQ_STR(plaid_account_type("credit", "credit card"), "credit");
    CHECK_EQ_STR(plaid_account_type("investment", "401k"), "investment");
    CHECK_EQ_STR(plaid_account_type(NULL, NULL), "checking");
}

TEST_MAIN(test_map_txn, test_rejects, test_account_types)
