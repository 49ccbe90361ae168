/* clock.h - monotonic and wall clocks in integer units. */
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

#endif
