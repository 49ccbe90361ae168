/* context.c - builds the per-user finance snapshot and stores it in MongoDB (see context.h). */
#include "api-gateway/finance/context.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/finance_query.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define L30_CATEGORIES 12 /* categories kept for the last 30 days (largest first) */

/* Copies the listed keys of each object of @arr into a new array. */
static json_t *pick(json_t *arr, const char *const *keys)
{
    json_t *out = json_array(), *item;
    size_t i;

    json_array_foreach(arr, i, item)
    {
        json_t *o = json_object();

        for (const char *const *k = keys; *k; k++) {
            json_t *v = json_object_get(item, *k);

            if (v)
                json_object_set(o, *k, v);
        }
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *compact_txns(json_t *txns)
{
    static const char *const keys[] = {"posted_at", "merchant", "description",  "amount_minor",
                                       "category",  "type",     "account_name", NULL};

    return pick(txns, keys);
}

static json_t *compact_alerts(json_t *alerts)
{
    json_t *out = json_array(), *a;
    size_t i;

    json_array_foreach(alerts, i, a)
    {
        json_t *t = json_object_get(a, "transaction");

        json_array_append_new(
            out,
            json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(a, "id"), "score",
                      json_object_get(a, "score"), "level", json_object_get(a, "level"), "reasons",
                      json_object_get(a, "reasons"), "created_at", json_object_get(a, "created_at"),
                      "merchant", json_object_get(t, "merchant"), "amount_minor",
                      json_object_get(t, "amount_minor"), "posted_at",
                      json_object_get(t, "posted_at")));
    }
    return out;
}

static json_t *six_months(PGconn *pg, const char *uid)
{
    int64_t inc[6], exp[6], si = 0, se = 0;
    int n = finance_recent_months(pg, uid, inc, exp);
    json_t *cf, *months;
    size_t len;

    if (n < 0)
        return NULL;
    /* The complete months: the cash-flow series of 7 months without the current one, cut
     * to the months finance_recent_months() kept. */
    cf = finance_cashflow(pg, uid, 7);
    if (!cf)
        return NULL;
    len = json_array_size(cf);
    json_array_remove(cf, len - 1);
    while (json_array_size(cf) > (size_t)n)
        json_array_remove(cf, 0);
    months = cf;
    for (int i = 0; i < n; i++) {
        si += inc[i];
        se += exp[i];
    }
    return json_pack("{s:I,s:I,s:f,s:o}", "income_minor", (json_int_t)si, "expenses_minor",
                     (json_int_t)se, "savings_rate_pct", si > 0 ? finance_pct(si - se, si) : 0.0,
                     "months", months);
}

static json_t *forecast_summary(PGconn *pg, const char *uid)
{
    json_t *f = finance_forecast(pg, uid, 12), *sc, *out;

    if (!f)
        return NULL;
    sc = json_object_get(f, "scenarios");
    out = json_pack(
        "{s:i,s:O,s:O,s:O,s:{s:O,s:O,s:O}}", "months", 12, "monthly_income_minor",
        json_object_get(f, "monthly_income_minor"), "monthly_expenses_minor",
        json_object_get(f, "monthly_expenses_minor"), "monthly_net_minor",
        json_object_get(f, "monthly_net_minor"), "end_balance_minor", "conservative",
        json_object_get(json_array_get(json_object_get(sc, "conservative"), 11), "balance_minor"),
        "expected",
        json_object_get(json_array_get(json_object_get(sc, "expected"), 11), "balance_minor"),
        "optimistic",
        json_object_get(json_array_get(json_object_get(sc, "optimistic"), 11), "balance_minor"));
    json_decref(f);
    return out;
}

/* The holdings' market value in the base currency (one without a rate counts 0). */
static int64_t holdings_total(json_t *holdings)
{
    json_t *h;
    size_t i;
    int64_t sum = 0;

    json_array_foreach(holdings, i, h) sum +=
        json_integer_value(json_object_get(h, "market_value_base_minor"));
    return sum;
}

/* Reads the user's name, currency and data_version. Returns 0, FC_ENOTFOUND (logged) or the
 * code of sql.h. */
static int read_user(PGconn *pg, const char *user_id, char name[256], char cur[4], int64_t *version)
{
    const char *vals[1] = {user_id};
    PGresult *res;
    int rc = sql_query(pg, "SELECT name, currency, data_version FROM users WHERE id = $1", 1, vals,
                       &res);

    if (rc)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        log_warn("context: no user %s", user_id);
        return FC_ENOTFOUND;
    }
    snprintf(name, 256, "%s", PQgetvalue(res, 0, 0));
    snprintf(cur, 4, "%s", PQgetvalue(res, 0, 1));
    *version = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return 0;
}

