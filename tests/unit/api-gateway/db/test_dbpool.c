/* test_dbpool.c - dbpool_exec() against a scripted PostgreSQL server on loopback: a
 * connection whose server went away while it was idle is replaced before the statement is
 * sent; a statement the server received is never sent twice; a notice is not a death. */
#include "test.h"

#include "api-gateway/db/dbpool.h"
#include "pgconn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the fake server does with its first connection once the client is connected. */
enum script {
    CLOSE_IDLE,  /* close it at once: the server "restarts" under an idle connection */
    CLOSE_AFTER, /* read one statement, then close without an answer: it may have run */
    NOTICE_IDLE, /* send a notice while idle, then serve statements */
};

struct fake {
    int lfd;
    int port;
    enum script script;
    int accepted;   /* connections accepted */
    int statements; /* statements received (up to their Sync) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool first_done; /* the first connection's script has run */
};

static bool read_full(int fd, void *buf, size_t n)
{
    char *p = buf;

    while (n) {
        ssize_t r = read(fd, p, n);

        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static void send_msg(int fd, char type, const void *body, uint32_t n)
{
    char buf[256];
    uint32_t len = htonl(n + 4);

    buf[0] = type;
    memcpy(buf + 1, &len, 4);
    memcpy(buf + 5, body, n);
    if (write(fd, buf, n + 5) < 0)
        perror("fake server write");
}

/* Reads the startup packet and answers AuthenticationOk, ReadyForQuery. */
static bool handshake(int fd)
{
    uint32_t len;
    char buf[1024];
    const char ok[4] = {0, 0, 0, 0};

    if (!read_full(fd, &len, 4) || ntohl(len) < 8 || ntohl(len) - 4 > sizeof(buf))
        return false;
    if (!read_full(fd, buf, ntohl(len) - 4))
        return false;
    send_msg(fd, 'R', ok, 4);
    send_msg(fd, 'Z', "I", 1);
    return true;
}

/* Reads the messages of one extended-protocol statement, up to its Sync. */
static bool read_statement(struct fake *f, int fd)
{
    for (;;) {
        char type;
        uint32_t len;
        char buf[4096];

        if (!read_full(fd, &type, 1) || !read_full(fd, &len, 4))
            return false;
        if (ntohl(len) < 4 || ntohl(len) - 4 > sizeof(buf) || !read_full(fd, buf, ntohl(len) - 4))
            return false;
        if (type == 'S')
            break;
    }
    pthread_mutex_lock(&f->lock);
    f->statements++;
    pthread_mutex_unlock(&f->lock);
    return true;
}

/* Answers statements with ParseComplete, BindComplete, NoData, "UPDATE 1", until EOF. */
static void serve(struct fake *f, int fd)
{
    while (read_statement(f, fd)) {
        send_msg(fd, '1', "", 0);
        send_msg(fd, '2', "", 0);
        send_msg(fd, 'n', "", 0);
        send_msg(fd, 'C', "UPDATE 1", 9);
        send_msg(fd, 'Z', "I", 1);
    }
}

static void first_done(struct fake *f)
{
    pthread_mutex_lock(&f->lock);
    f->first_done = true;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    int fd;

    while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
        bool first;

        pthread_mutex_lock(&f->lock);
        first = f->accepted++ == 0;
        pthread_mutex_unlock(&f->lock);
        if (!handshake(fd)) {
            close(fd);
            continue;
        }
        if (first && f->script == CLOSE_IDLE) {
            close(fd);
            first_done(f);
            continue;
        }
        if (first && f->script == CLOSE_AFTER) {
            read_statement(f, fd);
            close(fd);
            first_done(f);
            continue;
        }
        if (first && f->script == NOTICE_IDLE) {
            static const char notice[] = "SNOTICE\0Mhello\0";

            usleep(100 * 1000); /* after the client's connect has returned */
            send_msg(fd, 'N', notice, sizeof(notice));
            first_done(f);
        }
        serve(f, fd);
        close(fd);
    }
    return NULL;
}

static void fake_start(struct fake *f, enum script s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);

    memset(f, 0, sizeof(*f));
    f->script = s;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(f->lfd, 4) != 0 ||
        getsockname(f->lfd, (struct sockaddr *)&a, &alen) != 0)
        abort();
    f->port = ntohs(a.sin_port);
    pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_wait_first(struct fake *f)
{
    pthread_mutex_lock(&f->lock);
    while (!f->first_done)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    usleep(50 * 1000); /* the FIN reaches the client's socket */
}

static void fake_stop(struct fake *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    close(f->lfd);
    pthread_join(f->thread, NULL);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *connect_to(const struct fake *f)
{
    char url[160], err[256];
    PGconn *pg;

    snprintf(url, sizeof(url),
             "host=127.0.0.1 port=%d user=t dbname=t sslmode=disable gssencmode=disable", f->port);
    pg = pg_open(url, err, sizeof(err));
    if (!pg)
        fprintf(stderr, "connect to the fake server: %s\n", err);
    return pg;
}

/* Connects to a fake server running @script, runs one statement through dbpool_exec() and
 * checks its result and how many connections and statements the server saw. */
static void exec_against(enum script script, ExecStatusType want, int accepted, int statements)
{
    struct fake f;
    PGconn *pg;
    PGresult *res;

    fake_start(&f, script);
    pg = connect_to(&f);
    CHECK(pg != NULL);
    PQsetNoticeProcessor(pg, quiet, NULL);
    if (script != CLOSE_AFTER) {
        fake_wait_first(&f);
        /* libpq has not noticed the server's goodbye: the pool must look before use. */
        CHECK(PQstatus(pg) == CONNECTION_OK);
    }
    res = dbpool_exec(pg, "UPDATE t SET x = $1", 1, (const char *const[]){"1"});
    CHECK_EQ_INT(PQresultStatus(res), want);
    PQclear(res);
    if (script == CLOSE_AFTER)
        fake_wait_first(&f);
    CHECK_EQ_INT(f.accepted, accepted);
    CHECK_EQ_INT(f.statements, statements);
    pg_close(pg);
    fake_stop(&f);
}

/* The server went away while the connection was idle: a new one runs the statement. */
static void test_dead_idle_connection_is_replaced(void)
{
    exec_against(CLOSE_IDLE, PGRES_COMMAND_OK, 2, 1);
}

/* The server received the statement and died: it may have run, so it is not sent again. */
static void test_statement_that_may_have_run_is_not_retried(void)
{
    exec_against(CLOSE_AFTER, PGRES_FATAL_ERROR, 1, 1);
}

/* A notice while idle makes the socket readable but the connection is fine: kept. */
static void test_notice_keeps_connection(void)
{
    exec_against(NOTICE_IDLE, PGRES_COMMAND_OK, 1, 1);
}

TEST_MAIN(test_dead_idle_connection_is_replaced, test_statement_that_may_have_run_is_not_retried,
          test_notice_keeps_connection)
