/* test_store.c - the worker's MongoDB documents against their contract (proto/MONGO.md).
 *
 * The golden messages and histories (proto/golden/mongo/) go through the store's readers and
 * the prompt's history selection; the assistant messages and histories documents the store
 * writes are compared with the goldens and validated against the schemas; and every valid
 * golden is checked to be what libbson's relaxed Extended JSON prints, the form the worker
 * reads. */
#include "test.h"

#include "golden.h"

#include "llm-worker/engine/prompt.h"
#include "llm-worker/engine/store.h"

#include <dirent.h>

#define UID "6b0c1a52-2d0f-4a55-9a3e-1f1f3f0d2c11"
#define OTHER_UID "11111111-2222-4333-8444-555555555555"
#define CONV "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
#define QID "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
#define RID "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"
#define REQ "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908"
#define Q_MS 1796518603009LL /* 2026-12-06T00:56:43.009Z, the request's created_ms */
#define A_MS 1796518603966LL /* 2026-12-06T00:56:43.966Z, when the answer was stored */

/* The request the goldens answer (the ids of proto/golden/mongo/). */
static struct chat_request request(void)
{
    struct chat_request r = {0};

    r.request_id = (char *)REQ;
    r.user_id = (char *)UID;
    r.conversation_id = (char *)CONV;
    r.message_id = (char *)QID;
    r.reply_message_id = (char *)RID;
    r.text = (char *)"What is my net worth?";
    r.attempt = 1;
    r.created_ms = Q_MS;
    return r;
}

