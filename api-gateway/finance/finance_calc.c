/* finance_calc.c - pure finance arithmetic: dates, UTF-8, budgets,
 * subscriptions and the health score. */
#include "api-gateway/finance/finance_calc.h"

#include "err.h"
#include "money.h"
#include "uuid.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void finance_day_text(int64_t day, char *buf, size_t len)
{
    int y, m, d;

    clock_civil_from_days(day, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

void finance_month_days(int64_t today, int ago, int64_t *first, int64_t *last)
{
    int y, m, d;
    int64_t k;

    clock_civil_from_days(today, &y, &m, &d);
    k = (int64_t)y * 12 + (m - 1) - ago;
    y = (int)(k >= 0 ? k / 12 : (k - 11) / 12);
    m = (int)(k - (int64_t)y * 12) + 1;
    *first = clock_days_from_civil(y, m, 1);
    *last = (m == 12 ? clock_days_from_civil(y + 1, 1, 1) : clock_days_from_civil(y, m + 1, 1)) - 1;
}

static int month_days(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : mdays[m - 1];
}

bool finance_date_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int finance_parse_date(const char *s, int64_t *days)
{
    int y, m, d;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return FC_EINVAL;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return FC_EINVAL;
    if (!finance_date_valid(y, m, d))
        return FC_EINVAL;
    *days = clock_days_from_civil(y, m, d);
    return 0;
}

int finance_parse_timestamp(const char *s, int64_t *unix_s)
{
    char date[11];
    int64_t days;
    int hh, mm, ss, off = 0, oh, om;
    const char *p;

    if (!s || strlen(s) < 10)
        return FC_EINVAL;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (finance_parse_date(date, &days) != 0)
        return FC_EINVAL;
    if (s[10] == '\0') {
        *unix_s = days * 86400 + 12 * 3600;
        return 0;
    }
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || strlen(s) < 20 || s[13] != ':' ||
        s[16] != ':' || !digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mm) ||
        !digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
        return FC_EINVAL;
    p = s + 19;
    if (*p == '.') {
        const char *f = ++p;

        while (*p >= '0' && *p <= '9' && p - f < 9)
            p++;
        if (p == f)
            return FC_EINVAL;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && digits(p + 1, 2, &oh) &&
               digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
    } else {
        return FC_EINVAL;
    }
    *unix_s = days * 86400 + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss) - off;
    return 0;
}

void finance_timestamp_text(int64_t t, char *buf, size_t len)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sec = t - days * 86400;
    int y, m, d;

    clock_civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

