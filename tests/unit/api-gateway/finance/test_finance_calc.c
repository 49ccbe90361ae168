/* test_finance_calc.c - calendar days, UTF-8 checks, budget status, subscription
 * detection and the health score. */
#include "test.h"

#include "err.h"
#include "api-gateway/finance/finance_calc.h"

#include <stdint.h>
#include <stdlib.h>

static void test_days(void)
{
    int y, m, d, bad = 0;
    int64_t days;

    CHECK_EQ_INT(clock_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(clock_days_from_civil(2000, 3, 1), 11017);
    for (int64_t i = -25567; i < 84000; i += 7) {
        clock_civil_from_days(i, &y, &m, &d);
        bad += clock_days_from_civil(y, m, d) != i || !finance_date_valid(y, m, d);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(finance_date_valid(2024, 2, 29));
    CHECK(!finance_date_valid(2025, 2, 29));
    CHECK(!finance_date_valid(1900, 2, 29));
    CHECK(finance_date_valid(2000, 2, 29));
    CHECK(!finance_date_valid(2026, 4, 31));
    CHECK(!finance_date_valid(2026, 13, 1));
    CHECK(!finance_date_valid(1899, 12, 31));
    CHECK_EQ_INT(finance_parse_date("2026-01-31", &days), 0);
    CHECK_EQ_INT(days, clock_days_from_civil(2026, 1, 31));
    CHECK_EQ_INT(finance_parse_date("2026-1-31", &days), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_date("2026-02-30", &days), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_date("2026-01-31x", &days), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_date("20a6-01-31", &days), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_date(NULL, &days), FC_EINVAL);
}

static void test_timestamps(void)
{
    int64_t t = 0;
    char buf[32];

    CHECK_EQ_INT(finance_parse_timestamp("1970-01-01T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t, 0);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00Z", &t), 0);
    CHECK_EQ_INT(t, 1795144320);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00.123456Z", &t), 0);
    CHECK_EQ_INT(t, 1795144320);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-19T22:12:00-05:00", &t), 0);
    CHECK_EQ_INT(t, 1795144320);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20 04:42:00+01:30", &t), 0);
    CHECK_EQ_INT(t, 1795144320);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20", &t), 0);
    CHECK_EQ_INT(t, 1795144320 - 3 * 3600 - 12 * 60 + 12 * 3600);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T24:00:00Z", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00.Z", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00+5:00", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("2026-11-20T03:12:00Zjunk", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("2026-02-30T03:12:00Z", &t), FC_EINVAL);
    CHECK_EQ_INT(finance_parse_timestamp("", &t), FC_EINVAL);
    finance_timestamp_text(1795144320, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "2026-11-20T03:12:00Z");
    finance_timestamp_text(-1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "1969-12-31T23:59:59Z");
    finance_day_text(0, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "1970-01-01");
}

static void test_like_pattern(void)
{
    char *pat;

    pat = finance_like_pattern("100%_a\\b");
    CHECK_EQ_STR(pat, "%100\\%\\_a\\\\b%");
    free(pat);
    pat = finance_like_pattern("");
    CHECK_EQ_STR(pat, "%%");
    free(pat);
}

static void test_rounding_and_pct(void)
{
    CHECK_EQ_INT(finance_div_round(5, 2), 3);
    CHECK_EQ_INT(finance_div_round(-5, 2), -3);
    CHECK_EQ_INT(finance_div_round(4, 3), 1);
    CHECK_EQ_INT(finance_div_round(-4, 3), -1);
    CHECK_EQ_INT(finance_div_round(5, -2), -3);
    CHECK(finance_pct(1, 3) == 33.3);
    CHECK(finance_pct(2, 3) == 66.7);
    CHECK(finance_pct(5, 0) == 0.0);
    CHECK(finance_pct(-1, 8) == -12.5);
}

static void test_has_ctrl(void)
{
    CHECK(finance_has_ctrl("a\tb"));
    CHECK(finance_has_ctrl("a\x7f"));
    CHECK(!finance_has_ctrl("plain caf\xc3\xa9"));
}

static void test_budget_status(void)
{
    CHECK_EQ_STR(finance_budget_status(0, 0), "ok");
    CHECK_EQ_STR(finance_budget_status(0, 100), "ok");
    CHECK_EQ_STR(finance_budget_status(79, 100), "ok");
    CHECK_EQ_STR(finance_budget_status(80, 100), "warning");
    CHECK_EQ_STR(finance_budget_status(99, 100), "warning");
    CHECK_EQ_STR(finance_budget_status(100, 100), "exceeded");
    CHECK_EQ_STR(finance_budget_status(150, 100), "exceeded");
    CHECK_EQ_STR(finance_budget_status(5, 0), "exceeded");
}

static int64_t D(int y, int m, int d)
{
    return clock_days_from_civil(y, m, d);
}

static void test_subscriptions(void)
{
    const struct sub_charge c[] = {
        {"gym", NULL, D(2026, 9, 3), 4000},        {"gym", NULL, D(2026, 10, 3), 4000},
        {"groceries", NULL, D(2026, 8, 1), 5000},  {"groceries", NULL, D(2026, 9, 1), 9000},
        {"groceries", NULL, D(2026, 10, 1), 3000}, {"netflix", NULL, D(2026, 8, 15), 1549},
        {"netflix", NULL, D(2026, 9, 15), 1549},   {"netflix", "Netflix", D(2026, 10, 15), 1549},
        {"old", NULL, D(2026, 3, 1), 999},         {"old", NULL, D(2026, 4, 1), 999},
        {"old", NULL, D(2026, 5, 1), 999},         {"spotify", NULL, D(2026, 8, 31), 1000},
        {"spotify", NULL, D(2026, 9, 30), 1100},   {"spotify", NULL, D(2026, 10, 31), 900},
        {"twice", NULL, D(2026, 8, 2), 500},       {"twice", NULL, D(2026, 8, 20), 500},
        {"twice", NULL, D(2026, 9, 2), 500},       {"twice", NULL, D(2026, 9, 20), 500},
        {"twice", NULL, D(2026, 10, 2), 500},      {"twice", NULL, D(2026, 10, 20), 500},
        {"wobbly", NULL, D(2026, 8, 5), 1000},     {"wobbly", NULL, D(2026, 9, 5), 1101},
        {"wobbly", NULL, D(2026, 10, 5), 1000},
    };
    struct sub_item out[8];
    size_t n = finance_subs_detect(c, sizeof(c) / sizeof(c[0]), D(2026, 11, 10), out, 8);

    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_STR(out[0].merchant, "netflix");
        CHECK_EQ_STR(out[0].label, "Netflix"); /* the latest charge names the item */
        CHECK_EQ_INT(out[0].amount_minor, 1549);
        CHECK_EQ_INT(out[0].annual_minor, 1549 * 12);
        CHECK_EQ_INT(out[0].count, 3);
        CHECK_EQ_INT(out[0].last_day, D(2026, 10, 15));
        CHECK_EQ_INT(out[0].next_day, D(2026, 11, 15));
        CHECK_EQ_STR(out[1].merchant, "spotify"); /* exactly +-10 % of the median */
        CHECK_EQ_STR(out[1].label, "spotify");
        CHECK_EQ_INT(out[1].amount_minor, 900);
        CHECK_EQ_INT(out[1].next_day, D(2026, 11, 30)); /* Oct 31 + 1 month, clamped */
    }
    CHECK_EQ_INT(finance_subs_detect(c, 0, 0, out, 8), 0);
}

static struct health_input good(void)
{
    struct health_input in = {.nmonths = 6,
                              .liquid_minor = 1800000,
                              .invested_minor = 6000000,
                              .subscriptions_monthly_minor = 15000,
                              .currency = "USD"};

    for (int i = 0; i < 6; i++) {
        in.income[i] = 500000;
        in.expenses[i] = 300000;
    }
    return in;
}

static void test_health(void)
{
    struct health_input in = good();
    struct health_score s;

    finance_health_compute(&in, &s);
    CHECK_EQ_INT(s.score, 100);
    CHECK_EQ_STR(s.parts[0].key, "savings_consistency");
    CHECK_EQ_STR(s.parts[1].key, "debt_ratio");
    CHECK_EQ_STR(s.parts[2].key, "spending_discipline");
    CHECK_EQ_STR(s.parts[3].key, "emergency_fund");
    CHECK_EQ_STR(s.parts[4].key, "investments");
    CHECK_EQ_STR(s.parts[5].key, "subscription_efficiency");
    CHECK_EQ_INT(s.parts[0].max_points + s.parts[1].max_points + s.parts[2].max_points +
                     s.parts[3].max_points + s.parts[4].max_points + s.parts[5].max_points,
                 100);
    CHECK(s.parts[3].value == 6.0);
    CHECK(s.parts[5].value == 5.0);
    for (int i = 0; i < 6; i++)
        CHECK(s.parts[i].reason[0] != '\0');

    in.expenses[0] = 600000; /* one month in the red: 5 of 6 */
    in.debt_minor = 1800000; /* 30 % of 6,000,000 a year: halfway from 10 % to 50 % */
    in.subscriptions_monthly_minor = 30000;
    in.budgets_total = 4;
    in.budgets_warning = 1;
    in.budgets_exceeded = 1;
    in.liquid_minor = 0;
    in.invested_minor = 3000000;
    finance_health_compute(&in, &s);
    CHECK_EQ_INT(s.parts[0].points, 17); /* 20 * 5 / 6 = 16.7 */
    CHECK_EQ_INT(s.parts[1].points, 10);
    CHECK(s.parts[1].value == 30.0);
    CHECK_EQ_INT(s.parts[2].points, 13); /* (3 on track - 0.5 warning) / 4 of 20 = 12.5 */
    CHECK_EQ_INT(s.parts[3].points, 0);
    CHECK_EQ_INT(s.parts[4].points, 5);
    CHECK_EQ_INT(s.parts[5].points, 6); /* 30000 of 350000 = 8.6 %: 10 * 6.4 / 10 */
    CHECK_EQ_INT(s.score, s.parts[0].points + s.parts[1].points + s.parts[2].points +
                              s.parts[3].points + s.parts[4].points + s.parts[5].points);

    in = good();
    in.nmonths = 0;
    finance_health_compute(&in, &s);
    CHECK_EQ_INT(s.parts[0].points, 0);
    CHECK_EQ_INT(s.parts[1].points, 20);
    CHECK(s.score >= 0 && s.score <= 100);
}

/* The month boundaries of "this month", "last month" and budgets' months. */
static void test_month_days(void)
{
    int64_t first, last, nov30 = clock_days_from_civil(2026, 11, 30);

    finance_month_days(nov30, 0, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(2026, 11, 1));
    CHECK_EQ_INT(last, nov30);
    finance_month_days(clock_days_from_civil(2026, 12, 1), 0, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(2026, 12, 1));
    CHECK_EQ_INT(last, clock_days_from_civil(2026, 12, 31));
    /* Back across a year, and a leap February. */
    finance_month_days(clock_days_from_civil(2026, 1, 15), 1, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(2025, 12, 1));
    CHECK_EQ_INT(last, clock_days_from_civil(2025, 12, 31));
    finance_month_days(clock_days_from_civil(2028, 3, 31), 1, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(2028, 2, 1));
    CHECK_EQ_INT(last, clock_days_from_civil(2028, 2, 29));
    finance_month_days(clock_days_from_civil(2026, 3, 1), 14, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(2025, 1, 1));
    CHECK_EQ_INT(last, clock_days_from_civil(2025, 1, 31));
    /* Before 1970: still whole months. */
    finance_month_days(clock_days_from_civil(1970, 1, 10), 1, &first, &last);
    CHECK_EQ_INT(first, clock_days_from_civil(1969, 12, 1));
    CHECK_EQ_INT(last, -1);
}

TEST_MAIN(test_days, test_timestamps, test_month_days, test_like_pattern, test_rounding_and_pct,
          test_has_ctrl, test_budget_status, test_subscriptions, test_health)
