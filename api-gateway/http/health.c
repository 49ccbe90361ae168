/* health.c - the dependency checkers: one thread per store, each checking once a second. */
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

/* A check still running after this long counts as failed: a store that hangs (stopped,
 * partitioned) reads as down as fast as one that refuses connections. */
#define CHECK_STALE_MS 1500
/* How often each store is checked, from the start of one check to the start of the next. */
#define CHECK_PERIOD_MS 1000
/* Kafka's metadata request waits this long for a broker. */
#define KAFKA_TIMEOUT_MS 1200

struct health;

/* One store's checker: its thread and what it last found. */
struct dep {
    struct health *h;
    int id;
    atomic_bool ok;
    atomic_int latency_ms;
    atomic_llong busy_since_ms; /* start of the check in progress, 0 between checks */
    pthread_t thread;
    bool started;
};

struct health {
    const struct fc_config *cfg;
    struct chatbus *bus;
    mongoc_client_pool_t *mongo;
    atomic_bool stop;
    struct dep deps[NDEPS];
};

/* Per-thread state of a checker: the connection it keeps between checks. */
struct probe {
    PGconn *pg;
    mongoc_client_t *mc;
};

/* Runs one check of @d's store. @locality that store's checker thread. */
static bool check_once(struct dep *d, struct probe *p)
{
    struct health *h = d->h;
    char err[256];

    switch (d->id) {
    case DEP_PG:
        if (!p->pg)
            p->pg = pg_open(h->cfg->pg_url, err, sizeof(err));
        return p->pg && pg_ping(p->pg);
    case DEP_KAFKA:
        return chatbus_ping(h->bus, KAFKA_TIMEOUT_MS);
    default:
        if (!p->mc && h->mongo)
            p->mc = mongoc_client_pool_pop(h->mongo);
        return p->mc && mongo_ping(p->mc);
    }
}

static void record(struct dep *d, bool ok, int64_t t0)
{
    bool was = atomic_exchange(&d->ok, ok);

    atomic_store(&d->latency_ms, (int)(clock_mono_ms() - t0));
    if (was != ok)
        log_emit(ok ? LOG_INFO : LOG_WARN, NULL, NULL, NULL, "dependency %s is %s",
                 dep_names[d->id], ok ? "up" : "down");
}

static void *thread_main(void *arg)
{
    struct dep *d = arg;
    struct probe p = {NULL, NULL};

    while (!atomic_load(&d->h->stop)) {
        int64_t t0 = clock_mono_ms();
        bool ok;

        atomic_store(&d->busy_since_ms, t0);
        ok = check_once(d, &p);
        atomic_store(&d->busy_since_ms, 0);
        record(d, ok, t0);
        while (!atomic_load(&d->h->stop) && clock_mono_ms() - t0 < CHECK_PERIOD_MS)
            usleep(50 * 1000);
    }
    pg_close(p.pg);
    if (p.mc)
        mongoc_client_pool_push(d->h->mongo, p.mc);
    return NULL;
}

/* The store answered its last check, and no check of it has been hanging for long. */
static bool dep_ok(struct dep *d)
{
    int64_t busy = atomic_load(&d->busy_since_ms);

    if (busy && clock_mono_ms() - busy > CHECK_STALE_MS)
        return false;
    return atomic_load(&d->ok);
}

struct health *health_new(const struct fc_config *cfg, struct chatbus *bus,
                          mongoc_client_pool_t *mongo)
{
    struct health *h = xcalloc(1, sizeof(*h));

    h->cfg = cfg;
    h->bus = bus;
    h->mongo = mongo;
    for (int i = 0; i < NDEPS; i++) {
        h->deps[i].h = h;
        h->deps[i].id = i;
        if (pthread_create(&h->deps[i].thread, NULL, thread_main, &h->deps[i]) != 0) {
            health_free(h);
            return NULL;
        }
        h->deps[i].started = true;
    }
    return h;
}

void health_free(struct health *h)
{
    if (!h)
        return;
    atomic_store(&h->stop, true);
    for (int i = 0; i < NDEPS; i++)
        if (h->deps[i].started)
            pthread_join(h->deps[i].thread, NULL);
    free(h);
}

bool health_ready(struct health *h)
{
    for (int i = 0; i < NDEPS; i++)
        if (!dep_ok(&h->deps[i]))
            return false;
    return true;
}

json_t *health_components(struct health *h, bool detail)
{
    json_t *o = json_object();

    for (int i = 0; i < NDEPS; i++) {
        const char *st = dep_ok(&h->deps[i]) ? "ok" : "down";

        if (detail)
            json_object_set_new(o, dep_names[i],
                                json_pack("{s:s,s:i}", "status", st, "latency_ms",
                                          atomic_load(&h->deps[i].latency_ms)));
        else
            json_object_set_new(o, dep_names[i], json_string(st));
    }
    return o;
}
