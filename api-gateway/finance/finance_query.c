/* finance_query.c - finance figures from PostgreSQL as API JSON (see finance_query.h). */
#include "api-gateway/finance/finance_query.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/forecast.h"
#include "api-gateway/finance/fraud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

int finance_lock_user(PGconn *pg, const char *user_id)
{
    const char *vals[1] = {user_id};

    return sql_exec(pg, "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", 1, vals, NULL);
}

int finance_adjust_balance(PGconn *pg, const char *account_id, int64_t delta)
{
    char amt[24];
    const char *vals[2] = {account_id, amt};

    snprintf(amt, sizeof(amt), "%lld", (long long)delta);
    return sql_exec(pg,
                    "UPDATE accounts SET balance_minor = balance_minor + $2::bigint"
                    " WHERE id = $1::uuid",
                    2, vals, NULL);
}

int finance_alert_add(PGconn *pg, const char *uid, const char *txn_id, int score,
                      const char *reasons_text, char alert_id[37])
{
    const char *level = fraud_level(score);
    char score_s[16];
    const char *vals[5] = {uid, txn_id, score_s, level, reasons_text};

    alert_id[0] = '\0';
    if (!level)
        return 0;
    snprintf(score_s, sizeof(score_s), "%d", score);
    return sql_text(pg,
                    "INSERT INTO fraud_alerts (user_id, transaction_id, score, level, reasons)"
                    " VALUES ($1::uuid, $2::uuid, $3::int, $4, $5::jsonb) RETURNING id",
                    5, vals, alert_id, 37);
}

static int64_t i64(PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static const char *str(PGresult *res, int row, int col)
{
    return PQgetvalue(res, row, col);
}

static json_t *str_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(str(res, row, col));
}

int finance_calendar(PGconn *pg, const char *uid, struct fin_cal *cal)
{
    const char *vals[2] = {uid, cal->now};
    PGresult *res;
    int rc;

    snprintf(cal->tz, sizeof(cal->tz), "UTC");
    snprintf(cal->cur, sizeof(cal->cur), "USD");
    clock_rfc3339(clock_wall_ms(), cal->now, sizeof(cal->now));
    cal->today = clock_wall_ms() / 86400000;
    rc = sql_query(pg,
                   "SELECT timezone, currency,"
                   " ($2::timestamptz AT TIME ZONE timezone)::date - date '1970-01-01'"
                   " FROM users WHERE id = $1",
                   2, vals, &res);
    if (rc)
        return rc;
    if (PQntuples(res) == 1) {
        snprintf(cal->tz, sizeof(cal->tz), "%s", str(res, 0, 0));
        snprintf(cal->cur, sizeof(cal->cur), "%s", str(res, 0, 1));
        cal->today = i64(res, 0, 2);
    }
    PQclear(res);
    return 0;
}

json_t *finance_txn_json(PGresult *res, int row, int c)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", str(res, row, c),
                     "account_id", str(res, row, c + 1), "account_name", str(res, row, c + 2),
                     "posted_at", str(res, row, c + 3), "amount_minor",
                     (json_int_t)i64(res, row, c + 4), "currency", str(res, row, c + 5), "merchant",
                     str(res, row, c + 6), "description", str(res, row, c + 7), "category",
                     str(res, row, c + 8), "type", str(res, row, c + 9), "note",
                     str(res, row, c + 10), "fraud_score", (json_int_t)i64(res, row, c + 11));
}

/* Maps one row of a result to a JSON value (new reference). */
typedef json_t *(*row_fn)(PGresult *res, int row);

/* Runs @sql and returns the array of @fn over its rows, or NULL after logging a failure. */
static json_t *query_array(PGconn *pg, const char *sql, int n, const char *const *vals, row_fn fn)
{
    PGresult *res;
    json_t *arr;

    if (sql_query(pg, sql, n, vals, &res))
        return NULL;
    arr = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(arr, fn(res, i));
    PQclear(res);
    return arr;
}

static json_t *txn_row(PGresult *res, int row)
{
    return finance_txn_json(res, row, 0);
}

json_t *finance_txn_get(PGconn *pg, const char *uid, const char *txn_id, bool *found)
{
    const char *vals[2] = {uid, txn_id};
    json_t *out = NULL;
    PGresult *res;

    *found = false;
    if (sql_query(pg,
                  "SELECT " FIN_TXN_COLS FIN_TXN_FROM " WHERE t.user_id = $1 AND t.id = $2::uuid",
                  2, vals, &res))
        return NULL;
    if (PQntuples(res) == 1) {
        out = finance_txn_json(res, 0, 0);
        *found = true;
    }
    PQclear(res);
    return out;
}

