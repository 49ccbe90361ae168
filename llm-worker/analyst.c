/* analyst.c - the offline analyst: keyword intents and answers from the context document. */
#include "analyst.h"

#include "analyst_fmt.h"
#include "xmalloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 64
#define MAX_WORDS 64

struct ans {
    struct abuf out;
    const json_t *ctx; /* the context document, may be NULL */
    const char *cur;   /* ISO 4217 code */
    char *q;           /* the question, lower-cased */
};

/* One list entry with the money figure it is sorted and shown by. */
struct row {
    const json_t *j;
    int64_t amount;
    const char *key;
};

/* What a question names among the user's categories. */
struct named {
    const char *name;
    const json_t *category; /* top_categories entry, may be NULL */
    const json_t *budget;   /* budgets entry, may be NULL */
};

static const char help_topics[] =
    "- your spending this month, or in one category (\"how much on dining?\")\n"
    "- where your money goes, category by category\n"
    "- your biggest financial risk\n"
    "- your savings rate and your income\n"
    "- subscriptions, fraud alerts and budget status\n"
    "- your 12-month forecast, and what-ifs (\"what if I cut dining by 20%?\", \"what if I "
    "save $500 more a month?\")\n"
    "- net worth and accounts, largest expenses, goals, your health score, recent "
    "transactions and cash flow";

/* ---- question matching ---- */

/* True when @needle occurs in @q starting at a word boundary (a prefix or phrase match). */
static bool has(const char *q, const char *needle)
{
    for (const char *p = strstr(q, needle); p; p = strstr(p + 1, needle))
        if (p == q || !isalnum((unsigned char)p[-1]))
            return true;
    return false;
}

/* True when @w occurs in @q as a whole word. */
static bool has_word(const char *q, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = strstr(q, w); p; p = strstr(p + 1, w))
        if ((p == q || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return true;
    return false;
}

static bool has_any(const char *q, const char *const *needles)
{
    for (; *needles; needles++)
        if (has(q, *needles))
            return true;
    return false;
}

static bool has_digit(const char *q)
{
    return strpbrk(q, "0123456789") != NULL;
}

/* Splits @s into lower-case alphabetic words of at most 31 characters. */
static size_t words_of(const char *s, char words[][32], size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        size_t len = 0;

        while (*s && !isalpha((unsigned char)*s))
            s++;
        while (isalpha((unsigned char)*s)) {
            if (len < 31)
                words[n][len++] = (char)tolower((unsigned char)*s);
            s++;
        }
        if (len) {
            words[n][len] = '\0';
            n++;
        }
    }
    return n;
}

/* Question words that never name a category by themselves. */
static bool is_stop_word(const char *w)
{
    static const char *const stop[] = {
        "month",    "monthly",    "spend",   "spending", "spent",   "money",  "total",
        "budget",   "budgets",    "expense", "expenses", "savings", "saving", "income",
        "category", "categories", "which",   "where",    "about",   "there",  "their",
        "would",    "could",      "should",  "every",    "doing",   "going",  "cutting",
        "percent",  "dollars",    "other",   "thing",    "things",  "much",   "more",
        "less",     "what",       "this",    "last",     "year",    "week",   "weekly",
        "reduce",   "spending",   "cancel",  NULL};

    for (const char *const *p = stop; *p; p++)
        if (strcmp(*p, w) == 0)
            return true;
    return false;
}

/* Everyday words for common category names. */
static const char *const aliases[][2] = {
    {"restaurant", "dining"},    {"eating", "dining"},
    {"takeout", "dining"},       {"food", "dining"},
    {"grocery", "groceries"},    {"supermarket", "groceries"},
    {"gas", "transport"},        {"fuel", "transport"},
    {"uber", "transport"},       {"commute", "transport"},
    {"rent", "housing"},         {"mortgage", "housing"},
    {"movies", "entertainment"}, {"streaming", "entertainment"},
    {"flights", "travel"},       {"electricity", "utilities"},
    {"internet", "utilities"},   {"doctor", "health"},
    {"pharmacy", "health"},      {"clothes", "shopping"},
    {"amazon", "shopping"},      {"coffee", "dining"},
};

/* True when question word @qw names category word @cw: the same word, the same first five
 * letters for longer words, or an everyday alias. */
static bool word_matches(const char *qw, const char *cw)
{
    size_t ql = strlen(qw), cl = strlen(cw);

    if (ql < 3 || cl < 3 || is_stop_word(qw))
        return false;
    if (strcmp(qw, cw) == 0)
        return true;
    if (ql >= 5 && cl >= 5 && strncmp(qw, cw, 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strncmp(qw, aliases[i][0], strlen(aliases[i][0])) == 0 &&
            strncmp(cw, aliases[i][1], 5) == 0)
            return true;
    return false;
}

static bool name_in_question(const char *q, const char *name)
{
    char qw[MAX_WORDS][32], cw[8][32];
    size_t nq = words_of(q, qw, MAX_WORDS), nc = words_of(name, cw, 8);

    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < nc; j++)
            if (word_matches(qw[i], cw[j]))
                return true;
    return false;
}

/* ---- context access ---- */

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

static bool money(const json_t *o, const char *key, int64_t *out)
{
    return money_of(json_object_get(o, key), out);
}

static int64_t money_or(const json_t *o, const char *key, int64_t def)
{
    int64_t v;

    return money(o, key, &v) ? v : def;
}

static int64_t mag(int64_t v)
{
    return v < 0 && v != INT64_MIN ? -v : v;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s && *s ? s : NULL;
}

/* The first of @keys that is a non-empty string member of @o. */
static const char *str_any(const json_t *o, const char *const *keys)
{
    for (; *keys; keys++)
        if (str(o, *keys))
            return str(o, *keys);
    return NULL;
}

static const json_t *section(const struct ans *a, const char *key)
{
    return json_object_get(a->ctx, key);
}

/* An array section, also accepted in the API's {"items":[...]} envelope. */
static const json_t *list(const struct ans *a, const char *key)
{
    const json_t *v = section(a, key);

    if (json_is_object(v))
        v = json_object_get(v, "items");
    return json_is_array(v) ? v : NULL;
}

static int row_desc(const void *x, const void *y)
{
    const struct row *a = x, *b = y;

    if (a->amount != b->amount)
        return a->amount < b->amount ? 1 : -1;
    return a->j < b->j ? -1 : a->j > b->j;
}

static int row_key_asc(const void *x, const void *y)
{
    const struct row *a = x, *b = y;
    int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");

    return c ? c : (a->j < b->j ? -1 : a->j > b->j);
}

/* Fills @rows from the objects of @arr with the magnitude of @money_key (entries without it
 * are skipped) and @name_key; sorted by amount, largest first. Returns the count. */
static size_t rows_by_amount(const json_t *arr, const char *money_key, const char *const *names,
                             struct row *rows, size_t max)
{
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(arr, i, it)
    {
        int64_t v;

        if (n == max)
            break;
        if (!json_is_object(it) || !money(it, money_key, &v))
            continue;
        rows[n].j = it;
        rows[n].amount = mag(v);
        rows[n].key = str_any(it, names);
        n++;
    }
    qsort(rows, n, sizeof(rows[0]), row_desc);
    return n;
}

static const char *const category_keys[] = {"category", "name", "label", NULL};
static const char *const merchant_keys[] = {"merchant", "name", "description", "payee", NULL};
static const char *const date_keys[] = {"posted_at", "date", "occurred_at", "created_at", NULL};

/* The cash-flow months, oldest first. */
static size_t cashflow_rows(const struct ans *a, struct row *rows, size_t max)
{
    const json_t *arr = list(a, "cashflow");
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
        rows[n].key = str(it, "month");
        n++;
    }
    qsort(rows, n, sizeof(rows[0]), row_key_asc);
    return n;
}

static int64_t row_net(const json_t *m)
{
    int64_t net;

    if (money(m, "net_minor", &net))
        return net;
    return money_or(m, "income_minor", 0) - mag(money_or(m, "expenses_minor", 0));
}

