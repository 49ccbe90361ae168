/* test_stagehist.c - bucket placement, the Prometheus rendering (cumulative buckets, sum,
 * count, stages without observations left out) and concurrent updates of stagehist. */
#include "test.h"

#include "stagehist.h"
#include "strbuf.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static void test_buckets(void)
{
    struct stagehist h[2] = {{.name = "open"}, {.name = "idle"}};
    struct strbuf o = STRBUF_INIT;

    stagehist_observe(&h[0], 100);      /* on a bound: that bucket */
    stagehist_observe(&h[0], 101);      /* just above: the next */
    stagehist_observe(&h[0], -5);       /* a clock step back counts as 0 */
    stagehist_observe(&h[0], 3000);     /* 3 ms */
    stagehist_observe(&h[0], 9999999);  /* under 10 s */
    stagehist_observe(&h[0], 60000000); /* a minute: only +Inf */
    CHECK_EQ_INT(atomic_load(&h[0].buckets[0]), 2);
    CHECK_EQ_INT(atomic_load(&h[0].buckets[1]), 1);
    CHECK_EQ_INT(atomic_load(&h[0].buckets[STAGEHIST_BUCKETS - 1]), 1);
    CHECK_EQ_INT(atomic_load(&h[0].sum_us), 100 + 101 + 3000 + 9999999 + 60000000);
    CHECK(stagehist_bound_us(0) == 100);
    CHECK(stagehist_bound_us(STAGEHIST_BUCKETS - 2) == 10000000);
    CHECK(stagehist_bound_us(STAGEHIST_BUCKETS - 1) == INT64_MAX);
    stagehist_render(&o, "x_stage_seconds", "help text", h, 2);
    CHECK(strstr(o.buf, "# HELP x_stage_seconds help text\n# TYPE x_stage_seconds histogram\n") ==
          o.buf);
    CHECK(strstr(o.buf, "x_stage_seconds_bucket{stage=\"open\",le=\"0.0001\"} 2\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_bucket{stage=\"open\",le=\"0.00025\"} 3\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_bucket{stage=\"open\",le=\"0.003\"} 4\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_bucket{stage=\"open\",le=\"10\"} 5\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_bucket{stage=\"open\",le=\"+Inf\"} 6\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_count{stage=\"open\"} 6\n"));
    CHECK(strstr(o.buf, "x_stage_seconds_sum{stage=\"open\"} 70.0032\n"));
    CHECK(!strstr(o.buf, "idle")); /* nothing observed: no series */
    strbuf_release(&o);
}

static struct stagehist shared = {.name = "shared"};

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++)
        stagehist_observe(&shared, i % 4000);
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[4];
    long long n = 0;

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int b = 0; b < STAGEHIST_BUCKETS; b++)
        n += atomic_load(&shared.buckets[b]);
    CHECK_EQ_INT(n, 400000);
}

TEST_MAIN(test_buckets, test_threads)
