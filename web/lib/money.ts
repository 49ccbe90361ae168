// Pure logic of the money settings and the categorisation rules (SPEC §15): the base-currency
// and time-zone choices, the note a total shows when the server lacks an exchange rate, and the
// rule form (validation, the POST /rules body, a one-line description of a rule). No React,
// no network: the views call these, the unit tests (money.test.ts) check them.

import table from "../../proto/currencies.json";
import { money, toMinor, minorUnits } from "./format";

/** The ISO 4217 codes the base-currency picker offers (proto/currencies.json), sorted. */
export function currencyCodes(): string[] {
  return table.currencies.map((c: { code: string }) => c.code).sort();
}

/**
 * The IANA zones the time-zone picker offers: @supported (the browser's
 * Intl.supportedValuesOf("timeZone")), plus "UTC" (the server's default, which some engines leave
 * out), plus @current and @suggested when missing (a zone the browser does not list is still the
 * user's setting and must stay selectable), sorted and without duplicates.
 */
export function timeZoneOptions(supported: readonly string[], current?: string | null, suggested?: string | null): string[] {
  const s = new Set<string>(supported);
  s.add("UTC");
  if (current) s.add(current);
  if (suggested) s.add(suggested);
  return [...s].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

/** The browser's own zone (e.g. "Europe/Paris"), or null when the engine does not say. */
export function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/** The zones this browser knows, or [] on an engine without Intl.supportedValuesOf. */
export function supportedTimeZones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  try {
    return f ? f("timeZone") : [];
  } catch {
    return [];
  }
}

export interface MoneySettings {
  base_currency: string;
  timezone: string;
}

/** The PATCH /me body for going from @current to @wanted: only the fields that changed, or null
 * when nothing did (the form then has nothing to send). */
export function settingsPatch(current: Partial<MoneySettings>, wanted: MoneySettings): Partial<MoneySettings> | null {
  const out: Partial<MoneySettings> = {};
  if (wanted.base_currency !== (current.base_currency ?? "USD")) out.base_currency = wanted.base_currency;
  if (wanted.timezone !== (current.timezone ?? "UTC")) out.timezone = wanted.timezone;
  return Object.keys(out).length ? out : null;
}

/**
 * The note under a total converted to @base when the server could not convert some amounts:
 * @missing is the response's `missing_rates` (["GBP"]). null when nothing is missing. The codes
 * are listed once each, sorted, so the note reads the same whatever order the server used.
 */
export function missingRatesNote(missing: readonly string[] | null | undefined, base: string): string | null {
  const codes = [...new Set((missing ?? []).filter((c) => typeof c === "string" && c))].sort();
  if (!codes.length) return null;
  const list = codes.length === 1 ? codes[0] : `${codes.slice(0, -1).join(", ")} and ${codes[codes.length - 1]}`;
  const them = codes.length === 1 ? "it" : "them";
  return `No exchange rate from ${list} to ${base}: amounts in ${list} are left out of this total. Add the missing rate${codes.length === 1 ? "" : "s"} to include ${them}.`;
}

export type RuleMatch = "equals" | "contains";

/** A rule as GET /rules lists it. */
export interface Rule {
  id: string;
  merchant: string;
  match: RuleMatch;
  category: string;
  min_minor?: number | null;
  max_minor?: number | null;
  account_id?: string | null;
  created_at?: string;
}

/** The POST /rules body. */
export interface RuleRequest {
  merchant: string;
  match: RuleMatch;
  category: string;
  min_minor?: number;
  max_minor?: number;
  account_id?: string;
}

/** What the rule form holds: text as typed, amounts in major units of @currency. */
export interface RuleForm {
  merchant: string;
  match: RuleMatch;
  category: string;
  min: string;
  max: string;
  account_id: string;
}

export type RuleFormResult = { ok: true; body: RuleRequest } | { ok: false; errors: Partial<Record<keyof RuleForm, string>> };

