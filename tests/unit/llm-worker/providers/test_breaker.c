/* test_breaker.c - circuit breaker states: closed, open, half-open trial. */
#include "test.h"

#include "llm-worker/providers/breaker.h"

static void test_opens_after_threshold(void)
{
    struct breaker b;

    breaker_init(&b, 3, 1000);
    CHECK_EQ_STR(breaker_state_name(&b, 0), "closed");
    CHECK(breaker_allow(&b, 0));
    breaker_failure(&b, 10);
    breaker_failure(&b, 20);
    CHECK(breaker_allow(&b, 30));
    breaker_success(&b); /* a success resets the count: failures must be consecutive */
    breaker_failure(&b, 40);
    breaker_failure(&b, 50);
    CHECK(breaker_allow(&b, 55));
    breaker_failure(&b, 60);
    CHECK_EQ_STR(breaker_state_name(&b, 61), "open");
    CHECK(!breaker_allow(&b, 61));
    CHECK(breaker_blocked(&b, 1059));
    CHECK(!breaker_allow(&b, 1059));
}

static void test_half_open_trial(void)
{
    struct breaker b;

    breaker_init(&b, 1, 1000);
    breaker_failure(&b, 0);
    CHECK(!breaker_allow(&b, 500));
    CHECK_EQ_STR(breaker_state_name(&b, 1000), "half_open");
    CHECK(!breaker_blocked(&b, 1000));
    CHECK(breaker_allow(&b, 1000)); /* the one trial */
    CHECK(!breaker_allow(&b, 1001));
    CHECK(breaker_blocked(&b, 1001));
    breaker_failure(&b, 1100); /* the trial failed: open for another cooldown */
    CHECK_EQ_STR(breaker_state_name(&b, 1100), "open");
    CHECK(!breaker_allow(&b, 2099));
    CHECK(breaker_allow(&b, 2100));
    breaker_abandon(&b); /* canceled trial: the slot is free again */
    CHECK(breaker_allow(&b, 2101));
    breaker_success(&b);
    CHECK_EQ_STR(breaker_state_name(&b, 2102), "closed");
    CHECK(breaker_allow(&b, 2102));
    CHECK(breaker_allow(&b, 2102));
}

static void test_late_failure_while_open(void)
{
    struct breaker b;

    breaker_init(&b, 1, 1000);
    breaker_failure(&b, 0);
    breaker_failure(&b, 900); /* started before the circuit opened: does not extend it */
    CHECK(breaker_allow(&b, 1000));
}

TEST_MAIN(test_opens_after_threshold, test_half_open_trial, test_late_failure_while_open)
