// Client of GET /api/v1/streams/{request_id} (SPEC §8), over fetch streaming so that it can
// send cookies, read status codes, and resume with Last-Event-ID after a network drop, a
// heartbeat timeout or a page reload. Pure TypeScript: fetch and timers are injectable, so the
// whole protocol is unit-tested (stream.test.ts) without a browser or a server.
//
// Guarantees: the assembled text equals the stored message: events whose id is not greater
// than the last one applied are dropped (ids are chunk sequence numbers, which only grow,
// also across attempts); `reset` discards the partial answer; the stream is finished by
// `final` or `error`, never by a closed connection, which is just a reason to reconnect.
// Tool calls (SPEC §14): `tool` events are folded into `tools` (applyToolEvent: running, then
// ok/error, by call id); a `reset` voids them with the text; `final`'s `tools`, when present,
// are the answer's calls as stored and replace what was assembled.

import { SSEParser, type SSEMessage } from "./sse";
import { applyToolEvent, parseChecks, parseTools, type Checks, type ToolCall } from "./tools";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface StartData {
  request_id: string;
  attempt: number;
  worker?: string;
  provider: string;
  model: string;
}

export interface FinalData {
  message_id: string;
  provider: string;
  model: string;
  usage: Usage;
  timings: { ttft_ms: number; total_ms: number };
  text_length?: number;
  /** The figures of the answer matched against the user's data (SPEC §14). */
  checks?: Checks;
  /** The answer's tool calls, as stored with the message. */
  tools?: ToolCall[];
}

export interface ErrorData {
  code: string;
  message: string;
}

export type StreamStatus = "connecting" | "streaming" | "reconnecting" | "done" | "error" | "closed";

export interface StreamState {
  requestId: string;
  status: StreamStatus;
  /** The answer assembled so far (after the last `reset`). */
  text: string;
  /** The tool calls of the answer so far (after the last `reset`), in the order they started. */
  tools: ToolCall[];
  /** Id of the last event applied, sent as Last-Event-ID on reconnect. */
  lastEventId: number | null;
  attempt: number;
  provider: string | null;
  model: string | null;
  final: FinalData | null;
  error: ErrorData | null;
  /** How many `reset` events were applied. */
  resets: number;
  /** How many times the connection was re-opened. */
  reconnects: number;
  /** Events dropped as duplicates (id not greater than lastEventId). */
  duplicates: number;
}

