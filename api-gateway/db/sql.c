/* sql.c - parameterised statements with checked results and typed, logged errors (see sql.h). */
#include "api-gateway/db/sql.h"

#include "api-gateway/db/dbpool.h"

#include "err.h"
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a failed statement's text the log line shows. */
#define SQL_LOG_CHARS 60

/* SQLSTATEs and classes (a two-character prefix) that are not an internal error, first
 * match wins. */
static const struct {
    const char *state;
    int code;
} states[] = {
    {"08", FC_EDEP},         /* connection exception */
    {"57P01", FC_EDEP},      /* admin_shutdown */
    {"57P02", FC_EDEP},      /* crash_shutdown */
    {"57P03", FC_EDEP},      /* cannot_connect_now */
    {"53", FC_EDEP},         /* insufficient resources: disk full, out of memory */
    {"57014", FC_ETIMEDOUT}, /* query_canceled: statement_timeout */
    {"23505", FC_ECONFLICT}, /* unique_violation */
    {"23P01", FC_ECONFLICT}, /* exclusion_violation */
    {"40001", FC_ECONFLICT}, /* serialization_failure */
    {"40P01", FC_ECONFLICT}, /* deadlock_detected */
    {"22", FC_EINVAL},       /* data exception */
};

/* Maps a failed statement to an FC_E* code: a dead connection or a missing result is
 * FC_EDEP whatever the SQLSTATE says. */
static int classify(PGconn *pg, const PGresult *res)
{
    const char *state;

    if (!res || PQstatus(pg) != CONNECTION_OK)
        return FC_EDEP;
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return FC_EIO;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strncmp(state, states[i].state, strlen(states[i].state)) == 0)
            return states[i].code;
    return FC_EIO;
}

/* Logs the failure of @sql: its first SQL_LOG_CHARS characters and the first line of
 * PostgreSQL's message, except for a data exception, whose message quotes the offending
 * value (a parameter). */
static void log_failure(PGconn *pg, const PGresult *res, const char *sql, int code)
{
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
    char extra[64];

    if (code == FC_EINVAL)
        msg = "a value does not fit its type (message withheld: it quotes the value)";
    else if (!msg || !*msg)
        msg = res ? PQresStatus(PQresultStatus(res)) : "no result";
    snprintf(extra, sizeof(extra), ",\"sqlstate\":\"%.5s\",\"error\":\"%s\"", state ? state : "",
             err_name(code));
    log_emit(LOG_ERROR, NULL, NULL, extra, "postgres: %.*s (in: %.*s)", (int)strcspn(msg, "\n"),
             msg, SQL_LOG_CHARS, sql);
}

/* Checks a result: 0 when it is rows or a completed command, else logs, clears it and
 * returns the FC_E* code. */
static int check(PGconn *pg, PGresult *res, const char *sql)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int code;

    if (res && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK))
        return 0;
    code = classify(pg, res);
    log_failure(pg, res, sql, code);
    PQclear(res);
    return code;
}

int sql_query(PGconn *pg, const char *sql, int n, const char *const *vals, PGresult **res)
{
    PGresult *r = dbpool_exec(pg, sql, n, vals);
    int rc = check(pg, r, sql);

    *res = rc ? NULL : r;
    return rc;
}

void sql_send(PGconn *pg, const char *sql, int n, const char *const *vals)
{
    (void)dbpool_send(pg, sql, n, vals); /* what failed shows in sql_receive() */
}

int sql_receive(PGconn *pg, const char *sql, PGresult **res)
{
    PGresult *r = dbpool_receive(pg);
    int rc = check(pg, r, sql);

    *res = rc ? NULL : r;
    return rc;
}

int sql_exec(PGconn *pg, const char *sql, int n, const char *const *vals, int64_t *affected)
{
    PGresult *res;
    int rc = sql_query(pg, sql, n, vals, &res);

    if (rc)
        return rc;
    if (affected && PQresultStatus(res) == PGRES_TUPLES_OK)
        *affected = PQntuples(res);
    else if (affected)
        *affected = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}

/* Runs a query expected to return one value; *@res is that result, or NULL with
 * FC_ENOTFOUND when there is no row or the value is SQL NULL. */
static int one_value(PGconn *pg, const char *sql, int n, const char *const *vals, PGresult **res)
{
    int rc = sql_query(pg, sql, n, vals, res);

    if (rc)
        return rc;
    if (PQntuples(*res) < 1 || PQnfields(*res) < 1 || PQgetisnull(*res, 0, 0)) {
        PQclear(*res);
        *res = NULL;
        return FC_ENOTFOUND;
    }
    return 0;
}

int sql_text(PGconn *pg, const char *sql, int n, const char *const *vals, char *out, size_t cap)
{
    PGresult *res;
    int rc = one_value(pg, sql, n, vals, &res);
    size_t len;

    if (cap)
        out[0] = '\0';
    if (rc)
        return rc;
    len = (size_t)PQgetlength(res, 0, 0);
    if (len >= cap) {
        rc = FC_ETOOBIG;
    } else {
        memcpy(out, PQgetvalue(res, 0, 0), len);
        out[len] = '\0';
    }
    PQclear(res);
    return rc;
}

int sql_int64(PGconn *pg, const char *sql, int n, const char *const *vals, int64_t *out)
{
    PGresult *res;
    int rc = one_value(pg, sql, n, vals, &res);
    const char *v;
    char *end;

    if (rc)
        return rc;
    v = PQgetvalue(res, 0, 0);
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (errno || end == v || *end) {
        log_emit(LOG_ERROR, NULL, NULL, NULL, "postgres: not an integer (in: %.*s)", SQL_LOG_CHARS,
                 sql);
        rc = FC_EIO;
    }
    PQclear(res);
    return rc;
}

int sql_begin(PGconn *pg)
{
    return sql_exec(pg, "BEGIN", 0, NULL, NULL);
}

int sql_commit(PGconn *pg)
{
    PGresult *res;
    bool rolled_back;
    int rc = sql_query(pg, "COMMIT", 0, NULL, &res);

    if (rc)
        return rc;
    /* COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK. */
    rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back) {
        log_emit(LOG_ERROR, NULL, NULL, NULL,
                 "postgres: COMMIT rolled back a transaction in which a statement failed");
        return FC_EIO;
    }
    return 0;
}

void sql_rollback(PGconn *pg)
{
    PGTransactionStatusType ts = PQtransactionStatus(pg);

    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        (void)sql_exec(pg, "ROLLBACK", 0, NULL, NULL);
}

int sql_script(PGconn *pg, const char *script)
{
    PGresult *res = PQexec(pg, script);
    int rc = check(pg, res, script);

    if (!rc)
        PQclear(res);
    return rc;
}

void sql_errmsg(PGconn *pg, char *buf, size_t cap)
{
    const char *msg = pg ? PQerrorMessage(pg) : "";

    if (cap)
        snprintf(buf, cap, "%.*s", (int)strcspn(msg, "\n"), msg);
}
