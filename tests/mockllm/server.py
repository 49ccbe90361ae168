#!/usr/bin/env python3
"""mockllm - a scripted LLM server for finchat's tests and benchmarks (Python 3 stdlib only).

Speaks three protocols, streaming a scripted answer at a known pace:
  POST .../chat/completions   OpenAI chat completions (SSE; stream_options.include_usage)
  POST .../v1/messages        Anthropic Messages (SSE events)
  POST .../api/chat           Ollama native chat (NDJSON)
  GET  .../models             an OpenAI model list naming "mock"

The answer is --text split into words (each token is a word with its following space), or,
without --text, "tok0 tok1 ... tok{N-1}" for N = --tokens. Tokens are sent at --tps tokens per
second per stream (0 = as fast as possible); the first token comes --ttft-ms after the
response headers (default: one token period), so the provider's own time to first token is
known exactly.

Misbehaviour is chosen per request, first from the failure queue (POST /__fail), else from
the model name "mock-<behaviour>[:<arg>]" or the X-Mock-Behavior header:
  429[:s]        429 with Retry-After: s (default --retry-after)
  500            500 with a JSON error body
  401            401 unauthorized
  stall[:ms]     200 and headers, then nothing for ms (default: until the client goes away)
  hang[:n]       n tokens (default 2), then nothing until the client goes away
  cut[:n]        n tokens (default 3), then the socket is closed mid-stream
  malformed[:n]  n tokens (default 0), then a chunk that is not JSON
  error[:n]      n tokens (default 0), then the protocol's in-stream error message
  nodone         all tokens, then the stream ends without its completion marker
  slow[:tps]     normal, at tps tokens per second (default 2)
A model name without a known behaviour (e.g. "mock", "gpt-4o-mini") gets the normal answer.
Per request, X-Mock-Tps, X-Mock-Tokens and X-Mock-Ttft-Ms override the pace, the answer
length and the time to first token.

Scripted tool rounds (a tool-using model):
  POST /__script {"scripts":[SCRIPT, ...]} replaces the scripts (POST /__reset clears them).
  SCRIPT = {"match": "substring of the last user message, case-insensitive (optional: all)",
            "rounds": [ROUND, ...]}
  ROUND  = {"text": "answer text"}                                    a final answer
         | {"text": "optional text said before the calls",
            "tool_calls": [CALL, ...],           1..n calls = parallel calls
            "split": N,                          optional: each call's arguments in N-byte pieces
            "final_text": "..."}                 optional: the answer when the request offers no
                                                 tools (default "I could not look anything else up.")
         | {"behavior": "500"}                  this round misbehaves as the behaviour named
                                                 (below; "name:arg" allowed): a provider that
                                                 fails after earlier tool rounds
  CALL   = {"name": "tool_name", "arguments": {...}}          arguments sent as their JSON text
         | {"name": "tool_name", "arguments_raw": "{not json"} arguments text sent as is
  The first script whose "match" occurs in the request's last user message is used (OpenAI and
  Ollama: the last "user" message; Anthropic: the last user turn with text, not one holding
  only tool_result blocks); a request no script matches, or one with a misbehaviour (below),
  gets the normal behaviour. The round played is the number of tool rounds already in the
  request (assistant messages with tool_calls, Anthropic: assistant turns with tool_use
  blocks, after that user message); past the last ROUND the last one is played again. A
  request that offers no tools (OpenAI: no "tools" or tool_choice "none"; Anthropic: no
  "tools" or tool_choice {"type":"none"}; Ollama: no "tools") never gets tool calls: a tool
  ROUND then answers its "final_text". Text is streamed word by word at the normal pace; the
  calls follow at once, as the real APIs stream them:
    OpenAI     chunks with delta.tool_calls [{index, id:"call_<round>_<i>", type:"function",
               function:{name, arguments:""}}], then {index, function:{arguments:piece}} per
               piece; finish_reason "tool_calls".
    Anthropic  per call content_block_start {type:"tool_use", id:"toolu_<round>_<i>", name,
               input:{}} (block index after the text block, if any), an empty
               input_json_delta, one per piece, content_block_stop; message_delta stop_reason
               "tool_use".
    Ollama     one line whose message has tool_calls [{function:{name, arguments:{..}}}]
               (arguments_raw: the text as a string; "split" does not apply), then the done
               line. No call ids.
  <round> is the number of tool rounds in the request (0 first), <i> the call's position. A
  non-streaming request gets the same round as one JSON response. Each recorded request
  notes the script round it was answered with ("round"; null when no script matched).
  Like the real APIs, any request whose conversation is inconsistent is answered 400 with
  the protocol's error JSON (before any misbehaviour): an OpenAI tool message whose
  tool_call_id no earlier assistant tool_calls entry has, or an assistant tool_calls entry
  without its tool message (the tool messages follow it directly); an Anthropic tool_result
  whose tool_use_id does not answer a tool_use of the turn just before, a tool_use that the
  next turn does not answer with a tool_result, or a request with tool_use/tool_result
  blocks but no "tools".

Admin endpoints (JSON):
  GET  /__requests   recorded requests [{method,path,headers,body,behavior,round,ts,done}]
                     (last 10000; ts: arrival, done: answer sent or abandoned, Unix seconds;
                     done is null while the answer streams)
  POST /__reset      forget requests, scripts, the failure queue and the counters
  POST /__script     {"scripts":[...]}: replace the scripts (above); 400 when malformed
  POST /__fail       {"behavior":"500","times":2,"arg":"..."}: queue a behaviour for the next
                     requests, whatever their model
  POST /__config     {"tps":..,"tokens":..,"text":..,"retry_after":..,"ttft_ms":..}: change
                     the defaults
  GET  /__stats      {"active":..,"max_active":..,"total":..,"tokens_sent":..}
  GET  /__health     {"ok":true}

Start: python3 tests/mockllm/server.py --port N [--port-file F] [--tps 50] [--tokens 20]
       [--ttft-ms MS] [--text TEXT] [--retry-after S]
With --port 0 the kernel picks a free port; it is printed and written to --port-file.
"""

