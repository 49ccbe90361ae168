import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { Markdown } from "./markdown";
import { applyToolEvent, checksLine, findFigures, lookingUp, parseChecks, parseTools, toolsLine, type ToolCall } from "./tools";
import { AnswerChecks, ToolActivity } from "@/components/tools";

const call = (id: string, status: ToolCall["status"], label = "spending by category, March 2025", name = "spending_by_category"): ToolCall => ({
  id,
  name,
  args: {},
  status,
  ms: status === "running" ? null : 10,
  label,
  round: 1,
});

describe("applyToolEvent", () => {
  it("adds a call on its first event and updates it in place by id", () => {
    let t = applyToolEvent([], { id: "a", name: "cashflow", args: { months: 6 }, status: "running", label: "cash flow, last 6 months", round: 1 });
    t = applyToolEvent(t, { id: "b", name: "get_budgets", args: {}, status: "running", label: "budgets, March 2025", round: 1 });
    const before = t;
    t = applyToolEvent(t, { id: "a", name: "cashflow", status: "ok", ms: 31 });
    expect(before[0].status).toBe("running"); // not mutated
    expect(t.map((x) => [x.id, x.status, x.label, x.ms])).toEqual([
      ["a", "ok", "cash flow, last 6 months", 31],
      ["b", "running", "budgets, March 2025", null],
    ]);
    expect(t[0].args).toEqual({ months: 6 });
  });

  it("a late `running` does not undo a finished call; junk is ignored", () => {
    let t = applyToolEvent([], { id: "a", name: "x", status: "error", ms: 5 });
    t = applyToolEvent(t, { id: "a", name: "x", status: "running" });
    expect(t[0].status).toBe("error");
    expect(applyToolEvent(t, null)).toEqual(t);
    expect(applyToolEvent(t, { id: "", name: "x" })).toEqual(t);
    expect(applyToolEvent(t, { id: "z" })).toEqual(t);
  });

  it("falls back to the tool name in words when a call has no label", () => {
    expect(applyToolEvent([], { id: "a", name: "net_worth_history", status: "running" })[0].label).toBe("net worth history");
  });
});

describe("texts", () => {
  it("Looking up …", () => {
    expect(lookingUp(call("a", "running"))).toBe("Looking up spending by category, March 2025…");
  });

  it("Looked up: labels, a failed one marked, running ones left out, each label once", () => {
    const tools = [call("a", "ok"), call("b", "error", "cash flow, last 6 months", "cashflow"), call("c", "running", "budgets"), call("d", "ok")];
    expect(toolsLine(tools)).toBe("Looked up: spending by category, March 2025 · cash flow, last 6 months (failed)");
    expect(toolsLine([call("a", "running")])).toBeNull();
    expect(toolsLine([])).toBeNull();
  });

  it("the checks line", () => {
    expect(checksLine({ figures: 3, verified: 3, unverified: [] })).toBe("All 3 figures checked against your data");
    expect(checksLine({ figures: 3, verified: 2, unverified: ["$12.00"] })).toBe("1 of 3 figures could not be checked against your data");
    expect(checksLine({ figures: 1, verified: 0, unverified: ["5%"] })).toBe("1 of 1 figure could not be checked against your data");
    expect(checksLine({ figures: 1, verified: 1, unverified: [] })).toBe("The 1 figure was checked against your data");
    expect(checksLine({ figures: 0, verified: 0, unverified: [] })).toBeNull();
    expect(checksLine(null)).toBeNull();
  });

  it("parses stored tools and checks defensively", () => {
    expect(parseChecks({ figures: 3, verified: 5, unverified: ["$1", 7, ""] })).toEqual({ figures: 3, verified: 3, unverified: ["$1"] });
    expect(parseChecks({ figures: "3" })).toBeNull();
    expect(parseChecks(undefined)).toBeNull();
    expect(parseTools([{ id: "a", name: "get_accounts", status: "ok", ms: 3, label: "your accounts", round: 2 }, { name: "no id" }, "x"])).toEqual([
      { id: "a", name: "get_accounts", args: {}, status: "ok", ms: 3, label: "your accounts", round: 2 },
    ]);
    expect(parseTools(undefined)).toEqual([]);
  });
});

describe("findFigures", () => {
  it("finds every whole occurrence, exactly as written", () => {
    const t = "You spent $12.00 on food; $12.00 again later, and 12.00 in cash.";
    expect(findFigures(t, ["$12.00"]).map(([a, b]) => t.slice(a, b))).toEqual(["$12.00", "$12.00"]);
    expect(findFigures(t, ["$12.00"]).map(([a]) => a)).toEqual([10, 26]);
  });

  it("never matches inside a longer number or figure", () => {
    const no = (text: string, fig: string) => expect(findFigures(text, [fig]), `${fig} in ${text}`).toEqual([]);
    no("a total of $112.00", "12.00");
    no("$12.005 exactly", "$12.00");
    no("It was $12.50", "$12");
    no("$1,234,567 saved", "$1,234");
    no("rate 1.12% up", "12%");
    no("rate 112% up", "12%");
    no("a refund of -$12.00", "$12.00");
    no("worth $12M", "$12");
    no("In 2012.5 ...", "12.5");
  });

  it("matches at sentence ends, in ranges, in parentheses and after a currency code", () => {
    const yes = (text: string, fig: string) => expect(findFigures(text, [fig]).map(([a, b]) => text.slice(a, b)), `${fig} in ${text}`).toEqual([fig]);
    yes("It cost $12.00.", "$12.00");
    yes("It cost $12.00, then more", "$12.00");
    yes("between $10-$12 a week", "$12");
    yes("(12.3%)", "12.3%");
    yes("US$12 total", "$12");
    yes("-$12 came back", "-$12");
    yes("1234.5 USD.", "1234.5 USD");
  });

  it("several figures at once, the longest winning where they overlap", () => {
    const t = "$12 and $12.00 and 5%";
    expect(findFigures(t, ["$12", "$12.00", "5%"]).map(([a, b]) => t.slice(a, b))).toEqual(["$12", "$12.00", "5%"]);
    expect(findFigures(t, [])).toEqual([]);
    expect(findFigures(t, [""])).toEqual([]);
  });
});

