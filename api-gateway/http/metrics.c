/* metrics.c - atomic counters, per-route histograms, and their renderings. */
#include "api-gateway/http/metrics.h"

#include "stagehist.h"
#include "strbuf.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_ROUTES 128
#define NBUCKETS 15

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const int64_t bucket_us[NBUCKETS - 1] = {250,    500,     1000,    2000,    5000,
                                                10000,  25000,   50000,   100000,  250000,
                                                500000, 1000000, 2500000, 10000000};

struct route_stats {
    char name[96];
    atomic_llong by_class[6]; /* 1xx..5xx by index status/100 */
    atomic_llong buckets[NBUCKETS];
    atomic_llong sum_us;
};

static struct route_stats routes[MAX_ROUTES];
static int nroutes;
static atomic_llong counters[M_COUNTER_MAX];

static const char *const counter_names[M_COUNTER_MAX] = {
    "finchat_sse_active_streams",
    "finchat_kafka_produced_total",
    "finchat_kafka_produce_errors_total",
    "finchat_kafka_chunks_consumed_total",
    "finchat_kafka_replays_total",
    "finchat_stream_hub_hits_total",
    "finchat_stream_hub_misses_total",
    "finchat_chat_ttft_count",
    "finchat_chat_ttft_ms_sum",
    "finchat_dashboard_cache_hits_total",
    "finchat_dashboard_cache_misses_total",
};

static struct stagehist stages[MS_STAGE_MAX] = {
    [MS_POOL_WAIT] = {.name = "pool_wait"}, [MS_PREPARE] = {.name = "prepare"},
    [MS_OPEN] = {.name = "open"},           [MS_MESSAGE] = {.name = "message"},
    [MS_PUBLISH] = {.name = "publish"},     [MS_ANSWER_FIRST] = {.name = "answer_first"},
    [MS_CHUNK_IN] = {.name = "chunk_in"},
};

void metrics_stage(enum metric_stage s, int64_t us)
{
    stagehist_observe(&stages[s], us);
}

void metrics_stage_since(enum metric_stage s, int64_t since_ns)
{
    stagehist_since(&stages[s], since_ns);
}

int metrics_route(const char *route)
{
    for (int i = 0; i < nroutes; i++)
        if (strcmp(routes[i].name, route) == 0)
            return i;
    if (nroutes == MAX_ROUTES)
        return MAX_ROUTES - 1;
    snprintf(routes[nroutes].name, sizeof(routes[nroutes].name), "%s", route);
    return nroutes++;
}

void metrics_observe(int id, int status, int64_t latency_us)
{
    struct route_stats *r;
    int b = 0;

    if (id < 0 || id >= MAX_ROUTES)
        return;
    r = &routes[id];
    atomic_fetch_add_explicit(&r->by_class[status / 100 % 6], 1, memory_order_relaxed);
    while (b < NBUCKETS - 1 && latency_us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&r->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, latency_us, memory_order_relaxed);
}

void metrics_add(enum metric_counter c, int64_t delta)
{
    atomic_fetch_add_explicit(&counters[c], delta, memory_order_relaxed);
}

int64_t metrics_get(enum metric_counter c)
{
    return atomic_load_explicit(&counters[c], memory_order_relaxed);
}

static int64_t route_count(struct route_stats *r)
{
    int64_t n = 0;

    for (int b = 0; b < NBUCKETS; b++)
        n += atomic_load(&r->buckets[b]);
    return n;
}

/* Upper bound of the bucket holding quantile @q, in milliseconds. */
static double route_quantile_ms(struct route_stats *r, double q)
{
    int64_t total = route_count(r), seen = 0;

    if (total == 0)
        return 0;
    for (int b = 0; b < NBUCKETS; b++) {
        seen += atomic_load(&r->buckets[b]);
        if ((double)seen >= q * (double)total)
            return b < NBUCKETS - 1 ? (double)bucket_us[b] / 1000.0 : 10000.0;
    }
    return 10000.0;
}

char *metrics_render(const char *extra)
{
    struct strbuf o;

    strbuf_init(&o, 8192);
    for (int c = 0; c < M_COUNTER_MAX; c++) {
        strbuf_addf(&o, "# TYPE %s %s\n%s %lld\n", counter_names[c],
                    c == M_SSE_ACTIVE ? "gauge" : "counter", counter_names[c],
                    (long long)metrics_get((enum metric_counter)c));
    }
    strbuf_addf(&o, "# TYPE finchat_http_requests_total counter\n");
    for (int i = 0; i < nroutes; i++)
        for (int k = 1; k < 6; k++) {
            long long n = atomic_load(&routes[i].by_class[k]);

            if (n)
                strbuf_addf(&o, "finchat_http_requests_total{route=\"%s\",code=\"%dxx\"} %lld\n",
                            routes[i].name, k, n);
        }
    strbuf_addf(&o, "# TYPE finchat_http_request_duration_seconds histogram\n");
    for (int i = 0; i < nroutes; i++) {
        long long cum = 0;

        if (!route_count(&routes[i]))
            continue;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += atomic_load(&routes[i].buckets[b]);
            if (b < NBUCKETS - 1)
                strbuf_addf(
                    &o,
                    "finchat_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lld\n",
                    routes[i].name, (double)bucket_us[b] / 1e6, cum);
            else
                strbuf_addf(
                    &o,
                    "finchat_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                    "%lld\n",
                    routes[i].name, cum);
        }
        strbuf_addf(&o, "finchat_http_request_duration_seconds_sum{route=\"%s\"} %g\n",
                    routes[i].name, (double)atomic_load(&routes[i].sum_us) / 1e6);
        strbuf_addf(&o, "finchat_http_request_duration_seconds_count{route=\"%s\"} %lld\n",
                    routes[i].name, cum);
    }
    stagehist_render(&o, "finchat_chat_stage_seconds",
                     "Time of each stage of a chat request in the gateway", stages, MS_STAGE_MAX);
    if (extra)
        strbuf_addstr(&o, extra);
    return strbuf_detach(&o, NULL);
}

json_t *metrics_requests_json(void)
{
    long long cls[6] = {0};
    long long total = 0;

    for (int i = 0; i < nroutes; i++)
        for (int k = 0; k < 6; k++)
            cls[k] += atomic_load(&routes[i].by_class[k]);
    for (int k = 0; k < 6; k++)
        total += cls[k];
    return json_pack("{s:I,s:{s:I,s:I,s:I}}", "total", (json_int_t)total, "by_status", "2xx",
                     (json_int_t)cls[2], "4xx", (json_int_t)cls[4], "5xx", (json_int_t)cls[5]);
}

json_t *metrics_routes_json(void)
{
    json_t *arr = json_array();

    for (int i = 0; i < nroutes; i++) {
        int64_t n = route_count(&routes[i]);

        if (!n)
            continue;
        json_array_append_new(arr,
                              json_pack("{s:s,s:I,s:f,s:f}", "route", routes[i].name, "count",
                                        (json_int_t)n, "p50_ms", route_quantile_ms(&routes[i], 0.5),
                                        "p99_ms", route_quantile_ms(&routes[i], 0.99)));
    }
    return arr;
}