int finance_user_currency(PGconn *pg, const char *uid, char cur[4])
{
    const char *vals[1] = {uid};
    char got[4];
    int rc = sql_text(pg, "SELECT currency FROM users WHERE id = $1", 1, vals, got, sizeof(got));

    if (!rc)
        memcpy(cur, got, sizeof(got));
    return rc;
}

static json_t *int_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_integer(i64(res, row, col));
}

/* query_array() of @sql with $1 the user, $2 their today ('YYYY-MM-DD') and $3 their base
 * currency, for amounts converted at today's rate. */
static json_t *query_today(PGconn *pg, const char *uid, const char *sql, row_fn fn)
{
    char today[16];
    const char *vals[3] = {uid, today, NULL};
    struct fin_cal cal;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[2] = cal.cur;
    finance_day_text(cal.today, today, sizeof(today));
    return query_array(pg, sql, 3, vals, fn);
}

static json_t *account_row(PGresult *res, int i)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:o}", "id", str(res, i, 0), "name",
                     str(res, i, 1), "type", str(res, i, 2), "institution", str(res, i, 3),
                     "balance_minor", (json_int_t)i64(res, i, 4), "currency", str(res, i, 5),
                     "mask", str(res, i, 6), "balance_base_minor", int_or_null(res, i, 7));
}

json_t *finance_accounts(PGconn *pg, const char *uid)
{
    return query_today(
        pg, uid,
        "SELECT id, name, type, institution, balance_minor, currency, mask, " FIN_IN_BASE_ON(
            "balance_minor", "currency", "$2",
            "$3") " FROM accounts WHERE user_id = $1 ORDER BY array_position(ARRAY["
                  "'checking','savings','credit','investment'], type), name, id",
        account_row);
}

json_t *finance_missing_rates(PGconn *pg, const char *uid, int64_t from_day, int64_t to_day)
{
    char from[16], to[16], today[16];
    const char *vals[6] = {uid, from, to, today, NULL, NULL};
    struct fin_cal cal;
    PGresult *res;
    json_t *out;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[4] = cal.cur;
    vals[5] = cal.tz;
    finance_day_text(from_day, from, sizeof(from));
    finance_day_text(to_day, to, sizeof(to));
    finance_day_text(cal.today, today, sizeof(today));
    if (sql_query(pg,
                  "SELECT currency::text FROM accounts WHERE user_id = $1 AND " FIN_IN_BASE_ON(
                      "balance_minor", "currency", "$4",
                      "$5") " IS NULL"
                            " UNION SELECT currency::text FROM holdings WHERE user_id = $1 "
                            "AND " FIN_IN_BASE_ON(
                                "1", "currency", "$4",
                                "$5") " IS NULL"
                                      " UNION SELECT t.currency::text FROM "
                                      "transactions t WHERE t.user_id = $1"
                                      " AND t.currency <> $5::char(3) AND "
                                      "NOT " FIN_TRANSFER("t") " AND " FIN_IN_DAYS(
                                          "t.posted_at", "$2", "$3",
                                          "$6") " AND " FIN_IN_BASE("t.amount_minor", "t.currency",
                                                                    "t.posted_at", "$5",
                                                                    "$6") " IS NULL "
                                                                          "ORDER "
                                                                          "BY 1",
                  6, vals, &res))
        return NULL;
    out = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(out, json_string(str(res, i, 0)));
    PQclear(res);
    return out;
}

void finance_missing_merge(json_t *into, json_t *more)
{
    json_t *v, *w;
    size_t i, j;

    json_array_foreach(more, i, v)
    {
        bool have = false;

        json_array_foreach(into, j, w) have |= json_equal(v, w);
        if (!have)
            json_array_append(into, v);
    }
}

static json_t *holding_row(PGresult *res, int i)
{
    return json_pack("{s:s,s:s,s:o,s:f,s:I,s:I,s:s,s:o}", "symbol", str(res, i, 0), "name",
                     str(res, i, 1), "account_id", str_or_null(res, i, 2), "quantity",
                     (double)i64(res, i, 3) / 1000.0, "price_minor", (json_int_t)i64(res, i, 4),
                     "market_value_minor", (json_int_t)i64(res, i, 6), "currency", str(res, i, 5),
                     "market_value_base_minor", int_or_null(res, i, 7));
}

