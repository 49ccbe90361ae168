"""44: 50 concurrent requests over two workers."""
import threading
import time

from worker_itest import (Answer, collect, done, follow_from_end, golden_request, ok, put_context,
                          send_request, start_workers, stop_all, stored_message)

N = 50
workers = start_workers(2)
chunks = follow_from_end("finchat.chat.chunks")
try:
    reqs = [golden_request(reply_partition=i % 8, text=f"Question {i}: how are my savings doing?")
            for i in range(N)]
    for r in reqs:
        put_context(r["user_id"])
    answers = {r["request_id"]: Answer(r["request_id"]) for r in reqs}
    t0 = time.time()
    threads = [threading.Thread(target=send_request, args=(r,)) for r in reqs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    collect(chunks, answers, lambda: all(a.finished for a in answers.values()), 90)
    took = time.time() - t0
    finals = sum(1 for a in answers.values() if a.final)
    ok(finals == N, f"all {N} requests complete", f"{finals} finals, errors "
       f"{[a.error for a in answers.values() if a.error][:3]}")
    ok(all(not a.problems for a in answers.values()), "every chunk valid",
       str([a.problems[:1] for a in answers.values() if a.problems][:2]))
    same = 0
    for r in reqs:
        msg = stored_message(r["reply_message_id"])
        if msg and msg["text"] == answers[r["request_id"]].text and msg["status"] == "complete":
            same += 1
    ok(same == N, "every assembled answer equals its stored message", f"{same}/{N}")
    pids = {a.events[0][3]["worker"] for a in answers.values() if a.events}
    ttfts = sorted(a.final["timings"]["ttft_ms"] for a in answers.values() if a.final)
    print(f"# {N} answers in {took:.1f}s by {len(pids)} workers; worker ttft p50 "
          f"{ttfts[len(ttfts) // 2] if ttfts else '-'} ms, max {ttfts[-1] if ttfts else '-'} ms")
finally:
    chunks.close()
    stop_all(workers)
done()
