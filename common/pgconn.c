/* pgconn.c - libpq connect/ping/close. */
#include "pgconn.h"

#include <stdio.h>
#include <string.h>

PGconn *pg_open(const char *url, char *errbuf, unsigned errlen)
{
    /* JIT compilation costs tens of ms on short OLTP queries; the app never gains from it. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", "options", NULL};
    const char *vals[] = {url, "3", "finchat", "-c jit=off", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);

    if (!conn) {
        snprintf(errbuf, errlen, "out of memory creating PostgreSQL connection");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(conn);

        snprintf(errbuf, errlen, "PostgreSQL: %.*s", (int)strcspn(msg, "\n"), msg);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static bool select_one(PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT 1");
    bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;

    PQclear(res);
    return ok;
}

bool pg_ping(PGconn *conn)
{
    if (!conn)
        return false;
    if (PQstatus(conn) == CONNECTION_OK && select_one(conn))
        return true;
    PQreset(conn);
    return PQstatus(conn) == CONNECTION_OK && select_one(conn);
}

void pg_close(PGconn *conn)
{
    if (conn)
        PQfinish(conn);
}
