#!/usr/bin/env node
// DEV ONLY — not part of the product and not used by any test. A small stand-in for
// finchat-gateway that follows proto/API.md closely enough to develop the web client before
// the real gateway runs: serves web/out with the production CSP, cookie auth + CSRF, demo
// data, and SSE streams with resume (Last-Event-ID), cancel, reset and pings.
//
//   node web/dev/mock-server.mjs [port]      (default 8090)
//   MOCK_IMPORTS=0 disables /imports (404); MOCK_PLAID=1 enables /plaid/link-token.

import { createServer } from "node:http";
import { randomUUID, createHash } from "node:crypto";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, extname, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "out");
const PORT = Number(process.argv[2] ?? 8090);
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
const PACE = Number(process.env.MOCK_PACE_MS ?? 25);

const users = [{ id: randomUUID(), email: "demo@finchat.dev", password: "DemoPass2026!", name: "Demo User", created_at: "2026-01-05T10:00:00Z" }];
const sessions = new Map(); // token -> {userId, exp}
const refreshTokens = new Map();

// ---------- demo data ----------
const accounts = [
  { id: randomUUID(), name: "Everyday Checking", type: "checking", institution: "First Bank", balance_minor: 482350, currency: "USD", mask: "4821" },
  { id: randomUUID(), name: "High-Yield Savings", type: "savings", institution: "First Bank", balance_minor: 1250000, currency: "USD", mask: "9902" },
  { id: randomUUID(), name: "Rewards Card", type: "credit", institution: "Capital Card", balance_minor: -84320, currency: "USD", mask: "1177" },
  { id: randomUUID(), name: "Brokerage", type: "investment", institution: "Index Invest", balance_minor: 3120000, currency: "USD", mask: "0042" },
];
const merchants = [
  ["Whole Foods", "groceries", -8000, -16000], ["Trader Joe's", "groceries", -3000, -9000], ["Blue Bottle Coffee", "dining", -450, -1200],
  ["Chipotle", "dining", -1100, -2400], ["Shell", "transport", -3500, -6500], ["Uber", "transport", -1200, -3800], ["Amazon", "shopping", -1500, -12000],
  ["Netflix", "subscriptions", -1549, -1549], ["Spotify", "subscriptions", -1199, -1199], ["PG&E", "utilities", -9000, -14000], ["CVS Pharmacy", "health", -1200, -5000],
];
const transactions = [];
const now = new Date();
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let d = 0; d < 200; d++) {
  const day = new Date(now.getTime() - d * 86400000);
  if (day.getUTCDate() === 1) {
    transactions.push(tx(day, "Acme Corp Payroll", "salary", 620000, accounts[0], "income"));
    transactions.push(tx(day, "Oakwood Apartments", "rent", -210000, accounts[0], "expense"));
  }
  const n = Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const m = merchants[Math.floor(rnd() * merchants.length)];
    const amt = Math.round(m[2] + (m[3] - m[2]) * rnd());
    transactions.push(tx(day, m[0], m[1], amt, rnd() > 0.5 ? accounts[2] : accounts[0], "expense"));
  }
}
transactions.sort((a, b) => b.posted_at.localeCompare(a.posted_at));
transactions[3].fraud_score = 65;
function tx(day, merchant, category, amount, acct, type) {
  return { id: randomUUID(), account_id: acct.id, account_name: acct.name, posted_at: day.toISOString().slice(0, 10) + "T12:00:00Z", amount_minor: amount, currency: "USD", merchant, description: merchant.toUpperCase() + " #" + Math.floor(rnd() * 9000 + 1000), category, type, note: null, fraud_score: 0 };
}
const alerts = [{ id: randomUUID(), transaction_id: transactions[3].id, score: 65, level: "high", reasons: ["Amount is 4.2× your average at this merchant (+40)", "Made at 02:14, between 23:00 and 04:00 (+25)"], status: "open", created_at: transactions[3].posted_at, resolved_at: null, transaction: transactions[3] }];
let budgets = [{ category: "groceries", limit_minor: 60000 }, { category: "dining", limit_minor: 25000 }, { category: "transport", limit_minor: 20000 }, { category: "shopping", limit_minor: 30000 }];
const apiKeys = [];
const conversations = [];
const messages = []; // Message objects
const streams = new Map(); // request_id -> {events:[{id,event,data}], done, listeners:Set, canceled}

