/* chat.c - conversations, messages, answer streams and cancel (see chat.h). */
#include "api-gateway/chat/chat.h"
#include "api-gateway/http/metrics.h"

#include "chatmsg.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "trace.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/auth/tool_token.h"
#include "api-gateway/chat/chatbus.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/chat/screen.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/gateway.h"
#include "api-gateway/http/cursor.h"
#include "api-gateway/http/sse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TITLE "New conversation"
#define TITLE_MAX 200 /* code points */
#define LIST_DEFAULT 20
#define LIST_MAX 100
#define MESSAGES_MAX 5000 /* documents read for one conversation */
#define MAX_TOKENS 1024
#define RATE_LOCK_CLASS 4242 /* first key of the per-user advisory lock */
#define STREAM_URL "/api/v1/streams/"
#define CONV_CURSOR_SORT 9 /* cursor.h sort number of the conversation list */
#define MSG_CURSOR_SORT 8  /* ... and of a conversation's messages */

/* Conversation columns, in the order conv_json() reads them. */
#define CONV_COLS                                                                                  \
    "c.id::text, c.title, c.last_message, "                                                        \
    "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "              \
    "to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "              \
    "(extract(epoch FROM c.updated_at) * 1000000)::bigint"

/* ---- small helpers ---- */

static struct gateway *gateway_of(const struct api_req *req)
{
    return (struct gateway *)req->server;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const char *cell(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void set_retry_after(struct api_resp *resp, long long seconds)
{
    char line[48];

    snprintf(line, sizeof(line), "Retry-After: %lld", seconds < 1 ? 1 : seconds);
    api_header(resp, line);
}

/* Validates the {id} route parameter @i as a UUID into @out; a malformed id is simply an id
 * that does not exist, so it answers 404. */
static int param_uuid(struct api_req *req, struct api_resp *resp, int i, const char *what,
                      char out[37])
{
    if (i >= req->nparams || !uuid_normalize(req->params[i], out))
        return api_error(resp, 404, "not_found", "no such %s", what);
    return 0;
}

/* Requires the body, when there is one, to be a JSON object. */
static int body_object(struct api_req *req, struct api_resp *resp, bool required)
{
    if (!req->body && !required)
        return 0;
    if (!json_is_object(req->body))
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    return 0;
}

/* Reads an optional title field: cleaned, 1..TITLE_MAX code points. *@out is NULL when the
 * field is absent/null and @required is false; caller frees. */
static int read_title(struct api_req *req, struct api_resp *resp, bool required, char **out)
{
    json_t *v = req->body ? json_object_get(req->body, "title") : NULL;
    size_t n = 0;

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return api_error(resp, 400, "invalid_field", "title is required");
        return 0;
    }
    if (!json_is_string(v))
        return api_error(resp, 400, "invalid_field", "title must be a string");
    *out = screen_clean(json_string_value(v), json_string_length(v), &n);
    if (n == 0 || n > TITLE_MAX) {
        free(*out);
        *out = NULL;
        if (n == 0 && !required)
            return 0;
        return api_error(resp, 400, "invalid_field", "title must be 1 to %d characters", TITLE_MAX);
    }
    return 0;
}

/* The Conversation object of row @row (columns CONV_COLS). */
static json_t *conv_json(PGresult *res, int row)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", PQgetvalue(res, row, 0), "title",
                     PQgetvalue(res, row, 1), "created_at", PQgetvalue(res, row, 3), "updated_at",
                     PQgetvalue(res, row, 4), "last_message", PQgetvalue(res, row, 2));
}

/* 404 unless conversation @id is the caller's and not deleted. */
static int conv_check(struct api_req *req, struct api_resp *resp, const char *id)
{
    const char *v[] = {id, req->user_id};
    int64_t found;
    int rc = sql_exec(req->pg,
                      "SELECT 1 FROM conversations WHERE id=$1::uuid AND user_id=$2::uuid "
                      "AND deleted_at IS NULL",
                      2, v, &found);

    if (rc)
        return api_pg_fail(req, resp, rc);
    if (!found)
        return api_error(resp, 404, "not_found", "no such conversation");
    return 0;
}

/* The conversation of the route's {id}, when it is the caller's (404 otherwise). */
static int conv_param(struct api_req *req, struct api_resp *resp, char id[37])
{
    int rc = param_uuid(req, resp, 0, "conversation", id);

    return rc ? rc : conv_check(req, resp, id);
}

/* The route's {id} as a UUID and a JSON object body, both required. */
static int id_and_body(struct api_req *req, struct api_resp *resp, char id[37])
{
    int rc = param_uuid(req, resp, 0, "conversation", id);

    return rc ? rc : body_object(req, resp, true);
}

/* ---- conversations ---- */

/* Answers the Conversation row that @res (a write ... RETURNING CONV_COLS) produced with
 * @status, 404 when it produced none, or the database failure @rc (then @res is NULL). */
static int conv_answer(struct api_req *req, struct api_resp *resp, int rc, PGresult *res,
                       int status)
{
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) == 0)
        rc = api_error(resp, 404, "not_found", "no such conversation");
    else
        rc = api_json(resp, status, conv_json(res, 0));
    PQclear(res);
    return rc;
}

static int conversations_create(struct api_req *req, struct api_resp *resp)
{
    char *title = NULL;
    PGresult *res;
    int rc;

    rc = body_object(req, resp, false);
    if (rc)
        return rc;
    rc = read_title(req, resp, false, &title);
    if (rc)
        return rc;
    {
        const char *v[] = {req->user_id, title ? title : DEFAULT_TITLE};

        rc = sql_query(req->pg,
                       "INSERT INTO conversations AS c (user_id, title) VALUES ($1::uuid, $2) "
                       "RETURNING " CONV_COLS,
                       2, v, &res);
    }
    free(title);
    return conv_answer(req, resp, rc, res, 201);
}

