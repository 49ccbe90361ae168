/* analyst.c - the offline analyst: what a question is about, and the answer. */
#include "llm-worker/analyst/analyst.h"

#include "xmalloc.h"
#include "llm-worker/analyst/analyst_compose.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_match.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A lower-cased copy of @s (ASCII letters only); caller frees. */
static char *lower(const char *s)
{
    char *q = xstrdup(s ? s : "");

    for (char *p = q; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return q;
}

/* True for "what if ...", "suppose ...", "cut X by 20%", "save $500 more". */
static bool is_what_if(const char *q)
{
    static const char *const direct[] = {"what if", "what happens if", "suppose", "imagine",
                                         "if i ",   "if we ",          NULL};
    static const char *const cut[] = {"cut", "reduce", "trim", "lower", "spend less", NULL};
    static const char *const more[] = {"more", "extra", "additional", NULL};

    if (analyst_match_any(q, direct))
        return true;
    if (analyst_match_any(q, cut) && analyst_match_digit(q))
        return true;
    return (analyst_match_has(q, "save") || analyst_match_has(q, "put aside")) &&
           analyst_match_digit(q) && analyst_match_any(q, more);
}

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
    static const char *const invest[] = {"invest", "holding", "portfolio", "stock",
                                         "shares", "etf",     "brokerage", NULL};
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
    struct analyst_named nm;
    char *q;
    enum analyst_intent it = ANALYST_UNKNOWN;

    q = lower(question);
    if (analyst_match_word(q, "afford"))
        it = ANALYST_AFFORD;
    else if (is_what_if(q))
        it = ANALYST_WHAT_IF;
    else if (analyst_match_any(q, fraud) || analyst_match_word(q, "alert") ||
             analyst_match_word(q, "alerts"))
        it = ANALYST_FRAUD;
    else if (analyst_match_any(q, subs))
        it = ANALYST_SUBSCRIPTIONS;
    else if (analyst_match_any(q, budget))
        it = ANALYST_BUDGETS;
    else if (analyst_match_any(q, forecast))
        it = ANALYST_FORECAST;
    else if (analyst_match_any(q, goals))
        it = ANALYST_GOALS;
    else if (analyst_match_any(q, health))
        it = ANALYST_HEALTH;
    else if (analyst_match_any(q, summary))
        it = ANALYST_SUMMARY;
    else if (analyst_match_has(q, "categor") || analyst_match_has(q, "breakdown"))
        it = analyst_doc_category(context, q, &nm) ? ANALYST_CATEGORY : ANALYST_CATEGORIES;
    else if (analyst_match_any(q, big) && analyst_match_any(q, outflow))
        it = ANALYST_LARGEST;
    else if (analyst_match_any(q, risk))
        it = ANALYST_RISK;
    else if (analyst_match_any(q, invest))
        it = ANALYST_INVESTMENTS;
    else if (analyst_match_any(q, worth))
        it = ANALYST_NET_WORTH;
    else if (analyst_match_any(q, income))
        it = ANALYST_INCOME;
    else if (analyst_match_any(q, savings))
        it = ANALYST_SAVINGS;
    else if (analyst_match_any(q, recent))
        it = ANALYST_RECENT;
    else if (analyst_match_any(q, cashflow))
        it = ANALYST_CASHFLOW;
    else if (analyst_doc_category(context, q, &nm))
        it = ANALYST_CATEGORY;
    else if (analyst_match_any(q, cats))
        it = ANALYST_CATEGORIES;
    else if (analyst_match_any(q, spend))
        it = ANALYST_SPENDING;
    else if (analyst_match_any(q, help))
        it = ANALYST_GREETING;
    else
        for (const char *const *h = hello; *h && it == ANALYST_UNKNOWN; h++)
            if (analyst_match_word(q, *h))
                it = ANALYST_GREETING;
    if (it == ANALYST_UNKNOWN && q[strspn(q, " \t\r\n?!.")] == '\0')
        it = ANALYST_GREETING; /* an empty question: introduce ourselves */
    free(q);
    return it;
}

const char *analyst_intent_name(enum analyst_intent intent)
{
    static const char *const names[] = {
        "unknown",   "greeting",      "spending",    "category", "categories", "risk",
        "savings",   "subscriptions", "fraud",       "budgets",  "forecast",   "what_if",
        "net_worth", "income",        "largest",     "goals",    "health",     "recent",
        "cashflow",  "summary",       "investments", "afford",
    };

    if ((size_t)intent >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[intent];
}

char *analyst_answer_on(const char *question, const json_t *context, int64_t today)
{
    const json_t *doc = json_is_object(context) ? context : NULL;
    char *q = lower(question), *text;

    text = analyst_compose(analyst_intent(question, doc), q, doc, today);
    free(q);
    return text;
}

char *analyst_answer(const char *question, const json_t *context)
{
    return analyst_answer_on(question, context, -1);
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
