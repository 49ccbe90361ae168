/* context.h - the assistant's snapshot of one user's finances, kept in MongoDB.
 *
 * Collection `contexts`, one document per user, `_id` = the user's UUID, schema
 * "finchat.context/1". The worker puts it into the prompt, caches it by `data_version` and
 * the offline analyst answers from it, so it holds figures ready to quote. The document is a
 * contract with the worker, defined in proto/: its fields, who reads them and when it is
 * rebuilt in proto/MONGO.md, its JSON Schema in proto/mongo.contexts.schema.json, examples in
 * proto/golden/mongo/contexts/. A field added here goes into the schema in the same change.
 *
 * Only basic commands are used (replaceOne with upsert), which FerretDB serves. */
#ifndef FINCHAT_CONTEXT_H
#define FINCHAT_CONTEXT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <mongoc/mongoc.h>

#define CONTEXT_COLLECTION "contexts"
#define CONTEXT_SCHEMA "finchat.context/1"

/* Builds the context document of @user_id from PostgreSQL. Returns a new reference, or NULL
 * after logging when a query failed or the user does not exist. */
json_t *context_build(PGconn *pg, const char *user_id);

/* Replaces @user_id's document in @db.contexts with a fresh context_build(). Returns 0,
 * FC_EDEP when PostgreSQL or MongoDB failed (logged), FC_EINVAL without a Mongo client.
 * Once stored, users.context_day is set to the user's current local day (users.timezone): a
 * document of an earlier day is rebuilt before the next question is answered (chat.c). Callers on a
 * write path log and carry on: the next change retries.
 * @locality any thread, with its own @pg and @mongo. */
int context_rebuild(PGconn *pg, mongoc_client_t *mongo, const char *db, const char *user_id);

#endif
