import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, setReauthHandler } from "./api";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

let calls: Call[] = [];
let cookie = "";

function install(handler: (c: Call, n: number) => Response | Promise<Response>) {
  calls = [];
  vi.stubGlobal("document", {
    get cookie() {
      return cookie;
    },
  });
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const c: Call = { url, method: init.method ?? "GET", headers: { ...(init.headers as Record<string, string>) }, body: init.body as string | undefined };
    calls.push(c);
    return handler(c, calls.length);
  });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

beforeEach(() => {
  cookie = "finchat_csrf=tok%201; other=x";
});
afterEach(() => {
  vi.unstubAllGlobals();
  setReauthHandler(null);
});

describe("api", () => {
  it("sends X-CSRF-Token from the finchat_csrf cookie on writes only", async () => {
    install(() => json(200, { ok: true }));
    await api("/dashboard");
    await api("/budgets", { method: "PUT", json: { items: [] } });
    expect(calls[0].headers["X-CSRF-Token"]).toBeUndefined();
    expect(calls[1].headers["X-CSRF-Token"]).toBe("tok 1");
    expect(calls[1].headers["Content-Type"]).toBe("application/json");
    expect(calls[1].body).toBe('{"items":[]}');
  });

  it("builds query strings without empty values", async () => {
    install(() => json(200, { items: [] }));
    await api("/transactions", { query: { q: "coffee shop", type: "", cursor: undefined, limit: 50 } });
    expect(calls[0].url).toBe("/api/v1/transactions?q=coffee+shop&limit=50");
  });

  it("on 401 refreshes the session once and retries with the new CSRF token", async () => {
    install((c) => {
      if (c.url.endsWith("/auth/refresh")) {
        cookie = "finchat_csrf=tok2";
        return json(200, {});
      }
      if (c.url.endsWith("/transactions/t1") && c.headers["X-CSRF-Token"] === "tok 1") return json(401, { error: { code: "unauthorized", message: "expired" } });
      return json(200, { transaction: { id: "t1" } });
    });
    const r = await api<{ transaction: { id: string } }>("/transactions/t1", { method: "PATCH", json: { category: "x" } });
    expect(r.transaction.id).toBe("t1");
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/transactions/t1", "/api/v1/auth/refresh", "/api/v1/transactions/t1"]);
    expect(calls[1].headers["X-CSRF-Token"]).toBe("tok 1");
    expect(calls[2].headers["X-CSRF-Token"]).toBe("tok2");
  });

  it("shares one refresh between concurrent 401s", async () => {
    let refreshed = false;
    install(async (c) => {
      if (c.url.endsWith("/auth/refresh")) {
        await new Promise((r) => setTimeout(r, 10));
        refreshed = true;
        return json(200, {});
      }
      return refreshed ? json(200, { ok: 1 }) : json(401, { error: { code: "unauthorized" } });
    });
    await Promise.all([api("/a"), api("/b"), api("/c")]);
    expect(calls.filter((c) => c.url.endsWith("/auth/refresh"))).toHaveLength(1);
  });

  it("asks the user to sign in again when the refresh fails, then retries", async () => {
    let signedIn = false;
    install((c) => {
      if (c.url.endsWith("/auth/refresh")) return json(401, { error: { code: "unauthorized" } });
      return signedIn ? json(200, { ok: 1 }) : json(401, { error: { code: "unauthorized" } });
    });
    const reauth = vi.fn(async () => (signedIn = true));
    setReauthHandler(reauth);
    await expect(api("/me")).resolves.toEqual({ ok: 1 });
    expect(reauth).toHaveBeenCalledTimes(1);
  });

  it("turns error bodies into ApiError with code, message, request id and Retry-After", async () => {
    install(() => json(429, { error: { code: "rate_limited", message: "slow down", request_id: "r-1" } }, { "Retry-After": "7" }));
    const e = (await api("/x").catch((x) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.requestId, e.retryAfter]).toEqual([429, "rate_limited", "slow down", "r-1", 7]);
  });

  it("returns undefined for 204 and does not refresh on sign-in failures", async () => {
    install((c) => (c.url.endsWith("/auth/login") ? json(401, { error: { code: "unauthorized", message: "bad" } }) : new Response(null, { status: 204 })));
    await expect(api("/api-keys/k", { method: "DELETE" })).resolves.toBeUndefined();
    await expect(api("/auth/login", { json: {} })).rejects.toMatchObject({ status: 401 });
    expect(calls.some((c) => c.url.endsWith("/auth/refresh"))).toBe(false);
  });
});
