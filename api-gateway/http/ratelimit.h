/* ratelimit.h - fixed-window request counters per (client key, class), one minute wide.
 *
 * Shared by all event-loop threads (@locks an internal mutex, held only for the lookup).
 * The table has a fixed number of slots, so memory does not grow with the number of
 * clients: stale windows are reused first, and when every slot is live the request is
 * admitted rather than wrongly blocking an innocent client. */
#ifndef FINCHAT_RATELIMIT_H
#define FINCHAT_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

struct ratelimit *ratelimit_new(unsigned slots);
void ratelimit_free(struct ratelimit *rl);
/* Counts one request of @key in class @cls against @limit per minute at @now_ms.
 * Returns 0 when admitted, else the seconds until the window resets (>= 1). */
int ratelimit_hit(struct ratelimit *rl, const char *key, int cls, int limit, int64_t now_ms);

#endif
