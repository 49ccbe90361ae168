/* seed.c - the deterministic demo user (see seed.h). */
#include "api-gateway/db/seed.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include "xmalloc.h"
#include "api-gateway/auth/password.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/context.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/finance_query.h"
#include "api-gateway/finance/fraud.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_RNG 0x5eedf1c4a7d3b2e1ULL
#define HISTORY_MONTHS 6 /* complete months before the current one */

enum { CHK, SAV, CARD, INV, NACCT };

static const struct {
    const char *name, *type, *institution, *mask;
} accts[NACCT] = {
    {"Everyday Checking", "checking", "Chase", "4821"},
    {"High-Yield Savings", "savings", "Ally Bank", "7730"},
    {"Sapphire Card", "credit", "Chase", "1192"},
    {"Brokerage", "investment", "Fidelity", "3055"},
};

static const struct {
    const char *symbol, *name;
    int64_t quantity_milli, price_minor;
} holdings[] = {
    {"VTI", "Vanguard Total Stock Market ETF", 42500, 26831},
    {"AAPL", "Apple Inc.", 18000, 22987},
    {"VXUS", "Vanguard Total International Stock ETF", 60000, 6312},
};

/* One generated transaction. */
struct ev {
    int64_t ts; /* Unix seconds, UTC */
    int acct;
    int64_t amount;
    const char *merchant, *desc, *category, *type;
    bool fixed; /* planted anomaly: its time is the point */
    struct fraud_result fraud;
};

struct gen {
    struct ev *v;
    size_t n, cap;
    uint64_t rng;
    int64_t now;
};

static uint64_t rnd(struct gen *g)
{
    /* splitmix64 */
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t between(struct gen *g, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd(g) % (uint64_t)(hi - lo + 1));
}

static void add(struct gen *g, int64_t ts, int acct, int64_t amount, const char *merchant,
                const char *desc, const char *category, bool fixed)
{
    struct ev *e;

    if (ts > g->now - 300)
        return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 512;
        g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
    }
    e = &g->v[g->n++];
    memset(e, 0, sizeof(*e));
    e->ts = ts;
    e->acct = acct;
    e->amount = amount;
    e->merchant = merchant;
    e->desc = desc;
    e->category = category;
    e->type = strcmp(category, "transfer") == 0 ? "transfer" : amount > 0 ? "income" : "expense";
    e->fixed = fixed;
}

/* A transfer: the outflow, then the inflow 30 s later. */
static void transfer(struct gen *g, int64_t ts, int from, int to, int64_t amount,
                     const char *out_name, const char *in_name)
{
    add(g, ts, from, -amount, out_name, out_name, "transfer", false);
    add(g, ts + 30, to, amount, in_name, in_name, "transfer", false);
}

static int64_t at(int64_t day, int h, int m)
{
    return day * 86400 + h * 3600 + m * 60;
}

/* A random daytime moment (07:30-21:30) on a random day of the month starting at @first. */
static int64_t random_moment(struct gen *g, int64_t first, int dim)
{
    return (first + between(g, 0, dim - 1)) * 86400 + between(g, 450, 1290) * 60;
}

struct pick {
    const char *merchant, *category;
    int64_t lo, hi; /* minor units, magnitudes */
    int per_month;
};

/* Ranges stay within 3.5x of each other per category, so ordinary spending never trips the
 * amount rule: only the planted anomalies do. */
static const struct pick card_spend[] = {
    {"Whole Foods Market", "groceries", 4500, 13000, 3},
    {"Trader Joe's", "groceries", 4500, 11000, 3},
    {"Safeway", "groceries", 4500, 9000, 2},
    {"Chipotle", "dining", 1200, 1600, 3},
    {"Sweetgreen", "dining", 1300, 1800, 2},
    {"Uber Eats", "dining", 2400, 4000, 2},
    {"The Local Bistro", "dining", 3000, 4000, 1},
    {"Blue Bottle Coffee", "coffee", 450, 725, 7},
    {"Uber", "transport", 1400, 3000, 3},
    {"Shell", "transport", 3800, 4800, 2},
    {"Amazon", "shopping", 2000, 6500, 3},
    {"Target", "shopping", 2500, 6000, 1},
    {"CVS Pharmacy", "health", 1200, 3800, 1},
};

