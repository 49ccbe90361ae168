/* overview.c - the overview answers: biggest risk, summary, savings rate, subscriptions, fraud
 * alerts, budgets and the forecast. */
#include "llm-worker/analyst/overview.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"
#include "llm-worker/analyst/ans.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- risk ---- */

struct risk {
    int severity;
    char *text;
};

static void add_risk(struct risk *r, size_t *n, int severity, struct strbuf *text)
{
    if (*n < 8) {
        r[*n].severity = severity;
        r[*n].text = strbuf_detach(text, NULL);
        (*n)++;
    } else {
        strbuf_release(text);
    }
}

static int risk_desc(const void *x, const void *y)
{
    const struct risk *a = x, *b = y;

    return b->severity - a->severity;
}

/* A health part scoring under half its maximum, as a risk. */
static void weak_part(const struct ans *a, struct risk *r, size_t *n, const char *key, int severity,
                      const char *lead)
{
    const json_t *p = analyst_doc_health_part(a->ctx, key);
    int64_t pts, max;
    struct strbuf t = STRBUF_INIT;
    const char *reason;

    if (!p || !analyst_doc_money(p, "points", &pts) || !analyst_doc_money(p, "max_points", &max) ||
        max <= 0 || pts * 2 >= max)
        return;
    reason = analyst_doc_str(p, "reason");
    strbuf_addf(&t, "%s (%lld of %lld health points)%s%s", lead, (long long)pts, (long long)max,
                reason ? ": " : ".", reason ? reason : "");
    if (reason && t.buf[t.len - 1] != '.')
        strbuf_addstr(&t, ".");
    add_risk(r, n, severity, &t);
}

/* Fills @r (8 entries) with the risks the data shows, most severe first; returns the count.
 * The caller frees each text. */
static size_t collect_risks(const struct ans *a, struct risk *r)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = 0, k;
    int64_t income = 0, expenses = 0, v, worst = 0;
    const char *label, *worst_name = NULL;
    struct strbuf t = STRBUF_INIT;
    const json_t *fc = analyst_doc_section(a->ctx, "forecast");

    k = analyst_doc_open_alerts(a->ctx, rows, ANALYST_ROWS);
    if (k > 0) {
        strbuf_addf(&t, "you have %zu open fraud alert%s, including ", k, k == 1 ? "" : "s");
        fmt_add_money(&t, rows[0].amount, a->cur);
        strbuf_addf(&t, " at %s. Check those charges and report any you don't recognise.",
                    rows[0].key ? rows[0].key : "an unknown merchant");
        add_risk(r, &n, 90, &t);
    }
    if (analyst_doc_month(a->ctx, &income, &expenses, &label) && income > 0 && expenses > income) {
        strbuf_addstr(&t, "you're spending more than you earn this month: ");
        fmt_add_money(&t, expenses, a->cur);
        strbuf_addstr(&t, " out against ");
        fmt_add_money(&t, income, a->cur);
        strbuf_addstr(&t, " in, a shortfall of ");
        fmt_add_money(&t, expenses - income, a->cur);
        strbuf_addstr(&t, ".");
        add_risk(r, &n, 85, &t);
    } else if (income > 0 && (income - expenses) * 10 < income) {
        strbuf_addstr(&t, "you're saving only ");
        fmt_add_pct(&t, income - expenses, income);
        strbuf_addstr(&t, " of your income this month; 15-20% is a healthier target.");
        add_risk(r, &n, 55, &t);
    }
    if (analyst_doc_money(fc, "expected_12m_minor", &v) && v < 0) {
        strbuf_addstr(&t, "your 12-month forecast is negative (");
        fmt_add_money(&t, v, a->cur);
        strbuf_addstr(&t, "): at this pace your savings shrink.");
        add_risk(r, &n, 75, &t);
    }
    k = 0;
    {
        size_t i;
        json_t *it;

        json_array_foreach(analyst_doc_list(a->ctx, "budgets"), i, it)
        {
            int64_t lim, spent;

            if (analyst_doc_money(it, "limit_minor", &lim) &&
                analyst_doc_money(it, "spent_minor", &spent) && lim > 0 &&
                analyst_doc_abs(spent) > lim) {
                k++;
                if (analyst_doc_abs(spent) - lim > worst) {
                    worst = analyst_doc_abs(spent) - lim;
                    worst_name = analyst_doc_str_any(it, analyst_doc_category_keys);
                }
            }
        }
    }
    if (k > 0) {
        strbuf_addf(&t, "%zu budget%s exceeded; %s is over by ", k, k == 1 ? " is" : "s are",
                    worst_name ? worst_name : "the worst");
        fmt_add_money(&t, worst, a->cur);
        strbuf_addstr(&t, ".");
        add_risk(r, &n, 60, &t);
    }
    weak_part(a, r, &n, "emergency", 65, "your emergency fund is thin");
    weak_part(a, r, &n, "debt", 50, "debt weighs on your finances");
    qsort(r, n, sizeof(r[0]), risk_desc);
    return n;
}

