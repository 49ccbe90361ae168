/* main.c - finchat-gateway: configuration, dependencies, the HTTP server, graceful drain.
 *
 * Start-up order: config → logs → MongoDB pool → migrations (best effort: a gateway whose
 * database is down still starts and reports not-ready) → stream hub → Kafka (chatbus) →
 * health checker → query pool → HTTP server. Shutdown runs in reverse after SIGTERM. */
#include "clock.h"
#include "config.h"
#include "log.h"
#include "mongo.h"
#include "pgconn.h"
#include "sig.h"
#include "api-gateway/chat/chatbus.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/db/dbpool.h"
#include "api-gateway/db/migrate.h"
#include "api-gateway/gateway.h"
#include "api-gateway/http/health.h"
#include "api-gateway/http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define POOL_QUEUE_MAX 4096

static void migrate_at_start(const struct fc_config *cfg)
{
    char err[512];
    PGconn *pg = pg_open(cfg->pg_url, err, sizeof(err));
    int n;

    if (!pg) {
        log_warn("migrations skipped: %s", err);
        return;
    }
    n = migrate_run(pg, err, sizeof(err));
    if (n < 0)
        log_error("migrations failed: %s", err);
    pg_close(pg);
}

/* A client of the OpenAI-compatible endpoint left before its answer ended: stop the
 * generation (on a loop thread: the cancel is queued, not waited for). */
static void cancel_abandoned(void *ud, const char *request_id)
{
    if (chatbus_cancel_nowait(ud, request_id) != 0)
        log_emit(LOG_WARN, request_id, NULL, NULL, "abandoned answer: the cancel was not queued");
}

int main(int argc, char **argv)
{
    struct fc_config cfg;
    struct gateway gw = {0};
    mongoc_client_pool_t *mongo = NULL;
    struct dbpool *pool = NULL;
    struct server *srv = NULL;
    char err[512], host[64] = "localhost";
    char *mongo_db = NULL;
    int rc = 1;

    (void)argc;
    (void)argv;
    if (config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "finchat-gateway: %s\n", err);
        return 2;
    }
    log_init("gateway", -1);
    if (*cfg.test_now) {
        clock_set_wall_offset_ms(cfg.test_now_ms - clock_wall_ms());
        log_warn("FINCHAT_TEST_NOW: the clock starts at %s (tests only)", cfg.test_now);
    }
    if (sig_install() != 0)
        goto out_cfg;
    gethostname(host, sizeof(host) - 1);
    snprintf(gw.instance, sizeof(gw.instance), "%s:%d", host, (int)getpid());
    gw.cfg = &cfg;
    gw.started_ms = clock_wall_ms();
    mongo = mongo_pool_new(cfg.mongo_url, &mongo_db, err, sizeof(err));
    if (!mongo) {
        log_error("%s", err);
        goto out_cfg;
    }
    migrate_at_start(&cfg);
    gw.hub = hub_new();
    gw.bus = chatbus_new(&cfg, gw.hub, err, sizeof(err));
    if (!gw.bus) {
        log_error("kafka: %s", err);
        goto out_hub;
    }
    hub_on_abandon(gw.hub, cancel_abandoned, gw.bus);
    gw.health = health_new(&cfg, gw.bus, mongo);
    pool = dbpool_new(&cfg, mongo, mongo_db, POOL_QUEUE_MAX, err, sizeof(err));
    if (!pool) {
        log_error("%s", err);
        goto out_health;
    }
    srv = server_new(&gw, pool, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        goto out_pool;
    }
    log_info("finchat-gateway %s starting", gw.instance);
    rc = server_run(srv) == 0 ? 0 : 1;
    log_info("drained; shutting down");
    server_free(srv);
out_pool:
    dbpool_free(pool);
out_health:
    health_free(gw.health);
    chatbus_free(gw.bus);
out_hub:
    hub_free(gw.hub);
    mongoc_client_pool_destroy(mongo);
    free(mongo_db);
out_cfg:
    config_release(&cfg);
    return rc;
}
