"use client";

import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { api, ApiError, errorMessage } from "@/lib/api";
import { useDebounced, useQuery } from "@/lib/hooks";
import { amountStep, dateLabel, titleCase, toMinor } from "@/lib/format";
import type { Account, CategoryBreakdown, Items, Page, Transaction } from "@/lib/types";
import { appliedText, ruleFromEdit, sameMerchant, type Rule } from "@/lib/money";
import { applyRule, ruleOf } from "./RulesView";
import { Badge, Card, Empty, ErrorBox, Loading, Money, PageHead } from "../ui";

interface Filters {
  q: string;
  type: string;
  category: string;
  account_id: string;
  from: string;
  to: string;
  min: string;
  max: string;
  sort: string;
}
const EMPTY: Filters = { q: "", type: "", category: "", account_id: "", from: "", to: "", min: "", max: "", sort: "date_desc" };

const DEFAULT_CATEGORIES = ["groceries", "dining", "rent", "utilities", "transport", "shopping", "entertainment", "subscriptions", "health", "travel", "income", "salary", "transfer", "fees", "other"];

function filtersFromUrl(): Filters {
  if (typeof window === "undefined") return EMPTY;
  const q = new URLSearchParams(window.location.search);
  const out = { ...EMPTY };
  for (const k of Object.keys(EMPTY) as Array<keyof Filters>) {
    const v = q.get(k);
    if (v != null) out[k] = v;
  }
  return out;
}