const ym = (d) => d.toISOString().slice(0, 7);
function monthAgg(month) {
  const t = transactions.filter((x) => x.posted_at.startsWith(month));
  const income = t.filter((x) => x.type === "income").reduce((s, x) => s + x.amount_minor, 0);
  const expenses = -t.filter((x) => x.type === "expense").reduce((s, x) => s + x.amount_minor, 0);
  return { month, income_minor: income, expenses_minor: expenses, net_minor: income - expenses };
}
function lastMonths(n) {
  const out = [];
  for (let i = n - 1; i >= 0; i--) out.push(monthAgg(ym(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)))));
  return out;
}
function categories(from, to) {
  const t = transactions.filter((x) => x.type === "expense" && (!from || x.posted_at >= from) && (!to || x.posted_at.slice(0, 10) <= to));
  const m = new Map();
  for (const x of t) { const c = m.get(x.category) ?? { category: x.category, amount_minor: 0, count: 0 }; c.amount_minor += -x.amount_minor; c.count++; m.set(x.category, c); }
  const total = [...m.values()].reduce((s, c) => s + c.amount_minor, 0);
  return { total_minor: total, items: [...m.values()].sort((a, b) => b.amount_minor - a.amount_minor).map((c) => ({ ...c, share_pct: Math.round((c.amount_minor / total) * 1000) / 10 })) };
}
const health = { score: 68, parts: [
  { key: "savings_consistency", label: "Savings consistency", value: 0.83, points: 16, max_points: 20, reason: "You saved money in 5 of the last 6 months." },
  { key: "debt_ratio", label: "Debt ratio", value: 0.03, points: 18, max_points: 20, reason: "Card debt is 3% of your assets." },
  { key: "spending_discipline", label: "Spending discipline", value: 0.6, points: 12, max_points: 20, reason: "Two categories went over budget last month." },
  { key: "emergency_fund", label: "Emergency fund", value: 3.1, points: 12, max_points: 20, reason: "Savings cover 3.1 months of expenses; 6 is the goal." },
  { key: "investments", label: "Investments", value: 0.6, points: 6, max_points: 10, reason: "60% of net worth is invested." },
  { key: "subscription_efficiency", label: "Subscription efficiency", value: 0.4, points: 4, max_points: 10, reason: "3 subscriptions cost $46/month; one looks unused." },
] };
const netWorth = () => accounts.reduce((s, a) => s + a.balance_minor, 0);

function dashboard() {
  const m = monthAgg(ym(now));
  const c = categories(ym(now) + "-01");
  return {
    currency: "USD", net_worth_minor: netWorth(), accounts,
    month: { month: m.month, income_minor: m.income_minor, expenses_minor: m.expenses_minor, savings_rate_pct: m.income_minor ? Math.round(((m.income_minor - m.expenses_minor) / m.income_minor) * 1000) / 10 : 0 },
    cashflow: lastMonths(6), top_categories: c.items.slice(0, 5).map(({ category, amount_minor, share_pct }) => ({ category, amount_minor, share_pct })),
    recent_transactions: transactions.slice(0, 10), fraud_alerts: alerts.filter((a) => a.status === "open"), health_score: health,
    briefing: { text: "You spent **12% less** on dining than last month. Your *emergency fund* covers 3.1 months — consider moving $500 to savings.", generated_at: new Date(now.getTime() - 3600e3).toISOString() },
  };
}

