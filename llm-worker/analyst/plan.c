/* plan.c - the analyst as a planner over the assistant's tools: analyst_step() (analyst.h). */
#include "llm-worker/analyst/analyst.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/question.h"
#include "strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One step being planned: the question read, the look-ups already made, the calls still
 * wanted, and the answer. */
struct step {
    const struct analyst_input *in;
    struct analyst_question aq;
    json_t *made;    /* [{name, args, result}]: result NULL-valued when it failed */
    json_t *pending; /* [{name, arguments}] */
    bool last;       /* no calls may be made: answer with what there is */
    bool missing;    /* a look-up this answer wanted failed or was not made */
    struct strbuf out;
    const char *cur;
};

/* ---- the tool turns ---- */

/* Collects the calls of @turns with their results into s->made. */
static void read_turns(struct step *s)
{
    const json_t *turns = s->in->turns, *t;
    size_t i;

    s->made = json_array();
    json_array_foreach(turns, i, t)
    {
        const json_t *calls = json_object_get(t, "calls"), *c;
        size_t k;

        json_array_foreach(calls, k, c)
        {
            const char *id = json_string_value(json_object_get(c, "id"));
            const char *name = json_string_value(json_object_get(c, "name"));
            json_t *args = json_object_get(c, "arguments");
            json_t *result = json_null();
            const json_t *r;
            size_t j;

            if (!id || !name)
                continue;
            json_array_foreach(turns, j, r)
            {
                const char *rid = json_string_value(json_object_get(r, "id"));
                const char *text = json_string_value(json_object_get(r, "content"));
                json_t *parsed;

                if (!rid || strcmp(rid, id) != 0 || !text ||
                    json_is_true(json_object_get(r, "is_error")))
                    continue;
                parsed = json_loads(text, 0, NULL);
                if (json_is_object(parsed) && !json_object_get(parsed, "error")) {
                    json_decref(result);
                    result = parsed;
                } else {
                    json_decref(parsed);
                }
            }
            json_array_append_new(
                s->made, json_pack("{s:s,s:o,s:o}", "name", name, "args",
                                   json_is_object(args) ? json_incref(args) : json_object(),
                                   "result", result));
        }
    }
}

static size_t calls_so_far(const struct step *s)
{
    return json_array_size(s->made);
}

/* The result of tool @name with @args (stolen): the result when it was looked up, else
 * NULL, and the call is wanted (unless this is the last round). */
static const json_t *need(struct step *s, const char *name, json_t *args)
{
    const json_t *m, *p;
    size_t i;

    json_array_foreach(s->made, i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "name")), name) == 0 &&
            json_equal(json_object_get(m, "args"), args)) {
            const json_t *r = json_object_get(m, "result");

            json_decref(args);
            if (json_is_null(r))
                s->missing = true;
            return json_is_object(r) ? r : NULL;
        }
    }
    s->missing = true;
    json_array_foreach(s->pending, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
            json_equal(json_object_get(p, "arguments"), args)) {
            json_decref(args);
            return NULL;
        }
    }
    if (s->last)
        json_decref(args);
    else
        json_array_append_new(s->pending, json_pack("{s:s,s:o}", "name", name, "arguments", args));
    return NULL;
}

/* True when the calls wanted so far must be made before answering. */
static bool waiting(const struct step *s)
{
    return json_array_size(s->pending) > 0;
}

/* ---- reading results ---- */

static int64_t money(const json_t *o, const char *key)
{
    int64_t v = 0;

    analyst_doc_money(o, key, &v);
    return v;
}

static const char *currency_of(const struct step *s, const json_t *r)
{
    const char *c = json_string_value(json_object_get(r, "currency"));
    const json_t *items = json_object_get(r, "items");

    if (!c)
        c = json_string_value(json_object_get(json_object_get(r, "summary"), "currency"));
    if (!c && json_array_size(items))
        c = json_string_value(json_object_get(json_array_get(items, 0), "currency"));
    if (!c)
        c = analyst_doc_str(s->in->ctx, "currency");
    return c ? c : "USD";
}

/* ---- writing ---- */

static void put(struct step *s, const char *text)
{
    strbuf_addstr(&s->out, text);
}

static void put_money(struct step *s, int64_t v)
{
    fmt_add_money(&s->out, v, s->cur);
}

static void put_bold(struct step *s, int64_t v)
{
    put(s, "**");
    put_money(s, v);
    put(s, "**");
}

static void put_date(struct step *s, const char *iso)
{
    int64_t day;

    if (iso && fmt_day_parse(iso, &day))
        fmt_add_day(&s->out, day, false);
    else
        put(s, iso ? iso : "?");
}

/* The period in words, starting a sentence when @capital: "In October 2026", "Today (6 Dec
 * 2026)", "On 15 Mar 2026", "From 1 Mar to 15 Mar 2026", "Since 1 Mar 2026 (to 6 Dec 2026)". */
static void put_period(struct step *s, const struct aq_period *p, bool capital)
{
    const char *l = p->label, *lead;

    if (!strncmp(l, "this ", 5) || !strncmp(l, "last ", 5) || !strncmp(l, "today", 5) ||
        !strncmp(l, "yesterday", 9) || !strncmp(l, "since", 5))
        lead = "";
    else if (isdigit((unsigned char)l[0]) && strstr(l, " to "))
        lead = "from ";
    else if (isdigit((unsigned char)l[0]) && strlen(l) > 4)
        lead = "on ";
    else
        lead = "in ";
    if (*lead) {
        strbuf_addch(&s->out, capital ? toupper((unsigned char)lead[0]) : lead[0]);
        put(s, lead + 1);
        put(s, l);
        return;
    }
    strbuf_addch(&s->out, capital ? toupper((unsigned char)l[0]) : l[0]);
    put(s, l + 1);
}

