/* pgtest.h - the PostgreSQL database of the unit tests that need one.
 *
 * FINCHAT_TEST_PG_URL names it (`make test` sets it). When it is unset, a test's database
 * checks are skipped, and pgtest_open() says how many, so a skip is never silent. */
#ifndef FINCHAT_PGTEST_H
#define FINCHAT_PGTEST_H

#include "test.h"

#include "pgconn.h"

#include <stdio.h>
#include <stdlib.h>

/* Opens the test database for @test, whose database checks number @nchecks. Returns the
 * connection (caller pg_close()s it), or NULL: after printing that @nchecks checks were
 * skipped when FINCHAT_TEST_PG_URL is unset, or after a failed check when it does not
 * connect. */
static PGconn *pgtest_open(const char *test, int nchecks)
{
    const char *url = getenv("FINCHAT_TEST_PG_URL");
    char errbuf[256];
    PGconn *pg;

    if (!url || !*url) {
        char what[160];

        snprintf(what, sizeof(what), "%s: %d checks against PostgreSQL", test, nchecks);
        TEST_SKIP(what, "FINCHAT_TEST_PG_URL unset (make test runs them once the stack is up)");
        return NULL;
    }
    pg = pg_open(url, errbuf, sizeof(errbuf));
    if (!pg)
        fprintf(stderr, "%s: FINCHAT_TEST_PG_URL: %s\n", test, errbuf);
    CHECK(pg != NULL);
    return pg;
}

#endif