/* This month's income and spending (magnitude), from `month` or the latest cash-flow row. */
static bool month_figures(const struct ans *a, int64_t *income, int64_t *expenses,
                          const char **label)
{
    const json_t *m = section(a, "month");
    struct row rows[MAX_ROWS];
    size_t n;

    if (!json_is_object(m) || !money(m, "expenses_minor", expenses)) {
        n = cashflow_rows(a, rows, MAX_ROWS);
        if (n == 0)
            return false;
        m = rows[n - 1].j;
        if (!money(m, "expenses_minor", expenses))
            return false;
    }
    *expenses = mag(*expenses);
    *income = money_or(m, "income_minor", 0);
    *label = str(m, "month");
    return true;
}

/* Average monthly net over the cash-flow rows; false when there are none. */
static bool average_net(const struct ans *a, int64_t *avg, size_t *months)
{
    struct row rows[MAX_ROWS];
    size_t n = cashflow_rows(a, rows, MAX_ROWS);
    int64_t sum = 0;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        sum += row_net(rows[i].j);
    *avg = sum / (int64_t)n;
    *months = n;
    return true;
}

/* What the user puts aside per month now: this month's net if positive, else the average. */
static int64_t monthly_saving(const struct ans *a)
{
    int64_t income, expenses, avg;
    const char *label;
    size_t k;

    if (month_figures(a, &income, &expenses, &label) && income - expenses > 0)
        return income - expenses;
    if (average_net(a, &avg, &k) && avg > 0)
        return avg;
    return 0;
}

static bool find_named(const struct ans *a, struct named *out)
{
    static const char *const lists[] = {"top_categories", "budgets", "categories"};
    size_t i;
    json_t *it;

    memset(out, 0, sizeof(*out));
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]) && !out->name; l++) {
        json_array_foreach(list(a, lists[l]), i, it)
        {
            const char *name = str_any(it, category_keys);

            if (name && name_in_question(a->q, name)) {
                out->name = name;
                break;
            }
        }
    }
    if (!out->name)
        return false;
    json_array_foreach(list(a, "top_categories"), i, it)
    {
        const char *name = str_any(it, category_keys);

        if (name && strcasecmp(name, out->name) == 0)
            out->category = it;
    }
    json_array_foreach(list(a, "budgets"), i, it)
    {
        const char *name = str_any(it, category_keys);

        if (name && strcasecmp(name, out->name) == 0)
            out->budget = it;
    }
    return true;
}

/* ---- shared sentences ---- */

static void money_out(struct ans *a, int64_t v)
{
    abuf_money(&a->out, v, a->cur);
}

static void bold_money(struct ans *a, int64_t v)
{
    abuf_puts(&a->out, "**");
    money_out(a, v);
    abuf_puts(&a->out, "**");
}

static void missing(struct ans *a, const char *what)
{
    abuf_printf(&a->out,
                "I don't have %s in your data yet. Once your accounts are linked or a statement "
                "is imported, I can answer that with your real numbers.",
                what);
}

/* "Dining ($320.00), Groceries ($410.00) and Transport ($95.00)" for the top @k categories. */
static void top_categories(struct ans *a, size_t k)
{
    struct row rows[MAX_ROWS];
    size_t n =
        rows_by_amount(list(a, "top_categories"), "amount_minor", category_keys, rows, MAX_ROWS);

    if (n > k)
        n = k;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            abuf_puts(&a->out, i + 1 == n ? " and " : ", ");
        abuf_printf(&a->out, "%s (", rows[i].key ? rows[i].key : "Uncategorized");
        money_out(a, rows[i].amount);
        abuf_puts(&a->out, ")");
    }
}

/* Months needed to put aside @remaining at @per_month, rounded up. */
static int64_t months_to(int64_t remaining, int64_t per_month)
{
    return (remaining + per_month - 1) / per_month;
}

/* Months from "YYYY-MM" @from to the date @to ("YYYY-MM[-DD]"); false when unreadable. */
static bool months_between(const char *from, const char *to, int64_t *out)
{
    int fy, fm, ty, tm;

    if (!from || !to || sscanf(from, "%4d-%2d", &fy, &fm) != 2 ||
        sscanf(to, "%4d-%2d", &ty, &tm) != 2)
        return false;
    *out = (int64_t)(ty - fy) * 12 + (tm - fm);
    return true;
}

/* ---- answers ---- */

static void answer_greeting(struct ans *a)
{
    abuf_puts(&a->out, "Hi! I'm finchat's built-in analyst. I answer from your own numbers, "
                       "and I work even when no AI model is reachable. You can ask me about:\n");
    abuf_puts(&a->out, help_topics);
}

static void answer_unknown(struct ans *a)
{
    abuf_puts(&a->out, "I can't answer that from your data. I'm finchat's offline analyst, so I "
                       "only know your own finances. Here is what I can tell you about:\n");
    abuf_puts(&a->out, help_topics);
}

static void answer_spending(struct ans *a)
{
    int64_t income, expenses, prev;
    const char *label, *pm;
    struct row rows[MAX_ROWS];
    size_t n;

    if (!month_figures(a, &income, &expenses, &label)) {
        missing(a, "this month's spending");
        return;
    }
    abuf_puts(&a->out, "So far this month you've spent ");
    bold_money(a, expenses);
    if (income > 0) {
        abuf_puts(&a->out, " against income of ");
        money_out(a, income);
        if (income >= expenses) {
            abuf_puts(&a->out, ", leaving ");
            money_out(a, income - expenses);
            abuf_puts(&a->out, " unspent.");
        } else {
            abuf_puts(&a->out, ", which is ");
            money_out(a, expenses - income);
            abuf_puts(&a->out, " more than you earned.");
        }
    } else {
        abuf_puts(&a->out, ".");
    }
    n = cashflow_rows(a, rows, MAX_ROWS);
    if (n > 0 && label && rows[n - 1].key && strcmp(rows[n - 1].key, label) == 0)
        n--; /* the latest row is this month: compare with the one before */
    if (n > 0 && money(rows[n - 1].j, "expenses_minor", &prev) && mag(prev) > 0) {
        prev = mag(prev);
        pm = rows[n - 1].key;
        abuf_puts(&a->out, " That's ");
        abuf_pct(&a->out, expenses >= prev ? expenses - prev : prev - expenses, prev);
        abuf_printf(&a->out, " %s than ", expenses >= prev ? "more" : "less");
        if (pm) {
            abuf_month(&a->out, pm);
            abuf_puts(&a->out, " (");
            money_out(a, prev);
            abuf_puts(&a->out, ").");
        } else {
            abuf_puts(&a->out, "last month (");
            money_out(a, prev);
            abuf_puts(&a->out, ").");
        }
    }
    if (list(a, "top_categories") && json_array_size(list(a, "top_categories")) > 0) {
        abuf_puts(&a->out, " Your biggest categories are ");
        top_categories(a, 3);
        abuf_puts(&a->out, ".");
    }
}

static void answer_category(struct ans *a, const struct named *nm)
{
    int64_t spent = -1, limit, total = 0, v;
    struct row rows[MAX_ROWS];
    size_t n;

    if (nm->category && money(nm->category, "amount_minor", &v))
        spent = mag(v);
    else if (nm->budget && money(nm->budget, "spent_minor", &v))
        spent = mag(v);
    if (spent < 0) {
        abuf_printf(&a->out,
                    "I know %s is one of your categories, but I don't see an amount "
                    "for it this month.",
                    nm->name);
        return;
    }
    abuf_printf(&a->out, "This month you've spent ");
    bold_money(a, spent);
    abuf_printf(&a->out, " on %s", nm->name);
    n = rows_by_amount(list(a, "top_categories"), "amount_minor", category_keys, rows, MAX_ROWS);
    for (size_t i = 0; i < n; i++)
        total += rows[i].amount;
    if (!money(section(a, "month"), "expenses_minor", &v) || mag(v) < total)
        v = total;
    if (mag(v) > 0 && nm->category) {
        abuf_puts(&a->out, ", ");
        abuf_pct(&a->out, spent, mag(v));
        abuf_puts(&a->out, " of your spending.");
    } else {
        abuf_puts(&a->out, ".");
    }
    if (nm->budget && money(nm->budget, "limit_minor", &limit) && limit > 0) {
        abuf_printf(&a->out, " Your %s budget is ", nm->name);
        money_out(a, limit);
        if (spent > limit) {
            abuf_puts(&a->out, " and you're over it by ");
            bold_money(a, spent - limit);
            abuf_puts(&a->out, ".");
        } else {
            abuf_puts(&a->out, ", so you have ");
            money_out(a, limit - spent);
            abuf_puts(&a->out, " left (");
            abuf_pct(&a->out, spent, limit);
            abuf_puts(&a->out, " used).");
        }
    }
}

