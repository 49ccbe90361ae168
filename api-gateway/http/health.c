/* health.c - the dependency checker thread. */
#include "api-gateway/http/health.h"

#include "clock.h"
#include "log.h"
#include "mongo.h"
#include "pgconn.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

enum { DEP_PG, DEP_KAFKA, DEP_MONGO, NDEPS };

static const char *const dep_names[NDEPS] = {"postgres", "kafka", "mongo"};

struct health {
    const struct fc_config *cfg;
    struct chatbus *bus;
    mongoc_client_pool_t *mongo;
    atomic_bool ok[NDEPS];
    atomic_int latency_ms[NDEPS];
    atomic_bool stop;
    pthread_t thread;
};

static void record(struct health *h, int dep, bool ok, int64_t t0)
{
    bool was = atomic_exchange(&h->ok[dep], ok);

    atomic_store(&h->latency_ms[dep], (int)(clock_mono_ms() - t0));
    if (was != ok)
        log_emit(ok ? LOG_INFO : LOG_WARN, NULL, NULL, NULL, "dependency %s is %s", dep_names[dep],
                 ok ? "up" : "down");
}

static void *thread_main(void *arg)
{
    struct health *h = arg;
    PGconn *pg = NULL;
    mongoc_client_t *mc = h->mongo ? mongoc_client_pool_pop(h->mongo) : NULL;
    char err[256];

    while (!atomic_load(&h->stop)) {
        int64_t t0 = clock_mono_ms();

        if (!pg)
            pg = pg_open(h->cfg->pg_url, err, sizeof(err));
        record(h, DEP_PG, pg && pg_ping(pg), t0);
        t0 = clock_mono_ms();
        record(h, DEP_KAFKA, chatbus_ping(h->bus, 1500), t0);
        t0 = clock_mono_ms();
        record(h, DEP_MONGO, mc && mongo_ping(mc), t0);
        for (int i = 0; i < 10 && !atomic_load(&h->stop); i++)
            usleep(100 * 1000);
    }
    pg_close(pg);
    if (mc)
        mongoc_client_pool_push(h->mongo, mc);
    return NULL;
}

struct health *health_new(const struct fc_config *cfg, struct chatbus *bus,
                          mongoc_client_pool_t *mongo)
{
    struct health *h = xcalloc(1, sizeof(*h));

    h->cfg = cfg;
    h->bus = bus;
    h->mongo = mongo;
    if (pthread_create(&h->thread, NULL, thread_main, h) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void health_free(struct health *h)
{
    if (!h)
        return;
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    free(h);
}

bool health_ready(struct health *h)
{
    for (int i = 0; i < NDEPS; i++)
        if (!atomic_load(&h->ok[i]))
            return false;
    return true;
}

json_t *health_components(struct health *h, bool detail)
{
    json_t *o = json_object();

    for (int i = 0; i < NDEPS; i++) {
        const char *st = atomic_load(&h->ok[i]) ? "ok" : "down";

        if (detail)
            json_object_set_new(
                o, dep_names[i],
                json_pack("{s:s,s:i}", "status", st, "latency_ms", atomic_load(&h->latency_ms[i])));
        else
            json_object_set_new(o, dep_names[i], json_string(st));
    }
    return o;
}
