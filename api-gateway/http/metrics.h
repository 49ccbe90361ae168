/* metrics.h - process-wide counters and latency histograms for /metrics (Prometheus text)
 * and /api/v1/status. Lock-free: every update is a relaxed atomic add, callable from any
 * thread. Routes are registered once at start-up (single-threaded), then only updated. */
#ifndef FINCHAT_METRICS_H
#define FINCHAT_METRICS_H

#include <jansson.h>
#include <stdint.h>

enum metric_counter {
    M_SSE_ACTIVE,     /* gauge: open SSE streams */
    M_KAFKA_PRODUCED, /* chat requests produced */
    M_KAFKA_PRODUCE_ERR,
    M_KAFKA_CONSUMED,    /* chunks consumed */
    M_KAFKA_REPLAYS,     /* replay readers started */
    M_STREAM_HUB_HITS,   /* stream served from memory */
    M_STREAM_HUB_MISSES, /* stream needed a replay from Kafka */
    M_CHAT_TTFT_COUNT,
    M_CHAT_TTFT_SUM_MS,
    M_DASH_CACHE_HITS,   /* dashboards served from dashcache */
    M_DASH_CACHE_MISSES, /* dashboards computed */
    M_COUNTER_MAX
};

/* The stages of a chat request in the gateway, timed per request (stagehist.h). */
enum metric_stage {
    MS_POOL_WAIT,    /* request received -> a query thread starts it */
    MS_PREPARE,      /* query thread start -> chat_post(): authentication, body checks */
    MS_OPEN,         /* chat_request_open_once(): the per-user checks and the request row */
    MS_MESSAGE,      /* the user message stored in MongoDB */
    MS_PUBLISH,      /* the request produced to Kafka, until the broker acknowledged it */
    MS_ANSWER_FIRST, /* the request's stream opened -> its first text chunk in the hub */
    MS_CHUNK_IN,     /* a chunk's Kafka timestamp -> consumed here (millisecond clock) */
    MS_STAGE_MAX
};

/* Registers @route (e.g. "GET /api/v1/dashboard") and returns its id, or returns the id it
 * already has; at most 128 routes. Registering is not thread-safe: the server registers
 * every name at start-up, single-threaded; afterwards looking up a registered name is safe
 * from any thread. */
int metrics_route(const char *route);
/* Records one response of route @id with @status after @latency_us. Thread-safe. */
void metrics_observe(int id, int status, int64_t latency_us);
void metrics_add(enum metric_counter c, int64_t delta);
/* Records one duration of stage @s: @us microseconds, or the time since @since_ns
 * (clock_mono_ns()). Thread-safe. */
void metrics_stage(enum metric_stage s, int64_t us);
void metrics_stage_since(enum metric_stage s, int64_t since_ns);
int64_t metrics_get(enum metric_counter c);
/* Renders all metrics as Prometheus text; caller frees. @extra is appended verbatim. */
char *metrics_render(const char *extra);
/* {total, by_status:{2xx,4xx,5xx}} and [{route,count,p50_ms,p99_ms}]. Caller owns. */
json_t *metrics_requests_json(void);
json_t *metrics_routes_json(void);

#endif
