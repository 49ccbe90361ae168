/* rules_api.c - GET/POST /rules, DELETE /rules/{id}, POST /rules/{id}/apply (rules_api.h). */
#include "api-gateway/finance/rules_api.h"

#include "err.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERCHANT_MAX 120 /* code points, as for transactions */
#define CATEGORY_MAX 64
#define AMOUNT_MAX 10000000000000LL

#define RULE_COLS                                                                                  \
    "id, merchant, match, category, min_minor, max_minor, account_id,"                             \
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static json_t *opt_int_json(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null()
                                      : json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static json_t *rule_json(PGresult *res, int row)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s}", "id", PQgetvalue(res, row, 0), "merchant",
                     PQgetvalue(res, row, 1), "match", PQgetvalue(res, row, 2), "category",
                     PQgetvalue(res, row, 3), "min_minor", opt_int_json(res, row, 4), "max_minor",
                     opt_int_json(res, row, 5), "account_id",
                     PQgetisnull(res, row, 6) ? json_null() : json_string(PQgetvalue(res, row, 6)),
                     "created_at", PQgetvalue(res, row, 7));
}

static int h_list(struct api_req *req, struct api_resp *resp)
{
    const char *v[1] = {req->user_id};
    json_t *items;
    PGresult *res;
    int rc;

    rc = sql_query(req->pg,
                   "SELECT " RULE_COLS " FROM categorization_rules WHERE user_id = $1::uuid"
                   " ORDER BY seq",
                   1, v, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(items, rule_json(res, i));
    PQclear(res);
    return api_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* The validated body of POST /rules; the texts point into the body or into @category. */
struct new_rule {
    const char *merchant, *match, *account_id;
    char category[CATEGORY_MAX * 4 + 1];
    const char *cat; /* within category */
    char min[24], max[24];
    bool has_min, has_max;
};

/* Reads the optional magnitude @name of @body into @out (decimal text) and *@val; *@has
 * tells whether it was given. Returns 0 or the api_error() code. */
static int read_bound(struct api_resp *resp, json_t *body, const char *name, char out[24],
                      bool *has, int64_t *val)
{
    json_t *v = json_object_get(body, name);

    *has = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > AMOUNT_MAX)
        return api_error(resp, 400, "invalid_field",
                         "%s must be an integer between 0 and %lld (a magnitude in minor units)",
                         name, AMOUNT_MAX);
    *val = json_integer_value(v);
    snprintf(out, 24, "%lld", (long long)*val);
    *has = true;
    return 0;
}

/* Validates the body of POST /rules into @r (the account's existence aside). Returns 0 or
 * the api_error() code. */
static int read_rule(struct api_req *req, struct api_resp *resp, struct new_rule *r)
{
    int64_t lo = 0, hi = 0;
    const char *cat;
    int rc;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(req->body))
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    rc = finance_opt_string(resp, req->body, "merchant", MERCHANT_MAX, true, &r->merchant);
    if (!rc && !r->merchant)
        rc = api_error(resp, 400, "invalid_field", "merchant is required");
    if (!rc)
        rc = finance_opt_string(resp, req->body, "match", 16, true, &r->match);
    if (!rc && !r->match)
        r->match = "equals";
    if (!rc && strcmp(r->match, "equals") != 0 && strcmp(r->match, "contains") != 0)
        rc = api_error(resp, 400, "invalid_field", "match must be equals or contains");
    if (!rc)
        rc = finance_opt_string(resp, req->body, "category", CATEGORY_MAX, true, &cat);
    if (!rc && !cat)
        rc = api_error(resp, 400, "invalid_field", "category is required");
    if (!rc)
        rc = read_bound(resp, req->body, "min_minor", r->min, &r->has_min, &lo);
    if (!rc)
        rc = read_bound(resp, req->body, "max_minor", r->max, &r->has_max, &hi);
    if (!rc && r->has_min && r->has_max && lo > hi)
        rc = api_error(resp, 400, "invalid_field", "min_minor must not exceed max_minor");
    if (!rc)
        rc = finance_opt_string(resp, req->body, "account_id", 36, true, &r->account_id);
    if (!rc && r->account_id && !uuid_valid(r->account_id))
        rc = api_error(resp, 400, "invalid_field", "account_id must be a UUID");
    if (rc)
        return rc;
    snprintf(r->category, sizeof(r->category), "%s", cat);
    r->cat = finance_norm_category(r->category);
    return 0;
}

/* Inserts @r in one transaction, under the user's lock (the RULES_MAX count). Fills *@res
 * with the new row. Returns 0 or the api_error() code. */
static int insert_rule(struct api_req *req, struct api_resp *resp, const struct new_rule *r,
                       PGresult **res)
{
    const char *v[7] = {req->user_id,
                        r->merchant,
                        r->match,
                        r->cat,
                        r->has_min ? r->min : NULL,
                        r->has_max ? r->max : NULL,
                        r->account_id};
    char cur[4];
    int64_t count = 0;
    int rc;

    *res = NULL;
    rc = sql_begin(req->pg);
    if (!rc)
        rc = finance_lock_user(req->pg, req->user_id);
    if (!rc)
        rc =
            sql_int64(req->pg, "SELECT count(*) FROM categorization_rules WHERE user_id = $1::uuid",
                      1, v, &count);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out_rollback;
    }
    if (count >= RULES_MAX) {
        rc = api_error(resp, 400, "invalid_field", "a user holds at most %d rules; delete one",
                       RULES_MAX);
        goto out_rollback;
    }
    if (r->account_id) {
        rc = finance_own_account(req, resp, "account_id", r->account_id, false, cur);
        if (rc)
            goto out_rollback;
    }
    rc = sql_query(req->pg,
                   "INSERT INTO categorization_rules (user_id, merchant, match, category,"
                   " min_minor, max_minor, account_id) VALUES ($1::uuid, trim($2), $3, $4,"
                   " $5::bigint, $6::bigint, $7::uuid) RETURNING " RULE_COLS,
                   7, v, res);
    if (!rc)
        rc = sql_commit(req->pg);
    if (!rc)
        return 0;
    PQclear(*res);
    *res = NULL;
    rc = api_pg_fail(req, resp, rc);
