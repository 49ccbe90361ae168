/* gateway.h - the process-wide state handlers reach through api_req.server.
 * Created by main before the threads start; read-only afterwards except through the
 * thread-safe objects it points to. */
#ifndef FINCHAT_GATEWAY_H
#define FINCHAT_GATEWAY_H

#include <stdint.h>

#include "config.h"
#include "api-gateway/chat/chatbus.h"
#include "api-gateway/chat/hub.h"

struct health;

struct gateway {
    const struct fc_config *cfg;
    struct hub *hub;
    struct chatbus *bus;
    struct health *health;
    int64_t started_ms; /* wall clock */
    char instance[128]; /* host:pid */
};

#endif