void overview_risk(struct ans *a)
{
    struct risk r[8];
    size_t n = collect_risks(a, r);
    int64_t income, expenses;
    const char *label;

    if (n == 0) {
        strbuf_addstr(&a->out, "I don't see a pressing risk in your numbers: no open fraud alerts, "
                               "no exceeded budgets");
        if (analyst_doc_month(a->ctx, &income, &expenses, &label) && income > 0) {
            strbuf_addstr(&a->out, ", and you're keeping ");
            fmt_add_pct(&a->out, income - expenses, income);
            strbuf_addstr(&a->out, " of your income this month");
        }
        strbuf_addstr(&a->out, ". Keep building your emergency fund and review subscriptions now "
                               "and then.");
        return;
    }
    strbuf_addf(&a->out, "Your biggest risk right now: %s", r[0].text);
    for (size_t i = 1; i < n && i < 3; i++)
        strbuf_addf(&a->out, "%s- %s", i == 1 ? "\n\nAlso worth watching:\n" : "\n", r[i].text);
    for (size_t i = 0; i < n; i++)
        free(r[i].text);
}

void overview_summary(struct ans *a)
{
    struct risk r[8];
    size_t n;
    int64_t nw, income, expenses, score;
    const char *label;

    strbuf_addstr(&a->out, "Here's your snapshot.");
    if (analyst_doc_money(a->ctx, "net_worth_minor", &nw)) {
        strbuf_addstr(&a->out, " Net worth: ");
        ans_bold_money(a, nw);
        strbuf_addstr(&a->out, ".");
    }
    if (analyst_doc_month(a->ctx, &income, &expenses, &label)) {
        strbuf_addstr(&a->out, " This month you've earned ");
        ans_money(a, income);
        strbuf_addstr(&a->out, " and spent ");
        ans_money(a, expenses);
        if (income > 0) {
            strbuf_addstr(&a->out, ", a savings rate of ");
            fmt_add_pct(&a->out, income - expenses, income);
        }
        strbuf_addstr(&a->out, ".");
    }
    if (analyst_doc_money(analyst_doc_section(a->ctx, "health_score"), "score", &score))
        strbuf_addf(&a->out, " Your health score is %lld/100.", (long long)score);
    n = collect_risks(a, r);
    if (n > 0)
        strbuf_addf(&a->out, " The thing to look at first: %s", r[0].text);
    else
        strbuf_addstr(&a->out, " Nothing needs urgent attention.");
    for (size_t i = 0; i < n; i++)
        free(r[i].text);
}

