/* finance.c - the finance API handlers and their route table (see finance.h). */
#include "api-gateway/finance/finance_api.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include "period.h"
#include "uuid.h"
#include "utf8.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/context.h"
#include "api-gateway/finance/dashcache.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/finance/finance_query.h"
#include "api-gateway/finance/forecast.h"
#include "api-gateway/finance/fraud.h"
#include "api-gateway/finance/rules.h"
#include "api-gateway/http/cursor.h"
#include "api-gateway/http/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMOUNT_MAX 10000000000000LL  /* 1e13 minor units per transaction */
#define LIMIT_MAX 1000000000000000LL /* 1e15 minor units for budgets and filters */
#define MERCHANT_MAX 120             /* code points */
#define CATEGORY_MAX 64
#define TEXT_MAX 500
#define Q_MAX 200

static const char *const sorts[] = {"date_desc", "date_asc", "amount_desc", "amount_asc"};

int64_t finance_changed(struct api_req *req)
{
    const char *vals[1] = {req->user_id};
    int64_t version;
    int rc;

    /* Cached dashboards of this user, on every gateway, and the context documents workers
     * cached, are stale from here on. */
    if (sql_int64(req->pg,
                  "UPDATE users SET data_version = data_version + 1 WHERE id = "
                  "$1::uuid RETURNING data_version",
                  1, vals, &version) != 0)
        version = -1;
    rc = context_rebuild(req->pg, req->mongo, req->mongo_db, req->user_id);

    if (rc)
        log_emit(LOG_WARN, req->request_id, NULL, NULL,
                 "finance: context rebuild failed (%s); the next change retries", err_str(rc));
    return version;
}

int finance_db_error(struct api_req *req, struct api_resp *resp)
{
    return api_pg_fail(req, resp, PQstatus(req->pg) == CONNECTION_OK ? FC_EIO : FC_EDEP);
}

int finance_own_account(struct api_req *req, struct api_resp *resp, const char *field,
                        const char *account_id, bool lock, char cur[4])
{
    const char *vals[2] = {req->user_id, account_id};
    int rc;

    if (!uuid_valid(account_id))
        return api_error(resp, 400, "invalid_field", "%s must be a UUID", field);
    rc = sql_text(req->pg,
                  lock ? "SELECT currency FROM accounts WHERE user_id = $1 AND id = $2::uuid"
                         " FOR UPDATE"
                       : "SELECT currency FROM accounts WHERE user_id = $1 AND id = $2::uuid",
                  2, vals, cur, 4);
    if (rc == FC_ENOTFOUND)
        return api_error(resp, 404, "not_found", "account not found");
    return rc ? api_pg_fail(req, resp, rc) : 0;
}

int finance_begin_on_account(struct api_req *req, struct api_resp *resp, const char *field,
                             const char *account_id, char cur[4])
{
    int rc = sql_begin(req->pg);

    if (!rc)
        rc = finance_lock_user(req->pg, req->user_id);
    if (rc)
        return api_pg_fail(req, resp, rc);
    return finance_own_account(req, resp, field, account_id, true, cur);
}

/* ---- small validators ---- */

/* Checks the text @s of field @name: valid UTF-8, no control characters, at most @max code
 * points, and non-blank when @need_text. Returns 0 or the api_error() code. */
static int check_text(struct api_resp *resp, const char *name, const char *s, size_t max,
                      bool need_text)
{
    size_t n = strlen(s);

    if (!utf8_valid(s, n))
        return api_error(resp, 400, "invalid_field", "%s must be valid UTF-8", name);
    if (finance_has_ctrl(s))
        return api_error(resp, 400, "invalid_field", "%s must not contain control characters",
                         name);
    if (utf8_count(s, n) > max)
        return api_error(resp, 400, "invalid_field", "%s must be at most %zu characters", name,
                         max);
    if (need_text && strspn(s, " ") == n)
        return api_error(resp, 400, "invalid_field", "%s must not be empty", name);
    return 0;
}

/* Reads optional string field @name of @body into *@out (NULL when absent or null).
 * Returns 0 or the api_error() code. */
static int opt_string(struct api_resp *resp, json_t *body, const char *name, size_t max,
                      bool need_text, const char **out)
{
    json_t *v = json_object_get(body, name);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return api_error(resp, 400, "invalid_field", "%s must be a string", name);
    if (json_string_length(v) != strlen(json_string_value(v)))
        return api_error(resp, 400, "invalid_field", "%s must not contain NUL characters", name);
    *out = json_string_value(v);
    return check_text(resp, name, *out, max, need_text);
}

/* Lower-cases ASCII letters of a category in place and trims spaces; returns @s. */
static char *norm_category(char *s)
{
    size_t n;

    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s + strspn(s, " ");
}

int finance_opt_string(struct api_resp *resp, json_t *body, const char *name, size_t max,
                       bool need_text, const char **out)
{
    return opt_string(resp, body, name, max, need_text, out);
}

char *finance_norm_category(char *s)
{
    return norm_category(s);
}

static int require_object(struct api_req *req, struct api_resp *resp)
{
    if (!json_is_object(req->body))
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    return 0;
}

/* Reads an optional percentage @name in [@lo, @hi] (a JSON number) as basis points. */
static int opt_bp(struct api_resp *resp, json_t *body, const char *name, double lo, double hi,
                  int *bp)
{
    json_t *v = json_object_get(body, name);
    double d;

    *bp = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return api_error(resp, 400, "invalid_field", "%s must be a number", name);
    d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi)
        return api_error(resp, 400, "invalid_field", "%s must be between %g and %g", name, lo, hi);
    *bp = (int)lround(d * 100.0);
    return 0;
}

