/* sql.h - the one way the gateway and finchatctl run SQL on PostgreSQL: parameterised
 * statements through libpq, the result checked, a failure logged once and returned as a
 * typed error.
 *
 * Every statement carries its values as text parameters ($1 .. $n; a NULL value is SQL
 * NULL), never spliced into the SQL text. The one exception is sql_script(), which runs the
 * embedded migration files (several statements, no parameters).
 *
 * Errors. A function that fails logs one line (the SQLSTATE, the first line of PostgreSQL's
 * message and the start of the statement; never the parameter values, so the message of a
 * data exception, which quotes the value, is withheld) and returns one of:
 *   FC_EDEP       the connection is dead or broke during the statement, or libpq returned
 *                 no result at all: the database is unavailable (HTTP 503);
 *   FC_ECONFLICT  a unique or exclusion violation, a serialization failure or a deadlock;
 *   FC_EINVAL     a data exception (SQLSTATE class 22: a malformed uuid, a number out of
 *                 range);
 *   FC_ETIMEDOUT  the statement was canceled (statement_timeout);
 *   FC_EIO        any other error PostgreSQL reported: the statement itself is wrong or a
 *                 check failed, an internal error (HTTP 500).
 * After a failure PQerrorMessage(@pg) still holds PostgreSQL's message (see sql_errmsg()).
 *
 * Results. sql_query() hands its PGresult to the caller, who PQclear()s it; on failure
 * nothing is handed over (*@res is NULL) and there is nothing to clear. Every other
 * function clears its own results.
 *
 * Dead connections. Statements go through dbpool_exec() (dbpool.h): outside a transaction,
 * a connection whose server has gone is reset before the statement, and a statement that
 * could not be sent at all is run once more on a fresh connection; one that may have reached
 * the server never is. Any other failure of the connection is FC_EDEP, the connection left
 * as it is for its owner to reset (the query pool does so before its next job).
 *
 * @locality any thread, on a connection no other thread uses meanwhile. */
#ifndef FINCHAT_SQL_H
#define FINCHAT_SQL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Runs @sql with the @n text parameters @vals on @pg. Returns 0 with the result in *@res
 * (PGRES_TUPLES_OK or PGRES_COMMAND_OK; the caller PQclear()s it), or a negative FC_E* code
 * (see above) with *@res NULL. */
int sql_query(PGconn *pg, const char *sql, int n, const char *const *vals, PGresult **res);
/* sql_query() in two halves, to do other work while the server runs @sql: sql_send() sends
 * it and returns at once; sql_receive() waits for its result and returns what sql_query()
 * would have (pass the same @sql: it names the statement in the log). Nothing else may run
 * on @pg between the two; every sql_send() is followed by its sql_receive(). */
void sql_send(PGconn *pg, const char *sql, int n, const char *const *vals);
int sql_receive(PGconn *pg, const char *sql, PGresult **res);

/* Runs a statement whose rows are not needed. Returns 0 or a negative FC_E* code. When
 * @affected is not NULL it receives the number of rows the statement inserted, updated,
 * deleted or returned. */
int sql_exec(PGconn *pg, const char *sql, int n, const char *const *vals, int64_t *affected);

/* Reads the first column of the single row a query returns as text into @out (@cap bytes,
 * NUL-terminated; a longer value is FC_ETOOBIG). Returns 0, FC_ENOTFOUND when the query
 * returns no row or SQL NULL (@out is then ""), or a negative FC_E* code. */
int sql_text(PGconn *pg, const char *sql, int n, const char *const *vals, char *out, size_t cap);

/* The same for an integer value, parsed as a signed 64-bit decimal (FC_EIO when it is not
 * one). */
int sql_int64(PGconn *pg, const char *sql, int n, const char *const *vals, int64_t *out);

/* Transactions: BEGIN, COMMIT and ROLLBACK on @pg. sql_begin() and sql_commit() return 0
 * or a negative FC_E* code; a failed COMMIT has rolled back. sql_rollback() is for the
 * failure paths: it logs a failure and returns nothing, and it is harmless when no
 * transaction is open or the connection is dead. */
int sql_begin(PGconn *pg);
int sql_commit(PGconn *pg);
void sql_rollback(PGconn *pg);

/* Runs @script, a trusted text of several statements without parameters (an embedded
 * migration file). Returns 0 or a negative FC_E* code. */
int sql_script(PGconn *pg, const char *script);

/* Copies the first line of PostgreSQL's last error message on @pg into @buf (@cap bytes,
 * NUL-terminated; "" when there is none), for callers that return a reason in an errbuf. It
 * may quote a parameter value: for an operator's own output (finchatctl, start-up errors),
 * not for logs of requests. */
void sql_errmsg(PGconn *pg, char *buf, size_t cap);

#endif
