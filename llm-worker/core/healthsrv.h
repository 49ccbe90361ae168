/* healthsrv.h - the worker's small HTTP endpoint for probes and scraping:
 * GET /healthz (alive), GET /readyz (200 when Kafka and MongoDB answer, else 503) and
 * GET /metrics (Prometheus text rendered from the worker's latest status snapshot).
 *
 * One thread, blocking accept with a poll timeout, one short request per connection, 2 s
 * read timeout: enough for a kubelet and a Prometheus scraper, and nothing a hostile client
 * can hold open. Enabled by FINCHAT_WORKER_HEALTH_ADDR (host:port); disabled when empty. */
#ifndef FINCHAT_HEALTHSRV_H
#define FINCHAT_HEALTHSRV_H

#include <jansson.h>
#include <stdbool.h>

struct healthsrv;

/* What the server asks the worker for, from its own thread. Both must be thread-safe. */
struct healthsrv_source {
    bool (*ready)(void *ud);
    /* A new reference to the latest status snapshot (see worker.c), or NULL. */
    json_t *(*status)(void *ud);
    void *ud;
};

/* Starts serving on @addr; NULL with @errbuf when the address is bad or cannot be bound. */
struct healthsrv *healthsrv_start(const char *addr, struct healthsrv_source src, char *errbuf,
                                  unsigned errlen);
void healthsrv_stop(struct healthsrv *h);
/* Renders the Prometheus text for a status snapshot; caller frees. Pure. */
char *healthsrv_metrics(json_t *status, bool ready);

#endif
