/* test_sql.c - the SQL helper family (api-gateway/db/sql.h).
 *
 * Without a server: a connection that never came up answers FC_EDEP and nothing crashes, and
 * api_pg_fail() turns the codes into 503 or 500.
 * With FINCHAT_TEST_PG_URL naming a PostgreSQL database (any; the checks use temporary
 * tables only): results and parameters, affected-row counts, the typed errors as PostgreSQL
 * really raises them (unique violation, malformed uuid, syntax error, statement timeout, a
 * backend that is terminated), the one-value readers, transactions including a COMMIT that
 * rolls back, scripts, and a log line that carries the SQLSTATE but not the parameter value.
 * When the variable is unset the database checks are skipped and their number is printed. */
#include "pgtest.h"

#include "err.h"
#include "log.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/http/api.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The number of checks test_with_database() makes; it verifies the count itself, so the
 * number printed when they are skipped stays true. */
#define DB_CHECKS 94

static PGconn *pg;

/* The failures below are expected: their log lines would only be noise in the test output,
 * so logging is off except where a test reads it (test_log_line()). */
#define LOG_OFF (LOG_ERROR + 1)

/* ---- Without a server ------------------------------------------------------------------ */

static void test_no_server(void)
{
    PGconn *dead = PQconnectdb("host=127.0.0.1 port=1 connect_timeout=2 dbname=x user=x");
    PGresult *res = (PGresult *)&res;
    char buf[8] = "x";
    int64_t n = 7;

    log_init("test_sql", LOG_OFF);
    CHECK(PQstatus(dead) == CONNECTION_BAD);
    CHECK_EQ_INT(sql_query(dead, "SELECT 1", 0, NULL, &res), FC_EDEP);
    CHECK(res == NULL);
    CHECK_EQ_INT(sql_exec(dead, "SELECT 1", 0, NULL, &n), FC_EDEP);
    CHECK_EQ_INT(sql_text(dead, "SELECT 'a'", 0, NULL, buf, sizeof(buf)), FC_EDEP);
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_INT(sql_begin(dead), FC_EDEP);
    sql_rollback(dead); /* harmless */
    CHECK(PQstatus(dead) == CONNECTION_BAD);
    PQfinish(dead);
    sql_errmsg(NULL, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "");
}

/* A handler answers the code: 503 when the database is unavailable, else 500. */
static void test_http_answer(void)
{
    static const int codes[] = {FC_EDEP, FC_EIO, FC_ECONFLICT, FC_EINVAL, FC_ETIMEDOUT};
    static const int status[] = {503, 500, 500, 500, 500};
    struct api_req req;
    struct api_resp resp;

    memset(&req, 0, sizeof(req));
    snprintf(req.request_id, sizeof(req.request_id), "test-sql");
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        memset(&resp, 0, sizeof(resp));
        CHECK(api_pg_fail(&req, &resp, codes[i]) < 0);
        CHECK_EQ_INT(resp.status, status[i]);
        CHECK_EQ_STR(
            json_string_value(json_object_get(json_object_get(resp.body, "error"), "code")),
            status[i] == 503 ? "dependency_down" : "internal");
        json_decref(resp.body);
    }
}

/* ---- With a database ------------------------------------------------------------------- */

static void test_rows_and_params(void)
{
    const char *v[2] = {"41", NULL};
    PGresult *res;

    CHECK_EQ_INT(sql_query(pg, "SELECT $1::int + 1, $2::text IS NULL", 2, v, &res), 0);
    CHECK(res != NULL);
    if (!res)
        return;
    CHECK_EQ_INT(PQntuples(res), 1);
    CHECK_EQ_STR(PQgetvalue(res, 0, 0), "42");
    CHECK_EQ_STR(PQgetvalue(res, 0, 1), "t");
    PQclear(res);
    /* A value is data, never SQL: a quote inside it stays a character. */
    v[0] = "it's'; DROP TABLE t; --";
    CHECK_EQ_INT(sql_query(pg, "SELECT length($1)", 1, v, &res), 0);
    if (res)
        CHECK_EQ_INT(strtol(PQgetvalue(res, 0, 0), NULL, 10), (long)strlen(v[0]));
    PQclear(res);
}

