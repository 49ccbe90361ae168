/* server.h - the HTTP front of the gateway on h2o: one event loop per thread, each with its
 * own SO_REUSEPORT listener, HTTP/1.1 and HTTP/2 (h2c upgrade and prior knowledge; ALPN h2
 * under TLS).
 *
 * On the loop (@locality loop thread): request ids, per-IP rate limits, body limits, the
 * JSON depth guard and parse, routing, security/CORS headers, static files of the web
 * client, /healthz, /readyz and /metrics. Everything that touches a database goes to the
 * query pool (dbpool.h) as a job holding copies of what it needs; the answer comes back
 * through the loop's message queue. A job whose client left is answered into the void:
 * a guard in the request's pool tells the loop the request is gone.
 *
 * Every answer carries an X-Request-Id and the security headers, and every error the SPEC
 * shape {"error":{"code","message","request_id"}} (SPEC §4) — also the answers h2o gives
 * itself before routing: an HTTP/1.1 body declared or sent beyond the hard cap
 * (FINCHAT_IMPORT_LIMIT + 1 MiB, h2o's max_request_entity_size, checked on the declared
 * Content-Length before any of the body is read) is 413 payload_too_large, a malformed
 * request 400 bad_request. The route limits (FINCHAT_BODY_LIMIT, FINCHAT_IMPORT_LIMIT) are
 * checked on the read body. Over HTTP/2, h2o 2.2 resets a stream whose body passes the hard
 * cap (RST_STREAM) with no hook to answer it; bodies up to it get the same 413.
 *
 * The route tables are those the handler modules declare in their headers.
 *
 * server_run() returns after SIGTERM/SIGINT once in-flight jobs finished and streams closed,
 * or after the drain timeout. */
#ifndef FINCHAT_SERVER_H
#define FINCHAT_SERVER_H

#include "api-gateway/db/dbpool.h"
#include "api-gateway/gateway.h"

struct server;

/* Prepares the server of @gw (whose cfg and, for serving, hub, bus and health must be set)
 * handing database work to @pool: parses FINCHAT_HTTP_ADDR, loads the TLS certificate when
 * one is configured, and registers every route's metrics. No socket is opened yet. Returns
 * NULL with a message in @errbuf for a bad address or certificate. @locality main thread */
struct server *server_new(struct gateway *gw, struct dbpool *pool, char *errbuf, unsigned errlen);
/* Starts the event loops (FINCHAT_HTTP_THREADS, default one per CPU), each listening on the
 * address, and returns once they all stopped (see above). 0, or FC_EIO when a thread could
 * not be started. @locality main thread */
int server_run(struct server *s);
/* Frees @s after server_run() returned (or instead of it); NULL is a no-op. */
void server_free(struct server *s);

#endif
