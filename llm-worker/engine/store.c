/* store.c - MongoDB reads and writes of the worker (contexts, messages, histories). */
#include "llm-worker/engine/store.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "mongo.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

void store_init(struct store *s, mongoc_client_t *client, const char *db)
{
    s->client = client;
    s->messages = mongoc_client_get_collection(client, db, "messages");
    s->contexts = mongoc_client_get_collection(client, db, "contexts");
    s->histories = mongoc_client_get_collection(client, db, "histories");
    s->meta = mongoc_client_get_collection(client, db, "meta");
}

void store_release(struct store *s)
{
    if (!s)
        return;
    mongoc_collection_destroy(s->messages);
    mongoc_collection_destroy(s->contexts);
    mongoc_collection_destroy(s->histories);
    mongoc_collection_destroy(s->meta);
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

json_t *store_doc_json(const bson_t *doc)
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
        json_t *v = store_doc_json(doc);

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
    return xstrdup_or_null(json_string_value(json_object_get(doc, key)));
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

void store_reply_read(json_t *doc, struct stored_reply *out)
{
    json_t *usage;

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
    out->tools = json_incref(json_object_get(doc, "tools"));
    out->checks = json_incref(json_object_get(doc, "checks"));
}

int store_get_reply(struct store *s, const char *id, struct stored_reply *out)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(id));
    json_t *arr = json_array(), *doc;
    int rc = find_json(s->messages, filter, NULL, 1, arr);

    bson_destroy(filter);
    doc = json_array_get(arr, 0);
    if (rc == 0 && !doc)
        rc = FC_ENOTFOUND;
    if (rc == 0)
        store_reply_read(doc, out);
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
    json_decref(r->tools);
    json_decref(r->checks);
    memset(r, 0, sizeof(*r));
}

/* Appends JSON value @v as field @key of @doc (through a one-field document, the way
 * libbson reads JSON); nothing when it cannot be converted. */
static void append_json(bson_t *doc, const char *key, const json_t *v)
{
    json_t *wrap = json_pack("{s:O}", "v", (json_t *)v);
    char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
    bson_t *b = text ? bson_new_from_json((const uint8_t *)text, -1, NULL) : NULL;
    bson_iter_t it;

    if (b && bson_iter_init_find(&it, b, "v"))
        bson_append_iter(doc, key, -1, &it);
    if (b)
        bson_destroy(b);
    free(text);
    json_decref(wrap);
}

static json_t *record_turn(struct store *s, const struct reply_doc *d);

static void append_str_or_null(bson_t *doc, const char *key, const char *val)
{
    if (val)
        BSON_APPEND_UTF8(doc, key, val);
    else
        BSON_APPEND_NULL(doc, key);
}

void store_reply_bson(bson_t *doc, const struct reply_doc *d)
{
    bson_t usage;

    BSON_APPEND_UTF8(doc, "_id", d->req->reply_message_id);
    BSON_APPEND_UTF8(doc, "conversation_id", d->req->conversation_id);
    BSON_APPEND_UTF8(doc, "user_id", d->req->user_id);
    BSON_APPEND_UTF8(doc, "role", "assistant");
    BSON_APPEND_UTF8(doc, "text", d->text ? d->text : "");
    BSON_APPEND_UTF8(doc, "status", d->status);
    BSON_APPEND_UTF8(doc, "request_id", d->req->request_id);
    BSON_APPEND_UTF8(doc, "reply_to", d->req->message_id);
    append_str_or_null(doc, "provider", d->provider);
    append_str_or_null(doc, "model", d->model);
    BSON_APPEND_DOCUMENT_BEGIN(doc, "usage", &usage);
    BSON_APPEND_INT32(&usage, "prompt_tokens", d->prompt_tokens);
    BSON_APPEND_INT32(&usage, "completion_tokens", d->completion_tokens);
    bson_append_document_end(doc, &usage);
    BSON_APPEND_INT64(doc, "latency_ms", d->latency_ms);
    BSON_APPEND_INT32(doc, "ttft_ms", d->ttft_ms);
    BSON_APPEND_INT32(doc, "attempt", d->attempt);
    append_str_or_null(doc, "error_code", d->error_code);
    append_str_or_null(doc, "error_message", d->error_message);
    BSON_APPEND_DATE_TIME(doc, "created_at", d->created_ms);
    if (d->tools && json_array_size(d->tools))
        append_json(doc, "tools", d->tools);
    if (d->checks)
        append_json(doc, "checks", d->checks);
}