static int conversations_list(struct api_req *req, struct api_resp *resp)
{
    const char *q = api_query(req, "q"), *cur = api_query(req, "cursor");
    struct cursor after;
    char usec[24], lim[24];
    char *pattern = NULL, *clean_q = NULL;
    json_t *items, *body;
    int64_t limit;
    PGresult *res;
    size_t qn = 0;
    int rc, rows;

    rc = api_query_int(req, resp, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit);
    if (rc)
        return rc;
    if (cur && *cur && cursor_decode(cur, CONV_CURSOR_SORT, &after) != 0)
        return api_error(resp, 400, "invalid_field", "cursor is malformed");
    if (cur && *cur)
        snprintf(usec, sizeof(usec), "%lld", (long long)after.key);
    if (q) {
        clean_q = screen_clean(q, strlen(q), &qn);
        if (qn > TITLE_MAX) {
            free(clean_q);
            return api_error(resp, 400, "invalid_field", "q must be at most %d characters",
                             TITLE_MAX);
        }
        if (qn > 0)
            pattern = finance_like_pattern(clean_q);
    }
    snprintf(lim, sizeof(lim), "%lld", (long long)limit + 1);
    {
        const char *v[] = {req->user_id, pattern, cur && *cur ? usec : NULL,
                           cur && *cur ? after.id : NULL, lim};

        rc = sql_query(req->pg,
                       "SELECT " CONV_COLS " FROM conversations c WHERE c.user_id=$1::uuid "
                       "AND c.deleted_at IS NULL "
                       "AND ($2::text IS NULL OR c.title ILIKE $2 ESCAPE '\\') "
                       "AND ($3::bigint IS NULL OR (c.updated_at, c.id) < "
                       "(timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)) "
                       "ORDER BY c.updated_at DESC, c.id DESC LIMIT $5::int",
                       5, v, &res);
    }
    free(pattern);
    free(clean_q);
    if (rc)
        return api_pg_fail(req, resp, rc);
    rows = PQntuples(res);
    items = json_array();
    for (int i = 0; i < rows && i < limit; i++)
        json_array_append_new(items, conv_json(res, i));
    body = json_pack("{s:o, s:n}", "items", items, "next_cursor");
    if (rows > limit) {
        char next[CURSOR_MAX + 1];

        cursor_encode(CONV_CURSOR_SORT, strtoll(PQgetvalue(res, (int)limit - 1, 5), NULL, 10),
                      PQgetvalue(res, (int)limit - 1, 0), next, sizeof(next));
        json_object_set_new(body, "next_cursor", json_string(next));
    }
    PQclear(res);
    return api_json(resp, 200, body);
}

static int conversations_rename(struct api_req *req, struct api_resp *resp)
{
    char id[37], *title = NULL;
    PGresult *res;
    int rc;

    rc = id_and_body(req, resp, id);
    if (rc)
        return rc;
    rc = read_title(req, resp, true, &title);
    if (rc)
        return rc;
    {
        const char *v[] = {id, req->user_id, title};

        rc = sql_query(req->pg,
                       "UPDATE conversations c SET title=$3 WHERE c.id=$1::uuid AND "
                       "c.user_id=$2::uuid AND c.deleted_at IS NULL RETURNING " CONV_COLS,
                       3, v, &res);
    }
    free(title);
    return conv_answer(req, resp, rc, res, 200);
}

/* Deletes the conversation and stops its answers in flight: in one statement its requests
 * are marked conversation_deleted (their streams answer 404: request_lookup()) and those in
 * flight canceled, and a cancel goes to the workers. A cancel Kafka does not take is only
 * logged: the answer then runs to its end unseen, since the conversation's messages and
 * streams answer 404 from now on. */
static int conversations_delete(struct api_req *req, struct api_resp *resp)
{
    struct gateway *gw = gateway_of(req);
    char id[37], tp[64];
    PGresult *res;
    int rc;

    rc = param_uuid(req, resp, 0, "conversation", id);
    if (rc)
        return rc;
    {
        const char *v[] = {id, req->user_id};

        rc = sql_query(req->pg,
                       "WITH d AS (UPDATE conversations SET deleted_at=now() WHERE id=$1::uuid "
                       "AND user_id=$2::uuid AND deleted_at IS NULL RETURNING id), "
                       "r AS (UPDATE chat_requests q SET status='canceled', error_code='canceled', "
                       "completed_at=now(), conversation_deleted=true FROM d "
                       "WHERE q.conversation_id = d.id AND q.status IN ('queued','streaming') "
                       "RETURNING q.id::text AS rid), "
                       "e AS (UPDATE chat_requests q SET conversation_deleted=true FROM d "
                       "WHERE q.conversation_id = d.id AND q.status NOT IN ('queued','streaming')) "
                       "SELECT (SELECT count(*) FROM d), rid FROM (SELECT NULL AS rid UNION ALL "
                       "SELECT rid FROM r) x",
                       2, v, &res);
    }
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        PQclear(res);
        return api_error(resp, 404, "not_found", "no such conversation");
    }
    trace_child(req->traceparent, tp, sizeof(tp), NULL);
    for (int i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, 1) &&
            (!gw || !gw->bus || chatbus_send_cancel(gw->bus, PQgetvalue(res, i, 1), tp) != 0))
            log_emit(LOG_WARN, PQgetvalue(res, i, 1), NULL, NULL,
                     "deleted conversation: the cancel of its answer in flight was not sent");
    PQclear(res);
    return api_json(resp, 204, NULL);
}

