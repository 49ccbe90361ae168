"use client";

import { useEffect, useMemo, useState } from "react";
import { api } from "@/lib/api";
import { useDebounced, useQuery } from "@/lib/hooks";
import { project } from "@/lib/projection";
import { money, toMinor } from "@/lib/format";
import type { Forecast, SimulateRequest, SimulateResult } from "@/lib/types";
import { Card, ErrorBox, Loading, Money, PageHead, MissingRatesNote } from "../ui";
import { MultiLineChart } from "../charts";

function Slider({ id, label, value, min, max, step, onChange, display }: { id: string; label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void; display: string }) {
  return (
    <div className="field">
      <div className="slider-head">
        <label htmlFor={id}>{label}</label>
        <output htmlFor={id} id={`${id}-out`}>{display}</output>
      </div>
      <input id={id} type="range" min={min} max={max} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} aria-valuetext={display} />
    </div>
  );
}

export function SimulatorView() {
  const forecast = useQuery<Forecast>("/forecast", { months: 60 });
  const f = forecast.data;
  const currency = f?.currency ?? "USD";
  const [savingsRate, setSavingsRate] = useState(20);
  const [extraMajor, setExtraMajor] = useState(0);
  const [expenseChange, setExpenseChange] = useState(0);
  const [annualReturn, setAnnualReturn] = useState(5);
  const [months, setMonths] = useState(120);
  const [initialised, setInitialised] = useState(false);

  // Start from the household's actual savings rate.
  useEffect(() => {
    if (f && !initialised) {
      const inc = f.monthly_income_minor;
      if (inc > 0) setSavingsRate(Math.max(0, Math.min(100, Math.round(((inc - Math.abs(f.monthly_expenses_minor)) / inc) * 100))));
      setInitialised(true);
    }
  }, [f, initialised]);

  const req: SimulateRequest = { savings_rate: savingsRate, monthly_extra_minor: toMinor(extraMajor, currency), expense_change_pct: expenseChange, annual_return_pct: annualReturn, months };
  const local = useMemo(
    () =>
      f
        ? project({ ...req, start_balance_minor: f.start_balance_minor, monthly_income_minor: f.monthly_income_minor, monthly_expenses_minor: Math.abs(f.monthly_expenses_minor) })
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [f, savingsRate, extraMajor, expenseChange, annualReturn, months, currency],
  );

  const debounced = useDebounced(JSON.stringify(req), 350);
  const [server, setServer] = useState<SimulateResult | null>(null);
  const [serverErr, setServerErr] = useState<unknown>(null);
  const [serverBusy, setServerBusy] = useState(false);
  useEffect(() => {
    if (!initialised) return;
    const ctrl = new AbortController();
    setServerBusy(true);
    api<SimulateResult>("/simulate", { json: JSON.parse(debounced), signal: ctrl.signal })
      .then((r) => {
        setServer(r);
        setServerErr(null);
      })
      .catch((e) => {
        if ((e as Error).name !== "AbortError") setServerErr(e);
      })
      .finally(() => setServerBusy(false));
    return () => ctrl.abort();
  }, [debounced, initialised]);

  const rows = useMemo(() => {
    if (!local) return [];
    const step = months > 120 ? 3 : 1;
    const out: Array<Record<string, number | string | null>> = [];
    for (let m = 1; m <= months; m += m === 1 && step > 1 ? step - 1 : step) {
      const sv = server?.series.find((s) => s.month === m);
      out.push({
        label: m % 12 === 0 ? `Year ${m / 12}` : `Month ${m}`,
        local: local.series[m - 1]?.balance_minor ?? null,
        server: sv?.balance_minor ?? null,
        conservative: f?.scenarios.conservative[m - 1]?.balance_minor ?? null,
        expected: f?.scenarios.expected[m - 1]?.balance_minor ?? null,
        optimistic: f?.scenarios.optimistic[m - 1]?.balance_minor ?? null,
      });
    }
    return out;
  }, [local, server, f, months]);

  const years = months / 12;
  return (
    <div className="page">
      <PageHead title="Simulator" subtitle="Move the sliders: the projection updates instantly in your browser, then the server's simulation confirms it." />
      {forecast.error ? <ErrorBox error={forecast.error} onRetry={() => void forecast.reload()} /> : null}
      <div className="grid grid-3">
        <Card title="Your plan" id="plan">
          <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label="Simulation inputs">
            <Slider id="sim-savings" label="Savings rate" value={savingsRate} min={0} max={100} step={1} onChange={setSavingsRate} display={`${savingsRate}% of income`} />
            <Slider id="sim-extra" label="Extra monthly saving" value={extraMajor} min={0} max={5000} step={50} onChange={setExtraMajor} display={money(toMinor(extraMajor, currency), currency)} />
            <Slider id="sim-expenses" label="Change in expenses" value={expenseChange} min={-50} max={50} step={1} onChange={setExpenseChange} display={`${expenseChange > 0 ? "+" : ""}${expenseChange}%`} />
            <Slider id="sim-return" label="Annual return" value={annualReturn} min={-10} max={15} step={0.5} onChange={setAnnualReturn} display={`${annualReturn}%`} />
            <Slider id="sim-months" label="Horizon" value={months} min={12} max={480} step={12} onChange={setMonths} display={`${years} year${years === 1 ? "" : "s"}`} />
          </form>
        </Card>
        <Card title="Projection" id="projection" className="span-2" action={<span className="muted small" role="status">{serverBusy ? "Server simulating…" : server ? "Server simulation up to date" : ""}</span>}>
          {!f && !forecast.error ? <Loading rows={6} /> : null}
          {f ? <MissingRatesNote missing={f.missing_rates} base={currency} /> : null}
          {local && f ? (
            <>
              <div className="grid grid-3" style={{ marginBottom: 12 }}>
                <div>
                  <div className="stat-label">In {years} years (instant)</div>
                  <div className="stat-value" data-testid="local-final" style={{ fontSize: "1.3rem" }}>
                    <Money minor={local.final_minor} currency={currency} />
                  </div>
                </div>
                <div>
                  <div className="stat-label">Server simulation</div>
                  <div className="stat-value" data-testid="server-final" style={{ fontSize: "1.3rem" }}>
                    {server ? <Money minor={server.final_minor} currency={currency} /> : <span className="muted">…</span>}
                  </div>
                </div>
                <div>
                  <div className="stat-label">Monthly contribution</div>
                  <div className="stat-value" style={{ fontSize: "1.3rem" }}>
                    <Money minor={local.monthly_contribution_minor} currency={currency} colored />
                  </div>
                </div>
              </div>
              <MultiLineChart
                rows={rows}
                xKey="label"
                currency={currency}
                label="Projected balance: instant estimate, server simulation and the forecast's three scenarios"
                series={[
                  { key: "local", name: "Instant estimate", color: "var(--chart-1)" },
                  { key: "server", name: "Server simulation", color: "var(--chart-4)", dashed: true },
                  { key: "conservative", name: "Conservative", color: "var(--chart-3)", dashed: true },
                  { key: "expected", name: "Expected", color: "var(--chart-2)", dashed: true },
                  { key: "optimistic", name: "Optimistic", color: "var(--chart-6)", dashed: true },
                ]}
              />
              {server ? (
                <p className="small muted" style={{ marginTop: 8 }}>
                  Server: {money(server.total_contributions_minor, currency)} contributed, {money(server.total_growth_minor, currency)} growth.
                </p>
              ) : null}
              {serverErr ? <ErrorBox error={serverErr} title="The server simulation failed" /> : null}
            </>
          ) : null}
        </Card>
      </div>
      {f ? (
        <Card title="Forecast from your history" id="forecast" action={<span className="muted small">Next {Math.min(f.months, 60)} months</span>}>
          <div className="grid grid-3">
            {(["conservative", "expected", "optimistic"] as const).map((k) => {
              const s = f.scenarios[k];
              const end = s[Math.min(s.length, 12) - 1];
              const last = s[s.length - 1];
              return (
                <div key={k} data-testid={`scenario-${k}`}>
                  <div className="stat-label">{k[0].toUpperCase() + k.slice(1)}</div>
                  <div className="num" style={{ fontWeight: 700 }}>{end ? money(end.balance_minor, currency) : "—"} <span className="muted small">in 12 months</span></div>
                  <div className="small muted">{last ? `${money(last.balance_minor, currency)} by ${last.month}` : ""}</div>
                </div>
              );
            })}
          </div>
          <p className="hint" style={{ marginTop: 10 }}>
            Based on a starting balance of {money(f.start_balance_minor, currency)}, income of {money(f.monthly_income_minor, currency)} and expenses of {money(Math.abs(f.monthly_expenses_minor), currency)} a month. Values in {currency}; projections are estimates, not advice.
          </p>
        </Card>
      ) : null}
    </div>
  );
}
