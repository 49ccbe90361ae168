/* Unit tests for hub.c's log: dedupe by seq, superseded attempts, terminal events. */
#include "test.h"
#include "api-gateway/chat/hub.h"

static struct chat_chunk chunk(const char *rid, int attempt, int64_t n, enum chunk_type t)
{
    struct chat_chunk c = {(char *)rid, attempt, attempt * CHUNK_SEQ_BASE + n, t,
                           (char *)"{\"text\":\"x\"}"};
    return c;
}

static void test_publish(void)
{
    struct fc_config cfg = {0};
    struct hub *h = hub_new(&cfg, 4);
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

TEST_MAIN(test_publish)
