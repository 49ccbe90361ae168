"""49: a conversation's next question takes its turns from the worker that recorded them.

One worker answers through the scripted mock (FINCHAT_LLM_CHAIN=openai,analyst). Three
questions of one conversation, one after the other: each prompt the mock receives holds
every earlier question and answer; the first read the conversation's turns from MongoDB (a
miss), the second and third took them from the worker's own record of the answer before
(finchat_worker_history_cache_hits_total: 2, misses: 1). A new worker process has no record:
its first question of the conversation reads MongoDB, and its prompt holds all the turns.
A worker whose MongoDB is gone asks the provider at most once for a web chat's question it
cannot claim (its retries load the documents and claim again; the claim is applied first),
and the question ends with an error (dependency_down or timeout) at its deadline."""
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import free_port  # noqa: E402
from worker_itest import (Answer, Worker, collect, done, follow_from_end,  # noqa: E402
                          golden_request, ok, put_context, send_request, start_mock,
                          start_workers, stop_all)


def counts(health, want):
    """The worker's (hits, misses) once they are @want, or as they are after 5 s (its status
    snapshot, which /metrics shows, is taken every second)."""
    end = time.time() + 5
    while True:
        text = urllib.request.urlopen(f"http://127.0.0.1:{health}/metrics",
                                      timeout=5).read().decode()
        hit = re.search(r"^finchat_worker_history_cache_hits_total (\d+)", text, re.M)
        miss = re.search(r"^finchat_worker_history_cache_misses_total (\d+)", text, re.M)
        got = (int(hit.group(1)) if hit else -1, int(miss.group(1)) if miss else -1)
        if got == want or time.time() > end:
            return got
        time.sleep(0.2)


def prompt_of(port, question):
    """The messages of the mock's request whose last user message is @question."""
    reqs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/__requests",
                                             timeout=10).read())
    for r in reqs:
        msgs = (r.get("body") or {}).get("messages") or []
        users = [m for m in msgs if m.get("role") == "user"]
        if users and question in str(users[-1].get("content")):
            return "\n".join(str(m.get("content")) for m in msgs)
    return ""


mock, port = start_mock("--tps", "0")
health = free_port()
env = dict(FINCHAT_LLM_CHAIN="openai,analyst", OPENAI_API_KEY="test-key",
           OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_MODEL="mock",
           FINCHAT_WORKER_HEALTH_ADDR=f"127.0.0.1:{health}")
workers = start_workers(1, **env)
try:
    chunks = follow_from_end("finchat.chat.chunks", [2])
    first = golden_request(reply_partition=2)
    put_context(first["user_id"])
    turns = []  # (question, answer) so far

    def ask(question):
        req = golden_request(reply_partition=2, user_id=first["user_id"],
                             conversation_id=first["conversation_id"], text=question)
        send_request(req)
        ans = Answer(req["request_id"])
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
        return ans

    for i, q in enumerate(["Question one: my net worth?", "Question two: my subscriptions?",
                           "Question three: my budget?"]):
        ans = ask(q)
        ok(ans.final is not None and ans.text, f"answer {i + 1}", str(ans.error))
        prompt = prompt_of(port, q)
        ok(all(tq in prompt and ta[:40] in prompt for tq, ta in turns),
           f"prompt {i + 1} holds the {len(turns)} earlier turns", prompt[:300])
        turns.append((q, ans.text))
    hits, misses = counts(health, (2, 1))
    ok(hits == 2 and misses == 1, "turns 2 and 3 came from the worker's record",
       f"hits {hits}, misses {misses}")

    stop_all(workers)
    workers = start_workers(1, **env)
    q = "Question four: my cash flow?"
    ans = ask(q)
    prompt = prompt_of(port, q)
    ok(ans.final is not None and all(tq in prompt and ta[:40] in prompt for tq, ta in turns),
       "a new worker reads the turns from MongoDB: all three are in its prompt", prompt[:300])
    got = counts(health, (0, 1))
    ok(got == (0, 1), "its first question was a miss", str(got))

    # MongoDB gone for the worker: the question cannot be claimed.
    stop_all(workers)
    dead = dict(env, FINCHAT_MONGO_URL=f"mongodb://127.0.0.1:{free_port()}/finchat"
                "?serverSelectionTimeoutMS=300", FINCHAT_WORKER_HEALTH_ADDR="")
    workers = [Worker(f"nomongo-{os.getpid()}", **dead)]
    workers[0].wait_log("assigned partitions [", 40)
    time.sleep(2)
    q = "Question five: can this be stored?"
    req = golden_request(reply_partition=2, text=q)
    req["deadline_ms"] = req["created_ms"] + 6000
    send_request(req)
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 20)
    reqs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/__requests",
                                             timeout=10).read())
    asked = sum(1 for r in reqs if q in json.dumps(r.get("body")))
    ok(ans.error is not None and ans.error.get("code") in ("dependency_down", "timeout"),
       "an unclaimable question ends with an error at its deadline", str(ans.error))
    ok(asked <= 1, "the provider was asked at most once for it", f"{asked} times")
    chunks.close()
finally:
    stop_all(workers)
    mock.terminate()
done()