void overview_savings(struct ans *a)
{
    int64_t income, expenses, avg;
    const char *label;
    size_t k;
    bool have = analyst_doc_month(a->ctx, &income, &expenses, &label) && income > 0;
    json_t *pct = json_object_get(analyst_doc_section(a->ctx, "month"), "savings_rate_pct");
    struct analyst_row rows[ANALYST_ROWS];

    if (have) {
        int64_t saved = income - expenses;

        if (saved >= 0) {
            strbuf_addstr(&a->out, "This month you've kept ");
            ans_bold_money(a, saved);
            strbuf_addstr(&a->out, " of your ");
            ans_money(a, income);
            strbuf_addstr(&a->out, " income, a savings rate of **");
            fmt_add_pct(&a->out, saved, income);
            strbuf_addstr(&a->out, "**.");
        } else {
            strbuf_addstr(&a->out, "This month you've spent ");
            ans_bold_money(a, -saved);
            strbuf_addstr(&a->out, " more than you earned, so your savings rate is negative (");
            fmt_add_pct(&a->out, saved, income);
            strbuf_addstr(&a->out, ").");
        }
    } else if (json_is_number(pct)) {
        strbuf_addf(&a->out, "Your savings rate this month is **%.1f%%**.", json_number_value(pct));
    } else {
        ans_missing(a, "this month's income and spending");
        return;
    }
    if (analyst_doc_average_net(a->ctx, &avg, &k) && k > 1) {
        int64_t inc = 0;

        analyst_doc_cashflow(a->ctx, rows, ANALYST_ROWS);
        for (size_t i = 0; i < k; i++)
            inc += analyst_doc_money_or(rows[i].j, "income_minor", 0);
        strbuf_addf(&a->out, " Over the last %zu months you've put aside ", k);
        ans_money(a, avg);
        strbuf_addstr(&a->out, " a month on average");
        if (inc > 0) {
            strbuf_addstr(&a->out, " (");
            fmt_add_pct(&a->out, avg * (int64_t)k, inc);
            strbuf_addstr(&a->out, " of income)");
        }
        strbuf_addstr(&a->out, ".");
    }
    if (have) {
        int64_t saved = income - expenses;

        if (saved * 10 < income) {
            struct analyst_row top[ANALYST_ROWS];
            size_t n = analyst_doc_rows(analyst_doc_list(a->ctx, "top_categories"), "amount_minor",
                                        analyst_doc_category_keys, top, ANALYST_ROWS);

            strbuf_addstr(&a->out, " Aim for 15-20%");
            if (n > 0 && top[0].key) {
                strbuf_addf(&a->out, ": trimming %s by 10%% alone would free ", top[0].key);
                ans_money(a, top[0].amount / 10);
                strbuf_addstr(&a->out, " a month.");
            } else {
                strbuf_addstr(&a->out, ".");
            }
        } else if (saved * 5 < income) {
            strbuf_addstr(&a->out, " That's a solid rate; 20% or more builds wealth faster.");
        } else {
            strbuf_addstr(&a->out, " That's an excellent rate. Keep it up!");
        }
    }
}

void overview_subscriptions(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "subscriptions");
    struct analyst_row rows[ANALYST_ROWS];
    size_t n;
    int64_t total = 0, income, expenses, stated;
    const char *label;

    if (!arr) {
        ans_missing(a, "your recurring payments");
        return;
    }
    n = analyst_doc_rows(arr, "amount_minor", analyst_doc_merchant_keys, rows, ANALYST_ROWS);
    if (n == 0) {
        strbuf_addstr(&a->out,
                      "I didn't find any recurring subscriptions in your transaction history.");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rows[i].amount = analyst_doc_per_month(rows[i].j, rows[i].amount);
        total += rows[i].amount;
    }
    analyst_doc_sort(rows, n);
    if (analyst_doc_money(analyst_doc_section(a->ctx, "subscriptions"), "monthly_total_minor",
                          &stated))
        total = analyst_doc_abs(stated);
    strbuf_addf(&a->out, "You're paying for %zu subscription%s, about ", n, n == 1 ? "" : "s");
    ans_bold_money(a, total);
    strbuf_addstr(&a->out, " a month (");
    ans_money(a, total * 12);
    strbuf_addstr(&a->out, " a year):\n");
    for (size_t i = 0; i < n && i < 10; i++) {
        const char *c = analyst_doc_str(rows[i].j, "cadence");

        strbuf_addf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Unknown merchant");
        ans_money(a, analyst_doc_abs(analyst_doc_money_or(rows[i].j, "amount_minor", 0)));
        strbuf_addf(&a->out, "%s%s\n", c ? " " : "", c ? c : "");
    }
    strbuf_addf(&a->out, "The priciest is %s.", rows[0].key ? rows[0].key : "the first one");
    if (analyst_doc_month(a->ctx, &income, &expenses, &label) && income > 0) {
        strbuf_addstr(&a->out, " Together they take ");
        fmt_add_pct(&a->out, total, income);
        strbuf_addstr(&a->out, " of your monthly income.");
    }
    strbuf_addstr(&a->out, " Cancelling one you no longer use is the easiest saving there is.");
}

