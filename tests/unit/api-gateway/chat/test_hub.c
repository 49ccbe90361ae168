/* Unit tests for hub.c: the log (dedupe by seq, superseded attempts, terminal events), and
 * readers served by a real h2o server in this process, among them readers of streams the hub
 * does not hold, whose replay cannot start or cannot make its consumer: each must end with
 * an `error` event instead of waiting forever. */
#define FINCHAT_HUB_WITH_H2O 1
#include "test.h"

#include "err.h"
#include "kafka.h"
#include "log.h"
#include "api-gateway/chat/facade.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/chat/replay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_S 5 /* a reader still waiting after this is hanging */

static struct chat_chunk chunk(const char *rid, int attempt, int64_t n, enum chunk_type t)
{
    struct chat_chunk c = {(char *)rid, attempt, attempt * CHUNK_SEQ_BASE + n, t,
                           (char *)"{\"text\":\"x\"}"};
    return c;
}

static void test_publish(void)
{
    struct hub *h = hub_new();
    const char *rid = "11111111-1111-4111-8111-111111111111";
    struct chat_chunk c;

    c = chunk(rid, 1, 0, CHUNK_START);
    CHECK(!hub_publish(h, &c)); /* no such stream yet */
    hub_open(h, rid);
    hub_open(h, rid);
    CHECK_EQ_INT(hub_size(h), 1);
    CHECK(hub_publish(h, &c));
    CHECK(!hub_publish(h, &c)); /* duplicate */
    c = chunk(rid, 1, 1, CHUNK_TOKEN);
    CHECK(hub_publish(h, &c));
    c = chunk(rid, 2, 0, CHUNK_RESET);
    CHECK(hub_publish(h, &c));
    c = chunk(rid, 1, 2, CHUNK_TOKEN); /* a superseded attempt's late token */
    CHECK(!hub_publish(h, &c));
    c = chunk(rid, 2, 1, CHUNK_FINAL);
    CHECK(hub_publish(h, &c));
    c = chunk(rid, 2, 2, CHUNK_TOKEN); /* nothing after the end */
    CHECK(!hub_publish(h, &c));
    hub_sweep(h, 0);
    CHECK_EQ_INT(hub_size(h), 1);
    hub_sweep(h, INT64_MAX / 2);
    CHECK_EQ_INT(hub_size(h), 0);
    hub_free(h);
}

static void test_fail(void)
{
    struct hub *h = hub_new();
    const char *rid = "22222222-2222-4222-8222-222222222222";
    struct chat_chunk c = chunk(rid, 1, 0, CHUNK_START);

    CHECK(hub_ended(h, rid)); /* not held */
    CHECK(!hub_fail(h, rid, "stream_unavailable", "gone"));
    hub_open(h, rid);
    CHECK(!hub_ended(h, rid));
    CHECK(hub_publish(h, &c));
    CHECK(hub_fail(h, rid, "stream_unavailable", "gone"));
    CHECK(hub_ended(h, rid));
    CHECK(!hub_fail(h, rid, "stream_unavailable", "gone")); /* ended once */
    c = chunk(rid, 1, 5, CHUNK_FINAL);
    CHECK(!hub_publish(h, &c));
    hub_free(h);
}

/* ---- readers: one h2o event loop on this thread, one blocking client thread ---- */

static h2o_globalconf_t h2o_cfg;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;
static h2o_socket_t *listener;
static struct hub *hub;
static struct hub_thread *hub_thr;
static int port;
static struct hub_stream_req sreq; /* what the handler subscribes with */
static int sub_rc;

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    sub_rc = hub_subscribe(hub_thr, req, &sreq);
    if (sub_rc != 0) {
        req->res.status = sub_rc == HUB_NOTHING_LEFT ? 204 : 503;
        req->res.reason = "refused";
        h2o_send_inline(req, NULL, 0);
    }
    return 0;
}

