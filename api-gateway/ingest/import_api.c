/* finance_import.c - POST /api/v1/imports: a CSV or OFX statement into one account.
 *
 * The body is parsed by importer.c; the valid rows go in with one INSERT in one transaction
 * (all or nothing), rows whose external_id the account already has are counted as
 * duplicates, and the new rows are fraud-scored in posted order against the user's history
 * (the amount rule only: statements carry booking dates, not times of day). */
#include "api-gateway/finance/finance_api.h"

#include "err.h"
#include "log.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/finance_query.h"
#include "api-gateway/finance/fraud.h"
#include "api-gateway/ingest/importer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsed rows as a JSON array for json_to_recordset. */
static char *rows_json(const struct import_result *r)
{
    json_t *arr = json_array();
    char *text;

    for (size_t i = 0; i < r->nrows; i++) {
        const struct import_row *row = &r->rows[i];
        const char *cat = row->category           ? row->category
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

/* Inserts the rows in one transaction; fills *@added. Returns 0 or the api_error() code. */
static int import_rows(struct api_req *req, struct api_resp *resp, const char *account_id,
                       const struct import_result *r, int *added)
{
    struct fraud_hist *h = fraud_hist_new();
    char cur[4], *rows = NULL, *flagged = NULL;
    PGresult *res = NULL;
    int64_t sum = 0;
    int nflagged = 0, rc;

    *added = 0;
    if (finance_tx(req->pg, "BEGIN") != 0) {
        fraud_hist_free(h);
        return finance_db_error(req, resp);
    }
    rc = finance_lock_user(req->pg, req->user_id) ? finance_db_error(req, resp) : 0;
    if (!rc)
        rc = finance_own_account(req, resp, "account_id", account_id, true, cur);
    if (!rc && r->nrows == 0)
        goto out_commit;
    if (!rc && fraud_hist_load(h, req->pg, req->user_id) != 0)
        rc = finance_db_error(req, resp);
    if (rc)
        goto out_rollback;
    rows = rows_json(r);
    {
        const char *vals[4] = {req->user_id, account_id, cur, rows};

        res = finance_sql(
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
            4, vals);
    }
    if (!res) {
        rc = finance_db_error(req, resp);
        goto out_rollback;
    }
    *added = PQntuples(res);
    for (int i = 0; i < *added; i++)
        sum += strtoll(PQgetvalue(res, i, 3), NULL, 10);
    flagged = score_rows(res, h, cur, &nflagged);
    PQclear(res);
    res = NULL;
    if (flagged) {
        const char *vals[2] = {req->user_id, flagged};

        res = finance_sql(
            req->pg,
            "WITH f AS (SELECT * FROM json_to_recordset($2::json) AS r(id uuid, score int,"
            "  level text, reasons jsonb)),"
            " u AS (UPDATE transactions t SET fraud_score = f.score, fraud_reasons = f.reasons"
            "  FROM f WHERE t.id = f.id)"
            " INSERT INTO fraud_alerts (user_id, transaction_id, score, level, reasons)"
            " SELECT $1, f.id, f.score, f.level, f.reasons FROM f",
            2, vals);
        if (!res) {
            rc = finance_db_error(req, resp);
            goto out_rollback;
        }
        PQclear(res);
        log_emit(LOG_WARN, req->request_id, NULL, NULL, "fraud: import flagged %d transactions",
                 nflagged);
    }
    if (finance_adjust_balance(req->pg, account_id, sum) != 0) {
        rc = finance_db_error(req, resp);
        goto out_rollback;
    }
out_commit:
    if (finance_tx(req->pg, "COMMIT") != 0) {
        rc = finance_db_error(req, resp);
        goto out_rollback;
    }
    goto out_free;
out_rollback:
    finance_tx(req->pg, "ROLLBACK");
    *added = 0;
out_free:
    free(rows);
    free(flagged);
    fraud_hist_free(h);
    return rc;
}

int finance_import_post(struct api_req *req, struct api_resp *resp)
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
