/* balances.c - answers about what the user has: investments, net worth and accounts, income, the
 * largest expenses, goals, the health score, recent transactions and cash flow. */
#include "llm-worker/analyst/balances.h"

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

/* ---- balances, income, goals and history ---- */

/* Holdings by market value: {symbol, name, quantity, market_value_minor}. */
void balances_investments(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "holdings");
    struct analyst_row rows[ANALYST_ROWS];
    size_t n =
        analyst_doc_rows(arr, "market_value_minor", analyst_doc_category_keys, rows, ANALYST_ROWS);
    int64_t total = 0, nw;
    const json_t *part = analyst_doc_health_part(a->ctx, "investments");

    if (n == 0) {
        strbuf_addstr(&a->out, arr ? "You don't hold any investments that I can see. "
                                   : "I don't have your investment holdings in your data yet. ");
        strbuf_addstr(&a->out, "Once a brokerage account is linked, I can show what you own and "
                               "how much of your net worth it makes up.");
        return;
    }
    for (size_t i = 0; i < n; i++)
        total += rows[i].amount;
    strbuf_addf(&a->out, "Your investments are worth ");
    ans_bold_money(a, total);
    strbuf_addf(&a->out, " across %zu holding%s:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 8; i++) {
        const char *sym = analyst_doc_str(rows[i].j, "symbol");
        const json_t *q = json_object_get(rows[i].j, "quantity");

        strbuf_addf(&a->out, "- %s", sym ? sym : (rows[i].key ? rows[i].key : "Holding"));
        if (sym && rows[i].key)
            strbuf_addf(&a->out, " (%s)", rows[i].key);
        if (json_is_number(q))
            strbuf_addf(&a->out, ", %g shares", json_number_value(q));
        strbuf_addstr(&a->out, ": ");
        ans_money(a, rows[i].amount);
        strbuf_addstr(&a->out, " (");
        fmt_add_pct(&a->out, rows[i].amount, total);
        strbuf_addstr(&a->out, ")\n");
    }
    if (analyst_doc_money(a->ctx, "net_worth_minor", &nw) && nw > 0) {
        strbuf_addstr(&a->out, "That's ");
        fmt_add_pct(&a->out, total, nw);
        strbuf_addstr(&a->out, " of your net worth.");
    }
    if (analyst_doc_str(part, "reason"))
        strbuf_addf(&a->out, " Health score: %s.", analyst_doc_str(part, "reason"));
}

void balances_net_worth(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "accounts");
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = 0, i;
    int64_t nw, assets = 0, debts = 0;
    json_t *it;
    bool have = analyst_doc_money(a->ctx, "net_worth_minor", &nw);

    json_array_foreach(arr, i, it)
    {
        int64_t bal;

        if (n == ANALYST_ROWS || !analyst_doc_money(it, "balance_minor", &bal))
            continue;
        rows[n].j = it;
        rows[n].amount = analyst_doc_abs(bal);
        rows[n].key = analyst_doc_str_any(it, analyst_doc_category_keys);
        if (bal >= 0)
            assets += bal;
        else
            debts += -bal;
        n++;
    }
    if (!have && n == 0) {
        ans_missing(a, "your account balances");
        return;
    }
    if (!have)
        nw = assets - debts;
    strbuf_addstr(&a->out, "Your net worth is ");
    ans_bold_money(a, nw);
    strbuf_addstr(&a->out, n ? "." : ".\n");
    if (n == 0)
        return;
    analyst_doc_sort(rows, n);
    strbuf_addf(&a->out, " Across your %zu account%s:\n", n, n == 1 ? "" : "s");
    for (i = 0; i < n && i < 10; i++) {
        const char *type = analyst_doc_str(rows[i].j, "type");

        strbuf_addf(&a->out, "- %s", rows[i].key ? rows[i].key : "Account");
        if (type)
            strbuf_addf(&a->out, " (%s)", type);
        strbuf_addstr(&a->out, ": ");
        ans_money(a, analyst_doc_money_or(rows[i].j, "balance_minor", 0));
        strbuf_addstr(&a->out, "\n");
    }
    strbuf_addstr(&a->out, "That's ");
    ans_money(a, assets);
    strbuf_addstr(&a->out, " in assets and ");
    ans_money(a, debts);
    strbuf_addstr(&a->out, " owed.");
}