// ---------- http helpers ----------
function send(res, status, body, headers = {}) {
  const data = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "X-Request-Id": randomUUID(), "Content-Security-Policy": CSP, ...headers });
  res.end(data);
}
const err = (res, status, code, message) => send(res, status, { error: { code, message, request_id: randomUUID() } });
function cookies(req) {
  const o = {};
  for (const p of (req.headers.cookie ?? "").split(";")) { const i = p.indexOf("="); if (i > 0) o[p.slice(0, i).trim()] = p.slice(i + 1).trim(); }
  return o;
}
function issue(res, user, status = 200) {
  const access = randomUUID(), refresh = randomUUID(), csrf = randomUUID().replace(/-/g, "");
  sessions.set(access, { userId: user.id, exp: Date.now() + Number(process.env.MOCK_SESSION_MS ?? 900000) });
  refreshTokens.set(refresh, user.id);
  send(res, status, { access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: 900, csrf_token: csrf, user: pub(user) }, {
    "Set-Cookie": [`finchat_session=${access}; HttpOnly; SameSite=Strict; Path=/`, `finchat_refresh=${refresh}; HttpOnly; SameSite=Strict; Path=/api/v1/auth`, `finchat_csrf=${csrf}; SameSite=Strict; Path=/`],
  });
}
const pub = (u) => ({ id: u.id, email: u.email, name: u.name, created_at: u.created_at });
async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

// ---------- chat ----------
const ANSWERS = [
  "## Spending this month\n\nSo far you've spent **$2,431.18** across 38 transactions. The biggest categories:\n\n- Rent: $2,100.00\n- Groceries: $412.55\n- Dining: $96.40\n\nThat's *8% less* than the same point last month. Keep an eye on `dining` — it's at 78% of its budget.",
  "Your biggest risk right now is the **emergency fund**: savings cover about 3.1 months of expenses, and 6 months is the usual target.\n\n1. Move $500/month from checking to savings.\n2. Cancel one unused subscription ($11.99).\n\n| Month | Savings |\n| --- | ---: |\n| Now | $12,500.00 |\n| +6 mo | $15,500.00 |",
];
function startAnswer(conv, userText, regenerate = false) {
  const requestId = randomUUID();
  const answerId = randomUUID();
  if (!regenerate) messages.push({ id: randomUUID(), conversation_id: conv.id, role: "user", text: userText, status: "complete", request_id: requestId, provider: null, model: null, usage: null, latency_ms: null, attempt: null, created_at: new Date().toISOString() });
  const msg = { id: answerId, conversation_id: conv.id, role: "assistant", text: "", status: "pending", request_id: requestId, provider: "analyst", model: "finchat-analyst-1", usage: null, latency_ms: null, attempt: 1, created_at: new Date().toISOString() };
  if (regenerate) { const i = messages.findLastIndex((m) => m.conversation_id === conv.id && m.role === "assistant"); if (i >= 0) messages.splice(i, 1); }
  messages.push(msg);
  conv.updated_at = new Date().toISOString();
  conv.last_message = userText.slice(0, 80);
  const s = { events: [], done: false, listeners: new Set(), canceled: false };
  streams.set(requestId, s);
  const text = ANSWERS[messages.filter((m) => m.role === "assistant").length % ANSWERS.length];
  const tokens = text.match(/\S+\s*|\s+/g);
  const push = (event, data, id) => { const e = { id, event, data }; s.events.push(e); for (const l of s.listeners) l(e); };
  const t0 = Date.now();
  const withReset = userText.includes("reset");
  let seq = 1000000;
  push("start", { request_id: requestId, attempt: 1, worker: "mock-1", provider: "analyst", model: "finchat-analyst-1" }, seq++);
  msg.status = "streaming";
  let i = 0;
  let attempt = 1;
  const tick = () => {
    if (s.canceled) {
      msg.status = "canceled"; msg.text = s.events.filter((e) => e.event === "token").map((e) => e.data.text).join("");
      push("error", { code: "canceled", message: "Generation stopped." }, seq++); s.done = true; return;
    }
    if (withReset && attempt === 1 && i === 5) {
      attempt = 2; seq = 2000000; i = 0;
      push("reset", { attempt: 2, reason: "provider_failed" }, seq++);
      push("start", { request_id: requestId, attempt: 2, worker: "mock-2", provider: "analyst", model: "finchat-analyst-1" }, seq++);
    }
    if (i < tokens.length) { push("token", { text: tokens[i++] }, seq++); msg.text += ""; setTimeout(tick, PACE); return; }
    msg.text = tokens.join(""); msg.status = "complete"; msg.usage = { prompt_tokens: 812, completion_tokens: tokens.length }; msg.latency_ms = Date.now() - t0; msg.attempt = attempt;
    push("final", { message_id: answerId, provider: "analyst", model: "finchat-analyst-1", usage: msg.usage, timings: { ttft_ms: 42, total_ms: msg.latency_ms }, text_length: msg.text.length }, seq++);
    s.done = true;
  };
  setTimeout(tick, 150);
  return { request_id: requestId, message_id: answerId, stream_url: `/api/v1/streams/${requestId}` };
}

