/* period.c - answers for a period the question names: days and weeks from the recent transactions,
 * named months and years from the monthly figures, with the dates stated. */
#include "llm-worker/analyst/period.h"

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

/* ---- periods: days and weeks from the recent transactions, months and years from the
 * monthly figures ---- */

/* A window of whole days (day numbers, analyst_fmt.h), both ends included, and what the
 * question called it. */
struct window {
    int64_t start, end;
    char label[32];
};

/* The window of day or week period @p as of day @asof. */
static struct window window_of(const struct analyst_period *p, int64_t asof)
{
    int64_t monday = asof - fmt_weekday(asof);
    struct window w = {asof, asof, "today"};

    switch (p->kind) {
    case ANALYST_PERIOD_TODAY:
        break;
    case ANALYST_PERIOD_YESTERDAY:
        w = (struct window){asof - 1, asof - 1, "yesterday"};
        break;
    case ANALYST_PERIOD_THIS_WEEK:
        w = (struct window){monday, asof, "this week"};
        break;
    case ANALYST_PERIOD_LAST_WEEK:
        w = (struct window){monday - 7, monday - 1, "last week"};
        break;
    case ANALYST_PERIOD_DAYS:
        w.start = asof - p->count + 1;
        snprintf(w.label, sizeof(w.label), "the past %d days", p->count);
        break;
    default:
        w = (struct window){asof - 6, asof, "the past 7 days"};
        break;
    }
    return w;
}

/* Appends "from Mon 9 Jun to Sun 15 Jun (last week)" or "on Wed 18 Jun (today)", capitalised
 * when @cap; with the years when the window spans two. */
static void window_out(struct ans *a, const struct window *w, bool cap)
{
    int y1, y2, m, d;

    clock_civil_from_days(w->start, &y1, &m, &d);
    clock_civil_from_days(w->end, &y2, &m, &d);
    if (w->start == w->end) {
        strbuf_addstr(&a->out, cap ? "On " : "on ");
    } else {
        strbuf_addstr(&a->out, cap ? "From " : "from ");
        fmt_add_day(&a->out, w->start, y1 != y2);
        strbuf_addstr(&a->out, " to ");
    }
    fmt_add_day(&a->out, w->end, y1 != y2);
    strbuf_addf(&a->out, " (%s)", w->label);
}

/* What the recent transactions show of a window: the spending in it, the first 5 of those
 * transactions in list order (newest first), and the oldest day the list reaches. */
struct window_spend {
    int64_t total, oldest;
    size_t count;
    const json_t *shown[5];
};

/* True when transaction @t is spending (an outflow, not a transfer) in category @cat (NULL
 * for any). */
static bool is_spending(const json_t *t, const char *cat)
{
    const char *type = analyst_doc_str(t, "type"), *c = analyst_doc_str(t, "category");
    int64_t v;

    if (!analyst_doc_money(t, "amount_minor", &v) || v >= 0 ||
        (type && strcasecmp(type, "transfer") == 0))
        return false;
    return !cat || (c && strcasecmp(c, cat) == 0);
}

/* Fills @s from the first ANALYST_ROWS recent transactions for window @w and category @cat
 * (NULL for all); false when none of them has a readable date. */
static bool window_spend(const struct ans *a, const struct window *w, const char *cat,
                         struct window_spend *s)
{
    size_t i;
    json_t *it;
    bool dated = false;

    memset(s, 0, sizeof(*s));
    json_array_foreach(analyst_doc_list(a->ctx, "recent_transactions"), i, it)
    {
        int64_t day;

        if (i == ANALYST_ROWS)
            break;
        if (!fmt_day_parse(analyst_doc_str_any(it, analyst_doc_date_keys), &day))
            continue;
        if (!dated || day < s->oldest)
            s->oldest = day;
        dated = true;
        if (day < w->start || day > w->end || !is_spending(it, cat))
            continue;
        if (s->count < 5)
            s->shown[s->count] = it;
        s->count++;
        s->total += analyst_doc_abs(analyst_doc_money_or(it, "amount_minor", 0));
    }
    return dated;
}

