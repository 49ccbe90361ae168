// Formatting of money (integer minor units + ISO 4217), percentages and dates. Money text
// follows the same table and the same rules as the C services (common/money.c), so the
// dashboard, the prompt and the analyst write every amount alike: the currency table is
// proto/currencies.json and tests/fixtures/money-format.json holds the cases both sides
// check. Amounts are exact (BigInt), never passed through floating point, except the
// compact chart labels.

import table from "../../proto/currencies.json";

export interface Currency {
  code: string;
  minor_units: number;
  symbol?: string;
}

const currencies = new Map<string, Currency>(table.currencies.map((c: Currency) => [c.code, c]));

/** The ISO 4217 currency @code (exact, upper case), or undefined when it is not in the table. */
export function currencyOf(code: string | null | undefined): Currency | undefined {
  return code ? currencies.get(code) : undefined;
}

/** Digits after the decimal mark for @code (2 for USD, 0 for JPY, 3 for KWD), or -1 when the
 * code is unknown. */
export function minorUnits(code: string | null | undefined): number {
  return currencyOf(code)?.minor_units ?? -1;
}

/** Minor units in a major unit are 10^digits; an unknown currency is counted in minor units,
 * as money() shows it. */
function scale(currency: string): number {
  return 10 ** Math.max(0, minorUnits(currency));
}

export function toMajor(minor: number, currency: string): number {
  return minor / scale(currency);
}

export function toMinor(major: number, currency: string): number {
  return Math.round(major * scale(currency));
}

/** The step of an amount input in major units: "0.01" for USD, "1" for JPY, "0.001" for KWD. */
export function amountStep(currency: string): string {
  const d = Math.max(0, minorUnits(currency));
  return d ? `0.${"1".padStart(d, "0")}` : "1";
}

export interface MoneyOptions {
  /** "+$5.00": a plus sign before amounts above zero. */
  plus?: boolean;
  /** "1,234.56 USD" even when the currency has a symbol. */
  code?: boolean;
  /** false: no thousands separators ("1234.56"). */
  group?: boolean;
  /** Short chart labels ("$1.2K", "3.5M SEK"); not exact. */
  compact?: boolean;
}

function digitsText(mag: bigint, units: number, group: boolean): string {
  const d = mag.toString().padStart(units + 1, "0");
  let int = d.slice(0, d.length - units);
  if (group) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return units ? `${int}.${d.slice(d.length - units)}` : int;
}

function compactText(minor: bigint, cur: Currency, opts: MoneyOptions): string {
  const v = Math.abs(Number(minor)) / 10 ** cur.minor_units;
  const [div, suffix] = v >= 1e12 ? [1e12, "T"] : v >= 1e9 ? [1e9, "B"] : v >= 1e6 ? [1e6, "M"] : v >= 1e3 ? [1e3, "K"] : [1, ""];
  const n = (v / div).toFixed(1).replace(/\.0$/, "") + suffix;
  const sign = minor < 0n ? "-" : opts.plus && minor > 0n ? "+" : "";
  return cur.symbol && !opts.code ? `${sign}${cur.symbol}${n}` : `${sign}${n} ${cur.code}`;
}

/**
 * @minor minor units of @currency as text, as common/money.c's money_format() writes it:
 * "-$1,234.56", "¥1,235", "10.00 SEK" (a currency without a symbol, or opts.code: the code
 * after the amount), "1.500 KWD"; the currency's own decimals, "." and "," separators. An
 * unknown code is not guessed at: "12,345 minor units of XYZ". Exact for every integer,
 * including bigint values beyond 2^53.
 */
export function money(minor: number | bigint, currency: string | null | undefined, opts: MoneyOptions = {}): string {
  if (typeof minor === "number") {
    if (!Number.isFinite(minor)) return "—";
    minor = BigInt(Math.round(minor));
  }
  const cur = currencyOf(currency);
  if (cur && opts.compact) return compactText(minor, cur, opts);
  const neg = minor < 0n;
  const mag = neg ? -minor : minor;
  const num = digitsText(mag, cur ? cur.minor_units : 0, opts.group ?? true);
  const sign = neg ? "-" : opts.plus && mag > 0n ? "+" : "";
  if (!cur) {
    const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : "an unknown currency";
    return `${sign}${num} minor unit${mag === 1n ? "" : "s"} of ${code}`;
  }
  return cur.symbol && !opts.code ? `${sign}${cur.symbol}${num}` : `${sign}${num} ${cur.code}`;
}

export function pct(value: number, digits = 1): string {
  return `${value.toFixed(digits)}%`;
}

export function monthLabel(ym: string): string {
  const [y, m] = ym.split("-").map(Number);
  if (!y || !m) return ym;
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
}

export function dateLabel(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function dateTimeLabel(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const s = Math.round((now - t) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return dateLabel(iso);
}

export function duration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export function titleCase(s: string): string {
  return s.replace(/[_-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}
