/* forecast.h - cash-flow forecast scenarios and the savings simulator, in integer minor units.
 *
 * Pure and thread-safe. The forecast extends the average monthly net (income - expenses) of
 * recent history in a straight line from today's balance, in three scenarios:
 *   expected     = the average monthly net;
 *   conservative = average - one standard deviation of the monthly nets;
 *   optimistic   = average + one standard deviation.
 * A spread of +-1 sigma (rather than 0.8x / 1.2x of the average) stays meaningful when the
 * average is negative or near zero, where scaling would swap or collapse the scenarios, and
 * it widens with how erratic the user's months really are.
 *
 * The simulator compounds monthly: each month the balance first earns
 * round(balance * annual_return_bp / 120000) (half away from zero; 12 months x 10000 basis
 * points), then receives the month's contribution:
 *   round(income * savings_rate_bp / 10000) + monthly_extra - round(expenses * expense_change_bp /
 * 10000) i.e. the share of income saved, plus a fixed extra, plus whatever a cut in spending frees
 * (a rise in spending takes it away). Balances saturate at +-SIM_CAP_MINOR. */
#ifndef FINCHAT_FORECAST_H
#define FINCHAT_FORECAST_H

#include <stdbool.h>
#include <stdint.h>

#define FORECAST_MAX_MONTHS 60
#define SIM_MAX_MONTHS 600
#define SIM_CAP_MINOR 1000000000000000LL /* 1e15 minor units */

struct forecast_rates {
    int64_t income_minor;   /* average monthly income */
    int64_t expenses_minor; /* average monthly expenses (magnitude) */
    int64_t expected_minor; /* monthly net per scenario */
    int64_t conservative_minor;
    int64_t optimistic_minor;
    int64_t stddev_minor; /* population standard deviation of the monthly nets */
};

/* Computes the scenario rates from @n months (0..FORECAST_MAX_MONTHS) of income and expense
 * magnitudes. With n == 0 every rate is 0. */
void forecast_rates(const int64_t *income, const int64_t *expenses, int n,
                    struct forecast_rates *out);
/* Balance after @month months at @net a month from @start, saturating at +-SIM_CAP_MINOR. */
int64_t forecast_balance(int64_t start, int64_t net, int month);
/* Writes "YYYY-MM" of the month @k months after the month containing epoch day @today. */
void forecast_month_label(int64_t today, int k, char *buf, unsigned len);

struct sim_params {
    int64_t start_minor;    /* opening balance */
    int64_t income_minor;   /* baseline monthly income */
    int64_t expenses_minor; /* baseline monthly expenses (magnitude) */
    int savings_rate_bp;    /* 0..10000 */
    int expense_change_bp;  /* -10000..10000 */
    int annual_return_bp;   /* -5000..5000 */
    int64_t monthly_extra_minor;
    int months; /* 1..SIM_MAX_MONTHS */
};

struct sim_point {
    int month; /* 1.. */
    int64_t balance_minor;
    int64_t contributions_minor; /* cumulative */
};

struct sim_result {
    int64_t monthly_contribution_minor;
    int64_t final_minor;
    int64_t total_contributions_minor;
    int64_t total_growth_minor; /* final - start - contributions */
    bool capped;                /* a balance hit +-SIM_CAP_MINOR */
};

/* Runs the simulation into @series (p->months entries). Returns 0, or FC_EINVAL when a
 * parameter is outside its range (nothing written). */
int forecast_simulate(const struct sim_params *p, struct sim_point *series, struct sim_result *out);

#endif
