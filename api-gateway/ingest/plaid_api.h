/* plaid_api.h - bank linking through Plaid (SPEC §4 Finance): POST /api/v1/plaid/link-token,
 * /exchange and /sync. Access tokens are stored sealed with AES-256-GCM under
 * FINCHAT_DATA_KEY, bound to the user id (secretbox.h), and never leave the server or reach
 * a log.
 *
 * Sync follows Plaid's cursor protocol: pages of /transactions/sync until has_more is false,
 * applying added, modified and removed in one SQL transaction per sync and saving the new
 * cursor in the same transaction, so a failed sync changes nothing and is simply retried.
 * When Plaid reports TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION the sync restarts from the
 * saved cursor (up to three times). New transactions are fraud-scored like manual ones.
 * Without PLAID_CLIENT_ID/PLAID_SECRET every route answers 503 plaid_disabled; a refusal by
 * Plaid is 502 plaid_error, Plaid unreachable 503 dependency_down.
 *
 * Handlers follow api.h (@locality pool thread); they call Plaid through plaid.h. */
#ifndef FINCHAT_PLAID_API_H
#define FINCHAT_PLAID_API_H

#include "api-gateway/http/api.h"

/* POST /api/v1/plaid/link-token, /api/v1/plaid/exchange, /api/v1/plaid/sync.
 * NULL-terminated. */
extern const struct api_route plaid_routes[];

#endif
