/* fx_api.c - exchange-rate handlers (see fx_api.h). */
#include "api-gateway/finance/fx_api.h"

#include "clock.h"
#include "err.h"
#include "money.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/ingest/ecbxml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows waiting to be stored: [{d, b, q, r, k, n}], n their order, k the minor-unit exponent of
 * quote minus that of base (minor_rate = r * 10^k). */
struct batch {
    json_t *rows;
    int64_t first, last; /* epoch days */
};

static void batch_add(struct batch *b, int64_t day, const char *base, const char *quote,
                      const char *rate)
{
    char d[16];

    finance_day_text(day, d, sizeof(d));
    if (json_array_size(b->rows) == 0 || day < b->first)
        b->first = day;
    if (json_array_size(b->rows) == 0 || day > b->last)
        b->last = day;
    json_array_append_new(b->rows,
                          json_pack("{s:s,s:s,s:s,s:s,s:i}", "d", d, "b", base, "q", quote, "r",
                                    rate, "k", money_minor_units(quote) - money_minor_units(base)));
}

/* Stores the batch (the last row of a (base, quote, day) wins) and marks every user's
 * totals stale, in one transaction. 0 or the code of sql.h. */
static int batch_store(PGconn *pg, struct batch *b, const char *source)
{
    char *text = json_dumps(b->rows, JSON_COMPACT);
    const char *vals[2] = {text, source};
    int rc = sql_begin(pg);

    if (!rc)
        rc = sql_exec(
            pg,
            "INSERT INTO fx_rates (day, base, quote, rate, minor_rate, source)"
            " SELECT DISTINCT ON (r.b, r.q, r.d) r.d, r.b, r.q, r.r::numeric,"
            "  r.r::numeric * power(10::numeric, r.k), $2"
            " FROM json_to_recordset($1::json) AS r(d date, b text, q text,"
            "  r text, k int, n bigint) ORDER BY r.b, r.q, r.d, r.n DESC"
            " ON CONFLICT (base, quote, day) DO UPDATE SET rate = excluded.rate,"
            "  minor_rate = excluded.minor_rate, source = excluded.source, updated_at = now()",
            2, vals, NULL);
    /* Every total in another currency may change: dashboards are recomputed, and a context
     * document already built is rebuilt before its user's next question (chat.c). */
    if (!rc)
        rc = sql_exec(pg,
                      "UPDATE users SET data_version = data_version + 1,"
                      " context_day = CASE WHEN context_day IS NULL THEN NULL"
                      " ELSE date '1970-01-01' END",
                      0, NULL, NULL);
    if (!rc)
        rc = sql_commit(pg);
    if (rc)
        sql_rollback(pg);
    free(text);
    return rc;
}

static int stored_answer(struct api_req *req, struct api_resp *resp, struct batch *b,
                         const char *source)
{
    char first[16], last[16];
    int rc = batch_store(req->pg, b, source);
    size_t n = json_array_size(b->rows);

    json_decref(b->rows);
    if (rc)
        return api_pg_fail(req, resp, rc);
    finance_changed(req);
    finance_day_text(b->first, first, sizeof(first));
    finance_day_text(b->last, last, sizeof(last));
    return api_json(resp, 200,
                    json_pack("{s:I,s:s,s:s}", "stored", (json_int_t)n, "from", first, "to", last));
}

/* Checks @code of field @name: an ISO 4217 code of common/money.h. 0 or the api_error(). */
static int check_code(struct api_resp *resp, const char *name, const char *code)
{
    if (!code || !money_currency_find(code))
        return api_error(resp, 400, "invalid_field", "%s must be an ISO 4217 currency code", name);
    return 0;
}

/* Reads the date of @s (field @name) into @day. 0 or the api_error(). */
static int check_date(struct api_resp *resp, const char *name, const char *s, int64_t *day)
{
    if (!s || finance_parse_date(s, day) != 0)
        return api_error(resp, 400, "invalid_field", "%s must be a real date YYYY-MM-DD", name);
    return 0;
}

/* Adds the rates object of a PUT body to @b. 0 or the api_error(). */
static int read_rates(struct api_resp *resp, json_t *rates, int64_t day, const char *base,
                      struct batch *b)
{
    const char *quote;
    json_t *v;

