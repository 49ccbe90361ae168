/* finance_calc.h - the pure arithmetic of the finance API: calendar days,
 * UTF-8 checks, budget status, subscription detection and the health score.
 *
 * Nothing here does I/O or keeps state; every function is safe from any thread. Money is
 * always int64 minor units; percentages shown to people are doubles rounded to one decimal
 * and are never fed back into money arithmetic. */
#ifndef FINCHAT_FINANCE_CALC_H
#define FINCHAT_FINANCE_CALC_H

#include "clock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Calendar days ("epoch days") come from clock_days_from_civil() / clock_civil_from_days(). */
/* True when y-m-d is a real calendar date with 1900 <= y <= 2200. */
bool finance_date_valid(int y, int m, int d);
/* Writes epoch day @day as "YYYY-MM-DD" into @buf (>= 16 bytes for any day). */
void finance_day_text(int64_t day, char *buf, size_t len);
/* Parses exactly "YYYY-MM-DD" (a real date) into epoch days. Returns 0 or FC_EINVAL. */
int finance_parse_date(const char *s, int64_t *days);
/* The first and last epoch day of the calendar month @ago months before the one holding
 * epoch day @today (0 = that month, 1 = the one before...; @ago >= 0). Pure. */
void finance_month_days(int64_t today, int ago, int64_t *first, int64_t *last);

/* Parses an RFC 3339 timestamp "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (a space may
 * stand for the T) or a bare "YYYY-MM-DD" (read as 12:00 UTC) into Unix seconds, fractions
 * dropped. Returns 0 or FC_EINVAL. */
int finance_parse_timestamp(const char *s, int64_t *unix_s);
/* Writes Unix seconds @t as "YYYY-MM-DDTHH:MM:SSZ" into @buf (>= 32 bytes). */
void finance_timestamp_text(int64_t t, char *buf, size_t len);

/* Returns "%" + @s + "%" with \, % and _ escaped by a backslash, for ILIKE ... ESCAPE '\'.
 * Caller frees. */
char *finance_like_pattern(const char *s);

/* Rounds @num / @den * 100 to one decimal; 0 when @den is 0. */
double finance_pct(int64_t num, int64_t den);
/* Integer division rounded half away from zero; @den must not be 0. */
int64_t finance_div_round(int64_t num, int64_t den);

/* True when @s contains a C0 control character or DEL. */
bool finance_has_ctrl(const char *s);

/* Budget status of @spent against @limit: "exceeded" when spent >= limit (and limit or spent
 * is non-zero), "warning" from 80 %, otherwise "ok". */
const char *finance_budget_status(int64_t spent, int64_t limit);

/* One expense charge, for subscription detection. */
struct sub_charge {
    const char *merchant; /* grouping key, compared exactly (callers pass a normalised name) */
    const char *label;    /* the name to show; the latest charge's label names the item */
    int64_t day;          /* epoch days of the charge */
    int64_t amount_minor; /* magnitude, > 0 */
};

/* A detected recurring merchant. */
struct sub_item {
    const char *merchant; /* the grouping key, borrowed from the input charges */
    const char *label;    /* the latest charge's label (or its key when it has none) */
    int64_t amount_minor; /* the latest charge */
    int64_t last_day;     /* epoch days */
    int64_t next_day;     /* last_day plus one calendar month */
    int64_t annual_minor; /* amount_minor * 12 */
    int count;            /* charges seen */
};

#define SUB_MIN_MONTHS 3     /* distinct calendar months charged */
#define SUB_TOLERANCE_PCT 10 /* every charge within +-10 % of the median */
#define SUB_ACTIVE_DAYS 62   /* the last charge is at most this old */

/* Detects monthly subscriptions among @n charges sorted by merchant, then day: a merchant
 * charged in >= SUB_MIN_MONTHS distinct months, at most one extra charge beyond one a month,
 * every amount within SUB_TOLERANCE_PCT of the median, last charged within SUB_ACTIVE_DAYS of
 * @today. Fills @out (capacity @cap, items ordered by amount, largest first); returns the
 * number of items. */
size_t finance_subs_detect(const struct sub_charge *c, size_t n, int64_t today,
                           struct sub_item *out, size_t cap);

/* Inputs of the health score; every figure in the user's currency. */
struct health_input {
    int nmonths;          /* complete months with activity, 0..6, most recent last */
    int64_t income[6];    /* per month */
    int64_t expenses[6];  /* per month, magnitudes */
    int64_t liquid_minor; /* checking + savings balances */
    int64_t debt_minor;   /* magnitude of negative credit balances */
    int64_t invested_minor;
    int budgets_total; /* budgets this month, and how many are at warning / exceeded */
    int budgets_warning;
    int budgets_exceeded;
    int64_t subscriptions_monthly_minor;
    const char *currency;
};

struct health_part {
    const char *key;
    const char *label;
    double value;
    int points;
    int max_points;
    char reason[200];
};

struct health_score {
    int score; /* 0..100, the sum of the parts' points */
    struct health_part parts[6];
};

/* Computes the six-part health score of SPEC §4 (weights 20/20/20/20/10/10):
 * - savings_consistency: value = % of months with income > expenses; points pro rata.
 * - debt_ratio: value = card debt as % of annual income; 20 at <= 10 %, 0 at >= 50 %.
 * - spending_discipline: with budgets, share of budgets not exceeded (warnings count half);
 *   without, value = expenses as % of income; 20 at <= 70 %, 0 at >= 100 %.
 * - emergency_fund: value = months of expenses that cash covers; 20 at >= 6 months.
 * - investments: value = invested assets as % of annual income; 10 at >= 100 %.
 * - subscription_efficiency: value = subscriptions as % of monthly spending; 10 at <= 5 %,
 *   0 at >= 15 %.
 * Linear in between; points are rounded to whole numbers. */
void finance_health_compute(const struct health_input *in, struct health_score *out);

#endif
