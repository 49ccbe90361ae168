/* migrate.h - applies the numbered SQL migrations of api-gateway/db/migrations (embedded into
 * the binary at build time) in order, each in its own transaction, under an advisory lock so
 * gateways starting together do not race. Applied versions are kept in schema_migrations. */
#ifndef FINCHAT_MIGRATE_H
#define FINCHAT_MIGRATE_H

#include <libpq-fe.h>

struct migration {
    const char *name; /* e.g. "001_core" */
    const char *sql;
};

extern const struct migration migrations[];
extern const int nmigrations;

/* Applies what is missing. Returns the number applied (>= 0), or a negative FC_E* code with
 * the failing migration and PostgreSQL's message in @errbuf. */
int migrate_run(PGconn *pg, char *errbuf, unsigned errlen);

#endif
