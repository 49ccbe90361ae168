/* test_chat.c - the user message document the gateway writes to MongoDB `messages`, against
 * its contract (proto/MONGO.md): the schema and the golden document. */
#include "test.h"

#include "golden.h"

#include "api-gateway/chat/chat.h"

#define UID "6b0c1a52-2d0f-4a55-9a3e-1f1f3f0d2c11"
#define CONV "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
#define QID "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
#define REQ "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908"
#define AT_MS 1796518603003LL /* 2026-12-06T00:56:43.003Z */

/* @doc as the JSON value relaxed Extended JSON gives (what MongoDB readers see). */
static json_t *as_json(const bson_t *doc)
{
    char *text = bson_as_relaxed_extended_json(doc, NULL);
    json_t *v = json_loads(text, 0, NULL);

    bson_free(text);
    return v;
}

/* The document of the golden's question is the golden, field for field. */
static void test_user_message_is_golden(void)
{
    bson_t *doc = chat_user_message_doc(QID, CONV, UID, REQ, "What is my net worth?", AT_MS);
    json_t *got = as_json(doc), *want = golden_json("mongo/messages/valid-user.json");

    CHECK(want != NULL);
    CHECK(json_equal(got, want));
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT), *w = json_dumps(want, JSON_COMPACT);

        fprintf(stderr, "built:  %s\ngolden: %s\n", g, w);
        free(g);
        free(w);
    }
    CHECK(golden_validates("mongo.messages", (const bson_t *[]){doc}, 1));
    json_decref(want);
    json_decref(got);
    bson_destroy(doc);
}

/* A question of any text the gateway accepts, at a whole second or not, validates. */
static void test_user_message_validates(void)
{
    static const char *const texts[] = {"x", "Wie viel habe ich für Lebensmittel ausgegeben? 🛒",
                                        "line one\nline two\ttabbed"};
    enum { N = sizeof(texts) / sizeof(texts[0]) };
    bson_t *docs[N];

    for (size_t i = 0; i < N; i++)
        docs[i] = chat_user_message_doc(QID, CONV, UID, REQ, texts[i], AT_MS - (int64_t)i * 3);
    CHECK(golden_validates("mongo.messages", (const bson_t *const *)docs, N));
    for (size_t i = 0; i < N; i++)
        bson_destroy(docs[i]);
}

TEST_MAIN(test_user_message_is_golden, test_user_message_validates)
