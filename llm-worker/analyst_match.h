/* analyst_match.h - reading a question for the analyst: keyword and phrase matching at word
 * boundaries, category names in everyday words ("restaurants" for Dining), and the numbers
 * of a what-if ("20%", "$1,250.50", "$2k").
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
 * dollars", "$1,250.50", "$2k", or a bare number when the question says "more", "extra" or
 * "save"). Exact integer arithmetic; numbers over 10^12 are ignored; -1 for what is absent. */
void analyst_match_numbers(const char *q, int64_t *pct_tenths, int64_t *amount);

#endif
