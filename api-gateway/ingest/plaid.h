/* plaid.h - a client of the Plaid API (link tokens, public-token exchange, accounts,
 * cursor-based /transactions/sync) over libcurl, and the pure mapping of Plaid's JSON into
 * our shapes.
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

struct plaid_err {
    int http_status;
    char code[64];     /* Plaid's error_code, or "unreachable" */
    char message[256]; /* display_message or error_message */
};

/* True when PLAID_CLIENT_ID and PLAID_SECRET are set. */
bool plaid_configured(const struct fc_config *cfg);

/* POSTs @body (borrowed; client_id and secret are added) to @path ("/link/token/create").
 * On success *@out is Plaid's JSON answer (caller decrefs). */
int plaid_call(const struct fc_config *cfg, const char *path, json_t *body, json_t **out,
               struct plaid_err *err);

/* One transaction of a /transactions/sync answer, mapped to our columns. */
struct plaid_txn {
    char id[128];         /* transaction_id: our external_id */
    char account_id[128]; /* Plaid's account_id */
    char date[11];        /* YYYY-MM-DD */
    int64_t amount_minor; /* signed our way: money out is negative */
    char currency[4];
    char merchant[128];
    char category[64];
    char type[16]; /* income | expense | transfer */
};

/* Maps a Plaid transaction object. 0, or FC_EINVAL when a required field is missing or bad
 * (id, account_id, date, amount) or the currency unknown. Plaid amounts are positive for money
 * out, decimal in major units; they are converted with plaid_amount_minor(). */
int plaid_map_txn(json_t *t, struct plaid_txn *out);
/* Maps a Plaid account type/subtype to ours: checking, savings, credit or investment. */
const char *plaid_account_type(const char *type, const char *subtype);
/* Converts a decimal major-unit JSON number to minor units of ISO 4217 @currency (its own
 * decimals: 1200 JPY is 1200, 1.5 KWD is 1500), rounded to the nearest minor unit. FC_EINVAL
 * if not a finite number in range or @currency is not in proto/currencies.json. */
int plaid_amount_minor(json_t *v, const char *currency, int64_t *out);

#endif
