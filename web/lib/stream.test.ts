import { describe, expect, it } from "vitest";
import { openStream } from "./stream";
import { SSEParser } from "./sse";

// A scripted server: each call to fetch gets the next "connection" script, which writes
// frames through a controller and may close, hang, or fail.
interface Conn {
  url: string;
  headers: Record<string, string>;
  write(s: string): void;
  end(): void;
  signal: AbortSignal;
}
type Script = (c: Conn) => void | Promise<void>;

function fakeFetch(scripts: Array<Script | { status: number; body?: unknown }>) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  let i = 0;
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const headers = { ...(init?.headers as Record<string, string>) };
    calls.push({ url, headers });
    const s = scripts[Math.min(i++, scripts.length - 1)];
    if (typeof s !== "function") {
      return new Response(JSON.stringify(s.body ?? {}), { status: s.status, headers: { "content-type": "application/json" } });
    }
    const enc = new TextEncoder();
    const signal = init?.signal as AbortSignal;
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    let open = true;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
    signal?.addEventListener("abort", () => {
      if (open) {
        open = false;
        ctl.error(new DOMException("aborted", "AbortError"));
      }
    });
    const conn: Conn = {
      url,
      headers,
      signal,
      write: (x) => open && ctl.enqueue(enc.encode(x)),
      end: () => {
        if (open) {
          open = false;
          ctl.close();
        }
      },
    };
    queueMicrotask(() => void s(conn));
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
  return { fetch: f, calls };
}

