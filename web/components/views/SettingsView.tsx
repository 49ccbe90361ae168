"use client";

import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, ApiError, errorMessage } from "@/lib/api";
import { useQuery } from "@/lib/hooks";
import type { ApiKey, Items, NewApiKey, Status, User } from "@/lib/types";
import { browserTimeZone, currencyCodes, settingsPatch, supportedTimeZones, timeZoneOptions } from "@/lib/money";
import { dateLabel, relativeTime } from "@/lib/format";
import { useAuth } from "../auth";
import { Badge, Card, Empty, ErrorBox, Loading, PageHead } from "../ui";

export function SettingsView() {
  const { user } = useAuth();
  return (
    <div className="page">
      <PageHead title="Settings" subtitle="Your account, currency and time zone, API keys, AI providers and bank connections." />
      <Card title="Account" id="account">
        <dl className="grid grid-3" style={{ margin: 0 }}>
          <div><dt className="stat-label">Name</dt><dd style={{ margin: 0 }}>{user?.name || "—"}</dd></div>
          <div><dt className="stat-label">Email</dt><dd style={{ margin: 0 }} className="ellipsis">{user?.email}</dd></div>
          <div><dt className="stat-label">Member since</dt><dd style={{ margin: 0 }}>{dateLabel(user?.created_at)}</dd></div>
        </dl>
      </Card>
      <MoneySettings />
      <ApiKeys />
      <div className="grid grid-2">
        <Providers />
        <Bank />
      </div>
    </div>
  );
}

const CURRENCIES = currencyCodes();

/** Base currency and time zone (SPEC §15), saved with PATCH /me. The server is the judge of a
 * valid code or zone: its 400 message is shown as is and nothing changes. */
