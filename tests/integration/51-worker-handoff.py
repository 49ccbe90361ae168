"""51: a full worker hands over what another worker can start, and parks the rest in order.

Two workers share the partitions of finchat.chat.requests; one may answer a single request at
a time (FINCHAT_WORKER_MAX_INFLIGHT=1), the other many. Every answer comes from the scripted
provider, 40 tokens at 10 a second (4 s each). Requests are produced straight onto a partition
the full worker owns, so no placement by a gateway helps:
1. While it answers one request, five that stand alone (they carry the client's turns, as the
   facade's do) arrive on its partition: each is handed over, a copy with the header
   handed-over-by on a partition of the other worker, and all five start within 2 s (waiting
   for the full worker would start them 4 s apart); the full worker counts five handed over.
2. While it answers another, two questions of one conversation arrive on its partition (a
   conversation keeps its order, so they are not handed over): they are parked, answered by
   the full worker itself, each started only after the one before it ended (its limit of one
   holds), the first before the second; it counts them parked.
Every request is answered once, its offset committed (nothing is read again)."""
import json
import re
import time
import urllib.request

from fclib import free_port  # noqa: E402
from worker_itest import (REQUESTS, Answer, collect, done, follow_from_end, golden_request, ok,
                          produce, put_context, start_mock, start_workers, std_headers,
                          stop_all)

HISTORY = [{"role": "user", "text": "What are my subscriptions?"},
           {"role": "assistant", "text": "You have 5 subscriptions."}]
REPLY = 3


def owned(worker):
    """The partitions of finchat.chat.requests the worker holds, from its assignment log."""
    parts = set()
    for kind, lst in re.findall(r"(assigned|revoked) partitions \[([\d,]*)\] of finchat\.chat\.requests",
                                worker.log_text()):
        ids = {int(x) for x in lst.split(",") if x}
        parts = parts | ids if kind == "assigned" else parts - ids
    return parts


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    m = re.search(r"^finchat_worker_%s_total (\d+)" % name, text, re.M)
    return int(m.group(1)) if m else -1


def send(req, partition):
    """Produces @req onto @partition, keyed as the gateway keys it."""
    key = req["request_id"] if req.get("history") is not None else req["conversation_id"]
    produce(REQUESTS, key, json.dumps(req, separators=(",", ":")),
            std_headers("finchat.chat.request/1", req["request_id"]), partition=partition)


def started_by(ans):
    for typ, _a, _s, data, _h in ans.events:
        if typ == "start":
            return int(data["worker"].rsplit(":", 1)[1])
    return None


mock, port = start_mock("--tps", "10", "--tokens", "40")
health = [free_port(), free_port()]
env = dict(FINCHAT_LLM_CHAIN="openai,analyst", OPENAI_API_KEY="test-key",
           OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_MODEL="mock")
workers = start_workers(2, envs=[{"FINCHAT_WORKER_MAX_INFLIGHT": "1",
                                  "FINCHAT_WORKER_HEALTH_ADDR": f"127.0.0.1:{health[0]}"},
                                 {"FINCHAT_WORKER_HEALTH_ADDR": f"127.0.0.1:{health[1]}"}], **env)
