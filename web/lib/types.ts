// Response shapes of proto/API.md.

import type { Checks, ToolCall } from "./tools";

export interface User {
  id: string; email: string; name: string; created_at: string;
  /** SPEC §15: ISO 4217 code totals are converted to, and the IANA zone periods are counted in. */
  base_currency?: string; timezone?: string;
}

/** SPEC §15: a total that needed an exchange rate the server does not have lists its currencies. */
export interface MissingRates { missing_rates?: string[] }

export type AccountType = "checking" | "savings" | "credit" | "investment";
export interface Account {
  id: string; name: string; type: AccountType; institution: string;
  balance_minor: number; currency: string; mask: string;
  /** SPEC §15: the balance in the user's base currency at today's rate; null without a rate. */
  balance_base_minor?: number | null;
}

export type TxType = "income" | "expense" | "transfer";
export interface Transaction {
  id: string; account_id: string; account_name: string; posted_at: string;
  amount_minor: number; currency: string; merchant: string; description: string;
  category: string; type: TxType; note: string | null; fraud_score: number;
}

export interface FraudAlert {
  id: string; transaction_id: string; score: number; level: "high" | "review"; reasons: string[];
  status: "open" | "resolved"; created_at: string; resolved_at: string | null; transaction: Transaction;
}

export interface HealthPart { key: string; label: string; value: number; points: number; max_points: number; reason: string }
export interface HealthScore { score: number; parts: HealthPart[] }

export interface CashflowPoint { month: string; income_minor: number; expenses_minor: number; net_minor: number }

export interface Dashboard extends MissingRates {
  currency: string;
  net_worth_minor: number;
  accounts: Account[];
  month: { month: string; income_minor: number; expenses_minor: number; savings_rate_pct: number };
  cashflow: CashflowPoint[];
  top_categories: Array<{ category: string; amount_minor: number; share_pct: number }>;
  recent_transactions: Transaction[];
  fraud_alerts: FraudAlert[];
  health_score: HealthScore;
  briefing: { text: string; generated_at: string } | null;
}

export interface Page<T> { items: T[]; next_cursor: string | null }
export interface Items<T> { items: T[] }

export interface CategoryBreakdown extends MissingRates { currency?: string; total_minor: number; items: Array<{ category: string; amount_minor: number; count: number; share_pct: number }> }
export interface Subscriptions extends MissingRates {
  currency?: string;
  monthly_total_minor: number;
  items: Array<{ merchant: string; amount_minor: number; cadence: string; last_charged: string; next_expected: string; annual_minor: number; count: number }>;
}

export interface BalancePoint { month: string; balance_minor: number }
export interface Forecast extends MissingRates {
  months: number; currency: string; start_balance_minor: number; monthly_income_minor: number; monthly_expenses_minor: number;
  scenarios: { conservative: BalancePoint[]; expected: BalancePoint[]; optimistic: BalancePoint[] };
}
export interface SimulateRequest { savings_rate: number; monthly_extra_minor: number; expense_change_pct: number; annual_return_pct: number; months: number }
export interface SimulateResult {
  months: number; series: Array<{ month: number; balance_minor: number; contributions_minor: number }>;
  final_minor: number; total_contributions_minor: number; total_growth_minor: number;
}

export interface Budget { category: string; limit_minor: number; spent_minor: number; pct: number; status: "ok" | "warning" | "exceeded" }
export interface Budgets extends MissingRates { month: string; currency?: string; items: Budget[] }

export interface ApiKey { id: string; name: string; prefix: string; created_at: string; last_used_at: string | null }
export interface NewApiKey { id: string; name: string; prefix: string; key: string; created_at: string }

export interface Conversation { id: string; title: string; created_at: string; updated_at: string; last_message: string | null }
export type MessageStatus = "pending" | "streaming" | "complete" | "error" | "canceled";
export interface Message {
  id: string; conversation_id: string; role: "user" | "assistant"; text: string; status: MessageStatus;
  request_id: string | null; provider: string | null; model: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null; latency_ms: number | null; attempt: number | null; created_at: string;
  /** Assistant messages: the tool calls the answer made and its checked figures (SPEC §14). */
  tools?: ToolCall[]; checks?: Checks;
}
export interface Accepted { request_id: string; message_id: string; stream_url: string }

export interface ComponentHealth { status: string; latency_ms?: number }
export interface Status {
  version: string; uptime_s: number; instance: string;
  components: Record<string, ComponentHealth>;
  providers: Array<{ name: string; configured: boolean; circuit: "closed" | "open" | "half_open" }>;
  requests: { total: number; by_status: Record<string, number> };
  routes: Array<{ route: string; count: number; p50_ms: number; p99_ms: number }>;
  cache: { hit_ratio: number };
  streams: { active: number };
}