char *finance_like_pattern(const char *s)
{
    char *out = xmalloc(2 * strlen(s) + 3), *o = out;

    *o++ = '%';
    for (; *s; s++) {
        if (*s == '\\' || *s == '%' || *s == '_')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

int64_t finance_div_round(int64_t num, int64_t den)
{
    int64_t q = num / den, r = num % den;
    int64_t ar = r < 0 ? -r : r, aden = den < 0 ? -den : den;

    if (ar * 2 >= aden)
        q += ((num < 0) != (den < 0)) ? -1 : 1;
    return q;
}

double finance_pct(int64_t num, int64_t den)
{
    if (den == 0)
        return 0.0;
    /* Tenths of a percent, rounded in integers; the magnitudes here stay far below 2^53. */
    return (double)finance_div_round(num * 1000, den) / 10.0;
}

bool finance_has_ctrl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

const char *finance_budget_status(int64_t spent, int64_t limit)
{
    if (spent >= limit && (spent > 0 || limit > 0))
        return "exceeded";
    if (spent * 100 >= limit * 80 && spent > 0)
        return "warning";
    return "ok";
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static int cmp_sub(const void *a, const void *b)
{
    const struct sub_item *x = a, *y = b;

    if (x->amount_minor != y->amount_minor)
        return x->amount_minor < y->amount_minor ? 1 : -1;
    return strcmp(x->merchant, y->merchant);
}

static int64_t add_month(int64_t day)
{
    int y, m, d;

    clock_civil_from_days(day, &y, &m, &d);
    if (++m > 12) {
        m = 1;
        y++;
    }
    if (d > month_days(y, m))
        d = month_days(y, m);
    return clock_days_from_civil(y, m, d);
}

/* Judges the charges c[0..n) of one merchant; fills @it and returns true for a subscription. */
static bool judge_merchant(const struct sub_charge *c, size_t n, int64_t today, struct sub_item *it)
{
    int64_t *amounts = xmalloc(n * sizeof(*amounts));
    int months = 0, last_month = -1;
    int64_t med;
    bool ok = true;

    for (size_t i = 0; i < n; i++) {
        int y, m, d;

        clock_civil_from_days(c[i].day, &y, &m, &d);
        if (y * 12 + m != last_month)
            months++;
        last_month = y * 12 + m;
        amounts[i] = c[i].amount_minor;
    }
    if (months < SUB_MIN_MONTHS || (size_t)months + 1 < n || today - c[n - 1].day > SUB_ACTIVE_DAYS)
        ok = false;
    qsort(amounts, n, sizeof(*amounts), cmp_i64);
    med = amounts[n / 2];
    for (size_t i = 0; ok && i < n; i++) {
        int64_t diff = amounts[i] > med ? amounts[i] - med : med - amounts[i];

        if (med <= 0 || diff * 100 > med * SUB_TOLERANCE_PCT)
            ok = false;
    }
    free(amounts);
    if (!ok)
        return false;
    it->merchant = c[n - 1].merchant;
    it->label = c[n - 1].label ? c[n - 1].label : c[n - 1].merchant;
    it->amount_minor = c[n - 1].amount_minor;
    it->last_day = c[n - 1].day;
    it->next_day = add_month(c[n - 1].day);
    it->annual_minor = c[n - 1].amount_minor * 12;
    it->count = (int)n;
    return true;
}

size_t finance_subs_detect(const struct sub_charge *c, size_t n, int64_t today,
                           struct sub_item *out, size_t cap)
{
    size_t nout = 0, start = 0;

    while (start < n) {
        size_t end = start + 1;

        while (end < n && strcmp(c[end].merchant, c[start].merchant) == 0)
            end++;
        if (nout < cap && judge_merchant(c + start, end - start, today, &out[nout]))
            nout++;
        start = end;
    }
    qsort(out, nout, sizeof(*out), cmp_sub);
    return nout;
}

/* Linear points: @max at or better than @good, 0 at or worse than @bad (either direction). */
static int linear_points(double v, double good, double bad, int max)
{
    double f;

    if (good < bad)
        f = v <= good ? 1.0 : v >= bad ? 0.0 : (bad - v) / (bad - good);
    else
        f = v >= good ? 1.0 : v <= bad ? 0.0 : (v - bad) / (good - bad);
    return (int)(f * max + 0.5);
}

static double round1(double v)
{
    return (double)(int64_t)(v * 10.0 + (v < 0 ? -0.5 : 0.5)) / 10.0;
}

static void part_init(struct health_part *p, const char *key, const char *label, int max)
{
    p->key = key;
    p->label = label;
    p->max_points = max;
    p->value = 0;
    p->points = 0;
    p->reason[0] = '\0';
}

static void part_savings(const struct health_input *in, struct health_part *p)
{
    int pos = 0;

    part_init(p, "savings_consistency", "Savings consistency", 20);
    if (in->nmonths == 0) {
        snprintf(p->reason, sizeof(p->reason), "No complete month of history yet.");
        return;
    }
    for (int i = 0; i < in->nmonths; i++)
        if (in->income[i] > in->expenses[i])
            pos++;
    p->value = finance_pct(pos, in->nmonths);
    p->points = (int)finance_div_round(20 * pos, in->nmonths);
    snprintf(p->reason, sizeof(p->reason), "You saved money in %d of the last %d months.", pos,
             in->nmonths);
}

static void part_debt(const struct health_input *in, int64_t avg_inc, struct health_part *p)
{
    char debt[MONEY_TEXT_MAX];

    part_init(p, "debt_ratio", "Debt ratio", 20);
    money_format(in->debt_minor, in->currency, 0, debt, sizeof(debt));
    if (in->debt_minor <= 0) {
        p->points = 20;
        snprintf(p->reason, sizeof(p->reason), "No outstanding card debt.");
        return;
    }
    if (avg_inc <= 0) {
        p->value = 100;
        snprintf(p->reason, sizeof(p->reason), "Card debt of %s with no recent income.", debt);
        return;
    }
    p->value = finance_pct(in->debt_minor, avg_inc * 12);
    p->points = linear_points(p->value, 10, 50, 20);
    snprintf(p->reason, sizeof(p->reason), "Card debt of %s is %.1f%% of annual income.", debt,
             p->value);
}

static void part_discipline(const struct health_input *in, int64_t sum_inc, int64_t sum_exp,
                            struct health_part *p)
{
    part_init(p, "spending_discipline", "Spending discipline", 20);
    if (in->budgets_total > 0) {
        int on_track = in->budgets_total - in->budgets_exceeded;
        int64_t halves = 2 * (int64_t)on_track - in->budgets_warning;

        p->value = finance_pct(on_track, in->budgets_total);
        p->points = (int)finance_div_round(20 * halves, 2 * (int64_t)in->budgets_total);
        snprintf(p->reason, sizeof(p->reason),
                 "%d of %d budgets on track this month (%d near the limit, %d over).", on_track,
                 in->budgets_total, in->budgets_warning, in->budgets_exceeded);
        return;
    }
    if (sum_inc <= 0) {
        snprintf(p->reason, sizeof(p->reason), "No income recorded to measure spending against.");
        return;
    }
    p->value = finance_pct(sum_exp, sum_inc);
    p->points = linear_points(p->value, 70, 100, 20);
    snprintf(p->reason, sizeof(p->reason),
             "You spent %.1f%% of your income; set budgets to track categories.", p->value);
}

static void part_emergency(const struct health_input *in, int64_t avg_exp, struct health_part *p)
{
    part_init(p, "emergency_fund", "Emergency fund", 20);
    if (avg_exp <= 0) {
        p->points = in->liquid_minor > 0 ? 20 : 0;
        snprintf(p->reason, sizeof(p->reason), "No recent spending to measure cash against.");
        return;
    }
    p->value = in->liquid_minor <= 0 ? 0 : round1((double)in->liquid_minor / (double)avg_exp);
    p->points = linear_points(p->value, 6, 0, 20);
    snprintf(p->reason, sizeof(p->reason),
             "Cash covers %.1f months of expenses (target: 6 months).", p->value);
}

static void part_investments(const struct health_input *in, int64_t avg_inc, struct health_part *p)
{
    char inv[MONEY_TEXT_MAX];

    part_init(p, "investments", "Investments", 10);
    money_format(in->invested_minor, in->currency, 0, inv, sizeof(inv));
    if (avg_inc <= 0) {
        p->points = in->invested_minor > 0 ? 10 : 0;
        snprintf(p->reason, sizeof(p->reason), "%s invested; no recent income to compare.", inv);
        return;
    }
    p->value = in->invested_minor <= 0 ? 0 : finance_pct(in->invested_minor, avg_inc * 12);
    p->points = linear_points(p->value, 100, 0, 10);
    snprintf(p->reason, sizeof(p->reason),
             "%s invested, %.1f%% of a year's income (target: 100%%).", inv, p->value);
}

static void part_subscriptions(const struct health_input *in, int64_t avg_exp,
                               struct health_part *p)
{
    char subs[MONEY_TEXT_MAX];

    part_init(p, "subscription_efficiency", "Subscription efficiency", 10);
    if (in->subscriptions_monthly_minor <= 0) {
        p->points = 10;
        snprintf(p->reason, sizeof(p->reason), "No recurring subscriptions detected.");
        return;
    }
    money_format(in->subscriptions_monthly_minor, in->currency, 0, subs, sizeof(subs));
    p->value = avg_exp > 0 ? finance_pct(in->subscriptions_monthly_minor, avg_exp) : 100;
    p->points = linear_points(p->value, 5, 15, 10);
    snprintf(p->reason, sizeof(p->reason),
             "Subscriptions cost %s a month, %.1f%% of your spending.", subs, p->value);
}

void finance_health_compute(const struct health_input *in, struct health_score *out)
{
    int64_t sum_inc = 0, sum_exp = 0, avg_inc = 0, avg_exp = 0;
    int n = in->nmonths < 0 ? 0 : in->nmonths > 6 ? 6 : in->nmonths;
    struct health_input clamped = *in;

    clamped.nmonths = n;
    for (int i = 0; i < n; i++) {
        sum_inc += in->income[i];
        sum_exp += in->expenses[i];
    }
    if (n > 0) {
        avg_inc = finance_div_round(sum_inc, n);
        avg_exp = finance_div_round(sum_exp, n);
    }
    part_savings(&clamped, &out->parts[0]);
    part_debt(&clamped, avg_inc, &out->parts[1]);
    part_discipline(&clamped, sum_inc, sum_exp, &out->parts[2]);
    part_emergency(&clamped, avg_exp, &out->parts[3]);
    part_investments(&clamped, avg_inc, &out->parts[4]);
    part_subscriptions(&clamped, avg_exp, &out->parts[5]);
    out->score = 0;
    for (int i = 0; i < 6; i++)
        out->score += out->parts[i].points;
}
