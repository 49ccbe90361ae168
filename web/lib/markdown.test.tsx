import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { Markdown, parseBlocks, safeHref } from "./markdown";

const html = (s: string) => renderToStaticMarkup(<Markdown text={s} />);

describe("Markdown", () => {
  it("never emits raw HTML from the input", () => {
    const out = html('<script>alert(1)</script> <img src=x onerror="alert(2)"> **<b>x</b>**');
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<img");
    expect(out).toContain("&lt;script&gt;");
    expect(out).toContain("<strong>&lt;b&gt;x&lt;/b&gt;</strong>");
  });

  it("drops javascript: links but keeps their text", () => {
    const out = html("[click](javascript:alert(1)) and [docs](https://example.com/a)");
    expect(out).not.toContain("javascript:");
    expect(out).toContain("click");
    expect(out).toContain('href="https://example.com/a"');
    expect(out).toContain('rel="noopener noreferrer nofollow"');
    expect(safeHref("data:text/html,x")).toBeNull();
    expect(safeHref("//evil.example")).toBeNull();
  });

  it("renders headings, emphasis, code, lists and tables", () => {
    const src = [
      "## Spending this month",
      "",
      "You spent **$1,234.56**, *less* than last month. Use `fc_key`.",
      "",
      "- Groceries: $300",
      "- Dining: $120",
      "",
      "1. First",
      "2. Second",
      "",
      "| Category | Amount |",
      "| --- | ---: |",
      "| Rent | $1,500.00 |",
      "",
      "```",
      "<b>literal</b>",
      "```",
    ].join("\n");
    const out = html(src);
    expect(out).toContain("<h4>Spending this month</h4>");
    expect(out).toContain("<strong>$1,234.56</strong>");
    expect(out).toContain("<em>less</em>");
    expect(out).toContain("<code>fc_key</code>");
    expect(out).toContain("<ul><li>Groceries: $300</li><li>Dining: $120</li></ul>");
    expect(out).toContain("<ol><li>First</li><li>Second</li></ol>");
    expect(out).toContain('<td style="text-align:right">$1,500.00</td>');
    expect(out).toContain("<pre><code>&lt;b&gt;literal&lt;/b&gt;</code></pre>");
  });

  it("tolerates partial input while streaming", () => {
    expect(parseBlocks("```js\nconst a = 1")).toEqual([{ kind: "code", lang: "js", text: "const a = 1" }]);
    expect(html("Some **bold")).toContain("Some **bold");
    expect(html("")).toBe('<div class="md"></div>');
  });

  it("keeps snake_case words intact", () => {
    expect(html("savings_rate_pct is fine")).toContain("savings_rate_pct is fine");
  });
});
