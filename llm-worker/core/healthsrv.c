/* healthsrv.c - probe and metrics endpoint of the worker. */
#include "llm-worker/core/healthsrv.h"

#include "err.h"
#include "log.h"
#include "strbuf.h"
#include "llm-worker/core/status.h"
#include "xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct healthsrv {
    int fd;
    pthread_t thread;
    atomic_bool stop;
    struct healthsrv_source src;
};

static long long num(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

char *healthsrv_metrics(json_t *status, bool ready)
{
    static const char *const counters[] = {"consumed",
                                           "answered",
                                           "failed",
                                           "dlq",
                                           "context_cache_hits",
                                           "context_cache_misses",
                                           "history_cache_hits",
                                           "history_cache_misses",
                                           "handed_over",
                                           "parked"};
    struct strbuf buf = STRBUF_INIT;
    size_t i;
    json_t *p;

    strbuf_addf(&buf, "# TYPE finchat_worker_ready gauge\nfinchat_worker_ready %d\n", ready);
    strbuf_addf(&buf, "# TYPE finchat_worker_inflight gauge\nfinchat_worker_inflight %lld\n",
                num(status, "inflight"));
    for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        strbuf_addf(&buf, "# TYPE finchat_worker_%s_total counter\nfinchat_worker_%s_total %lld\n",
                    counters[i], counters[i], num(status, counters[i]));
    strbuf_addf(&buf,
                "# TYPE finchat_worker_ttft_ms_sum counter\nfinchat_worker_ttft_ms_sum %lld\n"
                "# TYPE finchat_worker_ttft_count counter\nfinchat_worker_ttft_count %lld\n",
                num(status, "ttft_ms_sum"), num(status, "ttft_count"));
    strbuf_addf(&buf, "# TYPE finchat_provider_outcomes_total counter\n"
                      "# TYPE finchat_provider_circuit_open gauge\n");
    json_array_foreach(json_object_get(status, "providers"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *circuit = json_string_value(json_object_get(p, "circuit"));

        if (!name)
            continue;
        strbuf_addf(&buf,
                    "finchat_provider_outcomes_total{provider=\"%s\",outcome=\"answer\"} %lld\n"
                    "finchat_provider_outcomes_total{provider=\"%s\",outcome=\"failure\"} %lld\n"
                    "finchat_provider_outcomes_total{provider=\"%s\",outcome=\"retry\"} %lld\n"
                    "finchat_provider_outcomes_total{provider=\"%s\",outcome=\"reset\"} %lld\n"
                    "finchat_provider_circuit_open{provider=\"%s\"} %d\n",
                    name, num(p, "answers"), name, num(p, "failures"), name, num(p, "retries"),
                    name, num(p, "resets"), name, circuit && strcmp(circuit, "closed") != 0);
    }
    stagehist_render(&buf, "finchat_worker_stage_seconds",
                     "Time of each stage of a chat request in the worker", worker_stages,
                     WS_STAGE_MAX);
    return strbuf_detach(&buf, NULL);
}

static void respond(int fd, int status, const char *type, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status,
                     status == 200   ? "OK"
                     : status == 404 ? "Not Found"
                                     : "Unavailable",
                     type, strlen(body));

    if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0) {
        /* The prober went away; nothing to do. */
    }
}

static void serve_one(struct healthsrv *h, int fd)
{
    struct timeval tv = {2, 0};
    char req[512];
    ssize_t n;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    n = read(fd, req, sizeof(req) - 1);
    if (n <= 0)
        return;
    req[n] = '\0';
    if (strncmp(req, "GET /healthz ", 13) == 0) {
        respond(fd, 200, "application/json", "{\"status\":\"ok\"}");
    } else if (strncmp(req, "GET /readyz ", 12) == 0) {
        bool ok = h->src.ready(h->src.ud);

        respond(fd, ok ? 200 : 503, "application/json",
                ok ? "{\"status\":\"ready\"}" : "{\"status\":\"unavailable\"}");
    } else if (strncmp(req, "GET /metrics ", 13) == 0) {
        json_t *st = h->src.status(h->src.ud);
        char *txt = healthsrv_metrics(st, h->src.ready(h->src.ud));

        respond(fd, 200, "text/plain; version=0.0.4", txt);
        free(txt);
        json_decref(st);
    } else {
        respond(fd, 404, "application/json", "{\"error\":{\"code\":\"not_found\"}}");
    }
}

static void *thread_main(void *arg)
{
    struct healthsrv *h = arg;

    while (!atomic_load(&h->stop)) {
        struct pollfd pfd = {h->fd, POLLIN, 0};
        int fd;

        if (poll(&pfd, 1, 200) <= 0)
            continue;
        fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_one(h, fd);
        close(fd);
    }
    return NULL;
}

struct healthsrv *healthsrv_start(const char *addr, struct healthsrv_source src, char *errbuf,
                                  unsigned errlen)
{
    struct healthsrv *h;
    struct sockaddr_in sa;
    const char *colon = strrchr(addr, ':');
    char host[64];
    int on = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    if (!colon || (size_t)(colon - addr) >= sizeof(host)) {
        snprintf(errbuf, errlen, "FINCHAT_WORKER_HEALTH_ADDR=%s is not host:port", addr);
        return NULL;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
    sa.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
    if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &sa.sin_addr) != 1) {
        snprintf(errbuf, errlen, "FINCHAT_WORKER_HEALTH_ADDR=%s: bad IPv4 address", addr);
        return NULL;
    }
    h = xcalloc(1, sizeof(*h));
    h->src = src;
    h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(h->fd, 64) != 0 || pthread_create(&h->thread, NULL, thread_main, h) != 0) {
        snprintf(errbuf, errlen, "health endpoint %s: %s", addr, strerror(errno));
        if (h->fd >= 0)
            close(h->fd);
        free(h);
        return NULL;
    }
    return h;
}

void healthsrv_stop(struct healthsrv *h)
{
    if (!h)
        return;
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    close(h->fd);
    free(h);
}
