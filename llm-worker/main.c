/* main.c - finchat-worker: loads the configuration and runs the chat worker until SIGTERM. */
#include "config.h"
#include "err.h"
#include "log.h"
#include "sig.h"
#include "worker.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>

/* Routes the MongoDB driver's messages into the JSON log (they are plain text on stderr
 * otherwise). FerretDB's "no such command: endSessions" on close is expected: debug. */
static void driver_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud)
{
    enum log_level lvl = LOG_DEBUG;

    (void)ud;
    if (level <= MONGOC_LOG_LEVEL_ERROR)
        lvl = LOG_ERROR;
    else if (level == MONGOC_LOG_LEVEL_WARNING && !strstr(message, "endSessions"))
        lvl = LOG_WARN;
    log_emit(lvl, NULL, NULL, NULL, "mongo %s: %s", domain, message);
}

int main(int argc, char **argv)
{
    struct fc_config cfg;
    struct worker *w;
    char err[512];
    int rc;

    (void)argv;
    log_init("worker", -1);
    if (argc > 1) {
        fprintf(stderr, "usage: finchat-worker (configured by environment, see README)\n");
        return 2;
    }
    rc = config_load(&cfg, err, sizeof(err));
    if (rc) {
        log_error("configuration: %s", err);
        return 1;
    }
    sig_install();
    mongoc_log_set_handler(driver_log, NULL);
    w = worker_new(&cfg, err, sizeof(err));
    if (!w) {
        log_error("cannot start: %s", err);
        rc = 1;
        goto out_release_cfg;
    }
    rc = worker_run(w) == 0 ? 0 : 1;
    worker_free(w);
out_release_cfg:
    config_release(&cfg);
    return rc;
}