/* ", at Target" / ", on groceries" / ", from your Sapphire Card": the filters in words. */
static void put_filters(struct step *s, const char *merchant, const char *category,
                        const char *account)
{
    if (merchant && *merchant) {
        put(s, ", at ");
        put(s, merchant);
    }
    if (category && *category) {
        put(s, ", on ");
        put(s, category);
    }
    if (account && *account) {
        put(s, ", from your ");
        put(s, account);
    }
    if (s->aq.text[0]) {
        put(s, ", matching \"");
        put(s, s->aq.text);
        put(s, "\"");
    }
}

static void suggest(struct step *s)
{
    put(s, "\n\nYou could ask me, for example:\n- \"How much did I spend on groceries last "
           "month?\"\n- \"What did I spend at Amazon in the last 30 days?\"\n- \"What is my "
           "savings rate this year?\"");
}

/* ---- accounts ---- */

/* The accounts of get_accounts' result @r that @word names (type, name or institution);
 * @rows gets them, returns the count. */
static size_t match_accounts(const json_t *r, const char *word, const json_t **rows, size_t max)
{
    const json_t *items = json_object_get(r, "items"), *a;
    size_t i, n = 0;

    json_array_foreach(items, i, a)
    {
        const char *fields[] = {analyst_doc_str(a, "type"), analyst_doc_str(a, "name"),
                                analyst_doc_str(a, "institution")};
        bool hit = false;

        for (int f = 0; f < 3 && !hit; f++) {
            char low[128];
            size_t k;

            if (!fields[f])
                continue;
            for (k = 0; fields[f][k] && k + 1 < sizeof(low); k++)
                low[k] = (char)tolower((unsigned char)fields[f][k]);
            low[k] = '\0';
            hit = f == 0 ? strcmp(low, word) == 0 : strstr(low, word) != NULL;
        }
        if (hit && n < max)
            rows[n++] = a;
    }
    return n;
}

/* ---- merchants ---- */

static void squash(const char *s, char *out, size_t len)
{
    size_t n = 0;

    for (; s && *s && n + 1 < len; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
}

/* How far @cand is from merchant @name: 0 when it is contained, else the smallest edit
 * distance to a stretch of the name that starts where one of its words does (typos rarely
 * change where a word starts), of about the candidate's length; a large number when far. */
static int merchant_distance(const char *cand, const char *name)
{
    char c[64], n[128];
    size_t lc;
    int best = 99;

    squash(cand, c, sizeof(c));
    squash(name, n, sizeof(n));
    lc = strlen(c);
    if (lc < 3)
        return 99;
    if (strstr(n, c))
        return 0;
    for (const char *w = name; *w; w++) {
        char rest[128];
        size_t lr;

        if (w != name && !(w[-1] == ' ' || w[-1] == '-'))
            continue;
        squash(w, rest, sizeof(rest));
        lr = strlen(rest);
        for (size_t len = lc > 1 ? lc - 1 : lc; len <= lc + 1 && len <= lr; len++) {
            char sub[64];
            int d;

            if (len >= sizeof(sub))
                continue;
            memcpy(sub, rest, len);
            sub[len] = '\0';
            d = aq_distance(c, sub, 2);
            if (d < best)
                best = d;
        }
    }
    return best;
}

/* The user's merchant closest to @cand among the items of @r (a transaction list) and the
 * context document's lists; NULL when none is close (no edit for three letters or fewer,
 * one up to six, two beyond). */
static const char *closest_merchant(const struct step *s, const json_t *r, const char *cand)
{
    static const char *const lists[] = {"recent_transactions", "largest_expenses_this_month",
                                        "subscriptions", NULL};
    const char *best = NULL;
    size_t len = strlen(cand);
    int bd = 99, cap = len <= 3 ? 0 : len <= 6 ? 1 : 2;
    const json_t *sources[4] = {json_object_get(r, "items"), NULL, NULL, NULL};

    for (int l = 0; lists[l]; l++)
        sources[l + 1] = analyst_doc_list(s->in->ctx, lists[l]);
    for (int k = 0; k < 4; k++) {
        const json_t *t;
        size_t i;

        json_array_foreach(sources[k], i, t)
        {
            const char *m = analyst_doc_str(t, "merchant");
            int d;

            if (!m)
                continue;
            d = merchant_distance(cand, m);
            if (d < bd || (d == bd && best && strlen(m) < strlen(best))) {
                bd = d;
                best = m;
            }
        }
    }
    return bd <= cap ? best : NULL;
}

/* ---- searches ---- */

static const char *flow_type(const struct step *s)
{
    switch (s->aq.metric) {
    case AQ_RECEIVED:
        return "income";
    case AQ_NET:
    case AQ_SAVINGS_RATE:
        return NULL;
    default:
        return s->aq.flow == AQ_FLOW_INCOME     ? "income"
               : s->aq.flow == AQ_FLOW_TRANSFER ? "transfer"
                                                : "expense";
    }
}

/* search_transactions arguments for the question's filters over @p. */
static json_t *search_args(const struct step *s, const struct aq_period *p, const char *merchant,
                           const char *category, const char *account_id, const char *sort,
                           int limit)
{
    json_t *a = json_object();
    const char *type = flow_type(s);

    json_object_set_new(a, "period", json_string(p->arg));
    if (type)
        json_object_set_new(a, "type", json_string(type));
    if (merchant && *merchant)
        json_object_set_new(a, "merchant", json_string(merchant));
    if (category && *category)
        json_object_set_new(a, "category", json_string(category));
    if (s->aq.text[0])
        json_object_set_new(a, "q", json_string(s->aq.text));
    if (account_id)
        json_object_set_new(a, "account_id", json_string(account_id));
    if (sort)
        json_object_set_new(a, "sort", json_string(sort));
    json_object_set_new(a, "limit", json_integer(limit));
    return a;
}

/* What a search is filtered by, resolved: the merchant's name as the user's data writes it,
 * the account's id and name. */
struct filter {
    char merchant[AQ_NAME_MAX];
    const char *account_id, *account_name;
    bool unknown_merchant; /* the question's merchant matches none of the user's */
    bool unknown_account;
};

/* Resolves the question's account and merchant, asking for get_accounts and for a
 * merchant list when needed. False while waiting for a look-up. */
static bool resolve(struct step *s, struct filter *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->merchant, sizeof(f->merchant), "%s", s->aq.merchant);
    if (s->aq.account[0]) {
        const json_t *r = need(s, "get_accounts", json_object()), *rows[8];
        size_t n;

        if (!r)
            return false;
        n = match_accounts(r, s->aq.account, rows, 8);
        if (n == 0) {
            f->unknown_account = true;
        } else {
            size_t pick = 0;

            /* "my Chase card": of the bank's accounts, the card. */
            for (size_t i = 0; i < n && strcasestr(s->in->question, "card"); i++)
                if (!strcmp(analyst_doc_str(rows[i], "type") ? analyst_doc_str(rows[i], "type")
                                                             : "",
                            "credit")) {
                    pick = i;
                    break;
                }
            f->account_id = analyst_doc_str(rows[pick], "id");
            f->account_name = analyst_doc_str(rows[pick], "name");
        }
    }
    if (s->aq.merchant[0]) {
        const struct aq_period *p = &s->aq.period;
        const json_t *r =
            need(s, "search_transactions", search_args(s, p, s->aq.merchant, NULL, NULL, NULL, 1));
        const json_t *list, *pre;
        const char *best;
        char prefix[8];

        if (!r)
            return false;
        if (json_integer_value(json_object_get(json_object_get(r, "summary"), "count")) > 0)
            return true;
        /* The user's recent merchants, and those starting as the question's word does: a
         * tool result stays under the engine's size limit (toolround.h), so neither is the
         * whole year. */
        list = need(s, "search_transactions",
                    json_pack("{s:s,s:i}", "period", "last_365_days", "limit", 100));
        snprintf(prefix, sizeof(prefix), "%.3s", s->aq.merchant);
        pre = need(s, "search_transactions",
                   json_pack("{s:s,s:s,s:i}", "q", prefix, "period", "last_365_days", "limit", 50));
        if (waiting(s))
            return false;
        best = closest_merchant(s, list, s->aq.merchant); /* a failed look-up is NULL */
        if (!best)
            best = closest_merchant(s, pre, s->aq.merchant);
        if (!best)
            f->unknown_merchant = true;
        else
            snprintf(f->merchant, sizeof(f->merchant), "%s", best);
    }
    return true;
}