static void answer_categories(struct ans *a)
{
    struct row rows[MAX_ROWS];
    size_t n =
        rows_by_amount(list(a, "top_categories"), "amount_minor", category_keys, rows, MAX_ROWS);
    int64_t total = 0, month;

    if (n == 0) {
        missing(a, "a category breakdown of your spending");
        return;
    }
    for (size_t i = 0; i < n; i++)
        total += rows[i].amount;
    /* Shares are of all spending when the month's total is known, as the dashboard shows. */
    if (money(section(a, "month"), "expenses_minor", &month) && mag(month) >= total)
        total = mag(month);
    abuf_puts(&a->out, "Here's where your money went this month (");
    bold_money(a, total);
    abuf_puts(&a->out, " in total):\n");
    for (size_t i = 0; i < n && i < 8; i++) {
        abuf_printf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Uncategorized");
        money_out(a, rows[i].amount);
        abuf_puts(&a->out, " (");
        abuf_pct(&a->out, rows[i].amount, total);
        abuf_puts(&a->out, ")\n");
    }
    abuf_printf(&a->out,
                "%s is your largest category; ask me \"what if I cut %s by 10%%?\" to "
                "see what trimming it would save.",
                rows[0].key ? rows[0].key : "Uncategorized", rows[0].key ? rows[0].key : "it");
}

/* ---- risk ---- */

struct risk {
    int severity;
    char *text;
};

static void add_risk(struct risk *r, size_t *n, int severity, struct abuf *text)
{
    if (*n < 8) {
        r[*n].severity = severity;
        r[*n].text = abuf_detach(text);
        (*n)++;
    } else {
        abuf_release(text);
    }
}

static int risk_desc(const void *x, const void *y)
{
    const struct risk *a = x, *b = y;

    return b->severity - a->severity;
}

static const json_t *health_part(const struct ans *a, const char *key)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(section(a, "health_score"), "parts"), i, it)
    {
        const char *k = str_any(it, (const char *const[]){"key", "name", "label", NULL});

        if (k && strncasecmp(k, key, strlen(key)) == 0)
            return it;
    }
    return NULL;
}

/* A health part scoring under half its maximum, as a risk. */
static void weak_part(const struct ans *a, struct risk *r, size_t *n, const char *key, int severity,
                      const char *lead)
{
    const json_t *p = health_part(a, key);
    int64_t pts, max;
    struct abuf t = {0};
    const char *reason;

    if (!p || !money(p, "points", &pts) || !money(p, "max_points", &max) || max <= 0 ||
        pts * 2 >= max)
        return;
    reason = str(p, "reason");
    abuf_printf(&t, "%s (%lld of %lld health points)%s%s", lead, (long long)pts, (long long)max,
                reason ? ": " : ".", reason ? reason : "");
    if (reason && t.s[t.len - 1] != '.')
        abuf_puts(&t, ".");
    add_risk(r, n, severity, &t);
}

static size_t open_alerts(const struct ans *a, struct row *rows, size_t max);

/* Fills @r (8 entries) with the risks the data shows, most severe first; returns the count.
 * The caller frees each text. */
static size_t collect_risks(const struct ans *a, struct risk *r)
{
    struct row rows[MAX_ROWS];
    size_t n = 0, k;
    int64_t income = 0, expenses = 0, v, worst = 0;
    const char *label, *worst_name = NULL;
    struct abuf t = {0};
    const json_t *fc = section(a, "forecast");

    k = open_alerts(a, rows, MAX_ROWS);
    if (k > 0) {
        abuf_printf(&t, "you have %zu open fraud alert%s, including ", k, k == 1 ? "" : "s");
        abuf_money(&t, rows[0].amount, a->cur);
        abuf_printf(&t, " at %s. Check those charges and report any you don't recognise.",
                    rows[0].key ? rows[0].key : "an unknown merchant");
        add_risk(r, &n, 90, &t);
    }
    if (month_figures(a, &income, &expenses, &label) && income > 0 && expenses > income) {
        abuf_puts(&t, "you're spending more than you earn this month: ");
        abuf_money(&t, expenses, a->cur);
        abuf_puts(&t, " out against ");
        abuf_money(&t, income, a->cur);
        abuf_puts(&t, " in, a shortfall of ");
        abuf_money(&t, expenses - income, a->cur);
        abuf_puts(&t, ".");
        add_risk(r, &n, 85, &t);
    } else if (income > 0 && (income - expenses) * 10 < income) {
        abuf_puts(&t, "you're saving only ");
        abuf_pct(&t, income - expenses, income);
        abuf_puts(&t, " of your income this month; 15-20% is a healthier target.");
        add_risk(r, &n, 55, &t);
    }
    if (money(fc, "expected_12m_minor", &v) && v < 0) {
        abuf_puts(&t, "your 12-month forecast is negative (");
        abuf_money(&t, v, a->cur);
        abuf_puts(&t, "): at this pace your savings shrink.");
        add_risk(r, &n, 75, &t);
    }
    k = 0;
    {
        size_t i;
        json_t *it;

        json_array_foreach(list(a, "budgets"), i, it)
        {
            int64_t lim, spent;

            if (money(it, "limit_minor", &lim) && money(it, "spent_minor", &spent) && lim > 0 &&
                mag(spent) > lim) {
                k++;
                if (mag(spent) - lim > worst) {
                    worst = mag(spent) - lim;
                    worst_name = str_any(it, category_keys);
                }
            }
        }
    }
    if (k > 0) {
        abuf_printf(&t, "%zu budget%s exceeded; %s is over by ", k, k == 1 ? " is" : "s are",
                    worst_name ? worst_name : "the worst");
        abuf_money(&t, worst, a->cur);
        abuf_puts(&t, ".");
        add_risk(r, &n, 60, &t);
    }
    weak_part(a, r, &n, "emergency", 65, "your emergency fund is thin");
    weak_part(a, r, &n, "debt", 50, "debt weighs on your finances");
    qsort(r, n, sizeof(r[0]), risk_desc);
    return n;
}

static void answer_risk(struct ans *a)
{
    struct risk r[8];
    size_t n = collect_risks(a, r);
    int64_t income, expenses;
    const char *label;

    if (n == 0) {
        abuf_puts(&a->out, "I don't see a pressing risk in your numbers: no open fraud alerts, "
                           "no exceeded budgets");
        if (month_figures(a, &income, &expenses, &label) && income > 0) {
            abuf_puts(&a->out, ", and you're keeping ");
            abuf_pct(&a->out, income - expenses, income);
            abuf_puts(&a->out, " of your income this month");
        }
        abuf_puts(&a->out, ". Keep building your emergency fund and review subscriptions now "
                           "and then.");
        return;
    }
    abuf_printf(&a->out, "Your biggest risk right now: %s", r[0].text);
    for (size_t i = 1; i < n && i < 3; i++)
        abuf_printf(&a->out, "%s- %s", i == 1 ? "\n\nAlso worth watching:\n" : "\n", r[i].text);
    for (size_t i = 0; i < n; i++)
        free(r[i].text);
}

