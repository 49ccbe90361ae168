/* server.c - h2o event loops, request admission, dispatch to the query pool, responses. */
#define FINCHAT_HUB_WITH_H2O 1
#include "api-gateway/http/server.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "sig.h"
#include "xmalloc.h"
#include "api-gateway/auth/auth.h"
#include "api-gateway/auth/jwt_token.h"
#include "api-gateway/auth/tool_token.h"
#include "api-gateway/chat/chat.h"
#include "api-gateway/chat/facade.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/fx_api.h"
#include "api-gateway/finance/mcp.h"
#include "api-gateway/finance/rules_api.h"
#include "api-gateway/finance/tools.h"
#include "api-gateway/http/api.h"
#include "api-gateway/http/health.h"
#include "api-gateway/http/jsonlimit.h"
#include "api-gateway/http/metrics.h"
#include "api-gateway/http/ops.h"
#include "api-gateway/http/query.h"
#include "api-gateway/http/ratelimit.h"
#include "api-gateway/http/router.h"
#include "api-gateway/ingest/import_api.h"
#include "api-gateway/ingest/plaid_api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <h2o.h>
#include <h2o/http2.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define JSON_MAX_DEPTH 32
#define DRAIN_MS 10000
#define RL_GENERAL 0
#define RL_AUTH 1
#define RL_TOOL 2

struct loop_thr {
    struct server *srv;
    int index;
    pthread_t tid;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_receiver_t done_receiver;
    struct hub_thread *hub;
    atomic_int inflight; /* jobs submitted, not yet answered */
    uint64_t rid_state;
};

struct server {
    struct gateway *gw;
    const struct fc_config *cfg;
    struct dbpool *pool;
    struct ratelimit *rl;
    h2o_globalconf_t h2o_cfg;
    h2o_mimemap_t *mimemap;
    SSL_CTX *ssl_ctx;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int nthreads;
    struct loop_thr thr[MAX_THREADS];
    const struct api_route *const *tables;
    char *csp;
    int m_static, m_health, m_ready, m_metrics, m_notfound, m_rejected;
};

/* A request handed to the query pool. Owned by the loop thread except while running. */
struct job {
    struct dbpool_job base;
    h2o_multithread_message_t msg;
    struct loop_thr *thr;
    h2o_req_t *req; /* @locality loop thread; NULL once the client is gone */
    struct guard *guard;
    const struct api_route *route;
    int metric;
    int64_t start_ns;
    struct api_req areq;
    struct api_resp aresp;
    char *cookie, *csrf, *authz, *last_event_id;
    char *body_copy;
};

struct guard {
    struct job *job;
};

/* The route tables of the handler modules, in the order they are matched. */
static const struct api_route *const default_tables[] = {
    auth_routes, finance_routes, rules_routes, import_routes, chat_routes, facade_routes,
    ops_routes,  plaid_routes,   tools_routes, mcp_routes,    fx_routes,   NULL};

/* ---- small helpers ---- */

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "OK";
    }
}

static void new_request_id(struct loop_thr *t, char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a, b;

    /* xorshift64*, seeded per thread from the clock and the thread index. */
    t->rid_state ^= t->rid_state >> 12;
    t->rid_state ^= t->rid_state << 25;
    t->rid_state ^= t->rid_state >> 27;
    a = t->rid_state * 2685821657736338717ULL;
    b = (uint64_t)clock_mono_ns() ^ ((uint64_t)t->index << 56);
    for (int i = 0; i < 16; i++)
        out[i] = hex[(a >> (i * 4)) & 15];
    for (int i = 0; i < 16; i++)
        out[16 + i] = hex[(b >> (i * 4)) & 15];
    out[32] = '\0';
}

static h2o_iovec_t header_value(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);

    return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

static h2o_iovec_t header_by_name(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);

    return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

static char *dup_iov(h2o_iovec_t v)
{
    return v.base ? xstrndup(v.base, v.len) : NULL;
}

static void peer_ip(h2o_req_t *req, char *out, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);

    snprintf(out, len, "unknown");
    if (sl && ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)len);
    else if (sl && ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)len);
}

static bool origin_allowed(const struct server *s, h2o_iovec_t origin)
{
    const char *p = s->cfg->cors_origins;

    if (!origin.base || !*p)
        return false;
    while (*p) {
        size_t n = strcspn(p, ",");

        while (n && p[n - 1] == ' ')
            n--;
        if (n == origin.len && memcmp(p, origin.base, n) == 0)
            return true;
        p += strcspn(p, ",");
        while (*p == ',' || *p == ' ')
            p++;
    }
    return false;
}