void balances_income(struct ans *a)
{
    int64_t income, expenses, sum = 0, lo = INT64_MAX, hi = INT64_MIN;
    const char *label, *lo_m = NULL, *hi_m = NULL;
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_cashflow(a->ctx, rows, ANALYST_ROWS), k = 0;
    bool have = analyst_doc_month(a->ctx, &income, &expenses, &label);

    if (have) {
        strbuf_addstr(&a->out, "Your income this month is ");
        ans_bold_money(a, income);
        strbuf_addstr(&a->out, ".");
    }
    for (size_t i = 0; i < n; i++) {
        int64_t v;

        if (!analyst_doc_money(rows[i].j, "income_minor", &v))
            continue;
        sum += v;
        k++;
        if (v < lo) {
            lo = v;
            lo_m = rows[i].key;
        }
        if (v > hi) {
            hi = v;
            hi_m = rows[i].key;
        }
    }
    if (k > 1) {
        strbuf_addf(&a->out, "%sOver the last %zu months you've earned ", have ? " " : "", k);
        ans_money(a, sum / (int64_t)k);
        strbuf_addstr(&a->out, " a month on average, from ");
        ans_money(a, lo);
        if (lo_m) {
            strbuf_addstr(&a->out, " in ");
            fmt_add_month(&a->out, lo_m);
        }
        strbuf_addstr(&a->out, " to ");
        ans_money(a, hi);
        if (hi_m) {
            strbuf_addstr(&a->out, " in ");
            fmt_add_month(&a->out, hi_m);
        }
        strbuf_addstr(&a->out, ".");
    }
    if (have && income > 0) {
        strbuf_addstr(&a->out, " You're keeping ");
        fmt_add_pct(&a->out, income - expenses, income);
        strbuf_addstr(&a->out, " of this month's income.");
    }
    if (a->out.len == 0)
        ans_missing(a, "your income");
}

void balances_largest(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "largest_expenses");
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = 0, i;
    int64_t total = 0;
    json_t *it;

    if (arr) {
        n = analyst_doc_rows(arr, "amount_minor", analyst_doc_merchant_keys, rows, ANALYST_ROWS);
    } else {
        json_array_foreach(analyst_doc_list(a->ctx, "recent_transactions"), i, it)
        {
            int64_t v;

            if (n == ANALYST_ROWS || !analyst_doc_money(it, "amount_minor", &v) || v >= 0)
                continue;
            rows[n].j = it;
            rows[n].amount = analyst_doc_abs(v);
            rows[n].key = analyst_doc_str_any(it, analyst_doc_merchant_keys);
            n++;
        }
        analyst_doc_sort(rows, n);
    }
    if (n == 0) {
        ans_missing(a, "your recent expenses");
        return;
    }
    if (n > 5)
        n = 5;
    strbuf_addf(&a->out, "Your largest expenses%s:\n",
                arr ? " recently" : " among recent transactions");
    for (i = 0; i < n; i++) {
        const char *date = analyst_doc_str_any(rows[i].j, analyst_doc_date_keys);
        const char *cat = analyst_doc_str(rows[i].j, "category");

        total += rows[i].amount;
        strbuf_addstr(&a->out, "- ");
        ans_bold_money(a, rows[i].amount);
        strbuf_addf(&a->out, " at %s", rows[i].key ? rows[i].key : "an unknown merchant");
        if (date)
            strbuf_addf(&a->out, " on %.10s", date);
        if (cat)
            strbuf_addf(&a->out, " (%s)", cat);
        strbuf_addstr(&a->out, "\n");
    }
    strbuf_addstr(&a->out, "Together they come to ");
    ans_money(a, total);
    strbuf_addstr(&a->out, ".");
}

void balances_goals(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "goals");
    int64_t saving = analyst_doc_monthly_saving(a->ctx);
    const char *now = analyst_doc_str(analyst_doc_section(a->ctx, "month"), "month");
    size_t i, n = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        strbuf_addstr(&a->out,
                      "You haven't set any savings goals yet. Add one (an emergency fund is "
                      "a great first goal) and I'll track how fast you're getting there.");
        return;
    }
    strbuf_addstr(&a->out, "Here's where your goals stand:\n");
    json_array_foreach(arr, i, it)
    {
        int64_t target, cur, left;
        const char *name = analyst_doc_str_any(it, analyst_doc_category_keys),
                   *date = analyst_doc_str(it, "target_date");

        if (!analyst_doc_money(it, "target_minor", &target) || target <= 0)
            continue;
        cur = analyst_doc_money_or(it, "current_minor", 0);
        n++;
        strbuf_addf(&a->out, "- %s: ", name ? name : "Goal");
        ans_money(a, cur);
        strbuf_addstr(&a->out, " of ");
        ans_money(a, target);
        strbuf_addstr(&a->out, " (");
        fmt_add_pct(&a->out, cur, target);
        strbuf_addstr(&a->out, ")");
        if (date) {
            strbuf_addstr(&a->out, ", target ");
            fmt_add_month(&a->out, date);
        }
        left = target - cur;
        if (left <= 0) {
            strbuf_addstr(&a->out, " - reached!\n");
            continue;
        }
        {
            int64_t months;

            if (date && analyst_doc_months_between(now, date, &months) && months > 0) {
                strbuf_addstr(&a->out, "; needs ");
                ans_money(a, (left + months - 1) / months);
                strbuf_addstr(&a->out, " a month to get there on time");
            }
        }
        if (saving > 0)
            strbuf_addf(&a->out, "; about %lld months at your current pace",
                        (long long)ans_months_to(left, saving));
        strbuf_addstr(&a->out, "\n");
    }
    if (n == 0) {
        strbuf_release(&a->out);
        ans_missing(a, "targets for your goals");
        return;
    }
    if (saving > 0) {
        strbuf_addstr(&a->out, "You're currently putting aside about ");
        ans_money(a, saving);
        strbuf_addstr(&a->out, " a month.");
    } else {
        strbuf_addstr(&a->out, "Right now you're not putting money aside each month, so the goals "
                               "won't move until spending drops below income.");
    }
}

