/* chatmsg.h - encoder/decoder of the Kafka chat messages (proto/chat.*.schema.json).
 *
 * The one place that knows the wire format of finchat.chat.request/1, finchat.chat.chunk/1,
 * finchat.chat.control/1 and finchat.chat.dlq/1. Decoding validates every field (types,
 * lengths, enums) and never trusts the input: anything a hostile or buggy producer could
 * write is rejected with FC_EINVAL and a reason. Pure: no I/O, no globals; safe from any
 * thread. Strings in decoded structs are owned by the struct; release with *_release().
 *
 * Chunk sequence numbers are unique across attempts: seq = attempt * CHUNK_SEQ_BASE + n,
 * n = 0, 1, ... within an attempt. SSE uses seq as the event id, so ids only grow, and a
 * later attempt's events always sort after an earlier attempt's. */
#ifndef FINCHAT_CHATMSG_H
#define FINCHAT_CHATMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHUNK_SEQ_BASE 1000000LL
#define CHAT_TEXT_MAX 4000 /* characters (code points) */

#define SCHEMA_REQUEST "finchat.chat.request/1"
#define SCHEMA_CHUNK "finchat.chat.chunk/1"
#define SCHEMA_CONTROL "finchat.chat.control/1"
#define SCHEMA_DLQ "finchat.chat.dlq/1"

#define TOPIC_REQUESTS "finchat.chat.requests"
#define TOPIC_CHUNKS "finchat.chat.chunks"
#define TOPIC_CONTROL "finchat.chat.control"
#define TOPIC_DLQ "finchat.chat.dlq"

#define CHAT_HISTORY_MAX 16     /* turns a request may carry */
#define CHAT_HISTORY_BYTES 8192 /* bytes of their text in all */
#define TOOL_TOKEN_MAX 1024     /* bytes of a request's tool capability */
#define TOOL_CALLS_MAX 64       /* tool calls one answer may list in its final event */

/* An earlier turn a client supplied with its question. */
struct chat_turn {
    char *role; /* "user" or "assistant" */
    char *text; /* 1..CHAT_TEXT_MAX code points, no control characters but tab, LF, CR */
};

struct chat_request {
    char *request_id;        /* UUID */
    char *user_id;           /* UUID */
    char *conversation_id;   /* UUID */
    char *message_id;        /* the user's message (UUID) */
    char *reply_message_id;  /* the assistant message to create (UUID) */
    char *text;              /* the question, <= CHAT_TEXT_MAX code points */
    int max_tokens;          /* options.max_tokens, 1..8192 */
    bool regenerate;         /* options.regenerate */
    int32_t reply_partition; /* partition of finchat.chat.chunks to answer on */
    int64_t deadline_ms;     /* Unix ms */
    int attempt;             /* 1.. */
    int64_t created_ms;      /* Unix ms */
    /* Optional "history": the earlier turns the client sent with the question (the
     * OpenAI-compatible facade), oldest first, maybe none. When present (@client_history)
     * the worker builds the prompt's history from them alone, not from the conversation's
     * stored turns. */
    bool client_history;
    struct chat_turn *history;
    int nhistory;
    /* Optional "tool_token": the gateway's signed capability for this request's tool calls
     * (SPEC §14), bound to user_id and request_id and valid until about deadline_ms. NULL
     * when absent: the worker then offers no tools. */
    char *tool_token;
};

/* CHUNK_TOOL: a tool call of the answer ({id,name,args,status,ms,label?,round?}), once with
 * status "running" and once with "ok" or "error" (SPEC §14). */
enum chunk_type { CHUNK_START, CHUNK_TOKEN, CHUNK_RESET, CHUNK_FINAL, CHUNK_ERROR, CHUNK_TOOL };

struct chat_chunk {
    char *request_id;
    int attempt;
    int64_t seq;
    enum chunk_type type;
    char *data_json; /* the event's data object as compact JSON text (SPEC §8 / proto/API.md) */
};

struct chat_control {
    char *request_id;
    char *action; /* "cancel" */
};

struct chat_dlq {
    char *request_id;
    int attempt;
    char *reason;
    char *request_json; /* the original request message, as JSON text */
};

/* Encoders return a newly allocated JSON text (caller frees) of the message, schema included. */
char *chatmsg_encode_request(const struct chat_request *r);
char *chatmsg_encode_chunk(const struct chat_chunk *c);
char *chatmsg_encode_control(const struct chat_control *c);
char *chatmsg_encode_dlq(const struct chat_dlq *d);

/* Decoders parse @len bytes of @buf (not NUL-terminated). 0 on success; FC_EINVAL with a
 * reason in @errbuf on anything malformed, in which case @out holds nothing to release. */
int chatmsg_decode_request(const char *buf, size_t len, struct chat_request *out, char *errbuf,
                           unsigned errlen);
int chatmsg_decode_chunk(const char *buf, size_t len, struct chat_chunk *out, char *errbuf,
                         unsigned errlen);
int chatmsg_decode_control(const char *buf, size_t len, struct chat_control *out, char *errbuf,
                           unsigned errlen);
int chatmsg_decode_dlq(const char *buf, size_t len, struct chat_dlq *out, char *errbuf,
                       unsigned errlen);

void chat_request_release(struct chat_request *r);
void chat_chunk_release(struct chat_chunk *c);
void chat_control_release(struct chat_control *c);
void chat_dlq_release(struct chat_dlq *d);

const char *chunk_type_name(enum chunk_type t);
/* Returns 0 and sets *@t, or FC_EINVAL for an unknown name. */
int chunk_type_parse(const char *name, enum chunk_type *t);

#endif