static void answer_summary(struct ans *a)
{
    struct risk r[8];
    size_t n;
    int64_t nw, income, expenses, score;
    const char *label;

    abuf_puts(&a->out, "Here's your snapshot.");
    if (money(a->ctx, "net_worth_minor", &nw)) {
        abuf_puts(&a->out, " Net worth: ");
        bold_money(a, nw);
        abuf_puts(&a->out, ".");
    }
    if (month_figures(a, &income, &expenses, &label)) {
        abuf_puts(&a->out, " This month you've earned ");
        money_out(a, income);
        abuf_puts(&a->out, " and spent ");
        money_out(a, expenses);
        if (income > 0) {
            abuf_puts(&a->out, ", a savings rate of ");
            abuf_pct(&a->out, income - expenses, income);
        }
        abuf_puts(&a->out, ".");
    }
    if (money(section(a, "health_score"), "score", &score))
        abuf_printf(&a->out, " Your health score is %lld/100.", (long long)score);
    n = collect_risks(a, r);
    if (n > 0)
        abuf_printf(&a->out, " The thing to look at first: %s", r[0].text);
    else
        abuf_puts(&a->out, " Nothing needs urgent attention.");
    for (size_t i = 0; i < n; i++)
        free(r[i].text);
}

static void answer_savings(struct ans *a)
{
    int64_t income, expenses, avg;
    const char *label;
    size_t k;
    bool have = month_figures(a, &income, &expenses, &label) && income > 0;
    json_t *pct = json_object_get(section(a, "month"), "savings_rate_pct");
    struct row rows[MAX_ROWS];

    if (have) {
        int64_t saved = income - expenses;

        if (saved >= 0) {
            abuf_puts(&a->out, "This month you've kept ");
            bold_money(a, saved);
            abuf_puts(&a->out, " of your ");
            money_out(a, income);
            abuf_puts(&a->out, " income, a savings rate of **");
            abuf_pct(&a->out, saved, income);
            abuf_puts(&a->out, "**.");
        } else {
            abuf_puts(&a->out, "This month you've spent ");
            bold_money(a, -saved);
            abuf_puts(&a->out, " more than you earned, so your savings rate is negative (");
            abuf_pct(&a->out, saved, income);
            abuf_puts(&a->out, ").");
        }
    } else if (json_is_number(pct)) {
        abuf_printf(&a->out, "Your savings rate this month is **%.1f%%**.", json_number_value(pct));
    } else {
        missing(a, "this month's income and spending");
        return;
    }
    if (average_net(a, &avg, &k) && k > 1) {
        int64_t inc = 0;

        cashflow_rows(a, rows, MAX_ROWS);
        for (size_t i = 0; i < k; i++)
            inc += money_or(rows[i].j, "income_minor", 0);
        abuf_printf(&a->out, " Over the last %zu months you've put aside ", k);
        money_out(a, avg);
        abuf_puts(&a->out, " a month on average");
        if (inc > 0) {
            abuf_puts(&a->out, " (");
            abuf_pct(&a->out, avg * (int64_t)k, inc);
            abuf_puts(&a->out, " of income)");
        }
        abuf_puts(&a->out, ".");
    }
    if (have) {
        int64_t saved = income - expenses;

        if (saved * 10 < income) {
            struct row top[MAX_ROWS];
            size_t n = rows_by_amount(list(a, "top_categories"), "amount_minor", category_keys, top,
                                      MAX_ROWS);

            abuf_puts(&a->out, " Aim for 15-20%");
            if (n > 0 && top[0].key) {
                abuf_printf(&a->out, ": trimming %s by 10%% alone would free ", top[0].key);
                money_out(a, top[0].amount / 10);
                abuf_puts(&a->out, " a month.");
            } else {
                abuf_puts(&a->out, ".");
            }
        } else if (saved * 5 < income) {
            abuf_puts(&a->out, " That's a solid rate; 20% or more builds wealth faster.");
        } else {
            abuf_puts(&a->out, " That's an excellent rate. Keep it up!");
        }
    }
}

/* Monthly equivalent of a subscription amount by its cadence. */
static int64_t per_month(const json_t *s, int64_t amount)
{
    const char *c = str(s, "cadence");

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

static void answer_subscriptions(struct ans *a)
{
    const json_t *arr = list(a, "subscriptions");
    struct row rows[MAX_ROWS];
    size_t n;
    int64_t total = 0, income, expenses, stated;
    const char *label;

    if (!arr) {
        missing(a, "your recurring payments");
        return;
    }
    n = rows_by_amount(arr, "amount_minor", merchant_keys, rows, MAX_ROWS);
    if (n == 0) {
        abuf_puts(&a->out,
                  "I didn't find any recurring subscriptions in your transaction history.");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rows[i].amount = per_month(rows[i].j, rows[i].amount);
        total += rows[i].amount;
    }
    qsort(rows, n, sizeof(rows[0]), row_desc);
    if (money(section(a, "subscriptions"), "monthly_total_minor", &stated))
        total = mag(stated);
    abuf_printf(&a->out, "You're paying for %zu subscription%s, about ", n, n == 1 ? "" : "s");
    bold_money(a, total);
    abuf_puts(&a->out, " a month (");
    money_out(a, total * 12);
    abuf_puts(&a->out, " a year):\n");
    for (size_t i = 0; i < n && i < 10; i++) {
        const char *c = str(rows[i].j, "cadence");

        abuf_printf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Unknown merchant");
        money_out(a, mag(money_or(rows[i].j, "amount_minor", 0)));
        abuf_printf(&a->out, "%s%s\n", c ? " " : "", c ? c : "");
    }
    abuf_printf(&a->out, "The priciest is %s.", rows[0].key ? rows[0].key : "the first one");
    if (month_figures(a, &income, &expenses, &label) && income > 0) {
        abuf_puts(&a->out, " Together they take ");
        abuf_pct(&a->out, total, income);
        abuf_puts(&a->out, " of your monthly income.");
    }
    abuf_puts(&a->out, " Cancelling one you no longer use is the easiest saving there is.");
}

/* Open fraud alerts, largest amount first; the row key is the merchant. */
static size_t open_alerts(const struct ans *a, struct row *rows, size_t max)
{
    size_t n = 0, i;
    json_t *it;

    json_array_foreach(list(a, "fraud_alerts"), i, it)
    {
        const json_t *tx = json_object_get(it, "transaction");
        const char *status = str(it, "status");
        int64_t v = 0;

        if (n == max || !json_is_object(it))
            break;
        if (status && strcmp(status, "open") != 0)
            continue;
        if (!money(it, "amount_minor", &v))
            money(tx, "amount_minor", &v);
        rows[n].j = it;
        rows[n].amount = mag(v);
        rows[n].key = str_any(it, merchant_keys);
        if (!rows[n].key)
            rows[n].key = str_any(tx, merchant_keys);
        n++;
    }
    qsort(rows, n, sizeof(rows[0]), row_desc);
    return n;
}

/* Appends an alert's reasons, an array of strings or one string, joined by "; ". */
static void alert_reasons(struct ans *a, const json_t *alert)
{
    const json_t *r = json_object_get(alert, "reasons");
    size_t i, k = 0;
    json_t *it;

    if (json_is_string(r)) {
        abuf_printf(&a->out, ": %s", json_string_value(r));
        return;
    }
    json_array_foreach(r, i, it)
    {
        if (json_is_string(it))
            abuf_printf(&a->out, "%s%s", k++ ? "; " : ": ", json_string_value(it));
    }
}

static void answer_fraud(struct ans *a)
{
    struct row rows[MAX_ROWS];
    size_t n;

    if (!a->ctx) {
        missing(a, "your transactions");
        return;
    }
    n = open_alerts(a, rows, MAX_ROWS);
    if (n == 0) {
        abuf_puts(&a->out, "Good news: there are no open fraud alerts on your accounts. I flag "
                           "unusually large charges, late-night activity and rapid repeats as "
                           "they come in.");
        return;
    }
    abuf_printf(&a->out, "You have **%zu open fraud alert%s**:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 10; i++) {
        const json_t *tx = json_object_get(rows[i].j, "transaction");
        const char *date = str_any(tx, date_keys);
        const char *level = str(rows[i].j, "level");

        if (!date)
            date = str_any(rows[i].j, date_keys);
        abuf_puts(&a->out, "- ");
        money_out(a, rows[i].amount);
        abuf_printf(&a->out, " at %s", rows[i].key ? rows[i].key : "an unknown merchant");
        if (date)
            abuf_printf(&a->out, " on %.10s", date);
        if (level)
            abuf_printf(&a->out, " (%s risk)", strcmp(level, "high") == 0 ? "high" : "review");
        alert_reasons(a, rows[i].j);
        abuf_puts(&a->out, "\n");
    }
    abuf_puts(&a->out, "If you don't recognise a charge, contact your bank right away; once "
                       "you've checked one, resolve it on the Insights page.");
}

static void answer_budgets(struct ans *a)
{
    const json_t *arr = list(a, "budgets");
    struct row rows[MAX_ROWS];
    struct named nm;
    size_t n = 0, i, over = 0, near = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        abuf_puts(&a->out, "You haven't set any budgets yet. Set monthly limits per category on "
                           "the Budgets page and I'll tell you how each one is doing.");
        return;
    }
    find_named(a, &nm);
    json_array_foreach(arr, i, it)
    {
        int64_t lim, spent;

        if (n == MAX_ROWS || !money(it, "limit_minor", &lim) || lim <= 0 ||
            !money(it, "spent_minor", &spent))
            continue;
        rows[n].j = it;
        rows[n].key = str_any(it, category_keys);
        /* Sort by per-mille used; the named category first. */
        rows[n].amount = mag(spent) * 1000 / lim;
        if (nm.budget == it)
            rows[n].amount = INT64_MAX;
        over += mag(spent) > lim;
        near += mag(spent) <= lim && mag(spent) * 10 >= lim * 8;
        n++;
    }
    if (n == 0) {
        missing(a, "spending figures for your budgets");
        return;
    }
    qsort(rows, n, sizeof(rows[0]), row_desc);
    abuf_puts(&a->out, "Here's how your budgets stand this month:\n");
    for (i = 0; i < n && i < 12; i++) {
        int64_t lim = money_or(rows[i].j, "limit_minor", 0);
        int64_t spent = mag(money_or(rows[i].j, "spent_minor", 0));

        abuf_printf(&a->out, "- %s: ", rows[i].key ? rows[i].key : "Uncategorized");
        money_out(a, spent);
        abuf_puts(&a->out, " of ");
        money_out(a, lim);
        if (spent > lim) {
            abuf_puts(&a->out, " - **over by ");
            money_out(a, spent - lim);
            abuf_puts(&a->out, "**\n");
        } else {
            abuf_puts(&a->out, " (");
            abuf_pct(&a->out, spent, lim);
            abuf_puts(&a->out, " used)\n");
        }
    }
    if (over)
        abuf_printf(&a->out, "%zu of %zu budgets %s exceeded", over, n, over == 1 ? "is" : "are");
    else
        abuf_printf(&a->out, "None of your %zu budgets is exceeded", n);
    if (near)
        abuf_printf(&a->out, ", and %zu %s close to the limit (80%% or more).", near,
                    near == 1 ? "is" : "are");
    else
        abuf_puts(&a->out, over ? "." : ". You're on track.");
}