const ev = (id: number, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const start = (id = 1, attempt = 1) => ev(id, "start", { request_id: "r1", attempt, worker: "w", provider: "analyst", model: "analyst-1" });
const tok = (id: number, text: string) => ev(id, "token", { text });
const fin = (id: number) =>
  ev(id, "final", {
    message_id: "m1",
    provider: "analyst",
    model: "analyst-1",
    usage: { prompt_tokens: 10, completion_tokens: 3 },
    timings: { ttft_ms: 12, total_ms: 80 },
    text_length: 11,
  });
const fast = { backoffMs: () => 1, heartbeatTimeoutMs: 200 };

describe("SSEParser", () => {
  it("parses events split at any byte, with CRLF, comments and multi-line data", () => {
    const src = ": ping\r\nid: 7\r\nevent: token\r\ndata: {\"text\":\r\ndata: \"x\"}\r\n\r\nevent: token\ndata: y\n\n";
    const p = new SSEParser();
    const out = [];
    for (const ch of src) out.push(...p.push(ch));
    expect(out).toEqual([
      { event: "token", data: '{"text":\n"x"}', id: "7" },
      { event: "token", data: "y", id: null },
    ]);
    expect(p.comments).toBe(1);
  });
});

describe("openStream", () => {
  it("assembles tokens and finishes on final", async () => {
    const { fetch } = fakeFetch([(c) => (c.write(start() + tok(2, "Hello") + tok(3, ", world") + fin(4)), c.end())]);
    const h = openStream({ requestId: "r1", fetch, ...fast });
    const s = await h.done;
    expect(s.status).toBe("done");
    expect(s.text).toBe("Hello, world");
    expect(s.provider).toBe("analyst");
    expect(s.final?.usage.completion_tokens).toBe(3);
    expect(s.lastEventId).toBe(4);
  });

  it("resumes after a dropped connection with Last-Event-ID, dropping replayed events", async () => {
    const { fetch, calls } = fakeFetch([
      (c) => (c.write(start() + tok(2, "A") + tok(3, "B")), c.end()),
      // The server replays from an earlier point: ids 2 and 3 must not be applied twice.
      (c) => (c.write(tok(2, "A") + tok(3, "B") + tok(4, "C") + fin(5)), c.end()),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.text).toBe("ABC");
    expect(s.duplicates).toBe(2);
    expect(s.reconnects).toBe(1);
    expect(calls[0].headers["Last-Event-ID"]).toBeUndefined();
    expect(calls[1].headers["Last-Event-ID"]).toBe("3");
    expect(calls[1].url).toBe("/api/v1/streams/r1?last_event_id=3");
  });

  it("suppresses duplicate ids within one connection", async () => {
    const { fetch } = fakeFetch([(c) => (c.write(start() + tok(2, "x") + tok(2, "x") + tok(3, "y") + tok(3, "y") + fin(4)), c.end())]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.text).toBe("xy");
    expect(s.duplicates).toBe(2);
  });

  it("discards the partial answer on reset and keeps the new attempt's text", async () => {
    const { fetch } = fakeFetch([
      (c) => (
        c.write(start() + tok(2, "partial from provider one") + ev(1_000_000, "reset", { attempt: 2, reason: "provider_failed" })),
        c.write(ev(1_000_001, "start", { request_id: "r1", attempt: 2, provider: "local", model: "smol" })),
        c.write(tok(1_000_002, "fresh") + fin(1_000_003)),
        c.end()
      ),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.text).toBe("fresh");
    expect(s.resets).toBe(1);
    expect(s.attempt).toBe(2);
  });

  it("resumes across a reset when reconnecting", async () => {
    const { fetch, calls } = fakeFetch([
      (c) => (c.write(start() + tok(2, "old")), c.end()),
      (c) => (c.write(ev(1_000_000, "reset", { attempt: 2, reason: "x" }) + tok(1_000_002, "new") + fin(1_000_003)), c.end()),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.text).toBe("new");
    expect(calls[1].headers["Last-Event-ID"]).toBe("2");
  });

  it("reconnects when no byte arrives within the heartbeat timeout", async () => {
    const { fetch, calls } = fakeFetch([
      (c) => c.write(start() + tok(2, "one ")), // then silence, connection kept open
      (c) => (c.write(tok(3, "two") + fin(4)), c.end()),
    ]);
    const t0 = Date.now();
    const s = await openStream({ requestId: "r1", fetch, backoffMs: () => 1, heartbeatTimeoutMs: 60 }).done;
    expect(s.text).toBe("one two");
    expect(s.reconnects).toBe(1);
    expect(calls[1].headers["Last-Event-ID"]).toBe("2");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  });

  it("stays connected while `: ping` comments keep arriving", async () => {
    const { fetch, calls } = fakeFetch([
      async (c) => {
        c.write(start());
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 30));
          c.write(": ping\n\n");
        }
        c.write(tok(2, "ok") + fin(3));
        c.end();
      },
    ]);
    const s = await openStream({ requestId: "r1", fetch, backoffMs: () => 1, heartbeatTimeoutMs: 80 }).done;
    expect(s.text).toBe("ok");
    expect(calls.length).toBe(1);
  });

  it("continues a stream restored from sessionStorage (page reload)", async () => {
    const { fetch, calls } = fakeFetch([(c) => (c.write(tok(5, " and more") + fin(6)), c.end())]);
    const s = await openStream({
      requestId: "r1",
      fetch,
      ...fast,
      lastEventId: 4,
      initialText: "text so far",
      initial: { provider: "analyst", model: "m", attempt: 1 },
    }).done;
    expect(calls[0].headers["Last-Event-ID"]).toBe("4");
    expect(s.text).toBe("text so far and more");
  });

  it("refreshes the session on 401 and retries", async () => {
    let refreshed = 0;
    const { fetch, calls } = fakeFetch([{ status: 401, body: { error: { code: "unauthorized" } } }, (c) => (c.write(start() + tok(2, "hi") + fin(3)), c.end())]);
    const s = await openStream({ requestId: "r1", fetch, ...fast, onUnauthorized: async () => (refreshed++, true) }).done;
    expect(refreshed).toBe(1);
    expect(calls.length).toBe(2);
    expect(s.text).toBe("hi");
  });

  it("fails clearly on 404 without retrying", async () => {
    const { fetch, calls } = fakeFetch([{ status: 404, body: { error: { code: "not_found", message: "No such stream" } } }]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.status).toBe("error");
    expect(s.error).toEqual({ code: "not_found", message: "No such stream" });
    expect(calls.length).toBe(1);
  });

  it("retries 503 and gives up after maxRetries", async () => {
    const { fetch, calls } = fakeFetch([{ status: 503 }]);
    const s = await openStream({ requestId: "r1", fetch, ...fast, maxRetries: 3 }).done;
    expect(s.status).toBe("error");
    expect(s.error?.code).toBe("network");
    expect(calls.length).toBe(4);
  });

  it("reports an error event as the end of the stream", async () => {
    const { fetch } = fakeFetch([(c) => (c.write(start() + tok(2, "a") + ev(3, "error", { code: "canceled", message: "Stopped" })), c.end())]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.status).toBe("error");
    expect(s.error?.code).toBe("canceled");
    expect(s.text).toBe("a");
  });

  it("close() stops reading and resolves as closed", async () => {
    const updates: string[] = [];
    const { fetch } = fakeFetch([(c) => c.write(start() + tok(2, "a"))]);
    const h = openStream({ requestId: "r1", fetch, heartbeatTimeoutMs: 10_000, onUpdate: (s) => updates.push(s.text) });
    await new Promise((r) => setTimeout(r, 20));
    h.close();
    const s = await h.done;
    expect(s.status).toBe("closed");
    expect(s.text).toBe("a");
    expect(updates).toContain("a");
  });
});

describe("openStream: tool calls (SPEC §14)", () => {
  const tool = (id: number, call: string, status: string, extra: Record<string, unknown> = {}) =>
    ev(id, "tool", { id: call, name: "spending_by_category", args: { period: "2025-03" }, status, ms: status === "running" ? 0 : 42, label: "spending by category, March 2025", round: 1, ...extra });
  const finWith = (id: number, extra: Record<string, unknown>) =>
    ev(id, "final", { message_id: "m1", provider: "openai", model: "gpt", usage: { prompt_tokens: 10, completion_tokens: 3 }, timings: { ttft_ms: 12, total_ms: 80 }, ...extra });

  it("shows a call as running, then as finished, by its id", async () => {
    const { fetch } = fakeFetch([
      (c) => (c.write(start() + tool(2, "call_1_0", "running") + tool(3, "call_1_0", "ok") + tok(4, "You spent $12.00.") + finWith(5, {})), c.end()),
    ]);
    const seen: string[] = [];
    const s = await openStream({ requestId: "r1", fetch, ...fast, onUpdate: (u) => seen.push(u.tools.map((t) => `${t.id}:${t.status}`).join(",")) }).done;
    expect(seen).toContain("call_1_0:running");
    expect(seen.indexOf("call_1_0:ok")).toBeGreaterThan(seen.indexOf("call_1_0:running"));
    expect(s.tools).toHaveLength(1);
    expect(s.tools[0]).toMatchObject({ id: "call_1_0", name: "spending_by_category", status: "ok", ms: 42, label: "spending by category, March 2025", round: 1, args: { period: "2025-03" } });
    expect(s.text).toBe("You spent $12.00.");
  });

  it("keeps parallel calls apart, each finishing on its own", async () => {
    const { fetch } = fakeFetch([
      (c) => (
        c.write(start() + tool(2, "a", "running") + tool(3, "b", "running", { name: "cashflow", label: "cash flow, last 6 months" })),
        c.write(tool(4, "b", "error", { name: "cashflow", label: "cash flow, last 6 months" }) + tool(5, "a", "ok")),
        c.write(tok(6, "Done.") + finWith(7, {})),
        c.end()
      ),
    ]);
    const states: string[] = [];
    const s = await openStream({ requestId: "r1", fetch, ...fast, onUpdate: (u) => states.push(u.tools.map((t) => `${t.id}:${t.status}`).join(",")) }).done;
    expect(states).toContain("a:running,b:running");
    expect(states).toContain("a:running,b:error");
    expect(s.tools.map((t) => [t.id, t.status, t.label])).toEqual([
      ["a", "ok", "spending by category, March 2025"],
      ["b", "error", "cash flow, last 6 months"],
    ]);
  });

  it("a reset voids the calls before it with the text", async () => {
    const { fetch } = fakeFetch([
      (c) => (
        c.write(start() + tool(2, "call_1_0", "running") + tool(3, "call_1_0", "ok") + tok(4, "partial")),
        c.write(ev(1_000_000, "reset", { attempt: 2, reason: "provider_failed" })),
        c.write(ev(1_000_001, "start", { request_id: "r1", attempt: 2, provider: "analyst", model: "analyst-1" }) + tok(1_000_002, "fresh") + finWith(1_000_003, {})),
        c.end()
      ),
    ]);
    let afterReset: number | null = null;
    const s = await openStream({
      requestId: "r1",
      fetch,
      ...fast,
      onEvent: (e, st) => {
        if (e.event === "reset") afterReset = st.tools.length;
      },
    }).done;
    expect(afterReset).toBe(0);
    expect(s.tools).toEqual([]);
    expect(s.text).toBe("fresh");
  });

  it("a reset voids only the calls before it: the new attempt's calls are kept", async () => {
    const { fetch } = fakeFetch([
      (c) => (
        c.write(start() + tool(2, "call_1_0", "running") + ev(1_000_000, "reset", { attempt: 2 })),
        c.write(ev(1_000_001, "start", { request_id: "r1", attempt: 2, provider: "openai", model: "m" }) + tool(1_000_002, "call_1_0", "running", { label: "spending by category, April 2025" })),
        c.write(tool(1_000_003, "call_1_0", "ok") + tok(1_000_004, "x") + fin(1_000_005)),
        c.end()
      ),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.tools.map((t) => [t.id, t.status])).toEqual([["call_1_0", "ok"]]);
  });

  it("final's checks are kept and its tools replace the assembled calls", async () => {
    const stored = [{ id: "call_1_0", name: "spending_by_category", args: { period: "2025-03" }, status: "ok", ms: 40, label: "spending by category, March 2025", round: 1 }];
    const { fetch } = fakeFetch([
      (c) => (
        c.write(start() + tool(2, "call_1_0", "running") + tok(3, "You spent $12.00 and $99.99.")),
        c.write(finWith(4, { checks: { figures: 2, verified: 1, unverified: ["$99.99"] }, tools: stored })),
        c.end()
      ),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.final?.checks).toEqual({ figures: 2, verified: 1, unverified: ["$99.99"] });
    expect(s.tools).toEqual(stored);
    expect(s.final?.tools).toEqual(stored);
  });

  it("a final without checks or tools (an older worker) keeps the calls seen and has no checks", async () => {
    const { fetch } = fakeFetch([(c) => (c.write(start() + tool(2, "c", "running") + tool(3, "c", "ok") + tok(4, "x") + fin(5)), c.end())]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.final?.checks).toBeUndefined();
    expect(s.tools.map((t) => t.status)).toEqual(["ok"]);
  });

  it("resumed after a reload, the calls restored from sessionStorage are finished by later events", async () => {
    const { fetch, calls } = fakeFetch([(c) => (c.write(tool(3, "c", "ok") + tok(4, "more") + fin(5)), c.end())]);
    const initialTools = [{ id: "c", name: "spending_by_category", args: {}, status: "running" as const, ms: null, label: "spending by category, March 2025", round: 1 }];
    const s = await openStream({ requestId: "r1", fetch, ...fast, lastEventId: 2, initialText: "", initialTools }).done;
    expect(calls[0].headers["Last-Event-ID"]).toBe("2");
    expect(s.tools.map((t) => [t.status, t.label])).toEqual([["ok", "spending by category, March 2025"]]);
    expect(initialTools[0].status).toBe("running"); // the caller's array is not changed
  });

  it("ignores malformed tool events and replayed duplicates", async () => {
    const { fetch } = fakeFetch([
      (c) => (c.write(start() + ev(2, "tool", { status: "running" }) + "id: 3\nevent: tool\ndata: {not json\n\n" + tool(4, "c", "running") + tool(4, "c", "running") + tool(5, "c", "ok") + fin(6)), c.end()),
    ]);
    const s = await openStream({ requestId: "r1", fetch, ...fast }).done;
    expect(s.tools.map((t) => [t.id, t.status])).toEqual([["c", "ok"]]);
    expect(s.duplicates).toBe(1);
  });
});