/* ---- messages ---- */

/* A message with the key it is sorted by. */
struct msg_item {
    int64_t at_ms;
    int rank; /* user before assistant at the same instant */
    json_t *msg;
};

/* Reads a timestamp the way different writers store it: a BSON date, Unix ms (or seconds)
 * as a number, or an RFC 3339 string. Returns ms, or 0 when unreadable. */
static int64_t bson_time_ms(const bson_iter_t *it)
{
    switch (bson_iter_type(it)) {
    case BSON_TYPE_DATE_TIME:
        return bson_iter_date_time(it);
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE: {
        int64_t v = bson_iter_as_int64(it);

        return v < 100000000000LL ? v * 1000 : v;
    }
    case BSON_TYPE_UTF8: {
        struct tm tm;
        int ms = 0;

        memset(&tm, 0, sizeof(tm));
        if (sscanf(bson_iter_utf8(it, NULL), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon,
                   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
            return 0;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (int64_t)timegm(&tm) * 1000 + ms;
    }
    default:
        return 0;
    }
}

/* The string field @key of @doc, else @def (NULL: JSON null). New reference. */
static json_t *bson_str_json(const bson_t *doc, const char *key, const char *def)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
        return json_string(bson_iter_utf8(&it, NULL));
    return def ? json_string(def) : json_null();
}

static json_t *bson_int_json(const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_NUMBER(&it))
        return json_integer(bson_iter_as_int64(&it));
    return json_null();
}

static json_t *bson_usage_json(const bson_t *doc)
{
    bson_iter_t it, sub;
    json_t *u;

    if (!bson_iter_init_find(&it, doc, "usage") || !BSON_ITER_HOLDS_DOCUMENT(&it) ||
        !bson_iter_recurse(&it, &sub))
        return json_null();
    u = json_pack("{s:i, s:i}", "prompt_tokens", 0, "completion_tokens", 0);
    while (bson_iter_next(&sub)) {
        const char *k = bson_iter_key(&sub);

        if (BSON_ITER_HOLDS_NUMBER(&sub) &&
            (strcmp(k, "prompt_tokens") == 0 || strcmp(k, "completion_tokens") == 0))
            json_object_set_new(u, k, json_integer(bson_iter_as_int64(&sub)));
    }
    return u;
}

/* The Message object of a stored document, and its sort key. */
/* The sub-document or array @key of @doc as JSON (new reference), or NULL when it has none
 * or it cannot be read. */
static json_t *bson_sub_json(const bson_t *doc, const char *key)
{
    const uint8_t *data;
    uint32_t len;
    bson_iter_t it;
    bson_t sub;
    char *text = NULL;
    json_t *v;

    if (!bson_iter_init_find(&it, doc, key))
        return NULL;
    if (BSON_ITER_HOLDS_DOCUMENT(&it))
        bson_iter_document(&it, &len, &data);
    else if (BSON_ITER_HOLDS_ARRAY(&it))
        bson_iter_array(&it, &len, &data);
    else
        return NULL;
    if (!bson_init_static(&sub, data, len))
        return NULL;
    /* Wrapped in a document: a relaxed array reader is not in every libbson. */
    {
        bson_t wrap = BSON_INITIALIZER;
        json_t *w;

        if (BSON_ITER_HOLDS_ARRAY(&it))
            bson_append_array(&wrap, "v", 1, &sub);
        else
            bson_append_document(&wrap, "v", 1, &sub);
        text = bson_as_relaxed_extended_json(&wrap, NULL);
        bson_destroy(&wrap);
        w = text ? json_loads(text, 0, NULL) : NULL;
        v = json_incref(json_object_get(w, "v"));
        json_decref(w);
    }
    bson_free(text);
    return v;
}

/* The tool calls (without their results) and the checks of a stored answer (SPEC §14), when
 * it has them. */
static void msg_tools_checks(const bson_t *doc, json_t *m)
{
    json_t *tools = bson_sub_json(doc, "tools"), *checks = bson_sub_json(doc, "checks"), *c;
    size_t i;

    if (json_is_array(tools)) {
        json_array_foreach(tools, i, c) json_object_del(c, "result");
        json_object_set(m, "tools", tools);
    }
    if (json_is_object(checks))
        json_object_set(m, "checks", checks);
    json_decref(tools);
    json_decref(checks);
}

static void msg_from_bson(const bson_t *doc, struct msg_item *out)
{
    json_t *m = json_object(), *role = bson_str_json(doc, "role", "assistant");
    char id[64] = "", when[32] = "";
    bson_iter_t it;

    if (bson_iter_init_find(&it, doc, "_id")) {
        if (BSON_ITER_HOLDS_UTF8(&it))
            snprintf(id, sizeof(id), "%s", bson_iter_utf8(&it, NULL));
        else if (BSON_ITER_HOLDS_OID(&it))
            bson_oid_to_string(bson_iter_oid(&it), id);
    }
    out->at_ms = bson_iter_init_find(&it, doc, "created_at") ? bson_time_ms(&it) : 0;
    out->rank = strcmp(json_string_value(role), "user") == 0 ? 0 : 1;
    if (out->at_ms > 0)
        clock_rfc3339(out->at_ms, when, sizeof(when));
    json_object_set_new(m, "id", json_string(id));
    json_object_set_new(m, "conversation_id", bson_str_json(doc, "conversation_id", NULL));
    json_object_set_new(m, "role", role);
    json_object_set_new(m, "text", bson_str_json(doc, "text", ""));
    json_object_set_new(m, "status", bson_str_json(doc, "status", "complete"));
    json_object_set_new(m, "request_id", bson_str_json(doc, "request_id", NULL));
    json_object_set_new(m, "provider", bson_str_json(doc, "provider", NULL));
    json_object_set_new(m, "model", bson_str_json(doc, "model", NULL));
    json_object_set_new(m, "usage", bson_usage_json(doc));
    json_object_set_new(m, "latency_ms", bson_int_json(doc, "latency_ms"));
    json_object_set_new(m, "attempt", bson_int_json(doc, "attempt"));
    json_object_set_new(m, "created_at", when[0] ? json_string(when) : json_null());
    msg_tools_checks(doc, m);
    out->msg = m;
}

