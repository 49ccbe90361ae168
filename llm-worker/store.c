/* store.c - MongoDB reads and writes of the worker (contexts, messages). */
#include "store.h"

#include "err.h"
#include "log.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

void store_init(struct store *s, mongoc_client_t *client, const char *db)
{
    s->client = client;
    s->messages = mongoc_client_get_collection(client, db, "messages");
    s->contexts = mongoc_client_get_collection(client, db, "contexts");
}

void store_release(struct store *s)
{
    if (!s)
        return;
    mongoc_collection_destroy(s->messages);
    mongoc_collection_destroy(s->contexts);
    memset(s, 0, sizeof(*s));
}

int store_ensure_indexes(struct store *s)
{
    bson_t *cmd = BCON_NEW("createIndexes", BCON_UTF8("messages"), "indexes", "[", "{", "key", "{",
                           "conversation_id", BCON_INT32(1), "created_at", BCON_INT32(-1), "}",
                           "name", BCON_UTF8("conversation_id_1_created_at_-1"), "}", "]");
    bson_error_t err;
    bool ok = mongoc_collection_write_command_with_opts(s->messages, cmd, NULL, NULL, &err);

    if (!ok)
        log_warn("mongo: cannot create the messages index: %s", err.message);
    bson_destroy(cmd);
    return ok ? 0 : FC_EDEP;
}

/* Converts @doc to a jansson value through relaxed extended JSON; NULL on failure. */
static json_t *to_json(const bson_t *doc)
{
    size_t len;
    char *text = bson_as_relaxed_extended_json(doc, &len);
    json_t *v;

    if (!text)
        return NULL;
    v = json_loadb(text, len, 0, NULL);
    bson_free(text);
    return v;
}

/* Runs a find and collects up to @limit documents as JSON into @arr. 0 or FC_EDEP. */
static int find_json(mongoc_collection_t *coll, const bson_t *filter, const bson_t *opts, int limit,
                     json_t *arr)
{
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int n = 0, rc = 0;

    while (n < limit && mongoc_cursor_next(cur, &doc)) {
        json_t *v = to_json(doc);

        if (v)
            json_array_append_new(arr, v);
        n++;
    }
    if (mongoc_cursor_error(cur, &err)) {
        log_warn("mongo find in %s: %s", mongoc_collection_get_name(coll), err.message);
        rc = FC_EDEP;
    }
    mongoc_cursor_destroy(cur);
    return rc;
}

static char *dup_field(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));

    return s ? xstrdup(s) : NULL;
}

/* Reads an integer that extended JSON may have written as a number or {"$numberLong"}. */
static int int_field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s;

    if (json_is_integer(v))
        return (int)json_integer_value(v);
    if (json_is_real(v))
        return (int)json_real_value(v);
    s = json_string_value(json_object_get(v, "$numberLong"));
    return s ? (int)strtol(s, NULL, 10) : 0;
}

int store_get_reply(struct store *s, const char *id, struct stored_reply *out)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(id));
    json_t *arr = json_array(), *doc, *usage;
    int rc = find_json(s->messages, filter, NULL, 1, arr);

    bson_destroy(filter);
    if (rc)
        goto out_free_arr;
    doc = json_array_get(arr, 0);
    if (!doc) {
        rc = FC_ENOTFOUND;
        goto out_free_arr;
    }
    memset(out, 0, sizeof(*out));
    out->status = dup_field(doc, "status");
    if (!out->status)
        out->status = xstrdup("");
    out->attempt = int_field(doc, "attempt");
    out->text = dup_field(doc, "text");
    out->provider = dup_field(doc, "provider");
    out->model = dup_field(doc, "model");
    usage = json_object_get(doc, "usage");
    out->prompt_tokens = int_field(usage, "prompt_tokens");
    out->completion_tokens = int_field(usage, "completion_tokens");
    out->ttft_ms = int_field(doc, "ttft_ms");
    out->latency_ms = int_field(doc, "latency_ms");
    out->error_code = dup_field(doc, "error_code");
    out->error_message = dup_field(doc, "error_message");
out_free_arr:
    json_decref(arr);
    return rc;
}