/* "**$61.00** on Dining across 3 transactions:" and the list, or "nothing on Dining." */
static void window_total(struct ans *a, const struct window_spend *s, const char *cat)
{
    if (s->count == 0) {
        strbuf_addf(&a->out, "nothing%s%s.", cat ? " on " : "", cat ? cat : "");
        return;
    }
    ans_bold_money(a, s->total);
    if (cat)
        strbuf_addf(&a->out, " on %s", cat);
    strbuf_addf(&a->out, " across %zu transaction%s:", s->count, s->count == 1 ? "" : "s");
    for (size_t i = 0; i < s->count && i < 5; i++) {
        const char *m = analyst_doc_str_any(s->shown[i], analyst_doc_merchant_keys);
        const char *c = analyst_doc_str(s->shown[i], "category");
        int64_t day;

        strbuf_addstr(&a->out, "\n- ");
        if (fmt_day_parse(analyst_doc_str_any(s->shown[i], analyst_doc_date_keys), &day))
            fmt_add_day(&a->out, day, false);
        strbuf_addf(&a->out, ": %s, ", m ? m : "Unknown");
        ans_money(a, analyst_doc_abs(analyst_doc_money_or(s->shown[i], "amount_minor", 0)));
        if (!cat && c)
            strbuf_addf(&a->out, " (%s)", c);
    }
    if (s->count > 5)
        strbuf_addf(&a->out, "\n- and %zu more", s->count - 5);
}

/* The day the answer is as of: today when known and not before the document's updated_at
 * (no transaction came after that: every write rebuilds the document), else updated_at. */
static bool asof_day(const struct ans *a, int64_t *day)
{
    bool have = analyst_doc_asof(a->ctx, day);

    if (a->today >= 0 && (!have || a->today > *day)) {
        *day = a->today;
        return true;
    }
    return have;
}

/* The gateway's `last_30_days` section when it covers window @w exactly: its categories
 * (spending, largest first; all of them unless the list is full) and its total. */
static const json_t *thirty_days_for(const struct ans *a, const struct window *w, int64_t *total)
{
    const json_t *s = analyst_doc_section(a->ctx, "last_30_days");
    int64_t from, to;

    if (!s || !fmt_day_parse(analyst_doc_str(s, "from"), &from) ||
        !fmt_day_parse(analyst_doc_str(s, "to"), &to) || from != w->start || to != w->end ||
        !analyst_doc_money(s, "expenses_minor", total) ||
        !json_is_array(json_object_get(s, "top_categories")))
        return NULL;
    return s;
}

/* Spending over the 30 days of window @w from section @s (thirty_days_for()), overall or
 * on category @cat. */
static void answer_thirty_days(struct ans *a, const struct window *w, const json_t *s,
                               int64_t total, const char *cat)
{
    struct analyst_row rows[ANALYST_ROWS];
    const json_t *list = json_object_get(s, "top_categories");
    size_t n =
        analyst_doc_rows(list, "amount_minor", analyst_doc_category_keys, rows, ANALYST_ROWS);
    int64_t limit = analyst_doc_money_or(s, "categories_limit", 0);

    total = analyst_doc_abs(total);
    window_out(a, w, true);
    if (!cat) {
        strbuf_addstr(&a->out, " you spent ");
        ans_bold_money(a, total);
        strbuf_addstr(&a->out, ".");
        ans_biggest_categories(a, rows, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].key && strcasecmp(rows[i].key, cat) == 0) {
            strbuf_addstr(&a->out, " you spent ");
            ans_bold_money(a, rows[i].amount);
            strbuf_addf(&a->out, " on %s, ", cat);
            fmt_add_pct(&a->out, rows[i].amount, total);
            strbuf_addstr(&a->out, " of the ");
            ans_money(a, total);
            strbuf_addstr(&a->out, " you spent in all.");
            return;
        }
    }
    if (limit > 0 && (int64_t)json_array_size(list) >= limit) {
        strbuf_addf(&a->out, " %s isn't among your top %lld categories; you spent ", cat,
                    (long long)limit);
        ans_money(a, total);
        strbuf_addstr(&a->out, " in all.");
        return;
    }
    strbuf_addf(&a->out, " you spent nothing on %s (", cat);
    ans_money(a, total);
    strbuf_addstr(&a->out, " in all).");
}

/* Spending over a day or week window, from the recent transactions (or, for the last 30
 * days, from the gateway's totals of them). */
