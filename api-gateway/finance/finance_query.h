/* finance_query.h - a user's finance figures read from PostgreSQL, as the JSON of proto/API.md.
 *
 * The one place that turns rows into the API's shapes, shared by the HTTP handlers
 * (finance.c), the assistant's context snapshot (context.c) and seeding (seed.c). Every
 * query is parameterised and scoped by @uid, so nothing here can reach another user's rows.
 *
 * Periods are the user's calendar (SPEC §15): "today", months, "this month", budgets' months,
 * the month buckets of cash flow and net worth are days in the user's time zone (users.timezone,
 * IANA), as of clock_wall_ms() (so FINCHAT_TEST_NOW moves them too); finance_calendar() reads
 * them and FIN_IN_DAYS() bounds a timestamp by them. No query here uses SQL now().
 *
 * Income and spending (SPEC §15), per transaction t (FIN_INCOME(), FIN_SPENDING()):
 * - a transfer (type "transfer" or category "transfer": moves between the user's own
 *   accounts) is neither income nor spending;
 * - a negative amount is spending of its category;
 * - a positive amount in one of FIN_INCOME_CATEGORIES is income;
 * - any other positive amount is a refund: it is not income, it lowers its category's
 *   spending (it counts as negative spending there).
 * So the expenses of a category are the magnitudes of its negative amounts minus its refunds
 * (negative when refunds exceed purchases in the period), total expenses are the sum over
 * categories, and income excludes refunds and transfers. Every total uses these: month
 * figures, cash flow, categories, budgets' spent, savings rate, health score, forecast, the
 * dashboard, the context document and the transactions' summary. Net worth is the sum of
 * account balances (credit balances are negative).
 *
 * Every statement runs through api-gateway/db/sql.h. Functions returning json_t * give a new
 * reference (caller decrefs), or NULL after a PostgreSQL failure (logged there); functions
 * returning int give 0 or the negative FC_E* code of sql.h. @locality any thread, with its
 * own @pg. */
#ifndef FINCHAT_FINANCE_DATA_H
#define FINCHAT_FINANCE_DATA_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* The Transaction columns (12, see finance_txn_json()) and the FROM clause they need:
 * transactions t joined with accounts a. */
#define FIN_TXN_COLS                                                                               \
    "t.id, t.account_id, a.name, "                                                                 \
    "to_char(t.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), t.amount_minor, "  \
    "t.currency, t.merchant, t.description, t.category, t.type, t.note, t.fraud_score"
#define FIN_TXN_NCOLS 12
#define FIN_TXN_FROM " FROM transactions t JOIN accounts a ON a.id = t.account_id"

/* SQL condition: timestamptz @col lies on the local days @from .. @to (inclusive) of time zone
 * @tz; @from, @to and @tz are SQL expressions (parameters), dates as 'YYYY-MM-DD' and the zone
 * as text. Index friendly (a range on @col). */
#define FIN_IN_DAYS(col, from, to, tz)                                                             \
    "(" col " >= ((" from ")::date::timestamp AT TIME ZONE (" tz ")::text) AND " col " < ((((" to  \
    ")::date + 1)::timestamp) AT TIME ZONE (" tz ")::text))"

/* Categories in which a positive amount is income rather than a refund ("uncategorized"
 * too: an unclassified credit is not a refund of anything). */
#define FIN_INCOME_CATEGORIES "'income', 'salary', 'interest', 'dividends', 'uncategorized'"
/* SQL condition: transaction alias @t is a transfer between the user's own accounts. */
#define FIN_TRANSFER(t) "(" t ".type = 'transfer' OR " t ".category = 'transfer')"
/* SQL condition: @t is a purchase or a refund (counts in its category's spending). */
#define FIN_IS_SPENDING(t)                                                                         \
    "(NOT " FIN_TRANSFER(t) " AND (" t ".amount_minor < 0 OR " t                                   \
                            ".category NOT IN (" FIN_INCOME_CATEGORIES ")))"
