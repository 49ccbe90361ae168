/* mongo.h - mongo-c-driver helpers: a client pool from a URL, a ping, the database name.
 * Pools are thread-safe; a mongoc_client_t popped from a pool belongs to one thread. */
#ifndef FINCHAT_MONGO_H
#define FINCHAT_MONGO_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

/* Initialises the driver once per process and routes its log into the JSON log; safe to
 * call repeatedly. */
void mongo_global_init(void);
/* Creates a pool for @url with short server-selection timeouts; NULL with @errbuf on a bad URL.
 * @db_out receives the database named in the URL path (default "finchat"); caller frees. */
mongoc_client_pool_t *mongo_pool_new(const char *url, char **db_out, char *errbuf, unsigned errlen);
/* True when the server answered {ping:1}. */
bool mongo_ping(mongoc_client_t *client);

/* The `messages` document of a question (proto/MONGO.md, proto/mongo.messages.schema.json):
 * @text of @user_id in @conversation_id, asked by request @request_id at @at_ms (Unix ms).
 * New document, caller destroys. Pure. Stored by the gateway when it accepts a question, or
 * for a request carrying the client's own turns (the facade) by the worker with the claim of
 * its answer (llm-worker/engine/store.c). */
bson_t *chat_user_message_doc(const char *message_id, const char *conversation_id,
                              const char *user_id, const char *request_id, const char *text,
                              int64_t at_ms);

#endif
