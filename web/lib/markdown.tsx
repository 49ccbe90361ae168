// A small, safe Markdown renderer: text → React elements. It never produces raw HTML
// (no dangerouslySetInnerHTML anywhere): every character of the input ends up in a text node,
// so "<script>" in an answer is shown, not run. Supports what assistant answers use: headings,
// paragraphs, **bold**, *italic*, `code`, fenced code blocks, bullet and numbered lists,
// blockquotes, tables, horizontal rules and http(s)/mailto links. It is tolerant of partial
// input, so it renders a streaming answer on every token.
//
// Figures that could not be checked against the user's data (SPEC §14, `checks.unverified`)
// are marked wherever they occur in the text, code included: <UnverifiedFigure> wraps the
// figure's own text, found by findFigures() (whole figures only, never inside a longer number),
// so the markdown around it renders as it would without the marking.

import { Fragment, type ReactNode } from "react";
import { findFigures } from "./tools";

export type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "code"; lang: string; text: string }
  | { kind: "list"; ordered: boolean; start: number; items: string[] }
  | { kind: "quote"; text: string }
  | { kind: "table"; header: string[]; align: Array<"left" | "right" | "center" | null>; rows: string[][] }
  | { kind: "hr" };

const reHeading = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const reFence = /^\s{0,3}(```|~~~)\s*([\w+-]*)\s*$/;
const reBullet = /^\s{0,3}[-*+]\s+(.*)$/;
const reOrdered = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const reHr = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const reQuote = /^\s{0,3}>\s?(.*)$/;
const reTableSep = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (s[i] === "|") {
      cells.push(cur.trim());
      cur = "";
    } else cur += s[i];
  }
  cells.push(cur.trim());
  return cells;
}

export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let i = 0;
  const isBlockStart = (l: string) =>
    reHeading.test(l) || reFence.test(l) || reBullet.test(l) || reOrdered.test(l) || reHr.test(l) || reQuote.test(l);
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = reFence.exec(line))) {
      const fence = m[1];
      const lang = m[2] ?? "";
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++; // closing fence (or end of a still-streaming block)
      out.push({ kind: "code", lang, text: body.join("\n") });
      continue;
    }
    if ((m = reHeading.exec(line))) {
      out.push({ kind: "heading", level: m[1].length, text: m[2] });
      i++;
      continue;
    }
    if (reHr.test(line)) {
      out.push({ kind: "hr" });
      i++;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && reTableSep.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]).map((c) => {
        const l = c.startsWith(":");
        const r = c.endsWith(":");
        return l && r ? "center" : r ? "right" : l ? "left" : null;
      });
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim() !== "" && lines[i].includes("|")) rows.push(splitRow(lines[i++]));
      out.push({ kind: "table", header, align, rows });
      continue;
    }
    if (reQuote.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (m = reQuote.exec(lines[i]))) {
        body.push(m[1]);
        i++;
      }
      out.push({ kind: "quote", text: body.join("\n") });
      continue;
    }
    const bullet = reBullet.exec(line);
    const ordered = reOrdered.exec(line);
    if (bullet || ordered) {
      const isOrdered = !bullet;
      const items: string[] = [];
      const start = ordered ? parseInt(ordered[1], 10) : 1;
      while (i < lines.length) {
        const l = lines[i];
        const mb = isOrdered ? reOrdered.exec(l) : reBullet.exec(l);
        if (mb) {
          items.push(isOrdered ? mb[2] : mb[1]);
          i++;
        } else if (l.trim() !== "" && /^\s{2,}/.test(l) && items.length) {
          items[items.length - 1] += " " + l.trim(); // continuation line
          i++;
        } else break;
      }
      out.push({ kind: "list", ordered: isOrdered, start, items });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== "" && (para.length === 0 || !isBlockStart(lines[i]))) {
      // a table starting right after a paragraph line ends the paragraph
      if (para.length && lines[i].includes("|") && i + 1 < lines.length && reTableSep.test(lines[i + 1])) break;
      para.push(lines[i++]);
    }
    out.push({ kind: "paragraph", text: para.join("\n") });
  }
  return out;
}

export function safeHref(url: string): string | null {
  const u = url.trim();
  if (/^(https?:|mailto:)/i.test(u)) return u;
  if (/^\/(?!\/)/.test(u)) return u; // same-origin path
  return null;
}

/** The mark of one unverified figure: warning-coloured and dotted-underlined, with a visible
 * warning sign and words for screen readers (not colour only), focusable so that keyboard
 * users reach its tooltip ("Not found in your data"). */
export function UnverifiedFigure({ text }: { text: string }) {
  return (
    <span className="fig-unverified" tabIndex={0} title="Not found in your data" data-figure={text}>
      {text}
      <span className="fig-warn" aria-hidden="true">⚠</span>
      <span className="sr-only"> (not found in your data)</span>
    </span>
  );
}

/** @text as nodes, each whole occurrence of one of @figures wrapped in <UnverifiedFigure>. */
export function markFigures(text: string, figures: readonly string[] | undefined, keyPrefix = "f"): ReactNode[] {
  const hits = figures?.length ? findFigures(text, figures) : [];
  if (!hits.length) return text ? [text] : [];
  const out: ReactNode[] = [];
  let last = 0;
  hits.forEach(([a, b], n) => {
    if (a > last) out.push(text.slice(last, a));
    out.push(<UnverifiedFigure key={`${keyPrefix}-u${n}`} text={text.slice(a, b)} />);
    last = b;
  });
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Inline: code spans first (their content is literal), then links, bold, italic, line breaks.
// The text between them (and inside them) has @figures marked (markFigures).
export function renderInline(text: string, keyPrefix = "i", figures?: readonly string[]): ReactNode[] {
  const out: ReactNode[] = [];
  let k = 0;
  const key = () => `${keyPrefix}-${k++}`;
  const plain = (s: string) => out.push(...markFigures(s, figures, key()));
  const re = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|(?<![\w])_([^_\s][^_]*?)_(?![\w])|\n/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index > last) plain(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1]) {
      const code = m[2].trim() === "" ? m[2] : m[2].replace(/^ (.*) $/, "$1");
      const ck = key();
      out.push(<code key={ck}>{markFigures(code, figures, ck)}</code>);
    } else if (m[3] !== undefined) {
      const href = safeHref(m[4]);
      const label = renderInline(m[3], key(), figures);
      out.push(
        href ? (
          <a key={key()} href={href} target={href.startsWith("/") ? undefined : "_blank"} rel="noopener noreferrer nofollow">
            {label}
          </a>
        ) : (
          <Fragment key={key()}>{label}</Fragment>
        ),
      );
    } else if (m[5] !== undefined || m[6] !== undefined) out.push(<strong key={key()}>{renderInline(m[5] ?? m[6], key(), figures)}</strong>);
    else if (m[7] !== undefined || m[8] !== undefined) out.push(<em key={key()}>{renderInline(m[7] ?? m[8], key(), figures)}</em>);
    else out.push(<br key={key()} />);
  }
  if (last < text.length) plain(text.slice(last));
  return out;
}

/** Renders @text; @unverified lists figures to mark (checks.unverified of the answer). */
export function Markdown({ text, className, unverified }: { text: string; className?: string; unverified?: readonly string[] }) {
  const inline = (s: string, key: string) => renderInline(s, key, unverified);
  const blocks = parseBlocks(text);
  return (
    <div className={className ?? "md"}>
      {blocks.map((b, n) => {
        const k = `b${n}`;
        switch (b.kind) {
          case "heading": {
            // Answers sit under the page's own h1/h2: demote to h3–h6.
            const level = Math.min(6, b.level + 2);
            const H = `h${level}` as "h3" | "h4" | "h5" | "h6";
            return <H key={k}>{inline(b.text, k)}</H>;
          }
          case "paragraph":
            return <p key={k}>{inline(b.text, k)}</p>;
          case "code":
            return (
              <pre key={k} data-lang={b.lang || undefined}>
                <code>{markFigures(b.text, unverified, k)}</code>
              </pre>
            );
          case "list": {
            const items = b.items.map((it, j) => <li key={j}>{inline(it, `${k}-${j}`)}</li>);
            return b.ordered ? (
              <ol key={k} start={b.start === 1 ? undefined : b.start}>
                {items}
              </ol>
            ) : (
              <ul key={k}>{items}</ul>
            );
          }
          case "quote":
            return (
              <blockquote key={k}>
                <Markdown text={b.text} className="md-quote" unverified={unverified} />
              </blockquote>
            );
          case "table":
            return (
              <div key={k} className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      {b.header.map((h, j) => (
                        <th key={j} style={b.align[j] ? { textAlign: b.align[j]! } : undefined}>
                          {inline(h, `${k}-h${j}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {b.rows.map((r, ri) => (
                      <tr key={ri}>
                        {b.header.map((_, j) => (
                          <td key={j} style={b.align[j] ? { textAlign: b.align[j]! } : undefined}>
                            {inline(r[j] ?? "", `${k}-${ri}-${j}`)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          case "hr":
            return <hr key={k} />;
        }
      })}
    </div>
  );
}