function stream(req, res, id, url) {
  const s = streams.get(id);
  if (!s) return err(res, 404, "not_found", "No such stream");
  const last = Number(req.headers["last-event-id"] ?? url.searchParams.get("last_event_id") ?? -1);
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Request-Id": randomUUID(), "Content-Security-Policy": CSP });
  const write = (e) => res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  for (const e of s.events) if (e.id > last) write(e);
  if (s.done) return res.end();
  const l = (e) => { write(e); if (e.event === "final" || e.event === "error") { s.listeners.delete(l); res.end(); } };
  s.listeners.add(l);
  const ping = setInterval(() => res.write(": ping\n\n"), 15000);
  req.on("close", () => { s.listeners.delete(l); clearInterval(ping); });
}

// ---------- routes ----------
async function apiRoute(req, res, url) {
  const p = url.pathname.replace(/^\/api\/v1/, "");
  const m = req.method;
  const raw = m === "GET" ? "" : await readBody(req);
  let body = {};
  try { body = raw && (req.headers["content-type"] ?? "").includes("json") ? JSON.parse(raw) : {}; } catch { return err(res, 400, "invalid_json", "Invalid JSON"); }
  const ck = cookies(req);
  if (p === "/auth/login" && m === "POST") {
    const u = users.find((x) => x.email === body.email && x.password === body.password);
    return u ? issue(res, u) : err(res, 401, "unauthorized", "Invalid email or password");
  }
  if (p === "/auth/register" && m === "POST") {
    if (users.some((x) => x.email === body.email)) return err(res, 409, "conflict", "Email already registered");
    if (!body.password || body.password.length < 10) return err(res, 400, "invalid_field", "password must be 10-256 characters");
    const u = { id: randomUUID(), email: body.email, password: body.password, name: body.name, created_at: new Date().toISOString() };
    users.push(u);
    return send(res, 201, { user: pub(u) });
  }
  if (p === "/auth/refresh" && m === "POST") {
    const uid = refreshTokens.get(body.refresh_token ?? ck.finchat_refresh);
    if (!uid) return err(res, 401, "unauthorized", "Invalid refresh token");
    refreshTokens.delete(body.refresh_token ?? ck.finchat_refresh);
    return issue(res, users.find((u) => u.id === uid));
  }
  const sess = sessions.get(ck.finchat_session);
  if (!sess || sess.exp < Date.now()) return err(res, 401, "unauthorized", "Authentication required");
  if (m !== "GET" && req.headers["x-csrf-token"] !== ck.finchat_csrf) return err(res, 403, "forbidden", "CSRF token missing or wrong");
  const user = users.find((u) => u.id === sess.userId);
  let mm;
  if (p === "/auth/logout" && m === "POST") { sessions.delete(ck.finchat_session); res.writeHead(204, { "Set-Cookie": ["finchat_session=; Max-Age=0; Path=/", "finchat_csrf=; Max-Age=0; Path=/"] }); return res.end(); }
  if (p === "/me") return send(res, 200, { user: pub(user) });
  if (p === "/dashboard") return send(res, 200, dashboard());
  if (p === "/accounts") return send(res, 200, { items: accounts });
  if (p === "/transactions" && m === "GET") {
    const q = url.searchParams;
    let t = transactions.filter((x) =>
      (!q.get("type") || x.type === q.get("type")) && (!q.get("category") || x.category === q.get("category")) && (!q.get("account_id") || x.account_id === q.get("account_id")) &&
      (!q.get("from") || x.posted_at.slice(0, 10) >= q.get("from")) && (!q.get("to") || x.posted_at.slice(0, 10) <= q.get("to")) &&
      (!q.get("min_minor") || Math.abs(x.amount_minor) >= Number(q.get("min_minor"))) && (!q.get("max_minor") || Math.abs(x.amount_minor) <= Number(q.get("max_minor"))) &&
      (!q.get("q") || (x.merchant + " " + x.description).toLowerCase().includes(q.get("q").toLowerCase())));
    const sort = q.get("sort") ?? "date_desc";
    t = [...t].sort((a, b) => sort === "date_asc" ? a.posted_at.localeCompare(b.posted_at) : sort === "amount_desc" ? Math.abs(b.amount_minor) - Math.abs(a.amount_minor) : sort === "amount_asc" ? Math.abs(a.amount_minor) - Math.abs(b.amount_minor) : b.posted_at.localeCompare(a.posted_at));
    const limit = Number(q.get("limit") ?? 50), off = Number(q.get("cursor") ?? 0);
    return send(res, 200, { items: t.slice(off, off + limit), next_cursor: off + limit < t.length ? String(off + limit) : null });
  }
  if ((mm = p.match(/^\/transactions\/([\w-]+)$/)) && m === "PATCH") {
    const t = transactions.find((x) => x.id === mm[1]);
    if (!t) return err(res, 404, "not_found", "No such transaction");
    if (body.category !== undefined) t.category = body.category;
    if (body.note !== undefined) t.note = body.note;
    return send(res, 200, { transaction: t });
  }
  if (p === "/imports" && m === "POST") {
    if (process.env.MOCK_IMPORTS === "0") return err(res, 404, "not_found", "No such route");
    const lines = raw.split(/\r?\n/).filter(Boolean);
    return send(res, 200, { added: Math.max(0, lines.length - 2), duplicates: lines.length > 1 ? 1 : 0, rejected: lines.length > 3 ? [{ line: 4, reason: "amount is not a number" }] : [] });
  }
  if (p === "/analytics/cashflow") return send(res, 200, { items: lastMonths(Number(url.searchParams.get("months") ?? 6)) });
  if (p === "/analytics/categories") return send(res, 200, categories(url.searchParams.get("from"), url.searchParams.get("to")));
  if (p === "/analytics/networth") return send(res, 200, { items: lastMonths(12).map((c, i) => ({ month: c.month, net_worth_minor: netWorth() - (11 - i) * 95000 })) });
  if (p === "/analytics/subscriptions") return send(res, 200, { monthly_total_minor: 2748, items: [
    { merchant: "Netflix", amount_minor: -1549, cadence: "monthly", last_charged: "2026-11-03", next_expected: "2026-12-03", annual_minor: -18588, count: 7 },
    { merchant: "Spotify", amount_minor: -1199, cadence: "monthly", last_charged: "2026-11-10", next_expected: "2026-12-10", annual_minor: -14388, count: 7 }] });
  if (p === "/insights/health-score") return send(res, 200, health);
  if (p === "/insights/fraud-alerts") { const st = url.searchParams.get("status") ?? "open"; return send(res, 200, { items: alerts.filter((a) => st === "all" || a.status === st) }); }
  if ((mm = p.match(/^\/insights\/fraud-alerts\/([\w-]+)\/resolve$/)) && m === "POST") {
    const a = alerts.find((x) => x.id === mm[1]); if (!a) return err(res, 404, "not_found", "No such alert");
    a.status = "resolved"; a.resolved_at = new Date().toISOString(); return send(res, 200, { alert: a });
  }
  if (p === "/forecast") {
    const months = Number(url.searchParams.get("months") ?? 12);
    const start = 482350 + 1250000, inc = 620000, exp = 480000;
    const mk = (f) => Array.from({ length: months }, (_, i) => ({ month: ym(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i + 1, 1))), balance_minor: Math.round(start + (i + 1) * (inc - exp) * f) }));
    return send(res, 200, { months, currency: "USD", start_balance_minor: start, monthly_income_minor: inc, monthly_expenses_minor: exp, scenarios: { conservative: mk(0.6), expected: mk(1), optimistic: mk(1.3) } });
  }
  if (p === "/simulate" && m === "POST") {
    const start = 1732350, inc = 620000, exp = 480000;
    const r = Math.pow(1 + body.annual_return_pct / 100, 1 / 12) - 1;
    const c = Math.round((inc * body.savings_rate) / 100 - (exp * body.expense_change_pct) / 100 + body.monthly_extra_minor);
    let b = start, tot = 0; const series = [];
    for (let i = 1; i <= body.months; i++) { b = Math.round(b * (1 + r)) + c; tot += c; series.push({ month: i, balance_minor: b, contributions_minor: tot }); }
    return send(res, 200, { months: body.months, series, final_minor: b, total_contributions_minor: tot, total_growth_minor: b - start - tot });
  }
  if (p === "/budgets" && m === "GET") return send(res, 200, budgetView());
  if (p === "/budgets" && m === "PUT") { budgets = body.items; return send(res, 200, budgetView()); }
  if (p === "/api-keys" && m === "GET") return send(res, 200, { items: apiKeys });
  if (p === "/api-keys" && m === "POST") { const k = { id: randomUUID(), name: body.name, prefix: "fc_" + randomUUID().slice(0, 6), created_at: new Date().toISOString(), last_used_at: null }; apiKeys.push(k); return send(res, 201, { ...k, key: k.prefix + createHash("sha256").update(k.id).digest("hex").slice(0, 32) }); }
  if ((mm = p.match(/^\/api-keys\/([\w-]+)$/)) && m === "DELETE") { const i = apiKeys.findIndex((k) => k.id === mm[1]); if (i >= 0) apiKeys.splice(i, 1); res.writeHead(204); return res.end(); }
  if (p === "/plaid/link-token" && m === "POST") return process.env.MOCK_PLAID === "1" ? send(res, 200, { link_token: "link-sandbox-123" }) : err(res, 503, "plaid_disabled", "Plaid is not configured");
  if (p === "/status") return send(res, 200, { version: "0.1.0-mock", uptime_s: Math.floor(process.uptime()), instance: "mock-1", components: { postgres: { status: "ok", latency_ms: 0.8 }, kafka: { status: "ok", latency_ms: 1.9 }, mongo: { status: "ok", latency_ms: 1.1 } }, providers: [{ name: "openai", configured: false, circuit: "closed" }, { name: "local", configured: true, circuit: "open" }, { name: "analyst", configured: true, circuit: "closed" }], requests: { total: 1234 + Math.floor(process.uptime()), by_status: { "2xx": 1200, "4xx": 30, "5xx": 4 } }, routes: [{ route: "GET /api/v1/dashboard", count: 312, p50_ms: 4.2, p99_ms: 18.9 }, { route: "GET /api/v1/transactions", count: 220, p50_ms: 3.1, p99_ms: 12.5 }], cache: { hit_ratio: 0.87 }, streams: { active: [...streams.values()].filter((s) => !s.done).length } });
  if (p === "/conversations" && m === "GET") { const q = (url.searchParams.get("q") ?? "").toLowerCase(); return send(res, 200, { items: conversations.filter((c) => !q || c.title.toLowerCase().includes(q) || messages.some((x) => x.conversation_id === c.id && x.text.toLowerCase().includes(q))).sort((a, b) => b.updated_at.localeCompare(a.updated_at)), next_cursor: null }); }
  if (p === "/conversations" && m === "POST") { const c = { id: randomUUID(), title: body.title || "New conversation", created_at: new Date().toISOString(), updated_at: new Date().toISOString(), last_message: null }; conversations.push(c); return send(res, 201, c); }
  if ((mm = p.match(/^\/conversations\/([\w-]+)$/))) {
    const c = conversations.find((x) => x.id === mm[1]); if (!c) return err(res, 404, "not_found", "No such conversation");
    if (m === "PATCH") { c.title = body.title; return send(res, 200, c); }
    if (m === "DELETE") { conversations.splice(conversations.indexOf(c), 1); res.writeHead(204); return res.end(); }
  }
  if ((mm = p.match(/^\/conversations\/([\w-]+)\/messages$/))) {
    const c = conversations.find((x) => x.id === mm[1]); if (!c) return err(res, 404, "not_found", "No such conversation");
    if (m === "GET") return send(res, 200, { items: messages.filter((x) => x.conversation_id === c.id).map((x) => x.status === "complete" || x.status === "canceled" ? x : { ...x, text: "" }) });
    if (!body.text || body.text.length > 4000) return err(res, 400, "invalid_field", "text must be 1-4000 characters");
    if (/ignore (all )?previous instructions/i.test(body.text)) return err(res, 422, "prompt_rejected", "This message looks like a prompt-injection attempt and was not sent.");
    return send(res, 202, startAnswer(c, body.text));
  }
  if ((mm = p.match(/^\/conversations\/([\w-]+)\/regenerate$/)) && m === "POST") {
    const c = conversations.find((x) => x.id === mm[1]); if (!c) return err(res, 404, "not_found", "No such conversation");
    const lastUser = messages.filter((x) => x.conversation_id === c.id && x.role === "user").pop();
    return send(res, 202, startAnswer(c, lastUser?.text ?? "", true));
  }
  if ((mm = p.match(/^\/streams\/([\w-]+)$/)) && m === "GET") return stream(req, res, mm[1], url);
  if ((mm = p.match(/^\/streams\/([\w-]+)\/cancel$/)) && m === "POST") { const s = streams.get(mm[1]); if (!s) return err(res, 404, "not_found", "No such stream"); s.canceled = true; return send(res, 202, { canceled: true }); }
  return err(res, 404, "not_found", "No such route");
}
function budgetView() {
  const c = categories(ym(now) + "-01");
  return { month: ym(now), items: budgets.map((b) => { const spent = c.items.find((x) => x.category === b.category)?.amount_minor ?? 0; const pct = b.limit_minor ? Math.round((spent / b.limit_minor) * 1000) / 10 : 0; return { ...b, spent_minor: spent, pct, status: pct >= 100 ? "exceeded" : pct >= 80 ? "warning" : "ok" }; }) };
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8", ".json": "application/json", ".woff2": "font/woff2", ".ico": "image/x-icon" };
function staticFile(req, res, url) {
  let p = decodeURIComponent(url.pathname);
  if (p.includes("..")) return err(res, 400, "invalid_field", "bad path");
  let f = join(OUT, p);
  if (existsSync(f) && statSync(f).isDirectory()) f = join(f, "index.html");
  else if (!existsSync(f) && existsSync(join(OUT, p, "index.html"))) f = join(OUT, p, "index.html");
  let status = 200;
  if (!existsSync(f)) { f = join(OUT, "404.html"); status = 404; }
  res.writeHead(status, { "Content-Type": TYPES[extname(f)] ?? "application/octet-stream", "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": p.startsWith("/_next/static/") ? "public, max-age=31536000, immutable" : "no-cache" });
  res.end(readFileSync(f));
}

createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname.startsWith("/api/v1/")) return void apiRoute(req, res, url).catch((e) => { console.error(e); err(res, 500, "internal", String(e)); });
  if (url.pathname === "/healthz") return send(res, 200, { status: "ok" });
  staticFile(req, res, url);
}).listen(PORT, "127.0.0.1", () => console.log(`mock finchat on http://127.0.0.1:${PORT}`));
