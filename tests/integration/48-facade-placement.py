"""48: the facade's requests go where a worker has room, not round-robin.

Two workers share the 6 partitions of finchat.chat.requests: one may answer a single request
at a time (FINCHAT_WORKER_MAX_INFLIGHT=1), the other many; both answer slowly (the analyst
paced at 100 ms a token). Twenty OpenAI-compatible requests of one API key are sent 100 ms
apart. The gateway places each on the partition where the fewest of its requests wait for a
worker to start them (api-gateway/chat/placement.h): the full worker's partitions fill up
with one waiting request each and are then passed over, so it is handed at most its running
request and one per partition it owns (4 with 3 partitions) instead of half of them (10, as
round-robin did), and every request is answered."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import auth, login, request  # noqa: E402
from worker_itest import done, follow_from_end, ok, start_workers, stop_all  # noqa: E402

N, GAP_S = 20, 0.1

workers = start_workers(2, envs=[{"FINCHAT_WORKER_MAX_INFLIGHT": "1"}, {}],
                        FINCHAT_ANALYST_PACE_MS="100")
full = workers[0]
try:
    H = auth(login())
    key = request("POST", "/api/v1/api-keys", {"name": f"placement {time.time()}"},
                  headers=H).json()
    KH = {"Authorization": "Bearer " + key["key"]}
    chunks = follow_from_end("finchat.chat.chunks")
    results = [None] * N

    def call(i):
        results[i] = request("POST", "/v1/chat/completions",
                             {"messages": [{"role": "user", "content": "What is my net worth?"}]},
                             headers=KH, timeout=180)

    threads = []
    for i in range(N):
        t = threading.Thread(target=call, args=(i,))
        t.start()
        threads.append(t)
        time.sleep(GAP_S)
    for t in threads:
        t.join(200)
    answered = [r for r in results if r is not None and r.status == 200]
    ok(len(answered) == N, "every request is answered",
       str([r and r.status for r in results]))
    rids = {r.json()["id"].removeprefix("chatcmpl-") for r in answered}
    started = {}
    end = time.time() + 20
    while time.time() < end and len(started) < len(rids):
        m = chunks.get(end - time.time())
        if m is None:
            continue
        doc = json.loads(m["value"])
        if doc.get("type") == "start" and doc.get("request_id") in rids:
            started.setdefault(doc["request_id"], doc["data"]["worker"])
    chunks.close()
    on_full = sum(1 for w in started.values() if int(w.rsplit(":", 1)[1]) == full.pid)
    ok(len(started) == len(rids), "a start chunk for each", f"{len(started)} of {len(rids)}")
    ok(0 < on_full <= 4, "the worker with room for one is handed at most 4 of 20",
       f"{on_full} of {len(started)}")
    request("DELETE", f"/api/v1/api-keys/{key['id']}", headers=H)
finally:
    stop_all(workers)
done()
