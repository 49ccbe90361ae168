/* fraud.h - explainable fraud scoring of new transactions (SPEC §4).
 *
 * fraud_score() is pure: it sees only a struct fraud_input and applies four rules, each adding
 * points and a sentence a person can read:
 *   +40  the amount is more than 3.5x the user's average outflow at that merchant, or in that
 *        category when the merchant has no history (exactly 3.5x does not fire);
 *   +25  local time in [23:00, 04:00) (23:00:00 fires, 04:00:00 does not);
 *   +20  less than 3 minutes after the user's previous transaction (exactly 180 s does not);
 *   +30  an earlier transaction with the same merchant and amount at most 10 minutes before
 *        (exactly 600 s fires).
 * A score >= FRAUD_REVIEW_SCORE is logged as a "review" alert, >= FRAUD_HIGH_SCORE is a
 * "high" risk alert. Only outflows (amount < 0) are scored; inflows score 0, and callers do
 * not score transfers between the user's own accounts (they still count as the "previous
 * transaction" of the velocity rule).
 *
 * Inputs come from two places: fraud_gather() asks PostgreSQL for one new transaction, and
 * struct fraud_hist keeps the same figures in memory for bulk paths (imports, seeding) that
 * score many rows in order. Both feed the same fraud_score(). */
#ifndef FINCHAT_FRAUD_H
#define FINCHAT_FRAUD_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define FRAUD_REVIEW_SCORE 30
#define FRAUD_HIGH_SCORE 50

#define FRAUD_NIGHT_START_S (23 * 3600)
#define FRAUD_NIGHT_END_S (4 * 3600)
#define FRAUD_VELOCITY_S 180
#define FRAUD_DUP_WINDOW_S 600

enum fraud_rule {
    FRAUD_RULE_AMOUNT = 1,
    FRAUD_RULE_NIGHT = 2,
    FRAUD_RULE_VELOCITY = 4,
    FRAUD_RULE_DUPLICATE = 8
};

struct fraud_input {
    int64_t amount_minor; /* the new transaction's signed amount */
    char currency[4];
    char merchant[128];    /* for the reasons */
    int64_t hist_count;    /* earlier outflows at the merchant (or category, see below) */
    int64_t hist_sum;      /* sum of their magnitudes */
    bool hist_is_category; /* the merchant had none, so these are the category's */
    char hist_label[128];  /* the merchant or category named in the reason */
    bool has_time;         /* false for date-only rows (imports): time rules are skipped */
    int local_sec;         /* seconds since local midnight, 0..86399 */
    int64_t prev_gap_s;    /* seconds since the previous transaction, -1 if none */
    int64_t dup_gap_s;     /* seconds since the latest earlier same merchant+amount, -1 if none */
};

#define FRAUD_MAX_REASONS 4

struct fraud_result {
    int score;
    int rules; /* bitmask of enum fraud_rule */
    int nreasons;
    char reasons[FRAUD_MAX_REASONS][192];
};

/* Scores @in into @out. Pure and thread-safe. */
void fraud_score(const struct fraud_input *in, struct fraud_result *out);
/* "high" for >= FRAUD_HIGH_SCORE, "review" for >= FRAUD_REVIEW_SCORE, else NULL. */
const char *fraud_level(int score);

/* Fills @in for a new transaction of @user_id (not yet inserted) from PostgreSQL: merchant or
 * category history, the previous transaction, an earlier duplicate, and the local time of
 * @posted_at (an RFC 3339 timestamp) in the user's time zone. Returns 0, or the negative
 * code of api-gateway/db/sql.h (logged) when the query failed. Run it inside the transaction that
 * inserts the row, after taking the user's advisory lock, so concurrent inserts see each other. */
int fraud_gather(PGconn *pg, const char *user_id, const char *merchant, const char *category,
                 int64_t amount_minor, const char *currency, const char *posted_at,
                 struct fraud_input *in);

/* In-memory history of one user's transactions, for scoring rows in posted order. */
struct fraud_hist;

/* Returns an empty history; fraud_hist_free(NULL) is a no-op. */
struct fraud_hist *fraud_hist_new(void);
void fraud_hist_free(struct fraud_hist *h);
/* Adds the merchant and category aggregates of @user_id's stored outflows. Returns 0 or the
 * negative code of api-gateway/db/sql.h (logged). */
int fraud_hist_load(struct fraud_hist *h, PGconn *pg, const char *user_id);
/* Records a transaction at @at_s (Unix seconds) as seen. */
void fraud_hist_learn(struct fraud_hist *h, const char *merchant, const char *category,
                      int64_t amount_minor, int64_t at_s);
/* Fills @in for a candidate transaction, as fraud_gather() would from the database. Time
 * rules use @at_s and @local_sec only when @has_time. */
void fraud_hist_input(const struct fraud_hist *h, const char *merchant, const char *category,
                      int64_t amount_minor, const char *currency, int64_t at_s, bool has_time,
                      int local_sec, struct fraud_input *in);

#endif