static void on_accept(h2o_socket_t *sock_listen, const char *err)
{
    h2o_socket_t *sock;

    if (err)
        return;
    sock = h2o_evloop_socket_accept(sock_listen);
    if (sock)
        h2o_accept(&accept_ctx, sock);
}

static void server_start(void)
{
    h2o_hostconf_t *host;
    h2o_handler_t *handler;
    struct sockaddr_in addr = {.sin_family = AF_INET};
    socklen_t alen = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    h2o_config_init(&h2o_cfg);
    host = h2o_config_register_host(&h2o_cfg, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    handler = h2o_create_handler(h2o_config_register_path(host, "/", 0), sizeof(*handler));
    handler->on_req = on_req;
    h2o_context_init(&ctx, h2o_evloop_create(), &h2o_cfg);
    accept_ctx.ctx = &ctx;
    accept_ctx.hosts = h2o_cfg.hosts;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("test_hub: listen");
        exit(1);
    }
    port = ntohs(addr.sin_port);
    listener = h2o_evloop_socket_create(ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(listener, on_accept);
    hub = hub_new();
    hub_thr = hub_thread_attach(hub, &ctx);
}

struct client {
    atomic_bool done;
    bool ended; /* the server ended the response (not the client's patience) */
    char resp[8192];
    size_t len;
};

/* One GET over a connection of its own, read until the server closes it or WAIT_S pass. */
static void *client_main(void *arg)
{
    static const char get[] = "GET /s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    struct client *c = arg;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {WAIT_S, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ssize_t n = 0;

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        write(fd, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1))
        while (c->len < sizeof(c->resp) - 1 &&
               (n = read(fd, c->resp + c->len, sizeof(c->resp) - 1 - c->len)) > 0)
            c->len += (size_t)n;
    c->ended = n == 0;
    c->resp[c->len] = '\0';
    close(fd);
    atomic_store(&c->done, true);
    return NULL;
}

/* Serves one GET of the stream @rid (after event @after) in @fmt (NULL: finchat's SSE) and
 * returns what the client read. */
static void get_stream_as(const char *rid, int64_t after, const struct hub_format *fmt,
                          struct client *c)
{
    pthread_t tid;

    memset(c, 0, sizeof(*c));
    memset(&sreq, 0, sizeof(sreq));
    snprintf(sreq.request_id, sizeof(sreq.request_id), "%s", rid);
    sreq.first_offset = -1;
    sreq.after_seq = after;
    sreq.format = fmt;
    snprintf(sreq.model, sizeof(sreq.model), "m-test");
    sreq.created_s = 1700000000;
    sub_rc = -12345;
    pthread_create(&tid, NULL, client_main, c);
    while (!atomic_load(&c->done))
        h2o_evloop_run(ctx.loop, 10);
    pthread_join(tid, NULL);
    /* Let the server side see the close and release the request. */
    for (int i = 0; i < 5; i++)
        h2o_evloop_run(ctx.loop, 1);
}

static void get_stream(const char *rid, int64_t after, struct client *c)
{
    get_stream_as(rid, after, NULL, c);
}

/* A stream held here and ended: every event in order, then the response ends. */
static void test_reader_of_held_stream(void)
{
    const char *rid = "33333333-3333-4333-8333-333333333333";
    struct chat_chunk c;
    struct client cl;
    char *start, *token, *final, id[64];

    hub_open(hub, rid);
    c = chunk(rid, 1, 0, CHUNK_START);
    hub_publish(hub, &c);
    c = chunk(rid, 1, 1, CHUNK_TOKEN);
    hub_publish(hub, &c);
    c = chunk(rid, 1, 2, CHUNK_FINAL);
    hub_publish(hub, &c);
    get_stream(rid, -1, &cl);
    CHECK_EQ_INT(sub_rc, 0);
    CHECK(cl.ended);
    start = strstr(cl.resp, "event: start");
    token = strstr(cl.resp, "event: token");
    final = strstr(cl.resp, "event: final");
    CHECK(start && token && final && start < token && token < final);
    snprintf(id, sizeof(id), "id: %lld\nevent: final", (long long)c.seq);
    CHECK(strstr(cl.resp, id) != NULL);
    /* Resuming after its last event: nothing left (the server answers 204). */
    get_stream(rid, c.seq, &cl);
    CHECK_EQ_INT(sub_rc, HUB_NOTHING_LEFT);
}