/* Says plainly that the question's merchant or account is not the user's, with questions it
 * can answer, rather than a figure for another question. True when it did. */
static bool said_unresolved(struct step *s, const struct filter *f)
{
    if (f->unknown_merchant) {
        put(s, "I couldn't find a merchant like \"");
        put(s, s->aq.merchant);
        put(s, "\" in your transactions of the last 365 days, so I can't give you a figure "
               "for it.");
    } else if (f->unknown_account) {
        put(s, "I couldn't find an account matching \"");
        put(s, s->aq.account);
        put(s, "\" among yours.");
    } else {
        return false;
    }
    suggest(s);
    return true;
}

/* The merchant as the results write it: the one merchant of all @items ("Target"), else
 * the question's words and the names they matched ("\"Uber\" (Uber Eats, Uber)"). */
static const char *merchant_words(const json_t *items, const struct filter *f, char *buf,
                                  size_t len)
{
    const char *names[3] = {NULL, NULL, NULL};
    size_t n = 0;
    const json_t *t;
    size_t i;
    struct strbuf b = STRBUF_INIT;

    if (!f->merchant[0])
        return NULL;
    json_array_foreach(items, i, t)
    {
        const char *m = analyst_doc_str(t, "merchant");
        bool seen = false;

        for (size_t k = 0; k < n && m; k++)
            seen = seen || strcmp(names[k], m) == 0;
        if (m && !seen && n < 3)
            names[n++] = m;
    }
    if (n <= 1) {
        snprintf(buf, len, "%s", n ? names[0] : f->merchant);
        if (!n && buf[0])
            buf[0] = (char)toupper((unsigned char)buf[0]);
        return buf;
    }
    strbuf_addf(&b, "\"%s\"", f->merchant);
    for (i = 0; i < n; i++)
        strbuf_addf(&b, "%s%s", i ? ", " : " (", names[i]);
    if (n > 1)
        strbuf_addstr(&b, ")");
    snprintf(buf, len, "%s", b.buf);
    strbuf_release(&b);
    return buf;
}

/* ---- answers ---- */

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Says what the answer could not look up. */
static void failed(struct step *s, const char *what)
{
    put(s, "I couldn't look up ");
    put(s, what);
    put(s, " just now, so I can't give you that figure. Please try again in a moment.");
}

