"use client";

import { useState } from "react";
import { api, errorMessage } from "@/lib/api";
import { useQuery } from "@/lib/hooks";
import type { FraudAlert, HealthScore, Items, MissingRates } from "@/lib/types";
import { dateTimeLabel } from "@/lib/format";
import { Badge, Card, Empty, ErrorBox, Loading, MissingRatesNote, Money, PageHead, Progress, ScoreRing } from "../ui";
import { useBaseCurrency } from "../auth";

export function InsightsView() {
  const health = useQuery<HealthScore & MissingRates>("/insights/health-score");
  const [status, setStatus] = useState<"open" | "resolved" | "all">("open");
  const alerts = useQuery<Items<FraudAlert>>("/insights/fraud-alerts", { status });
  const [busy, setBusy] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);

  async function resolve(a: FraudAlert, resolution: "legitimate" | "fraud") {
    setBusy(a.id);
    setErr(null);
    try {
      const r = await api<{ alert: FraudAlert }>(`/insights/fraud-alerts/${a.id}/resolve`, { json: { resolution } });
      alerts.setData((d) => (d ? { items: status === "open" ? d.items.filter((x) => x.id !== a.id) : d.items.map((x) => (x.id === a.id ? r.alert : x)) } : d));
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const h = health.data;
  const base = useBaseCurrency();
  return (
    <div className="page">
      <PageHead title="Insights" subtitle="Your financial health score and fraud alerts, with the reasons behind them." />
      <Card title="Financial health score" id="health">
        {health.error ? <ErrorBox error={health.error} onRetry={() => void health.reload()} /> : null}
        {!h && !health.error ? <Loading rows={6} /> : null}
        {h ? <MissingRatesNote missing={h.missing_rates} base={base} /> : null}
        {h ? (
          <div className="row" style={{ alignItems: "flex-start", gap: 24 }}>
            <div className="stack" style={{ justifyItems: "center" }}>
              <ScoreRing score={h.score} />
              <Badge tone={h.score >= 70 ? "good" : h.score >= 45 ? "warn" : "bad"}>{h.score >= 70 ? "Healthy" : h.score >= 45 ? "Fair" : "Needs attention"}</Badge>
            </div>
            <ul className="list" style={{ flex: 1, minWidth: "min(100%, 280px)" }} data-testid="health-parts">
              {h.parts.map((p) => {
                const ratio = p.max_points ? (p.points / p.max_points) * 100 : 0;
                return (
                  <li key={p.key} style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 6 }} data-key={p.key}>
                    <div className="row-between">
                      <strong>{p.label}</strong>
                      <span className="num">
                        {p.points} / {p.max_points} pts
                      </span>
                    </div>
                    <Progress value={ratio} tone={ratio >= 70 ? "good" : ratio >= 40 ? "warn" : "bad"} label={`${p.label}: ${p.points} of ${p.max_points} points`} />
                    <span className="small muted">{p.reason}</span>
                  </li>
                );
              })}
            </ul>
          </div>
        ) : null}
      </Card>

      <Card
        title="Fraud alerts"
        id="fraud"
        action={
          <div className="field" style={{ gridAutoFlow: "column", alignItems: "center" }}>
            <label htmlFor="alert-status">Show</label>
            <select id="alert-status" className="select" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              <option value="open">Open</option>
              <option value="resolved">Resolved</option>
              <option value="all">All</option>
            </select>
          </div>
        }
      >
        {err ? <div className="alert alert-bad" role="alert">{err}</div> : null}
        {alerts.error ? <ErrorBox error={alerts.error} onRetry={() => void alerts.reload()} /> : null}
        {!alerts.data && !alerts.error ? <Loading rows={4} /> : null}
        {alerts.data && alerts.data.items.length === 0 ? <Empty>{status === "open" ? "No open alerts. Nothing suspicious right now." : "No alerts."}</Empty> : null}
        <div className="stack">
          {alerts.data?.items.map((a) => (
            <article key={a.id} className="card" style={{ boxShadow: "none" }} data-testid="fraud-alert" aria-labelledby={`alert-${a.id}`}>
              <div className="row-between" style={{ alignItems: "flex-start" }}>
                <div className="tx-main">
                  <h3 id={`alert-${a.id}`}>{a.transaction?.merchant ?? "Transaction"}</h3>
                  <span className="small muted">
                    {dateTimeLabel(a.transaction?.posted_at ?? a.created_at)} · {a.transaction?.account_name}
                  </span>
                </div>
                <div style={{ textAlign: "right" }}>
                  {a.transaction ? <Money minor={a.transaction.amount_minor} currency={a.transaction.currency} /> : null}
                  <div>
                    <Badge tone={a.level === "high" ? "bad" : "warn"}>
                      {a.level === "high" ? "High risk" : "Review"} · score {a.score}
                    </Badge>
                  </div>
                </div>
              </div>
              <ul className="small" style={{ margin: "10px 0", paddingLeft: 18 }}>
                {a.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              {a.status === "open" ? (
                <div className="row">
                  <button type="button" className="btn btn-sm" disabled={busy === a.id} onClick={() => void resolve(a, "legitimate")}>
                    It was me (mark legitimate)
                  </button>
                  <button type="button" className="btn btn-sm btn-danger" disabled={busy === a.id} onClick={() => void resolve(a, "fraud")}>
                    Report as fraud
                  </button>
                </div>
              ) : (
                <Badge tone="good">Resolved {a.resolved_at ? dateTimeLabel(a.resolved_at) : ""}</Badge>
              )}
            </article>
          ))}
        </div>
      </Card>
    </div>
  );
}
