/* store.h - the worker's MongoDB documents: the user's `contexts` document and the
 * conversation's `messages` (read for the prompt), and the assistant message it writes.
 * The documents are contracts with the gateway: proto/MONGO.md and proto/mongo.*.schema.json.
 *
 * The assistant message (_id = the request's reply_message_id) is written twice: with status
 * "streaming" and the attempt number before the first chunk of an attempt, so a worker that
 * gets the request again after a failover can tell (SPEC §6), and complete / error / canceled
 * with the full text before the final or error chunk is produced, so what is stored equals
 * what the client assembled. The first write of a first delivery is one insert
 * (store_claim_reply); only when that finds a message is it read to plan a redelivery.
 * Only find, insert and replace are used (FerretDB 1.24).
 *
 * @locality engine thread: a struct store wraps one mongoc_client_t, which belongs to one
 * thread. Every call blocks on the network (bounded by the client's timeouts). */
#ifndef FINCHAT_STORE_H
#define FINCHAT_STORE_H

#include <jansson.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "chatmsg.h"

struct store {
    mongoc_client_t *client; /* borrowed */
    mongoc_collection_t *messages;
    mongoc_collection_t *contexts;
    mongoc_collection_t *histories; /* one document per conversation: its recent turns */
    mongoc_collection_t *meta;      /* markers of one-time work (the history backfill) */
};

/* A stored assistant message, as far as the worker needs it. */
struct stored_reply {
    char *status; /* "streaming", "complete", "error", "canceled", or what the gateway wrote */
    int attempt;
    char *text;
    char *provider;
    char *model;
    int prompt_tokens, completion_tokens;
    int ttft_ms, latency_ms;
    char *error_code;
    char *error_message;
    json_t *tools;  /* the answer's tool calls, or NULL */
    json_t *checks; /* its checked figures, or NULL */
};

/* What to write for an assistant message. Strings must be valid UTF-8; NULL ones are
 * stored as null. */
struct reply_doc {
    const struct chat_request *req;
    int attempt;
    const char *status;
    const char *text;
    const char *provider;
    const char *model;
    int prompt_tokens, completion_tokens;
    int ttft_ms;
    int64_t latency_ms;
    const char *error_code;
    const char *error_message;
    int64_t created_ms; /* Unix ms */
    /* For a complete answer: the conversation's turns as read for its prompt (borrowed),
     * when the caller knows no other answer of the conversation was recorded since; NULL
     * to read them again before recording this turn. */
    json_t *history;
    /* For a complete answer, optional (NULL: none): its tool calls with their results
     * [{id,name,args,status,ms,label,round,result}] and its checks {figures,verified,
     * unverified} (borrowed). */
    json_t *tools;
    json_t *checks;
};

/* The readers and writers of the documents, apart from the network, so that tests feed
 * them the golden documents of proto/golden/mongo/ and check what they write against the
 * schemas. Pure. */

/* @doc as relaxed Extended JSON parsed by jansson (dates are {"$date": "..."}), which is the
 * form every reader below takes. New reference, NULL when it cannot be converted. */
json_t *store_doc_json(const bson_t *doc);
/* Fills @out (release with stored_reply_release()) from the messages document @doc; missing
 * or mistyped fields read as NULL / 0, a missing status as "". */
void store_reply_read(json_t *doc, struct stored_reply *out);
/* The items of the histories document @doc (new reference) when it is owned by @user_id;
 * otherwise (NULL, another user's, no items array) a new empty array. */
json_t *store_history_items(json_t *doc, const char *user_id);
/* Appends the fields of the assistant message @d to @doc (the messages document). */
void store_reply_bson(bson_t *doc, const struct reply_doc *d);
/* The histories document recorded after the complete answer @d, given the conversation's
 * stored @items (any order): without an earlier answer to the same question, plus the
 * question and @d, the newest STORE_HISTORY_KEEP kept. New document (caller destroys), NULL
 * when it cannot be converted. */
bson_t *store_history_doc(const struct reply_doc *d, json_t *items);