static int msg_cmp(const void *a, const void *b)
{
    const struct msg_item *x = a, *y = b;

    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->rank - y->rank;
}

/* Reads the stored messages of conversation @id into @items (grown as needed). Returns 0 or
 * FC_EDEP after logging. */
static int load_messages(struct api_req *req, const char *id, struct msg_item **items, size_t *n,
                         size_t *cap)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(req->mongo, req->mongo_db, "messages");
    bson_t *filter = BCON_NEW("conversation_id", BCON_UTF8(id), "user_id", BCON_UTF8(req->user_id));
    bson_t *opts = BCON_NEW("limit", BCON_INT64(MESSAGES_MAX));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    int rc = 0;

    while (mongoc_cursor_next(cur, &doc)) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            *items = xrealloc(*items, *cap * sizeof(**items));
        }
        msg_from_bson(doc, &(*items)[(*n)++]);
    }
    if (mongoc_cursor_error(cur, &err)) {
        log_emit(LOG_ERROR, req->request_id, NULL, NULL, "mongo messages: %s", err.message);
        rc = FC_EDEP;
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(opts);
    bson_destroy(filter);
    mongoc_collection_destroy(coll);
    return rc;
}

/* The item of message @id in @items, or NULL. */
static const struct msg_item *find_message(const struct msg_item *items, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(json_string_value(json_object_get(items[i].msg, "id")), id) == 0)
            return &items[i];
    return NULL;
}

static const char *message_status_of(const char *request_status)
{
    if (strcmp(request_status, "queued") == 0)
        return "pending";
    return request_status; /* streaming, error, canceled */
}

/* Adds an assistant placeholder for every unfinished or failed request of conversation @id
 * whose answer the worker has not stored (yet), so a client reloading mid-answer sees the
 * pending message and can resume its stream. The placeholder sorts after its question even
 * when the gateway that stored the question (its clock) was ahead of PostgreSQL's (the
 * request row's). Returns 0 or the negative code of sql.h. */
static int add_pending(struct api_req *req, const char *id, struct msg_item **items, size_t *n,
                       size_t *cap)
{
    const char *v[] = {id, req->user_id};
    PGresult *res;
    int rc = sql_query(req->pg,
                       "SELECT reply_message_id::text, id::text, status, provider, model, attempt, "
                       "(extract(epoch FROM created_at) * 1000)::bigint, message_id::text "
                       "FROM chat_requests "
                       "WHERE conversation_id=$1::uuid AND user_id=$2::uuid AND status <> "
                       "'complete' AND coalesce(error_code, '') <> 'not_sent' ORDER BY created_at",
                       2, v, &res);

    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(res); i++) {
        const struct msg_item *question;
        struct msg_item it;
        char when[32];

        if (find_message(*items, *n, PQgetvalue(res, i, 0)))
            continue;
        it.at_ms = strtoll(PQgetvalue(res, i, 6), NULL, 10);
        question = find_message(*items, *n, PQgetvalue(res, i, 7));
        if (question && question->at_ms > it.at_ms)
            it.at_ms = question->at_ms;
        it.rank = 1;
        clock_rfc3339(it.at_ms, when, sizeof(when));
        it.msg =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:n, s:n, s:i, s:s}", "id",
                      PQgetvalue(res, i, 0), "conversation_id", id, "role", "assistant", "text", "",
                      "status", message_status_of(PQgetvalue(res, i, 2)), "request_id",
                      PQgetvalue(res, i, 1), "provider", str_or_null(cell(res, i, 3)), "model",
                      str_or_null(cell(res, i, 4)), "usage", "latency_ms", "attempt",
                      (int)strtol(PQgetvalue(res, i, 5), NULL, 10), "created_at", when);
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            *items = xrealloc(*items, *cap * sizeof(**items));
        }
        (*items)[(*n)++] = it;
    }
    PQclear(res);
    return 0;
}

/* The messages of a conversation, oldest first: all of them (up to MESSAGES_MAX) unless
 * ?limit= asks for pages. A cursor is the position of the next message in that order, bound
 * to the conversation; messages are only ever added after the others, so a later page holds
 * what came since. */
