/* test_toolcat.c - the generated tool catalogue: its shape, every tool's arguments accepted
 * and refused, the extra period checks, and the words of each call. */
#include "test.h"

#include "err.h"
#include "toolcat.h"

#include <jansson.h>
#include <pthread.h>

static const char *const names[] = {
    "get_accounts",
    "search_transactions",
    "spending_by_category",
    "cashflow",
    "net_worth_history",
    "get_budgets",
    "get_subscriptions",
    "get_fraud_alerts",
    "get_health_score",
    "forecast",
    "simulate",
};
#define NTOOLS (sizeof(names) / sizeof(names[0]))

/* True when @v holds a "$ref" anywhere. */
static bool has_ref(const json_t *v)
{
    const char *key;
    json_t *m;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, m)
        {
            if (strcmp(key, "$ref") == 0 || has_ref(m))
                return true;
        }
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m)
        {
            if (has_ref(m))
                return true;
        }
    }
    return false;
}

static void test_catalogue_shape(void)
{
    CHECK_EQ_INT(toolcat_count(), (int)NTOOLS);
    for (int i = 0; i < (int)NTOOLS && i < toolcat_count(); i++) {
        const json_t *t = toolcat_get(names[i]);
        const json_t *params = json_object_get(t, "parameters");

        CHECK_EQ_STR(toolcat_name(i), names[i]);
        CHECK(t != NULL);
        CHECK_EQ_STR(json_string_value(json_object_get(t, "name")), names[i]);
        CHECK(strlen(json_string_value(json_object_get(t, "description"))) > 10);
        /* {name, description, parameters} only: "rest" is for people, not models. */
        CHECK_EQ_INT(json_object_size(t), 3);
        CHECK_EQ_STR(json_string_value(json_object_get(params, "type")), "object");
        CHECK(json_is_false(json_object_get(params, "additionalProperties")));
        CHECK(!has_ref(t));
    }
    CHECK(toolcat_name(-1) == NULL);
    CHECK(toolcat_name((int)NTOOLS) == NULL);
    CHECK(toolcat_get("get_weather") == NULL);
    CHECK(toolcat_get("") == NULL);
    CHECK(toolcat_get(NULL) == NULL);
    CHECK(toolcat_get("Get_Accounts") == NULL);
}

/* The shared period definition is inlined where the tools use it. */
static void test_period_inlined(void)
{
    const char *users[] = {"search_transactions", "spending_by_category"};

    for (size_t i = 0; i < 2; i++) {
        const json_t *p = json_object_get(
            json_object_get(json_object_get(toolcat_get(users[i]), "parameters"), "properties"),
            "period");

        CHECK_EQ_STR(json_string_value(json_object_get(p, "type")), "string");
        CHECK(strstr(json_string_value(json_object_get(p, "pattern")), "last_30_days") != NULL);
        CHECK(json_object_get(p, "description") != NULL);
    }
}

/* toolcat_list() is a copy: changing it changes nothing in the catalogue. */
static void test_list_is_a_copy(void)
{
    json_t *list = toolcat_list();
    json_t *again;

    CHECK_EQ_INT(json_array_size(list), NTOOLS);
    for (size_t i = 0; i < json_array_size(list); i++)
        CHECK(json_equal(json_array_get(list, i), toolcat_get(names[i])));
    json_object_set_new(json_array_get(list, 0), "name", json_string("changed"));
    json_array_clear(list);
    json_decref(list);
    again = toolcat_list();
    CHECK_EQ_INT(json_array_size(again), NTOOLS);
    CHECK_EQ_STR(toolcat_name(0), "get_accounts");
    CHECK_EQ_STR(json_string_value(json_object_get(toolcat_get("get_accounts"), "name")),
                 "get_accounts");
    json_decref(again);
}

