"use client";

import { useState } from "react";
import { api, errorMessage } from "@/lib/api";
import { useQuery } from "@/lib/hooks";
import type { Budgets } from "@/lib/types";
import { money, titleCase, toMajor, toMinor } from "@/lib/format";
import { Badge, Card, Empty, ErrorBox, Loading, MissingRatesNote, Money, PageHead, Progress } from "../ui";
import { useBaseCurrency } from "../auth";

interface Row { category: string; limit: string }

export function BudgetsView() {
  const b = useQuery<Budgets>("/budgets");
  // Limits and spending are in the user's base currency (SPEC §15).
  const base = useBaseCurrency();
  const currency = b.data?.currency ?? base;
  const [editing, setEditing] = useState<Row[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  function startEdit() {
    setSaved(false);
    setErr(null);
    setEditing((b.data?.items ?? []).map((i) => ({ category: i.category, limit: String(toMajor(i.limit_minor, currency)) })));
  }

  async function save() {
    if (!editing) return;
    const items = editing.filter((r) => r.category.trim() && r.limit !== "").map((r) => ({ category: r.category.trim().toLowerCase(), limit_minor: toMinor(Number(r.limit), currency) }));
    if (items.some((i) => !Number.isFinite(i.limit_minor) || i.limit_minor < 0)) {
      setErr("Limits must be positive amounts.");
      return;
    }
    setSaving(true);
    setErr(null);
    try {
      const r = await api<Budgets>("/budgets", { method: "PUT", json: { items } });
      b.setData(() => r);
      setEditing(null);
      setSaved(true);
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setSaving(false);
    }
  }

  const d = b.data;
  const totalLimit = d?.items.reduce((s, i) => s + i.limit_minor, 0) ?? 0;
  const totalSpent = d?.items.reduce((s, i) => s + Math.abs(i.spent_minor), 0) ?? 0;

  return (
    <div className="page">
      <PageHead
        title="Budgets"
        subtitle={d ? `Monthly limits per category · ${d.month}` : "Monthly limits per category"}
        actions={!editing && d ? <button type="button" className="btn btn-primary" onClick={startEdit}>Edit budgets</button> : null}
      />
      {b.error ? <ErrorBox error={b.error} onRetry={() => void b.reload()} /> : null}
      {saved ? <div className="alert alert-good" role="status">Budgets saved.</div> : null}
      {!d && !b.error ? <Card><Loading rows={5} /></Card> : null}
      {d && !editing ? (
        <>
          <div className="grid grid-3">
            <div className="card"><div className="stat-label">Budgeted</div><div className="stat-value"><Money minor={totalLimit} currency={currency} /></div></div>
            <div className="card"><div className="stat-label">Spent</div><div className="stat-value"><Money minor={totalSpent} currency={currency} /></div></div>
            <div className="card"><div className="stat-label">Over budget</div><div className="stat-value">{d.items.filter((i) => i.status === "exceeded").length} <span className="muted small">categories</span></div></div>
          </div>
          <MissingRatesNote missing={d.missing_rates} base={currency} />
          <Card title="This month" id="budgets">
            {d.items.length === 0 ? <Empty>No budgets yet. Choose “Edit budgets” to add some.</Empty> : null}
            <ul className="list">
              {d.items.map((i) => {
                const tone = i.status === "exceeded" ? "bad" : i.status === "warning" ? "warn" : "good";
                return (
                  <li key={i.category} style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 6 }} data-testid="budget-row">
                    <div className="row-between">
                      <strong>{titleCase(i.category)}</strong>
                      <Badge tone={tone}>{i.status === "exceeded" ? "Over budget" : i.status === "warning" ? "Near limit (80%+)" : "On track"}</Badge>
                    </div>
                    <Progress value={i.pct} tone={tone} label={`${titleCase(i.category)}: ${Math.round(i.pct)}% of budget used`} />
                    <span className="small muted num">
                      {money(Math.abs(i.spent_minor), currency)} of {money(i.limit_minor, currency)} · {Math.round(i.pct)}%
                      {i.limit_minor - Math.abs(i.spent_minor) >= 0 ? ` · ${money(i.limit_minor - Math.abs(i.spent_minor), currency)} left` : ` · ${money(Math.abs(i.spent_minor) - i.limit_minor, currency)} over`}
                    </span>
                  </li>
                );
              })}
            </ul>
          </Card>
        </>
      ) : null}
      {editing ? (
        <Card title="Edit budgets" id="edit">
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void save(); }}>
            {editing.map((r, n) => (
              <div key={n} className="form-grid" style={{ gridTemplateColumns: "minmax(0,2fr) minmax(0,1.3fr) auto" }}>
                <div className="field">
                  <label htmlFor={`b-cat-${n}`}>Category</label>
                  <input id={`b-cat-${n}`} className="input" value={r.category} onChange={(e) => setEditing(editing.map((x, j) => (j === n ? { ...x, category: e.target.value } : x)))} required />
                </div>
                <div className="field">
                  <label htmlFor={`b-lim-${n}`}>Monthly limit ({currency})</label>
                  <input id={`b-lim-${n}`} className="input" type="number" min="0" step="1" inputMode="decimal" value={r.limit} onChange={(e) => setEditing(editing.map((x, j) => (j === n ? { ...x, limit: e.target.value } : x)))} required />
                </div>
                <button type="button" className="btn btn-danger" onClick={() => setEditing(editing.filter((_, j) => j !== n))} aria-label={`Remove budget ${r.category || n + 1}`}>
                  Remove
                </button>
              </div>
            ))}
            <div>
              <button type="button" className="btn" onClick={() => setEditing([...editing, { category: "", limit: "" }])}>Add category budget</button>
            </div>
            {err ? <div className="alert alert-bad" role="alert">{err}</div> : null}
            <div className="row" style={{ justifyContent: "flex-end" }}>
              <button type="button" className="btn" onClick={() => setEditing(null)}>Cancel</button>
              <button type="submit" className="btn btn-primary" disabled={saving}>{saving ? "Saving…" : "Save budgets"}</button>
            </div>
          </form>
        </Card>
      ) : null}
    </div>
  );
}