import argparse
import asyncio
import json
import os
import sys
import time

MAX_RECORDS = 10000
MAX_BODY = 8 * 1024 * 1024
DEFAULT_FINAL_TEXT = "I could not look anything else up."


class State:
    def __init__(self, args):
        self.tps = args.tps
        self.tokens = args.tokens
        self.text = args.text
        self.retry_after = args.retry_after
        self.ttft_ms = args.ttft_ms
        self.requests = []
        self.scripts = []  # POST /__script
        self.fail_queue = []  # [{"behavior","arg","times"}]
        self.active = 0
        self.max_active = 0
        self.total = 0
        self.tokens_sent = 0

    def script(self, ntokens=None):
        if self.text and ntokens is None:
            words = self.text.split(" ")
            return [w + " " for w in words[:-1]] + [words[-1]] if words else []
        n = self.tokens if ntokens is None else ntokens
        return ["tok%d%s" % (i, " " if i + 1 < n else "") for i in range(n)]

    def find_script(self, text):
        """The first script whose "match" occurs in @text (case-insensitive), or None."""
        low = (text or "").lower()
        for sc in self.scripts:
            m = sc.get("match")
            if not m or m.lower() in low:
                return sc
        return None

    def next_behavior(self, model, headers):
        if self.fail_queue:
            f = self.fail_queue[0]
            f["times"] -= 1
            if f["times"] <= 0:
                self.fail_queue.pop(0)
            return f["behavior"], f.get("arg")
        spec = headers.get("x-mock-behavior")
        if not spec and isinstance(model, str) and model.startswith("mock-"):
            spec = model[5:]
        if not spec:
            return "ok", None
        name, _, arg = spec.partition(":")
        return name, (arg or None)