/* One good and one bad set of arguments of a tool, and the bad set's message. */
static const struct {
    const char *tool, *good, *bad, *msg;
} cases[] = {
    {"get_accounts", "{}", "{\"x\":1}", "x: unknown argument"},
    {"search_transactions",
     "{\"merchant\":\"Target\",\"period\":\"2026-10\",\"limit\":50,\"type\":\"expense\","
     "\"sort\":\"amount_desc\",\"q\":\"coffee\",\"category\":\"groceries\",\"min_minor\":0,"
     "\"max_minor\":100000,\"account_id\":\"7c857b1d-f9a1-4cf0-aff6-8f6b587da66d\"}",
     "{\"limit\":500}", "limit: must be at most 200"},
    {"spending_by_category", "{\"period\":\"last_month\"}", "{\"period\":5}",
     "period: must be a string"},
    {"cashflow", "{\"months\":6}", "{\"months\":0}", "months: must be at least 1"},
    {"net_worth_history", "{\"months\":60}", "{\"months\":\"12\"}", "months: must be an integer"},
    {"get_budgets", "{\"month\":\"2026-11\"}", "{\"month\":\"2026-13\"}",
     "month: does not match the expected form"},
    {"get_subscriptions", "{}", "{\"period\":\"this_month\"}", "period: unknown argument"},
    {"get_fraud_alerts", "{\"status\":\"all\"}", "{\"status\":\"closed\"}",
     "status: must be one of open, resolved, all"},
    {"get_health_score", "{}", "[]", "(arguments): must be an object"},
    {"forecast", "{\"months\":24}", "{\"months\":6.5}", "months: must be an integer"},
    {"simulate",
     "{\"savings_rate\":20,\"expense_change_pct\":-10.5,\"annual_return_pct\":5,"
     "\"monthly_extra_minor\":10000,\"months\":120,\"start_minor\":0}",
     "{\"savings_rate\":101}", "savings_rate: must be at most 100"},
};

/* Validates JSON text @args for @tool; *@msg receives the message. */
static int validate(const char *tool, const char *args, char *msg, unsigned len)
{
    json_t *a = json_loads(args, JSON_DECODE_ANY, NULL);
    int rc = a ? toolcat_validate(tool, a, msg, len) : 99;

    json_decref(a);
    return rc;
}