static void gen_month(struct gen *g, int k, int y, int m)
{
    int64_t first = clock_days_from_civil(y, m, 1);
    int64_t next =
        m == 12 ? clock_days_from_civil(y + 1, 1, 1) : clock_days_from_civil(y, m + 1, 1);
    int dim = (int)(next - first);

    add(g, at(first, 9, 0), CHK, 325000, "Acme Corp Payroll", "Salary", "income", false);
    add(g, at(first + 14, 9, 0), CHK, 325000, "Acme Corp Payroll", "Salary", "income", false);
    add(g, at(first, 10, 0), CHK, -185000, "Parkside Apartments", "Rent", "housing", false);
    transfer(g, at(first + 1, 8, 0), CHK, SAV, 50000, "Transfer to Savings",
             "Transfer from Checking");
    transfer(g, at(first + 1, 8, 30), CHK, INV, 40000, "Transfer to Brokerage",
             "Contribution from Checking");
    add(g, at(first + 4, 18, 0), CHK, -between(g, 8500, 12000), "City Power & Light",
        "Electricity bill", "utilities", false);
    add(g, at(first + 7, 18, 5), CHK, -7999, "Comcast Internet", "Internet", "utilities", false);
    add(g, at(first + 11, 18, 10), CHK, -6500, "T-Mobile", "Phone plan", "utilities", false);
    add(g, at(first + 2, 6, 15), CARD, -1549, "Netflix", "Netflix Standard", "subscriptions",
        false);
    add(g, at(first + 6, 6, 20), CARD, -1099, "Spotify", "Spotify Premium", "subscriptions", false);
    add(g, at(first + 9, 6, 25), CARD, -299, "Apple iCloud+", "iCloud+ 200 GB", "subscriptions",
        false);
    add(g, at(first + 13, 6, 30), CARD, -425, "New York Times", "NYT Digital", "subscriptions",
        false);
    add(g, at(first + 16, 6, 35), CARD, -2499, "Planet Fitness", "Gym membership", "health", false);
    add(g, at(next - 1, 7, 0), SAV, between(g, 800, 1200), "Ally Bank Interest", "Interest paid",
        "income", false);
    for (size_t i = 0; i < sizeof(card_spend) / sizeof(card_spend[0]); i++)
        for (int n = 0; n < card_spend[i].per_month; n++)
            add(g, random_moment(g, first, dim), CARD,
                -between(g, card_spend[i].lo, card_spend[i].hi), card_spend[i].merchant,
                card_spend[i].merchant, card_spend[i].category, false);
    if (k == 1 || k == 4)
        add(g, random_moment(g, first, dim), CARD, -between(g, 4500, 6800), "Best Buy", "Best Buy",
            "shopping", false);
    if (k == 3) {
        add(g, at(first + 5, 11, 20), CARD, -48620, "Delta Air Lines", "Flight SFO-BOS", "travel",
            false);
        add(g, at(first + 11, 12, 0), CARD, -61200, "Marriott", "Marriott Boston, 3 nights",
            "travel", false);
        add(g, at(first + 11, 13, 30), CARD, -18940, "Hertz", "Car rental", "travel", false);
    }
}

static int cmp_ev(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->amount > y->amount) - (x->amount < y->amount);
}

static void sort_events(struct gen *g)
{
    qsort(g->v, g->n, sizeof(*g->v), cmp_ev);
}

