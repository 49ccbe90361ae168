/* fraud.c - the four fraud rules, and the two ways of gathering their inputs. */
#include "api-gateway/finance/fraud.h"

#include "err.h"
#include "log.h"
#include "money.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_calc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fraud_level(int score)
{
    if (score >= FRAUD_HIGH_SCORE)
        return "high";
    if (score >= FRAUD_REVIEW_SCORE)
        return "review";
    return NULL;
}

static void add_reason(struct fraud_result *out, int rule, int points, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_reason(struct fraud_result *out, int rule, int points, const char *fmt, ...)
{
    va_list ap;

    out->score += points;
    out->rules |= rule;
    if (out->nreasons >= FRAUD_MAX_REASONS)
        return;
    va_start(ap, fmt);
    vsnprintf(out->reasons[out->nreasons++], sizeof(out->reasons[0]), fmt, ap);
    va_end(ap);
}

static void rule_amount(const struct fraud_input *in, struct fraud_result *out)
{
    int64_t mag = -in->amount_minor;
    char amt[MONEY_TEXT_MAX], avg[MONEY_TEXT_MAX];
    int64_t tenths;

    /* mag > 3.5 * sum / count  <=>  2 * mag * count > 7 * sum, all in integers. */
    if (in->hist_count <= 0 || in->hist_sum <= 0)
        return;
    if (mag > INT64_MAX / 2 / in->hist_count || in->hist_sum > INT64_MAX / 7)
        return;
    if (2 * mag * in->hist_count <= 7 * in->hist_sum)
        return;
    money_format(mag, in->currency, 0, amt, sizeof(amt));
    money_format(finance_div_round(in->hist_sum, in->hist_count), in->currency, 0, avg,
                 sizeof(avg));
    tenths = finance_div_round(mag * 10 * in->hist_count, in->hist_sum);
    add_reason(out, FRAUD_RULE_AMOUNT, 40, "Amount %s is %lld.%lldx your average of %s %s %s.", amt,
               (long long)(tenths / 10), (long long)(tenths % 10), avg,
               in->hist_is_category ? "in" : "at", in->hist_label);
}

static void rule_night(const struct fraud_input *in, struct fraud_result *out)
{
    int s = in->local_sec;

    if (s < 0 || s >= 86400)
        return;
    if (s < FRAUD_NIGHT_START_S && s >= FRAUD_NIGHT_END_S)
        return;
    add_reason(out, FRAUD_RULE_NIGHT, 25,
               "Made at %02d:%02d local time, between 23:00 and 04:00 when you rarely spend.",
               s / 3600, s / 60 % 60);
}

static void rule_velocity(const struct fraud_input *in, struct fraud_result *out)
{
    if (in->prev_gap_s < 0 || in->prev_gap_s >= FRAUD_VELOCITY_S)
        return;
    add_reason(out, FRAUD_RULE_VELOCITY, 20,
               "Only %lld s after your previous transaction (under 3 minutes).",
               (long long)in->prev_gap_s);
}

static void rule_duplicate(const struct fraud_input *in, struct fraud_result *out)
{
    char amt[MONEY_TEXT_MAX];

    if (in->dup_gap_s < 0 || in->dup_gap_s > FRAUD_DUP_WINDOW_S)
        return;
    money_format(-in->amount_minor, in->currency, 0, amt, sizeof(amt));
    add_reason(out, FRAUD_RULE_DUPLICATE, 30,
               "Same merchant (%s) and amount (%s) as a charge %lld min %lld s earlier: possible "
               "duplicate.",
               in->merchant, amt, (long long)(in->dup_gap_s / 60), (long long)(in->dup_gap_s % 60));
}

void fraud_score(const struct fraud_input *in, struct fraud_result *out)
{
    memset(out, 0, sizeof(*out));
    if (in->amount_minor >= 0)
        return;
    rule_amount(in, out);
    if (!in->has_time)
        return;
    rule_night(in, out);
    rule_velocity(in, out);
    rule_duplicate(in, out);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int64_t col_i64(PGresult *res, int col)
{
    if (PQgetisnull(res, 0, col))
        return -1;
    return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int fraud_gather(PGconn *pg, const char *user_id, const char *merchant, const char *category,
                 int64_t amount_minor, const char *currency, const char *posted_at,
                 struct fraud_input *in)
{
    static const char sql[] =
        "WITH m AS (SELECT count(*) n, coalesce(sum(-amount_minor),0) s FROM transactions "
        "  WHERE user_id=$1 AND amount_minor<0 AND lower(merchant)=lower($2)),"
        " c AS (SELECT count(*) n, coalesce(sum(-amount_minor),0) s FROM transactions "
        "  WHERE user_id=$1 AND amount_minor<0 AND category=$3)"
        " SELECT m.n, m.s, c.n, c.s,"
        "  (SELECT floor(extract(epoch FROM $5::timestamptz - max(posted_at)))::bigint"
        "     FROM transactions WHERE user_id=$1 AND posted_at <= $5::timestamptz),"
        "  (SELECT floor(extract(epoch FROM $5::timestamptz - max(posted_at)))::bigint"
        "     FROM transactions WHERE user_id=$1 AND lower(merchant)=lower($2)"
        "     AND amount_minor=$4::bigint AND posted_at <= $5::timestamptz"
        "     AND posted_at >= $5::timestamptz - interval '10 minutes'),"
        "  (SELECT floor(extract(epoch FROM ($5::timestamptz AT TIME ZONE u.timezone)::time))::int"
        "     FROM users u WHERE u.id=$1)"
        " FROM m, c";
    char amt[24];
    const char *vals[5] = {user_id, merchant, category, amt, posted_at};
    PGresult *res;
    int rc;

    snprintf(amt, sizeof(amt), "%lld", (long long)amount_minor);
    memset(in, 0, sizeof(*in));
    in->amount_minor = amount_minor;
    copy_str(in->currency, sizeof(in->currency), currency);
    copy_str(in->merchant, sizeof(in->merchant), merchant);
    rc = sql_query(pg, sql, 5, vals, &res);
    if (rc)
        return rc;
    if (PQntuples(res) != 1) {
        log_error("fraud_gather: %d rows where one was expected", PQntuples(res));
        rc = FC_EIO;
        goto out_clear;
    }
    in->hist_count = col_i64(res, 0);
    in->hist_sum = col_i64(res, 1);
    copy_str(in->hist_label, sizeof(in->hist_label), merchant);
    if (in->hist_count == 0) {
        in->hist_count = col_i64(res, 2);
        in->hist_sum = col_i64(res, 3);
        in->hist_is_category = true;
        copy_str(in->hist_label, sizeof(in->hist_label), category);
    }
    in->prev_gap_s = col_i64(res, 4);
    in->dup_gap_s = col_i64(res, 5);
    in->local_sec = (int)col_i64(res, 6);
    in->has_time = in->local_sec >= 0;
out_clear:
    PQclear(res);
    return rc;
}

/* The in-memory history: aggregates per merchant ("m:" key) and category ("c:" key) in an
 * open-addressing table, the latest time seen, and the outflows of the last ten minutes. */
struct agg {
    char *key; /* NULL for an empty slot */
    int64_t count;
    int64_t sum;
};

struct recent {
    char *merchant; /* lower-cased */
    int64_t amount_minor;
    int64_t at_s;
};

struct fraud_hist {
    struct agg *slots;
    size_t cap, used;
    int64_t last_at;
    bool have_last;
    struct recent *recent;
    size_t nrecent, caprecent;
};

struct fraud_hist *fraud_hist_new(void)
{
    struct fraud_hist *h = xcalloc(1, sizeof(*h));

    h->cap = 64;
    h->slots = xcalloc(h->cap, sizeof(*h->slots));
    return h;
}

void fraud_hist_free(struct fraud_hist *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->cap; i++)
        free(h->slots[i].key);
    for (size_t i = 0; i < h->nrecent; i++)
        free(h->recent[i].merchant);
    free(h->slots);
    free(h->recent);
    free(h);
}

static char *make_key(char kind, const char *name)
{
    size_t n = strlen(name);
    char *k = xmalloc(n + 3);

    k[0] = kind;
    k[1] = ':';
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];

        k[i + 2] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    k[n + 2] = '\0';
    return k;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct agg *find_slot(struct agg *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_str(key) & (cap - 1);

    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void grow(struct fraud_hist *h)
{
    size_t ncap = h->cap * 2;
    struct agg *ns = xcalloc(ncap, sizeof(*ns));

    for (size_t i = 0; i < h->cap; i++)
        if (h->slots[i].key)
            *find_slot(ns, ncap, h->slots[i].key) = h->slots[i];
    free(h->slots);
    h->slots = ns;
    h->cap = ncap;
}

/* Adds @count outflows summing @sum under @kind:@name. Takes nothing; copies the key. */
static void agg_add(struct fraud_hist *h, char kind, const char *name, int64_t count, int64_t sum)
{
    char *key = make_key(kind, name);
    struct agg *a;

    if ((h->used + 1) * 10 > h->cap * 7)
        grow(h);
    a = find_slot(h->slots, h->cap, key);
    if (!a->key) {
        a->key = key;
        h->used++;
    } else {
        free(key);
    }
    a->count += count;
    a->sum += sum;
}

static const struct agg *agg_get(const struct fraud_hist *h, char kind, const char *name)
{
    char *key = make_key(kind, name);
    const struct agg *a = find_slot(h->slots, h->cap, key);

    free(key);
    return a->key ? a : NULL;
}

int fraud_hist_load(struct fraud_hist *h, PGconn *pg, const char *user_id)
{
    static const char sql[] = "SELECT 'm', merchant, count(*), sum(-amount_minor) FROM transactions"
                              " WHERE user_id=$1 AND amount_minor<0 GROUP BY merchant"
                              " UNION ALL SELECT 'c', category, count(*), sum(-amount_minor)"
                              " FROM transactions WHERE user_id=$1 AND amount_minor<0"
                              " GROUP BY category";
    const char *vals[1] = {user_id};
    PGresult *res;
    int rc = sql_query(pg, sql, 1, vals, &res);

    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(res); i++)
        agg_add(h, PQgetvalue(res, i, 0)[0], PQgetvalue(res, i, 1),
                strtoll(PQgetvalue(res, i, 2), NULL, 10), strtoll(PQgetvalue(res, i, 3), NULL, 10));
    PQclear(res);
    return 0;
}

void fraud_hist_learn(struct fraud_hist *h, const char *merchant, const char *category,
                      int64_t amount_minor, int64_t at_s)
{
    size_t keep = 0;

    if (!h->have_last || at_s > h->last_at)
        h->last_at = at_s;
    h->have_last = true;
    if (amount_minor >= 0)
        return;
    agg_add(h, 'm', merchant, 1, -amount_minor);
    agg_add(h, 'c', category, 1, -amount_minor);
    for (size_t i = 0; i < h->nrecent; i++) {
        if (h->last_at - h->recent[i].at_s > FRAUD_DUP_WINDOW_S)
            free(h->recent[i].merchant);
        else
            h->recent[keep++] = h->recent[i];
    }
    h->nrecent = keep;
    if (h->nrecent == h->caprecent) {
        h->caprecent = h->caprecent ? h->caprecent * 2 : 16;
        h->recent = xrealloc(h->recent, h->caprecent * sizeof(*h->recent));
    }
    h->recent[h->nrecent].merchant = make_key('m', merchant);
    h->recent[h->nrecent].amount_minor = amount_minor;
    h->recent[h->nrecent].at_s = at_s;
    h->nrecent++;
}

void fraud_hist_input(const struct fraud_hist *h, const char *merchant, const char *category,
                      int64_t amount_minor, const char *currency, int64_t at_s, bool has_time,
                      int local_sec, struct fraud_input *in)
{
    const struct agg *a = agg_get(h, 'm', merchant);
    char *key;

    memset(in, 0, sizeof(*in));
    in->amount_minor = amount_minor;
    copy_str(in->currency, sizeof(in->currency), currency);
    copy_str(in->merchant, sizeof(in->merchant), merchant);
    copy_str(in->hist_label, sizeof(in->hist_label), merchant);
    if (!a) {
        a = agg_get(h, 'c', category);
        in->hist_is_category = true;
        copy_str(in->hist_label, sizeof(in->hist_label), category);
    }
    in->hist_count = a ? a->count : 0;
    in->hist_sum = a ? a->sum : 0;
    in->has_time = has_time;
    in->local_sec = local_sec;
    in->prev_gap_s = h->have_last && h->last_at <= at_s ? at_s - h->last_at : -1;
    in->dup_gap_s = -1;
    key = make_key('m', merchant);
    for (size_t i = 0; i < h->nrecent; i++) {
        const struct recent *r = &h->recent[i];
        int64_t gap = at_s - r->at_s;

        if (gap >= 0 && r->amount_minor == amount_minor && strcmp(r->merchant, key) == 0 &&
            (in->dup_gap_s < 0 || gap < in->dup_gap_s))
            in->dup_gap_s = gap;
    }
    free(key);
}
