/* health.h - readiness of the gateway's dependencies, measured once a second by one
 * background thread per store (PostgreSQL, Kafka, MongoDB), so /readyz and /api/v1/status
 * answer from memory and never block an event loop, and a store whose check hangs cannot
 * delay the news about the others. A store is down when its last check failed or when its
 * check in progress has run for over 1.5 s: a store that dies or hangs reads as down within
 * ~2.5 s (SPEC: /readyz 503 within 3 s), and up again at the first check it answers. */
#ifndef FINCHAT_HEALTH_H
#define FINCHAT_HEALTH_H

#include <jansson.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"
#include "api-gateway/chat/chatbus.h"

struct health;

/* Starts the checkers; NULL when a thread cannot be started. Every store reads as down
 * until its first check answers. */
struct health *health_new(const struct fc_config *cfg, struct chatbus *bus,
                          mongoc_client_pool_t *mongo);
/* Stops and joins the checkers (a check in progress finishes first); NULL is a no-op. */
void health_free(struct health *h);
/* True when PostgreSQL, Kafka and MongoDB all answered their last check. Thread-safe. */
bool health_ready(struct health *h);
/* {"postgres":"ok"|"down", "kafka":..., "mongo":...}; with @detail, objects
 * {status, latency_ms}. Caller owns. Thread-safe. */
json_t *health_components(struct health *h, bool detail);

#endif
