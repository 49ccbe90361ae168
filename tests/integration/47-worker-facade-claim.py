"""47: a facade request's question is stored by the worker, with the claim of its answer.

A request that carries the client's own turns (the OpenAI-compatible facade) reaches the
worker without its question in MongoDB: the gateway leaves it to the worker, which stores the
question and claims the answer in one unordered insert before any chunk goes out.
1. A first delivery: the question is stored (role user, the request's ids and text,
   created_at = created_ms) and the answer is sent and stored as attempt 1.
2. A delivery whose question is stored already but whose answer was never claimed (an
   earlier delivery got no further): answered as attempt 1, the stored question unchanged.
3. A redelivery: the question and a "streaming" claim of attempt 1 are stored: the answer
   goes out as attempt 2 (a reset first), the stored question unchanged, no second one."""
import datetime

from worker_itest import (Answer, collect, done, follow_from_end, golden_request, mongo, ok,
                          put_context, put_message, send_request, start_workers, stop_all,
                          stored_message)

HISTORY = [{"role": "user", "text": "What are my subscriptions?"},
           {"role": "assistant", "text": "You have 5 subscriptions."}]
EARLIER = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def question_doc(req, created_at):
    return {"_id": req["message_id"], "conversation_id": req["conversation_id"],
            "user_id": req["user_id"], "role": "user", "text": req["text"],
            "status": "complete", "request_id": req["request_id"], "created_at": created_at}


def answer(req, chunks, timeout=30):
    send_request(req)
    ans = Answer(req["request_id"])
    collect(chunks, {req["request_id"]: ans}, lambda: ans.finished, timeout)
    return ans


def as_utc(d):
    return d.replace(tzinfo=datetime.timezone.utc) if d.tzinfo is None else d


workers = start_workers(1)
try:
    chunks = follow_from_end("finchat.chat.chunks", [4])

    # 1. First delivery.
    req = golden_request(reply_partition=4, history=HISTORY,
                         text="How much did I spend on groceries this month?")
    put_context(req["user_id"])
    ans = answer(req, chunks)
    ok(ans.final is not None and not ans.problems, "the facade request is answered",
       f"{ans.types()[:4]} {ans.error} {ans.problems[:2]}")
    q = stored_message(req["message_id"])
    ok(q is not None and q["role"] == "user" and q["text"] == req["text"]
       and q["request_id"] == req["request_id"] and q["conversation_id"] == req["conversation_id"]
       and q["user_id"] == req["user_id"] and q["status"] == "complete",
       "the worker stored the question", str(q))
    if q:
        at_ms = int(as_utc(q["created_at"]).timestamp() * 1000)
        ok(abs(at_ms - req["created_ms"]) <= 1, "the question's created_at is the request's",
           f"{at_ms} vs {req['created_ms']}")
    a = stored_message(req["reply_message_id"])
    ok(a is not None and a["status"] == "complete" and a["attempt"] == 1
       and a["text"] == ans.text, "the answer is stored complete as attempt 1",
       str(a and (a["status"], a["attempt"])))
    ok(all(e[1] == 1 for e in ans.events), "every chunk is of attempt 1")

    # 2. The question is there already, the answer unclaimed.
    req = golden_request(reply_partition=4, history=HISTORY, text="What is my net worth?")
    put_context(req["user_id"])
    put_message(question_doc(req, EARLIER))
    ans = answer(req, chunks)
    ok(ans.final is not None and all(e[1] == 1 for e in ans.events),
       "a stored question does not stop the first answer", f"{ans.types()[:4]} {ans.error}")
    q = stored_message(req["message_id"])
    ok(q is not None and as_utc(q["created_at"]) == EARLIER, "the stored question is unchanged",
       str(q and q["created_at"]))
    a = stored_message(req["reply_message_id"])
    ok(a is not None and a["status"] == "complete" and a["attempt"] == 1,
       "the answer is stored complete as attempt 1", str(a and (a["status"], a["attempt"])))

    # 3. A redelivery: question and claim of attempt 1 stored.
    req = golden_request(reply_partition=4, history=HISTORY, text="Am I on track with my budget?")
    put_context(req["user_id"])
    put_message(question_doc(req, EARLIER))
    put_message({"_id": req["reply_message_id"], "conversation_id": req["conversation_id"],
                 "user_id": req["user_id"], "role": "assistant", "text": "", "status": "streaming",
                 "attempt": 1, "request_id": req["request_id"], "reply_to": req["message_id"],
                 "created_at": EARLIER})
    ans = answer(req, chunks)
    types = ans.types()
    ok(ans.final is not None and types[:1] == ["reset"] and all(e[1] == 2 for e in ans.events),
       "a claimed answer is sent again as attempt 2, a reset first", f"{types[:3]} {ans.error}")
    a = stored_message(req["reply_message_id"])
    ok(a is not None and a["status"] == "complete" and a["attempt"] == 2
       and a["text"] == ans.text, "the answer is stored complete as attempt 2",
       str(a and (a["status"], a["attempt"])))
    q = stored_message(req["message_id"])
    n = mongo().messages.count_documents({"conversation_id": req["conversation_id"],
                                          "role": "user"})
    ok(q is not None and as_utc(q["created_at"]) == EARLIER and n == 1,
       "the question is stored once, unchanged", f"{n} questions")
    chunks.close()
finally:
    stop_all(workers)
done()
