/* clock.h - monotonic and wall clocks in integer units, and calendar days. */
#ifndef FINCHAT_CLOCK_H
#define FINCHAT_CLOCK_H

#include <stdint.h>

/* Monotonic time since an arbitrary origin; use for durations and deadlines. */
int64_t clock_mono_ns(void);
int64_t clock_mono_ms(void);
/* Wall-clock Unix time; use for timestamps shown to people. */
int64_t clock_wall_ms(void);
/* Writes an RFC 3339 UTC timestamp with milliseconds (24 chars + NUL) into @buf (>= 32 bytes). */
void clock_rfc3339(int64_t wall_ms, char *buf, unsigned len);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). Pure. */
int64_t clock_days_from_civil(int y, int m, int d);
/* Inverse of clock_days_from_civil(). Pure. */
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
