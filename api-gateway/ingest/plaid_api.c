/* plaid_api.c - the Plaid routes: link tokens, public-token exchange and cursor sync. */
#include "api-gateway/ingest/plaid_api.h"

#include "err.h"
#include "log.h"
#include "secretbox.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/fraud.h"
#include "api-gateway/finance/rules.h"
#include "api-gateway/http/api.h"
#include "api-gateway/ingest/plaid.h"

#include <stdlib.h>
#include <string.h>

#define SYNC_RESTARTS 3
#define SYNC_PAGE 250

/* PQcmdTuples() text to an int; "" is 0. */
static int disabled(struct api_resp *resp)
{
    return api_error(resp, 503, "plaid_disabled",
                     "bank linking is not configured on this server (set PLAID_CLIENT_ID and "
                     "PLAID_SECRET)");
}

static int plaid_fail(struct api_resp *resp, int rc, const struct plaid_err *err)
{
    if (rc == FC_EINVAL)
        return api_error(resp, 502, "plaid_error", "the bank connection failed: %s (%s)",
                         err->message, err->code);
    return api_error(resp, 503, "dependency_down", "%s", err->message);
}

static int h_link_token(struct api_req *req, struct api_resp *resp)
{
    struct plaid_err err;
    json_t *body, *out = NULL;
    int rc;

    if (!plaid_configured(req->cfg))
        return disabled(resp);
    body = json_pack("{s:s,s:{s:s},s:[s],s:[s],s:s}", "client_name", "finchat", "user",
                     "client_user_id", req->user_id, "products", "transactions", "country_codes",
                     "US", "language", "en");
    rc = plaid_call(req->cfg, "/link/token/create", body, &out, &err);
    json_decref(body);
    if (rc)
        return plaid_fail(resp, rc, &err);
    rc = api_json(resp, 200,
                  json_pack("{s:O,s:O*}", "link_token", json_object_get(out, "link_token"),
                            "expiration", json_object_get(out, "expiration")));
    json_decref(out);
    return rc;
}

/* Creates or refreshes the user's accounts from /accounts/get. Returns 0 or the code of
 * sql.h. @locks caller's transaction */