/* The change of the last balance of forecast.scenarios.@name over its start balance. */
static bool scenario_gain(const json_t *fc, const char *name, int64_t *out)
{
    const json_t *s = json_object_get(json_object_get(fc, "scenarios"), name);
    int64_t start, end;

    if (!json_is_array(s) || json_array_size(s) == 0 ||
        !money(json_array_get(s, json_array_size(s) - 1), "balance_minor", &end))
        return false;
    start = money_or(fc, "start_balance_minor", 0);
    *out = end - start;
    return true;
}

static bool forecast_12m(const struct ans *a, const char *name, int64_t *out)
{
    const json_t *fc = section(a, "forecast");
    char key[40];

    snprintf(key, sizeof(key), "%s_12m_minor", name);
    return money(fc, key, out) || scenario_gain(fc, name, out);
}

static void answer_forecast(struct ans *a)
{
    int64_t exp, cons, opt, avg, nw;
    size_t k;

    if (forecast_12m(a, "expected", &exp)) {
        abuf_puts(&a->out, "If your income and spending stay on their current course, you're "
                           "on track to ");
        abuf_puts(&a->out, exp >= 0 ? "add about " : "lose about ");
        bold_money(a, mag(exp));
        abuf_puts(&a->out, " over the next 12 months");
        if (forecast_12m(a, "conservative", &cons) && forecast_12m(a, "optimistic", &opt)) {
            abuf_puts(&a->out, " (between ");
            money_out(a, cons);
            abuf_puts(&a->out, " in a cautious case and ");
            money_out(a, opt);
            abuf_puts(&a->out, " in an optimistic one)");
        }
        abuf_puts(&a->out, ".");
    } else if (average_net(a, &avg, &k)) {
        exp = avg * 12;
        abuf_printf(&a->out,
                    "I don't have a stored forecast, but from your last %zu month%s "
                    "(an average net of ",
                    k, k == 1 ? "" : "s");
        money_out(a, avg);
        abuf_puts(&a->out, " a month) you'd ");
        abuf_puts(&a->out, exp >= 0 ? "add about " : "lose about ");
        bold_money(a, mag(exp));
        abuf_puts(&a->out, " over the next 12 months.");
    } else {
        missing(a, "enough history to forecast");
        return;
    }
    if (money(a->ctx, "net_worth_minor", &nw)) {
        abuf_puts(&a->out, " That would take your net worth from ");
        money_out(a, nw);
        abuf_puts(&a->out, " to roughly ");
        money_out(a, nw + exp);
        abuf_puts(&a->out, ".");
    }
    if (exp < 0)
        abuf_puts(&a->out, " Ask me \"what is my biggest risk?\" to see where to act first.");
}

/* ---- what-if ---- */

/* Parses the numbers of a what-if question: a percentage (tenths, 0..1000) and an amount in
 * minor units ("$500", "500 dollars", "$1,250.50", "$2k", or a bare number with "more",
 * "extra" or "save"). Exact integer parsing; false for what is absent. */
static void parse_whatif(const char *q, int64_t *pct_tenths, int64_t *amount)
{
    *pct_tenths = -1;
    *amount = -1;
    for (const char *p = q; *p; p++) {
        int64_t whole = 0, frac = 0;
        int fd = 0;
        const char *s = p, *e;
        bool dollar;

        if (!isdigit((unsigned char)*p) ||
            (p > q && (isdigit((unsigned char)p[-1]) || p[-1] == ',' || p[-1] == '.')))
            continue;
        dollar = p > q && p[-1] == '$';
        for (e = s; isdigit((unsigned char)*e) || (*e == ',' && isdigit((unsigned char)e[1])); e++)
            if (*e != ',' && whole < INT64_MAX / 100)
                whole = whole * 10 + (*e - '0');
        if (*e == '.' && isdigit((unsigned char)e[1]))
            for (e++; isdigit((unsigned char)*e); e++)
                if (fd < 2) {
                    frac = frac * 10 + (*e - '0');
                    fd++;
                }
        if (fd == 1)
            frac *= 10;
        while (*e == ' ')
            e++;
        if (*e == '%' || strncmp(e, "percent", 7) == 0 || strncmp(e, "pct", 3) == 0) {
            if (*pct_tenths < 0 && whole <= 100)
                *pct_tenths = whole * 10 + frac / 10;
        } else if (dollar || strncmp(e, "dollar", 6) == 0 || strncmp(e, "buck", 4) == 0 ||
                   ((*e == 'k' || *e == 'K') && !isalpha((unsigned char)e[1])) || has(q, "more") ||
                   has(q, "extra") || has(q, "save")) {
            if (*amount < 0) {
                *amount = whole * 100 + frac;
                if ((*e == 'k' || *e == 'K') && !isalpha((unsigned char)e[1]))
                    *amount *= 1000;
            }
        }
        p = e > p ? e - 1 : p;
    }
}

