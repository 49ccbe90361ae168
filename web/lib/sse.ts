// Incremental parser for the text/event-stream format (WHATWG HTML §9.2.6), fed with
// decoded text chunks as they arrive. Pure: no I/O, no timers.

export interface SSEMessage {
  /** `event:` field, "message" when absent. */
  event: string;
  /** `data:` lines joined with "\n". */
  data: string;
  /** `id:` field of this event, or null when the event had none. */
  id: string | null;
}

export class SSEParser {
  private buf = "";
  private event = "";
  private data: string[] = [];
  private id: string | null = null;
  private sawData = false;
  /** Number of comment lines (": ping") seen so far. */
  comments = 0;

  /** Feeds a chunk of text; returns the events completed by it, in order. */
  push(chunk: string): SSEMessage[] {
    this.buf += chunk;
    const out: SSEMessage[] = [];
    for (;;) {
      // A line ends at \r\n, \n or \r. A trailing lone \r may be the first half of \r\n:
      // keep it until the next chunk tells.
      const m = /\r\n|\n|\r/.exec(this.buf);
      if (!m) break;
      if (m[0] === "\r" && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SSEMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) {
      this.comments++;
      return null;
    }
    const colon = line.indexOf(":");
    let field = line;
    let value = "";
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
    }
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        this.sawData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.id = value;
        break;
      default:
        break; // "retry" and unknown fields are ignored: reconnection is ours to pace.
    }
    return null;
  }

  private dispatch(): SSEMessage | null {
    const msg: SSEMessage | null = this.sawData
      ? { event: this.event || "message", data: this.data.join("\n"), id: this.id }
      : null;
    this.event = "";
    this.data = [];
    this.sawData = false;
    this.id = null;
    return msg;
  }
}
