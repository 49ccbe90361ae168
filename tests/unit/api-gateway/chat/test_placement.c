/* test_placement.c - least-waiting placement: round-robin while the partitions are even, a
 * partition whose requests are not started passed over, started and swept requests uncounted,
 * unknown ids and bad partitions ignored. */
#include "test.h"

#include "api-gateway/chat/placement.h"

#include <stdio.h>

static void id_of(char out[40], int i)
{
    snprintf(out, 40, "00000000-0000-4000-8000-%012d", i);
}

static void test_round_robin_when_even(void)
{
    struct placement *p = placement_new();
    int seen[6] = {0};

    /* Every request starts at once (a worker with room): each partition in turn. */
    for (int i = 0; i < 60; i++) {
        char id[40];
        int32_t k = placement_pick(p, 6);

        CHECK(k >= 0 && k < 6);
        seen[k]++;
        id_of(id, i);
        placement_add(p, id, k, 1000);
        placement_started(p, id);
    }
    for (int k = 0; k < 6; k++)
        CHECK_EQ_INT(seen[k], 10);
    placement_free(p);
}

static void test_full_partitions_passed_over(void)
{
    struct placement *p = placement_new();
    int on_full = 0;

    /* Partitions 0-2 belong to a worker that starts nothing; 3-5 to one that starts all. */
    for (int i = 0; i < 100; i++) {
        char id[40];
        int32_t k = placement_pick(p, 6);

        id_of(id, i);
        placement_add(p, id, k, 1000);
        if (k >= 3)
            placement_started(p, id);
        else
            on_full++;
    }
    /* Each full partition got one request; then they were passed over. */
    CHECK_EQ_INT(on_full, 3);
    for (int k = 0; k < 3; k++)
        CHECK_EQ_INT(placement_waiting(p, k), 1);
    for (int k = 3; k < 6; k++)
        CHECK_EQ_INT(placement_waiting(p, k), 0);
    /* Once the full worker starts what waits, its partitions are used again. */
    for (int i = 0; i < 100; i++) {
        char id[40];

        id_of(id, i);
        placement_started(p, id);
    }
    for (int k = 0; k < 3; k++)
        CHECK_EQ_INT(placement_waiting(p, k), 0);
    placement_free(p);
}

static void test_sweep_and_bad_input(void)
{
    struct placement *p = placement_new();
    char id[40];

    id_of(id, 1);
    placement_add(p, id, 2, 1000);
    id_of(id, 2);
    placement_add(p, id, 2, 5000);
    CHECK_EQ_INT(placement_waiting(p, 2), 2);
    placement_sweep(p, 6000, 2000); /* the first waited since 1000 < 4000 */
    CHECK_EQ_INT(placement_waiting(p, 2), 1);
    placement_started(p, "not-a-request");
    CHECK_EQ_INT(placement_waiting(p, 2), 1);
    placement_started(p, id);
    placement_started(p, id); /* twice: counted once */
    CHECK_EQ_INT(placement_waiting(p, 2), 0);
    placement_add(p, id, -1, 1000);
    placement_add(p, id, PLACEMENT_PARTITIONS_MAX, 1000);
    CHECK_EQ_INT(placement_waiting(p, -1), 0);
    CHECK_EQ_INT(placement_pick(p, 0), 0);
    CHECK(placement_pick(p, 1) == 0);
    placement_free(p);
}

TEST_MAIN(test_round_robin_when_even, test_full_partitions_passed_over, test_sweep_and_bad_input)
