"""46: the assistant's tool loop (SPEC §14), through the stack's gateway and a worker of ours.

The stack's workers are stopped (run_itest); one worker runs FINCHAT_LLM_CHAIN=<provider>,analyst
with the provider pointed at tests/mockllm, which plays a tool-using model from a script
(tests/mockllm/server.py: /__script). Questions go in through the gateway as the demo user,
so each request carries the gateway's tool token and tools run in the gateway. Checked:
- for openai, anthropic and ollama: a question answered through a tool call gets the tool's
  figure, which equals the REST API's for the same question; the stream shows the call
  (tool events running then ok, with a label); final.checks verifies the figure and lists a
  false one as unverified; the stored message keeps the calls and the checks;
- a forged argument (another user's account id) returns nothing of theirs;
- a model that never stops calling gets 8 rounds at most, the last without tools, and
  still answers in text;
- malformed calls (an unknown tool, arguments that are not JSON, a call split into
  one-byte pieces beside another) are answered with errors the model reads, not crashes;
- a provider that fails after a tool round hands over with a reset, and the next provider's
  answer keeps only its own calls;
- an answer with no figures has checks.figures 0."""
import http.client
import json
import os
import sys
import time
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import URL, auth, login, request  # noqa: E402
from worker_itest import done, ok, start_mock, start_workers, stop_all  # noqa: E402


def mock_post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    return json.loads(urllib.request.urlopen(req, timeout=10).read() or b"null")


def mock_requests(port, needle):
    """The request bodies the mock got whose messages mention @needle, oldest first."""
    reqs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/__requests", timeout=10).read())
    return [r.get("body") or {} for r in reqs if needle in json.dumps(r.get("body"))]


def money(minor):
    return f"${abs(minor) / 100:,.2f}"


def stream(rid, H, timeout=90):
    """The SSE events of request @rid as [(event, data)], up to final or error."""
    u = urllib.parse.urlsplit(URL)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    conn.request("GET", f"/api/v1/streams/{rid}", headers=dict(H, Accept="text/event-stream"))
    resp = conn.getresponse()
    events, ev, data = [], None, []
    end = time.time() + timeout
    while time.time() < end:
        line = resp.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("event:"):
            ev = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and ev:
            try:
                events.append((ev, json.loads("\n".join(data))))
            except ValueError:
                events.append((ev, None))
            if ev in ("final", "error"):
                break
            ev, data = None, []
    conn.close()
    return events


def ask(conv, H, text):
    r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": text}, headers=H)
    rid = (r.json() or {}).get("request_id")
    events = stream(rid, H) if rid else []
    answer = ""
    for ev, d in events:
        if ev == "token":
            answer += d.get("text", "")
        elif ev == "reset":
            answer = ""
    final = next((d for ev, d in events if ev == "final"), None)
    return rid, events, answer, final


def tool_events(events):
    return [d for ev, d in events if ev == "tool"]


def stored(conv, H, rid):
    items = request("GET", f"/api/v1/conversations/{conv}/messages", headers=H).json()["items"]
    return next((m for m in items if m.get("request_id") == rid and m["role"] == "assistant"), {})


def env_for(provider, port):
    env = dict(FINCHAT_CONNECT_TIMEOUT_MS=1000, FINCHAT_ANALYST_PACE_MS=0, FINCHAT_GATEWAY_URL=URL)
    if provider == "openai":
        env.update(FINCHAT_LLM_CHAIN="openai,analyst", OPENAI_API_KEY="test-key",
                   OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_MODEL="mock")
    elif provider == "anthropic":
        env.update(FINCHAT_LLM_CHAIN="anthropic,analyst", ANTHROPIC_API_KEY="test-key",
                   ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}", ANTHROPIC_MODEL="mock")
    else:
        env.update(FINCHAT_LLM_CHAIN="ollama,analyst", OLLAMA_URL=f"http://127.0.0.1:{port}",
                   OLLAMA_MODEL="mock")
    return env


token = login()
H = auth(token)
cats = request("GET", "/api/v1/analytics/categories?period=last_month", headers=H).json() or {}
total = cats.get("total_minor")
ok(isinstance(total, int), "the REST API answers last month's spending by category", str(cats)[:200])
total = total or 0

# Another user with an account of their own, to forge arguments with.
email = f"tools-{uuid.uuid4().hex[:10]}@example.com"
request("POST", "/api/v1/auth/register", {"email": email, "password": "Correct-Horse-9", "name": "Other"})
OH = auth(login(email, "Correct-Horse-9"))
other = request("POST", "/api/v1/accounts", {"name": "Secret Stash 7731", "type": "savings",
                                              "opening_balance_minor": 4242}, headers=OH).json() or {}
other_id = (other.get("account") or {}).get("id")
ok(bool(other_id), "another user has an account", str(other)[:200])