full, roomy = workers
try:
    mine, theirs = owned(full), owned(roomy)
    ok(mine and theirs and not mine & theirs, "each worker holds partitions of its own",
       f"{sorted(mine)} / {sorted(theirs)}")
    part = min(mine) if mine else 0
    chunks = follow_from_end("finchat.chat.chunks", [REPLY])
    reqs = follow_from_end(REQUESTS)
    starts, ends = {}, {}

    def run(answers, until, timeout):
        """Collects chunks, noting when each request's start and last chunks arrived."""
        def done_yet():
            for rid, a in answers.items():
                if rid not in starts and any(e[0] == "start" for e in a.events):
                    starts[rid] = time.time()
                if rid not in ends and a.finished:
                    ends[rid] = time.time()
            return until()
        collect(chunks, answers, done_yet, timeout)

    # 1. Standalone requests behind a busy worker are handed over.
    first = golden_request(reply_partition=REPLY, history=HISTORY, text="What is my net worth?")
    put_context(first["user_id"])
    answers = {first["request_id"]: Answer(first["request_id"])}
    send(first, part)
    run(answers, lambda: first["request_id"] in starts, 20)
    ok(started_by(answers[first["request_id"]]) == full.pid, "the full worker starts the first")
    alone = []
    t0 = time.time()
    for i in range(5):
        r = golden_request(reply_partition=REPLY, history=HISTORY, user_id=first["user_id"],
                           text=f"Question {i}: how much did I spend this month?")
        alone.append(r)
        answers[r["request_id"]] = Answer(r["request_id"])
        send(r, part)
    run(answers, lambda: all(a.finished for a in answers.values()), 60)
    ok(all(a.final is not None and not a.problems for a in answers.values()),
       "every request is answered", str([(a.types()[:3], a.error) for a in answers.values()]))
    by = [started_by(answers[r["request_id"]]) for r in alone]
    ok(all(b == roomy.pid for b in by), "the five are answered by the worker with room",
       f"{by} (full {full.pid}, roomy {roomy.pid})")
    late = [round(starts.get(r["request_id"], 1e12) - t0, 2) for r in alone]
    ok(max(late) < 2.0, "all five start within 2 s (one after another they would take 4 s each)",
       str(late))
    copies = {}
    end = time.time() + 10
    while time.time() < end and len(copies) < 5:
        m = reqs.get(end - time.time())
        if m and m["headers"].get("handed-over-by"):
            copies[m["headers"].get("request-id")] = (m["partition"], m["headers"]["handed-over-by"])
    ok(set(copies) == {r["request_id"] for r in alone}
       and all(p not in mine and by_.endswith(f":{full.pid}") for p, by_ in copies.values()),
       "each was handed over: a copy with handed-over-by on a partition the full worker does not own",
       str(copies))
    ok(metric(health[0], "handed_over") == 5, "the full worker counts five handed over",
       str(metric(health[0], "handed_over")))

    # 2. A conversation's questions wait for the full worker, in order.
    busy = golden_request(reply_partition=REPLY, history=HISTORY, user_id=first["user_id"],
                          text="What is my net worth today?")
    convo = [golden_request(reply_partition=REPLY, user_id=first["user_id"], text=t)
             for t in ("How much did I spend on groceries?", "And on dining out?")]
    convo[1]["conversation_id"] = convo[0]["conversation_id"]
    answers = {r["request_id"]: Answer(r["request_id"]) for r in [busy] + convo}
    send(busy, part)
    run(answers, lambda: busy["request_id"] in starts, 20)
    for r in convo:
        send(r, part)
    run(answers, lambda: all(a.finished for a in answers.values()), 60)
    ok(all(a.final is not None for a in answers.values()), "the conversation's questions are answered",
       str([(a.types()[:3], a.error) for a in answers.values()]))
    ok([started_by(answers[r["request_id"]]) for r in convo] == [full.pid, full.pid],
       "by the full worker itself: they were not handed over")
    s0, s1 = (starts.get(r["request_id"], 0) for r in convo)
    ok(0 < s0 < s1, "the first question started before the second")
    ok(ends.get(busy["request_id"], 1e12) <= s0 and ends.get(convo[0]["request_id"], 1e12) <= s1,
       "each started only once the one before it had ended: one answer at a time, as limited")
    ok(metric(health[0], "parked") >= 2, "the full worker counts them parked",
       str(metric(health[0], "parked")))

    # Nothing is read twice: once committed, a worker joining later finds no work.
    time.sleep(2)
    ok(metric(health[0], "consumed") + metric(health[1], "consumed") == 9,
       "every request was taken up once (5 of them as handed-over copies)",
       f"{metric(health[0], 'consumed')} + {metric(health[1], 'consumed')}")
    reqs.close()
    chunks.close()
finally:
    stop_all(workers)
    mock.terminate()
done()