static void add_hdr(h2o_req_t *req, const char *name, const char *val)
{
    /* HTTP/2 requires lower-case field names; handlers may write "Set-Cookie". */
    h2o_iovec_t n = h2o_strdup(&req->pool, name, SIZE_MAX);

    for (size_t i = 0; i < n.len; i++)
        n.base[i] = (char)(n.base[i] >= 'A' && n.base[i] <= 'Z' ? n.base[i] + 32 : n.base[i]);
    h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, NULL,
                          h2o_strdup(&req->pool, val, SIZE_MAX).base, strlen(val));
}

/* Headers every response carries. */
static void common_headers(struct server *s, h2o_req_t *req, const char *rid)
{
    h2o_iovec_t origin = header_by_name(req, "origin");

    add_hdr(req, "x-request-id", rid);
    add_hdr(req, "content-security-policy", s->csp);
    add_hdr(req, "x-content-type-options", "nosniff");
    add_hdr(req, "referrer-policy", "no-referrer");
    add_hdr(req, "x-frame-options", "DENY");
    add_hdr(req, "cross-origin-opener-policy", "same-origin");
    if (s->ssl_ctx)
        add_hdr(req, "strict-transport-security", "max-age=31536000; includeSubDomains");
    if (origin_allowed(s, origin)) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL,
                       origin.base, origin.len);
        add_hdr(req, "access-control-allow-credentials", "true");
        add_hdr(req, "vary", "Origin");
    }
}

/* Sets the status and headers of a JSON answer and returns its body text, allocated in the
 * request's pool (empty for a NULL @body); an "error" object gets @rid as its request_id. */
static h2o_iovec_t json_answer(struct server *s, h2o_req_t *req, const char *rid, int status,
                               json_t *body)
{
    h2o_iovec_t out = h2o_iovec_init("", 0);

    if (body) {
        json_t *err = json_object_get(body, "error");
        char *txt;

        if (json_is_object(err))
            json_object_set_new(err, "request_id", json_string(rid));
        txt = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
        out = h2o_strdup(&req->pool, txt, SIZE_MAX);
        free(txt);
    }
    req->res.status = status;
    req->res.reason = reason_of(status);
    common_headers(s, req, rid);
    if (body)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    /* A known length keeps HTTP/1.1 connections alive for every status (h2o's chunked
     * encoder only keeps them for 200). */
    req->res.content_length = out.len;
    return out;
}

static void send_json(struct server *s, h2o_req_t *req, const char *rid, int status, json_t *body,
                      int metric, int64_t start_ns)
{
    h2o_iovec_t txt = json_answer(s, req, rid, status, body);

    h2o_send_inline(req, txt.base, txt.len);
    metrics_observe(metric, status, (clock_mono_ns() - start_ns) / 1000);
}

static void send_error(struct server *s, h2o_req_t *req, const char *rid, int status,
                       const char *code, const char *msg, int metric, int64_t start_ns)
{
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);

    send_json(s, req, rid, status, body, metric, start_ns);
    json_decref(body);
}

/* ---- the query-pool side ---- */

static void job_free(struct job *j)
{
    for (int i = 0; i < j->areq.nparams; i++)
        free(j->areq.params[i]);
    query_release(j->areq.query, j->areq.nquery);
    json_decref(j->areq.body);
    free((char *)j->areq.method);
    free((char *)j->areq.path);
    free((char *)j->areq.content_type);
    free(j->body_copy);
    free(j->cookie);
    free(j->csrf);
    free(j->authz);
    free(j->last_event_id);
    json_decref(j->aresp.body);
    for (int i = 0; i < j->aresp.nheaders; i++)
        free(j->aresp.headers[i]);
    free(j->aresp.raw);
    free(j->aresp.stream);
    free(j);
}

static void job_run(struct dbpool_job *dj, struct dbpool_ctx *ctx)
{
    struct job *j = (struct job *)dj;

    j->areq.received_ns = j->start_ns;
    j->areq.started_ns = clock_mono_ns();
    j->areq.pg = ctx->pg;
    j->areq.mongo = ctx->mongo;
    j->areq.mongo_db = ctx->mongo_db;
    if (!ctx->pg || PQstatus(ctx->pg) != CONNECTION_OK) {
        api_error(&j->aresp, 503, "dependency_down", "the database is unavailable");
        goto done;
    }
    if (!(j->route->flags & ROUTE_PUBLIC) &&
        auth_authenticate(&j->areq, j->authz, j->cookie, j->csrf, j->route->flags, &j->aresp) != 0)
        goto done;
    j->route->fn(&j->areq, &j->aresp);
    if (j->aresp.status == 0 && !j->aresp.stream)
        api_error(&j->aresp, 500, "internal", "internal error");
done:
    h2o_multithread_send_message(&j->thr->done_receiver, &j->msg);
}

static void guard_dispose(void *p)
{
    struct guard *g = p;

    if (g->job)
        g->job->req = NULL;
}