static void test_affected(void)
{
    const char *v[1] = {"b"};
    int64_t n = -1;

    CHECK_EQ_INT(sql_exec(pg, "CREATE TEMP TABLE t (k text PRIMARY KEY, n int)", 0, NULL, NULL), 0);
    CHECK_EQ_INT(sql_exec(pg, "INSERT INTO t VALUES ('a', 1), ('b', 2), ('c', 3)", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(sql_exec(pg, "UPDATE t SET n = n + 10 WHERE k <> $1", 1, v, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(sql_exec(pg, "UPDATE t SET n = 0 WHERE k = $1 RETURNING k", 1, v, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(sql_exec(pg, "SELECT k FROM t", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(sql_exec(pg, "DELETE FROM t WHERE k = 'zz'", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 0);
}

static void test_typed_errors(void)
{
    const char *dup[1] = {"a"}, *bad[1] = {"not-a-uuid"};
    PGresult *res = (PGresult *)&res;
    int64_t n;

    CHECK_EQ_INT(sql_query(pg, "INSERT INTO t VALUES ($1, 9)", 1, dup, &res), FC_ECONFLICT);
    CHECK(res == NULL);
    CHECK_EQ_INT(sql_query(pg, "SELECT $1::uuid", 1, bad, &res), FC_EINVAL);
    CHECK_EQ_INT(sql_exec(pg, "SELECT 1::int / 0", 0, NULL, NULL), FC_EINVAL);
    CHECK_EQ_INT(sql_exec(pg, "SELEC 1", 0, NULL, NULL), FC_EIO);
    CHECK_EQ_INT(sql_exec(pg, "SELECT no_such_column FROM t", 0, NULL, NULL), FC_EIO);
    CHECK_EQ_INT(sql_exec(pg, "SET statement_timeout = 50", 0, NULL, NULL), 0);
    CHECK_EQ_INT(sql_exec(pg, "SELECT pg_sleep(2)", 0, NULL, NULL), FC_ETIMEDOUT);
    CHECK_EQ_INT(sql_exec(pg, "RESET statement_timeout", 0, NULL, NULL), 0);
    /* A failed statement outside a transaction leaves the connection usable. */
    CHECK(PQstatus(pg) == CONNECTION_OK);
    CHECK_EQ_INT(sql_exec(pg, "SELECT * FROM t", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 3);
}

static void test_one_value(void)
{
    const char *v[1] = {"c"};
    char buf[16] = "junk", tiny[2];
    int64_t n = 0;

    CHECK_EQ_INT(sql_text(pg, "SELECT k || 'x' FROM t WHERE k = $1", 1, v, buf, sizeof(buf)), 0);
    CHECK_EQ_STR(buf, "cx");
    CHECK_EQ_INT(sql_text(pg, "SELECT k FROM t WHERE k = 'zz'", 0, NULL, buf, sizeof(buf)),
                 FC_ENOTFOUND);
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_INT(sql_text(pg, "SELECT NULL::text", 0, NULL, buf, sizeof(buf)), FC_ENOTFOUND);
    CHECK_EQ_INT(sql_text(pg, "SELECT 'abc'", 0, NULL, tiny, sizeof(tiny)), FC_ETOOBIG);
    CHECK_EQ_STR(tiny, "");
    CHECK_EQ_INT(sql_text(pg, "SELEC", 0, NULL, buf, sizeof(buf)), FC_EIO);
    CHECK_EQ_INT(sql_int64(pg, "SELECT sum(n) FROM t", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 24);
    CHECK_EQ_INT(sql_int64(pg, "SELECT '-9223372036854775808'::bigint", 0, NULL, &n), 0);
    CHECK(n == INT64_MIN);
    CHECK_EQ_INT(sql_int64(pg, "SELECT 'x12'", 0, NULL, &n), FC_EIO);
    CHECK_EQ_INT(sql_int64(pg, "SELECT 1.5", 0, NULL, &n), FC_EIO);
}

static int64_t rows_of_t(void)
{
    int64_t n = -1;

    if (sql_int64(pg, "SELECT count(*) FROM t", 0, NULL, &n) != 0)
        return -1;
    return n;
}

static void test_transactions(void)
{
    const char *v[1] = {"d"};

    CHECK_EQ_INT(sql_begin(pg), 0);
    CHECK_EQ_INT(sql_exec(pg, "INSERT INTO t VALUES ($1, 4)", 1, v, NULL), 0);
    sql_rollback(pg);
    CHECK(PQtransactionStatus(pg) == PQTRANS_IDLE);
    CHECK_EQ_INT(rows_of_t(), 3);
    CHECK_EQ_INT(sql_begin(pg), 0);
    CHECK_EQ_INT(sql_exec(pg, "INSERT INTO t VALUES ($1, 4)", 1, v, NULL), 0);
    CHECK_EQ_INT(sql_commit(pg), 0);
    CHECK_EQ_INT(rows_of_t(), 4);
    /* A statement fails and the caller commits anyway: PostgreSQL answers COMMIT with
     * ROLLBACK, and the helper says so instead of reporting success. */
    v[0] = "e";
    CHECK_EQ_INT(sql_begin(pg), 0);
    CHECK_EQ_INT(sql_exec(pg, "INSERT INTO t VALUES ($1, 5)", 1, v, NULL), 0);
    CHECK_EQ_INT(sql_exec(pg, "INSERT INTO t VALUES ('a', 1)", 0, NULL, NULL), FC_ECONFLICT);
    CHECK(PQtransactionStatus(pg) == PQTRANS_INERROR);
    CHECK_EQ_INT(sql_commit(pg), FC_EIO);
    CHECK(PQtransactionStatus(pg) == PQTRANS_IDLE);
    CHECK_EQ_INT(rows_of_t(), 4);
    /* A rollback with nothing open, and a failed transaction rolled back, are both fine. */
    sql_rollback(pg);
    CHECK_EQ_INT(sql_begin(pg), 0);
    CHECK_EQ_INT(sql_exec(pg, "SELEC", 0, NULL, NULL), FC_EIO);
    sql_rollback(pg);
    CHECK(PQtransactionStatus(pg) == PQTRANS_IDLE);
    CHECK_EQ_INT(rows_of_t(), 4);
}

static void test_script(void)
{
    int64_t n = -1;

    CHECK_EQ_INT(sql_script(pg, "CREATE TEMP TABLE s (x int); INSERT INTO s VALUES (1), (2);"
                                "-- a comment\nINSERT INTO s VALUES (3)"),
                 0);
    CHECK_EQ_INT(sql_int64(pg, "SELECT sum(x) FROM s", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(sql_script(pg, "INSERT INTO s VALUES (4); INSERT INTO nowhere VALUES (1)"),
                 FC_EIO);
    /* The statements of one script run as one implicit transaction: all or nothing. */
    CHECK_EQ_INT(sql_int64(pg, "SELECT count(*) FROM s", 0, NULL, &n), 0);
    CHECK_EQ_INT(n, 3);
}

/* Runs a failing statement with a recognisable parameter and returns what it logged
 * (static buffer). */
static const char *logged_failure(void)
{
    static char out[2048];
    const char *v[1] = {"s3cret-value-77"};
    char path[] = "/tmp/test_sql_log_XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    ssize_t got;

    out[0] = '\0';
    if (fd < 0 || saved < 0)
        return out;
    log_init("test_sql", LOG_ERROR);
    dup2(fd, 2);
    (void)sql_exec(pg, "SELECT $1::uuid", 1, v, NULL);
    dup2(saved, 2);
    log_init("test_sql", LOG_OFF);
    close(saved);
    got = pread(fd, out, sizeof(out) - 1, 0);
    out[got > 0 ? got : 0] = '\0';
    close(fd);
    unlink(path);
    return out;
}

static void test_log_line(void)
{
    const char *line = logged_failure();
    char msg[256];

    CHECK(strstr(line, "\"sqlstate\":\"22P02\"") != NULL);
    CHECK(strstr(line, "\"error\":\"invalid\"") != NULL);
    CHECK(strstr(line, "SELECT $1::uuid") != NULL);
    CHECK(strstr(line, "s3cret") == NULL);
    /* The operator-facing message still has PostgreSQL's words. */
    sql_errmsg(pg, msg, sizeof(msg));
    CHECK(strstr(msg, "uuid") != NULL);
    CHECK(strchr(msg, '\n') == NULL);
}

/* sql_send() then sql_receive(): the same results and errors as sql_query(), the caller free
 * to work in between, and the connection ready for the next statement afterwards. */
static void test_send_receive(void)
{
    const char *v[] = {"20", "not-a-uuid"};
    PGresult *res = (PGresult *)&res;
    char buf[16];

    sql_send(pg, "SELECT $1::int * 2", 1, v);
    usleep(1000); /* the server answers meanwhile */
    CHECK_EQ_INT(sql_receive(pg, "SELECT $1::int * 2", &res), 0);
    CHECK(res && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "40") == 0);
    PQclear(res);
    sql_send(pg, "SELECT $1::uuid", 1, v + 1);
    CHECK_EQ_INT(sql_receive(pg, "SELECT $1::uuid", &res), FC_EINVAL);
    CHECK(res == NULL);
    CHECK(PQtransactionStatus(pg) == PQTRANS_IDLE);
    CHECK_EQ_INT(sql_text(pg, "SELECT 'after'", 0, NULL, buf, sizeof(buf)), 0);
    CHECK_EQ_STR(buf, "after");
}

/* The backend goes away under the connection (an administrator's pg_terminate_backend()):
 * the helper reports FC_EDEP, does not reconnect, and stays harmless afterwards. */
static void test_dead_connection(void)
{
    PGconn *admin = pgtest_open("test_sql", DB_CHECKS);
    char pid[16];
    const char *v[1] = {pid};
    PGresult *res = (PGresult *)&res;

    if (!admin)
        return;
    CHECK_EQ_INT(sql_text(pg, "SELECT pg_backend_pid()::text", 0, NULL, pid, sizeof(pid)), 0);
    CHECK_EQ_INT(sql_exec(admin, "SELECT pg_terminate_backend($1::int)", 1, v, NULL), 0);
    pg_close(admin);
    usleep(100 * 1000);
    CHECK_EQ_INT(sql_query(pg, "SELECT 1", 0, NULL, &res), FC_EDEP);
    CHECK(res == NULL);
    CHECK(PQstatus(pg) == CONNECTION_BAD);
    CHECK_EQ_INT(sql_exec(pg, "SELECT 1", 0, NULL, NULL), FC_EDEP);
    CHECK_EQ_INT(sql_begin(pg), FC_EDEP);
    sql_rollback(pg);
    CHECK(PQstatus(pg) == CONNECTION_BAD);
    sql_send(pg, "SELECT 1", 0, NULL); /* nothing is sent: the receive does not wait */
    CHECK_EQ_INT(sql_receive(pg, "SELECT 1", &res), FC_EDEP);
    CHECK(res == NULL);
}

static void test_with_database(void)
{
    int before = t_checks;

    pg = pgtest_open("test_sql", DB_CHECKS);
    if (!pg)
        return;
    test_rows_and_params();
    test_affected();
    test_typed_errors();
    test_one_value();
    test_transactions();
    test_script();
    test_log_line();
    test_send_receive();
    test_dead_connection();
    pg_close(pg);
    /* DB_CHECKS counts the checks above, this one aside. */
    CHECK_EQ_INT(t_checks - before, DB_CHECKS);
}

TEST_MAIN(test_no_server, test_http_answer, test_with_database)
