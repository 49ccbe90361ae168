/* test_fraud.c - the four fraud rules one by one, at their boundaries, and the in-memory
 * history that feeds them for bulk paths. */
#include "test.h"

#include "api-gateway/finance/fraud.h"

#include <string.h>

/* A baseline input that fires no rule: a $10 outflow at noon, average $10, no neighbours. */
static struct fraud_input base(void)
{
    struct fraud_input in;

    memset(&in, 0, sizeof(in));
    in.amount_minor = -1000;
    memcpy(in.currency, "USD", 4);
    memcpy(in.merchant, "Corner Cafe", 12);
    memcpy(in.hist_label, "Corner Cafe", 12);
    in.hist_count = 4;
    in.hist_sum = 4000;
    in.has_time = true;
    in.local_sec = 12 * 3600;
    in.prev_gap_s = -1;
    in.dup_gap_s = -1;
    return in;
}

static void test_quiet(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
    CHECK_EQ_INT(r.nreasons, 0);
    CHECK(fraud_level(r.score) == NULL);
}

static void test_amount_boundary(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.amount_minor = -3500; /* exactly 3.5x the $10 average: not more than */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
    in.amount_minor = -3501;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 40);
    CHECK_EQ_INT(r.rules, FRAUD_RULE_AMOUNT);
    CHECK_EQ_INT(r.nreasons, 1);
    CHECK(strstr(r.reasons[0], "$35.01") != NULL);
    CHECK(strstr(r.reasons[0], "3.5x") != NULL);
    CHECK(strstr(r.reasons[0], "at Corner Cafe") != NULL);
    CHECK_EQ_STR(fraud_level(40), "review");
}

static void test_amount_category_and_none(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.hist_is_category = true;
    memcpy(in.hist_label, "dining", 7);
    in.amount_minor = -100000;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 40);
    CHECK(strstr(r.reasons[0], "in dining") != NULL);
    CHECK(strstr(r.reasons[0], "100.0x") != NULL);
    in.hist_count = 0;
    in.hist_sum = 0;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
}

static void test_inflows_not_scored(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.amount_minor = 1000000;
    in.local_sec = 3 * 3600;
    in.prev_gap_s = 1;
    in.dup_gap_s = 1;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
}

static void test_night_boundaries(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.local_sec = 23 * 3600 - 1; /* 22:59:59 */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
    in.local_sec = 23 * 3600; /* 23:00:00 */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 25);
    CHECK(strstr(r.reasons[0], "23:00 local") != NULL);
    in.local_sec = 0;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 25);
    in.local_sec = 4 * 3600 - 1; /* 03:59:59 */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 25);
    CHECK(strstr(r.reasons[0], "03:59") != NULL);
    in.local_sec = 4 * 3600; /* 04:00:00 */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
    in.has_time = false; /* date-only rows skip time rules */
    in.local_sec = 3600;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
}

static void test_velocity_boundary(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.prev_gap_s = 180; /* exactly 3 minutes: not less than */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
    in.prev_gap_s = 179;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 20);
    CHECK_EQ_INT(r.rules, FRAUD_RULE_VELOCITY);
    in.prev_gap_s = 0;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 20);
    CHECK(fraud_level(r.score) == NULL);
}

static void test_duplicate_boundary(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    in.dup_gap_s = 600; /* exactly 10 minutes: within */
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 30);
    CHECK(strstr(r.reasons[0], "10 min 0 s") != NULL);
    CHECK(strstr(r.reasons[0], "duplicate") != NULL);
    CHECK_EQ_STR(fraud_level(r.score), "review");
    in.dup_gap_s = 601;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 0);
}

