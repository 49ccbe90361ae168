"""45: the provider chain of a real worker, through Kafka, against the scripted mock LLM.

A worker with FINCHAT_LLM_CHAIN=openai,anthropic,analyst, both HTTP providers pointed at
tests/mockllm: while the mock is up the answer comes from `openai` with the mock's text;
with the mock killed (every provider but the analyst dead) the answer still comes, from
`analyst`; a provider that cuts its stream after some tokens hands over with a `reset`, and
the final answer is the analyst's alone — never spliced. Stored text equals assembled text.
History: a later question carries the earlier turn; a conversation answered before the
`histories` collection existed gets its turns from `messages` through the worker's one-time
backfill."""
import datetime
import json
import signal
import socket
import urllib.request
import uuid

from worker_itest import (mongo, Answer, collect, done, follow_from_end, golden_request, ok,
                          put_context, send_request, start_mock, start_workers, stop_all,
                          stored_message, worker_pid)

SCRIPT = "Your checking account holds enough for this month's rent."


def ask(chunks, mine, text, **over):
    """Sends requests until one of @mine answers; returns that Answer (or the last one)."""
    ans = None
    for _ in range(8):
        req = golden_request(reply_partition=2, text=text, **over)
        put_context(req["user_id"])
        send_request(req)
        ans = Answer(req["request_id"])
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 40)
        ans.req = req
        if worker_pid(ans) in mine:
            return ans
    return ans


def provider_messages(port, question):
    """The chat messages of the last request the mock got that carries @question."""
    reqs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/__requests").read())
    last = next((r for r in reversed(reqs) if question in json.dumps(r.get("body"))), None)
    return (last or {}).get("body", {}).get("messages", []) if last else []


def provider_of(ans):
    return (ans.final or {}).get("provider")


mock, port = start_mock("--tps", "200", "--text", SCRIPT)
chunks = follow_from_end("finchat.chat.chunks", [2])
env = dict(FINCHAT_LLM_CHAIN="openai,anthropic,analyst", OPENAI_API_KEY="test-key",
           OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_MODEL="mock",
           ANTHROPIC_API_KEY="test-key", ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}",
           ANTHROPIC_MODEL="mock", FINCHAT_CONNECT_TIMEOUT_MS=500, FINCHAT_ANALYST_PACE_MS=5)
# A conversation from before `histories`: its turns only in `messages`, and the backfill
# not yet done in this database.
old_conv, old_user = str(uuid.uuid4()), str(uuid.uuid4())
mongo().meta.delete_one({"_id": "histories_backfill"})
for i, (role, text) in enumerate([("user", "Which account pays my rent?"),
                                  ("assistant", "Rent leaves Everyday Checking on the 1st.")]):
    mongo().messages.insert_one({"_id": str(uuid.uuid4()), "conversation_id": old_conv,
                                 "user_id": old_user, "role": role, "text": text,
                                 "status": "complete",
                                 "created_at": datetime.datetime(2026, 1, 2, 9, 0, i)})
workers = start_workers(1, **env)
mine = {w.pid for w in workers}
try:
    ans = ask(chunks, mine, "How is my checking account?")
    ok(provider_of(ans) == "openai" and ans.text == SCRIPT,
       "with the provider up, the answer is the openai provider's", f"{provider_of(ans)} {ans.text[:60]!r}")
    ok(stored_message(ans.req["reply_message_id"]).get("text") == ans.text, "stored text equals the streamed text")
    # The mock sends a token every 5 ms: after the first, FINCHAT_TOKEN_FLUSH_MS (50 ms)
    # gathers them, so there are fewer token chunks than tokens and the first stands alone.
    toks = [e for e in ans.events if e[0] == "token"]
    n_tokens = ((ans.final or {}).get("usage") or {}).get("completion_tokens") or 0
    ok(1 < len(toks) < n_tokens and len(toks[0][3].get("text", "")) < len(SCRIPT) // 2,
       "tokens after the first are gathered into fewer chunks",
       f"{len(toks)} token chunks for {n_tokens} tokens")

    # The next question of the same conversation carries the earlier turn as history, in
    # user/assistant turns after the user's data — never in the system turn.
    first = ans.req
    ans2 = ask(chunks, mine, "And my savings?", conversation_id=first["conversation_id"], user_id=first["user_id"])
    msgs = provider_messages(port, "And my savings?")
    system = " ".join(m.get("content", "") for m in msgs if m.get("role") == "system")
    ok(provider_of(ans2) == "openai" and any(m.get("content") == "How is my checking account?" for m in msgs)
       and any(m.get("role") == "assistant" and m.get("content") == SCRIPT for m in msgs)
       and "How is my checking account?" not in system,
       "the conversation's earlier turn reaches the provider as history, outside the system turn",
       str([(m.get("role"), str(m.get("content"))[:30]) for m in msgs]))

    marker = mongo().meta.find_one({"_id": "histories_backfill"})
    hist = mongo().histories.find_one({"_id": old_conv}) or {}
    ok(marker is not None and [m.get("text") for m in hist.get("items", [])]
       == ["Which account pays my rent?", "Rent leaves Everyday Checking on the 1st."]
       and hist.get("user_id") == old_user,
       "the backfill gives an older conversation its histories document, oldest turn first",
       f"marker={marker} items={hist.get('items')}")
    ask(chunks, mine, "Is that enough?", conversation_id=old_conv, user_id=old_user)
    msgs = provider_messages(port, "Is that enough?")
    ok(any(m.get("content") == "Rent leaves Everyday Checking on the 1st." for m in msgs),
       "the older conversation's turns reach the provider as history",
       str([(m.get("role"), str(m.get("content"))[:30]) for m in msgs]))

    mock.send_signal(signal.SIGKILL)
    mock.wait()
    ans = ask(chunks, mine, "How much did I spend this month?")
    ok(provider_of(ans) == "analyst" and ans.final is not None and len(ans.text) > 20,
       "with every provider but the analyst dead, the analyst still answers",
       f"{provider_of(ans)} {ans.error}")
    ok(stored_message(ans.req["reply_message_id"]).get("text") == ans.text, "the analyst's answer is stored as streamed")
finally:
    stop_all(workers)
    if mock.poll() is None:
        mock.kill()

# A provider that fails after streaming some tokens: reset, then a clean answer from the next.
mock, port = start_mock("--tps", "200", "--text", SCRIPT)
env.update(OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_MODEL="mock-cut:4",
           ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}", ANTHROPIC_MODEL="mock-cut:4")
workers = start_workers(1, **env)
mine = {w.pid for w in workers}
try:
    ans = ask(chunks, mine, "What are my subscriptions?")
    types = ans.types()
    ok("reset" in types and provider_of(ans) == "analyst",
       "a stream cut mid-answer hands over with reset; the final answer is the analyst's", str(types[:12]))
    ok(ans.final is not None and "checking account holds" not in ans.text,
       "no text from the failed provider survives the reset", ans.text[:80])
    ok(stored_message(ans.req["reply_message_id"]).get("text") == ans.text, "stored text equals the client's assembled text")
finally:
    stop_all(workers)
    mock.kill()
    chunks.close()
done()
