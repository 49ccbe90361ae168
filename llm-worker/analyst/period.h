/* period.h - answers for a period the question names: days and weeks from the recent transactions,
 * named months and years from the monthly figures, with the dates stated.
 *
 * Pure: no I/O, no globals; any thread. Every function writes into @a->out. */
#ifndef FINCHAT_ANALYST_PERIOD_H
#define FINCHAT_ANALYST_PERIOD_H

#include "llm-worker/analyst/analyst_match.h"
#include "llm-worker/analyst/ans.h"

#include <stdbool.h>
#include <stdint.h>

/* Appends "June 2025" for month index @idx. */
void period_month_out(struct ans *a, int64_t idx);

/* The index of the month the document is as of: its as-of day's, else this month's. */
bool period_month_now(const struct ans *a, int64_t *idx);

/* The index of the month @p names: in the year the question gives, else the latest such
 * month up to now, or with @ahead the next one from now. */
bool period_named_month_index(const struct ans *a, const struct analyst_period *p, bool ahead,
                              int64_t *idx);

/* "How much did I spend on dining last month?": the category in last month's top categories;
 * false when the question does not say last month or names no category. */
bool period_category_last_month(struct ans *a);

/* Answers a spending question that names a period (analyst_match_period()), overall or for
 * the category it names; false when it names none. */
bool period_answer(struct ans *a);

#endif
