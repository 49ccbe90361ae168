/* Unit tests for replay.c's thread lifecycle: a bounded number of replay threads, each
 * ending its stream whatever stopped it, and replay_free() returning only once every thread
 * is done with the hub (run under ASan, a thread outliving it is a use after free of the
 * hub freed next). Threads are held in the consumer creation by the test hook. */
#include "test.h"

#include "err.h"
#include "log.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/chat/replay.h"

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define RID1 "77777777-7777-4777-8777-777777777771"
#define RID2 "77777777-7777-4777-8777-777777777772"
#define RID3 "77777777-7777-4777-8777-777777777773"

static atomic_bool release;
static atomic_int entered;

/* Holds a replay thread until the test releases it, then fails its consumer creation. */
static int hold(void *ud, const char *request_id)
{
    (void)ud;
    (void)request_id;
    atomic_fetch_add(&entered, 1);
    while (!atomic_load(&release))
        usleep(1000);
    return -1;
}

/* A thread slow to give up its consumer creation (as a stalled broker would make it). */
static int slow(void *ud, const char *request_id)
{
    (void)ud;
    (void)request_id;
    atomic_fetch_add(&entered, 1);
    usleep(300 * 1000);
    return -1;
}

static void wait_entered(int n)
{
    for (int i = 0; i < 5000 && atomic_load(&entered) < n; i++)
        usleep(1000);
}

/* At most @max threads; a done thread's slot is free again. */
static void test_bounded(void)
{
    struct hub *h = hub_new();
    struct replay *rp = replay_new(h, "127.0.0.1:1", 2);

    atomic_store(&release, false);
    atomic_store(&entered, 0);
    replay_set_hook(rp, hold, NULL);
    hub_open(h, RID1);
    hub_open(h, RID2);
    CHECK_EQ_INT(replay_start(rp, RID1, 0, -1), 0);
    CHECK_EQ_INT(replay_start(rp, RID2, 0, 5), 0);
    CHECK_EQ_INT(replay_start(rp, RID3, 0, -1), FC_ERATE);
    CHECK_EQ_INT(replay_count(rp), 2);
    wait_entered(2);
    CHECK(!hub_ended(h, RID1));
    atomic_store(&release, true);
    for (int i = 0; i < 5000 && replay_count(rp) > 0; i++)
        usleep(1000);
    CHECK_EQ_INT(replay_count(rp), 0);
    /* Each stream its thread could not read ended with an `error` event. */
    CHECK(hub_ended(h, RID1));
    CHECK(hub_ended(h, RID2));
    hub_open(h, RID3);
    CHECK_EQ_INT(replay_start(rp, RID3, 0, -1), 0);
    replay_free(rp);
    CHECK(hub_ended(h, RID3));
    hub_free(h);
}

/* replay_free() waits for threads still at work, which then touch the hub no more. */
static void test_free_joins(void)
{
    struct hub *h = hub_new();
    struct replay *rp = replay_new(h, "127.0.0.1:1", 4);
    struct timespec t0, t1;
    long ms;

    atomic_store(&entered, 0);
    replay_set_hook(rp, slow, NULL);
    hub_open(h, RID1);
    hub_open(h, RID2);
    CHECK_EQ_INT(replay_start(rp, RID1, 0, -1), 0);
    CHECK_EQ_INT(replay_start(rp, RID2, 0, -1), 0);
    wait_entered(2);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    replay_free(rp);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 200); /* it waited for the slow threads */
    CHECK(hub_ended(h, RID1));
    CHECK(hub_ended(h, RID2));
    hub_free(h);
    usleep(100 * 1000); /* a thread left running would now touch the freed hub */
}

static void quiet(void)
{
    log_init("test", LOG_ERROR + 1); /* silent: the failures below are expected */
}

TEST_MAIN(quiet, test_bounded, test_free_joins)
