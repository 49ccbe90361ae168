/* facade.c - POST /v1/chat/completions on top of the chat pipeline, and the OpenAI formats
 * its answers stream in (see facade.h). */
#include "api-gateway/chat/facade.h"

#include "clock.h"
#include "err.h"
#include "hash.h"
#include "utf8.h"
#include "strbuf.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/chat/chat.h"
#include "api-gateway/chat/hub.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/http/sse.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGES_MAX 512
#define MODEL_MAX 63 /* bytes; hub_stream_req.model holds 64 */
/* Bytes of one earlier turn forwarded, so never more than CHAT_TEXT_MAX code points. */
#define TURN_BYTES_MAX 4000

/* ---- the OpenAI formats of an answer (struct hub_format) ---- */

/* A reader's state: what every chunk echoes, and for the JSON document the answer so far. */
struct openai {
    char id[64]; /* "chatcmpl-<request id>" */
    char model[64];
    int64_t created_s;
    bool stream, started;
    struct strbuf text; /* the JSON document's answer so far */
};

static void *openai_new(const struct hub_stream_req *sr)
{
    struct openai *o = xcalloc(1, sizeof(*o));

    strbuf_init(&o->text, 0);
    snprintf(o->id, sizeof(o->id), "chatcmpl-%s", sr->request_id);
    snprintf(o->model, sizeof(o->model), "%s", sr->model[0] ? sr->model : FACADE_DEFAULT_MODEL);
    o->created_s = sr->created_s;
    o->stream = !sr->format->whole;
    return o;
}

static void openai_free(void *st)
{
    struct openai *o = st;

    if (o)
        strbuf_release(&o->text);
    free(o);
}

/* Appends `data: @txt` and, when @done, `data: [DONE]`. */
static void sse_data(struct strbuf *out, const char *txt, bool done)
{
    sse_append_event(out, -1, NULL, txt, strlen(txt));
    if (done)
        sse_append_event(out, -1, NULL, "[DONE]", 6);
}

/* Replaces the buffer's content with @txt: the whole document. */
static void doc_set(struct strbuf *out, const char *txt)
{
    strbuf_reset(out);
    strbuf_addstr(out, txt);
}

/* Appends one chat.completion.chunk with @delta (taken over) and @usage (borrowed). */
static void chunk_out(struct openai *o, json_t *delta, const char *finish, json_t *usage,
                      struct strbuf *out)
{
    json_t *c = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:o}]}", "id", o->id, "object",
                          "chat.completion.chunk", "created", (json_int_t)o->created_s, "model",
                          o->model, "choices", "index", 0, "delta", delta, "finish_reason",
                          finish ? json_string(finish) : json_null());
    char *txt;

    if (usage)
        json_object_set(c, "usage", usage);
    txt = json_dumps(c, JSON_COMPACT);
    sse_data(out, txt, finish != NULL);
    free(txt);
    json_decref(c);
}

static void token_out(struct openai *o, const char *t, struct strbuf *out)
{
    size_t n = strlen(t);

    if (o->stream) {
        chunk_out(o, json_pack("{s:s}", "content", t), NULL, NULL, out);
        return;
    }
    strbuf_add(&o->text, t, n);
}

static void final_out(struct openai *o, json_t *data, struct strbuf *out)
{
    json_t *u = json_object_get(data, "usage");
    json_int_t pt = json_integer_value(json_object_get(u, "prompt_tokens"));
    json_int_t ct = json_integer_value(json_object_get(u, "completion_tokens"));
    json_t *usage = json_pack("{s:I,s:I,s:I}", "prompt_tokens", pt, "completion_tokens", ct,
                              "total_tokens", pt + ct);
    json_t *doc;
    char *txt;

    if (o->stream) {
        chunk_out(o, json_object(), "stop", usage, out);
        json_decref(usage);
        return;
    }
    doc = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%},s:s}],s:o}", "id", o->id, "object",
                    "chat.completion", "created", (json_int_t)o->created_s, "model", o->model,
                    "choices", "index", 0, "message", "role", "assistant", "content",
                    o->text.len ? o->text.buf : "", o->text.len, "finish_reason", "stop", "usage",
                    usage);
    txt = json_dumps(doc, JSON_COMPACT);
    doc_set(out, txt);
    free(txt);
    json_decref(doc);
}

static void error_out(struct openai *o, json_t *data, struct strbuf *out)
{
    const char *msg = json_string_value(json_object_get(data, "message"));
    const char *code = json_string_value(json_object_get(data, "code"));
    json_t *e = json_pack("{s:{s:s,s:s,s:s}}", "error", "message", msg ? msg : "failed", "type",
                          "server_error", "code", code ? code : "error");
    char *txt = json_dumps(e, JSON_COMPACT);

    if (o->stream)
        sse_data(out, txt, true);
    else
        doc_set(out, txt);
    free(txt);
    json_decref(e);
}