static void answer_window(struct ans *a, const struct analyst_period *p, const char *cat)
{
    struct window w;
    struct window_spend s;
    const json_t *thirty;
    int64_t asof, total;

    if (!asof_day(a, &asof)) {
        strbuf_addstr(&a->out,
                      "I can't tell which days you mean: your data doesn't say when it was "
                      "last updated, and I have no clock of my own.");
        return;
    }
    w = window_of(p, asof);
    if ((thirty = thirty_days_for(a, &w, &total)) != NULL) {
        answer_thirty_days(a, &w, thirty, total, cat);
        return;
    }
    if (!window_spend(a, &w, cat, &s)) {
        ans_missing(a, "your recent transactions");
        return;
    }
    if (s.oldest > w.end) {
        strbuf_addstr(&a->out, "I don't have your transactions ");
        window_out(a, &w, false);
        strbuf_addstr(&a->out, ": your recent transactions I have go back only to ");
        fmt_add_day(&a->out, s.oldest, false);
        strbuf_addstr(&a->out, ". The Transactions page has your full history.");
        return;
    }
    if (s.oldest >= w.start) { /* the list is bounded: it may stop inside the window */
        strbuf_addstr(&a->out, "Your recent transactions I have go back only to ");
        fmt_add_day(&a->out, s.oldest, false);
        strbuf_addstr(&a->out, ", so this is at least what you spent ");
        window_out(a, &w, false);
        strbuf_addstr(&a->out, ": ");
    } else {
        window_out(a, &w, true);
        strbuf_addstr(&a->out, " you spent ");
    }
    window_total(a, &s, cat);
}

/* A month with figures: its index (year * 12 + month - 1) and its cash-flow shaped entry. */
struct month {
    int64_t idx;
    const json_t *j;
};

/* The index of "YYYY-MM[...]" @key; false when unreadable. */
static bool month_index(const char *key, int64_t *idx)
{
    int y, m;

    if (!key || sscanf(key, "%4d-%2d", &y, &m) != 2 || y < 0 || m < 1 || m > 12)
        return false;
    *idx = (int64_t)y * 12 + m - 1;
    return true;
}

/* Appends "June 2025" for month index @idx. */
void period_month_out(struct ans *a, int64_t idx)
{
    char key[24];

    snprintf(key, sizeof(key), "%04lld-%02d", (long long)(idx / 12), (int)(idx % 12) + 1);
    fmt_add_month(&a->out, key);
}

/* The months with figures (analyst_doc_months()) whose key is readable, oldest first. */
static size_t known_months(const struct ans *a, struct month *out)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_months(a->ctx, rows, ANALYST_ROWS), k = 0;

    for (size_t i = 0; i < n; i++)
        if (month_index(rows[i].key, &out[k].idx))
            out[k++].j = rows[i].j;
    return k;
}

/* This month's index: the label of analyst_doc_month(); false when unknown. */
static bool this_month(const struct ans *a, int64_t *idx)
{
    int64_t income, expenses;
    const char *label = NULL;

    return analyst_doc_month(a->ctx, &income, &expenses, &label) && month_index(label, idx);
}

/* The index of the month the document is as of: its as-of day's, else this month's. */
bool period_month_now(const struct ans *a, int64_t *idx)
{
    int64_t day;
    int y, m, d;

    if (!asof_day(a, &day))
        return this_month(a, idx);
    clock_civil_from_days(day, &y, &m, &d);
    *idx = (int64_t)y * 12 + m - 1;
    return true;
}

/* The index of the month @p names: in the year the question gives, else the latest such
 * month up to now, or with @ahead the next one from now. */
bool period_named_month_index(const struct ans *a, const struct analyst_period *p, bool ahead,
                              int64_t *idx)
{
    int64_t now;

    if (p->year) {
        *idx = (int64_t)p->year * 12 + p->month - 1;
        return true;
    }
    if (!period_month_now(a, &now))
        return false;
    *idx = now - now % 12 + p->month - 1;
    if (!ahead && *idx > now)
        *idx -= 12;
    if (ahead && *idx < now)
        *idx += 12;
    return true;
}

/* Appends "December 2024 to June 2025" for consecutive months @ms, else lists them. */
static void month_span(struct ans *a, const struct month *ms, size_t n)
{
    if (n > 1 && ms[n - 1].idx - ms[0].idx == (int64_t)n - 1) {
        period_month_out(a, ms[0].idx);
        strbuf_addstr(&a->out, " to ");
        period_month_out(a, ms[n - 1].idx);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strbuf_addstr(&a->out, i + 1 == n ? " and " : ", ");
        period_month_out(a, ms[i].idx);
    }
}

static void no_category_figures(struct ans *a, const char *cat)
{
    strbuf_addf(&a->out,
                " I keep per-category figures only for this month and last month, so I can't "
                "say how much of that went to %s.",
                cat);
}

/* What category @cat took of month @idx, from this month's or last month's top categories. */
/* The spending of category @cat (by name, any case) in list @list of the document, a
 * magnitude, into *@v; false when the list does not have it. */
