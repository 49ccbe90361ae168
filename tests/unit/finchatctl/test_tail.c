/* test_tail.c - finchatctl tail: the contract check of one message and its printing. */
#include "test.h"

#include "finchatctl/tail.c"

#define RID "3f1c2a9e-7b4d-4e21-9c3a-5d8e6f7a8b90"
#define TP "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static struct tail_msg chunk_msg(const char *payload)
{
    struct tail_msg m = {0};

    m.topic = TOPIC_CHUNKS;
    m.key = RID;
    m.key_len = strlen(RID);
    m.payload = payload;
    m.len = strlen(payload);
    m.content_type = "application/json";
    m.schema = SCHEMA_CHUNK;
    m.traceparent = TP;
    m.request_id = RID;
    return m;
}

static const char token[] = "{\"schema\":\"finchat.chat.chunk/1\",\"request_id\":\"" RID
                            "\",\"attempt\":1,\"seq\":1000001,\"type\":\"token\",\"data\":{"
                            "\"text\":\"hi\"}}";

static void test_check(void)
{
    struct tail_msg m = chunk_msg(token);
    char why[256];

    CHECK(tail_check(&m, why, sizeof(why)));
    m.schema = SCHEMA_REQUEST;
    CHECK(!tail_check(&m, why, sizeof(why)));
    CHECK(strstr(why, "schema") != NULL);
    m = chunk_msg(token);
    m.traceparent = "00-xyz";
    CHECK(!tail_check(&m, why, sizeof(why)));
    m = chunk_msg(token);
    m.request_id = NULL;
    CHECK(!tail_check(&m, why, sizeof(why)));
    m = chunk_msg(token);
    m.key = "other";
    m.key_len = 5;
    CHECK(!tail_check(&m, why, sizeof(why)));
    CHECK(strstr(why, "key") != NULL);
    m = chunk_msg("garbage \xff");
    CHECK(!tail_check(&m, why, sizeof(why)));
    m = chunk_msg(token);
    m.topic = "other";
    CHECK(!tail_check(&m, why, sizeof(why)));
    CHECK_EQ_STR(tail_topic("chunks"), TOPIC_CHUNKS);
    CHECK_EQ_STR(tail_topic(TOPIC_DLQ), TOPIC_DLQ);
    CHECK(tail_topic("nope") == NULL);
}

/* Prints @m into @buf (@cap bytes, NUL-terminated); returns what tail_print() returned. */
static bool print_to(const struct tail_msg *m, char *buf, size_t cap)
{
    FILE *f = tmpfile();
    bool valid = tail_print(f, m);
    size_t n;

    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return valid;
}

static void test_print(void)
{
    struct tail_msg m = chunk_msg("not json \x01");
    char buf[2048];

    CHECK(!print_to(&m, buf, sizeof(buf)));
    CHECK(strstr(buf, "INVALID") != NULL);
    CHECK(strstr(buf, "not json ?") != NULL);
}

/* The optional headers of a request are shown when present, and only then. */
static void test_print_request_headers(void)
{
    struct tail_msg m = chunk_msg(token);
    char buf[2048];

    print_to(&m, buf, sizeof(buf));
    CHECK(strstr(buf, "context-version") == NULL && strstr(buf, "handed-over-by") == NULL);
    m.context_version = "none";
    m.handed_over_by = "vm:4242";
    print_to(&m, buf, sizeof(buf));
    CHECK(strstr(buf, "  context-version: none\n") != NULL);
    CHECK(strstr(buf, "  handed-over-by: vm:4242\n") != NULL);
}

/* A payload that is not JSON is printed as text: UTF-8 as it is, each byte that is not
 * UTF-8 (a stray byte, a surrogate, a cut character) and each control byte as '?'. */
static void test_print_bad_utf8(void)
{
    struct tail_msg m = chunk_msg("caf\xc3\xa9 \xff|\xed\xa0\x80|\x1b[2J|\xe2\x82");
    char buf[2048];

    CHECK(!print_to(&m, buf, sizeof(buf)));
    CHECK(strstr(buf, "caf\xc3\xa9 ?|???|?[2J|??\n") != NULL);
}

TEST_MAIN(test_check, test_print, test_print_request_headers, test_print_bad_utf8)
