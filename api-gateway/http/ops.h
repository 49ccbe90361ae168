/* ops.h - the operations route of the API (SPEC §4 Operations): GET /api/v1/status, what the
 * status page shows: version, uptime, instance, component health (health.h), the providers'
 * circuit states as the workers last reported them in MongoDB, request counts and route
 * latency percentiles (metrics.h), the dashboard and stream-hub cache hit ratios, and the
 * streams open and held.
 *
 * Public (no authentication), read-only; the handler runs on a pool thread (@locality pool
 * thread) and reads MongoDB through that thread's client. */
#ifndef FINCHAT_OPS_H
#define FINCHAT_OPS_H

#include "api-gateway/http/api.h"

/* The gateway's version, as /api/v1/status and the MCP server (mcp.h) report it. */
#define FINCHAT_VERSION "0.1.0"

/* GET /api/v1/status. NULL-terminated. */
extern const struct api_route ops_routes[];

#endif