json_t *finance_holdings(PGconn *pg, const char *uid)
{
    return query_today(
        pg, uid,
        "SELECT symbol, name, account_id, quantity_milli, price_minor, currency, "
        "v, " FIN_IN_BASE_ON(
            "v", "currency", "$2",
            "$3") " FROM (SELECT *, round(quantity_milli::numeric * price_minor / 1000) AS v"
                  " FROM holdings WHERE user_id = $1) h ORDER BY 7 DESC, symbol",
        holding_row);
}

/* Month label, income, expenses and transaction count of the months @oldest .. @newest
 * months ago (oldest >= newest >= 0), oldest first. */
static int month_rows(PGconn *pg, const char *uid, int oldest, int newest, PGresult **res)
{
    char a[16], b[16], first[16];
    const char *vals[6] = {uid, a, b, first, NULL, NULL};
    struct fin_cal cal;
    int64_t day, last;
    int rc = finance_calendar(pg, uid, &cal);

    if (rc)
        return rc;
    vals[4] = cal.tz;
    vals[5] = cal.cur;
    finance_month_days(cal.today, 0, &day, &last);
    finance_day_text(day, first, sizeof(first));
    snprintf(a, sizeof(a), "%d", oldest);
    snprintf(b, sizeof(b), "%d", newest);
    return sql_query(
        pg,
        "SELECT to_char(s, 'YYYY-MM'), coalesce(sum(" FIN_IN_BASE(
            FIN_INCOME("t"), "t.currency", "t.posted_at", "$6",
            "$5") "), 0), coalesce(sum(" FIN_IN_BASE(FIN_SPENDING("t"), "t.currency", "t.posted_at",
                                                     "$6",
                                                     "$5") "), 0), count(t.id)"
                                                           " FROM generate_series($3::int, "
                                                           "$2::int) k"
                                                           " CROSS JOIN LATERAL (SELECT $4::date - "
                                                           "make_interval(months => k) AS s) "
                                                           "m"
                                                           " LEFT JOIN transactions t ON t.user_id "
                                                           "= $1"
                                                           "  AND t.posted_at >= (s AT TIME ZONE "
                                                           "$5::text)"
                                                           "  AND t.posted_at < ((s + interval '1 "
                                                           "month') AT TIME ZONE $5::text)"
                                                           " GROUP BY s ORDER BY s",
        6, vals, res);
}

json_t *finance_month(PGconn *pg, const char *uid, int ago)
{
    PGresult *res;
    int64_t inc, exp;
    json_t *out;

    if (month_rows(pg, uid, ago, ago, &res))
        return NULL;
    inc = i64(res, 0, 1);
    exp = i64(res, 0, 2);
    out = json_pack("{s:s,s:I,s:I,s:f}", "month", str(res, 0, 0), "income_minor", (json_int_t)inc,
                    "expenses_minor", (json_int_t)exp, "savings_rate_pct",
                    inc > 0 ? finance_pct(inc - exp, inc) : 0.0);
    PQclear(res);
    return out;
}

json_t *finance_cashflow(PGconn *pg, const char *uid, int months)
{
    PGresult *res;
    json_t *arr;

    if (month_rows(pg, uid, months - 1, 0, &res))
        return NULL;
    arr = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(
            arr, json_pack("{s:s,s:I,s:I,s:I}", "month", str(res, i, 0), "income_minor",
                           (json_int_t)i64(res, i, 1), "expenses_minor", (json_int_t)i64(res, i, 2),
                           "net_minor", (json_int_t)(i64(res, i, 1) - i64(res, i, 2))));
    PQclear(res);
    return arr;
}

int finance_recent_months(PGconn *pg, const char *uid, int64_t income[6], int64_t expenses[6])
{
    PGresult *res;
    int first = 0, n = 0;
    int rc = month_rows(pg, uid, 6, 1, &res);

    if (rc)
        return rc;
    while (first < PQntuples(res) && i64(res, first, 3) == 0)
        first++;
    for (int i = first; i < PQntuples(res) && n < 6; i++, n++) {
        income[n] = i64(res, i, 1);
        expenses[n] = i64(res, i, 2);
    }
    PQclear(res);
    return n;
}

