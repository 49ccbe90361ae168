/* analyst_doc.h - tolerant reading of the user's context document for the analyst.
 *
 * The document is what the gateway stores in MongoDB `contexts` (api-gateway/finance/context.h):
 * currency, name, net_worth_minor, accounts, this_month, last_month, last_6_months.months,
 * top_categories_this_month, subscriptions, goals, fraud_alerts, budgets, health_score,
 * forecast, largest_expenses_this_month, recent_transactions, last_30_days. The shorter names
 * of the dashboard (month, cashflow, top_categories, largest_expenses) are read too. Any part may
 * be missing or of the wrong type: readers then report absence instead of guessing. Lists are also
 * accepted in {"items":[...]} or {"months":[...]} envelopes. Money is integer minor units; an
 * integral JSON real is tolerated.
 *
 * The document's as-of date is the date of its `updated_at` (UTC): the analyst has no clock, so
 * "today" is that day.
 *
 * Pure: no I/O, no globals; any thread. Returned pointers borrow from the document. */
#ifndef FINCHAT_ANALYST_DOC_H
#define FINCHAT_ANALYST_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ANALYST_ROWS 64 /* entries of one list the analyst looks at */
/* Larger amounts (10 trillion in major units) are not believed: bounding money keeps every
 * sum, share and projection of the analyst far from int64_t overflow. */
#define ANALYST_MONEY_MAX 1000000000000000LL

/* One list entry with the money figure it is sorted and shown by, and its name. */
struct analyst_row {
    const json_t *j;
    int64_t amount;
    const char *key;
};

/* What a question names among the user's categories. */
struct analyst_named {
    const char *name;
    const json_t *category; /* top_categories entry, may be NULL */
    const json_t *budget;   /* budgets entry, may be NULL */
};

/* Member names tried, in order, for an entry's name, merchant and date. */
extern const char *const analyst_doc_category_keys[];
extern const char *const analyst_doc_merchant_keys[];
extern const char *const analyst_doc_date_keys[];

/* Reads the money member @key of @o into *@out; false when absent, not money, or beyond
 * +-ANALYST_MONEY_MAX. */
bool analyst_doc_money(const json_t *o, const char *key, int64_t *out);
int64_t analyst_doc_money_or(const json_t *o, const char *key, int64_t def);
/* |@v|, with INT64_MIN left as it is. */
int64_t analyst_doc_abs(int64_t v);
/* The non-empty string member @key of @o, or NULL. */
const char *analyst_doc_str(const json_t *o, const char *key);
/* The first of the NULL-terminated @keys that is a non-empty string member of @o. */
const char *analyst_doc_str_any(const json_t *o, const char *const *keys);
const json_t *analyst_doc_section(const json_t *doc, const char *key);
/* The array section @key (or its "items"), else NULL. */
const json_t *analyst_doc_list(const json_t *doc, const char *key);

/* Fills @rows from the objects of @arr with the magnitude of @money_key (entries without it
 * are skipped) and the first of @names; largest first. Returns the count (<= @max). */
size_t analyst_doc_rows(const json_t *arr, const char *money_key, const char *const *names,
                        struct analyst_row *rows, size_t max);
/* Sorts @rows by amount, largest first, then by name. */
void analyst_doc_sort(struct analyst_row *rows, size_t n);
/* The cash-flow months, oldest first; key is "YYYY-MM". */
size_t analyst_doc_cashflow(const json_t *doc, struct analyst_row *rows, size_t max);
/* A cash-flow month's net: net_minor, else income minus expenses. */
int64_t analyst_doc_net(const json_t *month);
/* This month's income and spending (a magnitude) and its "YYYY-MM" label (may be NULL),
 * from `month` or else the latest cash-flow month; false when unknown. */
bool analyst_doc_month(const json_t *doc, int64_t *income, int64_t *expenses, const char **label);
/* The months with income and spending figures: the cash-flow months, with this month's and
 * last month's sections (`month`, `last_month`) added when they name a month the cash-flow
 * lacks; oldest first, one row per month, key is "YYYY-MM". */
size_t analyst_doc_months(const json_t *doc, struct analyst_row *rows, size_t max);
/* Average monthly net over the cash-flow months; false when there are none. */
bool analyst_doc_average_net(const json_t *doc, int64_t *avg, size_t *months);
/* Average monthly spending (a magnitude) over the cash-flow months; false when there are
 * none. */
bool analyst_doc_average_expenses(const json_t *doc, int64_t *avg, size_t *months);
/* What the user puts aside per month now: this month's net if positive, else the average
 * net if positive, else 0. */
int64_t analyst_doc_monthly_saving(const json_t *doc);
/* The accounts that hold cash (type checking, savings or cash) with a positive balance,
 * largest first; amount is the balance, key the account's name (may be NULL). */
size_t analyst_doc_cash_accounts(const json_t *doc, struct analyst_row *rows, size_t max);
/* The document's as-of day (the date of `updated_at`, UTC) as a day number (analyst_fmt.h);
 * false when it is absent or unreadable. */
bool analyst_doc_asof(const json_t *doc, int64_t *day);
/* The user's own "today" (SPEC §15: their calendar, users.timezone) when the UTC day is
 * @utc_today: the document was built on the user's local day `last_30_days.to`, at
 * `updated_at`; the difference between those two days (the user's offset from UTC then, -1, 0
 * or +1) is carried over to @utc_today. Without both fields (a document of another shape):
 * @utc_today. */
int64_t analyst_doc_user_today(const json_t *doc, int64_t utc_today);
/* The user's category that question @q (lower-cased) names, with its top_categories and
 * budgets entries; false when it names none. */
bool analyst_doc_category(const json_t *doc, const char *q, struct analyst_named *out);
/* The monthly equivalent of subscription @s's @amount by its cadence. */
int64_t analyst_doc_per_month(const json_t *s, int64_t amount);
/* Open fraud alerts, largest amount first; key is the merchant (alert or its transaction). */
size_t analyst_doc_open_alerts(const json_t *doc, struct analyst_row *rows, size_t max);
/* The 12-month forecast of scenario @name ("expected", "conservative", "optimistic"): the
 * forecast's <name>_12m_minor, else the gain of scenarios.<name> over start_balance_minor. */
bool analyst_doc_forecast(const json_t *doc, const char *name, int64_t *out);
/* The health_score part whose key (or name or label) starts with @key, or NULL. */
const json_t *analyst_doc_health_part(const json_t *doc, const char *key);
/* Months from "YYYY-MM" @from to the date @to ("YYYY-MM[-DD]"); false when unreadable. */
bool analyst_doc_months_between(const char *from, const char *to, int64_t *out);

#endif
