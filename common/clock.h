/* clock.h - monotonic and wall clocks in integer units, and calendar days. */
#ifndef FINCHAT_CLOCK_H
#define FINCHAT_CLOCK_H

#include <stdint.h>

/* Monotonic time since an arbitrary origin; use for durations and deadlines. */
int64_t clock_mono_ns(void);
int64_t clock_mono_ms(void);
/* Wall-clock Unix time; use for timestamps shown to people. It is the system clock plus the
 * offset of clock_set_wall_offset_ms() (0 unless a test asked for another "now"). */
int64_t clock_wall_ms(void);
/* Shifts clock_wall_ms() by @offset_ms from now on (process-wide; call once at start-up before
 * any thread reads the clock). Only for FINCHAT_TEST_NOW (common/config.h), which config_load()
 * refuses in production. */
void clock_set_wall_offset_ms(int64_t offset_ms);
/* Reads an RFC 3339 timestamp "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)" ('T' or 't' or ' ')
 * into Unix milliseconds. Returns 0, or -1 for anything else (impossible date or time, missing
 * zone, trailing text). Pure. */
int clock_parse_rfc3339(const char *s, int64_t *wall_ms);
/* Writes an RFC 3339 UTC timestamp with milliseconds (24 chars + NUL) into @buf (>= 32 bytes). */
void clock_rfc3339(int64_t wall_ms, char *buf, unsigned len);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). Pure. */
int64_t clock_days_from_civil(int y, int m, int d);
/* Inverse of clock_days_from_civil(). Pure. */
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
