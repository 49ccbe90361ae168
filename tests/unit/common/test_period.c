/* test_period.c - the periods of the assistant's tools: words on fixed days (month, quarter
 * and year boundaries, leap years, weeks from Monday), dates, ranges and their labels. */
#include "test.h"

#include "clock.h"
#include "err.h"
#include "period.h"

#include <stdint.h>

static int64_t day(int y, int m, int d)
{
    return clock_days_from_civil(y, m, d);
}

/* Checks that @s read on @today is @from..@to (y, m, d each) with @label. */
static void check_span(const char *s, int64_t today, int64_t from, int64_t to, const char *label)
{
    struct period p;
    int rc = period_parse(s, today, &p);

    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  period_parse(\"%s\") failed\n", s);
        return;
    }
    CHECK_EQ_INT(p.from_day, from);
    CHECK_EQ_INT(p.to_day, to);
    CHECK_EQ_STR(p.label, label);
}

/* Checks that @s is refused and that the result is left as it was. */
static void check_bad(const char *s)
{
    struct period p = {.from_day = -7, .to_day = -8, .label = "untouched"};

    CHECK_EQ_INT(period_parse(s, day(2026, 3, 15), &p), FC_EINVAL);
    CHECK_EQ_INT(p.from_day, -7);
    CHECK_EQ_INT(p.to_day, -8);
    CHECK_EQ_STR(p.label, "untouched");
}

/* A Sunday in the middle of a month, of the first quarter. */
static void test_words_mid_month(void)
{
    int64_t t = day(2026, 3, 15);

    check_span("today", t, t, t, "today");
    check_span("yesterday", t, day(2026, 3, 14), day(2026, 3, 14), "yesterday");
    check_span("this_week", t, day(2026, 3, 9), t, "this week");
    check_span("last_week", t, day(2026, 3, 2), day(2026, 3, 8), "last week");
    check_span("this_month", t, day(2026, 3, 1), t, "this month");
    check_span("last_month", t, day(2026, 2, 1), day(2026, 2, 28), "last month");
    check_span("this_quarter", t, day(2026, 1, 1), t, "this quarter");
    check_span("last_quarter", t, day(2025, 10, 1), day(2025, 12, 31), "last quarter");
    check_span("this_year", t, day(2026, 1, 1), t, "this year");
    check_span("last_year", t, day(2025, 1, 1), day(2025, 12, 31), "last year");
    check_span("last_7_days", t, day(2026, 3, 9), t, "the last 7 days");
    check_span("last_30_days", t, day(2026, 2, 14), t, "the last 30 days");
    check_span("last_90_days", t, day(2025, 12, 16), t, "the last 90 days");
    check_span("last_365_days", t, day(2025, 3, 16), t, "the last 365 days");
}

/* Weeks start on Monday: on a Monday this week is one day, last week ended yesterday. */
static void test_words_monday(void)
{
    int64_t t = day(2026, 3, 16);

    check_span("this_week", t, t, t, "this week");
    check_span("last_week", t, day(2026, 3, 9), day(2026, 3, 15), "last week");
    check_span("yesterday", t, day(2026, 3, 15), day(2026, 3, 15), "yesterday");
}

/* New Year's Day, a Thursday: everything "last" is in the year before; the week spans both. */
static void test_words_new_year(void)
{
    int64_t t = day(2026, 1, 1);

    check_span("yesterday", t, day(2025, 12, 31), day(2025, 12, 31), "yesterday");
    check_span("this_week", t, day(2025, 12, 29), t, "this week");
    check_span("last_week", t, day(2025, 12, 22), day(2025, 12, 28), "last week");
    check_span("this_month", t, t, t, "this month");
    check_span("last_month", t, day(2025, 12, 1), day(2025, 12, 31), "last month");
    check_span("this_quarter", t, t, t, "this quarter");
    check_span("last_quarter", t, day(2025, 10, 1), day(2025, 12, 31), "last quarter");
    check_span("this_year", t, t, t, "this year");
    check_span("last_year", t, day(2025, 1, 1), day(2025, 12, 31), "last year");
    check_span("last_7_days", t, day(2025, 12, 26), t, "the last 7 days");
    check_span("last_30_days", t, day(2025, 12, 3), t, "the last 30 days");
    check_span("last_365_days", t, day(2025, 1, 2), t, "the last 365 days");
}