/* Answers a finished job on its loop thread. */
static void job_respond(struct job *j)
{
    struct server *s = j->thr->srv;
    h2o_req_t *req = j->req;
    const char *rid = j->areq.request_id;

    if (j->aresp.stream) {
        int rc;

        common_headers(s, req, rid);
        rc = hub_subscribe(j->thr->hub, req, j->aresp.stream);
        if (rc == HUB_NOTHING_LEFT) {
            req->res.status = 204;
            req->res.reason = "No Content";
            h2o_send_inline(req, NULL, 0);
            metrics_observe(j->metric, 204, (clock_mono_ns() - j->start_ns) / 1000);
        } else if (rc != 0) {
            send_error(s, req, rid, 503, "dependency_down",
                       "too many streams are being recovered; retry shortly", j->metric,
                       j->start_ns);
        } else {
            metrics_observe(j->metric, 200, (clock_mono_ns() - j->start_ns) / 1000);
        }
        return;
    }
    for (int i = 0; i < j->aresp.nheaders; i++) {
        char *line = j->aresp.headers[i], *colon = strchr(line, ':');

        if (!colon)
            continue;
        *colon = '\0';
        add_hdr(req, line, colon[1] == ' ' ? colon + 2 : colon + 1);
    }
    if (j->aresp.raw) {
        req->res.status = j->aresp.status;
        req->res.reason = reason_of(j->aresp.status);
        common_headers(s, req, rid);
        add_hdr(req, "content-type", j->aresp.raw_type ? j->aresp.raw_type : "text/plain");
        add_hdr(req, "cache-control", "no-store");
        req->res.content_length = j->aresp.raw_len;
        h2o_send_inline(req, j->aresp.raw, j->aresp.raw_len);
        metrics_observe(j->metric, j->aresp.status, (clock_mono_ns() - j->start_ns) / 1000);
        return;
    }
    send_json(s, req, rid, j->aresp.status, j->aresp.body, j->metric, j->start_ns);
}

static void on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct loop_thr *t = H2O_STRUCT_FROM_MEMBER(struct loop_thr, done_receiver, receiver);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct job *j = H2O_STRUCT_FROM_MEMBER(struct job, msg, m);

        h2o_linklist_unlink(&m->link);
        if (j->req) {
            j->guard->job = NULL;
            job_respond(j);
        }
        atomic_fetch_sub(&t->inflight, 1);
        job_free(j);
    }
}

/* ---- admission on the loop ---- */

static bool is_json_type(h2o_iovec_t ct)
{
    return ct.len >= 16 && strncasecmp(ct.base, "application/json", 16) == 0 &&
           (ct.len == 16 || ct.base[16] == ';' || ct.base[16] == ' ');
}

/* The metrics id of @route, named "METHOD /pattern". Every route is registered by
 * server_new() before the loops start, so on a loop this only looks the name up. */
static int route_metric(const struct api_route *route)
{
    char name[128];

    snprintf(name, sizeof(name), "%s %s", route->method, route->pattern);
    return metrics_route(name);
}

/* The request id of a tool call made with a valid tool token (POST /api/v1/tools/...,
 * Bearer tool_token.h), into @rid; false for any other request. */
static bool tool_call_request(struct server *s, h2o_req_t *req, char rid[40])
{
    h2o_iovec_t path = req->path_normalized;
    h2o_iovec_t authz = header_value(req, H2O_TOKEN_AUTHORIZATION);
    char value[JWT_TOKEN_MAX_LEN + 32];
    struct tool_claims tc;
    const char *cred;

    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")) || path.len <= 14 ||
        memcmp(path.base, "/api/v1/tools/", 14) != 0 || !authz.base || authz.len >= sizeof(value))
        return false;
    memcpy(value, authz.base, authz.len);
    value[authz.len] = '\0';
    cred = auth_bearer(value);
    if (!cred || tool_token_verify(s->cfg, cred, time(NULL), &tc) != 0)
        return false;
    memcpy(rid, tc.rid, sizeof(tc.rid));
    return true;
}

/* Counts the request against the per-IP limit of its kind; when over it, answers 429 with
 * Retry-After and returns true. A tool call with a valid tool token is the worker acting for
 * one chat answer, and every user's answers come from the workers' few addresses: it is
 * counted per request id instead (FINCHAT_RATE_LIMIT calls a minute for one answer). */
static bool over_rate_limit(struct server *s, h2o_req_t *req, const char *rid, const char *ip,
                            int64_t start_ns)
{
    h2o_iovec_t path = req->path_normalized;
    bool is_auth = path.len >= 13 && memcmp(path.base, "/api/v1/auth/", 13) == 0;
    int limit = is_auth ? s->cfg->auth_rate_limit : s->cfg->rate_limit;
    char tool_rid[40];
    bool tool = !is_auth && tool_call_request(s, req, tool_rid);
    int retry = ratelimit_hit(s->rl, tool ? tool_rid : ip,
                              tool      ? RL_TOOL
                              : is_auth ? RL_AUTH
                                        : RL_GENERAL,
                              limit, clock_wall_ms());
    char ra[16];

    if (retry <= 0)
        return false;
    snprintf(ra, sizeof(ra), "%d", retry);
    add_hdr(req, "retry-after", ra);
    send_error(s, req, rid, 429, "rate_limited", "too many requests; retry later", s->m_notfound,
               start_ns);
    return true;
}