json_t *finance_categories(PGconn *pg, const char *uid, int64_t from_day, int64_t to_day, int limit)
{
    char from[16], to[16], lim[16];
    const char *vals[6] = {uid, from, to, lim, NULL, NULL};
    struct fin_cal cal;
    PGresult *res;
    json_t *items;
    int64_t total = 0;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[4] = cal.tz;
    vals[5] = cal.cur;
    finance_day_text(from_day, from, sizeof(from));
    finance_day_text(to_day, to, sizeof(to));
    snprintf(lim, sizeof(lim), "%d", limit);
    if (sql_query(
            pg,
            "SELECT t.category, coalesce(sum(" FIN_IN_BASE(
                FIN_SPENDING("t"), "t.currency", "t.posted_at", "$6",
                "$5") "), 0), count(*), coalesce(sum(sum(" FIN_IN_BASE(FIN_SPENDING("t"),
                                                                       "t.currency", "t.posted_at",
                                                                       "$6",
                                                                       "$5") ")) OVER (), 0)"
                                                                             " FROM transactions t "
                                                                             "WHERE t.user_id = $1 "
                                                                             "AND " FIN_IS_SPENDING("t") " AND " FIN_IN_DAYS(
                                                                                 "t.posted_at",
                                                                                 "$2", "$3",
                                                                                 "$5") " GROUP BY "
                                                                                       "t.category "
                                                                                       "ORDER BY 2 "
                                                                                       "DESC, 1 "
                                                                                       "LIMIT "
                                                                                       "$4::int",
            6, vals, &res))
        return NULL;
    if (PQntuples(res) > 0)
        total = i64(res, 0, 3);
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(items, json_pack("{s:s,s:I,s:I,s:f}", "category", str(res, i, 0),
                                               "amount_minor", (json_int_t)i64(res, i, 1), "count",
                                               (json_int_t)i64(res, i, 2), "share_pct",
                                               finance_pct(i64(res, i, 1), total)));
    PQclear(res);
    return json_pack("{s:I,s:o}", "total_minor", (json_int_t)total, "items", items);
}

json_t *finance_networth(PGconn *pg, const char *uid, int months, json_t *missing)
{
    char m[16], first[16];
    const char *vals[5] = {uid, m, first, NULL, NULL};
    struct fin_cal cal;
    int64_t day, last;
    PGresult *res;
    json_t *arr;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[3] = cal.tz;
    vals[4] = cal.cur;
    finance_month_days(cal.today, 0, &day, &last);
    finance_day_text(day, first, sizeof(first));
    snprintf(m, sizeof(m), "%d", months - 1);
    /* Each account's balance at the month's end (today's balance less what was posted
     * after), in the base currency at the rate of the month's last day. */
    if (sql_query(pg,
                  "WITH v AS (SELECT s, a.currency, " FIN_IN_BASE_ON(
                      "a.balance_minor - coalesce((SELECT sum(t.amount_minor) FROM transactions t"
                      "  WHERE t.user_id = $1 AND t.account_id = a.id"
                      "  AND t.posted_at >= ((s + interval '1 month') AT TIME ZONE $4::text)), 0)",
                      "a.currency", "s + interval '1 month' - interval '1 day'",
                      "$5") " AS x"
                            " FROM generate_series(0, $2::int) k CROSS JOIN LATERAL"
                            "  (SELECT $3::date - make_interval(months => k) AS s) m"
                            " LEFT JOIN accounts a ON a.user_id = $1)"
                            " SELECT to_char(s, 'YYYY-MM'), coalesce(sum(x), 0),"
                            " coalesce(string_agg(DISTINCT currency::text, ',') FILTER (WHERE "
                            "currency IS NOT NULL"
                            "  AND x IS NULL), '')"
                            " FROM v GROUP BY s ORDER BY s",
                  5, vals, &res))
        return NULL;
    arr = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        char codes[1024], *save = NULL;

        json_array_append_new(arr, json_pack("{s:s,s:I}", "month", str(res, i, 0),
                                             "net_worth_minor", (json_int_t)i64(res, i, 1)));
        snprintf(codes, sizeof(codes), "%s", str(res, i, 2));
        for (char *c = strtok_r(codes, ",", &save); c && missing; c = strtok_r(NULL, ",", &save)) {
            json_t *one = json_pack("[s]", c);

            finance_missing_merge(missing, one);
            json_decref(one);
        }
    }
    PQclear(res);
    return arr;
}

