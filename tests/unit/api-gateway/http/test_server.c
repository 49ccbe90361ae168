/* Unit tests for server.c without a network: construction from the configuration, and the
 * metrics of every route registered then, before any event loop could race to do it. */
#include "config.h"
#include "test.h"
#include "api-gateway/gateway.h"
#include "api-gateway/http/metrics.h"
#include "api-gateway/http/server.h"

#include <stdlib.h>

static void test_new_registers_route_metrics(void)
{
    struct fc_config cfg;
    struct gateway gw = {0};
    struct server *s;
    char err[256];

    setenv("FINCHAT_STATE_DIR", "/tmp/finchat-unit-server", 1);
    unsetenv("FINCHAT_ENV");
    unsetenv("FINCHAT_TLS_CERT");
    setenv("FINCHAT_HTTP_ADDR", "127.0.0.1:9", 1);
    CHECK_EQ_INT(config_load(&cfg, err, sizeof(err)), 0);
    gw.cfg = &cfg;
    s = server_new(&gw, NULL, err, sizeof(err));
    CHECK(s != NULL);
    /* Routes of the handler modules were registered before the server's own names. */
    CHECK(metrics_route("POST /api/v1/imports") < metrics_route("GET /(static)"));
    CHECK(metrics_route("GET /api/v1/status") < metrics_route("GET /(static)"));
    CHECK(metrics_route("POST /v1/chat/completions") < metrics_route("GET /(static)"));
    server_free(s);
    server_free(NULL);
    setenv("FINCHAT_HTTP_ADDR", "no-port", 1);
    config_release(&cfg);
    CHECK_EQ_INT(config_load(&cfg, err, sizeof(err)), 0);
    gw.cfg = &cfg;
    CHECK(server_new(&gw, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "FINCHAT_HTTP_ADDR") != NULL);
    config_release(&cfg);
}

TEST_MAIN(test_new_registers_route_metrics)