/* SQL bigint: @t's income (its amount, or 0) and spending (minus its amount, or 0). */
#define FIN_INCOME(t)                                                                              \
    "(CASE WHEN " t ".amount_minor > 0 AND NOT " FIN_IS_SPENDING(t) " AND NOT " FIN_TRANSFER(      \
        t) " THEN " t ".amount_minor ELSE 0 END)"
#define FIN_SPENDING(t) "(CASE WHEN " FIN_IS_SPENDING(t) " THEN -" t ".amount_minor ELSE 0 END)"

/* Currencies (SPEC §15): accounts and transactions keep their own currency; every total is
 * in the user's base currency (fin_cal.cur), each amount converted at the rate of its local
 * day (the latest rate on or before it) by the ONE building block fx_convert() of migration 009
 * (a stored rate either way, else the cross rate through EUR). An amount without a rate
 * converts to NULL: sums leave it out, and the body names its currency in "missing_rates"
 * (finance_missing_rates()) instead of adding it as if it were base currency.
 *
 * SQL bigint: @amount (minor units of currency @cur) in base currency @base (a text SQL
 * expression) on the local day in zone @tz of timestamptz @ts, or NULL without a rate. */
#define FIN_IN_BASE(amount, cur, ts, base, tz)                                                     \
    "fx_convert((" amount ")::bigint, " cur ", (" base ")::char(3), ((" ts ") AT TIME ZONE (" tz   \
    ")::text)::date)"
/* SQL bigint: @amount of currency @cur in @base on epoch day text @day ('YYYY-MM-DD'). */
#define FIN_IN_BASE_ON(amount, cur, day, base)                                                     \
    "fx_convert((" amount ")::bigint, " cur ", (" base ")::char(3), (" day ")::date)"

/* The user's calendar and base currency. */
struct fin_cal {
    char tz[64];   /* IANA zone, "UTC" by default */
    char cur[4];   /* base currency, "USD" by default */
    int64_t today; /* the epoch day it is in @tz at clock_wall_ms() */
    char now[32];  /* clock_wall_ms() as RFC 3339, for SQL in place of now() */
};

/* Reads @uid's calendar into @cal; a user without a row gets UTC and USD. Returns 0 or the
 * code of sql.h (@cal then holds the defaults). */
int finance_calendar(PGconn *pg, const char *uid, struct fin_cal *cal);

/* ["GBP", ...]: the currencies (sorted) of @uid's accounts and holdings without a rate to the
 * base currency today, and of the transactions (transfers aside) of local days @from_day .. @to_day
 * without a rate on their day; [] when every total of those is complete. */
json_t *finance_missing_rates(PGconn *pg, const char *uid, int64_t from_day, int64_t to_day);
/* Adds the codes of JSON array @more (borrowed) missing from array @into. */
void finance_missing_merge(json_t *into, json_t *more);

/* Takes the per-user advisory lock that serialises a user's finance writes (for the fraud
 * rules that look at neighbouring transactions); call inside a transaction (sql_begin()).
 * 0 or the code of sql.h. */
int finance_lock_user(PGconn *pg, const char *user_id);

/* Adds @delta to the balance of account @account_id (already checked to be the user's).
 * 0 or the code of sql.h. */
int finance_adjust_balance(PGconn *pg, const char *account_id, int64_t delta);

/* Records the fraud alert of the user's new transaction @txn_id when @score calls for one
 * (fraud_level()), with the JSON array @reasons_text; the new alert's id goes to @alert_id,
 * "" when there is none. 0 or the code of sql.h. */
int finance_alert_add(PGconn *pg, const char *uid, const char *txn_id, int score,
                      const char *reasons_text, char alert_id[37]);

/* Builds a Transaction object from columns @col .. @col + FIN_TXN_NCOLS - 1 of @row. */
json_t *finance_txn_json(PGresult *res, int row, int col);
/* The Transaction @txn_id of @uid, or NULL when there is none (*@found false) or on failure. */
json_t *finance_txn_get(PGconn *pg, const char *uid, const char *txn_id, bool *found);

/* Reads the user's base currency (users.currency, GET/PATCH /me base_currency) into @cur (4 bytes;
 * left as it is unless 0 is returned). Returns 0, FC_ENOTFOUND or the code of sql.h. */