static void openai_render(void *st, const struct hub_event *ev, struct strbuf *out)
{
    struct openai *o = st;
    json_t *data = json_loadb(ev->data, ev->data_len, 0, NULL);
    const char *t = json_string_value(json_object_get(data, "text"));

    switch (ev->type) {
    case CHUNK_START:
        if (o->stream && !o->started)
            chunk_out(o, json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL, NULL,
                      out);
        o->started = true;
        break;
    case CHUNK_TOKEN:
        if (t)
            token_out(o, t, out);
        break;
    case CHUNK_RESET:
        strbuf_reset(&o->text);
        break;
    case CHUNK_FINAL:
        final_out(o, data, out);
        break;
    case CHUNK_ERROR:
        error_out(o, data, out);
        break;
    case CHUNK_TOOL:
        break; /* the OpenAI chat formats have no place for the assistant's own lookups */
    }
    json_decref(data);
}

/* stream: true, chat.completion.chunk events and `data: [DONE]`. */
static const struct hub_format openai_sse = {false, openai_new, openai_free, openai_render};
/* One chat.completion document. */
static const struct hub_format openai_json = {true, openai_new, openai_free, openai_render};

const struct hub_format *facade_format(bool stream)
{
    return stream ? &openai_sse : &openai_json;
}

/* ---- the handler ---- */

/* Reads message content: a string, or an array of parts of which the "text" ones are joined
 * with newlines. Returns a new string (caller frees), or NULL when @content is neither or
 * holds a part that is not text. */
static char *content_text(json_t *content)
{
    size_t i, len = 0, o = 0;
    json_t *part;
    char *out;

    if (json_is_string(content))
        return xstrndup(json_string_value(content), json_string_length(content));
    if (!json_is_array(content))
        return NULL;
    json_array_foreach(content, i, part)
    {
        json_t *t = json_object_get(part, "text");

        if (!json_is_string(json_object_get(part, "type")) ||
            strcmp(json_string_value(json_object_get(part, "type")), "text") != 0 ||
            !json_is_string(t))
            return NULL;
        len += json_string_length(t) + 1;
    }
    out = xmalloc(len + 1);
    json_array_foreach(content, i, part)
    {
        json_t *t = json_object_get(part, "text");

        if (o > 0)
            out[o++] = '\n';
        memcpy(out + o, json_string_value(t), json_string_length(t));
        o += json_string_length(t);
    }
    out[o] = '\0';
    return out;
}

static bool known_role(const char *r)
{
    static const char *const roles[] = {"system",    "developer", "user",
                                        "assistant", "tool",      "function"};

    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(r, roles[i]) == 0)
            return true;
    return false;
}

/* Validates body.messages and returns the content of its last user message (caller frees),
 * with its index in *@at, or fills @resp and returns NULL. */
static char *last_user_content(struct api_resp *resp, json_t *messages, size_t *at)
{
    json_t *m, *last = NULL;
    size_t i;
    char *text;

    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        api_error(resp, 400, "invalid_field", "messages must be a non-empty array");
        return NULL;
    }
    if (json_array_size(messages) > MESSAGES_MAX) {
        api_error(resp, 400, "invalid_field", "messages holds more than %d entries", MESSAGES_MAX);
        return NULL;
    }
    json_array_foreach(messages, i, m)
    {
        json_t *role = json_object_get(m, "role");

        if (!json_is_object(m) || !json_is_string(role) || !known_role(json_string_value(role))) {
            api_error(resp, 400, "invalid_field",
                      "messages[%zu].role must be system, developer, user, assistant or tool", i);
            return NULL;
        }
        if (strcmp(json_string_value(role), "user") == 0) {
            last = m;
            *at = i;
        }
    }
    if (!last) {
        api_error(resp, 400, "invalid_field", "messages must contain a user message");
        return NULL;
    }
    text = content_text(json_object_get(last, "content"));
    if (!text)
        api_error(resp, 400, "invalid_field",
                  "the user message's content must be a string or an array of text parts");
    return text;
}

/* The earlier turns of a request: the user and assistant messages before index @end of
 * @messages with text content (system, developer and tool messages are not forwarded: user
 * content never reaches the system role), each cleaned and screened like the question, the
 * newest kept within CHAT_HISTORY_MAX turns and CHAT_HISTORY_BYTES; a turn is cut at a
 * character boundary to TURN_BYTES_MAX, and the oldest one kept to what is left of the
 * budget. 0 with *@out (release with turns_free()) and *@n, or fills @resp and returns the
 * negative code. */
