/* health.h - readiness of the gateway's dependencies, measured by a background thread once
 * a second so /readyz and /api/v1/status answer from memory and never block an event loop.
 * Each check has a short timeout, so a dead dependency is reported within ~2 s. */
#ifndef FINCHAT_HEALTH_H
#define FINCHAT_HEALTH_H

#include <jansson.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"
#include "api-gateway/chat/chatbus.h"

struct health;

struct health *health_new(const struct fc_config *cfg, struct chatbus *bus,
                          mongoc_client_pool_t *mongo);
void health_free(struct health *h);
/* True when PostgreSQL, Kafka and MongoDB all answered their last check. Thread-safe. */
bool health_ready(struct health *h);
/* {"postgres":"ok"|"down", "kafka":..., "mongo":...}; with @detail, objects
 * {status, latency_ms}. Caller owns. Thread-safe. */
json_t *health_components(struct health *h, bool detail);

#endif
