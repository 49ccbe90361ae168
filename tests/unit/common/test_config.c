/* Unit tests for config.c: defaults, overrides, bounds, production secrets. */
#include "config.h"
#include "test.h"

#include <stdlib.h>

static void test_defaults_and_overrides(void)
{
    struct fc_config cfg;
    char err[256];

    /* The test's own environment (make test raises limits) must not leak in. */
    unsetenv("FINCHAT_RATE_LIMIT");
    unsetenv("FINCHAT_JWT_SECRET");
    unsetenv("FINCHAT_DATA_KEY");
    setenv("FINCHAT_STATE_DIR", "/tmp/finchat-unit-config", 1);
    unsetenv("FINCHAT_ENV");
    setenv("FINCHAT_HTTP_ADDR", "0.0.0.0:9999", 1);
    setenv("FINCHAT_PG_POOL", "3", 1);
    CHECK_EQ_INT(config_load(&cfg, err, sizeof(err)), 0);
    CHECK_EQ_STR(cfg.http_addr, "0.0.0.0:9999");
    CHECK_EQ_INT(cfg.pg_pool, 3);
    CHECK_EQ_INT(cfg.rate_limit, 120);
    CHECK_EQ_STR(cfg.kafka_brokers, "127.0.0.1:19092");
    CHECK(strlen(cfg.jwt_secret) == 64);
    CHECK(strlen(cfg.data_key) == 64);
    {
        char *first = strdup(cfg.jwt_secret);

        config_release(&cfg);
        CHECK_EQ_INT(config_load(&cfg, err, sizeof(err)), 0);
        CHECK_EQ_STR(cfg.jwt_secret, first); /* generated once, then reused */
        free(first);
    }
    config_release(&cfg);
}

static void test_bad_values(void)
{
    struct fc_config cfg;
    char err[256];

    setenv("FINCHAT_PG_POOL", "0", 1);
    CHECK(config_load(&cfg, err, sizeof(err)) != 0);
    CHECK(strstr(err, "FINCHAT_PG_POOL") != NULL);
    setenv("FINCHAT_PG_POOL", "8x", 1);
    CHECK(config_load(&cfg, err, sizeof(err)) != 0);
    unsetenv("FINCHAT_PG_POOL");
    setenv("FINCHAT_ENV", "production", 1);
    unsetenv("FINCHAT_JWT_SECRET");
    CHECK(config_load(&cfg, err, sizeof(err)) != 0);
    CHECK(strstr(err, "FINCHAT_JWT_SECRET") != NULL);
    setenv("FINCHAT_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    setenv("FINCHAT_DATA_KEY", "short", 1);
    CHECK(config_load(&cfg, err, sizeof(err)) != 0);
    unsetenv("FINCHAT_ENV");
    unsetenv("FINCHAT_JWT_SECRET");
    unsetenv("FINCHAT_DATA_KEY");
}

static void test_worker_needs_no_secrets(void)
{
    struct fc_config cfg;
    char err[256];

    setenv("FINCHAT_ENV", "production", 1);
    unsetenv("FINCHAT_JWT_SECRET");
    unsetenv("FINCHAT_DATA_KEY");
    CHECK(config_load(&cfg, err, sizeof(err)) != 0);
    CHECK_EQ_INT(config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err)), 0);
    CHECK_EQ_STR(cfg.jwt_secret, "");
    config_release(&cfg);
    unsetenv("FINCHAT_ENV");
}

/* FINCHAT_TEST_NOW: read in development, an error in production or when it is no time. */
static void test_test_now(void)
{
    struct fc_config cfg;
    char err[256];

    setenv("FINCHAT_TEST_NOW", "2026-11-30T20:00:00-08:00", 1);
    CHECK_EQ_INT(config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err)), 0);
    CHECK_EQ_INT(cfg.test_now_ms, 1796097600000LL); /* 2026-12-01T04:00:00Z */
    config_release(&cfg);
    setenv("FINCHAT_TEST_NOW", "next tuesday", 1);
    CHECK(config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err)) != 0);
    CHECK(strstr(err, "FINCHAT_TEST_NOW") != NULL);
    setenv("FINCHAT_TEST_NOW", "2026-11-30T20:00:00-08:00", 1);
    setenv("FINCHAT_ENV", "production", 1);
    CHECK(config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err)) != 0);
    CHECK(strstr(err, "production") != NULL);
    unsetenv("FINCHAT_ENV");
    unsetenv("FINCHAT_TEST_NOW");
    CHECK_EQ_INT(config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err)), 0);
    CHECK_EQ_STR(cfg.test_now, "");
    CHECK_EQ_INT(cfg.test_now_ms, 0);
    config_release(&cfg);
}

TEST_MAIN(test_defaults_and_overrides, test_bad_values, test_worker_needs_no_secrets, test_test_now)
