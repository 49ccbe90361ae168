"use client";

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { api, ApiError, errorMessage, recoverSession } from "@/lib/api";
import { useDebounced } from "@/lib/hooks";
import { clearInFlight, loadInFlight, saveInFlight } from "@/lib/inflight";
import { Markdown } from "@/lib/markdown";
import { openStream, type FinalData, type StreamHandle, type StreamState } from "@/lib/stream";
import { duration, relativeTime } from "@/lib/format";
import { parseChecks, parseTools, type ToolCall } from "@/lib/tools";
import type { Accepted, Conversation, Message, Page } from "@/lib/types";
import { Badge, Empty, ErrorBox, Loading } from "../ui";
import { Icon } from "../icons";
import { AnswerChecks, ToolActivity } from "../tools";

const MAX_CHARS = 4000;
/** A finished answer this tab was streaming is still replayed from its stream for this long. */
const RESUME_FINISHED_MS = 10 * 60_000;
const SUGGESTIONS = [
  "How much did I spend this month?",
  "What's my biggest financial risk right now?",
  "Which subscriptions could I cancel?",
  "Am I on track with my budgets?",
];

interface Live {
  conversationId: string;
  requestId: string;
  text: string;
  /** The answer's tool calls so far (running ones shown as "Looking up …"). */
  tools: ToolCall[];
  status: StreamState["status"];
  provider: string | null;
  model: string | null;
  final: FinalData | null;
  error: { code: string; message: string } | null;
  stopping: boolean;
  /** The answer restarted (provider failover): the partial text was discarded. */
  resets: number;
  /** Assistant message this answer replaces (regenerate), hidden while streaming. */
  replaces: string | null;
  startedAt: number;
}

interface StreamRecord {
  text: string; status: string; lastEventId: number | null; reconnects: number; duplicates: number; resets: number;
  /** Every state a tool call was seen in, in order, once each. */
  toolLog: Array<{ id: string; status: string; label: string }>;
}

/** The latest state of every stream this page read, by request id: lets the browser tests
 * compare what was streamed with the stored message. Holds nothing the page doesn't show. */
function recordStream(s: StreamState) {
  const w = window as unknown as { __finchatStreams?: Record<string, StreamRecord> };
  w.__finchatStreams ??= {};
  const toolLog = w.__finchatStreams[s.requestId]?.toolLog ?? [];
  for (const t of s.tools) {
    if (!toolLog.some((e) => e.id === t.id && e.status === t.status && e.label === t.label)) toolLog.push({ id: t.id, status: t.status, label: t.label });
  }
  w.__finchatStreams[s.requestId] = { text: s.text, status: s.status, lastEventId: s.lastEventId, reconnects: s.reconnects, duplicates: s.duplicates, resets: s.resets, toolLog };
}

function readConvParam(): string | null {
  if (typeof window === "undefined") return null;
  return new URLSearchParams(window.location.search).get("c");
}

function draftKey(id: string | null) {
  return `finchat.draft.${id ?? "new"}`;
}