static bool list_category(const struct ans *a, const char *list, const char *cat, int64_t *v)
{
    size_t i;
    json_t *it;

    json_array_foreach(analyst_doc_list(a->ctx, list), i, it)
    {
        const char *name = analyst_doc_str_any(it, analyst_doc_category_keys);

        if (name && strcasecmp(name, cat) == 0 && analyst_doc_money(it, "amount_minor", v)) {
            *v = analyst_doc_abs(*v);
            return true;
        }
    }
    return false;
}

static void month_category(struct ans *a, int64_t idx, const char *cat)
{
    const char *list = NULL;
    const char *lm = analyst_doc_str(analyst_doc_section(a->ctx, "last_month"), "month");
    int64_t now, last, v;

    if (this_month(a, &now)) {
        if (!month_index(lm, &last))
            last = now - 1;
        list = idx == now ? "top_categories" : idx == last ? "top_categories_last_month" : NULL;
    }
    if (!list) {
        no_category_figures(a, cat);
        return;
    }
    if (list_category(a, list, cat, &v)) {
        strbuf_addstr(&a->out, " Of that, ");
        ans_bold_money(a, v);
        strbuf_addf(&a->out, " went to %s.", cat);
        return;
    }
    strbuf_addf(&a->out, " %s isn't among the top categories I have for ", cat);
    period_month_out(a, idx);
    strbuf_addstr(&a->out, ".");
}

/* Spending in a named month ("in September"), from the monthly figures. */
static void answer_named_month(struct ans *a, const struct analyst_period *p, const char *cat)
{
    struct month ms[ANALYST_ROWS];
    size_t n = known_months(a, ms), i;
    int64_t idx, now;

    if (n == 0 || !period_named_month_index(a, p, false, &idx)) {
        ans_missing(a, "your monthly income and spending");
        return;
    }
    for (i = 0; i < n && ms[i].idx != idx; i++)
        ;
    if (i == n) {
        strbuf_addstr(&a->out, "I don't have ");
        period_month_out(a, idx);
        strbuf_addstr(&a->out, " in your data: I have monthly figures for ");
        month_span(a, ms, n);
        strbuf_addstr(&a->out, ".");
        return;
    }
    strbuf_addstr(&a->out, "In ");
    period_month_out(a, idx);
    if (this_month(a, &now) && now == idx)
        strbuf_addstr(&a->out, " (so far)");
    ans_spent_against(a, analyst_doc_abs(analyst_doc_money_or(ms[i].j, "expenses_minor", 0)),
                      analyst_doc_money_or(ms[i].j, "income_minor", 0));
    strbuf_addstr(&a->out, ".");
    if (cat)
        month_category(a, idx, cat);
}

/* Spending in a year (this year, last year or one by number), over the months of it the
 * figures have. */
static void answer_year(struct ans *a, const struct analyst_period *p, const char *cat)
{
    struct month all[ANALYST_ROWS], in[ANALYST_ROWS];
    size_t n = known_months(a, all), k = 0;
    int64_t now, year, spent = 0, income = 0;

    if (n == 0 || !period_month_now(a, &now)) {
        ans_missing(a, "your monthly income and spending");
        return;
    }
    year =
        p->kind == ANALYST_PERIOD_YEAR ? p->year : now / 12 - (p->kind == ANALYST_PERIOD_LAST_YEAR);
    for (size_t i = 0; i < n; i++) {
        if (all[i].idx / 12 != year)
            continue;
        in[k++] = all[i];
        spent += analyst_doc_abs(analyst_doc_money_or(all[i].j, "expenses_minor", 0));
        income += analyst_doc_money_or(all[i].j, "income_minor", 0);
    }
    strbuf_addstr(&a->out, "Your monthly figures cover ");
    month_span(a, all, n);
    if (k == 0) {
        strbuf_addf(&a->out, ", so I have none for %lld.", (long long)year);
        return;
    }
    if (k == 1)
        strbuf_addf(&a->out, ". In the one month of %lld among them (", (long long)year);
    else
        strbuf_addf(&a->out, ". Over the %zu months of %lld among them (", k, (long long)year);
    month_span(a, in, k);
    if (this_month(a, &now) && in[k - 1].idx == now)
        strbuf_addstr(&a->out, ", the last one so far");
    strbuf_addstr(&a->out, ")");
    ans_spent_against(a, spent, income);
    strbuf_addstr(&a->out, ".");
    if (cat)
        no_category_figures(a, cat);
}

/* Spending over the @p->count whole months before this one, from the monthly figures, with
 * the monthly average and this month so far. */