int store_put_reply(struct store *s, const struct reply_doc *d)
{
    return store_put_reply_turns(s, d, NULL);
}

int store_put_reply_turns(struct store *s, const struct reply_doc *d, json_t **recorded)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(d->req->reply_message_id));
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_t doc = BSON_INITIALIZER;
    bson_error_t err;
    int rc = 0;

    if (recorded)
        *recorded = NULL;
    store_reply_bson(&doc, d);
    if (!mongoc_collection_replace_one(s->messages, filter, &doc, opts, NULL, &err)) {
        log_emit(LOG_WARN, d->req->request_id, NULL, NULL, "mongo store message %s: %s",
                 d->req->reply_message_id, err.message);
        rc = FC_EDEP;
    } else if (strcmp(d->status, "complete") == 0 && !d->req->client_history) {
        /* A request with the client's own history (the facade) stands alone: nothing reads
         * the turns of its conversation back, and every call of one API key would otherwise
         * rewrite the same document of the user's API conversation. */
        json_t *turns = record_turn(s, d);

        if (recorded)
            *recorded = turns;
        else
            json_decref(turns);
    }
    bson_destroy(&doc);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

/* The outcome of an unordered insert of [question, claim] that failed: FC_ECONFLICT when the
 * claim's _id exists (the answer was claimed before), 0 when only the question did (it was
 * stored by an earlier delivery), FC_EDEP for any other failure. */
static int claim_outcome(const bson_t *reply)
{
    bson_iter_t it, errs, e;
    bool any = false, claimed = false;

    if (!bson_iter_init_find(&it, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &errs))
        return FC_EDEP; /* not a write error: the server or the connection failed */
    while (bson_iter_next(&errs)) {
        int32_t index = -1, code = 0;

        if (!BSON_ITER_HOLDS_DOCUMENT(&errs) || !bson_iter_recurse(&errs, &e))
            return FC_EDEP;
        while (bson_iter_next(&e)) {
            if (strcmp(bson_iter_key(&e), "index") == 0)
                index = (int32_t)bson_iter_as_int64(&e);
            else if (strcmp(bson_iter_key(&e), "code") == 0)
                code = (int32_t)bson_iter_as_int64(&e);
        }
        if (code != 11000)
            return FC_EDEP;
        any = true;
        claimed |= index == 1;
    }
    return !any ? FC_EDEP : claimed ? FC_ECONFLICT : 0;
}

/* Stores the question of a request that carries the client's own turns (the gateway leaves
 * it to the worker: api-gateway/chat/chat.c) and the claim @doc of its answer, in one
 * unordered insert: a redelivery finds the question there already, which is fine, and the
 * claim's own duplicate says the answer was claimed before. */
static int claim_with_question(struct store *s, const struct reply_doc *d, const bson_t *doc)
{
    const struct chat_request *r = d->req;
    bson_t *q = chat_user_message_doc(r->message_id, r->conversation_id, r->user_id, r->request_id,
                                      r->text, r->created_ms);
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
    const bson_t *docs[2] = {q, doc};
    bson_t reply;
    bson_error_t err;
    int rc = 0;

    if (!mongoc_collection_insert_many(s->messages, docs, 2, opts, &reply, &err)) {
        rc = claim_outcome(&reply);
        if (rc == FC_EDEP)
            log_emit(LOG_WARN, r->request_id, NULL, NULL, "mongo claim message %s: %s",
                     r->reply_message_id, err.message);
    }
    bson_destroy(&reply);
    bson_destroy(opts);
    bson_destroy(q);
    return rc;
}

int store_claim_reply(struct store *s, const struct reply_doc *d)
{
    bson_t doc = BSON_INITIALIZER;
    bson_error_t err;
    int rc = 0;

    store_reply_bson(&doc, d);
    if (d->req->client_history) {
        rc = claim_with_question(s, d, &doc);
    } else if (!mongoc_collection_insert_one(s->messages, &doc, NULL, NULL, &err)) {
        if (err.code == MONGOC_ERROR_DUPLICATE_KEY) {
            rc = FC_ECONFLICT;
        } else {
            log_emit(LOG_WARN, d->req->request_id, NULL, NULL, "mongo claim message %s: %s",
                     d->req->reply_message_id, err.message);
            rc = FC_EDEP;
        }
    }
    bson_destroy(&doc);
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

json_t *store_history_items(json_t *doc, const char *user_id)
{
    const char *owner = json_string_value(json_object_get(doc, "user_id"));
    json_t *items = json_object_get(doc, "items");

    if (owner && strcmp(owner, user_id) == 0 && json_is_array(items))
        return json_incref(items);
    return json_array();
}

int store_load_history(struct store *s, const char *conversation_id, const char *user_id,
                       json_t **out)
{
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(conversation_id));
    json_t *arr = json_array();
    int rc = find_json(s->histories, filter, NULL, 1, arr);

    bson_destroy(filter);
    *out = rc == 0 ? store_history_items(json_array_get(arr, 0), user_id) : json_array();
    json_decref(arr);
    return rc;
}