/* Finds the route of @method and the request's path, capturing its {params}; when none
 * matches, answers 404, or 405 with Allow, and returns NULL. */
static const struct api_route *find_route(struct server *s, h2o_req_t *req, const char *rid,
                                          const char *method, char **params, int *nparams,
                                          int64_t start_ns)
{
    const struct api_route *route = NULL;
    h2o_iovec_t path = req->path_normalized;
    int m = router_match(s->tables, method, path.base, path.len, &route, params, nparams);
    char allow[96];

    if (m == ROUTER_MATCH)
        return route;
    if (m == ROUTER_METHOD_NOT_ALLOWED) {
        if (router_allowed(s->tables, path.base, path.len, allow, sizeof(allow)) > 0)
            add_hdr(req, "allow", allow);
        send_error(s, req, rid, 405, "method_not_allowed", "method not allowed for this resource",
                   s->m_notfound, start_ns);
    } else {
        send_error(s, req, rid, 404, "not_found", "no such endpoint", s->m_notfound, start_ns);
    }
    return NULL;
}

/* The media type of @ct lower-cased, without parameters or trailing spaces ("" if absent).
 * Caller frees. */
static char *media_type(h2o_iovec_t ct)
{
    char *out = dup_iov(ct);
    size_t n;

    if (!out)
        return xstrdup("");
    n = strcspn(out, ";");
    out[n] = '\0';
    for (char *p = out; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    while (n && out[n - 1] == ' ')
        out[--n] = '\0';
    return out;
}

/* A job for @route holding copies of everything its handler reads from @req; takes
 * ownership of the @nparams captured @params. */
static struct job *job_new(struct loop_thr *t, h2o_req_t *req, const struct api_route *route,
                           char **params, int nparams, const char *rid, const char *ip)
{
    struct job *j = xcalloc(1, sizeof(*j));
    h2o_iovec_t tp = header_by_name(req, "traceparent");

    j->base.run = job_run;
    j->thr = t;
    j->req = req;
    j->route = route;
    memcpy(j->areq.params, params, sizeof(params[0]) * (size_t)nparams);
    j->areq.nparams = nparams;
    j->areq.method = xstrndup(req->method.base, req->method.len);
    j->areq.path = xstrndup(req->path_normalized.base, req->path_normalized.len);
    j->areq.cfg = t->srv->cfg;
    j->areq.server = t->srv->gw;
    snprintf(j->areq.request_id, sizeof(j->areq.request_id), "%s", rid);
    snprintf(j->areq.ip, sizeof(j->areq.ip), "%s", ip);
    if (tp.base && tp.len < sizeof(j->areq.traceparent))
        snprintf(j->areq.traceparent, sizeof(j->areq.traceparent), "%.*s", (int)tp.len, tp.base);
    if (req->query_at != SIZE_MAX)
        j->areq.nquery =
            query_parse(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1,
                        j->areq.query, API_MAX_QUERY);
    j->areq.content_type = media_type(header_value(req, H2O_TOKEN_CONTENT_TYPE));
    j->cookie = dup_iov(header_value(req, H2O_TOKEN_COOKIE));
    j->csrf = dup_iov(header_by_name(req, "x-csrf-token"));
    j->authz = dup_iov(header_value(req, H2O_TOKEN_AUTHORIZATION));
    j->last_event_id = dup_iov(header_by_name(req, "last-event-id"));
    j->areq.last_event_id = j->last_event_id;
    j->areq.authorization = j->authz;
    j->areq.cookie = j->cookie;
    j->areq.csrf_token = j->csrf;
    return j;
}

/* Copies the body into @j and, unless the route takes raw uploads, checks that it is JSON no
 * deeper than JSON_MAX_DEPTH and parses it. Returns 0, or answers 415/400 and returns -1. */
static int job_take_body(struct server *s, h2o_req_t *req, struct job *j)
{
    json_error_t jerr;
    char msg[200];

    if (req->entity.len == 0)
        return 0;
    j->body_copy = xstrndup(req->entity.base, req->entity.len);
    j->areq.raw_body = j->body_copy;
    j->areq.raw_len = req->entity.len;
    if (j->route->flags & ROUTE_IMPORT)
        return 0;
    if (!is_json_type(header_value(req, H2O_TOKEN_CONTENT_TYPE))) {
        send_error(s, req, j->areq.request_id, 415, "unsupported_media_type",
                   "send the body as application/json", j->metric, j->start_ns);
        return -1;
    }
    if (!json_depth_ok(req->entity.base, req->entity.len, JSON_MAX_DEPTH)) {
        send_error(s, req, j->areq.request_id, 400, "invalid_json",
                   "JSON nested deeper than 32 levels", j->metric, j->start_ns);
        return -1;
    }
    if (j->route->flags & ROUTE_RAW_JSON)
        return 0;
    j->areq.body = json_loadb(req->entity.base, req->entity.len, JSON_REJECT_DUPLICATES, &jerr);
    if (j->areq.body)
        return 0;
    /* jansson names its own flag for a \u0000; say what the client can fix. */
    snprintf(msg, sizeof(msg), "malformed JSON: %s",
             strstr(jerr.text, "JSON_ALLOW_NUL") ? "\\u0000 (NUL) is not allowed in strings"
                                                 : jerr.text);
    send_error(s, req, j->areq.request_id, 400, "invalid_json", msg, j->metric, j->start_ns);
    return -1;
}

/* Hands @j to the query pool, with a guard in the request's pool that tells the job when
 * the client is gone; answers 503 when the pool's queue is full. */
static void job_submit(struct loop_thr *t, h2o_req_t *req, struct job *j)
{
    struct guard *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), guard_dispose);

    g->job = j;
    j->guard = g;
    atomic_fetch_add(&t->inflight, 1);
    if (dbpool_submit(t->srv->pool, &j->base) == 0)
        return;
    atomic_fetch_sub(&t->inflight, 1);
    g->job = NULL;
    send_error(t->srv, req, j->areq.request_id, 503, "dependency_down",
               "the server is overloaded; retry shortly", j->metric, j->start_ns);
    job_free(j);
}

