/* analyst_fmt.c - money, percentages, months and days for the analyst's answers. */
#include "llm-worker/analyst/analyst_fmt.h"

#include "clock.h"
#include "money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void fmt_add_money(struct strbuf *b, int64_t minor, const char *currency)
{
    char buf[MONEY_TEXT_MAX];

    money_format(minor, currency, 0, buf, sizeof(buf));
    strbuf_addstr(b, buf);
}

void fmt_add_pct(struct strbuf *b, int64_t num, int64_t den)
{
    bool neg;
    uint64_t n, d, tenths;

    if (den == 0) {
        strbuf_addstr(b, "n/a");
        return;
    }
    neg = (num < 0) != (den < 0) && num != 0;
    n = num < 0 ? (uint64_t)0 - (uint64_t)num : (uint64_t)num;
    d = den < 0 ? (uint64_t)0 - (uint64_t)den : (uint64_t)den;
    while (n > UINT64_MAX / 10000) { /* keep n * 10000 exact; precision is not at stake */
        n /= 10;
        d /= 10;
        if (d == 0)
            d = 1;
    }
    tenths = (n * 10000 / d + 5) / 10; /* hundredths of a percent, rounded half up */
    if (tenths == 0)
        neg = false;
    strbuf_addf(b, "%s%llu.%llu%%", neg ? "-" : "", (unsigned long long)(tenths / 10),
                (unsigned long long)(tenths % 10));
}

void fmt_add_month(struct strbuf *b, const char *s)
{
    static const char *const names[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    int m;

    if (strlen(s) >= 7 && s[4] == '-' && s[5] >= '0' && s[5] <= '1' && s[6] >= '0' && s[6] <= '9') {
        m = (s[5] - '0') * 10 + (s[6] - '0');
        if (m >= 1 && m <= 12) {
            strbuf_addf(b, "%s %.4s", names[m - 1], s);
            return;
        }
    }
    strbuf_addstr(b, s);
}

int fmt_weekday(int64_t day)
{
    int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday */

    return (int)(w < 0 ? w + 7 : w);
}

/* Reads @n digits at @s into *@out; false when one is missing. */
static bool digits_at(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* Reads the time at @t ("THH:MM[:SS[.fff]]", then "Z", "+HH:MM" or "-HHMM") into *@minutes
 * past midnight and its UTC offset into *@offset (0 when none given); false, with both 0,
 * when @t holds no time. */
static bool time_at(const char *t, int *minutes, int *offset)
{
    int hh, mm, oh, om;

    *minutes = *offset = 0;
    if ((*t != 'T' && *t != 't' && *t != ' ') || !digits_at(t + 1, 2, &hh) || t[3] != ':' ||
        !digits_at(t + 4, 2, &mm) || hh > 23 || mm > 59)
        return false;
    for (t += 6; (*t >= '0' && *t <= '9') || *t == ':' || *t == '.'; t++)
        ;
    if ((*t == '+' || *t == '-') && digits_at(t + 1, 2, &oh) &&
        (digits_at(t + 3, 2, &om) || (t[3] == ':' && digits_at(t + 4, 2, &om))) && oh < 24 &&
        om < 60)
        *offset = (*t == '-' ? -1 : 1) * (oh * 60 + om);
    *minutes = hh * 60 + mm;
    return true;
}

bool fmt_day_parse(const char *s, int64_t *day)
{
    int y, m, d, yy, mm, dd, minutes, offset;
    int64_t n;

    if (!s || !digits_at(s, 4, &y) || s[4] != '-' || !digits_at(s + 5, 2, &m) || s[7] != '-' ||
        !digits_at(s + 8, 2, &d) || m < 1 || m > 12 || d < 1)
        return false;
    n = clock_days_from_civil(y, m, d);
    clock_civil_from_days(n, &yy, &mm, &dd);
    if (mm != m || dd != d) /* the 31st of a shorter month */
        return false;
    if (time_at(s + 10, &minutes, &offset))
        n += minutes - offset < 0 ? -1 : minutes - offset >= 24 * 60 ? 1 : 0;
    *day = n;
    return true;
}

void fmt_add_day(struct strbuf *b, int64_t day, bool year)
{
    static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, m, d;

    clock_civil_from_days(day, &y, &m, &d);
    strbuf_addf(b, "%s %d %s", wd[fmt_weekday(day)], d, mon[m - 1]);
    if (year)
        strbuf_addf(b, " %d", y);
}
