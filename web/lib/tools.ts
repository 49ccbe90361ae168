// The assistant's tool lookups and checked figures (SPEC §14), as the client receives them:
// `tool` events on the answer stream, `tools` and `checks` in the `final` event and on stored
// assistant messages. Pure functions only (no React, no I/O): the stream client folds events
// with applyToolEvent(), the chat view words them with toolsLine() / checksLine() /
// lookingUp(), and the markdown renderer marks unverified figures found by findFigures().

export type ToolStatus = "running" | "ok" | "error";

/** One tool call of an answer. Each call is announced twice on the stream, with the same id:
 * once `running`, once `ok` or `error` (with `ms`). */
export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  status: ToolStatus;
  ms: number | null;
  /** What was looked up, in words ("spending by category, March 2025"). */
  label: string;
  /** The model round (1-based) that made the call. */
  round: number;
}

/** The figures of an answer matched against the data it used. `unverified` lists the figures
 * that matched nothing, exactly as written in the answer text. */
export interface Checks {
  figures: number;
  verified: number;
  unverified: string[];
}

/** A tool name in words, for a call that came without a label: "spending_by_category" →
 * "spending by category". */
export function toolNameWords(name: string): string {
  return name.replace(/[_\s]+/g, " ").trim() || "your data";
}

/** Reads one tool call from untrusted JSON (an event's data, an element of `tools`); null
 * when it has no usable id or name. */
export function parseToolCall(v: unknown): ToolCall | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const name = typeof o.name === "string" ? o.name : "";
  const id = typeof o.id === "string" && o.id !== "" ? o.id : typeof o.id === "number" ? String(o.id) : "";
  if (!id || !name) return null;
  const status: ToolStatus = o.status === "ok" || o.status === "error" ? o.status : "running";
  const label = typeof o.label === "string" && o.label.trim() !== "" ? o.label.trim() : toolNameWords(name);
  return {
    id,
    name,
    args: o.args && typeof o.args === "object" && !Array.isArray(o.args) ? (o.args as Record<string, unknown>) : {},
    status,
    ms: typeof o.ms === "number" && Number.isFinite(o.ms) ? o.ms : null,
    label,
    round: typeof o.round === "number" && Number.isFinite(o.round) ? o.round : 1,
  };
}

/** Reads a `tools` array (final event, stored message); invalid elements are dropped. */
export function parseTools(v: unknown): ToolCall[] {
  if (!Array.isArray(v)) return [];
  const out: ToolCall[] = [];
  for (const x of v) {
    const t = parseToolCall(x);
    if (t) out.push(t);
  }
  return out;
}

/** Reads `checks`; null when absent or malformed. */
export function parseChecks(v: unknown): Checks | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (typeof o.figures !== "number" || typeof o.verified !== "number") return null;
  const figures = Math.max(0, Math.floor(o.figures));
  const verified = Math.min(figures, Math.max(0, Math.floor(o.verified)));
  const unverified = Array.isArray(o.unverified) ? o.unverified.filter((s): s is string => typeof s === "string" && s !== "") : [];
  return { figures, verified, unverified };
}

/** Folds one `tool` event into the calls seen so far (a new array; the input is not changed).
 * A call's first event adds it in arrival order; a later event of the same id updates it in
 * place (running → ok/error), keeping the label it had when the later event has none. Once
 * finished, a late `running` of the same id does not bring it back to running. */
export function applyToolEvent(tools: readonly ToolCall[], data: unknown): ToolCall[] {
  const t = parseToolCall(data);
  if (!t) return [...tools];
  const i = tools.findIndex((x) => x.id === t.id);
  if (i < 0) return [...tools, t];
  const prev = tools[i];
  const hasLabel = !!data && typeof (data as { label?: unknown }).label === "string" && (data as { label: string }).label.trim() !== "";
  const next: ToolCall = {
    ...prev,
    ...t,
    label: hasLabel ? t.label : prev.label,
    args: Object.keys(t.args).length ? t.args : prev.args,
    status: prev.status !== "running" && t.status === "running" ? prev.status : t.status,
    ms: t.ms ?? prev.ms,
  };
  const out = [...tools];
  out[i] = next;
  return out;
}