void balances_health(struct ans *a)
{
    const json_t *hs = analyst_doc_section(a->ctx, "health_score");
    const json_t *weakest = NULL;
    int64_t score, pts, max;
    size_t i;
    json_t *it;
    int64_t worst = INT64_MAX;

    if (!analyst_doc_money(hs, "score", &score)) {
        ans_missing(a, "a health score");
        return;
    }
    strbuf_addf(&a->out, "Your financial health score is **%lld/100**.", (long long)score);
    json_array_foreach(json_object_get(hs, "parts"), i, it)
    {
        const char *label =
            analyst_doc_str_any(it, (const char *const[]){"label", "name", "key", NULL});
        const char *reason = analyst_doc_str(it, "reason");

        if (!analyst_doc_money(it, "points", &pts) || !analyst_doc_money(it, "max_points", &max) ||
            max <= 0)
            continue;
        strbuf_addf(&a->out, "\n- %s: %lld/%lld%s%s", label ? label : "Part", (long long)pts,
                    (long long)max, reason ? " - " : "", reason ? reason : "");
        if ((pts * 1000) / max < worst) {
            worst = (pts * 1000) / max;
            weakest = it;
        }
    }
    if (weakest) {
        const char *label =
            analyst_doc_str_any(weakest, (const char *const[]){"label", "name", "key", NULL});

        strbuf_addf(&a->out, "\nThe most room to improve is in %s.", label ? label : "one part");
    }
}

void balances_recent(struct ans *a)
{
    const json_t *arr = analyst_doc_list(a->ctx, "recent_transactions");
    size_t i, n = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        ans_missing(a, "recent transactions");
        return;
    }
    strbuf_addstr(&a->out, "Your most recent transactions:\n");
    json_array_foreach(arr, i, it)
    {
        const char *date = analyst_doc_str_any(it, analyst_doc_date_keys),
                   *m = analyst_doc_str_any(it, analyst_doc_merchant_keys);
        const char *cat = analyst_doc_str(it, "category");
        int64_t v;

        if (n == 8 || !analyst_doc_money(it, "amount_minor", &v))
            continue;
        n++;
        strbuf_addstr(&a->out, "- ");
        if (date)
            strbuf_addf(&a->out, "%.10s ", date);
        strbuf_addf(&a->out, "%s: ", m ? m : "Unknown");
        ans_money(a, v);
        if (cat)
            strbuf_addf(&a->out, " (%s)", cat);
        strbuf_addstr(&a->out, "\n");
    }
    strbuf_addstr(&a->out, "You can search and filter all of them on the Transactions page.");
}

void balances_cashflow(struct ans *a)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_cashflow(a->ctx, rows, ANALYST_ROWS), best = 0, worst = 0;

    if (n == 0) {
        ans_missing(a, "your monthly cash flow");
        return;
    }
    strbuf_addf(&a->out, "Your cash flow over the last %zu month%s:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        strbuf_addstr(&a->out, "- ");
        fmt_add_month(&a->out, rows[i].key ? rows[i].key : "?");
        strbuf_addstr(&a->out, ": in ");
        ans_money(a, analyst_doc_money_or(rows[i].j, "income_minor", 0));
        strbuf_addstr(&a->out, ", out ");
        ans_money(a, analyst_doc_abs(analyst_doc_money_or(rows[i].j, "expenses_minor", 0)));
        strbuf_addstr(&a->out, ", net ");
        ans_money(a, analyst_doc_net(rows[i].j));
        strbuf_addstr(&a->out, "\n");
        if (analyst_doc_net(rows[i].j) > analyst_doc_net(rows[best].j))
            best = i;
        if (analyst_doc_net(rows[i].j) < analyst_doc_net(rows[worst].j))
            worst = i;
    }
    if (n > 1) {
        strbuf_addstr(&a->out, "Your best month was ");
        fmt_add_month(&a->out, rows[best].key ? rows[best].key : "?");
        strbuf_addstr(&a->out, " and the weakest ");
        fmt_add_month(&a->out, rows[worst].key ? rows[worst].key : "?");
        strbuf_addstr(&a->out, ".");
    }
}
