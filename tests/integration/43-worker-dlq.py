"""43: poison messages and exhausted attempts end in finchat.chat.dlq."""
import json
import uuid

from worker_itest import (Answer, collect, done, follow_from_end, golden_request, ok, produce,
                          put_message, schema_errors, send_request, start_workers, stop_all,
                          std_headers, stored_message)

workers = start_workers(1)
dlq = follow_from_end("finchat.chat.dlq")
chunks = follow_from_end("finchat.chat.chunks", [3])


def dlq_entry(pred, timeout=20):
    """The next DLQ entry matching @pred, validated."""
    import time
    end = time.time() + timeout
    while time.time() < end:
        m = dlq.get(end - time.time())
        if m is None:
            continue
        doc = json.loads(m["value"])
        if pred(doc):
            return doc, m
    return None, None


try:
    # 1. Bytes that are not JSON.
    marker = uuid.uuid4().hex
    produce("finchat.chat.requests", "poison-" + marker, "not json {" + marker,
            std_headers("finchat.chat.request/1", "x"))
    doc, m = dlq_entry(lambda d: marker in json.dumps(d.get("request")))
    ok(doc is not None, "undecodable request reaches the DLQ")
    if doc:
        ok(not schema_errors("dlq", doc), "DLQ entry valid", str(schema_errors("dlq", doc)[:1]))
        ok(doc["reason"].startswith("invalid_request: ") and doc["request"] == "not json {" + marker
           and doc["request_id"] == "00000000-0000-0000-0000-000000000000",
           "reason, raw text kept, nil request id", json.dumps(doc)[:200])
        ok(m["headers"].get("schema") == "finchat.chat.dlq/1", "DLQ headers")

    # 2. A request with a text over 4000 characters: its client hears invalid_request.
    req = golden_request(reply_partition=3, text="x" * 4001)
    send_request(req)
    doc, m = dlq_entry(lambda d: d.get("request_id") == req["request_id"])
    ok(doc is not None and doc["request"]["text"] == req["text"] and "text" in doc["reason"],
       "invalid request reaches the DLQ with its reason", doc and doc["reason"])
    ok(m and m["key"] == req["request_id"], "DLQ key is the request id")
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 10)
    ok(ans.error and ans.error["code"] == "invalid_request", "error chunk invalid_request",
       str(ans.error))

    # 3. A request whose message store says it was already tried 3 times (max attempts 3).
    req = golden_request(reply_partition=3)
    put_message({"_id": req["reply_message_id"], "conversation_id": req["conversation_id"],
                 "user_id": req["user_id"], "role": "assistant", "text": "",
                 "status": "streaming", "attempt": 3, "request_id": req["request_id"]})
    send_request(req)
    doc, m = dlq_entry(lambda d: d.get("request_id") == req["request_id"])
    ok(doc is not None and doc["reason"].startswith("max_attempts") and doc["attempt"] == 4
       and doc["request"]["request_id"] == req["request_id"],
       "request past FINCHAT_MAX_ATTEMPTS goes to the DLQ", doc and doc["reason"])
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 10)
    ok(ans.error and ans.error["code"] == "max_attempts" and "token" not in ans.types(),
       "its client gets error max_attempts", str(ans.error))
    msg = stored_message(req["reply_message_id"])
    ok(msg and msg["status"] == "error" and msg.get("error_code") == "max_attempts",
       "stored as error max_attempts", str(msg and msg["status"]))
    # The worker is still healthy afterwards.
    req = golden_request(reply_partition=3)
    send_request(req)
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, 30)
    ok(ans.final is not None, "a valid request after the poison ones is answered")
finally:
    dlq.close()
    chunks.close()
    stop_all(workers)
done()
