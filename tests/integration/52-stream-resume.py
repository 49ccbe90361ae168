"""52-stream-resume: SSE streams survive what users do to them, seen from the browser's side.

- A stream read partly on gateway A resumes with Last-Event-ID on a second gateway B, which
  does not hold it and replays it from Kafka: no lost or duplicated event, text = stored.
- After the end, B replays the whole stream to a fresh reader, and resumes after any id.
- The same stream over HTTP/2.
- kill -9 of the worker that is answering: the reader sees `reset`, then a complete answer
  from the other worker within 30 s, and what it assembled equals the stored message."""
import json
import os
import signal
import subprocess
import time
import http.client
import urllib.parse

from fclib import URL, check, done, request, login, auth, free_port, wait_http

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LONG_Q = "Give me a detailed breakdown of my spending by category, my subscriptions and my budget status."


def sse(url, rid, headers, last_id=None, stop_after=None, on_event=None, timeout=60):
    """Reads /api/v1/streams/rid; returns [(id, event, data)]. Stops after @stop_after
    events (simulating a dropped connection) or at final/error."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers)
    if last_id is not None:
        h["Last-Event-ID"] = str(last_id)
    c.request("GET", f"/api/v1/streams/{rid}", headers=h)
    r = c.getresponse()
    events, cur = [], {}
    if r.status != 200:
        return r.status, events
    while True:
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\n")
        if line.startswith("id: "):
            cur["id"] = int(line[4:])
        elif line.startswith("event: "):
            cur["event"] = line[7:]
        elif line.startswith("data: "):
            cur["data"] = json.loads(line[6:])
        elif line == "" and "event" in cur:
            events.append((cur.get("id"), cur["event"], cur.get("data")))
            if on_event:
                on_event(events[-1])
            cur = {}
            if events[-1][1] in ("final", "error") or (stop_after and len(events) >= stop_after):
                break
    c.close()
    return 200, events


def assemble(events):
    text = ""
    for _, ev, d in events:
        if ev == "reset":
            text = ""
        elif ev == "token":
            text += d["text"]
    return text


def stored(conv, rid, H):
    for m in request("GET", f"/api/v1/conversations/{conv}/messages", headers=H).json()["items"]:
        if m["role"] == "assistant" and m.get("request_id") == rid and m.get("status") == "complete":
            return m["text"]
    return None


def wait_stored(conv, rid, H):
    for _ in range(100):
        t = stored(conv, rid, H)
        if t is not None:
            return t
        time.sleep(0.2)
    return None


def increasing(events):
    ids = [e[0] for e in events]
    return all(b > a for a, b in zip(ids, ids[1:]))


H = auth(login())
conv = request("POST", "/api/v1/conversations", {"title": "resume checks"}, headers=H).json()["id"]

port = free_port()
url_b = f"http://127.0.0.1:{port}"
env = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{port}", FINCHAT_REPLY_PARTITIONS="7",
           FINCHAT_HTTP_THREADS="1")
gw = subprocess.Popen([os.path.join(ROOT, "build/bin/finchat-gateway")], env=env, cwd=ROOT,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait_http(url_b, "/readyz")

    # 1. Part on A, the rest on B.
    rid = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": LONG_Q}, headers=H).json()["request_id"]
    st, first = sse(URL, rid, H, stop_after=6)
    check(st == 200 and len(first) == 6 and first[0][1] == "start", "gateway A streams the first events", str(first[:2]))
    st, rest = sse(url_b, rid, H, last_id=first[-1][0])
    allev = first + rest
    check(st == 200 and rest and rest[-1][1] == "final", "gateway B (not holding the stream) continues it to final",
          f"{st} {rest[-1:] if rest else rest}")
    check(increasing(allev), "event ids strictly increase across the two gateways: nothing duplicated")
    text = assemble(allev)
    check(text and text == wait_stored(conv, rid, H), "the text assembled across gateways equals the stored message")

    # 2. After the end, on B: from the start, and after an id in the middle.
    st, full = sse(url_b, rid, H)
    check(st == 200 and full and full[0][1] == "start" and full[-1][1] == "final" and assemble(full) == text,
          "after the end, a fresh reader on B gets the whole stream")
    mid = full[len(full) // 2][0]
    st, tail = sse(url_b, rid, H, last_id=mid)
    check(tail and tail[0][0] > mid and assemble(full[: len(full) // 2 + 1] + tail) == text,
          "after the end, resuming mid-way on B continues exactly after that id")

    # 3. Another user cannot read it anywhere.
    email = f"other-{os.getpid()}-{int(time.time())}@example.com"
    request("POST", "/api/v1/auth/register", {"email": email, "password": "OtherPass2026!", "name": "Other"})
    H2 = auth(login(email, "OtherPass2026!"))
    check(sse(url_b, rid, H2)[0] == 404 and sse(URL, rid, H2)[0] == 404, "another user's stream is 404 on both gateways")

    # 4. HTTP/2.
    rid2 = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": "What is my net worth?"}, headers=H).json()["request_id"]
    out = subprocess.run(["curl", "-sN", "--http2-prior-knowledge", "--max-time", "60", "-H", H["Authorization"].join(["Authorization: ", ""]),
                          "-w", "\nHTTP_VERSION=%{http_version}", f"{URL}/api/v1/streams/{rid2}"],
                         capture_output=True, text=True)
    check("HTTP_VERSION=2" in out.stdout and "event: final" in out.stdout, "the stream works over HTTP/2")

    # 5. kill -9 of the answering worker.
    rid3 = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": LONG_Q}, headers=H).json()["request_id"]
    killed = {}

    def on_event(e):
        if e[1] == "start" and "pid" not in killed:
            worker = e[2].get("worker", "")
            pid = int(worker.rsplit(":", 1)[1]) if ":" in worker else 0
            killed["pid"] = pid
        elif e[1] == "token" and "done" not in killed and killed.get("pid"):
            try:
                os.kill(killed["pid"], signal.SIGKILL)
                killed["done"] = time.time()
            except ProcessLookupError:
                pass

    t0 = time.time()
    st, evs = sse(URL, rid3, H, on_event=on_event, timeout=60)
    kinds = [e[1] for e in evs]
    check(killed.get("done"), "the answering worker was killed mid-answer", str(killed))
    check("reset" in kinds and kinds[-1] == "final", "the reader sees reset, then a final answer", str(kinds[-3:]))
    check(killed.get("done") and time.time() - killed["done"] < 30, "the answer completed within 30 s of the kill",
          f"{time.time() - killed.get('done', t0):.1f} s")
    check(increasing(evs) and assemble(evs) == wait_stored(conv, rid3, H), "what the reader assembled equals the stored message")
finally:
    gw.terminate()
    gw.wait(timeout=15)
    # Bring the killed worker back.
    subprocess.run([os.path.join(ROOT, "deploy/local/services.sh"), "up"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
done()
