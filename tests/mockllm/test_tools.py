#!/usr/bin/env python3
"""test_tools.py - checks the scripted tool rounds of the mock LLM (server.py) in each protocol.

Starts the mock on a free port (--port 0 --port-file), scripts a tool-using model and checks
what each protocol streams: OpenAI tool_calls deltas, Anthropic tool_use blocks with
input_json_delta pieces, Ollama tool_calls lines; the round played from the conversation; the
final text when no tools are offered; the 400s for inconsistent conversations; recording.
Prints one TAP line per check ("ok - ..." / "not ok - ..."); exits 1 when any failed.
Run by tests/run-all.sh (`make test`); alone: python3 tests/mockllm/test_tools.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAILED = 0

SPEND = {"match": "SPEND", "rounds": [
    {"text": "Checking now.",
     "tool_calls": [{"name": "spending_by_category", "arguments": {"period": "2025-03"}},
                    {"name": "get_accounts", "arguments": {}}],
     "split": 5},
    {"text": "You spent $12.50 on coffee."}]}
LOOP = {"match": "loop", "rounds": [
    {"tool_calls": [{"name": "cashflow", "arguments_raw": "{not json"}],
     "final_text": "Enough looking."}]}
DEFAULT_LOOP = {"match": "forever", "rounds": [{"tool_calls": [{"name": "get_budgets"}]}]}
TOOLS = [{"name": "spending_by_category", "description": "d",
          "parameters": {"type": "object"}}]
OA_TOOLS = [{"type": "function", "function": t} for t in TOOLS]
AN_TOOLS = [{"name": "spending_by_category", "description": "d",
             "input_schema": {"type": "object"}}]


def check(name, cond, detail=""):
    global FAILED
    if cond:
        print("ok - mockllm tools: %s" % name)
    else:
        FAILED += 1
        print("not ok - mockllm tools: %s %s" % (name, detail))


def post(base, path, body):
    """POSTs JSON; returns (status, raw body bytes)."""
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def sse(raw):
    """[(event, data object)] of an SSE body ("[DONE]" data kept as a string)."""
    out = []
    for block in raw.decode().split("\n\n"):
        event, data = "", None
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        if data is not None:
            out.append((event, data if data == "[DONE]" else json.loads(data)))
    return out


def openai(base, messages, **extra):
    body = {"model": "mock", "stream": True, "stream_options": {"include_usage": True},
            "messages": messages}
    body.update(extra)
    status, raw = post(base, "/v1/chat/completions", body)
    if status != 200:
        return status, raw, None
    text, calls, finish, pieces = "", {}, None, {}
    for _, d in sse(raw):
        if d == "[DONE]" or not d.get("choices"):
            continue
        c = d["choices"][0]
        text += c["delta"].get("content") or ""
        for tc in c["delta"].get("tool_calls") or []:
            call = calls.setdefault(tc["index"], {"id": None, "name": None, "args": ""})
            call["id"] = tc.get("id", call["id"])
            fn = tc.get("function") or {}
            call["name"] = fn.get("name", call["name"])
            call["args"] += fn.get("arguments") or ""
            pieces[tc["index"]] = pieces.get(tc["index"], 0) + 1
        finish = c.get("finish_reason") or finish
    return status, raw, {"text": text, "calls": calls, "finish": finish, "pieces": pieces}


def anthropic(base, messages, **extra):
    body = {"model": "mock", "stream": True, "max_tokens": 100, "messages": messages}
    body.update(extra)
    status, raw = post(base, "/v1/messages", body)
    if status != 200:
        return status, raw, None
    text, blocks, stop, done = "", {}, None, False
    for ev, d in sse(raw):
        if ev == "content_block_start":
            blocks[d["index"]] = dict(d["content_block"], args="")
        elif ev == "content_block_delta":
            if d["delta"]["type"] == "text_delta":
                text += d["delta"]["text"]
            else:
                blocks[d["index"]]["args"] += d["delta"]["partial_json"]
        elif ev == "message_delta":
            stop = d["delta"]["stop_reason"]
        elif ev == "message_stop":
            done = True
    return status, raw, {"text": text, "blocks": blocks, "stop": stop, "done": done}


def ollama(base, messages, **extra):
    body = {"model": "mock", "stream": True, "messages": messages}
    body.update(extra)
    status, raw = post(base, "/api/chat", body)
    lines = [json.loads(x) for x in raw.decode().splitlines() if x.strip()]
    text = "".join(x.get("message", {}).get("content", "") for x in lines)
    calls = [c for x in lines for c in x.get("message", {}).get("tool_calls") or []]
    return status, lines, {"text": text, "calls": calls, "done": bool(lines and lines[-1].get("done"))}


def test_openai(base):
    q = [{"role": "system", "content": "rules"}, {"role": "user", "content": "How much did I spend?"}]
    status, _, r = openai(base, q, tools=OA_TOOLS)
    check("openai round 0 streams", status == 200 and r is not None, str(status))
    if not r:
        return
    check("openai text before the calls", r["text"] == "Checking now.", repr(r["text"]))
    check("openai two parallel calls with ids", [r["calls"][i]["id"] for i in (0, 1)] ==
          ["call_0_0", "call_0_1"], repr(r["calls"]))
    check("openai call names", r["calls"][0]["name"] == "spending_by_category"
          and r["calls"][1]["name"] == "get_accounts")
    check("openai arguments in 5-byte pieces", json.loads(r["calls"][0]["args"]) ==
          {"period": "2025-03"} and r["pieces"][0] == 1 + (len(r["calls"][0]["args"]) + 4) // 5,
          repr(r))
    check("openai finish_reason tool_calls", r["finish"] == "tool_calls", repr(r["finish"]))

    answered = q + [
        {"role": "assistant", "content": "Checking now.", "tool_calls": [
            {"id": "call_0_0", "type": "function",
             "function": {"name": "spending_by_category", "arguments": "{}"}},
            {"id": "call_0_1", "type": "function",
             "function": {"name": "get_accounts", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_0_1", "content": "[]"},
        {"role": "tool", "tool_call_id": "call_0_0", "content": "{}"}]
    status, _, r = openai(base, answered, tools=OA_TOOLS)
    check("openai round 1 answers in text", status == 200 and r["text"] ==
          "You spent $12.50 on coffee." and not r["calls"] and r["finish"] == "stop", repr(r))

    status, raw, _ = openai(base, answered[:-1], tools=OA_TOOLS)
    check("openai 400: a call without its tool message", status == 400 and b"call_0_0" in raw
          and json.loads(raw)["error"]["type"] == "invalid_request_error", raw[:200])
    bad = q + [{"role": "tool", "tool_call_id": "call_x", "content": "[]"}]
    status, raw, _ = openai(base, bad, tools=OA_TOOLS)
    check("openai 400: a tool message answering no call", status == 400 and b"call_x" in raw,
          raw[:200])

    loop = [{"role": "user", "content": "Loop please"}]
    _, _, r = openai(base, loop, tools=OA_TOOLS, tool_choice="none")
    check("openai tool_choice none gets final_text", r["text"] == "Enough looking." and
          not r["calls"], repr(r))
    _, _, r = openai(base, loop)
    check("openai without tools gets final_text", r["text"] == "Enough looking.", repr(r))
    three = loop
    for n in range(3):
        three = three + [{"role": "assistant", "content": None, "tool_calls": [
            {"id": "c%d" % n, "type": "function",
             "function": {"name": "cashflow", "arguments": "{not json"}}]},
            {"role": "tool", "tool_call_id": "c%d" % n, "content": "{\"error\":\"bad\"}"}]
    _, _, r = openai(base, three, tools=OA_TOOLS)
    check("openai past the last round repeats it", r["calls"].get(0, {}).get("id") == "call_3_0"
          and r["calls"][0]["args"] == "{not json", repr(r))
    _, _, r = openai(base, [{"role": "user", "content": "forever"}], tools=OA_TOOLS)
    check("openai default final_text and empty arguments", r["calls"][0]["args"] == "{}", repr(r))
    _, _, r = openai(base, [{"role": "user", "content": "forever"}])
    check("openai default final_text", r["text"] == "I could not look anything else up.",
          repr(r))

    status, raw = post(base, "/v1/chat/completions", {"model": "mock", "messages": q,
                                                       "tools": OA_TOOLS})
    full = json.loads(raw)
    msg = full["choices"][0]["message"]
    check("openai non-streaming round", status == 200 and
          full["choices"][0]["finish_reason"] == "tool_calls" and
          msg["tool_calls"][1]["function"]["name"] == "get_accounts", raw[:300])


def test_anthropic(base):
    q = [{"role": "user", "content": "data"}, {"role": "assistant", "content": "ack"},
         {"role": "user", "content": "Where did I spend most?"}]
    status, _, r = anthropic(base, q, tools=AN_TOOLS)
    check("anthropic round 0 streams", status == 200 and r is not None, str(status))
    if not r:
        return
    check("anthropic text block first", r["text"] == "Checking now." and
          r["blocks"][0]["type"] == "text", repr(r))
    check("anthropic tool_use blocks 1 and 2", r["blocks"][1]["type"] == "tool_use" and
          r["blocks"][1]["id"] == "toolu_0_0" and r["blocks"][2]["id"] == "toolu_0_1" and
          r["blocks"][2]["name"] == "get_accounts", repr(r["blocks"]))
    check("anthropic input_json_delta pieces", json.loads(r["blocks"][1]["args"]) ==
          {"period": "2025-03"} and r["blocks"][1]["input"] == {}, repr(r["blocks"]))
    check("anthropic stop_reason tool_use then message_stop", r["stop"] == "tool_use" and
          r["done"], repr(r))

    uses = [{"type": "text", "text": "Checking now."},
            {"type": "tool_use", "id": "toolu_0_0", "name": "spending_by_category", "input": {}},
            {"type": "tool_use", "id": "toolu_0_1", "name": "get_accounts", "input": {}}]
    results = [{"type": "tool_result", "tool_use_id": "toolu_0_0", "content": "{}"},
               {"type": "tool_result", "tool_use_id": "toolu_0_1", "content": "[]",
                "is_error": False}]
    answered = q + [{"role": "assistant", "content": uses}, {"role": "user", "content": results}]
    status, _, r = anthropic(base, answered, tools=AN_TOOLS)
    check("anthropic round 1 answers in text", status == 200 and
          r["text"] == "You spent $12.50 on coffee." and r["stop"] == "end_turn" and
          r["blocks"] == {0: {"type": "text", "text": "", "args": ""}}, repr(r))

    status, raw, _ = anthropic(base, answered)
    check("anthropic 400: tool blocks without tools", status == 400 and
          json.loads(raw)["type"] == "error" and b"must define tools" in raw, raw[:200])
    wrong = q + [{"role": "assistant", "content": uses},
                 {"role": "user", "content": [dict(results[0], tool_use_id="toolu_9"),
                                              results[1]]}]
    status, raw, _ = anthropic(base, wrong, tools=AN_TOOLS)
    check("anthropic 400: a tool_result answering no tool_use", status == 400 and
          b"toolu_9" in raw, raw[:200])
    missing = q + [{"role": "assistant", "content": uses},
                   {"role": "user", "content": results[:1]}]
    status, raw, _ = anthropic(base, missing, tools=AN_TOOLS)
    check("anthropic 400: a tool_use without its tool_result", status == 400 and
          b"toolu_0_1" in raw, raw[:200])

    _, _, r = anthropic(base, answered + [{"role": "assistant", "content": uses[1:]},
                                          {"role": "user", "content": results}],
                        tools=AN_TOOLS, tool_choice={"type": "none"})
    check("anthropic tool_choice none: the last round is text", r["text"] ==
          "You spent $12.50 on coffee." and r["stop"] == "end_turn", repr(r))
    _, _, r = anthropic(base, [{"role": "user", "content": "loop"}], tools=AN_TOOLS,
                        tool_choice={"type": "none"})
    check("anthropic tool_choice none gets final_text", r["text"] == "Enough looking." and
          all(b["type"] == "text" for b in r["blocks"].values()), repr(r))
    _, _, r = anthropic(base, [{"role": "user", "content": "loop"}], tools=AN_TOOLS)
    check("anthropic raw arguments as sent, tool_use at block 0", r["blocks"][0]["type"] ==
          "tool_use" and r["blocks"][0]["args"] == "{not json" and r["text"] == "", repr(r))


def test_ollama(base):
    q = [{"role": "system", "content": "rules"}, {"role": "user", "content": "spend?"}]
    tools = [{"type": "function", "function": TOOLS[0]}]
    status, lines, r = ollama(base, q, tools=tools)
    check("ollama round 0", status == 200 and r["text"] == "Checking now." and r["done"], repr(r))
    check("ollama calls as objects in one line without ids", r["calls"] == [
        {"function": {"name": "spending_by_category", "arguments": {"period": "2025-03"}}},
        {"function": {"name": "get_accounts", "arguments": {}}}] and
        sum(1 for x in lines if x.get("message", {}).get("tool_calls")) == 1, repr(r["calls"]))
    answered = q + [{"role": "assistant", "content": "", "tool_calls": r["calls"]},
                    {"role": "tool", "content": "{}", "tool_name": "spending_by_category"},
                    {"role": "tool", "content": "[]", "tool_name": "get_accounts"}]
    _, _, r = ollama(base, answered, tools=tools)
    check("ollama round 1 answers in text", r["text"] == "You spent $12.50 on coffee." and
          not r["calls"], repr(r))
    _, _, r = ollama(base, answered)
    check("ollama without tools never calls", not r["calls"], repr(r))
    _, _, r = ollama(base, [{"role": "user", "content": "loop"}], tools=tools)
    check("ollama raw arguments as a string", r["calls"] ==
          [{"function": {"name": "cashflow", "arguments": "{not json"}}], repr(r))
    _, _, r = ollama(base, [{"role": "user", "content": "loop"}])
    check("ollama without tools gets final_text", r["text"] == "Enough looking.", repr(r))


def test_admin(base):
    status, _ = post(base, "/__script", {"scripts": [{"rounds": []}]})
    check("a script without rounds is refused", status == 400)
    status, _ = post(base, "/__script", {"scripts": [{"rounds": [{"tool_calls": [{}]}]}]})
    check("a call without a name is refused", status == 400)
    with urllib.request.urlopen(base + "/__requests", timeout=10) as r:
        recs = json.loads(r.read())
    rounds = [x["round"] for x in recs if x["path"].endswith("/chat/completions")]
    check("requests record the round played", rounds[:2] == [0, 1], repr(rounds[:4]))
    answered = [x for x in recs if x["path"].endswith("/chat/completions")]
    check("requests record when their answer ended, after they arrived",
          answered and all(x["done"] is not None and x["done"] >= x["ts"] for x in answered),
          repr([(x["ts"], x["done"]) for x in answered[:3]]))
    check("inconsistent requests are recorded", any(x["behavior"] == "400" for x in recs))
    _, _, r = openai(base, [{"role": "user", "content": "nothing scripted"}], tools=OA_TOOLS)
    check("an unmatched request gets the normal answer", r["text"].startswith("tok0") and
          not r["calls"], repr(r))
    post(base, "/__reset", {})
    _, _, r = openai(base, [{"role": "user", "content": "spend"}], tools=OA_TOOLS)
    check("/__reset clears the scripts", r["text"].startswith("tok0") and not r["calls"],
          repr(r))


def main():
    portfile = tempfile.mktemp(prefix="mockllm-tools-", suffix=".port")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--port", "0",
                             "--port-file", portfile, "--tps", "0", "--tokens", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(portfile) or proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(portfile) as f:
            base = "http://127.0.0.1:%d" % int(f.read())
        status, _ = post(base, "/__script", {"scripts": [SPEND, LOOP, DEFAULT_LOOP]})
        check("scripts are accepted", status == 200)
        test_openai(base)
        test_anthropic(base)
        test_ollama(base)
        test_admin(base)
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        if os.path.exists(portfile):
            os.unlink(portfile)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