mock, port = start_mock("--tps", "0")
try:
    for provider in ("openai", "anthropic", "ollama"):
        q = f"[{provider}] How much did I spend last month?"
        truth, lie = money(total), "$1,234,567.89"
        mock_post(port, "/__script", {"scripts": [
            {"match": q, "rounds": [
                {"text": "Let me look that up. ",
                 "tool_calls": [{"name": "spending_by_category", "arguments": {"period": "last_month"}}]},
                {"text": f"Last month you spent {truth} in all, not {lie}."}]}]})
        workers = start_workers(1, **env_for(provider, port))
        try:
            conv = request("POST", "/api/v1/conversations", {"title": "tools"}, headers=H).json()["id"]
            rid, events, answer, final = ask(conv, H, q)
            tools = tool_events(events)
            ok(final is not None and final.get("provider") == provider and truth in answer,
               f"{provider}: a question needing a tool is answered with the tool's figure",
               f"{(final or {}).get('provider')} {answer[:120]!r} {[e for e, _ in events][-3:]}")
            ok([t.get("status") for t in tools] == ["running", "ok"]
               and all(t.get("name") == "spending_by_category" for t in tools)
               and "last month" in (tools[-1].get("label") or "") if tools else False,
               f"{provider}: the stream shows the call while it runs and when it ended, with a label",
               str(tools)[:300])
            reqs = mock_requests(port, q)
            sent = json.dumps(reqs[-1]) if reqs else ""
            ok(len(reqs) == 2 and f'\\"total_minor\\":{total}' in sent,
               f"{provider}: the model is sent the tool's result, whose total equals the REST API's",
               f"{len(reqs)} requests; total {total}")
            checks = (final or {}).get("checks") or {}
            ok(checks.get("figures") == 2 and checks.get("verified") == 1 and checks.get("unverified") == [lie],
               f"{provider}: checks verify the true figure and list the false one", str(checks))
            ok([t.get("name") for t in (final or {}).get("tools", [])] == ["spending_by_category"],
               f"{provider}: final lists the tool calls", str((final or {}).get("tools"))[:200])
            m = stored(conv, H, rid)
            ok(m.get("checks") == checks and [t.get("name") for t in m.get("tools", [])] == ["spending_by_category"]
               and m.get("text") == answer,
               f"{provider}: the stored message keeps its text, tool calls and checks", str(m)[:300])
            if provider != "openai":
                continue

            # A forged argument: another user's account id returns nothing of theirs.
            q = "[forged] show the transactions of that account"
            mock_post(port, "/__script", {"scripts": [{"match": q, "rounds": [
                {"tool_calls": [{"name": "search_transactions", "arguments": {"account_id": other_id}}]},
                {"text": "I could not find that account."}]}]})
            rid, events, answer, final = ask(conv, H, q)
            sent = json.dumps(mock_requests(port, q)[-1:])
            ok(final is not None and "Secret Stash" not in sent and "4242" not in sent
               and [t.get("status") for t in tool_events(events)][-1:] == ["error"],
               "a forged account id returns nothing of the other user's", sent[-300:])

            # A model that never stops calling: 8 rounds at most, the last offers no tools.
            q = "[loop] keep looking"
            mock_post(port, "/__script", {"scripts": [{"match": q, "rounds": [
                {"tool_calls": [{"name": "get_accounts", "arguments": {}}],
                 "final_text": "Here is what I found after looking up your accounts."}]}]})
            rid, events, answer, final = ask(conv, H, q)
            reqs = mock_requests(port, q)
            ok(len(reqs) == 8 and reqs[-1].get("tool_choice") == "none"
               and all(r.get("tool_choice") != "none" for r in reqs[:-1]),
               "a model calling tools forever gets 8 rounds, the last with tool_choice none",
               f"{len(reqs)} rounds; last tool_choice {reqs[-1].get('tool_choice') if reqs else None}")
            ok(final is not None and answer == "Here is what I found after looking up your accounts."
               and len([t for t in tool_events(events) if t.get("status") == "ok"]) == 7,
               "after the cap the answer is text, with 7 rounds of calls before it",
               f"{answer[:80]!r} {len(tool_events(events))} tool events")

            # Malformed calls are answered with errors the model reads.
            q = "[malformed] what came in?"
            mock_post(port, "/__script", {"scripts": [{"match": q, "rounds": [
                {"split": 1, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}},
                                            {"name": "cashflow", "arguments_raw": "{\"months\": 3"},
                                            {"name": "cashflow", "arguments": {"months": 3}}]},
                {"text": "Something went wrong with two of my lookups."}]}]})
            rid, events, answer, final = ask(conv, H, q)
            ended = [t for t in tool_events(events) if t.get("status") != "running"]
            sent = json.dumps(mock_requests(port, q)[-1:])
            ok(final is not None and [t.get("status") for t in ended] == ["error", "error", "ok"],
               "an unknown tool and malformed arguments are errors; the valid call beside them runs",
               str(ended)[:300])
            ok("unknown tool" in sent and "not valid JSON" in sent and "hint" in sent,
               "the model reads the errors with hints", sent[-400:])

            # No figures at all.
            q = "[nofigures] hello there"
            mock_post(port, "/__script", {"scripts": [{"match": q, "rounds": [{"text": "Hello! Ask me about your money."}]}]})
            rid, events, answer, final = ask(conv, H, q)
            ok(((final or {}).get("checks") or {}).get("figures") == 0 and not tool_events(events),
               "an answer without figures has checks.figures 0 and no calls", str(final)[:200])

            # A provider failing after its tool round hands over with a reset: the next provider
            # (the analyst) starts over, and only its own calls are kept. Last: its failures open
            # the provider's circuit.
            q = "[failover] How much did I spend last month?"
            mock_post(port, "/__script", {"scripts": [{"match": q, "rounds": [
                {"tool_calls": [{"name": "spending_by_category", "arguments": {"period": "last_month"}}]},
                {"behavior": "500"}]}]})
            rid, events, answer, final = ask(conv, H, q)
            kinds = [ev for ev, _ in events]
            first_tool = kinds.index("tool") if "tool" in kinds else len(kinds)
            m = stored(conv, H, rid)
            ok(final is not None and final.get("provider") == "analyst" and "reset" in kinds[first_tool:]
               and not any(t.get("id", "").startswith("call_") for t in final.get("tools", []))
               and m.get("text") == answer and m.get("tools", []) == final.get("tools", []),
               "a provider failing after a tool round hands over with a reset; the analyst's answer keeps only its own calls",
               f"{kinds} {str(final)[:300]}")
        finally:
            stop_all(workers)
finally:
    mock.kill()
done()
