"""50-reconnect-1000: 1,000 SSE readers of one answer reconnecting with Last-Event-ID at the
same moment, mid-answer, each from a different point of the stream (as after a network blip
or a gateway restart). Every reader gets exactly the events after its id up to `final`, and
its text (what it had plus what it got) equals the stored message; the gateway stays within
bounded memory and releases it once they are gone."""
import asyncio
import os
import random
import time

from fclib import check, done
from faultlib import URL, SSELines, User, Reader, assemble, mock, note, pid_of, rss_kb, stored_answers

N = int(os.environ.get("FINCHAT_FAULT_RECONNECTS", "1000"))
FIRST = []  # seconds from connecting to the first bytes of the stream, per reader
HOST, PORT = URL.split("//")[1].split(":")[0], int(URL.rsplit(":", 1)[1])


async def resume(rid, auth, last_id):
    """One reader: HTTP/1.0 (the body ends with the connection), Last-Event-ID @last_id.
    Reads in bulk and parses once at the end, so a thousand of them cost the test little
    CPU on a busy machine. Returns (status, [(id, event, data)])."""
    t0 = time.time()
    reader, writer = await asyncio.open_connection(HOST, PORT)
    try:
        writer.write((f"GET /api/v1/streams/{rid} HTTP/1.0\r\nHost: {HOST}\r\nAuthorization: {auth}\r\n"
                      f"Last-Event-ID: {last_id}\r\n\r\n").encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        chunks = []
        while status == 200:
            data = await reader.read(65536)
            if not data:
                break
            if not chunks:
                FIRST.append(time.time() - t0)
            chunks.append(data)
    finally:
        writer.close()
    events, sse = [], SSELines()
    for line in b"".join(chunks).splitlines(keepends=True):
        e = sse.feed(line)
        if e is not None:
            events.append(e)
    return status, events


async def all_resume(rid, auth, points):
    work = asyncio.gather(*(resume(rid, auth, p) for p in points), return_exceptions=True)
    return await asyncio.wait_for(work, 120)


user = User()
mock("/__config", {"tps": 25, "tokens": 300})
rid = user.ask()
ref = Reader(user.H, rid, deadline_s=90)
end = time.time() + 30
while len(ref.events) < 60 and time.time() < end:
    time.sleep(0.05)
check(len(ref.events) >= 60, "the answer is streaming (60 events read)")
gw = pid_of("gateway")
rss0 = rss_kb(gw)
known = [e for e in ref.events if e[0] is not None]
points = [random.choice(known)[0] for _ in range(N)]
t0 = time.time()
results = asyncio.run(all_resume(rid, user.H["Authorization"], points))
took = time.time() - t0
rss1 = rss_kb(gw)
ref.join()
stored = stored_answers(user, rid)
text = stored[0]["text"] if len(stored) == 1 else None
check(ref.outcome() == "final" and assemble(ref.events) == text, "the reference reader's text equals the stored message")

errors = [r for r in results if isinstance(r, BaseException)]
ok = [(p, r) for p, r in zip(points, results) if not isinstance(r, BaseException)]
bad_status = [r[0] for _, r in ok if r[0] != 200]
finished = [(p, ev) for p, (st, ev) in ok if st == 200 and ev and ev[-1][1] == "final"]
check(not errors and not bad_status and len(finished) == N,
      f"all {N} readers reconnecting at once are served to the end",
      f"{len(errors)} failed ({errors[:1]}), statuses {sorted(set(bad_status))}, {len(finished)} reached final")
by_id = {e[0]: i for i, e in enumerate(ref.events)}
exact = [p for p, ev in finished if ev[0][0] == ref.events[by_id[p] + 1][0] and
         [e[0] for e in ev] == [e[0] for e in ref.events[by_id[p] + 1:]]]
check(len(exact) == len(finished), "each continues exactly after its Last-Event-ID: nothing lost or duplicated",
      f"{len(finished) - len(exact)} differ")
note(f"reconnect-1000: checked the event ids in {time.time() - t0 - took:.1f} s")
texts = [assemble(ref.events[: by_id[p] + 1] + ev) == text for p, ev in finished]
check(texts and all(texts), "what each assembled equals the stored message", f"{texts.count(False)} differ")
check(rss1 - rss0 < 200 * 1024, "the gateway's memory grew by less than 200 MB for them",
      f"{(rss1 - rss0) / 1024:.1f} MB")
time.sleep(2)
rss2 = rss_kb(gw)
FIRST.sort()
if FIRST:
    note(f"reconnect-1000: first bytes after reconnecting: median {FIRST[len(FIRST) // 2]:.2f} s, "
         f"p99 {FIRST[len(FIRST) * 99 // 100]:.2f} s, max {FIRST[-1]:.2f} s")
note(f"reconnect-1000: {len(finished)}/{N} served to final in {took:.1f} s (answer still streaming), "
     f"gateway RSS {rss0 // 1024} -> {rss1 // 1024} MB, {rss2 // 1024} MB after they left")
done()