out_rollback:
    sql_rollback(req->pg);
    return rc;
}

static int h_create(struct api_req *req, struct api_resp *resp)
{
    struct new_rule r;
    PGresult *res;
    json_t *rule;
    int rc;

    rc = read_rule(req, resp, &r);
    if (!rc)
        rc = insert_rule(req, resp, &r, &res);
    if (rc)
        return rc;
    rule = rule_json(res, 0);
    PQclear(res);
    finance_changed(req);
    return api_json(resp, 201, rule);
}

static int h_delete(struct api_req *req, struct api_resp *resp)
{
    const char *id = req->nparams > 0 ? req->params[0] : "";
    const char *v[2] = {req->user_id, id};
    int64_t n = 0;
    int rc;

    if (!uuid_valid(id))
        return api_error(resp, 404, "not_found", "rule not found");
    rc = sql_exec(req->pg,
                  "DELETE FROM categorization_rules WHERE user_id = $1::uuid AND id = $2::uuid", 2,
                  v, &n);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (n == 0)
        return api_error(resp, 404, "not_found", "rule not found");
    finance_changed(req);
    resp->status = 204;
    return 0;
}

/* The ids (a PostgreSQL array literal) of @res's rows (id, merchant, amount_minor,
 * account_id) that @rs matches; *@n receives their count. Caller frees. */
static char *matching_ids(PGresult *res, const struct rules *rs, int64_t *n)
{
    size_t cap = 3 + (size_t)PQntuples(res) * 37, len = 0;
    char *ids = xmalloc(cap);

    *n = 0;
    ids[len++] = '{';
    for (int i = 0; i < PQntuples(res); i++) {
        if (!rules_match(rs, PQgetvalue(res, i, 1), strtoll(PQgetvalue(res, i, 2), NULL, 10),
                         PQgetvalue(res, i, 3)))
            continue;
        len += (size_t)snprintf(ids + len, cap - len, "%s%s", *n ? "," : "", PQgetvalue(res, i, 0));
        (*n)++;
    }
    snprintf(ids + len, cap - len, "}");
    return ids;
}

/* Recategorises the user's past transactions that the one rule of @rs matches, in one
 * transaction under the user's lock. Fills *@updated. Returns 0 or the code of sql.h. */
static int apply_rule(struct api_req *req, const struct rules *rs, int64_t *updated)
{
    const struct rule *rule = &rs->v[0];
    const char *v[3] = {req->user_id, rule->category, NULL};
    PGresult *res = NULL;
    char *ids = NULL;
    int64_t n = 0;
    int rc;

    *updated = 0;
    rc = sql_begin(req->pg);
    if (!rc)
        rc = finance_lock_user(req->pg, req->user_id);
    if (!rc)
        rc = sql_query(req->pg,
                       "SELECT id, merchant, amount_minor, account_id FROM transactions"
                       " WHERE user_id = $1::uuid AND type <> 'transfer' AND category <> $2",
                       2, v, &res);
    if (!rc) {
        ids = matching_ids(res, rs, &n);
        PQclear(res);
        v[2] = ids;
    }
    if (!rc && n > 0)
        rc = sql_exec(req->pg,
                      "UPDATE transactions SET category = $2, type = CASE WHEN $2 = 'transfer'"
                      " THEN 'transfer' ELSE type END WHERE user_id = $1::uuid"
                      " AND id = ANY($3::uuid[])",
                      3, v, updated);
    free(ids);
    if (!rc)
        rc = sql_commit(req->pg);
    if (rc) {
        sql_rollback(req->pg);
        *updated = 0;
    }
    return rc;
}

static int h_apply(struct api_req *req, struct api_resp *resp)
{
    const char *id = req->nparams > 0 ? req->params[0] : "";
    struct rules rs;
    int64_t updated = 0;
    int rc;

    if (!uuid_valid(id))
        return api_error(resp, 404, "not_found", "rule not found");
    rules_init(&rs);
    rc = rules_load(req->pg, req->user_id, id, &rs);
    if (!rc && rs.n == 0) {
        rules_release(&rs);
        return api_error(resp, 404, "not_found", "rule not found");
    }
    if (!rc)
        rc = apply_rule(req, &rs, &updated);
    rules_release(&rs);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (updated > 0)
        finance_changed(req);
    return api_json(resp, 200, json_pack("{s:I}", "updated", (json_int_t)updated));
}

const struct api_route rules_routes[] = {
    {"GET", "/api/v1/rules", h_list, 0},
    {"POST", "/api/v1/rules", h_create, 0},
    {"DELETE", "/api/v1/rules/{id}", h_delete, 0},
    {"POST", "/api/v1/rules/{id}/apply", h_apply, 0},
    {NULL, NULL, NULL, 0},
};
