/* toolcat.c - the tool catalogue, parsed once from the generated toolcat_json, its argument
 * checks and the words of its calls. */
#include "toolcat.h"

#include "clock.h"
#include "err.h"
#include "jschema.h"
#include "period.h"
#include "strbuf.h"
#include "utf8.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static json_t *tools; /* the parsed toolcat_json; never changed after load() */

/* Parses the catalogue; a fault here is a build fault (tools/gen-toolcat.py checks it). */
static void load(void)
{
    json_error_t e;

    tools = json_loads(toolcat_json, 0, &e);
    if (!json_is_array(tools)) {
        fprintf(stderr, "toolcat: the generated catalogue does not parse: %s\n", e.text);
        abort();
    }
}

static const json_t *catalogue(void)
{
    pthread_once(&once, load);
    return tools;
}

int toolcat_count(void)
{
    return (int)json_array_size(catalogue());
}

const char *toolcat_name(int i)
{
    if (i < 0 || i >= toolcat_count())
        return NULL;
    return json_string_value(json_object_get(json_array_get(catalogue(), (size_t)i), "name"));
}

json_t *toolcat_list(void)
{
    return json_deep_copy(catalogue());
}

const json_t *toolcat_get(const char *name)
{
    int n = toolcat_count();

    for (int i = 0; name && i < n; i++)
        if (strcmp(toolcat_name(i), name) == 0)
            return json_array_get(catalogue(), (size_t)i);
    return NULL;
}

/* Copies @sb into @out (@outlen bytes), cut at a character boundary, and releases @sb. */
static void put(struct strbuf *sb, char *out, unsigned outlen)
{
    if (out)
        utf8_copy(out, outlen, sb->buf, sb->len);
    strbuf_release(sb);
}

/* Any valid day: whether a text is a period, and its label, do not depend on it. */
static int64_t any_day(void)
{
    return clock_days_from_civil(2026, 1, 1);
}

/* The checks a schema cannot make: the periods and months must exist (period.h). */
static int check_periods(const json_t *args, char *err, unsigned errlen)
{
    static const char *const keys[] = {"period", "month"};
    struct period p;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = json_string_value(json_object_get(args, keys[i]));
        struct strbuf sb = STRBUF_INIT;

        if (!v || period_parse(v, any_day(), &p) == 0)
            continue;
        strbuf_addf(&sb,
                    "%s: no such date, a year outside 1970..2100, or a range that ends "
                    "before it starts",
                    keys[i]);
        put(&sb, err, errlen);
        return FC_EINVAL;
    }
    return 0;
}

int toolcat_validate(const char *name, const json_t *args, char *err, unsigned errlen)
{
    const json_t *tool = toolcat_get(name);
    json_t *none = NULL;
    int rc;

    if (!tool) {
        struct strbuf sb = STRBUF_INIT;

        strbuf_addf(&sb, "no such tool: %s", name ? name : "(none)");
        put(&sb, err, errlen);
        return FC_ENOTFOUND;
    }
    if (!args)
        args = none = json_object();
    rc = jschema_validate(json_object_get(tool, "parameters"), args, err, errlen);
    if (rc == 0)
        rc = check_periods(args, err, errlen);
    json_decref(none);
    return rc;
}

/* --- Labels: one function a tool, each appending its words to @sb. --- */

/* The string argument @key of @args, or NULL when it is absent, empty or not a string. */
static const char *text_arg(const json_t *args, const char *key)
{
    const char *s = json_string_value(json_object_get(args, key));

    return s && *s ? s : NULL;
}

