/* finance.h - the finance REST API of SPEC §4 with the JSON of proto/API.md.
 *
 * finance_routes[] lists the handlers: dashboard, accounts (list, and
 * create for users who import statements rather than link a bank), transactions
 * (keyset-paginated list, create with fraud scoring, patch), analytics, insights,
 * forecast, simulate, budgets and goals. Handlers run on a pool thread (@locality pool
 * thread) with that thread's req->pg and req->mongo, and every query is scoped by
 * req->user_id: another user's ids answer 404 not_found, exactly like ids that do not exist.
 * Bad input answers 400 invalid_field naming the field, before anything is written; writes
 * run in one SQL transaction each.
 *
 * Writers elsewhere (Plaid sync, imports) reuse the transactions of sql.h,
 * finance_lock_user() and finance_alert_add() (finance_query.h), finance_db_error() and
 * finance_changed() so every finance write follows the same rules.
 *
 * After a write commits, finance_changed() rebuilds the user's context document in MongoDB
 * (context.h); a MongoDB failure is logged and never fails the write. */
#ifndef FINCHAT_FINANCE_H
#define FINCHAT_FINANCE_H

#include "api-gateway/http/api.h"
#include "api-gateway/finance/finance_query.h" /* finance_lock_user(), finance_alert_add() */

/* Bumps req->user_id's data_version and rebuilds their assistant context, after a committed
 * write (or when the document is of an earlier day: chat.c). Never fails; returns the new
 * data_version, -1 when PostgreSQL did not say. */
int64_t finance_changed(struct api_req *req);

/* Answers a failed query whose code did not reach the handler (the JSON builders of
 * finance_query.h return NULL): 503 dependency_down when the connection is gone, else 500.
 * Where the code of sql.h is at hand, api_pg_fail() answers with it. */
int finance_db_error(struct api_req *req, struct api_resp *resp);

/* Checks that @account_id (from the field @field) is a UUID (else 400) naming an account of
 * req->user_id (else 404); copies its currency into @cur. With @lock, takes a row lock: call
 * it inside a transaction then. Returns 0 or the api_error() code. */
int finance_own_account(struct api_req *req, struct api_resp *resp, const char *field,
                        const char *account_id, bool lock, char cur[4]);

/* Opens the transaction of a write to one account of req->user_id: BEGIN, the user's lock
 * (finance_lock_user()), then finance_own_account(@field, @account_id) with a row lock.
 * Returns 0 with the transaction open, or the api_error() code; on failure the caller rolls
 * back (sql_rollback() is harmless when nothing began). */
int finance_begin_on_account(struct api_req *req, struct api_resp *resp, const char *field,
                             const char *account_id, char cur[4]);

/* Reads the optional string field @name of @body into *@out (NULL when absent or null) with
 * the checks every finance text gets: a JSON string, valid UTF-8 without NUL or control
 * characters, at most @max code points, non-blank when @need_text. Returns 0 or the
 * api_error() code (400 invalid_field naming @name). */
int finance_opt_string(struct api_resp *resp, json_t *body, const char *name, size_t max,
                       bool need_text, const char **out);

/* Normalises a category in place as the transactions API stores it: ASCII letters
 * lower-cased, surrounding spaces trimmed. Returns the start of the result within @s. */
char *finance_norm_category(char *s);

/* The finance routes (see above; imports are import_api.h's). NULL-terminated. */
extern const struct api_route finance_routes[];

#endif
