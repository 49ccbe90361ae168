/* test_chatmsg.c - the Kafka message codec against the golden files in proto/golden/.
 *
 * Every valid-*.json must decode and encode back to the same bytes; every invalid-*.json
 * must be rejected with a reason. Run from the repository root (make unit does). */
#include "test.h"

#include "chatmsg.h"
#include "err.h"
#include "xmalloc.h"

#include <stdbool.h>

#include <dirent.h>
#include <stdlib.h>

#define GOLDEN "proto/golden"

struct blob {
    char *buf;
    size_t len;
};

static struct blob slurp(const char *path)
{
    struct blob b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n;

    if (!f)
        return b;
    b.buf = xmalloc(cap);
    while ((n = fread(b.buf + b.len, 1, cap - b.len, f)) > 0) {
        b.len += n;
        if (b.len == cap) {
            cap *= 2;
            b.buf = xrealloc(b.buf, cap);
        }
    }
    fclose(f);
    /* Golden files end with one newline, which is not part of the message. */
    if (b.len && b.buf[b.len - 1] == '\n')
        b.len--;
    return b;
}

/* Decodes @b as @kind and encodes it again; returns the encoding or NULL with @err filled. */
static char *roundtrip(const char *kind, const struct blob *b, char *err, unsigned errlen)
{
    char *enc = NULL;

    if (strcmp(kind, "request") == 0) {
        struct chat_request r;

        if (chatmsg_decode_request(b->buf, b->len, &r, err, errlen) == 0) {
            enc = chatmsg_encode_request(&r);
            chat_request_release(&r);
        }
    } else if (strcmp(kind, "chunk") == 0) {
        struct chat_chunk c;

        if (chatmsg_decode_chunk(b->buf, b->len, &c, err, errlen) == 0) {
            enc = chatmsg_encode_chunk(&c);
            chat_chunk_release(&c);
        }
    } else if (strcmp(kind, "control") == 0) {
        struct chat_control c;

        if (chatmsg_decode_control(b->buf, b->len, &c, err, errlen) == 0) {
            enc = chatmsg_encode_control(&c);
            chat_control_release(&c);
        }
    } else {
        struct chat_dlq d;

        if (chatmsg_decode_dlq(b->buf, b->len, &d, err, errlen) == 0) {
            enc = chatmsg_encode_dlq(&d);
            chat_dlq_release(&d);
        }
    }
    return enc;
}

static void golden_kind(const char *kind, int *nvalid, int *ninvalid)
{
    char dirpath[256], path[512], err[256];
    struct dirent *de;
    DIR *dir;

    snprintf(dirpath, sizeof(dirpath), GOLDEN "/%s", kind);
    dir = opendir(dirpath);
    CHECK(dir != NULL);
    if (!dir)
        return;
    while ((de = readdir(dir)) != NULL) {
        bool valid = strncmp(de->d_name, "valid-", 6) == 0;
        bool invalid = strncmp(de->d_name, "invalid-", 8) == 0;
        struct blob b;
        char *enc;

        if (!valid && !invalid)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
        b = slurp(path);
        CHECK(b.buf != NULL);
        err[0] = '\0';
        enc = roundtrip(kind, &b, err, sizeof(err));
        if (valid) {
            (*nvalid)++;
            if (!enc)
                fprintf(stderr, "%s: rejected: %s\n", path, err);
            CHECK(enc != NULL);
            CHECK(enc && strlen(enc) == b.len && memcmp(enc, b.buf, b.len) == 0);
        } else {
            (*ninvalid)++;
            if (enc)
                fprintf(stderr, "%s: accepted but should not be\n", path);
            CHECK(enc == NULL);
            CHECK(err[0] != '\0');
        }
        free(enc);
        free(b.buf);
    }
    closedir(dir);
}

static void test_golden(void)
{
    static const char *const kinds[] = {"request", "chunk", "control", "dlq"};

    for (unsigned i = 0; i < 4; i++) {
        int nvalid = 0, ninvalid = 0;

        golden_kind(kinds[i], &nvalid, &ninvalid);
        CHECK(nvalid >= 1);
        CHECK(ninvalid >= 1);
    }
}

