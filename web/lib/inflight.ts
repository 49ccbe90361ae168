// The answer being streamed, kept in sessionStorage so that a reload (or a crash of the tab's
// page) resumes it: the request id, the text assembled so far and the id of the last event
// applied to it, written together on every event. On reload the chat reconnects with
// Last-Event-ID = lastEventId and appends to `text`, so nothing is lost or duplicated; the
// tool calls seen so far (`tools`) are kept the same way, as the events after lastEventId
// only finish them.

import type { ToolCall } from "./tools";

export interface InFlight {
  conversationId: string;
  requestId: string;
  text: string;
  tools?: ToolCall[];
  lastEventId: number | null;
  attempt: number;
  provider: string | null;
  model: string | null;
  startedAt: number;
}

const KEY = "finchat.inflight";

function store(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function loadInFlight(conversationId?: string): InFlight | null {
  const s = store();
  const raw = s?.getItem(KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as InFlight;
    if (!v.requestId || !v.conversationId) return null;
    if (conversationId && v.conversationId !== conversationId) return null;
    return v;
  } catch {
    return null;
  }
}

export function saveInFlight(v: InFlight): void {
  try {
    store()?.setItem(KEY, JSON.stringify(v));
  } catch {
    /* storage full or disabled: resume then falls back to a replay from the start */
  }
}

export function clearInFlight(requestId?: string): void {
  const s = store();
  if (!s) return;
  if (requestId) {
    const cur = loadInFlight();
    if (cur && cur.requestId !== requestId) return;
  }
  s.removeItem(KEY);
}
