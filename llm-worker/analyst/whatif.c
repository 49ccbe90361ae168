/* whatif.c - hypothetical answers: what-ifs (cut a category, save more, drop a subscription) and
 * whether the user can afford a price. */
#include "llm-worker/analyst/whatif.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"
#include "llm-worker/analyst/ans.h"
#include "llm-worker/analyst/period.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- what-if ---- */

/* The subscription the question names ("what if I cancel Netflix"), if any. */
static const json_t *named_subscription(const struct ans *a)
{
    size_t i;
    json_t *it;

    json_array_foreach(analyst_doc_list(a->ctx, "subscriptions"), i, it)
    {
        const char *m = analyst_doc_str_any(it, analyst_doc_merchant_keys);

        if (m && analyst_match_name(a->q, m))
            return it;
    }
    return NULL;
}

/* The consequences of putting aside @extra more per month: savings rate, forecast, goal. */
static void whatif_effects(struct ans *a, int64_t extra)
{
    int64_t income, expenses, exp, now = analyst_doc_monthly_saving(a->ctx);
    const char *label;
    size_t i;
    json_t *it;

    if (analyst_doc_month(a->ctx, &income, &expenses, &label) && income > 0) {
        strbuf_addstr(&a->out, " Your savings rate would go from ");
        fmt_add_pct(&a->out, income - expenses, income);
        strbuf_addstr(&a->out, " to **");
        fmt_add_pct(&a->out, income - expenses + extra, income);
        strbuf_addstr(&a->out, "**.");
    }
    if (analyst_doc_forecast(a->ctx, "expected", &exp)) {
        strbuf_addstr(&a->out, " Your 12-month forecast would rise from ");
        ans_money(a, exp);
        strbuf_addstr(&a->out, " to ");
        ans_money(a, exp + extra * 12);
        strbuf_addstr(&a->out, ".");
    }
    json_array_foreach(analyst_doc_list(a->ctx, "goals"), i, it)
    {
        int64_t target, cur;
        const char *name = analyst_doc_str_any(it, analyst_doc_category_keys);

        if (now + extra <= 0 || !analyst_doc_money(it, "target_minor", &target) ||
            !analyst_doc_money(it, "current_minor", &cur) || target <= cur)
            continue;
        strbuf_addf(&a->out, " Your goal \"%s\" (", name ? name : "savings goal");
        ans_money(a, target - cur);
        strbuf_addf(&a->out, " to go) would be reached in about %lld months",
                    (long long)ans_months_to(target - cur, now + extra));
        if (now > 0 && ans_months_to(target - cur, now) != ans_months_to(target - cur, now + extra))
            strbuf_addf(&a->out, " instead of %lld", (long long)ans_months_to(target - cur, now));
        strbuf_addstr(&a->out, ".");
        break;
    }
}

void whatif_answer(struct ans *a)
{
    int64_t pct, amount, cut = -1, base = 0, income, expenses;
    const char *label, *what = NULL;
    const json_t *sub;
    struct analyst_named nm;

    analyst_match_numbers(a->q, &pct, &amount);
    sub = named_subscription(a);
    if (sub &&
        analyst_match_any(a->q, (const char *const[]){"cancel", "drop", "stop", "quit", NULL}) &&
        analyst_doc_money(sub, "amount_minor", &base)) {
        cut = analyst_doc_per_month(sub, analyst_doc_abs(base));
        strbuf_addf(&a->out, "Cancelling %s would free up ",
                    analyst_doc_str_any(sub, analyst_doc_merchant_keys));
        ans_bold_money(a, cut);
        strbuf_addstr(&a->out, " a month, or ");
        ans_bold_money(a, cut * 12);
        strbuf_addstr(&a->out, " a year.");
        whatif_effects(a, cut);
        return;
    }
    if (analyst_doc_category(a->ctx, a->q, &nm) && (pct >= 0 || amount >= 0)) {
        if (nm.category && analyst_doc_money(nm.category, "amount_minor", &base))
            base = analyst_doc_abs(base);
        else if (nm.budget && analyst_doc_money(nm.budget, "spent_minor", &base))
            base = analyst_doc_abs(base);
        else
            base = -1;
        if (base < 0) {
            strbuf_addf(&a->out,
                        "I don't see what you spend on %s this month, so I can't work "
                        "out that change.",
                        nm.name);
            return;
        }
        cut = pct >= 0 ? (base * pct + 500) / 1000 : (amount < base ? amount : base);
        what = nm.name;
    } else if (pct >= 0 && analyst_doc_month(a->ctx, &income, &expenses, &label)) {
        base = expenses;
        cut = (base * pct + 500) / 1000;
        what = "your total spending";
    } else if (amount >= 0) {
        strbuf_addstr(&a->out, "Putting aside an extra ");
        ans_bold_money(a, amount);
        strbuf_addstr(&a->out, " a month adds up to ");
        ans_bold_money(a, amount * 12);
        strbuf_addstr(&a->out, " a year.");
        whatif_effects(a, amount);
        return;
    }
    if (cut < 0) {
        strbuf_addstr(&a->out,
                      "Tell me what to change and by how much, for example \"what if I cut "
                      "dining by 20%?\" or \"what if I save $500 more a month?\", and I'll "
                      "work out the effect from your numbers.");
        return;
    }
    strbuf_addf(&a->out, "Cutting %s (", what);
    ans_money(a, base);
    strbuf_addstr(&a->out, " this month) by ");
    if (pct >= 0 && pct % 10)
        strbuf_addf(&a->out, "%lld.%lld%%", (long long)(pct / 10), (long long)(pct % 10));
    else if (pct >= 0)
        strbuf_addf(&a->out, "%lld%%", (long long)(pct / 10));
    else
        ans_money(a, cut);
    strbuf_addstr(&a->out, " would free up ");
    ans_bold_money(a, cut);
    strbuf_addstr(&a->out, " a month, or ");
    ans_bold_money(a, cut * 12);
    strbuf_addstr(&a->out, " a year.");
    whatif_effects(a, cut);
}