/* The golden @name read the way the worker reads MongoDB: BSON, then relaxed JSON. */
static json_t *as_worker_reads(const char *name)
{
    bson_t *b = golden_bson(name);
    json_t *v = b ? store_doc_json(b) : NULL;

    bson_destroy(b);
    return v;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every valid golden of collection @coll survives BSON and back unchanged. */
static void goldens_roundtrip(const char *coll)
{
    char dirpath[128], name[512];
    struct dirent *de;
    DIR *dir;
    int n = 0;

    snprintf(dirpath, sizeof(dirpath), GOLDEN_DIR "mongo/%s", coll);
    dir = opendir(dirpath);
    CHECK(dir != NULL);
    while (dir && (de = readdir(dir)) != NULL) {
        json_t *want, *got;

        if (strncmp(de->d_name, "valid-", 6) != 0)
            continue;
        snprintf(name, sizeof(name), "mongo/%s/%s", coll, de->d_name);
        want = golden_json(name);
        got = as_worker_reads(name);
        if (!json_equal(want, got))
            fprintf(stderr, "%s: not what libbson's relaxed JSON prints\n", name);
        CHECK(want && json_equal(want, got));
        json_decref(want);
        json_decref(got);
        n++;
    }
    if (dir)
        closedir(dir);
    CHECK(n >= 2);
}

static void test_goldens_are_relaxed_json(void)
{
    goldens_roundtrip("contexts");
    goldens_roundtrip("messages");
    goldens_roundtrip("histories");
    goldens_roundtrip("workers");
}

/* store_reply_read() reads every field of golden @name as the golden has it. */
static void read_reply(const char *name, struct stored_reply *r)
{
    json_t *doc = as_worker_reads(name), *usage = json_object_get(doc, "usage");

    CHECK(doc != NULL);
    store_reply_read(doc, r);
    CHECK_EQ_STR(r->status, str_of(doc, "status"));
    CHECK_EQ_STR(r->text, str_of(doc, "text"));
    CHECK(same_str(r->provider, str_of(doc, "provider")));
    CHECK(same_str(r->model, str_of(doc, "model")));
    CHECK(same_str(r->error_code, str_of(doc, "error_code")));
    CHECK(same_str(r->error_message, str_of(doc, "error_message")));
    CHECK_EQ_INT(r->attempt, json_integer_value(json_object_get(doc, "attempt")));
    CHECK_EQ_INT(r->prompt_tokens, json_integer_value(json_object_get(usage, "prompt_tokens")));
    CHECK_EQ_INT(r->completion_tokens,
                 json_integer_value(json_object_get(usage, "completion_tokens")));
    CHECK_EQ_INT(r->ttft_ms, json_integer_value(json_object_get(doc, "ttft_ms")));
    CHECK_EQ_INT(r->latency_ms, json_integer_value(json_object_get(doc, "latency_ms")));
    json_decref(doc);
}

static void test_read_replies(void)
{
    struct stored_reply r;
    int attempt;

    read_reply("mongo/messages/valid-assistant-complete.json", &r);
    CHECK_EQ_STR(r.provider, "analyst");
    CHECK_EQ_INT(r.prompt_tokens, 1665);
    CHECK_EQ_INT(store_plan(&r, 1, 3, &attempt), PLAN_RESEND);
    CHECK_EQ_INT(attempt, 2);
    stored_reply_release(&r);
    /* A worker died while streaming attempt 2: the next delivery answers with attempt 3. */
    read_reply("mongo/messages/valid-assistant-streaming.json", &r);
    CHECK(r.provider == NULL && r.text && r.text[0] == '\0');
    CHECK_EQ_INT(store_plan(&r, 1, 3, &attempt), PLAN_REDELIVERY);
    CHECK_EQ_INT(attempt, 3);
    stored_reply_release(&r);
    read_reply("mongo/messages/valid-assistant-error.json", &r);
    CHECK_EQ_STR(r.error_code, "max_attempts");
    CHECK_EQ_INT(store_plan(&r, 1, 3, &attempt), PLAN_RESEND);
    stored_reply_release(&r);
    read_reply("mongo/messages/valid-assistant-canceled.json", &r);
    CHECK_EQ_STR(r.status, "canceled");
    stored_reply_release(&r);
}

/* The history of golden @name for @uid, as the prompt selects it: "role:text|..." */
static void history_text(const char *name, const char *uid, size_t *nitems, char *out, size_t len)
{
    json_t *doc = as_worker_reads(name), *items = store_history_items(doc, uid), *sel, *m;
    size_t i, used = 0;

    *nitems = json_array_size(items);
    sel = prompt_select_history(items, NULL, NULL, PROMPT_HISTORY_TOKENS);
    out[0] = '\0';
    json_array_foreach(sel, i, m)
    {
        int n = snprintf(out + used, len - used, "%s%.12s:%.5s", i ? "|" : "", str_of(m, "role"),
                         str_of(m, "content"));

        if (n > 0 && (size_t)n < len - used)
            used += (size_t)n;
    }
    json_decref(sel);
    json_decref(items);
    json_decref(doc);
}

static void test_read_histories(void)
{
    char text[256];
    size_t n;

    history_text("mongo/histories/valid-two-turns.json", UID, &n, text, sizeof(text));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(text, "user:What |assistant:Your ");
    /* Another user's conversation is no history of this one's. */
    history_text("mongo/histories/valid-two-turns.json", OTHER_UID, &n, text, sizeof(text));
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_STR(text, "");
    /* Oldest first by created_at; an answer that ended in an error is not history. */
    history_text("mongo/histories/valid-backfilled.json", UID, &n, text, sizeof(text));
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(text, "user:hello|user:What |assistant:Your ");
}

/* The assistant message of the golden answer, with @status. */
static struct reply_doc answer(const struct chat_request *r, const char *status, const char *text)
{
    struct reply_doc d = {0};

    d.req = r;
    d.attempt = 1;
    d.status = status;
    d.text = text;
    d.provider = "analyst";
    d.model = "finchat-analyst-1";
    d.prompt_tokens = 1665;
    d.completion_tokens = 35;
    d.ttft_ms = 21;
    d.latency_ms = 896;
    d.created_ms = A_MS;
    return d;
}

static bool json_of_equals(const bson_t *doc, const char *golden)
{
    json_t *got = store_doc_json(doc), *want = golden_json(golden);
    bool same = want && json_equal(got, want);

    if (!same) {
        char *g = json_dumps(got, JSON_COMPACT);

        fprintf(stderr, "written: %s\nnot as %s\n", g, golden);
        free(g);
    }
    json_decref(got);
    json_decref(want);
    return same;
}

static void test_write_replies(void)
{
    struct chat_request r = request();
    json_t *golden = golden_json("mongo/messages/valid-assistant-complete.json");
    const char *text = str_of(golden, "text");
    struct reply_doc d[4] = {answer(&r, "complete", text), answer(&r, "streaming", ""),
                             answer(&r, "error", "Your net worth is"),
                             answer(&r, "canceled", "Your net")};
    bson_t docs[4];
    struct stored_reply back;

    d[1].provider = d[1].model = NULL;
    d[1].attempt = 2;
    d[2].error_code = "provider_error";
    d[2].error_message = "every provider failed";
    d[3].error_code = "canceled";
    d[3].error_message = "";
    for (int i = 0; i < 4; i++) {
        bson_init(&docs[i]);
        store_reply_bson(&docs[i], &d[i]);
    }
    CHECK(json_of_equals(&docs[0], "mongo/messages/valid-assistant-complete.json"));
    CHECK(golden_validates("mongo.messages",
                           (const bson_t *[]){&docs[0], &docs[1], &docs[2], &docs[3]}, 4));
    /* What it writes, it reads back. */
    for (int i = 0; i < 4; i++) {
        json_t *j = store_doc_json(&docs[i]);

        store_reply_read(j, &back);
        CHECK_EQ_STR(back.status, d[i].status);
        CHECK_EQ_STR(back.text, d[i].text);
        CHECK_EQ_INT(back.attempt, d[i].attempt);
        CHECK(same_str(back.error_code, d[i].error_code));
        stored_reply_release(&back);
        json_decref(j);
        bson_destroy(&docs[i]);
    }
    json_decref(golden);
}

/* @n user turns, a second apart, as history items. */
static json_t *many_turns(int n)
{
    json_t *items = json_array();

    for (int i = 0; i < n; i++) {
        char id[40], when[40];

        snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", i);
        snprintf(when, sizeof(when), "2026-12-05T10:%02d:%02dZ", i / 60, i % 60);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:{s:s}}", "_id", id, "role",
                                               "user", "text", "earlier", "status", "complete",
                                               "created_at", "$date", when));
    }
    return items;
}