    if (!json_is_object(rates) || json_object_size(rates) == 0 ||
        json_object_size(rates) > FX_PUT_MAX)
        return api_error(resp, 400, "invalid_field",
                         "rates must be an object of 1 to %d currency: rate pairs", FX_PUT_MAX);
    json_object_foreach(rates, quote, v)
    {
        double r = json_number_value(v);
        char text[40];

        if (!money_currency_find(quote) || strcmp(quote, base) == 0)
            return api_error(resp, 400, "invalid_field",
                             "rates.%.8s: not an ISO 4217 code other than the base", quote);
        if (!json_is_number(v) || !isfinite(r) || r <= 0 || r > FX_RATE_MAX)
            return api_error(resp, 400, "invalid_field",
                             "rates.%s must be a positive number up to %.0f", quote, FX_RATE_MAX);
        snprintf(text, sizeof(text), "%.12g", r);
        batch_add(b, day, base, quote, text);
    }
    return 0;
}

static int h_put(struct api_req *req, struct api_resp *resp)
{
    json_t *body = req->body;
    const char *base = json_string_value(json_object_get(body, "base"));
    struct batch b = {0};
    int64_t day;
    int rc;

    if (!json_is_object(body))
        return api_error(resp, 400, "invalid_field", "body must be a JSON object");
    rc = check_date(resp, "date", json_string_value(json_object_get(body, "date")), &day);
    if (!rc)
        rc = check_code(resp, "base", base);
    if (rc)
        return rc;
    b.rows = json_array();
    rc = read_rates(resp, json_object_get(body, "rates"), day, base, &b);
    if (rc) {
        json_decref(b.rows);
        return rc;
    }
    return stored_answer(req, resp, &b, "manual");
}

static int on_ecb_rate(void *ctx, int64_t day, const char *currency, const char *rate)
{
    batch_add(ctx, day, "EUR", currency, rate);
    return 0;
}

static int h_import(struct api_req *req, struct api_resp *resp)
{
    struct batch b = {0};
    char err[160];
    int n;

    b.rows = json_array();
    n = ecbxml_parse(req->raw_body, req->raw_body ? req->raw_len : 0, on_ecb_rate, &b, err,
                     sizeof(err));
    if (n < 0) {
        json_decref(b.rows);
        return api_error(resp, 400, "invalid_field", "body: %s", err);
    }
    return stored_answer(req, resp, &b, "ecb");
}

static int h_get(struct api_req *req, struct api_resp *resp)
{
    const char *base = api_query(req, "base"), *date = api_query(req, "date");
    char today[16];
    const char *vals[2];
    json_t *rates, *days;
    PGresult *res;
    int64_t day;
    int rc;

    if (!base)
        base = "EUR";
    if (!date) {
        finance_day_text(clock_wall_ms() / 86400000, today, sizeof(today));
        date = today;
    }
    rc = check_code(resp, "base", base);
    if (!rc)
        rc = check_date(resp, "date", date, &day);
    if (rc)
        return rc;
    vals[0] = base;
    vals[1] = date;
    rc = sql_query(req->pg,
                   "SELECT DISTINCT ON (quote) quote, rate::text, to_char(day, 'YYYY-MM-DD')"
                   " FROM fx_rates WHERE base = $1 AND day <= $2::date ORDER BY quote, day DESC",
                   2, vals, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    rates = json_object();
    days = json_object();
    for (int i = 0; i < PQntuples(res); i++) {
        json_object_set_new(rates, PQgetvalue(res, i, 0),
                            json_real(strtod(PQgetvalue(res, i, 1), NULL)));
        json_object_set_new(days, PQgetvalue(res, i, 0), json_string(PQgetvalue(res, i, 2)));
    }
    PQclear(res);
    return api_json(
        resp, 200,
        json_pack("{s:s,s:s,s:o,s:o}", "date", date, "base", base, "rates", rates, "days", days));
}

const struct api_route fx_routes[] = {
    {"GET", "/api/v1/fx-rates", h_get, 0},
    {"PUT", "/api/v1/fx-rates", h_put, 0},
    {"POST", "/api/v1/fx-rates/import", h_import, ROUTE_IMPORT},
    {NULL, NULL, NULL, 0},
};
