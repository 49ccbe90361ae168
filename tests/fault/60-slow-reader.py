"""60-slow-reader: readers that never read. 100 connections to a long answer (~1 MB: 8,000
words of 120 characters, streamed as fast as the pipeline goes) whose clients never read a
byte (a 4 KiB receive buffer), beside one
normal reader. The normal reader gets the whole answer, the gateway's memory stays bounded
(each stalled connection may cost one bounded batch, not the answer), and it stays ready."""
import socket
import threading
import time

from fclib import check, done
from faultlib import URL, User, Reader, assemble, mock, note, pid_of, readyz, rss_kb, stored_answers

N, WORDS = 100, 8000
HOST, PORT = URL.split("//")[1].split(":")[0], int(URL.rsplit(":", 1)[1])
LIMIT_MB = 40  # buffering the answer per connection would hold N x ~1.2 MB

user = User()
gw = pid_of("gateway")
mock("/__config", {"tps": 0, "text": " ".join(f"w{i:05d}" + "x" * 114 for i in range(WORDS))})
try:
    rid = user.ask()
    socks = []
    for _ in range(N):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((HOST, PORT))
        s.sendall((f"GET /api/v1/streams/{rid} HTTP/1.1\r\nHost: {HOST}\r\n"
                   f"Authorization: {user.H['Authorization']}\r\n\r\n").encode())
        socks.append(s)
    rss0 = rss_kb(gw)
    peak = [rss0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(gw))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.time()
    ref = Reader(user.H, rid, deadline_s=120)
    ref.join()
    took = time.time() - t0
    time.sleep(3)  # the stalled connections stay; the gateway keeps what it keeps
    stop.set()
    grown = (peak[0] - rss0) / 1024
    stored = stored_answers(user, rid)
    text = stored[0]["text"] if len(stored) == 1 else None
    check(ref.outcome() == "final" and assemble(ref.events) == text,
          f"a normal reader beside {N} stalled ones gets the whole answer, equal to the stored one",
          f"{ref.outcome()}, {len(ref.events)} events")
    check(grown < LIMIT_MB, f"the gateway's memory grows by less than {LIMIT_MB} MB with {N} readers that never read",
          f"{grown:.1f} MB")
    check(readyz() == 200, "the gateway stays ready")
    note(f"slow-reader: {len(ref.events)} events ({len(assemble(ref.events)) // 1024} KiB) in {took:.1f} s; gateway RSS {rss0 // 1024} MB, "
         f"peak +{grown:.1f} MB with {N} stalled readers")
finally:
    for s in socks:
        s.close()
    mock("/__config", {"tps": 25, "tokens": 150, "text": None})
time.sleep(1)
note(f"slow-reader: gateway RSS {rss_kb(gw) // 1024} MB after the stalled readers closed")
done()