describe("Markdown with unverified figures", () => {
  const html = (s: string, unverified?: string[]) => renderToStaticMarkup(<Markdown text={s} unverified={unverified} />);
  const marks = (out: string) => [...out.matchAll(/data-figure="([^"]*)"/g)].map((m) => m[1]);

  it("marks every occurrence, accessibly (focusable, tooltip, words for screen readers)", () => {
    const out = html("You spent **$12.00** on coffee and $12.00 on tea, out of $112.00.", ["$12.00"]);
    expect(marks(out)).toEqual(["$12.00", "$12.00"]);
    expect(out).toContain('<strong><span class="fig-unverified" tabindex="0" title="Not found in your data" data-figure="$12.00">$12.00');
    expect(out).toContain('<span class="sr-only"> (not found in your data)</span>');
    expect(out).toContain('<span class="fig-warn" aria-hidden="true">⚠</span>');
    expect(out).toContain("out of $112.00.");
  });

  it("keeps the markdown intact: lists, tables, links, code, headings", () => {
    const src = ["## Groceries at 12.5%", "", "- Rent: $1,500.00", "- Food: **$300** ([details](https://example.com/a))", "", "| Item | Amount |", "| --- | ---: |", "| Food | $300 |", "", "Use `$300` here.", "", "```", "total $300", "```"].join("\n");
    const plain = html(src);
    const marked = html(src, ["$300", "12.5%"]);
    expect(marks(marked)).toEqual(["12.5%", "$300", "$300", "$300", "$300"]);
    // Removing the marks gives back exactly the unmarked rendering.
    const unmark = marked.replace(/<span class="fig-unverified"[^>]*>([^<]*)<span class="fig-warn"[^>]*>⚠<\/span><span class="sr-only"> \(not found in your data\)<\/span><\/span>/g, "$1");
    expect(unmark).toBe(plain);
    expect(marked).toContain("<h4>");
    expect(marked).toContain("<table>");
    expect(marked).toContain('href="https://example.com/a"');
    expect(marked).toContain("<pre><code>");
  });

  it("marks nothing without unverified figures, and never inside longer numbers", () => {
    expect(html("You spent $12.00.")).not.toContain("fig-unverified");
    expect(html("You spent $12.00.", [])).not.toContain("fig-unverified");
    expect(html("Totals: $112.00, $12.005, -$12.00", ["$12.00"])).not.toContain("fig-unverified");
  });

  it("stays safe: figures are text, never HTML", () => {
    const out = html("<b>$5</b> and $5", ["$5", "<b>"]);
    expect(out).not.toContain("<b>");
    expect(marks(out)).toEqual(["&lt;b&gt;", "$5", "$5"]);
  });
});

describe("tool and checks components", () => {
  it("shows one 'Looking up' line with a spinner per running call (parallel calls)", () => {
    const out = renderToStaticMarkup(<ToolActivity tools={[call("a", "running"), call("b", "running", "cash flow, last 6 months"), call("c", "ok", "accounts")]} />);
    expect(out.match(/class="spinner"/g)).toHaveLength(2);
    expect(out).toContain("Looking up spending by category, March 2025…");
    expect(out).toContain("Looking up cash flow, last 6 months…");
    expect(out).not.toContain("accounts");
    expect(renderToStaticMarkup(<ToolActivity tools={[call("c", "ok")]} />)).toBe("");
  });

  it("under an answer: the lookups (failed ones in words) and the checks", () => {
    const out = renderToStaticMarkup(<AnswerChecks tools={[call("a", "ok"), call("b", "error", "budgets, March 2025", "get_budgets")]} checks={{ figures: 3, verified: 2, unverified: ["$12.00"] }} />);
    const text = out.replace(/<[^>]+>/g, "");
    expect(text).toContain("Looked up: spending by category, March 2025 · budgets, March 2025 (failed)");
    expect(text).toContain("1 of 3 figures could not be checked against your data");
    expect(out).toContain('data-state="warn"');
    const ok = renderToStaticMarkup(<AnswerChecks tools={[]} checks={{ figures: 3, verified: 3, unverified: [] }} />);
    expect(ok.replace(/<[^>]+>/g, "")).toContain("All 3 figures checked against your data");
    expect(ok).not.toContain("Looked up");
    expect(renderToStaticMarkup(<AnswerChecks tools={[]} checks={{ figures: 0, verified: 0, unverified: [] }} />)).toBe("");
  });
});
