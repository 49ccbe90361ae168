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

Admin endpoints (JSON):
  GET  /__requests   recorded requests [{method,path,headers,body,behavior,ts}] (last 10000)
  POST /__reset      forget requests, the failure queue and the counters
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


class State:
    def __init__(self, args):
        self.tps = args.tps
        self.tokens = args.tokens
        self.text = args.text
        self.retry_after = args.retry_after
        self.ttft_ms = args.ttft_ms
        self.requests = []
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

    def end(self, prompt, completion):
        out = [self.event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})]
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

    def start(self):
        prompt = max(1, prompt_chars(self.body) // 4)
        return [self.ev("message_start", {"type": "message_start", "message": {
                    "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                    "content": [], "stop_reason": None,
                    "usage": {"input_tokens": prompt, "output_tokens": 1}}}),
                self.ev("content_block_start", {"type": "content_block_start", "index": 0,
                                                "content_block": {"type": "text", "text": ""}}),
                self.ev("ping", {"type": "ping"})]

    def token(self, text):
        return self.cached(text, lambda: self.ev(
            "content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": text}}))

    def end(self, prompt, completion):
        return [self.ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
                self.ev("message_delta", {"type": "message_delta",
                                          "delta": {"stop_reason": "end_turn"},
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


async def generate(state, reader, writer, proto_cls, headers, body):
    model = body.get("model") if isinstance(body.get("model"), str) else ""
    behavior, arg = state.next_behavior(model, headers)
    p = proto_cls(model, body)
    tps = float(headers.get("x-mock-tps", state.tps))
    ntok = headers.get("x-mock-tokens")
    tokens = state.script(int(ntok) if ntok else None)
    prompt = max(1, prompt_chars(body) // 4)
    stream = body.get("stream", proto_cls is Ollama)
    state.requests[-1]["behavior"] = behavior

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
    period = 1.0 / tps if tps > 0 else 0
    ttft = float(headers.get("x-mock-ttft-ms", state.ttft_ms))
    first = ttft / 1000.0 if ttft >= 0 else period
    t0 = time.monotonic()
    for i in range(limit):
        delay = t0 + first + i * period - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if reader.at_eof() or writer.transport.is_closing():
            return False  # the client went away (canceled): stop like a real server
        writer.write(p.token(tokens[i]))
        state.tokens_sent += 1
        if writer.transport.get_write_buffer_size() > 65536:
            await writer.drain()
    await writer.drain()
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
        state.fail_queue.clear()
        state.total = state.max_active = state.tokens_sent = 0
        await send_json(writer, 200, "OK", {"ok": True})
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
            state.requests.append({"method": method, "path": path, "headers": headers,
                                   "body": body, "behavior": None, "ts": time.time()})
            del state.requests[:-MAX_RECORDS]
            state.total += 1
            state.active += 1
            state.max_active = max(state.max_active, state.active)
            try:
                keep = await generate(state, reader, writer, proto, headers, body)
            finally:
                state.active -= 1
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
