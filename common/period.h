/* period.h - the periods of the assistant's tools and the API (proto/tools.json $defs.period).
 *
 * A period is a word (today, yesterday, this_week, last_week, this_month, last_month,
 * this_quarter, last_quarter, this_year, last_year, last_7_days, last_30_days,
 * last_90_days, last_365_days), or YYYY, YYYY-MM, YYYY-Qn, YYYY-MM-DD, or
 * YYYY-MM-DD..YYYY-MM-DD (inclusive). Weeks start on Monday. "this_week", "this_month",
 * "this_quarter" and "this_year" run from their first day to today (today included);
 * "last_week" ... "last_year" are the whole week, month, quarter or year before this one;
 * "last_30_days" is the 30 days ending today, today included. Days are epoch days (days
 * since 1970-01-01) of the user's calendar: the caller passes "today" in the user's time zone
 * (finance_calendar(), api-gateway/finance/finance_query.h). Whether a text is a period, and its
 * label, never depend on "today". Pure, no globals. */
#ifndef FINCHAT_PERIOD_H
#define FINCHAT_PERIOD_H

#include <stdint.h>

struct period {
    int64_t from_day, to_day; /* inclusive epoch days */
    char label[64];           /* in words: "October 2026", "Q1 2026", "2025", "last month",
                                 "the last 30 days", "3 March 2026", "1 March 2026 to 15
                                 March 2026" (a range of one day: "3 March 2026") */
};

/* Reads @s relative to @today (epoch day). Returns 0; FC_EINVAL for anything else: an
 * unknown word, an impossible date (2026-02-30), a range whose end is before its start, a
 * year outside 1970..2100, any other text (no spaces, signs or lower-case "q"); and for a
 * NULL @s or a @today outside 1970-01-01..2100-12-31. *@out is written only on success. */
int period_parse(const char *s, int64_t today, struct period *out);

#endif
