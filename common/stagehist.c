/* stagehist.c - latency histograms of the pipeline's stages (see stagehist.h). */
#include "stagehist.h"

#include "clock.h"

#include <stdio.h>

/* Upper bounds in microseconds: 100 us to 10 s, three or more per decade. */
static const int64_t bound_us[STAGEHIST_BUCKETS - 1] = {
    100,   250,   500,    1000,   2000,   3000,    5000,    7500,    10000,   15000,
    25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

int64_t stagehist_bound_us(int b)
{
    return b >= 0 && b < STAGEHIST_BUCKETS - 1 ? bound_us[b] : INT64_MAX;
}

void stagehist_observe(struct stagehist *h, int64_t us)
{
    int b = 0;

    if (us < 0)
        us = 0;
    while (b < STAGEHIST_BUCKETS - 1 && us > bound_us[b])
        b++;
    atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

void stagehist_since(struct stagehist *h, int64_t since_ns)
{
    if (since_ns > 0)
        stagehist_observe(h, (clock_mono_ns() - since_ns) / 1000);
}

void stagehist_render(struct strbuf *o, const char *metric, const char *help, struct stagehist *hs,
                      size_t n)
{
    strbuf_addf(o, "# HELP %s %s\n# TYPE %s histogram\n", metric, help, metric);
    for (size_t i = 0; i < n; i++) {
        long long cum = 0, counts[STAGEHIST_BUCKETS];

        for (int b = 0; b < STAGEHIST_BUCKETS; b++) {
            counts[b] = atomic_load_explicit(&hs[i].buckets[b], memory_order_relaxed);
            cum += counts[b];
        }
        if (cum == 0)
            continue;
        cum = 0;
        for (int b = 0; b < STAGEHIST_BUCKETS; b++) {
            cum += counts[b];
            if (b < STAGEHIST_BUCKETS - 1)
                strbuf_addf(o, "%s_bucket{stage=\"%s\",le=\"%g\"} %lld\n", metric, hs[i].name,
                            (double)bound_us[b] / 1e6, cum);
            else
                strbuf_addf(o, "%s_bucket{stage=\"%s\",le=\"+Inf\"} %lld\n", metric, hs[i].name,
                            cum);
        }
        strbuf_addf(o, "%s_sum{stage=\"%s\"} %g\n%s_count{stage=\"%s\"} %lld\n", metric, hs[i].name,
                    (double)atomic_load_explicit(&hs[i].sum_us, memory_order_relaxed) / 1e6, metric,
                    hs[i].name, cum);
    }
}