static bool is_what_if(const char *q)
{
    static const char *const direct[] = {"what if", "what happens if", "suppose", "imagine",
                                         "if i ",   "if we ",          NULL};
    static const char *const cut[] = {"cut", "reduce", "trim", "lower", "spend less", NULL};
    static const char *const more[] = {"more", "extra", "additional", NULL};

    if (has_any(q, direct))
        return true;
    if (has_any(q, cut) && has_digit(q))
        return true;
    return (has(q, "save") || has(q, "put aside")) && has_digit(q) && has_any(q, more);
}

/* The subscription the question names ("what if I cancel Netflix"), if any. */
static const json_t *named_subscription(const struct ans *a)
{
    size_t i;
    json_t *it;

    json_array_foreach(list(a, "subscriptions"), i, it)
    {
        const char *m = str_any(it, merchant_keys);

        if (m && name_in_question(a->q, m))
            return it;
    }
    return NULL;
}

/* The consequences of putting aside @extra more per month: savings rate, forecast, goal. */
static void whatif_effects(struct ans *a, int64_t extra)
{
    int64_t income, expenses, exp, now = monthly_saving(a);
    const char *label;
    size_t i;
    json_t *it;

    if (month_figures(a, &income, &expenses, &label) && income > 0) {
        abuf_puts(&a->out, " Your savings rate would go from ");
        abuf_pct(&a->out, income - expenses, income);
        abuf_puts(&a->out, " to **");
        abuf_pct(&a->out, income - expenses + extra, income);
        abuf_puts(&a->out, "**.");
    }
    if (forecast_12m(a, "expected", &exp)) {
        abuf_puts(&a->out, " Your 12-month forecast would rise from ");
        money_out(a, exp);
        abuf_puts(&a->out, " to ");
        money_out(a, exp + extra * 12);
        abuf_puts(&a->out, ".");
    }
    json_array_foreach(list(a, "goals"), i, it)
    {
        int64_t target, cur;
        const char *name = str_any(it, category_keys);

        if (!money(it, "target_minor", &target) || !money(it, "current_minor", &cur) ||
            target <= cur)
            continue;
        abuf_printf(&a->out, " Your goal \"%s\" (", name ? name : "savings goal");
        money_out(a, target - cur);
        abuf_printf(&a->out, " to go) would be reached in about %lld months",
                    (long long)months_to(target - cur, now + extra));
        if (now > 0 && months_to(target - cur, now) != months_to(target - cur, now + extra))
            abuf_printf(&a->out, " instead of %lld", (long long)months_to(target - cur, now));
        abuf_puts(&a->out, ".");
        break;
    }
}

static void answer_what_if(struct ans *a)
{
    int64_t pct, amount, cut = -1, base = 0, income, expenses;
    const char *label, *what = NULL;
    const json_t *sub;
    struct named nm;

    parse_whatif(a->q, &pct, &amount);
    sub = named_subscription(a);
    if (sub && has_any(a->q, (const char *const[]){"cancel", "drop", "stop", "quit", NULL}) &&
        money(sub, "amount_minor", &base)) {
        cut = per_month(sub, mag(base));
        abuf_printf(&a->out, "Cancelling %s would free up ", str_any(sub, merchant_keys));
        bold_money(a, cut);
        abuf_puts(&a->out, " a month, or ");
        bold_money(a, cut * 12);
        abuf_puts(&a->out, " a year.");
        whatif_effects(a, cut);
        return;
    }
    if (find_named(a, &nm) && (pct >= 0 || amount >= 0)) {
        if (nm.category && money(nm.category, "amount_minor", &base))
            base = mag(base);
        else if (nm.budget && money(nm.budget, "spent_minor", &base))
            base = mag(base);
        else
            base = -1;
        if (base < 0) {
            abuf_printf(&a->out,
                        "I don't see what you spend on %s this month, so I can't work "
                        "out that change.",
                        nm.name);
            return;
        }
        cut = pct >= 0 ? (base * pct + 500) / 1000 : (amount < base ? amount : base);
        what = nm.name;
    } else if (pct >= 0 && month_figures(a, &income, &expenses, &label)) {
        base = expenses;
        cut = (base * pct + 500) / 1000;
        what = "your total spending";
    } else if (amount >= 0) {
        abuf_puts(&a->out, "Putting aside an extra ");
        bold_money(a, amount);
        abuf_puts(&a->out, " a month adds up to ");
        bold_money(a, amount * 12);
        abuf_puts(&a->out, " a year.");
        whatif_effects(a, amount);
        return;
    }
    if (cut < 0) {
        abuf_puts(&a->out, "Tell me what to change and by how much, for example \"what if I cut "
                           "dining by 20%?\" or \"what if I save $500 more a month?\", and I'll "
                           "work out the effect from your numbers.");
        return;
    }
    abuf_printf(&a->out, "Cutting %s (", what);
    money_out(a, base);
    abuf_puts(&a->out, " this month) by ");
    if (pct >= 0 && pct % 10)
        abuf_printf(&a->out, "%lld.%lld%%", (long long)(pct / 10), (long long)(pct % 10));
    else if (pct >= 0)
        abuf_printf(&a->out, "%lld%%", (long long)(pct / 10));
    else
        money_out(a, cut);
    abuf_puts(&a->out, " would free up ");
    bold_money(a, cut);
    abuf_puts(&a->out, " a month, or ");
    bold_money(a, cut * 12);
    abuf_puts(&a->out, " a year.");
    whatif_effects(a, cut);
}

/* ---- the rest ---- */

static void answer_net_worth(struct ans *a)
{
    const json_t *arr = list(a, "accounts");
    struct row rows[MAX_ROWS];
    size_t n = 0, i;
    int64_t nw, assets = 0, debts = 0;
    json_t *it;
    bool have = money(a->ctx, "net_worth_minor", &nw);

    json_array_foreach(arr, i, it)
    {
        int64_t bal;

        if (n == MAX_ROWS || !money(it, "balance_minor", &bal))
            continue;
        rows[n].j = it;
        rows[n].amount = mag(bal);
        rows[n].key = str_any(it, category_keys);
        if (bal >= 0)
            assets += bal;
        else
            debts += -bal;
        n++;
    }
    if (!have && n == 0) {
        missing(a, "your account balances");
        return;
    }
    if (!have)
        nw = assets - debts;
    abuf_puts(&a->out, "Your net worth is ");
    bold_money(a, nw);
    abuf_puts(&a->out, n ? "." : ".\n");
    if (n == 0)
        return;
    qsort(rows, n, sizeof(rows[0]), row_desc);
    abuf_printf(&a->out, " Across your %zu account%s:\n", n, n == 1 ? "" : "s");
    for (i = 0; i < n && i < 10; i++) {
        const char *type = str(rows[i].j, "type");

        abuf_printf(&a->out, "- %s", rows[i].key ? rows[i].key : "Account");
        if (type)
            abuf_printf(&a->out, " (%s)", type);
        abuf_puts(&a->out, ": ");
        money_out(a, money_or(rows[i].j, "balance_minor", 0));
        abuf_puts(&a->out, "\n");
    }
    abuf_puts(&a->out, "That's ");
    money_out(a, assets);
    abuf_puts(&a->out, " in assets and ");
    money_out(a, debts);
    abuf_puts(&a->out, " owed.");
}

static void answer_income(struct ans *a)
{
    int64_t income, expenses, sum = 0, lo = INT64_MAX, hi = INT64_MIN;
    const char *label, *lo_m = NULL, *hi_m = NULL;
    struct row rows[MAX_ROWS];
    size_t n = cashflow_rows(a, rows, MAX_ROWS), k = 0;
    bool have = month_figures(a, &income, &expenses, &label);

    if (have) {
        abuf_puts(&a->out, "Your income this month is ");
        bold_money(a, income);
        abuf_puts(&a->out, ".");
    }
    for (size_t i = 0; i < n; i++) {
        int64_t v;

        if (!money(rows[i].j, "income_minor", &v))
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
        abuf_printf(&a->out, "%sOver the last %zu months you've earned ", have ? " " : "", k);
        money_out(a, sum / (int64_t)k);
        abuf_puts(&a->out, " a month on average, from ");
        money_out(a, lo);
        if (lo_m) {
            abuf_puts(&a->out, " in ");
            abuf_month(&a->out, lo_m);
        }
        abuf_puts(&a->out, " to ");
        money_out(a, hi);
        if (hi_m) {
            abuf_puts(&a->out, " in ");
            abuf_month(&a->out, hi_m);
        }
        abuf_puts(&a->out, ".");
    }
    if (have && income > 0) {
        abuf_puts(&a->out, " You're keeping ");
        abuf_pct(&a->out, income - expenses, income);
        abuf_puts(&a->out, " of this month's income.");
    }
    if (a->out.len == 0)
        missing(a, "your income");
}