static void check_refused(const char *tool, const char *args, const char *msg)
{
    char err[256];

    CHECK_EQ_INT(validate(tool, args, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_STR(err, msg);
}

/* Every tool of the catalogue has a case, and each case passes and fails as it should. */
static void test_every_tool_validates(void)
{
    char err[256];

    for (int i = 0; i < toolcat_count(); i++) {
        size_t k = 0;

        while (k < sizeof(cases) / sizeof(cases[0]) && strcmp(cases[k].tool, toolcat_name(i)))
            k++;
        CHECK(k < sizeof(cases) / sizeof(cases[0]));
    }
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        CHECK_EQ_INT(validate(cases[k].tool, cases[k].good, err, sizeof(err)), 0);
        CHECK_EQ_INT(validate(cases[k].tool, "{}", err, sizeof(err)), 0);
        CHECK_EQ_INT(toolcat_validate(cases[k].tool, NULL, err, sizeof(err)), 0);
        check_refused(cases[k].tool, cases[k].bad, cases[k].msg);
    }
}

static void test_arguments_in_detail(void)
{
    char err[256];

    /* Every period form the schema documents. */
    static const char *const good[] = {
        "today",
        "yesterday",
        "this_week",
        "last_week",
        "this_month",
        "last_month",
        "this_quarter",
        "last_quarter",
        "this_year",
        "last_year",
        "last_7_days",
        "last_30_days",
        "last_90_days",
        "last_365_days",
        "2025",
        "2026-10",
        "2026-Q4",
        "2024-02-29",
        "2026-03-01..2026-03-15",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char args[96];

        snprintf(args, sizeof(args), "{\"period\":\"%s\"}", good[i]);
        CHECK_EQ_INT(validate("search_transactions", args, err, sizeof(err)), 0);
        CHECK_EQ_INT(validate("spending_by_category", args, err, sizeof(err)), 0);
    }
    check_refused("search_transactions", "{\"period\":\"last_fortnight\"}",
                  "period: does not match the expected form");
    check_refused("search_transactions", "{\"period\":\"2026-10-01..2026-10-31 \"}",
                  "period: must be at most 22 characters long");
    /* Forms the pattern lets through but no calendar has. */
    check_refused("spending_by_category", "{\"period\":\"2026-02-30\"}",
                  "period: no such date, a year outside 1970..2100, or a range that ends "
                  "before it starts");
    check_refused("search_transactions", "{\"period\":\"2026-03-15..2026-03-01\"}",
                  "period: no such date, a year outside 1970..2100, or a range that ends "
                  "before it starts");
    check_refused("spending_by_category", "{\"period\":\"1969\"}",
                  "period: no such date, a year outside 1970..2100, or a range that ends "
                  "before it starts");
    check_refused("get_budgets", "{\"month\":\"0000-01\"}",
                  "month: no such date, a year outside 1970..2100, or a range that ends "
                  "before it starts");
    check_refused("search_transactions",
                  "{\"account_id\":\"7C857B1D-F9A1-4CF0-AFF6-8F6B587DA66D\"}",
                  "account_id: does not match the expected form");
    check_refused("search_transactions", "{\"merchant\":\"\"}",
                  "merchant: must be at least 1 character long");
    check_refused("search_transactions", "{\"min_minor\":-1}", "min_minor: must be at least 0");
    check_refused("search_transactions", "{\"type\":\"refund\"}",
                  "type: must be one of income, expense, transfer");
    check_refused("search_transactions", "{\"user_id\":\"someone-else\"}",
                  "user_id: unknown argument");
    check_refused("simulate", "{\"months\":601}", "months: must be at most 600");
    check_refused("simulate", "{\"annual_return_pct\":\"5\"}",
                  "annual_return_pct: must be a number");
    /* An integral real is an integer (6.0); the number tools take fractions. */
    CHECK_EQ_INT(validate("cashflow", "{\"months\":6.0}", err, sizeof(err)), 0);
    CHECK_EQ_INT(validate("simulate", "{\"savings_rate\":12.5}", err, sizeof(err)), 0);
    check_refused("cashflow", "null", "(arguments): must be an object");
    check_refused("cashflow", "\"{}\"", "(arguments): must be an object");
}

static void test_unknown_tool(void)
{
    char err[64];
    json_t *args = json_object();

    CHECK_EQ_INT(toolcat_validate("get_weather", args, err, sizeof(err)), FC_ENOTFOUND);
    CHECK_EQ_STR(err, "no such tool: get_weather");
    CHECK_EQ_INT(toolcat_validate(NULL, args, err, sizeof(err)), FC_ENOTFOUND);
    CHECK_EQ_STR(err, "no such tool: (none)");
    CHECK_EQ_INT(toolcat_validate("get_weather", args, NULL, 0), FC_ENOTFOUND);
    json_decref(args);
}

/* The label of @tool called with JSON text @args (NULL for none). */
static void check_label(const char *tool, const char *args, const char *want)
{
    json_t *a = args ? json_loads(args, 0, NULL) : NULL;
    char out[160] = "stale";

    toolcat_label(tool, a, out, sizeof(out));
    CHECK_EQ_STR(out, want);
    json_decref(a);
}

static void test_labels(void)
{
    check_label("search_transactions", "{\"merchant\":\"Target\",\"period\":\"2026-10\"}",
                "transactions at Target, October 2026");
    check_label("search_transactions", "{\"category\":\"groceries\",\"period\":\"last_month\"}",
                "groceries transactions, last month");
    check_label("search_transactions", "{}", "transactions");
    check_label("search_transactions",
                "{\"type\":\"income\",\"q\":\"bonus\",\"period\":\"last_30_days\",\"limit\":5}",
                "income transactions matching \"bonus\", the last 30 days");
    check_label("search_transactions",
                "{\"category\":\"dining\",\"type\":\"expense\",\"merchant\":\"Chipotle\","
                "\"account_id\":\"7c857b1d-f9a1-4cf0-aff6-8f6b587da66d\","
                "\"period\":\"2026-03-01..2026-03-15\"}",
                "dining expense transactions at Chipotle in one account, 1 March 2026 to 15 "
                "March 2026");
    check_label("spending_by_category", "{\"period\":\"2025-03\"}",
                "spending by category, March 2025");
    check_label("spending_by_category", "{\"period\":\"2026-Q1\"}",
                "spending by category, Q1 2026");
    check_label("spending_by_category", NULL, "spending by category, this month");
    check_label("cashflow", "{\"months\":6}", "cash flow, last 6 months");
    check_label("cashflow", "{\"months\":24}", "cash flow, last 24 months");
    check_label("cashflow", "{\"months\":1}", "cash flow, this month");
    check_label("cashflow", "{}", "cash flow, last 6 months");
    check_label("net_worth_history", "{}", "net worth, last 12 months");
    check_label("net_worth_history", "{\"months\":3.0}", "net worth, last 3 months");
    check_label("get_budgets", "{\"month\":\"2026-11\"}", "budgets, November 2026");
    check_label("get_budgets", "{}", "budgets, this month");
    check_label("get_accounts", "{}", "your accounts");
    check_label("get_accounts", NULL, "your accounts");
    check_label("get_subscriptions", "{}", "your subscriptions");
    check_label("get_fraud_alerts", "{}", "open fraud alerts");
    check_label("get_fraud_alerts", "{\"status\":\"resolved\"}", "resolved fraud alerts");
    check_label("get_fraud_alerts", "{\"status\":\"all\"}", "all fraud alerts");
    check_label("get_health_score", "{}", "your financial health score");
    check_label("forecast", "{\"months\":24}", "a forecast, next 24 months");
    check_label("forecast", "{\"months\":1}", "a forecast, next month");
    check_label("forecast", "{}", "a forecast, next 12 months");
    check_label("simulate", "{\"months\":120}", "a savings simulation");
    check_label("get_weather", "{\"city\":\"Oslo\"}", "get_weather");
    check_label(NULL, "{}", "");
}

/* Arguments that would not validate still give words; what makes no sense is left out. */
static void test_labels_of_bad_arguments(void)
{
    check_label("spending_by_category", "{\"period\":\"2026-02-30\"}", "spending by category");
    check_label("spending_by_category", "{\"period\":\"soon\"}", "spending by category");
    check_label("spending_by_category", "{\"period\":7}", "spending by category, this month");
    check_label("cashflow", "{\"months\":0}", "cash flow, last 6 months");
    check_label("cashflow", "{\"months\":2.5}", "cash flow, last 6 months");
    check_label("cashflow", "{\"months\":\"9\"}", "cash flow, last 6 months");
    check_label("search_transactions", "{\"type\":\"refund\",\"merchant\":\"\"}", "transactions");
    check_label("search_transactions", "{\"merchant\":\"A\\nB\\tC\"}", "transactions at A B C");
    check_label("get_fraud_alerts", "{\"status\":\"closed\"}", "open fraud alerts");
}

static void test_label_buffer(void)
{
    json_t *a = json_loads("{\"merchant\":\"Caf\\u00e9\"}", 0, NULL);
    char out[19] = "";
    char tiny[1] = "x";
    int differ = 0;

    /* Room for 18 bytes: the e-acute would not fit whole, "Caf" not either. */
    toolcat_label("search_transactions", a, out, sizeof(out));
    CHECK_EQ_STR(out, "transactions at Ca");
    toolcat_label("search_transactions", a, tiny, sizeof(tiny));
    CHECK_EQ_STR(tiny, "");
    toolcat_label("search_transactions", a, NULL, 0);
    /* Every tool has words of its own, not its bare name. */
    for (int i = 0; i < toolcat_count(); i++) {
        char words[128];

        toolcat_label(toolcat_name(i), NULL, words, sizeof(words));
        differ += strcmp(words, toolcat_name(i)) != 0;
    }
    CHECK_EQ_INT(differ, toolcat_count());
    json_decref(a);
}

static void *use_from_thread(void *arg)
{
    char err[128];
    json_t *args = json_pack("{s:s,s:i}", "period", "last_month", "limit", 10);
    long bad = 0;

    (void)arg;
    for (int i = 0; i < 200; i++) {
        bad += toolcat_count() != (int)NTOOLS;
        bad += toolcat_validate("search_transactions", args, err, sizeof(err)) != 0;
        bad += toolcat_get("simulate") == NULL;
    }
    json_decref(args);
    return (void *)bad;
}

/* The first uses may come from several threads at once (worker and gateway threads). */
static void test_threads(void)
{
    pthread_t th[4];
    void *bad;
    long total = 0;

    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, use_from_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], &bad);
        total += (long)bad;
    }
    CHECK_EQ_INT(total, 0);
}

TEST_MAIN(test_threads, test_catalogue_shape, test_period_inlined, test_list_is_a_copy,
          test_every_tool_validates, test_arguments_in_detail, test_unknown_tool, test_labels,
          test_labels_of_bad_arguments, test_label_buffer)