/* The first of March of a leap year: last month has 29 days; Q4 and Q2 boundaries. */
static void test_words_leap(void)
{
    int64_t t = day(2024, 3, 1);

    check_span("yesterday", t, day(2024, 2, 29), day(2024, 2, 29), "yesterday");
    check_span("last_month", t, day(2024, 2, 1), day(2024, 2, 29), "last month");
    check_span("last_30_days", t, day(2024, 2, 1), t, "the last 30 days");
    check_span("last_90_days", t, day(2023, 12, 3), t, "the last 90 days");
    check_span("last_365_days", t, day(2023, 3, 3), t, "the last 365 days");
    check_span("this_week", t, day(2024, 2, 26), t, "this week");
    /* A non-leap year's February, from March; a quarter from its last day. */
    check_span("last_month", day(2025, 3, 31), day(2025, 2, 1), day(2025, 2, 28), "last month");
    check_span("last_quarter", day(2026, 6, 30), day(2026, 1, 1), day(2026, 3, 31), "last quarter");
    check_span("this_quarter", day(2026, 6, 30), day(2026, 4, 1), day(2026, 6, 30), "this quarter");
    check_span("last_quarter", day(2026, 10, 1), day(2026, 7, 1), day(2026, 9, 30), "last quarter");
    check_span("last_month", day(2026, 12, 6), day(2026, 11, 1), day(2026, 11, 30), "last month");
}

/* The edges of the calendar: the first and the last day a "today" may be. */
static void test_words_edges(void)
{
    int64_t first = day(1970, 1, 1), last = day(2100, 12, 31);
    struct period p;

    check_span("today", first, 0, 0, "today");
    check_span("last_year", first, day(1969, 1, 1), day(1969, 12, 31), "last year");
    check_span("this_year", last, day(2100, 1, 1), last, "this year");
    check_span("this_week", last, day(2100, 12, 27), last, "this week");
    CHECK_EQ_INT(period_parse("today", first - 1, &p), FC_EINVAL);
    CHECK_EQ_INT(period_parse("today", last + 1, &p), FC_EINVAL);
    CHECK_EQ_INT(period_parse("2026", INT64_MAX, &p), FC_EINVAL);
    CHECK_EQ_INT(period_parse("2026", INT64_MIN, &p), FC_EINVAL);
}

static void test_years_months_quarters(void)
{
    int64_t t = day(2026, 3, 15);

    check_span("2025", t, day(2025, 1, 1), day(2025, 12, 31), "2025");
    check_span("1970", t, 0, day(1970, 12, 31), "1970");
    check_span("2100", t, day(2100, 1, 1), day(2100, 12, 31), "2100");
    /* A future period is a period: it simply runs to its end. */
    check_span("2027", t, day(2027, 1, 1), day(2027, 12, 31), "2027");
    check_span("2026-10", t, day(2026, 10, 1), day(2026, 10, 31), "October 2026");
    check_span("2025-03", t, day(2025, 3, 1), day(2025, 3, 31), "March 2025");
    check_span("2026-01", t, day(2026, 1, 1), day(2026, 1, 31), "January 2026");
    check_span("2026-12", t, day(2026, 12, 1), day(2026, 12, 31), "December 2026");
    check_span("2026-04", t, day(2026, 4, 1), day(2026, 4, 30), "April 2026");
    check_span("2024-02", t, day(2024, 2, 1), day(2024, 2, 29), "February 2024");
    check_span("2000-02", t, day(2000, 2, 1), day(2000, 2, 29), "February 2000");
    check_span("2100-02", t, day(2100, 2, 1), day(2100, 2, 28), "February 2100");
    check_span("2026-02", t, day(2026, 2, 1), day(2026, 2, 28), "February 2026");
    check_span("2026-Q1", t, day(2026, 1, 1), day(2026, 3, 31), "Q1 2026");
    check_span("2026-Q2", t, day(2026, 4, 1), day(2026, 6, 30), "Q2 2026");
    check_span("2026-Q3", t, day(2026, 7, 1), day(2026, 9, 30), "Q3 2026");
    check_span("2026-Q4", t, day(2026, 10, 1), day(2026, 12, 31), "Q4 2026");
}