static int dispatch_api(struct loop_thr *t, h2o_req_t *req, const char *rid, const char *ip,
                        int64_t start_ns)
{
    struct server *s = t->srv;
    const struct api_route *route;
    char *params[API_MAX_PARAMS];
    int nparams = 0, metric;
    char method[16];
    size_t body_limit;
    struct job *j;

    if (over_rate_limit(s, req, rid, ip, start_ns))
        return 0;
    snprintf(method, sizeof(method), "%.*s", (int)req->method.len, req->method.base);
    route = find_route(s, req, rid, method, params, &nparams, start_ns);
    if (!route)
        return 0;
    metric = route_metric(route);
    body_limit =
        (size_t)((route->flags & ROUTE_IMPORT) ? s->cfg->import_limit : s->cfg->body_limit);
    if (req->entity.len > body_limit) {
        while (nparams > 0)
            free(params[--nparams]);
        send_error(s, req, rid, 413, "payload_too_large", "request body is too large", metric,
                   start_ns);
        return 0;
    }
    j = job_new(t, req, route, params, nparams, rid, ip);
    j->metric = metric;
    j->start_ns = start_ns;
    if (job_take_body(s, req, j) != 0) {
        job_free(j);
        return 0;
    }
    job_submit(t, req, j);
    return 0;
}

/* ---- static files of the web client ---- */

