// mcp.mjs - finchat's MCP server (POST /mcp, SPEC §14) through the official Model Context
// Protocol SDK: Client + StreamableHTTPClientTransport with a personal API key as Bearer.
// For every tool the figures equal the REST API's body for the same question; bad
// arguments and unknown tools are errors; another user's key sees only that user's data.
// Prints TAP-style `ok - ` / `not ok - ` lines; exits non-zero when a check failed.
import http from "node:http";
import { isDeepStrictEqual } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const BASE = process.env.FINCHAT_URL || "http://127.0.0.1:8080";
let passed = 0, failed = 0;

function check(cond, name, detail = "") {
  if (cond) { passed++; console.log(`ok - ${name}`); }
  else { failed++; console.log(`not ok - ${name}${detail ? "  # " + detail : ""}`); }
  return cond;
}

// fetch over node:http from a loopback source address of its own every 30 requests, so
// the gateway's per-IP rate limit is not what this test measures (as finlib.py does).
const loopback = /^http:\/\/(127\.|localhost)/.test(BASE);
let calls = 0;
function sourceAddress() {
  const n = Math.floor(calls++ / 30);
  return loopback ? `127.0.${200 + Math.floor(n / 250)}.${1 + (n % 250)}` : undefined;
}

function fetchLike(url, init = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    new Headers(init.headers || {}).forEach((v, k) => { headers[k] = v; });
    const req = http.request(url, { method: init.method || "GET", headers, localAddress: sourceAddress() }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(", ") : v);
        const body = [204, 202, 304].includes(res.statusCode) || (init.method || "GET") === "HEAD" ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status: res.statusCode, headers: h }));
      });
    });
    const abort = () => req.destroy(new Error("aborted"));
    req.on("error", reject);
    req.on("close", () => init.signal && init.signal.removeEventListener("abort", abort));
    if (init.signal) init.signal.addEventListener("abort", abort, { once: true });
    if (init.body) req.write(init.body);
    req.end();
  });
}