/* Spent, received, net, count, average or the transactions for one category (or none). */
static void answer_sums_one(struct step *s, const struct filter *f, const char *category,
                            bool first)
{
    const struct aq_period *p = &s->aq.period;
    enum aq_metric m = s->aq.metric;
    bool listing = m == AQ_LIST, income = flow_type(s) && !strcmp(flow_type(s), "income");
    const json_t *r =
        need(s, "search_transactions",
             search_args(s, p, f->merchant, category, f->account_id, NULL, listing ? 10 : 5));
    const json_t *sum, *items;
    int64_t count, total;
    char mbuf[256];

    if (!r)
        return;
    sum = json_object_get(r, "summary");
    items = json_object_get(r, "items");
    s->cur = currency_of(s, r);
    count = json_integer_value(json_object_get(sum, "count"));
    total = analyst_doc_abs(money(sum, income ? "income_minor" : "expenses_minor"));
    if (!first)
        put(s, "\n");
    put_period(s, p, true);
    put_filters(s, merchant_words(items, f, mbuf, sizeof(mbuf)), category, f->account_name);
    put(s, ", ");
    if (m == AQ_NET) {
        put(s, "your income was ");
        put_money(s, money(sum, "income_minor"));
        put(s, " and your spending ");
        put_money(s, analyst_doc_abs(money(sum, "expenses_minor")));
        put(s, ", so your net was ");
        put_bold(s, money(sum, "net_minor"));
        put(s, ".");
        return;
    }
    if (s->aq.flow == AQ_FLOW_TRANSFER) {
        const json_t *t;
        size_t i;

        strbuf_addf(&s->out, "you made %lld %s%s", (long long)count,
                    plural(count, "transfer", "transfers"), count ? ":" : ".");
        json_array_foreach(items, i, t)
        {
            put(s, "\n- ");
            put_date(s, analyst_doc_str(t, "posted_at"));
            put(s, ", ");
            put(s, analyst_doc_str(t, "merchant") ? analyst_doc_str(t, "merchant") : "?");
            put(s, ": ");
            put_money(s, money(t, "amount_minor"));
        }
        return;
    }
    if (count == 0) {
        put(s, income ? "you received nothing (" : "you spent nothing (");
        put_money(s, 0);
        put(s, income ? "): no income matched." : "): no purchases matched.");
        return;
    }
    if (m == AQ_COUNT) {
        strbuf_addf(&s->out, "you made **%lld** %s, ", (long long)count,
                    income ? plural(count, "deposit", "deposits")
                           : plural(count, "purchase", "purchases"));
        put(s, "for ");
        put_money(s, total);
        put(s, " in total.");
        return;
    }
    if (m == AQ_AVERAGE) {
        put(s, income ? "your average deposit was " : "your average purchase was ");
        put_bold(s, (total + count / 2) / count);
        strbuf_addf(&s->out, " (%lld %s, ", (long long)count,
                    plural(count, "transaction", "transactions"));
        put_money(s, total);
        put(s, " in total).");
        return;
    }
    put(s, income ? "you received " : "you spent ");
    put_bold(s, total);
    strbuf_addf(&s->out, " over %lld %s.", (long long)count,
                income ? plural(count, "payment", "payments")
                       : plural(count, "purchase", "purchases"));
    if (listing || (f->merchant[0] && count <= 5)) {
        const json_t *t;
        size_t i;

        json_array_foreach(items, i, t)
        {
            put(s, "\n- ");
            put_date(s, analyst_doc_str(t, "posted_at"));
            put(s, ", ");
            put(s, analyst_doc_str(t, "merchant") ? analyst_doc_str(t, "merchant") : "?");
            put(s, ": ");
            put_money(s, analyst_doc_abs(money(t, "amount_minor")));
        }
    }
}

static void answer_sums(struct step *s)
{
    struct filter f;

    if (!resolve(s, &f))
        return;
    if (said_unresolved(s, &f))
        return;
    if (s->aq.metric_guessed)
        put(s, "I took this to mean your spending.\n");
    if (strcmp(f.merchant, s->aq.merchant) != 0 && merchant_distance(s->aq.merchant, f.merchant)) {
        put(s, "I took \"");
        put(s, s->aq.merchant);
        put(s, "\" to mean ");
        put(s, f.merchant);
        put(s, ".\n");
    }
    answer_sums_one(s, &f, s->aq.category, true);
    if (s->aq.category2[0])
        answer_sums_one(s, &f, s->aq.category2, false);
}

static void answer_savings_rate(struct step *s)
{
    const struct aq_period *p = &s->aq.period;
    const json_t *r = need(s, "search_transactions", search_args(s, p, NULL, NULL, NULL, NULL, 1)),
                 *sum;
    int64_t income, expenses, net;

    if (!r)
        return;
    sum = json_object_get(r, "summary");
    s->cur = currency_of(s, r);
    income = money(sum, "income_minor");
    expenses = analyst_doc_abs(money(sum, "expenses_minor"));
    net = money(sum, "net_minor");
    put_period(s, p, true);
    put(s, ", you earned ");
    put_money(s, income);
    put(s, " and spent ");
    put_money(s, expenses);
    put(s, ", keeping ");
    put_money(s, net);
    if (income <= 0) {
        put(s, ". With no income in that period there is no savings rate to give.");
        return;
    }
    put(s, ": a savings rate of **");
    fmt_add_pct(&s->out, net, income);
    put(s, "**.");
}

/* Sorts transaction rows by magnitude, largest first. */
static int by_size(const void *a, const void *b)
{
    const struct analyst_row *x = a, *y = b;

    return (x->amount < y->amount) - (x->amount > y->amount);
}

