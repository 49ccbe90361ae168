"""40: one request through one worker, end to end on the local stack."""
import json
import signal
import time

from worker_itest import (Answer, collect, done, follow_from_end, ok, put_context, put_message,
                          golden_request, send_request, start_workers, stop_all, stored_message,
                          new_traceparent, worker_pid)

workers = start_workers(1)
try:
    req = golden_request(reply_partition=5, text="How much did I spend on groceries this month?")
    put_context(req["user_id"])
    # An earlier turn of the conversation, for the history.
    put_message({"_id": req["message_id"] + "-prev", "conversation_id": req["conversation_id"],
                 "user_id": req["user_id"], "role": "user", "text": "Hi, what is my net worth?",
                 "status": "complete", "created_at": "2026-01-01T10:00:00Z"})
    chunks = follow_from_end("finchat.chat.chunks", [5])
    tp = new_traceparent()
    t0 = time.time()
    send_request(req, tp)
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
    elapsed = time.time() - t0
    ok(ans.final is not None, "final chunk arrives", f"events={ans.types()[:5]} error={ans.error}")
    ok(not ans.problems, "every chunk valid (schema, headers, key, seq order)",
       "; ".join(ans.problems[:3]))
    types = ans.types()
    ok(types[:1] == ["start"] and types[-1:] == ["final"] and "token" in types,
       "start, tokens, final in order", str(types[:3] + types[-2:]))
    start = ans.events[0][3] if ans.events else {}
    ok(start.get("request_id") == req["request_id"] and start.get("attempt") == 1
       and ":" in start.get("worker", "") and start.get("provider"), "start data", json.dumps(start))
    ok(all(e[2] == 1 * 1000000 + i for i, e in enumerate(ans.events)),
       "seq = attempt * 1000000 + n")
    trace = tp.split("-")[1]
    ok(all(e[4].get("traceparent", "").split("-")[1] == trace for e in ans.events),
       "traceparent keeps the request's trace id")
    msg = stored_message(req["reply_message_id"])
    ok(msg is not None and msg.get("status") == "complete", "assistant message stored complete",
       str(msg and msg.get("status")))
    if msg and ans.final:
        ok(msg["text"] == ans.text and len(ans.text) > 0, "assembled text equals the stored text",
           f"stored {len(msg['text'])} chars, assembled {len(ans.text)}")
        ok(ans.final["text_length"] == len(msg["text"]), "final.text_length counts characters")
        ok(ans.final["message_id"] == req["reply_message_id"], "final.message_id")
        ok(msg["attempt"] == 1 and msg["request_id"] == req["request_id"]
           and msg["role"] == "assistant" and msg["conversation_id"] == req["conversation_id"]
           and msg["usage"]["completion_tokens"] >= 0 and msg.get("provider"),
           "stored fields (attempt, request, role, conversation, usage, provider)")
    print(f"# answered in {elapsed:.2f}s, {len(ans.events)} chunks, ttft "
          f"{ans.final and ans.final['timings']['ttft_ms']} ms (worker side)")

    # Drain: SIGTERM exits 0 after committing; a new worker must not answer again.
    code = workers[0].stop()
    ok(code == 0, "SIGTERM drains and exits 0", f"exit {code}")
    ok("worker stopped" in workers[0].log_text(), "drain logged")
    workers = start_workers(1)
    again = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: again}, lambda: again.finished, 8)
    ok(not again.events, "offset committed: no second answer after restart",
       str(again.types()[:3]))

    # SIGTERM while answering: the answer still completes, then the worker exits 0.
    stop_all(workers)
    workers = start_workers(1, FINCHAT_ANALYST_PACE_MS=80)
    drained = None
    for _ in range(8):
        req = golden_request(reply_partition=5, text="What are my subscriptions costing me?")
        put_context(req["user_id"])
        send_request(req)
        ans = Answer(req["request_id"])
        collect(chunks, {req["request_id"]: ans},
                lambda: ans.finished or "token" in ans.types(), 20)
        if worker_pid(ans) == workers[0].pid and not ans.finished:
            drained = workers[0]
            break
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
    ok(drained is not None, "our worker is answering when SIGTERM comes")
    if drained:
        drained.proc.send_signal(signal.SIGTERM)
        collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
        code = drained.stop()
        ok(ans.final is not None and not any(e[0] == "reset" for e in ans.events),
           "the answer in flight completes during the drain", str(ans.types()[-3:]))
        ok(code == 0, "drained worker exits 0", f"exit {code}")
        msg = stored_message(req["reply_message_id"])
        ok(msg and msg["text"] == ans.text, "drained answer stored")
    chunks.close()
finally:
    stop_all(workers)
done()
