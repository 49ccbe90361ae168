/* test_migrate.c - migrate_run() against the database FINCHAT_TEST_PG_URL names: it brings
 * the schema up to date, a second run applies nothing, every embedded migration is recorded
 * once, and the advisory lock is released. When the variable is unset the checks are skipped
 * and their number is printed. */
#include "pgtest.h"

#include "api-gateway/db/migrate.h"
#include "api-gateway/db/sql.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* The number of checks test_with_database() makes, verified when they run. */
#define DB_CHECKS 9

static void test_table(void)
{
    bool ordered = true;

    CHECK(nmigrations > 0);
    for (int i = 1; i < nmigrations; i++)
        if (strcmp(migrations[i - 1].name, migrations[i].name) >= 0)
            ordered = false;
    CHECK(ordered);
}

static void test_with_database(void)
{
    char errbuf[512] = "";
    int before = t_checks, first;
    int64_t n = -1;
    PGconn *pg = pgtest_open("test_migrate", DB_CHECKS);

    if (!pg)
        return;
    first = migrate_run(pg, errbuf, sizeof(errbuf));
    CHECK(first >= 0 && first <= nmigrations);
    CHECK_EQ_STR(errbuf, "");
    CHECK_EQ_INT(migrate_run(pg, errbuf, sizeof(errbuf)), 0);
    for (int i = 0; i < nmigrations; i++) {
        const char *v[1] = {migrations[i].name};
        int64_t one = 0;

        if (sql_int64(pg, "SELECT count(*) FROM schema_migrations WHERE version = $1", 1, v,
                      &one) != 0 ||
            one != 1)
            n = -2;
    }
    CHECK(n == -1);
    /* Every embedded migration is there; a later one another branch added may be too. */
    CHECK_EQ_INT(sql_int64(pg, "SELECT count(*) FROM schema_migrations", 0, NULL, &n), 0);
    CHECK(n >= nmigrations);
    CHECK_EQ_INT(sql_int64(pg,
                           "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                           "objid = 7214001 AND pid = pg_backend_pid()",
                           0, NULL, &n),
                 0);
    CHECK_EQ_INT(n, 0);
    pg_close(pg);
    /* DB_CHECKS counts the checks above, this one aside. */
    CHECK_EQ_INT(t_checks - before, DB_CHECKS);
}

TEST_MAIN(test_table, test_with_database)
