"use client";

import type { ReactNode } from "react";
import { errorMessage, ApiError } from "@/lib/api";
import { money } from "@/lib/format";
import { missingRatesNote } from "@/lib/money";

export function Card({ title, action, children, className, id, labelledBy }: { title?: ReactNode; action?: ReactNode; children: ReactNode; className?: string; id?: string; labelledBy?: string }) {
  const headId = id ? `${id}-title` : undefined;
  return (
    <section className={`card ${className ?? ""}`} id={id} aria-labelledby={title ? headId : labelledBy}>
      {(title || action) && (
        <div className="card-head">
          {title ? <h2 id={headId}>{title}</h2> : <span />}
          {action}
        </div>
      )}
      {children}
    </section>
  );
}

export function PageHead({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p>{subtitle}</p> : null}
      </div>
      {actions ? <div className="row">{actions}</div> : null}
    </header>
  );
}

export function Money({ minor, currency, sign, compact, colored, testId }: { minor: number; currency: string; sign?: boolean; compact?: boolean; colored?: boolean; testId?: string }) {
  const cls = colored ? (minor > 0 ? "pos" : minor < 0 ? "neg" : "") : "";
  return (
    <span className={`num ${cls}`} data-minor={minor} data-currency={currency} data-testid={testId}>
      {money(minor, currency, { plus: sign, compact })}
    </span>
  );
}

export function Stat({ label, value, sub, testId }: { label: string; value: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  );
}

export function Skeleton({ h = 16, w = "100%" }: { h?: number; w?: number | string }) {
  return <div className="skeleton" style={{ height: h, width: w }} aria-hidden="true" />;
}

export function Loading({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="stack" role="status" aria-live="polite">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} h={18} w={`${90 - i * 12}%`} />
      ))}
    </div>
  );
}

export function ErrorBox({ error, onRetry, title = "Couldn't load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  const rid = error instanceof ApiError ? error.requestId : null;
  return (
    <div className="alert alert-bad" role="alert">
      <div className="grow">
        <strong>{title}</strong>
        <span>{errorMessage(error)}</span>
        {rid ? <div className="hint">Request id: {rid}</div> : null}
      </div>
      {onRetry ? (
        <button type="button" className="btn btn-sm" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Badge({ tone, children }: { tone?: "good" | "warn" | "bad" | "accent"; children: ReactNode }) {
  return <span className={`badge ${tone ? `badge-${tone}` : ""}`}>{children}</span>;
}

export function Progress({ value, tone, label }: { value: number; tone?: "good" | "warn" | "bad"; label: string }) {
  const v = Math.max(0, Math.min(100, value));
  return (
    <div className={`progress ${tone ?? ""}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(v)}>
      <span style={{ width: `${v}%` }} />
    </div>
  );
}

export function ScoreRing({ score, size = 120 }: { score: number; size?: number }) {
  const r = 52;
  const c = 2 * Math.PI * r;
  const tone = score >= 70 ? "var(--good)" : score >= 45 ? "var(--warn)" : "var(--bad)";
  return (
    <div className="score-ring" style={{ width: size, height: size }}>
      <svg width={size} height={size} viewBox="0 0 120 120" aria-hidden="true">
        <circle cx="60" cy="60" r={r} stroke="var(--surface-2)" strokeWidth="12" fill="none" />
        <circle cx="60" cy="60" r={r} stroke={tone} strokeWidth="12" fill="none" strokeLinecap="round" strokeDasharray={`${(c * Math.max(0, Math.min(100, score))) / 100} ${c}`} />
      </svg>
      <div className="score-text">
        <div>
          <b data-testid="health-score">{score}</b>
          <span className="muted small">of 100</span>
        </div>
      </div>
    </div>
  );
}

/** Under a total converted to the base currency: says which currencies had no exchange rate
 * (the response's `missing_rates`), so a partial total is never read as a whole one. Renders
 * nothing when every rate was found. */
export function MissingRatesNote({ missing, base }: { missing: readonly string[] | null | undefined; base: string }) {
  const text = missingRatesNote(missing, base);
  if (!text) return null;
  return (
    <div className="alert alert-warn small" role="note" data-testid="missing-rates" data-missing={[...new Set(missing)].sort().join(",")}>
      <div className="grow">
        <strong>Partial total</strong>
        <span>{text}</span>
      </div>
    </div>
  );
}