static void answer_months(struct ans *a, const struct analyst_period *p, const char *cat)
{
    struct month all[ANALYST_ROWS], in[ANALYST_ROWS];
    size_t n = known_months(a, all), k = 0;
    int64_t now, spent = 0, income = 0, cur;

    if (n == 0 || !period_month_now(a, &now)) {
        ans_missing(a, "your monthly income and spending");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].idx < now - p->count || all[i].idx >= now)
            continue;
        in[k++] = all[i];
        spent += analyst_doc_abs(analyst_doc_money_or(all[i].j, "expenses_minor", 0));
        income += analyst_doc_money_or(all[i].j, "income_minor", 0);
    }
    if (k == 0) {
        strbuf_addf(&a->out,
                    "I don't have figures for the %d full months before this one: my "
                    "monthly figures cover ",
                    p->count);
        month_span(a, all, n);
        strbuf_addstr(&a->out, ".");
        return;
    }
    if ((int)k < p->count)
        strbuf_addf(&a->out, "I have figures for only %zu of the last %d full months. Over those (",
                    k, p->count);
    else
        strbuf_addf(&a->out, "Over the last %d full months (", p->count);
    month_span(a, in, k);
    strbuf_addstr(&a->out, ")");
    ans_spent_against(a, spent, income);
    strbuf_addstr(&a->out, "; that's ");
    ans_money(a, spent / (int64_t)k);
    strbuf_addstr(&a->out, " a month on average.");
    for (size_t i = 0; i < n; i++)
        if (all[i].idx == now && analyst_doc_money(all[i].j, "expenses_minor", &cur)) {
            strbuf_addstr(&a->out, " So far this month you've spent ");
            ans_money(a, analyst_doc_abs(cur));
            strbuf_addstr(&a->out, ".");
        }
    if (cat)
        no_category_figures(a, cat);
}

/* The first category of list @list (names under @keys) that the question names, or NULL. */
static const char *category_named_in(const struct ans *a, const char *list, const char *const *keys)
{
    size_t i;
    json_t *it;

    json_array_foreach(analyst_doc_list(a->ctx, list), i, it)
    {
        const char *c = analyst_doc_str_any(it, keys);

        if (c && analyst_match_name(a->q, c))
            return c;
    }
    return NULL;
}

/* The category a period question names: one of the user's (analyst_doc_category()), else
 * one of last month's top categories or of the recent transactions'; NULL for none. */
static const char *period_category(const struct ans *a)
{
    static const char *const tx_keys[] = {"category", NULL};
    struct analyst_named nm;
    const char *c;

    if (analyst_doc_category(a->ctx, a->q, &nm))
        return nm.name;
    c = category_named_in(a, "top_categories_last_month", analyst_doc_category_keys);
    return c ? c : category_named_in(a, "recent_transactions", tx_keys);
}

/* "How much did I spend on dining last month?": the category in last month's top categories;
 * false when the question does not say last month or names no category. */
bool period_category_last_month(struct ans *a)
{
    static const char *const said[] = {"last month", "previous month", "month before", NULL};
    const json_t *lm = analyst_doc_section(a->ctx, "last_month");
    const char *cat;
    int64_t total, v;

    if (!analyst_match_any(a->q, said) || !(cat = period_category(a)))
        return false;
    ans_last_month_out(a, lm);
    if (!list_category(a, "top_categories_last_month", cat, &v)) {
        strbuf_addf(&a->out, ", %s isn't among the top categories I have.", cat);
        return true;
    }
    strbuf_addstr(&a->out, " you spent ");
    ans_bold_money(a, v);
    strbuf_addf(&a->out, " on %s", cat);
    if (analyst_doc_money(lm, "expenses_minor", &total) && analyst_doc_abs(total) > 0) {
        strbuf_addstr(&a->out, ", ");
        fmt_add_pct(&a->out, v, analyst_doc_abs(total));
        strbuf_addstr(&a->out, " of that month's ");
        ans_money(a, analyst_doc_abs(total));
    }
    strbuf_addstr(&a->out, ".");
    return true;
}

/* Answers a spending question that names a period (analyst_match_period()), overall or for
 * the category it names; false when it names none. */
bool period_answer(struct ans *a)
{
    struct analyst_period p;
    const char *cat;

    if (!analyst_match_period(a->q, &p))
        return false;
    cat = period_category(a);
    if (p.kind == ANALYST_PERIOD_MONTH)
        answer_named_month(a, &p, cat);
    else if (p.kind == ANALYST_PERIOD_THIS_YEAR || p.kind == ANALYST_PERIOD_LAST_YEAR ||
             p.kind == ANALYST_PERIOD_YEAR)
        answer_year(a, &p, cat);
    else if (p.kind == ANALYST_PERIOD_MONTHS)
        answer_months(a, &p, cat);
    else
        answer_window(a, &p, cat);
    return true;
}
