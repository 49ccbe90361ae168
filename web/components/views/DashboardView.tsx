"use client";

import Link from "next/link";
import { useQuery } from "@/lib/hooks";
import type { Dashboard, Transaction } from "@/lib/types";
import { dateLabel, pct, relativeTime, titleCase } from "@/lib/format";
import { Card, ErrorBox, Loading, MissingRatesNote, Money, PageHead, ScoreRing, Stat, Badge, Empty } from "../ui";
import { CashflowChart, CategoryDonut, CategoryLegend } from "../charts";
import { Icon } from "../icons";
import { Markdown } from "@/lib/markdown";

export function TxList({ items }: { items: Transaction[] }) {
  if (!items.length) return <Empty>No transactions yet.</Empty>;
  return (
    <ul className="list">
      {items.map((t) => (
        <li key={t.id} data-testid="recent-tx">
          <div className="tx-main">
            <span className="ellipsis" style={{ fontWeight: 600 }}>{t.merchant || t.description}</span>
            <span className="muted small ellipsis">
              {dateLabel(t.posted_at)} · {t.category ? titleCase(t.category) : "Uncategorised"} · {t.account_name}
            </span>
          </div>
          <Money minor={t.amount_minor} currency={t.currency} colored={t.amount_minor > 0} sign />
        </li>
      ))}
    </ul>
  );
}

export function DashboardView() {
  const q = useQuery<Dashboard>("/dashboard");
  const d = q.data;
  return (
    <div className="page">
      <PageHead title="Dashboard" subtitle={d ? `Your money at a glance · ${monthName(d.month.month)} · totals in ${d.currency}` : "Your money at a glance"} />
      {q.error ? <ErrorBox error={q.error} onRetry={() => void q.reload()} /> : null}
      {!d && !q.error ? (
        <div className="grid grid-4">
          {[0, 1, 2, 3].map((i) => (
            <div className="card" key={i}>
              <Loading rows={2} />
            </div>
          ))}
        </div>
      ) : null}
      {d ? (
        <>
          {d.fraud_alerts.length > 0 ? (
            <div className="alert alert-bad" role="alert" data-testid="fraud-banner">
              <Icon.alert />
              <div className="grow">
                <strong>
                  {d.fraud_alerts.length === 1 ? "1 suspicious transaction needs your review" : `${d.fraud_alerts.length} suspicious transactions need your review`}
                </strong>
                <span className="small">
                  {d.fraud_alerts.slice(0, 2).map((a) => `${a.transaction?.merchant ?? "Transaction"} (${a.reasons[0] ?? `score ${a.score}`})`).join("; ")}
                </span>
              </div>
              <Link className="btn btn-sm" href="/insights/#fraud">Review alerts</Link>
            </div>
          ) : null}
          <div className="grid grid-4">
            <Stat label="Net worth" testId="stat-net-worth" value={<Money minor={d.net_worth_minor} currency={d.currency} testId="net-worth" />} sub={`${d.accounts.length} accounts`} />
            <Stat label="Income this month" testId="stat-income" value={<Money minor={d.month.income_minor} currency={d.currency} testId="month-income" />} sub={monthName(d.month.month)} />
            <Stat label="Expenses this month" testId="stat-expenses" value={<Money minor={d.month.expenses_minor} currency={d.currency} testId="month-expenses" />} sub={monthName(d.month.month)} />
            <Stat
              label="Savings rate"
              testId="stat-savings"
              value={<span className="num" data-testid="savings-rate" data-value={d.month.savings_rate_pct}>{pct(d.month.savings_rate_pct)}</span>}
              sub={d.month.income_minor === 0 ? "No income recorded this month" : d.month.savings_rate_pct >= 20 ? "On track (20%+)" : "Below the 20% rule of thumb"}
            />
          </div>
          <MissingRatesNote missing={d.missing_rates} base={d.currency} />
          <div className="grid grid-3">
            <Card title="Cash flow" action={<span className="muted">Last 6 months</span>} className="span-2" id="cashflow">
              {d.cashflow.some((c) => c.income_minor || c.expenses_minor) ? (
                <CashflowChart data={d.cashflow} currency={d.currency} />
              ) : (
                <Empty>No income or spending in the last 6 months yet.</Empty>
              )}
            </Card>
            <Card title="Financial health" id="health" action={<Link href="/insights/" className="small">Details</Link>}>
              <div className="row" style={{ gap: 16, alignItems: "center", flexWrap: "nowrap" }}>
                <ScoreRing score={d.health_score.score} size={110} />
                <ul className="list small health-mini" style={{ flex: 1, minWidth: 0 }}>
                  {d.health_score.parts.slice(0, 6).map((p) => (
                    <li key={p.key} style={{ padding: "4px 0" }}>
                      <span>{p.label}</span>
                      <span className="num nowrap muted">
                        {p.points}/{p.max_points}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            </Card>
          </div>
          <div className="grid grid-3">
            <Card title="AI briefing" id="briefing" action={<Icon.sparkle />}>
              {d.briefing ? (
                <div className="stack">
                  <Markdown text={d.briefing.text} />
                  <span className="hint">Generated {relativeTime(d.briefing.generated_at)}</span>
                </div>
              ) : (
                <Empty>
                  Your briefing is being prepared. <Link href="/chat/">Ask the assistant</Link> in the meantime.
                </Empty>
              )}
            </Card>
            <Card title="Where the money went" id="categories" action={<span className="muted">This month</span>}>
              {d.top_categories.length ? (
                <>
                  <CategoryDonut items={d.top_categories} currency={d.currency} height={180} />
                  <CategoryLegend items={d.top_categories.map((c) => ({ ...c, category: titleCase(c.category) }))} currency={d.currency} />
                </>
              ) : (
                <Empty>No spending yet this month.</Empty>
              )}
            </Card>
            <Card title="Accounts" id="accounts">
              {d.accounts.length === 0 ? (
                <Empty>
                  No accounts yet. <Link href="/transactions/#import">Import a statement</Link> or <Link href="/settings/#bank">connect a bank</Link>.
                </Empty>
              ) : null}
              <ul className="list">
                {d.accounts.map((a) => (
                  <li key={a.id} data-testid="account">
                    <div className="tx-main">
                      <span className="ellipsis" style={{ fontWeight: 600 }}>{a.name}</span>
                      <span className="muted small ellipsis">
                        {a.institution} · {titleCase(a.type)}
                        {a.mask ? ` ····${a.mask}` : ""}
                      </span>
                    </div>
                    <span className="stack" style={{ gap: 0, justifyItems: "end", textAlign: "right" }}>
                      <Money minor={a.balance_minor} currency={a.currency} colored={a.balance_minor < 0} />
                      {a.currency !== d.currency ? (
                        <span className="muted small" data-testid="account-base">
                          {a.balance_base_minor != null ? <>≈ <Money minor={a.balance_base_minor} currency={d.currency} /></> : `no ${a.currency}→${d.currency} rate`}
                        </span>
                      ) : null}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
          <Card title="Recent transactions" id="recent" action={<Link href="/transactions/" className="small">All transactions</Link>}>
            <TxList items={d.recent_transactions} />
          </Card>
          {d.fraud_alerts.length === 0 ? (
            <p className="hint row">
              <Badge tone="good">No open fraud alerts</Badge>
            </p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function monthName(ym: string): string {
  const [y, m] = ym.split("-").map(Number);
  if (!y || !m) return ym;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}
