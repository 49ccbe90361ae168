/* seed.h - the demo user and its deterministic, lively finance history (SPEC §3).
 *
 * seed_demo() creates demo@finchat.dev / DemoPass2026! ("Demo User") with checking, savings,
 * credit card and investment accounts, holdings, goals, budgets (some near or over their limit
 * this month), about 350 transactions over the six complete months before the current one
 * and the current month so far (salary twice a month, rent, groceries, dining, transport,
 * utilities, subscriptions, shopping, a trip), and planted anomalies that the real fraud rules
 * turn into alerts: a large purchase at 3 a.m. and a duplicate charge two minutes apart.
 * Everything is drawn from a fixed PRNG seed with dates relative to the current month, so the
 * dashboard always looks current. Account balances equal the sums of their transactions.
 * A cached briefing is written to ai_briefings from the figures.
 *
 * Idempotent: when the demo user exists, it only makes sure its context document exists. */
#ifndef FINCHAT_SEED_H
#define FINCHAT_SEED_H

#include <libpq-fe.h>
#include <mongoc/mongoc.h>

#define SEED_EMAIL "demo@finchat.dev"
#define SEED_PASSWORD "DemoPass2026!"
#define SEED_NAME "Demo User"

/* Seeds the demo user in one transaction. @mongo may be NULL (no context document then).
 * Returns 0 (also when the user already existed), or a negative FC_E* code with the reason in
 * @errbuf. A MongoDB failure is logged and does not fail the seed. */
int seed_demo(PGconn *pg, mongoc_client_t *mongo, const char *db, char *errbuf, unsigned errlen);

/* Deletes the demo user with all its rows and documents (messages, histories, context), then
 * seeds it afresh: what `make test` leaves behind (test transactions, conversations,
 * resolved alerts) is gone and the demo looks as on first start. The user gets a new id, so
 * its tokens and sessions end. Same return contract as seed_demo(). */
int seed_demo_reset(PGconn *pg, mongoc_client_t *mongo, const char *db, char *errbuf,
                    unsigned errlen);

#endif
