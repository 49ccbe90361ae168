/* analyst_compose.c - the analyst's answers, one composer per intent. */
#include "llm-worker/analyst/analyst_compose.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"
#include "llm-worker/analyst/ans.h"
#include "llm-worker/analyst/balances.h"
#include "llm-worker/analyst/overview.h"
#include "llm-worker/analyst/period.h"
#include "llm-worker/analyst/whatif.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char help_topics[] =
    "- your spending this month or last month, today, yesterday, this week, last week, the past "
    "7 days, in a named month or this year, in total or in one category (\"how much on "
    "dining?\", \"how much did I spend on coffee last week?\", \"what did I spend in "
    "March?\")\n"
    "- whether you can afford something (\"can I afford a $2,000 vacation?\")\n"
    "- where your money goes, category by category\n"
    "- your biggest financial risk\n"
    "- your savings rate and your income\n"
    "- subscriptions, fraud alerts and budget status\n"
    "- your 12-month forecast, and what-ifs (\"what if I cut dining by 20%?\", \"what if I "
    "save $500 more a month?\")\n"
    "- net worth and accounts, investments, largest expenses, goals, your health score, recent "
    "transactions and cash flow";

/* ---- answers ---- */

static void answer_greeting(struct ans *a)
{
    const char *name = analyst_doc_str(a->ctx, "name");
    size_t n = name ? strcspn(name, " \t\r\n*_`[]<>") : 0;

    if (n > 0 && n <= 40)
        strbuf_addf(&a->out, "Hi %.*s! ", (int)n, name);
    else
        strbuf_addstr(&a->out, "Hi! ");
    strbuf_addstr(&a->out,
                  "I'm finchat's built-in analyst. I answer from your own numbers, "
                  "and I work even when no AI model is reachable. You can ask me about:\n");
    strbuf_addstr(&a->out, help_topics);
}

static void answer_unknown(struct ans *a)
{
    strbuf_addstr(&a->out,
                  "I can't answer that from your data. I'm finchat's offline analyst, so I "
                  "only know your own finances. Here is what I can tell you about:\n");
    strbuf_addstr(&a->out, help_topics);
}

/* "How much did I spend last month?", from the gateway's `last_month`. */
static void answer_last_month(struct ans *a, const json_t *lm)
{
    int64_t income = analyst_doc_money_or(lm, "income_minor", 0);
    int64_t expenses = analyst_doc_abs(analyst_doc_money_or(lm, "expenses_minor", 0));
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_rows(analyst_doc_list(a->ctx, "top_categories_last_month"),
                                "amount_minor", analyst_doc_category_keys, rows, ANALYST_ROWS);

    ans_last_month_out(a, lm);
    ans_spent_against(a, expenses, income);
    strbuf_addstr(&a->out, ".");
    ans_biggest_categories(a, rows, n);
}

