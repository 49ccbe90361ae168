/* rules_api.h - the categorisation rules of SPEC §15 over HTTP (JSON in proto/API.md):
 *
 *   GET    /api/v1/rules             {items:[rule]}, oldest first
 *   POST   /api/v1/rules             {merchant, match?, category, min_minor?, max_minor?,
 *                                     account_id?} -> 201 {rule}
 *   DELETE /api/v1/rules/{id}        204
 *   POST   /api/v1/rules/{id}/apply  {updated: N}: the user's past transactions (transfers
 *                                     aside) this rule matches take its category
 *
 * A rule is {id, merchant, match, category, min_minor, max_minor, account_id, created_at};
 * absent bounds and account are null. `match` is "equals" (the default) or "contains";
 * merchant at most 120 characters; category normalised as the transactions API does
 * (finance_norm_category()); min_minor/max_minor are magnitudes in minor units
 * (0..1e13, min <= max); account_id must name one of the user's accounts (else 404, like
 * the rest of the API). Bad input answers 400 invalid_field naming the field and writes
 * nothing; a user holds at most RULES_MAX rules. Another user's rule id, like an unknown
 * one, answers 404. Which rule wins and where rules apply: rules.h.
 *
 * A write that changed data calls finance_changed(). @locality pool thread. */
#ifndef FINCHAT_RULES_API_H
#define FINCHAT_RULES_API_H

#include "api-gateway/http/api.h"

#define RULES_MAX 500

/* NULL-terminated. */
extern const struct api_route rules_routes[];

#endif