static int messages_list(struct api_req *req, struct api_resp *resp)
{
    struct msg_item *items = NULL;
    size_t n = 0, cap = 0, start = 0, end;
    const char *cur = api_query(req, "cursor");
    struct cursor after;
    char id[37], next[CURSOR_MAX + 1];
    int64_t limit;
    json_t *arr;
    int rc;

    rc = conv_param(req, resp, id);
    if (rc)
        return rc;
    rc = api_query_int(req, resp, "limit", MESSAGES_MAX, 1, LIST_MAX, &limit);
    if (rc)
        return rc;
    if (cur && *cur) {
        if (cursor_decode(cur, MSG_CURSOR_SORT, &after) != 0 || strcmp(after.id, id) != 0 ||
            after.key < 0 || after.key > MESSAGES_MAX)
            return api_error(resp, 400, "invalid_field", "cursor is malformed");
        start = (size_t)after.key;
    }
    rc = load_messages(req, id, &items, &n, &cap);
    if (rc) {
        rc = api_error(resp, 503, "dependency_down", "the message store is unavailable");
        goto out_free;
    }
    rc = add_pending(req, id, &items, &n, &cap);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out_free;
    }
    qsort(items, n, sizeof(*items), msg_cmp);
    arr = json_array();
    end = start + (size_t)limit < n ? start + (size_t)limit : n;
    for (size_t i = start; i < end; i++)
        json_array_append(arr, items[i].msg);
    if (end < n)
        cursor_encode(MSG_CURSOR_SORT, (int64_t)end, id, next, sizeof(next));
    rc = api_json(resp, 200,
                  json_pack("{s:o,s:s?}", "items", arr, "next_cursor", end < n ? next : NULL));
out_free:
    for (size_t i = 0; i < n; i++)
        json_decref(items[i].msg);
    free(items);
    return rc;
}

/* ---- accepting a question ---- */

int chat_prepare_text(struct api_req *req, struct api_resp *resp, const char *field,
                      const char *text, size_t len, char **out)
{
    const char *rule = NULL;
    char *clean;
    size_t n = 0;

    *out = NULL;
    clean = screen_clean(text, len, &n);
    if (n == 0) {
        free(clean);
        return api_error(resp, 400, "invalid_field", "%s must not be empty", field);
    }
    if (n > CHAT_TEXT_MAX) {
        free(clean);
        return api_error(resp, 400, "invalid_field", "%s must be at most %d characters (got %zu)",
                         field, CHAT_TEXT_MAX, n);
    }
    if (screen_text(clean, &rule) != 0) {
        char len_s[24];
        const char *v[] = {req->user_id, req->ip[0] ? req->ip : NULL, rule, len_s, req->request_id};
        char extra[160];
        unsigned pos = 0;

        snprintf(len_s, sizeof(len_s), "%zu", n);
        (void)sql_exec(req->pg,
                       "INSERT INTO audit_log (user_id, ip, action, detail) VALUES ($1::uuid, $2, "
                       "'prompt_rejected', jsonb_build_object('rule', $3::text, 'length', $4::int, "
                       "'request_id', $5::text))",
                       5, v, NULL);
        memcpy(extra, ",\"rule\":\"", 9);
        pos = 9;
        log_json_escape(extra, sizeof(extra) - 2, &pos, rule);
        extra[pos++] = '"';
        extra[pos] = '\0';
        log_emit(LOG_WARN, req->request_id, NULL, extra, "chat prompt rejected");
        free(clean);
        return api_error(resp, 422, "prompt_rejected",
                         "the message looks like an attempt to change the assistant's "
                         "instructions (%s); please rephrase your question",
                         rule);
    }
    *out = clean;
    return 0;
}

/* Stores the user message document. 0, or FC_EDEP after logging. */
static int store_user_message(struct api_req *req, const char *conv_id, const char *msg_id,
                              const char *request_id, const char *text, int64_t at_ms)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(req->mongo, req->mongo_db, "messages");
    bson_t *doc = chat_user_message_doc(msg_id, conv_id, req->user_id, request_id, text, at_ms);
    bson_error_t err;
    int rc = 0;

    if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &err)) {
        log_emit(LOG_ERROR, req->request_id, NULL, NULL, "mongo insert message: %s", err.message);
        rc = FC_EDEP;
    }
    bson_destroy(doc);
    mongoc_collection_destroy(coll);
    return rc;
}

/* Removes the user message stored for a question that was not accepted after all. */
static void drop_user_message(struct api_req *req, const char *msg_id)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(req->mongo, req->mongo_db, "messages");
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(msg_id), "user_id", BCON_UTF8(req->user_id));
    bson_error_t err;

    if (!mongoc_collection_delete_one(coll, sel, NULL, NULL, &err))
        log_emit(LOG_WARN, req->request_id, NULL, NULL, "mongo delete message: %s", err.message);
    bson_destroy(sel);
    mongoc_collection_destroy(coll);
}

#define OPEN_SQL                                                                                   \
    "SELECT * FROM chat_request_open_once($1::int, $2::uuid, $3::uuid, $4::uuid, $5::uuid, "       \
    "$6::uuid, $7::int, $8::bigint, $9, $10::int, $11::bigint, $12, $13::bigint)"

/* Checks the conversation, the chat rate and the token budget, and records the request row
 * and the conversation's new state: one round trip to chat_request_open_once() (migrations
 * 005, 006, 011, 012), which does it all in one transaction so concurrent posts count each
 * other, and refuses (409) a question whose answer is still being written (a regenerate sent
 * twice). In two halves: record_send() sends the call and returns at once (chat_post()
 * stores the user message meanwhile), record_result() reads the outcome. On success
 * *@version is the user's data_version (-1 when the database did not say), *@stale whether
 * the context document is of an earlier day and *@built whether the user has one at all
 * (true when the database did not say, so that the worker reads it). */
