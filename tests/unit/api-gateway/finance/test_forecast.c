/* test_forecast.c - forecast scenarios and the compounding simulator, checked against figures
 * worked out by hand, including rounding, saturation and parameter bounds. */
#include "test.h"

#include "err.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/forecast.h"

static void test_rates(void)
{
    const int64_t inc[4] = {100, 100, 100, 100}, exp[4] = {50, 70, 30, 50};
    const int64_t inc2[2] = {0, 0}, exp2[2] = {100, 300};
    struct forecast_rates r;

    forecast_rates(inc, exp, 4, &r);
    CHECK_EQ_INT(r.income_minor, 100);
    CHECK_EQ_INT(r.expenses_minor, 50);
    CHECK_EQ_INT(r.expected_minor, 50);
    CHECK_EQ_INT(r.stddev_minor, 14); /* sqrt(200) = 14.14 */
    CHECK_EQ_INT(r.conservative_minor, 36);
    CHECK_EQ_INT(r.optimistic_minor, 64);
    /* A negative average keeps conservative below optimistic. */
    forecast_rates(inc2, exp2, 2, &r);
    CHECK_EQ_INT(r.expected_minor, -200);
    CHECK_EQ_INT(r.conservative_minor, -300);
    CHECK_EQ_INT(r.optimistic_minor, -100);
    forecast_rates(inc, exp, 0, &r);
    CHECK_EQ_INT(r.expected_minor, 0);
    CHECK_EQ_INT(r.stddev_minor, 0);
}

static void test_balance_and_labels(void)
{
    char buf[16];
    int64_t today = clock_days_from_civil(2026, 11, 15);

    CHECK_EQ_INT(forecast_balance(1000, 250, 12), 4000);
    CHECK_EQ_INT(forecast_balance(1000, -250, 12), -2000);
    CHECK_EQ_INT(forecast_balance(SIM_CAP_MINOR, 1, 1), SIM_CAP_MINOR);
    forecast_month_label(today, 0, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "2026-11");
    forecast_month_label(today, 1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "2026-12");
    forecast_month_label(today, 2, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "2027-01");
    forecast_month_label(today, 60, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "2031-11");
}

static void test_simulate_by_hand(void)
{
    struct sim_params p = {.start_minor = 100000,
                           .income_minor = 500000,
                           .expenses_minor = 300000,
                           .savings_rate_bp = 2000,
                           .expense_change_bp = -1000,
                           .annual_return_bp = 1200,
                           .monthly_extra_minor = 5000,
                           .months = 3};
    struct sim_point s[3];
    struct sim_result r;

    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    /* 20 % of 5000.00 + 50.00 extra + a 10 % cut of 3000.00 = 1350.00 a month. */
    CHECK_EQ_INT(r.monthly_contribution_minor, 135000);
    CHECK_EQ_INT(s[0].month, 1);
    CHECK_EQ_INT(s[0].balance_minor, 236000); /* 100000 + 1000 + 135000 */
    CHECK_EQ_INT(s[1].balance_minor, 373360); /* + 2360 + 135000 */
    CHECK_EQ_INT(s[2].balance_minor, 512094); /* + round(3733.6) = 3734 + 135000 */
    CHECK_EQ_INT(s[2].contributions_minor, 405000);
    CHECK_EQ_INT(r.final_minor, 512094);
    CHECK_EQ_INT(r.total_contributions_minor, 405000);
    CHECK_EQ_INT(r.total_growth_minor, 512094 - 100000 - 405000);
    CHECK(!r.capped);
}

static void test_simulate_rounding(void)
{
    struct sim_params p = {.start_minor = -150, .annual_return_bp = 1200, .months = 1};
    struct sim_point s[2];
    struct sim_result r;

    /* -1.5 rounds half away from zero to -2. */
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK_EQ_INT(s[0].balance_minor, -152);
    p.start_minor = 150;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK_EQ_INT(s[0].balance_minor, 152);
    p.start_minor = 149; /* 1.49 rounds down */
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK_EQ_INT(s[0].balance_minor, 150);
    /* A rise in spending is taken from the contribution. */
    p.start_minor = 0;
    p.annual_return_bp = 0;
    p.expenses_minor = 100001;
    p.expense_change_bp = 500; /* 5000.05 rounds to 5000 */
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK_EQ_INT(r.monthly_contribution_minor, -5000);
    CHECK_EQ_INT(s[0].balance_minor, -5000);
}

static void test_simulate_bounds(void)
{
    struct sim_params p = {.start_minor = SIM_CAP_MINOR, .annual_return_bp = 5000, .months = 600};
    static struct sim_point s[SIM_MAX_MONTHS];
    struct sim_result r;

    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK(r.capped);
    CHECK_EQ_INT(r.final_minor, SIM_CAP_MINOR);
    p.start_minor = -SIM_CAP_MINOR;
    p.annual_return_bp = -5000;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), 0);
    CHECK(s[599].balance_minor > -SIM_CAP_MINOR && s[599].balance_minor < 0);
    p.months = 0;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), FC_EINVAL);
    p.months = 601;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), FC_EINVAL);
    p.months = 1;
    p.savings_rate_bp = 10001;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), FC_EINVAL);
    p.savings_rate_bp = 0;
    p.annual_return_bp = 5001;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), FC_EINVAL);
    p.annual_return_bp = 0;
    p.expense_change_bp = -10001;
    CHECK_EQ_INT(forecast_simulate(&p, s, &r), FC_EINVAL);
}

TEST_MAIN(test_rates, test_balance_and_labels, test_simulate_by_hand, test_simulate_rounding,
          test_simulate_bounds)
