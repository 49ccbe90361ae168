/* status.c - the worker's status snapshot and the status thread that publishes it. */
#include "llm-worker/core/status.h"

#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "mongo.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct stagehist worker_stages[WS_STAGE_MAX] = {
    [WS_REQUEST_IN] = {.name = "request_in"},
    [WS_BEGIN] = {.name = "begin"},
    [WS_PROVIDER_FIRST] = {.name = "provider_first"},
};

#define HEALTH_EVERY_MS 2000

void status_init(struct status *s)
{
    pthread_mutex_init(&s->lock, NULL);
}

void status_set(struct status *s, json_t *snapshot)
{
    pthread_mutex_lock(&s->lock);
    json_decref(s->snapshot);
    s->snapshot = snapshot;
    pthread_mutex_unlock(&s->lock);
}

json_t *status_get(void *ud)
{
    struct status *s = ud;
    json_t *st;

    /* A private copy: callers add fields, and the engine thread replaces the snapshot. */
    pthread_mutex_lock(&s->lock);
    st = s->snapshot ? json_deep_copy(s->snapshot) : NULL;
    pthread_mutex_unlock(&s->lock);
    return st;
}

bool status_ready(void *ud)
{
    struct status *s = ud;

    return atomic_load(&s->kafka_ok) && atomic_load(&s->mongo_ok);
}

/* Publishes the snapshot as this worker's document in MongoDB `workers`. Best effort.
 * @locality status thread */
static void publish(struct status *s, mongoc_client_t *client)
{
    json_t *st = status_get(s);
    char *txt;
    bson_t *doc, selector = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    bson_error_t err;
    mongoc_collection_t *coll;

    if (!st)
        return;
    json_object_set_new(st, "_id", json_string(s->name));
    json_object_set_new(st, "updated_ms", json_integer(clock_wall_ms()));
    json_object_set_new(st, "ready", json_boolean(status_ready(s)));
    txt = json_dumps(st, JSON_COMPACT);
    doc = bson_new_from_json((const uint8_t *)txt, -1, &err);
    if (doc) {
        coll = mongoc_client_get_collection(client, s->db, "workers");
        BSON_APPEND_UTF8(&selector, "_id", s->name);
        BSON_APPEND_BOOL(&opts, "upsert", true);
        if (!mongoc_collection_replace_one(coll, &selector, doc, &opts, NULL, &err))
            log_debug("worker status: %s", err.message);
        mongoc_collection_destroy(coll);
        bson_destroy(doc);
    }
    bson_destroy(&selector);
    bson_destroy(&opts);
    free(txt);
    json_decref(st);
}

/* The status thread: pings Kafka (through the thread-safe producer handle) and MongoDB (with
 * a client of its own) and logs readiness when it changes. */
static void *status_main(void *arg)
{
    struct status *s = arg;
    mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
    int last = -1;

    while (!atomic_load(&s->stop)) {
        bool k = kafka_ping(s->rk, 2000);
        bool m = mongo_ping(client);
        int now = (k ? 1 : 0) | (m ? 2 : 0);

        atomic_store(&s->kafka_ok, k);
        atomic_store(&s->mongo_ok, m);
        if (now != last) {
            char extra[96];

            snprintf(extra, sizeof(extra), ",\"kafka\":\"%s\",\"mongo\":\"%s\"", k ? "ok" : "down",
                     m ? "ok" : "down");
            log_emit(now == 3 ? LOG_INFO : LOG_WARN, NULL, NULL, extra, "worker %s",
                     now == 3 ? "ready" : "not ready");
            last = now;
        }
        if (m)
            publish(s, client);
        for (int i = 0; i < HEALTH_EVERY_MS / 100 && !atomic_load(&s->stop); i++)
            usleep(100 * 1000);
    }
    mongoc_client_pool_push(s->pool, client);
    return NULL;
}

int status_start(struct status *s, rd_kafka_t *rk, mongoc_client_pool_t *pool, const char *db,
                 const char *name)
{
    s->rk = rk;
    s->pool = pool;
    s->db = db;
    s->name = name;
    if (pthread_create(&s->thread, NULL, status_main, s) != 0)
        return FC_EIO;
    s->started = true;
    return 0;
}

void status_release(struct status *s)
{
    if (s->started) {
        atomic_store(&s->stop, true);
        pthread_join(s->thread, NULL);
        s->started = false;
    }
    json_decref(s->snapshot);
    s->snapshot = NULL;
    pthread_mutex_destroy(&s->lock);
}
