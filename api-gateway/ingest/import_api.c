/* import_api.c - POST /api/v1/imports: parse, insert once, count duplicates, score. */
#include "api-gateway/ingest/import_api.h"

#include "api-gateway/finance/finance_api.h"

#include "err.h"
#include "log.h"
#include "money.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/finance_query.h"
#include "api-gateway/finance/fraud.h"
#include "api-gateway/finance/rules.h"
#include "api-gateway/ingest/importer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsed rows as a JSON array for json_to_recordset. A row that is not a transfer takes
 * the category of the winning rule of @rs (rules.h) over the file's own. */
static char *rows_json(const struct import_result *r, const struct rules *rs,
                       const char *account_id)
{
    json_t *arr = json_array();
    char *text;

    for (size_t i = 0; i < r->nrows; i++) {
        const struct import_row *row = &r->rows[i];
        bool transfer = row->transfer || (row->category && strcmp(row->category, "transfer") == 0);
        const struct rule *rule =
            transfer ? NULL : rules_match(rs, row->merchant, row->amount_minor, account_id);
        const char *cat = rule                    ? rule->category
                          : row->category         ? row->category
                          : row->amount_minor > 0 ? "income"
                                                  : "uncategorized";
        const char *type = row->transfer || strcmp(cat, "transfer") == 0 ? "transfer"
                           : row->amount_minor > 0                       ? "income"
                                                                         : "expense";

        json_array_append_new(
            arr, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "day", (json_int_t)row->day, "amount",
                           (json_int_t)row->amount_minor, "merchant", row->merchant, "description",
                           row->description, "category", cat, "type", type, "external_id",
                           row->external_id));
    }
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* Scores the inserted rows of @res (id, external_id, day, amount, merchant, category, type, in
 * posted order) against @h; returns the flagged ones as JSON text for the alert statement,
 * or NULL when none was flagged. */
static char *score_rows(PGresult *res, struct fraud_hist *h, const char *currency, int *nflagged)
{
    json_t *flagged = json_array();
    char *text = NULL;

    *nflagged = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *merchant = PQgetvalue(res, i, 4), *category = PQgetvalue(res, i, 5);
        int64_t day = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        int64_t amount = strtoll(PQgetvalue(res, i, 3), NULL, 10);
        struct fraud_input in;
        struct fraud_result fr;
        json_t *reasons;

        fraud_hist_input(h, merchant, category, amount, currency, day * 86400 + 43200, false, 0,
                         &in);
        fraud_score(&in, &fr);
        if (strcmp(PQgetvalue(res, i, 6), "transfer") == 0)
            fr.score = 0;
        fraud_hist_learn(h, merchant, category, amount, day * 86400 + 43200);
        if (!fraud_level(fr.score))
            continue;
        reasons = json_array();
        for (int k = 0; k < fr.nreasons; k++)
            json_array_append_new(reasons, json_string(fr.reasons[k]));
        json_array_append_new(flagged, json_pack("{s:s,s:i,s:s,s:o}", "id", PQgetvalue(res, i, 0),
                                                 "score", fr.score, "level", fraud_level(fr.score),
                                                 "reasons", reasons));
        (*nflagged)++;
    }
    if (*nflagged)
        text = json_dumps(flagged, JSON_COMPACT);
    json_decref(flagged);
    return text;
}

/* The importer reads amounts in hundredths (at most two decimals). Converts the rows of @r to
 * minor units of the account's currency @cur: x10 for KWD, /100 for JPY when exact. Returns
 * 0, or a 400 naming the first line whose amount has more decimals than @cur has. */
static int rows_to_currency(struct api_resp *resp, struct import_result *r, const char *cur)
{
    int units = money_minor_units(cur);

    if (units < 0)
        return api_error(resp, 400, "invalid_field",
                         "account_id: the account's currency %s is not an ISO 4217 code", cur);
    for (size_t i = 0; i < r->nrows; i++) {
        int64_t *a = &r->rows[i].amount_minor;

        for (int u = 2; u < units; u++)
            *a *= 10;
        for (int u = 2; u > units; u--) {
            if (*a % 10 != 0)
                return api_error(resp, 400, "invalid_field",
                                 "line %d: the amount has more decimals than %s has (%d)",
                                 r->rows[i].line, cur, units);
            *a /= 10;
        }
    }
    return 0;
}

/* Inserts the rows of @r into @account_id (currency @cur), records the alerts of the rows the
 * fraud rules flag and the balance change, inside the caller's transaction; fills *@added.
 * Returns 0 or the code of sql.h. */