/* Pays the card's balance in full from checking on the 20th of each month. */
static void card_payments(struct gen *g, int64_t first_day, int nmonths)
{
    int y, m, d;

    clock_civil_from_days(first_day, &y, &m, &d);
    for (int k = 0; k < nmonths; k++) {
        int idx = y * 12 + (m - 1) + k;
        int64_t pay = at(clock_days_from_civil(idx / 12, idx % 12 + 1, 20), 8, 15);
        int64_t owed = 0;

        for (size_t i = 0; i < g->n; i++)
            if (g->v[i].acct == CARD && g->v[i].ts < pay)
                owed += g->v[i].amount;
        if (owed < 0)
            transfer(g, pay, CHK, CARD, -owed, "Chase Card Payment", "Payment - Thank You");
    }
}

/* Spreads ordinary events at least 4 minutes apart so that only planted ones trip the
 * velocity rule. */
static void space_out(struct gen *g)
{
    for (size_t i = 1; i < g->n; i++)
        if (!g->v[i].fixed && g->v[i].ts - g->v[i - 1].ts < FRAUD_VELOCITY_S)
            g->v[i].ts = g->v[i - 1].ts + 240;
    sort_events(g);
    while (g->n > 0 && g->v[g->n - 1].ts > g->now - 60)
        g->n--;
}

static void score_all(struct gen *g)
{
    struct fraud_hist *h = fraud_hist_new();

    for (size_t i = 0; i < g->n; i++) {
        struct ev *e = &g->v[i];
        struct fraud_input in;

        if (strcmp(e->type, "transfer") != 0) {
            fraud_hist_input(h, e->merchant, e->category, e->amount, "USD", e->ts, true,
                             (int)(e->ts % 86400), &in);
            fraud_score(&in, &e->fraud);
        }
        fraud_hist_learn(h, e->merchant, e->category, e->amount, e->ts);
    }
    fraud_hist_free(h);
}

static int64_t holdings_value(void)
{
    int64_t sum = 0;

    for (size_t i = 0; i < sizeof(holdings) / sizeof(holdings[0]); i++)
        sum += finance_div_round(holdings[i].quantity_milli * holdings[i].price_minor, 1000);
    return sum;
}

/* Generates the whole history, sorted, scored. Caller frees g->v. */
static void generate(struct gen *g)
{
    int64_t today = g->now / 86400, start, inv = 0;
    int y, m, d, idx;

    clock_civil_from_days(today, &y, &m, &d);
    idx = y * 12 + (m - 1) - HISTORY_MONTHS;
    start = clock_days_from_civil(idx / 12, idx % 12 + 1, 1);
    for (int k = 0; k <= HISTORY_MONTHS; k++, idx++)
        gen_month(g, k, idx / 12, idx % 12 + 1);
    /* The planted anomalies, relative to today. */
    add(g, at(today - 2, 3, 12), CARD, -189999, "Best Buy", "Best Buy - MacBook and accessories",
        "shopping", true);
    add(g, at(today - 5, 14, 30), CARD, -129900, "Apple Store", "Apple Store - iPhone", "shopping",
        true);
    add(g, at(today - 1, 19, 2), CARD, -3450, "Uber Eats", "Uber Eats", "dining", true);
    add(g, at(today - 1, 19, 4), CARD, -3450, "Uber Eats", "Uber Eats", "dining", true);
    sort_events(g);
    card_payments(g, start, HISTORY_MONTHS + 1);
    for (size_t i = 0; i < g->n; i++)
        if (g->v[i].acct == INV)
            inv += g->v[i].amount;
    add(g, at(start, 6, 0), CHK, 420000, "Opening balance", "Opening balance", "transfer", false);
    add(g, at(start, 6, 5), SAV, 800000, "Opening balance", "Opening balance", "transfer", false);
    add(g, at(start, 6, 10), INV, holdings_value() - inv, "Opening balance", "Opening balance",
        "transfer", false);
    sort_events(g);
    space_out(g);
    score_all(g);
}