static bool regular_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int serve_static(struct loop_thr *t, h2o_req_t *req, const char *rid, int64_t start_ns)
{
    struct server *s = t->srv;
    h2o_iovec_t p = req->path_normalized;
    char path[1200];
    const char *ext;
    h2o_mimemap_type_t *mt;
    bool immutable;

    if (p.len > 512 || memchr(p.base, '\0', p.len) ||
        (p.len >= 2 && memmem(p.base, p.len, "..", 2))) {
        send_error(s, req, rid, 404, "not_found", "no such file", s->m_static, start_ns);
        return 0;
    }
    snprintf(path, sizeof(path), "%s%.*s", s->cfg->web_root, (int)p.len, p.base);
    if (path[strlen(path) - 1] == '/')
        snprintf(path, sizeof(path), "%s%.*sindex.html", s->cfg->web_root, (int)p.len, p.base);
    if (!regular_file(path)) {
        char alt[1300];
        size_t alen = (size_t)snprintf(alt, sizeof(alt), "%s/index.html", path);

        if (alen < sizeof(path) && regular_file(alt)) {
            memcpy(path, alt, alen + 1);
        } else {
            const char *last = memrchr(p.base, '/', p.len);
            bool has_ext = last && memchr(last, '.', p.len - (size_t)(last - p.base));

            if (has_ext) {
                send_error(s, req, rid, 404, "not_found", "no such file", s->m_static, start_ns);
                return 0;
            }
            /* A client-side route: the app shell decides what to show. */
            snprintf(path, sizeof(path), "%s/index.html", s->cfg->web_root);
            if (!regular_file(path)) {
                send_error(s, req, rid, 404, "not_found",
                           "the web client is not built (run make web)", s->m_static, start_ns);
                return 0;
            }
        }
    }
    ext = strrchr(path, '.');
    mt = h2o_mimemap_get_type_by_extension(
        s->mimemap, h2o_iovec_init(ext ? ext + 1 : "", ext ? strlen(ext + 1) : 0));
    immutable = p.len > 14 && memcmp(p.base, "/_next/static/", 14) == 0;
    common_headers(s, req, rid);
    add_hdr(req, "cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (h2o_file_send(req, 200, "OK", path, mt->data.mimetype, 0) != 0)
        send_error(s, req, rid, 404, "not_found", "no such file", s->m_static, start_ns);
    else
        metrics_observe(s->m_static, 200, (clock_mono_ns() - start_ns) / 1000);
    return 0;
}

/* ---- answers h2o gives itself ---- */

/* h2o answers a few requests before on_req sees them: an HTTP/1.1 body declared or sent
 * beyond h2o_cfg.max_request_entity_size (413, before reading any of a declared one), a
 * malformed request (400), an unmet Expect (417), a bad Range on a static file (416). This
 * filter gives such an answer what every answer of the gateway has (SPEC §4): the JSON
 * error shape, an X-Request-Id and the security headers. It knows them as error statuses
 * without an x-request-id, which everything this file sends has. @locality loop thread */
struct reshape_filter {
    h2o_filter_t super;
    struct server *srv;
};

struct reshape_ostream {
    h2o_ostream_t super;
    h2o_iovec_t body; /* the JSON error, in the request's pool; emptied once sent */
};

static const struct {
    int status;
    const char *code, *message;
} h2o_answers[] = {
    {400, "bad_request", "the HTTP request is malformed"},
    {413, "payload_too_large", "request body is too large"},
    {416, "range_not_satisfiable", "the requested range is not satisfiable"},
    {417, "expectation_failed", "the Expect header cannot be met"},
};

/* Sends the JSON error in place of h2o's plain text (nothing for HEAD, which h2o sends
 * without buffers). */
static void reshape_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                         h2o_send_state_t state)
{
    struct reshape_ostream *o = (struct reshape_ostream *)self;
    h2o_iovec_t body = o->body;

    (void)bufs;
    o->body = h2o_iovec_init(NULL, 0);
    h2o_ostream_send_next(&o->super, req, &body, bufcnt && body.len ? 1 : 0, state);
}

static void reshape_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    struct server *s = ((struct reshape_filter *)self)->srv;
    struct loop_thr *t = H2O_STRUCT_FROM_MEMBER(struct loop_thr, ctx, req->conn->ctx);
    int status = req->res.status;
    const char *code = status >= 500 ? "internal" : "bad_request";
    const char *msg = status >= 500 ? "internal error" : "the request cannot be served";
    struct reshape_ostream *o;
    json_t *body;
    char rid[40];

    if (status < 400 ||
        h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1) >= 0) {
        h2o_setup_next_ostream(req, slot);
        return;
    }
    for (size_t i = 0; i < sizeof(h2o_answers) / sizeof(h2o_answers[0]); i++)
        if (h2o_answers[i].status == status) {
            code = h2o_answers[i].code;
            msg = h2o_answers[i].message;
        }
    new_request_id(t, rid);
    memset(&req->res.headers, 0, sizeof(req->res.headers));
    body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    o = (struct reshape_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
    o->super.do_send = reshape_send;
    o->body = json_answer(s, req, rid, status, body);
    json_decref(body);
    metrics_observe(s->m_rejected, status, 0);
    h2o_setup_next_ostream(req, &o->super.next);
}

/* Installs the filter on @pathconf. */
static void reshape_register(struct server *s, h2o_pathconf_t *pathconf)
{
    struct reshape_filter *f =
        (struct reshape_filter *)h2o_create_filter(pathconf, sizeof(struct reshape_filter));

    f->super.on_setup_ostream = reshape_setup;
    f->srv = s;
}

