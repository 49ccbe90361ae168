#!/usr/bin/env node
// Post-build step of the static export: moves every inline <script> of every HTML page into
// a content-addressed file under _next/static/inline/ and references it with src=, keeping
// order and attributes. Next.js emits its RSC payload as inline scripts
// (self.__next_f.push(...)), which a `script-src 'self'` Content-Security-Policy blocks;
// external same-origin classic scripts run in the same order at the same point of parsing,
// so the page behaves the same and the gateway's strict CSP needs no hash and no nonce.
//
// Afterwards it checks that no executable inline script is left, and writes
// out/csp-hashes.txt: the sha256 CSP sources of any inline script still present (one per
// line; the file is empty when none is, which is the expected result).

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const outDir = process.argv[2] ?? "out";
const inlineDir = join(outDir, "_next", "static", "inline");
mkdirSync(inlineDir, { recursive: true });

function* htmlFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* htmlFiles(p);
    else if (name.endsWith(".html")) yield p;
  }
}

// Attributes of a script tag, the body, and whether it is executable JavaScript.
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
const isData = (attrs) => {
  const m = /\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs);
  if (!m) return false;
  const t = m[1].toLowerCase();
  return !(t === "text/javascript" || t === "application/javascript" || t === "module");
};
const hasSrc = (attrs) => /\bsrc\s*=/i.test(attrs);

let pages = 0;
let moved = 0;
const files = new Set();
for (const file of htmlFiles(outDir)) {
  const html = readFileSync(file, "utf8");
  let changed = false;
  const next = html.replace(SCRIPT, (whole, attrs, body) => {
    if (hasSrc(attrs) || isData(attrs) || body.trim() === "") return whole;
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 20);
    const name = `${hash}.js`;
    if (!files.has(name)) {
      writeFileSync(join(inlineDir, name), body);
      files.add(name);
    }
    moved++;
    changed = true;
    const kept = attrs.replace(/\s+(async|defer)(\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/gi, "");
    return `<script src="/_next/static/inline/${name}"${kept}></script>`;
  });
  if (changed) writeFileSync(file, next);
  pages++;
}

// Verify, and list hashes of whatever executable inline script remains (none expected).
const hashes = new Set();
for (const file of htmlFiles(outDir)) {
  const html = readFileSync(file, "utf8");
  for (const m of html.matchAll(SCRIPT)) {
    const [, attrs, body] = m;
    if (hasSrc(attrs) || isData(attrs) || body === "") continue;
    hashes.add(`'sha256-${createHash("sha256").update(body).digest("base64")}'`);
    console.error(`inline script left in ${relative(outDir, file)}`);
  }
  if (/\son[a-z]+\s*=\s*["']/i.test(html.replace(SCRIPT, ""))) console.error(`inline event handler attribute in ${relative(outDir, file)}`);
}
writeFileSync(join(outDir, "csp-hashes.txt"), [...hashes].join("\n") + (hashes.size ? "\n" : ""));
console.log(`externalize-inline-scripts: ${pages} pages, ${moved} inline scripts moved to ${files.size} files, ${hashes.size} inline scripts left`);
if (hashes.size) process.exitCode = 1;