static int insert_accounts(PGconn *pg, const char *uid, char ids[NACCT][37])
{
    for (int i = 0; i < NACCT; i++) {
        const char *vals[5] = {uid, accts[i].name, accts[i].type, accts[i].institution,
                               accts[i].mask};
        int rc = sql_text(pg,
                          "INSERT INTO accounts (user_id, name, type, institution, mask)"
                          " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                          5, vals, ids[i], 37);

        if (rc)
            return rc;
    }
    return 0;
}

static int insert_transactions(PGconn *pg, const char *uid, const struct gen *g,
                               char ids[NACCT][37])
{
    json_t *arr = json_array();
    char *text, review[16], high[16];
    int rc;

    for (size_t i = 0; i < g->n; i++) {
        const struct ev *e = &g->v[i];
        json_t *reasons = json_array();
        char ts[32], ext[32];

        for (int k = 0; k < e->fraud.nreasons; k++)
            json_array_append_new(reasons, json_string(e->fraud.reasons[k]));
        finance_timestamp_text(e->ts, ts, sizeof(ts));
        snprintf(ext, sizeof(ext), "seed:%zu", i);
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:i,s:o,s:s}", "account_id", ids[e->acct],
                           "posted_at", ts, "amount", (json_int_t)e->amount, "merchant",
                           e->merchant, "description", e->desc, "category", e->category, "type",
                           e->type, "score", e->fraud.score, "reasons", reasons, "ext", ext));
    }
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    {
        const char *vals[2] = {uid, text};

        rc = sql_exec(
            pg,
            "INSERT INTO transactions (user_id, account_id, posted_at, amount_minor, merchant,"
            " description, category, type, fraud_score, fraud_reasons, source, external_id,"
            " created_at) SELECT $1, r.account_id, r.posted_at, r.amount, r.merchant,"
            " r.description, r.category, r.type, r.score, r.reasons, 'seed', r.ext,"
            " r.posted_at FROM json_to_recordset($2::json) AS r(account_id uuid,"
            " posted_at timestamptz, amount bigint, merchant text, description text,"
            " category text, type text, score int, reasons jsonb, ext text)",
            2, vals, NULL);
    }
    free(text);
    if (rc)
        return rc;
    snprintf(review, sizeof(review), "%d", FRAUD_REVIEW_SCORE);
    snprintf(high, sizeof(high), "%d", FRAUD_HIGH_SCORE);
    {
        const char *vals[3] = {uid, review, high};

        rc = sql_exec(pg,
                      "INSERT INTO fraud_alerts (user_id, transaction_id, score, level, reasons,"
                      " created_at) SELECT $1, id, fraud_score, CASE WHEN fraud_score >= $3::int"
                      " THEN 'high' ELSE 'review' END, fraud_reasons, posted_at FROM transactions"
                      " WHERE user_id = $1 AND fraud_score >= $2::int",
                      3, vals, NULL);
    }
    if (!rc) {
        const char *vals[1] = {uid};

        rc = sql_exec(pg,
                      "UPDATE accounts a SET balance_minor = coalesce((SELECT sum(t.amount_minor)"
                      " FROM transactions t WHERE t.account_id = a.id), 0) WHERE a.user_id = $1",
                      1, vals, NULL);
    }
    return rc;
}

static int insert_holdings_goals(PGconn *pg, const char *uid, char ids[NACCT][37], int64_t today)
{
    int y, m, d, idx, rc;
    char in8[16], in20[16];

    for (size_t i = 0; i < sizeof(holdings) / sizeof(holdings[0]); i++) {
        char q[24], p[24];
        const char *vals[6] = {uid, ids[INV], holdings[i].symbol, holdings[i].name, q, p};

        snprintf(q, sizeof(q), "%lld", (long long)holdings[i].quantity_milli);
        snprintf(p, sizeof(p), "%lld", (long long)holdings[i].price_minor);
        rc = sql_exec(pg,
                      "INSERT INTO holdings (user_id, account_id, symbol, name, quantity_milli,"
                      " price_minor) VALUES ($1, $2::uuid, $3, $4, $5::bigint, $6::bigint)",
                      6, vals, NULL);
        if (rc)
            return rc;
    }
    clock_civil_from_days(today, &y, &m, &d);
    idx = y * 12 + (m - 1) + 8;
    finance_day_text(clock_days_from_civil(idx / 12, idx % 12 + 1, 1), in8, sizeof(in8));
    idx += 12;
    finance_day_text(clock_days_from_civil(idx / 12, idx % 12 + 1, 1), in20, sizeof(in20));
    {
        const char *vals[4] = {uid, ids[SAV], in8, in20};

        return sql_exec(
            pg,
            "INSERT INTO goals (user_id, name, target_minor, current_minor, target_date)"
            " VALUES ($1, 'Emergency fund', 2000000, (SELECT balance_minor FROM"
            "  accounts WHERE id = $2::uuid), NULL),"
            " ($1, 'Japan trip', 600000, 215000, $3::date),"
            " ($1, 'New car down payment', 1000000, 340000, $4::date)",
            4, vals, NULL);
    }
}