static void answer_spending(struct ans *a)
{
    int64_t income, expenses, prev = 0;
    const char *label, *pm;
    const json_t *lm;
    struct analyst_row rows[ANALYST_ROWS];
    size_t n;

    lm = analyst_doc_section(a->ctx, "last_month");
    if (analyst_match_has(a->q, "last month") && analyst_doc_money(lm, "expenses_minor", &prev)) {
        answer_last_month(a, lm);
        return;
    }
    if (!analyst_doc_month(a->ctx, &income, &expenses, &label)) {
        ans_missing(a, "this month's spending");
        return;
    }
    strbuf_addstr(&a->out, "So far this month you've spent ");
    ans_bold_money(a, expenses);
    if (income > 0) {
        strbuf_addstr(&a->out, " against income of ");
        ans_money(a, income);
        if (income >= expenses) {
            strbuf_addstr(&a->out, ", leaving ");
            ans_money(a, income - expenses);
            strbuf_addstr(&a->out, " unspent.");
        } else {
            strbuf_addstr(&a->out, ", which is ");
            ans_money(a, expenses - income);
            strbuf_addstr(&a->out, " more than you earned.");
        }
    } else {
        strbuf_addstr(&a->out, ".");
    }
    /* The month before: `last_month`, else the cash-flow month before this one. */
    if (!analyst_doc_money(lm, "expenses_minor", &prev)) {
        n = analyst_doc_cashflow(a->ctx, rows, ANALYST_ROWS);
        if (n > 0 && label && rows[n - 1].key && strcmp(rows[n - 1].key, label) == 0)
            n--; /* the latest row is this month: compare with the one before */
        lm = n > 0 ? rows[n - 1].j : NULL;
        if (!analyst_doc_money(lm, "expenses_minor", &prev))
            lm = NULL;
    }
    prev = analyst_doc_abs(prev);
    if (lm && prev > 0) {
        pm = analyst_doc_str(lm, "month");
        strbuf_addstr(&a->out, " In ");
        if (pm)
            fmt_add_month(&a->out, pm);
        else
            strbuf_addstr(&a->out, "the month before");
        strbuf_addstr(&a->out, " you spent ");
        ans_money(a, prev);
        strbuf_addstr(&a->out, " in total; ");
        if (expenses >= prev) {
            strbuf_addstr(&a->out, "this month is already ");
            fmt_add_pct(&a->out, expenses - prev, prev);
            strbuf_addstr(&a->out, " above that.");
        } else {
            strbuf_addstr(&a->out, "so far this month is ");
            fmt_add_pct(&a->out, prev - expenses, prev);
            strbuf_addstr(&a->out, " below that.");
        }
    }
    if (analyst_doc_list(a->ctx, "top_categories") &&
        json_array_size(analyst_doc_list(a->ctx, "top_categories")) > 0) {
        strbuf_addstr(&a->out, " Your biggest categories are ");
        ans_top_categories(a, 3);
        strbuf_addstr(&a->out, ".");
    }
}

static void answer_category(struct ans *a, const struct analyst_named *nm)
{
    int64_t spent = -1, limit, total = 0, v;
    struct analyst_row rows[ANALYST_ROWS];
    size_t n;

    if (nm->category && analyst_doc_money(nm->category, "amount_minor", &v))
        spent = analyst_doc_abs(v);
    else if (nm->budget && analyst_doc_money(nm->budget, "spent_minor", &v))
        spent = analyst_doc_abs(v);
    if (spent < 0) {
        strbuf_addf(&a->out,
                    "I know %s is one of your categories, but I don't see an amount "
                    "for it this month.",
                    nm->name);
        return;
    }
    strbuf_addf(&a->out, "This month you've spent ");
    ans_bold_money(a, spent);
    strbuf_addf(&a->out, " on %s", nm->name);
    n = analyst_doc_rows(analyst_doc_list(a->ctx, "top_categories"), "amount_minor",
                         analyst_doc_category_keys, rows, ANALYST_ROWS);
    for (size_t i = 0; i < n; i++)
        total += rows[i].amount;
    if (!analyst_doc_money(analyst_doc_section(a->ctx, "month"), "expenses_minor", &v) ||
        analyst_doc_abs(v) < total)
        v = total;
    if (analyst_doc_abs(v) > 0 && nm->category) {
        strbuf_addstr(&a->out, ", ");
        fmt_add_pct(&a->out, spent, analyst_doc_abs(v));
        strbuf_addstr(&a->out, " of your spending.");
    } else {
        strbuf_addstr(&a->out, ".");
    }
    if (nm->budget && analyst_doc_money(nm->budget, "limit_minor", &limit) && limit > 0) {
        strbuf_addf(&a->out, " Your %s budget is ", nm->name);
        ans_money(a, limit);
        if (spent > limit) {
            strbuf_addstr(&a->out, " and you're over it by ");
            ans_bold_money(a, spent - limit);
            strbuf_addstr(&a->out, ".");
        } else {
            strbuf_addstr(&a->out, ", so you have ");
            ans_money(a, limit - spent);
            strbuf_addstr(&a->out, " left (");
            fmt_add_pct(&a->out, spent, limit);
            strbuf_addstr(&a->out, " used).");
        }
    }
}

