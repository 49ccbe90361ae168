/* context.h - the assistant's snapshot of one user's finances, kept in MongoDB.
 *
 * Collection `contexts`, one document per user, `_id` = the user's UUID. The worker puts it
 * into the prompt and the offline analyst answers from it, so it holds figures ready to quote
 * (money in integer minor units of `currency`, magnitudes for expenses):
 *
 *   {_id, schema:"finchat.context/1", user_id, name, currency, updated_at (RFC 3339),
 *    data_version (users.data_version read before the figures: the document holds at least
 *    what that version committed; workers cache documents by it, llm-worker/engine/ctxcache.h),
 *    net_worth_minor, accounts:[{name,type,institution,balance_minor,currency}],
 *    this_month:{month,income_minor,expenses_minor,savings_rate_pct},
 *    last_month:{...same...},
 *    last_6_months:{income_minor,expenses_minor,savings_rate_pct,
 *                   months:[{month,income_minor,expenses_minor,net_minor}]},  (complete months)
 *    top_categories_this_month:[{category,amount_minor,count,share_pct}],
 *    top_categories_last_month:[...],
 *    subscriptions:{monthly_total_minor,items:[{merchant,amount_minor,cadence,last_charged,
 *                   next_expected,annual_minor,count}]},
 *    goals:[{name,target_minor,current_minor,target_date,progress_pct}],
 *    holdings:[{symbol,name,quantity,price_minor,market_value_minor,currency}],
 *    holdings_total_minor,
 *    fraud_alerts:[{id,score,level,reasons,created_at,merchant,amount_minor,posted_at}] (open),
 *    budgets:{month,items:[{category,limit_minor,spent_minor,pct,status}]},
 *    health_score:{score,parts:[{key,label,value,points,max_points,reason}]},
 *    forecast:{months:12,monthly_income_minor,monthly_expenses_minor,
 *              monthly_net_minor:{conservative,expected,optimistic},
 *              end_balance_minor:{conservative,expected,optimistic}},
 *    largest_expenses_this_month:[Txn] (5), recent_transactions:[Txn] (15),
 *    last_30_days:{from,to (YYYY-MM-DD, UTC, both included),expenses_minor,categories_limit,
 *                  top_categories:[{category,amount_minor,count,share_pct}] (at most the limit)}}
 *   Txn = {posted_at,merchant,description,amount_minor,category,type,account_name}
 *
 * Only basic commands are used (replaceOne with upsert), which FerretDB serves. */
#ifndef FINCHAT_CONTEXT_H
#define FINCHAT_CONTEXT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <mongoc/mongoc.h>

#define CONTEXT_COLLECTION "contexts"
#define CONTEXT_SCHEMA "finchat.context/1"

/* Builds the context document of @user_id from PostgreSQL. Returns a new reference, or NULL
 * after logging when a query failed or the user does not exist. */
json_t *context_build(PGconn *pg, const char *user_id);

/* Replaces @user_id's document in @db.contexts with a fresh context_build(). Returns 0,
 * FC_EDEP when PostgreSQL or MongoDB failed (logged), FC_EINVAL without a Mongo client.
 * Once stored, users.context_day is set to the current UTC day: a document of an earlier day
 * is rebuilt before the next question is answered (chat.c). Callers on a write path log and
 * carry on: the next change retries.
 * @locality any thread, with its own @pg and @mongo. */
int context_rebuild(PGconn *pg, mongoc_client_t *mongo, const char *db, const char *user_id);

#endif