static void answer_extreme(struct step *s)
{
    bool largest = s->aq.metric == AQ_LARGEST;
    struct filter f;
    const json_t *r, *items, *t;
    struct analyst_row rows[16];
    size_t n = 0, i, show;
    char mbuf[256];

    if (!resolve(s, &f))
        return;
    if (said_unresolved(s, &f))
        return;
    r = need(s, "search_transactions",
             search_args(s, &s->aq.period, f.merchant, s->aq.category, f.account_id,
                         /* The sort is by signed amount: expenses are negative, so
                          * their largest come first in ascending order. */
                         largest == (s->aq.flow == AQ_FLOW_INCOME) ? "amount_desc" : "amount_asc",
                         10));
    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    json_array_foreach(items, i, t)
    {
        if (n < 16) {
            rows[n].j = t;
            rows[n].amount = analyst_doc_abs(money(t, "amount_minor"));
            rows[n].key = analyst_doc_str(t, "merchant");
            n++;
        }
    }
    qsort(rows, n, sizeof(rows[0]), by_size);
    put_period(s, &s->aq.period, true);
    put_filters(s, merchant_words(items, &f, mbuf, sizeof(mbuf)), s->aq.category, f.account_name);
    if (n == 0) {
        put(s, ", there were no purchases.");
        return;
    }
    put(s, largest ? ", your largest " : ", your smallest ");
    put(s, n == 1 ? "purchase was:" : "purchases were:");
    show = n < 3 ? n : 3;
    for (i = 0; i < show; i++) {
        const struct analyst_row *row = largest ? &rows[i] : &rows[n - 1 - i];

        put(s, "\n- ");
        put_bold(s, row->amount);
        put(s, " at ");
        put(s, row->key ? row->key : "?");
        put(s, ", ");
        put_date(s, analyst_doc_str(row->j, "posted_at"));
    }
}

static void answer_categories(struct step *s)
{
    const json_t *r = need(s, "spending_by_category",
                           json_pack("{s:s}", "period", s->aq.period.arg)),
                 *items, *t;
    size_t i;

    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    put_period(s, &s->aq.period, true);
    put(s, ", you spent ");
    put_bold(s, analyst_doc_abs(money(r, "total_minor")));
    if (json_array_size(items) == 0) {
        put(s, ": no spending in any category.");
        return;
    }
    put(s, " by category:");
    json_array_foreach(items, i, t)
    {
        double share = json_number_value(json_object_get(t, "share_pct"));

        if (i >= 8)
            break;
        put(s, "\n- ");
        put(s, analyst_doc_str(t, "category") ? analyst_doc_str(t, "category") : "uncategorized");
        put(s, ": ");
        put_money(s, analyst_doc_abs(money(t, "amount_minor")));
        if (json_is_number(json_object_get(t, "share_pct")))
            strbuf_addf(&s->out, " (%.1f%%)", share);
    }
}

static void answer_balance(struct step *s)
{
    const json_t *r = need(s, "get_accounts", json_object()), *rows[32], *items;
    size_t n, i;

    if (!r)
        return;
    items = json_object_get(r, "items");
    if (s->aq.account[0]) {
        n = match_accounts(r, s->aq.account, rows, 32);
        if (n == 0) {
            put(s, "I couldn't find an account matching \"");
            put(s, s->aq.account);
            put(s, "\" among yours. Your accounts are:");
        }
    } else {
        n = 0;
    }
    if (n == 0)
        for (i = 0; i < json_array_size(items) && n < 32; i++)
            rows[n++] = json_array_get(items, i);
    if (n == 0) {
        put(s, "You have no accounts yet: link a bank or add one, and I can tell you balances.");
        return;
    }
    if (s->aq.account[0] && match_accounts(r, s->aq.account, rows, 32) == 1) {
        s->cur = currency_of(s, rows[0]);
        put(s, "Your ");
        put(s, analyst_doc_str(rows[0], "name") ? analyst_doc_str(rows[0], "name") : "account");
        put(s, " balance is ");
        put_bold(s, money(rows[0], "balance_minor"));
        put(s, ".");
        return;
    }
    if (!s->out.len)
        put(s, "Your account balances:");
    for (i = 0; i < n; i++) {
        s->cur = currency_of(s, rows[i]);
        put(s, "\n- ");
        put(s, analyst_doc_str(rows[i], "name") ? analyst_doc_str(rows[i], "name") : "account");
        if (analyst_doc_str(rows[i], "institution")) {
            put(s, " (");
            put(s, analyst_doc_str(rows[i], "institution"));
            put(s, ")");
        }
        put(s, ": ");
        put_bold(s, money(rows[i], "balance_minor"));
    }
}

static void answer_net_worth(struct step *s)
{
    const json_t *r = need(s, "net_worth_history", json_pack("{s:i}", "months", 12)), *items,
                 *first, *last;
    int64_t a, b;
    size_t i;
    const char *m;

    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    if (json_array_size(items) == 0) {
        put(s, "I have no net worth history for you yet.");
        return;
    }
    /* The history starts with the first month that has a figure (months before the data
     * began are zero). */
    for (i = 0;
         i + 1 < json_array_size(items) && money(json_array_get(items, i), "net_worth_minor") == 0;
         i++)
        ;
    first = json_array_get(items, i);
    last = json_array_get(items, json_array_size(items) - 1);
    b = money(last, "net_worth_minor");
    a = money(first, "net_worth_minor");
    put(s, "Your net worth is ");
    put_bold(s, b);
    m = analyst_doc_str(last, "month");
    if (m) {
        put(s, " (");
        fmt_add_month(&s->out, m);
        put(s, ")");
    }
    put(s, ".");
    if (first != last) {
        put(s, " Since ");
        fmt_add_month(&s->out, analyst_doc_str(first, "month") ? analyst_doc_str(first, "month")
                                                               : "the start");
        put(s, ", when it was ");
        put_money(s, a);
        put(s, b >= a ? ", it has grown by " : ", it has fallen by ");
        put_money(s, analyst_doc_abs(b - a));
        put(s, ".");
    }
}