json_t *context_build(PGconn *pg, const char *user_id)
{
    static const char *const acct_keys[] = {
        "name", "type", "institution", "balance_minor", "currency", "balance_base_minor", NULL};
    static const char *const goal_keys[] = {"name",        "target_minor", "current_minor",
                                            "target_date", "progress_pct", NULL};
    static const char *const hold_keys[] = {
        "symbol", "name", "quantity", "price_minor", "market_value_minor", "currency", NULL};
    enum {
        ACCTS,
        THIS,
        LAST,
        SIX,
        TOPT,
        TOPL,
        SUBS,
        GOALS,
        HOLD,
        ALERTS,
        BUDGETS,
        HEALTH,
        FC,
        LARGE,
        RECENT,
        L30,
        MISSING,
        NPARTS
    };
    json_t *p[NPARTS] = {NULL}, *out = NULL, *item;
    char now[32], name[256], cur[4], from30[16], to30[16];
    int64_t today, first, last, lfirst, llast, lfirst7, llast7, nw = 0, version;
    struct fin_cal cal;
    size_t i;

    /* The version is read before the data, so the document holds at least what that version
     * committed (rebuilds of a user run one at a time: context_rebuild()). */
    if (read_user(pg, user_id, name, cur, &version) != 0 ||
        finance_calendar(pg, user_id, &cal) != 0)
        return NULL;
    today = cal.today;
    finance_month_days(today, 0, &first, &last);
    finance_month_days(today, 1, &lfirst, &llast);
    p[ACCTS] = finance_accounts(pg, user_id);
    p[THIS] = finance_month(pg, user_id, 0);
    p[LAST] = finance_month(pg, user_id, 1);
    p[SIX] = six_months(pg, user_id);
    p[TOPT] = finance_categories(pg, user_id, first, last, 6);
    p[TOPL] = finance_categories(pg, user_id, lfirst, llast, 6);
    p[SUBS] = finance_subscriptions(pg, user_id);
    p[GOALS] = finance_goals(pg, user_id);
    p[HOLD] = finance_holdings(pg, user_id);
    p[ALERTS] = finance_alerts(pg, user_id, "open", NULL);
    p[BUDGETS] = finance_budgets(pg, user_id);
    p[HEALTH] =
        p[BUDGETS] && p[SUBS] ? finance_health_with(pg, user_id, p[BUDGETS], p[SUBS]) : NULL;
    p[FC] = forecast_summary(pg, user_id);
    p[LARGE] = finance_largest_expenses(pg, user_id, 5);
    p[RECENT] = finance_recent(pg, user_id, 15);
    p[L30] = finance_categories(pg, user_id, today - 29, today, L30_CATEGORIES);
    /* The currencies the totals below lack a rate for: the 7 months they cover. */
    finance_month_days(today, 6, &lfirst7, &llast7);
    p[MISSING] = finance_missing_rates(pg, user_id, lfirst7, today);
    for (int k = 0; k < NPARTS; k++)
        if (!p[k])
            goto out_free;
    /* Net worth in the base currency: balances without a rate are left out (missing_rates). */
    json_array_foreach(p[ACCTS], i, item) nw +=
        json_integer_value(json_object_get(item, "balance_base_minor"));
    snprintf(now, sizeof(now), "%s", cal.now);
    out = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o,s:O,s:O,s:O,s:O,s:O,s:O,s:o,s:o,s:I,s:o,"
        "s:O,s:O,s:O,s:o,s:o}",
        "_id", user_id, "schema", CONTEXT_SCHEMA, "user_id", user_id, "name", name, "currency", cur,
        "updated_at", now, "data_version", (json_int_t)version, "net_worth_minor", (json_int_t)nw,
        "accounts", pick(p[ACCTS], acct_keys), "this_month", p[THIS], "last_month", p[LAST],
        "last_6_months", p[SIX], "top_categories_this_month", json_object_get(p[TOPT], "items"),
        "top_categories_last_month", json_object_get(p[TOPL], "items"), "subscriptions", p[SUBS],
        "goals", pick(p[GOALS], goal_keys), "holdings", pick(p[HOLD], hold_keys),
        "holdings_total_minor", (json_int_t)holdings_total(p[HOLD]), "fraud_alerts",
        compact_alerts(p[ALERTS]), "budgets", p[BUDGETS], "health_score", p[HEALTH], "forecast",
        p[FC], "largest_expenses_this_month", compact_txns(p[LARGE]), "recent_transactions",
        compact_txns(p[RECENT]));
    /* "The last 30 days" has no calendar month to answer it: its total and categories. */
    finance_day_text(today - 29, from30, sizeof(from30));
    finance_day_text(today, to30, sizeof(to30));
    if (out)
        json_object_set_new(out, "last_30_days",
                            json_pack("{s:s,s:s,s:O,s:i,s:O}", "from", from30, "to", to30,
                                      "expenses_minor", json_object_get(p[L30], "total_minor"),
                                      "categories_limit", L30_CATEGORIES, "top_categories",
                                      json_object_get(p[L30], "items")));
    if (out)
        json_object_set(out, "missing_rates", p[MISSING]);
