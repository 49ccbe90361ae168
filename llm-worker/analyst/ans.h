/* ans.h - one answer being written by the analyst and the sentences every composer shares: money in
 * the answer's currency, bold figures, "I don't have ... yet", the top categories,
 * spent-against-income.
 *
 * Pure: no I/O, no globals; any thread. Every function writes into @a->out. */
#ifndef FINCHAT_ANALYST_ANS_H
#define FINCHAT_ANALYST_ANS_H

#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"

#include <jansson.h>
#include <stdint.h>

/* One answer being written: the text so far and what it is written from. */
struct ans {
    struct strbuf out;
    const json_t *ctx; /* the context document, may be NULL */
    const char *cur;   /* ISO 4217 code */
    const char *q;     /* the question, lower-cased */
    int64_t today;     /* day number of today when known (analyst_answer_on()), else -1 */
};

/* Appends @v minor units as money in the answer's currency ("$1,234.50"). */
void ans_money(struct ans *a, int64_t v);

/* Appends @v as money in bold ("**$1,234.50**"). */
void ans_bold_money(struct ans *a, int64_t v);

/* Writes that @what is not in the user's data yet and how to get it there. */
void ans_missing(struct ans *a, const char *what);

/* "Dining ($320.00), Groceries ($410.00) and Transport ($95.00)" for the top @k categories. */
void ans_top_categories(struct ans *a, size_t k);

/* Months needed to put aside @remaining at @per_month, rounded up. */
int64_t ans_months_to(int64_t remaining, int64_t per_month);

/* " you spent **$4,000.00** against income of $5,200.00, a savings rate of 23.1%"; the
 * income part only when there was some. */
void ans_spent_against(struct ans *a, int64_t expenses, int64_t income);

/* Appends " The biggest categories were A ($1.00), B ($2.00) and C ($3.00)." for the first
 * three of @rows (largest first); nothing when there are none. */
void ans_biggest_categories(struct ans *a, const struct analyst_row *rows, size_t n);

/* Appends "Last month (May 2025)", the month as section @lm (`last_month`) names it. */
void ans_last_month_out(struct ans *a, const json_t *lm);

#endif
