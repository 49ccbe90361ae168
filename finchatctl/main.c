/* main.c - finchatctl, the operator CLI: migrate, seed the demo user, create a user, print
 * the configuration table, generate a signing key, check dependencies, and tail or replay
 * the Kafka chat topics with decoded messages. */
#include "config.h"
#include "err.h"
#include "log.h"
#include "mongo.h"
#include "pgconn.h"
#include "xmalloc.h"
#include "api-gateway/auth/password.h"
#include "api-gateway/db/migrate.h"
#include "api-gateway/db/seed.h"
#include "api-gateway/db/sql.h"
#include "finchatctl/replay.h"
#include "finchatctl/tail.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: finchatctl COMMAND [ARGS]\n"
            "  migrate                      apply database migrations\n"
            "  seed-demo [--reset]          create demo@finchat.dev with demo data (idempotent);\n"
            "                               --reset deletes the demo user and its data first\n"
            "  create-user EMAIL NAME       create a user; the password is read from stdin\n"
            "  rotate-key                   print a fresh signing key for FINCHAT_JWT_SECRET\n"
            "  config-doc                   print the configuration table (Markdown)\n"
            "  check                        check PostgreSQL and MongoDB connectivity\n"
            "  tail TOPIC [--from-beginning] [--max N]\n"
            "                               decode, validate and print a chat topic\n"
            "  replay REQUEST_ID            print the events and answer of one chat request\n");
}

static PGconn *open_pg(const struct fc_config *cfg)
{
    char err[512];
    PGconn *pg = pg_open(cfg->pg_url, err, sizeof(err));

    if (!pg)
        fprintf(stderr, "finchatctl: %s\n", err);
    return pg;
}

static int cmd_migrate(const struct fc_config *cfg)
{
    char err[1024];
    PGconn *pg = open_pg(cfg);
    int n;

    if (!pg)
        return 1;
    n = migrate_run(pg, err, sizeof(err));
    pg_close(pg);
    if (n < 0) {
        fprintf(stderr, "finchatctl: %s\n", err);
        return 1;
    }
    printf("migrations: %d applied, %d known\n", n, nmigrations);
    return 0;
}

static int cmd_seed(const struct fc_config *cfg, bool reset)
{
    char err[1024], *db = NULL;
    PGconn *pg = open_pg(cfg);
    mongoc_client_pool_t *pool;
    mongoc_client_t *mc;
    int rc = 1;

    if (!pg)
        return 1;
    pool = mongo_pool_new(cfg->mongo_url, &db, err, sizeof(err));
    if (!pool) {
        fprintf(stderr, "finchatctl: %s\n", err);
        pg_close(pg);
        return 1;
    }
    mc = mongoc_client_pool_pop(pool);
    if (migrate_run(pg, err, sizeof(err)) < 0)
        fprintf(stderr, "finchatctl: %s\n", err);
    else if ((reset ? seed_demo_reset : seed_demo)(pg, mc, db, err, sizeof(err)) != 0)
        fprintf(stderr, "finchatctl: seed-demo: %s\n", err);
    else {
        printf("demo user ready: demo@finchat.dev / DemoPass2026!\n");
        rc = 0;
    }
    mongoc_client_pool_push(pool, mc);
    mongoc_client_pool_destroy(pool);
    free(db);
    pg_close(pg);
    return rc;
}

static int cmd_create_user(const struct fc_config *cfg, int argc, char **argv)
{
    char pw[300], hash[PASSWORD_HASH_MAX], id[37], msg[256];
    PGconn *pg;
    int rc;

    if (argc < 4) {
        usage(stderr);
        return 2;
    }
    if (!fgets(pw, sizeof(pw), stdin)) {
        fprintf(stderr, "finchatctl: read the password from stdin\n");
        return 2;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    if (strlen(pw) < 10) {
        fprintf(stderr, "finchatctl: the password needs at least 10 characters\n");
        return 2;
    }
    if (password_hash(pw, hash, sizeof(hash)) != 0)
        return 1;
    pg = open_pg(cfg);
    if (!pg)
        return 1;
    {
        const char *v[] = {argv[2], argv[3], hash};

        rc = sql_text(pg,
                      "INSERT INTO users (email, name, password_hash) VALUES (lower($1), "
                      "$2, $3) RETURNING id",
                      3, v, id, sizeof(id));
    }
    if (rc) {
        sql_errmsg(pg, msg, sizeof(msg));
        fprintf(stderr, "finchatctl: %s\n", msg[0] ? msg : err_str(rc));
    } else {
        printf("%s\n", id);
    }
    pg_close(pg);
    return rc ? 1 : 0;
}

static int cmd_rotate_key(void)
{
    unsigned char b[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
        return 1;
    close(fd);
    for (size_t i = 0; i < sizeof(b); i++)
        printf("%02x", b[i]);
    printf("\n# Set FINCHAT_JWT_PREV_SECRET/FINCHAT_JWT_PREV_KID to the current key and kid,\n"
           "# then FINCHAT_JWT_SECRET to this value with a new FINCHAT_JWT_KID.\n");
    return 0;
}

static int cmd_check(const struct fc_config *cfg)
{
    char err[512], *db = NULL;
    PGconn *pg = open_pg(cfg);
    mongoc_client_pool_t *pool = mongo_pool_new(cfg->mongo_url, &db, err, sizeof(err));
    mongoc_client_t *mc = pool ? mongoc_client_pool_pop(pool) : NULL;
    bool pg_ok = pg && pg_ping(pg), mongo_ok = mc && mongo_ping(mc);

    printf("postgres: %s\nmongo: %s\n", pg_ok ? "ok" : "down", mongo_ok ? "ok" : "down");
    if (mc)
        mongoc_client_pool_push(pool, mc);
    if (pool)
        mongoc_client_pool_destroy(pool);
    free(db);
    pg_close(pg);
    return pg_ok && mongo_ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct fc_config cfg;
    char err[512];
    int rc;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "config-doc") == 0) {
        config_print_markdown(stdout);
        return 0;
    }
    if (strcmp(argv[1], "rotate-key") == 0)
        return cmd_rotate_key();
    if (config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "finchatctl: %s\n", err);
        return 2;
    }
    log_init("finchatctl", -1);
    if (strcmp(argv[1], "migrate") == 0)
        rc = cmd_migrate(&cfg);
    else if (strcmp(argv[1], "seed-demo") == 0 && argc == 2)
        rc = cmd_seed(&cfg, false);
    else if (strcmp(argv[1], "seed-demo") == 0 && argc == 3 && strcmp(argv[2], "--reset") == 0)
        rc = cmd_seed(&cfg, true);
    else if (strcmp(argv[1], "create-user") == 0)
        rc = cmd_create_user(&cfg, argc, argv);
    else if (strcmp(argv[1], "check") == 0)
        rc = cmd_check(&cfg);
    else if (strcmp(argv[1], "tail") == 0)
        rc = ctl_tail(&cfg, argc - 1, argv + 1);
    else if (strcmp(argv[1], "replay") == 0)
        rc = ctl_replay(&cfg, argc - 1, argv + 1);
    else {
        usage(stderr);
        rc = 2;
    }
    config_release(&cfg);
    return rc;
}
