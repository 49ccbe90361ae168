"use client";

import { useState } from "react";
import { useQuery } from "@/lib/hooks";
import type { Status } from "@/lib/types";
import { titleCase } from "@/lib/format";
import { Badge, Card, ErrorBox, Loading, PageHead } from "../ui";
import { CircuitBadge } from "./SettingsView";

function uptime(s: number) {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}

export function StatusView() {
  const s = useQuery<Status>("/status", undefined, { intervalMs: 3000 });
  const d = s.data;
  const [allRoutes, setAllRoutes] = useState(false);
  const routes = d ? [...d.routes].sort((a, b) => b.count - a.count) : [];
  const shownRoutes = allRoutes ? routes : routes.slice(0, 12);
  const allUp = d ? Object.values(d.components).every((c) => c.status === "ok") : false;
  return (
    <div className="page">
      <PageHead title="Status" subtitle="Live system health, refreshed every 3 seconds." actions={d ? <Badge tone={allUp ? "good" : "bad"}>{allUp ? "All systems operational" : "Degraded"}</Badge> : null} />
      {s.error ? <ErrorBox error={s.error} onRetry={() => void s.reload()} title="Status unavailable" /> : null}
      {!d && !s.error ? <Card><Loading rows={5} /></Card> : null}
      {d ? (
        <>
          <div className="grid grid-4">
            <div className="card"><div className="stat-label">Uptime</div><div className="stat-value" data-testid="uptime">{uptime(d.uptime_s)}</div><div className="stat-sub">{d.instance} · v{d.version}</div></div>
            <div className="card"><div className="stat-label">Requests</div><div className="stat-value num" data-testid="requests-total">{d.requests.total.toLocaleString()}</div><div className="stat-sub">{Object.entries(d.requests.by_status).map(([k, v]) => `${k}: ${v}`).join(" · ")}</div></div>
            <div className="card"><div className="stat-label">Active streams</div><div className="stat-value num">{d.streams.active}</div></div>
            <div className="card"><div className="stat-label">Cache hit ratio</div><div className="stat-value num">{(d.cache.hit_ratio * 100).toFixed(1)}%</div></div>
          </div>
          <div className="grid grid-2">
            <Card title="Components" id="components">
              <ul className="list">
                {Object.entries(d.components).map(([k, c]) => (
                  <li key={k}>
                    <span className="row" style={{ gap: 8 }}>
                      <span className={`dot ${c.status === "ok" ? "ok" : "down"}`} aria-hidden="true" />
                      <strong>{titleCase(k)}</strong>
                    </span>
                    <span className="row" style={{ gap: 8 }}>
                      {c.latency_ms != null ? <span className="small muted num">{c.latency_ms.toFixed(1)} ms</span> : null}
                      <Badge tone={c.status === "ok" ? "good" : "bad"}>{c.status === "ok" ? "Operational" : "Down"}</Badge>
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
            <Card title="LLM providers" id="providers">
              {d.providers.length === 0 ? <p className="muted small">This gateway reports no provider state; the workers choose providers (FINCHAT_LLM_CHAIN).</p> : null}
              <ul className="list">
                {d.providers.map((p) => (
                  <li key={p.name}>
                    <strong>{p.name}</strong>
                    {p.configured ? <CircuitBadge c={p.circuit} /> : <Badge>Not configured</Badge>}
                  </li>
                ))}
              </ul>
            </Card>
          </div>
          <Card title="Route latency" id="routes" action={<span className="muted small">Busiest first</span>}>
            <div className="table-scroll">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col" className="r">Requests</th>
                    <th scope="col" className="r">p50</th>
                    <th scope="col" className="r">p99</th>
                  </tr>
                </thead>
                <tbody>
                  {shownRoutes.map((r) => (
                    <tr key={r.route}>
                      <td><code>{r.route}</code></td>
                      <td className="r num">{r.count.toLocaleString()}</td>
                      <td className="r num">{r.p50_ms.toFixed(1)} ms</td>
                      <td className="r num">{r.p99_ms.toFixed(1)} ms</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {routes.length > 12 ? (
              <div className="row" style={{ justifyContent: "center", marginTop: 10 }}>
                <button type="button" className="btn btn-sm" onClick={() => setAllRoutes((v) => !v)} aria-expanded={allRoutes}>
                  {allRoutes ? "Show the busiest 12 routes" : `Show all ${routes.length} routes`}
                </button>
              </div>
            ) : null}
          </Card>
        </>
      ) : null}
    </div>
  );
}