out_free:
    for (int k = 0; k < NPARTS; k++)
        json_decref(p[k]);
    return out;
}

/* Takes (@take) or releases the session-level advisory lock of @user_id's rebuilds. Returns 0
 * or the code of sql.h. */
static int rebuild_lock(PGconn *pg, const char *user_id, bool take)
{
    const char *vals[1] = {user_id};

    return sql_exec(pg,
                    take ? "SELECT pg_advisory_lock(hashtextextended($1, 8))"
                         : "SELECT pg_advisory_unlock(hashtextextended($1, 8))",
                    1, vals, NULL);
}

int context_rebuild(PGconn *pg, mongoc_client_t *mongo, const char *db, const char *user_id)
{
    mongoc_collection_t *coll = NULL;
    bson_t *doc = NULL, *selector = NULL, *opts = NULL;
    bson_error_t error;
    json_t *ctx;
    char *text;
    int rc = 0;

    if (!mongo || !db)
        return FC_EINVAL;
    /* Rebuilds of one user run one at a time, each reading after its own write committed, so
     * the last one to store its snapshot has read the latest state. */
    rc = rebuild_lock(pg, user_id, true);
    if (rc)
        return rc;
    ctx = context_build(pg, user_id);
    if (!ctx) {
        (void)rebuild_lock(pg, user_id, false);
        return FC_EDEP;
    }
    text = json_dumps(ctx, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(ctx);
    doc = bson_new_from_json((const uint8_t *)text, -1, &error);
    free(text);
    if (!doc) {
        log_error("context: bson from json: %s", error.message);
        (void)rebuild_lock(pg, user_id, false);
        return FC_EDEP;
    }
    coll = mongoc_client_get_collection(mongo, db, CONTEXT_COLLECTION);
    selector = BCON_NEW("_id", BCON_UTF8(user_id));
    opts = BCON_NEW("upsert", BCON_BOOL(true));
    if (!mongoc_collection_replace_one(coll, selector, doc, opts, NULL, &error)) {
        log_error("context: replaceOne for %s: %s", user_id, error.message);
        rc = FC_EDEP;
    } else {
        /* The day it is as of: a question on a later day has it rebuilt first (chat.c). */
        char now[32];
        const char *vals[2] = {user_id, now};

        clock_rfc3339(clock_wall_ms(), now, sizeof(now));
        (void)sql_exec(
            pg,
            "UPDATE users SET context_day = ($2::timestamptz AT TIME ZONE timezone)::date"
            " WHERE id = $1",
            2, vals, NULL);
    }
    bson_destroy(opts);
    bson_destroy(selector);
    bson_destroy(doc);
    mongoc_collection_destroy(coll);
    (void)rebuild_lock(pg, user_id, false);
    return rc;
}