/* Appends argument text @s, with control characters as spaces (the label is one line). */
static void add_text(struct strbuf *sb, const char *s)
{
    for (; *s; s++)
        strbuf_addch(sb, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* Appends ", <the period of argument @key in words>", or ", @dflt" when there is none (and
 * nothing when @dflt is NULL too). A period that does not parse is left out. */
static void add_period(struct strbuf *sb, const json_t *args, const char *key, const char *dflt)
{
    const char *s = text_arg(args, key);
    struct period p;

    if (s && period_parse(s, any_day(), &p) == 0)
        strbuf_addf(sb, ", %s", p.label);
    else if (!s && dflt)
        strbuf_addf(sb, ", %s", dflt);
}

/* Appends ", last N months" (", this month" for 1) from argument "months", @dflt if none;
 * @ahead says "next" instead ("next month" for 1). */
static void add_months(struct strbuf *sb, const json_t *args, long long dflt, bool ahead)
{
    const json_t *v = json_object_get(args, "months");
    double d = json_number_value(v);
    long long n = dflt;

    if (json_is_number(v) && d >= 1 && d <= 1200 && d == (double)(long long)d)
        n = (long long)d;
    if (n == 1)
        strbuf_addstr(sb, ahead ? ", next month" : ", this month");
    else
        strbuf_addf(sb, ", %s %lld months", ahead ? "next" : "last", n);
}

static void label_transactions(struct strbuf *sb, const json_t *args)
{
    static const char *const types[] = {"income", "expense", "transfer"};
    const char *category = text_arg(args, "category"), *type = text_arg(args, "type");
    const char *merchant = text_arg(args, "merchant"), *q = text_arg(args, "q");

    if (category) {
        add_text(sb, category);
        strbuf_addch(sb, ' ');
    }
    for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(type, types[i]) == 0)
            strbuf_addf(sb, "%s ", types[i]);
    strbuf_addstr(sb, "transactions");
    if (merchant) {
        strbuf_addstr(sb, " at ");
        add_text(sb, merchant);
    }
    if (q) {
        strbuf_addstr(sb, " matching \"");
        add_text(sb, q);
        strbuf_addch(sb, '"');
    }
    if (text_arg(args, "account_id"))
        strbuf_addstr(sb, " in one account");
    add_period(sb, args, "period", NULL);
}

static void label_categories(struct strbuf *sb, const json_t *args)
{
    strbuf_addstr(sb, "spending by category");
    add_period(sb, args, "period", "this month");
}

static void label_cashflow(struct strbuf *sb, const json_t *args)
{
    strbuf_addstr(sb, "cash flow");
    add_months(sb, args, 6, false);
}

static void label_networth(struct strbuf *sb, const json_t *args)
{
    strbuf_addstr(sb, "net worth");
    add_months(sb, args, 12, false);
}

static void label_forecast(struct strbuf *sb, const json_t *args)
{
    strbuf_addstr(sb, "a forecast");
    add_months(sb, args, 12, true);
}

static void label_budgets(struct strbuf *sb, const json_t *args)
{
    strbuf_addstr(sb, "budgets");
    add_period(sb, args, "month", "this month");
}

static void label_fraud(struct strbuf *sb, const json_t *args)
{
    const char *status = text_arg(args, "status");

    if (status && (strcmp(status, "resolved") == 0 || strcmp(status, "all") == 0))
        strbuf_addf(sb, "%s fraud alerts", status);
    else
        strbuf_addstr(sb, "open fraud alerts");
}

static const struct {
    const char *tool;
    const char *words; /* the whole label, when it does not depend on the arguments */
    void (*fn)(struct strbuf *sb, const json_t *args);
} labels[] = {
    {"get_accounts", "your accounts", NULL},
    {"search_transactions", NULL, label_transactions},
    {"spending_by_category", NULL, label_categories},
    {"cashflow", NULL, label_cashflow},
    {"net_worth_history", NULL, label_networth},
    {"get_budgets", NULL, label_budgets},
    {"get_subscriptions", "your subscriptions", NULL},
    {"get_fraud_alerts", NULL, label_fraud},
    {"get_health_score", "your financial health score", NULL},
    {"forecast", NULL, label_forecast},
    {"simulate", "a savings simulation", NULL},
};

void toolcat_label(const char *name, const json_t *args, char *out, unsigned outlen)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i = 0, n = sizeof(labels) / sizeof(labels[0]);

    while (name && i < n && strcmp(labels[i].tool, name) != 0)
        i++;
    if (name && i == n)
        add_text(&sb, name);
    else if (name && labels[i].words)
        strbuf_addstr(&sb, labels[i].words);
    else if (name)
        labels[i].fn(&sb, json_is_object(args) ? args : NULL);
    put(&sb, out, outlen);
}