export function ChatView() {
  const [activeId, setActiveId] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [search, setSearch] = useState("");
  const q = useDebounced(search, 250);
  const [convs, setConvs] = useState<Conversation[] | null>(null);
  const [convError, setConvError] = useState<unknown>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [msgError, setMsgError] = useState<unknown>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<{ error: unknown; text: string } | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const streamRef = useRef<StreamHandle | null>(null);
  const liveRef = useRef<Live | null>(null);
  const activeRef = useRef<string | null>(null);
  const listEnd = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const composer = useRef<HTMLTextAreaElement>(null);

  liveRef.current = live;
  activeRef.current = activeId;

  // ---- URL state (?c=<conversation id>) -------------------------------------------------
  useEffect(() => {
    setActiveId(readConvParam());
    setReady(true);
    const onPop = () => setActiveId(readConvParam());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const select = useCallback((id: string | null, replace = false) => {
    const url = id ? `/chat/?c=${encodeURIComponent(id)}` : "/chat/";
    if (replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
    setActiveId(id);
    setSendError(null);
    setRenaming(null);
    setConfirmDelete(false);
  }, []);

  // ---- conversations ---------------------------------------------------------------------
  const loadConvs = useCallback(async () => {
    try {
      const page = await api<Page<Conversation>>("/conversations", { query: { q, limit: 100 } });
      setConvs(page.items);
      setConvError(null);
    } catch (e) {
      setConvError(e);
    }
  }, [q]);
  useEffect(() => {
    void loadConvs();
  }, [loadConvs]);

  // ---- messages of the active conversation ------------------------------------------------
  const loadMessages = useCallback(async (id: string) => {
    try {
      const r = await api<{ items: Message[] }>(`/conversations/${id}/messages`);
      if (activeRef.current === id) {
        setMessages(r.items);
        setMsgError(null);
      }
      return r.items;
    } catch (e) {
      if (activeRef.current === id) setMsgError(e);
      return null;
    }
  }, []);

  // Draft per conversation survives reloads and re-logins.
  useEffect(() => {
    if (!ready) return;
    try {
      setDraft(sessionStorage.getItem(draftKey(activeId)) ?? "");
    } catch {
      setDraft("");
    }
  }, [activeId, ready]);
  useEffect(() => {
    if (!ready) return;
    try {
      if (draft) sessionStorage.setItem(draftKey(activeId), draft);
      else sessionStorage.removeItem(draftKey(activeId));
    } catch {
      /* ignore */
    }
  }, [draft, activeId, ready]);

  // ---- streaming --------------------------------------------------------------------------
  const finishStream = useCallback(
    async (conversationId: string, requestId: string, streamedText = "") => {
      // The stored message is authoritative: show it once it is final (and, after a Stop,
      // once the worker has stored the partial text, so the answer doesn't blink away).
      for (const wait of [0, 400, 1200, 2500]) {
        if (wait) await new Promise((r) => setTimeout(r, wait));
        if (activeRef.current !== conversationId) break;
        const items = await loadMessages(conversationId);
        const stored = items?.find((m) => m.role === "assistant" && m.request_id === requestId);
        if (stored && stored.status !== "pending" && stored.status !== "streaming" && (stored.text !== "" || streamedText === "")) break;
      }
      setLive((l) => (l && l.requestId === requestId && (l.status === "done" || l.stopping) ? null : l));
      void loadConvs();
    },
    [loadMessages, loadConvs],
  );

  const startStream = useCallback(
    (conversationId: string, requestId: string, opts: { replaces?: string | null; resume?: boolean } = {}) => {
      if (streamRef.current && liveRef.current?.requestId === requestId) return;
      streamRef.current?.close();
      const saved = opts.resume ? loadInFlight(conversationId) : null;
      const resumeFrom = saved && saved.requestId === requestId ? saved : null;
      const startedAt = resumeFrom?.startedAt ?? Date.now();
      const base: Live = {
        conversationId,
        requestId,
        text: resumeFrom?.text ?? "",
        tools: resumeFrom?.tools ?? [],
        status: "connecting",
        provider: resumeFrom?.provider ?? null,
        model: resumeFrom?.model ?? null,
        final: null,
        error: null,
        stopping: false,
        resets: 0,
        replaces: opts.replaces ?? null,
        startedAt,
      };
      setLive(base);
      stickToBottom.current = true;
      saveInFlight({ conversationId, requestId, text: base.text, tools: base.tools, lastEventId: resumeFrom?.lastEventId ?? null, attempt: resumeFrom?.attempt ?? 0, provider: base.provider, model: base.model, startedAt });
      const h = openStream({
        requestId,
        lastEventId: resumeFrom?.lastEventId ?? null,
        initialText: resumeFrom?.text ?? "",
        initialTools: resumeFrom?.tools ?? [],
        initial: resumeFrom ? { attempt: resumeFrom.attempt, provider: resumeFrom.provider, model: resumeFrom.model } : undefined,
        onUnauthorized: recoverSession,
        onUpdate: (s) => {
          if (s.status !== "closed") {
            saveInFlight({ conversationId, requestId, text: s.text, tools: s.tools, lastEventId: s.lastEventId, attempt: s.attempt, provider: s.provider, model: s.model, startedAt });
          }
          recordStream(s);
          setLive((l) =>
            l && l.requestId === requestId
              ? { ...l, text: s.text, tools: s.tools, status: s.status, provider: s.provider, model: s.model, final: s.final, error: s.error, resets: s.resets }
              : l,
          );
        },
      });
      streamRef.current = h;
      void h.done.then((s) => {
        if (streamRef.current === h) streamRef.current = null;
        if (s.status === "closed") return; // left the page or switched conversation: resume later
        clearInFlight(requestId);
        if (s.status === "error" && s.error?.code === "not_found" && opts.resume) {
          // The stream is gone (expired): the stored message is all there is.
          setLive((l) => (l && l.requestId === requestId ? null : l));
          void loadMessages(conversationId);
          return;
        }
        void finishStream(conversationId, requestId, s.text);
      });
    },
    [finishStream, loadMessages],
  );

  // On entering a conversation: load its messages, then resume an answer still in flight
  // (from sessionStorage after a reload, or one the server reports as streaming).
  useEffect(() => {
    if (!ready) return;
    setMessages(null);
    setMsgError(null);
    if (streamRef.current && liveRef.current?.conversationId !== activeId) {
      streamRef.current.close();
      streamRef.current = null;
      setLive(null);
    }
    if (!activeId) return;
    let cancelled = false;
    void (async () => {
      const items = await loadMessages(activeId);
      if (cancelled || !items) return;
      const saved = loadInFlight(activeId);
      const storedSaved = saved ? items.find((m) => m.role === "assistant" && m.request_id === saved.requestId) : undefined;
      const finished = !!storedSaved && (storedSaved.status === "complete" || storedSaved.status === "error" || storedSaved.status === "canceled");
      // Resume what this tab was reading, even when the answer finished meanwhile (the stream
      // replays after Last-Event-ID, SPEC §8), so the text shown is exactly what was stored.
      if (saved && (!finished || Date.now() - saved.startedAt < RESUME_FINISHED_MS)) {
        startStream(activeId, saved.requestId, { resume: true });
        return;
      }
      if (saved) clearInFlight(saved.requestId);
      const last = items[items.length - 1];
      if (last && last.role === "assistant" && (last.status === "streaming" || last.status === "pending") && last.request_id) {
        startStream(activeId, last.request_id);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [activeId, ready, loadMessages, startStream]);

  useEffect(() => () => streamRef.current?.close(), []);

  // ---- actions -----------------------------------------------------------------------------
  async function send(text: string) {
    const body = text.trim();
    if (!body || sending || (live && !live.error && live.status !== "done")) return;
    setSending(true);
    setSendError(null);
    let convId = activeId;
    try {
      if (!convId) {
        const conv = await api<Conversation>("/conversations", { json: { title: body.slice(0, 60) } });
        convId = conv.id;
        setConvs((cs) => [conv, ...(cs ?? [])]);
        try {
          sessionStorage.removeItem(draftKey(null));
        } catch {
          /* ignore */
        }
        activeRef.current = conv.id;
        select(conv.id, true);
      }
      const optimistic: Message = {
        id: `local-${Date.now()}`,
        conversation_id: convId,
        role: "user",
        text: body,
        status: "complete",
        request_id: null,
        provider: null,
        model: null,
        usage: null,
        latency_ms: null,
        attempt: null,
        created_at: new Date().toISOString(),
      };
      setMessages((ms) => [...(ms ?? []), optimistic]);
      const acc = await api<Accepted>(`/conversations/${convId}/messages`, { json: { text: body } });
      setDraft("");
      try {
        sessionStorage.removeItem(draftKey(convId));
      } catch {
        /* ignore */
      }
      startStream(convId, acc.request_id);
    } catch (e) {
      setMessages((ms) => (ms ?? []).filter((m) => !m.id.startsWith("local-")));
      setSendError({ error: e, text: body });
    } finally {
      setSending(false);
      composer.current?.focus();
    }
  }

  async function stop() {
    const l = liveRef.current;
    if (!l) return;
    setLive({ ...l, stopping: true });
    try {
      await api(`/streams/${l.requestId}/cancel`, { method: "POST" });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) {
        setLive((x) => (x ? { ...x, stopping: false } : x));
        setSendError({ error: e, text: "" });
        return;
      }
    }
    // The stream ends with an `error`/`final` event; if it doesn't promptly, stop reading.
    const h = streamRef.current;
    setTimeout(() => {
      if (h && streamRef.current === h) {
        h.close();
        streamRef.current = null;
        clearInFlight(l.requestId);
        void finishStream(l.conversationId, l.requestId, h.state().text);
      }
    }, 4000);
  }

  async function regenerate() {
    if (!activeId || (live && live.status !== "done" && !live.error)) return;
    setSendError(null);
    const lastAssistant = [...(messages ?? [])].reverse().find((m) => m.role === "assistant");
    try {
      const acc = await api<Accepted>(`/conversations/${activeId}/regenerate`, { method: "POST" });
      startStream(activeId, acc.request_id, { replaces: lastAssistant?.id ?? null });
    } catch (e) {
      setSendError({ error: e, text: "" });
    }
  }

  async function rename(id: string, title: string) {
    const t = title.trim();
    if (!t) return;
    try {
      const c = await api<Conversation>(`/conversations/${id}`, { method: "PATCH", json: { title: t } });
      setConvs((cs) => (cs ?? []).map((x) => (x.id === id ? { ...x, ...c } : x)));
      setRenaming(null);
    } catch (e) {
      setSendError({ error: e, text: "" });
    }
  }

  async function remove(id: string) {
    try {
      await api(`/conversations/${id}`, { method: "DELETE" });
      setConvs((cs) => (cs ?? []).filter((x) => x.id !== id));
      clearInFlight();
      select(null, true);
    } catch (e) {
      setSendError({ error: e, text: "" });
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send(draft);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void send(draft);
  }

  // ---- scrolling -----------------------------------------------------------------------------
  useLayoutEffect(() => {
    if (stickToBottom.current && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [messages, live?.text, live?.status, live?.tools]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  const active = useMemo(() => convs?.find((c) => c.id === activeId) ?? null, [convs, activeId]);
  const streaming = !!live && !live.error && live.status !== "done" && live.status !== "closed";
  const shown = (messages ?? []).filter((m) => !(live && ((m.request_id && m.request_id === live.requestId && m.role === "assistant") || m.id === live.replaces)));
  const lastAssistant = [...shown].reverse().find((m) => m.role === "assistant");

  return (
    <div className={`chat ${activeId ? "list-hidden" : ""}`}>
      <section className="card chat-list" aria-labelledby="conv-heading">
        <div className="row-between">
          <h2 id="conv-heading">Conversations</h2>
          <button type="button" className="btn btn-sm btn-primary" onClick={() => select(null)}>
            <Icon.plus /> New chat
          </button>
        </div>
        <div className="field">
          <label htmlFor="conv-search">Search conversations</label>
          <input id="conv-search" type="search" className="input" placeholder="Title or message…" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        {convError ? <ErrorBox error={convError} onRetry={() => void loadConvs()} /> : null}
        {!convs && !convError ? <Loading rows={4} /> : null}
        {convs && convs.length === 0 ? <Empty>{q ? "No conversation matches." : "No conversations yet."}</Empty> : null}
        {convs && convs.length > 0 ? (
          <ul aria-label="Conversations">
            {convs.map((c) => (
              <li key={c.id} className="conv">
                <a
                  href={`/chat/?c=${c.id}`}
                  aria-current={c.id === activeId ? "true" : undefined}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    select(c.id);
                  }}
                >
                  <span className="conv-title">{c.title || "Untitled"}</span>
                  <small>{c.last_message ? c.last_message : relativeTime(c.updated_at)}</small>
                </a>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section className="card chat-thread" aria-labelledby="thread-title">
        <div className="thread-head">
          <div className="thread-title-row">
            {activeId ? (
              <button type="button" className="btn btn-sm btn-ghost mobile-only" onClick={() => select(null)}>
                ← All conversations
              </button>
            ) : null}
            {renaming !== null && activeId ? (
              <form
                className="row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void rename(activeId, renaming);
                }}
              >
                <label htmlFor="rename-input" className="label">
                  Title
                </label>
                <input id="rename-input" className="input" style={{ width: "min(260px, 50vw)" }} value={renaming} onChange={(e) => setRenaming(e.target.value)} maxLength={200} autoFocus />
                <button type="submit" className="btn btn-sm btn-primary">Save title</button>
                <button type="button" className="btn btn-sm" onClick={() => setRenaming(null)}>Cancel</button>
              </form>
            ) : (
              <h1 id="thread-title" className="ellipsis" style={{ fontSize: "1.05rem" }}>
                {activeId ? active?.title || "Conversation" : "New conversation"}
              </h1>
            )}
          </div>
          {activeId && renaming === null ? (
            <div className="row thread-actions">
              {confirmDelete ? (
                <>
                  <span className="small">Delete this conversation?</span>
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(activeId)}>Delete</button>
                  <button type="button" className="btn btn-sm" onClick={() => setConfirmDelete(false)}>Keep</button>
                </>
              ) : (
                <>
                  <button type="button" className="btn btn-sm" onClick={() => setRenaming(active?.title ?? "")}>Rename</button>
                  <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirmDelete(true)}>Delete</button>
                </>
              )}
            </div>
          ) : null}
        </div>

        <div className="messages" ref={scroller} onScroll={onScroll} aria-live="off" data-testid="messages">
          {msgError ? <ErrorBox error={msgError} onRetry={() => activeId && void loadMessages(activeId)} /> : null}
          {activeId && !messages && !msgError ? <Loading rows={3} label="Loading messages…" /> : null}
          {!activeId ? (
            <div className="empty stack" style={{ margin: "auto", maxWidth: 520 }}>
              <Icon.sparkle />
              <h2>Ask about your money</h2>
              <p>Answers come from your actual accounts, transactions and budgets.</p>
              <div className="suggestions">
                {SUGGESTIONS.map((s) => (
                  <button key={s} type="button" className="btn btn-sm" onClick={() => void send(s)} disabled={sending}>
                    {s}
                  </button>
                ))}
              </div>
            </div>
          ) : null}
          {shown.map((m) =>
            m.role === "user" ? (
              <div key={m.id} className="msg msg-user" data-testid="user-message">
                {m.text}
              </div>
            ) : (
              <AssistantMessage key={m.id} m={m} canRegenerate={!streaming && m.id === lastAssistant?.id} onRegenerate={() => void regenerate()} />
            ),
          )}
          {live ? <LiveAnswer live={live} onRetry={() => void regenerate()} /> : null}
          <div ref={listEnd} />
        </div>

        <form className="composer" onSubmit={onSubmit}>
          {sendError ? (
            <div className="alert alert-bad" role="alert">
              <div className="grow">
                <strong>{sendError.text ? "Your message wasn't sent" : "That didn't work"}</strong>
                <span className="small">{errorMessage(sendError.error)}</span>
              </div>
              {sendError.text && !(sendError.error instanceof ApiError && sendError.error.code === "prompt_rejected") ? (
                <button type="button" className="btn btn-sm" onClick={() => void send(sendError.text)}>
                  Retry
                </button>
              ) : null}
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setSendError(null)}>
                Dismiss
              </button>
            </div>
          ) : null}
          <label htmlFor="composer" className="label">
            Message
          </label>
          <textarea
            id="composer"
            ref={composer}
            className="textarea"
            rows={2}
            placeholder="Ask about your spending, budgets, subscriptions…"
            value={draft}
            maxLength={MAX_CHARS}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
            aria-describedby="composer-hint"
          />
          <div className="row-between">
            <span id="composer-hint" className="hint">
              {draft.length > MAX_CHARS - 400 ? `${draft.length}/${MAX_CHARS} characters` : "Enter sends · Shift+Enter adds a line"}
            </span>
            {streaming ? (
              <button type="button" className="btn btn-danger" onClick={() => void stop()} disabled={live?.stopping}>
                <Icon.stop /> {live?.stopping ? "Stopping…" : "Stop generating"}
              </button>
            ) : (
              <button type="submit" className="btn btn-primary" disabled={sending || !draft.trim()}>
                <Icon.send /> {sending ? "Sending…" : "Send message"}
              </button>
            )}
          </div>
        </form>
      </section>
    </div>
  );
}

function Meta({ provider, model, latencyMs, ttftMs, tokens, promptTokens }: { provider: string | null; model: string | null; latencyMs?: number | null; ttftMs?: number | null; tokens?: number | null; promptTokens?: number | null }) {
  return (
    <div className="msg-meta">
      {provider ? (
        <Badge tone="accent">
          <span data-testid="provider-badge">{provider}</span>
          {model ? <span className="muted"> · {model}</span> : null}
        </Badge>
      ) : null}
      {ttftMs != null ? <span>first token {duration(ttftMs)}</span> : null}
      {latencyMs != null ? <span>· {duration(latencyMs)}</span> : null}
      {tokens != null ? <span title={promptTokens != null ? `${promptTokens} prompt tokens, ${tokens} answer tokens` : undefined}>· {tokens} tokens{promptTokens ? ` (${promptTokens} in)` : ""}</span> : null}
    </div>
  );
}

function AssistantMessage({ m, canRegenerate, onRegenerate }: { m: Message; canRegenerate: boolean; onRegenerate: () => void }) {
  // Stored messages are read as untrusted JSON: parsed, not cast.
  const tools = useMemo(() => parseTools(m.tools), [m.tools]);
  const checks = useMemo(() => parseChecks(m.checks), [m.checks]);
  return (
    <div className="msg msg-assistant" data-testid="assistant-message" data-message-id={m.id} data-request-id={m.request_id ?? undefined} data-status={m.status}>
      <div className="bubble">
        {m.text ? <Markdown text={m.text} unverified={checks?.unverified} /> : <span className="muted">{m.status === "error" ? "No answer." : "…"}</span>}
        {m.status === "canceled" ? <p className="hint" style={{ marginTop: 8 }}>Stopped before the end.</p> : null}
        {m.status === "error" ? <p className="hint" style={{ marginTop: 8 }}>This answer failed.</p> : null}
      </div>
      <AnswerChecks tools={tools} checks={checks} />
      <div className="msg-foot">
        <Meta provider={m.provider} model={m.model} latencyMs={m.latency_ms} tokens={m.usage?.completion_tokens ?? null} promptTokens={m.usage?.prompt_tokens ?? null} />
        {canRegenerate ? (
          <button type="button" className="btn btn-sm btn-ghost" onClick={onRegenerate}>
            <Icon.refresh /> Regenerate answer
          </button>
        ) : null}
      </div>
    </div>
  );
}

function LiveAnswer({ live, onRetry }: { live: Live; onRetry: () => void }) {
  const streaming = !live.error && live.status !== "done" && live.status !== "closed";
  const stopped = live.error?.code === "canceled" || live.stopping;
  const checks = live.final?.checks ?? null;
  const lookingUp = streaming && live.tools.some((t) => t.status === "running");
  return (
    <div className="msg msg-assistant" data-testid="live-answer" data-request-id={live.requestId} data-status={live.status} aria-busy={streaming}>
      <div className="bubble">
        {live.text ? (
          <div className={streaming ? "cursor-wrap" : undefined}>
            <Markdown text={live.text} unverified={checks?.unverified} />
            {streaming && !lookingUp ? <span className="cursor" aria-hidden="true" /> : null}
          </div>
        ) : streaming && !lookingUp ? (
          <span className="muted cursor">{live.status === "reconnecting" ? "Reconnecting" : "Thinking"}</span>
        ) : null}
        {streaming ? <ToolActivity tools={live.tools} /> : null}
        {live.status === "reconnecting" ? <p className="hint">Connection lost, resuming…</p> : null}
        {live.resets > 0 && streaming ? <p className="hint">The first provider failed; another one is answering from the start.</p> : null}
      </div>
      {live.error && !stopped ? (
        <div className="alert alert-bad" role="alert" style={{ marginTop: 8 }}>
          <div className="grow">
            <strong>The answer failed</strong>
            <span className="small">{live.error.message}</span>
          </div>
          <button type="button" className="btn btn-sm" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
      {stopped && !streaming ? <p className="hint">Stopped.</p> : null}
      <AnswerChecks tools={live.tools} checks={checks} />
      <Meta provider={live.provider} model={live.model} ttftMs={live.final?.timings.ttft_ms} latencyMs={live.final?.timings.total_ms} tokens={live.final?.usage.completion_tokens} promptTokens={live.final?.usage.prompt_tokens} />
      <span className="sr-only" role="status">{streaming ? "Answer streaming" : live.status === "done" ? "Answer complete" : ""}</span>
    </div>
  );
}
