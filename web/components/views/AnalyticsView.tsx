"use client";

import { useState } from "react";
import { useQuery } from "@/lib/hooks";
import type { CategoryBreakdown, Items, MissingRates, Subscriptions, CashflowPoint } from "@/lib/types";
import { dateLabel, money, monthLabel, titleCase } from "@/lib/format";
import { Card, Empty, ErrorBox, Loading, MissingRatesNote, Money, PageHead } from "../ui";
import { useBaseCurrency } from "../auth";
import { CashflowChart, CategoryDonut, CategoryLegend, NetWorthChart } from "../charts";

function isoDay(d: Date) {
  return d.toISOString().slice(0, 10);
}

export function AnalyticsView() {
  // Every total here is converted by the server to the user's base currency (SPEC §15).
  const currency = useBaseCurrency();
  const [months, setMonths] = useState(6);
  const cash = useQuery<Items<CashflowPoint> & MissingRates>("/analytics/cashflow", { months });
  const now = new Date();
  const [from, setFrom] = useState(isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1))));
  const [to, setTo] = useState(isoDay(now));
  const cats = useQuery<CategoryBreakdown>("/analytics/categories", { from, to });
  const nw = useQuery<Items<{ month: string; net_worth_minor: number }> & MissingRates>("/analytics/networth");
  const subs = useQuery<Subscriptions>("/analytics/subscriptions");

  const totals = cash.data?.items.reduce((a, p) => ({ inc: a.inc + p.income_minor, exp: a.exp + Math.abs(p.expenses_minor), net: a.net + p.net_minor }), { inc: 0, exp: 0, net: 0 });

  return (
    <div className="page">
      <PageHead title="Analytics" subtitle="Cash flow, categories, net worth and recurring charges." />
      <Card
        title="Cash flow"
        id="cashflow"
        action={
          <div className="field" style={{ gridAutoFlow: "column", alignItems: "center" }}>
            <label htmlFor="cf-months">Period</label>
            <select id="cf-months" className="select" value={months} onChange={(e) => setMonths(Number(e.target.value))}>
              <option value={3}>3 months</option>
              <option value={6}>6 months</option>
              <option value={12}>12 months</option>
              <option value={24}>24 months</option>
            </select>
          </div>
        }
      >
        {cash.error ? <ErrorBox error={cash.error} onRetry={() => void cash.reload()} /> : null}
        {cash.data ? (
          <>
            <CashflowChart data={cash.data.items} currency={currency} />
            <MissingRatesNote missing={cash.data.missing_rates} base={currency} />
            {totals ? (
              <div className="grid grid-3" style={{ marginTop: 12 }}>
                <div><div className="stat-label">Income</div><div className="num" style={{ fontWeight: 700 }}>{money(totals.inc, currency)}</div></div>
                <div><div className="stat-label">Expenses</div><div className="num" style={{ fontWeight: 700 }}>{money(totals.exp, currency)}</div></div>
                <div><div className="stat-label">Net</div><div style={{ fontWeight: 700 }}><Money minor={totals.net} currency={currency} colored sign /></div></div>
              </div>
            ) : null}
          </>
        ) : !cash.error ? <Loading rows={5} /> : null}
      </Card>

      <div className="grid grid-2">
        <Card title="Spending by category" id="categories">
          <div className="form-grid" style={{ marginBottom: 12 }}>
            <div className="field">
              <label htmlFor="cat-from">From</label>
              <input id="cat-from" type="date" className="input" value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="cat-to">To</label>
              <input id="cat-to" type="date" className="input" value={to} onChange={(e) => setTo(e.target.value)} />
            </div>
          </div>
          {cats.error ? <ErrorBox error={cats.error} onRetry={() => void cats.reload()} /> : null}
          {cats.data ? (
            cats.data.items.length ? (
              <>
                <p className="muted small">Total spent: <strong className="num">{money(Math.abs(cats.data.total_minor), currency)}</strong></p>
                <CategoryDonut items={cats.data.items} currency={currency} />
                <CategoryLegend items={cats.data.items.map((c) => ({ ...c, category: titleCase(c.category) }))} currency={currency} />
                <MissingRatesNote missing={cats.data.missing_rates} base={currency} />
              </>
            ) : (
              <Empty>No spending in this period.</Empty>
            )
          ) : !cats.error ? <Loading rows={5} /> : null}
        </Card>
        <Card title="Net worth trajectory" id="networth">
          {nw.error ? <ErrorBox error={nw.error} onRetry={() => void nw.reload()} /> : null}
          {nw.data ? (
            nw.data.items.length ? (
              <>
                <NetWorthChart data={nw.data.items} currency={currency} />
                {nw.data.items.length >= 2 ? (
                  <p className="small muted">
                    {monthLabel(nw.data.items[0].month)} → {monthLabel(nw.data.items[nw.data.items.length - 1].month)}:{" "}
                    <Money minor={nw.data.items[nw.data.items.length - 1].net_worth_minor - nw.data.items[0].net_worth_minor} currency={currency} colored sign />
                  </p>
                ) : null}
                <MissingRatesNote missing={nw.data.missing_rates} base={currency} />
              </>
            ) : (
              <Empty>Not enough history yet.</Empty>
            )
          ) : !nw.error ? <Loading rows={5} /> : null}
        </Card>
      </div>

      <Card title="Subscriptions" id="subscriptions" action={subs.data ? <span className="muted">{money(subs.data.monthly_total_minor, currency)} / month</span> : null}>
        {subs.error ? <ErrorBox error={subs.error} onRetry={() => void subs.reload()} /> : null}
        {subs.data ? (
          subs.data.items.length ? (
            <div className="table-scroll">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Merchant</th>
                    <th scope="col">Cadence</th>
                    <th scope="col" className="r">Amount</th>
                    <th scope="col" className="r">Per year</th>
                    <th scope="col">Next charge</th>
                  </tr>
                </thead>
                <tbody>
                  {subs.data.items.map((s) => (
                    <tr key={s.merchant}>
                      <td style={{ fontWeight: 600 }}>{s.merchant}</td>
                      <td>{titleCase(s.cadence)}</td>
                      <td className="r"><Money minor={Math.abs(s.amount_minor)} currency={currency} /></td>
                      <td className="r"><Money minor={Math.abs(s.annual_minor)} currency={currency} /></td>
                      <td className="nowrap">{dateLabel(s.next_expected)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No recurring charges detected.</Empty>
          )
        ) : !subs.error ? <Loading rows={4} /> : null}
      </Card>
    </div>
  );
}
