/* chatmsg.c - encoder/decoder of the Kafka chat messages, validating every field.
 *
 * Validation is table driven: each message shape is a list of fields (name, kind, bounds),
 * and check_object() insists on exactly those keys with exactly those types. The tables are
 * the C mirror of the JSON Schemas in proto/; the golden files in proto/golden/ keep the two in
 * step (tests/unit/common/test_chatmsg.c and tests/proto/check-golden.sh). Rules the schemas
 * cannot state are checked here too: seq must belong to its attempt, a start chunk's attempt
 * must be the chunk's, duplicate keys and NUL characters are rejected. */
#include "chatmsg.h"

#include "err.h"
#include "utf8.h"
#include "uuid.h"
#include "xmalloc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX_BYTES (64 * 1024)  /* request, chunk, control */
#define DLQ_MAX_BYTES (256 * 1024) /* a DLQ message embeds a whole request */
#define ATTEMPT_MAX 100
#define UNIX_MS_MIN 1577836800000LL /* 2020-01-01 */
#define UNIX_MS_MAX 4102444800000LL /* 2100-01-01 */
#define COUNT_MAX 2147483647LL

enum fkind {
    F_CONST,      /* string equal to .sval */
    F_UUID,       /* lower-case canonical UUID */
    F_INT,        /* integer in [min, max] */
    F_BOOL,       /* true or false */
    F_TEXT,       /* [min, max] code points, no control characters but \t \n \r */
    F_STR,        /* [min, max] code points, anything but NUL */
    F_CODE,       /* snake_case identifier, 1..64 bytes */
    F_OBJ,        /* object checked against .sub */
    F_OBJ_ANY,    /* any object */
    F_OBJ_OR_STR, /* any object, or a string of at most max bytes */
    F_ARR_ANY     /* any array of at most max items */
};

struct field {
    const char *name;
    enum fkind kind;
    long long min, max;
    const char *sval;
    const struct field *sub; /* for F_OBJ, terminated by a NULL name */
    bool opt;                /* may be missing */
};

#define END                                                                                        \
    {                                                                                              \
        NULL, F_CONST, 0, 0, NULL, NULL, false                                                     \
    }

static const struct field options_fields[] = {
    {"max_tokens", F_INT, 1, 8192, NULL, NULL, false},
    {"regenerate", F_BOOL, 0, 0, NULL, NULL, false},
    END,
};

static const struct field request_fields[] = {
    {"schema", F_CONST, 0, 0, SCHEMA_REQUEST, NULL, false},
    {"request_id", F_UUID, 0, 0, NULL, NULL, false},
    {"user_id", F_UUID, 0, 0, NULL, NULL, false},
    {"conversation_id", F_UUID, 0, 0, NULL, NULL, false},
    {"message_id", F_UUID, 0, 0, NULL, NULL, false},
    {"reply_message_id", F_UUID, 0, 0, NULL, NULL, false},
    {"text", F_TEXT, 1, CHAT_TEXT_MAX, NULL, NULL, false},
    {"options", F_OBJ, 0, 0, NULL, options_fields, false},
    {"reply_partition", F_INT, 0, 1023, NULL, NULL, false},
    {"deadline_ms", F_INT, UNIX_MS_MIN, UNIX_MS_MAX, NULL, NULL, false},
    {"attempt", F_INT, 1, ATTEMPT_MAX, NULL, NULL, false},
    {"created_ms", F_INT, UNIX_MS_MIN, UNIX_MS_MAX, NULL, NULL, false},
    {"tool_token", F_STR, 1, TOOL_TOKEN_MAX, NULL, NULL, true},
    END,
};

static const struct field turn_fields[] = {
    {"role", F_CODE, 0, 0, NULL, NULL, false},
    {"text", F_TEXT, 1, CHAT_TEXT_MAX, NULL, NULL, false},
    END,
};

static const struct field chunk_fields[] = {
    {"schema", F_CONST, 0, 0, SCHEMA_CHUNK, NULL, false},
    {"request_id", F_UUID, 0, 0, NULL, NULL, false},
    {"attempt", F_INT, 1, ATTEMPT_MAX, NULL, NULL, false},
    {"seq", F_INT, CHUNK_SEQ_BASE, ATTEMPT_MAX *CHUNK_SEQ_BASE + CHUNK_SEQ_BASE - 1, NULL, NULL,
     false},
    {"type", F_CODE, 0, 0, NULL, NULL, false},
    {"data", F_OBJ_ANY, 0, 0, NULL, NULL, false},
    END,
};