/* Budgets sized against this month's spending so far: dining near its limit, shopping over. */
static int insert_budgets(PGconn *pg, const char *uid)
{
    const char *vals[2] = {uid, NULL};
    int64_t dining = 0, shopping = 0, first, last;
    struct fin_cal cal;
    json_t *rows, *cats, *item;
    char *text;
    size_t i;
    int rc = finance_calendar(pg, uid, &cal);

    if (rc)
        return rc;
    finance_month_days(cal.today, 0, &first, &last);
    cats = finance_categories(pg, uid, first, last, 100);
    if (!cats)
        return FC_EIO;
    json_array_foreach(json_object_get(cats, "items"), i, item)
    {
        const char *cat = json_string_value(json_object_get(item, "category"));
        int64_t v = json_integer_value(json_object_get(item, "amount_minor"));

        if (strcmp(cat, "dining") == 0)
            dining = v;
        else if (strcmp(cat, "shopping") == 0)
            shopping = v;
    }
    json_decref(cats);
    /* Dining at about 90 % of its limit, shopping at about 130 %, both in whole dollars. */
    dining = dining > 0 ? (dining * 10 / 9 + 99) / 100 * 100 : 30000;
    shopping = shopping > 0 ? (shopping * 10 / 13) / 100 * 100 : 25000;
    rows = json_pack("[{s:s,s:I},{s:s,s:I},{s:s,s:I},{s:s,s:I},{s:s,s:I},{s:s,s:I},{s:s,s:I}]",
                     "category", "groceries", "limit_minor", (json_int_t)65000, "category",
                     "dining", "limit_minor", (json_int_t)dining, "category", "shopping",
                     "limit_minor", (json_int_t)(shopping > 0 ? shopping : 100), "category",
                     "transport", "limit_minor", (json_int_t)25000, "category", "coffee",
                     "limit_minor", (json_int_t)4500, "category", "subscriptions", "limit_minor",
                     (json_int_t)6000, "category", "utilities", "limit_minor", (json_int_t)30000);
    text = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    vals[1] = text;
    rc = sql_exec(pg,
                  "INSERT INTO budgets (user_id, category, limit_minor) SELECT $1, r.category,"
                  " r.limit_minor FROM json_to_recordset($2::json) AS r(category text,"
                  " limit_minor bigint)",
                  2, vals, NULL);
    free(text);
    return rc;
}

static int64_t category_amount(json_t *cats, const char *name)
{
    json_t *items = json_object_get(cats, "items");

    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *item = json_array_get(items, i);

        if (strcmp(json_string_value(json_object_get(item, "category")), name) == 0)
            return json_integer_value(json_object_get(item, "amount_minor"));
    }
    return 0;
}

/* Writes the cached briefing from this month's figures, deterministically. Returns 0 or the
 * code of sql.h (FC_EDEP when a figure could not be read). */