json_t *finance_subscriptions(PGconn *pg, const char *uid)
{
    char months[16], days[16];
    const char *vals[6] = {uid, months, days, NULL, NULL, NULL};
    struct fin_cal cal;
    struct sub_charge *c;
    struct sub_item *items;
    size_t n, nitems;
    int64_t total = 0;
    PGresult *res;
    json_t *arr;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[3] = cal.now;
    vals[4] = cal.tz;
    vals[5] = cal.cur;
    snprintf(months, sizeof(months), "%d", SUB_MIN_MONTHS);
    snprintf(days, sizeof(days), "%d", SUB_ACTIVE_DAYS);
    /* The CTE r is a cheap pre-filter on the rules finance_subs_detect() then applies in full,
     * so heavy users do not ship every expense of the year to the gateway. */
    if (sql_query(
            pg,
            /* Charges in the base currency; one without a rate is left out. */
            "WITH e AS (SELECT lower(merchant) AS k, merchant, posted_at, " FIN_IN_BASE(
                "amount_minor", "currency", "posted_at", "$6",
                "$5") " AS amount_minor, id"
                      "  FROM transactions WHERE user_id = $1 AND type = 'expense' AND merchant <> "
                      "''"
                      "  AND category NOT IN ('housing', 'rent', 'mortgage', 'utilities', "
                      "'insurance', "
                      "'loans',"
                      "  'transfer') AND posted_at >= $4::timestamptz - interval '400 days'"
                      "  AND posted_at <= $4::timestamptz),"
                      " r AS (SELECT k FROM e GROUP BY k"
                      "  HAVING count(DISTINCT date_trunc('month', posted_at AT TIME ZONE "
                      "$5::text)) >= "
                      "$2::int"
                      "  AND count(*) <= count(DISTINCT date_trunc('month', posted_at AT TIME ZONE "
                      "$5::text))"
                      "  + 1 AND max(posted_at) >= $4::timestamptz - make_interval(days => $3::int "
                      "+ 1))"
                      " SELECT e.k, e.merchant, (e.posted_at AT TIME ZONE $5::text)::date - date "
                      "'1970-01-01',"
                      " -e.amount_minor FROM e JOIN r ON r.k = e.k WHERE e.amount_minor IS NOT NULL"
                      " ORDER BY e.k COLLATE \"C\", e.posted_at, e.id",
            6, vals, &res))
        return NULL;
    n = (size_t)PQntuples(res);
    c = xcalloc(n ? n : 1, sizeof(*c));
    items = xcalloc(n ? n : 1, sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        c[i].merchant = str(res, (int)i, 0);
        c[i].label = str(res, (int)i, 1);
        c[i].day = i64(res, (int)i, 2);
        c[i].amount_minor = i64(res, (int)i, 3);
    }
    nitems = finance_subs_detect(c, n, cal.today, items, n);
    arr = json_array();
    for (size_t i = 0; i < nitems; i++) {
        char last[16], next[16];

        finance_day_text(items[i].last_day, last, sizeof(last));
        finance_day_text(items[i].next_day, next, sizeof(next));
        total += items[i].amount_minor;
        json_array_append_new(
            arr, json_pack("{s:s,s:I,s:s,s:s,s:s,s:I,s:i}", "merchant", items[i].label,
                           "amount_minor", (json_int_t)items[i].amount_minor, "cadence", "monthly",
                           "last_charged", last, "next_expected", next, "annual_minor",
                           (json_int_t)items[i].annual_minor, "count", items[i].count));
    }
    free(items);
    free(c);
    PQclear(res);
    return json_pack("{s:I,s:o}", "monthly_total_minor", (json_int_t)total, "items", arr);
}

/* Sums balances by account type into @in and returns the net worth in *@nw. */
static int balances(PGconn *pg, const char *uid, struct health_input *in, int64_t *nw)
{
    char today[16];
    const char *vals[3] = {uid, today, NULL};
    struct fin_cal cal;
    PGresult *res;
    int rc = finance_calendar(pg, uid, &cal);

    if (rc)
        return rc;
    vals[2] = cal.cur;
    finance_day_text(cal.today, today, sizeof(today));
    /* In the base currency at today's rate; a balance without a rate is left out (the body
     * names it in missing_rates). */
    rc = sql_query(pg,
                   "SELECT type, coalesce(sum(x), 0), coalesce(sum(x) FILTER (WHERE x < 0), 0)"
                   " FROM (SELECT type, " FIN_IN_BASE_ON(
                       "balance_minor", "currency", "$2",
                       "$3") " AS x FROM accounts WHERE user_id = $1) a GROUP BY type",
                   3, vals, &res);
    if (rc)
        return rc;
    *nw = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *type = str(res, i, 0);
        int64_t sum = i64(res, i, 1);

        *nw += sum;
        if (!in)
            continue;
        if (strcmp(type, "checking") == 0 || strcmp(type, "savings") == 0)
            in->liquid_minor += sum;
        else if (strcmp(type, "credit") == 0)
            in->debt_minor += -i64(res, i, 2);
        else if (strcmp(type, "investment") == 0)
            in->invested_minor += sum;
    }
    PQclear(res);
    return 0;
}

