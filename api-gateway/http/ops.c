/* ops.c - GET /api/v1/status from the health checker, the metrics and MongoDB. */
#include "api-gateway/http/ops.h"

#include "clock.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/gateway.h"
#include "api-gateway/http/health.h"
#include "api-gateway/http/metrics.h"

#include <string.h>

/* Provider circuit states as the workers last reported them in MongoDB `workers`
 * (one document per worker, refreshed every few seconds); [] when none reported. */
static json_t *provider_states(struct api_req *req)
{
    json_t *out = json_array();
    mongoc_collection_t *coll;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER;
    int64_t newest = 0;

    if (!req->mongo)
        return out;
    coll = mongoc_client_get_collection(req->mongo, req->mongo_db, "workers");
    cur = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        char *txt = bson_as_relaxed_extended_json(doc, NULL);
        json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
        json_t *upd = json_object_get(j, "updated_ms");
        int64_t ms = json_is_integer(upd) ? json_integer_value(upd) : 0;

        if (ms > newest && json_is_array(json_object_get(j, "providers"))) {
            newest = ms;
            json_decref(out);
            out = json_incref(json_object_get(j, "providers"));
        }
        json_decref(j);
        bson_free(txt);
    }
    mongoc_cursor_destroy(cur);
    mongoc_collection_destroy(coll);
    bson_destroy(&filter);
    return out;
}

static int get_status(struct api_req *req, struct api_resp *resp)
{
    struct gateway *gw = req->server;
    int64_t hits = metrics_get(M_DASH_CACHE_HITS), misses = metrics_get(M_DASH_CACHE_MISSES);
    int64_t shits = metrics_get(M_STREAM_HUB_HITS), smiss = metrics_get(M_STREAM_HUB_MISSES);
    double ratio = hits + misses ? (double)hits / (double)(hits + misses) : 0.0;
    double sratio = shits + smiss ? (double)shits / (double)(shits + smiss) : 0.0;
    json_t *body = json_pack(
        "{s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:{s:f,s:I,s:I,s:f},s:{s:I,s:i}}", "version", FINCHAT_VERSION,
        "uptime_s", (json_int_t)((clock_wall_ms() - gw->started_ms) / 1000), "instance",
        gw->instance, "components", health_components(gw->health, true), "providers",
        provider_states(req), "requests", metrics_requests_json(), "routes", metrics_routes_json(),
        "cache", "hit_ratio", ratio, "hits", (json_int_t)hits, "misses", (json_int_t)misses,
        "streams_hit_ratio", sratio, "streams", "active", (json_int_t)metrics_get(M_SSE_ACTIVE),
        "held", hub_size(gw->hub));

    return api_json(resp, 200, body);
}

const struct api_route ops_routes[] = {
    {"GET", "/api/v1/status", get_status, ROUTE_PUBLIC},
    {NULL, NULL, NULL, 0},
};