/* ---- the request handler ---- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct loop_thr *t = H2O_STRUCT_FROM_MEMBER(struct loop_thr, ctx, req->conn->ctx);
    struct server *s = t->srv;
    h2o_iovec_t p = req->path_normalized;
    int64_t start_ns = clock_mono_ns();
    char rid[40], ip[64];

    (void)self;
    new_request_id(t, rid);
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/healthz"))) {
        json_t *b = json_pack("{s:s}", "status", "ok");

        send_json(s, req, rid, 200, b, s->m_health, start_ns);
        json_decref(b);
        return 0;
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/readyz"))) {
        bool ok = health_ready(s->gw->health);
        json_t *b = json_pack("{s:s,s:o}", "status", ok ? "ready" : "unavailable", "components",
                              health_components(s->gw->health, false));

        send_json(s, req, rid, ok ? 200 : 503, b, s->m_ready, start_ns);
        json_decref(b);
        return 0;
    }
    if (h2o_memis(p.base, p.len, H2O_STRLIT("/metrics"))) {
        char extra[256];
        char *txt;

        snprintf(extra, sizeof(extra),
                 "# TYPE finchat_ready gauge\nfinchat_ready %d\n# TYPE finchat_streams_held "
                 "gauge\nfinchat_streams_held %d\n",
                 health_ready(s->gw->health) ? 1 : 0, hub_size(s->gw->hub));
        txt = metrics_render(extra);
        req->res.status = 200;
        req->res.reason = "OK";
        common_headers(s, req, rid);
        add_hdr(req, "content-type", "text/plain; version=0.0.4");
        req->res.content_length = strlen(txt);
        h2o_send_inline(req, txt, strlen(txt));
        free(txt);
        metrics_observe(s->m_metrics, 200, (clock_mono_ns() - start_ns) / 1000);
        return 0;
    }
    peer_ip(req, ip, sizeof(ip));
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"))) {
        req->res.status = 204;
        req->res.reason = "No Content";
        common_headers(s, req, rid);
        if (origin_allowed(s, header_by_name(req, "origin"))) {
            add_hdr(req, "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
            add_hdr(req, "access-control-allow-headers",
                    "Authorization, Content-Type, X-CSRF-Token, Last-Event-ID, traceparent");
            add_hdr(req, "access-control-max-age", "600");
        }
        req->res.content_length = 0;
        h2o_send_inline(req, "", 0);
        return 0;
    }
    if ((p.len >= 8 && memcmp(p.base, "/api/v1/", 8) == 0) ||
        h2o_memis(p.base, p.len, H2O_STRLIT("/api/v1")) ||
        (p.len >= 4 && memcmp(p.base, "/v1/", 4) == 0) ||
        h2o_memis(p.base, p.len, H2O_STRLIT("/mcp")))
        return dispatch_api(t, req, rid, ip, start_ns);
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
        h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))
        return serve_static(t, req, rid, start_ns);
    send_error(s, req, rid, 404, "not_found", "no such endpoint", s->m_notfound, start_ns);
    return 0;
}

/* ---- listeners and threads ---- */

static void on_accept(h2o_socket_t *listener, const char *err)
{
    struct loop_thr *t = listener->data;

    if (err)
        return;
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);

        if (!sock)
            break;
        h2o_accept(&t->accept_ctx, sock);
    }
}

static int open_listener(struct server *s)
{
    int fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&s->addr, s->addrlen) != 0 || listen(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *thread_main(void *arg)
{
    struct loop_thr *t = arg;
    struct server *s = t->srv;
    int fd = open_listener(s);
    int64_t drain_deadline = 0;

    if (fd < 0) {
        log_error("listen on %s: %s", s->cfg->http_addr, strerror(errno));
        sig_request_stop();
        return NULL;
    }
    /* A connection's first read buffer lives as long as its request (h2o parses the headers
     * in place), so each open SSE stream pins one. h2o's default is 8 KiB; 4 KiB (what its
     * read path asks for anyway) holds any ordinary request, grows by doubling for a bigger
     * one, and halves what an idle stream costs (measured with heaptrack: 8 KiB of 13 KiB
     * allocated per idle stream was this buffer). The prototype is per thread. */
    h2o_socket_buffer_prototype._initial_buf.capacity = H2O_SOCKET_INITIAL_INPUT_BUFFER_SIZE;
    h2o_context_init(&t->ctx, h2o_evloop_create(), &s->h2o_cfg);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = s->h2o_cfg.hosts;
    t->accept_ctx.ssl_ctx = s->ssl_ctx;
    h2o_multithread_register_receiver(t->ctx.queue, &t->done_receiver, on_jobs_done);
    t->hub = hub_thread_attach(s->gw->hub, &t->ctx);
    t->listener = h2o_evloop_socket_create(t->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);

    for (;;) {
        h2o_evloop_run(t->ctx.loop, 100);
        if (!sig_stop_requested())
            continue;
        if (!drain_deadline) {
            drain_deadline = clock_mono_ms() + DRAIN_MS;
            h2o_socket_read_stop(t->listener);
            h2o_socket_close(t->listener);
            t->listener = NULL;
            h2o_context_request_shutdown(&t->ctx);
        }
        if ((atomic_load(&t->inflight) == 0 && hub_thread_readers(t->hub) == 0) ||
            clock_mono_ms() > drain_deadline)
            break;
    }
    return NULL;
}

static int parse_addr(struct server *s, const char *addr)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    struct sockaddr_in *in4 = (struct sockaddr_in *)&s->addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s->addr;
    long port;
    char *end;

    if (!colon || (size_t)(colon - addr) >= sizeof(host))
        return FC_EINVAL;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
    port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return FC_EINVAL;
    memset(&s->addr, 0, sizeof(s->addr));
    if (host[0] == '[') {
        host[strlen(host) - 1] = '\0';
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
            return FC_EINVAL;
        s->addrlen = sizeof(*in6);
        return 0;
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &in4->sin_addr) != 1)
        return FC_EINVAL;
    s->addrlen = sizeof(*in4);
    return 0;
}

