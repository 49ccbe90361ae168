"""54-chat-rate-race: the per-user chat rate holds under concurrent posts.

A private gateway with FINCHAT_CHAT_RATE_LIMIT=5; a fresh user fires 12 questions at once,
each in its own conversation, over 12 connections. chat_request_open() counts the user's
requests of the last minute under a per-user lock, so exactly 5 are accepted (202) and 7 are
429 rate_limited with Retry-After, and exactly 5 chat_requests rows exist for the user: no
race lets a sixth through, and a refused post records nothing: the user message documents are
stored while PostgreSQL opens the request, and the refused posts' are removed again, so exactly
5 exist. A post to another user's conversation is 404 and leaves no document either."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import Gateway, auth, check, done, is_error, login, request, wait_http  # noqa: E402
from finlib import psql_one  # noqa: E402
from worker_itest import mongo  # noqa: E402

LIMIT, POSTS = 5, 12

gw = None
try:
    gw = Gateway(FINCHAT_CHAT_RATE_LIMIT=LIMIT)
    url = gw.url
    wait_http(url, "/readyz")
    email = f"rate-{os.getpid()}-{int(time.time())}@example.com"
    request("POST", "/api/v1/auth/register", {"email": email, "password": "RatePass2026!", "name": "Rate"}, url=url)
    H = auth(login(email, "RatePass2026!", url=url))
    convs = [request("POST", "/api/v1/conversations", {"title": f"race {i}"}, headers=H, url=url).json()["id"]
             for i in range(POSTS)]
    results = [None] * POSTS
    go = threading.Barrier(POSTS)

    def post(i):
        go.wait()
        results[i] = request("POST", f"/api/v1/conversations/{convs[i]}/messages",
                             {"text": "What is my net worth?"}, headers=H, url=url)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(POSTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [r for r in results if r and r.status == 202]
    limited = [r for r in results if r and is_error(r, 429, "rate_limited") and int(r.header("retry-after") or 0) >= 1]
    check(len(accepted) == LIMIT, f"{POSTS} concurrent posts with a limit of {LIMIT}: exactly {LIMIT} accepted",
          str(sorted(r.status if r else None for r in results)))
    check(len(limited) == POSTS - LIMIT, f"the other {POSTS - LIMIT} are 429 rate_limited with Retry-After")
    rows = psql_one("SELECT count(*) FROM chat_requests r JOIN users u ON u.id = r.user_id WHERE u.email = :'a1'", email)
    check(rows == str(LIMIT), f"exactly {LIMIT} chat_requests rows exist for the user", str(rows))
    uid = request("GET", "/api/v1/me", headers=H, url=url).json()["user"]["id"]
    docs = mongo().messages.count_documents({"user_id": uid, "role": "user"})
    check(docs == LIMIT, f"exactly {LIMIT} user messages are stored: the refused posts' were removed", str(docs))

    other = f"rate-other-{os.getpid()}-{int(time.time())}@example.com"
    request("POST", "/api/v1/auth/register", {"email": other, "password": "RatePass2026!", "name": "Other"}, url=url)
    OH = auth(login(other, "RatePass2026!", url=url))
    theirs = request("POST", "/api/v1/conversations", {"title": "theirs"}, headers=OH, url=url).json()["id"]
    r = request("POST", f"/api/v1/conversations/{theirs}/messages", {"text": "What is my net worth?"},
                headers=H, url=url)
    check(is_error(r, 404, "not_found"), "a post to another user's conversation is 404", str(r.status))
    check(mongo().messages.count_documents({"conversation_id": theirs}) == 0,
          "and leaves no message in their conversation")
finally:
    if gw:
        gw.stop()
done()