static int write_briefing(PGconn *pg, const char *uid, int64_t today)
{
    int y, m, d;
    int64_t first, lfirst;
    json_t *now_cats, *last_cats, *month, *alerts;
    char text[1024], a[48], b[48];
    size_t len;
    int rc = FC_EDEP;

    clock_civil_from_days(today, &y, &m, &d);
    first = clock_days_from_civil(y, m, 1);
    lfirst = m == 1 ? clock_days_from_civil(y - 1, 12, 1) : clock_days_from_civil(y, m - 1, 1);
    now_cats = finance_categories(pg, uid, first, today, 20);
    last_cats = finance_categories(pg, uid, lfirst, first - 1, 20);
    month = finance_month(pg, uid, 0);
    alerts = finance_alerts(pg, uid, "open", NULL);
    if (!now_cats || !last_cats || !month || !alerts)
        goto out_free;
    {
        int64_t dn = category_amount(now_cats, "dining"), dl = category_amount(last_cats, "dining");

        money_format(dn, "USD", 0, a, sizeof(a));
        money_format(dl, "USD", 0, b, sizeof(b));
        if (dl > 0)
            snprintf(text, sizeof(text),
                     "You spent %s on dining this month, %.1f%% %s than the %s you spent in all of "
                     "last month. ",
                     a, finance_pct(dn > dl ? dn - dl : dl - dn, dl), dn > dl ? "more" : "less", b);
        else
            snprintf(text, sizeof(text), "You spent %s on dining this month. ", a);
    }
    len = strlen(text);
    snprintf(text + len, sizeof(text) - len, "Your savings rate so far this month is %.1f%%. ",
             json_real_value(json_object_get(month, "savings_rate_pct")));
    len = strlen(text);
    if (json_array_size(alerts) > 0) {
        json_t *worst = json_array_get(alerts, 0), *t;

        for (size_t i = 1; i < json_array_size(alerts); i++)
            if (json_integer_value(json_object_get(json_array_get(alerts, i), "score")) >
                json_integer_value(json_object_get(worst, "score")))
                worst = json_array_get(alerts, i);
        t = json_object_get(worst, "transaction");
        money_format(-json_integer_value(json_object_get(t, "amount_minor")), "USD", 0, a,
                     sizeof(a));
        snprintf(text + len, sizeof(text) - len,
                 "%zu transactions need a look, above all a %s charge at %s on %.10s.",
                 json_array_size(alerts), a, json_string_value(json_object_get(t, "merchant")),
                 json_string_value(json_object_get(t, "posted_at")));
    } else {
        snprintf(text + len, sizeof(text) - len, "No suspicious transactions right now.");
    }
    {
        const char *vals[2] = {uid, text};

        rc = sql_exec(pg,
                      "INSERT INTO ai_briefings (user_id, text) VALUES ($1, $2)"
                      " ON CONFLICT (user_id) DO UPDATE SET text = $2, generated_at = now()",
                      2, vals, NULL);
    }
out_free:
    json_decref(now_cats);
    json_decref(last_cats);
    json_decref(month);
    json_decref(alerts);
    return rc;
}

/* Returns the demo user's id into @uid, or "" when there is none. Returns 0 or the code of
 * sql.h. */
static int find_demo(PGconn *pg, char uid[37])
{
    const char *vals[1] = {SEED_EMAIL};
    int rc = sql_text(pg, "SELECT id FROM users WHERE lower(email) = lower($1)", 1, vals, uid, 37);

    return rc == FC_ENOTFOUND ? 0 : rc;
}

/* Fills @errbuf with why seeding failed (PostgreSQL's message when a statement failed, read
 * before anything else runs on @pg) and returns @rc. */
static int failed(PGconn *pg, int rc, char *errbuf, unsigned errlen)
{
    char msg[256];

    sql_errmsg(pg, msg, sizeof(msg));
    snprintf(errbuf, errlen, "seed: %s", msg[0] ? msg : err_str(rc));
    return rc;
}

static void ensure_context(PGconn *pg, mongoc_client_t *mongo, const char *db, const char *uid)
{
    int rc;

    if (!mongo)
        return;
    rc = context_rebuild(pg, mongo, db, uid);
    if (rc)
        log_warn("seed: context document not written (%s)", err_str(rc));
}

