/* Unit tests for plaid_map.c: reading Plaid's answers, transactions and accounts. */
#include "test.h"
#include "err.h"
#include "api-gateway/ingest/plaid_map.h"

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

/* Amounts take the decimals of their own currency, not two: 1200 JPY is 1200 minor units. */
static void test_currency_units(void)
{
    static const struct {
        const char *json;
        int64_t minor;
    } cases[] = {{"{\"amount\":1200,\"iso_currency_code\":\"JPY\"}", -1200},
                 {"{\"amount\":150000,\"iso_currency_code\":\"VND\"}", -150000},
                 {"{\"amount\":1.5,\"iso_currency_code\":\"KWD\"}", -1500},
                 {"{\"amount\":-0.29,\"iso_currency_code\":\"EUR\"}", 29},
                 {"{\"amount\":2.0001,\"iso_currency_code\":\"CLF\"}", -20001}};
    struct plaid_txn p;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *t = parse(cases[i].json);

        json_object_set_new(t, "transaction_id", json_string("t"));
        json_object_set_new(t, "account_id", json_string("a"));
        json_object_set_new(t, "date", json_string("2026-10-01"));
        CHECK_EQ_INT(plaid_map_txn(t, &p), 0);
        CHECK_EQ_INT(p.amount_minor, cases[i].minor);
        json_decref(t);
    }
}

/* An empty category is uncategorized, never an empty one (found by fuzz_plaid). */
static void test_empty_category(void)
{
    json_t *t = parse("{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":40,"
                      "\"date\":\"2026-10-02\",\"personal_finance_category\":{\"primary\":\"\"}}");
    struct plaid_txn p;

    CHECK_EQ_INT(plaid_map_txn(t, &p), 0);
    CHECK_EQ_STR(p.category, "uncategorized");
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
        "{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":1,\"date\":\"2026-10-01\","
        "\"iso_currency_code\":\"XYZ\"}",
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
    CHECK_EQ_STR(plaid_map_account_type("depository", "checking"), "checking");
    CHECK_EQ_STR(plaid_map_account_type("depository", "savings"), "savings");
    CHECK_EQ_STR(plaid_map_account_type("credit", "credit card"), "credit");
    CHECK_EQ_STR(plaid_map_account_type("investment", "401k"), "investment");
    CHECK_EQ_STR(plaid_map_account_type(NULL, NULL), "checking");
}

static int answer(long status, const char *body, json_t **out, struct plaid_err *err)
{
    return plaid_map_answer(status, body, body ? strlen(body) : 0, out, err);
}

static void test_answers(void)
{
    struct plaid_err err = {0, "", ""};
    json_t *out;

    CHECK_EQ_INT(answer(200, "{\"link_token\":\"link-1\"}", &out, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(out, "link_token")), "link-1");
    json_decref(out);
    /* Empty strings say nothing (found by fuzz_plaid): no empty code, the generic message. */
    CHECK_EQ_INT(answer(400, "{\"error_code\":\"\",\"display_message\":\"\"}", &out, &err),
                 FC_EDEP);
    CHECK_EQ_STR(err.code, "bad_response");
    CHECK_EQ_STR(err.message, "the bank connection service failed");
    /* A refusal: Plaid's code and the message meant for people. */
    CHECK_EQ_INT(answer(400,
                        "{\"error_code\":\"INVALID_PUBLIC_TOKEN\",\"error_message\":\"bad"
                        " token\",\"display_message\":\"Link again\"}",
                        &out, &err),
                 FC_EINVAL);
    CHECK(out == NULL);
    CHECK_EQ_INT(err.http_status, 400);
    CHECK_EQ_STR(err.code, "INVALID_PUBLIC_TOKEN");
    CHECK_EQ_STR(err.message, "Link again");
    CHECK_EQ_INT(answer(400, "{\"error_code\":\"X\",\"error_message\":\"why\"}", &out, &err),
                 FC_EINVAL);
    CHECK_EQ_STR(err.message, "why");
    /* Plaid down, or not Plaid: a dependency failure, never a refusal. */
    CHECK_EQ_INT(answer(500, "{\"error_code\":\"INTERNAL_SERVER_ERROR\"}", &out, &err), FC_EDEP);
    CHECK_EQ_INT(answer(400, "<html>bad gateway</html>", &out, &err), FC_EDEP);
    CHECK_EQ_STR(err.code, "bad_response");
    CHECK_EQ_INT(answer(200, "[1,2]", &out, &err), FC_EDEP);
    CHECK_EQ_INT(answer(200, "{\"a\":1", &out, &err), FC_EDEP);
    CHECK_EQ_INT(answer(204, NULL, &out, &err), FC_EDEP);
    CHECK(out == NULL);
    /* An error code longer than the field is cut, still NUL-terminated. */
    CHECK_EQ_INT(
        answer(400,
               "{\"error_code\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
               "AAAAAAAAAAAAAAAAAAAA\"}",
               &out, &err),
        FC_EINVAL);
    CHECK_EQ_INT(strlen(err.code), sizeof(err.code) - 1);
}

static void test_amounts(void)
{
    int64_t v = 0;
    json_t *n = json_real(-0.125);

    CHECK_EQ_INT(plaid_map_amount(n, "USD", &v), 0);
    CHECK_EQ_INT(v, -13); /* half a cent rounds away from zero */
    json_decref(n);
    n = json_string("12.34");
    CHECK_EQ_INT(plaid_map_amount(n, "USD", &v), FC_EINVAL);
    json_decref(n);
    n = json_real(2e11);
    CHECK_EQ_INT(plaid_map_amount(n, "USD", &v), FC_EINVAL);
    json_decref(n);
}

TEST_MAIN(test_answers, test_amounts, test_map_txn, test_currency_units, test_empty_category,
          test_rejects, test_account_types)