static void test_request_fields(void)
{
    struct blob b = slurp(GOLDEN "/request/valid-basic.json");
    struct chat_request r;
    char err[128];

    CHECK_EQ_INT(chatmsg_decode_request(b.buf, b.len, &r, err, sizeof(err)), 0);
    CHECK_EQ_STR(r.request_id, "3f1c2a9e-7b4d-4e21-9c3a-5d8e6f7a8b90");
    CHECK_EQ_STR(r.conversation_id, "c0ffee00-1234-4abc-8def-0123456789ab");
    CHECK_EQ_STR(r.reply_message_id, "6c7d8e9f-a0b1-4c2d-9e3f-4a5b6c7d8e9f");
    CHECK_EQ_STR(r.text, "How much did I spend on groceries this month?");
    CHECK_EQ_INT(r.max_tokens, 1024);
    CHECK(!r.regenerate);
    CHECK_EQ_INT(r.reply_partition, 3);
    CHECK_EQ_INT(r.deadline_ms, 1767225720000LL);
    CHECK_EQ_INT(r.attempt, 1);
    CHECK_EQ_INT(r.created_ms, 1767225600000LL);
    chat_request_release(&r);
    CHECK(r.text == NULL);
    chat_request_release(NULL);
    free(b.buf);
}

/* The optional history: its turns in order; too many turns or too many bytes are refused;
 * a request encoded with turns decodes to the same turns. */