int seed_demo(PGconn *pg, mongoc_client_t *mongo, const char *db, char *errbuf, unsigned errlen)
{
    struct gen g = {.rng = SEED_RNG, .now = clock_wall_ms() / 1000};
    char hash[PASSWORD_HASH_MAX], uid[37], ids[NACCT][37];
    int64_t t0 = clock_mono_ms();
    int rc;

    rc = find_demo(pg, uid);
    if (rc)
        return failed(pg, rc, errbuf, errlen);
    if (uid[0]) {
        ensure_context(pg, mongo, db, uid);
        return 0;
    }
    rc = password_hash(SEED_PASSWORD, hash, sizeof(hash));
    if (rc) {
        snprintf(errbuf, errlen, "seed: password hash failed (%s)", err_str(rc));
        return rc;
    }
    rc = sql_begin(pg);
    if (rc)
        return failed(pg, rc, errbuf, errlen);
    {
        const char *vals[3] = {SEED_EMAIL, SEED_NAME, hash};

        rc = sql_text(pg,
                      "INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)"
                      " ON CONFLICT DO NOTHING RETURNING id",
                      3, vals, uid, sizeof(uid));
    }
    if (rc == FC_ENOTFOUND) {
        /* Seeded concurrently by another process. */
        sql_rollback(pg);
        if (find_demo(pg, uid) == 0 && uid[0])
            ensure_context(pg, mongo, db, uid);
        return 0;
    }
    if (rc)
        goto out_rollback;
    generate(&g);
    rc = insert_accounts(pg, uid, ids);
    if (!rc)
        rc = insert_transactions(pg, uid, &g, ids);
    if (!rc)
        rc = insert_holdings_goals(pg, uid, ids, g.now / 86400);
    if (!rc)
        rc = insert_budgets(pg, uid);
    if (!rc)
        rc = write_briefing(pg, uid, g.now / 86400);
    if (!rc)
        rc = sql_commit(pg);
    if (rc)
        goto out_rollback;
    log_info("seed: demo user %s with %zu transactions in %lld ms", uid, g.n,
             (long long)(clock_mono_ms() - t0));
    free(g.v);
    ensure_context(pg, mongo, db, uid);
    return 0;
out_rollback:
    failed(pg, rc, errbuf, errlen);
    sql_rollback(pg);
    free(g.v);
    return rc;
}

/* Deletes every document of user @uid in collection @name of @db. */
static void drop_user_docs(mongoc_client_t *mongo, const char *db, const char *name,
                           const char *uid)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(mongo, db, name);
    bson_t *sel = BCON_NEW("user_id", BCON_UTF8(uid));
    bson_error_t err;

    if (!mongoc_collection_delete_many(coll, sel, NULL, NULL, &err))
        log_warn("seed reset: %s of the demo user not deleted: %s", name, err.message);
    bson_destroy(sel);
    mongoc_collection_destroy(coll);
}

int seed_demo_reset(PGconn *pg, mongoc_client_t *mongo, const char *db, char *errbuf,
                    unsigned errlen)
{
    static const char *const colls[] = {"contexts", "messages", "histories"};
    const char *vals[1] = {SEED_EMAIL};
    char uid[37];
    int rc = find_demo(pg, uid);

    if (rc)
        return failed(pg, rc, errbuf, errlen);
    if (uid[0]) {
        /* Rows of the demo user go with it (ON DELETE CASCADE); documents are deleted by
         * hand, before the row, so a failure leaves the user to be reset again. */
        for (size_t i = 0; mongo && i < sizeof(colls) / sizeof(colls[0]); i++)
            drop_user_docs(mongo, db, colls[i], uid);
        rc = sql_exec(pg, "DELETE FROM users WHERE email = $1", 1, vals, NULL);
        if (rc)
            return failed(pg, rc, errbuf, errlen);
    }
    return seed_demo(pg, mongo, db, errbuf, errlen);
}
