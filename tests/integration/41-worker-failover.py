"""41: kill -9 of the worker that is answering; the other worker takes over."""
import time

from worker_itest import (Answer, collect, done, follow_from_end, golden_request, ok, put_context,
                          send_request, start_workers, stop_all, stored_message, worker_pid)

# A slow pace keeps the answer streaming long enough to kill its worker in the middle.
workers = start_workers(2, FINCHAT_ANALYST_PACE_MS=120)
mine = {w.pid: w for w in workers}
chunks = follow_from_end("finchat.chat.chunks", [1])
try:
    victim = ans = req = None
    # Other workers (make up's) share the group: retry until one of ours answers.
    for _ in range(8):
        req = golden_request(reply_partition=1,
                             text="Give me a detailed breakdown of my spending this month")
        put_context(req["user_id"])
        send_request(req)
        ans = Answer(req["request_id"])
        collect(chunks, {req["request_id"]: ans},
                lambda: ans.finished or ans.types().count("token") >= 3, 20)
        pid = worker_pid(ans)
        if pid in mine and not ans.finished:
            victim = mine[pid]
            break
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
    ok(victim is not None, "one of our workers is answering mid-stream")
    if victim:
        partial = ans.text
        victim.kill9()
        t_kill = time.time()
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
        took = time.time() - t_kill
        ok(ans.final is not None, "complete answer after kill -9 within 30 s",
           f"{took:.1f}s, events {ans.types()[-5:]}, error {ans.error}")
        resets = [e for e in ans.events if e[0] == "reset"]
        ok(resets and resets[0][3] == {"attempt": 2, "reason": "worker_failover"}
           and resets[0][1] == 2 and resets[0][2] == 2 * 1000000,
           "reset {attempt:2, reason:worker_failover} opens attempt 2",
           str(resets[:1] and resets[0][:4]))
        after = ans.events[ans.events.index(resets[0]) + 1:] if resets else []
        ok(after and after[0][0] == "start" and after[0][3]["attempt"] == 2
           and int(after[0][3]["worker"].rsplit(":", 1)[1]) != victim.pid,
           "attempt 2 starts on another worker")
        ok(not ans.problems, "chunks valid, seq only grows", "; ".join(ans.problems[:3]))
        msg = stored_message(req["reply_message_id"])
        ok(msg and msg["status"] == "complete" and msg["attempt"] == 2 and msg["text"] == ans.text,
           "stored message is attempt 2 and equals the assembled text",
           str(msg and (msg["status"], msg["attempt"], len(msg["text"]), len(ans.text))))
        ok(len(partial) > 0 and ans.text != "", "the partial answer was discarded by the reset")
        print(f"# failover took {took:.1f}s after the kill")
finally:
    chunks.close()
    stop_all(workers)
done()
