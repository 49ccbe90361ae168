/* analyst_match.h - reading a question for the analyst: keyword and phrase matching at word
 * boundaries, category names in everyday words ("restaurants" for Dining), the numbers of a
 * what-if ("20%", "$1,250.50", "$2k") and the period a question names ("last week", "in
 * September").
 *
 * Questions are lower-cased ASCII-wise by the caller. Pure: no I/O, no globals; any thread. */
#ifndef FINCHAT_ANALYST_MATCH_H
#define FINCHAT_ANALYST_MATCH_H

#include <stdbool.h>
#include <stdint.h>

/* True when @needle occurs in @q starting at a word boundary (a prefix or phrase match). */
bool analyst_match_has(const char *q, const char *needle);
/* True when @w occurs in @q as a whole word. */
bool analyst_match_word(const char *q, const char *w);
/* True when any of the NULL-terminated @needles matches as analyst_match_has() does. */
bool analyst_match_any(const char *q, const char *const *needles);
bool analyst_match_digit(const char *q);
/* True when a word of @q names a word of @name: the same word, the same first five letters
 * for longer words, or an everyday alias; generic question words never match. */
bool analyst_match_name(const char *q, const char *name);
/* Parses the numbers of a what-if question: the first percentage into *@pct_tenths (tenths
 * of a percent, 0..1000) and the first amount into *@amount (minor units: "$500", "500
 * dollars", "$1,250.50", "$2k"; failing those, the first bare number when the question says
 * "more", "extra", "save" or "afford", unless it follows a month's name as its year). Exact
 * integer arithmetic; numbers over 10^12 are ignored; -1 for what is absent. */
void analyst_match_numbers(const char *q, int64_t *pct_tenths, int64_t *amount);

/* A period a spending question names. "This month" and "last month" are not among them: the
 * month's own figures answer those. */
enum analyst_period_kind {
    ANALYST_PERIOD_NONE,
    ANALYST_PERIOD_TODAY,
    ANALYST_PERIOD_YESTERDAY,
    ANALYST_PERIOD_THIS_WEEK, /* Monday to the as-of day */
    ANALYST_PERIOD_LAST_WEEK, /* the Monday to Sunday before this week */
    ANALYST_PERIOD_PAST_WEEK, /* "past week", "last 7 days": the 7 days ending on the as-of day */
    ANALYST_PERIOD_MONTH,     /* a named month ("in September", "in october 2026") */
    ANALYST_PERIOD_THIS_YEAR,
    ANALYST_PERIOD_LAST_YEAR,
    ANALYST_PERIOD_DAYS,   /* "last 30 days", "past two weeks", "past month": @count days
                            * ending on the as-of day (2..366, never 7: that is PAST_WEEK) */
    ANALYST_PERIOD_MONTHS, /* "last 3 months", "past year": the @count whole months before
                            * this one (2..24) */
    ANALYST_PERIOD_YEAR,   /* a year by its number ("in 2025", "for 2024"): @year */
};

struct analyst_period {
    enum analyst_period_kind kind;
    int month; /* ANALYST_PERIOD_MONTH: 1..12 */
    int year;  /* ANALYST_PERIOD_MONTH: the year the question gives (1900..2999), else 0;
                * ANALYST_PERIOD_YEAR: the year */
    int count; /* ANALYST_PERIOD_DAYS: days; ANALYST_PERIOD_MONTHS: months */
};

/* Fills *@out with the period @q names: a span counted back from now first ("last|past|previous
 * N days|weeks|months|years", N in digits or words up to twelve, or thirty, sixty, ninety;
 * "past two weeks", "past month" = 30 days, "past year" = 12 months), then a day or week
 * phrase, then a month name (full names anywhere except "may"; "may" and abbreviations such as
 * "sept" only after "in", "for", "during" or "of", or before a year), then "this year" or
 * "last year", then a year by number after "in", "for", "during" or "of". "Last month" is not
 * a period here (see above). Returns false (kind ANALYST_PERIOD_NONE) when it names none. */
bool analyst_match_period(const char *q, struct analyst_period *out);

#endif
