/* Unit tests for worker.c's loop: worker_run() reports a fatal Kafka error (worker.h).
 *
 * The worker is built by worker_new() itself, against addresses where nothing listens (its
 * set-up tolerates Kafka and MongoDB being down), and the fatal error is raised on its real
 * client handles with librdkafka's rd_kafka_test_fatal_error(). Each case runs in a child
 * process under alarm(), so that a worker_run() that does not see the error fails the test
 * instead of hanging it. */
#include "test.h"
#include "clock.h"
#include "config.h"
#include "err.h"
#include "llm-worker/core/worker.h"
#include "llm-worker/core/worker_int.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

#define RUN_MAX_MS 3000 /* worker_run() with a dead client must return before this */

/* A worker on unreachable Kafka and MongoDB; NULL, said on @out, on failure. */
static struct worker *new_worker(struct fc_config *cfg, int out)
{
    char err[512];
    struct worker *w;

    /* Port 1: nothing listens there, so no test ever talks to a running stack. */
    setenv("FINCHAT_KAFKA_BROKERS", "127.0.0.1:1", 1);
    setenv("FINCHAT_MONGO_URL",
           "mongodb://127.0.0.1:1/finchat_unit?serverSelectionTimeoutMS=100&connectTimeoutMS=100",
           1);
    setenv("FINCHAT_LLM_CHAIN", "analyst", 1);
    setenv("FINCHAT_WORKER_HEALTH_ADDR", "", 1);
    if (config_load_opts(cfg, CONFIG_NO_SECRETS, err, sizeof(err)) != 0) {
        dprintf(out, "config: %s\n", err);
        return NULL;
    }
    w = worker_new(cfg, err, sizeof(err));
    if (!w)
        dprintf(out, "worker_new: %s\n", err);
    return w;
}

/* In a child process: raises a fatal error on one client of a new worker (0: the producer,
 * 1: the requests consumer) and runs it. Exits 0 when worker_run() returned FC_EDEP within
 * RUN_MAX_MS; without the check it runs on with a dead client until SIGALRM ends it. */
static void child_run_fatal(int client)
{
    struct fc_config cfg;
    struct worker *w;
    rd_kafka_resp_err_t err;
    int64_t t0, took;
    int rc, out = dup(2), null = open("/dev/null", O_WRONLY);

    /* The worker's logs (Kafka unreachable, every second) would drown the test's output. */
    if (null >= 0)
        dup2(null, 2);
    w = new_worker(&cfg, out);
    if (!w)
        _exit(2);
    err = rd_kafka_test_fatal_error(client == 0 ? w->producer : w->consumer,
                                    RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                    "injected by test_worker");
    if (err) {
        dprintf(out, "rd_kafka_test_fatal_error: %s\n", rd_kafka_err2str(err));
        _exit(3);
    }
    alarm(RUN_MAX_MS / 1000 + 2);
    t0 = clock_mono_ms();
    rc = worker_run(w);
    took = clock_mono_ms() - t0;
    worker_free(w);
    config_release(&cfg);
    dprintf(out, "client %d: worker_run returned %d after %lld ms\n", client, rc, (long long)took);
    _exit(rc == FC_EDEP && took < RUN_MAX_MS ? 0 : 4);
}

/* Both cases run side by side in child processes (the set-up waits seconds for Kafka). */
static void test_fatal_error(void)
{
    pid_t pid[2];
    int status;

#ifdef __SANITIZE_THREAD__
    TEST_SKIP(
        "worker_run() with live Kafka clients",
        "librdkafka starts its threads with C11 thrd_create(), which this ThreadSanitizer does not "
        "intercept, so a live client crashes it; make test runs these checks plain and under ASan");
    return;
#endif
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        if (pid[i] == 0)
            child_run_fatal(i);
        CHECK(pid[i] > 0);
    }
    for (int i = 0; i < 2; i++) {
        if (pid[i] <= 0)
            continue;
        CHECK(waitpid(pid[i], &status, 0) == pid[i]);
        CHECK(WIFEXITED(status));
        CHECK_EQ_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), 0);
    }
}

TEST_MAIN(test_fatal_error)
