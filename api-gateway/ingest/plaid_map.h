/* plaid_map.h - Plaid's answers read into finchat's shapes: the answer of a call (a JSON
 * object, or Plaid's error), and the transactions and accounts in it.
 *
 * This is where Plaid's bytes, network input, are read: pure (no I/O, no state, any
 * thread), unit-tested and fuzzed (tests/fuzz/fuzz_plaid.c). The HTTP side is plaid.h. */
#ifndef FINCHAT_PLAID_MAP_H
#define FINCHAT_PLAID_MAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Why a call failed, for the user and the logs (never holds a secret). */
struct plaid_err {
    int http_status;   /* Plaid's HTTP status, 0 when it was not reached */
    char code[64];     /* Plaid's error_code, "unreachable" or "bad_response" */
    char message[256]; /* display_message or error_message */
};

/* Reads Plaid's answer to a call: HTTP @status with the @len bytes of @body (NULL when
 * empty). A 2xx whose body is a JSON object returns 0 with it in *@out (caller decrefs).
 * Anything else sets *@out to NULL, fills @err from Plaid's error object (error_code,
 * display_message, else error_message; "bad_response" without one) and returns FC_EINVAL
 * when Plaid refused the request (a 4xx with an error_code), FC_EDEP otherwise. */
int plaid_map_answer(long status, const char *body, size_t len, json_t **out,
                     struct plaid_err *err);

/* One transaction of a /transactions/sync answer, mapped to our columns. */
struct plaid_txn {
    char id[128];         /* transaction_id: our external_id */
    char account_id[128]; /* Plaid's account_id */
    char date[11];        /* YYYY-MM-DD */
    int64_t amount_minor; /* signed our way: money out is negative */
    char currency[4];
    char merchant[128];
    char category[257]; /* room for a rule's category too (64 code points) */
    char type[16];      /* income | expense | transfer */
};

/* Maps a Plaid transaction object. 0, or FC_EINVAL when a required field is missing or bad
 * (id, account_id, date, amount) or the currency unknown. Plaid amounts are positive for money
 * out, decimal in major units; they are converted with plaid_map_amount(). */
int plaid_map_txn(json_t *t, struct plaid_txn *out);
/* Maps a Plaid account type/subtype to ours: checking, savings, credit or investment. */
const char *plaid_map_account_type(const char *type, const char *subtype);
/* Converts a decimal major-unit JSON number to minor units of ISO 4217 @currency (its own
 * decimals: 1200 JPY is 1200, 1.5 KWD is 1500), rounded to the nearest minor unit. FC_EINVAL
 * if not a finite number in range or @currency is not in proto/currencies.json. */
int plaid_map_amount(json_t *v, const char *currency, int64_t *out);

#endif