static int miss_rc;
static int misses;

static int fake_miss(void *ud, const struct hub_stream_req *sr)
{
    (void)ud;
    (void)sr;
    misses++;
    return miss_rc;
}

/* The reader of a stream nobody could start feeding gets an `error` event, and its
 * response ends. */
static void check_unavailable(const struct client *cl)
{
    CHECK_EQ_INT(sub_rc, 0);
    CHECK(cl->ended);
    CHECK(strstr(cl->resp, "event: error") != NULL);
    CHECK(strstr(cl->resp, "stream_unavailable") != NULL);
}

static void test_miss_start_fails(void)
{
    struct client cl;
    int n = hub_size(hub);

    hub_on_miss(hub, fake_miss, NULL);
    miss_rc = FC_EIO;
    misses = 0;
    get_stream("44444444-4444-4444-8444-444444444444", -1, &cl);
    CHECK_EQ_INT(misses, 1);
    check_unavailable(&cl);
    CHECK_EQ_INT(hub_size(hub), n + 1);
    /* No miss handler at all: the same. */
    hub_on_miss(hub, NULL, NULL);
    get_stream("44444444-4444-4444-8444-444444444445", -1, &cl);
    check_unavailable(&cl);
}

static void test_miss_busy(void)
{
    struct client cl;
    int n = hub_size(hub);

    hub_on_miss(hub, fake_miss, NULL);
    miss_rc = FC_ERATE;
    get_stream("55555555-5555-4555-8555-555555555555", -1, &cl);
    CHECK_EQ_INT(sub_rc, FC_ERATE);
    CHECK(strstr(cl.resp, " 503 ") != NULL);
    CHECK_EQ_INT(hub_size(hub), n); /* nothing created */
    hub_on_miss(hub, NULL, NULL);
}

/* A replay that started: a thread stands in for the replay reader. Before it has caught up,
 * this gateway's live consumer (which may also read that reply partition) sees a later
 * chunk of the same answer; the stream must take the replayed chunks in their order, and
 * leave the live one to the replay, or the earlier tokens look old and are lost. */
static const char *const fed_rid = "77777777-7777-4777-8777-777777777777";
static pthread_t feeder;

static void *feed_main(void *arg)
{
    struct chat_chunk c = chunk(fed_rid, 1, 8, CHUNK_TOKEN);

    (void)arg;
    CHECK(!hub_publish(hub, &c)); /* live, ahead of the replay: left to it */
    for (int n = 0; n <= 9; n++) {
        c = chunk(fed_rid, 1, n, n == 0 ? CHUNK_START : n == 9 ? CHUNK_FINAL : CHUNK_TOKEN);
        CHECK(hub_publish_replayed(hub, &c));
    }
    return NULL;
}

static int feeding_miss(void *ud, const struct hub_stream_req *sr)
{
    (void)ud;
    (void)sr;
    /* Called with the hub lock held: the feeder's first publish waits for the stream. */
    pthread_create(&feeder, NULL, feed_main, NULL);
    return 0;
}

static void test_replay_keeps_order(void)
{
    struct client cl;
    char id[64];

    hub_on_miss(hub, feeding_miss, NULL);
    get_stream(fed_rid, CHUNK_SEQ_BASE, &cl); /* resumed after the start */
    pthread_join(feeder, NULL);
    hub_on_miss(hub, NULL, NULL);
    CHECK_EQ_INT(sub_rc, 0);
    CHECK(cl.ended);
    for (int n = 1; n <= 9; n++) {
        snprintf(id, sizeof(id), "id: %lld\nevent: %s", (long long)(CHUNK_SEQ_BASE + n),
                 n == 9 ? "final" : "token");
        CHECK(strstr(cl.resp, id) != NULL);
    }
}

