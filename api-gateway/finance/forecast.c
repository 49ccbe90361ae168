/* forecast.c - straight-line forecast scenarios and the compounding savings simulator. */
#include "api-gateway/finance/forecast.h"

#include "err.h"
#include "api-gateway/finance/finance_calc.h"

#include <stdio.h>

typedef __int128 i128;

static int64_t clamp_cap(i128 v, bool *capped)
{
    if (v > SIM_CAP_MINOR) {
        *capped = true;
        return SIM_CAP_MINOR;
    }
    if (v < -SIM_CAP_MINOR) {
        *capped = true;
        return -SIM_CAP_MINOR;
    }
    return (int64_t)v;
}

/* @num / @den rounded half away from zero, in 128 bits; @den > 0. */
static i128 div_round128(i128 num, i128 den)
{
    i128 q = num / den, r = num % den;

    if ((r < 0 ? -r : r) * 2 >= den)
        q += num < 0 ? -1 : 1;
    return q;
}

static uint64_t isqrt128(unsigned __int128 v)
{
    unsigned __int128 x = v, y;

    if (v < 2)
        return (uint64_t)v;
    /* Newton's method from above converges to floor(sqrt(v)). */
    y = (x + 1) / 2;
    while (y < x) {
        x = y;
        y = (x + v / x) / 2;
    }
    return (uint64_t)x;
}

void forecast_rates(const int64_t *income, const int64_t *expenses, int n,
                    struct forecast_rates *out)
{
    i128 sum_inc = 0, sum_exp = 0, sum_net = 0;
    unsigned __int128 var = 0;
    int64_t mean;

    out->income_minor = out->expenses_minor = out->expected_minor = 0;
    out->conservative_minor = out->optimistic_minor = out->stddev_minor = 0;
    if (n <= 0)
        return;
    if (n > FORECAST_MAX_MONTHS)
        n = FORECAST_MAX_MONTHS;
    for (int i = 0; i < n; i++) {
        sum_inc += income[i];
        sum_exp += expenses[i];
        sum_net += (i128)income[i] - expenses[i];
    }
    out->income_minor = (int64_t)div_round128(sum_inc, n);
    out->expenses_minor = (int64_t)div_round128(sum_exp, n);
    mean = (int64_t)div_round128(sum_net, n);
    for (int i = 0; i < n; i++) {
        i128 d = (i128)income[i] - expenses[i] - mean;

        var += (unsigned __int128)(d * d);
    }
    out->stddev_minor = (int64_t)isqrt128(var / (unsigned)n);
    out->expected_minor = mean;
    out->conservative_minor = mean - out->stddev_minor;
    out->optimistic_minor = mean + out->stddev_minor;
}

int64_t forecast_balance(int64_t start, int64_t net, int month)
{
    bool capped = false;

    return clamp_cap((i128)start + (i128)net * month, &capped);
}

void forecast_month_label(int64_t today, int k, char *buf, unsigned len)
{
    int y, m, d, idx;

    clock_civil_from_days(today, &y, &m, &d);
    idx = y * 12 + (m - 1) + k;
    snprintf(buf, len, "%04d-%02d", idx / 12, idx % 12 + 1);
}

int forecast_simulate(const struct sim_params *p, struct sim_point *series, struct sim_result *out)
{
    i128 contrib;
    int64_t bal, total = 0;
    bool capped = false;

    if (p->months < 1 || p->months > SIM_MAX_MONTHS || p->savings_rate_bp < 0 ||
        p->savings_rate_bp > 10000 || p->expense_change_bp < -10000 ||
        p->expense_change_bp > 10000 || p->annual_return_bp < -5000 || p->annual_return_bp > 5000 ||
        p->start_minor > SIM_CAP_MINOR || p->start_minor < -SIM_CAP_MINOR ||
        p->monthly_extra_minor > SIM_CAP_MINOR || p->monthly_extra_minor < -SIM_CAP_MINOR ||
        p->income_minor < 0 || p->income_minor > SIM_CAP_MINOR || p->expenses_minor < 0 ||
        p->expenses_minor > SIM_CAP_MINOR)
        return FC_EINVAL;
    contrib = div_round128((i128)p->income_minor * p->savings_rate_bp, 10000) +
              p->monthly_extra_minor -
              div_round128((i128)p->expenses_minor * p->expense_change_bp, 10000);
    out->monthly_contribution_minor = clamp_cap(contrib, &capped);
    bal = p->start_minor;
    for (int m = 1; m <= p->months; m++) {
        i128 interest = div_round128((i128)bal * p->annual_return_bp, 120000);

        bal = clamp_cap((i128)bal + interest, &capped);
        bal = clamp_cap((i128)bal + out->monthly_contribution_minor, &capped);
        total = clamp_cap((i128)total + out->monthly_contribution_minor, &capped);
        series[m - 1].month = m;
        series[m - 1].balance_minor = bal;
        series[m - 1].contributions_minor = total;
    }
    out->final_minor = bal;
    out->total_contributions_minor = total;
    out->total_growth_minor = bal - p->start_minor - total;
    out->capped = capped;
    return 0;
}