static void answer_budget(struct step *s)
{
    const struct aq_period *p = &s->aq.period;
    json_t *args = json_object();
    const json_t *r, *items, *t;
    size_t i;
    bool found = false;

    if (p->month) {
        char m[16];

        snprintf(m, sizeof(m), "%04d-%02d", p->year, p->month);
        json_object_set_new(args, "month", json_string(m));
    }
    r = need(s, "get_budgets", args);
    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    json_array_foreach(items, i, t)
    {
        const char *c = analyst_doc_str(t, "category");
        int64_t limit = money(t, "limit_minor"), spent = analyst_doc_abs(money(t, "spent_minor"));

        if (s->aq.category[0] &&
            (!c || (strcasecmp(c, s->aq.category) != 0 && strcasecmp(c, s->aq.category2) != 0)))
            continue;
        if (!found && !s->aq.category[0]) {
            put_period(s, p, true);
            put(s, ", your budgets stand like this:");
        }
        found = true;
        if (s->aq.category[0]) {
            if (s->out.len)
                put(s, "\n");
            put_period(s, p, true);
            put(s, ", your ");
            put(s, c);
            put(s, " budget is ");
            put_money(s, limit);
            put(s, " and you've spent ");
            put_money(s, spent);
            if (spent > limit) {
                put(s, ": you're over it by ");
                put_bold(s, spent - limit);
                put(s, ", nothing left to spend.");
            } else {
                put(s, ", so you can still spend ");
                put_bold(s, limit - spent);
                put(s, " (");
                fmt_add_pct(&s->out, spent, limit);
                put(s, " used).");
            }
            continue;
        }
        put(s, "\n- ");
        put(s, c ? c : "?");
        put(s, ": ");
        put_money(s, spent);
        put(s, " of ");
        put_money(s, limit);
        if (spent > limit) {
            put(s, ", over by ");
            put_money(s, spent - limit);
        } else {
            put(s, ", ");
            put_money(s, limit - spent);
            put(s, " left");
        }
    }
    if (!found && s->aq.category[0]) {
        put(s, "You have no budget for ");
        put(s, s->aq.category);
        put(s, ", so I can't say how much is left of it. You can set one on the Budgets page.");
    } else if (!found) {
        put(s, "You have no budgets set yet.");
    }
}

/* What changed in the subscriptions of @r: a price that differs between the first and the
 * last charge of the last 365 days, and subscriptions first charged in the last 90 days. */
static void subscription_changes(struct step *s, const json_t *r)
{
    const json_t *items = json_object_get(r, "items"), *t;
    size_t i, changed = 0;
    bool waiting_all = false;

    json_array_foreach(items, i, t)
    {
        const char *m = analyst_doc_str(t, "merchant");
        const json_t *h, *tx, *x;
        int64_t newest = 0, oldest = 0, first_day = 0, day;
        size_t k, n;

        if (!m)
            continue;
        h = need(s, "search_transactions",
                 json_pack("{s:s,s:s,s:s,s:i}", "merchant", m, "period", "last_365_days", "type",
                           "expense", "limit", 24));
        if (!h) {
            waiting_all = true;
            continue;
        }
        if (waiting_all)
            continue;
        tx = json_object_get(h, "items");
        n = json_array_size(tx);
        json_array_foreach(tx, k, x)
        {
            /* Newest first (the default order). */
            if (k == 0)
                newest = analyst_doc_abs(money(x, "amount_minor"));
            if (k + 1 == n) {
                oldest = analyst_doc_abs(money(x, "amount_minor"));
                if (fmt_day_parse(analyst_doc_str(x, "posted_at"), &day))
                    first_day = day;
            }
        }
        if (n >= 2 && newest != oldest) {
            put(s, changed++ ? "\n- " : "\n\nWhat changed:\n- ");
            put(s, m);
            put(s, newest > oldest ? " went up from " : " went down from ");
            put_money(s, oldest);
            put(s, " to ");
            put_bold(s, newest);
        }
        if (n >= 1 && first_day > s->in->today_day - 90) {
            put(s, changed++ ? "\n- " : "\n\nWhat changed:\n- ");
            put(s, m);
            put(s, " is new: first charged on ");
            put_date(s, analyst_doc_str(json_array_get(tx, n - 1), "posted_at"));
        }
    }
    if (!waiting_all && !changed)
        put(s, "\n\nNone of them changed price in the last 365 days, and none is new in the "
               "last 90 days.");
}

static void answer_subscriptions(struct step *s)
{
    const json_t *r = need(s, "get_subscriptions", json_object()), *items, *t;
    size_t i;

    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    if (json_array_size(items) == 0) {
        put(s, "I found no recurring charges in your last 400 days of spending.");
        return;
    }
    strbuf_addf(&s->out, "You have %zu recurring %s, ", json_array_size(items),
                plural((int64_t)json_array_size(items), "charge", "charges"));
    put_bold(s, money(r, "monthly_total_minor"));
    put(s, " a month in total:");
    json_array_foreach(items, i, t)
    {
        put(s, "\n- ");
        put(s, analyst_doc_str(t, "merchant") ? analyst_doc_str(t, "merchant") : "?");
        put(s, ": ");
        put_money(s, analyst_doc_abs(money(t, "amount_minor")));
        put(s, " ");
        put(s, analyst_doc_str(t, "cadence") ? analyst_doc_str(t, "cadence") : "");
        if (analyst_doc_str(t, "next_expected")) {
            put(s, ", next on ");
            put_date(s, analyst_doc_str(t, "next_expected"));
        }
    }
    if (s->aq.changes)
        subscription_changes(s, r);
}

/* The period before @p of the same kind: the month before a month, else the same number of
 * days before it. */