/** The calls still running, in the order they started. */
export function runningTools(tools: readonly ToolCall[]): ToolCall[] {
  return tools.filter((t) => t.status === "running");
}

/** "Looking up spending by category, March 2025…" */
export function lookingUp(t: ToolCall): string {
  return `Looking up ${t.label}…`;
}

/** The finished calls in words: "Looked up: A · B · C (failed)", each label once (a call that
 * failed and was made again successfully shows both). Null when nothing finished. */
export function toolsLine(tools: readonly ToolCall[]): string | null {
  const items = toolsLineItems(tools);
  if (!items.length) return null;
  return `Looked up: ${items.map((i) => (i.failed ? `${i.label} (failed)` : i.label)).join(" · ")}`;
}

/** The items of toolsLine(), for rendering each one (a failed one styled apart). */
export function toolsLineItems(tools: readonly ToolCall[]): Array<{ label: string; failed: boolean }> {
  const seen = new Set<string>();
  const out: Array<{ label: string; failed: boolean }> = [];
  for (const t of tools) {
    if (t.status === "running") continue;
    const failed = t.status === "error";
    const key = `${failed ? "!" : ""}${t.label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ label: t.label, failed });
  }
  return out;
}

/** "All 3 figures checked against your data" / "1 of 3 figures could not be checked against
 * your data"; null when the answer has no figures (or no checks). */
export function checksLine(c: Checks | null | undefined): string | null {
  if (!c || c.figures <= 0) return null;
  // The counts are authoritative; the list can only add to them if they disagree.
  const unchecked = Math.min(c.figures, Math.max(c.figures - c.verified, c.unverified.length));
  const noun = c.figures === 1 ? "figure" : "figures";
  if (unchecked <= 0) return c.figures === 1 ? "The 1 figure was checked against your data" : `All ${c.figures} figures checked against your data`;
  return `${unchecked} of ${c.figures} ${noun} could not be checked against your data`;
}

// ---- finding figures in text ------------------------------------------------------------

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isLetter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c);
const isSign = (c: string | undefined) => c === "-" || c === "+" || c === "\u2212";

/** Whether text[start, end) is a whole figure, not a piece of a longer number or word:
 * - before it: no digit (nor a letter when the figure starts with one: "US$12" holds "$12",
 *   "A12%" no "12%"), no "." or "," that follows a digit ("1.12%" holds no "12%"), no sign of a number ("-$12" is not "$12"; the dash of "$10-$12" is a range);
 * - after it: no digit or letter ("$12M" is not "$12"), no "." or "," followed by a digit
 *   ("$12" is not in "$12.50", "$1,234" not in "$1,234,567"). */
function wholeFigure(text: string, start: number, end: number): boolean {
  const first = text[start];
  const last = text[end - 1];
  const b1 = text[start - 1];
  const b2 = text[start - 2];
  if (isDigit(b1) || (isLetter(b1) && (isDigit(first) || isLetter(first)))) return false;
  if ((b1 === "." || b1 === ",") && isDigit(b2)) return false;
  if (!isSign(first) && isSign(b1) && !(isDigit(b2) || isLetter(b2))) return false;
  const a1 = text[end];
  const a2 = text[end + 1];
  if ((isDigit(last) || isLetter(last)) && (isDigit(a1) || isLetter(a1))) return false;
  if (isDigit(last) && (a1 === "." || a1 === ",") && isDigit(a2)) return false;
  return true;
}

/** Every occurrence of every figure in @text, as [start, end) ranges in order, not
 * overlapping (at one position the longest figure wins). Only whole figures match (see
 * wholeFigure). */
export function findFigures(text: string, figures: readonly string[]): Array<[number, number]> {
  const list = [...new Set(figures.filter((f) => f.trim() !== ""))].sort((a, b) => b.length - a.length);
  if (!list.length || !text) return [];
  const hits: Array<[number, number]> = [];
  for (const f of list) {
    for (let i = text.indexOf(f); i >= 0; i = text.indexOf(f, i + 1)) {
      if (wholeFigure(text, i, i + f.length)) hits.push([i, i + f.length]);
    }
  }
  hits.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: Array<[number, number]> = [];
  for (const h of hits) if (!out.length || h[0] >= out[out.length - 1][1]) out.push(h);
  return out;
}
