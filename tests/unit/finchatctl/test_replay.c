/* test_replay.c - finchatctl replay: assembling a stream the way a client does. */
#include "test.h"

#include "finchatctl/replay.c"

#define RID "3f1c2a9e-7b4d-4e21-9c3a-5d8e6f7a8b90"

static struct chat_chunk mk(int attempt, int n, enum chunk_type t, const char *data)
{
    struct chat_chunk c = {RID, attempt, attempt * CHUNK_SEQ_BASE + n, t, (char *)data};

    return c;
}

static void test_replay_apply(void)
{
    struct replay_state st = {0};
    struct chat_chunk c;

    st.last_seq = -1;
    c = mk(1, 0, CHUNK_START, "{}");
    CHECK(replay_apply(&st, &c));
    c = mk(1, 1, CHUNK_TOKEN, "{\"text\":\"Hel\"}");
    CHECK(replay_apply(&st, &c));
    CHECK(!replay_apply(&st, &c)); /* duplicate */
    c = mk(2, 0, CHUNK_RESET, "{\"attempt\":2,\"reason\":\"worker_failover\"}");
    CHECK(replay_apply(&st, &c));
    CHECK_EQ_STR(st.text.buf, "");
    c = mk(1, 2, CHUNK_TOKEN, "{\"text\":\"late\"}"); /* an old attempt's straggler */
    CHECK(!replay_apply(&st, &c));
    c = mk(2, 1, CHUNK_TOKEN, "{\"text\":\"Hello \xe2\x82\xac\"}");
    CHECK(replay_apply(&st, &c));
    c = mk(2, 2, CHUNK_FINAL, "{\"text_length\":7}");
    CHECK(replay_apply(&st, &c));
    CHECK_EQ_STR(st.text.buf, "Hello \xe2\x82\xac");
    CHECK_EQ_INT(st.resets, 1);
    CHECK_EQ_INT(st.duplicates, 2);
    CHECK_EQ_INT(st.attempt, 2);
    CHECK(st.final != NULL);
    replay_state_release(&st);
    replay_state_release(NULL);
}

TEST_MAIN(test_replay_apply)