static json_t *health_json(const struct health_score *s)
{
    json_t *parts = json_array();

    for (int i = 0; i < 6; i++) {
        const struct health_part *p = &s->parts[i];

        json_array_append_new(parts, json_pack("{s:s,s:s,s:f,s:i,s:i,s:s}", "key", p->key, "label",
                                               p->label, "value", p->value, "points", p->points,
                                               "max_points", p->max_points, "reason", p->reason));
    }
    return json_pack("{s:i,s:o}", "score", s->score, "parts", parts);
}

json_t *finance_health_with(PGconn *pg, const char *uid, json_t *budgets, json_t *subs)
{
    struct health_input in = {0};
    struct health_score score;
    struct fin_cal cal;
    json_t *item;
    int64_t nw;
    size_t i;
    int n;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    in.currency = cal.cur;
    n = finance_recent_months(pg, uid, in.income, in.expenses);
    if (n < 0 || balances(pg, uid, &in, &nw) != 0)
        return NULL;
    in.nmonths = n;
    json_array_foreach(json_object_get(budgets, "items"), i, item)
    {
        const char *st = json_string_value(json_object_get(item, "status"));

        in.budgets_total++;
        in.budgets_warning += strcmp(st, "warning") == 0;
        in.budgets_exceeded += strcmp(st, "exceeded") == 0;
    }
    in.subscriptions_monthly_minor =
        json_integer_value(json_object_get(subs, "monthly_total_minor"));
    finance_health_compute(&in, &score);
    return health_json(&score);
}

json_t *finance_health(PGconn *pg, const char *uid)
{
    json_t *budgets = finance_budgets(pg, uid), *subs = finance_subscriptions(pg, uid);
    json_t *out = budgets && subs ? finance_health_with(pg, uid, budgets, subs) : NULL;

    json_decref(budgets);
    json_decref(subs);
    return out;
}

json_t *finance_alerts(PGconn *pg, const char *uid, const char *status, const char *alert_id)
{
    const char *vals[3] = {uid, status, alert_id};
    PGresult *res;
    json_t *arr;

    if (sql_query(pg,
                  "SELECT f.id, f.transaction_id, f.score, f.level, f.reasons::text, "
                  "f.status, " TS("f.created_at") ", " TS(
                      "f.resolved_at") ", f.resolution, " FIN_TXN_COLS
                                       " FROM fraud_alerts f JOIN transactions t ON t.id = "
                                       "f.transaction_id"
                                       " JOIN accounts a ON a.id = t.account_id WHERE f.user_id "
                                       "= $1"
                                       " AND ($2::text IS NULL OR f.status = $2)"
                                       " AND ($3::uuid IS NULL OR f.id = $3::uuid)"
                                       " ORDER BY f.created_at DESC, f.id DESC LIMIT 500",
                  3, vals, &res))
        return NULL;
    arr = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *reasons = json_loads(str(res, i, 4), 0, NULL);

        if (!json_is_array(reasons)) {
            json_decref(reasons);
            reasons = json_array();
        }
        json_array_append_new(
            arr,
            json_pack("{s:s,s:s,s:i,s:s,s:o,s:s,s:s,s:o,s:o,s:o}", "id", str(res, i, 0),
                      "transaction_id", str(res, i, 1), "score", (int)i64(res, i, 2), "level",
                      str(res, i, 3), "reasons", reasons, "status", str(res, i, 5), "created_at",
                      str(res, i, 6), "resolved_at", str_or_null(res, i, 7), "resolution",
                      str_or_null(res, i, 8), "transaction", finance_txn_json(res, i, 9)));
    }
    PQclear(res);
    return arr;
}

json_t *finance_budgets(PGconn *pg, const char *uid)
{
    struct fin_cal cal;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    return finance_budgets_of(pg, uid, cal.today);
}