static void test_write_histories(void)
{
    struct chat_request r = request();
    json_t *golden = golden_json("mongo/messages/valid-assistant-complete.json");
    struct reply_doc d = answer(&r, "complete", str_of(golden, "text"));
    json_t *none = json_array(),
           *backfilled = as_worker_reads("mongo/histories/valid-backfilled.json");
    json_t *many = many_turns(45), *kept;
    bson_t *docs[3];

    /* A new conversation: the question and the answer, as the golden has them. */
    docs[0] = store_history_doc(&d, none);
    CHECK(docs[0] && json_of_equals(docs[0], "mongo/histories/valid-two-turns.json"));
    /* Answered again: the earlier answer to the question is replaced, other turns kept. */
    docs[1] = store_history_doc(&d, json_object_get(backfilled, "items"));
    CHECK(docs[1] && json_of_equals(docs[1], "mongo/histories/valid-backfilled.json"));
    /* A long conversation keeps its newest turns. */
    docs[2] = store_history_doc(&d, many);
    kept = docs[2] ? store_doc_json(docs[2]) : NULL;
    CHECK_EQ_INT(json_array_size(json_object_get(kept, "items")), STORE_HISTORY_KEEP);
    json_decref(kept);
    CHECK(golden_validates("mongo.histories", (const bson_t *const *)docs, 3));
    for (int i = 0; i < 3; i++)
        bson_destroy(docs[i]);
    json_decref(many);
    json_decref(backfilled);
    json_decref(none);
    json_decref(golden);
}

TEST_MAIN(test_goldens_are_relaxed_json, test_read_replies, test_read_histories, test_write_replies,
          test_write_histories)
