/* api.h - the contract between the HTTP server and the API handlers.
 *
 * The server (event-loop threads) parses the request, enforces limits, authenticates,
 * matches a route, and hands a struct api_req to a query thread of the database pool.
 * Handlers run there (@locality pool thread): they may block on PostgreSQL and MongoDB
 * through req->pg and req->mongo, which belong to that thread alone. They fill a
 * struct api_resp and return; the server serialises it on the event loop.
 *
 * Handlers never write raw HTTP and never see another user's data: every query is
 * scoped by req->user_id. Parameterised SQL only, through api-gateway/db/sql.h. */
#ifndef FINCHAT_API_H
#define FINCHAT_API_H

#include <jansson.h>
#include <libpq-fe.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "api-gateway/http/query.h"

#define API_MAX_PARAMS 4
#define API_MAX_QUERY 24

struct gateway;        /* gateway.h */
struct hub_stream_req; /* chat/hub.h */

struct api_req {
    const char *method;
    const char *path;             /* without the query string */
    char *params[API_MAX_PARAMS]; /* captured {id} segments of the route, in order */
    int nparams;
    struct query_kv query[API_MAX_QUERY]; /* decoded query parameters (query.h) */
    int nquery;
    json_t *body;         /* parsed JSON body, or NULL if none / not JSON */
    const char *raw_body; /* the body bytes as received */
    size_t raw_len;
    const char *content_type; /* lower-cased media type, "" if absent */
    char user_id[40];         /* authenticated user's UUID, "" for public routes */
    char request_id[40];
    char ip[64];
    char traceparent[64];
    PGconn *pg;             /* this pool thread's connection */
    mongoc_client_t *mongo; /* this pool thread's client */
    const char *mongo_db;   /* database name from FINCHAT_MONGO_URL */
    const struct fc_config *cfg;
    struct gateway *server;    /* the process-wide state: hub, Kafka, health */
    const char *last_event_id; /* Last-Event-ID header, or NULL */
    const char *authorization; /* Authorization header, or NULL */
    const char *cookie;        /* Cookie header, or NULL */
    int64_t received_ns;       /* clock_mono_ns() when the request was received */
    int64_t started_ns;        /* clock_mono_ns() when a query thread took it up */
    const char *csrf_token;    /* X-CSRF-Token header, or NULL */
};

struct api_resp {
    int status;
    json_t *body;     /* owned; NULL for an empty body */
    char *headers[8]; /* extra "Name: value" lines, owned (e.g. Set-Cookie) */
    int nheaders;
    char *raw; /* alternative to body: raw bytes with raw_type, owned */
    size_t raw_len;
    const char *raw_type;
    /* Set by stream handlers instead of a body: the server then attaches the connection
     * to the stream hub (hub.h); allocated with xmalloc, ownership passes to the server. */
    struct hub_stream_req *stream;
};

typedef int (*api_handler)(struct api_req *req, struct api_resp *resp);

/* Route flags. */
#define ROUTE_PUBLIC 0x1    /* no authentication */
#define ROUTE_IMPORT 0x2    /* body limit is FINCHAT_IMPORT_LIMIT, body need not be JSON */
#define ROUTE_APIKEY 0x4    /* API keys accepted (besides tokens) */
#define ROUTE_TOOLTOKEN 0x8 /* a request's tool token (auth/tool_token.h) accepted as Bearer */
#define ROUTE_RAW_JSON                                                                             \
    0x10 /* the handler parses the JSON body itself from raw_body (MCP's                           \
            JSON-RPC errors); the server still checks the media type,                              \
            size and nesting depth, and leaves req->body NULL */

struct api_route {
    const char *method;
    const char *pattern; /* e.g. "/api/v1/transactions/{id}" */
    api_handler fn;
    int flags;
};

/* Returns the value of query parameter @key or NULL. */
const char *api_query(const struct api_req *req, const char *key);
/* Parses an integer query parameter: missing -> @def (returns 0); malformed or outside
 * [@lo, @hi] -> fills resp with 400 invalid_field and returns FC_EINVAL. */
int api_query_int(const struct api_req *req, struct api_resp *resp, const char *key, int64_t def,
                  int64_t lo, int64_t hi, int64_t *out);

/* Sets a JSON success response; takes ownership of @body. Returns 0. */
int api_json(struct api_resp *resp, int status, json_t *body);
/* Sets the SPEC error shape; the server adds request_id. Returns a negative FC_E* code
 * matching @status so handlers can `return api_error(...)`. */
int api_error(struct api_resp *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a response header line; copies @line. */
void api_header(struct api_resp *resp, const char *line);
/* Answers a failed database call whose FC_E* code (sql.h) is @rc: 503 dependency_down when
 * the database is unavailable (FC_EDEP), else 500 internal. The SQL helper has logged the
 * cause; this logs the request id with it. Returns the matching negative code. */
int api_pg_fail(struct api_req *req, struct api_resp *resp, int rc);

/* Each handler module declares its own NULL-terminated route table in its header
 * (auth.h, finance_api.h, import_api.h, chat.h, facade.h, plaid_api.h, ops.h); the server
 * lists those tables in the order they are matched. */

#endif
