// Browser client of the finchat API (proto/API.md): cookie session, double-submit CSRF
// (header X-CSRF-Token = cookie finchat_csrf on every non-GET), one shared refresh on 401
// followed by a retry, and, when the refresh fails too, a re-login prompt that resolves the
// pending request in place, so nothing the user typed is lost. No token is ever stored by
// this code: the session lives in httpOnly cookies.

export const API_BASE = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function readCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function csrfHeaders(method: string): Record<string, string> {
  if (method === "GET" || method === "HEAD") return {};
  const t = readCookie("finchat_csrf");
  return t ? { "X-CSRF-Token": t } : {};
}

type Reauth = () => Promise<boolean>;
let reauthHandler: Reauth | null = null;
/** Installed by the signed-in shell: shows the "session expired" sign-in dialog. */
export function setReauthHandler(fn: Reauth | null) {
  reauthHandler = fn;
}

async function doRefresh(): Promise<boolean> {
  try {
    const r = await fetch(`${API_BASE}/auth/refresh`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", ...csrfHeaders("POST") },
      body: "{}",
    });
    return r.ok;
  } catch {
    return false;
  }
}

let refreshing: Promise<boolean> | null = null;
/** POST /auth/refresh with the refresh cookie; concurrent callers share one request. Across
 * tabs, a Web Lock serialises refreshes and a tab that waited first checks whether another
 * tab already refreshed the shared cookies: presenting a rotated refresh token twice would
 * revoke the whole token family (SPEC §4) and sign every tab out. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    const csrfBefore = readCookie("finchat_csrf");
    const run = locks
      ? locks.request("finchat-session-refresh", async () => {
          if (readCookie("finchat_csrf") !== csrfBefore) {
            const me = await fetch(`${API_BASE}/me`, { credentials: "same-origin", cache: "no-store" }).catch(() => null);
            if (me?.ok) return true; // another tab refreshed while we waited
          }
          return doRefresh();
        })
      : doRefresh();
    refreshing = Promise.resolve(run)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** Refresh, and if that fails ask the user to sign in again (when a dialog is installed). */
export async function recoverSession(): Promise<boolean> {
  if (await refreshSession()) return true;
  return reauthHandler ? reauthHandler() : false;
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | null | undefined>;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
  /** Do not refresh or prompt on 401 (sign-in forms, the initial /me probe). */
  noRecover?: boolean;
}

export function buildQuery(q?: RequestOptions["query"]): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

async function toError(res: Response): Promise<ApiError> {
  let code = "http_" + res.status;
  let message = `Request failed (HTTP ${res.status}).`;
  let requestId = res.headers.get("X-Request-Id");
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; request_id?: string } };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    /* not JSON */
  }
  const ra = res.headers.get("Retry-After");
  return new ApiError(res.status, code, message, requestId, ra ? Number(ra) : null);
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? (opts.json !== undefined || opts.body !== undefined ? "POST" : "GET");
  const url = `${API_BASE}${path}${buildQuery(opts.query)}`;
  const send = () => {
    const headers: Record<string, string> = { Accept: "application/json", ...csrfHeaders(method) };
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      body = opts.body;
      if (opts.contentType) headers["Content-Type"] = opts.contentType;
    }
    return fetch(url, { method, headers, body, credentials: "same-origin", cache: "no-store", signal: opts.signal });
  };
  let res: Response;
  try {
    res = await send();
  } catch (e) {
    if ((e as Error)?.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Could not reach finchat. Check your connection and try again.");
  }
  if (res.status === 401 && !opts.noRecover && !path.startsWith("/auth/")) {
    if (await recoverSession()) res = await send();
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 429) {
      const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : "";
      return e.code === "budget_exceeded" ? `${e.message}` : `Too many requests.${wait}`;
    }
    return e.message;
  }
  if (e instanceof Error) return e.message;
  return "Something went wrong.";
}
