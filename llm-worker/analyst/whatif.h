/* whatif.h - hypothetical answers: what-ifs (cut a category, save more, drop a subscription) and
 * whether the user can afford a price.
 *
 * Pure: no I/O, no globals; any thread. Every function writes into @a->out. */
#ifndef FINCHAT_ANALYST_WHATIF_H
#define FINCHAT_ANALYST_WHATIF_H

#include "llm-worker/analyst/ans.h"

#include <stdbool.h>
#include <stdint.h>

/* A what-if: cutting a category, saving more each month or dropping a subscription,
 * and its effect over a year. */
void whatif_answer(struct ans *a);

/* "Can I afford a $2,000 vacation?": the price against cash on hand, the cushion of average
 * spending it leaves (3 months or more is comfortable, 1 is thin) and the saving pace. */
void whatif_afford(struct ans *a);

#endif