static void previous_period(const struct aq_period *p, struct aq_period *out)
{
    if (p->month) {
        aq_period_month(out, p->month == 1 ? p->year - 1 : p->year,
                        p->month == 1 ? 12 : p->month - 1);
        return;
    }
    aq_period_days(out, p->from - (p->to - p->from + 1), p->from - 1, NULL);
}

/* Spending (or income) of the question's two periods, for @category (nothing while its
 * look-ups are still wanted). */
static void compare_one(struct step *s, const struct filter *f, const struct aq_period *a,
                        const struct aq_period *b, const char *category)
{
    bool income = s->aq.flow == AQ_FLOW_INCOME;
    const char *key = income ? "income_minor" : "expenses_minor";
    const json_t *ra, *rb;
    int64_t va, vb;
    char mbuf[256];

    ra = need(s, "search_transactions",
              search_args(s, a, f->merchant, category, f->account_id, NULL, 1));
    rb = need(s, "search_transactions",
              search_args(s, b, f->merchant, category, f->account_id, NULL, 1));
    if (!ra || !rb)
        return;
    s->cur = currency_of(s, ra);
    va = analyst_doc_abs(money(json_object_get(ra, "summary"), key));
    vb = analyst_doc_abs(money(json_object_get(rb, "summary"), key));
    if (s->out.len)
        put(s, "\n");
    put(s, income ? "Income" : "Spending");
    put_filters(s, merchant_words(json_object_get(ra, "items"), f, mbuf, sizeof(mbuf)), category,
                f->account_name);
    put(s, ": ");
    put_period(s, a, false);
    put(s, " ");
    put_bold(s, va);
    put(s, ", ");
    put_period(s, b, false);
    put(s, " ");
    put_bold(s, vb);
    put(s, ". ");
    strbuf_addch(&s->out, toupper((unsigned char)a->label[0]));
    put(s, a->label + 1);
    put(s, va > vb ? " was higher." : va < vb ? " was lower." : " was the same.");
}

static void answer_compare(struct step *s)
{
    struct aq_period a = s->aq.period, b;
    struct filter f;

    if (s->aq.period2.set)
        b = s->aq.period2;
    else
        previous_period(&a, &b);
    if (!resolve(s, &f))
        return;
    /* Both categories' look-ups are asked for at once; the answer waits for all of them. */
    compare_one(s, &f, &a, &b, s->aq.category);
    if (s->aq.category2[0])
        compare_one(s, &f, &a, &b, s->aq.category2);
}

/* A trend of one category, merchant or account: one search per calendar month. */
static void answer_trend_filtered(struct step *s)
{
    struct filter f;
    int y, m, d, n = s->aq.months;
    const json_t *r[24];
    bool ready = true;
    int64_t sum = 0;
    char mbuf[256];

    if (!resolve(s, &f))
        return;
    clock_civil_from_days(s->in->today_day, &y, &m, &d);
    for (int i = 0; i < n && i < 24; i++) {
        int idx = y * 12 + (m - 1) - (n - 1 - i);
        struct aq_period p;

        aq_period_month(&p, idx / 12, idx % 12 + 1);
        r[i] = need(s, "search_transactions",
                    search_args(s, &p, f.merchant, s->aq.category, f.account_id, NULL, 1));
        ready = ready && r[i];
    }
    if (!ready)
        return;
    s->cur = currency_of(s, r[0]);
    put(s, "Month by month");
    put_filters(s, merchant_words(json_object_get(r[n - 1], "items"), &f, mbuf, sizeof(mbuf)),
                s->aq.category, f.account_name);
    put(s, ":");
    for (int i = 0; i < n && i < 24; i++) {
        int idx = y * 12 + (m - 1) - (n - 1 - i);
        char ym[16];
        int64_t v = analyst_doc_abs(
            money(json_object_get(r[i], "summary"),
                  s->aq.flow == AQ_FLOW_INCOME ? "income_minor" : "expenses_minor"));

        snprintf(ym, sizeof(ym), "%04d-%02d", idx / 12, idx % 12 + 1);
        put(s, "\n- ");
        fmt_add_month(&s->out, ym);
        put(s, ": ");
        put_money(s, v);
        if (i + 1 < n)
            sum += v;
    }
    if (s->aq.per_month && n > 1) {
        put(s, "\nOn average, ");
        put_bold(s, (sum + (n - 1) / 2) / (n - 1));
        strbuf_addf(&s->out, " a month over the %d complete months (the current one left out).",
                    n - 1);
    }
}

static void answer_trend(struct step *s)
{
    const json_t *r = need(s, "cashflow", json_pack("{s:i}", "months", s->aq.months)), *items, *t;
    const char *key = s->aq.flow == AQ_FLOW_INCOME ? "income_minor" : "expenses_minor";
    size_t i, n, hi = 0, lo = 0;

    if (!r)
        return;
    s->cur = currency_of(s, r);
    items = json_object_get(r, "items");
    n = json_array_size(items);
    if (n == 0) {
        put(s, "I have no monthly figures for you yet.");
        return;
    }
    strbuf_addf(&s->out, "Your %s, month by month (the last %zu months):",
                s->aq.flow == AQ_FLOW_INCOME ? "income" : "spending", n);
    json_array_foreach(items, i, t)
    {
        int64_t v = analyst_doc_abs(money(t, key));

        if (v > analyst_doc_abs(money(json_array_get(items, hi), key)))
            hi = i;
        if (v < analyst_doc_abs(money(json_array_get(items, lo), key)))
            lo = i;
        put(s, "\n- ");
        fmt_add_month(&s->out, analyst_doc_str(t, "month") ? analyst_doc_str(t, "month") : "?");
        put(s, ": ");
        put_money(s, v);
    }
    if (s->aq.per_month && n > 1) {
        int64_t sum = 0;

        for (i = 0; i + 1 < n; i++)
            sum += analyst_doc_abs(money(json_array_get(items, i), key));
        put(s, "\nOn average, ");
        put_bold(s, (sum + (int64_t)(n - 1) / 2) / (int64_t)(n - 1));
        strbuf_addf(&s->out, " a month over the %zu complete months (the current one left out).",
                    n - 1);
        return;
    }
    put(s, "\nThe highest was ");
    fmt_add_month(&s->out, analyst_doc_str(json_array_get(items, hi), "month")
                               ? analyst_doc_str(json_array_get(items, hi), "month")
                               : "?");
    put(s, ", the lowest ");
    fmt_add_month(&s->out, analyst_doc_str(json_array_get(items, lo), "month")
                               ? analyst_doc_str(json_array_get(items, lo), "month")
                               : "?");
    put(s, " (the current month is not over yet).");
}

