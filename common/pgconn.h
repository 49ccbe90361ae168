/* pgconn.h - PostgreSQL connection helpers over libpq: open with timeouts, health check,
 * close. A PGconn is used by one thread at a time; these functions do not lock. */
#ifndef FINCHAT_PGCONN_H
#define FINCHAT_PGCONN_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Connects to @url (a libpq URI or conninfo) with a 3 s connect timeout.
 * Returns the connection, or NULL with the reason in @errbuf (passwords never included). */
PGconn *pg_open(const char *url, char *errbuf, unsigned errlen);
/* Runs `SELECT 1`; resets a broken connection once. True when the server answered. */
bool pg_ping(PGconn *conn);
/* Closes @conn; NULL is a no-op. */
void pg_close(PGconn *conn);

#endif