/* Reads an optional integer @name in [@lo, @hi], default @def. */
static int opt_int(struct api_resp *resp, json_t *body, const char *name, int64_t def, int64_t lo,
                   int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(body, name);

    *out = def;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return api_error(resp, 400, "invalid_field", "%s must be an integer between %lld and %lld",
                         name, (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return 0;
}

/* ---- a parameterised query under construction ---- */

#define QB_MAX 16

struct qb {
    char sql[4096];
    size_t len;
    const char *vals[QB_MAX];
    char nums[QB_MAX][32];
    int n;
};

static void qb_add(struct qb *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void qb_add(struct qb *q, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(q->sql + q->len, sizeof(q->sql) - q->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        q->len += (size_t)n < sizeof(q->sql) - q->len ? (size_t)n : sizeof(q->sql) - q->len - 1;
}

/* Adds parameter @val and returns its $number. */
static int qb_param(struct qb *q, const char *val)
{
    q->vals[q->n] = val;
    return ++q->n;
}

static int qb_num(struct qb *q, int64_t v)
{
    snprintf(q->nums[q->n], sizeof(q->nums[0]), "%lld", (long long)v);
    return qb_param(q, q->nums[q->n]);
}

static int query_date(struct api_req *req, struct api_resp *resp, const char *name, int64_t *day)
{
    const char *v = api_query(req, name);

    *day = -1;
    if (!v || !*v)
        return 0;
    if (finance_parse_date(v, day) != 0)
        return api_error(resp, 400, "invalid_field", "%s must be a date YYYY-MM-DD", name);
    return 0;
}

/* Reads the optional boolean query parameter @name ("true" or "false"). */
static int query_bool(struct api_req *req, struct api_resp *resp, const char *name, bool *out)
{
    const char *v = api_query(req, name);

    *out = false;
    if (!v || !*v || strcmp(v, "false") == 0)
        return 0;
    if (strcmp(v, "true") != 0)
        return api_error(resp, 400, "invalid_field", "%s must be true or false", name);
    *out = true;
    return 0;
}

/* The "period" object of a body computed for @p: {from, to, label}. */
static json_t *period_json(const struct period *p)
{
    char from[16], to[16];

    finance_day_text(p->from_day, from, sizeof(from));
    finance_day_text(p->to_day, to, sizeof(to));
    return json_pack("{s:s,s:s,s:s}", "from", from, "to", to, "label", p->label);
}

/* Reads the user's calendar (finance_query.h) into @cal: "today" of periods is the user's
 * local day (SPEC §15). A database failure answers 503. */
static int user_calendar(struct api_req *req, struct api_resp *resp, struct fin_cal *cal)
{
    return finance_calendar(req->pg, req->user_id, cal) ? finance_db_error(req, resp) : 0;
}

/* Answers 200 with @body (taken) once it names the base currency and the currencies its
 * totals lack a rate for, over the local days @from .. @to (finance_missing_rates()). */
static int answer_totals(struct api_req *req, struct api_resp *resp, json_t *body, int64_t from,
                         int64_t to)
{
    struct fin_cal cal;
    json_t *missing = finance_calendar(req->pg, req->user_id, &cal)
                          ? NULL
                          : finance_missing_rates(req->pg, req->user_id, from, to);

    if (!missing) {
        json_decref(body);
        return finance_db_error(req, resp);
    }
    if (!json_object_get(body, "currency"))
        json_object_set_new(body, "currency", json_string(cal.cur));
    json_object_set_new(body, "missing_rates", missing);
    return api_json(resp, 200, body);
}

/* answer_totals() over the @months calendar months up to today. */
static int answer_months(struct api_req *req, struct api_resp *resp, json_t *body, int months)
{
    struct fin_cal cal;
    int64_t first, last;

    if (finance_calendar(req->pg, req->user_id, &cal)) {
        json_decref(body);
        return finance_db_error(req, resp);
    }
    finance_month_days(cal.today, months - 1, &first, &last);
    return answer_totals(req, resp, body, first, cal.today);
}

/* Reads query parameter "period" (period.h) into @p, relative to the user's local day
 * @today, *@has telling whether there was one. A period with from or to as well, or one
 * period.h refuses, answers 400. */
static int query_period(struct api_req *req, struct api_resp *resp, int64_t today, struct period *p,
                        bool *has)
{
    const char *v = api_query(req, "period");

    *has = false;
    if (!v || !*v)
        return 0;
    if ((api_query(req, "from") && *api_query(req, "from")) ||
        (api_query(req, "to") && *api_query(req, "to")))
        return api_error(resp, 400, "invalid_field", "give period, or from and to, not both");
    if (period_parse(v, today, p) != 0)
        return api_error(resp, 400, "invalid_field",
                         "period must be a word like this_month or last_30_days, or YYYY, "
                         "YYYY-MM, YYYY-Qn, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD");
    *has = true;
    return 0;
}

/* The period of the days @from .. @to (inclusive), labelled by period.h (labels do not
 * depend on today, @today is only passed on); false when it cannot say (a date outside its
 * years). */
static bool period_of_days(int64_t from, int64_t to, int64_t today, struct period *p)
{
    char a[16], b[16], text[40];

    finance_day_text(from, a, sizeof(a));
    finance_day_text(to, b, sizeof(b));
    snprintf(text, sizeof(text), "%s..%s", a, b);
    return period_parse(text, today, p) == 0;
}

/* ---- handlers ---- */

/* GET /dashboard, served from dashcache.h while the user's data_version and the user's local day
 * are unchanged; otherwise computed and cached. */
static int h_dashboard(struct api_req *req, struct api_resp *resp)
{
    char now[32];
    const char *vals[2] = {req->user_id, now};
    PGresult *res;
    int64_t version;
    int32_t day;
    json_t *body;
    size_t len;
    char *text;
    int rc;

    clock_rfc3339(clock_wall_ms(), now, sizeof(now));
    rc = sql_query(req->pg,
                   "SELECT data_version, ($2::timestamptz AT TIME ZONE timezone)::date -"
                   " date '1970-01-01' FROM users WHERE id = $1::uuid",
                   2, vals, &res);

    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1) {
        /* The authenticated user always has a row: anything else is an internal error. */
        PQclear(res);
        return api_pg_fail(req, resp, FC_EIO);
    }
    version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    day = (int32_t)strtol(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    text = dashcache_get(req->user_id, version, day, &len);
    if (text) {
        metrics_add(M_DASH_CACHE_HITS, 1);
        resp->status = 200;
        resp->raw = text;
        resp->raw_len = len;
        resp->raw_type = "application/json";
        return 0;
    }
    metrics_add(M_DASH_CACHE_MISSES, 1);
    body = finance_dashboard(req->pg, req->user_id);
    if (!body)
        return finance_db_error(req, resp);
    text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (text) {
        dashcache_put(req->user_id, version, day, text, strlen(text));
        free(text);
    }
    return api_json(resp, 200, body);
}

static int h_accounts(struct api_req *req, struct api_resp *resp)
{
    json_t *items = finance_accounts(req->pg, req->user_id);

    if (!items)
        return finance_db_error(req, resp);
    /* The balances only: an empty range of days holds no transaction. */
    return answer_totals(req, resp, json_pack("{s:o}", "items", items), 1, 0);
}

static bool is_account_type(const char *t)
{
    return strcmp(t, "checking") == 0 || strcmp(t, "savings") == 0 || strcmp(t, "credit") == 0 ||
           strcmp(t, "investment") == 0;
}

/* Inserts the account and, for a non-zero opening balance, its "Opening balance" transfer, so
 * that a balance always equals the sum of the account's transactions. Returns 0 or the code
 * of sql.h. */
static int insert_account(struct api_req *req, const char *const vals[6], int64_t opening,
                          char id[37])
{
    char amt[24], now[32];
    int rc = sql_begin(req->pg);

    if (rc)
        return rc;
    rc = sql_text(req->pg,
                  "INSERT INTO accounts (user_id, name, type, institution, mask, currency)"
                  " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                  6, vals, id, 37);
    if (rc)
        goto out_rollback;
    if (opening != 0) {
        const char *tv[5] = {req->user_id, id, now, amt, vals[5]};

        snprintf(amt, sizeof(amt), "%lld", (long long)opening);
        clock_rfc3339(clock_wall_ms(), now, sizeof(now));
        rc = sql_exec(req->pg,
                      "INSERT INTO transactions (user_id, account_id, posted_at, amount_minor,"
                      " currency, merchant, description, category, type, source)"
                      " VALUES ($1, $2::uuid, $3::timestamptz, $4::bigint, $5,"
                      " 'Opening balance', 'Opening balance', 'transfer', 'transfer',"
                      " 'manual')",
                      5, tv, NULL);
        if (!rc)
            rc = finance_adjust_balance(req->pg, id, opening);
        if (rc)
            goto out_rollback;
    }
    rc = sql_commit(req->pg);
    if (!rc)
        return 0;
out_rollback:
    sql_rollback(req->pg);
    return rc;
}

static int h_account_create(struct api_req *req, struct api_resp *resp)
{
    const char *name, *type, *institution, *mask, *currency;
    char cur[4] = "USD", id[37];
    int64_t opening;
    int rc;

    rc = require_object(req, resp);
    if (!rc)
        rc = opt_string(resp, req->body, "name", 80, true, &name);
    if (!rc && !name)
        rc = api_error(resp, 400, "invalid_field", "name is required");
    if (!rc)
        rc = opt_string(resp, req->body, "type", 16, true, &type);
    if (!rc && (!type || !is_account_type(type)))
        rc = api_error(resp, 400, "invalid_field",
                       "type must be checking, savings, credit or investment");
    if (!rc)
        rc = opt_string(resp, req->body, "institution", 80, false, &institution);
    if (!rc)
        rc = opt_string(resp, req->body, "mask", 8, false, &mask);
    if (!rc && mask && strspn(mask, "0123456789") != strlen(mask))
        rc = api_error(resp, 400, "invalid_field", "mask must be up to 8 digits");
    if (!rc)
        rc = opt_string(resp, req->body, "currency", 3, true, &currency);
    if (!rc && currency && !money_currency_find(currency))
        rc = api_error(resp, 400, "invalid_field", "currency must be an ISO 4217 code like USD");
    if (!rc)
        rc =
            opt_int(resp, req->body, "opening_balance_minor", 0, -AMOUNT_MAX, AMOUNT_MAX, &opening);
    if (rc)
        return rc;
    rc = currency ? 0 : finance_user_currency(req->pg, req->user_id, cur);
    if (rc && rc != FC_ENOTFOUND)
        return api_pg_fail(req, resp, rc);
    {
        const char *vals[6] = {req->user_id,
                               name,
                               type,
                               institution ? institution : "",
                               mask ? mask : "",
                               currency ? currency : cur};

        rc = insert_account(req, vals, opening, id);
        if (rc)
            return api_pg_fail(req, resp, rc);
        finance_changed(req);
        return api_json(resp, 201,
                        json_pack("{s:{s:s,s:s,s:s,s:s,s:I,s:s,s:s}}", "account", "id", id, "name",
                                  name, "type", type, "institution", vals[3], "balance_minor",
                                  (json_int_t)opening, "currency", vals[5], "mask", vals[4]));
    }
}

/* Validated filters of GET /transactions. */
struct txn_filter {
    struct fin_cal cal; /* the user's: from, to and period are local days */
    int64_t limit, min, max, from, to;
    int sort;
    const char *type, *category, *account, *q, *merchant, *cursor;
    bool has_period, summary;
    struct period period;
};

static int read_filter(struct api_req *req, struct api_resp *resp, struct txn_filter *f)
{
    const char *sort = api_query(req, "sort");
    char cur[4];
    int rc;

    memset(f, 0, sizeof(*f));
    rc = user_calendar(req, resp, &f->cal);
    if (!rc)
        rc = api_query_int(req, resp, "limit", 50, 1, 200, &f->limit);
    if (!rc)
        rc = api_query_int(req, resp, "min_minor", -1, 0, LIMIT_MAX, &f->min);
    if (!rc)
        rc = api_query_int(req, resp, "max_minor", -1, 0, LIMIT_MAX, &f->max);
    if (!rc)
        rc = query_date(req, resp, "from", &f->from);
    if (!rc)
        rc = query_date(req, resp, "to", &f->to);
    if (!rc)
        rc = query_period(req, resp, f->cal.today, &f->period, &f->has_period);
    if (!rc)
        rc = query_bool(req, resp, "summary", &f->summary);
    if (rc)
        return rc;
    if (f->has_period) {
        f->from = f->period.from_day;
        f->to = f->period.to_day;
    }
    f->sort = 0;
    if (sort && *sort) {
        f->sort = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(sort, sorts[i]) == 0)
                f->sort = i;
        if (f->sort < 0)
            return api_error(resp, 400, "invalid_field",
                             "sort must be one of date_desc, date_asc, amount_desc, amount_asc");
    }
    if (f->min >= 0 && f->max >= 0 && f->min > f->max)
        return api_error(resp, 400, "invalid_field", "min_minor must not exceed max_minor");
    if (f->from >= 0 && f->to >= 0 && f->from > f->to)
        return api_error(resp, 400, "invalid_field", "from must not be after to");
    f->type = api_query(req, "type");
    if (f->type && *f->type && strcmp(f->type, "income") != 0 && strcmp(f->type, "expense") != 0 &&
        strcmp(f->type, "transfer") != 0)
        return api_error(resp, 400, "invalid_field", "type must be income, expense or transfer");
    f->category = api_query(req, "category");
    if (f->category && (rc = check_text(resp, "category", f->category, CATEGORY_MAX, false)))
        return rc;
    f->q = api_query(req, "q");
    if (f->q && (rc = check_text(resp, "q", f->q, Q_MAX, false)))
        return rc;
    f->merchant = api_query(req, "merchant");
    if (f->merchant && (rc = check_text(resp, "merchant", f->merchant, Q_MAX, false)))
        return rc;
    f->cursor = api_query(req, "cursor");
    f->account = api_query(req, "account_id");
    if (f->account && *f->account)
        return finance_own_account(req, resp, "account_id", f->account, false, cur);
    return 0;
}

/* Adds the WHERE conditions of @f (after the user's) to @q; @qpat and @mpat are the LIKE
 * patterns of q and merchant (NULL when absent), alive until @q runs. */
static void add_filters(struct qb *q, const struct txn_filter *f, const char *qpat,
                        const char *mpat)
{
    int p;

    if (f->type && *f->type)
        qb_add(q, " AND t.type = $%d", qb_param(q, f->type));
    if (f->category && *f->category)
        qb_add(q, " AND t.category = $%d", qb_param(q, f->category));
    if (f->account && *f->account)
        qb_add(q, " AND t.account_id = $%d::uuid", qb_param(q, f->account));
    /* Local days of the user's time zone. */
    if (f->from >= 0) {
        p = qb_num(q, f->from);
        qb_add(q,
               " AND t.posted_at >= ((date '1970-01-01' + $%d::int)::timestamp AT TIME ZONE $%d)",
               p, qb_param(q, f->cal.tz));
    }
    if (f->to >= 0) {
        p = qb_num(q, f->to + 1);
        qb_add(q, " AND t.posted_at < ((date '1970-01-01' + $%d::int)::timestamp AT TIME ZONE $%d)",
               p, qb_param(q, f->cal.tz));
    }
    if (f->min >= 0)
        qb_add(q, " AND abs(t.amount_minor) >= $%d::bigint", qb_num(q, f->min));
    if (f->max >= 0)
        qb_add(q, " AND abs(t.amount_minor) <= $%d::bigint", qb_num(q, f->max));
    if (qpat) {
        p = qb_param(q, qpat);
        qb_add(q, " AND (t.merchant ILIKE $%d ESCAPE '\\' OR t.description ILIKE $%d ESCAPE '\\')",
               p, p);
    }
    if (mpat)
        qb_add(q, " AND t.merchant ILIKE $%d ESCAPE '\\'", qb_param(q, mpat));
}

/* The "summary" of GET /transactions?summary=true: count, income, expenses (magnitudes) and
 * net of every transaction matching @f, not only the page. NULL after a database failure. */
static json_t *txn_summary(struct api_req *req, const struct txn_filter *f, const char *qpat,
                           const char *mpat)
{
    struct qb q = {.len = 0};
    const char *cur = f->cal.cur;
    int64_t count, income, expenses;
    PGresult *res;

    /* Income and spending as every total counts them (finance_query.h): refunds lower
     * spending, transfers are neither; in the base currency (FIN_IN_BASE()). */
    int pb = qb_param(&q, cur), pz = qb_param(&q, f->cal.tz), pu = qb_param(&q, req->user_id);

    qb_add(&q,
           "SELECT count(*), coalesce(sum(" FIN_IN_BASE(
               FIN_INCOME("t"), "t.currency", "t.posted_at", "$%d",
               "$%d") "), 0),"
                      " coalesce(sum(" FIN_IN_BASE(FIN_SPENDING("t"), "t.currency", "t.posted_at",
                                                   "$%d", "$%d") "), 0)" FIN_TXN_FROM
                                                                 " WHERE t.user_id = $%d",
           pb, pz, pb, pz, pu);
    add_filters(&q, f, qpat, mpat);
    if (sql_query(req->pg, q.sql, q.n, q.vals, &res) != 0)
        return NULL;
    count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    income = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    expenses = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return json_pack("{s:I,s:I,s:I,s:I,s:s}", "count", (json_int_t)count, "income_minor",
                     (json_int_t)income, "expenses_minor", (json_int_t)expenses, "net_minor",
                     (json_int_t)(income - expenses), "currency", cur);
}

static int h_txn_list(struct api_req *req, struct api_resp *resp)
{
    static const char *const order[] = {
        " ORDER BY t.posted_at DESC, t.id DESC", " ORDER BY t.posted_at ASC, t.id ASC",
        " ORDER BY t.amount_minor DESC, t.id DESC", " ORDER BY t.amount_minor ASC, t.id ASC"};
    struct txn_filter f;
    struct qb q = {.len = 0};
    struct cursor cur;
    char *qpat = NULL, *mpat = NULL, next[200];
    PGresult *res;
    json_t *items, *body, *summary = NULL;
    int rc, n, p;

    rc = read_filter(req, resp, &f);
    if (rc)
        return rc;
    if (f.cursor && *f.cursor && cursor_decode(f.cursor, f.sort, &cur) != 0)
        return api_error(resp, 400, "invalid_field",
                         "cursor is not valid (or belongs to another sort order)");
    if (f.q && *f.q)
        qpat = finance_like_pattern(f.q);
    if (f.merchant && *f.merchant)
        mpat = finance_like_pattern(f.merchant);
    qb_add(&q,
           "SELECT " FIN_TXN_COLS
           ", (extract(epoch FROM t.posted_at) * 1000000)::bigint" FIN_TXN_FROM
           " WHERE t.user_id = $%d",
           qb_param(&q, req->user_id));
    add_filters(&q, &f, qpat, mpat);
    if (f.cursor && *f.cursor) {
        const char *cmp = f.sort == 0 || f.sort == 2 ? "<" : ">";

        p = qb_num(&q, cur.key);
        if (f.sort < 2)
            qb_add(&q,
                   " AND (t.posted_at, t.id) %s ('epoch'::timestamptz + $%d::bigint * interval "
                   "'1 microsecond', $%d::uuid)",
                   cmp, p, qb_param(&q, cur.id));
        else
            qb_add(&q, " AND (t.amount_minor, t.id) %s ($%d::bigint, $%d::uuid)", cmp, p,
                   qb_param(&q, cur.id));
    }
    qb_add(&q, "%s LIMIT $%d::int", order[f.sort], qb_num(&q, f.limit + 1));
    rc = sql_query(req->pg, q.sql, q.n, q.vals, &res);
    if (!rc && f.summary)
        summary = txn_summary(req, &f, qpat, mpat);
    free(qpat);
    free(mpat);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (f.summary && !summary) {
        PQclear(res);
        return finance_db_error(req, resp);
    }
    n = PQntuples(res);
    items = json_array();
    for (int i = 0; i < n && i < f.limit; i++)
        json_array_append_new(items, finance_txn_json(res, i, 0));
    if (n > f.limit) {
        int last = (int)f.limit - 1;
        int64_t key = strtoll(PQgetvalue(res, last, f.sort < 2 ? FIN_TXN_NCOLS : 4), NULL, 10);

        cursor_encode(f.sort, key, PQgetvalue(res, last, 0), next, sizeof(next));
    }
    PQclear(res);
    body = json_pack("{s:o,s:o}", "items", items, "next_cursor",
                     n > f.limit ? json_string(next) : json_null());
    if (summary)
        json_object_set_new(body, "summary", summary);
    if (f.has_period)
        json_object_set_new(body, "period", period_json(&f.period));
    return api_json(resp, 200, body);
}

/* The validated body of POST /transactions. */
struct new_txn {
    const char *account_id, *merchant, *description, *note, *type;
    char category[CATEGORY_MAX * 4 + 1];
    char currency[4];
    char posted_at[32];
    int64_t amount, posted_s;
    bool auto_category, auto_type; /* the client gave no category, no type */
};

/* The type of a transaction whose client named none. */
static const char *default_type(const char *category, int64_t amount)
{
    return strcmp(category, "transfer") == 0 ? "transfer" : amount > 0 ? "income" : "expense";
}

static int read_new_txn(struct api_req *req, struct api_resp *resp, struct new_txn *t)
{
    json_t *v;
    const char *s;
    int rc;

    memset(t, 0, sizeof(*t));
    rc = require_object(req, resp);
    if (rc)
        return rc;
    v = json_object_get(req->body, "account_id");
    if (!json_is_string(v))
        return api_error(resp, 400, "invalid_field", "account_id must be a UUID");
    t->account_id = json_string_value(v);
    if (!uuid_valid(t->account_id))
        return api_error(resp, 400, "invalid_field", "account_id must be a UUID");
    v = json_object_get(req->body, "amount_minor");
    if (!json_is_integer(v) || json_integer_value(v) == 0 || json_integer_value(v) > AMOUNT_MAX ||
        json_integer_value(v) < -AMOUNT_MAX)
        return api_error(resp, 400, "invalid_field",
                         "amount_minor must be a non-zero integer within +-%lld (expenses "
                         "negative)",
                         AMOUNT_MAX);
    t->amount = json_integer_value(v);
    rc = opt_string(resp, req->body, "merchant", MERCHANT_MAX, true, &t->merchant);
    if (!rc && !t->merchant)
        rc = api_error(resp, 400, "invalid_field", "merchant is required");
    if (!rc)
        rc = opt_string(resp, req->body, "description", TEXT_MAX, false, &t->description);
    if (!rc)
        rc = opt_string(resp, req->body, "note", TEXT_MAX, false, &t->note);
    if (!rc)
        rc = opt_string(resp, req->body, "category", CATEGORY_MAX, true, &s);
    if (rc)
        return rc;
    if (s) {
        char tmp[sizeof(t->category)];

        snprintf(tmp, sizeof(tmp), "%s", s);
        snprintf(t->category, sizeof(t->category), "%s", norm_category(tmp));
    } else {
        snprintf(t->category, sizeof(t->category), "%s",
                 t->amount > 0 ? "income" : "uncategorized");
        t->auto_category = true;
    }
    rc = opt_string(resp, req->body, "type", 16, true, &t->type);
    if (rc)
        return rc;
    t->auto_type = !t->type;
    if (!t->type)
        t->type = default_type(t->category, t->amount);
    if (strcmp(t->type, "transfer") != 0 && strcmp(t->type, t->amount > 0 ? "income" : "expense"))
        return api_error(resp, 400, "invalid_field",
                         "type must be income for a positive amount_minor, expense for a "
                         "negative one, or transfer");
    rc = opt_string(resp, req->body, "posted_at", 40, true, &s);
    if (rc)
        return rc;
    t->posted_s = clock_wall_ms() / 1000;
    if (s && finance_parse_timestamp(s, &t->posted_s) != 0)
        return api_error(resp, 400, "invalid_field",
                         "posted_at must be an RFC 3339 timestamp or a date YYYY-MM-DD");
    if (t->posted_s > clock_wall_ms() / 1000 + 86400)
        return api_error(resp, 400, "invalid_field", "posted_at must not be in the future");
    if (s)
        finance_timestamp_text(t->posted_s, t->posted_at, sizeof(t->posted_at));
    else /* now, to the millisecond, so that quick successive entries keep their order */
        clock_rfc3339(clock_wall_ms(), t->posted_at, sizeof(t->posted_at));
    rc = opt_string(resp, req->body, "currency", 3, true, &s);
    if (rc)
        return rc;
    if (s && !money_currency_find(s))
        return api_error(resp, 400, "invalid_field", "currency must be an ISO 4217 code like USD");
    if (s)
        snprintf(t->currency, sizeof(t->currency), "%s", s);
    return 0;
}

/* Gives @t the category of the user's winning categorisation rule when the client chose
 * none (rules.h), and then the type that category implies unless the client chose one.
 * Returns 0 or the code of sql.h. */
static int apply_rule(struct api_req *req, struct new_txn *t)
{
    const struct rule *r;
    struct rules rs;
    int rc;

    if (!t->auto_category || !rules_applies_to(t->type))
        return 0;
    rules_init(&rs);
    rc = rules_load(req->pg, req->user_id, NULL, &rs);
    r = rc ? NULL : rules_match(&rs, t->merchant, t->amount, t->account_id);
    if (r) {
        snprintf(t->category, sizeof(t->category), "%s", r->category);
        if (t->auto_type)
            t->type = default_type(t->category, t->amount);
    }
    rules_release(&rs);
    return rc;
}

/* Scores @t with the fraud rules (transfers are not scored) into @fr and its reasons into
 * *@reasons_text (caller frees). Returns 0 or the code of sql.h. */
static int score_txn(struct api_req *req, const struct new_txn *t, struct fraud_result *fr,
                     char **reasons_text)
{
    struct fraud_input in;
    json_t *reasons;
    int rc;

    memset(fr, 0, sizeof(*fr));
    *reasons_text = NULL;
    if (strcmp(t->type, "transfer") != 0) {
        rc = fraud_gather(req->pg, req->user_id, t->merchant, t->category, t->amount, t->currency,
                          t->posted_at, &in);
        if (rc)
            return rc;
        fraud_score(&in, fr);
    }
    reasons = json_array();
    for (int i = 0; i < fr->nreasons; i++)
        json_array_append_new(reasons, json_string(fr->reasons[i]));
    *reasons_text = json_dumps(reasons, JSON_COMPACT);
    json_decref(reasons);
    return 0;
}

/* Writes @t, its balance change and its alert, inside the caller's transaction. Returns 0 or
 * the code of sql.h. */
static int write_txn(struct api_req *req, const struct new_txn *t, const struct fraud_result *fr,
                     const char *reasons_text, char txn_id[37], char alert_id[37])
{
    char amt[24], score[16];
    const char *vals[12] = {req->user_id,
                            t->account_id,
                            t->posted_at,
                            amt,
                            t->currency,
                            t->merchant,
                            t->description ? t->description : "",
                            t->category,
                            t->type,
                            t->note ? t->note : "",
                            score,
                            reasons_text};
    int rc;

    snprintf(amt, sizeof(amt), "%lld", (long long)t->amount);
    snprintf(score, sizeof(score), "%d", fr->score);
    rc = sql_text(req->pg,
                  "INSERT INTO transactions (user_id, account_id, posted_at, amount_minor,"
                  " currency, merchant, description, category, type, note, fraud_score,"
                  " fraud_reasons, source) VALUES ($1, $2::uuid, $3::timestamptz,"
                  " $4::bigint, $5, $6, $7, $8, $9, $10, $11::int, $12::jsonb, 'manual')"
                  " RETURNING id",
                  12, vals, txn_id, 37);
    if (!rc)
        rc = finance_adjust_balance(req->pg, t->account_id, t->amount);
    if (!rc)
        rc = finance_alert_add(req->pg, req->user_id, txn_id, fr->score, reasons_text, alert_id);
    if (!rc && alert_id[0])
        log_emit(LOG_WARN, req->request_id, NULL, NULL,
                 "fraud: transaction %s scored %d (%s), alert %s", txn_id, fr->score,
                 fraud_level(fr->score), alert_id);
    return rc;
}

/* Inserts @t with its fraud verdict in one transaction; fills the new ids. */
static int insert_txn(struct api_req *req, struct api_resp *resp, struct new_txn *t,
                      struct fraud_result *fr, char txn_id[37], char alert_id[37])
{
    char acct_cur[4];
    char *reasons_text = NULL;
    int rc;

    alert_id[0] = '\0';
    rc = finance_begin_on_account(req, resp, "account_id", t->account_id, acct_cur);
    if (rc)
        goto out_rollback;
    if (t->currency[0] && strcmp(t->currency, acct_cur) != 0) {
        rc = api_error(resp, 400, "invalid_field", "currency must be the account's currency (%s)",
                       acct_cur);
        goto out_rollback;
    }
    snprintf(t->currency, sizeof(t->currency), "%s", acct_cur);
    rc = apply_rule(req, t);
    if (!rc)
        rc = score_txn(req, t, fr, &reasons_text);
    if (!rc)
        rc = write_txn(req, t, fr, reasons_text, txn_id, alert_id);
    if (!rc)
        rc = sql_commit(req->pg);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out_rollback;
    }
    free(reasons_text);
    return 0;
out_rollback:
    sql_rollback(req->pg);
    free(reasons_text);
    return rc;
}

static int h_txn_create(struct api_req *req, struct api_resp *resp)
{
    struct new_txn t;
    struct fraud_result fr;
    char txn_id[37], alert_id[37];
    json_t *txn, *reasons;
    bool found;
    int rc;

    rc = read_new_txn(req, resp, &t);
    if (!rc)
        rc = insert_txn(req, resp, &t, &fr, txn_id, alert_id);
    if (rc)
        return rc;
    txn = finance_txn_get(req->pg, req->user_id, txn_id, &found);
    finance_changed(req);
    if (!txn)
        return finance_db_error(req, resp);
    reasons = json_array();
    for (int i = 0; i < fr.nreasons; i++)
        json_array_append_new(reasons, json_string(fr.reasons[i]));
    return api_json(resp, 201,
                    json_pack("{s:o,s:{s:i,s:s?,s:o,s:o}}", "transaction", txn, "fraud", "score",
                              fr.score, "level", fraud_level(fr.score), "reasons", reasons,
                              "alert_id", alert_id[0] ? json_string(alert_id) : json_null()));
}

static int h_txn_patch(struct api_req *req, struct api_resp *resp)
{
    const char *id = req->nparams > 0 ? req->params[0] : "", *category, *note;
    char catbuf[CATEGORY_MAX * 4 + 1];
    int64_t updated;
    json_t *txn;
    bool found;
    int rc;

    if (!uuid_valid(id))
        return api_error(resp, 404, "not_found", "transaction not found");
    rc = require_object(req, resp);
    if (!rc)
        rc = opt_string(resp, req->body, "category", CATEGORY_MAX, true, &category);
    if (!rc)
        rc = opt_string(resp, req->body, "note", TEXT_MAX, false, &note);
    if (rc)
        return rc;
    if (!category && !note)
        return api_error(resp, 400, "invalid_field", "give category and/or note to change");
    if (category) {
        char tmp[sizeof(catbuf)];

        snprintf(tmp, sizeof(tmp), "%s", category);
        snprintf(catbuf, sizeof(catbuf), "%s", norm_category(tmp));
        category = catbuf;
    }
    {
        const char *vals[4] = {req->user_id, id, category, note};

        rc = sql_exec(req->pg,
                      "UPDATE transactions SET category = coalesce($3, category),"
                      " note = coalesce($4, note) WHERE user_id = $1 AND id = $2::uuid"
                      " RETURNING id",
                      4, vals, &updated);
    }
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (updated != 1)
        return api_error(resp, 404, "not_found", "transaction not found");
    finance_changed(req);
    txn = finance_txn_get(req->pg, req->user_id, id, &found);
    if (!txn)
        return finance_db_error(req, resp);
    return api_json(resp, 200, json_pack("{s:o}", "transaction", txn));
}

static int h_cashflow(struct api_req *req, struct api_resp *resp)
{
    int64_t months;
    json_t *items;
    int rc = api_query_int(req, resp, "months", 6, 1, 60, &months);

    if (rc)
        return rc;
    items = finance_cashflow(req->pg, req->user_id, (int)months);
    if (!items)
        return finance_db_error(req, resp);
    return answer_months(req, resp, json_pack("{s:o}", "items", items), (int)months);
}

static int h_categories(struct api_req *req, struct api_resp *resp)
{
    int64_t from, to, first, last;
    struct fin_cal cal;
    struct period per;
    bool has_period, labelled;
    json_t *body;
    int rc = user_calendar(req, resp, &cal);

    if (!rc)
        rc = query_date(req, resp, "from", &from);
    if (!rc)
        rc = query_date(req, resp, "to", &to);
    if (!rc)
        rc = query_period(req, resp, cal.today, &per, &has_period);
    if (rc)
        return rc;
    if (has_period) {
        from = per.from_day;
        to = per.to_day;
    }
    finance_month_days(cal.today, 0, &first, &last);
    if (from < 0)
        from = first;
    if (to < 0)
        to = last;
    if (from > to)
        return api_error(resp, 400, "invalid_field", "from must not be after to");
    labelled = has_period || period_of_days(from, to, cal.today, &per);
    body = finance_categories(req->pg, req->user_id, from, to, 100);
    if (!body)
        return finance_db_error(req, resp);
    if (labelled)
        json_object_set_new(body, "period", period_json(&per));
    return answer_totals(req, resp, body, from, to);
}

static int h_networth(struct api_req *req, struct api_resp *resp)
{
    int64_t months;
    json_t *items, *missing;
    struct fin_cal cal;
    int rc = api_query_int(req, resp, "months", 12, 1, 60, &months);

    if (rc)
        return rc;
    rc = user_calendar(req, resp, &cal);
    if (rc)
        return rc;
    missing = json_array();
    items = finance_networth(req->pg, req->user_id, (int)months, missing);
    if (!items) {
        json_decref(missing);
        return finance_db_error(req, resp);
    }
    return api_json(
        resp, 200,
        json_pack("{s:o,s:s,s:o}", "items", items, "currency", cal.cur, "missing_rates", missing));
}

static int h_subscriptions(struct api_req *req, struct api_resp *resp)
{
    json_t *body = finance_subscriptions(req->pg, req->user_id);

    if (!body)
        return finance_db_error(req, resp);
    return api_json(resp, 200, body);
}

static int h_health(struct api_req *req, struct api_resp *resp)
{
    json_t *body = finance_health(req->pg, req->user_id);

    if (!body)
        return finance_db_error(req, resp);
    return api_json(resp, 200, body);
}

static int h_alerts(struct api_req *req, struct api_resp *resp)
{
    const char *status = api_query(req, "status");
    json_t *items;

    if (!status || !*status)
        status = "open";
    if (strcmp(status, "open") != 0 && strcmp(status, "resolved") != 0 &&
        strcmp(status, "all") != 0)
        return api_error(resp, 400, "invalid_field", "status must be open, resolved or all");
    items = finance_alerts(req->pg, req->user_id, strcmp(status, "all") ? status : NULL, NULL);
    if (!items)
        return finance_db_error(req, resp);
    return api_json(resp, 200, json_pack("{s:o}", "items", items));
}

static int h_alert_resolve(struct api_req *req, struct api_resp *resp)
{
    const char *id = req->nparams > 0 ? req->params[0] : "", *resolution = NULL;
    const char *vals[3] = {req->user_id, id, NULL};
    int64_t updated;
    json_t *items;
    int rc;

    if (!uuid_valid(id))
        return api_error(resp, 404, "not_found", "fraud alert not found");
    if (req->body && !json_is_object(req->body))
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    if (req->body) {
        rc = opt_string(resp, req->body, "resolution", 16, true, &resolution);
        if (rc)
            return rc;
    }
    if (resolution && strcmp(resolution, "legitimate") != 0 && strcmp(resolution, "fraud") != 0)
        return api_error(resp, 400, "invalid_field", "resolution must be legitimate or fraud");
    vals[2] = resolution ? resolution : "legitimate";
    rc = sql_exec(req->pg,
                  "UPDATE fraud_alerts SET status = 'resolved', resolution = $3,"
                  " resolved_at = now() WHERE user_id = $1 AND id = $2::uuid"
                  " AND status = 'open' RETURNING id",
                  3, vals, &updated);
    if (rc)
        return api_pg_fail(req, resp, rc);
    items = finance_alerts(req->pg, req->user_id, NULL, id);
    if (!items)
        return finance_db_error(req, resp);
    if (json_array_size(items) == 0) {
        json_decref(items);
        return api_error(resp, 404, "not_found", "fraud alert not found");
    }
    if (!updated) {
        json_decref(items);
        return api_error(resp, 409, "conflict", "the alert is already resolved");
    }
    finance_changed(req);
    api_json(resp, 200, json_pack("{s:O}", "alert", json_array_get(items, 0)));
    json_decref(items);
    return 0;
}

static int h_forecast(struct api_req *req, struct api_resp *resp)
{
    int64_t months;
    json_t *body;
    int rc = api_query_int(req, resp, "months", 12, 1, FORECAST_MAX_MONTHS, &months);

    if (rc)
        return rc;
    body = finance_forecast(req->pg, req->user_id, (int)months);
    if (!body)
        return finance_db_error(req, resp);
    return answer_months(req, resp, body, 7);
}

/* Baseline of the simulator: average income and expenses, and savings + investments.
 * Returns 0 or the code of sql.h. */
static int sim_baseline(PGconn *pg, const char *uid, struct sim_params *p)
{
    int64_t inc[6], exp[6];
    struct forecast_rates r;
    const char *vals[1] = {uid};
    int n = finance_recent_months(pg, uid, inc, exp);

    if (n < 0)
        return n;
    forecast_rates(inc, exp, n, &r);
    p->income_minor = r.income_minor;
    p->expenses_minor = r.expenses_minor;
    return sql_int64(pg,
                     "SELECT coalesce(sum(balance_minor), 0) FROM accounts WHERE user_id = $1"
                     " AND type IN ('savings', 'investment')",
                     1, vals, &p->start_minor);
}

static int h_simulate(struct api_req *req, struct api_resp *resp)
{
    struct sim_params p = {0};
    struct sim_point *series;
    struct sim_result r;
    int64_t months, extra, start;
    json_t *arr, *v;
    int rc;

    rc = require_object(req, resp);
    if (!rc)
        rc = opt_bp(resp, req->body, "savings_rate", 0, 100, &p.savings_rate_bp);
    if (!rc)
        rc = opt_bp(resp, req->body, "expense_change_pct", -100, 100, &p.expense_change_bp);
    if (!rc)
        rc = opt_bp(resp, req->body, "annual_return_pct", -50, 50, &p.annual_return_bp);
    if (!rc)
        rc = opt_int(resp, req->body, "monthly_extra_minor", 0, -AMOUNT_MAX / 100, AMOUNT_MAX / 100,
                     &extra);
    if (!rc)
        rc = opt_int(resp, req->body, "months", 12, 1, SIM_MAX_MONTHS, &months);
    if (!rc)
        rc = opt_int(resp, req->body, "start_minor", 0, -AMOUNT_MAX, AMOUNT_MAX, &start);
    if (rc)
        return rc;
    rc = sim_baseline(req->pg, req->user_id, &p);
    if (rc)
        return api_pg_fail(req, resp, rc);
    v = json_object_get(req->body, "start_minor");
    if (v && !json_is_null(v))
        p.start_minor = start;
    p.monthly_extra_minor = extra;
    p.months = (int)months;
    series = xcalloc((size_t)p.months, sizeof(*series));
    if (forecast_simulate(&p, series, &r) != 0) {
        free(series);
        return api_error(resp, 400, "invalid_field", "simulation parameters out of range");
    }
    arr = json_array();
    for (int i = 0; i < p.months; i++)
        json_array_append_new(arr,
                              json_pack("{s:i,s:I,s:I}", "month", series[i].month, "balance_minor",
                                        (json_int_t)series[i].balance_minor, "contributions_minor",
                                        (json_int_t)series[i].contributions_minor));
    free(series);
    return api_json(resp, 200,
                    json_pack("{s:i,s:o,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I},s:b}", "months", p.months,
                              "series", arr, "final_minor", (json_int_t)r.final_minor,
                              "total_contributions_minor", (json_int_t)r.total_contributions_minor,
                              "total_growth_minor", (json_int_t)r.total_growth_minor, "start_minor",
                              (json_int_t)p.start_minor, "monthly_contribution_minor",
                              (json_int_t)r.monthly_contribution_minor, "baseline", "income_minor",
                              (json_int_t)p.income_minor, "expenses_minor",
                              (json_int_t)p.expenses_minor, "capped", r.capped));
}

/* Answers the budgets of the month @month (a period.h text naming a month) with its period. */
static int budgets_answer(struct api_req *req, struct api_resp *resp, const char *month)
{
    struct period per;
    struct fin_cal cal;
    json_t *body;
    int rc = user_calendar(req, resp, &cal);

    if (rc)
        return rc;
    if (period_parse(month, cal.today, &per) != 0)
        return api_error(resp, 400, "invalid_field", "month must be YYYY-MM");
    body = finance_budgets_of(req->pg, req->user_id, per.from_day);
    if (!body)
        return finance_db_error(req, resp);
    json_object_set_new(body, "period", period_json(&per));
    return answer_totals(req, resp, body, per.from_day, per.to_day);
}

/* GET /budgets[?month=YYYY-MM]: the budgets of that month (default this one), spent over it. */
static int h_budgets_get(struct api_req *req, struct api_resp *resp)
{
    const char *month = api_query(req, "month");

    if (!month || !*month)
        return budgets_answer(req, resp, "this_month");
    if (strlen(month) != 7 || month[4] != '-' || strspn(month, "0123456789") != 4 ||
        strspn(month + 5, "0123456789") != 2)
        return api_error(resp, 400, "invalid_field", "month must be YYYY-MM");
    return budgets_answer(req, resp, month);
}

/* Validates PUT /budgets items into a [{category,limit_minor}] array for json_to_recordset. */
static int read_budgets(struct api_req *req, struct api_resp *resp, json_t **out)
{
    json_t *items, *item, *rows;
    size_t i;
    int rc;

    *out = NULL;
    rc = require_object(req, resp);
    if (rc)
        return rc;
    items = json_object_get(req->body, "items");
    if (!json_is_array(items) || json_array_size(items) > 100)
        return api_error(resp, 400, "invalid_field",
                         "items must be an array of at most 100 budgets");
    rows = json_array();
    json_array_foreach(items, i, item)
    {
        json_t *c = json_object_get(item, "category"), *l = json_object_get(item, "limit_minor");
        char name[40], tmp[CATEGORY_MAX * 4 + 1];
        const char *cat;

        snprintf(name, sizeof(name), "items[%zu].category", i);
        if (!json_is_string(c) || json_string_length(c) != strlen(json_string_value(c))) {
            rc = api_error(resp, 400, "invalid_field", "%s must be a string", name);
            goto out_bad;
        }
        rc = check_text(resp, name, json_string_value(c), CATEGORY_MAX, true);
        if (rc)
            goto out_bad;
        if (!json_is_integer(l) || json_integer_value(l) < 0 || json_integer_value(l) > LIMIT_MAX) {
            rc = api_error(resp, 400, "invalid_field",
                           "items[%zu].limit_minor must be an integer between 0 and %lld", i,
                           LIMIT_MAX);
            goto out_bad;
        }
        snprintf(tmp, sizeof(tmp), "%s", json_string_value(c));
        cat = norm_category(tmp);
        for (size_t k = 0; k < json_array_size(rows); k++) {
            json_t *row = json_array_get(rows, k);

            if (strcmp(json_string_value(json_object_get(row, "category")), cat) == 0) {
                rc = api_error(resp, 400, "invalid_field", "%s %s is listed twice", name, cat);
                goto out_bad;
            }
        }
        json_array_append_new(rows, json_pack("{s:s,s:I}", "category", cat, "limit_minor",
                                              (json_int_t)json_integer_value(l)));
    }
    *out = rows;
    return 0;
out_bad:
    json_decref(rows);
    return rc;
}

static int h_budgets_put(struct api_req *req, struct api_resp *resp)
{
    json_t *rows;
    const char *vals[2] = {req->user_id, NULL};
    char *text;
    int rc = read_budgets(req, resp, &rows);

    if (rc)
        return rc;
    text = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    vals[1] = text;
    rc = sql_begin(req->pg);
    if (!rc)
        rc = sql_exec(req->pg, "DELETE FROM budgets WHERE user_id = $1", 1, vals, NULL);
    if (!rc)
        rc = sql_exec(req->pg,
                      "INSERT INTO budgets (user_id, category, limit_minor)"
                      " SELECT $1, r.category, r.limit_minor FROM"
                      " json_to_recordset($2::json) AS r(category text, limit_minor bigint)",
                      2, vals, NULL);
    if (!rc)
        rc = sql_commit(req->pg);
    free(text);
    if (rc) {
        sql_rollback(req->pg);
        return api_pg_fail(req, resp, rc);
    }
    finance_changed(req);
    return budgets_answer(req, resp, "this_month");
}

static int h_goals(struct api_req *req, struct api_resp *resp)
{
    json_t *items = finance_goals(req->pg, req->user_id);

    if (!items)
        return finance_db_error(req, resp);
    return api_json(resp, 200, json_pack("{s:o}", "items", items));
}

const struct api_route finance_routes[] = {
    {"GET", "/api/v1/dashboard", h_dashboard, 0},
    {"GET", "/api/v1/accounts", h_accounts, 0},
    {"POST", "/api/v1/accounts", h_account_create, 0},
    {"GET", "/api/v1/transactions", h_txn_list, 0},
    {"POST", "/api/v1/transactions", h_txn_create, 0},
    {"PATCH", "/api/v1/transactions/{id}", h_txn_patch, 0},
    {"GET", "/api/v1/analytics/cashflow", h_cashflow, 0},
    {"GET", "/api/v1/analytics/categories", h_categories, 0},
    {"GET", "/api/v1/analytics/networth", h_networth, 0},
    {"GET", "/api/v1/analytics/subscriptions", h_subscriptions, 0},
    {"GET", "/api/v1/insights/health-score", h_health, 0},
    {"GET", "/api/v1/insights/fraud-alerts", h_alerts, 0},
    {"POST", "/api/v1/insights/fraud-alerts/{id}/resolve", h_alert_resolve, 0},
    {"GET", "/api/v1/forecast", h_forecast, 0},
    {"POST", "/api/v1/simulate", h_simulate, 0},
    {"GET", "/api/v1/budgets", h_budgets_get, 0},
    {"PUT", "/api/v1/budgets", h_budgets_put, 0},
    {"GET", "/api/v1/goals", h_goals, 0},
    {NULL, NULL, NULL, 0},
};