static const struct field start_fields[] = {
    {"request_id", F_UUID, 0, 0, NULL, NULL, false},
    {"attempt", F_INT, 1, ATTEMPT_MAX, NULL, NULL, false},
    {"worker", F_STR, 1, 256, NULL, NULL, false},
    {"provider", F_STR, 1, 128, NULL, NULL, false},
    {"model", F_STR, 0, 256, NULL, NULL, false},
    END,
};

static const struct field token_fields[] = {
    {"text", F_STR, 1, 16384, NULL, NULL, false},
    END,
};

static const struct field reset_fields[] = {
    {"attempt", F_INT, 1, ATTEMPT_MAX, NULL, NULL, false},
    {"reason", F_STR, 1, 512, NULL, NULL, false},
    END,
};

static const struct field usage_fields[] = {
    {"prompt_tokens", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    {"completion_tokens", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    END,
};

static const struct field timings_fields[] = {
    {"ttft_ms", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    {"total_ms", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    END,
};

static const struct field checks_fields[] = {
    {"figures", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    {"verified", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    {"unverified", F_ARR_ANY, 0, 1000, NULL, NULL, false},
    END,
};

static const struct field final_fields[] = {
    {"message_id", F_UUID, 0, 0, NULL, NULL, false},
    {"provider", F_STR, 1, 128, NULL, NULL, false},
    {"model", F_STR, 0, 256, NULL, NULL, false},
    {"usage", F_OBJ, 0, 0, NULL, usage_fields, false},
    {"timings", F_OBJ, 0, 0, NULL, timings_fields, false},
    {"text_length", F_INT, 0, COUNT_MAX, NULL, NULL, false},
    {"checks", F_OBJ, 0, 0, NULL, checks_fields, true},
    {"tools", F_ARR_ANY, 0, TOOL_CALLS_MAX, NULL, NULL, true},
    END,
};

static const struct field error_fields[] = {
    {"code", F_CODE, 0, 0, NULL, NULL, false},
    {"message", F_STR, 0, 2048, NULL, NULL, false},
    END,
};

static const struct field tool_fields[] = {
    {"id", F_STR, 1, 64, NULL, NULL, false},        {"name", F_CODE, 0, 0, NULL, NULL, false},
    {"args", F_OBJ_ANY, 0, 0, NULL, NULL, false},   {"status", F_CODE, 0, 0, NULL, NULL, false},
    {"ms", F_INT, 0, COUNT_MAX, NULL, NULL, false}, {"label", F_STR, 0, 256, NULL, NULL, true},
    {"round", F_INT, 1, 100, NULL, NULL, true},     END,
};

/* Indexed by enum chunk_type. */
static const struct field *const chunk_data_fields[] = {
    start_fields, token_fields, reset_fields, final_fields, error_fields, tool_fields,
};
static const char *const chunk_names[] = {"start", "token", "reset", "final", "error", "tool"};

static const struct field control_fields[] = {
    {"schema", F_CONST, 0, 0, SCHEMA_CONTROL, NULL, false},
    {"request_id", F_UUID, 0, 0, NULL, NULL, false},
    {"action", F_CONST, 0, 0, "cancel", NULL, false},
    END,
};

static const struct field dlq_fields[] = {
    {"schema", F_CONST, 0, 0, SCHEMA_DLQ, NULL, false},
    {"request_id", F_UUID, 0, 0, NULL, NULL, false},
    {"attempt", F_INT, 1, ATTEMPT_MAX, NULL, NULL, false},
    {"reason", F_STR, 1, 2048, NULL, NULL, false},
    {"request", F_OBJ_OR_STR, 0, 65536 * 3, NULL, NULL, false},
    END,
};

__attribute__((format(printf, 3, 4))) static int fail(char *errbuf, unsigned errlen,
                                                      const char *fmt, ...)
{
    va_list ap;

    if (errbuf && errlen) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return FC_EINVAL;
}

const char *chunk_type_name(enum chunk_type t)
{
    if ((unsigned)t >= sizeof(chunk_names) / sizeof(chunk_names[0]))
        return "unknown";
    return chunk_names[t];
}

int chunk_type_parse(const char *name, enum chunk_type *t)
{
    for (unsigned i = 0; i < sizeof(chunk_names) / sizeof(chunk_names[0]); i++) {
        if (strcmp(name, chunk_names[i]) == 0) {
            *t = (enum chunk_type)i;
            return 0;
        }
    }
    return FC_EINVAL;
}

static bool is_code(const char *s, size_t len)
{
    if (len < 1 || len > 64 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return true;
    }
    return false;
}

static int check_object(json_t *obj, const struct field *fields, const char *where, char *errbuf,
                        unsigned errlen);

static int check_value(json_t *v, const struct field *f, const char *where, char *errbuf,
                       unsigned errlen)
{
    const char *s = NULL;
    char inner[64];
    size_t len = 0;
    long long n;

    if (json_is_string(v)) {
        s = json_string_value(v);
        len = json_string_length(v);
        if (memchr(s, '\0', len))
            return fail(errbuf, errlen, "%s%s: contains NUL", where, f->name);
    }
    switch (f->kind) {
    case F_CONST:
        if (!s || strcmp(s, f->sval) != 0)
            return fail(errbuf, errlen, "%s%s: must be \"%s\"", where, f->name, f->sval);
        return 0;
    case F_UUID:
        if (!s || !uuid_canonical(s))
            return fail(errbuf, errlen, "%s%s: not a lower-case UUID", where, f->name);
        return 0;
    case F_INT:
        if (!json_is_integer(v))
            return fail(errbuf, errlen, "%s%s: not an integer", where, f->name);
        n = json_integer_value(v);
        if (n < f->min || n > f->max)
            return fail(errbuf, errlen, "%s%s: %lld outside [%lld, %lld]", where, f->name, n,
                        f->min, f->max);
        return 0;
    case F_BOOL:
        if (!json_is_boolean(v))
            return fail(errbuf, errlen, "%s%s: not a boolean", where, f->name);
        return 0;
    case F_TEXT:
    case F_STR:
        if (!s)
            return fail(errbuf, errlen, "%s%s: not a string", where, f->name);
        n = (long long)utf8_count(s, len);
        if (n < f->min || n > f->max)
            return fail(errbuf, errlen, "%s%s: %lld characters, allowed %lld..%lld", where, f->name,
                        n, f->min, f->max);
        if (f->kind == F_TEXT && has_control(s, len))
            return fail(errbuf, errlen, "%s%s: control character", where, f->name);
        return 0;
    case F_CODE:
        if (!s || !is_code(s, len))
            return fail(errbuf, errlen, "%s%s: not a snake_case code", where, f->name);
        return 0;
    case F_OBJ:
        if (!json_is_object(v))
            return fail(errbuf, errlen, "%s%s: not an object", where, f->name);
        snprintf(inner, sizeof(inner), "%s%s", where, f->name);
        return check_object(v, f->sub, inner, errbuf, errlen);
    case F_OBJ_ANY:
        if (!json_is_object(v))
            return fail(errbuf, errlen, "%s%s: not an object", where, f->name);
        return 0;
    case F_ARR_ANY:
        if (!json_is_array(v) || (long long)json_array_size(v) > f->max)
            return fail(errbuf, errlen, "%s%s: not an array of at most %lld items", where, f->name,
                        f->max);
        return 0;
    case F_OBJ_OR_STR:
        if (!json_is_object(v) && !s)
            return fail(errbuf, errlen, "%s%s: neither an object nor a string", where, f->name);
        if (s && (long long)len > f->max)
            return fail(errbuf, errlen, "%s%s: too long", where, f->name);
        return 0;
    }
    return fail(errbuf, errlen, "%s%s: unknown field kind", where, f->name);
}

/* Checks that @obj has exactly the keys of @fields, each valid. @where prefixes messages. */
static int check_object(json_t *obj, const struct field *fields, const char *where, char *errbuf,
                        unsigned errlen)
{
    char prefix[64];
    const char *key;
    json_t *v;
    size_t nfields = 0;
    int rc;

    snprintf(prefix, sizeof(prefix), "%s%s", where ? where : "", where ? "." : "");
    for (const struct field *f = fields; f->name; f++) {
        v = json_object_get(obj, f->name);
        if (!v && f->opt)
            continue;
        if (!v)
            return fail(errbuf, errlen, "%s%s: missing", prefix, f->name);
        nfields++;
        rc = check_value(v, f, prefix, errbuf, errlen);
        if (rc)
            return rc;
    }
    if (json_object_size(obj) != nfields) {
        json_object_foreach(obj, key, v)
        {
            const struct field *f = fields;

            while (f->name && strcmp(f->name, key) != 0)
                f++;
            if (!f->name)
                return fail(errbuf, errlen, "%s%.40s: unknown field", prefix, key);
        }
    }
    return 0;
}

/* Parses @buf as one JSON object, rejecting duplicate keys, NUL characters and oversize input.
 * Returns the object (caller decrefs) or NULL with @errbuf filled. */
static json_t *parse_object(const char *buf, size_t len, size_t max, char *errbuf, unsigned errlen)
{
    json_error_t jerr;
    json_t *root;

    if (!buf || len == 0) {
        fail(errbuf, errlen, "empty message");
        return NULL;
    }
    if (len > max) {
        fail(errbuf, errlen, "message of %zu bytes exceeds %zu", len, max);
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fail(errbuf, errlen, "invalid JSON at %d:%d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        fail(errbuf, errlen, "not a JSON object");
        return NULL;
    }
    return root;
}

static char *dup_str(json_t *obj, const char *key)
{
    return xstrdup(json_string_value(json_object_get(obj, key)));
}

static long long get_int(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

static char *dump_compact(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *out;

    if (!s)
        abort(); /* jansson fails here only when out of memory */
    out = xstrdup(s);
    free(s);
    return out;
}

/* Checks the optional "history" of a request (detached from it by the caller): up to
 * CHAT_HISTORY_MAX turns of role user or assistant, CHAT_HISTORY_BYTES of text at most. */
static int check_history(json_t *h, char *errbuf, unsigned errlen)
{
    size_t i, bytes = 0;
    json_t *t;
    char where[32];
    int rc;

    if (!json_is_array(h) || json_array_size(h) > CHAT_HISTORY_MAX)
        return fail(errbuf, errlen, "history: not an array of at most %d turns", CHAT_HISTORY_MAX);
    json_array_foreach(h, i, t)
    {
        const char *role;

        snprintf(where, sizeof(where), "history[%zu]", i);
        if (!json_is_object(t))
            return fail(errbuf, errlen, "%s: not an object", where);
        rc = check_object(t, turn_fields, where, errbuf, errlen);
        if (rc)
            return rc;
        role = json_string_value(json_object_get(t, "role"));
        if (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)
            return fail(errbuf, errlen, "%s.role: must be user or assistant", where);
        bytes += json_string_length(json_object_get(t, "text"));
    }
    if (bytes > CHAT_HISTORY_BYTES)
        return fail(errbuf, errlen, "history: %zu bytes of text, allowed %d", bytes,
                    CHAT_HISTORY_BYTES);
    return 0;
}

int chatmsg_decode_request(const char *buf, size_t len, struct chat_request *out, char *errbuf,
                           unsigned errlen)
{
    json_t *root = parse_object(buf, len, MSG_MAX_BYTES, errbuf, errlen);
    json_t *opts, *hist;
    int rc;

    if (!root)
        return FC_EINVAL;
    hist = json_incref(json_object_get(root, "history"));
    json_object_del(root, "history");
    rc = hist ? check_history(hist, errbuf, errlen) : 0;
    if (!rc)
        rc = check_object(root, request_fields, NULL, errbuf, errlen);
    if (rc)
        goto out_free_root;
    opts = json_object_get(root, "options");
    out->request_id = dup_str(root, "request_id");
    out->user_id = dup_str(root, "user_id");
    out->conversation_id = dup_str(root, "conversation_id");
    out->message_id = dup_str(root, "message_id");
    out->reply_message_id = dup_str(root, "reply_message_id");
    out->text = dup_str(root, "text");
    out->max_tokens = (int)get_int(opts, "max_tokens");
    out->regenerate = json_is_true(json_object_get(opts, "regenerate"));
    out->reply_partition = (int32_t)get_int(root, "reply_partition");
    out->deadline_ms = get_int(root, "deadline_ms");
    out->attempt = (int)get_int(root, "attempt");
    out->created_ms = get_int(root, "created_ms");
    out->tool_token = json_object_get(root, "tool_token") ? dup_str(root, "tool_token") : NULL;
    out->client_history = hist != NULL;
    out->nhistory = hist ? (int)json_array_size(hist) : 0;
    out->history = out->nhistory ? xcalloc((size_t)out->nhistory, sizeof(*out->history)) : NULL;
    for (int i = 0; i < out->nhistory; i++) {
        out->history[i].role = dup_str(json_array_get(hist, (size_t)i), "role");
        out->history[i].text = dup_str(json_array_get(hist, (size_t)i), "text");
    }
out_free_root:
    json_decref(hist);
    json_decref(root);
    return rc;
}

int chatmsg_decode_chunk(const char *buf, size_t len, struct chat_chunk *out, char *errbuf,
                         unsigned errlen)
{
    json_t *root = parse_object(buf, len, MSG_MAX_BYTES, errbuf, errlen);
    json_t *data;
    enum chunk_type type;
    long long attempt, seq;
    int rc;

    if (!root)
        return FC_EINVAL;
    rc = check_object(root, chunk_fields, NULL, errbuf, errlen);
    if (rc)
        goto out_free_root;
    rc = chunk_type_parse(json_string_value(json_object_get(root, "type")), &type);
    if (rc) {
        fail(errbuf, errlen, "type: unknown chunk type");
        goto out_free_root;
    }
    data = json_object_get(root, "data");
    rc = check_object(data, chunk_data_fields[type], "data", errbuf, errlen);
    if (rc)
        goto out_free_root;
    attempt = get_int(root, "attempt");
    seq = get_int(root, "seq");
    if (seq / CHUNK_SEQ_BASE != attempt) {
        rc = fail(errbuf, errlen, "seq: %lld does not belong to attempt %lld", seq, attempt);
        goto out_free_root;
    }
    if ((type == CHUNK_START || type == CHUNK_RESET) && get_int(data, "attempt") != attempt) {
        rc = fail(errbuf, errlen, "data.attempt: differs from the chunk's attempt");
        goto out_free_root;
    }
    if (type == CHUNK_START &&
        strcmp(json_string_value(json_object_get(data, "request_id")),
               json_string_value(json_object_get(root, "request_id"))) != 0) {
        rc = fail(errbuf, errlen, "data.request_id: differs from the chunk's request_id");
        goto out_free_root;
    }
    out->request_id = dup_str(root, "request_id");
    out->attempt = (int)attempt;
    out->seq = seq;
    out->type = type;
    out->data_json = dump_compact(data);
out_free_root:
    json_decref(root);
    return rc;
}

int chatmsg_decode_control(const char *buf, size_t len, struct chat_control *out, char *errbuf,
                           unsigned errlen)
{
    json_t *root = parse_object(buf, len, MSG_MAX_BYTES, errbuf, errlen);
    int rc;

    if (!root)
        return FC_EINVAL;
    rc = check_object(root, control_fields, NULL, errbuf, errlen);
    if (rc)
        goto out_free_root;
    out->request_id = dup_str(root, "request_id");
    out->action = dup_str(root, "action");
out_free_root:
    json_decref(root);
    return rc;
}

int chatmsg_decode_dlq(const char *buf, size_t len, struct chat_dlq *out, char *errbuf,
                       unsigned errlen)
{
    json_t *root = parse_object(buf, len, DLQ_MAX_BYTES, errbuf, errlen);
    int rc;

    if (!root)
        return FC_EINVAL;
    rc = check_object(root, dlq_fields, NULL, errbuf, errlen);
    if (rc)
        goto out_free_root;
    out->request_id = dup_str(root, "request_id");
    out->attempt = (int)get_int(root, "attempt");
    out->reason = dup_str(root, "reason");
    out->request_json = dump_compact(json_object_get(root, "request"));
out_free_root:
    json_decref(root);
    return rc;
}

/* Sets @key of @obj to a string; false when @s is NULL or not valid UTF-8. */
static bool set_str(json_t *obj, const char *key, const char *s)
{
    json_t *v = s ? json_string(s) : NULL;

    return v && json_object_set_new(obj, key, v) == 0;
}

static void set_int(json_t *obj, const char *key, long long n)
{
    json_object_set_new(obj, key, json_integer(n));
}

/* Dumps @root compactly and drops the reference; NULL when @ok is false. */
static char *finish(json_t *root, bool ok)
{
    char *s = ok ? dump_compact(root) : NULL;

    json_decref(root);
    return s;
}

char *chatmsg_encode_request(const struct chat_request *r)
{
    json_t *root = json_object();
    json_t *opts = json_object();
    bool ok = set_str(root, "schema", SCHEMA_REQUEST);

    ok = ok && set_str(root, "request_id", r->request_id);
    ok = ok && set_str(root, "user_id", r->user_id);
    ok = ok && set_str(root, "conversation_id", r->conversation_id);
    ok = ok && set_str(root, "message_id", r->message_id);
    ok = ok && set_str(root, "reply_message_id", r->reply_message_id);
    ok = ok && set_str(root, "text", r->text);
    set_int(opts, "max_tokens", r->max_tokens);
    json_object_set_new(opts, "regenerate", json_boolean(r->regenerate));
    json_object_set_new(root, "options", opts);
    set_int(root, "reply_partition", r->reply_partition);
    set_int(root, "deadline_ms", r->deadline_ms);
    set_int(root, "attempt", r->attempt);
    set_int(root, "created_ms", r->created_ms);
    if (r->tool_token)
        ok = ok && set_str(root, "tool_token", r->tool_token);
    if (r->client_history) {
        json_t *h = json_array();

        for (int i = 0; i < r->nhistory; i++) {
            json_t *t = json_object();

            ok = ok && set_str(t, "role", r->history[i].role) &&
                 set_str(t, "text", r->history[i].text);
            json_array_append_new(h, t);
        }
        json_object_set_new(root, "history", h);
    }
    return finish(root, ok);
}

/* Returns the JSON value of @text (new reference), or NULL if it is not JSON. */
static json_t *load_json(const char *text)
{
    return text ? json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL) : NULL;
}

char *chatmsg_encode_chunk(const struct chat_chunk *c)
{
    json_t *root = json_object();
    json_t *data = load_json(c->data_json);
    bool ok = set_str(root, "schema", SCHEMA_CHUNK) && json_is_object(data);

    ok = ok && set_str(root, "request_id", c->request_id);
    set_int(root, "attempt", c->attempt);
    set_int(root, "seq", c->seq);
    ok = ok && set_str(root, "type", chunk_type_name(c->type));
    if (data)
        json_object_set_new(root, "data", data);
    return finish(root, ok);
}

char *chatmsg_encode_control(const struct chat_control *c)
{
    json_t *root = json_object();
    bool ok = set_str(root, "schema", SCHEMA_CONTROL);

    ok = ok && set_str(root, "request_id", c->request_id);
    ok = ok && set_str(root, "action", c->action);
    return finish(root, ok);
}

char *chatmsg_encode_dlq(const struct chat_dlq *d)
{
    json_t *root = json_object();
    json_t *req = load_json(d->request_json);
    bool ok = set_str(root, "schema", SCHEMA_DLQ);

    ok = ok && set_str(root, "request_id", d->request_id);
    set_int(root, "attempt", d->attempt);
    ok = ok && set_str(root, "reason", d->reason);
    /* An object or a string travels as it is; any other text travels as a string of itself
     * (see chat.dlq.schema.json). */
    if (!json_is_object(req) && !json_is_string(req)) {
        json_decref(req);
        req = d->request_json ? json_string(d->request_json) : NULL;
    }
    ok = ok && req;
    if (req)
        json_object_set_new(root, "request", req);
    return finish(root, ok);
}

void chat_request_release(struct chat_request *r)
{
    if (!r)
        return;
    free(r->request_id);
    free(r->user_id);
    free(r->conversation_id);
    free(r->message_id);
    free(r->reply_message_id);
    free(r->text);
    free(r->tool_token);
    for (int i = 0; i < r->nhistory; i++) {
        free(r->history[i].role);
        free(r->history[i].text);
    }
    free(r->history);
    memset(r, 0, sizeof(*r));
}

void chat_chunk_release(struct chat_chunk *c)
{
    if (!c)
        return;
    free(c->request_id);
    free(c->data_json);
    memset(c, 0, sizeof(*c));
}

void chat_control_release(struct chat_control *c)
{
    if (!c)
        return;
    free(c->request_id);
    free(c->action);
    memset(c, 0, sizeof(*c));
}

void chat_dlq_release(struct chat_dlq *d)
{
    if (!d)
        return;
    free(d->request_id);
    free(d->reason);
    free(d->request_json);
    memset(d, 0, sizeof(*d));
}
