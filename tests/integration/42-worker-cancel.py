"""42: cancel through finchat.chat.control."""
from worker_itest import (Answer, collect, done, follow_from_end, golden_request, ok, put_context,
                          send_cancel, send_request, start_workers, stop_all, stored_message)

workers = start_workers(1, FINCHAT_ANALYST_PACE_MS=150)
chunks = follow_from_end("finchat.chat.chunks", [2])
try:
    req = golden_request(reply_partition=2, text="Explain my budget status in detail")
    put_context(req["user_id"])
    send_request(req)
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: "token" in ans.types() or ans.finished, 20)
    ok("token" in ans.types() and not ans.finished, "answer is streaming")
    send_cancel(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 10)
    ok(ans.error is not None and ans.error["code"] == "canceled", "error chunk with code canceled",
       str(ans.error or ans.types()[-3:]))
    ok(ans.final is None, "no final after a cancel")
    ok(not ans.problems, "chunks valid", "; ".join(ans.problems[:3]))
    msg = stored_message(req["reply_message_id"])
    ok(msg and msg["status"] == "canceled" and msg["text"] == ans.text,
       "stored canceled with the text the client saw", str(msg and msg["status"]))

    # A cancel that arrives before its request (the client gave up while it was queued).
    req2 = golden_request(reply_partition=2)
    send_cancel(req2["request_id"])
    import time
    time.sleep(1.5)
    send_request(req2)
    ans2 = Answer(req2["request_id"])
    collect(chunks, {req2["request_id"]: ans2}, lambda: ans2.finished, 20)
    ok(ans2.error is not None and ans2.error["code"] == "canceled" and "token" not in ans2.types(),
       "a cancel seen before the request ends it at once", str(ans2.types()))
finally:
    chunks.close()
    stop_all(workers)
done()