static void record_send(struct api_req *req, const char *conv_id, const char *text,
                        const struct chat_posted *p, const char *reply_id)
{
    const struct fc_config *cfg = req->cfg;
    char lock[16], part[16], off[24], rate[16], budget[24], deadline[24];
    const char *v[] = {
        lock,          p->request_id, req->user_id, conv_id,
        p->message_id, reply_id,      part,         p->first_offset >= 0 ? off : NULL,
        text,          rate,          budget,       DEFAULT_TITLE,
        deadline};

    snprintf(lock, sizeof(lock), "%d", RATE_LOCK_CLASS);
    snprintf(part, sizeof(part), "%d", (int)p->partition);
    snprintf(off, sizeof(off), "%lld", (long long)p->first_offset);
    snprintf(rate, sizeof(rate), "%d", cfg->chat_rate_limit);
    snprintf(budget, sizeof(budget), "%d", cfg->daily_token_budget);
    snprintf(deadline, sizeof(deadline), "%lld", (long long)cfg->deadline_ms);
    sql_send(req->pg, OPEN_SQL, 13, v);
}

static int record_result(struct api_req *req, struct api_resp *resp, int64_t *version, bool *stale,
                         bool *built)
{
    const struct fc_config *cfg = req->cfg;
    PGresult *res;
    const char *outcome;
    long long retry;
    int rc;

    rc = sql_receive(req->pg, OPEN_SQL, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1) {
        /* The function always returns one row: anything else is an internal error. */
        PQclear(res);
        return api_pg_fail(req, resp, FC_EIO);
    }
    outcome = PQgetvalue(res, 0, 0);
    retry = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    *version =
        PQnfields(res) > 3 && cell(res, 0, 3) ? strtoll(PQgetvalue(res, 0, 3), NULL, 10) : -1;
    *stale = PQnfields(res) > 4 && cell(res, 0, 4) && strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    *built = PQnfields(res) <= 5 || !cell(res, 0, 5) || strcmp(PQgetvalue(res, 0, 5), "t") == 0;
    if (strcmp(outcome, "ok") == 0) {
        PQclear(res);
        return 0;
    }
    if (strcmp(outcome, "not_found") == 0) {
        PQclear(res);
        return api_error(resp, 404, "not_found", "no such conversation");
    }
    if (strcmp(outcome, "busy") == 0) {
        PQclear(res);
        return api_error(resp, 409, "conflict",
                         "an answer to this question is still being written; cancel it or wait "
                         "for it to finish");
    }
    set_retry_after(resp, retry);
    if (strcmp(outcome, "rate_limited") == 0) {
        PQclear(res);
        return api_error(resp, 429, "rate_limited",
                         "at most %d chat messages per minute; retry in %lld s",
                         cfg->chat_rate_limit, retry < 1 ? 1 : retry);
    }
    PQclear(res);
    return api_error(resp, 429, "budget_exceeded",
                     "today's budget of %d tokens is used up; it renews at 00:00 UTC",
                     cfg->daily_token_budget);
}

/* Marks a request Kafka never took, and ends its live stream so readers and the sweep let
 * go of it. */
static void abandon_request(struct api_req *req, struct gateway *gw, const char *request_id)
{
    const char *v[] = {request_id};
    struct chat_chunk c = {
        .request_id = (char *)request_id,
        .attempt = 1,
        .seq = CHUNK_SEQ_BASE,
        .type = CHUNK_ERROR,
        .data_json = (char *)"{\"code\":\"dependency_down\",\"message\":\"the request could "
                             "not be queued\"}",
    };

    (void)sql_exec(req->pg,
                   "UPDATE chat_requests SET status='error', error_code='not_sent', "
                   "completed_at=now() WHERE id=$1::uuid",
                   1, v, NULL);
    hub_publish(gw->hub, &c);
}