json_t *finance_budgets_of(PGconn *pg, const char *uid, int64_t day)
{
    char first[16], last[16];
    const char *vals[5] = {uid, first, last, NULL, NULL};
    struct fin_cal cal;
    int64_t fday, lday;
    PGresult *res;
    json_t *items;
    char month[16];

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[3] = cal.tz;
    vals[4] = cal.cur;
    finance_month_days(day, 0, &fday, &lday);
    finance_day_text(fday, first, sizeof(first));
    finance_day_text(lday, last, sizeof(last));
    if (sql_query(pg,
                  "SELECT b.category, b.limit_minor, coalesce((SELECT sum(" FIN_IN_BASE(
                      FIN_SPENDING("t"), "t.currency", "t.posted_at", "$5",
                      "$4") ")"
                            "  FROM transactions t WHERE t.user_id = b.user_id AND t.category = "
                            "b.category"
                            "  AND " FIN_IS_SPENDING("t") " AND " FIN_IN_DAYS(
                                "t.posted_at", "$2", "$3",
                                "$4") "), 0)"
                                      " FROM budgets b WHERE b.user_id = $1 ORDER BY b.category",
                  5, vals, &res))
        return NULL;
    forecast_month_label(day, 0, month, sizeof(month));
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t limit = i64(res, i, 1), spent = i64(res, i, 2);
        double pct = limit > 0 ? finance_pct(spent, limit) : spent > 0 ? 100.0 : 0.0;

        json_array_append_new(items, json_pack("{s:s,s:I,s:I,s:f,s:s}", "category", str(res, i, 0),
                                               "limit_minor", (json_int_t)limit, "spent_minor",
                                               (json_int_t)spent, "pct", pct, "status",
                                               finance_budget_status(spent, limit)));
    }
    PQclear(res);
    return json_pack("{s:s,s:o}", "month", month, "items", items);
}

static json_t *goal_row(PGresult *res, int i)
{
    int64_t target = i64(res, i, 2), current = i64(res, i, 3);

    return json_pack("{s:s,s:s,s:I,s:I,s:o,s:f}", "id", str(res, i, 0), "name", str(res, i, 1),
                     "target_minor", (json_int_t)target, "current_minor", (json_int_t)current,
                     "target_date", str_or_null(res, i, 4), "progress_pct",
                     target > 0 ? finance_pct(current, target) : 0.0);
}

json_t *finance_goals(PGconn *pg, const char *uid)
{
    const char *vals[1] = {uid};

    return query_array(pg,
                       "SELECT id, name, target_minor, current_minor,"
                       " to_char(target_date, 'YYYY-MM-DD') FROM goals"
                       " WHERE user_id = $1 ORDER BY target_date NULLS LAST, name, id",
                       1, vals, goal_row);
}

static json_t *scenario(int64_t start, int64_t net, int months, int64_t today)
{
    json_t *arr = json_array();

    for (int k = 1; k <= months; k++) {
        char label[16];

        forecast_month_label(today, k, label, sizeof(label));
        json_array_append_new(arr, json_pack("{s:s,s:I}", "month", label, "balance_minor",
                                             (json_int_t)forecast_balance(start, net, k)));
    }
    return arr;
}

json_t *finance_forecast(PGconn *pg, const char *uid, int months)
{
    int64_t inc[6], exp[6], nw, today;
    struct forecast_rates r;
    struct fin_cal cal;
    const char *cur = cal.cur;
    int n;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    today = cal.today;
    n = finance_recent_months(pg, uid, inc, exp);
    if (n < 0 || balances(pg, uid, NULL, &nw) != 0)
        return NULL;
    forecast_rates(inc, exp, n, &r);
    return json_pack(
        "{s:i,s:s,s:I,s:I,s:I,s:i,s:{s:I,s:I,s:I},s:s,s:{s:o,s:o,s:o}}", "months", months,
        "currency", cur, "start_balance_minor", (json_int_t)nw, "monthly_income_minor",
        (json_int_t)r.income_minor, "monthly_expenses_minor", (json_int_t)r.expenses_minor,
        "history_months", n, "monthly_net_minor", "conservative", (json_int_t)r.conservative_minor,
        "expected", (json_int_t)r.expected_minor, "optimistic", (json_int_t)r.optimistic_minor,
        "method",
        "net worth plus the average monthly net of up to 6 complete months; conservative and "
        "optimistic are one standard deviation below and above",
        "scenarios", "conservative", scenario(nw, r.conservative_minor, months, today), "expected",
        scenario(nw, r.expected_minor, months, today), "optimistic",
        scenario(nw, r.optimistic_minor, months, today));
}

