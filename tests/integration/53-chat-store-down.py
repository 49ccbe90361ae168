"""53-chat-store-down: a question the message store cannot take is not accepted.

With a private gateway whose MongoDB address is dead (PostgreSQL and Kafka are the stack's):
- posting a question answers 503 dependency_down, within the store's selection timeout;
- the request is recorded in chat_requests as an error that was not sent;
- nothing reaches finchat.chat.requests, so no worker ever answers it;
- the stack's gateway lists no message for it, and it has no stream (404).
Then the same question through the stack's gateway is accepted (the failure left nothing
behind that blocks the conversation)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import Gateway, auth, check, done, free_port, is_error, login, request  # noqa: E402
from finlib import psql_one  # noqa: E402
from worker_itest import REQUESTS, follow_from_end  # noqa: E402

Q = "How much did I spend on groceries this month?"

H = auth(login())
conv = request("POST", "/api/v1/conversations", {"title": "store down"}, headers=H).json()["id"]
dead = free_port()  # nothing listens here
requests = follow_from_end(REQUESTS)
gw = None
try:
    gw = Gateway(FINCHAT_MONGO_URL=f"mongodb://127.0.0.1:{dead}/finchat?serverSelectionTimeoutMS=1000")
    url_b = gw.url
    # The gateway learns its reply partitions from Kafka shortly after start.
    for _ in range(100):
        r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": Q}, headers=H, url=url_b)
        if not (r.status == 503 and b"message bus is not ready" in r.body):
            break
        time.sleep(0.1)
    check(is_error(r, 503, "dependency_down") and b"message store" in r.body,
          "a question the message store cannot take is 503 dependency_down", f"{r.status} {r.body[:200]!r}")

    row = psql_one("SELECT status || ' ' || coalesce(error_code, '') FROM chat_requests "
                   "WHERE conversation_id = :'a1'::uuid ORDER BY created_at DESC LIMIT 1", conv)
    check(row == "error not_sent", "the request is recorded as an error that was not sent", str(row))
    req_id = psql_one("SELECT id FROM chat_requests WHERE conversation_id = :'a1'::uuid "
                      "ORDER BY created_at DESC LIMIT 1", conv)

    seen = []
    end = time.time() + 3
    while time.time() < end:
        m = requests.get(end - time.time())
        if m and m["headers"].get("request-id") == req_id:
            seen.append(m)
    check(req_id and not seen, "nothing reaches finchat.chat.requests for it", str(seen[:1]))
    items = request("GET", f"/api/v1/conversations/{conv}/messages", headers=H).json()["items"]
    check(not [m for m in items if m["role"] == "user"],
          "the conversation lists no user message for the refused question", json.dumps(items)[:300])
    check(not [m for m in items if m["role"] == "assistant" and m.get("status") == "complete"],
          "no answer to the refused question is stored", json.dumps(items)[:300])
    r = request("GET", f"/api/v1/streams/{req_id}", headers=H)
    check(is_error(r, 404, "not_found"), "a request that was never accepted has no stream (404)",
          f"{r.status} {r.body[:200]!r}")

    r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": Q}, headers=H)
    check(r.status == 202, "the same question through a healthy gateway is accepted", f"{r.status} {r.body[:200]!r}")
finally:
    requests.close()
    if gw:
        gw.stop()
done()
