/* stagehist.h - latency histograms of the chat pipeline's stages, for /metrics.
 *
 * Each service declares its stages as a static array of struct stagehist (names fixed at
 * compile time) and records one duration per request and stage with stagehist_observe();
 * stagehist_render() writes them as one Prometheus histogram with a `stage` label. The
 * buckets are fine enough below 10 ms to tell a millisecond stage from a five-millisecond
 * one, which is what an overhead budget of a few milliseconds needs (the route histograms
 * of the gateway start at 250 us and are coarse above). `make bench` reads the bucket
 * counts before and after a run and reports each stage's p50/p99 for that run alone.
 *
 * Lock-free: every update is a relaxed atomic add, callable from any thread; a rendering
 * taken during updates may count one observation in the sum and not yet in its bucket. */
#ifndef FINCHAT_STAGEHIST_H
#define FINCHAT_STAGEHIST_H

#include "strbuf.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define STAGEHIST_BUCKETS 20 /* the last one is +Inf */

struct stagehist {
    const char *name;                        /* the stage label: [a-z_]+ */
    atomic_llong buckets[STAGEHIST_BUCKETS]; /* per bucket, not cumulative */
    atomic_llong sum_us;
};

/* Records one duration of @us microseconds (negative counts as 0). */
void stagehist_observe(struct stagehist *h, int64_t us);
/* Records the time since @since_ns (clock_mono_ns()) when @since_ns is positive. */
void stagehist_since(struct stagehist *h, int64_t since_ns);
/* Appends histogram @metric (a name ending in _seconds) with one series per stage of @hs[@n]
 * that has observations, and its # HELP and # TYPE lines. */
void stagehist_render(struct strbuf *o, const char *metric, const char *help, struct stagehist *hs,
                      size_t n);
/* The upper bound, in microseconds, of bucket @b (INT64_MAX for the last one). */
int64_t stagehist_bound_us(int b);

#endif