/* The real replay reader whose consumer rd_kafka_new refuses. */
static void test_replay_consumer_fails(void)
{
    static const struct kafka_setting bad[] = {{"fetch.max.bytes", "1000"}, {NULL, NULL}};
    struct replay *rp = replay_new(hub, "127.0.0.1:1", 4);
    struct client cl;

    kafka_test_inject(bad);
    get_stream("66666666-6666-4666-8666-666666666666", -1, &cl);
    check_unavailable(&cl);
    kafka_test_inject(NULL);
    replay_free(rp);
}

/* Checks that the response @cl ended and holds each of @needles (NULL-terminated). */
static void check_holds(const struct client *cl, const char *const *needles)
{
    CHECK(cl->ended);
    for (; *needles; needles++) {
        bool held = strstr(cl->resp, *needles) != NULL;

        CHECK(held);
        if (!held)
            fprintf(stderr, "the response lacks %s:\n%s\n", *needles, cl->resp);
    }
}

/* The facade's OpenAI formats, read through the hub. */
static void test_openai_formats(void)
{
    static const char *const chunks[] = {"text/event-stream",
                                         "\"object\":\"chat.completion.chunk\"",
                                         "\"id\":\"chatcmpl-88888888-8888-4888-8888-888888888888\"",
                                         "\"model\":\"m-test\"",
                                         "\"role\":\"assistant\"",
                                         "\"delta\":{\"content\":\"x\"}",
                                         "\"finish_reason\":\"stop\"",
                                         "\"total_tokens\":7",
                                         "data: [DONE]",
                                         NULL};
    static const char *const doc[] = {" 200 ",
                                      "application/json",
                                      "\"object\":\"chat.completion\"",
                                      "\"content\":\"xx\"",
                                      "\"total_tokens\":7",
                                      NULL};
    static const char *const doc_error[] = {" 502 ", "\"code\":\"stream_unavailable\"", NULL};
    static const char *const chunks_error[] = {"\"type\":\"server_error\"", "data: [DONE]", NULL};
    const char *rid = "88888888-8888-4888-8888-888888888888";
    struct chat_chunk c = chunk(rid, 1, 0, CHUNK_START);
    struct client cl;

    hub_open(hub, rid);
    for (int i = 0; i < 3; i++) {
        hub_publish(hub, &c);
        c = chunk(rid, 1, i + 1, CHUNK_TOKEN);
    }
    c.type = CHUNK_FINAL;
    c.data_json = (char *)"{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}";
    hub_publish(hub, &c);
    get_stream_as(rid, -1, facade_format(true), &cl);
    check_holds(&cl, chunks);
    CHECK(strstr(cl.resp, "event:") == NULL);
    get_stream_as(rid, -1, facade_format(false), &cl);
    check_holds(&cl, doc);
    /* Misses nobody can feed: an OpenAI error object (502 for the document). */
    hub_on_miss(hub, NULL, NULL);
    get_stream_as("88888888-8888-4888-8888-888888888889", -1, facade_format(false), &cl);
    check_holds(&cl, doc_error);
    get_stream_as("88888888-8888-4888-8888-88888888888a", -1, facade_format(true), &cl);
    check_holds(&cl, chunks_error);
}

static void test_readers(void)
{
    log_init("test", LOG_ERROR + 1); /* silent: the failures below are expected */
    server_start();
    test_reader_of_held_stream();
    test_miss_start_fails();
    test_miss_busy();
    test_replay_keeps_order();
    test_replay_consumer_fails();
    test_openai_formats();
    h2o_socket_read_stop(listener);
    h2o_socket_close(listener);
    h2o_evloop_run(ctx.loop, 1);
    hub_free(hub);
}

TEST_MAIN(test_publish, test_fail, test_readers)