/* Appends an alert's reasons, an array of strings or one string, joined by "; ". */
static void alert_reasons(struct ans *a, const json_t *alert)
{
    const json_t *r = json_object_get(alert, "reasons");
    size_t i, k = 0;
    json_t *it;

    if (json_is_string(r)) {
        strbuf_addf(&a->out, ": %s", json_string_value(r));
        return;
    }
    json_array_foreach(r, i, it)
    {
        if (json_is_string(it))
            strbuf_addf(&a->out, "%s%s", k++ ? "; " : ": ", json_string_value(it));
    }
}

void overview_fraud(struct ans *a)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n;

    if (!a->ctx) {
        ans_missing(a, "your transactions");
        return;
    }
    n = analyst_doc_open_alerts(a->ctx, rows, ANALYST_ROWS);
    if (n == 0) {
        strbuf_addstr(&a->out, "Good news: there are no open fraud alerts on your accounts. I flag "
                               "unusually large charges, late-night activity and rapid repeats as "
                               "they come in.");
        return;
    }
    strbuf_addf(&a->out, "You have **%zu open fraud alert%s**:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 10; i++) {
        const json_t *tx = json_object_get(rows[i].j, "transaction");
        const char *date = analyst_doc_str_any(tx, analyst_doc_date_keys);
        const char *level = analyst_doc_str(rows[i].j, "level");

        if (!date)
            date = analyst_doc_str_any(rows[i].j, analyst_doc_date_keys);
        strbuf_addstr(&a->out, "- ");
        ans_money(a, rows[i].amount);
        strbuf_addf(&a->out, " at %s", rows[i].key ? rows[i].key : "an unknown merchant");
        if (date)
            strbuf_addf(&a->out, " on %.10s", date);
        if (level)
            strbuf_addf(&a->out, " (%s risk)", strcmp(level, "high") == 0 ? "high" : "review");
        alert_reasons(a, rows[i].j);
        strbuf_addstr(&a->out, "\n");
    }
    strbuf_addstr(&a->out, "If you don't recognise a charge, contact your bank right away; once "
                           "you've checked one, resolve it on the Insights page.");
}