/* ---- affordability ---- */

/* What an affordability answer weighs, in minor units. */
struct afford {
    int64_t amount; /* the price asked about */
    int64_t cash;   /* in checking, savings and cash accounts */
    int64_t avg;    /* average monthly spending; 0 when unknown */
    int64_t saving; /* put aside per month now (analyst_doc_monthly_saving()) */
};

static void months_out(struct ans *a, int64_t n)
{
    strbuf_addf(&a->out, "%lld month%s", (long long)n, n == 1 ? "" : "s");
}

/* "**$21,500.00** in cash (Checking $3,500.00 and Savings $18,000.00)" for the @n cash
 * accounts @rows. */
static void cash_out(struct ans *a, const struct analyst_row *rows, size_t n, int64_t cash)
{
    if (n == 0) {
        strbuf_addstr(&a->out, "no money in checking, savings or cash accounts that I can see");
        return;
    }
    ans_bold_money(a, cash);
    strbuf_addstr(&a->out, " in cash (");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strbuf_addstr(&a->out, i + 1 == n ? " and " : ", ");
        strbuf_addf(&a->out, "%s ", rows[i].key ? rows[i].key : "Account");
        ans_money(a, rows[i].amount);
    }
    strbuf_addstr(&a->out, ")");
}

/* No price in the question: ask for one, with what it would be weighed against. */
static void afford_ask(struct ans *a, const struct afford *f, const struct analyst_row *rows,
                       size_t n)
{
    strbuf_addstr(&a->out, "How much would it cost? Tell me the amount, for example \"can I afford "
                           "a $2,000 vacation?\", and I'll weigh it against your cash. You have ");
    cash_out(a, rows, n, f->cash);
    if (f->saving > 0) {
        strbuf_addstr(&a->out, " and you're putting aside about ");
        ans_money(a, f->saving);
        strbuf_addstr(&a->out, " a month.");
    } else {
        strbuf_addstr(&a->out, ", and you're not putting money aside each month right now.");
    }
    if (f->avg > 0) {
        strbuf_addstr(&a->out, " Your spending averages ");
        ans_money(a, f->avg);
        strbuf_addstr(&a->out, " a month.");
    }
}

/* The cushion left after paying: "; paying **$2,000.00** would leave **$19,500.00**, about 4.8
 * months of your average spending ($4,000.00 a month)." (tenths cut, never rounded up past a
 * verdict's line), or the shortfall. */
static void afford_left(struct ans *a, const struct afford *f)
{
    int64_t left = f->cash - f->amount;

    if (left < 0 && f->cash == 0) {
        strbuf_addstr(&a->out, ".");
        return;
    }
    if (left < 0) {
        strbuf_addstr(&a->out, ", ");
        ans_bold_money(a, -left);
        strbuf_addstr(&a->out, " short of ");
        ans_bold_money(a, f->amount);
        strbuf_addstr(&a->out, ".");
        return;
    }
    strbuf_addstr(&a->out, "; paying ");
    ans_bold_money(a, f->amount);
    strbuf_addstr(&a->out, " would leave ");
    ans_bold_money(a, left);
    if (f->avg <= 0) {
        strbuf_addstr(&a->out, ". I don't have your monthly spending, so I can't say how big a "
                               "cushion that is.");
        return;
    }
    strbuf_addf(&a->out, ", about %lld.%lld months of your average spending (",
                (long long)(left * 10 / f->avg / 10), (long long)(left * 10 / f->avg % 10));
    ans_money(a, f->avg);
    strbuf_addstr(&a->out, " a month).");
}

