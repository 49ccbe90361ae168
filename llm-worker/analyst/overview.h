/* overview.h - the overview answers: biggest risk, summary, savings rate, subscriptions, fraud
 * alerts, budgets and the forecast.
 *
 * Pure: no I/O, no globals; any thread. Every function writes into @a->out. */
#ifndef FINCHAT_ANALYST_OVERVIEW_H
#define FINCHAT_ANALYST_OVERVIEW_H

#include "llm-worker/analyst/ans.h"

#include <stdbool.h>
#include <stdint.h>

/* The biggest financial risks found in the document, most severe first. */
void overview_risk(struct ans *a);

/* A short summary: this month's spending against income, net worth, the top categories. */
void overview_summary(struct ans *a);

/* This month's savings rate: what was kept of the income. */
void overview_savings(struct ans *a);

/* The recurring merchants, their monthly cost and total. */
void overview_subscriptions(struct ans *a);

/* The open fraud alerts with their reasons. */
void overview_fraud(struct ans *a);

/* Each budget's spent, left and status this month. */
void overview_budgets(struct ans *a);

/* The 12-month forecast: conservative, expected and optimistic. */
void overview_forecast(struct ans *a);

#endif
