/* mongo.h - mongo-c-driver helpers: a client pool from a URL, a ping, the database name.
 * Pools are thread-safe; a mongoc_client_t popped from a pool belongs to one thread. */
#ifndef FINCHAT_MONGO_H
#define FINCHAT_MONGO_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

/* Initialises the driver once per process and routes its log into the JSON log; safe to
 * call repeatedly. */
void mongo_global_init(void);
/* Creates a pool for @url with short server-selection timeouts; NULL with @errbuf on a bad URL.
 * @db_out receives the database named in the URL path (default "finchat"); caller frees. */
mongoc_client_pool_t *mongo_pool_new(const char *url, char **db_out, char *errbuf, unsigned errlen);
/* True when the server answered {ping:1}. */
bool mongo_ping(mongoc_client_t *client);

#endif