def chunk(data):
    if isinstance(data, str):
        data = data.encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def http_head(status, reason, ctype, extra=None, length=None):
    lines = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: " + ctype,
             "Cache-Control: no-cache"]
    if length is None:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append("Content-Length: %d" % length)
    for k, v in (extra or {}).items():
        lines.append("%s: %s" % (k, v))
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def send_json(writer, status, reason, obj, extra=None):
    body = json.dumps(obj).encode()
    writer.write(http_head(status, reason, "application/json", extra, len(body)) + body)
    await writer.drain()


def prompt_chars(body):
    n = len(body.get("system") or "") if isinstance(body.get("system"), str) else 0
    for m in body.get("messages") or []:
        if isinstance(m, dict) and isinstance(m.get("content"), str):
            n += len(m["content"])
    return n


def words(text):
    """@text as stream tokens: each word with its following space."""
    if not text:
        return []
    ws = text.split(" ")
    return [w + " " for w in ws[:-1]] + [ws[-1]]


def content_text(content):
    """The text of a message content: a string, or the text parts of a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content
                       if isinstance(b, dict) and b.get("type") == "text"
                       and isinstance(b.get("text"), str))
    return ""


def call_args(call):
    """The arguments text of a scripted CALL."""
    if "arguments_raw" in call:
        return str(call["arguments_raw"])
    return json.dumps(call.get("arguments", {}))


def pieces(text, split):
    """@text in pieces of @split bytes (characters of the JSON text; all of it when unset)."""
    if not isinstance(split, int) or split <= 0 or not text:
        return [text]
    return [text[i:i + split] for i in range(0, len(text), split)]


def valid_scripts(body):
    """The scripts of a POST /__script body, or None when they are malformed."""
    scripts = body.get("scripts") if isinstance(body, dict) else None
    if not isinstance(scripts, list):
        return None
    for sc in scripts:
        if not isinstance(sc, dict) or not isinstance(sc.get("rounds"), list) or not sc["rounds"]:
            return None
        if "match" in sc and sc["match"] is not None and not isinstance(sc["match"], str):
            return None
        for r in sc["rounds"]:
            if not isinstance(r, dict):
                return None
            calls = r.get("tool_calls")
            if calls is not None and (not isinstance(calls, list) or not calls or not all(
                    isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls)):
                return None
    return scripts


STARTED = int(time.time())
TOKEN_CACHE = {}  # (protocol, model, text) -> the encoded HTTP chunk of that token


class Protocol:
    """Formats of one upstream protocol."""

    ctype = "text/event-stream"

    def __init__(self, model, body):
        self.model = model
        self.body = body
        self.id = "mock-%d" % STARTED

    def cached(self, text, make):
        """Token messages are the same for every stream: encode each one once."""
        key = (type(self).__name__, self.model, text)
        out = TOKEN_CACHE.get(key)
        if out is None:
            out = chunk(make())
            if len(TOKEN_CACHE) < 100000:
                TOKEN_CACHE[key] = out
        return out

    def error_body(self, kind, message):
        return {"error": {"message": message, "type": kind}}

    # The conversation, for scripts and checks.
    def messages(self):
        m = self.body.get("messages")
        return [x for x in m if isinstance(x, dict)] if isinstance(m, list) else []

    def is_user(self, m):
        return m.get("role") == "user"

    def is_tool_round(self, m):
        return m.get("role") == "assistant" and bool(m.get("tool_calls"))

    def offers_tools(self):
        return bool(self.body.get("tools"))

    def user_index(self):
        idx = -1
        for i, m in enumerate(self.messages()):
            if self.is_user(m):
                idx = i
        return idx

    def last_user_text(self):
        i = self.user_index()
        return content_text(self.messages()[i].get("content")) if i >= 0 else ""

    def tool_rounds(self):
        return sum(1 for m in self.messages()[self.user_index() + 1:] if self.is_tool_round(m))

    def check(self):
        """Why the conversation is inconsistent (as the real API would reject it), or None."""
        return None

    def script_start(self, has_text):
        return self.start()

    def script_end(self, prompt, completion, called, has_text):
        return self.end(prompt, completion)


class OpenAI(Protocol):
    def start(self):
        return [self.event({"choices": [{"index": 0, "delta": {"role": "assistant",
                                                                "content": ""},
                                         "finish_reason": None}]})]

    def event(self, obj):
        base = {"id": self.id, "object": "chat.completion.chunk", "created": STARTED,
                "model": self.model}
        base.update(obj)
        return "data: %s\n\n" % json.dumps(base)

    def token(self, text):
        return self.cached(text, lambda: self.event(
            {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}))

    def offers_tools(self):
        return bool(self.body.get("tools")) and self.body.get("tool_choice") != "none"

    def check(self):
        known, pending = set(), set()
        msgs = self.body.get("messages")
        for i, m in enumerate(msgs if isinstance(msgs, list) else []):
            if not isinstance(m, dict):
                continue
            if m.get("role") == "tool":
                tid = m.get("tool_call_id")
                if not isinstance(tid, str) or tid not in known:
                    return ("Invalid parameter: messages.[%d]: messages with role 'tool' must be a "
                            "response to a preceeding message with 'tool_calls' (tool_call_id %s)."
                            % (i, json.dumps(tid)))
                pending.discard(tid)
                continue
            if pending:
                break
            if m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list):
                pending = {c.get("id") for c in m["tool_calls"] if isinstance(c, dict)}
                known |= pending
        if pending:
            return ("An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                    "response messages: %s" % ", ".join(sorted(str(x) for x in pending)))
        return None

    def tool_piece(self, call):
        return self.event({"choices": [{"index": 0, "delta": {"tool_calls": [call]},
                                        "finish_reason": None}]})

    def script_calls(self, calls, rnd, split, has_text):
        out = []
        for i, c in enumerate(calls):
            out.append(self.tool_piece({"index": i, "id": "call_%d_%d" % (rnd, i),
                                        "type": "function",
                                        "function": {"name": c["name"], "arguments": ""}}))
            for piece in pieces(call_args(c), split):
                if piece:
                    out.append(self.tool_piece({"index": i, "function": {"arguments": piece}}))
        return out

    def script_end(self, prompt, completion, called, has_text):
        return self.end(prompt, completion, "tool_calls" if called else "stop")

    def script_full(self, text, calls, rnd, prompt, completion):
        out = self.full(text, prompt, completion)
        if calls:
            msg = out["choices"][0]["message"]
            msg["content"] = text or None
            msg["tool_calls"] = [{"id": "call_%d_%d" % (rnd, i), "type": "function",
                                  "function": {"name": c["name"], "arguments": call_args(c)}}
                                 for i, c in enumerate(calls)]
            out["choices"][0]["finish_reason"] = "tool_calls"
        return out

    def end(self, prompt, completion, reason="stop"):
        out = [self.event({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})]
        if (self.body.get("stream_options") or {}).get("include_usage"):
            out.append(self.event({"choices": [], "usage": {
                "prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}}))
        out.append("data: [DONE]\n\n")
        return out

    def malformed(self):
        return 'data: {"choices":[{"delta":{"content":"oops"\n\n'

    def stream_error(self):
        return "data: %s\n\n" % json.dumps(
            {"error": {"message": "The server had an error while processing your request.",
                       "type": "server_error"}})

    def full(self, text, prompt, completion):
        return {"id": self.id, "object": "chat.completion", "created": int(time.time()),
                "model": self.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion}}


class Anthropic(Protocol):
    def ev(self, name, obj):
        return "event: %s\ndata: %s\n\n" % (name, json.dumps(obj))

    def error_body(self, kind, message):
        return {"type": "error", "error": {"type": kind, "message": message}}

    def start(self, text_block=True):
        prompt = max(1, prompt_chars(self.body) // 4)
        out = [self.ev("message_start", {"type": "message_start", "message": {
                   "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                   "content": [], "stop_reason": None,
                   "usage": {"input_tokens": prompt, "output_tokens": 1}}})]
        if text_block:
            out.append(self.ev("content_block_start", {
                "type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}))
        out.append(self.ev("ping", {"type": "ping"}))
        return out

    @staticmethod
    def blocks(m):
        c = m.get("content")
        return [b for b in c if isinstance(b, dict)] if isinstance(c, list) else []

    def is_user(self, m):
        if m.get("role") != "user":
            return False
        if isinstance(m.get("content"), str):
            return True
        types = {b.get("type") for b in self.blocks(m)}
        return "text" in types and "tool_result" not in types

    def is_tool_round(self, m):
        return m.get("role") == "assistant" and any(
            b.get("type") == "tool_use" for b in self.blocks(m))

    def offers_tools(self):
        tc = self.body.get("tool_choice")
        return bool(self.body.get("tools")) and not (isinstance(tc, dict)
                                                     and tc.get("type") == "none")

    def check(self):
        msgs = self.messages()
        if not self.body.get("tools") and any(
                b.get("type") in ("tool_use", "tool_result") for m in msgs
                for b in self.blocks(m)):
            return "Requests which include `tool_use` or `tool_result` blocks must define tools."
        prev = set()
        for i, m in enumerate(msgs):
            blocks = self.blocks(m)
            answered = set()
            for j, b in enumerate(blocks):
                if b.get("type") != "tool_result":
                    continue
                rid = b.get("tool_use_id")
                if rid not in prev:
                    return ("messages.%d.content.%d: unexpected `tool_use_id` found in "
                            "`tool_result` blocks: %s. Each `tool_result` block must have a "
                            "corresponding `tool_use` block in the previous message."
                            % (i, j, rid))
                answered.add(rid)
            if prev - answered:
                return ("messages.%d: `tool_use` ids were found without `tool_result` blocks "
                        "immediately after: %s. Each `tool_use` block must have a corresponding "
                        "`tool_result` block in the next message."
                        % (i - 1, ", ".join(sorted(str(x) for x in prev - answered))))
            prev = ({b.get("id") for b in blocks if b.get("type") == "tool_use"}
                    if m.get("role") == "assistant" else set())
        return None

    def script_start(self, has_text):
        return self.start(text_block=has_text)

    def script_calls(self, calls, rnd, split, has_text):
        out = []
        if has_text:
            out.append(self.ev("content_block_stop", {"type": "content_block_stop", "index": 0}))
        for i, c in enumerate(calls):
            idx = i + (1 if has_text else 0)
            out.append(self.ev("content_block_start", {
                "type": "content_block_start", "index": idx,
                "content_block": {"type": "tool_use", "id": "toolu_%d_%d" % (rnd, i),
                                  "name": c["name"], "input": {}}}))
            for piece in [""] + [x for x in pieces(call_args(c), split) if x]:
                out.append(self.ev("content_block_delta", {
                    "type": "content_block_delta", "index": idx,
                    "delta": {"type": "input_json_delta", "partial_json": piece}}))
            out.append(self.ev("content_block_stop", {"type": "content_block_stop",
                                                      "index": idx}))
        return out

    def script_end(self, prompt, completion, called, has_text):
        return self.end(prompt, completion, "tool_use" if called else "end_turn",
                        stop_text=has_text and not called)

    def script_full(self, text, calls, rnd, prompt, completion):
        out = self.full(text, prompt, completion)
        if calls:
            out["content"] = [{"type": "text", "text": text}] if text else []
            for i, c in enumerate(calls):
                try:
                    args = json.loads(call_args(c))
                except ValueError:
                    args = call_args(c)
                out["content"].append({"type": "tool_use", "id": "toolu_%d_%d" % (rnd, i),
                                       "name": c["name"], "input": args})
            out["stop_reason"] = "tool_use"
        return out

    def token(self, text):
        return self.cached(text, lambda: self.ev(
            "content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": text}}))

    def end(self, prompt, completion, reason="end_turn", stop_text=True):
        out = [self.ev("content_block_stop", {"type": "content_block_stop", "index": 0})]
        return (out if stop_text else []) + [
            self.ev("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": reason},
                                      "usage": {"output_tokens": completion}}),
            self.ev("message_stop", {"type": "message_stop"})]

    def malformed(self):
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\n\n"

    def stream_error(self):
        return self.ev("error", {"type": "error", "error": {"type": "overloaded_error",
                                                           "message": "Overloaded"}})

    def full(self, text, prompt, completion):
        return {"id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                "usage": {"input_tokens": prompt, "output_tokens": completion}}


class Ollama(Protocol):
    ctype = "application/x-ndjson"

    def line(self, obj):
        base = {"model": self.model, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                 time.gmtime(STARTED))}
        base.update(obj)
        return json.dumps(base) + "\n"

    def error_body(self, kind, message):
        return {"error": message}

    def start(self):
        return []

    def token(self, text):
        return self.cached(text, lambda: self.line(
            {"message": {"role": "assistant", "content": text}, "done": False}))

    def end(self, prompt, completion):
        return [self.line({"message": {"role": "assistant", "content": ""}, "done": True,
                           "done_reason": "stop", "prompt_eval_count": prompt,
                           "eval_count": completion})]

    def malformed(self):
        return '{"message":{"role":"assistant","content":\n'

    @staticmethod
    def wire_calls(calls):
        return [{"function": {"name": c["name"],
                              "arguments": (str(c["arguments_raw"]) if "arguments_raw" in c
                                            else c.get("arguments", {}))}} for c in calls]

    def script_calls(self, calls, rnd, split, has_text):
        return [self.line({"message": {"role": "assistant", "content": "",
                                       "tool_calls": self.wire_calls(calls)},
                           "done": False})]

    def script_full(self, text, calls, rnd, prompt, completion):
        out = self.full(text, prompt, completion)
        if calls:
            out["message"]["tool_calls"] = self.wire_calls(calls)
        return out

    def stream_error(self):
        return json.dumps({"error": "an error was encountered while running the model"}) + "\n"

    def full(self, text, prompt, completion):
        return {"model": self.model, "message": {"role": "assistant", "content": text},
                "done": True, "prompt_eval_count": prompt, "eval_count": completion}


def protocol_for(path):
    if path.endswith("/chat/completions"):
        return OpenAI
    if path.endswith("/messages"):
        return Anthropic
    if path.endswith("/api/chat"):
        return Ollama
    return None


def int_arg(arg, default):
    try:
        return int(arg) if arg is not None else default
    except ValueError:
        return default


async def send_tokens(state, reader, writer, p, tokens, tps, headers):
    """Streams @tokens at @tps after the time to first token; False when the client left."""
    period = 1.0 / tps if tps > 0 else 0
    ttft = float(headers.get("x-mock-ttft-ms", state.ttft_ms))
    first = ttft / 1000.0 if ttft >= 0 else period
    t0 = time.monotonic()
    for i, tok in enumerate(tokens):
        delay = t0 + first + i * period - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if reader.at_eof() or writer.transport.is_closing():
            return False  # the client went away (canceled): stop like a real server
        writer.write(p.token(tok))
        state.tokens_sent += 1
        if writer.transport.get_write_buffer_size() > 65536:
            await writer.drain()
    await writer.drain()
    return True


async def play_script(state, reader, writer, p, script, headers, stream, tps, prompt):
    """Answers with the script's round for this request (see "Scripted tool rounds")."""
    n = p.tool_rounds()
    rounds = script["rounds"]
    rnd = rounds[min(n, len(rounds) - 1)]
    state.requests[-1]["round"] = n
    calls = rnd.get("tool_calls") if p.offers_tools() else None
    if rnd.get("tool_calls") and not calls:
        text = rnd.get("final_text", DEFAULT_FINAL_TEXT)
    else:
        text = rnd.get("text") or ""
    tokens = words(text)
    completion = len(tokens) + sum(1 + len(call_args(c)) // 4 for c in calls or [])
    if not stream:
        await send_json(writer, 200, "OK", p.script_full(text, calls, n, prompt, completion))
        return True
    writer.write(http_head(200, "OK", p.ctype, {"Connection": "keep-alive"}))
    for s in p.script_start(bool(tokens)):
        writer.write(chunk(s))
    await writer.drain()
    if not await send_tokens(state, reader, writer, p, tokens, tps, headers):
        return False
    for s in (p.script_calls(calls, n, rnd.get("split"), bool(tokens)) if calls else []):
        writer.write(chunk(s))
    for s in p.script_end(prompt, completion, bool(calls), bool(tokens)):
        writer.write(chunk(s))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


async def generate(state, reader, writer, proto_cls, headers, body):
    model = body.get("model") if isinstance(body.get("model"), str) else ""
    p = proto_cls(model, body)
    why = p.check()
    if why:
        state.requests[-1]["behavior"] = "400"
        await send_json(writer, 400, "Bad Request", p.error_body("invalid_request_error", why))
        return True
    behavior, arg = state.next_behavior(model, headers)
    tps = float(headers.get("x-mock-tps", state.tps))
    ntok = headers.get("x-mock-tokens")
    tokens = state.script(int(ntok) if ntok else None)
    prompt = max(1, prompt_chars(body) // 4)
    stream = body.get("stream", proto_cls is Ollama)
    state.requests[-1]["behavior"] = behavior
    script = state.find_script(p.last_user_text()) if behavior == "ok" else None
    if script:
        rnd = script["rounds"][min(p.tool_rounds(), len(script["rounds"]) - 1)]
        if isinstance(rnd.get("behavior"), str):
            # A round that misbehaves (e.g. "500"): the provider fails after earlier rounds.
            behavior, _, arg = rnd["behavior"].partition(":")
            arg = arg or None
            state.requests[-1]["behavior"] = behavior
            script = None
    if script:
        return await play_script(state, reader, writer, p, script, headers, stream, tps, prompt)

    if behavior == "429":
        ra = int_arg(arg, state.retry_after)
        await send_json(writer, 429, "Too Many Requests",
                        p.error_body("rate_limit_error", "Rate limit reached (mock)"),
                        {"Retry-After": str(ra)})
        return True
    if behavior == "500":
        await send_json(writer, 500, "Internal Server Error",
                        p.error_body("server_error", "Internal error (mock)"))
        return True
    if behavior == "401":
        await send_json(writer, 401, "Unauthorized",
                        p.error_body("authentication_error", "Invalid API key (mock)"))
        return True
    if behavior == "slow":
        tps = float(arg) if arg else 2.0
    if not stream:
        text = "".join(tokens)
        if tps > 0:
            await asyncio.sleep(len(tokens) / tps)
        await send_json(writer, 200, "OK", p.full(text, prompt, len(tokens)))
        return True

    writer.write(http_head(200, "OK", p.ctype, {"Connection": "keep-alive"}))
    for s in p.start():
        writer.write(chunk(s))
    await writer.drain()
    if behavior == "stall":
        ms = int_arg(arg, 0)
        try:
            # Wait for the client to go away (EOF), or for the stall to end.
            await asyncio.wait_for(reader.read(1), timeout=ms / 1000.0 if ms > 0 else None)
            return False
        except asyncio.TimeoutError:
            pass
    limit = len(tokens)
    if behavior in ("cut", "hang"):
        limit = min(limit, int_arg(arg, 3))
    elif behavior in ("malformed", "error"):
        limit = min(limit, int_arg(arg, 0))
    if not await send_tokens(state, reader, writer, p, tokens[:limit], tps, headers):
        return False
    if behavior == "cut":
        writer.transport.abort()
        return False
    if behavior == "hang":
        await reader.read(1)  # returns at EOF, when the client gives up
        return False
    if behavior == "malformed":
        writer.write(chunk(p.malformed()))
    elif behavior == "error":
        writer.write(chunk(p.stream_error()))
    elif behavior != "nodone":
        for s in p.end(prompt, len(tokens)):
            writer.write(chunk(s))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


async def admin(state, method, path, body, writer):
    if path == "/__requests" and method == "GET":
        await send_json(writer, 200, "OK", state.requests)
    elif path == "/__reset" and method == "POST":
        state.requests.clear()
        state.scripts = []
        state.fail_queue.clear()
        state.total = state.max_active = state.tokens_sent = 0
        await send_json(writer, 200, "OK", {"ok": True})
    elif path == "/__script" and method == "POST":
        scripts = valid_scripts(body)
        if scripts is None:
            await send_json(writer, 400, "Bad Request", {"error": {
                "message": "want {\"scripts\":[{\"match\"?, \"rounds\":[ROUND, ...]}, ...]} "
                           "with tool_calls a non-empty list of {name, arguments}"}})
        else:
            state.scripts = scripts
            await send_json(writer, 200, "OK", {"scripts": len(scripts)})
    elif path == "/__fail" and method == "POST":
        state.fail_queue.append({"behavior": str(body.get("behavior", "500")),
                                 "arg": body.get("arg"),
                                 "times": int(body.get("times", 1))})
        await send_json(writer, 200, "OK", {"queued": len(state.fail_queue)})
    elif path == "/__config" and method == "POST":
        for k in ("tps", "tokens", "text", "retry_after", "ttft_ms"):
            if k in body:
                setattr(state, k, body[k])
        await send_json(writer, 200, "OK", {"tps": state.tps, "tokens": state.tokens,
                                            "text": state.text, "ttft_ms": state.ttft_ms,
                                            "retry_after": state.retry_after})
    elif path == "/__stats":
        await send_json(writer, 200, "OK", {"active": state.active,
                                            "max_active": state.max_active,
                                            "total": state.total,
                                            "tokens_sent": state.tokens_sent})
    elif path == "/__health":
        await send_json(writer, 200, "OK", {"ok": True})
    else:
        await send_json(writer, 404, "Not Found", {"error": {"message": "no such route"}})


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size + 2)
            body = body[:-2]
    else:
        n = int(headers.get("content-length", "0"))
        if n > MAX_BODY:
            raise ValueError("body too large")
        body = await reader.readexactly(n) if n else b""
    return method, path.split("?", 1)[0], headers, body


async def handle(state, reader, writer):
    try:
        while True:
            try:
                method, path, headers, raw = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                return
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            if path.startswith("/__"):
                await admin(state, method, path, body if isinstance(body, dict) else {}, writer)
                continue
            if method == "GET" and path.endswith("/models"):
                await send_json(writer, 200, "OK", {"object": "list", "data": [
                    {"id": "mock", "object": "model", "owned_by": "mockllm"}]})
                continue
            proto = protocol_for(path)
            if method != "POST" or proto is None:
                await send_json(writer, 404, "Not Found",
                                {"error": {"message": "no such route", "type": "not_found"}})
                continue
            if not isinstance(body, dict):
                await send_json(writer, 400, "Bad Request",
                                {"error": {"message": "body is not a JSON object",
                                           "type": "invalid_request_error"}})
                continue
            rec = {"method": method, "path": path, "headers": headers, "body": body,
                   "behavior": None, "round": None, "ts": time.time(), "done": None}
            state.requests.append(rec)
            del state.requests[:-MAX_RECORDS]
            state.total += 1
            state.active += 1
            state.max_active = max(state.max_active, state.active)
            try:
                keep = await generate(state, reader, writer, proto, headers, body)
            finally:
                state.active -= 1
                rec["done"] = time.time()
            if not keep or headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser(description="scripted LLM server (OpenAI, Anthropic, Ollama)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--tps", type=float, default=50.0, help="tokens per second per stream")
    ap.add_argument("--tokens", type=int, default=20, help="answer length without --text")
    ap.add_argument("--text", default=None, help="the scripted answer")
    ap.add_argument("--retry-after", type=int, default=1, help="Retry-After of mock-429, s")
    ap.add_argument("--ttft-ms", type=float, default=-1,
                    help="time to the first token after the headers, ms (-1: one period)")
    args = ap.parse_args()
    state = State(args)
    server = await asyncio.start_server(lambda r, w: handle(state, r, w), args.host, args.port,
                                        backlog=4096, limit=MAX_BODY)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("mockllm listening on %s:%d" % (args.host, port), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
