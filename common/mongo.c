/* mongo.c - mongo-c-driver pool creation and ping. */
#include "mongo.h"

#include "log.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Routes the driver's messages into the JSON log (plain text on stderr otherwise).
 * FerretDB's "no such command: endSessions" when a client closes is expected: debug. */
static void driver_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud)
{
    enum log_level lvl = LOG_DEBUG;

    (void)ud;
    if (level <= MONGOC_LOG_LEVEL_ERROR)
        lvl = LOG_ERROR;
    else if (level == MONGOC_LOG_LEVEL_WARNING && !strstr(message, "endSessions"))
        lvl = LOG_WARN;
    log_emit(lvl, NULL, NULL, NULL, "mongo %s: %s", domain, message);
}

static void do_init(void)
{
    mongoc_log_set_handler(driver_log, NULL);
    mongoc_init();
}

void mongo_global_init(void)
{
    pthread_once(&init_once, do_init);
}

mongoc_client_pool_t *mongo_pool_new(const char *url, char **db_out, char *errbuf, unsigned errlen)
{
    bson_error_t err;
    mongoc_uri_t *uri;
    mongoc_client_pool_t *pool;
    const char *db;

    mongo_global_init();
    uri = mongoc_uri_new_with_error(url, &err);
    if (!uri) {
        snprintf(errbuf, errlen, "FINCHAT_MONGO_URL: %s", err.message);
        return NULL;
    }
    if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_HEARTBEATFREQUENCYMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_HEARTBEATFREQUENCYMS, 2000);
    db = mongoc_uri_get_database(uri);
    if (db_out)
        *db_out = xstrdup(db && *db ? db : "finchat");
    pool = mongoc_client_pool_new(uri);
    mongoc_uri_destroy(uri);
    if (!pool) {
        snprintf(errbuf, errlen, "cannot create MongoDB client pool");
        if (db_out) {
            free(*db_out);
            *db_out = NULL;
        }
        return NULL;
    }
    mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
    return pool;
}

bool mongo_ping(mongoc_client_t *client)
{
    bson_t cmd = BSON_INITIALIZER;
    bson_t reply;
    bson_error_t err;
    bool ok;

    BSON_APPEND_INT32(&cmd, "ping", 1);
    ok = mongoc_client_command_simple(client, "admin", &cmd, NULL, &reply, &err);
    bson_destroy(&reply);
    bson_destroy(&cmd);
    return ok;
}

bson_t *chat_user_message_doc(const char *message_id, const char *conversation_id,
                              const char *user_id, const char *request_id, const char *text,
                              int64_t at_ms)
{
    return BCON_NEW("_id", BCON_UTF8(message_id), "conversation_id", BCON_UTF8(conversation_id),
                    "user_id", BCON_UTF8(user_id), "role", BCON_UTF8("user"), "text",
                    BCON_UTF8(text), "status", BCON_UTF8("complete"), "request_id",
                    BCON_UTF8(request_id), "created_at", BCON_DATE_TIME(at_ms));
}