/* Composes (or plans) the answer for the question read. */
static void plan(struct step *s)
{
    switch (s->aq.metric) {
    case AQ_SAVINGS_RATE:
        answer_savings_rate(s);
        break;
    case AQ_LARGEST:
    case AQ_SMALLEST:
        answer_extreme(s);
        break;
    case AQ_CATEGORIES:
        answer_categories(s);
        break;
    case AQ_BALANCE:
        answer_balance(s);
        break;
    case AQ_NET_WORTH:
        answer_net_worth(s);
        break;
    case AQ_BUDGET:
        answer_budget(s);
        break;
    case AQ_SUBSCRIPTIONS:
        answer_subscriptions(s);
        break;
    case AQ_COMPARE:
        answer_compare(s);
        break;
    case AQ_TREND:
        if (s->aq.category[0] || s->aq.merchant[0] || s->aq.account[0])
            answer_trend_filtered(s);
        else
            answer_trend(s);
        break;
    default:
        answer_sums(s);
        break;
    }
}

/* True when the old, document-based answer serves @intent better than the tools. */
static bool doc_intent(enum analyst_intent it, const struct analyst_question *aq)
{
    switch (it) {
    case ANALYST_GREETING:
    case ANALYST_RISK:
    case ANALYST_FRAUD:
    case ANALYST_FORECAST:
    case ANALYST_WHAT_IF:
    case ANALYST_GOALS:
    case ANALYST_SUMMARY:
    case ANALYST_AFFORD:
        return true;
    case ANALYST_INVESTMENTS:
        return aq->metric != AQ_BALANCE;
    case ANALYST_HEALTH:
        return strcmp(aq->category, "health") != 0;
    default:
        return aq->metric == AQ_NONE;
    }
}

static json_t *answer(char *text)
{
    json_t *o = json_pack("{s:s}", "answer", text);

    free(text);
    return o;
}

static json_t *ambiguous(const struct analyst_question *aq)
{
    struct strbuf b = STRBUF_INIT;

    strbuf_addf(&b,
                "I can't tell which day \"%s\" is: the day and the month could be either way "
                "round, and I won't guess a figure for the wrong dates. Could you write it as "
                "2026-03-04 or 4 March 2026?",
                aq->ambiguous);
    return answer(strbuf_detach(&b, NULL));
}

json_t *analyst_step(const struct analyst_input *in)
{
    struct step s = {.in = in};
    enum analyst_intent intent;
    const json_t *ctx = json_is_object(in->ctx) ? in->ctx : NULL;
    json_t *out;

    if (!in->question)
        return answer(analyst_answer_on("", ctx, in->today_day));
    if (!in->tools)
        return answer(analyst_answer_on(in->question, ctx, in->today_day));
    analyst_question_read(in->question, ctx, in->today_day, &s.aq);
    if (s.aq.ambiguous[0])
        return ambiguous(&s.aq);
    intent = analyst_intent(in->question, ctx);
    if (intent == ANALYST_UNKNOWN && s.aq.metric == AQ_NONE) {
        /* Plainly what it cannot answer, and questions it can: no figure at all. */
        put(&s, "I can't answer that from your finances: I only know your own accounts, "
                "transactions, budgets and subscriptions.");
        suggest(&s);
        return answer(strbuf_detach(&s.out, NULL));
    }
    if (doc_intent(intent, &s.aq))
        return answer(analyst_answer_on(in->question, ctx, in->today_day));
    if (!s.aq.period.set) {
        struct analyst_question tmp;

        analyst_question_read("this month", NULL, in->today_day, &tmp);
        s.aq.period = tmp.period;
    }
    s.last = in->round >= in->rounds_max;
    s.pending = json_array();
    read_turns(&s);
    s.cur = analyst_doc_str(ctx, "currency") ? analyst_doc_str(ctx, "currency") : "USD";
    plan(&s);
    if (waiting(&s)) {
        json_t *calls = json_array(), *p;
        size_t i, base = calls_so_far(&s);

        json_array_foreach(s.pending, i, p)
        {
            char id[24];

            snprintf(id, sizeof(id), "a%zu", base + i + 1);
            json_array_append_new(calls, json_pack("{s:s,s:O,s:O}", "id", id, "name",
                                                   json_object_get(p, "name"), "arguments",
                                                   json_object_get(p, "arguments")));
        }
        out = json_pack("{s:o}", "calls", calls);
        strbuf_release(&s.out);
    } else {
        if (s.missing && s.out.len == 0)
            failed(&s, "your figures");
        out = answer(strbuf_detach(&s.out, NULL));
    }
    json_decref(s.pending);
    json_decref(s.made);
    return out;
}