/** A non-negative decimal amount as typed ("12.5") with at most @digits decimals, or null. */
function parseAmount(text: string, digits: number): number | null {
  const re = digits > 0 ? new RegExp(`^\\d+(\\.\\d{0,${digits}})?$`) : /^\d+$/;
  const t = text.trim();
  if (!re.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Checks the rule form and builds the POST /rules body; amounts are converted to minor units of
 * @currency (the currency the range is written in: the chosen account's, or the base currency).
 * The range bounds the amount's size (proto/API.md: magnitudes, spending and income alike), so
 * a bound is written without a sign. Errors name the field: an empty or too long merchant
 * (120 characters, the server's limit) or category, an amount that is not a plain non-negative
 * number or has more decimals than the currency, a minimum above the maximum.
 */
export function ruleFromForm(f: RuleForm, currency: string): RuleFormResult {
  const errors: Partial<Record<keyof RuleForm, string>> = {};
  const merchant = f.merchant.trim();
  const category = f.category.trim().toLowerCase();
  if (!merchant) errors.merchant = "Enter the merchant to match.";
  else if (merchant.length > 120) errors.merchant = "The merchant is at most 120 characters.";
  if (!category) errors.category = "Enter the category to set.";
  else if (category.length > 64) errors.category = "The category is at most 64 characters.";
  if (f.match !== "equals" && f.match !== "contains") errors.match = "Choose how the merchant matches.";
  const digits = Math.max(0, minorUnits(currency));
  const bad = `Enter an amount in ${currency} without a sign${digits ? ` and with at most ${digits} decimal${digits === 1 ? "" : "s"}` : " or decimals"}.`;
  const min = f.min.trim() ? parseAmount(f.min, digits) : undefined;
  const max = f.max.trim() ? parseAmount(f.max, digits) : undefined;
  if (min === null) errors.min = bad;
  if (max === null) errors.max = bad;
  const minMinor = min != null ? toMinor(min, currency) : undefined;
  const maxMinor = max != null ? toMinor(max, currency) : undefined;
  if (minMinor !== undefined && maxMinor !== undefined && minMinor > maxMinor) errors.max = "The maximum must not be below the minimum.";
  if (Object.keys(errors).length) return { ok: false, errors };
  const body: RuleRequest = { merchant, match: f.match, category };
  if (minMinor !== undefined) body.min_minor = minMinor;
  if (maxMinor !== undefined) body.max_minor = maxMinor;
  if (f.account_id) body.account_id = f.account_id;
  return { ok: true, body };
}

/** The rule "always categorise <merchant> like this" creates from a manual category edit: the
 * exact merchant, any amount, any account. */
export function ruleFromEdit(merchant: string, category: string): RuleRequest | null {
  const m = merchant.trim();
  const c = category.trim().toLowerCase();
  return m && c ? { merchant: m, match: "equals", category: c } : null;
}

/** Whether an "equals" rule for @ruleMerchant matches a transaction of @merchant: the server
 * compares them trimmed and case-folded (api-gateway/finance/rules.h). */
export function sameMerchant(merchant: string | null | undefined, ruleMerchant: string): boolean {
  return (merchant ?? "").trim().toLowerCase() === ruleMerchant.trim().toLowerCase();
}

/**
 * One line describing @rule: `Merchant is "Tesco" · from $5.00 to $20.00 · in Checking`. Amounts
 * are written in @currency (the account's or the base currency); an account not in @accounts is
 * shown as "another account".
 */
export function ruleSummary(rule: Rule, accounts: ReadonlyArray<{ id: string; name: string }>, currency: string): string {
  const parts = [`Merchant ${rule.match === "contains" ? "contains" : "is"} "${rule.merchant}"`];
  const lo = rule.min_minor ?? null;
  const hi = rule.max_minor ?? null;
  if (lo !== null && hi !== null) parts.push(`from ${money(lo, currency)} to ${money(hi, currency)}`);
  else if (lo !== null) parts.push(`at least ${money(lo, currency)}`);
  else if (hi !== null) parts.push(`at most ${money(hi, currency)}`);
  if (rule.account_id) parts.push(`in ${accounts.find((a) => a.id === rule.account_id)?.name ?? "another account"}`);
  return parts.join(" · ");
}

/** "Recategorised 3 transactions." from POST /rules/{id}/apply's {updated:N}. */
export function appliedText(updated: number): string {
  if (!updated) return "No past transaction needed a change.";
  return `Recategorised ${updated} past transaction${updated === 1 ? "" : "s"}.`;
}
