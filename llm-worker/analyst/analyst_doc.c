/* analyst_doc.c - reading the context document, tolerant of missing and mistyped parts. */
#include "llm-worker/analyst/analyst_doc.h"

#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Reads money: an integer, or a real with an integral value (tolerated, not produced). */
static bool money_of(const json_t *v, int64_t *out)
{
    double d;

    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        d = json_real_value(v);
        /* In range (NaN fails both tests) and integral. */
        if (d > -9.0e18 && d < 9.0e18 && d == (double)(int64_t)d) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

bool analyst_doc_money(const json_t *o, const char *key, int64_t *out)
{
    int64_t v;

    if (!money_of(json_object_get(o, key), &v) || v > ANALYST_MONEY_MAX || v < -ANALYST_MONEY_MAX)
        return false;
    *out = v;
    return true;
}

int64_t analyst_doc_money_or(const json_t *o, const char *key, int64_t def)
{
    int64_t v;

    return analyst_doc_money(o, key, &v) ? v : def;
}

int64_t analyst_doc_abs(int64_t v)
{
    return v < 0 && v != INT64_MIN ? -v : v;
}

const char *analyst_doc_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s && *s ? s : NULL;
}

/* The first of @keys that is a non-empty string member of @o. */
const char *analyst_doc_str_any(const json_t *o, const char *const *keys)
{
    for (; *keys; keys++)
        if (analyst_doc_str(o, *keys))
            return analyst_doc_str(o, *keys);
    return NULL;
}

/* Other names of a section: the gateway's (api-gateway/finance/context.h) come first. */
static const char *const section_aliases[][2] = {
    {"month", "this_month"},
    {"cashflow", "last_6_months"},
    {"top_categories", "top_categories_this_month"},
    {"largest_expenses", "largest_expenses_this_month"},
};

const json_t *analyst_doc_section(const json_t *doc, const char *key)
{
    for (size_t i = 0; i < sizeof(section_aliases) / sizeof(section_aliases[0]); i++) {
        const json_t *v;

        if (strcmp(section_aliases[i][0], key) != 0)
            continue;
        v = json_object_get(doc, section_aliases[i][1]);
        if (v && !json_is_null(v))
            return v;
    }
    return json_object_get(doc, key);
}

/* An array section, also accepted in the API's {"items":[...]} envelope. */
const json_t *analyst_doc_list(const json_t *doc, const char *key)
{
    const json_t *v = analyst_doc_section(doc, key);

    if (json_is_object(v))
        v = json_object_get(v, json_object_get(v, "items") ? "items" : "months");
    return json_is_array(v) ? v : NULL;
}

static int row_desc(const void *x, const void *y)
{
    const struct analyst_row *a = x, *b = y;
    int c;

    if (a->amount != b->amount)
        return a->amount < b->amount ? 1 : -1;
    c = strcmp(a->key ? a->key : "", b->key ? b->key : "");
    return c ? c : (a->j < b->j ? -1 : a->j > b->j);
}

static int row_key_asc(const void *x, const void *y)
{
    const struct analyst_row *a = x, *b = y;
    int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");

    return c ? c : (a->j < b->j ? -1 : a->j > b->j);
}

size_t analyst_doc_rows(const json_t *arr, const char *money_key, const char *const *names,
                        struct analyst_row *rows, size_t max)
{
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(arr, i, it)
    {
        int64_t v;

        if (n == max)
            break;
        if (!json_is_object(it) || !analyst_doc_money(it, money_key, &v))
            continue;
        rows[n].j = it;
        rows[n].amount = analyst_doc_abs(v);
        rows[n].key = analyst_doc_str_any(it, names);
        n++;
    }
    analyst_doc_sort(rows, n);
    return n;
}

const char *const analyst_doc_category_keys[] = {"category", "name", "label", NULL};
const char *const analyst_doc_merchant_keys[] = {"merchant", "name", "description", "payee", NULL};
const char *const analyst_doc_date_keys[] = {"posted_at", "date", "occurred_at", "created_at",
                                             NULL};

/* The cash-flow months, oldest first. */
size_t analyst_doc_cashflow(const json_t *doc, struct analyst_row *rows, size_t max)
{
    const json_t *arr = analyst_doc_list(doc, "cashflow");
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(arr, i, it)
    {
        if (n == max)
            break;
        if (!json_is_object(it))
            continue;
        rows[n].j = it;
        rows[n].amount = 0;
        rows[n].key = analyst_doc_str(it, "month");
        n++;
    }
    qsort(rows, n, sizeof(rows[0]), row_key_asc);
    return n;
}

int64_t analyst_doc_net(const json_t *m)
{
    int64_t net;

    if (analyst_doc_money(m, "net_minor", &net))
        return net;
    return analyst_doc_money_or(m, "income_minor", 0) -
           analyst_doc_abs(analyst_doc_money_or(m, "expenses_minor", 0));
}