static int write_rows(struct api_req *req, const char *account_id, const char *cur,
                      const struct import_result *r, const struct rules *rs, struct fraud_hist *h,
                      int *added)
{
    char *rows = rows_json(r, rs, account_id), *flagged;
    const char *vals[4] = {req->user_id, account_id, cur, rows};
    PGresult *res;
    int64_t sum = 0;
    int nflagged = 0, rc;

    rc = sql_query(
        req->pg,
        "WITH ins AS (INSERT INTO transactions (user_id, account_id, posted_at, amount_minor,"
        " currency, merchant, description, category, type, source, external_id)"
        " SELECT $1, $2::uuid, 'epoch'::timestamptz + r.day * interval '1 day'"
        " + interval '12 hours', r.amount, $3, r.merchant, r.description, r.category, r.type,"
        " 'import', r.external_id FROM json_to_recordset($4::json) AS r(day bigint,"
        " amount bigint, merchant text, description text, category text, type text,"
        " external_id text)"
        " ON CONFLICT (account_id, external_id) WHERE external_id IS NOT NULL DO NOTHING"
        " RETURNING id, external_id, posted_at, amount_minor, merchant, category, type)"
        " SELECT id, external_id, (posted_at AT TIME ZONE 'UTC')::date - date '1970-01-01',"
        " amount_minor, merchant, category, type FROM ins ORDER BY posted_at, external_id",
        4, vals, &res);
    free(rows);
    if (rc)
        return rc;
    *added = PQntuples(res);
    for (int i = 0; i < *added; i++)
        sum += strtoll(PQgetvalue(res, i, 3), NULL, 10);
    flagged = score_rows(res, h, cur, &nflagged);
    PQclear(res);
    if (flagged) {
        const char *fvals[2] = {req->user_id, flagged};

        rc = sql_exec(
            req->pg,
            "WITH f AS (SELECT * FROM json_to_recordset($2::json) AS r(id uuid, score int,"
            "  level text, reasons jsonb)),"
            " u AS (UPDATE transactions t SET fraud_score = f.score, fraud_reasons = f.reasons"
            "  FROM f WHERE t.id = f.id)"
            " INSERT INTO fraud_alerts (user_id, transaction_id, score, level, reasons)"
            " SELECT $1, f.id, f.score, f.level, f.reasons FROM f",
            2, fvals, NULL);
        free(flagged);
        if (!rc)
            log_emit(LOG_WARN, req->request_id, NULL, NULL, "fraud: import flagged %d transactions",
                     nflagged);
    }
    return rc ? rc : finance_adjust_balance(req->pg, account_id, sum);
}

/* Inserts the rows in one transaction; fills *@added. Returns 0 or the api_error() code. */
static int import_rows(struct api_req *req, struct api_resp *resp, const char *account_id,
                       struct import_result *r, int *added)
{
    struct fraud_hist *h = fraud_hist_new();
    struct rules rs;
    char cur[4];
    int rc;

    *added = 0;
    rules_init(&rs);
    rc = finance_begin_on_account(req, resp, "account_id", account_id, cur);
    if (!rc)
        rc = rows_to_currency(resp, r, cur);
    if (rc)
        goto out_rollback;
    if (r->nrows > 0)
        rc = fraud_hist_load(h, req->pg, req->user_id);
    if (!rc && r->nrows > 0)
        rc = rules_load(req->pg, req->user_id, NULL, &rs);
    if (!rc && r->nrows > 0)
        rc = write_rows(req, account_id, cur, r, &rs, h, added);
    if (!rc)
        rc = sql_commit(req->pg);
    if (!rc)
        goto out_free;
    rc = api_pg_fail(req, resp, rc);
out_rollback:
    sql_rollback(req->pg);
    *added = 0;
out_free:
    rules_release(&rs);
    fraud_hist_free(h);
    return rc;
}

static int import_post(struct api_req *req, struct api_resp *resp)
{
    const char *account_id = api_query(req, "account_id");
    struct import_result r;
    enum import_format fmt;
    char err[160];
    json_t *rejected;
    int added = 0, rc;

    if (!account_id || !*account_id)
        return api_error(resp, 400, "invalid_field", "account_id is required");
    if (!uuid_valid(account_id))
        return api_error(resp, 400, "invalid_field", "account_id must be a UUID");
    if (importer_detect(req->content_type ? req->content_type : "", req->raw_body, req->raw_len,
                        &fmt) != 0)
        return api_error(resp, 415, "unsupported_media_type", "send text/csv or application/x-ofx");
    if (!req->raw_body || req->raw_len == 0)
        return api_error(resp, 400, "invalid_field", "body: the upload is empty");
    if (importer_parse(fmt, req->raw_body, req->raw_len, &r, err, sizeof(err)) != 0)
        return api_error(resp, 400, "invalid_field", "%s", err);
    rc = import_rows(req, resp, account_id, &r, &added);
    if (rc) {
        importer_result_release(&r);
        return rc;
    }
    rejected = json_array();
    for (size_t i = 0; i < r.nrejects; i++)
        json_array_append_new(rejected, json_pack("{s:i,s:s}", "line", r.rejects[i].line, "reason",
                                                  r.rejects[i].reason));
    log_emit(LOG_INFO, req->request_id, NULL, NULL,
             "import: %s rows %zu added %d duplicates %zu rejected %zu",
             fmt == IMPORT_OFX ? "ofx" : "csv", r.nrows, added, r.nrows - (size_t)added,
             r.nrejects);
    rc = api_json(resp, 200,
                  json_pack("{s:i,s:i,s:o}", "added", added, "duplicates", (int)r.nrows - added,
                            "rejected", rejected));
    importer_result_release(&r);
    if (added > 0)
        finance_changed(req);
    return rc;
}

const struct api_route import_routes[] = {
    {"POST", "/api/v1/imports", import_post, ROUTE_IMPORT},
    {NULL, NULL, NULL, 0},
};