static void answer_largest(struct ans *a)
{
    const json_t *arr = list(a, "largest_expenses");
    struct row rows[MAX_ROWS];
    size_t n = 0, i;
    int64_t total = 0;
    json_t *it;

    if (arr) {
        n = rows_by_amount(arr, "amount_minor", merchant_keys, rows, MAX_ROWS);
    } else {
        json_array_foreach(list(a, "recent_transactions"), i, it)
        {
            int64_t v;

            if (n == MAX_ROWS || !money(it, "amount_minor", &v) || v >= 0)
                continue;
            rows[n].j = it;
            rows[n].amount = mag(v);
            rows[n].key = str_any(it, merchant_keys);
            n++;
        }
        qsort(rows, n, sizeof(rows[0]), row_desc);
    }
    if (n == 0) {
        missing(a, "your recent expenses");
        return;
    }
    if (n > 5)
        n = 5;
    abuf_printf(&a->out, "Your largest expenses%s:\n",
                arr ? " recently" : " among recent transactions");
    for (i = 0; i < n; i++) {
        const char *date = str_any(rows[i].j, date_keys);
        const char *cat = str(rows[i].j, "category");

        total += rows[i].amount;
        abuf_puts(&a->out, "- ");
        bold_money(a, rows[i].amount);
        abuf_printf(&a->out, " at %s", rows[i].key ? rows[i].key : "an unknown merchant");
        if (date)
            abuf_printf(&a->out, " on %.10s", date);
        if (cat)
            abuf_printf(&a->out, " (%s)", cat);
        abuf_puts(&a->out, "\n");
    }
    abuf_puts(&a->out, "Together they come to ");
    money_out(a, total);
    abuf_puts(&a->out, ".");
}

static void answer_goals(struct ans *a)
{
    const json_t *arr = list(a, "goals");
    int64_t saving = monthly_saving(a);
    const char *now = str(section(a, "month"), "month");
    size_t i, n = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        abuf_puts(&a->out, "You haven't set any savings goals yet. Add one (an emergency fund is "
                           "a great first goal) and I'll track how fast you're getting there.");
        return;
    }
    abuf_puts(&a->out, "Here's where your goals stand:\n");
    json_array_foreach(arr, i, it)
    {
        int64_t target, cur, left;
        const char *name = str_any(it, category_keys), *date = str(it, "target_date");

        if (!money(it, "target_minor", &target) || target <= 0)
            continue;
        cur = money_or(it, "current_minor", 0);
        n++;
        abuf_printf(&a->out, "- %s: ", name ? name : "Goal");
        money_out(a, cur);
        abuf_puts(&a->out, " of ");
        money_out(a, target);
        abuf_puts(&a->out, " (");
        abuf_pct(&a->out, cur, target);
        abuf_puts(&a->out, ")");
        if (date) {
            abuf_puts(&a->out, ", target ");
            abuf_month(&a->out, date);
        }
        left = target - cur;
        if (left <= 0) {
            abuf_puts(&a->out, " - reached!\n");
            continue;
        }
        {
            int64_t months;

            if (date && months_between(now, date, &months) && months > 0) {
                abuf_puts(&a->out, "; needs ");
                money_out(a, (left + months - 1) / months);
                abuf_puts(&a->out, " a month to get there on time");
            }
        }
        if (saving > 0)
            abuf_printf(&a->out, "; about %lld months at your current pace",
                        (long long)months_to(left, saving));
        abuf_puts(&a->out, "\n");
    }
    if (n == 0) {
        abuf_release(&a->out);
        missing(a, "targets for your goals");
        return;
    }
    if (saving > 0) {
        abuf_puts(&a->out, "You're currently putting aside about ");
        money_out(a, saving);
        abuf_puts(&a->out, " a month.");
    } else {
        abuf_puts(&a->out, "Right now you're not putting money aside each month, so the goals "
                           "won't move until spending drops below income.");
    }
}

static void answer_health(struct ans *a)
{
    const json_t *hs = section(a, "health_score");
    const json_t *weakest = NULL;
    int64_t score, pts, max;
    size_t i;
    json_t *it;
    int64_t worst = INT64_MAX;

    if (!money(hs, "score", &score)) {
        missing(a, "a health score");
        return;
    }
    abuf_printf(&a->out, "Your financial health score is **%lld/100**.", (long long)score);
    json_array_foreach(json_object_get(hs, "parts"), i, it)
    {
        const char *label = str_any(it, (const char *const[]){"label", "name", "key", NULL});
        const char *reason = str(it, "reason");

        if (!money(it, "points", &pts) || !money(it, "max_points", &max) || max <= 0)
            continue;
        abuf_printf(&a->out, "\n- %s: %lld/%lld%s%s", label ? label : "Part", (long long)pts,
                    (long long)max, reason ? " - " : "", reason ? reason : "");
        if ((pts * 1000) / max < worst) {
            worst = (pts * 1000) / max;
            weakest = it;
        }
    }
    if (weakest) {
        const char *label = str_any(weakest, (const char *const[]){"label", "name", "key", NULL});

        abuf_printf(&a->out, "\nThe most room to improve is in %s.", label ? label : "one part");
    }
}

static void answer_recent(struct ans *a)
{
    const json_t *arr = list(a, "recent_transactions");
    size_t i, n = 0;
    json_t *it;

    if (!arr || json_array_size(arr) == 0) {
        missing(a, "recent transactions");
        return;
    }
    abuf_puts(&a->out, "Your most recent transactions:\n");
    json_array_foreach(arr, i, it)
    {
        const char *date = str_any(it, date_keys), *m = str_any(it, merchant_keys);
        const char *cat = str(it, "category");
        int64_t v;

        if (n == 8 || !money(it, "amount_minor", &v))
            continue;
        n++;
        abuf_puts(&a->out, "- ");
        if (date)
            abuf_printf(&a->out, "%.10s ", date);
        abuf_printf(&a->out, "%s: ", m ? m : "Unknown");
        money_out(a, v);
        if (cat)
            abuf_printf(&a->out, " (%s)", cat);
        abuf_puts(&a->out, "\n");
    }
    abuf_puts(&a->out, "You can search and filter all of them on the Transactions page.");
}

static void answer_cashflow(struct ans *a)
{
    struct row rows[MAX_ROWS];
    size_t n = cashflow_rows(a, rows, MAX_ROWS), best = 0, worst = 0;

    if (n == 0) {
        missing(a, "your monthly cash flow");
        return;
    }
    abuf_printf(&a->out, "Your cash flow over the last %zu month%s:\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        abuf_puts(&a->out, "- ");
        abuf_month(&a->out, rows[i].key ? rows[i].key : "?");
        abuf_puts(&a->out, ": in ");
        money_out(a, money_or(rows[i].j, "income_minor", 0));
        abuf_puts(&a->out, ", out ");
        money_out(a, mag(money_or(rows[i].j, "expenses_minor", 0)));
        abuf_puts(&a->out, ", net ");
        money_out(a, row_net(rows[i].j));
        abuf_puts(&a->out, "\n");
        if (row_net(rows[i].j) > row_net(rows[best].j))
            best = i;
        if (row_net(rows[i].j) < row_net(rows[worst].j))
            worst = i;
    }
    if (n > 1) {
        abuf_puts(&a->out, "Your best month was ");
        abuf_month(&a->out, rows[best].key ? rows[best].key : "?");
        abuf_puts(&a->out, " and the weakest ");
        abuf_month(&a->out, rows[worst].key ? rows[worst].key : "?");
        abuf_puts(&a->out, ".");
    }
}

/* ---- entry points ---- */