export interface StreamOptions {
  requestId: string;
  /** Base of the API, "/api/v1" by default. */
  base?: string;
  /** Resume point: the id of the last event already applied to `initialText`. */
  lastEventId?: number | null;
  initialText?: string;
  /** The tool calls already applied, with `initialText`. */
  initialTools?: ToolCall[];
  /** Start metadata already known (when resuming from sessionStorage). */
  initial?: Partial<Pick<StreamState, "attempt" | "provider" | "model">>;
  fetch?: typeof fetch;
  /** No bytes (not even a `: ping`) for this long → drop the connection and resume. Default 40 s
   * (the gateway pings every 15 s). */
  heartbeatTimeoutMs?: number;
  /** Consecutive failed connection attempts before giving up. Default 8. */
  maxRetries?: number;
  /** Delay before reconnect number n (1-based). Default: 250 ms doubling, at most 5 s. */
  backoffMs?: (n: number) => number;
  /** Called on 401: refresh the session; resolve true to retry. */
  onUnauthorized?: () => Promise<boolean>;
  /** Called after every applied event and status change, with a fresh copy of the state. */
  onUpdate?: (state: StreamState) => void;
  /** Called for each applied event (after duplicate suppression). */
  onEvent?: (ev: SSEMessage, state: StreamState) => void;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

export interface StreamHandle {
  /** Resolves with the final state once the stream is done, failed, or closed. */
  done: Promise<StreamState>;
  /** Stops reading (the generation goes on server-side; cancel it with POST .../cancel). */
  close(): void;
  state(): StreamState;
}

const defaultBackoff = (n: number) => Math.min(5000, 250 * 2 ** (n - 1));

export function streamUrl(base: string, requestId: string, lastEventId: number | null): string {
  const u = `${base}/streams/${encodeURIComponent(requestId)}`;
  return lastEventId == null ? u : `${u}?last_event_id=${lastEventId}`;
}

export function openStream(opts: StreamOptions): StreamHandle {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const setT = opts.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearT = opts.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const base = opts.base ?? "/api/v1";
  const heartbeatMs = opts.heartbeatTimeoutMs ?? 40_000;
  const maxRetries = opts.maxRetries ?? 8;
  const backoff = opts.backoffMs ?? defaultBackoff;

  const st: StreamState = {
    requestId: opts.requestId,
    status: "connecting",
    text: opts.initialText ?? "",
    tools: opts.initialTools ? [...opts.initialTools] : [],
    lastEventId: opts.lastEventId ?? null,
    attempt: opts.initial?.attempt ?? 0,
    provider: opts.initial?.provider ?? null,
    model: opts.initial?.model ?? null,
    final: null,
    error: null,
    resets: 0,
    reconnects: 0,
    duplicates: 0,
  };
  let closed = false;
  let current: AbortController | null = null;
  let wake: (() => void) | null = null;

  const snapshot = (): StreamState => ({ ...st, tools: [...st.tools] });
  const emit = () => opts.onUpdate?.(snapshot());
  const terminal = () => st.status === "done" || st.status === "error" || st.status === "closed";

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const h = setT(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearT(h);
        wake = null;
        resolve();
      };
    });

  function apply(ev: SSEMessage): void {
    const id = ev.id != null && ev.id !== "" ? Number(ev.id) : NaN;
    if (Number.isFinite(id)) {
      if (st.lastEventId != null && id <= st.lastEventId) {
        st.duplicates++;
        return;
      }
    }
    let data: Record<string, unknown> = {};
    try {
      data = ev.data ? (JSON.parse(ev.data) as Record<string, unknown>) : {};
    } catch {
      data = {};
    }
    switch (ev.event) {
      case "start": {
        const d = data as unknown as StartData;
        if (typeof d.attempt === "number") st.attempt = d.attempt;
        if (typeof d.provider === "string") st.provider = d.provider;
        if (typeof d.model === "string") st.model = d.model;
        st.status = "streaming";
        break;
      }
      case "token":
        st.text += typeof data.text === "string" ? data.text : "";
        st.status = "streaming";
        break;
      case "tool":
        st.tools = applyToolEvent(st.tools, data);
        break;
      case "reset":
        st.text = "";
        st.tools = [];
        st.resets++;
        if (typeof data.attempt === "number") st.attempt = data.attempt;
        break;
      case "final": {
        const d = data as unknown as FinalData;
        const checks = parseChecks(data.checks);
        if (checks) d.checks = checks;
        else delete d.checks;
        if (Array.isArray(data.tools)) {
          d.tools = parseTools(data.tools);
          st.tools = d.tools;
        } else delete d.tools;
        st.final = d;
        if (typeof d.provider === "string") st.provider = d.provider;
        if (typeof d.model === "string") st.model = d.model;
        st.status = "done";
        break;
      }
      case "error":
        st.error = {
          code: typeof data.code === "string" ? data.code : "internal",
          message: typeof data.message === "string" ? data.message : "The answer failed.",
        };
        st.status = "error";
        break;
      default:
        return; // unknown event types are ignored, and do not move the resume point
    }
    if (Number.isFinite(id)) st.lastEventId = id;
    opts.onEvent?.(ev, snapshot());
    emit();
  }

  /** One connection. Returns "terminal" once final/error arrived, "retry" to reconnect
   * (with `progress` true when at least one new event was applied). */
  async function connectOnce(): Promise<{ outcome: "terminal" | "retry" | "auth" | "fatal"; progress: boolean }> {
    const ctrl = new AbortController();
    current = ctrl;
    let progress = false;
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (st.lastEventId != null) headers["Last-Event-ID"] = String(st.lastEventId);
    let res: Response;
    let timer: unknown = null;
    const arm = () => {
      if (timer != null) clearT(timer);
      timer = setT(() => ctrl.abort(), heartbeatMs);
    };
    try {
      arm();
      res = await doFetch(streamUrl(base, st.requestId, st.lastEventId), {
        method: "GET",
        headers,
        credentials: "same-origin",
        cache: "no-store",
        signal: ctrl.signal,
      });
    } catch {
      if (timer != null) clearT(timer);
      return { outcome: "retry", progress };
    }
    if (res.status === 401) {
      if (timer != null) clearT(timer);
      return { outcome: "auth", progress };
    }
    if (!res.ok || !res.body) {
      if (timer != null) clearT(timer);
      if (res.status >= 500 || res.status === 429 || res.status === 408) return { outcome: "retry", progress };
      let code = "stream_failed";
      let message = `The answer stream could not be opened (HTTP ${res.status}).`;
      try {
        const body = (await res.json()) as { error?: { code?: string; message?: string } };
        if (body.error?.code) code = body.error.code;
        if (body.error?.message) message = body.error.message;
      } catch {
        /* not JSON */
      }
      st.error = { code, message };
      st.status = "error";
      return { outcome: "fatal", progress };
    }
    if (st.status === "connecting" || st.status === "reconnecting") {
      st.status = "streaming";
      emit();
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SSEParser();
    try {
      for (;;) {
        arm();
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        for (const ev of parser.push(text)) {
          const before = st.lastEventId;
          apply(ev);
          if (st.lastEventId !== before) progress = true;
          if (terminal()) {
            ctrl.abort();
            return { outcome: "terminal", progress };
          }
        }
      }
    } catch {
      /* aborted (heartbeat timeout or close) or network error: reconnect below */
    } finally {
      if (timer != null) clearT(timer);
      try {
        reader.releaseLock();
      } catch {
        /* already released */
      }
    }
    return { outcome: "retry", progress };
  }

  async function run(): Promise<StreamState> {
    let failures = 0;
    let authRetries = 0;
    emit();
    while (!closed && !terminal()) {
      const { outcome, progress } = await connectOnce();
      if (closed) break;
      if (outcome === "terminal" || outcome === "fatal") break;
      if (outcome === "auth") {
        const ok = authRetries < 2 && opts.onUnauthorized ? await opts.onUnauthorized() : false;
        authRetries++;
        if (!ok) {
          st.error = { code: "unauthorized", message: "Your session has expired. Sign in again to continue." };
          st.status = "error";
          break;
        }
        continue;
      }
      failures = progress ? 1 : failures + 1;
      if (failures > maxRetries) {
        st.error = { code: "network", message: "Lost the connection to the answer stream." };
        st.status = "error";
        break;
      }
      st.status = "reconnecting";
      st.reconnects++;
      emit();
      await sleep(backoff(failures));
    }
    if (closed && !terminal()) st.status = "closed";
    emit();
    return snapshot();
  }

  const done = run();
  return {
    done,
    close() {
      if (closed) return;
      closed = true;
      current?.abort();
      wake?.();
    },
    state: snapshot,
  };
}
