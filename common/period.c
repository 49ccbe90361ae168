/* period.c - reads the periods of the assistant's tools into days and words. */
#include "period.h"

#include "clock.h"
#include "err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define YEAR_MIN 1970
#define YEAR_MAX 2100

enum unit { DAYS_AGO, WEEK, MONTH, QUARTER, YEAR, LAST_DAYS };

/* The words: @back is 0 for "this ..." and 1 for "last ..." (days ago for DAYS_AGO, the
 * number of days for LAST_DAYS). */
static const struct {
    const char *word, *label;
    enum unit unit;
    int back;
} words[] = {
    {"today", "today", DAYS_AGO, 0},
    {"yesterday", "yesterday", DAYS_AGO, 1},
    {"this_week", "this week", WEEK, 0},
    {"last_week", "last week", WEEK, 1},
    {"this_month", "this month", MONTH, 0},
    {"last_month", "last month", MONTH, 1},
    {"this_quarter", "this quarter", QUARTER, 0},
    {"last_quarter", "last quarter", QUARTER, 1},
    {"this_year", "this year", YEAR, 0},
    {"last_year", "last year", YEAR, 1},
    {"last_7_days", "the last 7 days", LAST_DAYS, 7},
    {"last_30_days", "the last 30 days", LAST_DAYS, 30},
    {"last_90_days", "the last 90 days", LAST_DAYS, 90},
    {"last_365_days", "the last 365 days", LAST_DAYS, 365},
};

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* The epoch day of the first of month @m of year @y; @m may run past 1..12 either way. */
static int64_t first_of(int y, int m)
{
    int64_t idx = (int64_t)y * 12 + (m - 1);
    int64_t yy = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);

    return clock_days_from_civil((int)yy, (int)(idx - yy * 12 + 1), 1);
}

/* @n whole months from month @m of year @y, the first of which is @back months before it. */
static void months(int y, int m, int back, int n, struct period *p)
{
    p->from_day = first_of(y, m - back);
    p->to_day = first_of(y, m - back + n) - 1;
}

/* The range word @i names relative to @today. "this ..." runs to today; "last ..." is the
 * whole unit before this one. */
static void word_range(size_t i, int64_t today, struct period *p)
{
    int y, m, d, back = words[i].back;
    int64_t monday = today - (((today + 3) % 7) + 7) % 7; /* 1970-01-05 was a Monday */

    clock_civil_from_days(today, &y, &m, &d);
    switch (words[i].unit) {
    case DAYS_AGO:
        p->from_day = p->to_day = today - back;
        return;
    case LAST_DAYS:
        p->from_day = today - back + 1;
        p->to_day = today;
        return;
    case WEEK:
        p->from_day = monday - 7 * back;
        p->to_day = p->from_day + 6;
        break;
    case MONTH:
        months(y, m, back, 1, p);
        break;
    case QUARTER:
        months(y, m - (m - 1) % 3, 3 * back, 3, p);
        break;
    case YEAR:
        months(y, 1, 12 * back, 12, p);
        break;
    }
    if (p->to_day > today)
        p->to_day = today;
}

/* Reads @n decimal digits at @s into *@v. */
static bool digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

static bool year_ok(int y)
{
    return y >= YEAR_MIN && y <= YEAR_MAX;
}

/* Reads a YYYY-MM-DD date (exactly 10 characters at @s) into *@day; false unless it exists. */
static bool date_at(const char *s, int64_t *day)
{
    int y, m, d, yy, mm, dd;

    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || !year_ok(y) || m < 1 || m > 12 || d < 1)
        return false;
    *day = clock_days_from_civil(y, m, d);
    clock_civil_from_days(*day, &yy, &mm, &dd);
    return yy == y && mm == m && dd == d;
}

/* Writes "3 March 2026" for epoch day @day into @out. */
static void day_words(int64_t day, char *out, size_t len)
{
    int y, m, d;

    clock_civil_from_days(day, &y, &m, &d);
    snprintf(out, len, "%d %s %d", d, month_names[m - 1], y);
}

static int parse_dates(const char *s, size_t len, struct period *p)
{
    char from[28], to[28]; /* "30 September 2026" */

    if (len == 10 && date_at(s, &p->from_day)) {
        p->to_day = p->from_day;
        day_words(p->from_day, p->label, sizeof(p->label));
        return 0;
    }
    if (len != 22 || s[10] != '.' || s[11] != '.' || !date_at(s, &p->from_day) ||
        !date_at(s + 12, &p->to_day) || p->to_day < p->from_day)
        return FC_EINVAL;
    day_words(p->from_day, from, sizeof(from));
    day_words(p->to_day, to, sizeof(to));
    if (p->to_day == p->from_day)
        snprintf(p->label, sizeof(p->label), "%s", from);
    else
        snprintf(p->label, sizeof(p->label), "%s to %s", from, to);
    return 0;
}

/* YYYY, YYYY-MM, YYYY-Qn. */
static int parse_months(const char *s, size_t len, struct period *p)
{
    int y, n;

    if ((len != 4 && len != 7) || !digits(s, 4, &y) || !year_ok(y))
        return FC_EINVAL;
    if (len == 4) {
        months(y, 1, 0, 12, p);
        snprintf(p->label, sizeof(p->label), "%d", y);
    } else if (s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
        n = s[6] - '0';
        months(y, 3 * n - 2, 0, 3, p);
        snprintf(p->label, sizeof(p->label), "Q%d %d", n, y);
    } else if (s[4] == '-' && digits(s + 5, 2, &n) && n >= 1 && n <= 12) {
        months(y, n, 0, 1, p);
        snprintf(p->label, sizeof(p->label), "%s %d", month_names[n - 1], y);
    } else {
        return FC_EINVAL;
    }
    return 0;
}

int period_parse(const char *s, int64_t today, struct period *out)
{
    struct period p;
    size_t len;
    int rc;

    if (!s || today < clock_days_from_civil(YEAR_MIN, 1, 1) ||
        today > clock_days_from_civil(YEAR_MAX, 12, 31))
        return FC_EINVAL;
    len = strlen(s);
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(s, words[i].word) == 0) {
            word_range(i, today, &p);
            snprintf(p.label, sizeof(p.label), "%s", words[i].label);
            *out = p;
            return 0;
        }
    }
    rc = len >= 10 ? parse_dates(s, len, &p) : parse_months(s, len, &p);
    if (rc == 0)
        *out = p;
    return rc;
}