/* This month's income and spending (magnitude), from `month` or the latest cash-flow row. */
bool analyst_doc_month(const json_t *doc, int64_t *income, int64_t *expenses, const char **label)
{
    const json_t *m = analyst_doc_section(doc, "month");
    struct analyst_row rows[ANALYST_ROWS];
    size_t n;

    if (!json_is_object(m) || !analyst_doc_money(m, "expenses_minor", expenses)) {
        n = analyst_doc_cashflow(doc, rows, ANALYST_ROWS);
        if (n == 0)
            return false;
        m = rows[n - 1].j;
        if (!analyst_doc_money(m, "expenses_minor", expenses))
            return false;
    }
    *expenses = analyst_doc_abs(*expenses);
    *income = analyst_doc_money_or(m, "income_minor", 0);
    *label = analyst_doc_str(m, "month");
    return true;
}

/* Adds section @key of @doc to the @n @rows when it names a month they lack. */
static void add_month(const json_t *doc, const char *key, struct analyst_row *rows, size_t *n,
                      size_t max)
{
    const json_t *m = analyst_doc_section(doc, key);
    const char *label = analyst_doc_str(m, "month");
    int64_t v;

    if (*n == max || !label || !analyst_doc_money(m, "expenses_minor", &v))
        return;
    for (size_t i = 0; i < *n; i++)
        if (rows[i].key && strcmp(rows[i].key, label) == 0)
            return;
    rows[*n].j = m;
    rows[*n].amount = 0;
    rows[*n].key = label;
    (*n)++;
}

size_t analyst_doc_months(const json_t *doc, struct analyst_row *rows, size_t max)
{
    size_t n = analyst_doc_cashflow(doc, rows, max);

    add_month(doc, "month", rows, &n, max);
    add_month(doc, "last_month", rows, &n, max);
    qsort(rows, n, sizeof(rows[0]), row_key_asc);
    return n;
}

static int64_t month_expenses(const json_t *m)
{
    return analyst_doc_abs(analyst_doc_money_or(m, "expenses_minor", 0));
}

/* The average of @value over the cash-flow months; false when there are none. */
static bool cashflow_average(const json_t *doc, int64_t (*value)(const json_t *), int64_t *avg,
                             size_t *months)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_cashflow(doc, rows, ANALYST_ROWS);
    int64_t sum = 0;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        sum += value(rows[i].j);
    *avg = sum / (int64_t)n;
    *months = n;
    return true;
}

bool analyst_doc_average_net(const json_t *doc, int64_t *avg, size_t *months)
{
    return cashflow_average(doc, analyst_doc_net, avg, months);
}

bool analyst_doc_average_expenses(const json_t *doc, int64_t *avg, size_t *months)
{
    return cashflow_average(doc, month_expenses, avg, months);
}

/* What the user puts aside per month now: this month's net if positive, else the average. */
int64_t analyst_doc_monthly_saving(const json_t *doc)
{
    int64_t income, expenses, avg;
    const char *label;
    size_t k;

    if (analyst_doc_month(doc, &income, &expenses, &label) && income - expenses > 0)
        return income - expenses;
    if (analyst_doc_average_net(doc, &avg, &k) && avg > 0)
        return avg;
    return 0;
}

size_t analyst_doc_cash_accounts(const json_t *doc, struct analyst_row *rows, size_t max)
{
    static const char *const cash_types[] = {"checking", "savings", "cash", NULL};
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(analyst_doc_list(doc, "accounts"), i, it)
    {
        const char *type = analyst_doc_str(it, "type");
        int64_t bal;
        bool cash = false;

        for (const char *const *t = cash_types; type && *t && !cash; t++)
            cash = strcasecmp(type, *t) == 0;
        if (n == max || !cash || !analyst_doc_money(it, "balance_minor", &bal) || bal <= 0)
            continue;
        rows[n].j = it;
        rows[n].amount = bal;
        rows[n].key = analyst_doc_str_any(it, analyst_doc_category_keys);
        n++;
    }
    analyst_doc_sort(rows, n);
    return n;
}

bool analyst_doc_asof(const json_t *doc, int64_t *day)
{
    return fmt_day_parse(analyst_doc_str(doc, "updated_at"), day);
}

int64_t analyst_doc_user_today(const json_t *doc, int64_t utc_today)
{
    int64_t asof, local;

    if (!analyst_doc_asof(doc, &asof) ||
        !fmt_day_parse(analyst_doc_str(analyst_doc_section(doc, "last_30_days"), "to"), &local) ||
        local - asof < -1 || local - asof > 1)
        return utc_today;
    return utc_today + (local - asof);
}

