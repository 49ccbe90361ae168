/* analyst_fmt.h - text building for the analyst: money from integer minor units (never
 * floats), percentages, month names and calendar days, appended to a struct strbuf.
 *
 * Pure: no I/O, no globals; any thread. */
#ifndef FINCHAT_ANALYST_FMT_H
#define FINCHAT_ANALYST_FMT_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends @minor formatted as money in @currency as money_format() writes it ("$1,234.56",
 * "¥1,235", "1.500 KWD"; an unknown or NULL code gives the amount in minor units). */
void fmt_add_money(struct strbuf *b, int64_t minor, const char *currency);
/* Appends num/den as a percentage with one decimal ("23.4%"); "n/a" when @den is 0. */
void fmt_add_pct(struct strbuf *b, int64_t num, int64_t den);
/* Appends "June 2025" for "2025-06" (or "2025-06-17"); other text as it is. */
void fmt_add_month(struct strbuf *b, const char *yyyy_mm);

/* Calendar days are day numbers: days since 1970-01-01 in the proleptic Gregorian calendar,
 * UTC (clock_days_from_civil() and clock_civil_from_days() convert them). */

/* Reads the timestamp or date @s ("2025-06-17", "2025-06-17T23:30:00-05:00") into *@day: the
 * UTC date when @s has a time and an offset, else its date part. False when @s does not start
 * with a valid date. */
bool fmt_day_parse(const char *s, int64_t *day);
/* The weekday of @day: 0 for Monday to 6 for Sunday. */
int fmt_weekday(int64_t day);
/* Appends "Mon 24 Nov", or "Mon 24 Nov 2025" when @year. */
void fmt_add_day(struct strbuf *b, int64_t day, bool year);

#endif