json_t *finance_recent(PGconn *pg, const char *uid, int n)
{
    char lim[16];
    const char *vals[2] = {uid, lim};

    snprintf(lim, sizeof(lim), "%d", n);
    return query_array(pg,
                       "SELECT " FIN_TXN_COLS FIN_TXN_FROM " WHERE t.user_id = $1"
                       " ORDER BY t.posted_at DESC, t.id DESC LIMIT $2::int",
                       2, vals, txn_row);
}

json_t *finance_largest_expenses(PGconn *pg, const char *uid, int n)
{
    char lim[16], first[16], last[16];
    const char *vals[5] = {uid, lim, first, last, NULL};
    struct fin_cal cal;
    int64_t fday, lday;

    if (finance_calendar(pg, uid, &cal))
        return NULL;
    vals[4] = cal.tz;
    finance_month_days(cal.today, 0, &fday, &lday);
    finance_day_text(fday, first, sizeof(first));
    finance_day_text(lday, last, sizeof(last));
    snprintf(lim, sizeof(lim), "%d", n);
    return query_array(
        pg,
        "SELECT " FIN_TXN_COLS FIN_TXN_FROM " WHERE t.user_id = $1"
        " AND t.amount_minor < 0 AND NOT " FIN_TRANSFER("t") " AND " FIN_IN_DAYS(
            "t.posted_at", "$3", "$4", "$5") " ORDER BY t.amount_minor, t.id LIMIT $2::int",
        5, vals, txn_row);
}

json_t *finance_briefing(PGconn *pg, const char *uid)
{
    const char *vals[1] = {uid};
    PGresult *res;
    json_t *out;

    if (sql_query(pg, "SELECT text, " TS("generated_at") " FROM ai_briefings WHERE user_id = $1", 1,
                  vals, &res))
        return NULL;
    out = PQntuples(res) == 1
              ? json_pack("{s:s,s:s}", "text", str(res, 0, 0), "generated_at", str(res, 0, 1))
              : json_null();
    PQclear(res);
    return out;
}

json_t *finance_dashboard(PGconn *pg, const char *uid)
{
    struct fin_cal cal;
    const char *cur = cal.cur;
    int64_t first, last, nw = 0;
    json_t *parts[9] = {NULL};
    json_t *out = NULL, *top, *item;
    size_t i;

    if (finance_calendar(pg, uid, &cal) || balances(pg, uid, NULL, &nw) != 0)
        return NULL;
    /* The six months of the cash flow, this one included, and today's balances. */
    finance_month_days(cal.today, 5, &first, &last);
    parts[8] = finance_missing_rates(pg, uid, first, cal.today);
    finance_month_days(cal.today, 0, &first, &last);
    parts[0] = finance_accounts(pg, uid);
    parts[1] = finance_month(pg, uid, 0);
    parts[2] = finance_cashflow(pg, uid, 6);
    parts[3] = finance_categories(pg, uid, first, last, 5);
    parts[4] = finance_recent(pg, uid, 10);
    parts[5] = finance_alerts(pg, uid, "open", NULL);
    parts[6] = finance_health(pg, uid);
    parts[7] = finance_briefing(pg, uid);
    for (int k = 0; k < 9; k++)
        if (!parts[k])
            goto out_free;
    top = json_array();
    json_array_foreach(json_object_get(parts[3], "items"), i, item) json_array_append_new(
        top, json_pack("{s:O,s:O,s:O}", "category", json_object_get(item, "category"),
                       "amount_minor", json_object_get(item, "amount_minor"), "share_pct",
                       json_object_get(item, "share_pct")));
    out = json_pack("{s:s,s:I,s:O,s:O,s:O,s:o,s:O,s:O,s:O,s:O}", "currency", cur, "net_worth_minor",
                    (json_int_t)nw, "accounts", parts[0], "month", parts[1], "cashflow", parts[2],
                    "top_categories", top, "recent_transactions", parts[4], "fraud_alerts",
                    parts[5], "health_score", parts[6], "briefing", parts[7]);
    if (out)
        json_object_set(out, "missing_rates", parts[8]);
out_free:
    for (int k = 0; k < 9; k++)
        json_decref(parts[k]);
    return out;
}