/* The sort key of a history item: its created_at as relaxed extended JSON writes it. */
static const char *item_when(json_t *m)
{
    json_t *c = json_object_get(m, "created_at");
    const char *d = json_string_value(json_is_object(c) ? json_object_get(c, "$date") : c);

    return d ? d : "";
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(item_when(*(json_t *const *)a), item_when(*(json_t *const *)b));
}

static json_t *item(const char *id, const char *role, const char *text, const char *status,
                    int64_t at_ms, const char *reply_to)
{
    char when[32];

    clock_rfc3339(at_ms, when, sizeof(when));
    return json_pack("{s:s,s:s,s:s,s:s,s:{s:s},s:s*}", "_id", id, "role", role, "text",
                     text ? text : "", "status", status, "created_at", "$date", when, "reply_to",
                     reply_to);
}

/* The `histories` document of conversation @cid owned by @uid: the newest
 * STORE_HISTORY_KEEP of @items (history items, any order), oldest first, as BSON; NULL when
 * it cannot be converted. */
static bson_t *history_bson(const char *cid, const char *uid, json_t *items)
{
    size_t n = json_array_size(items), i;
    json_t **v = xcalloc(n ? n : 1, sizeof(*v)), *doc;
    bson_error_t err;
    bson_t *b = NULL;
    char *text;

    for (i = 0; i < n; i++)
        v[i] = json_array_get(items, i);
    qsort(v, n, sizeof(*v), item_cmp);
    doc = json_pack("{s:s,s:s,s:[]}", "_id", cid, "user_id", uid, "items");
    for (i = n > STORE_HISTORY_KEEP ? n - STORE_HISTORY_KEEP : 0; i < n; i++)
        json_array_append(json_object_get(doc, "items"), v[i]);
    free(v);
    text = json_dumps(doc, JSON_COMPACT);
    if (text)
        b = bson_new_from_json((const uint8_t *)text, -1, &err);
    free(text);
    json_decref(doc);
    return b;
}

/* The fields of a `messages` document that a history item keeps. */
static json_t *history_item_of(json_t *msg)
{
    static const char *const keep[] = {"_id", "role", "text", "status", "created_at", "reply_to"};
    json_t *it = json_object();

    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        json_t *v = json_object_get(msg, keep[i]);

        if (v)
            json_object_set(it, keep[i], v);
    }
    return it;
}