static void test_dates_and_ranges(void)
{
    int64_t t = day(2026, 3, 15);

    check_span("2026-03-03", t, day(2026, 3, 3), day(2026, 3, 3), "3 March 2026");
    check_span("2024-02-29", t, day(2024, 2, 29), day(2024, 2, 29), "29 February 2024");
    check_span("2000-02-29", t, day(2000, 2, 29), day(2000, 2, 29), "29 February 2000");
    check_span("1970-01-01", t, 0, 0, "1 January 1970");
    check_span("2100-12-31", t, day(2100, 12, 31), day(2100, 12, 31), "31 December 2100");
    check_span("2026-03-01..2026-03-15", t, day(2026, 3, 1), day(2026, 3, 15),
               "1 March 2026 to 15 March 2026");
    check_span("2025-12-24..2026-01-02", t, day(2025, 12, 24), day(2026, 1, 2),
               "24 December 2025 to 2 January 2026");
    check_span("2026-03-03..2026-03-03", t, day(2026, 3, 3), day(2026, 3, 3), "3 March 2026");
    /* The longest label fits. */
    check_span("2026-09-30..2027-09-30", t, day(2026, 9, 30), day(2027, 9, 30),
               "30 September 2026 to 30 September 2027");
}

static void test_refused(void)
{
    struct period p;

    /* Days that do not exist. */
    check_bad("2026-02-30");
    check_bad("2026-02-29");
    check_bad("2100-02-29");
    check_bad("2026-04-31");
    check_bad("2026-13-01");
    check_bad("2026-00-10");
    check_bad("2026-01-00");
    check_bad("2026-01-32");
    check_bad("2026-02-31..2026-03-01");
    check_bad("2026-03-01..2026-02-31");
    /* A range that ends before it starts. */
    check_bad("2026-03-15..2026-03-01");
    check_bad("2027-01-01..2026-12-31");
    /* Years outside 1970..2100. */
    check_bad("1969");
    check_bad("2101");
    check_bad("0000");
    check_bad("1969-12");
    check_bad("2101-01-01");
    check_bad("1969-12-31..2026-01-01");
    check_bad("2026-01-01..2101-01-01");
    check_bad("1969-Q4");
    /* Months and quarters that do not exist. */
    check_bad("2026-00");
    check_bad("2026-13");
    check_bad("2026-Q0");
    check_bad("2026-Q5");
    /* Other text. */
    check_bad("");
    check_bad("2026 ");
    check_bad(" 2026");
    check_bad("+2026");
    check_bad("-2026");
    check_bad("202");
    check_bad("20261");
    check_bad("2026-1");
    check_bad("2026-q1");
    check_bad("2026-Q1x");
    check_bad("2026-3-15");
    check_bad("2026/03/15");
    check_bad("2026-03-15x");
    check_bad("2026-03-01..");
    check_bad("2026-03-01...2026-03-02");
    check_bad("2026-03-01..2026-3-2");
    check_bad("2026-03-01 .. 2026-03-02");
    check_bad("2026-03-01--2026-03-02");
    check_bad("TODAY");
    check_bad("Today");
    check_bad("today ");
    check_bad("last_2_days");
    check_bad("last_month_");
    check_bad("this_decade");
    check_bad("last month");
    CHECK_EQ_INT(period_parse(NULL, day(2026, 3, 15), &p), FC_EINVAL);
}

/* Whether a text is a period, and its label, do not depend on the day it is read. */
static void test_label_independent_of_today(void)
{
    static const char *const texts[] = {"last_month", "this_week",  "2026-10",
                                        "2026-Q1",    "2026-03-03", "last_90_days"};
    struct period a, b;

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        CHECK_EQ_INT(period_parse(texts[i], day(1999, 7, 4), &a), 0);
        CHECK_EQ_INT(period_parse(texts[i], day(2031, 12, 31), &b), 0);
        CHECK_EQ_STR(a.label, b.label);
    }
}

TEST_MAIN(test_words_mid_month, test_words_monday, test_words_new_year, test_words_leap,
          test_words_edges, test_years_months_quarters, test_dates_and_ranges, test_refused,
          test_label_independent_of_today)