function MoneySettings() {
  const { user, setUser } = useAuth();
  const saved = { base_currency: user?.base_currency || "USD", timezone: user?.timezone || "UTC" };
  const [currency, setCurrency] = useState(saved.base_currency);
  const [zone, setZone] = useState(saved.timezone);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [suggested, setSuggested] = useState<string | null>(null);
  const [supported, setSupported] = useState<string[]>([]);
  // The browser's zone and list are read after mount: the static export is rendered without them.
  useEffect(() => {
    setSuggested(browserTimeZone());
    setSupported(supportedTimeZones());
  }, []);
  const zones = useMemo(() => timeZoneOptions(supported, saved.timezone, suggested), [supported, saved.timezone, suggested]);
  const patch = settingsPatch(saved, { base_currency: currency, timezone: zone });

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!patch) return;
    setBusy(true);
    setErr(null);
    setDone(null);
    try {
      const r = await api<{ user?: User } & Partial<User>>("/me", { method: "PATCH", json: patch });
      const next = r?.user ?? (r?.id ? (r as User) : null);
      if (user) setUser({ ...user, ...patch, ...(next ?? {}) });
      setDone(`Saved: totals in ${next?.base_currency ?? currency}, periods in ${next?.timezone ?? zone}.`);
    } catch (x) {
      setErr(errorMessage(x));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Currency and time zone" id="money">
      <form className="stack" onSubmit={save} aria-describedby="money-help">
        <p id="money-help" className="hint">
          Accounts and transactions keep their own currency; totals (net worth, cash flow, budgets, the assistant) are converted to your base currency. Months and &quot;last 30 days&quot; are counted in your time zone.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="base-currency">Base currency</label>
            <select id="base-currency" className="select" value={currency} onChange={(e) => { setCurrency(e.target.value); setDone(null); }}>
              {CURRENCIES.map((c) => (
                <option key={c} value={c}>{c}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="time-zone">Time zone</label>
            <select id="time-zone" className="select" value={zone} onChange={(e) => { setZone(e.target.value); setDone(null); }} aria-describedby={suggested && suggested !== zone ? "tz-suggest" : undefined}>
              {zones.map((z) => (
                <option key={z} value={z}>{z === suggested ? `${z} (this browser)` : z}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <button type="submit" className="btn btn-primary" disabled={busy || !patch}>{busy ? "Saving…" : "Save currency and time zone"}</button>
          </div>
        </div>
        {suggested && suggested !== zone ? (
          <div className="row small" id="tz-suggest">
            <span className="muted">This browser is in {suggested}.</span>
            <button type="button" className="btn btn-sm" onClick={() => { setZone(suggested); setDone(null); }}>Use {suggested}</button>
          </div>
        ) : null}
        {err ? <div className="alert alert-bad" role="alert" data-testid="money-error"><div className="grow"><strong>Not saved</strong><span>{err}</span></div></div> : null}
        {done ? <div className="alert alert-good" role="status" data-testid="money-saved">{done}</div> : null}
      </form>
    </Card>
  );
}

function ApiKeys() {
  const keys = useQuery<Items<ApiKey>>("/api-keys");
  const [name, setName] = useState("");
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    setCopied(false);
    try {
      const k = await api<NewApiKey>("/api-keys", { json: { name: name.trim() } });
      setCreated(k);
      setName("");
      keys.setData((d) => ({ items: [{ id: k.id, name: k.name, prefix: k.prefix, created_at: k.created_at, last_used_at: null }, ...(d?.items ?? [])] }));
    } catch (x) {
      setErr(errorMessage(x));
    } finally {
      setBusy(false);
    }
  }

  async function remove(id: string) {
    setErr(null);
    try {
      await api(`/api-keys/${id}`, { method: "DELETE" });
      keys.setData((d) => ({ items: (d?.items ?? []).filter((k) => k.id !== id) }));
      if (created?.id === id) setCreated(null);
      setConfirm(null);
    } catch (x) {
      setErr(errorMessage(x));
    }
  }

  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <Card title="API keys" id="api-keys" action={<span className="muted small">For the OpenAI-compatible API at /v1/chat/completions</span>}>
      <form className="form-grid" onSubmit={create} style={{ marginBottom: 14 }}>
        <div className="field">
          <label htmlFor="key-name">Key name</label>
          <input id="key-name" className="input" placeholder="e.g. Laptop script" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </div>
        <div className="field">
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>{busy ? "Creating…" : "Create API key"}</button>
        </div>
      </form>
      {created ? (
        <div className="alert alert-good stack" role="status" data-testid="new-key" style={{ display: "grid", marginBottom: 14 }}>
          <strong>Copy your new key now: it won&apos;t be shown again.</strong>
          <div className="keybox" data-testid="new-key-value">{created.key}</div>
          <div className="row">
            <button type="button" className="btn btn-sm" onClick={() => void copy()}>{copied ? "Copied" : "Copy key"}</button>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setCreated(null)}>I&apos;ve saved it, hide the key</button>
          </div>
        </div>
      ) : null}
      {err ? <div className="alert alert-bad" role="alert" style={{ marginBottom: 12 }}>{err}</div> : null}
      {keys.error ? <ErrorBox error={keys.error} onRetry={() => void keys.reload()} /> : null}
      {!keys.data && !keys.error ? <Loading rows={3} /> : null}
      {keys.data && keys.data.items.length === 0 ? <Empty>No API keys yet.</Empty> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <ul className="list" aria-label="API keys">
          {keys.data.items.map((k) => (
            <li key={k.id} data-testid="api-key">
              <div className="tx-main">
                <strong className="ellipsis">{k.name}</strong>
                <span className="small muted ellipsis">
                  <code>{k.prefix}…</code> · created {dateLabel(k.created_at)} · {k.last_used_at ? `last used ${relativeTime(k.last_used_at)}` : "never used"}
                </span>
              </div>
              {confirm === k.id ? (
                <span className="row" style={{ flexWrap: "nowrap" }}>
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(k.id)}>Revoke {k.name}</button>
                  <button type="button" className="btn btn-sm" onClick={() => setConfirm(null)}>Keep</button>
                </span>
              ) : (
                <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirm(k.id)} aria-label={`Delete API key ${k.name}`}>Delete</button>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function Providers() {
  const s = useQuery<Status>("/status", undefined, { intervalMs: 10_000 });
  return (
    <Card title="AI providers" id="providers" action={<span className="muted small">Tried in this order</span>}>
      {s.error ? <ErrorBox error={s.error} onRetry={() => void s.reload()} /> : null}
      {!s.data && !s.error ? <Loading rows={4} /> : null}
      {s.data && s.data.providers.length === 0 ? <p className="muted small">The server reports no provider state.</p> : null}
      {s.data ? (
        <ul className="list">
          {s.data.providers.map((p) => (
            <li key={p.name}>
              <strong>{p.name}</strong>
              <span className="row" style={{ gap: 6 }}>
                {p.configured ? <Badge tone="good">Configured</Badge> : <Badge>Not configured</Badge>}
                {p.configured ? <CircuitBadge c={p.circuit} /> : null}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <p className="hint" style={{ marginTop: 10 }}>Providers are set by the server&apos;s environment (FINCHAT_LLM_CHAIN). The built-in analyst always answers from your data when others are unavailable.</p>
    </Card>
  );
}

export function CircuitBadge({ c }: { c: string }) {
  return c === "closed" ? <Badge tone="good">Healthy</Badge> : c === "open" ? <Badge tone="bad">Circuit open</Badge> : <Badge tone="warn">Recovering</Badge>;
}

function Bank() {
  const [state, setState] = useState<{ kind: "loading" } | { kind: "disabled"; message: string } | { kind: "ready"; token: string } | { kind: "error"; error: unknown }>({ kind: "loading" });
  const check = async () => {
    setState({ kind: "loading" });
    try {
      const r = await api<{ link_token: string }>("/plaid/link-token", { method: "POST", json: {} });
      setState({ kind: "ready", token: r.link_token });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 503 || e.status === 404 || e.status === 501)) {
        setState({ kind: "disabled", message: e.status === 503 ? "Bank linking through Plaid isn't configured on this server (no Plaid credentials)." : "This server has no bank-linking endpoint." });
      } else setState({ kind: "error", error: e });
    }
  };
  useEffect(() => {
    void check();
  }, []);
  return (
    <Card title="Bank connection" id="bank">
      {state.kind === "loading" ? <Loading rows={2} /> : null}
      {state.kind === "error" ? <ErrorBox error={state.error} onRetry={() => void check()} /> : null}
      {state.kind === "disabled" ? (
        <div className="stack" data-testid="plaid-disabled">
          <div className="row"><Badge>Unavailable</Badge><span className="small muted">Plaid</span></div>
          <p className="small">{state.message} You can still import CSV or OFX statements on the Transactions page.</p>
          <div><button type="button" className="btn" disabled>Connect a bank (disabled)</button></div>
        </div>
      ) : null}
      {state.kind === "ready" ? (
        <div className="stack">
          <div className="row"><Badge tone="good">Available</Badge><span className="small muted">Plaid</span></div>
          <p className="small">Plaid is configured on this server. Linked accounts sync their transactions automatically.</p>
          <p className="hint">Link token issued ({state.token.slice(0, 12)}…). Plaid Link opens in Plaid&apos;s own window; ask your administrator to allow it in the server&apos;s Content-Security-Policy.</p>
        </div>
      ) : null}
    </Card>
  );
}