int store_backfill_histories(struct store *s, int *written)
{
    bson_t *marker = BCON_NEW("_id", BCON_UTF8(STORE_BACKFILL_MARK));
    bson_t *proj =
        BCON_NEW("projection", "{", "conversation_id", BCON_INT32(1), "user_id", BCON_INT32(1),
                 "role", BCON_INT32(1), "text", BCON_INT32(1), "status", BCON_INT32(1),
                 "created_at", BCON_INT32(1), "reply_to", BCON_INT32(1), "}");
    bson_t all = BSON_INITIALIZER, *mark;
    json_t *seen = json_array(), *convs = json_object(), *owners = json_object();
    mongoc_cursor_t *cur = NULL;
    const bson_t *bdoc;
    bson_error_t err;
    const char *cid;
    json_t *items;
    int rc = 0;

    *written = 0;
    rc = find_json(s->meta, marker, NULL, 1, seen);
    if (rc || json_array_size(seen) > 0)
        goto out;
    cur = mongoc_collection_find_with_opts(s->messages, &all, proj, NULL);
    while (mongoc_cursor_next(cur, &bdoc)) {
        json_t *m = store_doc_json(bdoc);
        const char *c = m ? json_string_value(json_object_get(m, "conversation_id")) : NULL;
        const char *u = m ? json_string_value(json_object_get(m, "user_id")) : NULL;

        if (c && u) {
            json_t *arr = json_object_get(convs, c);

            if (!arr) {
                arr = json_array();
                json_object_set_new(convs, c, arr);
                json_object_set_new(owners, c, json_string(u));
            }
            json_array_append_new(arr, history_item_of(m));
        }
        json_decref(m);
    }
    if (mongoc_cursor_error(cur, &err)) {
        log_warn("mongo: history backfill: reading messages: %s", err.message);
        rc = FC_EDEP;
        goto out;
    }
    json_object_foreach(convs, cid, items)
    {
        bson_t *b = history_bson(cid, json_string_value(json_object_get(owners, cid)), items);

        /* Insert only: a conversation that already has its document (a turn answered since)
         * keeps it; the duplicate-key error says so. */
        if (b && mongoc_collection_insert_one(s->histories, b, NULL, NULL, &err))
            (*written)++;
        bson_destroy(b);
    }
    mark = BCON_NEW("_id", BCON_UTF8(STORE_BACKFILL_MARK), "conversations", BCON_INT32(*written),
                    "at", BCON_DATE_TIME(clock_wall_ms()));
    if (!mongoc_collection_insert_one(s->meta, mark, NULL, NULL, &err) &&
        !strstr(err.message, "duplicate"))
        log_warn("mongo: history backfill: marking done: %s", err.message);
    bson_destroy(mark);
out:
    if (cur)
        mongoc_cursor_destroy(cur);
    json_decref(owners);
    json_decref(convs);
    json_decref(seen);
    bson_destroy(proj);
    bson_destroy(marker);
    return rc;
}

/* @items without this request's question and any earlier answer to it, plus the question
 * and the answer of @d. New array. */
static json_t *turns_with(json_t *items, const struct reply_doc *d)
{
    const struct chat_request *r = d->req;
    json_t *keep = json_array(), *m;
    size_t i;

    json_array_foreach(items, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "_id"));
        const char *to = json_string_value(json_object_get(m, "reply_to"));

        if ((id && (strcmp(id, r->message_id) == 0 || strcmp(id, r->reply_message_id) == 0)) ||
            (to && strcmp(to, r->message_id) == 0))
            continue;
        json_array_append(keep, m);
    }
    json_array_append_new(keep,
                          item(r->message_id, "user", r->text, "complete", r->created_ms, NULL));
    json_array_append_new(keep, item(r->reply_message_id, "assistant", d->text, d->status,
                                     d->created_ms, r->message_id));
    return keep;
}

bson_t *store_history_doc(const struct reply_doc *d, json_t *items)
{
    json_t *turns = turns_with(items, d);
    bson_t *b = history_bson(d->req->conversation_id, d->req->user_id, turns);

    json_decref(turns);
    return b;
}

/* Records a finished turn in the conversation's `histories` document (the newest
 * STORE_HISTORY_KEEP messages), replacing an earlier answer to the same question. The turns
 * read for the prompt (d->history) save a read when no other answer of the conversation
 * was recorded meanwhile (the worker knows: see reply_doc); otherwise they are read again.
 * Best effort: a lost update only shortens the context of a later question. Returns the
 * recorded turns as store_load_history() would read them back (caller owns), or NULL when
 * nothing was recorded. */
static json_t *record_turn(struct store *s, const struct reply_doc *d)
{
    const struct chat_request *r = d->req;
    json_t *items = d->history, *read = NULL, *turns = NULL, *doc;
    bson_t *bdoc, *filter, *opts;
    bson_error_t err;

    if (!items) {
        if (store_load_history(s, r->conversation_id, r->user_id, &read) != 0) {
            json_decref(read);
            return NULL;
        }
        items = read;
    }
    bdoc = store_history_doc(d, items);
    if (bdoc) {
        filter = BCON_NEW("_id", BCON_UTF8(r->conversation_id));
        opts = BCON_NEW("upsert", BCON_BOOL(true));
        if (!mongoc_collection_replace_one(s->histories, filter, bdoc, opts, NULL, &err)) {
            log_emit(LOG_WARN, r->request_id, NULL, NULL, "mongo store history: %s", err.message);
        } else {
            doc = store_doc_json(bdoc);
            turns = doc ? store_history_items(doc, r->user_id) : NULL;
            json_decref(doc);
        }
        bson_destroy(opts);
        bson_destroy(filter);
        bson_destroy(bdoc);
    }
    json_decref(read);
    return turns;
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
