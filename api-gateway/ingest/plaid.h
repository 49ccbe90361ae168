/* plaid.h - a client of the Plaid API (link tokens, public-token exchange, accounts,
 * cursor-based /transactions/sync) over libcurl. Its answers, and the transactions and
 * accounts in them, are read by the pure plaid_map.h, which this header includes.
 *
 * Calls block (@locality pool thread) with a 3 s connect and 15 s total timeout. Every call
 * returns 0 with the decoded body, or a negative code with a message fit for the user:
 * FC_EDEP when Plaid could not be reached or answered 5xx, FC_EINVAL when Plaid refused the
 * request (its error_code is copied into @err->code, e.g. INVALID_PUBLIC_TOKEN).
 * Secrets (client secret, access tokens) are never logged. */
#ifndef FINCHAT_PLAID_H
#define FINCHAT_PLAID_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "api-gateway/ingest/plaid_map.h"

/* True when PLAID_CLIENT_ID and PLAID_SECRET are set. */
bool plaid_configured(const struct fc_config *cfg);

/* POSTs @body (borrowed; client_id and secret are added) to @path ("/link/token/create").
 * On success *@out is Plaid's JSON answer (caller decrefs). */
int plaid_call(const struct fc_config *cfg, const char *path, json_t *body, json_t **out,
               struct plaid_err *err);

#endif