/* How long saving takes at the current pace: to save the price back, or (@short_of) to
 * close the gap to paying it and keeping a month of spending in cash. */
static void afford_pace(struct ans *a, const struct afford *f, bool short_of)
{
    int64_t need = short_of ? f->amount - (f->cash - f->avg) : f->amount;

    if (f->saving <= 0) {
        strbuf_addf(&a->out,
                    " You're not putting money aside each month right now, so %s until "
                    "spending drops below income.",
                    short_of ? "that gap won't close" : "it wouldn't be saved back");
        return;
    }
    if (!short_of) {
        strbuf_addstr(&a->out, " At your current pace of ");
        ans_money(a, f->saving);
        strbuf_addstr(&a->out, " a month you'd save it back in about ");
        months_out(a, ans_months_to(need, f->saving));
        strbuf_addstr(&a->out, ".");
        return;
    }
    strbuf_addstr(&a->out, f->avg > 0 ? " To pay it and still keep a month of spending in cash"
                                      : " To pay it from cash");
    strbuf_addstr(&a->out, " you'd need ");
    ans_bold_money(a, need);
    strbuf_addstr(&a->out, " more: about ");
    months_out(a, ans_months_to(need, f->saving));
    strbuf_addstr(&a->out, " of saving at your current pace of ");
    ans_money(a, f->saving);
    strbuf_addstr(&a->out, " a month.");
}

/* For a purchase in a named month ahead: what the current pace adds by then. */
static void afford_by_month(struct ans *a, const struct afford *f)
{
    struct analyst_period p;
    int64_t when, now;

    if (f->saving <= 0 || !analyst_match_period(a->q, &p) || p.kind != ANALYST_PERIOD_MONTH ||
        !period_named_month_index(a, &p, true, &when) || !period_month_now(a, &now) ||
        when <= now || when - now > 120)
        return;
    strbuf_addstr(&a->out, " By ");
    period_month_out(a, when);
    strbuf_addstr(&a->out, ", ");
    months_out(a, when - now);
    strbuf_addstr(&a->out, " from now, you'd put aside about ");
    ans_money(a, f->saving * (when - now));
    strbuf_addstr(&a->out, " more at that pace.");
}

/* "Can I afford a $2,000 vacation?": the price against cash on hand, the cushion of average
 * spending it leaves (3 months or more is comfortable, 1 is thin) and the saving pace. */
void whatif_afford(struct ans *a)
{
    struct analyst_row rows[ANALYST_ROWS];
    struct afford f = {.saving = analyst_doc_monthly_saving(a->ctx)};
    size_t n, k;
    int64_t pct, left;

    if (analyst_doc_rows(analyst_doc_list(a->ctx, "accounts"), "balance_minor",
                         analyst_doc_category_keys, rows, ANALYST_ROWS) == 0) {
        ans_missing(a, "your account balances");
        return;
    }
    n = analyst_doc_cash_accounts(a->ctx, rows, ANALYST_ROWS);
    for (size_t i = 0; i < n; i++)
        f.cash += rows[i].amount;
    if (!analyst_doc_average_expenses(a->ctx, &f.avg, &k) || f.avg < 0)
        f.avg = 0;
    analyst_match_numbers(a->q, &pct, &f.amount);
    if (f.amount <= 0) {
        afford_ask(a, &f, rows, n);
        return;
    }
    left = f.cash - f.amount;
    if (f.avg > 0 && left >= 3 * f.avg)
        strbuf_addstr(&a->out, "Yes, comfortably. You have ");
    else if (f.avg > 0 && left >= f.avg)
        strbuf_addstr(&a->out, "Yes, but it would thin your cushion. You have ");
    else if (f.avg <= 0 && left >= 0)
        strbuf_addstr(&a->out, "Yes, from your cash. You have ");
    else
        strbuf_addstr(&a->out, "Not from your cash today. You have ");
    cash_out(a, rows, n, f.cash);
    afford_left(a, &f);
    afford_pace(a, &f, left < f.avg);
    afford_by_month(a, &f);
}
