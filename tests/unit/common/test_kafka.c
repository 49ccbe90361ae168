/* Unit tests for kafka.c's consumer of partitions assigned by hand: every setting is checked,
 * and the configuration is freed whatever fails (run under ASan, a leaked one is reported). */
#include "kafka.h"
#include "log.h"
#include "test.h"

#define BROKERS "127.0.0.1:1" /* nothing listens: creating a client needs no broker */

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

static void test_consumer_new(void)
{
    static const struct kafka_setting eof[] = {{"enable.partition.eof", "true"}, {NULL, NULL}};
    char err[256] = "";
    rd_kafka_t *rk = LIVE_CLIENTS
                         ? kafka_consumer_new(BROKERS, "test", "test-group", eof, err, sizeof(err))
                         : NULL;
    char val[64];
    size_t len = sizeof(val);

    if (!LIVE_CLIENTS) {
        TEST_SKIP("a live consumer's settings", TSAN_WHY);
        return;
    }
    CHECK(rk != NULL);
    if (!rk)
        return;
    CHECK(rd_kafka_type(rk) == RD_KAFKA_CONSUMER);
    CHECK(rd_kafka_conf_get(rd_kafka_conf(rk), "group.id", val, &len) == RD_KAFKA_CONF_OK);
    CHECK_EQ_STR(val, "test-group");
    len = sizeof(val);
    rd_kafka_conf_get(rd_kafka_conf(rk), "enable.auto.commit", val, &len);
    CHECK_EQ_STR(val, "false");
    len = sizeof(val);
    rd_kafka_conf_get(rd_kafka_conf(rk), "enable.partition.eof", val, &len);
    CHECK_EQ_STR(val, "true");
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* A value librdkafka refuses: NULL, the property named, nothing leaked. */
static void test_refused_setting(void)
{
    static const struct kafka_setting bad[] = {{"fetch.wait.max.ms", "soon"}, {NULL, NULL}};
    static const struct kafka_setting unset[] = {{"fetch.wait.max.ms", NULL}, {NULL, NULL}};
    char err[256] = "";

    CHECK(kafka_consumer_new(BROKERS, "test", "g", bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "fetch.wait.max.ms") != NULL);
    err[0] = '\0';
    CHECK(kafka_consumer_new(BROKERS, "test", "g", unset, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "no value") != NULL);
}

/* Settings each accepted alone that rd_kafka_new rejects together. */
static void test_rejected_by_rd_kafka_new(void)
{
    static const struct kafka_setting bad[] = {{"fetch.max.bytes", "1000"}, {NULL, NULL}};
    char err[256] = "";

    CHECK(kafka_consumer_new(BROKERS, "test", "g", bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "fetch.max.bytes") != NULL);
}

/* What a test injects reaches every client made afterwards, until cleared. */
static void test_inject(void)
{
    static const struct kafka_setting bad[] = {{"fetch.max.bytes", "1000"}, {NULL, NULL}};
    char err[256] = "";
    rd_kafka_t *rk;
    rd_kafka_conf_t *conf;
    char val[64];
    size_t len = sizeof(val);

    kafka_test_inject(bad);
    CHECK(kafka_consumer_new(BROKERS, "test", "g", NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "fetch.max.bytes") != NULL);
    conf = kafka_conf_new(BROKERS, "test");
    CHECK(rd_kafka_conf_get(conf, "fetch.max.bytes", val, &len) == RD_KAFKA_CONF_OK);
    CHECK_EQ_STR(val, "1000");
    rd_kafka_conf_destroy(conf);
    kafka_test_inject(NULL);
    if (!LIVE_CLIENTS) {
        TEST_SKIP("a live consumer after the injection is cleared", TSAN_WHY);
        return;
    }
    rk = kafka_consumer_new(BROKERS, "test", "g", NULL, err, sizeof(err));
    CHECK(rk != NULL);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
}

static void quiet(void)
{
    log_init("test", LOG_ERROR + 1); /* silent: the failures below are expected */
}

TEST_MAIN(quiet, test_consumer_new, test_refused_setting, test_rejected_by_rd_kafka_new,
          test_inject)