void stored_reply_release(struct stored_reply *r)
{
    if (!r)
        return;
    free(r->status);
    free(r->text);
    free(r->provider);
    free(r->model);
    free(r->error_code);
    free(r->error_message);
    memset(r, 0, sizeof(*r));
}

static void append_str_or_null(bson_t *doc, const char *key, const char *val)
{
    if (val)
        BSON_APPEND_UTF8(doc, key, val);
    else
        BSON_APPEND_NULL(doc, key);
}

int store_put_reply(struct store *s, const struct reply_doc *d)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(d->req->reply_message_id));
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_t doc = BSON_INITIALIZER, usage;
    bson_error_t err;
    int rc = 0;

    BSON_APPEND_UTF8(&doc, "_id", d->req->reply_message_id);
    BSON_APPEND_UTF8(&doc, "conversation_id", d->req->conversation_id);
    BSON_APPEND_UTF8(&doc, "user_id", d->req->user_id);
    BSON_APPEND_UTF8(&doc, "role", "assistant");
    BSON_APPEND_UTF8(&doc, "text", d->text ? d->text : "");
    BSON_APPEND_UTF8(&doc, "status", d->status);
    BSON_APPEND_UTF8(&doc, "request_id", d->req->request_id);
    BSON_APPEND_UTF8(&doc, "reply_to", d->req->message_id);
    append_str_or_null(&doc, "provider", d->provider);
    append_str_or_null(&doc, "model", d->model);
    BSON_APPEND_DOCUMENT_BEGIN(&doc, "usage", &usage);
    BSON_APPEND_INT32(&usage, "prompt_tokens", d->prompt_tokens);
    BSON_APPEND_INT32(&usage, "completion_tokens", d->completion_tokens);
    bson_append_document_end(&doc, &usage);
    BSON_APPEND_INT64(&doc, "latency_ms", d->latency_ms);
    BSON_APPEND_INT32(&doc, "ttft_ms", d->ttft_ms);
    BSON_APPEND_INT32(&doc, "attempt", d->attempt);
    append_str_or_null(&doc, "error_code", d->error_code);
    append_str_or_null(&doc, "error_message", d->error_message);
    BSON_APPEND_DATE_TIME(&doc, "created_at", d->created_ms);
    if (!mongoc_collection_replace_one(s->messages, filter, &doc, opts, NULL, &err)) {
        log_emit(LOG_WARN, d->req->request_id, NULL, NULL, "mongo store message %s: %s",
                 d->req->reply_message_id, err.message);
        rc = FC_EDEP;
    }
    bson_destroy(&doc);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

int store_load_context(struct store *s, const char *user_id, json_t **out)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(user_id));
    json_t *arr = json_array();
    int rc = find_json(s->contexts, filter, NULL, 1, arr);

    bson_destroy(filter);
    *out = NULL;
    if (rc == 0 && json_array_size(arr) == 1)
        *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

int store_load_history(struct store *s, const char *conversation_id, const char *user_id, int limit,
                       json_t **out)
{
    bson_t *filter =
        BCON_NEW("conversation_id", BCON_UTF8(conversation_id), "user_id", BCON_UTF8(user_id));
    bson_t *opts =
        BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "}", "limit", BCON_INT64(limit));
    int rc;

    *out = json_array();
    rc = find_json(s->messages, filter, opts, limit, *out);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

static bool finished(const char *status)
{
    return strcmp(status, "complete") == 0 || strcmp(status, "error") == 0 ||
           strcmp(status, "canceled") == 0;
}

enum store_plan store_plan(const struct stored_reply *r, int req_attempt, int max_attempts,
                           int *attempt)
{
    enum store_plan plan = PLAN_FRESH;
    int a = req_attempt;

    if (r && r->status && finished(r->status)) {
        a = r->attempt + 1 > a ? r->attempt + 1 : a;
        plan = PLAN_RESEND;
    } else if (r && r->status && strcmp(r->status, "streaming") == 0 && r->attempt >= a) {
        a = r->attempt + 1;
        plan = PLAN_REDELIVERY;
    }
    if (plan != PLAN_RESEND && a > max_attempts)
        plan = PLAN_MAX_ATTEMPTS;
    *attempt = a < 1 ? 1 : a > 100 ? 100 : a;
    return plan;
}