static void test_request_history(void)
{
    struct blob b = slurp(GOLDEN "/request/valid-history.json");
    struct chat_request r, back;
    struct chat_turn many[CHAT_HISTORY_MAX + 1];
    char err[128], big[3001];
    char *enc;

    CHECK_EQ_INT(chatmsg_decode_request(b.buf, b.len, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.nhistory, 2);
    CHECK(r.nhistory == 2 && strcmp(r.history[0].role, "user") == 0 &&
          strcmp(r.history[0].text, "What are my subscriptions?") == 0 &&
          strcmp(r.history[1].role, "assistant") == 0);
    /* Too many turns. */
    for (int i = 0; i <= CHAT_HISTORY_MAX; i++)
        many[i] = (struct chat_turn){(char *)"user", (char *)"and?"};
    back = r;
    back.history = many;
    back.nhistory = CHAT_HISTORY_MAX + 1;
    enc = chatmsg_encode_request(&back);
    CHECK(enc != NULL);
    CHECK_EQ_INT(chatmsg_decode_request(enc, strlen(enc), &back, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "history") != NULL);
    free(enc);
    /* Three turns of 3,000 bytes: each within CHAT_TEXT_MAX, over CHAT_HISTORY_BYTES in all. */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    many[0].text = many[1].text = many[2].text = big;
    back = r;
    back.history = many;
    back.nhistory = 3;
    enc = chatmsg_encode_request(&back);
    CHECK_EQ_INT(chatmsg_decode_request(enc, strlen(enc), &back, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "bytes") != NULL);
    free(enc);
    /* Within the limits: the same turns back. */
    back = r;
    back.history = many;
    back.nhistory = CHAT_HISTORY_MAX;
    many[0].text = many[1].text = many[2].text = (char *)"and?";
    enc = chatmsg_encode_request(&back);
    CHECK_EQ_INT(chatmsg_decode_request(enc, strlen(enc), &back, err, sizeof(err)), 0);
    CHECK_EQ_INT(back.nhistory, CHAT_HISTORY_MAX);
    chat_request_release(&back);
    free(enc);
    chat_request_release(&r);
    CHECK(r.history == NULL && r.nhistory == 0);
    free(b.buf);
}

/* Every proper prefix of a valid message is invalid and must not leak (ASan). */
static void test_truncations(void)
{
    struct blob b = slurp(GOLDEN "/chunk/valid-final.json");
    struct chat_chunk c;
    char err[128];
    size_t rejected = 0;

    for (size_t n = 0; n < b.len; n++)
        rejected += chatmsg_decode_chunk(b.buf, n, &c, err, sizeof(err)) == FC_EINVAL;
    CHECK_EQ_INT(rejected, b.len);
    free(b.buf);
}

static void test_chunk_encode(void)
{
    struct chat_chunk c = {
        .request_id = "3f1c2a9e-7b4d-4e21-9c3a-5d8e6f7a8b90",
        .attempt = 1,
        .seq = 1 * CHUNK_SEQ_BASE + 1,
        .type = CHUNK_TOKEN,
        .data_json = "{\"text\": \"You spent \"}",
    };
    struct blob b = slurp(GOLDEN "/chunk/valid-token.json");
    char *enc = chatmsg_encode_chunk(&c);

    CHECK(enc && strlen(enc) == b.len && memcmp(enc, b.buf, b.len) == 0);
    free(enc);
    c.data_json = "[1]";
    CHECK(chatmsg_encode_chunk(&c) == NULL);
    c.data_json = "{\"text\":";
    CHECK(chatmsg_encode_chunk(&c) == NULL);
    free(b.buf);
}

static void test_chunk_types(void)
{
    enum chunk_type t;

    for (int i = CHUNK_START; i <= CHUNK_ERROR; i++) {
        CHECK_EQ_INT(chunk_type_parse(chunk_type_name((enum chunk_type)i), &t), 0);
        CHECK_EQ_INT(t, i);
    }
    CHECK_EQ_INT(chunk_type_parse("delta", &t), FC_EINVAL);
    CHECK_EQ_STR(chunk_type_name((enum chunk_type)99), "unknown");
}

static void test_dlq_raw(void)
{
    struct chat_dlq d = {
        .request_id = "00000000-0000-0000-0000-000000000000",
        .attempt = 1,
        .reason = "invalid_request: not JSON",
        .request_json = "{\"schema\":\"finchat.chat.request/1\",",
    };
    struct chat_dlq back;
    char err[128];
    char *enc = chatmsg_encode_dlq(&d);

    CHECK(enc != NULL);
    CHECK_EQ_INT(chatmsg_decode_dlq(enc, strlen(enc), &back, err, sizeof(err)), 0);
    /* The raw text comes back as a JSON string of itself. */
    CHECK_EQ_STR(back.request_json, "\"{\\\"schema\\\":\\\"finchat.chat.request/1\\\",\"");
    free(enc);
    enc = chatmsg_encode_dlq(&back);
    CHECK(enc && strstr(enc, "\"request\":\"{\\\"schema") != NULL);
    free(enc);
    chat_dlq_release(&back);
}

static void test_limits(void)
{
    char err[128], *msg;
    struct chat_request r;
    struct blob b = slurp(GOLDEN "/request/valid-basic.json");
    char big[70000];

    /* Oversize input is refused before parsing. */
    memset(big, ' ', sizeof(big));
    memcpy(big, b.buf, b.len);
    CHECK_EQ_INT(chatmsg_decode_request(big, sizeof(big), &r, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "exceeds") != NULL);
    /* Trailing white space within the limit is fine. */
    CHECK_EQ_INT(chatmsg_decode_request(big, b.len + 100, &r, err, sizeof(err)), 0);
    chat_request_release(&r);
    CHECK_EQ_INT(chatmsg_decode_request(NULL, 0, &r, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(chatmsg_decode_request(b.buf, b.len, &r, NULL, 0), 0);
    /* Encode what was decoded with a non-UTF-8 text: the encoder refuses. */
    free(r.text);
    r.text = xstrdup("bad \xff byte");
    msg = chatmsg_encode_request(&r);
    CHECK(msg == NULL);
    chat_request_release(&r);
    free(b.buf);
}

TEST_MAIN(test_golden, test_request_fields, test_request_history, test_truncations,
          test_chunk_encode, test_chunk_types, test_dlq_raw, test_limits)
