/* balances.h - answers about what the user has: investments, net worth and accounts, income, the
 * largest expenses, goals, the health score, recent transactions and cash flow.
 *
 * Pure: no I/O, no globals; any thread. Every function writes into @a->out. */
#ifndef FINCHAT_ANALYST_BALANCES_H
#define FINCHAT_ANALYST_BALANCES_H

#include "llm-worker/analyst/ans.h"

#include <stdbool.h>
#include <stdint.h>

/* Holdings by market value: {symbol, name, quantity, market_value_minor}. */
void balances_investments(struct ans *a);

/* Net worth and the balance of each account. */
void balances_net_worth(struct ans *a);

/* Income this month and the monthly average over the months the document holds. */
void balances_income(struct ans *a);

/* The largest expenses (the document's list, else the recent transactions' largest). */
void balances_largest(struct ans *a);

/* Each goal's progress and the months left at the current saving pace. */
void balances_goals(struct ans *a);

/* The health score and its six parts. */
void balances_health(struct ans *a);

/* The most recent transactions. */
void balances_recent(struct ans *a);

/* Income, spending and net of each month the document holds. */
void balances_cashflow(struct ans *a);

#endif