void overview_budgets(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "budgets");
    struct analyst_row rows[ANALYST_ROWS];
    struct analyst_named nm;
    size_t n = 0, i, over = 0, near = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        strbuf_addstr(&a->out,
                      "You haven't set any budgets yet. Set monthly limits per category on "
                      "the Budgets page and I'll tell you how each one is doing.");
        return;
    }
    analyst_doc_category(a->ctx, a->q, &nm);
    json_array_foreach(arr, i, it)
    {
        int64_t lim, spent;

        if (n == ANALYST_ROWS || !analyst_doc_money(it, "limit_minor", &lim) || lim <= 0 ||
            !analyst_doc_money(it, "spent_minor", &spent))
            continue;
        rows[n].j = it;
        rows[n].key = analyst_doc_str_any(it, analyst_doc_category_keys);
        /* Sort by per-mille used; the named category first. */
        rows[n].amount = analyst_doc_abs(spent) * 1000 / lim;
        if (nm.budget == it)
            rows[n].amount = INT64_MAX;
        over += analyst_doc_abs(spent) > lim;
        near += analyst_doc_abs(spent) <= lim && analyst_doc_abs(spent) * 10 >= lim * 8;
        n++;
    }
    if (n == 0) {
        ans_missing(a, "spending figures for your budgets");
        return;
    }
    analyst_doc_sort(rows, n);
    strbuf_addstr(&a->out, "Here's how your budgets stand this month:\n");
    for (i = 0; i < n && i < 12; i++) {
        int64_t lim = analyst_doc_money_or(rows[i].j, "limit_minor", 0);
        int64_t spent = analyst_doc_abs(analyst_doc_money_or(rows[i].j, "spent_minor", 0));

        strbuf_addf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Uncategorized");
        ans_money(a, spent);
        strbuf_addstr(&a->out, " of ");
        ans_money(a, lim);
        if (spent > lim) {
            strbuf_addstr(&a->out, " - **over by ");
            ans_money(a, spent - lim);
            strbuf_addstr(&a->out, "**\n");
        } else {
            strbuf_addstr(&a->out, " (");
            fmt_add_pct(&a->out, spent, lim);
            strbuf_addstr(&a->out, " used)\n");
        }
    }
    if (over)
        strbuf_addf(&a->out, "%zu of %zu budgets %s exceeded", over, n, over == 1 ? "is" : "are");
    else
        strbuf_addf(&a->out, "None of your %zu budgets is exceeded", n);
    if (near)
        strbuf_addf(&a->out, ", and %zu %s close to the limit (80%% or more).", near,
                    near == 1 ? "is" : "are");
    else
        strbuf_addstr(&a->out, over ? "." : ". You're on track.");
}

void overview_forecast(struct ans *a)
{
    int64_t exp, cons, opt, avg, nw;
    size_t k;

    if (analyst_doc_forecast(a->ctx, "expected", &exp)) {
        strbuf_addstr(&a->out, "If your income and spending stay on their current course, you're "
                               "on track to ");
        strbuf_addstr(&a->out, exp >= 0 ? "add about " : "lose about ");
        ans_bold_money(a, analyst_doc_abs(exp));
        strbuf_addstr(&a->out, " over the next 12 months");
        if (analyst_doc_forecast(a->ctx, "conservative", &cons) &&
            analyst_doc_forecast(a->ctx, "optimistic", &opt)) {
            strbuf_addstr(&a->out, " (between ");
            ans_money(a, cons);
            strbuf_addstr(&a->out, " in a cautious case and ");
            ans_money(a, opt);
            strbuf_addstr(&a->out, " in an optimistic one)");
        }
        strbuf_addstr(&a->out, ".");
    } else if (analyst_doc_average_net(a->ctx, &avg, &k)) {
        exp = avg * 12;
        strbuf_addf(&a->out,
                    "I don't have a stored forecast, but from your last %zu month%s "
                    "(an average net of ",
                    k, k == 1 ? "" : "s");
        ans_money(a, avg);
        strbuf_addstr(&a->out, " a month) you'd ");
        strbuf_addstr(&a->out, exp >= 0 ? "add about " : "lose about ");
        ans_bold_money(a, analyst_doc_abs(exp));
        strbuf_addstr(&a->out, " over the next 12 months.");
    } else {
        ans_missing(a, "enough history to forecast");
        return;
    }
    if (analyst_doc_money(a->ctx, "net_worth_minor", &nw)) {
        strbuf_addstr(&a->out, " That would take your net worth from ");
        ans_money(a, nw);
        strbuf_addstr(&a->out, " to roughly ");
        ans_money(a, nw + exp);
        strbuf_addstr(&a->out, ".");
    }
    if (exp < 0)
        strbuf_addstr(&a->out, " Ask me \"what is my biggest risk?\" to see where to act first.");
}