static void answer_categories(struct ans *a)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_rows(analyst_doc_list(a->ctx, "top_categories"), "amount_minor",
                                analyst_doc_category_keys, rows, ANALYST_ROWS);
    int64_t total = 0, month;

    if (n == 0) {
        ans_missing(a, "a category breakdown of your spending");
        return;
    }
    for (size_t i = 0; i < n; i++)
        total += rows[i].amount;
    /* Shares are of all spending when the month's total is known, as the dashboard shows. */
    if (analyst_doc_money(analyst_doc_section(a->ctx, "month"), "expenses_minor", &month) &&
        analyst_doc_abs(month) >= total)
        total = analyst_doc_abs(month);
    strbuf_addstr(&a->out, "Here's where your money went this month (");
    ans_bold_money(a, total);
    strbuf_addstr(&a->out, " in total):\n");
    for (size_t i = 0; i < n && i < 8; i++) {
        strbuf_addf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Uncategorized");
        ans_money(a, rows[i].amount);
        strbuf_addstr(&a->out, " (");
        fmt_add_pct(&a->out, rows[i].amount, total);
        strbuf_addstr(&a->out, ")\n");
    }
    strbuf_addf(&a->out,
                "%s is your largest category; ask me \"what if I cut %s by 10%%?\" to "
                "see what trimming it would save.",
                rows[0].key ? rows[0].key : "Uncategorized", rows[0].key ? rows[0].key : "it");
}

/* Fills @a->out with the answer for @intent. */
static void compose(struct ans *a, enum analyst_intent intent)
{
    struct analyst_named nm;

    if (!a->ctx && intent != ANALYST_GREETING && intent != ANALYST_UNKNOWN) {
        strbuf_addstr(&a->out,
                      "I don't have any of your financial data yet. Link a bank account or "
                      "import a statement (or load the demo data), and I'll answer with your "
                      "real numbers.");
        return;
    }
    switch (intent) {
    case ANALYST_GREETING:
        answer_greeting(a);
        break;
    case ANALYST_SPENDING:
        if (!period_answer(a) && !period_category_last_month(a))
            answer_spending(a);
        break;
    case ANALYST_CATEGORY:
        if (period_answer(a) || period_category_last_month(a))
            break;
        if (analyst_doc_category(a->ctx, a->q, &nm))
            answer_category(a, &nm);
        else
            answer_categories(a);
        break;
    case ANALYST_CATEGORIES:
        if (!period_answer(a) && !period_category_last_month(a))
            answer_categories(a);
        break;
    case ANALYST_RISK:
        overview_risk(a);
        break;
    case ANALYST_SAVINGS:
        overview_savings(a);
        break;
    case ANALYST_SUBSCRIPTIONS:
        overview_subscriptions(a);
        break;
    case ANALYST_FRAUD:
        overview_fraud(a);
        break;
    case ANALYST_BUDGETS:
        overview_budgets(a);
        break;
    case ANALYST_FORECAST:
        overview_forecast(a);
        break;
    case ANALYST_WHAT_IF:
        whatif_answer(a);
        break;
    case ANALYST_NET_WORTH:
        balances_net_worth(a);
        break;
    case ANALYST_INCOME:
        balances_income(a);
        break;
    case ANALYST_LARGEST:
        balances_largest(a);
        break;
    case ANALYST_GOALS:
        balances_goals(a);
        break;
    case ANALYST_HEALTH:
        balances_health(a);
        break;
    case ANALYST_RECENT:
        balances_recent(a);
        break;
    case ANALYST_CASHFLOW:
        balances_cashflow(a);
        break;
    case ANALYST_SUMMARY:
        overview_summary(a);
        break;
    case ANALYST_INVESTMENTS:
        balances_investments(a);
        break;
    case ANALYST_AFFORD:
        whatif_afford(a);
        break;
    case ANALYST_UNKNOWN:
        answer_unknown(a);
        break;
    }
}

char *analyst_compose(enum analyst_intent intent, const char *q, const json_t *doc, int64_t today)
{
    struct ans a = {.ctx = json_is_object(doc) ? doc : NULL, .q = q ? q : "", .today = today};

    a.cur = analyst_doc_str(a.ctx, "currency");
    if (!a.cur)
        a.cur = "USD";
    compose(&a, intent);
    return strbuf_detach(&a.out, NULL);
}