/* Reads the CSP hashes of the web client's inline scripts, if the build produced them. */
static char *build_csp(const char *web_root)
{
    char path[1024], hashes[8192] = "";
    FILE *f;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/csp-hashes.txt", web_root);
    f = fopen(path, "r");
    if (f) {
        char line[256];

        while (fgets(line, sizeof(line), f) && n + 100 < sizeof(hashes)) {
            line[strcspn(line, "\r\n \t")] = '\0';
            if (strncmp(line, "'sha256-", 8) == 0 || strncmp(line, "sha256-", 7) == 0) {
                int w = snprintf(hashes + n, sizeof(hashes) - n, line[0] == '\'' ? " %s" : " '%s'",
                                 line);

                if (w > 0)
                    n += (size_t)w;
            }
        }
        fclose(f);
    }
    return xasprintf("default-src 'self'; script-src 'self'%s; style-src 'self' "
                     "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src "
                     "'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                     hashes);
}

struct server *server_new(struct gateway *gw, struct dbpool *pool, char *errbuf, unsigned errlen)
{
    struct server *s = xcalloc(1, sizeof(*s));
    h2o_hostconf_t *host;
    h2o_pathconf_t *pathconf;
    h2o_handler_t *handler;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    s->gw = gw;
    s->cfg = gw->cfg;
    s->pool = pool;
    s->tables = default_tables;
    if (parse_addr(s, s->cfg->http_addr) != 0) {
        snprintf(errbuf, errlen, "FINCHAT_HTTP_ADDR=%s is not host:port", s->cfg->http_addr);
        free(s);
        return NULL;
    }
    s->nthreads = s->cfg->http_threads ? s->cfg->http_threads : (int)(ncpu > 0 ? ncpu : 1);
    if (s->nthreads > MAX_THREADS)
        s->nthreads = MAX_THREADS;
    s->rl = ratelimit_new(16384);
    s->csp = build_csp(s->cfg->web_root);
    s->mimemap = h2o_mimemap_create();
    h2o_config_init(&s->h2o_cfg);
    s->h2o_cfg.max_request_entity_size = (size_t)s->cfg->import_limit + 1024 * 1024;
    s->h2o_cfg.server_name = h2o_iovec_init(H2O_STRLIT("finchat"));
    host = h2o_config_register_host(&s->h2o_cfg, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    pathconf = h2o_config_register_path(host, "/", 0);
    handler = h2o_create_handler(pathconf, sizeof(*handler));
    handler->on_req = on_req;
    for (const struct api_route *const *t = s->tables; *t; t++)
        for (const struct api_route *r = *t; r->method; r++)
            route_metric(r);
    s->m_static = metrics_route("GET /(static)");
    s->m_health = metrics_route("GET /healthz");
    s->m_ready = metrics_route("GET /readyz");
    s->m_metrics = metrics_route("GET /metrics");
    s->m_notfound = metrics_route("(unmatched)");
    s->m_rejected = metrics_route("(rejected by h2o)");
    /* h2o's own answers bind the host's fallback path when they come before routing. */
    reshape_register(s, pathconf);
    reshape_register(s, &host->fallback_path);
    if (*s->cfg->tls_cert) {
        s->ssl_ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
        if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, s->cfg->tls_cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(s->ssl_ctx, s->cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
            snprintf(errbuf, errlen, "cannot load FINCHAT_TLS_CERT/FINCHAT_TLS_KEY");
            server_free(s);
            return NULL;
        }
        h2o_ssl_register_alpn_protocols(s->ssl_ctx, h2o_http2_alpn_protocols);
    }
    return s;
}

int server_run(struct server *s)
{
    for (int i = 0; i < s->nthreads; i++) {
        struct loop_thr *t = &s->thr[i];

        t->srv = s;
        t->index = i;
        t->rid_state = (uint64_t)clock_mono_ns() * 2654435761u + (uint64_t)i + 1;
        if (pthread_create(&t->tid, NULL, thread_main, t) != 0)
            return FC_EIO;
    }
    log_info("listening on %s with %d event loops", s->cfg->http_addr, s->nthreads);
    for (int i = 0; i < s->nthreads; i++)
        pthread_join(s->thr[i].tid, NULL);
    return 0;
}

void server_free(struct server *s)
{
    if (!s)
        return;
    if (s->h2o_cfg.hosts) /* h2o_config_init() ran */
        h2o_config_dispose(&s->h2o_cfg);
    if (s->mimemap)
        h2o_mem_release_shared(s->mimemap);
    ratelimit_free(s->rl);
    free(s->csp);
    if (s->ssl_ctx)
        SSL_CTX_free(s->ssl_ctx);
    free(s);
}
