/* migrate.c - schema migrations under pg_advisory_lock. */
#include "api-gateway/db/migrate.h"

#include "err.h"
#include "log.h"
#include "api-gateway/db/sql.h"

#include <stdint.h>
#include <stdio.h>

#define MIGRATE_LOCK_ID "7214001"

/* Fills @errbuf with "@what: " and PostgreSQL's message (read before anything else runs on
 * @pg) and returns @rc. */
static int failed(PGconn *pg, int rc, const char *what, char *errbuf, unsigned errlen)
{
    char msg[400];

    sql_errmsg(pg, msg, sizeof(msg));
    snprintf(errbuf, errlen, "%s: %s", what, msg[0] ? msg : err_str(rc));
    return rc;
}

/* Applies @m unless schema_migrations lists it, in one transaction with its row there.
 * Returns 1 when applied, 0 when it already was, or the code of sql.h with @errbuf filled. */
static int apply(PGconn *pg, const struct migration *m, char *errbuf, unsigned errlen)
{
    const char *v[] = {m->name};
    int64_t found;
    int rc = sql_exec(pg, "SELECT 1 FROM schema_migrations WHERE version=$1", 1, v, &found);

    if (rc)
        return failed(pg, rc, m->name, errbuf, errlen);
    if (found)
        return 0;
    rc = sql_begin(pg);
    if (!rc)
        rc = sql_script(pg, m->sql);
    if (!rc)
        rc = sql_exec(pg, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, v, NULL);
    if (!rc)
        rc = sql_commit(pg);
    if (rc) {
        failed(pg, rc, m->name, errbuf, errlen);
        sql_rollback(pg);
        return rc;
    }
    log_info("applied migration %s", m->name);
    return 1;
}

int migrate_run(PGconn *pg, char *errbuf, unsigned errlen)
{
    int n = 0, rc;

    rc = sql_exec(pg, "SET client_min_messages TO warning", 0, NULL, NULL);
    if (!rc)
        rc = sql_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_ID ")", 0, NULL, NULL);
    if (rc)
        return failed(pg, rc, "migration lock", errbuf, errlen);
    rc = sql_exec(pg,
                  "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
                  "applied_at timestamptz NOT NULL DEFAULT now())",
                  0, NULL, NULL);
    if (rc) {
        failed(pg, rc, "schema_migrations", errbuf, errlen);
        goto out_unlock;
    }
    for (int i = 0; i < nmigrations; i++) {
        rc = apply(pg, &migrations[i], errbuf, errlen);
        if (rc < 0)
            goto out_unlock;
        n += rc;
    }
    rc = n;
out_unlock:
    (void)sql_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_ID ")", 0, NULL, NULL);
    return rc;
}
