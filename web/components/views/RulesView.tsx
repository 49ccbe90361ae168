"use client";

import { useState, type FormEvent } from "react";
import { api, ApiError, errorMessage } from "@/lib/api";
import { useQuery } from "@/lib/hooks";
import type { Account, Items } from "@/lib/types";
import { amountStep, money, titleCase, toMinor } from "@/lib/format";
import { appliedText, ruleFromForm, ruleSummary, type Rule, type RuleForm } from "@/lib/money";
import { useBaseCurrency } from "../auth";
import { Badge, Card, Empty, ErrorBox, Loading, PageHead } from "../ui";

const EMPTY: RuleForm = { merchant: "", match: "equals", category: "", min: "", max: "", account_id: "" };

/** POST /rules answers with the rule, bare or as {rule}. */
export function ruleOf(r: Rule | { rule: Rule }): Rule {
  return "rule" in r ? r.rule : r;
}

/** POST /rules/{id}/apply: how many past transactions were recategorised. */
export async function applyRule(id: string): Promise<number> {
  const r = await api<{ updated: number }>(`/rules/${encodeURIComponent(id)}/apply`, { method: "POST", json: {} });
  return r?.updated ?? 0;
}

export function RulesView() {
  const rules = useQuery<Items<Rule>>("/rules");
  const accounts = useQuery<Items<Account>>("/accounts");
  const base = useBaseCurrency();
  const accountList = accounts.data?.items ?? [];
  const currencyOf = (accountId: string | null | undefined) => accountList.find((a) => a.id === accountId)?.currency ?? base;
  const [f, setF] = useState<RuleForm>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof RuleForm, string>>>({});
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [applied, setApplied] = useState<Record<string, string>>({});
  const [applying, setApplying] = useState<string | null>(null);
  const formCurrency = currencyOf(f.account_id);
  const unavailable = rules.error instanceof ApiError && (rules.error.status === 404 || rules.error.status === 501);

  const set = (k: keyof RuleForm) => (e: { target: { value: string } }) => {
    setF((x) => ({ ...x, [k]: e.target.value }));
    setErrors((x) => ({ ...x, [k]: undefined }));
  };

  async function create(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setCreated(null);
    const r = ruleFromForm(f, formCurrency);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const rule = ruleOf(await api<Rule | { rule: Rule }>("/rules", { json: r.body }));
      rules.setData((d) => ({ items: [rule, ...(d?.items ?? []).filter((x) => x.id !== rule.id)] }));
      setCreated(rule.id);
      setF(EMPTY);
    } catch (x) {
      setErr(errorMessage(x));
    } finally {
      setBusy(false);
    }
  }

  async function remove(id: string) {
    setErr(null);
    try {
      await api(`/rules/${encodeURIComponent(id)}`, { method: "DELETE" });
      rules.setData((d) => ({ items: (d?.items ?? []).filter((x) => x.id !== id) }));
      setConfirm(null);
      if (created === id) setCreated(null);
    } catch (x) {
      setErr(errorMessage(x));
    }
  }

  async function apply(id: string) {
    setErr(null);
    setApplying(id);
    try {
      const n = await applyRule(id);
      setApplied((a) => ({ ...a, [id]: appliedText(n) }));
    } catch (x) {
      setErr(errorMessage(x));
    } finally {
      setApplying(null);
    }
  }

  const field = (k: keyof RuleForm) => ({ "aria-invalid": errors[k] ? true : undefined, "aria-describedby": errors[k] ? `rule-${k}-err` : undefined });
  const fieldError = (k: keyof RuleForm) => (errors[k] ? <span id={`rule-${k}-err`} className="small neg">{errors[k]}</span> : null);

  return (
    <div className="page">
      <PageHead title="Rules" subtitle="Categorise transactions automatically: every new transaction whose merchant matches gets the rule's category." />
      {unavailable ? (
        <div className="alert alert-warn" role="status" data-testid="rules-disabled">
          <div className="grow">
            <strong>Rules are not available on this server</strong>
            <span className="small">This finchat server has no categorisation rules yet. Your transactions are unchanged.</span>
          </div>
        </div>
      ) : null}
      <Card title="New rule" id="new-rule">
        <form className="stack" onSubmit={create} noValidate aria-describedby="rule-help">
          <p id="rule-help" className="hint">
            The rule applies to new transactions from any source (manual, CSV/OFX import, bank sync). Use “Apply to past transactions” to recategorise the ones you already have.
          </p>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="rule-match">Merchant match</label>
              <select id="rule-match" className="select" value={f.match} onChange={set("match")} disabled={unavailable}>
                <option value="equals">Is exactly</option>
                <option value="contains">Contains</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-merchant">Merchant</label>
              <input id="rule-merchant" className="input" value={f.merchant} onChange={set("merchant")} maxLength={120} placeholder="e.g. Blue Bottle" disabled={unavailable} {...field("merchant")} />
              {fieldError("merchant")}
            </div>
            <div className="field">
              <label htmlFor="rule-category">Category</label>
              <input id="rule-category" className="input" value={f.category} onChange={set("category")} maxLength={64} placeholder="e.g. dining" disabled={unavailable} {...field("category")} />
              {fieldError("category")}
            </div>
            <div className="field">
              <label htmlFor="rule-account">Account</label>
              <select id="rule-account" className="select" value={f.account_id} onChange={set("account_id")} disabled={unavailable}>
                <option value="">Any account</option>
                {accountList.map((a) => (
                  <option key={a.id} value={a.id}>{a.name}</option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-min">Min amount ({formCurrency})</label>
              <input id="rule-min" type="number" inputMode="decimal" min="0" step={amountStep(formCurrency)} className="input" value={f.min} onChange={set("min")} disabled={unavailable} {...field("min")} />
              {fieldError("min")}
            </div>
            <div className="field">
              <label htmlFor="rule-max">Max amount ({formCurrency})</label>
              <input id="rule-max" type="number" inputMode="decimal" min="0" step={amountStep(formCurrency)} className="input" value={f.max} onChange={set("max")} disabled={unavailable} {...field("max")} />
              {fieldError("max")}
            </div>
          </div>
          <p className="hint">
            Account and amounts are optional. The amount range bounds the transaction&apos;s size, spending or income alike: 10 to 50 matches {money(-toMinor(30, formCurrency), formCurrency)} and {money(toMinor(30, formCurrency), formCurrency, { plus: true })}.
          </p>
          <div className="row">
            <button type="submit" className="btn btn-primary" disabled={busy || unavailable}>{busy ? "Creating…" : "Create rule"}</button>
          </div>
        </form>
        {created ? (
          <div className="alert alert-good" role="status" data-testid="rule-created" style={{ marginTop: 12 }}>
            <div className="grow">Rule created. It applies to new transactions; apply it to past ones from the list below.</div>
          </div>
        ) : null}
        {err ? <div className="alert alert-bad" role="alert" style={{ marginTop: 12 }}>{err}</div> : null}
      </Card>

      <Card title="Your rules" id="rules" action={rules.data ? <span className="muted" data-testid="rule-count">{rules.data.items.length} rule{rules.data.items.length === 1 ? "" : "s"}</span> : null}>
        {rules.error && !unavailable ? <ErrorBox error={rules.error} onRetry={() => void rules.reload()} /> : null}
        {!rules.data && !rules.error ? <Loading rows={3} /> : null}
        {rules.data && rules.data.items.length === 0 ? <Empty>No rules yet. Create one above, or choose “Always categorise like this” after changing a category on the Transactions page.</Empty> : null}
        {rules.data && rules.data.items.length > 0 ? (
          <ul className="list" aria-label="Rules">
            {rules.data.items.map((r) => (
              <li key={r.id} data-testid="rule" data-id={r.id} data-merchant={r.merchant} data-match={r.match} data-category={r.category}>
                <div className="tx-main">
                  <span className="row" style={{ gap: 8 }}>
                    <strong className="ellipsis">{r.merchant}</strong>
                    <span aria-hidden="true">→</span>
                    <Badge tone="accent">{titleCase(r.category)}</Badge>
                  </span>
                  <span className="small muted ellipsis">{ruleSummary(r, accountList, currencyOf(r.account_id))}</span>
                  {applied[r.id] ? <span className="small" role="status" data-testid="rule-applied">{applied[r.id]}</span> : null}
                </div>
                <span className="row" style={{ flexWrap: "nowrap", gap: 6 }}>
                  <button type="button" className="btn btn-sm" onClick={() => void apply(r.id)} disabled={applying === r.id} aria-label={`Apply the rule for ${r.merchant} to past transactions`}>
                    {applying === r.id ? "Applying…" : "Apply to past transactions"}
                  </button>
                  {confirm === r.id ? (
                    <>
                      <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(r.id)}>Delete rule for {r.merchant}</button>
                      <button type="button" className="btn btn-sm" onClick={() => setConfirm(null)}>Keep</button>
                    </>
                  ) : (
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirm(r.id)} aria-label={`Delete the rule for ${r.merchant}`}>Delete</button>
                  )}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </Card>
    </div>
  );
}
