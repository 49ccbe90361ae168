/* question.h - the analyst's question reader: what is asked (a metric), over which period and
 * about what (a merchant, a category, an account, income or expenses), read from a question in
 * ordinary words, for the planner (plan.h) to turn into tool calls (proto/tools.json).
 *
 * Periods are days of the user's calendar (epoch days, analyst_fmt.h) relative to @today:
 * "today", "yesterday", "this|last week|month|quarter|year", a named month with or without
 * its year ("October", "oct 2026", "March last year", "2026-10", English, French, German,
 * Spanish names), a quarter ("Q3", "Q3 2025", "third quarter", "2026-Q3"), a year ("in
 * 2025"), a day ("2026-03-15", "15 March", "March 15th", "15.03.2026", "15/03/2026"),
 * "since <day>", "between <day> and <day>", "from <day> to <day>", "the last|past N
 * hours|days|weeks|months" (days and weeks end today; N months are the N whole months before
 * this one), a weekday ("on Friday": the latest; "last Sunday": before today), "the day
 * before yesterday", "the weekend", a season ("in the fall": the latest that has begun,
 * "last winter": the one before) and "ever" / "all time" (all of history from 1970). A
 * month or day without a year is the latest one up to today. A slashed date whose
 * day and month could be swapped (03/04/2026) is not read: the question is then marked
 * ambiguous (@ambiguous names it). Typos of the words it knows are tolerated (one letter
 * off for words of five letters or more, "spnd"), case does not matter, punctuation is
 * ignored.
 *
 * About what: a category by its name in the data or an everyday word ("restaurants" for
 * dining, "food" for groceries and dining, "gas" for transport, "rent" for housing), two at
 * once ("groceries and dining"); a merchant after "at", "from", "on my", "pay", "how much",
 * or before "spending" ("Amazon spending"), or named in the context document's lists; an
 * account by type, name or institution; income words searched in descriptions ("interest",
 * "salary"); transfers. What is asked: see enum aq_metric.
 *
 * Pure: no I/O, no globals; any thread. */
#ifndef FINCHAT_ANALYST_QUESTION_H
#define FINCHAT_ANALYST_QUESTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum aq_metric {
    AQ_NONE,          /* not a figure question the planner answers */
    AQ_SPENT,         /* expenses of the period */
    AQ_RECEIVED,      /* income of the period */
    AQ_NET,           /* income minus expenses */
    AQ_SAVINGS_RATE,  /* net as a share of income */
    AQ_COUNT,         /* how many transactions */
    AQ_AVERAGE,       /* average purchase */
    AQ_LARGEST,       /* largest expenses */
    AQ_SMALLEST,      /* smallest expenses */
    AQ_LIST,          /* the transactions themselves */
    AQ_CATEGORIES,    /* spending by category */
    AQ_BALANCE,       /* account balances */
    AQ_NET_WORTH,     /* net worth and its change */
    AQ_BUDGET,        /* budget left or used */
    AQ_SUBSCRIPTIONS, /* recurring charges */
    AQ_COMPARE,       /* spending of two periods */
    AQ_TREND,         /* month by month */
};

enum aq_flow { AQ_FLOW_ANY, AQ_FLOW_EXPENSE, AQ_FLOW_INCOME, AQ_FLOW_TRANSFER };

/* A period: the days it covers, the tool argument naming them and the words an answer
 * states it in. */
struct aq_period {
    bool set;
    int64_t from, to; /* inclusive epoch days */
    char arg[24];     /* tool period: "2026-10", "2026-Q3", "2025", "today", "A..B" */
    char label[96];   /* "October 2026", "the last 14 days (23 Nov to 6 Dec 2026)" */
    int year, month;  /* a whole calendar month (budgets, cash flow): 1..12, else 0 */
};

#define AQ_NAME_MAX 64

struct analyst_question {
    enum aq_metric metric;
    bool metric_guessed;         /* no metric word: spending was assumed */
    enum aq_flow flow;           /* income or expenses named */
    struct aq_period period;     /* .set false: none named */
    struct aq_period period2;    /* the other period of a comparison */
    char merchant[AQ_NAME_MAX];  /* as the question writes it, e.g. "target", else "" */
    char category[AQ_NAME_MAX];  /* a category of the data, e.g. "groceries", else "" */
    char category2[AQ_NAME_MAX]; /* a second category ("food": groceries and dining) */
    char account[AQ_NAME_MAX];   /* an account word: a type, name or institution */
    char text[AQ_NAME_MAX];      /* words searched in descriptions ("interest", "salary") */
    int months;                  /* a trend's months (2..24), else 0 */
    bool per_month;              /* "average monthly": a trend with its average */
    bool changes;                /* subscriptions: what changed (price, new ones) */
    char ambiguous[AQ_NAME_MAX]; /* the text that could not be read unambiguously */
};

/* Reads lower- or mixed-case @question into *@out, relative to @today (epoch day). @ctx (the
 * context document, may be NULL) lends the user's own merchants, categories and accounts.
 * Returns out->metric (AQ_NONE when no figure question was recognised). */
enum aq_metric analyst_question_read(const char *question, const json_t *ctx, int64_t today,
                                     struct analyst_question *out);

/* Fills @p with the calendar month @y-@m (its label "October 2026"). */
void aq_period_month(struct aq_period *p, int y, int m);
/* Fills @p with the days @from..@to, the tool argument "YYYY-MM-DD..YYYY-MM-DD" (or one day)
 * and the label "@words (1 Mar to 15 Mar 2026)", or the dates alone when @words is NULL. */
void aq_period_days(struct aq_period *p, int64_t from, int64_t to, const char *words);

/* Damerau-Levenshtein distance of @a and @b (ASCII), capped at @cap + 1. */
int aq_distance(const char *a, const char *b, int cap);

/* Static snake_case name of @m ("spent", "savings_rate"). */
const char *aq_metric_name(enum aq_metric m);

#endif
