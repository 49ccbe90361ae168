/* Unit tests for chatbus.c's set-up: when rd_kafka_new refuses the producer or the consumer
 * (made to, for real, by an injected setting), chatbus_new() fails with the reason and
 * leaves nothing behind (run under ASan, a leaked configuration or client is reported). */
#include "test.h"

#include "kafka.h"
#include "log.h"
#include "api-gateway/chat/chatbus.h"

/* librdkafka starts its threads with C11 thrd_create, which ThreadSanitizer does not follow:
 * a working client crashes a TSan build, so the cases that make one are left to ASan. */
#define TSAN_WHY                                                                                   \
    "librdkafka starts its threads with C11 thrd_create(), which this ThreadSanitizer does not "   \
    "intercept, so a live client crashes it; make test runs these checks plain and under ASan"
#ifdef __SANITIZE_THREAD__
#define LIVE_CLIENTS 0
#else
#define LIVE_CLIENTS 1
#endif

static void check_refused(const struct kafka_setting *bad, const char *why)
{
    struct fc_config cfg = {0};
    struct hub *h = hub_new();
    char err[512] = "";

    cfg.kafka_brokers = (char *)"127.0.0.1:1";
    cfg.reply_partitions = (char *)"";
    kafka_test_inject(bad);
    CHECK(chatbus_new(&cfg, h, err, sizeof(err)) == NULL);
    CHECK(strstr(err, why) != NULL);
    kafka_test_inject(NULL);
    hub_free(h);
}

/* The idempotent producer allows at most 5 requests in flight. */
static void test_producer_refused(void)
{
    static const struct kafka_setting bad[] = {{"max.in.flight.requests.per.connection", "10"},
                                               {NULL, NULL}};

    check_refused(bad, "max.in.flight");
}

/* A consumer's fetch.max.bytes must hold a message; the producer ignores it. */
static void test_consumer_refused(void)
{
    static const struct kafka_setting bad[] = {{"fetch.max.bytes", "1000"}, {NULL, NULL}};

    if (LIVE_CLIENTS) /* the producer is made first */
        check_refused(bad, "fetch.max.bytes");
    else
        TEST_SKIP("a refused consumer setting (the producer is made first)", TSAN_WHY);
}

static void quiet(void)
{
    log_init("test", LOG_ERROR + 1); /* silent: the failures below are expected */
}

TEST_MAIN(quiet, test_producer_refused, test_consumer_refused)