bool analyst_doc_category(const json_t *doc, const char *q, struct analyst_named *out)
{
    static const char *const lists[] = {"top_categories", "budgets", "categories"};
    size_t i;
    json_t *it;

    memset(out, 0, sizeof(*out));
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]) && !out->name; l++) {
        json_array_foreach(analyst_doc_list(doc, lists[l]), i, it)
        {
            const char *name = analyst_doc_str_any(it, analyst_doc_category_keys);

            if (name && analyst_match_name(q, name)) {
                out->name = name;
                break;
            }
        }
    }
    if (!out->name)
        return false;
    json_array_foreach(analyst_doc_list(doc, "top_categories"), i, it)
    {
        const char *name = analyst_doc_str_any(it, analyst_doc_category_keys);

        if (name && strcasecmp(name, out->name) == 0)
            out->category = it;
    }
    json_array_foreach(analyst_doc_list(doc, "budgets"), i, it)
    {
        const char *name = analyst_doc_str_any(it, analyst_doc_category_keys);

        if (name && strcasecmp(name, out->name) == 0)
            out->budget = it;
    }
    return true;
}

/* Monthly equivalent of a subscription amount by its cadence. */
int64_t analyst_doc_per_month(const json_t *s, int64_t amount)
{
    const char *c = analyst_doc_str(s, "cadence");

    if (!c)
        return amount;
    if (strncasecmp(c, "year", 4) == 0 || strncasecmp(c, "annual", 6) == 0)
        return amount / 12;
    if (strncasecmp(c, "week", 4) == 0)
        return amount * 52 / 12;
    if (strncasecmp(c, "quarter", 7) == 0)
        return amount / 3;
    return amount;
}

/* Open fraud alerts, largest amount first; the row key is the merchant. */
size_t analyst_doc_open_alerts(const json_t *doc, struct analyst_row *rows, size_t max)
{
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(analyst_doc_list(doc, "fraud_alerts"), i, it)
    {
        const json_t *tx = json_object_get(it, "transaction");
        const char *status = analyst_doc_str(it, "status");
        int64_t v = 0;

        if (n == max || !json_is_object(it))
            break;
        if (status && strcmp(status, "open") != 0)
            continue;
        if (!analyst_doc_money(it, "amount_minor", &v))
            analyst_doc_money(tx, "amount_minor", &v);
        rows[n].j = it;
        rows[n].amount = analyst_doc_abs(v);
        rows[n].key = analyst_doc_str_any(it, analyst_doc_merchant_keys);
        if (!rows[n].key)
            rows[n].key = analyst_doc_str_any(tx, analyst_doc_merchant_keys);
        n++;
    }
    analyst_doc_sort(rows, n);
    return n;
}

/* The change of the last balance of forecast.scenarios.@name over its start balance. */
static bool scenario_gain(const json_t *fc, const char *name, int64_t *out)
{
    const json_t *s = json_object_get(json_object_get(fc, "scenarios"), name);
    int64_t start, end;

    if (!json_is_array(s) || json_array_size(s) == 0 ||
        !analyst_doc_money(json_array_get(s, json_array_size(s) - 1), "balance_minor", &end))
        return false;
    start = analyst_doc_money_or(fc, "start_balance_minor", 0);
    *out = end - start;
    return true;
}

bool analyst_doc_forecast(const json_t *doc, const char *name, int64_t *out)
{
    const json_t *fc = analyst_doc_section(doc, "forecast");
    const json_t *net = json_object_get(fc, "monthly_net_minor");
    char key[40];

    snprintf(key, sizeof(key), "%s_12m_minor", name);
    if (analyst_doc_money(fc, key, out))
        return true;
    /* The gateway's summary: a monthly net per scenario (or one figure, the expected). */
    if (analyst_doc_money(net, name, out) ||
        (strcmp(name, "expected") == 0 && analyst_doc_money(fc, "monthly_net_minor", out))) {
        *out *= 12;
        return true;
    }
    return scenario_gain(fc, name, out);
}

const json_t *analyst_doc_health_part(const json_t *doc, const char *key)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(analyst_doc_section(doc, "health_score"), "parts"), i, it)
    {
        const char *k =
            analyst_doc_str_any(it, (const char *const[]){"key", "name", "label", NULL});

        if (k && strncasecmp(k, key, strlen(key)) == 0)
            return it;
    }
    return NULL;
}

/* Months from "YYYY-MM" @from to the date @to ("YYYY-MM[-DD]"); false when unreadable. */
bool analyst_doc_months_between(const char *from, const char *to, int64_t *out)
{
    int fy, fm, ty, tm;

    if (!from || !to || sscanf(from, "%4d-%2d", &fy, &fm) != 2 ||
        sscanf(to, "%4d-%2d", &ty, &tm) != 2)
        return false;
    *out = (int64_t)(ty - fy) * 12 + (tm - fm);
    return true;
}

void analyst_doc_sort(struct analyst_row *rows, size_t n)
{
    qsort(rows, n, sizeof(rows[0]), row_desc);
}
