/* test_store_plan.c - how a delivery of a request is answered, from its stored reply. */
#include "test.h"

#include "llm-worker/engine/store.h"

static struct stored_reply reply(const char *status, int attempt)
{
    struct stored_reply r = {0};

    r.status = (char *)status;
    r.attempt = attempt;
    return r;
}

static void test_plans(void)
{
    struct stored_reply r;
    int a;

    CHECK_EQ_INT(store_plan(NULL, 1, 3, &a), PLAN_FRESH);
    CHECK_EQ_INT(a, 1);
    /* A gateway's placeholder is not an attempt. */
    r = reply("pending", 1);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_FRESH);
    CHECK_EQ_INT(a, 1);
    /* A worker died while streaming attempt 1: attempt 2. */
    r = reply("streaming", 1);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_REDELIVERY);
    CHECK_EQ_INT(a, 2);
    /* A request that says attempt 3 over a stale "streaming" 1 keeps its own number. */
    CHECK_EQ_INT(store_plan(&r, 3, 3, &a), PLAN_FRESH);
    CHECK_EQ_INT(a, 3);
    r = reply("streaming", 3);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_MAX_ATTEMPTS);
    CHECK_EQ_INT(a, 4);
    r = reply("streaming", 2);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_REDELIVERY);
    CHECK_EQ_INT(a, 3);
    /* Finished outcomes are sent again, whatever the attempt count. */
    r = reply("complete", 3);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_RESEND);
    CHECK_EQ_INT(a, 4);
    r = reply("canceled", 1);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_RESEND);
    r = reply("error", 100);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &a), PLAN_RESEND);
    CHECK_EQ_INT(a, 100);
}

TEST_MAIN(test_plans)
