/* main.c - finchat-worker: loads the configuration and runs the chat worker until SIGTERM. */
#include "config.h"
#include "err.h"
#include "log.h"
#include "mongo.h"
#include "sig.h"
#include "llm-worker/core/worker.h"

#include <stdio.h>
#include <string.h>

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
    rc = config_load_opts(&cfg, CONFIG_NO_SECRETS, err, sizeof(err));
    if (rc) {
        log_error("configuration: %s", err);
        return 1;
    }
    sig_install();
    mongo_global_init();
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
