/* analyst.h - the offline analyst: answers common finance questions from the user's context
 * document with real figures, deterministically and without any network.
 *
 * It recognises what a question is about from keywords (analyst_intent()), composes an answer
 * from the user's `contexts` document (analyst_doc.h says which parts it reads; any may be
 * missing, and the answer then says what it lacks), and says plainly when a question cannot
 * be answered from the data. Money is integer minor units throughout. The engine streams the
 * answer token by token (analyst_token_len()) at FINCHAT_ANALYST_PACE_MS.
 *
 * Spending questions may name a period (analyst_match_period()): days and weeks ("today",
 * "last week", "past 7 days") are counted from the recent transactions, relative to the
 * document's as-of date (its `updated_at`: the analyst has no clock), and the answer says
 * when that list does not reach back far enough; a named month, "this year" and "last year"
 * come from the monthly figures, and the answer says which months it has.
 *
 * Modules: analyst_match (reading the question), analyst_doc (reading the document),
 * analyst_compose (the answers), analyst_fmt (money and text).
 *
 * Pure: no I/O, no globals; any thread. */
#ifndef FINCHAT_ANALYST_H
#define FINCHAT_ANALYST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ANALYST_MODEL "finchat-analyst-1"

enum analyst_intent {
    ANALYST_UNKNOWN,
    ANALYST_GREETING,   /* greetings and "what can you do" */
    ANALYST_SPENDING,   /* spending this month, last month or a named period ("last week") */
    ANALYST_CATEGORY,   /* one named category ("how much on dining"), for a period too */
    ANALYST_CATEGORIES, /* where the money goes; a named period answers as SPENDING does */
    ANALYST_RISK,
    ANALYST_SAVINGS,
    ANALYST_SUBSCRIPTIONS,
    ANALYST_FRAUD,
    ANALYST_BUDGETS,
    ANALYST_FORECAST,
    ANALYST_WHAT_IF, /* "what if I cut dining by 20%", "save $500 more a month" */
    ANALYST_NET_WORTH,
    ANALYST_INCOME,
    ANALYST_LARGEST, /* largest expenses */
    ANALYST_GOALS,
    ANALYST_HEALTH,
    ANALYST_RECENT, /* recent transactions */
    ANALYST_CASHFLOW,
    ANALYST_SUMMARY,     /* "how am I doing", "give me an overview" */
    ANALYST_INVESTMENTS, /* holdings and portfolio */
    ANALYST_AFFORD,      /* "can I afford a $2,000 vacation?": cash, cushion and saving pace */
};

/* Returns what @question is about; @context (may be NULL) lets it recognise the user's own
 * category names. */
enum analyst_intent analyst_intent(const char *question, const json_t *context);
/* Returns a static snake_case name of @intent ("what_if", "unknown", ...). */
const char *analyst_intent_name(enum analyst_intent intent);

/* Returns the answer to @question from @context (may be NULL), newly allocated (caller
 * frees), never NULL. The same inputs always give the same text. */
char *analyst_answer(const char *question, const json_t *context);
/* The same, answering day and week questions ("today", "last week") as of day @today (days
 * since 1970-01-01 UTC; -1: the document's updated_at). The document is rebuilt on every
 * write, so no transaction came after its updated_at: its recent transactions are complete up
 * to any later day, and the engine passes the real date. */
char *analyst_answer_on(const char *question, const json_t *context, int64_t today);

/* One step of the analyst as a planner over the assistant's tools (SPEC §14,
 * proto/tools.json). The engine calls analyst_step() once per round with the tool turns so
 * far, runs the calls it returns through the gateway, and calls it again, at most
 * @rounds_max rounds.
 *
 * The question is read (question.h) into what is asked, over which period and about what;
 * the step asks for the tools that answer it (search_transactions with its summary,
 * spending_by_category, cashflow, get_budgets, get_accounts, net_worth_history,
 * get_subscriptions) and, once their results are in @turns, composes the answer from them,
 * stating the period and the filters it used in words ("In October 2026, at Target, you
 * spent **$53.12** over 1 purchase."). Every money amount and percentage it writes is one of
 * the results, or what the checks of SPEC §14 derive from one result (a difference, a share
 * of two siblings such as a savings rate), except averages (a total over a count), which are
 * shown with the total and the count they come from. A merchant
 * the search does not find is matched to the user's own merchants of the last 365 days
 * (question.h's aq_distance()), and the search repeated with that name. Overview questions
 * (summary, risk, fraud, forecast, what-if, afford, goals, health score, investments,
 * greetings) and questions it cannot read are answered from the context document as
 * analyst_answer_on() does; so is everything when @tools is false. An ambiguous date, or a
 * merchant that matches none of the user's, gets an answer that says so, with questions it
 * can answer: never a figure for another question. */
struct analyst_input {
    const char *question;
    const json_t *ctx;   /* the context document, may be NULL */
    const json_t *turns; /* tool turns so far (engine.h form), [] or NULL at first */
    int64_t today_day;   /* epoch day, the user's calendar */
    bool tools;          /* tools may be called; false: answer from ctx alone */
    int round;           /* 1-based */
    int rounds_max;      /* on round >= rounds_max no calls are returned */
};

/* One step: returns a new object, either {"calls":[{"id":"a1","name":..,"arguments":{..}}]}
 * (the tools to call next, several at once) or {"answer":"text"}. Never NULL. Pure,
 * deterministic, no I/O. Call ids are "a<n>", numbered on from the calls in @turns. Tool
 * results are read from the "content" (JSON text) of the turns whose "id" matches a call;
 * an error result ({"error","hint"}) or unreadable content counts as a failed look-up, which
 * the answer names. */
json_t *analyst_step(const struct analyst_input *in);

/* Returns the length of the token at the start of @s (of @len bytes): a word with the white
 * space that follows it. Never splits a UTF-8 sequence. 0 only when @len is 0. */
size_t analyst_token_len(const char *s, size_t len);

#endif
