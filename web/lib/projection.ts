// The simulator's instant projection, computed in the browser on every slider move while the
// server's POST /simulate is in flight. Integer minor units throughout (rounded each month).
//
// Model: each month the household saves `savings_rate`% of income, plus `monthly_extra_minor`,
// plus whatever a change in expenses frees up (a −10 % expense change frees 10 % of expenses;
// a +10 % change consumes it). The balance grows at the monthly rate equivalent to
// `annual_return_pct` (compounded monthly), then the month's contribution is added.

import type { SimulateRequest } from "./types";

export interface ProjectionInput extends SimulateRequest {
  start_balance_minor: number;
  monthly_income_minor: number;
  monthly_expenses_minor: number;
}

export interface ProjectionPoint {
  month: number;
  balance_minor: number;
  contributions_minor: number;
}

export interface Projection {
  series: ProjectionPoint[];
  monthly_contribution_minor: number;
  final_minor: number;
  total_contributions_minor: number;
  total_growth_minor: number;
}

export function monthlyRate(annualPct: number): number {
  return Math.pow(1 + annualPct / 100, 1 / 12) - 1;
}

export function monthlyContribution(i: ProjectionInput): number {
  const saved = (i.monthly_income_minor * i.savings_rate) / 100;
  const freed = (-i.monthly_expenses_minor * i.expense_change_pct) / 100;
  return Math.round(saved + freed + i.monthly_extra_minor);
}

export function project(i: ProjectionInput): Projection {
  const months = Math.max(0, Math.min(600, Math.floor(i.months)));
  const r = monthlyRate(i.annual_return_pct);
  const c = monthlyContribution(i);
  let balance = i.start_balance_minor;
  let contributions = 0;
  const series: ProjectionPoint[] = [];
  for (let m = 1; m <= months; m++) {
    balance = Math.round(balance * (1 + r)) + c;
    contributions += c;
    series.push({ month: m, balance_minor: balance, contributions_minor: contributions });
  }
  return {
    series,
    monthly_contribution_minor: c,
    final_minor: balance,
    total_contributions_minor: contributions,
    total_growth_minor: balance - i.start_balance_minor - contributions,
  };
}