static int client_turns(struct api_req *req, struct api_resp *resp, json_t *messages, size_t end,
                        struct chat_turn **out, int *n)
{
    struct chat_turn *t = xcalloc(CHAT_HISTORY_MAX, sizeof(*t));
    size_t budget = CHAT_HISTORY_BYTES;
    int k = 0, rc = 0;

    /* Newest first into @t, then reversed. */
    for (size_t i = end; i-- > 0 && k < CHAT_HISTORY_MAX && budget > 0;) {
        json_t *m = json_array_get(messages, i);
        const char *role = json_string_value(json_object_get(m, "role"));
        char *raw, *clean = NULL;
        size_t len;

        if (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)
            continue;
        raw = content_text(json_object_get(m, "content"));
        if (!raw || raw[strspn(raw, " \t\r\n")] == '\0') {
            free(raw);
            continue; /* no text to forward (an assistant turn of tool calls) */
        }
        /* A long earlier answer: its start is what is kept. */
        len = utf8_cut(raw, strlen(raw), TURN_BYTES_MAX);
        rc = chat_prepare_text(req, resp, "messages[].content", raw, len, &clean);
        free(raw);
        if (rc)
            break;
        len = utf8_cut(clean, strlen(clean), budget);
        budget = clean[len] ? 0 : budget - len; /* a turn that was cut is the oldest kept */
        clean[len] = '\0';
        if (len == 0) {
            free(clean);
            break;
        }
        t[k].role = xstrdup(role);
        t[k++].text = clean;
    }
    for (int a = 0, b = k - 1; a < b; a++, b--) {
        struct chat_turn x = t[a];

        t[a] = t[b];
        t[b] = x;
    }
    *out = t;
    *n = k;
    return rc;
}

static void turns_free(struct chat_turn *t, int n)
{
    for (int i = 0; i < n; i++) {
        free(t[i].role);
        free(t[i].text);
    }
    free(t);
}

/* Reads the optional model, stream, max_tokens (or max_completion_tokens: 1..CHAT_MAX_TOKENS,
 * into *@max_tokens, 0 when absent) and n (only 1) fields. */
static int read_options(struct api_req *req, struct api_resp *resp, const char **model,
                        bool *stream, int *max_tokens)
{
    json_t *m = json_object_get(req->body, "model"), *s = json_object_get(req->body, "stream");
    json_t *mt = json_object_get(req->body, "max_completion_tokens");
    json_t *n = json_object_get(req->body, "n");

    *model = FACADE_DEFAULT_MODEL;
    *stream = false;
    *max_tokens = 0;
    if (!mt || json_is_null(mt))
        mt = json_object_get(req->body, "max_tokens");
    if (mt && !json_is_null(mt)) {
        if (!json_is_integer(mt) || json_integer_value(mt) < 1 ||
            json_integer_value(mt) > CHAT_MAX_TOKENS)
            return api_error(resp, 400, "invalid_field",
                             "max_tokens must be an integer from 1 to %d", CHAT_MAX_TOKENS);
        *max_tokens = (int)json_integer_value(mt);
    }
    if (n && !json_is_null(n) && !(json_is_integer(n) && json_integer_value(n) == 1))
        return api_error(resp, 400, "invalid_field", "n must be 1: one answer per request");
    if (m && !json_is_null(m)) {
        if (!json_is_string(m) || json_string_length(m) == 0 || json_string_length(m) > MODEL_MAX)
            return api_error(resp, 400, "invalid_field", "model must be a string of 1 to %d bytes",
                             MODEL_MAX);
        *model = json_string_value(m);
    }
    if (s && !json_is_null(s)) {
        if (!json_is_boolean(s))
            return api_error(resp, 400, "invalid_field", "stream must be a boolean");
        *stream = json_is_true(s);
    }
    return 0;
}

/* The users' API conversations, remembered by this gateway so that a call costs no query to
 * find it: one slot per hash of the user id, a newer user taking the slot over. A remembered
 * conversation that was deleted is found out by chat_post() (404: chat_request_open() sees it
 * deleted), and then looked up (or created) again. A renamed one goes on receiving the calls
 * until its slot is taken over or the gateway restarts. @locality any query thread. */
#define CONV_SLOTS 1024

static struct conv_slot {
    char user[40], conv[37];
} conv_slots[CONV_SLOTS];
static pthread_mutex_t conv_lock = PTHREAD_MUTEX_INITIALIZER;