static void test_combined_levels(void)
{
    struct fraud_input in = base();
    struct fraud_result r;

    /* A large purchase at 3 a.m.: 40 + 25 = 65, high. */
    in.amount_minor = -189900;
    in.local_sec = 3 * 3600 + 12 * 60;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 65);
    CHECK_EQ_INT(r.nreasons, 2);
    CHECK_EQ_STR(fraud_level(r.score), "high");
    /* A duplicate two minutes later: 30 + 20 = 50, exactly the high threshold. */
    in = base();
    in.prev_gap_s = 120;
    in.dup_gap_s = 120;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 50);
    CHECK_EQ_STR(fraud_level(r.score), "high");
    CHECK_EQ_STR(fraud_level(49), "review");
    CHECK_EQ_STR(fraud_level(29) ? "x" : "none", "none");
    /* Everything at once. */
    in.amount_minor = -100000;
    in.local_sec = 23 * 3600 + 30 * 60;
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 115);
    CHECK_EQ_INT(r.nreasons, 4);
}

static void test_hist(void)
{
    struct fraud_hist *h = fraud_hist_new();
    struct fraud_input in;
    struct fraud_result r;
    int64_t t0 = 1700000000;

    for (int i = 0; i < 5; i++)
        fraud_hist_learn(h, "Best Buy", "shopping", -8000, t0 + i * 86400);
    fraud_hist_learn(h, "Employer", "income", 500000, t0 + 5 * 86400);
    /* 4 x 80 = 320 > 3.5 x 80: the merchant's history, case-insensitive. */
    fraud_hist_input(h, "BEST BUY", "shopping", -32000, "USD", t0 + 6 * 86400, true, 12 * 3600,
                     &in);
    CHECK_EQ_INT(in.hist_count, 5);
    CHECK_EQ_INT(in.hist_sum, 40000);
    CHECK(!in.hist_is_category);
    CHECK_EQ_INT(in.prev_gap_s, 86400);
    CHECK_EQ_INT(in.dup_gap_s, -1);
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 40);
    /* A new merchant falls back to its category. */
    fraud_hist_input(h, "Apple Store", "shopping", -1000, "USD", t0 + 6 * 86400, true, 43200, &in);
    CHECK(in.hist_is_category);
    CHECK_EQ_INT(in.hist_count, 5);
    CHECK_EQ_STR(in.hist_label, "shopping");
    /* Duplicates within ten minutes, velocity under three. */
    fraud_hist_learn(h, "Uber Eats", "dining", -3450, t0 + 7 * 86400);
    fraud_hist_input(h, "uber eats", "dining", -3450, "USD", t0 + 7 * 86400 + 120, true, 70000,
                     &in);
    CHECK_EQ_INT(in.dup_gap_s, 120);
    CHECK_EQ_INT(in.prev_gap_s, 120);
    fraud_score(&in, &r);
    CHECK_EQ_INT(r.score, 50);
    fraud_hist_input(h, "uber eats", "dining", -3451, "USD", t0 + 7 * 86400 + 120, true, 70000,
                     &in);
    CHECK_EQ_INT(in.dup_gap_s, -1);
    /* Old entries leave the ten-minute window. */
    fraud_hist_learn(h, "Other", "dining", -100, t0 + 8 * 86400);
    fraud_hist_input(h, "Uber Eats", "dining", -3450, "USD", t0 + 8 * 86400 + 1, true, 70000, &in);
    CHECK_EQ_INT(in.dup_gap_s, -1);
    /* Many merchants grow the table. */
    for (int i = 0; i < 500; i++) {
        char name[32];

        snprintf(name, sizeof(name), "Shop %d", i);
        fraud_hist_learn(h, name, "misc", -(i + 1), t0 + 9 * 86400 + i * 1000);
    }
    fraud_hist_input(h, "shop 499", "misc", -1, "USD", t0 + 10 * 86400, true, 43200, &in);
    CHECK_EQ_INT(in.hist_count, 1);
    CHECK_EQ_INT(in.hist_sum, 500);
    fraud_hist_free(h);
    fraud_hist_free(NULL);
}

TEST_MAIN(test_quiet, test_amount_boundary, test_amount_category_and_none, test_inflows_not_scored,
          test_night_boundaries, test_velocity_boundary, test_duplicate_boundary,
          test_combined_levels, test_hist)