enum analyst_intent analyst_intent(const char *question, const json_t *context)
{
    static const char *const fraud[] = {"fraud",  "suspicious", "unauthori", "scam",
                                        "stolen", "unrecogni",  NULL};
    static const char *const subs[] = {"subscri", "recurring", "membership", NULL};
    static const char *const budget[] = {"budget", "over my limit", "spending limit", NULL};
    static const char *const forecast[] = {"forecast",  "projection",      "project",   "predict",
                                           "next year", "next 12",         "12 months", "future",
                                           "outlook",   "end of the year", NULL};
    static const char *const goals[] = {"goal", "on track", "saving for", NULL};
    static const char *const health[] = {"health", "score", "how healthy", NULL};
    static const char *const summary[] = {
        "summary",        "summarize",     "summarise",           "overview",  "snapshot",
        "how am i doing", "how i'm doing", "how are my finances", "situation", NULL};
    static const char *const big[] = {"largest",  "biggest", "most expensive", "highest", "top",
                                      "priciest", NULL};
    static const char *const outflow[] = {"expense", "purchase", "transaction", "charge",
                                          "payment", "spend",    "bill",        NULL};
    static const char *const risk[] = {"risk",     "worr",   "concern", "danger", "problem",
                                       "red flag", "threat", "weak",    NULL};
    static const char *const worth[] = {
        "net worth",          "worth", "balance", "account", "assets", "how much money do i have",
        "how much do i have", "debt",  "owe",     NULL};
    static const char *const income[] = {"income", "earn", "salary", "paycheck", "wage", NULL};
    static const char *const savings[] = {"saving", "save", "put aside", NULL};
    static const char *const recent[] = {"recent", "latest", "last transaction", "last few", NULL};
    static const char *const cashflow[] = {
        "cash flow", "cashflow",      "trend",           "month over month", "each month",
        "per month", "last 6 months", "last six months", "history",          NULL};
    static const char *const cats[] = {
        "categor",  "breakdown",   "where does my money", "where is my money", "where did my money",
        "spend on", "spending by", "what do i spend",     "money go",          NULL};
    static const char *const spend[] = {"spend", "spent",    "spending",   "expense",
                                        "cost",  "outgoing", "this month", NULL};
    static const char *const hello[] = {"hi",           "hello", "hey",          "hiya",
                                        "thanks",       "thank", "good morning", "good afternoon",
                                        "good evening", NULL};
    static const char *const help[] = {"help",        "what can you",    "what do you",
                                       "who are you", "how do you work", NULL};
    struct ans a = {.ctx = context};
    struct named nm;
    enum analyst_intent it = ANALYST_UNKNOWN;

    a.q = xstrdup(question ? question : "");
    for (char *p = a.q; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (is_what_if(a.q))
        it = ANALYST_WHAT_IF;
    else if (has_any(a.q, fraud) || has_word(a.q, "alert") || has_word(a.q, "alerts"))
        it = ANALYST_FRAUD;
    else if (has_any(a.q, subs))
        it = ANALYST_SUBSCRIPTIONS;
    else if (has_any(a.q, budget))
        it = ANALYST_BUDGETS;
    else if (has_any(a.q, forecast))
        it = ANALYST_FORECAST;
    else if (has_any(a.q, goals))
        it = ANALYST_GOALS;
    else if (has_any(a.q, health))
        it = ANALYST_HEALTH;
    else if (has_any(a.q, summary))
        it = ANALYST_SUMMARY;
    else if (has(a.q, "categor") || has(a.q, "breakdown"))
        it = find_named(&a, &nm) ? ANALYST_CATEGORY : ANALYST_CATEGORIES;
    else if (has_any(a.q, big) && has_any(a.q, outflow))
        it = ANALYST_LARGEST;
    else if (has_any(a.q, risk))
        it = ANALYST_RISK;
    else if (has_any(a.q, worth))
        it = ANALYST_NET_WORTH;
    else if (has_any(a.q, income))
        it = ANALYST_INCOME;
    else if (has_any(a.q, savings))
        it = ANALYST_SAVINGS;
    else if (has_any(a.q, recent))
        it = ANALYST_RECENT;
    else if (has_any(a.q, cashflow))
        it = ANALYST_CASHFLOW;
    else if (find_named(&a, &nm))
        it = ANALYST_CATEGORY;
    else if (has_any(a.q, cats))
        it = ANALYST_CATEGORIES;
    else if (has_any(a.q, spend))
        it = ANALYST_SPENDING;
    else if (has_any(a.q, help))
        it = ANALYST_GREETING;
    else
        for (const char *const *h = hello; *h && it == ANALYST_UNKNOWN; h++)
            if (has_word(a.q, *h))
                it = ANALYST_GREETING;
    if (it == ANALYST_UNKNOWN && a.q[strspn(a.q, " \t\r\n?!.")] == '\0')
        it = ANALYST_GREETING; /* an empty question: introduce ourselves */
    free(a.q);
    return it;
}

const char *analyst_intent_name(enum analyst_intent intent)
{
    static const char *const names[] = {
        "unknown",       "greeting", "spending", "category", "categories", "risk",      "savings",
        "subscriptions", "fraud",    "budgets",  "forecast", "what_if",    "net_worth", "income",
        "largest",       "goals",    "health",   "recent",   "cashflow",   "summary",
    };

    if ((size_t)intent >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[intent];
}

char *analyst_answer(const char *question, const json_t *context)
{
    struct ans a = {.ctx = json_is_object(context) ? context : NULL};
    enum analyst_intent it = analyst_intent(question, a.ctx);
    struct named nm;

    a.cur = str(a.ctx, "currency");
    if (!a.cur)
        a.cur = "USD";
    a.q = xstrdup(question ? question : "");
    for (char *p = a.q; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!a.ctx && it != ANALYST_GREETING && it != ANALYST_UNKNOWN) {
        abuf_puts(&a.out, "I don't have any of your financial data yet. Link a bank account or "
                          "import a statement (or load the demo data), and I'll answer with your "
                          "real numbers.");
        goto out;
    }
    switch (it) {
    case ANALYST_GREETING:
        answer_greeting(&a);
        break;
    case ANALYST_SPENDING:
        answer_spending(&a);
        break;
    case ANALYST_CATEGORY:
        if (find_named(&a, &nm))
            answer_category(&a, &nm);
        else
            answer_categories(&a);
        break;
    case ANALYST_CATEGORIES:
        answer_categories(&a);
        break;
    case ANALYST_RISK:
        answer_risk(&a);
        break;
    case ANALYST_SAVINGS:
        answer_savings(&a);
        break;
    case ANALYST_SUBSCRIPTIONS:
        answer_subscriptions(&a);
        break;
    case ANALYST_FRAUD:
        answer_fraud(&a);
        break;
    case ANALYST_BUDGETS:
        answer_budgets(&a);
        break;
    case ANALYST_FORECAST:
        answer_forecast(&a);
        break;
    case ANALYST_WHAT_IF:
        answer_what_if(&a);
        break;
    case ANALYST_NET_WORTH:
        answer_net_worth(&a);
        break;
    case ANALYST_INCOME:
        answer_income(&a);
        break;
    case ANALYST_LARGEST:
        answer_largest(&a);
        break;
    case ANALYST_GOALS:
        answer_goals(&a);
        break;
    case ANALYST_HEALTH:
        answer_health(&a);
        break;
    case ANALYST_RECENT:
        answer_recent(&a);
        break;
    case ANALYST_CASHFLOW:
        answer_cashflow(&a);
        break;
    case ANALYST_SUMMARY:
        answer_summary(&a);
        break;
    case ANALYST_UNKNOWN:
        answer_unknown(&a);
        break;
    }
out:
    free(a.q);
    return abuf_detach(&a.out);
}

size_t analyst_token_len(const char *s, size_t len)
{
    size_t n = 0;

    while (n < len && isspace((unsigned char)s[n]))
        n++;
    while (n < len && !isspace((unsigned char)s[n]))
        n++;
    while (n < len && isspace((unsigned char)s[n]))
        n++;
    return n;
}