int chat_post(struct api_req *req, struct api_resp *resp, const char *conversation_id,
              const char *text, const struct chat_post_opts *opts, struct chat_posted *out)
{
    static const struct chat_post_opts plain = {0};
    struct gateway *gw = gateway_of(req);
    struct chat_request r;
    const char *regenerate_of;
    char reply_id[37], tp[64];
    int64_t version = -1, t_ns = clock_mono_ns();
    bool stale = false, built = true, keep_message;
    int rc, stored = -1;

    if (req->started_ns > 0) {
        metrics_stage(MS_POOL_WAIT, (req->started_ns - req->received_ns) / 1000);
        metrics_stage(MS_PREPARE, (t_ns - req->started_ns) / 1000);
    }
    if (!opts)
        opts = &plain;
    regenerate_of = opts->regenerate_of;
    memset(out, 0, sizeof(*out));
    if (!gw || !gw->bus || !gw->hub)
        return api_error(resp, 503, "dependency_down", "chat is not available");
    uuid_generate(out->request_id);
    uuid_generate(reply_id);
    if (regenerate_of)
        snprintf(out->message_id, sizeof(out->message_id), "%s", regenerate_of);
    else
        uuid_generate(out->message_id);
    if (chatbus_reply_partition(gw->bus, &out->partition, &out->first_offset) != 0)
        return api_error(resp, 503, "dependency_down", "the message bus is not ready");
    /* The user message is stored before Kafka takes the request, so no worker answers a
     * question whose message could not be kept, and while PostgreSQL opens the request:
     * the two round trips overlap. A request PostgreSQL refuses has its message removed
     * again; one whose message could not be stored is marked as not sent (the row stays, as
     * an error) and answered 503. A request that carries the client's own turns (the facade)
     * leaves the message to the worker, which stores it with the claim of the answer in one
     * round trip before any of the answer goes out (store_claim_reply()); a regenerate's is
     * stored already. */
    keep_message = !regenerate_of && !opts->client_history;
    t_ns = clock_mono_ns();
    record_send(req, conversation_id, text, out, reply_id);
    if (keep_message) {
        int64_t m_ns = clock_mono_ns();

        stored = store_user_message(req, conversation_id, out->message_id, out->request_id, text,
                                    clock_wall_ms());
        if (stored == 0)
            metrics_stage_since(MS_MESSAGE, m_ns);
    }
    rc = record_result(req, resp, &version, &stale, &built);
    if (rc) {
        if (keep_message && stored == 0)
            drop_user_message(req, out->message_id);
        return rc;
    }
    metrics_stage_since(MS_OPEN, t_ns);
    if (keep_message && stored != 0) {
        abandon_request(req, gw, out->request_id);
        return api_error(resp, 503, "dependency_down", "the message store is unavailable");
    }
    /* A context document of an earlier day has "this month", the forecast and the recent
     * days as of then: rebuilt once a day, on the first question, under a new version so
     * workers drop the one they cached (a failed rebuild is logged; the older one answers). */
    if (stale) {
        int64_t v = finance_changed(req);

        if (v >= 0)
            version = v;
    } else if (!built) {
        version = CHATBUS_CONTEXT_NONE; /* no data yet: the worker has nothing to read */
    }
    hub_open(gw->hub, out->request_id);
    memset(&r, 0, sizeof(r));
    r.request_id = out->request_id;
    r.user_id = req->user_id;
    r.conversation_id = (char *)conversation_id;
    r.message_id = out->message_id;
    r.reply_message_id = reply_id;
    r.text = (char *)text;
    r.max_tokens = opts->max_tokens > 0 ? opts->max_tokens : MAX_TOKENS;
    r.regenerate = regenerate_of != NULL;
    r.reply_partition = out->partition;
    r.created_ms = clock_wall_ms();
    r.deadline_ms = r.created_ms + req->cfg->deadline_ms;
    r.attempt = 1;
    r.client_history = opts->client_history;
    r.history = (struct chat_turn *)opts->history;
    r.nhistory = opts->nhistory;
    /* The worker's tool calls for this request act as this user until shortly after the
     * deadline (tool_token.h); without a token the worker offers no tools. */
    r.tool_token = tool_token_mint(req->cfg, req->user_id, out->request_id, r.deadline_ms,
                                   (time_t)(r.created_ms / 1000));
    trace_child(req->traceparent, tp, sizeof(tp), NULL);
    t_ns = clock_mono_ns();
    rc = chatbus_send_request(gw->bus, &r, tp, version);
    if (rc == 0)
        metrics_stage_since(MS_PUBLISH, t_ns);
    free(r.tool_token);
    if (rc != 0) {
        abandon_request(req, gw, out->request_id);
        if (keep_message)
            drop_user_message(req, out->message_id);
        return api_error(resp, 503, "dependency_down", "the message bus did not take the request");
    }
    log_emit(LOG_INFO, req->request_id, NULL, NULL, "chat request %s queued on partition %d",
             out->request_id, (int)out->partition);
    return 0;
}

/* The 202 answer to an accepted question. */
static int accepted(struct api_resp *resp, const struct chat_posted *p)
{
    char url[sizeof(STREAM_URL) + 40];

    snprintf(url, sizeof(url), STREAM_URL "%s", p->request_id);
    return api_json(resp, 202,
                    json_pack("{s:s, s:s, s:s}", "request_id", p->request_id, "message_id",
                              p->message_id, "stream_url", url));
}

static int messages_post(struct api_req *req, struct api_resp *resp)
{
    struct chat_posted p;
    char id[37], *text = NULL;
    json_t *t;
    int rc;

    rc = id_and_body(req, resp, id);
    if (rc)
        return rc;
    t = json_object_get(req->body, "text");
    if (!json_is_string(t))
        return api_error(resp, 400, "invalid_field", "text is required and must be a string");
    rc = chat_prepare_text(req, resp, "text", json_string_value(t), json_string_length(t), &text);
    if (rc)
        return rc;
    rc = chat_post(req, resp, id, text, NULL, &p);
    free(text);
    if (rc)
        return rc;
    return accepted(resp, &p);
}

/* Finds the last user message of conversation @id: its id into @msg_id and its text (caller
 * frees) into *@text. 0, FC_ENOTFOUND when there is none, FC_EDEP on a store failure. */
static int last_user_message(struct api_req *req, const char *id, char msg_id[40], char **text)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(req->mongo, req->mongo_db, "messages");
    bson_t *filter = BCON_NEW("conversation_id", BCON_UTF8(id), "user_id", BCON_UTF8(req->user_id),
                              "role", BCON_UTF8("user"));
    bson_t *opts = BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "}", "limit", BCON_INT64(1));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t err;
    bson_iter_t it;
    int rc = FC_ENOTFOUND;

    *text = NULL;
    if (mongoc_cursor_next(cur, &doc) && bson_iter_init_find(&it, doc, "_id") &&
        BSON_ITER_HOLDS_UTF8(&it) && uuid_normalize(bson_iter_utf8(&it, NULL), msg_id) &&
        bson_iter_init_find(&it, doc, "text") && BSON_ITER_HOLDS_UTF8(&it)) {
        *text = xstrdup(bson_iter_utf8(&it, NULL));
        rc = 0;
    }
    if (mongoc_cursor_error(cur, &err)) {
        log_emit(LOG_ERROR, req->request_id, NULL, NULL, "mongo last message: %s", err.message);
        free(*text);
        *text = NULL;
        rc = FC_EDEP;
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(opts);
    bson_destroy(filter);
    mongoc_collection_destroy(coll);
    return rc;
}

