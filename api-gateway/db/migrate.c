/* migrate.c - schema migrations under pg_advisory_lock. */
#include "api-gateway/db/migrate.h"

#include "err.h"
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MIGRATE_LOCK_ID "7214001"

static bool exec_ok(PGconn *pg, const char *sql, char *errbuf, unsigned errlen)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

    if (!ok)
        snprintf(errbuf, errlen, "%s", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

static bool applied(PGconn *pg, const char *name)
{
    const char *v[] = {name};
    PGresult *res = PQexecParams(pg, "SELECT 1 FROM schema_migrations WHERE version=$1", 1, NULL, v,
                                 NULL, NULL, 0);
    bool yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

    PQclear(res);
    return yes;
}

int migrate_run(PGconn *pg, char *errbuf, unsigned errlen)
{
    int n = 0, rc = 0;

    if (!exec_ok(pg, "SET client_min_messages TO warning", errbuf, errlen) ||
        !exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_ID ")", errbuf, errlen))
        return FC_EDEP;
    if (!exec_ok(pg,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
                 "applied_at timestamptz NOT NULL DEFAULT now())",
                 errbuf, errlen)) {
        rc = FC_EDEP;
        goto out_unlock;
    }
    for (int i = 0; i < nmigrations; i++) {
        const struct migration *m = &migrations[i];
        const char *v[] = {m->name};
        PGresult *res;
        char err[512];

        if (applied(pg, m->name))
            continue;
        if (!exec_ok(pg, "BEGIN", err, sizeof(err)) || !exec_ok(pg, m->sql, err, sizeof(err))) {
            snprintf(errbuf, errlen, "migration %s: %s", m->name, err);
            exec_ok(pg, "ROLLBACK", err, sizeof(err));
            rc = FC_EDEP;
            goto out_unlock;
        }
        res = PQexecParams(pg, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, NULL, v,
                           NULL, NULL, 0);
        PQclear(res);
        if (!exec_ok(pg, "COMMIT", err, sizeof(err))) {
            snprintf(errbuf, errlen, "migration %s: %s", m->name, err);
            rc = FC_EDEP;
            goto out_unlock;
        }
        log_info("applied migration %s", m->name);
        n++;
    }
    rc = n;
out_unlock : {
    char err[256];

    exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_ID ")", err, sizeof(err));
}
    return rc;
}