/* Binds @s to @client (borrowed, must outlive @s) and database @db. */
void store_init(struct store *s, mongoc_client_t *client, const char *db);
void store_release(struct store *s);

/* Creates the index the history query needs (messages: conversation_id, created_at desc) if
 * it is missing. 0 or FC_EDEP; the worker runs without it, only slower. */
int store_ensure_indexes(struct store *s);
/* Reads the assistant message @id. 0 and fills @out (release with stored_reply_release());
 * FC_ENOTFOUND when there is none; FC_EDEP when MongoDB failed. */
int store_get_reply(struct store *s, const char *id, struct stored_reply *out);
void stored_reply_release(struct stored_reply *r);
/* Creates or replaces the assistant message; a complete one is also recorded in the
 * conversation's `histories` document, except for a request with the client's own history
 * (d->req->client_history: the facade), whose turns nothing reads back. 0 or FC_EDEP. */
int store_put_reply(struct store *s, const struct reply_doc *d);
/* store_put_reply(), and for a complete answer whose turn was recorded, the conversation's
 * turns as a read of the new histories document would return them in *@recorded (caller
 * owns; NULL when none was recorded). */
int store_put_reply_turns(struct store *s, const struct reply_doc *d, json_t **recorded);
/* Creates the assistant message only if there is none: one insert, which on a first
 * delivery (no message yet) both tells that and writes the "streaming" mark. 0 when
 * created, FC_ECONFLICT when a message with that id exists (read it with
 * store_get_reply() to decide), FC_EDEP when MongoDB failed. A request that carries the
 * client's turns (the facade) has its question stored here too, in the same round trip
 * (chat_user_message_doc(): the gateway leaves it to the worker); a question already there
 * (a redelivery) is no failure. */
int store_claim_reply(struct store *s, const struct reply_doc *d);

/* How to answer a request, given what the message store holds for its reply. */
enum store_plan {
    PLAN_FRESH,        /* first delivery: answer with the request's attempt */
    PLAN_REDELIVERY,   /* an earlier attempt did not finish: reset, answer with the next one */
    PLAN_RESEND,       /* an earlier attempt finished: send its stored outcome again */
    PLAN_MAX_ATTEMPTS, /* FINCHAT_MAX_ATTEMPTS used up: error and DLQ */
};

/* Decides the plan from the stored reply @r (NULL when there is none) and fills *@attempt
 * with the attempt to use (1..100). Only a "streaming" reply counts as an unfinished
 * attempt; "complete", "error" and "canceled" are finished; anything else (a placeholder a
 * gateway may write) is ignored. Pure. */
enum store_plan store_plan(const struct stored_reply *r, int req_attempt, int max_attempts,
                           int *attempt);

/* Loads the contexts document of @user_id into *@out (new reference; NULL when there is
 * none). 0 or FC_EDEP. */
int store_load_context(struct store *s, const char *user_id, json_t **out);
/* The conversation's recent turns, kept in collection `histories` (one document per
 * conversation, _id = conversation id, read with one lookup by _id) and written after
 * each complete answer. */
#define STORE_HISTORY_KEEP 40

/* Loads the recent messages of @conversation_id owned by @user_id into *@out (new JSON
 * array, in no particular order: prompt_select_history() sorts by created_at) from the
 * conversation's `histories` document; an empty array when it has none (a new
 * conversation) or it belongs to another user. 0 or FC_EDEP (*@out is then empty). */
int store_load_history(struct store *s, const char *conversation_id, const char *user_id,
                       json_t **out);

/* The `meta` document that marks the backfill done. */
#define STORE_BACKFILL_MARK "histories_backfill"

/* One-time migration for conversations answered before `histories` existed: unless `meta`
 * holds STORE_BACKFILL_MARK, reads `messages` once, inserts a `histories` document for each
 * conversation that has none (the newest STORE_HISTORY_KEEP messages) and sets the mark.
 * Workers starting together may both run it; inserts never overwrite. *@written is the
 * number of documents inserted. 0 or FC_EDEP (then it runs again at the next start).
 * Reading every message is slow on a big store, so it runs before the worker consumes. */
int store_backfill_histories(struct store *s, int *written);

#endif