static int upsert_accounts(struct api_req *req, json_t *accounts)
{
    size_t i;
    json_t *a;

    json_array_foreach(accounts, i, a)
    {
        const char *pid = json_string_value(json_object_get(a, "account_id"));
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *mask = json_string_value(json_object_get(a, "mask"));
        const char *type = plaid_map_account_type(json_string_value(json_object_get(a, "type")),
                                                  json_string_value(json_object_get(a, "subtype")));
        json_t *bal = json_object_get(a, "balances");
        const char *cur = json_string_value(json_object_get(bal, "iso_currency_code"));
        int64_t minor = 0;
        char amt[24];
        int rc;

        if (!pid || !name)
            continue;
        plaid_map_amount(json_object_get(bal, "current"), cur ? cur : "USD", &minor);
        if (strcmp(type, "credit") == 0)
            minor = -minor; /* Plaid reports what is owed as positive */
        snprintf(amt, sizeof(amt), "%lld", (long long)minor);
        {
            const char *v[7] = {req->user_id,      pid, name, mask ? mask : "", type,
                                cur ? cur : "USD", amt};

            rc = sql_exec(req->pg,
                          "WITH u AS (UPDATE accounts SET balance_minor = $7::bigint, name = $3"
                          " WHERE user_id = $1::uuid AND plaid_account_id = $2 RETURNING id)"
                          " INSERT INTO accounts (user_id, plaid_account_id, name, mask, type,"
                          " currency, balance_minor, institution) SELECT $1::uuid, $2, $3, $4, $5,"
                          " $6, $7::bigint, 'Linked bank' WHERE NOT EXISTS (SELECT 1 FROM u)",
                          7, v, NULL);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int h_exchange(struct api_req *req, struct api_resp *resp)
{
    const char *public_token = json_string_value(json_object_get(req->body, "public_token"));
    unsigned char key[32], *sealed;
    struct plaid_err err;
    json_t *body, *out = NULL, *acc = NULL;
    const char *access, *item_id;
    char *hex = NULL;
    size_t len;
    int rc;

    if (!plaid_configured(req->cfg))
        return disabled(resp);
    if (!public_token || !*public_token || strlen(public_token) > 512)
        return api_error(resp, 400, "invalid_field", "public_token is required");
    body = json_pack("{s:s}", "public_token", public_token);
    rc = plaid_call(req->cfg, "/item/public_token/exchange", body, &out, &err);
    json_decref(body);
    if (rc)
        return plaid_fail(resp, rc, &err);
    access = json_string_value(json_object_get(out, "access_token"));
    item_id = json_string_value(json_object_get(out, "item_id"));
    if (!access || !item_id || secretbox_key(req->cfg->data_key, key) != 0) {
        json_decref(out);
        return api_error(resp, 502, "plaid_error", "unexpected answer from the bank connection");
    }
    body = json_pack("{s:s}", "access_token", access);
    rc = plaid_call(req->cfg, "/accounts/get", body, &acc, &err);
    json_decref(body);
    if (rc) {
        json_decref(out);
        return plaid_fail(resp, rc, &err);
    }
    len = strlen(access);
    sealed = xmalloc(len + SECRETBOX_OVERHEAD);
    secretbox_seal(key, req->user_id, (const unsigned char *)access, len, sealed);
    hex = xmalloc(2 * (len + SECRETBOX_OVERHEAD) + 3);
    hex[0] = '\\';
    hex[1] = 'x';
    for (size_t i = 0; i < len + SECRETBOX_OVERHEAD; i++)
        snprintf(hex + 2 + 2 * i, 3, "%02x", sealed[i]);
    rc = sql_begin(req->pg);
    if (!rc) {
        const char *v[3] = {req->user_id, item_id, hex};

        rc = sql_exec(req->pg,
                      "INSERT INTO plaid_items (user_id, item_id, access_token_enc)"
                      " VALUES ($1::uuid, $2, $3::bytea)",
                      3, v, NULL);
    }
    if (!rc)
        rc = upsert_accounts(req, json_object_get(acc, "accounts"));
    if (!rc)
        rc = sql_commit(req->pg);
    if (rc) {
        sql_rollback(req->pg);
        rc = api_pg_fail(req, resp, rc);
        goto out;
    }
    finance_changed(req);
    rc = api_json(resp, 201,
                  json_pack("{s:s,s:I}", "item_id", item_id, "accounts",
                            (json_int_t)json_array_size(json_object_get(acc, "accounts"))));
out:
    memset(hex, 0, strlen(hex));
    free(hex);
    free(sealed);
    json_decref(out);
    json_decref(acc);
    return rc;
}

/* Opens a stored access token (bytea text "\x..") into @out (>= 512 bytes). */
static int open_token(struct api_req *req, const char *hexval, char *out, size_t cap)
{
    unsigned char key[32], raw[600];
    size_t n = 0, olen = 0;

    if (secretbox_key(req->cfg->data_key, key) != 0 || strncmp(hexval, "\\x", 2) != 0)
        return FC_EINVAL;
    for (const char *p = hexval + 2; p[0] && p[1] && n < sizeof(raw); p += 2) {
        unsigned v;

        if (sscanf(p, "%2x", &v) != 1)
            return FC_EINVAL;
        raw[n++] = (unsigned char)v;
    }
    if (n < SECRETBOX_OVERHEAD || n - SECRETBOX_OVERHEAD >= cap)
        return FC_EINVAL;
    if (secretbox_open(key, req->user_id, raw, n, (unsigned char *)out, &olen) != 0)
        return FC_EINVAL;
    out[olen] = '\0';
    return 0;
}

struct sync_counts {
    int added, modified, removed;
};

/* Gives @p the category of the user's winning rule of @rs (rules.h) unless it is a
 * transfer; a rule to "transfer" makes it one. Returns 0 or the code of sql.h. */
static int apply_rule(struct api_req *req, const struct rules *rs, struct plaid_txn *p)
{
    const char *v[2] = {req->user_id, p->account_id};
    const struct rule *r;
    char account[37];
    int rc;

    if (rs->n == 0 || !rules_applies_to(p->type))
        return 0;
    rc = sql_text(req->pg,
                  "SELECT id FROM accounts WHERE user_id = $1::uuid AND plaid_account_id = $2", 2,
                  v, account, sizeof(account));
    if (rc == FC_ENOTFOUND) /* not an account of ours: the write skips it */
        return 0;
    if (rc)
        return rc;
    r = rules_match(rs, p->merchant, p->amount_minor, account);
    if (r) {
        snprintf(p->category, sizeof(p->category), "%s", r->category);
        if (strcmp(r->category, "transfer") == 0)
            snprintf(p->type, sizeof(p->type), "transfer");
    }
    return 0;
}

static int add_txn(struct api_req *req, const struct rules *rs, json_t *t, struct sync_counts *n)
{
    struct plaid_txn p;
    struct fraud_input in;
    struct fraud_result fr;
    char amt[24], score[16], posted[32], alert_id[37], *reasons_text;
    json_t *reasons;
    PGresult *res;
    int rc;

    if (plaid_map_txn(t, &p) != 0)
        return 0; /* a malformed row is skipped, not fatal to the sync */
    rc = apply_rule(req, rs, &p);
    if (rc)
        return rc;
    snprintf(posted, sizeof(posted), "%sT12:00:00Z", p.date);
    snprintf(amt, sizeof(amt), "%lld", (long long)p.amount_minor);
    rc = fraud_gather(req->pg, req->user_id, p.merchant, p.category, p.amount_minor, p.currency,
                      posted, &in);
    if (rc)
        return rc;
    in.has_time = false; /* Plaid gives dates, not times */
    fraud_score(&in, &fr);
    reasons = json_array();
    for (int k = 0; k < fr.nreasons; k++)
        json_array_append_new(reasons, json_string(fr.reasons[k]));
    reasons_text = json_dumps(reasons, JSON_COMPACT);
    json_decref(reasons);
    snprintf(score, sizeof(score), "%d", fr.score);
    {
        const char *v[11] = {req->user_id, p.account_id, posted,     amt,
                             p.currency,   p.merchant,   p.category, p.type,
                             score,        reasons_text, p.id};

        rc = sql_query(req->pg,
                       "INSERT INTO transactions (user_id, account_id, posted_at, amount_minor,"
                       " currency, merchant, description, category, type, fraud_score,"
                       " fraud_reasons, source, external_id) SELECT $1::uuid, a.id,"
                       " $3::timestamptz, $4::bigint, $5, $6, $6, $7, $8, $9::int, $10::jsonb,"
                       " 'plaid', $11 FROM accounts a WHERE a.user_id = $1::uuid AND"
                       " a.plaid_account_id = $2 ON CONFLICT (account_id, external_id) WHERE"
                       " external_id IS NOT NULL DO NOTHING RETURNING id",
                       11, v, &res);
    }
    if (!rc && PQntuples(res) == 1) {
        n->added++;
        rc = finance_alert_add(req->pg, req->user_id, PQgetvalue(res, 0, 0), fr.score, reasons_text,
                               alert_id);
    }
    PQclear(res);
    free(reasons_text);
    return rc;
}

/* Applies one /transactions/sync page. @locks caller's SQL transaction */
static int apply_page(struct api_req *req, const struct rules *rs, json_t *page,
                      struct sync_counts *n)
{
    size_t i;
    json_t *t;
    int rc;

    json_array_foreach(json_object_get(page, "added"), i, t)
    {
        rc = add_txn(req, rs, t, n);
        if (rc)
            return rc;
    }
    json_array_foreach(json_object_get(page, "modified"), i, t)
    {
        struct plaid_txn p;
        char amt[24], posted[32];
        int64_t count;

        if (plaid_map_txn(t, &p) != 0)
            continue;
        rc = apply_rule(req, rs, &p);
        if (rc)
            return rc;
        snprintf(amt, sizeof(amt), "%lld", (long long)p.amount_minor);
        snprintf(posted, sizeof(posted), "%sT12:00:00Z", p.date);
        {
            const char *v[7] = {req->user_id, p.id, amt, p.merchant, p.category, posted, p.type};

            rc = sql_exec(req->pg,
                          "UPDATE transactions SET amount_minor = $3::bigint, merchant = $4,"
                          " category = $5, posted_at = $6::timestamptz, type = $7"
                          " WHERE user_id = $1::uuid AND source = 'plaid' AND external_id = $2",
                          7, v, &count);
        }
        if (rc)
            return rc;
        n->modified += (int)count;
    }
    json_array_foreach(json_object_get(page, "removed"), i, t)
    {
        const char *id = json_string_value(json_object_get(t, "transaction_id"));
        int64_t count;

        if (!id)
            continue;
        {
            const char *v[2] = {req->user_id, id};

            rc = sql_exec(req->pg,
                          "DELETE FROM transactions WHERE user_id = $1::uuid AND source = 'plaid'"
                          " AND external_id = $2",
                          2, v, &count);
        }
        if (rc)
            return rc;
        n->removed += (int)count;
    }
    return 0;
}

/* Syncs one item to the end of its history; all or nothing. Returns 0, the code of a failed
 * Plaid call (with @err filled), or the code of sql.h (@err->code then ""). */
static int sync_item(struct api_req *req, const struct rules *rs, const char *item_row_id,
                     const char *access, const char *saved_cursor, struct sync_counts *n,
                     struct plaid_err *err)
{
    for (int attempt = 0; attempt <= SYNC_RESTARTS; attempt++) {
        struct sync_counts local = {0, 0, 0};
        char *cursor = xstrdup(saved_cursor);
        bool more = true, restart = false;
        int rc;

        err->code[0] = '\0';
        rc = sql_begin(req->pg);
        if (!rc)
            rc = finance_lock_user(req->pg, req->user_id);
        if (rc) {
            sql_rollback(req->pg);
            free(cursor);
            return rc;
        }
        while (more && !rc) {
            json_t *body = json_pack("{s:s,s:s,s:i}", "access_token", access, "cursor", cursor,
                                     "count", SYNC_PAGE),
                   *page = NULL;

            rc = plaid_call(req->cfg, "/transactions/sync", body, &page, err);
            json_decref(body);
            if (rc) {
                restart = strcmp(err->code, "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION") == 0;
                break;
            }
            rc = apply_page(req, rs, page, &local);
            if (!rc && json_is_string(json_object_get(page, "next_cursor"))) {
                free(cursor);
                cursor = xstrdup(json_string_value(json_object_get(page, "next_cursor")));
            }
            more = json_is_true(json_object_get(page, "has_more"));
            json_decref(page);
        }
        if (!rc) {
            const char *v[2] = {item_row_id, cursor};

            rc = sql_exec(req->pg, "UPDATE plaid_items SET cursor = $2 WHERE id = $1::uuid", 2, v,
                          NULL);
        }
        if (!rc) {
            json_t *body = json_pack("{s:s}", "access_token", access), *acc = NULL;

            rc = plaid_call(req->cfg, "/accounts/get", body, &acc, err);
            json_decref(body);
            if (!rc)
                rc = upsert_accounts(req, json_object_get(acc, "accounts"));
            json_decref(acc);
        }
        free(cursor);
        if (!rc)
            rc = sql_commit(req->pg);
        if (!rc) {
            n->added += local.added;
            n->modified += local.modified;
            n->removed += local.removed;
            return 0;
        }
        sql_rollback(req->pg);
        if (!restart)
            return rc;
        log_emit(LOG_INFO, req->request_id, NULL, NULL,
                 "plaid: transactions changed during pagination; restarting the sync");
    }
    return FC_EDEP;
}

static int h_sync(struct api_req *req, struct api_resp *resp)
{
    struct sync_counts n = {0, 0, 0};
    struct plaid_err err = {0, "", ""};
    const char *v[1] = {req->user_id};
    struct rules rs;
    PGresult *items;
    int rc, nitems;

    if (!plaid_configured(req->cfg))
        return disabled(resp);
    rules_init(&rs);
    rc = rules_load(req->pg, req->user_id, NULL, &rs);
    if (rc)
        return api_pg_fail(req, resp, rc);
    rc = sql_query(req->pg,
                   "SELECT id, access_token_enc, cursor FROM plaid_items WHERE user_id = $1::uuid"
                   " ORDER BY created_at",
                   1, v, &items);
    if (rc) {
        rules_release(&rs);
        return api_pg_fail(req, resp, rc);
    }
    nitems = PQntuples(items);
    for (int i = 0; i < nitems && !rc; i++) {
        char access[512];

        if (open_token(req, PQgetvalue(items, i, 1), access, sizeof(access)) != 0) {
            log_emit(LOG_ERROR, req->request_id, NULL, NULL,
                     "plaid: a stored access token does not open (wrong FINCHAT_DATA_KEY?)");
            rc = api_error(resp, 500, "internal", "a linked bank could not be read");
            break;
        }
        rc =
            sync_item(req, &rs, PQgetvalue(items, i, 0), access, PQgetvalue(items, i, 2), &n, &err);
        memset(access, 0, sizeof(access));
        if (rc && err.code[0])
            rc = plaid_fail(resp, rc, &err);
        else if (rc)
            rc = api_pg_fail(req, resp, rc);
    }
    PQclear(items);
    rules_release(&rs);
    if (rc)
        return rc;
    finance_changed(req);
    return api_json(resp, 200,
                    json_pack("{s:i,s:i,s:i,s:i}", "items", nitems, "added", n.added, "modified",
                              n.modified, "removed", n.removed));
}

const struct api_route plaid_routes[] = {
    {"POST", "/api/v1/plaid/link-token", h_link_token, 0},
    {"POST", "/api/v1/plaid/exchange", h_exchange, 0},
    {"POST", "/api/v1/plaid/sync", h_sync, 0},
    {NULL, NULL, NULL, 0},
};