static int regenerate(struct api_req *req, struct api_resp *resp)
{
    struct chat_posted p;
    char id[37], msg_id[40], *text = NULL;
    int rc;

    rc = conv_param(req, resp, id);
    if (rc)
        return rc;
    rc = last_user_message(req, id, msg_id, &text);
    if (rc == FC_ENOTFOUND)
        return api_error(resp, 409, "conflict", "the conversation has no question to answer");
    if (rc)
        return api_error(resp, 503, "dependency_down", "the message store is unavailable");
    rc = chat_post(req, resp, id, text, &(struct chat_post_opts){.regenerate_of = msg_id}, &p);
    free(text);
    if (rc)
        return rc;
    return accepted(resp, &p);
}

/* ---- streams ---- */

/* Looks request @id up for the caller: partition and first offset. 404 when it does not
 * exist, is another user's, never reached Kafka, or its conversation was deleted. */
static int request_lookup(struct api_req *req, struct api_resp *resp, char id[37],
                          int32_t *partition, int64_t *first_offset, char status[16])
{
    PGresult *res;
    int rc;

    rc = param_uuid(req, resp, 0, "stream", id);
    if (rc)
        return rc;
    {
        const char *v[] = {id};

        rc = sql_query(req->pg,
                       "SELECT user_id::text, reply_partition, first_offset, status, "
                       "coalesce(error_code, '') FROM chat_requests "
                       "WHERE id=$1::uuid AND NOT conversation_deleted",
                       1, v, &res);
    }
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), req->user_id) != 0 ||
        strcmp(PQgetvalue(res, 0, 4), "not_sent") == 0) {
        PQclear(res);
        return api_error(resp, 404, "not_found", "no such stream");
    }
    *partition = (int32_t)strtol(PQgetvalue(res, 0, 1), NULL, 10);
    *first_offset = cell(res, 0, 2) ? strtoll(PQgetvalue(res, 0, 2), NULL, 10) : -1;
    snprintf(status, 16, "%s", PQgetvalue(res, 0, 3));
    PQclear(res);
    return 0;
}

/* The resume point: the Last-Event-ID header, else ?last_event_id=; -1 when neither. */
static int resume_point(struct api_req *req, struct api_resp *resp, int64_t *after)
{
    const char *v = req->last_event_id && *req->last_event_id ? req->last_event_id
                                                              : api_query(req, "last_event_id");

    *after = -1;
    if (!v || !*v)
        return 0;
    *after = sse_parse_last_event_id(v);
    if (*after < 0)
        return api_error(resp, 400, "invalid_field",
                         "Last-Event-ID must be a non-negative integer");
    return 0;
}

static int stream_get(struct api_req *req, struct api_resp *resp)
{
    struct hub_stream_req *sr;
    char id[37], status[16];
    int32_t partition;
    int64_t first_offset, after;
    int rc;

    rc = request_lookup(req, resp, id, &partition, &first_offset, status);
    if (rc)
        return rc;
    rc = resume_point(req, resp, &after);
    if (rc)
        return rc;
    sr = xcalloc(1, sizeof(*sr));
    snprintf(sr->request_id, sizeof(sr->request_id), "%s", id);
    sr->partition = partition;
    sr->first_offset = first_offset;
    sr->after_seq = after;
    sr->format = NULL; /* finchat's SSE */
    sr->created_s = clock_wall_ms() / 1000;
    resp->stream = sr;
    resp->status = 200;
    return 0;
}

static int stream_cancel(struct api_req *req, struct api_resp *resp)
{
    struct gateway *gw = gateway_of(req);
    char id[37], status[16], tp[64];
    int32_t partition;
    int64_t first_offset;
    bool in_flight;
    int rc;

    rc = request_lookup(req, resp, id, &partition, &first_offset, status);
    if (rc)
        return rc;
    in_flight = strcmp(status, "queued") == 0 || strcmp(status, "streaming") == 0;
    if (!in_flight)
        return api_json(resp, 202, json_pack("{s:b}", "canceled", 0));
    if (!gw || !gw->bus)
        return api_error(resp, 503, "dependency_down", "chat is not available");
    trace_child(req->traceparent, tp, sizeof(tp), NULL);
    if (chatbus_send_cancel(gw->bus, id, tp) != 0)
        return api_error(resp, 503, "dependency_down", "the message bus did not take the cancel");
    {
        const char *v[] = {id};

        rc = sql_exec(req->pg,
                      "UPDATE chat_requests SET status='canceled', error_code='canceled', "
                      "completed_at=now() WHERE id=$1::uuid AND status IN ('queued','streaming')",
                      1, v, NULL);
    }
    if (rc)
        return api_pg_fail(req, resp, rc);
    return api_json(resp, 202, json_pack("{s:b}", "canceled", 1));
}

const struct api_route chat_routes[] = {
    {"POST", "/api/v1/conversations", conversations_create, 0},
    {"GET", "/api/v1/conversations", conversations_list, 0},
    {"PATCH", "/api/v1/conversations/{id}", conversations_rename, 0},
    {"DELETE", "/api/v1/conversations/{id}", conversations_delete, 0},
    {"GET", "/api/v1/conversations/{id}/messages", messages_list, 0},
    {"POST", "/api/v1/conversations/{id}/messages", messages_post, 0},
    {"POST", "/api/v1/conversations/{id}/regenerate", regenerate, 0},
    {"GET", "/api/v1/streams/{request_id}", stream_get, 0},
    {"POST", "/api/v1/streams/{request_id}/cancel", stream_cancel, 0},
    {NULL, NULL, NULL, 0},
};