export function TransactionsView() {
  const [f, setF] = useState<Filters>(EMPTY);
  const [urlRead, setUrlRead] = useState(false);
  // Filters live in the address (?q=&type=...), so a filtered view can be bookmarked or shared.
  useEffect(() => {
    setF(filtersFromUrl());
    setUrlRead(true);
  }, []);
  useEffect(() => {
    if (!urlRead) return;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v && !(k === "sort" && v === EMPTY.sort)) q.set(k, v);
    const qs = q.toString();
    window.history.replaceState(window.history.state, "", `${window.location.pathname}${qs ? `?${qs}` : ""}${window.location.hash}`);
  }, [f, urlRead]);
  const debouncedQ = useDebounced(f.q, 300);
  const accounts = useQuery<Items<Account>>("/accounts");
  const cats = useQuery<CategoryBreakdown>("/analytics/categories");
  const currency = accounts.data?.items[0]?.currency ?? "USD";
  const [items, setItems] = useState<Transaction[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const seq = useRef(0);

  const query = useMemo(
    () => ({
      limit: 50,
      q: debouncedQ.trim(),
      type: f.type,
      category: f.category,
      account_id: f.account_id,
      from: f.from,
      to: f.to,
      min_minor: f.min ? toMinor(Number(f.min), currency) : undefined,
      max_minor: f.max ? toMinor(Number(f.max), currency) : undefined,
      sort: f.sort,
    }),
    [debouncedQ, f.type, f.category, f.account_id, f.from, f.to, f.min, f.max, f.sort, currency],
  );

  const load = useCallback(
    async (more: string | null) => {
      const my = ++seq.current;
      if (more) setLoadingMore(true);
      else setItems(null);
      try {
        const page = await api<Page<Transaction>>("/transactions", { query: { ...query, cursor: more ?? undefined } });
        if (my !== seq.current) return;
        setItems((prev) => (more ? [...(prev ?? []), ...page.items] : page.items));
        setCursor(page.next_cursor);
        setError(null);
      } catch (e) {
        if (my === seq.current) setError(e);
      } finally {
        if (my === seq.current) setLoadingMore(false);
      }
    },
    [query],
  );
  useEffect(() => {
    if (urlRead) void load(null);
  }, [load, urlRead]);

  const categories = useMemo(() => {
    const s = new Set<string>(DEFAULT_CATEGORIES);
    cats.data?.items.forEach((c) => s.add(c.category));
    items?.forEach((t) => t.category && s.add(t.category));
    return [...s].sort();
  }, [cats.data, items]);

  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const active = Object.entries(f).filter(([k, v]) => v && k !== "sort").length;

  function updated(t: Transaction) {
    setItems((xs) => (xs ?? []).map((x) => (x.id === t.id ? t : x)));
  }
  // A rule "merchant equals M → C" applied to past transactions: the rows shown follow.
  function recategorised(merchant: string, category: string) {
    setItems((xs) => (xs ?? []).map((x) => (x.type !== "transfer" && sameMerchant(x.merchant, merchant) ? { ...x, category } : x)));
  }

  return (
    <div className="page">
      <PageHead title="Transactions" subtitle="Search, filter, recategorise and import." />
      <Card>
        <form className="stack" role="search" aria-label="Transactions" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="tx-search">Search transactions</label>
            <input id="tx-search" type="search" className="input" placeholder="Merchant or description" value={f.q} onChange={set("q")} />
          </div>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="f-type">Type</label>
              <select id="f-type" className="select" value={f.type} onChange={set("type")}>
                <option value="">All types</option>
                <option value="expense">Expense</option>
                <option value="income">Income</option>
                <option value="transfer">Transfer</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-category">Category</label>
              <select id="f-category" className="select" value={f.category} onChange={set("category")}>
                <option value="">All categories</option>
                {categories.map((c) => (
                  <option key={c} value={c}>{titleCase(c)}</option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-account">Account</label>
              <select id="f-account" className="select" value={f.account_id} onChange={set("account_id")}>
                <option value="">All accounts</option>
                {accounts.data?.items.map((a) => (
                  <option key={a.id} value={a.id}>{a.name}</option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-from">From date</label>
              <input id="f-from" type="date" className="input" value={f.from} onChange={set("from")} />
            </div>
            <div className="field">
              <label htmlFor="f-to">To date</label>
              <input id="f-to" type="date" className="input" value={f.to} onChange={set("to")} />
            </div>
            <div className="field">
              <label htmlFor="f-min">Min amount ({currency})</label>
              <input id="f-min" type="number" inputMode="decimal" min="0" step={amountStep(currency)} className="input" value={f.min} onChange={set("min")} />
            </div>
            <div className="field">
              <label htmlFor="f-max">Max amount ({currency})</label>
              <input id="f-max" type="number" inputMode="decimal" min="0" step={amountStep(currency)} className="input" value={f.max} onChange={set("max")} />
            </div>
            <div className="field">
              <label htmlFor="f-sort">Sort by</label>
              <select id="f-sort" className="select" value={f.sort} onChange={set("sort")}>
                <option value="date_desc">Newest first</option>
                <option value="date_asc">Oldest first</option>
                <option value="amount_desc">Largest amount</option>
                <option value="amount_asc">Smallest amount</option>
              </select>
            </div>
          </div>
          {active > 0 ? (
            <div className="row">
              <span className="small muted">{active} filter{active > 1 ? "s" : ""} active</span>
              <button type="button" className="btn btn-sm" onClick={() => setF(EMPTY)}>Clear filters</button>
            </div>
          ) : null}
        </form>
      </Card>

      <Card title="Results" id="results" action={items ? <span className="muted" data-testid="tx-count">{items.length}{cursor ? "+" : ""} shown</span> : null}>
        {error ? <ErrorBox error={error} onRetry={() => void load(null)} /> : null}
        {!items && !error ? <Loading rows={6} /> : null}
        {items && items.length === 0 ? <Empty>No transactions match these filters.</Empty> : null}
        {items && items.length > 0 ? (
          <div className="table-scroll">
            <table className="data stacked" data-testid="tx-table">
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Merchant</th>
                  <th scope="col">Category</th>
                  <th scope="col" className="hide-sm">Account</th>
                  <th scope="col" className="r">Amount</th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <TxRow key={t.id} t={t} categories={categories} onUpdated={updated} onApplied={recategorised} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {cursor ? (
          <div className="row" style={{ justifyContent: "center", marginTop: 12 }}>
            <button type="button" className="btn" onClick={() => void load(cursor)} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Load more transactions"}
            </button>
          </div>
        ) : null}
      </Card>

      <ImportCard accounts={accounts.data?.items ?? []} onImported={() => void load(null)} />
    </div>
  );
}

function TxRow({ t, categories, onUpdated, onApplied }: { t: Transaction; categories: string[]; onUpdated: (t: Transaction) => void; onApplied: (merchant: string, category: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(t.category);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  // After a manual edit: offer a rule for the merchant (SPEC §15), then applying it.
  const [offer, setOffer] = useState<null | { category: string; rule?: Rule; applied?: string; busy?: boolean; error?: string }>(null);
  const id = `cat-${t.id}`;
  const merchant = t.merchant?.trim() ?? "";

  async function makeRule() {
    const body = offer && ruleFromEdit(merchant, offer.category);
    if (!offer || !body) return;
    setOffer({ ...offer, busy: true, error: undefined });
    try {
      const rule = ruleOf(await api<Rule | { rule: Rule }>("/rules", { json: body }));
      setOffer({ category: body.category, rule });
    } catch (x) {
      setOffer({ ...offer, busy: false, error: errorMessage(x) });
    }
  }

  async function applyIt() {
    if (!offer?.rule) return;
    setOffer({ ...offer, busy: true, error: undefined });
    try {
      const n = await applyRule(offer.rule.id);
      setOffer({ ...offer, busy: false, applied: appliedText(n) });
      onApplied(offer.rule.merchant, offer.rule.category);
    } catch (x) {
      setOffer({ ...offer, busy: false, error: errorMessage(x) });
    }
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const r = await api<{ transaction: Transaction }>(`/transactions/${t.id}`, { method: "PATCH", json: { category: value } });
      onUpdated(r.transaction);
      setEditing(false);
      setOffer(merchant && r.transaction.category ? { category: r.transaction.category } : null);
    } catch (x) {
      setErr(errorMessage(x));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-testid="tx-row" data-id={t.id} data-type={t.type} data-category={t.category} data-account={t.account_id} data-posted={t.posted_at} data-minor={t.amount_minor}>
      <td className="nowrap c-date">{dateLabel(t.posted_at)}</td>
      <td className="c-merchant" style={{ minWidth: 140 }}>
        <div style={{ fontWeight: 600 }}>{t.merchant || "—"}</div>
        {t.description && t.description !== t.merchant ? <div className="muted small">{t.description}</div> : null}
        {t.fraud_score >= 50 ? <Badge tone="bad">High fraud risk</Badge> : t.fraud_score >= 30 ? <Badge tone="warn">Flagged</Badge> : null}
      </td>
      <td className="c-cat" style={{ minWidth: 150 }}>
        {editing ? (
          <form className="stack" style={{ gap: 6 }} onSubmit={save}>
            <label htmlFor={id} className="label">Category</label>
            <input id={id} className="input" list="category-options" value={value} onChange={(e) => setValue(e.target.value)} required autoFocus />
            <datalist id="category-options">
              {categories.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
            <div className="row" style={{ gap: 6 }}>
              <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>Save category</button>
              <button type="button" className="btn btn-sm" onClick={() => { setEditing(false); setValue(t.category); }}>Cancel</button>
            </div>
            {err ? <span className="small neg" role="alert">{err}</span> : null}
          </form>
        ) : (
          <>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => { setEditing(true); setOffer(null); }} aria-label={`Change category of ${t.merchant || "transaction"} (${t.category || "uncategorised"})`}>
              {t.category ? titleCase(t.category) : "Uncategorised"} <span className="muted small">✎</span>
            </button>
            {offer ? <RuleOffer merchant={merchant} offer={offer} onCreate={() => void makeRule()} onApply={() => void applyIt()} onDismiss={() => setOffer(null)} /> : null}
          </>
        )}
      </td>
      <td className="hide-sm muted small">{t.account_name}</td>
      <td className="r nowrap c-amt">
        <Money minor={t.amount_minor} currency={t.currency} colored={t.amount_minor > 0} sign />
      </td>
    </tr>
  );
}

/** The one-click rule under a just-edited category: "Always categorise <merchant> like this",
 * then "Apply to past transactions" with the count the server reports. */
function RuleOffer({ merchant, offer, onCreate, onApply, onDismiss }: { merchant: string; offer: { category: string; rule?: Rule; applied?: string; busy?: boolean; error?: string }; onCreate: () => void; onApply: () => void; onDismiss: () => void }) {
  return (
    <div className="stack small" style={{ gap: 4, marginTop: 4 }} data-testid="rule-offer">
      {!offer.rule ? (
        // Focus follows the flow: the edit form that held it is gone, its next step is here.
        <button type="button" className="btn btn-sm" onClick={onCreate} disabled={offer.busy} autoFocus>
          Always categorise {merchant} like this
        </button>
      ) : (
        <>
          <span role="status" data-testid="rule-offer-created">
            Rule saved: {merchant} → {titleCase(offer.rule.category)}. <Link href="/rules/">See rules</Link>
          </span>
          {offer.applied ? (
            <span role="status" data-testid="rule-offer-applied">{offer.applied}</span>
          ) : (
            <button type="button" className="btn btn-sm" onClick={onApply} disabled={offer.busy} autoFocus>
              Apply to past {merchant} transactions
            </button>
          )}
        </>
      )}
      {offer.error ? <span className="neg" role="alert">{offer.error}</span> : null}
      <button type="button" className="btn btn-sm btn-ghost" onClick={onDismiss} aria-label={`${offer.rule ? "Done" : "Not now"}: dismiss the rule suggestion for ${merchant}`}>
        {offer.rule ? "Done" : "Not now"}
      </button>
    </div>
  );
}

interface ImportReport { added: number; duplicates: number; rejected: Array<{ line: number; reason: string }> }

function ImportCard({ accounts, onImported }: { accounts: Account[]; onImported: () => void }) {
  const [account, setAccount] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);

  useEffect(() => {
    if (!account && accounts[0]) setAccount(accounts[0].id);
  }, [accounts, account]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file || !account) return;
    setBusy(true);
    setError(null);
    setReport(null);
    const isOfx = /\.(ofx|qfx)$/i.test(file.name) || file.type.includes("ofx");
    try {
      const r = await api<ImportReport>("/imports", {
        method: "POST",
        query: { account_id: account },
        body: await file.text(),
        contentType: isOfx ? "application/x-ofx" : "text/csv",
      });
      setReport(r);
      if (r.added > 0) onImported();
    } catch (x) {
      if (x instanceof ApiError && (x.status === 404 || x.status === 501)) {
        setUnavailable("This finchat server doesn't accept file imports yet. Your data is unchanged; ask your administrator to enable imports, or add transactions through the API.");
      } else setError(x);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Import transactions" id="import" action={<span className="muted">CSV or OFX</span>}>
      {unavailable ? (
        <div className="alert alert-warn" role="status" data-testid="import-disabled">
          <div className="grow">
            <strong>Import is not available on this server</strong>
            <span className="small">{unavailable}</span>
          </div>
        </div>
      ) : null}
      <form className="stack" onSubmit={submit} aria-describedby="import-help">
        <p id="import-help" className="hint">
          CSV needs a header <code>date,description,amount[,category]</code> (amounts in {accounts.find((a) => a.id === account)?.currency ?? "the account's currency"}, expenses negative). Duplicates of existing transactions are skipped.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="import-account">Into account</label>
            <select id="import-account" className="select" value={account} onChange={(e) => setAccount(e.target.value)} disabled={!!unavailable}>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>{a.name}</option>
              ))}
            </select>
          </div>
          <div className="field" style={{ gridColumn: "span 2" }}>
            <label htmlFor="import-file">File</label>
            <input id="import-file" type="file" className="input" accept=".csv,.ofx,.qfx,text/csv,application/x-ofx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} disabled={!!unavailable} />
          </div>
          <div className="field">
            <button type="submit" className="btn btn-primary" disabled={!file || !account || busy || !!unavailable}>
              {busy ? "Importing…" : "Import file"}
            </button>
          </div>
        </div>
      </form>
      {error ? <ErrorBox error={error} title="Import failed" /> : null}
      {report ? (
        <div className="alert alert-good" role="status" data-testid="import-report" style={{ marginTop: 12 }}>
          <div className="grow">
            <strong>
              Imported {report.added} transaction{report.added === 1 ? "" : "s"}
            </strong>
            <span className="small">
              {report.duplicates} duplicate{report.duplicates === 1 ? "" : "s"} skipped · {report.rejected.length} rejected
            </span>
            {report.rejected.length ? (
              <ul className="small" style={{ margin: "6px 0 0", paddingLeft: 18 }}>
                {report.rejected.slice(0, 20).map((r) => (
                  <li key={r.line}>Line {r.line}: {r.reason}</li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
      ) : null}
    </Card>
  );
}