int finance_user_currency(PGconn *pg, const char *uid, char cur[4]);

/* [Account] ordered by type, then name; balance_base_minor is the balance in the base
 * currency today, null without a rate. */
json_t *finance_accounts(PGconn *pg, const char *uid);
/* [Holding] = [{symbol,name,account_id,quantity,price_minor,market_value_minor,currency,
 * market_value_base_minor}], the last in the base currency at today's rate (null without). */
json_t *finance_holdings(PGconn *pg, const char *uid);
/* {month:"YYYY-MM",income_minor,expenses_minor,savings_rate_pct} of the month @ago months
 * before the current one (0 = this month). */
json_t *finance_month(PGconn *pg, const char *uid, int ago);
/* [{month,income_minor,expenses_minor,net_minor}] for the last @months months including the
 * current one, oldest first (1..120). */
json_t *finance_cashflow(PGconn *pg, const char *uid, int months);
/* {total_minor,items:[{category,amount_minor,count,share_pct}]} of spending (purchases less
 * refunds, see above) posted from @from_day to @to_day inclusive (epoch days of the user's
 * calendar), largest first, at most @limit items; total_minor is over every category. */
json_t *finance_categories(PGconn *pg, const char *uid, int64_t from_day, int64_t to_day,
                           int limit);
/* [{month,net_worth_minor}] month-end net worth (base currency: each account's balance of
 * that day at the rate of the month's last day) for the last @months months, oldest first;
 * the currencies without a rate are added to @missing (an array) when it is not NULL. */
json_t *finance_networth(PGconn *pg, const char *uid, int months, json_t *missing);
/* {monthly_total_minor,items:[{merchant,amount_minor,cadence,last_charged,next_expected,
 * annual_minor,count}]}: recurring merchants of the last 400 days (finance_subs_detect()).
 * Bills (categories housing, rent, mortgage, utilities, insurance, loans) and transfers are
 * not subscriptions. Amounts are magnitudes. */
json_t *finance_subscriptions(PGconn *pg, const char *uid);
/* HealthScore {score,parts:[{key,label,value,points,max_points,reason}]}. */
json_t *finance_health(PGconn *pg, const char *uid);
/* The same from the already fetched finance_budgets() and finance_subscriptions() bodies
 * (borrowed), for callers that show those too. */
json_t *finance_health_with(PGconn *pg, const char *uid, json_t *budgets, json_t *subs);
/* [FraudAlert] with status @status ("open", "resolved", or NULL for all), newest first; with
 * @alert_id only that alert. */
json_t *finance_alerts(PGconn *pg, const char *uid, const char *status, const char *alert_id);
/* {month,items:[{category,limit_minor,spent_minor,pct,status}]} for the current month. */
json_t *finance_budgets(PGconn *pg, const char *uid);
/* The same for the calendar month (the user's) holding epoch day @day: the budgets' limits, with
 * spent computed over that month. */
json_t *finance_budgets_of(PGconn *pg, const char *uid, int64_t day);
/* [{id,name,target_minor,current_minor,target_date}] */
json_t *finance_goals(PGconn *pg, const char *uid);
/* The GET /forecast body for @months (1..60). */
json_t *finance_forecast(PGconn *pg, const char *uid, int months);
/* The @n most recent Transactions. */
json_t *finance_recent(PGconn *pg, const char *uid, int n);
/* The @n largest expenses (negative amounts, transfers aside) of the user's current month,
 * largest first. */
json_t *finance_largest_expenses(PGconn *pg, const char *uid, int n);
/* {text,generated_at} of the cached AI briefing, or JSON null. */
json_t *finance_briefing(PGconn *pg, const char *uid);
/* The GET /dashboard body. */
json_t *finance_dashboard(PGconn *pg, const char *uid);

/* Income and expense magnitudes of up to 6 complete months before the current one, most
 * recent last, leading months without any transaction dropped. Returns the number of months
 * (0..6), or the negative code of sql.h. */
int finance_recent_months(PGconn *pg, const char *uid, int64_t income[6], int64_t expenses[6]);

#endif