async function rest(method, path, token, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetchLike(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function login(email, password) {
  const r = await fetchLike(BASE + "/api/v1/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
  return (await r.json()).access_token;
}

async function register(tag) {
  const email = `mcp-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
  const password = "Sup3r-secret-pass";
  const r = await fetchLike(BASE + "/api/v1/auth/register", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password, name: tag }) });
  if (r.status !== 201) throw new Error(`register: ${r.status}`);
  return login(email, password);
}

async function apiKey(token, name) {
  const r = await rest("POST", "/api/v1/api-keys", token, { name });
  if (r.status !== 201) throw new Error(`api key: ${r.status} ${r.text}`);
  return r.json.key;
}

async function connect(key) {
  const client = new Client({ name: "finchat-mcp-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(BASE + "/mcp"), {
    fetch: fetchLike,
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

function month(offset) {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return m.toISOString().slice(0, 7);
}

// Each tool with its arguments and the REST request that answers the same question.
function questions(accountId) {
  const tx = (q) => "/api/v1/transactions?" + new URLSearchParams({ ...q, summary: "true" });
  return [
    ["get_accounts", {}, "GET", "/api/v1/accounts"],
    ["search_transactions", { merchant: "target", period: "last_90_days", limit: 5 }, "GET",
      tx({ merchant: "target", period: "last_90_days", limit: "5" })],
    ["search_transactions", { category: "groceries", type: "expense", period: "last_month" }, "GET",
      tx({ category: "groceries", type: "expense", period: "last_month" })],
    ["search_transactions", { account_id: accountId, min_minor: 1000, sort: "amount_asc", limit: 3 }, "GET",
      tx({ account_id: accountId, min_minor: "1000", sort: "amount_asc", limit: "3" })],
    ["spending_by_category", { period: "last_month" }, "GET", "/api/v1/analytics/categories?period=last_month"],
    ["spending_by_category", {}, "GET", "/api/v1/analytics/categories"],
    ["cashflow", { months: 3 }, "GET", "/api/v1/analytics/cashflow?months=3"],
    ["net_worth_history", { months: 4 }, "GET", "/api/v1/analytics/networth?months=4"],
    ["get_budgets", { month: month(-1) }, "GET", `/api/v1/budgets?month=${month(-1)}`],
    ["get_subscriptions", {}, "GET", "/api/v1/analytics/subscriptions"],
    ["get_fraud_alerts", { status: "all" }, "GET", "/api/v1/insights/fraud-alerts?status=all"],
    ["get_health_score", {}, "GET", "/api/v1/insights/health-score"],
    ["forecast", { months: 6 }, "GET", "/api/v1/forecast?months=6"],
    ["simulate", { savings_rate: 20, months: 24, monthly_extra_minor: 10000, annual_return_pct: 5 }, "POST", "/api/v1/simulate"],
  ];
}

async function sameAsRest(client, token, who, [name, args, method, path]) {
  const got = await client.callTool({ name, arguments: args });
  const want = await rest(method, path, token, method === "POST" ? args : undefined);
  const text = got.content && got.content[0] && got.content[0].type === "text" ? got.content[0].text : "";
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* checked below */ }
  check(want.status === 200 && got.isError === false && isDeepStrictEqual(got.structuredContent, want.json) &&
        isDeepStrictEqual(parsed, want.json),
        `${who}: tools/call ${name} ${JSON.stringify(args)} equals ${method} ${path.split("?")[0]}`,
        `${want.status} ${JSON.stringify(got).slice(0, 300)} vs ${want.text.slice(0, 300)}`);
  return got;
}

async function main() {
  const demo = await login("demo@finchat.dev", "DemoPass2026!");
  const demoKey = await apiKey(demo, "mcp test");
  const demoAccounts = (await rest("GET", "/api/v1/accounts", demo)).json.items;

  // A second user with data of their own.
  const other = await register("other");
  const acct = await rest("POST", "/api/v1/accounts", other, { name: "Other Checking", type: "checking", opening_balance_minor: 50000 });
  const otherAccount = acct.json.account.id;
  for (const [m, amt, cat] of [["Corner Grocer", -4210, "groceries"], ["Target", -1999, "shopping"], ["Payroll", 250000, "income"]])
    await rest("POST", "/api/v1/transactions", other, { account_id: otherAccount, amount_minor: amt, merchant: m, category: cat });
  const otherKey = await apiKey(other, "mcp other");

  // Without a key: 401 before any MCP.
  const bare = await fetchLike(BASE + "/mcp", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
  check(bare.status === 401 && /Bearer/.test(bare.headers.get("www-authenticate") || ""), "POST /mcp without a key is 401 with WWW-Authenticate");
  let refused = false;
  try { await connect("fc_" + "A".repeat(43)); } catch { refused = true; }
  check(refused, "the SDK client cannot connect with a key that does not exist");

  const client = await connect(demoKey);
  const info = client.getServerVersion();
  check(info && info.name === "finchat" && typeof info.version === "string", "initialize: serverInfo names finchat", JSON.stringify(info));
  check(client.getServerCapabilities() && client.getServerCapabilities().tools !== undefined, "initialize: the tools capability");
  await client.ping();
  check(true, "ping answers");

  const listed = await client.listTools();
  const catalogue = (await rest("GET", "/api/v1/tools", demo)).json.items;
  check(listed.tools.length === 11, "tools/list: 11 tools", String(listed.tools.length));
  check(listed.tools.every((t) => t.inputSchema && t.inputSchema.type === "object" && typeof t.description === "string" && t.description.length > 0),
        "tools/list: every tool has a description and an object inputSchema");
  check(isDeepStrictEqual(listed.tools.map((t) => [t.name, t.inputSchema]), catalogue.map((t) => [t.name, t.parameters])),
        "tools/list: the same tools and schemas as GET /api/v1/tools");
  const simulate = listed.tools.find((t) => t.name === "simulate");
  check(simulate && simulate.inputSchema.properties.savings_rate.type === "number", "tools/list: simulate's schema names savings_rate");

  for (const q of questions(demoAccounts[0].id)) await sameAsRest(client, demo, "demo", q);
  const called = new Set(questions(demoAccounts[0].id).map((q) => q[0]));
  check(listed.tools.every((t) => called.has(t.name)), "every listed tool was called");

  const bad = await client.callTool({ name: "search_transactions", arguments: { limit: 500 } });
  check(bad.isError === true && /limit/.test(bad.content[0].text) && /hint/.test(bad.content[0].text),
        "bad arguments: a tool error naming the argument, with a hint", JSON.stringify(bad).slice(0, 300));
  const badPeriod = await client.callTool({ name: "spending_by_category", arguments: { period: "next_tuesday" } });
  check(badPeriod.isError === true, "a period that is not one: a tool error");
  let unknown = null;
  try { await client.callTool({ name: "drop_tables", arguments: {} }); } catch (e) { unknown = e; }
  check(unknown && unknown.code === -32602 && /get_accounts/.test(unknown.message), "unknown tool: JSON-RPC invalid params listing the tools",
        unknown ? `${unknown.code} ${unknown.message}` : "no error");

  // Another user's key: their data only.
  const client2 = await connect(otherKey);
  const mine = await client2.callTool({ name: "get_accounts", arguments: {} });
  check(!mine.isError && mine.structuredContent.items.length === 1 && mine.structuredContent.items[0].id === otherAccount,
        "another key: get_accounts lists only that user's account");
  const theirs = await client2.callTool({ name: "search_transactions", arguments: { account_id: demoAccounts[0].id } });
  check(theirs.isError === true && !/"items"/.test(theirs.content[0].text), "another key: demo's account id gives an error, none of demo's rows",
        theirs.content[0].text.slice(0, 200));
  for (const q of questions(otherAccount)) await sameAsRest(client2, other, "other user", q);
  const search = await client2.callTool({ name: "search_transactions", arguments: {} });
  const s = search.structuredContent.summary;
  check(s && s.count === 4 && s.income_minor === 250000 && s.expenses_minor === 6209 && s.net_minor === 243791,
        "another key: the summary counts that user's transactions only", JSON.stringify(s));

  await client.close();
  await client2.close();
}

try {
  await main();
} catch (e) {
  check(false, "the MCP test ran to its end", String(e && e.stack || e).slice(0, 500));
}
console.log(`mcp: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