static struct conv_slot *conv_slot_of(const char *user_id)
{
    return &conv_slots[hash_str(user_id, 0) % CONV_SLOTS];
}

static bool conv_remembered(const char *user_id, char id[37])
{
    struct conv_slot *c = conv_slot_of(user_id);
    bool hit;

    pthread_mutex_lock(&conv_lock);
    hit = strcmp(c->user, user_id) == 0;
    if (hit)
        memcpy(id, c->conv, 37);
    pthread_mutex_unlock(&conv_lock);
    return hit;
}

/* Remembers @id as @user_id's API conversation, or forgets it when @id is NULL. */
static void conv_remember(const char *user_id, const char *id)
{
    struct conv_slot *c = conv_slot_of(user_id);

    pthread_mutex_lock(&conv_lock);
    if (id) {
        snprintf(c->user, sizeof(c->user), "%s", user_id);
        snprintf(c->conv, sizeof(c->conv), "%s", id);
    } else if (strcmp(c->user, user_id) == 0) {
        c->user[0] = '\0';
    }
    pthread_mutex_unlock(&conv_lock);
}

/* Finds the user's API conversation, creating it on first use, into @id, and remembers it
 * (conv_remember()). */
static int api_conversation(struct api_req *req, struct api_resp *resp, char id[37])
{
    const char *v[] = {req->user_id, FACADE_CONVERSATION_TITLE};
    PGresult *res;
    int rc = sql_query(
        req->pg,
        "WITH found AS (SELECT id FROM conversations WHERE user_id=$1::uuid AND title=$2 AND "
        "deleted_at IS NULL ORDER BY created_at, id LIMIT 1), "
        "ins AS (INSERT INTO conversations (user_id, title) SELECT $1::uuid, $2 WHERE NOT "
        "EXISTS (SELECT 1 FROM found) RETURNING id) "
        "SELECT id::text FROM found UNION ALL SELECT id::text FROM ins",
        2, v, &res);

    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) < 1 || !uuid_normalize(PQgetvalue(res, 0, 0), id))
        rc = api_error(resp, 500, "internal", "internal error");
    else
        conv_remember(req->user_id, id);
    PQclear(res);
    return rc;
}

static int chat_completions(struct api_req *req, struct api_resp *resp)
{
    struct hub_stream_req *sr;
    struct chat_posted p;
    struct chat_turn *turns = NULL;
    struct chat_post_opts opts = {0};
    const char *model;
    char conv[37], *raw, *text = NULL;
    size_t at = 0;
    bool stream, remembered;
    int rc, nturns = 0;

    if (!json_is_object(req->body))
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    rc = read_options(req, resp, &model, &stream, &opts.max_tokens);
    if (rc)
        return rc;
    raw = last_user_content(resp, json_object_get(req->body, "messages"), &at);
    if (!raw)
        return FC_EINVAL; /* @resp already says why */
    rc = chat_prepare_text(req, resp, "messages[].content", raw, strlen(raw), &text);
    free(raw);
    if (rc)
        return rc;
    rc = client_turns(req, resp, json_object_get(req->body, "messages"), at, &turns, &nturns);
    opts.client_history = true;
    opts.history = turns;
    opts.nhistory = nturns;
    if (rc)
        goto out_free;
    remembered = conv_remembered(req->user_id, conv);
    rc = remembered ? 0 : api_conversation(req, resp, conv);
    if (rc)
        goto out_free;
    rc = chat_post(req, resp, conv, text, &opts, &p);
    if (rc == FC_ENOTFOUND && remembered) {
        /* The remembered conversation was deleted: the current one answers instead. */
        conv_remember(req->user_id, NULL);
        json_decref(resp->body);
        resp->body = NULL;
        resp->status = 0;
        rc = api_conversation(req, resp, conv);
        if (rc == 0)
            rc = chat_post(req, resp, conv, text, &opts, &p);
    }
    if (rc)
        goto out_free;
    sr = xcalloc(1, sizeof(*sr));
    memcpy(sr->request_id, p.request_id, sizeof(sr->request_id));
    sr->partition = p.partition;
    sr->first_offset = p.first_offset;
    sr->after_seq = -1;
    sr->format = facade_format(stream);
    snprintf(sr->model, sizeof(sr->model), "%s", model);
    sr->created_s = clock_wall_ms() / 1000;
    resp->stream = sr;
    resp->status = 200;
out_free:
    turns_free(turns, nturns);
    free(text);
    return rc;
}

const struct api_route facade_routes[] = {
    {"POST", "/v1/chat/completions", chat_completions, ROUTE_APIKEY},
    {NULL, NULL, NULL, 0},
};
